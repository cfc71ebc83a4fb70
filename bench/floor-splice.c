/* SPDX-License-Identifier: MIT
 *
 * floor-splice - the cheapest bulk TCP relay there is, the floor that
 * bench/proxyd.sh and bench/netns.sh measure every relay's CPU per GB
 * against. A bench tool, not a product: no options, no limits, no logs.
 *
 *   floor-splice LISTEN TARGET		LISTEN and TARGET: PORT on 127.0.0.1,
 *					or ADDR:PORT (IPv4)
 *
 * A child process per connection (so that bench/lib/cpu.sh finds its CPU in
 * the parent's reaped-children times; an exited thread's schedstat is lost),
 * a thread per direction, blocking splice() through a 1 MiB pipe; an EOF is
 * passed on as a half-close (shutdown SHUT_WR).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define PIPE_SZ (1 << 20)

static struct sockaddr_in addr(char *s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char *colon = strrchr(s, ':');

	if (colon) {
		*colon = '\0';
		if (inet_pton(AF_INET, s, &sa.sin_addr) != 1)
			exit(64);
	}
	sa.sin_port = htons((uint16_t)atoi(colon ? colon + 1 : s));
	return sa;
}

/* one direction: fd[0] to fd[1] until EOF (then half-close) or an error */
static void *pump(void *arg)
{
	int *fd = arg, p[2];
	ssize_t n = -1, m;

	if (pipe2(p, O_CLOEXEC) == 0) {
		fcntl(p[1], F_SETPIPE_SZ, PIPE_SZ);
		while ((n = splice(fd[0], NULL, p[1], NULL, PIPE_SZ, SPLICE_F_MOVE)) > 0)
			for (; n > 0; n -= m)
				if ((m = splice(p[0], NULL, fd[1], NULL, (size_t)n,
						SPLICE_F_MOVE)) <= 0)
					goto out;
	}
out:
	shutdown(fd[1], n == 0 ? SHUT_WR : SHUT_RDWR);
	if (n != 0)
		shutdown(fd[0], SHUT_RDWR);
	return NULL;
}

static void reap(int sig)
{
	int e = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = e;
}

int main(int argc, char **argv)
{
	struct sockaddr_in la, ta;
	struct sigaction sa = { .sa_handler = reap, .sa_flags = SA_RESTART };
	int l, c, one = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: floor-splice LISTEN TARGET\n");
		return 64;
	}
	la = addr(argv[1]);
	ta = addr(argv[2]);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&la, sizeof(la)) || listen(l, 4096)) {
		perror("floor-splice: listen");
		return 1;
	}
	for (;;) {
		if ((c = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		if (fork() == 0) {
			int up[2] = { c, socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) };
			int down[2] = { up[1], c };
			pthread_t t;

			close(l);
			if (connect(up[1], (struct sockaddr *)&ta, sizeof(ta)))
				_exit(1);
			if (pthread_create(&t, NULL, pump, up))
				_exit(1);
			pump(down);
			pthread_join(t, NULL);
			_exit(0);
		}
		close(c);
	}
}
