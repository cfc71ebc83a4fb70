/* SPDX-License-Identifier: MIT
 *
 * confine.c - the seccomp filter every untrusted command bro starts gets
 * (see confine.h), built with libseccomp: it emits the architecture check
 * and the x32 check a hand-written filter tends to forget.
 */
#include <errno.h>
#include <stdbool.h>
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

int confine_load(const char **step)
{
	static const unsigned long ttycmds[] = { TIOCSTI, TIOCLINUX };
	scmp_filter_ctx ctx;
	int r;

	*step = "seccomp_init()";
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	*step = "seccomp_attr_set(SCMP_FLTATR_ACT_BADARCH)";
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (unsigned i = 0; r == 0 && i < sizeof(ttycmds) / sizeof(ttycmds[0]); i++) {
		*step = "seccomp_rule_add(ioctl)";
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu,
					     (scmp_datum_t)ttycmds[i]));
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
