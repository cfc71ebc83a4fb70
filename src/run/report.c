/* SPDX-License-Identifier: MIT
 *
 * report.c - bro-run --report FILE: a JSON summary written when the sandbox
 * has exited, of two parts.
 *
 * "seccomp": each call the built-in profiles denied. With --report their
 * EPERM rules notify the launcher's supervisor (unixbroker.c) instead of
 * answering in the kernel; run_report_record() keeps the call (name, the
 * argument the rule looked at) and the supervisor answers EPERM, as the
 * rule would have. Allowed calls never leave the kernel. The first
 * RUN_REPORT_KEEP calls are kept whole, all are counted per system call.
 * Not reported: clone3() (ENOSYS, in the kernel), and the foreign-ABI
 * (i386, x32) calls, which kill the process (SIGSYS: its exit status).
 * Without --egress the launcher writes the report; with it, the launcher
 * sends this part to egress.c's waiter, which writes it.
 *
 * "egress" (with --egress): from the connection log of the
 * transient bro-netns namespace (`bro-netns log NAME`, read before the
 * namespace is destroyed): every connection with its name, address, port
 * and verdict, and counts per kind:
 *   allowed  allowed by the policy and carried (no error),
 *   denied   refused by the policy (reset, never sent to the proxy),
 *   failed   allowed, but the proxy or the destination refused it.
 * The log lines are bro-netns's own JSON objects, passed on as they are.
 * The log lives in a directory the sandbox's UID could write if it could
 * reach it (bro-run's mount namespace hides it unless bound in): a record,
 * not evidence.
 *
 *	{"exit_code":N,
 *	 "egress":{"namespace":"bro-run-...","proxy":"socks5://...",
 *		   "log":[{...bro-netns log line...}, ...],
 *		   "connections":N,"allowed":N,"denied":N,"failed":N,
 *		   "still_open":N,"refused":N,"log_dropped":N} or null,
 *	 "seccomp":{"profiles":["unix-block","hardening"],"denied":N,
 *		    "calls":[{"syscall":"socket","errno":"EPERM",
 *			      "family":"AF_UNIX","type":"SOCK_DGRAM"}, ...],
 *		    "calls_dropped":N,"counts":{"socket":N, ...}} or null}
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux-api.h"
#include "log.h"
#include "run.h"

#define LOG_MAX	(8u << 20)	/* what is read of the log */

/* "KEY N" in the relay's stats, else -1 */
static long long stat_of(const char *stats, const char *key)
{
	size_t k = strlen(key);

	for (const char *p = stats; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, k) && p[k] == ' ')
			return strtoll(p + k + 1, NULL, 10);
	return -1;
}

/* --- the seccomp part ---------------------------------------------------- */

#define NR_MAX	1024		/* counted by number below it; above: "other" */

struct call {
	int nr, err;
	uint64_t args[6];
	char *path;		/* the broker's refusal, else NULL */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct call calls[RUN_REPORT_KEEP];
static size_t ncalls;
static unsigned long long counts[NR_MAX + 1], total;

void run_report_record(const struct seccomp_data *d, const char *path, int err)
{
	pthread_mutex_lock(&lock);
	total++;
	counts[d->nr >= 0 && d->nr < NR_MAX ? d->nr : NR_MAX]++;
	if (ncalls < RUN_REPORT_KEEP) {
		struct call *c = &calls[ncalls++];

		c->nr = d->nr;
		c->err = err;
		memcpy(c->args, d->args, sizeof(c->args));
		c->path = path ? strdup(path) : NULL;	/* NULL: no path shown */
	}
	pthread_mutex_unlock(&lock);
}

/* a growing string; on ENOMEM ->oom and nothing more */
struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL,
			      b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap ? 2 * b->cap : 4096) + (size_t)n;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			sb_add(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)	/* bytes, not UTF-8 */
			sb_add(b, "\\u%04x", c);
		else
			sb_add(b, "%c", c);
	}
	sb_add(b, "\"");
}

static void sb_name(struct sbuf *b, int nr)
{
	char *n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

#if defined(__x86_64__) || defined(__aarch64__)
	if (!n && nr == 467)	/* see lib/confine.c */
		n = strdup("open_tree_attr");
#endif
	if (n)
		sb_str(b, n);
	else
		sb_add(b, "\"syscall_%d\"", nr);
	free(n);
}

static const char *family_name(uint64_t f)
{
	switch ((int)f) {	/* the kernel reads an int */
	case AF_UNIX: return "AF_UNIX";
	case AF_INET: return "AF_INET";
	case AF_INET6: return "AF_INET6";
	case AF_NETLINK: return "AF_NETLINK";
	case AF_PACKET: return "AF_PACKET";
	default: return NULL;
	}
}

static void sb_socket(struct sbuf *b, const uint64_t *a)
{
	static const char *const types[] = {
		[SOCK_STREAM] = "SOCK_STREAM", [SOCK_DGRAM] = "SOCK_DGRAM",
		[SOCK_RAW] = "SOCK_RAW", [SOCK_SEQPACKET] = "SOCK_SEQPACKET",
	};
	const char *fam = family_name(a[0]);
	unsigned t = (unsigned)a[1] & 0xf;

	if (fam)
		sb_add(b, ",\"family\":\"%s\"", fam);
	else
		sb_add(b, ",\"family\":%d", (int)a[0]);
	if (t < sizeof(types) / sizeof(types[0]) && types[t])
		sb_add(b, ",\"type\":\"%s%s%s\"", types[t],
		       (unsigned)a[1] & SOCK_NONBLOCK ? "|SOCK_NONBLOCK" : "",
		       (unsigned)a[1] & SOCK_CLOEXEC ? "|SOCK_CLOEXEC" : "");
	else
		sb_add(b, ",\"type\":%d", (int)a[1]);
}

/* the argument the rule that denied @c looked at */
static void sb_args(struct sbuf *b, const struct call *c)
{
	const uint64_t *a = c->args;

	switch (c->nr) {
	case __NR_socket:
	case __NR_socketpair:
		sb_socket(b, a);
		break;
	case __NR_ioctl:
		sb_add(b, ",\"fd\":%d,\"request\":\"0x%llx\"", (int)a[0],
		       (unsigned long long)a[1]);
		if ((a[1] & 0xffffffffu) == TIOCSTI)
			sb_add(b, ",\"request_name\":\"TIOCSTI\"");
		else if ((a[1] & 0xffffffffu) == TIOCLINUX)
			sb_add(b, ",\"request_name\":\"TIOCLINUX\"");
		break;
	case __NR_clone:
	case __NR_unshare:
		sb_add(b, ",\"flags\":\"0x%llx\"%s", (unsigned long long)a[0],
		       a[0] & CLONE_NEWUSER ? ",\"new_user_namespace\":true" : "");
		break;
	case __NR_seccomp:
		sb_add(b, ",\"operation\":%u,\"flags\":\"0x%llx\"%s", (unsigned)a[0],
		       (unsigned long long)a[1],
		       a[1] & SECCOMP_FILTER_FLAG_NEW_LISTENER ?
		       ",\"new_listener\":true" : "");
		break;
	case __NR_ptrace:
		sb_add(b, ",\"request\":%lld,\"target_pid\":%d", (long long)a[0], (int)a[1]);
		break;
	case __NR_bpf:
		sb_add(b, ",\"command\":%d", (int)a[0]);
		break;
	default:
		break;
	}
	if (c->path) {
		sb_add(b, ",\"path\":");
		sb_str(b, c->path);
	}
}

char *run_report_seccomp_json(const struct run_opts *o)
{
	struct sbuf b = { 0 };
	bool first = true;

	if (!o->seccomp_unix_block && !o->seccomp_hardening)
		return NULL;
	pthread_mutex_lock(&lock);
	sb_add(&b, "{\"profiles\":[%s%s%s],\"denied\":%llu,\"calls\":[",
	       o->seccomp_unix_block ? "\"unix-block\"" : "",
	       o->seccomp_unix_block && o->seccomp_hardening ? "," : "",
	       o->seccomp_hardening ? "\"hardening\"" : "", total);
	for (size_t i = 0; i < ncalls; i++) {
		sb_add(&b, "%s\n{\"syscall\":", i ? "," : "");
		sb_name(&b, calls[i].nr);
		sb_add(&b, ",\"errno\":\"%s\"", strerrorname_np(calls[i].err) ?: "?");
		sb_args(&b, &calls[i]);
		sb_add(&b, "}");
	}
	sb_add(&b, "],\"calls_dropped\":%llu,\"counts\":{", total - ncalls);
	for (int nr = 0; nr <= NR_MAX; nr++) {
		if (!counts[nr])
			continue;
		sb_add(&b, "%s", first ? "" : ",");
		if (nr < NR_MAX)
			sb_name(&b, nr);
		else
			sb_add(&b, "\"other\"");
		sb_add(&b, ":%llu", counts[nr]);
		first = false;
	}
	sb_add(&b, "}}");
	pthread_mutex_unlock(&lock);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* --- the file -------------------------------------------------------------- */

void run_report_write(const struct run_opts *o, const char *ns,
		      const char *stats, int code, const char *seccomp)
{
	const char *argv[] = { "bro-netns", "log", ns, NULL };
	unsigned long conns = 0, allowed = 0, denied = 0, failed = 0;
	char *buf = malloc(LOG_MAX), *line, *save = NULL, tmp[4200];
	bool first = true;
	FILE *f;
	int fd;

	if (!buf) {
		log_err("--report %s: out of memory", o->report);
		return;
	}
	buf[0] = '\0';
	if (ns)
		run_netns_cmd(argv, buf, LOG_MAX);	/* none yet: no file, empty */
	/* written whole or not at all: a temporary file, then renamed */
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", o->report) >= (int)sizeof(tmp)) {
		log_err("--report %s: name too long", o->report);
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		log_err("--report: mkostemp(%s): %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	fprintf(f, "{\"exit_code\":%d,\"egress\":", code);
	if (!ns) {
		fputs("null", f);
		goto seccomp;
	}
	{
		struct sbuf h = { 0 };

		sb_add(&h, "{\"namespace\":");
		sb_str(&h, ns);
		sb_add(&h, ",\"proxy\":");
		sb_str(&h, o->egress);
		sb_add(&h, ",\"log\":[");
		if (!h.oom)
			fputs(h.p, f);
		free(h.p);
		if (h.oom) {
			log_err("--report %s: out of memory", o->report);
			fclose(f);
			unlink(tmp);
			goto out;
		}
	}
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);

		/* bro-netns's objects only; anything else is not passed on */
		if (n < 2 || line[0] != '{' || line[n - 1] != '}')
			continue;
		conns++;
		if (strstr(line, "\"verdict\":\"deny\""))
			denied++;
		else if (strstr(line, "\"error\":null"))
			allowed++;
		else
			failed++;
		fprintf(f, "%s\n%s", first ? "" : ",", line);
		first = false;
	}
	/* the relay's counters: connections still open at exit (not in
	 * the log), its refusals of fake addresses it never handed out,
	 * log lines it could not write; -1: unknown */
	fprintf(f, "],\"connections\":%lu,\"allowed\":%lu,\"denied\":%lu,"
		"\"failed\":%lu,\"still_open\":%lld,\"refused\":%lld,"
		"\"log_dropped\":%lld}",
		conns, allowed, denied, failed, stat_of(stats, "active"),
		stat_of(stats, "refused"), stat_of(stats, "log_dropped"));
seccomp:
	fprintf(f, ",\"seccomp\":%s}\n", seccomp ? seccomp : "null");
	if (fflush(f) != 0 || ferror(f) || fchmod(fileno(f), 0644) < 0) {
		log_err("--report: write(%s): %s", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		goto out;
	}
	fclose(f);
	if (rename(tmp, o->report) < 0) {
		log_err("--report: rename(%s, %s): %s", tmp, o->report,
			strerror(errno));
		unlink(tmp);
	}
out:
	free(buf);
}
