/* SPDX-License-Identifier: MIT
 *
 * tunnel.c - bro-connect's handshake with the proxy, as bytes: HOST/PORT
 * and --proxy checked, then the SOCKS5 (RFC 1928, RFC 1929) or HTTP
 * CONNECT exchange driven one reply at a time. The messages themselves are
 * src/netns/proxy.c's (one implementation for bro-netns and bro-connect);
 * this file only sequences them and words the refusals. No I/O.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "tunnel.h"

int connect_target_parse(const char *host, const char *port, struct target *t,
			 const char **why)
{
	char buf[PROXY_HOST_MAX + 16];
	struct proxy_url u;
	const char *w;
	size_t n = strlen(host), i;
	uint64_t v;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)host[i];

		if (c <= 0x20 || c >= 0x7f) {
			*why = "the host has a space, control or non-ASCII character";
			return -EINVAL;
		}
	}
	if (n == 0 || n > PROXY_HOST_MAX) {
		*why = "the host is empty or longer than 253 bytes";
		return -EINVAL;
	}
	if (parse_u64(port, 1, 65535, &v) < 0) {
		*why = "the port must be a number 1-65535";
		return -EINVAL;
	}
	t->port = (uint16_t)v;
	if (memchr(host, ':', n)) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&t->sa;

		if (host[0] == '[') {
			if (n < 3 || host[n - 1] != ']') {
				*why = "an IPv6 address in brackets must end with ']'";
				return -EINVAL;
			}
			memcpy(buf, host + 1, n - 2);
			buf[n - 2] = '\0';
		} else {
			memcpy(buf, host, n + 1);
		}
		if (inet_pton(AF_INET6, buf, &s6->sin6_addr) != 1) {
			*why = "a host with ':' must be an IPv6 address (no zone)";
			return -EINVAL;
		}
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(t->port);
		return 0;
	}
	{
		struct sockaddr_in *s4 = (struct sockaddr_in *)&t->sa;

		if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			s4->sin_port = htons(t->port);
			return 0;
		}
	}
	/* a name: the same rules as a proxy's host name (proxy.c) */
	snprintf(buf, sizeof(buf), "http://%s:1", host);
	if (proxy_url_parse(buf, &u, &w) < 0 || strcmp(u.host, host) != 0) {
		*why = "not a host name (letters, digits, '-', '_', '.'), IPv4 or IPv6 address";
		return -EINVAL;
	}
	memcpy(t->name, host, n + 1);
	return 0;
}

int connect_proxy_parse(const char *s, struct proxy_url *u, bool *remote_dns,
			const char **why)
{
	char buf[PROXY_HOST_MAX + 2 * PROXY_CRED_MAX + 32];

	*remote_dns = true;
	if (strncmp(s, "socks5h://", 10) == 0) {
		if (strlen(s) >= sizeof(buf)) {
			*why = "too long";
			return -EINVAL;
		}
		snprintf(buf, sizeof(buf), "socks5://%s", s + 10);
		s = buf;
	} else if (strncmp(s, "socks5://", 9) == 0) {
		*remote_dns = false;
	} else if (strncmp(s, "http://", 7) != 0) {
		*why = "the scheme must be http://, socks5:// or socks5h://";
		return -EINVAL;
	}
	return proxy_url_parse(s, u, why);
}

const char *socks5_rep_str(int rep)
{
	switch (rep) {
	case 1: return "general SOCKS server failure";
	case 2: return "connection not allowed by ruleset";
	case 3: return "network unreachable";
	case 4: return "host unreachable";
	case 5: return "connection refused by the destination";
	case 6: return "TTL expired";
	case 7: return "command not supported";
	case 8: return "address type not supported";
	default: return "unassigned failure code";
	}
}

size_t tunnel_start(struct tunnel *tn, uint8_t *out)
{
	tn->n = 0;
	tn->status = 0;
	if (tn->u.type == PROXY_HTTP) {
		tn->stage = TUNNEL_REPLY;
		return http_connect(&tn->u, &tn->t, (char *)out, TUNNEL_OUT_MAX);
	}
	if (tn->t.name[0] && strlen(tn->t.name) > 255)
		return 0;
	tn->stage = TUNNEL_METHOD;
	return socks5_greeting(&tn->u, out);
}

/* the status line, printable ASCII only, for a message */
static void status_line(const struct tunnel *tn, char *s, size_t size)
{
	size_t i;

	for (i = 0; i < tn->n && i + 1 < size && i < 60; i++) {
		unsigned char c = (unsigned char)tn->in[i];

		if (c == '\r' || c == '\n')
			break;
		s[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	s[i] = '\0';
}

static void consume(struct tunnel *tn, size_t len)
{
	memmove(tn->in, tn->in + len, tn->n - len);
	tn->n -= len;
}

static int http_feed(struct tunnel *tn, const uint8_t **rest, size_t *restlen,
		     char *why, size_t whysize)
{
	char line[64];
	size_t len = 0;
	int r;

	r = http_connect_parse(tn->in, tn->n, &len, &tn->status);
	if (r == -EAGAIN)
		return 0;
	if (r == -EPROTO && tn->n >= HTTP_HDR_MAX && tn->status) {
		snprintf(why, whysize, "the proxy's reply head is longer than %d bytes",
			 HTTP_HDR_MAX);
		return -EMSGSIZE;
	}
	status_line(tn, line, sizeof(line));
	if (r == -EPROTO) {
		snprintf(why, whysize, "the proxy's reply is not HTTP: '%s'", line);
		return r;
	}
	if (r < 0) {
		snprintf(why, whysize, "the proxy refused CONNECT: '%s'", line);
		return r;
	}
	tn->stage = TUNNEL_OPEN;
	*rest = (const uint8_t *)tn->in + len;
	*restlen = tn->n - len;
	return 1;
}

static int socks_feed(struct tunnel *tn, uint8_t *out, size_t *outlen,
		      const uint8_t **rest, size_t *restlen, char *why,
		      size_t whysize)
{
	const uint8_t *b = (const uint8_t *)tn->in;
	size_t len = 0;
	int r, rep = 0;

	switch (tn->stage) {
	case TUNNEL_METHOD:
		r = socks5_method_parse(b, tn->n, tn->u.auth);
		if (r == -EAGAIN)
			return 0;
		if (r == -EPROTO) {
			snprintf(why, whysize, "the proxy is not a SOCKS5 server (version byte %u)", b[0]);
			return r;
		}
		if (r < 0) {
			snprintf(why, whysize, tn->u.auth ?
				 "the SOCKS5 server accepts neither username/password nor no authentication" :
				 "the SOCKS5 server wants authentication: give socks5://USER@HOST:PORT and a password");
			return r;
		}
		consume(tn, 2);
		if (r == 2) {
			tn->stage = TUNNEL_AUTH;
			*outlen = socks5_auth(&tn->u, out);
			return 0;
		}
		tn->stage = TUNNEL_REPLY;
		*outlen = socks5_connect(&tn->t, out);
		return 0;
	case TUNNEL_AUTH:
		r = socks5_auth_parse(b, tn->n);
		if (r == -EAGAIN)
			return 0;
		if (r < 0) {
			snprintf(why, whysize, r == -EACCES ?
				 "the SOCKS5 server refused the username/password (status %u)" :
				 "the SOCKS5 server's authentication reply is malformed (version %u)",
				 r == -EACCES ? b[1] : b[0]);
			return r;
		}
		consume(tn, 2);
		tn->stage = TUNNEL_REPLY;
		*outlen = socks5_connect(&tn->t, out);
		return 0;
	default:
		r = socks5_reply_parse(b, tn->n, &len, &rep);
		if (r == -EAGAIN)
			return 0;
		if (r == -EPROTO) {
			snprintf(why, whysize, "the SOCKS5 server's reply is malformed");
			return r;
		}
		if (r < 0) {
			tn->status = rep;
			snprintf(why, whysize, "the SOCKS5 server refused CONNECT: %s (REP %d)",
				 socks5_rep_str(rep), rep);
			return r;
		}
		tn->stage = TUNNEL_OPEN;
		*rest = b + len;
		*restlen = tn->n - len;
		return 1;
	}
}

int tunnel_feed(struct tunnel *tn, const uint8_t *b, size_t n, uint8_t *out,
		size_t *outlen, const uint8_t **rest, size_t *restlen,
		char *why, size_t whysize)
{
	int r;

	*outlen = 0;
	*restlen = 0;
	*rest = NULL;
	if (tn->stage == TUNNEL_OPEN || n > sizeof(tn->in) - tn->n) {
		snprintf(why, whysize, "the proxy sent more than a handshake");
		return -EMSGSIZE;
	}
	memcpy(tn->in + tn->n, b, n);
	tn->n += n;
	if (tn->u.type == PROXY_HTTP)
		return http_feed(tn, rest, restlen, why, whysize);
	/* one reply per message sent: bytes past it before the next is sent
	 * would be a proxy speaking out of turn */
	r = socks_feed(tn, out, outlen, rest, restlen, why, whysize);
	if (r == 0 && *outlen && tn->n) {
		snprintf(why, whysize, "the SOCKS5 server sent more than its reply");
		return -EPROTO;
	}
	return r;
}
