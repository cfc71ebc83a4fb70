/* SPDX-License-Identifier: MIT
 * fuzz-netns-udp - the SOCKS5 UDP parsers: a datagram's header and the
 * relay address in the UDP ASSOCIATE reply, both from the proxy */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "socks5udp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage ss;
	size_t hdr = 0;

	if (socks5_udp_parse(data, size, &hdr) == 0 && hdr > size)
		__builtin_trap();
	(void)socks5_bnd_parse(data, size, &ss);
	return 0;
}
