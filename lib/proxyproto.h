/* SPDX-License-Identifier: MIT */
#ifndef BRO_PROXYPROTO_H
#define BRO_PROXYPROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* the longest header proxy_header() writes: v2 with two unix addresses */
#define PROXY_HDR_MAX	232
/* the longest v1 line, "\r\n" included (the specification's bound) */
#define PROXY_V1_MAX	107

enum proxy_version { PROXY_NONE = 0, PROXY_V1 = 1, PROXY_V2 = 2 };

/**
 * proxy_header() - build a PROXY protocol header (haproxy's proxy-protocol.txt)
 * @v:		PROXY_V1 or PROXY_V2
 * @src, @srclen: the client's address (getpeername of the accepted socket)
 * @dst, @dstlen: the address it connected to (getsockname)
 * @buf, @size:	output, PROXY_HDR_MAX bytes are always enough
 *
 * TCP over IPv4/IPv6 gives TCP4/TCP6 (v1) or AF_INET/AF_INET6 (v2); a
 * v4-mapped IPv6 pair is written as IPv4, a mixed pair as IPv6. A unix
 * client gives "UNKNOWN" (v1) or AF_UNIX with both paths (v2); anything
 * else "UNKNOWN" / AF_UNSPEC, which a receiver must accept.
 *
 * Return: the header length, or -EINVAL (bad @v), -ENOSPC (@size)
 */
int proxy_header(enum proxy_version v, const struct sockaddr *src,
		 socklen_t srclen, const struct sockaddr *dst, socklen_t dstlen,
		 uint8_t *buf, size_t size);

/**
 * struct proxy_info - what a PROXY header says
 * @version:	1 or 2
 * @local:	v2 LOCAL command (a health check from the proxy itself)
 * @family:	AF_INET, AF_INET6, AF_UNIX, or AF_UNSPEC for UNKNOWN
 * @src, @dst:	the addresses when @family is not AF_UNSPEC
 * @srclen, @dstlen: their lengths
 */
struct proxy_info {
	int version;
	int local;
	int family;
	struct sockaddr_storage src, dst;
	socklen_t srclen, dstlen;
};

/**
 * proxy_parse() - parse a PROXY header at the start of @buf
 * @buf, @len:	bytes received so far
 * @pi:		filled in on success
 *
 * Return: the header length (bytes to skip) on success, 0 when more bytes
 *	   are needed, -EINVAL when @buf does not start with a valid header
 */
int proxy_parse(const uint8_t *buf, size_t len, struct proxy_info *pi);

#endif
