/* SPDX-License-Identifier: MIT
 *
 * report.c - bro-run --report FILE: a JSON summary written when the sandbox
 * has exited. Today: the egress part, from the connection log of the
 * transient bro-netns namespace (`bro-netns log NAME`, read before the
 * namespace is destroyed): every connection with its name, address, port
 * and verdict, and counts per kind:
 *   allowed  allowed by the policy and carried (no error),
 *   denied   refused by the policy (reset, never sent to the proxy),
 *   failed   allowed, but the proxy or the destination refused it.
 * The log lines are bro-netns's own JSON objects, passed on as they are.
 * The log lives in a directory the sandbox's UID could write if it could
 * reach it (bro-run's mount namespace hides it unless bound in): a record,
 * not evidence. Not yet: the seccomp profiles' denied calls.
 *
 *	{"exit_code":N,
 *	 "egress":{"namespace":"bro-run-...","proxy":"socks5://...",
 *		   "log":[{...bro-netns log line...}, ...],
 *		   "connections":N,"allowed":N,"denied":N,"failed":N,
 *		   "still_open":N,"refused":N,"log_dropped":N},
 *	 "seccomp":null}
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "run.h"

#define LOG_MAX	(8u << 20)	/* what is read of the log */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* "KEY N" in the relay's stats, else -1 */
static long long stat_of(const char *stats, const char *key)
{
	size_t k = strlen(key);

	for (const char *p = stats; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, k) && p[k] == ' ')
			return strtoll(p + k + 1, NULL, 10);
	return -1;
}

void run_report_write(const struct run_opts *o, const char *ns,
		      const char *stats, int code)
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
	fprintf(f, "{\"exit_code\":%d,\"egress\":{\"namespace\":", code);
	json_str(f, ns);
	fputs(",\"proxy\":", f);
	json_str(f, o->egress);
	fputs(",\"log\":[", f);
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
		"\"log_dropped\":%lld},\"seccomp\":null}\n",
		conns, allowed, denied, failed, stat_of(stats, "active"),
		stat_of(stats, "refused"), stat_of(stats, "log_dropped"));
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
