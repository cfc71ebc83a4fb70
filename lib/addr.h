/* SPDX-License-Identifier: MIT */
#ifndef BRO_ADDR_H
#define BRO_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define ADDR_HOST_MAX	253	/* a DNS name, RFC 1035 */
#define ADDR_PORT_MAX	32	/* a service name */
#define ADDR_STR_MAX	128	/* addr_str() output, "[v6%scope]:port" or a path */

/**
 * struct addr - a socket address as given on the command line
 * @sa:		the address, valid when @len is non-zero
 * @len:	length of @sa; 0 while @host still needs resolving
 * @host:	the host part when it is a name (or has a %scope), else ""
 * @port:	the port part when it is a name or @host is set, else ""
 */
struct addr {
	struct sockaddr_storage sa;
	socklen_t len;
	char host[ADDR_HOST_MAX + 1];
	char port[ADDR_PORT_MAX + 1];
};

/**
 * addr_parse() - parse a socket address the way systemd-socket-proxyd takes
 *		  its target: HOST:PORT, [IPv6]:PORT, /unix/path, @abstract
 * @s:		the text
 * @a:		filled in; literal addresses are complete (@a->len set),
 *		names are left for addr_resolve()
 *
 * A missing ":PORT" means port 80, as in systemd-socket-proxyd. IPv6
 * literals need brackets. No syscall, no resolver: safe on untrusted text.
 *
 * Return: 0, or -EINVAL with nothing promised about @a
 */
int addr_parse(const char *s, struct addr *a);

/**
 * addr_resolve() - resolve @a->host/@a->port into @a->sa (getaddrinfo(3))
 * @a:		a parsed address with a name; a literal one is left alone
 * @socktype:	SOCK_STREAM or SOCK_DGRAM
 *
 * Return: 0, or an EAI_* code (non-zero, see gai_strerror(3))
 */
int addr_resolve(struct addr *a, int socktype);

/* addr_needs_resolve() - was @a given as a name? */
bool addr_needs_resolve(const struct addr *a);

/**
 * addr_str() - format a socket address for messages: "1.2.3.4:80",
 *		"[::1]:80", "/path", "@abstract"
 * @sa, @len:	the address
 * @buf, @size:	output, at least ADDR_STR_MAX bytes for the full text
 *
 * Return: @buf
 */
const char *addr_str(const struct sockaddr *sa, socklen_t len, char *buf,
		     size_t size);

#endif
