/* SPDX-License-Identifier: MIT
 *
 * confine.c - the seccomp filter every untrusted command bro starts gets
 * (see confine.h), built with libseccomp: it emits the architecture check
 * and the x32 check a hand-written filter tends to forget.
 */
#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <seccomp.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "confine.h"

/* families a network namespace confines, or local ones; AF_PACKET is the
 * highest of them, and every family from 0 to it not named is refused */
static bool family_allowed(int f)
{
	switch (f) {
	case AF_UNIX: case AF_INET: case AF_INET6: case AF_NETLINK: case AF_PACKET:
		return true;
	default:
		return false;
	}
}

static int deny_families(scmp_filter_ctx ctx, int nr)
{
	/* the whole 64-bit register is compared, so a family with high bits
	 * set (which the kernel would truncate to an int) is refused too */
	int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), nr, 1,
				 SCMP_A0(SCMP_CMP_GT, (scmp_datum_t)AF_PACKET, 0));

	for (int f = 0; r == 0 && f < AF_PACKET; f++)
		if (!family_allowed(f))
			r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), nr, 1,
					     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)f, 0));
	return r;
}

/* ioctl TIOCSTI and TIOCLINUX refused, the command word compared on the
 * low 32 bits the tty layer reads (in every architecture of @ctx) */
static int deny_tty(scmp_filter_ctx ctx, uint32_t deny)
{
	static const unsigned long ttycmds[] = { TIOCSTI, TIOCLINUX };
	int r = 0;

	for (unsigned i = 0; r == 0 && i < sizeof(ttycmds) / sizeof(ttycmds[0]); i++)
		r = seccomp_rule_add(ctx, deny, SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu,
					     (scmp_datum_t)ttycmds[i]));
	return r;
}

int confine_tty_load(const char **step)
{
	static const uint32_t compat[] = {
#if defined(__x86_64__)
		SCMP_ARCH_X86, SCMP_ARCH_X32,
#elif defined(__aarch64__)
		SCMP_ARCH_ARM,
#endif
		0,
	};
	scmp_filter_ctx ctx;
	int r = 0;

	*step = "seccomp_init()";
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	*step = "seccomp_arch_add()";
	for (unsigned i = 0; r == 0 && compat[i]; i++) {
		r = seccomp_arch_add(ctx, compat[i]);
		if (r == -EEXIST)
			r = 0;
	}
	if (r == 0) {
		*step = "seccomp_rule_add(ioctl)";
		r = deny_tty(ctx, SCMP_ACT_ERRNO(EPERM));
	}
	if (r == 0) {
		*step = "seccomp_load()";
		r = seccomp_load(ctx);
	}
	seccomp_release(ctx);
	return r;
}

int confine_load(const char **step)
{
	scmp_filter_ctx ctx;
	int r;

	*step = "seccomp_init()";
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	*step = "seccomp_attr_set(SCMP_FLTATR_ACT_BADARCH)";
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r == 0) {
		*step = "seccomp_rule_add(ioctl)";
		r = deny_tty(ctx, SCMP_ACT_ERRNO(EPERM));
	}
	if (r == 0) {
		*step = "seccomp_rule_add(socket)";
		r = deny_families(ctx, SCMP_SYS(socket));
	}
	if (r == 0) {
		*step = "seccomp_rule_add(socketpair)";
		r = deny_families(ctx, SCMP_SYS(socketpair));
	}
	if (r == 0) {
		*step = "seccomp_load()";
		r = seccomp_load(ctx);
	}
	seccomp_release(ctx);
	return r;
}

/* socket(AF_UNIX), datagram socketpairs, io_uring: EPERM; with
 * @stream_ok, stream and seqpacket socket() allowed and every connect()
 * sent to the listener instead */
static int add_unix_block(scmp_filter_ctx ctx, bool stream_ok, uint32_t act,
			  const char **step)
{
	static const char *const uring[] = {
		"io_uring_setup", "io_uring_enter", "io_uring_register",
	};
	int r;

	*step = "seccomp_rule_add(socket)";
	/* the kernel reads the family as an int: only its low 32 bits */
	if (!stream_ok) {
		r = seccomp_rule_add(ctx, act, SCMP_SYS(socket), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_UNIX));
	} else {
		/* AF_UNIX takes STREAM, SEQPACKET, DGRAM and RAW (a datagram
		 * socket): the last two refused, the type's low 4 bits */
		r = seccomp_rule_add(ctx, act, SCMP_SYS(socket), 2,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_UNIX),
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM));
		if (r == 0)
			r = seccomp_rule_add(ctx, act, SCMP_SYS(socket), 2,
					     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_UNIX),
					     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW));
		*step = "seccomp_rule_add(connect, SCMP_ACT_NOTIFY)";
		if (r == 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(connect), 0);
	}
	*step = "seccomp_rule_add(socketpair)";
	/* the type's low 4 bits (SOCK_TYPE_MASK; SOCK_CLOEXEC and
	 * SOCK_NONBLOCK above); AF_UNIX makes SOCK_RAW a datagram socket */
	if (r == 0)
		r = seccomp_rule_add(ctx, act, SCMP_SYS(socketpair), 2,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_UNIX),
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM));
	if (r == 0)
		r = seccomp_rule_add(ctx, act, SCMP_SYS(socketpair), 2,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_UNIX),
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW));
	for (unsigned i = 0; r == 0 && i < sizeof(uring) / sizeof(uring[0]); i++) {
		int nr = seccomp_syscall_resolve_name(uring[i]);

		*step = uring[i];
		if (nr == __NR_SCMP_ERROR)
			return -ENOSYS;
		r = seccomp_rule_add(ctx, act, nr, 0);
	}
	return r;
}

static int add_hardening(scmp_filter_ctx ctx, bool allow_userns, uint32_t act,
			 const char **step)
{
	static const char *const deny[] = {
		"ptrace", "process_vm_readv", "process_vm_writev",
		"keyctl", "add_key", "request_key", "bpf",
		"mount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick",
		"move_mount", "open_tree", "mount_setattr", "pivot_root",
		"kexec_load", "kexec_file_load",
		"init_module", "finit_module", "delete_module",
		"userfaultfd", "perf_event_open", "setns",
	};
	int r = 0, nr;

	for (unsigned i = 0; r == 0 && i < sizeof(deny) / sizeof(deny[0]); i++) {
		nr = seccomp_syscall_resolve_name(deny[i]);
		*step = deny[i];
		if (nr == __NR_SCMP_ERROR)
			return -ENOSYS;
		r = seccomp_rule_add(ctx, act, nr, 0);
	}
	/* open_tree_attr (Linux 6.15) is newer than Debian 12's libseccomp:
	 * the number it has in the common table of x86_64 and arm64 */
	*step = "open_tree_attr";
	nr = seccomp_syscall_resolve_name("open_tree_attr");
#if defined(__x86_64__) || defined(__aarch64__)
	if (nr == __NR_SCMP_ERROR)
		nr = 467;
#endif
	if (r == 0 && nr != __NR_SCMP_ERROR)
		r = seccomp_rule_add(ctx, act, nr, 0);
	if (r == 0) {
		*step = "seccomp_rule_add(ioctl)";
		r = deny_tty(ctx, act);
	}
	if (r == 0) {
		/* a listener fd answers the calls of the command's children:
		 * a supervisor outside our view */
		*step = "seccomp_rule_add(seccomp)";
		r = seccomp_rule_add(ctx, act, SCMP_SYS(seccomp), 2,
				     /* op and flags are read as unsigned int */
				     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu,
					     SECCOMP_SET_MODE_FILTER),
				     SCMP_A1(SCMP_CMP_MASKED_EQ,
					     SECCOMP_FILTER_FLAG_NEW_LISTENER,
					     SECCOMP_FILTER_FLAG_NEW_LISTENER));
	}
	if (r == 0 && !allow_userns) {
		/* both take their flags as unsigned long, first argument on
		 * x86_64 and arm64 (clone's order differs on s390 only) */
		*step = "seccomp_rule_add(unshare)";
		r = seccomp_rule_add(ctx, act, SCMP_SYS(unshare), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER,
					     CLONE_NEWUSER));
		*step = "seccomp_rule_add(clone)";
		if (r == 0)
			r = seccomp_rule_add(ctx, act, SCMP_SYS(clone), 1,
					     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER,
						     CLONE_NEWUSER));
		*step = "seccomp_rule_add(clone3)";
		if (r == 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	}
	return r;
}

int confine_profiles_load(unsigned profiles, const char **step)
{
	return confine_profiles_load_notify(profiles, NULL, step);
}

int confine_profiles_load_notify(unsigned profiles, int *notify_fd,
				 const char **step)
{
	/* libseccomp asks for the listener when a rule notifies */
	bool listen = notify_fd && (profiles & (CONFINE_UNIX_STREAM | CONFINE_REPORT));
	uint32_t act = listen && (profiles & CONFINE_REPORT) ?
		       SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO(EPERM);
	scmp_filter_ctx ctx;
	int r;

	*step = "seccomp_init()";
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	*step = "seccomp_attr_set(SCMP_FLTATR_ACT_BADARCH)";
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r == 0 && (profiles & CONFINE_UNIX_BLOCK))
		r = add_unix_block(ctx, notify_fd && (profiles & CONFINE_UNIX_STREAM),
				   act, step);
	if (r == 0 && (profiles & CONFINE_HARDENING))
		r = add_hardening(ctx, profiles & CONFINE_ALLOW_USERNS, act, step);
	if (r == 0) {
		*step = "seccomp_load()";
		r = seccomp_load(ctx);
	}
	if (r == 0 && listen) {
		*step = "seccomp_notify_fd()";
		*notify_fd = seccomp_notify_fd(ctx);
		if (*notify_fd < 0)
			r = *notify_fd;
	}
	seccomp_release(ctx);
	return r;
}
