/* SPDX-License-Identifier: MIT
 * unit-proxyproto - lib/proxyproto.c: headers built, and parsed back */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "proxyproto.h"
#include "tap.h"

static struct sockaddr_in in4(const char *ip, int port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	inet_pton(AF_INET, ip, &s.sin_addr);
	return s;
}

static struct sockaddr_in6 in6(const char *ip, int port)
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };

	inet_pton(AF_INET6, ip, &s.sin6_addr);
	return s;
}

static void parse(const char *s, int want, int fam, const char *what)
{
	struct proxy_info pi;
	int r = proxy_parse((const uint8_t *)s, strlen(s), &pi);

	is_int(r, want, "parse %s: %d", what, want);
	if (r > 0)
		is_int(pi.family, fam, "  family %d", fam);
}

int main(void)
{
	struct sockaddr_in a = in4("192.0.2.1", 56324), b = in4("10.0.0.2", 443);
	struct sockaddr_in6 c = in6("2001:db8::1", 1000), d = in6("::1", 2000);
	struct sockaddr_in6 ma = in6("::ffff:192.0.2.1", 7), mb = in6("::ffff:10.0.0.2", 8);
	struct sockaddr_un ua = { .sun_family = AF_UNIX, .sun_path = "/run/a" };
	struct sockaddr_un ub = { .sun_family = AF_UNIX, .sun_path = "/run/b" };
	uint8_t buf[PROXY_HDR_MAX];
	struct proxy_info pi;
	int n;

	n = proxy_header(PROXY_V1, (struct sockaddr *)&a, sizeof(a),
			 (struct sockaddr *)&b, sizeof(b), buf, sizeof(buf));
	ok(n > 0 && !memcmp(buf, "PROXY TCP4 192.0.2.1 10.0.0.2 56324 443\r\n", (size_t)n),
	   "v1 TCP4 line");
	is_int(proxy_parse(buf, (size_t)n, &pi), n, "  parses back whole");
	ok(pi.version == 1 && pi.family == AF_INET &&
	   !memcmp(&pi.src, &a, sizeof(a)) && !memcmp(&pi.dst, &b, sizeof(b)),
	   "  to the same addresses");
	is_int(proxy_parse(buf, (size_t)n - 1, &pi), 0, "  a partial line needs more");

	n = proxy_header(PROXY_V1, (struct sockaddr *)&c, sizeof(c),
			 (struct sockaddr *)&d, sizeof(d), buf, sizeof(buf));
	ok(n > 0 && !memcmp(buf, "PROXY TCP6 2001:db8::1 ::1 1000 2000\r\n", (size_t)n),
	   "v1 TCP6 line");
	n = proxy_header(PROXY_V1, (struct sockaddr *)&ma, sizeof(ma),
			 (struct sockaddr *)&mb, sizeof(mb), buf, sizeof(buf));
	ok(n > 0 && !memcmp(buf, "PROXY TCP4 192.0.2.1 10.0.0.2 7 8\r\n", (size_t)n),
	   "v1: a v4-mapped pair is written as TCP4");
	n = proxy_header(PROXY_V1, (struct sockaddr *)&a, sizeof(a),
			 (struct sockaddr *)&d, sizeof(d), buf, sizeof(buf));
	ok(n > 0 && !memcmp(buf, "PROXY TCP6 ::ffff:192.0.2.1 ::1 56324 2000\r\n", (size_t)n),
	   "v1: a mixed pair is written as TCP6");
	n = proxy_header(PROXY_V1, (struct sockaddr *)&ua, sizeof(ua),
			 (struct sockaddr *)&ub, sizeof(ub), buf, sizeof(buf));
	ok(n == 15 && !memcmp(buf, "PROXY UNKNOWN\r\n", 15), "v1: unix is UNKNOWN");
	is_int(proxy_header(PROXY_V1, (struct sockaddr *)&a, sizeof(a),
			    (struct sockaddr *)&b, sizeof(b), buf, 20), -ENOSPC,
	       "v1: a short buffer is -ENOSPC");

	n = proxy_header(PROXY_V2, (struct sockaddr *)&a, sizeof(a),
			 (struct sockaddr *)&b, sizeof(b), buf, sizeof(buf));
	is_int(n, 28, "v2 TCP4 is 16 + 12 bytes");
	ok(buf[12] == 0x21 && buf[13] == 0x11 && buf[14] == 0 && buf[15] == 12,
	   "  version 2 PROXY, TCP over IPv4, length 12");
	ok(proxy_parse(buf, (size_t)n, &pi) == n && pi.version == 2 && pi.family == AF_INET &&
	   !memcmp(&pi.src, &a, sizeof(a)) && !memcmp(&pi.dst, &b, sizeof(b)),
	   "  parses back to the same addresses");
	is_int(proxy_parse(buf, 20, &pi), 0, "  a partial header needs more");
	n = proxy_header(PROXY_V2, (struct sockaddr *)&c, sizeof(c),
			 (struct sockaddr *)&d, sizeof(d), buf, sizeof(buf));
	ok(n == 52 && buf[13] == 0x21 && proxy_parse(buf, (size_t)n, &pi) == n &&
	   pi.family == AF_INET6 && !memcmp(&pi.src, &c, sizeof(c)),
	   "v2 TCP6 round trip");
	n = proxy_header(PROXY_V2, (struct sockaddr *)&ua, sizeof(ua),
			 (struct sockaddr *)&ub, sizeof(ub), buf, sizeof(buf));
	ok(n == 232 && buf[13] == 0x31 && proxy_parse(buf, (size_t)n, &pi) == n &&
	   pi.family == AF_UNIX &&
	   !strcmp(((struct sockaddr_un *)&pi.src)->sun_path, "/run/a") &&
	   !strcmp(((struct sockaddr_un *)&pi.dst)->sun_path, "/run/b"),
	   "v2 UNIX round trip");
	n = proxy_header(PROXY_V2, NULL, 0, NULL, 0, buf, sizeof(buf));
	ok(n == 16 && buf[13] == 0 && proxy_parse(buf, 16, &pi) == 16 &&
	   pi.family == AF_UNSPEC, "v2 with no addresses is UNSPEC");
	is_int(proxy_header(PROXY_NONE, NULL, 0, NULL, 0, buf, sizeof(buf)), -EINVAL,
	       "no version is -EINVAL");

	parse("PROXY UNKNOWN\r\n", 15, AF_UNSPEC, "UNKNOWN");
	parse("PROXY UNKNOWN whatever 1 2\r\nGET", 28, AF_UNSPEC, "UNKNOWN with junk");
	parse("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", 32, AF_INET, "TCP4");
	parse("PROXY TCP4 1.2.3.4 5.6.7.8 1 02\r\n", -EINVAL, 0, "leading zero port");
	parse("PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n", -EINVAL, 0, "port 65536");
	parse("PROXY TCP4 1.2.3.4 ::1 1 2\r\n", -EINVAL, 0, "mixed families");
	parse("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", -EINVAL, 0, "missing port");
	parse("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", -EINVAL, 0, "extra field");
	parse("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n", -EINVAL, 0, "double space");
	parse("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", -EINVAL, 0, "TCP5");
	parse("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", -EINVAL, 0, "bare LF");
	parse("PROXY TCP4 1.2.3.4", 0, 0, "partial v1");
	parse("PROX", 0, 0, "partial signature");
	parse("GET / HTTP/1.0\r\n", -EINVAL, 0, "no header");
	parse("PROXY TCP6 ::1 ::2 1 2\r\n", 24, AF_INET6, "TCP6");
	return tap_done();
}
