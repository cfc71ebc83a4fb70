/* SPDX-License-Identifier: MIT
 *
 * caps.c - capability sets through capget(2)/capset(2) directly, so that
 * privileged programs link only libc. Version 3 headers: two 32-bit words.
 */
#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"

int caps_get(struct capsets *c)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	c->eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	c->prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	c->inh = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
	return 0;
}

int caps_set(const struct capsets *c)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)c->eff, (uint32_t)c->prm, (uint32_t)c->inh },
		{ (uint32_t)(c->eff >> 32), (uint32_t)(c->prm >> 32),
		  (uint32_t)(c->inh >> 32) },
	};

	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	return 0;
}

int caps_lower_effective(void)
{
	struct capsets c;
	int r = caps_get(&c);

	if (r < 0)
		return r;
	c.eff = 0;
	return caps_set(&c);
}

bool caps_have_permitted(int cap)
{
	struct capsets c;

	return caps_get(&c) == 0 && (c.prm & (1ULL << cap));
}

int caps_raise(int cap)
{
	struct capsets c;
	int r = caps_get(&c);

	if (r < 0)
		return r;
	if (!(c.prm & (1ULL << cap)))
		return -EPERM;
	c.eff |= 1ULL << cap;
	return caps_set(&c);
}

int caps_drop_all(void)
{
	struct capsets c = { 0, 0, 0 };
	int r;

	/* ambient first: it may only hold what permitted and inheritable do */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -errno;
	r = caps_set(&c);
	if (r < 0)
		return r;
	r = caps_get(&c);
	if (r < 0)
		return r;
	if (c.eff || c.prm || c.inh)
		return -EPERM;
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		r = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0);
		if (r < 0 && errno == EINVAL)
			break;		/* kernel knows fewer capabilities */
		if (r != 0)
			return -EPERM;
	}
	return 0;
}

int caps_drop_bounding(void)
{
	for (int cap = 0; cap <= 63; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break;	/* past the kernel's last capability */
			return -errno;
		}
	}
	return 0;
}

int caps_drop_for_exec(bool userns_root, bool nnp, const char **step)
{
	int r;

	if (userns_root) {
		*step = "prctl(PR_SET_SECUREBITS)";
		if (prctl(PR_SET_SECUREBITS,
			  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
			  SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
			  SECBIT_KEEP_CAPS_LOCKED |
			  SECBIT_NO_CAP_AMBIENT_RAISE |
			  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED, 0, 0, 0) < 0)
			return -errno;
		*step = "prctl(PR_CAPBSET_DROP)";
		r = caps_drop_bounding();
		if (r < 0)
			return r;
	}
	*step = "capset(drop all)";
	r = caps_drop_all();
	if (r < 0)
		return r;
	*step = "prctl(PR_SET_NO_NEW_PRIVS)";
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}
