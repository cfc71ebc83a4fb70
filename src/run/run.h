/* SPDX-License-Identifier: MIT
 *
 * run.h - bro-run's parsed command line and the stages that act on it.
 */
#ifndef BRO_RUN_H
#define BRO_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RUN_MAX_ARGS	9000		/* like bwrap: --args files included */
#define RUN_MAX_TMPFS	(SIZE_MAX >> 1)

/* filesystem operations, run in command-line order inside the namespaces */
enum op_type {
	OP_BIND,		/* --bind, --ro-bind, --dev-bind (+ -try) */
	OP_BIND_FD,		/* --bind-fd, --ro-bind-fd */
	OP_REMOUNT_RO,
	OP_TMPFS,
	OP_PROC,
	OP_DEV,
	OP_MQUEUE,
	OP_DIR,
	OP_FILE,		/* --file FD DEST */
	OP_BIND_DATA,		/* --bind-data, --ro-bind-data */
	OP_SYMLINK,		/* src is the link target */
	OP_CHMOD,
	OP_OVERLAY_SRC,
	OP_OVERLAY,		/* src upper, src2 work */
	OP_TMP_OVERLAY,
	OP_RO_OVERLAY,
};

#define OPF_RO		0x1
#define OPF_DEV		0x2
#define OPF_TRY		0x4

struct run_op {
	enum op_type type;
	unsigned flags;
	const char *src;	/* host path, link target, overlay upper */
	const char *src2;	/* overlay workdir */
	const char *dest;	/* path in the sandbox */
	int fd;			/* --file, --bind-data, --bind-fd; else -1 */
	int perms;		/* --perms / --chmod mode, -1: the default */
	uint64_t size;		/* --size for --tmpfs, 0: none */
	int src_fd;		/* set up by the launcher: O_PATH of src */
};

enum env_op_type { ENV_SET, ENV_UNSET, ENV_CLEAR };
struct env_op {
	enum env_op_type type;
	const char *name, *value;
};

struct run_opts {
	struct run_op *ops;
	size_t nops, ops_cap;
	struct env_op *env;
	size_t nenv, env_cap;
	const char **locks;
	size_t nlocks, locks_cap;
	int *seccomp_fds;
	size_t nseccomp;
	bool seccomp_single;	/* --seccomp (vs --add-seccomp-fd) */

	bool unshare_user, unshare_user_try, unshare_pid, unshare_net,
	     unshare_ipc, unshare_uts, unshare_cgroup, unshare_cgroup_try;
	bool die_with_parent, new_session, as_pid_1, disable_userns,
	     assert_userns_disabled, level_prefix, help, version;
	long long uid, gid;	/* -1: the caller's */
	const char *hostname, *chdir, *argv0;
	uint64_t caps;		/* capabilities the command keeps */
	bool caps_given;	/* --cap-add/--cap-drop seen */

	int info_fd, json_status_fd, block_fd, userns_block_fd, sync_fd,
	    userns_fd, userns2_fd, pidns_fd;

	char **cmd;		/* the command, NULL-terminated */
	int ncmd;

	/* beyond bwrap (args-sandbox.c): seccomp profiles, Landlock mode */
	bool seccomp_unix_block, seccomp_hardening, seccomp_allow_userns,
	     no_userns, allow_weaker;
#define RUN_MAX_PORTS	64
	uint16_t ll_connect[RUN_MAX_PORTS], ll_bind[RUN_MAX_PORTS];
	size_t nll_connect, nll_bind;

	/* --relay, --publish (args-relay.c, relay.c) */
#define RUN_MAX_RELAYS	64
	struct run_relay {
		const char *spec;	/* as given, for messages */
		bool publish;		/* --publish HOSTPORT=PORT */
		uint16_t port;		/* --relay: in the sandbox; --publish: on the host */
		uint16_t to_port;	/* --publish: in the sandbox */
		const char *unix_path;	/* --relay PORT=/PATH */
		const char *host;	/* --relay PORT=HOST:PORT (into host_buf) */
		char host_buf[272];
		int pin, lfd;		/* set up by relay.c */
	} relays[RUN_MAX_RELAYS];
	size_t nrelays;

	/* --allow-unix (args-relay.c, unixbroker.c) */
#define RUN_MAX_ALLOW_UNIX	16
	const char *allow_unix[RUN_MAX_ALLOW_UNIX];
	size_t nallow_unix;

	/* --egress (args-egress.c, egress.c) and --report (report.c) */
	const char *egress;		/* proxy URL or "direct"; NULL: none */
	const char **egress_args;	/* bro-netns create's --allow/--deny X */
	size_t negress_args, egress_args_cap;
	const char *report;		/* --report FILE */
	/* --egress-netns NAME: bro-run re-runs itself through `bro-netns exec
	 * NAME --` (egress-netns in bro-run.c); @egress_netns_at: where the
	 * option is in the argv parsed, to strip it */
	const char *egress_netns;
	char **egress_netns_at;

	/* parser state */
	int next_perms;		/* --perms for the next op, -1 none */
	uint64_t next_size;	/* --size for the next op, 0 none */
	int nargs;		/* arguments seen, --args included */
	char **bufs;		/* --args buffers, argv points into them */
	size_t nbufs;
	char **vecs;		/* and their argv arrays */
	size_t nvecs;
	char err[512];
	/* --args FD reader: 0 and a malloc'd buffer, or -errno */
	int (*read_fd)(int fd, char **buf, size_t *len);
	/* warnings ("Only the last --chdir option will take effect") */
	void (*warn)(const char *msg);
};

/* args.c */
void run_opts_init(struct run_opts *o, uint64_t default_caps);
void run_opts_free(struct run_opts *o);
/* run_args_parse() - argv[1..] into @o; Return: 0, or -1 with o->err set */
int run_args_parse(struct run_opts *o, int argc, char **argv);
/* run_args_split() - NUL-separated @buf (NUL-terminated at @len) into an
 * argv of at most @max entries; Return: the count, or -1 if more than @max */
int run_args_split(char *buf, size_t len, char **argv, int max);
/* run_cap_from_name() - "CAP_NET_ADMIN"/"cap_net_admin" to 12, else -1 */
int run_cap_from_name(const char *name);
int run_parse_fd(const char *s);

/* args-sandbox.c: bro-run's own options (not bwrap's); like parse_one():
 * the arguments used, 0 if @argv[0] is none of them, -1 with o->err set */
int run_args_sandbox(struct run_opts *o, int argc, char **argv);
/* run_args_sandbox_done() - once all is parsed: options that need another
 * are refused; Return: 0, or -1 with o->err set */
int run_args_sandbox_done(struct run_opts *o);

/* args.c: the one-line error of a parse into o->err; Return: -1 */
int run_args_fail(struct run_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* args-relay.c: --relay PORT=UNIXPATH|HOST:PORT, --publish HOSTPORT=PORT;
 * like run_args_sandbox() */
int run_args_relay(struct run_opts *o, int argc, char **argv);
int run_args_relay_done(struct run_opts *o);

/* relay.c: the relay processes, outside the sandbox's PID and mount
 * namespaces; each dies on failure with one line.
 * run_relay_prepare(): the launcher, before the clone: pins unix targets,
 *	resolves TCP ones, binds --publish's host listeners.
 * run_relay_child(): the child, in the new netns with lo up: makes each
 *	--relay listener on 127.0.0.1:PORT and passes them to the launcher.
 * run_relay_start(): the launcher, after the clone: receives them and
 *	starts the relay processes.
 * run_relay_stop(): the launcher, once the sandbox is gone: kills and
 *	reaps them. */
void run_relay_prepare(struct run_opts *o);
void run_relay_child(struct run_opts *o);
void run_relay_start(struct run_opts *o);
void run_relay_stop(void);

/* unixbroker.c: --allow-unix; a seccomp user-notification supervisor in
 * the launcher answers every connect() of the command (see the file).
 * run_unixbroker_prepare(): the launcher, before the clone: pins the paths.
 * run_unixbroker_send(): the command, once its filter is loaded: the
 *	listener fd to the launcher.
 * run_unixbroker_start(): the launcher, after the clone: the supervisor
 *	thread. All die on failure with one line. */
void run_unixbroker_prepare(struct run_opts *o);
void run_unixbroker_send(int notify_fd);
void run_unixbroker_start(struct run_opts *o);
/* run_notify_wanted() - a listener and its supervisor are needed:
 * --allow-unix, or --report with a built-in profile; the same supervisor
 * then dispatches connect() to the broker and the rest to report.c */
bool run_notify_wanted(const struct run_opts *o);

/* args-egress.c: --egress, --egress-allow/--egress-deny, --report; like
 * run_args_sandbox(); run_args_egress_done() checks them against the rest */
int run_args_egress(struct run_opts *o, int argc, char **argv);
int run_args_egress_done(struct run_opts *o);

/* egress.c: with --egress, run_egress_start() (stage 3) makes a transient
 * bro-netns namespace, splits off a waiter that stays outside it (removes
 * it and writes --report once the sandbox is gone) and joins this process
 * to its user and network namespaces; dies on failure, nothing left */
void run_egress_start(struct run_opts *o);
/* egress.c: --egress-netns NAME: re-run bro-run through `bro-netns exec
 * NAME --`, with RUN_NETNS_MARK first and --egress-netns NAME stripped;
 * does not return */
#define RUN_NETNS_MARK	"--internal-in-egress-netns"
void run_egress_netns_exec(struct run_opts *o, int argc, char **argv);
/* run_netns_cmd() - run bro-netns ARGV; its stdout into @out (@size - 1
 * bytes at most, NUL-terminated; stderr dropped), or /dev/null when @out is
 * NULL; Return: the wait status */
int run_netns_cmd(const char *const *argv, char *out, size_t size);

/* report.c: --report FILE, written by whoever outlives the sandbox: the
 * launcher, or with --egress egress.c's waiter once the sandbox is gone and
 * before its namespace is. @ns: the egress namespace, NULL: no egress part;
 * @stats: the relay's answer to "stats" ("key value" lines), "" if none;
 * @seccomp: run_report_seccomp_json()'s text, NULL: none ("seccomp":null).
 * Failures are logged, not fatal. */
void run_report_write(const struct run_opts *o, const char *ns,
		      const char *stats, int code, const char *seccomp);
struct seccomp_data;
/* run_report_record() - one denied call, from the supervisor's thread
 * (thread-safe; the first RUN_REPORT_KEEP kept whole, all counted): @path
 * the unix path the broker refused, or NULL; @err the errno answered */
#define RUN_REPORT_KEEP	1000
void run_report_record(const struct seccomp_data *d, const char *path, int err);
/* run_report_seccomp_json() - the "seccomp" object of the report (a JSON
 * object, malloc'd), or NULL if no built-in profile was on or on ENOMEM */
char *run_report_seccomp_json(const struct run_opts *o);
/* egress.c: the launcher's seccomp record to the waiter (a pipe made
 * before the fork, length-prefixed); the child closes its copy */
void run_egress_report_send(const char *seccomp);
void run_egress_child_close(void);

/* seccomp.c: the built-in profiles (lib/confine.c), dies on failure */
void run_seccomp_profiles(const struct run_opts *o);

/* landlock.c: --no-userns; run_landlock_prepare() refuses what needs a
 * namespace, opens each bind's path and drops a root caller's capabilities
 * (before anything is done); run_landlock_apply() restricts this process
 * (no_new_privs set first); both die on failure */
void run_landlock_prepare(const struct run_opts *o);
void run_landlock_apply(const struct run_opts *o);

/* mount.c: the filesystem, built inside the mount namespace */
struct mount_ctx {
	bool pid_ns;		/* our own procfs (a PID namespace) */
	bool userns;		/* in a user namespace we made */
	const char *tty;	/* the host tty of stdin, for /dev/console */
};
void mount_open_sources(struct run_opts *o);
void mount_build(struct run_opts *o, const struct mount_ctx *m);

/* proc.c: the launcher's monitor and the sandbox's PID 1 */
extern const int run_fwd_signals[];
void run_signals_block(void);
void run_signals_unblock(void);
int run_monitor(int pidfd, pid_t pid, int setup_fd, int json_fd);
int run_init(pid_t child, int sync_fd);
int run_exit_code(int status);
void run_write_info(int fd, pid_t pid, bool json, const char *nsids);

/* bro-run.c */
extern const char *run_prog;

#endif
