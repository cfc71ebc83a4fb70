// SPDX-License-Identifier: MIT
/*
 * sockact-server - a small server for tests/sockact-*.t: binds, listens and
 * answers every client with its address as the server sees it. It knows
 * nothing of socket activation; libbro-sockact.so (LD_PRELOAD) makes it
 * adopt the inherited socket. Built with the normal compiler and with
 * musl-gcc.
 *
 *   sockact-server [--dgram] [--nonblock] [--cloexec] [--epoll]
 *                  [--fork-bind] [--ready-fifo PATH] [--count N] [--rebind]
 *                  ADDR PORT
 *
 * Prints, line by line: "child-bind ..." (--fork-bind: a forked child's
 * bind of ADDR PORT first), "bound fd=N local=ADDR:PORT nonblock=0|1
 * cloexec=0|1", "listening", then with --ready-fifo, once a line arrives
 * on PATH, "notified rc=N" after sd_notify(0, "READY=1"), and one
 * "served ADDR:PORT" per client. --rebind (stream): after each client the
 * listener is closed and a new socket bound and listening in its place, as
 * iperf3 does between tests ("rebound fd=N local=ADDR:PORT"). Each wait is
 * bounded (30 s).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* from libsystemd or the shim, if either is loaded */
extern int sd_notify(int unset_environment, const char *state)
	__attribute__((weak));

#define WAIT_MS 30000

static void die(const char *step, const char *obj)
{
	printf("error %s %s: %s\n", step, obj, strerror(errno));
	exit(1);
}

static void fmt(const struct sockaddr_storage *ss, char *out, size_t n)
{
	char a[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		port = ntohs(s->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		port = ntohs(s->sin6_port);
	}
	snprintf(out, n, "%s:%d", a, port);
}

static void usage(void)
{
	fprintf(stderr, "usage: sockact-server [--dgram] [--nonblock] [--cloexec] "
		"[--epoll] [--fork-bind] [--ready-fifo PATH] [--count N] [--rebind] "
		"ADDR PORT\n");
	exit(64);
}

int main(int argc, char **argv)
{
	int dgram = 0, nonblock = 0, cloexec = 0, use_epoll = 0, fork_bind = 0;
	int rebind = 0;
	const char *fifo = NULL;
	long count = 1, port;
	struct sockaddr_storage ss, peer;
	socklen_t len = 0, blen;
	char buf[128], line[160];
	int fd, ep = -1, i, type;
	char *end;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--dgram"))
			dgram = 1;
		else if (!strcmp(argv[i], "--nonblock"))
			nonblock = 1;
		else if (!strcmp(argv[i], "--cloexec"))
			cloexec = 1;
		else if (!strcmp(argv[i], "--epoll"))
			use_epoll = 1;
		else if (!strcmp(argv[i], "--rebind"))
			rebind = 1;
		else if (!strcmp(argv[i], "--fork-bind"))
			fork_bind = 1;
		else if (!strcmp(argv[i], "--ready-fifo") && i + 1 < argc)
			fifo = argv[++i];
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtol(argv[++i], NULL, 10);
		else
			usage();
	}
	if (argc - i != 2 || count < 1 || count > 1000 || (rebind && dgram))
		usage();
	port = strtol(argv[i + 1], &end, 10);
	if (*end || port < 0 || port > 65535)
		usage();
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, argv[i], &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		len = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, argv[i], &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		len = sizeof(struct sockaddr_in6);
	} else {
		usage();
	}
	blen = len;
	type = (dgram ? SOCK_DGRAM : SOCK_STREAM) | (nonblock ? SOCK_NONBLOCK : 0) |
	       (cloexec ? SOCK_CLOEXEC : 0);

	if (fork_bind) {	/* a child's bind is not adopted */
		pid_t pid = fork();
		int st;

		if (pid < 0)
			die("fork", "child");
		if (pid == 0) {
			fd = socket(ss.ss_family, type, 0);
			if (fd < 0)
				die("socket", "child");
			if (bind(fd, (struct sockaddr *)&ss, len) < 0)
				printf("child-bind error %s\n", strerror(errno));
			else
				printf("child-bind ok\n");
			_exit(0);
		}
		if (waitpid(pid, &st, 0) < 0)
			die("waitpid", "child");
	}

	fd = socket(ss.ss_family, type, 0);
	if (fd < 0)
		die("socket", argv[i]);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind", argv[i]);
	len = sizeof(peer);
	if (getsockname(fd, (struct sockaddr *)&peer, &len) < 0)
		die("getsockname", argv[i]);
	fmt(&peer, buf, sizeof(buf));
	printf("bound fd=%d local=%s nonblock=%d cloexec=%d\n", fd, buf,
	       !!(fcntl(fd, F_GETFL) & O_NONBLOCK),
	       !!(fcntl(fd, F_GETFD) & FD_CLOEXEC));
	if (!dgram) {
		if (listen(fd, 16) < 0)
			die("listen", argv[i]);
		printf("listening\n");
	}
	if (use_epoll) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

		ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			die("epoll_ctl", "listen fd");
	}
	if (fifo) {
		FILE *f = fopen(fifo, "r");

		if (!f || !fgets(line, sizeof(line), f))
			die("read", fifo);
		fclose(f);
		if (sd_notify)
			printf("notified rc=%d\n", sd_notify(0, "READY=1"));
		else
			printf("notified none (no sd_notify)\n");
	}
	for (; count > 0; count--) {
		int c, r;

		if (use_epoll) {
			struct epoll_event ev;

			do
				r = epoll_wait(ep, &ev, 1, WAIT_MS);
			while (r < 0 && errno == EINTR);
		} else {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			do
				r = poll(&p, 1, WAIT_MS);
			while (r < 0 && errno == EINTR);
		}
		if (r == 0) {
			printf("error wait: timeout\n");
			return 2;
		}
		if (r < 0)
			die(use_epoll ? "epoll_wait" : "poll", argv[i]);
		len = sizeof(peer);
		if (dgram) {
			if (recvfrom(fd, line, sizeof(line), 0,
				     (struct sockaddr *)&peer, &len) < 0) {
				if (errno == EAGAIN) {
					count++;
					continue;
				}
				die("recvfrom", argv[i]);
			}
			fmt(&peer, buf, sizeof(buf));
			snprintf(line, sizeof(line), "peer %s\n", buf);
			sendto(fd, line, strlen(line), 0, (struct sockaddr *)&peer, len);
		} else {
			c = accept(fd, (struct sockaddr *)&peer, &len);
			if (c < 0) {
				if (errno == EAGAIN) {
					count++;
					continue;
				}
				die("accept", argv[i]);
			}
			fmt(&peer, buf, sizeof(buf));
			snprintf(line, sizeof(line), "peer %s\n", buf);
			if (write(c, line, strlen(line)) < 0)
				die("write", "client");
			close(c);
		}
		printf("served %s\n", buf);
		if (rebind && count > 1) {	/* as iperf3 between tests */
			close(fd);	/* which also leaves the epoll set */
			fd = socket(ss.ss_family, type, 0);
			if (fd < 0 || bind(fd, (struct sockaddr *)&ss, blen) < 0 ||
			    listen(fd, 16) < 0)
				die("rebind", argv[i]);
			len = sizeof(peer);
			if (getsockname(fd, (struct sockaddr *)&peer, &len) < 0)
				die("getsockname", argv[i]);
			fmt(&peer, buf, sizeof(buf));
			printf("rebound fd=%d local=%s\n", fd, buf);
			if (use_epoll) {
				struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

				if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
					die("epoll_ctl", "listen fd");
			}
		}
	}
	return 0;
}
