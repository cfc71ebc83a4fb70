/* SPDX-License-Identifier: MIT
 *
 * policy.c - bro-netns's egress policy: patterns parsed, rules indexed,
 * connections looked up (policy.h says what matches what). No I/O: the
 * parser takes untrusted text and is fuzzed (fuzz/fuzz-netns-policy.c).
 *
 * Every rule becomes one key in a chained hash table, with its index and
 * port appended to that key's list:
 *   'E' NAME			exact name
 *   'S' SUFFIX			*.SUFFIX
 *   '4' LEN ADDR[4]		IPv4 CIDR, host bits zero
 *   '6' LEN ADDR[16]		IPv6 CIDR, host bits zero
 *   'A'			*
 * A lookup probes every key the destination could match and keeps the
 * lowest rule index whose port fits: the first match, as if the rules had
 * been walked in order.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "policy.h"

#define KEY_MAX		(2 + DNS_NAME_MAX + 1)

struct policy_item {
	uint32_t rule;		/* 0-based index */
	uint16_t port;		/* 0: any */
};

struct policy_ent {
	struct policy_ent *next;
	uint32_t hash;
	uint16_t klen;
	uint32_t n, cap;
	struct policy_item *items;
	uint8_t key[];
};

void policy_init(struct policy *p)
{
	memset(p, 0, sizeof(*p));
}

void policy_free(struct policy *p)
{
	for (uint32_t i = 0; i < p->n; i++)
		free(p->text[i]);
	free(p->text);
	free(p->allow);
	for (uint32_t i = 0; i < p->tsize; i++) {
		struct policy_ent *e = p->tab[i], *next;

		for (; e; e = next) {
			next = e->next;
			free(e->items);
			free(e);
		}
	}
	free(p->tab);
	policy_init(p);
}

/* FNV-1a */
static uint32_t hash_key(const uint8_t *k, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

static struct policy_ent *ent_find(const struct policy *p, const uint8_t *k,
				   size_t n, uint32_t h)
{
	struct policy_ent *e;

	if (!p->tsize)
		return NULL;
	for (e = p->tab[h & (p->tsize - 1)]; e; e = e->next)
		if (e->hash == h && e->klen == n && memcmp(e->key, k, n) == 0)
			return e;
	return NULL;
}

static int tab_grow(struct policy *p)
{
	uint32_t size = p->tsize ? 2 * p->tsize : 64;
	struct policy_ent **tab = calloc(size, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->tsize; i++) {
		struct policy_ent *e = p->tab[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = tab[e->hash & (size - 1)];
			tab[e->hash & (size - 1)] = e;
		}
	}
	free(p->tab);
	p->tab = tab;
	p->tsize = size;
	return 0;
}

/* index rule @rule under key @k */
static int index_rule(struct policy *p, const uint8_t *k, size_t n,
		      uint16_t port, uint32_t rule)
{
	uint32_t h = hash_key(k, n);
	struct policy_ent *e = ent_find(p, k, n, h);

	if (!e) {
		if (p->tused >= p->tsize && tab_grow(p) < 0)
			return -ENOMEM;
		e = calloc(1, sizeof(*e) + n);
		if (!e)
			return -ENOMEM;
		e->hash = h;
		e->klen = (uint16_t)n;
		memcpy(e->key, k, n);
		e->next = p->tab[h & (p->tsize - 1)];
		p->tab[h & (p->tsize - 1)] = e;
		p->tused++;
	}
	/* a rule after one for any port of the same key never matches */
	if (e->n && e->items[0].port == 0)
		return 0;
	if (e->n == e->cap) {
		uint32_t cap = e->cap ? 2 * e->cap : 1;
		struct policy_item *it = realloc(e->items, cap * sizeof(*it));

		if (!it)
			return -ENOMEM;
		e->items = it;
		e->cap = cap;
	}
	e->items[e->n++] = (struct policy_item){ .rule = rule, .port = port };
	return 0;
}

/* the first rule under key @k that fits @port, if before *@best */
static void probe(const struct policy *p, const uint8_t *k, size_t n,
		  uint16_t port, uint32_t *best)
{
	const struct policy_ent *e = ent_find(p, k, n, hash_key(k, n));

	if (!e)
		return;
	for (uint32_t i = 0; i < e->n && e->items[i].rule < *best; i++)
		if (e->items[i].port == 0 || e->items[i].port == port) {
			*best = e->items[i].rule;
			return;
		}
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* lower-case host name @s (@n bytes, no final dot) into @out;
 * Return: NULL or why it is not one */
static const char *name_norm(const char *s, size_t n, char *out)
{
	size_t label = 0, last = 0;

	if (n == 0)
		return "empty name";
	if (n > DNS_NAME_MAX)
		return "name longer than 253 bytes";
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '.') {
			if (label == 0)
				return "empty label";
			if (out[i - 1] == '-')
				return "a label ends with -";
			label = 0;
			last = i + 1;
		} else if ((c >= 'a' && c <= 'z') || is_digit(c) || c == '-' ||
			   c == '_') {
			if (c == '-' && label == 0)
				return "a label starts with -";
			if (++label > 63)
				return "label longer than 63 bytes";
		} else if (c == '*') {
			return "a wildcard only as a whole first label: *.SUFFIX";
		} else {
			return "not a host name, address or CIDR";
		}
		out[i] = c;
	}
	if (label == 0)
		return "empty label";
	if (out[n - 1] == '-')
		return "a label ends with -";
	out[n] = '\0';
	/* what the DNS stub never gives a fake address (dns_fake_rule()):
	 * a numeric last label is an address, or a typo of one */
	for (size_t i = last; i < n && is_digit(out[i]); i++)
		if (i + 1 == n)
			return "not a host name (numeric last label) nor an address";
	if (n > last + 2 && out[last] == '0' && out[last + 1] == 'x') {
		size_t i = last + 2;

		while (i < n && (is_digit(out[i]) || (out[i] >= 'a' && out[i] <= 'f')))
			i++;
		if (i == n)
			return "not a host name (numeric last label) nor an address";
	}
	return NULL;
}

static void mask(uint8_t *a, unsigned bytes, unsigned len)
{
	for (unsigned i = 0; i < bytes; i++) {
		unsigned bits = len > 8 * i ? len - 8 * i : 0;

		a[i] &= bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
	}
}

/* parse ADDR or ADDR/LEN into key @k (4 or 6 form); Return: key length, or
 * 0 with @why */
static size_t cidr_key(const char *s, bool v6_only, uint8_t *k, const char **why)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	uint8_t a[16], chk[16];
	unsigned long len;
	int fam;
	unsigned bytes;

	if (strlen(s) >= sizeof(buf)) {
		*why = "not an address";
		return 0;
	}
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (!v6_only && inet_pton(AF_INET, buf, a) == 1) {
		fam = AF_INET;
	} else if (inet_pton(AF_INET6, buf, a) == 1) {
		fam = AF_INET6;
	} else {
		*why = slash ? "not a CIDR (ADDR/LEN)" : "not an address";
		return 0;
	}
	len = fam == AF_INET ? 32 : 128;
	if (slash) {
		char *end;

		if (!is_digit(slash[0]) || (slash[0] == '0' && slash[1])) {
			*why = "bad prefix length";
			return 0;
		}
		len = strtoul(slash, &end, 10);
		if (*end || len > (fam == AF_INET ? 32u : 128u)) {
			*why = "bad prefix length";
			return 0;
		}
	}
	/* ::ffff:a.b.c.d is IPv4 on the wire: matched as such */
	if (fam == AF_INET6 && len >= 96 &&
	    IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a)) {
		memmove(a, a + 12, 4);
		fam = AF_INET;
		len -= 96;
	}
	bytes = fam == AF_INET ? 4 : 16;
	memcpy(chk, a, bytes);
	mask(chk, bytes, (unsigned)len);
	if (memcmp(chk, a, bytes) != 0) {
		*why = "host bits set after the prefix length";
		return 0;
	}
	k[0] = fam == AF_INET ? '4' : '6';
	k[1] = (uint8_t)len;
	memcpy(k + 2, a, bytes);
	return 2 + bytes;
}

int policy_add(struct policy *p, bool allow, const char *pat, char *err,
	       size_t size)
{
	char host[POLICY_PATTERN_MAX + 1];
	uint8_t k[KEY_MAX];
	const char *why = NULL, *port_s = NULL, *c;
	size_t n = strlen(pat), hl, kl = 0;
	uint16_t port = 0;
	bool bracket = false;
	int r;

	if (n == 0 || n > POLICY_PATTERN_MAX) {
		snprintf(err, size, "%s: 1-%d bytes expected", n ? "pattern" : "empty pattern",
			 POLICY_PATTERN_MAX);
		return -EINVAL;
	}
	if (p->n >= POLICY_RULES_MAX) {
		snprintf(err, size, "more than %d rules", POLICY_RULES_MAX);
		return -E2BIG;
	}
	/* HOST[:PORT], [IPV6[/LEN]][:PORT], or a bare IPV6[/LEN] */
	if (pat[0] == '[') {
		c = strchr(pat, ']');
		if (!c || (c[1] && c[1] != ':')) {
			snprintf(err, size, "%.80s: [IPV6[/LEN]][:PORT] expected", pat);
			return -EINVAL;
		}
		hl = (size_t)(c - pat - 1);
		memcpy(host, pat + 1, hl);
		port_s = c[1] ? c + 2 : NULL;
		bracket = true;
	} else {
		c = strchr(pat, ':');
		if (c && !strchr(c + 1, ':')) {
			hl = (size_t)(c - pat);
			port_s = c + 1;
		} else {
			hl = n;
		}
		memcpy(host, pat, hl);
	}
	host[hl] = '\0';
	if (port_s) {
		unsigned long v = 0;
		size_t i;

		for (i = 0; is_digit(port_s[i]) && i < 6; i++)
			v = v * 10 + (unsigned long)(port_s[i] - '0');
		if (i == 0 || port_s[i] || v < 1 || v > 65535 ||
		    (port_s[0] == '0')) {
			snprintf(err, size, "%.80s: the port must be 1-65535", pat);
			return -EINVAL;
		}
		port = (uint16_t)v;
	}
	if (!bracket && strcmp(host, "*") == 0) {
		k[0] = 'A';
		kl = 1;
	} else if (!bracket && strncmp(host, "*.", 2) == 0) {
		hl -= 2;
		if (hl && host[2 + hl - 1] == '.')
			hl--;
		why = name_norm(host + 2, hl, (char *)k + 1);
		k[0] = 'S';
		kl = 1 + hl;
		p->has_names = true;
	} else if (bracket || strchr(host, '/') || strchr(host, ':') ||
		   inet_pton(AF_INET, host, k) == 1) {
		kl = cidr_key(host, bracket || strchr(host, ':'), k, &why);
		if (kl) {
			if (k[0] == '4')
				p->lens4 |= 1ull << k[1];
			else
				p->lens6[k[1] / 64] |= 1ull << (k[1] % 64);
		}
	} else {
		if (hl && host[hl - 1] == '.')
			hl--;
		why = name_norm(host, hl, (char *)k + 1);
		k[0] = 'E';
		kl = 1 + hl;
		p->has_names = true;
	}
	if (why) {
		snprintf(err, size, "%.80s: %s", pat, why);
		return -EINVAL;
	}
	if (p->n == p->cap) {
		uint32_t cap = p->cap ? 2 * p->cap : 16;
		char **t = realloc(p->text, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		p->text = t;
		bool *a = realloc(p->allow, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		p->allow = a;
		p->cap = cap;
	}
	p->text[p->n] = malloc(n + 8);
	if (!p->text[p->n])
		return -ENOMEM;
	snprintf(p->text[p->n], n + 8, "%s %s", allow ? "allow" : "deny", pat);
	p->allow[p->n] = allow;
	r = index_rule(p, k, kl, port, p->n);
	if (r < 0) {
		free(p->text[p->n]);
		return r;
	}
	p->n++;
	if (allow)
		p->has_allow = true;
	return 0;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int policy_parse(struct policy *p, const char *text, size_t len,
		 const char *src, char *err, size_t size)
{
	char line[POLICY_LINE_MAX + 1], e[200];
	size_t off = 0, lineno = 0;

	if (len > POLICY_TEXT_MAX) {
		snprintf(err, size, "%s: larger than %u bytes", src, POLICY_TEXT_MAX);
		return -E2BIG;
	}
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t ll = nl ? (size_t)(nl - text - off) : len - off, a, b;
		bool allow;
		char *pat;
		int r;

		lineno++;
		if (ll > POLICY_LINE_MAX) {
			snprintf(err, size, "%s:%zu: line longer than %d bytes", src,
				 lineno, POLICY_LINE_MAX);
			return -EINVAL;
		}
		memcpy(line, text + off, ll);
		line[ll] = '\0';
		off += ll + (nl ? 1 : 0);
		if (strlen(line) != ll) {
			snprintf(err, size, "%s:%zu: NUL byte", src, lineno);
			return -EINVAL;
		}
		for (a = 0; blank(line[a]); a++)
			;
		if (!line[a] || line[a] == '#')
			continue;
		if (strncmp(line + a, "allow", 5) == 0 && blank(line[a + 5])) {
			allow = true;
			a += 5;
		} else if (strncmp(line + a, "deny", 4) == 0 && blank(line[a + 4])) {
			allow = false;
			a += 4;
		} else {
			snprintf(err, size, "%s:%zu: \"allow PATTERN\" or \"deny PATTERN\" expected",
				 src, lineno);
			return -EINVAL;
		}
		while (blank(line[a]))
			a++;
		pat = line + a;
		for (b = a; line[b] && !blank(line[b]) && line[b] != '#'; b++)
			;
		if (line[b] && line[b] != '#') {
			line[b++] = '\0';
			while (blank(line[b]))
				b++;
			if (line[b] && line[b] != '#') {
				snprintf(err, size, "%s:%zu: one pattern per line", src,
					 lineno);
				return -EINVAL;
			}
		}
		line[b] = '\0';
		r = policy_add(p, allow, pat, e, sizeof(e));
		if (r < 0) {
			snprintf(err, size, "%s:%zu: %s", src, lineno, e);
			return r;
		}
	}
	return 0;
}

struct policy_verdict policy_check(const struct policy *p, const char *name,
				   const struct sockaddr *sa, uint16_t port)
{
	struct policy_verdict v = { .allow = true };
	uint32_t best = UINT32_MAX;
	uint8_t k[KEY_MAX];

	if (!p || p->n == 0)
		return v;
	if (name) {
		size_t n = strlen(name);

		if (n > DNS_NAME_MAX)
			n = DNS_NAME_MAX;
		k[0] = 'E';
		memcpy(k + 1, name, n);
		probe(p, k, 1 + n, port, &best);
		k[0] = 'S';
		for (size_t i = 0; i < n; i++)
			if (name[i] == '.') {
				memcpy(k + 1, name + i + 1, n - i - 1);
				probe(p, k, n - i, port, &best);
			}
	} else if (sa && sa->sa_family == AF_INET6 &&
		   !IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)sa)->sin6_addr)) {
		const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;

		k[0] = '6';
		for (unsigned l = 0; l <= 128; l++) {
			if (!(p->lens6[l / 64] & (1ull << (l % 64))))
				continue;
			k[1] = (uint8_t)l;
			memcpy(k + 2, a, 16);
			mask(k + 2, 16, l);
			probe(p, k, 18, port, &best);
		}
	} else if (sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
		const uint8_t *a = sa->sa_family == AF_INET ?
			(const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr :
			((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr + 12;

		k[0] = '4';
		for (unsigned l = 0; l <= 32; l++) {
			if (!(p->lens4 & (1ull << l)))
				continue;
			k[1] = (uint8_t)l;
			memcpy(k + 2, a, 4);
			mask(k + 2, 4, l);
			probe(p, k, 6, port, &best);
		}
	}
	k[0] = 'A';
	probe(p, k, 1, port, &best);
	if (best == UINT32_MAX) {
		v.allow = !p->has_allow;
		return v;
	}
	v.allow = p->allow[best];
	v.rule = best + 1;
	return v;
}

char *policy_text(const struct policy *p, size_t *len)
{
	size_t n = 0, off = 0;
	char *s;

	for (uint32_t i = 0; i < p->n; i++)
		n += strlen(p->text[i]) + 1;
	s = malloc(n + 1);
	if (!s)
		return NULL;
	for (uint32_t i = 0; i < p->n; i++) {
		size_t l = strlen(p->text[i]);

		memcpy(s + off, p->text[i], l);
		s[off + l] = '\n';
		off += l + 1;
	}
	s[off] = '\0';
	*len = off;
	return s;
}
