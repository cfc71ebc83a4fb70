/* SPDX-License-Identifier: MIT
 * unit-netns-proxy - --proxy URLs, SOCKS5 and HTTP CONNECT messages */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>

#include "proxy.h"
#include "tap.h"

static int url(const char *s, struct proxy_url *u)
{
	const char *why = "";

	return proxy_url_parse(s, u, &why);
}

int main(void)
{
	struct proxy_url u;
	struct target t = { .port = 443 };
	uint8_t b[600];
	char h[600];
	size_t len = 0, n;
	int rep = 0, st = 0;

	is_int(url("socks5://127.0.0.1:1080", &u), 0, "socks5 IPv4");
	is_int(u.type, PROXY_SOCKS5, "  type");
	is_str(u.host, "127.0.0.1", "  host");
	is_int(u.port, 1080, "  port");
	ok(!u.auth, "  no auth");
	is_int(url("socks5://us:p:w@proxy.example:9050", &u), -EINVAL,
	       "a password in the URL is refused (argv: ps shows it)");
	is_int(url("socks5://us:@proxy.example:9050", &u), -EINVAL, "  an empty one too");
	is_int(url("socks5://us@proxy.example:9050", &u), 0, "a user alone");
	is_str(u.user, "us", "  user");
	ok(u.auth && !u.pass[0], "  auth, no password yet");
	is_str(u.host, "proxy.example", "  host name");
	is_int(proxy_url_set_password(&u, "p:wX", 3), 0, "the password from elsewhere");
	is_str(u.pass, "p:w", "  keeps its colon, exactly n bytes");
	is_int(proxy_url_set_password(&u, "", 0), -EINVAL, "  empty: refused");
	is_int(proxy_url_set_password(&u, "a\nb", 3), -EINVAL, "  control byte: refused");
	is_int(url("http://[::1]:3128/", &u), 0, "http, IPv6, trailing slash");
	is_str(u.host, "::1", "  host without brackets");
	is_int(u.type, PROXY_HTTP, "  type");
	is_int(url("socks5://:p@b:1", &u), -EINVAL, "empty user");
	is_int(url("socks4://b:1", &u), -EINVAL, "socks4");
	is_int(url("socks5://b", &u), -EINVAL, "no port");
	is_int(url("socks5://b:0", &u), -EINVAL, "port 0");
	is_int(url("socks5://b:65536", &u), -EINVAL, "port 65536");
	is_int(url("socks5://::1:80", &u), -EINVAL, "IPv6 without brackets");
	is_int(url("socks5://[nothex]:80", &u), -EINVAL, "bad IPv6");
	is_int(url("socks5://a b:80", &u), -EINVAL, "space in host");
	is_int(url("socks5://u\n@b:80", &u), -EINVAL, "control byte in user");
	is_int(url("socks5://b:+80", &u), -EINVAL, "signed port");

	/* SOCKS5 */
	url("socks5://u@b:1", &u);
	proxy_url_set_password(&u, "pw", 2);
	is_int(socks5_greeting(&u, b), 4, "greeting offers no-auth and user/pass");
	is_int(socks5_method_parse((const uint8_t *)"\x05", 1, true), -EAGAIN, "method: short");
	is_int(socks5_method_parse((const uint8_t *)"\x05\x02", 2, true), 2, "method: user/pass");
	is_int(socks5_method_parse((const uint8_t *)"\x05\x02", 2, false), -EACCES, "method: not offered");
	is_int(socks5_method_parse((const uint8_t *)"\x05\xff", 2, true), -EACCES, "method: none acceptable");
	is_int(socks5_method_parse((const uint8_t *)"\x04\x00", 2, true), -EPROTO, "method: not SOCKS5");
	n = socks5_auth(&u, b);
	ok(n == 6 && b[0] == 1 && b[1] == 1 && b[2] == 'u' && b[3] == 2, "auth request (RFC 1929)");
	is_int(socks5_auth_parse((const uint8_t *)"\x01\x00", 2), 0, "auth ok");
	is_int(socks5_auth_parse((const uint8_t *)"\x01\x01", 2), -EACCES, "auth refused");
	snprintf(t.name, sizeof(t.name), "example.onion");
	n = socks5_connect(&t, b);
	ok(n == 4 + 1 + 13 + 2 && b[3] == 3 && b[4] == 13 && b[n - 2] == 1 && b[n - 1] == 0xbb,
	   "CONNECT by name");
	t.name[0] = '\0';
	t.sa.ss_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &((struct sockaddr_in6 *)&t.sa)->sin6_addr);
	n = socks5_connect(&t, b);
	ok(n == 22 && b[3] == 4 && b[4] == 0x20, "CONNECT IPv6");
	is_int(socks5_reply_parse((const uint8_t *)"\x05\x00\x00\x01\x01\x02\x03\x04\x00\x50", 10, &len, &rep),
	       0, "reply: success, IPv4");
	is_int(len, 10, "  length");
	is_int(socks5_reply_parse((const uint8_t *)"\x05\x00\x00\x01\x01\x02", 6, &len, &rep),
	       -EAGAIN, "reply: short");
	is_int(len, 10, "  but the length is known");
	is_int(socks5_reply_parse((const uint8_t *)"\x05\x00\x00\x03\x03" "abc\x00\x50", 10, &len, &rep),
	       0, "reply: domain BND.ADDR");
	is_int(len, 10, "  length");
	is_int(socks5_reply_parse((const uint8_t *)"\x05\x05\x00\x01\x00", 5, &len, &rep),
	       -ECONNREFUSED, "reply: REP 5 is connection refused");
	is_int(socks5_reply_parse((const uint8_t *)"\x05\x04\x00\x01\x00", 5, &len, &rep),
	       -EHOSTUNREACH, "reply: REP 4 host unreachable");
	is_int(socks5_reply_parse((const uint8_t *)"\x05\x00\x00\x07\x00", 5, &len, &rep),
	       -EPROTO, "reply: unknown ATYP");
	is_int(socks5_reply_parse((const uint8_t *)"\x05\x00\x01\x01\x00", 5, &len, &rep),
	       -EPROTO, "reply: RSV not zero");

	/* HTTP CONNECT */
	snprintf(t.name, sizeof(t.name), "web.example");
	t.port = 80;
	n = http_connect(&u, &t, h, sizeof(h));
	is_str(h, "CONNECT web.example:80 HTTP/1.1\r\nHost: web.example:80\r\n"
	       "Proxy-Authorization: Basic dTpwdw==\r\n\r\n", "CONNECT with Basic credentials");
	ok(n == strlen(h), "  length");
	is_int(http_connect_parse("HTTP/1.1 200 Connection established\r\n\r\nXY", 41, &len, &st),
	       0, "200: established");
	is_int(len, 39, "  head length, the bytes after it are not ours");
	is_int(http_connect_parse("HTTP/1.0 200 OK\r\nVia: x\r\n", 25, &len, &st), -EAGAIN,
	       "no blank line yet");
	is_int(http_connect_parse("HTTP/1.1 407 Proxy Auth\r\n\r\n", 27, &len, &st), -EACCES,
	       "407: refused credentials");
	is_int(st, 407, "  status");
	is_int(http_connect_parse("HTTP/1.1 502 Bad\r\n\r\n", 20, &len, &st), -ECONNREFUSED,
	       "502: refused");
	is_int(http_connect_parse("SSH-2.0-x\r\n\r\n", 13, &len, &st), -EPROTO, "not HTTP");
	memset(h, 'a', sizeof(h));
	memcpy(h, "HTTP/1.1 200 ", 13);
	is_int(http_connect_parse(h, sizeof(h), &len, &st), -EAGAIN, "long head: still waiting");
	{
		static char big[HTTP_HDR_MAX + 10];

		memset(big, 'a', sizeof(big));
		memcpy(big, "HTTP/1.1 200 ", 13);
		is_int(http_connect_parse(big, sizeof(big), &len, &st), -EPROTO,
		       "a head over HTTP_HDR_MAX is refused");
	}
	return tap_done();
}
