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

#endif
