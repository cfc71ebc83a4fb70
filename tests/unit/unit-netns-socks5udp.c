/* SPDX-License-Identifier: MIT
 * unit-netns-socks5udp - SOCKS5 UDP ASSOCIATE messages (RFC 1928 §4, §7) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "socks5udp.h"
#include "tap.h"

int main(void)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(4242) };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
	struct sockaddr_storage ss;
	struct target t = { .port = 7007 };
	uint8_t out[SOCKS5_UDP_HDR_MAX + 8];
	size_t n, hdr = 0;

	inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
	n = socks5_udp_associate((struct sockaddr *)&s4, out);
	ok(n == 10 && !memcmp(out, "\x05\x03\x00\x01\x7f\x00\x00\x01\x10\x92", 10),
	   "UDP ASSOCIATE from 127.0.0.1:4242");
	inet_pton(AF_INET6, "2001:db8::1", &s6.sin6_addr);
	n = socks5_udp_associate((struct sockaddr *)&s6, out);
	ok(n == 22 && out[3] == 4 && out[20] == 0 && out[21] == 53, "  from [2001:db8::1]:53");

	is_int(socks5_bnd_parse((const uint8_t *)"\x05\x00\x00\x01\x0a\x00\x00\x01\x04\x00", 10, &ss),
	       0, "BND 10.0.0.1:1024");
	ok(ss.ss_family == AF_INET && ntohs(((struct sockaddr_in *)&ss)->sin_port) == 1024,
	   "  family and port");
	is_int(socks5_bnd_parse((const uint8_t *)"\x05\x00\x00\x03\x01x\x04\x00", 8, &ss),
	       -EPROTO, "BND as a name: refused");
	is_int(socks5_bnd_parse((const uint8_t *)"\x05\x00\x00\x01\x0a\x00", 6, &ss),
	       -EPROTO, "BND truncated");

	snprintf(t.name, sizeof(t.name), "echo.example");
	n = socks5_udp_header(&t, out);
	ok(n == 7 + 12 && out[3] == 3 && out[4] == 12 && !memcmp(out + 5, "echo.example", 12) &&
	   out[17] == 0x1b && out[18] == 0x5f, "header by name");
	is_int(socks5_udp_parse(out, n, &hdr), 0, "  parses back");
	is_int((int)hdr, (int)n, "  its length");
	t.name[0] = '\0';
	memcpy(&t.sa, &s4, sizeof(s4));
	n = socks5_udp_header(&t, out);
	ok(n == 10 && out[3] == 1 && out[8] == 0x1b && out[9] == 0x5f, "header by IPv4 address, the target's port");
	memcpy(&t.sa, &s6, sizeof(s6));
	n = socks5_udp_header(&t, out);
	ok(n == 22 && out[3] == 4, "header by IPv6 address");

	is_int(socks5_udp_parse((const uint8_t *)"\x00\x00\x01\x01\x0a\x00\x00\x02\x00\x35", 10, &hdr),
	       -EOPNOTSUPP, "a fragment: dropped");
	is_int(socks5_udp_parse((const uint8_t *)"\x01\x00\x00\x01\x0a\x00\x00\x02\x00\x35", 10, &hdr),
	       -EPROTO, "RSV not zero");
	is_int(socks5_udp_parse((const uint8_t *)"\x00\x00\x00\x01\x0a\x00\x00", 7, &hdr),
	       -EPROTO, "truncated address");
	is_int(socks5_udp_parse((const uint8_t *)"\x00\x00\x00\x03\x00\x00\x35", 7, &hdr),
	       -EPROTO, "empty name");
	is_int(socks5_udp_parse((const uint8_t *)"\x00\x00\x00\x05\x0a", 5, &hdr),
	       -EPROTO, "unknown ATYP");
	is_int(socks5_udp_parse((const uint8_t *)"\x00\x00\x00", 3, &hdr), -EPROTO, "too short");
	return tap_done();
}
