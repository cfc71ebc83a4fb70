/* SPDX-License-Identifier: MIT
 *
 * proxyproto.c - the PROXY protocol, versions 1 (text) and 2 (binary), as
 * specified in haproxy's doc/proxy-protocol.txt: a header sent to the
 * backend before the client's first byte, carrying the client's address.
 * The builder is what bro-proxyd sends; the parser is for backends and
 * tests, and is fuzzed with the builder's output and with arbitrary bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "parse.h"
#include "proxyproto.h"

static const uint8_t v2_sig[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
				    0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };

enum { V2_CMD_LOCAL = 0x20, V2_CMD_PROXY = 0x21 };
enum { V2_UNSPEC = 0x00, V2_TCP4 = 0x11, V2_TCP6 = 0x21, V2_UNIX = 0x31 };
#define V2_UNIX_PATH	108

struct ends {
	int family;		/* AF_INET, AF_INET6, AF_UNIX or AF_UNSPEC */
	struct sockaddr_in in[2];
	struct sockaddr_in6 in6[2];
	char path[2][V2_UNIX_PATH];
};

static bool v4mapped(const struct sockaddr_in6 *s)
{
	return IN6_IS_ADDR_V4MAPPED(&s->sin6_addr);
}

static void to_v4(const struct sockaddr_in6 *s, struct sockaddr_in *d)
{
	*d = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = s->sin6_port };
	memcpy(&d->sin_addr, &s->sin6_addr.s6_addr[12], 4);
}

static void to_v6(const struct sockaddr_in *s, struct sockaddr_in6 *d)
{
	*d = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = s->sin_port };
	d->sin6_addr.s6_addr[10] = d->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&d->sin6_addr.s6_addr[12], &s->sin_addr, 4);
}

/* normalize the two ends to one family the header can carry */
static void ends_from(struct ends *e, const struct sockaddr *sa[2],
		      const socklen_t len[2])
{
	int i, fam[2];

	memset(e, 0, sizeof(*e));
	for (i = 0; i < 2; i++) {
		fam[i] = AF_UNSPEC;
		if (!sa[i] || len[i] < sizeof(sa_family_t))
			continue;
		if (sa[i]->sa_family == AF_INET && len[i] >= sizeof(struct sockaddr_in))
			fam[i] = AF_INET;
		else if (sa[i]->sa_family == AF_INET6 &&
			 len[i] >= sizeof(struct sockaddr_in6))
			fam[i] = AF_INET6;
		else if (sa[i]->sa_family == AF_UNIX)
			fam[i] = AF_UNIX;
	}
	if (fam[0] == AF_UNIX && fam[1] == AF_UNIX) {
		for (i = 0; i < 2; i++) {
			size_t off = offsetof(struct sockaddr_un, sun_path);
			size_t n = len[i] > off ? len[i] - off : 0;

			if (n > V2_UNIX_PATH)
				n = V2_UNIX_PATH;
			memcpy(e->path[i], ((const struct sockaddr_un *)sa[i])->sun_path, n);
		}
		e->family = AF_UNIX;
		return;
	}
	if ((fam[0] != AF_INET && fam[0] != AF_INET6) ||
	    (fam[1] != AF_INET && fam[1] != AF_INET6))
		return;			/* AF_UNSPEC */
	for (i = 0; i < 2; i++) {
		if (fam[i] == AF_INET)
			memcpy(&e->in[i], sa[i], sizeof(e->in[i]));
		else
			memcpy(&e->in6[i], sa[i], sizeof(e->in6[i]));
	}
	if (fam[0] == AF_INET6 && fam[1] == AF_INET6 &&
	    v4mapped(&e->in6[0]) && v4mapped(&e->in6[1])) {
		to_v4(&e->in6[0], &e->in[0]);
		to_v4(&e->in6[1], &e->in[1]);
		e->family = AF_INET;
	} else if (fam[0] == AF_INET && fam[1] == AF_INET) {
		e->family = AF_INET;
	} else {
		for (i = 0; i < 2; i++)
			if (fam[i] == AF_INET)
				to_v6(&e->in[i], &e->in6[i]);
		e->family = AF_INET6;
	}
}

static int header_v1(const struct ends *e, uint8_t *buf, size_t size)
{
	char a[2][INET6_ADDRSTRLEN];
	int n, i;

	if (e->family == AF_INET) {
		for (i = 0; i < 2; i++)
			inet_ntop(AF_INET, &e->in[i].sin_addr, a[i], sizeof(a[i]));
		n = snprintf((char *)buf, size, "PROXY TCP4 %s %s %u %u\r\n",
			     a[0], a[1], ntohs(e->in[0].sin_port),
			     ntohs(e->in[1].sin_port));
	} else if (e->family == AF_INET6) {
		for (i = 0; i < 2; i++)
			inet_ntop(AF_INET6, &e->in6[i].sin6_addr, a[i], sizeof(a[i]));
		n = snprintf((char *)buf, size, "PROXY TCP6 %s %s %u %u\r\n",
			     a[0], a[1], ntohs(e->in6[0].sin6_port),
			     ntohs(e->in6[1].sin6_port));
	} else {
		n = snprintf((char *)buf, size, "PROXY UNKNOWN\r\n");
	}
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

static int header_v2(const struct ends *e, uint8_t *buf, size_t size)
{
	size_t alen = 0;
	uint8_t *p = buf + 16;

	if (size < 16)
		return -ENOSPC;
	memcpy(buf, v2_sig, sizeof(v2_sig));
	buf[12] = V2_CMD_PROXY;
	switch (e->family) {
	case AF_INET:
		alen = 12;
		buf[13] = V2_TCP4;
		break;
	case AF_INET6:
		alen = 36;
		buf[13] = V2_TCP6;
		break;
	case AF_UNIX:
		alen = 2 * V2_UNIX_PATH;
		buf[13] = V2_UNIX;
		break;
	default:
		buf[13] = V2_UNSPEC;
	}
	if (size < 16 + alen)
		return -ENOSPC;
	buf[14] = (uint8_t)(alen >> 8);
	buf[15] = (uint8_t)alen;
	if (e->family == AF_INET) {
		memcpy(p, &e->in[0].sin_addr, 4);
		memcpy(p + 4, &e->in[1].sin_addr, 4);
		memcpy(p + 8, &e->in[0].sin_port, 2);
		memcpy(p + 10, &e->in[1].sin_port, 2);
	} else if (e->family == AF_INET6) {
		memcpy(p, &e->in6[0].sin6_addr, 16);
		memcpy(p + 16, &e->in6[1].sin6_addr, 16);
		memcpy(p + 32, &e->in6[0].sin6_port, 2);
		memcpy(p + 34, &e->in6[1].sin6_port, 2);
	} else if (e->family == AF_UNIX) {
		memcpy(p, e->path[0], V2_UNIX_PATH);
		memcpy(p + V2_UNIX_PATH, e->path[1], V2_UNIX_PATH);
	}
	return (int)(16 + alen);
}

int proxy_header(enum proxy_version v, const struct sockaddr *src,
		 socklen_t srclen, const struct sockaddr *dst, socklen_t dstlen,
		 uint8_t *buf, size_t size)
{
	const struct sockaddr *sa[2] = { src, dst };
	const socklen_t len[2] = { srclen, dstlen };
	struct ends e;

	ends_from(&e, sa, len);
	if (v == PROXY_V1) {
		if (e.family == AF_UNIX)
			e.family = AF_UNSPEC;	/* v1 has no unix family */
		return header_v1(&e, buf, size);
	}
	if (v == PROXY_V2)
		return header_v2(&e, buf, size);
	return -EINVAL;
}

/* v1 fields: one space-separated token into @out (NUL-terminated) */
static const char *token(const char *s, const char *end, char *out, size_t size)
{
	size_t n = 0;

	while (s < end && *s != ' ' && *s != '\r') {
		if (n + 1 >= size)
			return NULL;
		out[n++] = *s++;
	}
	out[n] = '\0';
	return n ? s : NULL;
}

static int set_inet(struct sockaddr_storage *ss, socklen_t *len, int fam,
		    const char *ip, const char *port)
{
	uint64_t p;

	/* ports are decimal without leading zeros (the specification) */
	if (parse_u64(port, 0, 65535, &p) < 0 || (port[0] == '0' && port[1]))
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (fam == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, ip, &in->sin_addr) != 1)
			return -EINVAL;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)p);
		*len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, ip, &in6->sin6_addr) != 1)
			return -EINVAL;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*in6);
	}
	return 0;
}

static int parse_v1(const uint8_t *buf, size_t len, struct proxy_info *pi)
{
	const char *s = (const char *)buf, *end, *crlf;
	char f[4][INET6_ADDRSTRLEN + 1];
	size_t max = len < PROXY_V1_MAX ? len : PROXY_V1_MAX, i;
	int fam;

	crlf = memchr(s, '\r', max);
	if (!crlf || (size_t)(crlf - s) + 1 >= max)
		return max < PROXY_V1_MAX && !memchr(s, '\n', max) ? 0 : -EINVAL;
	if (crlf[1] != '\n')
		return -EINVAL;
	end = crlf;
	for (i = 0; s + i < end; i++)
		if (s[i] == '\0' || s[i] == '\n')
			return -EINVAL;
	pi->version = 1;
	if ((size_t)(end - s) >= 13 && !memcmp(s, "PROXY UNKNOWN", 13) &&
	    (end - s == 13 || s[13] == ' ')) {
		pi->family = AF_UNSPEC;
		return (int)(end - s + 2);
	}
	if ((size_t)(end - s) < 11)
		return -EINVAL;
	if (!memcmp(s, "PROXY TCP4 ", 11))
		fam = AF_INET;
	else if (!memcmp(s, "PROXY TCP6 ", 11))
		fam = AF_INET6;
	else
		return -EINVAL;
	s += 11;
	for (i = 0; i < 4; i++) {
		s = token(s, end, f[i], sizeof(f[i]));
		if (!s)
			return -EINVAL;
		if (i < 3) {
			if (s >= end || *s != ' ')
				return -EINVAL;
			s++;
		}
	}
	if (s != end)
		return -EINVAL;
	if (set_inet(&pi->src, &pi->srclen, fam, f[0], f[2]) < 0 ||
	    set_inet(&pi->dst, &pi->dstlen, fam, f[1], f[3]) < 0)
		return -EINVAL;
	pi->family = fam;
	return (int)(end - (const char *)buf + 2);
}

static int parse_v2(const uint8_t *buf, size_t len, struct proxy_info *pi)
{
	size_t alen, need;
	const uint8_t *p = buf + 16;

	if (len < 16)
		return 0;
	if ((buf[12] & 0xF0) != 0x20)
		return -EINVAL;
	alen = (size_t)buf[14] << 8 | buf[15];
	need = 16 + alen;
	if (len < need)
		return 0;
	pi->version = 2;
	switch (buf[12]) {
	case V2_CMD_LOCAL:
		pi->local = 1;
		pi->family = AF_UNSPEC;
		return (int)need;
	case V2_CMD_PROXY:
		break;
	default:
		return -EINVAL;
	}
	switch (buf[13]) {
	case V2_TCP4: {
		struct sockaddr_in *s = (struct sockaddr_in *)&pi->src;
		struct sockaddr_in *d = (struct sockaddr_in *)&pi->dst;

		if (alen < 12)
			return -EINVAL;
		s->sin_family = d->sin_family = AF_INET;
		memcpy(&s->sin_addr, p, 4);
		memcpy(&d->sin_addr, p + 4, 4);
		memcpy(&s->sin_port, p + 8, 2);
		memcpy(&d->sin_port, p + 10, 2);
		pi->srclen = pi->dstlen = sizeof(*s);
		pi->family = AF_INET;
		break;
	}
	case V2_TCP6: {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&pi->src;
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)&pi->dst;

		if (alen < 36)
			return -EINVAL;
		s->sin6_family = d->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, p, 16);
		memcpy(&d->sin6_addr, p + 16, 16);
		memcpy(&s->sin6_port, p + 32, 2);
		memcpy(&d->sin6_port, p + 34, 2);
		pi->srclen = pi->dstlen = sizeof(*s);
		pi->family = AF_INET6;
		break;
	}
	case V2_UNIX: {
		struct sockaddr_un *s = (struct sockaddr_un *)&pi->src;
		struct sockaddr_un *d = (struct sockaddr_un *)&pi->dst;
		size_t off = offsetof(struct sockaddr_un, sun_path);

		if (alen < 2 * V2_UNIX_PATH)
			return -EINVAL;
		s->sun_family = d->sun_family = AF_UNIX;
		memcpy(s->sun_path, p, V2_UNIX_PATH);
		memcpy(d->sun_path, p + V2_UNIX_PATH, V2_UNIX_PATH);
		/* a path ends at its NUL; an abstract name fills the field */
		pi->srclen = (socklen_t)(off + (p[0] ? strnlen(s->sun_path, V2_UNIX_PATH) + 1
						 : V2_UNIX_PATH));
		pi->dstlen = (socklen_t)(off + (p[V2_UNIX_PATH] ?
						strnlen(d->sun_path, V2_UNIX_PATH) + 1 :
						V2_UNIX_PATH));
		if (pi->srclen > sizeof(struct sockaddr_un))
			pi->srclen = sizeof(struct sockaddr_un);
		if (pi->dstlen > sizeof(struct sockaddr_un))
			pi->dstlen = sizeof(struct sockaddr_un);
		pi->family = AF_UNIX;
		break;
	}
	default:
		/* UNSPEC, UDP or an unknown family: keep the connection, use
		 * its real endpoints */
		pi->family = AF_UNSPEC;
	}
	return (int)need;
}

int proxy_parse(const uint8_t *buf, size_t len, struct proxy_info *pi)
{
	size_t n = len < sizeof(v2_sig) ? len : sizeof(v2_sig);

	memset(pi, 0, sizeof(*pi));
	if (!memcmp(buf, v2_sig, n))
		return n < sizeof(v2_sig) ? 0 : parse_v2(buf, len, pi);
	n = len < 6 ? len : 6;
	if (!memcmp(buf, "PROXY ", n))
		return n < 6 ? 0 : parse_v1(buf, len, pi);
	return -EINVAL;
}
