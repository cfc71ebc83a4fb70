// SPDX-License-Identifier: MIT
/*
 * bro-idlewatch - stop an on-demand container that serves the host's socket
 * itself (libbro-sockact.so) once that socket has had no connection for
 * --idle: no relay is in the path to notice. Holds nothing: it reads the
 * socket's connections through sock_diag, in the host's network namespace
 * where the accepted sockets live, every --interval.
 *
 *   bro-idlewatch --listen ADDR:PORT --idle SPAN [--interval SPAN] -- CMD [ARGS...]
 *
 * When idle for SPAN, it runs CMD (e.g. podman stop NAME) by exec, so CMD's
 * exit status is the watcher's. Errors: one line, exit 1; bad usage: 64.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "diag.h"
#include "log.h"
#include "parse.h"

#define EX_USAGE 64

static void usage_die(const char *what, const char *val)
{
	if (val)
		fprintf(stderr, "bro-idlewatch: %s '%s' (see bro-idlewatch --help)\n", what, val);
	else
		fprintf(stderr, "bro-idlewatch: %s (see bro-idlewatch --help)\n", what);
	exit(EX_USAGE);
}

static uint64_t now_usec(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	const char *val, *listen = NULL;
	uint64_t idle = 0, interval = 1000000, last, t;
	struct addr a;
	char str[ADDR_STR_MAX];
	bool have_idle = false, was_busy = true;
	int i, n;

	log_init("bro-idlewatch");
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "--help")) {
			printf("usage: bro-idlewatch --listen ADDR:PORT --idle SPAN "
			       "[--interval SPAN] -- CMD [ARGS...]\n");
			return 0;
		}
		if (parse_long_option("--listen", argc, argv, &i, &val)) {
			if (!val)
				usage_die("--listen needs ADDR:PORT", NULL);
			listen = val;
		} else if (parse_long_option("--idle", argc, argv, &i, &val)) {
			if (!val || parse_timespan_usec(val, &idle) < 0 || !idle ||
			    idle == UINT64_MAX)
				usage_die("--idle: not a time span above 0 (30s, 5min)", val);
			have_idle = true;
		} else if (parse_long_option("--interval", argc, argv, &i, &val)) {
			if (!val || parse_timespan_usec(val, &interval) < 0 ||
			    interval < 10000 || interval > 3600000000ULL)
				usage_die("--interval: not a time span from 10ms to 1h", val);
		} else {
			usage_die("unknown option", argv[i]);
		}
	}
	if (!listen || !have_idle)
		usage_die("--listen and --idle are required", NULL);
	if (i >= argc)
		usage_die("no command to run when idle (-- CMD [ARGS...])", NULL);
	if (addr_parse(listen, &a) < 0 || addr_needs_resolve(&a) ||
	    (a.sa.ss_family != AF_INET && a.sa.ss_family != AF_INET6))
		usage_die("--listen: not an IPv4 or [IPv6] literal with a port", listen);
	if (interval > idle)
		interval = idle;
	addr_str((struct sockaddr *)&a.sa, a.len, str, sizeof(str));

	last = now_usec();
	for (;;) {
		n = diag_busy((struct sockaddr *)&a.sa, a.len);
		if (n < 0) {
			log_err("sock_diag dump for %s: %s", str, strerror(-n));
			return 1;
		}
		t = now_usec();
		if (n > 0)
			last = t;
		if (!n && was_busy)
			log_debug("%s: idle", str);
		was_busy = n > 0;
		if (t - last >= idle)
			break;
		usleep((useconds_t)(interval < idle - (t - last) ? interval : idle - (t - last)));
	}
	log_info("%s: no connection for %.1f s: running %s", str,
		 (double)(t - last) / 1e6, argv[i]);
	execvp(argv[i], argv + i);
	log_err("exec %s: %s", argv[i], strerror(errno));
	return 1;
}
