/* SPDX-License-Identifier: MIT */
#ifndef BRO_NETNS_PROXY_H
#define BRO_NETNS_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PROXY_HOST_MAX	253	/* a DNS name (RFC 1035) or an address */
#define PROXY_CRED_MAX	255	/* RFC 1929: 1..255 bytes each */
#define HTTP_HDR_MAX	8192	/* a CONNECT response head longer is refused */
/* the longest handshake we ever send: HTTP CONNECT with Basic credentials */
#define PROXY_REQ_MAX	(160 + 2 * PROXY_HOST_MAX + \
			 4 * ((2 * PROXY_CRED_MAX + 3) / 3))

enum proxy_type { PROXY_SOCKS5 = 1, PROXY_HTTP = 2 };

/**
 * struct proxy_url - a parsed --proxy URL
 * @type:	socks5:// or http://
 * @host:	a name, a dotted IPv4 address or an IPv6 address (no brackets)
 * @port:	1..65535
 * @auth:	@user was given (socks5: RFC 1929; http: Basic), so @pass
 *		must be set too (proxy_url_set_password())
 * @user, @pass: NUL-terminated, 1..255 bytes, no control characters
 * @pipeline:	socks5: send the greeting, the RFC 1929 request and the
 *		CONNECT in one write, without waiting for each reply (the
 *		server must read past the greeting: dante does, microsocks
 *		1.0.3 drops what came with it); set by --proxy-pipeline
 */
struct proxy_url {
	enum proxy_type type;
	char host[PROXY_HOST_MAX + 1];
	uint16_t port;
	bool auth;
	char user[PROXY_CRED_MAX + 1];
	char pass[PROXY_CRED_MAX + 1];
	bool pipeline;
};

/**
 * proxy_url_parse() - parse socks5://[USER@]HOST:PORT or
 *		       http://[USER@]HOST:PORT ([IPv6] in brackets)
 * @s:		the text (untrusted: no syscall, no resolver)
 * @u:		filled in on success
 *
 * A password in the URL (USER:PASS@) is refused: the URL comes from argv,
 * which every local user can read for as long as the process lives.
 * Return: 0, or -EINVAL with a reason in @why (static text)
 */
int proxy_url_parse(const char *s, struct proxy_url *u, const char **why);

/* proxy_url_set_password() - @u's password, @n bytes of @pass (not
 * NUL-terminated); Return: 0, -EINVAL unless 1..255 bytes without control
 * characters */
int proxy_url_set_password(struct proxy_url *u, const char *pass, size_t n);

/**
 * struct target - where a relayed connection is to go, as the proxy is told
 * @name:	a host name ("" when @sa is used): CONNECT by name, resolved
 *		at the proxy
 * @sa:		an IPv4 or IPv6 address when @name is empty
 * @port:	the destination port
 */
struct target {
	char name[PROXY_HOST_MAX + 1];
	struct sockaddr_storage sa;
	uint16_t port;
};

/* target_str() - "name:port", "1.2.3.4:port" or "[v6]:port" into @buf */
const char *target_str(const struct target *t, char *buf, size_t size);

/* SOCKS5 (RFC 1928, RFC 1929) -------------------------------------------- */

/* socks5_greeting() - the method-selection message; Return: its length */
size_t socks5_greeting(const struct proxy_url *u, uint8_t *out);

/* socks5_greeting_only() - the method-selection message offering only the
 * method @u calls for (username/password when it has a user, else none):
 * what a pipelined request is written for; Return: its length (3) */
size_t socks5_greeting_only(const struct proxy_url *u, uint8_t *out);

/**
 * socks5_method_parse() - the server's method choice (2 bytes)
 * Return: 0 no authentication, 2 username/password, -EAGAIN need more
 *	   bytes, -EPROTO not SOCKS5, -EACCES no acceptable method
 */
int socks5_method_parse(const uint8_t *b, size_t n, bool offered_auth);

/* socks5_auth() - the RFC 1929 request; Return: its length (<= 513) */
size_t socks5_auth(const struct proxy_url *u, uint8_t *out);

/* socks5_auth_parse() - RFC 1929 status; Return: 0, -EAGAIN, -EPROTO,
 * -EACCES (credentials refused) */
int socks5_auth_parse(const uint8_t *b, size_t n);

/* socks5_connect() - the CONNECT request for @t; Return: its length
 * (<= 262), or 0 if @t cannot be expressed (name too long) */
size_t socks5_connect(const struct target *t, uint8_t *out);

/**
 * socks5_reply_parse() - the reply to CONNECT
 * @b, @n:	bytes received so far (peeked: nothing past the reply is ours)
 * @len:	the reply's full length once known (also on -EAGAIN if known)
 * @rep:	the REP field once read
 *
 * Return: 0 success (the reply is *@len bytes), -EAGAIN need more bytes,
 *	   -EPROTO malformed, or the errno that REP means (-ECONNREFUSED,
 *	   -ENETUNREACH, -EHOSTUNREACH, -EACCES, -ETIMEDOUT, -EOPNOTSUPP,
 *	   -EAFNOSUPPORT, -ECONNABORTED for a general failure)
 */
int socks5_reply_parse(const uint8_t *b, size_t n, size_t *len, int *rep);

/* HTTP CONNECT (RFC 9110 9.3.6) ----------------------------------------- */

/* http_connect() - the CONNECT request for @t through @u; Return: its
 * length (< PROXY_REQ_MAX), or 0 if it does not fit @size */
size_t http_connect(const struct proxy_url *u, const struct target *t,
		    char *out, size_t size);

/**
 * http_connect_parse() - the response head to CONNECT
 * @b, @n:	bytes received so far (peeked)
 * @len:	the head's length including the blank line, on success
 * @status:	the status code once read
 *
 * Return: 0 for a 2xx status, -EAGAIN need more bytes, -EPROTO malformed
 *	   or longer than HTTP_HDR_MAX, -EACCES for 401/403/407,
 *	   -ECONNREFUSED for any other status
 */
int http_connect_parse(const char *b, size_t n, size_t *len, int *status);

#endif
