/* SPDX-License-Identifier: MIT
 * fuzz-netns-policy - a policy file (--policy-file, or what `bro-netns
 * policy` sends the relay): parsed, serialised and parsed again to the
 * same rules, and looked up with names and addresses taken from the input */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p, q;
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	char err[256], name[254];
	size_t len, n;
	char *txt;
	int r;

	if (size > 1 << 16)
		return 0;
	policy_init(&p);
	err[0] = '\0';
	r = policy_parse(&p, (const char *)data, size, "fuzz", err, sizeof(err));
	if (r < 0 && (!err[0] || strchr(err, '\n')))
		abort();		/* every refusal is one line */
	if (r == 0) {
		/* what `bro-netns policy` sends is what the relay gets */
		txt = policy_text(&p, &len);
		if (!txt)
			abort();
		policy_init(&q);
		if (policy_parse(&q, txt, len, "text", err, sizeof(err)) != 0 ||
		    q.n != p.n)
			abort();
		policy_free(&q);
		free(txt);
	}
	/* lookups with bytes of the input as name, addresses and port */
	n = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
	for (size_t i = 0; i < n; i++)
		name[i] = (data[i] >= 'a' && data[i] <= 'z') || data[i] == '.' ||
			  (data[i] >= '0' && data[i] <= '9') ? (char)data[i] : 'a';
	name[n] = '\0';
	uint16_t port = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 80;
	policy_check(&p, name, NULL, port);
	if (size >= 16)
		memcpy(&s6.sin6_addr, data + size - 16, 16);
	if (size >= 4)
		memcpy(&s4.sin_addr, data, 4);
	policy_check(&p, NULL, (struct sockaddr *)&s6, port);
	policy_check(&p, NULL, (struct sockaddr *)&s4, port);
	policy_free(&p);
	return 0;
}
