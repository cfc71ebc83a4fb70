/* SPDX-License-Identifier: MIT */
#ifndef BRO_CAPS_H
#define BRO_CAPS_H

#include <stdbool.h>
#include <stdint.h>

/* Capability sets of this thread, as 64-bit masks (CAP_TO_MASK per cap) */
struct capsets {
	uint64_t eff, prm, inh;
};

int caps_get(struct capsets *c);
int caps_set(const struct capsets *c);

/* caps_lower_effective() - empty the effective set, keep permitted */
int caps_lower_effective(void);
/* caps_raise() - make @cap effective; it must be in the permitted set */
int caps_raise(int cap);
/* caps_have_permitted() - is @cap in the permitted set? */
bool caps_have_permitted(int cap);

/**
 * caps_drop_all() - clear effective, permitted, inheritable and ambient sets
 *		     and read them back
 * Return: 0 when all four read back empty, else -errno (-EPERM if a set is
 *	   still non-empty after the drop)
 */
int caps_drop_all(void);

/* caps_drop_bounding() - empty the bounding set (needs CAP_SETPCAP) */
int caps_drop_bounding(void);

/**
 * caps_drop_for_exec() - the last step before exec'ing a user's command in
 *			  a namespace entered with privilege
 * @userns_root: we joined a user namespace and hold every capability in it:
 *		first lock the securebits (NOROOT, NO_SETUID_FIXUP, KEEP_CAPS,
 *		NO_CAP_AMBIENT_RAISE, all locked: exec must not give root's
 *		capabilities back) and empty the bounding set
 * @nnp:	then set no_new_privs
 * @step:	on failure, the call that failed, for the message
 *
 * Effective, permitted, inheritable and ambient sets are always cleared and
 * read back as empty (caps_drop_all()).
 *
 * Return: 0, or -errno with *@step set
 */
int caps_drop_for_exec(bool userns_root, bool nnp, const char **step);

#endif
