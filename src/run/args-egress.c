/* SPDX-License-Identifier: MIT
 *
 * args-egress.c - bro-run's --egress PROXY_URL, --egress-allow/--egress-deny
 * PATTERN and --report FILE. The URL is checked by bro-netns's own parser
 * (src/netns/proxy.c), so a bad one is refused in one line before anything
 * exists; patterns go to bro-netns create as they are (it refuses a bad one
 * in one line, before it makes anything).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"
#include "run.h"

/* bro-netns's name rule (src/netns/state.c name_valid(), not linked here:
 * it brings the control-socket code): 1-32 of [A-Za-z0-9_.-], not starting
 * with '.' or '-'. bro-netns exec checks it again. */
static bool netns_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32 || s[0] == '.' || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
			return false;
	return true;
}

#define EGRESS_MAX_RULES	256

static int add_rule(struct run_opts *o, const char *flag, const char *pat)
{
	if (!*pat || pat[0] == '-')
		return run_args_fail(o, "%s: not a pattern: %.80s", flag, pat);
	for (const char *p = pat; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return run_args_fail(o, "%s: a pattern has no spaces or control characters: %.80s",
				   flag, pat);
	if (o->negress_args + 2 > 2 * EGRESS_MAX_RULES)
		return run_args_fail(o, "%s: at most %d patterns", flag, EGRESS_MAX_RULES);
	if (o->negress_args + 2 > o->egress_args_cap) {
		size_t cap = o->egress_args_cap ? 2 * o->egress_args_cap : 16;
		const char **n = realloc(o->egress_args, cap * sizeof(*n));

		if (!n)
			return run_args_fail(o, "%s: out of memory", flag);
		o->egress_args = n;
		o->egress_args_cap = cap;
	}
	o->egress_args[o->negress_args++] =
		!strcmp(flag, "--egress-allow") ? "--allow" : "--deny";
	o->egress_args[o->negress_args++] = pat;
	return 2;
}

int run_args_egress(struct run_opts *o, int argc, char **argv)
{
	const char *a = argv[0], *why;
	struct proxy_url u;

	if (strcmp(a, "--egress") && strcmp(a, "--egress-allow") &&
	    strcmp(a, "--egress-deny") && strcmp(a, "--report") &&
	    strcmp(a, "--egress-netns"))
		return 0;
	if (argc < 2)
		return run_args_fail(o, "%s takes an argument", a);
	if (!strcmp(a, "--egress-netns")) {
		if (o->egress_netns)
			return run_args_fail(o, "--egress-netns given twice");
		if (!netns_name_ok(argv[1]))
			return run_args_fail(o, "--egress-netns: not a bro-netns namespace name: %.40s",
				   argv[1]);
		o->egress_netns = argv[1];
		o->egress_netns_at = argv;
		return 2;
	}
	if (!strcmp(a, "--report")) {
		if (!*argv[1])
			return run_args_fail(o, "--report: an empty file name");
		o->report = argv[1];
		return 2;
	}
	if (strcmp(a, "--egress"))
		return add_rule(o, a, argv[1]);
	if (o->egress)
		return run_args_fail(o, "--egress given twice");
	if (strcmp(argv[1], "direct") &&
	    proxy_url_parse(argv[1], &u, &why) < 0)
		return run_args_fail(o, "--egress: %s", why);
	o->egress = argv[1];
	return 2;
}

int run_args_egress_done(struct run_opts *o)
{
	if (o->egress && o->egress_netns)
		return run_args_fail(o, "--egress and --egress-netns exclude each other");
	if (o->negress_args && !o->egress)
		return run_args_fail(o, "--egress-allow/--egress-deny need --egress");
	if (o->egress && o->no_userns)
		return run_args_fail(o, "--egress with --no-userns needs an existing namespace: "
			   "use --egress-netns NAME (bro-netns create NAME ...)");
	if (o->egress_netns && o->report)
		return run_args_fail(o, "--report with --egress-netns is not supported (no process outlives the command to write it)");
	if (o->egress_netns && o->unshare_net)
		return run_args_fail(o, "--egress-netns with --unshare-net (or --unshare-all) would leave the egress namespace");
	if (o->egress_netns && o->nrelays)
		return run_args_fail(o, "--egress-netns with --relay/--publish is not supported (the relays would run inside the egress namespace)");
	if (o->egress && o->userns_fd >= 0)
		return run_args_fail(o, "--egress is not compatible with --userns (the sandbox's user namespace is made inside the egress namespace's)");
	if (o->egress && o->nrelays)
		return run_args_fail(o, "--egress with --relay/--publish is not supported yet (the relays would run inside the egress namespace)");
	if (o->report && o->no_userns)
		return run_args_fail(o, "--report with --no-userns is not supported (the command replaces bro-run: no process outlives it to write the report)");
	return 0;
}
