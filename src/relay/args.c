/* SPDX-License-Identifier: MIT
 *
 * args.c - bro-relay's command line, parsed without a syscall (unit tests
 * and the fuzzer of addresses run it on anything).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "parse.h"

int endpoint_parse(const char *s, struct endpoint *e)
{
	memset(e, 0, sizeof(*e));
	e->text = s;
	if (strncmp(s, "tcp:", 4) == 0) {
		const char *p = s + 4, *c = strrchr(p, ':'), *b = strrchr(p, ']');

		/* a port is required: no systemd-socket-proxyd default */
		if (!c || (b && c < b) || p[0] == '/' || p[0] == '@')
			return -EINVAL;
		e->tcp = true;
		return addr_parse(p, &e->a);
	}
	if (strncmp(s, "unix:", 5) == 0) {
		if (s[5] != '/' && s[5] != '@')
			return -EINVAL;
		return addr_parse(s + 5, &e->a);
	}
	return -EINVAL;
}

int relay_args_parse(int argc, char **argv, struct relay_args *a, char *err,
		     size_t errsize)
{
	const char *v, *opt = "";
	bool to_set = false;
	uint64_t n;
	int i;

	memset(a, 0, sizeof(*a));
	a->ready_fd = -1;
	a->conns_max = RELAY_CONNS_MAX_DEFAULT;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			snprintf(err, errsize,
"usage: bro-relay [--listen tcp:HOST:PORT|unix:PATH] --to unix:PATH|tcp:HOST:PORT\n"
"                 [--ready-fd N] [--parent-pid PID] [--connections-max N]\n"
"  --listen ADDR         where to listen; without it, the socket passed by\n"
"                        socket activation (LISTEN_FDS=1)\n"
"  --to ADDR             where each connection goes; a unix socket is pinned\n"
"                        by inode at start\n"
"  --ready-fd N          write \"ready\\n\" to fd N, then close it, once listening\n"
"  --parent-pid PID      exit at once unless PID is still the parent (the\n"
"                        parent-death signal's race)\n"
"  --connections-max N   connections open at once (default %d)\n",
				 RELAY_CONNS_MAX_DEFAULT);
			return 1;
		}
		if (!strcmp(argv[i], "--version")) {
			snprintf(err, errsize, "bro-relay %s\n", BRO_VERSION);
			return 1;
		}
		if (parse_long_option("--listen", argc, argv, &i, &v)) {
			opt = "--listen";
			if (!v || endpoint_parse(v, &a->listen) < 0)
				goto bad_addr;
			a->listen_set = true;
		} else if (parse_long_option("--to", argc, argv, &i, &v)) {
			opt = "--to";
			if (!v || endpoint_parse(v, &a->to) < 0)
				goto bad_addr;
			to_set = true;
		} else if (parse_long_option("--ready-fd", argc, argv, &i, &v)) {
			if (!v || parse_u64(v, 3, 1 << 20, &n) < 0) {
				snprintf(err, errsize, "--ready-fd=%s: an fd number 3 or more expected",
					 v ? v : "");
				return -EINVAL;
			}
			a->ready_fd = (int)n;
		} else if (parse_long_option("--parent-pid", argc, argv, &i, &v)) {
			if (!v || parse_pid(v, &a->parent) < 0) {
				snprintf(err, errsize, "--parent-pid=%s: not a PID", v ? v : "");
				return -EINVAL;
			}
		} else if (parse_long_option("--connections-max", argc, argv, &i, &v)) {
			if (!v || parse_u64(v, 1, 65536, &n) < 0) {
				snprintf(err, errsize, "--connections-max=%s: 1-65536 expected",
					 v ? v : "");
				return -EINVAL;
			}
			a->conns_max = (unsigned)n;
		} else {
			snprintf(err, errsize, "unknown argument '%.64s' (--help)", argv[i]);
			return -EINVAL;
		}
		continue;
bad_addr:
		snprintf(err, errsize, "%s=%.128s: tcp:HOST:PORT or unix:PATH expected (IPv6 in brackets, a port 1-65535, an absolute path or @name)",
			 opt, v ? v : "");
		return -EINVAL;
	}
	if (!to_set) {
		snprintf(err, errsize, "no --to ADDR (unix:PATH or tcp:HOST:PORT)");
		return -EINVAL;
	}
	return 0;
}
