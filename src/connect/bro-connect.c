/* SPDX-License-Identifier: MIT
 *
 * bro-connect - an ssh ProxyCommand: reach HOST:PORT through an HTTP
 * CONNECT or SOCKS5 proxy (username/password too) and relay stdin/stdout
 * to it. No privilege; the password never in argv.
 *
 *	bro-connect HOST PORT --proxy URL [--proxy-password-file FILE]
 *		    [--connect-timeout SPAN] [--handshake-timeout SPAN]
 *
 * Steps: check HOST, PORT and URL (no byte of them reaches the proxy
 * before all are valid) -> the password -> connect to the proxy (bounded)
 * -> the handshake (tunnel.c, bounded) -> the first tunnel bytes that came
 * with the reply to stdout -> pump.c until both directions end.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "cred.h"
#include "log.h"
#include "parse.h"
#include "pump.h"
#include "tunnel.h"

#define EX_USAGE	64

struct opts {
	const char *host, *port, *proxy, *pwfile;
	uint64_t connect_us, handshake_us;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: bro-connect HOST PORT --proxy URL [options]\n"
"  an ssh ProxyCommand: ProxyCommand bro-connect %%h %%p --proxy http://proxy:3128\n"
"  --proxy URL               http://[USER@]HOST:PORT (CONNECT),\n"
"                            socks5://[USER@]HOST:PORT (HOST resolved here),\n"
"                            socks5h://[USER@]HOST:PORT (resolved by the proxy)\n"
"  --proxy-password-file F   USER's password: F's one line (mode 0600);\n"
"                            else $" CRED_ENV "\n"
"  --connect-timeout SPAN    to reach the proxy (default 10s)\n"
"  --handshake-timeout SPAN  for its answer (default 10s)\n");
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	const char *v;
	int i, npos = 0;

	*o = (struct opts){ .connect_us = 10000000, .handshake_us = 10000000 };
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--version")) {
			printf("bro-connect %s\n", BRO_VERSION);
			exit(0);
		} else if (parse_long_option("--proxy", argc, argv, &i, &v)) {
			if (!v)
				log_die(EX_USAGE, "--proxy needs a URL");
			o->proxy = v;
		} else if (parse_long_option("--proxy-password-file", argc, argv, &i, &v)) {
			if (!v)
				log_die(EX_USAGE, "--proxy-password-file needs a FILE");
			o->pwfile = v;
		} else if (parse_long_option("--connect-timeout", argc, argv, &i, &v)) {
			if (!v || parse_timespan_usec(v, &o->connect_us) < 0 || !o->connect_us)
				log_die(EX_USAGE, "--connect-timeout=%s: not a time span", v ? v : "");
		} else if (parse_long_option("--handshake-timeout", argc, argv, &i, &v)) {
			if (!v || parse_timespan_usec(v, &o->handshake_us) < 0 || !o->handshake_us)
				log_die(EX_USAGE, "--handshake-timeout=%s: not a time span", v ? v : "");
		} else if (a[0] == '-' && a[1] && strcmp(a, "--")) {
			log_die(EX_USAGE, "unknown option '%s' (--help)", a);
		} else {
			if (!strcmp(a, "--") && ++i >= argc)
				break;
			if (npos == 0)
				o->host = argv[i];
			else if (npos == 1)
				o->port = argv[i];
			else
				log_die(EX_USAGE, "too many parameters: '%s' (HOST PORT --proxy URL)", argv[i]);
			npos++;
		}
	}
	if (npos < 2)
		log_die(EX_USAGE, "usage: bro-connect HOST PORT --proxy URL (--help)");
	if (!o->proxy)
		log_die(EX_USAGE, "no --proxy URL (http://, socks5:// or socks5h://HOST:PORT)");
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* wait for @ev on @fd until @deadline; Return: 0, -ETIMEDOUT, -errno */
static int wait_fd(int fd, short ev, uint64_t deadline)
{
	for (;;) {
		struct pollfd pf = { .fd = fd, .events = ev };
		uint64_t t = now_us();
		int ms, k;

		if (t >= deadline)
			return -ETIMEDOUT;
		ms = (deadline - t + 999) / 1000 > 0x7fffffff ? 0x7fffffff :
			(int)((deadline - t + 999) / 1000);
		k = poll(&pf, 1, ms);
		if (k > 0)
			return 0;
		if (k < 0 && errno != EINTR)
			return -errno;
	}
}

static int proxy_connect(const struct proxy_url *u, uint64_t timeout_us,
			 char *pa, size_t pasize)
{
	char text[PROXY_HOST_MAX + 16];
	struct addr a;
	socklen_t sl;
	int fd, r, err = 0;

	snprintf(text, sizeof(text), strchr(u->host, ':') ? "[%s]:%u" : "%s:%u",
		 u->host, u->port);
	snprintf(pa, pasize, "%s", text);
	if (addr_parse(text, &a) < 0)
		log_die(EX_USAGE, "--proxy: bad address '%s'", text);
	r = addr_resolve(&a, SOCK_STREAM);
	if (r)
		log_die(1, "resolve proxy %s: %s", text, gai_strerror(r));
	addr_str((struct sockaddr *)&a.sa, a.len, pa, pasize);
	fd = socket(a.sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		log_die(1, "socket for proxy %s: %s", pa, strerror(errno));
	if (connect(fd, (struct sockaddr *)&a.sa, a.len) < 0) {
		if (errno != EINPROGRESS)
			log_die(1, "connect to proxy %s: %s", pa, strerror(errno));
		r = wait_fd(fd, POLLOUT, now_us() + timeout_us);
		if (r < 0)
			log_die(1, "connect to proxy %s: %s", pa, r == -ETIMEDOUT ?
				"no answer within --connect-timeout" : strerror(-r));
		sl = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
			err = errno;
		if (err)
			log_die(1, "connect to proxy %s: %s", pa, strerror(err));
	}
	r = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &r, sizeof(r));
	return fd;
}

static void send_all(int fd, const uint8_t *b, size_t n, uint64_t deadline,
		     const char *pa)
{
	while (n) {
		ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
		int r;

		if (k > 0) {
			b += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EINTR)
			log_die(1, "send to proxy %s: %s", pa, strerror(errno));
		r = wait_fd(fd, POLLOUT, deadline);
		if (r < 0)
			log_die(1, "send to proxy %s: %s", pa, r == -ETIMEDOUT ?
				"--handshake-timeout reached" : strerror(-r));
	}
}

static void write_all(int fd, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t k = write(fd, b, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };

			poll(&pf, 1, -1);
			continue;
		}
		if (k <= 0)
			log_die(1, "write to stdout: %s", strerror(errno));
		b += k;
		n -= (size_t)k;
	}
}

static void get_password(const struct opts *o, struct proxy_url *u)
{
	char pw[PROXY_CRED_MAX + 2], err[256];
	int r;

	if (!u->auth) {
		if (o->pwfile)
			log_die(EX_USAGE, "--proxy-password-file without a user in --proxy (USER@HOST:PORT)");
		return;
	}
	if (o->pwfile)
		r = cred_read_file(o->pwfile, pw, sizeof(pw), err, sizeof(err));
	else
		r = cred_take_env(pw, sizeof(pw), err, sizeof(err));
	if (r == -ENOENT)
		log_die(EX_USAGE, "--proxy names user '%s': give the password with --proxy-password-file FILE or $%s",
			u->user, CRED_ENV);
	if (r < 0)
		log_die(1, "%s: %s", err, strerror(-r));
	if (r > 0)
		log_die(EX_USAGE, "%s", err);
	if (proxy_url_set_password(u, pw, strlen(pw)) < 0)
		log_die(EX_USAGE, "the proxy password must be 1-255 bytes without control characters");
	explicit_bzero(pw, sizeof(pw));
}

int main(int argc, char **argv)
{
	static struct tunnel tn;
	uint8_t out[TUNNEL_OUT_MAX];
	char pa[PROXY_HOST_MAX + 16], ts[PROXY_HOST_MAX + 16], what[64], why[TUNNEL_WHY_MAX];
	const char *w;
	struct opts o;
	bool remote_dns;
	uint64_t deadline;
	size_t len;
	int fd, r;

	/* a closed 0, 1 or 2 would be reused by the tunnel's socket */
	if (fcntl(2, F_GETFD) < 0 && open("/dev/null", O_WRONLY) != 2)
		return 1;
	log_init("bro-connect");
	if (fcntl(0, F_GETFD) < 0 || fcntl(1, F_GETFD) < 0)
		log_die(EX_USAGE, "%s is not open (the tunnel is relayed to stdin and stdout)",
			fcntl(0, F_GETFD) < 0 ? "stdin" : "stdout");
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_DUMPABLE, 0);	/* the password is in memory */
	parse_args(argc, argv, &o);
	if (connect_target_parse(o.host, o.port, &tn.t, &w) < 0)
		log_die(EX_USAGE, "bad destination: %s", w);
	if (connect_proxy_parse(o.proxy, &tn.u, &remote_dns, &w) < 0)
		log_die(EX_USAGE, "bad --proxy: %s", w);
	get_password(&o, &tn.u);
	if (!remote_dns && tn.t.name[0]) {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;

		r = getaddrinfo(tn.t.name, NULL, &hints, &ai);
		if (r)
			log_die(1, "resolve %s (socks5:// resolves here; socks5h:// at the proxy): %s",
				tn.t.name, gai_strerror(r));
		memcpy(&tn.t.sa, ai->ai_addr, ai->ai_addrlen);
		tn.t.name[0] = '\0';
		freeaddrinfo(ai);
	}
	target_str(&tn.t, ts, sizeof(ts));
	fd = proxy_connect(&tn.u, o.connect_us, pa, sizeof(pa));
	deadline = now_us() + o.handshake_us;
	len = tunnel_start(&tn, out);
	if (!len)
		log_die(EX_USAGE, "bad destination %s: too long for the proxy's protocol", ts);
	for (;;) {
		const uint8_t *rest;
		size_t restlen, room = sizeof(tn.in) - tn.n;
		uint8_t b[sizeof(tn.in)];
		ssize_t k;

		if (len)
			send_all(fd, out, len, deadline, pa);
		explicit_bzero(out, sizeof(out));
		k = recv(fd, b, room, 0);
		if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
			r = wait_fd(fd, POLLIN, deadline);
			if (r < 0)
				log_die(1, "proxy %s, to %s: %s", pa, ts, r == -ETIMEDOUT ?
					"no complete answer within --handshake-timeout" : strerror(-r));
			len = 0;
			continue;
		}
		if (k < 0)
			log_die(1, "recv from proxy %s, to %s: %s", pa, ts, strerror(errno));
		if (k == 0)
			log_die(1, "proxy %s, to %s: closed the connection during the handshake", pa, ts);
		r = tunnel_feed(&tn, b, (size_t)k, out, &len, &rest, &restlen, why, sizeof(why));
		if (r < 0)
			log_die(1, "proxy %s, to %s: %s", pa, ts, why);
		if (r == 1) {
			explicit_bzero(tn.u.pass, sizeof(tn.u.pass));
			write_all(1, rest, restlen);
			break;
		}
	}
	r = pump_run(0, 1, fd, what, sizeof(what));
	if (r < 0)
		log_die(1, "%s, %s via %s: %s", what, ts, pa, strerror(-r));
	return 0;
}
