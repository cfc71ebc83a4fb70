/* SPDX-License-Identifier: MIT
 *
 * socks5udp.c - SOCKS5 UDP ASSOCIATE (RFC 1928 §4, §7) as bytes: the
 * request, the relay address in its reply, and the header every datagram
 * carries. No I/O, no allocation; the parsers take bytes from the proxy and
 * are fuzzed (fuzz/fuzz-netns-udp.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "socks5udp.h"

static size_t put_addr(const struct sockaddr *sa, uint8_t *o)
{
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		o[0] = 4;
		memcpy(o + 1, &s6->sin6_addr, 16);
		memcpy(o + 17, &s6->sin6_port, 2);
		return 19;
	}
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

	o[0] = 1;
	memcpy(o + 1, &s4->sin_addr, 4);
	memcpy(o + 5, &s4->sin_port, 2);
	return 7;
}

size_t socks5_udp_associate(const struct sockaddr *from, uint8_t *out)
{
	out[0] = 5;
	out[1] = 3;	/* UDP ASSOCIATE */
	out[2] = 0;
	return 3 + put_addr(from, out + 3);
}

/* the address at @b (ATYP first) in @n bytes; Return: its length, or 0 */
static size_t addr_len(const uint8_t *b, size_t n)
{
	size_t l;

	if (n < 1)
		return 0;
	switch (b[0]) {
	case 1:
		l = 1 + 4 + 2;
		break;
	case 4:
		l = 1 + 16 + 2;
		break;
	case 3:
		if (n < 2 || b[1] == 0)
			return 0;
		l = 2 + (size_t)b[1] + 2;
		break;
	default:
		return 0;
	}
	return l <= n ? l : 0;
}

int socks5_bnd_parse(const uint8_t *b, size_t n, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (n < 4 || b[0] != 5 || addr_len(b + 3, n - 3) != n - 3)
		return -EPROTO;
	if (b[3] == 1) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, b + 4, 4);
		memcpy(&s4->sin_port, b + 8, 2);
		return 0;
	}
	if (b[3] == 4) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, b + 4, 16);
		memcpy(&s6->sin6_port, b + 20, 2);
		return 0;
	}
	return -EPROTO;		/* a name: we need an address to send to */
}

size_t socks5_udp_header(const struct target *t, uint8_t *out)
{
	size_t n;

	out[0] = out[1] = out[2] = 0;	/* RSV, FRAG 0 */
	if (t->name[0]) {
		n = strlen(t->name);
		if (n > 255)
			return 0;
		out[3] = 3;
		out[4] = (uint8_t)n;
		memcpy(out + 5, t->name, n);
		out[5 + n] = (uint8_t)(t->port >> 8);
		out[6 + n] = (uint8_t)t->port;
		return 7 + n;
	}
	n = 3 + put_addr((const struct sockaddr *)&t->sa, out + 3);
	out[n - 2] = (uint8_t)(t->port >> 8);
	out[n - 1] = (uint8_t)t->port;
	return n;
}

int socks5_udp_parse(const uint8_t *b, size_t n, size_t *hdr)
{
	size_t l;

	if (n < 4 || b[0] != 0 || b[1] != 0)
		return -EPROTO;
	if (b[2] != 0)
		return -EOPNOTSUPP;
	l = addr_len(b + 3, n - 3);
	if (!l)
		return -EPROTO;
	*hdr = 3 + l;
	return 0;
}
