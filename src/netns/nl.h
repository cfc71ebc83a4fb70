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

/**
 * nl_tproxy_setup() - "ip rule add fwmark @mark lookup @table" and "ip route
 *		       add local default dev lo table @table", IPv4 and IPv6:
 *		       packets nftables marks in output come back in through
 *		       lo, where TPROXY hands them to the relay (UDP capture)
 * Return: 0 or -errno, @step naming the request that failed
 */
int nl_tproxy_setup(uint32_t mark, uint32_t table, const char **step);

/**
 * nft_table_comment() - the comment of nftables table @family (NFPROTO_*)
 *			 @name in the calling thread's network namespace,
 *			 read over nfnetlink (needs CAP_NET_ADMIN there)
 * @comment, @size: the comment, NUL-terminated ("" when the table has none)
 *
 * Return: 0, -ENOENT no such table, -EBADMSG user data not as nft(8)
 *	   writes it, -ENAMETOOLONG, other -errno
 */
int nft_table_comment(int family, const char *name, char *comment, size_t size);

#endif
