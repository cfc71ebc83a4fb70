/* SPDX-License-Identifier: MIT
 * fuzz-netns-dns - a DNS query from inside the namespace: parsed, answered
 * (the answer must fit the buffer the daemon gives it), names mapped */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fakedns f;
	static uint8_t out[DNS_MSG_MAX + 16];
	static const uint8_t a[4] = { 198, 18, 0, 1 };
	struct dns_query q;
	struct in_addr ia;
	uint8_t ip[4];
	uint32_t x;
	size_t n;
	int r;

	if (size > DNS_MSG_MAX)
		return 0;
	if (!f.names && fakedns_init(&f, 0xc6120000u, 8) < 0)
		return 0;
	r = dns_query_parse(data, size, &q);
	if (r == 0) {
		if (q.qend > size || strlen(q.name) > DNS_NAME_MAX)
			abort();
		n = dns_answer(&q, data, 0, a, 60, out);
		if (n != q.qend + 16)
			abort();
		/* a name that gets a fake address is no IPv4 literal */
		if (q.name[0] && dns_fake_rule(q.name, ip) == DNS_FAKE_NAME &&
		    inet_aton(q.name, &ia))
			abort();
		x = fakedns_lookup(&f, q.name);
		if (x && strcmp(fakedns_name(&f, x), q.name) != 0)
			abort();
	} else if (r == -EBADMSG || r == -EOPNOTSUPP) {
		dns_answer(&q, NULL, 1, NULL, 0, out);
	}
	return 0;
}
