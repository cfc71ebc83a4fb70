/* SPDX-License-Identifier: MIT
 *
 * landlock.c - bro-run --no-userns: a sandbox for hosts where user
 * namespaces are unavailable (a container run as non-root, a sysctl of 0,
 * an LSM that forbids them). No namespace is made; the command runs in the
 * caller's own, restricted by
 *  - Landlock, filesystem: read (and execute) beneath each --ro-bind path,
 *    read and write beneath each --bind path, and with --dev-bind also
 *    ioctl on devices there; every other path is neither readable,
 *    writable nor executable. Each SRC must equal its DEST: nothing is
 *    mounted, so a path cannot move.
 *  - Landlock, TCP (ABI 4): with --unshare-net, or any
 *    --landlock-allow-bind/--landlock-allow-connect PORT, TCP bind() and
 *    connect() are refused except to the ports named.
 *  - Landlock, scoping (ABI 6): abstract unix sockets and signals only
 *    within the sandbox (no connect to a host's @socket, no kill() of the
 *    caller's other processes).
 *  - seccomp: the hardening profile (seccomp.c), no_new_privs, every
 *    capability dropped.
 * The best ABI the kernel has is used; rights an older kernel lacks are
 * dropped and named on stderr. No Landlock at all: refused, unless
 * --allow-weaker (seccomp and no_new_privs alone).
 * The raw system calls of <linux/landlock.h>: Debian has no library for
 * them, and its 6.1 header lacks the ABI 4-6 definitions, so the kernel's
 * numbers for those are defined here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"
#include "run.h"

#define DIE(...) log_die(1, __VA_ARGS__)

/* the kernel's uapi (include/uapi/linux/landlock.h, Linux 6.12) */
#define LL_CREATE_RULESET_VERSION	(1U << 0)
#define LL_RULE_PATH_BENEATH		1
#define LL_RULE_NET_PORT		2
#define LL_FS_EXECUTE			(1ULL << 0)
#define LL_FS_WRITE_FILE		(1ULL << 1)
#define LL_FS_READ_FILE			(1ULL << 2)
#define LL_FS_READ_DIR			(1ULL << 3)
#define LL_FS_ABI1			((1ULL << 13) - 1)	/* bits 0-12 */
#define LL_FS_REFER			(1ULL << 13)		/* ABI 2 */
#define LL_FS_TRUNCATE			(1ULL << 14)		/* ABI 3 */
#define LL_FS_IOCTL_DEV			(1ULL << 15)		/* ABI 5 */
#define LL_NET_BIND_TCP			(1ULL << 0)		/* ABI 4 */
#define LL_NET_CONNECT_TCP		(1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX		(1ULL << 0)		/* ABI 6 */
#define LL_SCOPE_SIGNAL			(1ULL << 1)
/* rights that apply to a file (not a directory) */
#define LL_FS_FILE (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | \
		    LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)
#define LL_FS_RO (LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR)

struct ll_ruleset_attr {
	uint64_t handled_access_fs, handled_access_net, scoped;
};
struct ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));
struct ll_net_port {
	uint64_t allowed_access, port;
};

static int path_fds[1024];	/* O_PATH of each bind source, in op order */

static const char *op_name(const struct run_op *op)
{
	switch (op->type) {
	case OP_BIND_FD: return "--bind-fd/--ro-bind-fd";
	case OP_REMOUNT_RO: return "--remount-ro";
	case OP_TMPFS: return "--tmpfs";
	case OP_PROC: return "--proc";
	case OP_DEV: return "--dev";
	case OP_MQUEUE: return "--mqueue";
	case OP_DIR: return "--dir";
	case OP_FILE: return "--file";
	case OP_BIND_DATA: return "--bind-data/--ro-bind-data";
	case OP_SYMLINK: return "--symlink";
	case OP_CHMOD: return "--chmod";
	default: return "--overlay";
	}
}

#define NO_NS(what) DIE("--no-userns makes no namespace: %s cannot be honoured" \
			" (see bro-run(1), LANDLOCK MODE); the command was not run", what)

void run_landlock_prepare(const struct run_opts *o)
{
	if (o->unshare_user && !o->unshare_user_try)
		NO_NS("--unshare-user");
	if (o->unshare_pid)
		NO_NS("--unshare-pid");
	if (o->unshare_ipc)
		NO_NS("--unshare-ipc");
	if (o->unshare_uts || o->hostname)
		NO_NS("--unshare-uts/--hostname");
	if (o->unshare_cgroup && !o->unshare_cgroup_try)
		NO_NS("--unshare-cgroup");
	if (o->userns_fd >= 0 || o->userns2_fd >= 0 || o->pidns_fd >= 0)
		NO_NS("--userns/--userns2/--pidns");
	if (o->uid >= 0 || o->gid >= 0)
		NO_NS("--uid/--gid");
	if (o->as_pid_1 || o->nlocks || o->sync_fd >= 0)
		NO_NS("--as-pid-1/--lock-file/--sync-fd (no PID 1 of ours)");
	if (o->info_fd >= 0 || o->json_status_fd >= 0 || o->userns_block_fd >= 0)
		NO_NS("--info-fd/--json-status-fd/--userns-block-fd");
	if (o->caps_given && o->caps)
		NO_NS("--cap-add");
	if (o->seccomp_allow_userns && (o->disable_userns || o->assert_userns_disabled))
		DIE("--seccomp-allow-userns contradicts --disable-userns/--assert-userns-disabled");
	if (o->nops > sizeof(path_fds) / sizeof(path_fds[0]))
		DIE("--no-userns: too many --bind options (at most %zu)",
		    sizeof(path_fds) / sizeof(path_fds[0]));
	for (size_t i = 0; i < o->nops; i++) {
		const struct run_op *op = &o->ops[i];

		path_fds[i] = -1;
		if (op->type != OP_BIND)
			NO_NS(op_name(op));
		if (strcmp(op->src, op->dest))
			DIE("--no-userns: a bind's source must be its destination "
			    "(nothing is mounted, the command sees host paths): %s %s",
			    op->src, op->dest);
		if (op->src[0] != '/')
			DIE("--no-userns: %s: an absolute path is needed", op->src);
		path_fds[i] = open(op->src, O_PATH | O_CLOEXEC);
		if (path_fds[i] < 0 && !((op->flags & OPF_TRY) && errno == ENOENT))
			DIE("Can't find source path %s: %s", op->src, strerror(errno));
	}
	/* a root caller keeps nothing and regains nothing at exec: the
	 * securebits locked and the bounding set emptied while CAP_SETPCAP
	 * is still ours (the command's stage drops the rest) */
	if (geteuid() == 0) {
		const char *step;
		int r = caps_drop_for_exec(true, false, &step);

		if (r < 0)
			DIE("%s: %s", step, strerror(-r));
	}
}

static int ll_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0,
			 LL_CREATE_RULESET_VERSION);

	return v < 0 ? -errno : (int)v;
}

static bool port_listed(const uint16_t *p, size_t n, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == port)
			return true;
	return false;
}

static void add_ports(int rs, const uint16_t *p, size_t n, uint64_t right)
{
	for (size_t i = 0; i < n; i++) {
		struct ll_net_port np = { .allowed_access = right, .port = p[i] };

		if (port_listed(p, i, p[i]))
			continue;
		if (syscall(SYS_landlock_add_rule, rs, LL_RULE_NET_PORT, &np, 0) < 0)
			DIE("landlock_add_rule(port %u): %s", p[i], strerror(errno));
	}
}

void run_landlock_apply(const struct run_opts *o)
{
	struct ll_ruleset_attr attr = { 0 };
	bool want_net = o->unshare_net || o->nll_connect || o->nll_bind;
	char dropped[256] = "";
	size_t attr_size;
	int abi = ll_abi(), rs;

	if (abi < 0 && !o->allow_weaker)
		DIE("Landlock is unavailable here (landlock_create_ruleset: %s%s): "
		    "--no-userns would not restrict the filesystem; --allow-weaker runs "
		    "with seccomp and no_new_privs alone; the command was not run",
		    strerror(-abi), abi == -EOPNOTSUPP ?
		    ": not in the boot's lsm= list" : "");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		DIE("prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	if (abi < 0) {
		log_warn("Landlock is unavailable (%s): --allow-weaker: no filesystem, "
			 "network or IPC restriction, seccomp and no_new_privs only",
			 strerror(-abi));
		return;
	}
	attr.handled_access_fs = LL_FS_ABI1;
	attr_size = sizeof(attr.handled_access_fs);
	if (abi >= 2)
		attr.handled_access_fs |= LL_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LL_FS_TRUNCATE;
	else
		strcat(dropped, ", truncate() (ABI 3)");
	if (abi >= 5)
		attr.handled_access_fs |= LL_FS_IOCTL_DEV;
	else
		strcat(dropped, ", device ioctl (ABI 5)");
	if (want_net && abi >= 4) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		attr_size = offsetof(struct ll_ruleset_attr, scoped);
	} else if (want_net) {
		strcat(dropped, ", TCP bind/connect (ABI 4)");
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		attr_size = sizeof(attr);
	} else {
		strcat(dropped, ", abstract unix socket and signal scoping (ABI 6)");
	}
	if (dropped[0])
		log_warn("Landlock ABI %d here: not restricted: %s", abi, dropped + 2);

	rs = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (rs < 0)
		DIE("landlock_create_ruleset: %s", strerror(errno));
	for (size_t i = 0; i < o->nops; i++) {
		const struct run_op *op = &o->ops[i];
		struct ll_path_beneath pb = { .parent_fd = path_fds[i] };
		struct stat st;

		if (path_fds[i] < 0)
			continue;	/* a -try whose source is missing */
		pb.allowed_access = (op->flags & OPF_RO) ? LL_FS_RO :
			attr.handled_access_fs & ~LL_FS_IOCTL_DEV;
		if (op->flags & OPF_DEV)
			pb.allowed_access = attr.handled_access_fs;
		if (fstat(path_fds[i], &st) < 0)
			DIE("fstat(%s): %s", op->src, strerror(errno));
		if (!S_ISDIR(st.st_mode))
			pb.allowed_access &= LL_FS_FILE;
		pb.allowed_access &= attr.handled_access_fs;
		if (syscall(SYS_landlock_add_rule, rs, LL_RULE_PATH_BENEATH, &pb, 0) < 0)
			DIE("landlock_add_rule(%s): %s", op->src, strerror(errno));
		close(path_fds[i]);
	}
	if (attr.handled_access_net) {
		add_ports(rs, o->ll_bind, o->nll_bind, LL_NET_BIND_TCP);
		add_ports(rs, o->ll_connect, o->nll_connect, LL_NET_CONNECT_TCP);
	}
	if (syscall(SYS_landlock_restrict_self, rs, 0) < 0)
		DIE("landlock_restrict_self: %s", strerror(errno));
	close(rs);
}
