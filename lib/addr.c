/* SPDX-License-Identifier: MIT
 *
 * addr.c - socket addresses from the command line, parsed once.
 *
 * Literal IPv4/IPv6 addresses, unix paths and abstract names become a
 * struct sockaddr at parse time, so a proxy never runs a resolver per
 * connection. Only names (and IPv6 literals with a %scope) are left for
 * addr_resolve(), which the caller runs at start and again after a failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"
#include "parse.h"

#define UNIX_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

static int parse_unix(const char *s, struct addr *a)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&a->sa;
	size_t n = strlen(s);

	un->sun_family = AF_UNIX;
	if (s[0] == '@') {
		/* abstract: a leading NUL, the name, no terminator */
		if (n < 2 || n > UNIX_PATH_MAX)
			return -EINVAL;
		un->sun_path[0] = '\0';
		memcpy(un->sun_path + 1, s + 1, n - 1);
		a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
		return 0;
	}
	/* a path: must fit with its terminating NUL */
	if (n >= UNIX_PATH_MAX)
		return -EINVAL;
	memcpy(un->sun_path, s, n + 1);
	a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

/* a service: a decimal port 1..65535 or a name from services(5), which
 * starts with a letter */
static int parse_port(const char *s, size_t n, struct addr *a, int *num)
{
	uint64_t v;
	size_t i;

	if (n == 0 || n > ADDR_PORT_MAX)
		return -EINVAL;
	memcpy(a->port, s, n);
	a->port[n] = '\0';
	*num = -1;
	if (s[0] >= '0' && s[0] <= '9') {
		if (parse_u64(a->port, 1, 65535, &v) < 0)
			return -EINVAL;
		*num = (int)v;
		return 0;
	}
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return -EINVAL;
	return 0;
}

/* a DNS name: letters, digits, '-', '_', '.'; or an IPv6 literal with %scope */
static int check_host(const char *h, size_t n, bool v6)
{
	size_t i;

	if (n == 0 || n > ADDR_HOST_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char c = h[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')
			continue;
		if (v6 && (c == ':' || c == '%'))
			continue;
		return -EINVAL;
	}
	return 0;
}

int addr_parse(const char *s, struct addr *a)
{
	const char *host, *colon;
	size_t hlen;
	bool v6 = false;
	int port = 80, r;

	memset(a, 0, sizeof(*a));
	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '/' || s[0] == '@')
		return parse_unix(s, a);

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end)
			return -EINVAL;
		host = s + 1;
		hlen = (size_t)(end - host);
		v6 = true;
		if (end[1] == ':')
			colon = end + 1;
		else if (end[1] == '\0')
			colon = NULL;
		else
			return -EINVAL;
	} else {
		host = s;
		colon = strrchr(s, ':');
		if (colon && memchr(s, ':', (size_t)(colon - s)))
			return -EINVAL;		/* IPv6 without brackets */
		hlen = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (check_host(host, hlen, v6) < 0)
		return -EINVAL;
	memcpy(a->host, host, hlen);
	a->host[hlen] = '\0';
	if (colon) {
		r = parse_port(colon + 1, strlen(colon + 1), a, &port);
		if (r < 0)
			return r;
	} else {
		strcpy(a->port, "80");
	}
	if (port < 0)
		return 0;			/* a service name: resolve */

	if (v6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->sa;

		if (strchr(a->host, '%'))
			return 0;		/* a scope: getaddrinfo knows */
		if (inet_pton(AF_INET6, a->host, &in6->sin6_addr) != 1)
			return -EINVAL;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		a->len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&a->sa;

		/* inet_pton takes only dotted quads, so "10" stays a name */
		if (inet_pton(AF_INET, a->host, &in->sin_addr) != 1)
			return 0;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		a->len = sizeof(*in);
	}
	a->host[0] = a->port[0] = '\0';
	return 0;
}

bool addr_needs_resolve(const struct addr *a)
{
	return a->host[0] != '\0';
}

int addr_resolve(struct addr *a, int socktype)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = socktype };
	struct addrinfo *res = NULL;
	int r;

	if (!addr_needs_resolve(a))
		return 0;
	r = getaddrinfo(a->host, a->port, &hints, &res);
	if (r != 0)
		return r;
	if (!res || res->ai_addrlen > sizeof(a->sa)) {
		freeaddrinfo(res);
		return EAI_FAIL;
	}
	memcpy(&a->sa, res->ai_addr, res->ai_addrlen);
	a->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

const char *addr_str(const struct sockaddr *sa, socklen_t len, char *buf,
		     size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	if (!size)
		return buf;
	buf[0] = '\0';
	if (len < sizeof(sa_family_t)) {
		snprintf(buf, size, "(none)");
		return buf;
	}
	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(buf, size, "%s:%u", ip, ntohs(in->sin_port));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		if (in6->sin6_scope_id)
			snprintf(buf, size, "[%s%%%u]:%u", ip,
				 in6->sin6_scope_id, ntohs(in6->sin6_port));
		else
			snprintf(buf, size, "[%s]:%u", ip, ntohs(in6->sin6_port));
		break;
	}
	case AF_UNIX: {
		const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
		size_t off = offsetof(struct sockaddr_un, sun_path), n, i;

		if (len <= off) {
			snprintf(buf, size, "(unnamed)");
			break;
		}
		n = len - off;
		if (n > UNIX_PATH_MAX)
			n = UNIX_PATH_MAX;
		if (un->sun_path[0] == '\0') {
			/* abstract: print the name with '@', NULs as '@' too */
			size_t o = 0;

			for (i = 0; i < n && o + 1 < size; i++)
				buf[o++] = un->sun_path[i] ? un->sun_path[i] : '@';
			buf[o] = '\0';
		} else {
			snprintf(buf, size, "%.*s", (int)strnlen(un->sun_path, n),
				 un->sun_path);
		}
		break;
	}
	default:
		snprintf(buf, size, "(family %u)", sa->sa_family);
	}
	return buf;
}
