/* SPDX-License-Identifier: MIT
 * fuzz-connect - bro-connect's checks of HOST/PORT and --proxy, and its
 * handshake fed arbitrary proxy replies in arbitrary pieces. The first
 * byte picks the case; nothing reported may point outside what was fed,
 * and what gets through HOST must hold no byte that ends a header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tunnel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tunnel tn;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[TUNNEL_OUT_MAX];
	char why[TUNNEL_WHY_MAX], *s, *nul;
	const uint8_t *rest;
	size_t len, restlen, off, i;
	const char *w;
	bool rd;
	int r, sel;

	if (size < 2)
		return 0;
	sel = data[0];
	data++;
	size--;
	if (sel % 3 == 0) {		/* HOST\0PORT, or a --proxy URL */
		s = malloc(size + 1);
		if (!s)
			return 0;
		memcpy(s, data, size);
		s[size] = '\0';
		nul = memchr(s, '\0', size);
		if (nul && connect_target_parse(s, nul + 1, &tn.t, &w) == 0) {
			for (i = 0; tn.t.name[i]; i++)
				if ((unsigned char)tn.t.name[i] <= ' ' || tn.t.name[i] == ':' ||
				    tn.t.name[i] == '@' || tn.t.name[i] == '/' ||
				    (unsigned char)tn.t.name[i] >= 0x7f)
					abort();
			if (tn.t.port == 0)
				abort();
			connect_proxy_parse("http://h:1", &tn.u, &rd, &w);
			if (tunnel_start(&tn, out) == 0)
				abort();
			if (memchr(out, '\0', 16) || !strstr((char *)out, "\r\n\r\n"))
				abort();
		} else if (!nul) {
			connect_proxy_parse(s, &tn.u, &rd, &w);
		}
		free(s);
		return 0;
	}
	/* a reply stream cut at a step the second byte chooses */
	memset(&tn, 0, sizeof(tn));
	connect_proxy_parse(sel % 3 == 1 ? "http://bob@h:1" : "socks5h://bob@h:1",
			    &tn.u, &rd, &w);
	proxy_url_set_password(&tn.u, "pw", 2);
	memcpy(tn.t.name, "example.org", 12);
	tn.t.port = 22;
	tunnel_start(&tn, out);
	{
		size_t stepsz = (size_t)data[0] % 16 + 1;

		data++;
		size--;
		for (off = 0; off < size; off += stepsz) {
			size_t n = size - off < stepsz ? size - off : stepsz;

			r = tunnel_feed(&tn, data + off, n, out, &len, &rest, &restlen,
					why, sizeof(why));
			if (len > TUNNEL_OUT_MAX)
				abort();
			if (r == 1) {
				if (rest < (const uint8_t *)tn.in ||
				    rest + restlen > (const uint8_t *)tn.in + tn.n)
					abort();
				break;
			}
			if (r < 0) {
				if (!memchr(why, '\0', sizeof(why)) || strchr(why, '\n') ||
				    strchr(why, '\r'))
					abort();
				break;
			}
		}
	}
	return 0;
}
