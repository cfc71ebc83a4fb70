/* SPDX-License-Identifier: MIT
 *
 * args-sandbox.c - bro-run's options beyond bubblewrap's: the built-in
 * seccomp profiles and the Landlock mode (--no-userns). Parsed here, apart
 * from bwrap's own (args.c), and checked against them in landlock.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "run.h"

/* a TCP port, 0-65535, decimal digits only (lib/parse.c) */
static int parse_port(const char *s)
{
	uint64_t v;

	/* at most 5 digits: "000080" is no port */
	return strlen(s) > 5 || parse_u64(s, 0, 65535, &v) < 0 ? -1 : (int)v;
}

int run_args_sandbox(struct run_opts *o, int argc, char **argv)
{
	static const struct { const char *name; size_t off; } flags[] = {
		{ "--seccomp-unix-block", offsetof(struct run_opts, seccomp_unix_block) },
		{ "--seccomp-hardening", offsetof(struct run_opts, seccomp_hardening) },
		{ "--seccomp-allow-userns", offsetof(struct run_opts, seccomp_allow_userns) },
		{ "--no-userns", offsetof(struct run_opts, no_userns) },
		{ "--allow-weaker", offsetof(struct run_opts, allow_weaker) },
	};
	const char *a = argv[0];
	bool connect;
	uint16_t *ports;
	size_t *n;
	int port, r;

	port = run_args_relay(o, argc, argv);	/* args-relay.c */
	if (port)
		return port;
	r = run_args_egress(o, argc, argv);	/* args-egress.c */
	if (r != 0)
		return r;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (!strcmp(a, flags[i].name)) {
			*(bool *)((char *)o + flags[i].off) = true;
			return 1;
		}
	if (strcmp(a, "--landlock-allow-connect") && strcmp(a, "--landlock-allow-bind"))
		return 0;
	connect = !strcmp(a, "--landlock-allow-connect");
	if (argc < 2)
		return run_args_fail(o, "%s takes an argument", a);
	port = parse_port(argv[1]);
	if (port < 0)
		return run_args_fail(o, "%s: not a TCP port (0-65535): %s", a, argv[1]);
	ports = connect ? o->ll_connect : o->ll_bind;
	n = connect ? &o->nll_connect : &o->nll_bind;
	if (*n == RUN_MAX_PORTS)
		return run_args_fail(o, "%s: at most %d ports", a, RUN_MAX_PORTS);
	ports[(*n)++] = (uint16_t)port;
	return 2;
}

int run_args_sandbox_done(struct run_opts *o)
{
	if (run_args_egress_done(o) < 0)
		return -1;
	if ((o->nll_connect || o->nll_bind) && !o->no_userns)
		return run_args_fail(o, "--landlock-allow-connect/--landlock-allow-bind need --no-userns");
	if (o->allow_weaker && !o->no_userns)
		return run_args_fail(o, "--allow-weaker needs --no-userns");
	if (o->seccomp_allow_userns && !o->seccomp_hardening && !o->no_userns)
		return run_args_fail(o, "--seccomp-allow-userns needs --seccomp-hardening");
	return run_args_relay_done(o);	/* args-relay.c */
}
