/* SPDX-License-Identifier: MIT
 *
 * dns.c - the namespace's DNS stub as bytes: query parsing, answers, and the
 * fake-address map (names -> addresses of 198.18.0.0/15, so that a later
 * connection to the address can be CONNECTed by name at the proxy).
 *
 * Answers in fake mode: A -> one fake address; every other type (AAAA,
 * HTTPS, MX, ...) -> NOERROR with no record (NODATA), so resolvers fall back
 * to A at once instead of timing out; other opcodes -> NOTIMP; a malformed
 * question -> FORMERR. Nothing is dropped unless not even a header came.
 *
 * A fake address stands for a name the *proxy* resolves, so only names
 * that mean the same there as here get one (dns_fake_rule()): an IPv4
 * literal in any spelling inet_aton() takes ("127.0.0.1", "127.1",
 * "0x7f000001", "2130706433") is answered with itself, so connecting to it
 * stays under the namespace's own rules (127/8 is the namespace's own
 * loopback) instead of reaching the proxy host's; "localhost" and
 * "*.localhost" (RFC 6761) are 127.0.0.1 here, not at the proxy; a name
 * whose last label is numeric (not a host name: no top-level domain is,
 * and some resolvers read such names as addresses) and a single-label
 * name are NXDOMAIN.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int dns_query_parse(const uint8_t *b, size_t n, struct dns_query *q)
{
	size_t off = DNS_HDR, o = 0;

	memset(q, 0, sizeof(*q));
	if (n < DNS_HDR)
		return -EINVAL;
	q->id = get16(b);
	q->rd = b[2] & 1;
	q->opcode = (b[2] >> 3) & 15;
	if (b[2] & 0x80)		/* a response: never answer it */
		return -EINVAL;
	if (q->opcode != 0)
		return -EOPNOTSUPP;
	if (get16(b + 4) != 1)
		return -EBADMSG;
	for (;;) {
		uint8_t l;

		if (off >= n)
			return -EBADMSG;
		l = b[off++];
		if (l == 0)
			break;
		if (l > 63 || off + l > n)	/* no compression in a question */
			return -EBADMSG;
		if (o + (o ? 1 : 0) + l > DNS_NAME_MAX)
			return -EBADMSG;
		if (o)
			q->name[o++] = '.';
		for (size_t i = 0; i < l; i++) {
			char c = (char)b[off + i];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			/* bytes a host name cannot hold are refused rather
			 * than passed to the proxy as a name */
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			      c == '-' || c == '_'))
				return -EBADMSG;
			q->name[o++] = c;
		}
		off += l;
	}
	q->name[o] = '\0';
	if (off + 4 > n)
		return -EBADMSG;
	q->qtype = get16(b + off);
	q->qclass = get16(b + off + 2);
	q->qend = off + 4;
	return 0;
}

size_t dns_answer(const struct dns_query *q, const uint8_t *query, int rcode,
		  const uint8_t *addr, uint32_t ttl, uint8_t *out)
{
	size_t n = DNS_HDR;

	memset(out, 0, DNS_HDR);
	put16(out, q->id);
	out[2] = (uint8_t)(0x80 | (q->opcode << 3) | (q->rd ? 1 : 0));
	out[3] = (uint8_t)(0x80 | (rcode & 15));	/* RA */
	if (query && q->qend > DNS_HDR) {
		put16(out + 4, 1);
		memcpy(out + DNS_HDR, query + DNS_HDR, q->qend - DNS_HDR);
		n = q->qend;
	}
	if (addr && query && q->qend > DNS_HDR && rcode == DNS_NOERROR) {
		put16(out + 6, 1);
		put16(out + n, 0xc000 | DNS_HDR);	/* the question's name */
		put16(out + n + 2, DNS_A);
		put16(out + n + 4, 1);			/* IN */
		out[n + 6] = (uint8_t)(ttl >> 24);
		out[n + 7] = (uint8_t)(ttl >> 16);
		out[n + 8] = (uint8_t)(ttl >> 8);
		out[n + 9] = (uint8_t)ttl;
		put16(out + n + 10, 4);
		memcpy(out + n + 12, addr, 4);
		n += 16;
	}
	return n;
}

/* all digits, or 0x and hex digits: what an address parser may take */
static bool numeric_label(const char *s, size_t n)
{
	size_t i = 0;

	if (n > 2 && s[0] == '0' && s[1] == 'x')
		for (i = 2; i < n && ((s[i] >= '0' && s[i] <= '9') ||
				      (s[i] >= 'a' && s[i] <= 'f')); i++)
			;
	else
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
	return n > 0 && i == n;
}

int dns_fake_rule(const char *name, uint8_t addr[4])
{
	static const uint8_t loopback[4] = { 127, 0, 0, 1 };
	const char *last = strrchr(name, '.');
	struct in_addr a;
	size_t n = strlen(name);

	if (inet_aton(name, &a)) {
		memcpy(addr, &a.s_addr, 4);
		return DNS_FAKE_SELF;
	}
	if (strcmp(name, "localhost") == 0 ||
	    (n > 10 && strcmp(name + n - 10, ".localhost") == 0)) {
		memcpy(addr, loopback, 4);
		return DNS_FAKE_SELF;
	}
	if (!last)
		return DNS_FAKE_NXDOMAIN;	/* single label */
	last++;
	if (numeric_label(last, strlen(last)))
		return DNS_FAKE_NXDOMAIN;
	return DNS_FAKE_NAME;
}

/* FNV-1a */
static uint32_t hash_name(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

int fakedns_init(struct fakedns *f, uint32_t base, uint32_t cap)
{
	memset(f, 0, sizeof(*f));
	f->base = base;
	f->cap = cap ? cap : 1;
	f->hsize = 2 * f->cap;
	f->names = calloc(f->cap, sizeof(*f->names));
	f->hash = calloc(f->hsize, sizeof(*f->hash));
	if (!f->names || !f->hash) {
		fakedns_fini(f);
		return -ENOMEM;
	}
	return 0;
}

void fakedns_fini(struct fakedns *f)
{
	if (f->names)
		for (uint32_t i = 0; i < f->cap; i++)
			free(f->names[i]);
	free(f->names);
	free(f->hash);
	f->names = NULL;
	f->hash = NULL;
}

/* find_slot() - the slot of @name, or the empty slot where it would go */
static uint32_t find_slot(const struct fakedns *f, const char *name)
{
	uint32_t s = hash_name(name) % f->hsize, e;

	while ((e = f->hash[s]) != 0 && strcmp(f->names[e - 1], name) != 0)
		s = (s + 1) % f->hsize;
	return s;
}

/* remove entry @e from the table, re-inserting the cluster after it */
static void unhash(struct fakedns *f, uint32_t e)
{
	uint32_t s = find_slot(f, f->names[e]), t, m;

	f->hash[s] = 0;
	for (t = (s + 1) % f->hsize; (m = f->hash[t]) != 0; t = (t + 1) % f->hsize) {
		f->hash[t] = 0;
		f->hash[find_slot(f, f->names[m - 1])] = m;
	}
}

uint32_t fakedns_lookup(struct fakedns *f, const char *name)
{
	uint32_t s = find_slot(f, name), e;
	char *copy;

	if (f->hash[s])
		return f->base + f->hash[s];
	copy = strdup(name);
	if (!copy)
		return 0;
	e = f->next;
	f->next = (f->next + 1) % f->cap;
	if (f->names[e]) {
		unhash(f, e);
		free(f->names[e]);
	}
	f->names[e] = copy;
	f->hash[find_slot(f, name)] = e + 1;
	return f->base + 1 + e;
}

const char *fakedns_name(const struct fakedns *f, uint32_t addr)
{
	uint32_t e;

	if (addr <= f->base || addr - f->base > f->cap)
		return NULL;
	e = addr - f->base - 1;
	return f->names[e];
}
