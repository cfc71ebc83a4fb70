/* SPDX-License-Identifier: MIT */
#ifndef BRO_NETNS_NL_H
#define BRO_NETNS_NL_H

#include <stdint.h>

/**
 * nl_lo_setup() - bring lo up, give it @a4/32 and @a6/128, and add default
 *		   routes "dev lo src ADDR" for both families (rtnetlink via
 *		   libmnl, in the calling thread's network namespace)
 * @a4:		IPv4 address (network order)
 * @a6:		IPv6 address
 * @step:	on error, the step that failed (static text)
 *
 * Return: 0 or -errno
 */
int nl_lo_setup(uint32_t a4, const uint8_t a6[16], const char **step);

#endif
