/* SPDX-License-Identifier: MIT */
#ifndef BRO_NETNS_SOCKS5UDP_H
#define BRO_NETNS_SOCKS5UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proxy.h"

/* the longest SOCKS5 UDP request header: 4 + 1 + 255 (a name) + 2 */
#define SOCKS5_UDP_HDR_MAX	262

/**
 * socks5_udp_associate() - the UDP ASSOCIATE request (RFC 1928 §4, CMD 3)
 * @from:	the address and port the datagrams will come from
 * Return: its length (<= 22)
 */
size_t socks5_udp_associate(const struct sockaddr *from, uint8_t *out);

/**
 * socks5_bnd_parse() - BND.ADDR and BND.PORT of a reply that
 *			socks5_reply_parse() accepted (@n: its length)
 * Return: 0 with @ss set, -EPROTO (a name, or malformed)
 */
int socks5_bnd_parse(const uint8_t *b, size_t n, struct sockaddr_storage *ss);

/* socks5_udp_header() - the header a datagram to @t goes out with (RFC
 * 1928 §7, FRAG 0); Return: its length, 0 if @t cannot be expressed */
size_t socks5_udp_header(const struct target *t, uint8_t *out);

/**
 * socks5_udp_parse() - the header of a datagram from the proxy
 * @b, @n:	the datagram (untrusted)
 * @hdr:	the header's length: the data follows
 * Return: 0, -EPROTO malformed or truncated, -EOPNOTSUPP fragmented (FRAG
 *	   not 0: dropped, as RFC 1928 allows an implementation that does not
 *	   reassemble)
 */
int socks5_udp_parse(const uint8_t *b, size_t n, size_t *hdr);

#endif
