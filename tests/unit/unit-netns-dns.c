/* SPDX-License-Identifier: MIT
 * unit-netns-dns - the DNS stub: queries, answers, the fake-address map */
#include <errno.h>
#include <stdlib.h>

#include "dns.h"
#include "tap.h"

/* a query for @name (dotted) of @type into @b; Return: its length */
static size_t mkq(uint8_t *b, const char *name, uint16_t type)
{
	size_t n = 12, l;
	const char *p = name, *dot;

	memset(b, 0, 12);
	b[0] = 0x12; b[1] = 0x34; b[2] = 0x01; b[5] = 1;
	while (*p) {
		dot = strchr(p, '.');
		l = dot ? (size_t)(dot - p) : strlen(p);
		b[n++] = (uint8_t)l;
		memcpy(b + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	b[n++] = 0;
	b[n++] = (uint8_t)(type >> 8);
	b[n++] = (uint8_t)type;
	b[n++] = 0;
	b[n++] = 1;
	return n;
}

int main(void)
{
	uint8_t q[512], a[DNS_MSG_MAX + 16];
	struct dns_query dq;
	struct fakedns f;
	uint32_t x, y;
	size_t n, m;

	n = mkq(q, "Web.Example.COM", DNS_A);
	is_int(dns_query_parse(q, n, &dq), 0, "A query");
	is_str(dq.name, "web.example.com", "  name lower-cased");
	is_int(dq.qtype, DNS_A, "  type");
	is_int(dq.id, 0x1234, "  id");
	ok(dq.rd, "  RD");
	is_int(dq.qend, n, "  end of question");
	static const uint8_t addr[4] = { 198, 18, 0, 1 };
	m = dns_answer(&dq, q, DNS_NOERROR, addr, 60, a);
	is_int(m, n + 16, "answer: question + one A record");
	ok(a[2] == 0x81 && a[3] == 0x80 && a[7] == 1, "  QR, RD, RA, NOERROR, ANCOUNT 1");
	ok(!memcmp(a + m - 4, addr, 4), "  the address");
	m = dns_answer(&dq, q, DNS_NOERROR, NULL, 0, a);
	ok(m == n && a[7] == 0 && (a[3] & 15) == 0, "NODATA: NOERROR, no answer");

	n = mkq(q, "example.com", DNS_AAAA);
	is_int(dns_query_parse(q, n, &dq), 0, "AAAA query parses");
	is_int(dns_query_parse(q, 16, &dq), -EBADMSG, "truncated question: FORMERR");
	is_int(dns_query_parse(q, 5, &dq), -EINVAL, "no header: dropped");
	q[2] |= 0x80;
	is_int(dns_query_parse(q, n, &dq), -EINVAL, "a response is never answered");
	q[2] = 0x28;	/* opcode 5, UPDATE */
	is_int(dns_query_parse(q, n, &dq), -EOPNOTSUPP, "UPDATE: NOTIMP");
	n = mkq(q, "a.b", DNS_A);
	q[12] = 0xc0;	/* a compression pointer in the question */
	is_int(dns_query_parse(q, n, &dq), -EBADMSG, "compression in the question: FORMERR");
	n = mkq(q, "a/b.example", DNS_A);
	is_int(dns_query_parse(q, n, &dq), -EBADMSG, "a byte no host name has: FORMERR");
	m = dns_answer(&dq, NULL, DNS_FORMERR, NULL, 0, a);
	ok(m == 12 && (a[3] & 15) == DNS_FORMERR && a[0] == 0x12, "FORMERR keeps the id");
	n = mkq(q, "", DNS_A);
	is_int(dns_query_parse(q, n, &dq), 0, "the root name");
	is_str(dq.name, "", "  is empty");

	is_int(fakedns_init(&f, 0xc6120000u, 3), 0, "fake map of 3");
	x = fakedns_lookup(&f, "a.example");
	is_int(x, 0xc6120001u, "first name: 198.18.0.1");
	is_int(fakedns_lookup(&f, "a.example"), x, "same name, same address");
	is_str(fakedns_name(&f, x), "a.example", "address -> name");
	y = fakedns_lookup(&f, "b.example");
	is_int(y, 0xc6120002u, "second name: 198.18.0.2");
	fakedns_lookup(&f, "c.example");
	is_int(fakedns_lookup(&f, "d.example"), 0xc6120001u, "full: the oldest is recycled");
	ok(fakedns_name(&f, x) && !strcmp(fakedns_name(&f, x), "d.example"), "  and names the new one");
	is_int(fakedns_lookup(&f, "b.example"), y, "the others keep theirs");
	is_int(fakedns_lookup(&f, "a.example"), 0xc6120002u, "a recycled name gets a new address");
	ok(fakedns_name(&f, 0xc6120000u) == NULL, "the base is no entry");
	ok(fakedns_name(&f, 0xc6120004u) == NULL, "past the end is no entry");
	fakedns_fini(&f);

	/* which names get a fake address (resolved at the proxy) */
	static const struct {
		const char *name;
		int rule;
		uint8_t a[4];
	} rules[] = {
		{ "127.0.0.1", DNS_FAKE_SELF, { 127, 0, 0, 1 } },
		{ "127.1", DNS_FAKE_SELF, { 127, 0, 0, 1 } },
		{ "0x7f000001", DNS_FAKE_SELF, { 127, 0, 0, 1 } },
		{ "2130706433", DNS_FAKE_SELF, { 127, 0, 0, 1 } },
		{ "0177.0.0.1", DNS_FAKE_SELF, { 127, 0, 0, 1 } },
		{ "0x7f.1", DNS_FAKE_SELF, { 127, 0, 0, 1 } },
		{ "10.1.2.3", DNS_FAKE_SELF, { 10, 1, 2, 3 } },
		{ "192.0.2.7", DNS_FAKE_SELF, { 192, 0, 2, 7 } },
		{ "0", DNS_FAKE_SELF, { 0, 0, 0, 0 } },
		{ "localhost", DNS_FAKE_SELF, { 127, 0, 0, 1 } },
		{ "db.localhost", DNS_FAKE_SELF, { 127, 0, 0, 1 } },
		{ "a.b.localhost", DNS_FAKE_SELF, { 127, 0, 0, 1 } },
		{ "xlocalhost", DNS_FAKE_NXDOMAIN, { 0 } },
		{ "intranet", DNS_FAKE_NXDOMAIN, { 0 } },
		{ "com", DNS_FAKE_NXDOMAIN, { 0 } },
		{ "ip6-localhost", DNS_FAKE_NXDOMAIN, { 0 } },
		{ "08.0.0.1", DNS_FAKE_NXDOMAIN, { 0 } },
		{ "127.0.0.1.1", DNS_FAKE_NXDOMAIN, { 0 } },
		{ "256.0.0.1", DNS_FAKE_NXDOMAIN, { 0 } },
		{ "4294967296", DNS_FAKE_NXDOMAIN, { 0 } },
		{ "a.0x10", DNS_FAKE_NXDOMAIN, { 0 } },
		{ "example.com", DNS_FAKE_NAME, { 0 } },
		{ "localhost.example.com", DNS_FAKE_NAME, { 0 } },
		{ "127.0.0.1.nip.io", DNS_FAKE_NAME, { 0 } },
		{ "a.0x1g", DNS_FAKE_NAME, { 0 } },
		{ "abc.onion", DNS_FAKE_NAME, { 0 } },
		{ "1.2.3.4a", DNS_FAKE_NAME, { 0 } },
	};
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		uint8_t got[4] = { 0 };
		int r = dns_fake_rule(rules[i].name, got);

		is_int(r, rules[i].rule, "rule for %s", rules[i].name);
		if (r == DNS_FAKE_SELF)
			ok(!memcmp(got, rules[i].a, 4), "  answered with %u.%u.%u.%u",
			   rules[i].a[0], rules[i].a[1], rules[i].a[2], rules[i].a[3]);
	}
	/* the final dot: on the wire it is the root label that ends every
	 * name, so "127.0.0.1." is asked as exactly "127.0.0.1" */
	n = mkq(q, "127.0.0.1.", DNS_A);
	is_int(dns_query_parse(q, n, &dq), 0, "\"127.0.0.1.\" as a question");
	is_str(dq.name, "127.0.0.1", "  no final dot in the parsed name");
	n = mkq(q, "LocalHost", DNS_A);
	dns_query_parse(q, n, &dq);
	uint8_t got[4];
	is_int(dns_fake_rule(dq.name, got), DNS_FAKE_SELF, "LocalHost: case does not matter");
	return tap_done();
}
