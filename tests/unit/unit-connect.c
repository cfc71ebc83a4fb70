/* SPDX-License-Identifier: MIT
 * unit-connect - bro-connect's HOST/PORT and --proxy checks and its
 * handshake driven over canned proxy replies (tunnel.c) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "tap.h"
#include "tunnel.h"

static int tgt(const char *h, const char *p, struct target *t)
{
	const char *why = "";

	return connect_target_parse(h, p, t, &why);
}

/* feed @s to @tn in one piece; Return: tunnel_feed()'s */
static int feed(struct tunnel *tn, const void *s, size_t n, uint8_t *out,
		size_t *outlen, const uint8_t **rest, size_t *restlen, char *why)
{
	return tunnel_feed(tn, s, n, out, outlen, rest, restlen, why, TUNNEL_WHY_MAX);
}

int main(void)
{
	static struct tunnel tn;
	struct target t;
	uint8_t out[TUNNEL_OUT_MAX];
	char why[TUNNEL_WHY_MAX], big[HTTP_HDR_MAX + 64];
	const uint8_t *rest;
	size_t len, restlen;
	bool rd;
	const char *w;
	int r, i;

	/* HOST and PORT */
	is_int(tgt("example.org", "22", &t), 0, "a host name");
	is_str(t.name, "example.org", "  kept as a name");
	is_int(t.port, 22, "  port");
	is_int(tgt("10.1.2.3", "2222", &t), 0, "IPv4");
	ok(!t.name[0] && t.sa.ss_family == AF_INET, "  as an address");
	is_int(tgt("::1", "22", &t), 0, "IPv6 without brackets (ssh's %%h)");
	ok(!t.name[0] && t.sa.ss_family == AF_INET6, "  as an address");
	is_int(tgt("[2001:db8::5]", "22", &t), 0, "IPv6 in brackets");
	is_int(tgt("[2001:db8::5", "22", &t), -EINVAL, "an unclosed bracket");
	is_int(tgt("fe80::1%eth0", "22", &t), -EINVAL, "an IPv6 zone");
	is_int(tgt("host\r\nX-Evil: 1", "22", &t), -EINVAL, "CR LF in the host");
	is_int(tgt("host\n", "22", &t), -EINVAL, "LF alone");
	is_int(tgt("ho st", "22", &t), -EINVAL, "a space");
	is_int(tgt("host\t", "22", &t), -EINVAL, "a tab");
	is_int(tgt("h\x7f", "22", &t), -EINVAL, "DEL");
	is_int(tgt("h\xc3\xa9", "22", &t), -EINVAL, "non-ASCII");
	is_int(tgt("user@host", "22", &t), -EINVAL, "an '@'");
	is_int(tgt("host/x", "22", &t), -EINVAL, "a '/'");
	is_int(tgt("host:23", "22", &t), -EINVAL, "a ':' in a name");
	is_int(tgt("", "22", &t), -EINVAL, "empty");
	is_int(tgt(".host", "22", &t), -EINVAL, "a leading dot");
	memset(big, 'a', 254);
	big[254] = '\0';
	is_int(tgt(big, "22", &t), -EINVAL, "254 bytes");
	is_int(tgt("h", "0", &t), -EINVAL, "port 0");
	is_int(tgt("h", "65536", &t), -EINVAL, "port 65536");
	is_int(tgt("h", "65535", &t), 0, "port 65535");
	is_int(tgt("h", "+22", &t), -EINVAL, "a sign");
	is_int(tgt("h", "22\r\n", &t), -EINVAL, "CR LF after the port");
	is_int(tgt("h", "ssh", &t), -EINVAL, "a service name");
	is_int(tgt("h", "", &t), -EINVAL, "an empty port");

	/* --proxy */
	is_int(connect_proxy_parse("socks5h://u@127.0.0.1:1080", &tn.u, &rd, &w), 0, "socks5h://");
	ok(rd && tn.u.type == PROXY_SOCKS5 && tn.u.auth, "  remote DNS, SOCKS5, a user");
	is_int(connect_proxy_parse("socks5://127.0.0.1:1080", &tn.u, &rd, &w), 0, "socks5://");
	ok(!rd, "  local DNS");
	is_int(connect_proxy_parse("http://[::1]:3128", &tn.u, &rd, &w), 0, "http:// IPv6");
	ok(rd && tn.u.type == PROXY_HTTP, "  HTTP");
	is_int(connect_proxy_parse("http://u:p@h:3128", &tn.u, &rd, &w), -EINVAL,
	       "a password in the URL: refused (argv)");
	is_int(connect_proxy_parse("https://h:3128", &tn.u, &rd, &w), -EINVAL, "https://");
	is_int(connect_proxy_parse("socks4://h:1080", &tn.u, &rd, &w), -EINVAL, "socks4://");

	/* HTTP CONNECT */
	memset(&tn, 0, sizeof(tn));
	connect_proxy_parse("http://127.0.0.1:3128", &tn.u, &rd, &w);
	tgt("::1", "22", &tn.t);
	len = tunnel_start(&tn, out);
	ok(len && !memcmp(out, "CONNECT [::1]:22 HTTP/1.1\r\nHost: [::1]:22\r\n\r\n", len),
	   "CONNECT: IPv6 in brackets, nothing else");
	r = feed(&tn, "HTTP/1.1 200 Connection established\r\n", 38, out, &len, &rest, &restlen, why);
	is_int(r, 0, "  a status line alone: more needed");
	r = feed(&tn, "Via: x\r\n\r\nSSH-2.0", 17, out, &len, &rest, &restlen, why);
	is_int(r, 1, "  the blank line: open");
	ok(restlen == 7 && !memcmp(rest, "SSH-2.0", 7), "  the bytes after the head are the tunnel's");
	r = feed(&tn, "x", 1, out, &len, &rest, &restlen, why);
	is_int(r, -EMSGSIZE, "  no more feeding once open");

	tunnel_start(&tn, out);
	r = feed(&tn, "HTTP/1.1 403 Forbidden\r\n\r\n", 26, out, &len, &rest, &restlen, why);
	is_int(r, -EACCES, "403: refused");
	is_str(why, "the proxy refused CONNECT: 'HTTP/1.1 403 Forbidden'", "  saying the status line");
	tunnel_start(&tn, out);
	r = feed(&tn, "HTTP/1.1 502 Bad\r\x01gateway\r\n\r\n", 30, out, &len, &rest, &restlen, why);
	is_int(r, -ECONNREFUSED, "502: refused");
	is_str(why, "the proxy refused CONNECT: 'HTTP/1.1 502 Bad'", "  the line ends at CR");
	tunnel_start(&tn, out);
	r = feed(&tn, "HTTP/1.1 301 Moved\x1b[2J\r\n\r\n", 26, out, &len, &rest, &restlen, why);
	is_str(why, "the proxy refused CONNECT: 'HTTP/1.1 301 Moved?[2J'", "  control characters masked");
	tunnel_start(&tn, out);
	r = feed(&tn, "SSH-2.0-OpenSSH\r\n\r\n", 19, out, &len, &rest, &restlen, why);
	is_int(r, -EPROTO, "not HTTP");
	tunnel_start(&tn, out);
	r = feed(&tn, "HTTP/1.1 200 OK\r\n", 17, out, &len, &rest, &restlen, why);
	memset(big, 'x', sizeof(big));
	for (i = 0; i < 3 && r == 0; i++)
		r = feed(&tn, big, 4000, out, &len, &rest, &restlen, why);
	ok(r == -EMSGSIZE || r == -EPROTO, "a head past %d bytes: refused", HTTP_HDR_MAX);

	/* HTTP with Basic credentials */
	connect_proxy_parse("http://bob@h:3128", &tn.u, &rd, &w);
	proxy_url_set_password(&tn.u, "s3cret", 6);
	tgt("example.org", "22", &tn.t);
	len = tunnel_start(&tn, out);
	out[len] = 0;
	ok(strstr((char *)out, "\r\nProxy-Authorization: Basic Ym9iOnMzY3JldA==\r\n") != NULL,
	   "CONNECT with Basic credentials");

	/* SOCKS5 with username/password */
	memset(&tn, 0, sizeof(tn));
	connect_proxy_parse("socks5h://bob@h:1080", &tn.u, &rd, &w);
	proxy_url_set_password(&tn.u, "pw", 2);
	tgt("example.org", "22", &tn.t);
	len = tunnel_start(&tn, out);
	ok(len == 4 && !memcmp(out, "\x05\x02\x00\x02", 4), "SOCKS5: offers none and user/pass");
	r = feed(&tn, "\x05\x02", 2, out, &len, &rest, &restlen, why);
	ok(r == 0 && len == 8 && !memcmp(out, "\x01\x03" "bob\x02" "pw", 8),
	   "  user/pass chosen: the RFC 1929 request");
	r = feed(&tn, "\x01\x00", 2, out, &len, &rest, &restlen, why);
	ok(r == 0 && len == 7 + 11 && out[3] == 3 && out[4] == 11 &&
	   !memcmp(out + 5, "example.org", 11) && out[16] == 0 && out[17] == 22,
	   "  accepted: CONNECT by name (socks5h)");
	r = feed(&tn, "\x05\x00\x00\x01\x7f\x00\x00\x01\x04\x38SSH", 13, out, &len, &rest, &restlen, why);
	ok(r == 1 && restlen == 3 && !memcmp(rest, "SSH", 3), "  success: open, the rest is the tunnel's");

	tunnel_start(&tn, out);
	feed(&tn, "\x05\x02", 2, out, &len, &rest, &restlen, why);
	r = feed(&tn, "\x01\x01", 2, out, &len, &rest, &restlen, why);
	is_int(r, -EACCES, "credentials refused");
	is_str(why, "the SOCKS5 server refused the username/password (status 1)", "  saying so");
	tunnel_start(&tn, out);
	r = feed(&tn, "\x05\xff", 2, out, &len, &rest, &restlen, why);
	is_int(r, -EACCES, "no acceptable method");
	tunnel_start(&tn, out);
	r = feed(&tn, "\x05\x02\x01\x00", 4, out, &len, &rest, &restlen, why);
	is_int(r, -EPROTO, "bytes past a reply, out of turn");
	tunnel_start(&tn, out);
	r = feed(&tn, "\x04\x00", 2, out, &len, &rest, &restlen, why);
	is_int(r, -EPROTO, "not SOCKS5");

	/* no auth offered, a server that wants it; every REP code */
	memset(&tn, 0, sizeof(tn));
	connect_proxy_parse("socks5h://h:1080", &tn.u, &rd, &w);
	tgt("10.0.0.1", "22", &tn.t);
	len = tunnel_start(&tn, out);
	ok(len == 3 && !memcmp(out, "\x05\x01\x00", 3), "SOCKS5 without a user: offers none");
	r = feed(&tn, "\x05\x02", 2, out, &len, &rest, &restlen, why);
	is_int(r, -EACCES, "  a server wanting user/pass");
	ok(strstr(why, "socks5://USER@HOST:PORT") != NULL, "  says how to give one");
	for (i = 1; i <= 9; i++) {
		uint8_t rep[10] = { 5, (uint8_t)i, 0, 1, 0, 0, 0, 0, 0, 0 };

		tunnel_start(&tn, out);
		feed(&tn, "\x05\x00", 2, out, &len, &rest, &restlen, why);
		ok(len == 10 && out[3] == 1, "REP %d: CONNECT to an IPv4 address", i);
		r = feed(&tn, rep, 5, out, &len, &rest, &restlen, why);
		ok(r < 0 && r != -EAGAIN && strstr(why, socks5_rep_str(i)), "  refused: %s", why);
	}
	tunnel_start(&tn, out);
	feed(&tn, "\x05\x00", 2, out, &len, &rest, &restlen, why);
	r = feed(&tn, "\x05\x00\x00\x01\x7f", 5, out, &len, &rest, &restlen, why);
	is_int(r, 0, "a success reply cut short: more needed");
	r = feed(&tn, "\x00\x00\x01\x00\x16", 5, out, &len, &rest, &restlen, why);
	ok(r == 1 && restlen == 0, "  then open");
	tunnel_start(&tn, out);
	feed(&tn, "\x05\x00", 2, out, &len, &rest, &restlen, why);
	r = feed(&tn, "\x05\x00\x00\x09\x00", 5, out, &len, &rest, &restlen, why);
	is_int(r, -EPROTO, "an unknown address type");
	return tap_done();
}
