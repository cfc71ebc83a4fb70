/* SPDX-License-Identifier: MIT
 *
 * args.c - bro-run's command line, bwrap's syntax: options in order, each
 * filesystem option appended to a list of operations that run later, in the
 * same order, inside the namespaces. Parsing never touches the system except
 * through o->read_fd for --args FD. Errors are one line in o->err, worded as
 * bwrap words them where scripts and bwrap's tests compare them.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "run.h"

static const char *const cap_names[] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid",
	"kill", "setgid", "setuid", "setpcap", "linux_immutable",
	"net_bind_service", "net_broadcast", "net_admin", "net_raw",
	"ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot",
	"sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
	"sys_resource", "sys_time", "sys_tty_config", "mknod", "lease",
	"audit_write", "audit_control", "setfcap", "mac_override",
	"mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read",
	"perfmon", "bpf", "checkpoint_restore",
};
#define NCAPS ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

int run_cap_from_name(const char *name)
{
	const char *n = name;

	if (!strncasecmp(n, "cap_", 4))
		n += 4;
	for (int i = 0; i < NCAPS; i++)
		if (!strcasecmp(n, cap_names[i]))
			return i;
	return -1;
}

/* a file descriptor number: decimal, 0 .. INT_MAX */
int run_parse_fd(const char *s)
{
	uint64_t v;

	if (parse_u64(s, 0, INT_MAX, &v) < 0)
		return -1;
	return (int)v;
}

int run_args_fail(struct run_opts *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->err, sizeof(o->err), fmt, ap);
	va_end(ap);
	return -1;
}

static void warn_last(struct run_opts *o, const char *name)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "Only the last %s option will take effect",
		 name);
	if (o->warn)
		o->warn(msg);
}

void run_opts_init(struct run_opts *o, uint64_t default_caps)
{
	memset(o, 0, sizeof(*o));
	o->uid = o->gid = -1;
	o->caps = default_caps;
	o->info_fd = o->json_status_fd = o->block_fd = o->userns_block_fd =
		o->sync_fd = o->userns_fd = o->userns2_fd = o->pidns_fd = -1;
	o->next_perms = -1;
}

void run_opts_free(struct run_opts *o)
{
	for (size_t i = 0; i < o->nbufs; i++)
		free(o->bufs[i]);
	for (size_t i = 0; i < o->nvecs; i++)
		free(o->vecs[i]);
	free(o->bufs);
	free(o->vecs);
	free(o->ops);
	free(o->env);
	free(o->locks);
	free(o->egress_args);
	free(o->seccomp_fds);
	memset(o, 0, sizeof(*o));
}

/* grow *@arr (of @size-byte elements) to hold one more; NULL on ENOMEM */
static void *grow(void *arr_p, size_t *n, size_t *cap, size_t size)
{
	void **arr = arr_p;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		void *p = realloc(*arr, c * size);

		if (!p)
			return NULL;
		*arr = p;
		*cap = c;
	}
	return (char *)*arr + (*n)++ * size;
}

static struct run_op *op_new(struct run_opts *o, enum op_type t)
{
	struct run_op *op = grow(&o->ops, &o->nops, &o->ops_cap, sizeof(*op));

	if (!op)
		return NULL;
	memset(op, 0, sizeof(*op));
	op->type = t;
	op->fd = -1;
	op->src_fd = -1;
	op->perms = -1;
	return op;
}

static int env_add(struct run_opts *o, enum env_op_type t, const char *name,
		   const char *value)
{
	struct env_op *e = grow(&o->env, &o->nenv, &o->env_cap, sizeof(*e));

	if (!e)
		return run_args_fail(o, "out of memory");
	e->type = t;
	e->name = name;
	e->value = value;
	return 0;
}

int run_args_split(char *buf, size_t len, char **argv, int max)
{
	int n = 0;
	size_t i = 0;

	while (i < len) {
		if (n >= max)
			return -1;
		argv[n++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	return n;
}

/* options with no argument that set a flag */
struct flag_opt {
	const char *name;
	size_t off;
};
#define F(n, field) { n, offsetof(struct run_opts, field) }
static const struct flag_opt flag_opts[] = {
	F("--unshare-user", unshare_user),
	F("--unshare-user-try", unshare_user_try),
	F("--unshare-pid", unshare_pid),
	F("--unshare-net", unshare_net),
	F("--unshare-ipc", unshare_ipc),
	F("--unshare-uts", unshare_uts),
	F("--unshare-cgroup", unshare_cgroup),
	F("--unshare-cgroup-try", unshare_cgroup_try),
	F("--die-with-parent", die_with_parent),
	F("--new-session", new_session),
	F("--as-pid-1", as_pid_1),
	F("--disable-userns", disable_userns),
	F("--assert-userns-disabled", assert_userns_disabled),
	F("--level-prefix", level_prefix),
};
#undef F

/* options taking one fd that the launcher owns */
struct fd_opt {
	const char *name;
	size_t off;
	bool warn_last;
};
#define D(n, field, w) { n, offsetof(struct run_opts, field), w }
static const struct fd_opt fd_opts[] = {
	D("--sync-fd", sync_fd, false),
	D("--block-fd", block_fd, false),
	D("--userns-block-fd", userns_block_fd, false),
	D("--info-fd", info_fd, false),
	D("--json-status-fd", json_status_fd, false),
	D("--userns", userns_fd, true),
	D("--userns2", userns2_fd, true),
	D("--pidns", pidns_fd, true),
};
#undef D

static int parse_recurse(struct run_opts *o, int argc, char **argv,
			 bool in_file, int *consumed);
static const char overlay_src_msg[] = "--overlay-src must be followed by "
	"another --overlay-src or one of --overlay, --tmp-overlay, or --ro-overlay";

static int parse_args_fd(struct run_opts *o, const char *fdarg)
{
	char *buf = NULL, **vec, **slot;
	size_t len = 0;
	int fd = run_parse_fd(fdarg), n, r, used;

	if (fd < 0)
		return run_args_fail(o, "Invalid fd: %s", fdarg);
	if (!o->read_fd)
		return run_args_fail(o, "Can't read --args data: %s", strerror(ENOTSUP));
	r = o->read_fd(fd, &buf, &len);
	if (r < 0)
		return run_args_fail(o, "Can't read --args data: %s", strerror(-r));
	slot = grow(&o->bufs, &o->nbufs, &(size_t){ o->nbufs }, sizeof(char *));
	if (!slot) {
		free(buf);
		return run_args_fail(o, "out of memory");
	}
	*slot = buf;
	vec = calloc(RUN_MAX_ARGS + 1, sizeof(char *));
	if (!vec)
		return run_args_fail(o, "out of memory");
	slot = grow(&o->vecs, &o->nvecs, &(size_t){ o->nvecs }, sizeof(char *));
	if (!slot) {
		free(vec);
		return run_args_fail(o, "out of memory");
	}
	*slot = (char *)vec;
	n = run_args_split(buf, len, vec, RUN_MAX_ARGS);
	if (n < 0 || o->nargs + n > RUN_MAX_ARGS)
		return run_args_fail(o, "Exceeded maximum number of arguments %u",
			    RUN_MAX_ARGS);
	o->nargs += n;
	r = parse_recurse(o, n, vec, true, &used);
	if (r < 0)
		return r;
	if (used < n)	/* the command itself may come from a file */
		return o->cmd ? run_args_fail(o, "command given twice") :
			(o->cmd = vec + used, o->ncmd = n - used, 0);
	return 0;
}

static int parse_octal(const char *s, int *mode)
{
	char *end;
	unsigned long v;

	if (!s[0] || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || *end || v > 07777)
		return -1;
	*mode = (int)v;
	return 0;
}

static int overlay_srcs_before(const struct run_opts *o)
{
	int n = 0;

	for (size_t i = o->nops; i > 0 &&
	     o->ops[i - 1].type == OP_OVERLAY_SRC; i--)
		n++;
	return n;
}

/* the body of parse_recurse for one option; returns the number of
 * arguments it used (>= 1), 0 at the command, -1 on error */
static int parse_one(struct run_opts *o, int argc, char **argv, bool in_file)
{
	const char *a = argv[0];
	struct run_op *op;
	int fd, n;

#define NEED(k, what) do { if (argc < (k) + 1) \
	return run_args_fail(o, "%s takes " what, a); } while (0)
#define NEWOP(t) do { if (!(op = op_new(o, t))) \
	return run_args_fail(o, "out of memory"); } while (0)

	for (size_t i = 0; i < sizeof(flag_opts) / sizeof(flag_opts[0]); i++)
		if (!strcmp(a, flag_opts[i].name)) {
			*(bool *)((char *)o + flag_opts[i].off) = true;
			return 1;
		}
	for (size_t i = 0; i < sizeof(fd_opts) / sizeof(fd_opts[0]); i++)
		if (!strcmp(a, fd_opts[i].name)) {
			int *field = (int *)((char *)o + fd_opts[i].off);

			NEED(1, "an argument");
			fd = run_parse_fd(argv[1]);
			if (fd < 0)
				return run_args_fail(o, "Invalid fd: %s", argv[1]);
			if (fd_opts[i].warn_last && *field != -1)
				warn_last(o, a);
			*field = fd;
			return 2;
		}

	if (!strcmp(a, "--help")) {
		o->help = true;
		return 1;
	}
	if (!strcmp(a, "--version")) {
		o->version = true;
		return 1;
	}
	if (!strcmp(a, "--args")) {
		if (in_file)
			return run_args_fail(o, "--args not supported in arguments file");
		NEED(1, "an argument");
		return parse_args_fd(o, argv[1]) < 0 ? -1 : 2;
	}
	if (!strcmp(a, "--argv0")) {
		NEED(1, "one argument");
		if (o->argv0)
			return run_args_fail(o, "--argv0 used multiple times");
		o->argv0 = argv[1];
		return 2;
	}
	if (!strcmp(a, "--unshare-all")) {
		/* bwrap's "all": user-try and cgroup-try, not user */
		o->unshare_user_try = o->unshare_ipc = o->unshare_pid =
			o->unshare_net = o->unshare_uts =
			o->unshare_cgroup_try = true;
		return 1;
	}
	if (!strcmp(a, "--share-net")) {
		o->unshare_net = false;
		return 1;
	}
	if (!strcmp(a, "--chdir")) {
		NEED(1, "one argument");
		if (o->chdir)
			warn_last(o, a);
		o->chdir = argv[1];
		return 2;
	}
	if (!strcmp(a, "--clearenv"))
		return env_add(o, ENV_CLEAR, NULL, NULL) < 0 ? -1 : 1;
	if (!strcmp(a, "--setenv")) {
		NEED(2, "two arguments");
		return env_add(o, ENV_SET, argv[1], argv[2]) < 0 ? -1 : 3;
	}
	if (!strcmp(a, "--unsetenv")) {
		NEED(1, "an argument");
		return env_add(o, ENV_UNSET, argv[1], NULL) < 0 ? -1 : 2;
	}
	if (!strcmp(a, "--uid") || !strcmp(a, "--gid")) {
		long long *field = a[2] == 'u' ? &o->uid : &o->gid;
		uint64_t v;

		NEED(1, "an argument");
		if (parse_u64(argv[1], 0, UINT32_MAX - 1, &v) < 0)
			return run_args_fail(o, "Invalid %s: %s", a + 2, argv[1]);
		if (*field != -1)
			warn_last(o, a);
		*field = (long long)v;
		return 2;
	}
	if (!strcmp(a, "--hostname")) {
		NEED(1, "an argument");
		if (o->hostname)
			warn_last(o, a);
		o->hostname = argv[1];
		return 2;
	}
	if (!strcmp(a, "--cap-add") || !strcmp(a, "--cap-drop")) {
		bool add = a[6] == 'a';
		uint64_t mask;
		int cap;

		NEED(1, "an argument");
		if (!strcasecmp(argv[1], "ALL")) {
			mask = ~0ULL;
		} else {
			cap = run_cap_from_name(argv[1]);
			if (cap < 0)
				return run_args_fail(o, "Unknown cap: %s", argv[1]);
			mask = 1ULL << cap;
		}
		if (add)
			o->caps |= mask;
		else
			o->caps &= ~mask;
		o->caps_given = true;
		return 2;
	}
	if (!strcmp(a, "--seccomp") || !strcmp(a, "--add-seccomp-fd")) {
		bool single = a[2] == 's';
		int *p;

		NEED(1, "an argument");
		if (single && o->nseccomp && !o->seccomp_single)
			return run_args_fail(o, "--seccomp cannot be combined with --add-seccomp-fd");
		if (!single && o->seccomp_single)
			return run_args_fail(o, "--add-seccomp-fd cannot be combined with --seccomp");
		fd = run_parse_fd(argv[1]);
		if (fd < 0)
			return run_args_fail(o, "Invalid fd: %s", argv[1]);
		if (single && o->nseccomp) {
			warn_last(o, a);
			o->seccomp_fds[0] = fd;
			return 2;
		}
		p = realloc(o->seccomp_fds, (o->nseccomp + 1) * sizeof(int));
		if (!p)
			return run_args_fail(o, "out of memory");
		o->seccomp_fds = p;
		p[o->nseccomp++] = fd;
		o->seccomp_single = single;
		return 2;
	}
	if (!strcmp(a, "--lock-file")) {
		const char **l;

		NEED(1, "an argument");
		l = grow(&o->locks, &o->nlocks, &o->locks_cap, sizeof(*l));
		if (!l)
			return run_args_fail(o, "out of memory");
		*l = argv[1];
		return 2;
	}
	if (!strcmp(a, "--perms")) {
		int mode;

		NEED(1, "an argument");
		if (o->next_perms != -1)
			return run_args_fail(o, "--perms given twice for the same action");
		if (parse_octal(argv[1], &mode) < 0)
			return run_args_fail(o, "--perms takes an octal argument <= 07777");
		o->next_perms = mode;
		return 2;
	}
	if (!strcmp(a, "--size")) {
		uint64_t v;

		NEED(1, "an argument");
		if (o->next_size)
			return run_args_fail(o, "--size given twice for the same action");
		switch (parse_u64(argv[1], 0, UINT64_MAX, &v)) {
		case 0:
			break;
		case -ERANGE:
			return run_args_fail(o, "--size (for tmpfs) is limited to %zu",
				    (size_t)RUN_MAX_TMPFS);
		default:
			return run_args_fail(o, "--size takes a non-zero number of bytes");
		}
		if (v == 0)
			return run_args_fail(o, "--size takes a non-zero number of bytes");
		if (v > RUN_MAX_TMPFS)
			return run_args_fail(o, "--size (for tmpfs) is limited to %zu",
				    (size_t)RUN_MAX_TMPFS);
		o->next_size = v;
		return 2;
	}
	if (!strcmp(a, "--chmod")) {
		int mode;

		NEED(2, "two arguments");
		if (parse_octal(argv[1], &mode) < 0)
			return run_args_fail(o, "--chmod takes an octal argument <= 07777");
		NEWOP(OP_CHMOD);
		op->perms = mode;
		op->dest = argv[2];
		return 3;
	}

	/* two-path binds */
	static const struct { const char *name; unsigned flags; } binds[] = {
		{ "--bind", 0 }, { "--bind-try", OPF_TRY },
		{ "--ro-bind", OPF_RO }, { "--ro-bind-try", OPF_RO | OPF_TRY },
		{ "--dev-bind", OPF_DEV }, { "--dev-bind-try", OPF_DEV | OPF_TRY },
	};
	for (size_t i = 0; i < sizeof(binds) / sizeof(binds[0]); i++)
		if (!strcmp(a, binds[i].name)) {
			NEED(2, "two arguments");
			NEWOP(OP_BIND);
			op->flags = binds[i].flags;
			op->src = argv[1];
			op->dest = argv[2];
			return 3;
		}
	if (!strcmp(a, "--bind-fd") || !strcmp(a, "--ro-bind-fd")) {
		NEED(2, "two arguments");
		fd = run_parse_fd(argv[1]);
		if (fd < 0)
			return run_args_fail(o, "Invalid fd: %s", argv[1]);
		NEWOP(OP_BIND_FD);
		op->flags = a[2] == 'r' ? OPF_RO : 0;
		op->fd = fd;
		op->dest = argv[2];
		return 3;
	}
	if (!strcmp(a, "--file") || !strcmp(a, "--bind-data") ||
	    !strcmp(a, "--ro-bind-data")) {
		NEED(2, "two arguments");
		fd = run_parse_fd(argv[1]);
		if (fd < 0)
			return run_args_fail(o, "Invalid fd: %s", argv[1]);
		NEWOP(a[2] == 'f' ? OP_FILE : OP_BIND_DATA);
		op->flags = a[2] == 'r' ? OPF_RO : 0;
		op->fd = fd;
		op->dest = argv[2];
		op->perms = o->next_perms;
		o->next_perms = -1;
		return 3;
	}
	if (!strcmp(a, "--symlink")) {
		NEED(2, "two arguments");
		NEWOP(OP_SYMLINK);
		op->src = argv[1];
		op->dest = argv[2];
		return 3;
	}

	/* one-path operations */
	static const struct { const char *name; enum op_type t; } ones[] = {
		{ "--remount-ro", OP_REMOUNT_RO }, { "--tmpfs", OP_TMPFS },
		{ "--proc", OP_PROC }, { "--dev", OP_DEV },
		{ "--mqueue", OP_MQUEUE }, { "--dir", OP_DIR },
		{ "--overlay-src", OP_OVERLAY_SRC },
		{ "--tmp-overlay", OP_TMP_OVERLAY },
		{ "--ro-overlay", OP_RO_OVERLAY },
	};
	for (size_t i = 0; i < sizeof(ones) / sizeof(ones[0]); i++)
		if (!strcmp(a, ones[i].name)) {
			NEED(1, "an argument");
			n = overlay_srcs_before(o);
			if (ones[i].t == OP_TMP_OVERLAY && n < 1)
				return run_args_fail(o, "--tmp-overlay requires at least one --overlay-src");
			if (ones[i].t == OP_RO_OVERLAY && n < 2)
				return run_args_fail(o, "--ro-overlay requires at least two --overlay-src");
			NEWOP(ones[i].t);
			if (ones[i].t == OP_OVERLAY_SRC)
				op->src = argv[1];
			else
				op->dest = argv[1];
			if (ones[i].t == OP_TMPFS || ones[i].t == OP_DIR) {
				op->perms = o->next_perms;
				o->next_perms = -1;
			}
			if (ones[i].t == OP_TMPFS) {
				op->size = o->next_size;
				o->next_size = 0;
			}
			return 2;
		}
	if (!strcmp(a, "--overlay")) {
		NEED(3, "three arguments");
		if (overlay_srcs_before(o) < 1)
			return run_args_fail(o, "--overlay requires at least one --overlay-src");
		NEWOP(OP_OVERLAY);
		op->src = argv[1];
		op->src2 = argv[2];
		op->dest = argv[3];
		return 4;
	}
	n = run_args_sandbox(o, argc, argv);	/* bro-run's own options */
	if (n)
		return n;
	if (!strcmp(a, "--exec-label") || !strcmp(a, "--file-label")) {
		NEED(1, "an argument");
		return run_args_fail(o, "%s: SELinux labels are not supported", a);
	}
	if (!strcmp(a, "--"))
		return -2;
	if (a[0] == '-')
		return run_args_fail(o, "Unknown option %s", a);
	return 0;
#undef NEED
#undef NEWOP
}

static bool is_modifier(const char *a)
{
	return !strcmp(a, "--perms") || !strcmp(a, "--size");
}

static bool is_overlay(const char *a)
{
	return !strcmp(a, "--overlay-src") || !strcmp(a, "--overlay") ||
	       !strcmp(a, "--tmp-overlay") || !strcmp(a, "--ro-overlay");
}

static int parse_recurse(struct run_opts *o, int argc, char **argv,
			 bool in_file, int *consumed)
{
	int i = 0;

	while (i < argc) {
		const char *a = argv[i];
		int n;

		if (o->nops && o->ops[o->nops - 1].type == OP_OVERLAY_SRC &&
		    !is_overlay(a))
			return run_args_fail(o, "%s", overlay_src_msg);
		n = parse_one(o, argc - i, argv + i, in_file);
		if (n == -1)
			return -1;
		if (n == -2) {		/* "--": the command follows */
			i++;
			break;
		}
		if (n == 0)
			break;
		if (!is_modifier(a) && o->next_perms >= 0)
			return run_args_fail(o, "--perms must be followed by an option that creates a file");
		if (!is_modifier(a) && o->next_size)
			return run_args_fail(o, "--size must be followed by --tmpfs");
		i += n;
	}
	*consumed = i;
	return 0;
}

int run_args_parse(struct run_opts *o, int argc, char **argv)
{
	int used, r;

	o->nargs = argc - 1;
	if (o->nargs > RUN_MAX_ARGS)
		return run_args_fail(o, "Exceeded maximum number of arguments %u",
			    RUN_MAX_ARGS);
	r = parse_recurse(o, argc - 1, argv + 1, false, &used);
	if (r < 0)
		return r;
	if (o->nops && o->ops[o->nops - 1].type == OP_OVERLAY_SRC)
		return run_args_fail(o, "%s", overlay_src_msg);
	if (o->next_perms >= 0)
		return run_args_fail(o, "--perms must be followed by an option that creates a file");
	if (o->next_size)
		return run_args_fail(o, "--size must be followed by --tmpfs");
	if (run_args_sandbox_done(o) < 0)	/* bro-run's own options */
		return -1;
	if (used < argc - 1) {
		if (o->cmd)
			return run_args_fail(o, "command given twice");
		o->cmd = argv + 1 + used;
		o->ncmd = argc - 1 - used;
	}
	return 0;
}
