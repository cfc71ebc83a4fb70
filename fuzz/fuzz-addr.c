/* SPDX-License-Identifier: MIT
 * fuzz-addr - the TARGET / --listen address parser and addr_str() */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[ADDR_STR_MAX];
	struct addr a;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (addr_parse(s, &a) == 0) {
		if (a.len > sizeof(a.sa))
			abort();
		if (a.len)
			addr_str((struct sockaddr *)&a.sa, a.len, out, sizeof(out));
		else if (!addr_needs_resolve(&a))
			abort();	/* neither an address nor a name */
	}
	/* addr_str() on arbitrary bytes as a sockaddr */
	if (size <= sizeof(a.sa)) {
		memset(&a.sa, 0, sizeof(a.sa));
		memcpy(&a.sa, data, size);
		addr_str((struct sockaddr *)&a.sa, (socklen_t)size, out, sizeof(out));
		if (strlen(out) >= sizeof(out))
			abort();
	}
	free(s);
	return 0;
}
