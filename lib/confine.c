/* SPDX-License-Identifier: MIT
 *
 * confine.c - the seccomp filter every untrusted command bro starts gets
 * (see confine.h), built with libseccomp: it emits the architecture check
 * and the x32 check a hand-written filter tends to forget.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <seccomp.h>
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
static int deny_tty(scmp_filter_ctx ctx)
{
	static const unsigned long ttycmds[] = { TIOCSTI, TIOCLINUX };
	int r = 0;

	for (unsigned i = 0; r == 0 && i < sizeof(ttycmds) / sizeof(ttycmds[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
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
		r = deny_tty(ctx);
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
		r = deny_tty(ctx);
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
