/* SPDX-License-Identifier: MIT
 * fuzz-proxyproto - the PROXY header parser on arbitrary bytes, and a
 * build -> parse round trip from addresses made of the input */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "proxyproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_info pi, back;
	struct sockaddr_storage src, dst;
	uint8_t hdr[PROXY_HDR_MAX];
	int r, n;

	r = proxy_parse(data, size, &pi);
	if (r > 0 && (size_t)r > size)
		abort();

	/* round trip: first byte picks version and families, then bytes */
	if (size < 1 + 2 * sizeof(struct sockaddr_in6))
		return 0;
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	memcpy(&src, data + 1, sizeof(struct sockaddr_in6));
	memcpy(&dst, data + 1 + sizeof(struct sockaddr_in6), sizeof(struct sockaddr_in6));
	src.ss_family = (data[0] & 1) ? AF_INET6 : AF_INET;
	dst.ss_family = (data[0] & 2) ? AF_INET6 : AF_INET;
	if (src.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&src)->sin6_scope_id = 0;
	if (dst.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&dst)->sin6_scope_id = 0;
	n = proxy_header((data[0] & 4) ? PROXY_V2 : PROXY_V1,
			 (struct sockaddr *)&src, sizeof(struct sockaddr_in6),
			 (struct sockaddr *)&dst, sizeof(struct sockaddr_in6),
			 hdr, sizeof(hdr));
	if (n <= 0)
		abort();
	if ((data[0] & 4) == 0 && n > PROXY_V1_MAX)
		abort();
	r = proxy_parse(hdr, (size_t)n, &back);
	if (r != n)
		abort();	/* our own header must parse, whole */
	if (back.family != AF_INET && back.family != AF_INET6)
		abort();
	return 0;
}
