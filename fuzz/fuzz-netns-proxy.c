/* SPDX-License-Identifier: MIT
 * fuzz-netns-proxy - bytes from a SOCKS5 or HTTP proxy, and --proxy URLs.
 * The first byte picks the parser; lengths reported must stay in bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_url u;
	const char *why;
	size_t len = 0;
	int rep = 0, st = 0, r;
	char *s;

	if (size < 1)
		return 0;
	data++;
	size--;
	switch (data[-1] % 4) {
	case 0:
		s = malloc(size + 1);
		if (!s)
			return 0;
		memcpy(s, data, size);
		s[size] = '\0';
		if (proxy_url_parse(s, &u, &why) == 0) {
			struct target t = { .port = u.port };
			char req[PROXY_REQ_MAX];

			char pw[PROXY_CRED_MAX];

			if (strlen(u.host) > PROXY_HOST_MAX || u.port == 0)
				abort();
			/* the longest password there can be: still fits */
			memset(pw, 'x', sizeof(pw));
			if (u.auth && proxy_url_set_password(&u, pw, sizeof(pw)) < 0)
				abort();
			memcpy(t.name, u.host, sizeof(t.name));
			if (http_connect(&u, &t, req, sizeof(req)) == 0)
				abort();
		}
		free(s);
		break;
	case 1:
		r = socks5_reply_parse(data, size, &len, &rep);
		if (r == 0 && (len > size || len < 8))
			abort();
		break;
	case 2:
		r = http_connect_parse((const char *)data, size, &len, &st);
		if (r == 0 && (len > size || st < 200 || st > 299))
			abort();
		break;
	default:
		socks5_method_parse(data, size, size & 1);
		socks5_auth_parse(data, size);
		break;
	}
	return 0;
}
