/* SPDX-License-Identifier: MIT */
#ifndef BRO_CONNECT_TUNNEL_H
#define BRO_CONNECT_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy.h"

#define TUNNEL_WHY_MAX	160

/**
 * struct tunnel - the client side of one proxy handshake, as bytes: what
 *		   to send next and how to read each reply. No I/O; the
 *		   replies are untrusted and fuzzed (fuzz/fuzz-connect.c).
 * @u:		the proxy (its password set when @u->auth)
 * @t:		the destination, as the proxy is told
 * @stage:	TUNNEL_* below
 * @in, @n:	the reply bytes received and not yet consumed
 * @status:	the HTTP status or SOCKS5 REP once read, for messages
 */
struct tunnel {
	struct proxy_url u;
	struct target t;
	int stage;
	char in[HTTP_HDR_MAX];
	size_t n;
	int status;
};

enum { TUNNEL_METHOD = 1, TUNNEL_AUTH, TUNNEL_REPLY, TUNNEL_OPEN };

/* the largest message tunnel_start()/tunnel_feed() ask to send */
#define TUNNEL_OUT_MAX	PROXY_REQ_MAX

/**
 * tunnel_start() - the first message to the proxy
 * @tn:		set up with @u and @t; @stage and @n are set here
 * @out:	TUNNEL_OUT_MAX bytes
 *
 * Return: its length, or 0 when @t cannot be expressed (a name too long
 *	   for SOCKS5)
 */
size_t tunnel_start(struct tunnel *tn, uint8_t *out);

/**
 * tunnel_feed() - take reply bytes from the proxy
 * @tn:		the handshake
 * @b, @n:	bytes just received (appended to @tn->in)
 * @out, @outlen: the next message to send, when *@outlen is set non-zero
 * @rest:	once open: where in @tn->in the tunnel's own first bytes
 *		start (they belong to the destination's stream); *@restlen
 *		how many
 * @why:	on failure, a one-line reason
 *
 * Return: 0 more bytes needed (send *@outlen bytes of @out first if set),
 *	   1 the tunnel is open, -EPROTO the proxy spoke something else,
 *	   -EMSGSIZE a reply longer than HTTP_HDR_MAX, or the errno the
 *	   refusal means (-EACCES, -ECONNREFUSED, ... see proxy.h)
 */
int tunnel_feed(struct tunnel *tn, const uint8_t *b, size_t n, uint8_t *out,
		size_t *outlen, const uint8_t **rest, size_t *restlen,
		char *why, size_t whysize);

/**
 * connect_target_parse() - HOST and PORT as given on the command line
 *		(ssh's %h %p): a host name, an IPv4 address, or an IPv6
 *		address with or without brackets; a port 1-65535 in decimal
 * @host, @port: the text (untrusted)
 * @t:		filled in: @t->name for a name, @t->sa for an address
 * @why:	on failure, a static reason
 *
 * Nothing that could end a line or a header gets through: no control
 * character, space, ':' outside an IPv6 address, '@', '/'.
 * Return: 0, or -EINVAL
 */
int connect_target_parse(const char *host, const char *port, struct target *t,
			 const char **why);

/**
 * connect_proxy_parse() - the --proxy URL: http://, socks5:// (the
 *		destination name resolved here) or socks5h:// (resolved by
 *		the proxy), [USER@]HOST:PORT; USER:PASS@ is refused
 * @remote_dns:	set for http:// and socks5h://
 * Return: as proxy_url_parse()
 */
int connect_proxy_parse(const char *s, struct proxy_url *u, bool *remote_dns,
			const char **why);

/* socks5_rep_str() - what a SOCKS5 REP code means, one short phrase */
const char *socks5_rep_str(int rep);

#endif
