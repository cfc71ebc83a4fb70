// SPDX-License-Identifier: MIT
/*
 * util.c - what libc would give the shim: memory functions the compiler
 * may call, string length, and stderr lines built without printf.
 */
#include "sockact.h"

void *memset(void *d, int c, size_t n)
{
	volatile unsigned char *p = d;	/* no memset call for a memset loop */

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
	volatile unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	volatile unsigned char *p = d;
	const unsigned char *q = s;

	if (p < q) {
		while (n--)
			*p++ = *q++;
	} else {
		while (n--)
			p[n] = q[n];
	}
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t sa_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

void line_start(struct sa_line *l)
{
	l->n = 0;
	line_str(l, "bro-sockact[");
	line_num(l, sa_getpid());
	line_str(l, "]: ");
}

void line_str(struct sa_line *l, const char *s)
{
	while (*s && l->n < sizeof(l->buf) - 1)
		l->buf[l->n++] = *s++;
}

void line_num(struct sa_line *l, long v)
{
	char t[24];
	int i = 0;
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;

	do
		t[i++] = (char)('0' + u % 10);
	while ((u /= 10) && i < 22);
	if (v < 0)
		t[i++] = '-';
	while (i && l->n < sizeof(l->buf) - 1)
		l->buf[l->n++] = t[--i];
}

static void line_hex16(struct sa_line *l, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	int shift, started = 0;

	for (shift = 12; shift >= 0; shift -= 4) {
		unsigned d = (v >> shift) & 0xf;

		if (!d && !started && shift)
			continue;
		started = 1;
		if (l->n < sizeof(l->buf) - 1)
			l->buf[l->n++] = hex[d];
	}
}

/* "127.0.0.1:5432" or "[::1]:5432" (IPv6 without zero compression) */
void line_addr(struct sa_line *l, const union sa_inet *a)
{
	int i;

	if (a->family == SA_AF_INET) {
		for (i = 0; i < 4; i++) {
			if (i)
				line_str(l, ".");
			line_num(l, a->in4.addr[i]);
		}
		line_str(l, ":");
		line_num(l, (a->in4.port >> 8 | a->in4.port << 8) & 0xffff);
	} else if (a->family == SA_AF_INET6) {
		line_str(l, "[");
		for (i = 0; i < 16; i += 2) {
			if (i)
				line_str(l, ":");
			line_hex16(l, (unsigned)a->in6.addr[i] << 8 | a->in6.addr[i + 1]);
		}
		line_str(l, "]:");
		line_num(l, (a->in6.port >> 8 | a->in6.port << 8) & 0xffff);
	} else {
		line_str(l, "family ");
		line_num(l, a->family);
	}
}

void line_end(struct sa_line *l)
{
	size_t off = 0;
	long r;

	l->buf[l->n++] = '\n';
	while (off < l->n) {
		r = sa_write(2, l->buf + off, l->n - off);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
}
