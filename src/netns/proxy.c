/* SPDX-License-Identifier: MIT
 *
 * proxy.c - the proxy side of the relay, as bytes: --proxy URLs, SOCKS5
 * (RFC 1928 with RFC 1929 authentication) and HTTP CONNECT messages built
 * and parsed. No I/O, no allocation: every parser here takes untrusted
 * bytes and is fuzzed (fuzz/fuzz-netns-proxy.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "proxy.h"

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* a host name as RFC 1123 allows, plus '_' (seen in the wild) */
static bool host_name_ok(const char *h, size_t n)
{
	size_t i, label = 0;

	if (n == 0 || n > PROXY_HOST_MAX || h[0] == '.' || h[0] == '-')
		return false;
	for (i = 0; i < n; i++) {
		char c = h[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

static int copy_cred(char *dst, const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > PROXY_CRED_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (is_ctl((unsigned char)s[i]))
			return -EINVAL;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

int proxy_url_parse(const char *s, struct proxy_url *u, const char **why)
{
	const char *p, *at, *hs, *he, *colon;
	char port[8];
	uint64_t v;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (strncmp(s, "socks5://", 9) == 0) {
		u->type = PROXY_SOCKS5;
		p = s + 9;
	} else if (strncmp(s, "http://", 7) == 0) {
		u->type = PROXY_HTTP;
		p = s + 7;
	} else {
		*why = "the scheme must be socks5:// or http://";
		return -EINVAL;
	}
	n = strlen(p);
	if (n > PROXY_HOST_MAX + 2 * PROXY_CRED_MAX + 16) {
		*why = "too long";
		return -EINVAL;
	}
	if (n && p[n - 1] == '/')	/* "http://proxy:3128/" */
		n--;
	at = memrchr(p, '@', n);
	if (at) {
		/* the URL is argv, which every local user reads (ps): the
		 * password comes from elsewhere (proxy_url_set_password()) */
		if (memchr(p, ':', (size_t)(at - p))) {
			*why = "a password in the URL is readable by every local user (ps): give socks5://USER@HOST:PORT and the password with --proxy-password-file FILE, --proxy-password-stdin or BRO_PROXY_PASSWORD";
			return -EINVAL;
		}
		if (copy_cred(u->user, p, (size_t)(at - p)) < 0) {
			*why = "the user must be 1-255 bytes without control characters";
			return -EINVAL;
		}
		u->auth = true;
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	if (n && p[0] == '[') {
		hs = p + 1;
		he = memchr(p, ']', n);
		if (!he || he + 1 >= p + n || he[1] != ':') {
			*why = "an IPv6 address must be [ADDR]:PORT";
			return -EINVAL;
		}
		colon = he + 1;
	} else {
		hs = p;
		colon = memrchr(p, ':', n);
		he = colon;
		if (!colon || memchr(p, ':', (size_t)(colon - p))) {
			*why = "HOST:PORT expected (IPv6 in brackets)";
			return -EINVAL;
		}
	}
	if ((size_t)(he - hs) > PROXY_HOST_MAX || he == hs) {
		*why = "the host is empty or too long";
		return -EINVAL;
	}
	memcpy(u->host, hs, (size_t)(he - hs));
	u->host[he - hs] = '\0';
	if (p[0] == '[') {
		struct in6_addr a6;

		if (inet_pton(AF_INET6, u->host, &a6) != 1) {
			*why = "not an IPv6 address in brackets";
			return -EINVAL;
		}
	} else if (!host_name_ok(u->host, strlen(u->host))) {
		*why = "not a host name or IPv4 address";
		return -EINVAL;
	}
	n -= (size_t)(colon + 1 - p);
	if (n == 0 || n >= sizeof(port)) {
		*why = "the port must be 1-65535";
		return -EINVAL;
	}
	memcpy(port, colon + 1, n);
	port[n] = '\0';
	if (parse_u64(port, 1, 65535, &v) < 0) {
		*why = "the port must be 1-65535";
		return -EINVAL;
	}
	u->port = (uint16_t)v;
	return 0;
}

int proxy_url_set_password(struct proxy_url *u, const char *pass, size_t n)
{
	return copy_cred(u->pass, pass, n);
}

const char *target_str(const struct target *t, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (t->name[0]) {
		snprintf(buf, size, "%s:%u", t->name, t->port);
	} else if (t->sa.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&t->sa)->sin6_addr,
			  a, sizeof(a));
		snprintf(buf, size, "[%s]:%u", a, t->port);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&t->sa)->sin_addr,
			  a, sizeof(a));
		snprintf(buf, size, "%s:%u", a, t->port);
	}
	return buf;
}

/* SOCKS5 ------------------------------------------------------------------ */

size_t socks5_greeting(const struct proxy_url *u, uint8_t *out)
{
	out[0] = 5;
	if (u->auth) {
		out[1] = 2;
		out[2] = 0;
		out[3] = 2;
		return 4;
	}
	out[1] = 1;
	out[2] = 0;
	return 3;
}

size_t socks5_greeting_only(const struct proxy_url *u, uint8_t *out)
{
	out[0] = 5;
	out[1] = 1;
	out[2] = u->auth ? 2 : 0;
	return 3;
}

int socks5_method_parse(const uint8_t *b, size_t n, bool offered_auth)
{
	if (n < 2)
		return -EAGAIN;
	if (b[0] != 5)
		return -EPROTO;
	if (b[1] == 0)
		return 0;
	if (b[1] == 2 && offered_auth)
		return 2;
	return -EACCES;		/* 0xff: none acceptable, or one not offered */
}

size_t socks5_auth(const struct proxy_url *u, uint8_t *out)
{
	size_t ul = strlen(u->user), pl = strlen(u->pass), n = 0;

	out[n++] = 1;
	out[n++] = (uint8_t)ul;
	memcpy(out + n, u->user, ul);
	n += ul;
	out[n++] = (uint8_t)pl;
	memcpy(out + n, u->pass, pl);
	return n + pl;
}

int socks5_auth_parse(const uint8_t *b, size_t n)
{
	if (n < 2)
		return -EAGAIN;
	if (b[0] != 1)
		return -EPROTO;
	return b[1] == 0 ? 0 : -EACCES;
}

size_t socks5_connect(const struct target *t, uint8_t *out)
{
	size_t n = 0, l;

	out[n++] = 5;
	out[n++] = 1;		/* CONNECT */
	out[n++] = 0;
	if (t->name[0]) {
		l = strlen(t->name);
		if (l > 255)
			return 0;
		out[n++] = 3;
		out[n++] = (uint8_t)l;
		memcpy(out + n, t->name, l);
		n += l;
	} else if (t->sa.ss_family == AF_INET6) {
		out[n++] = 4;
		memcpy(out + n, &((const struct sockaddr_in6 *)&t->sa)->sin6_addr, 16);
		n += 16;
	} else {
		out[n++] = 1;
		memcpy(out + n, &((const struct sockaddr_in *)&t->sa)->sin_addr, 4);
		n += 4;
	}
	out[n++] = (uint8_t)(t->port >> 8);
	out[n++] = (uint8_t)t->port;
	return n;
}

int socks5_reply_parse(const uint8_t *b, size_t n, size_t *len, int *rep)
{
	size_t need;

	*len = 5;
	if (n < 5)
		return -EAGAIN;
	if (b[0] != 5 || b[2] != 0)
		return -EPROTO;
	*rep = b[1];
	switch (b[3]) {
	case 1: need = 4 + 4 + 2; break;
	case 4: need = 4 + 16 + 2; break;
	case 3:
		if (b[4] == 0)
			return -EPROTO;
		need = 4 + 1 + (size_t)b[4] + 2;
		break;
	default: return -EPROTO;
	}
	*len = need;
	switch (b[1]) {		/* a failure needs no more bytes */
	case 0: break;
	case 2: return -EACCES;
	case 3: return -ENETUNREACH;
	case 4: return -EHOSTUNREACH;
	case 5: return -ECONNREFUSED;
	case 6: return -ETIMEDOUT;
	case 7: return -EOPNOTSUPP;
	case 8: return -EAFNOSUPPORT;
	default: return -ECONNABORTED;
	}
	return n < need ? -EAGAIN : 0;
}

/* HTTP CONNECT ------------------------------------------------------------ */

static size_t base64(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = tab[in[i] >> 2];
		out[o++] = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		out[o++] = tab[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		out[o++] = tab[in[i + 2] & 63];
	}
	if (i < n) {
		out[o++] = tab[in[i] >> 2];
		if (i + 1 < n) {
			out[o++] = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			out[o++] = tab[(in[i + 1] & 15) << 2];
		} else {
			out[o++] = tab[(in[i] & 3) << 4];
			out[o++] = '=';
		}
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

size_t http_connect(const struct proxy_url *u, const struct target *t,
		    char *out, size_t size)
{
	char hp[PROXY_HOST_MAX + 16], cred[2 * PROXY_CRED_MAX + 2];
	char b64[4 * ((2 * PROXY_CRED_MAX + 3) / 3) + 1] = "";
	int n;

	target_str(t, hp, sizeof(hp));
	if (u->auth) {
		n = snprintf(cred, sizeof(cred), "%s:%s", u->user, u->pass);
		base64((const uint8_t *)cred, (size_t)n, b64);
	}
	n = snprintf(out, size,
		     "CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s%s%s\r\n", hp, hp,
		     u->auth ? "Proxy-Authorization: Basic " : "", b64,
		     u->auth ? "\r\n" : "");
	if (n < 0 || (size_t)n >= size)
		return 0;
	return (size_t)n;
}

int http_connect_parse(const char *b, size_t n, size_t *len, int *status)
{
	const char *end = NULL;
	size_t i, lim = n < HTTP_HDR_MAX ? n : HTTP_HDR_MAX;

	for (i = 3; i < lim; i++)
		if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' &&
		    b[i - 3] == '\r') {
			end = b + i + 1;
			break;
		}
	/* the status line is checked as soon as it is there */
	if (n >= 12) {
		if (memcmp(b, "HTTP/1.", 7) != 0 || (b[7] != '0' && b[7] != '1') ||
		    b[8] != ' ' || b[9] < '1' || b[9] > '5' ||
		    b[10] < '0' || b[10] > '9' || b[11] < '0' || b[11] > '9')
			return -EPROTO;
		*status = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
	}
	if (!end)
		return n >= HTTP_HDR_MAX ? -EPROTO : -EAGAIN;
	if (n < 12 || (b[12] != ' ' && b[12] != '\r'))
		return -EPROTO;
	*len = (size_t)(end - b);
	if (*status >= 200 && *status < 300)
		return 0;
	if (*status == 401 || *status == 403 || *status == 407)
		return -EACCES;
	return -ECONNREFUSED;
}
