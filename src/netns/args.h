/* SPDX-License-Identifier: MIT */
#ifndef BRO_NETNS_ARGS_H
#define BRO_NETNS_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon.h"

#define POLICY_ARGS_MAX	1024	/* --allow, --deny, --policy-file on one line */

/**
 * struct policy_args - --allow PATTERN, --deny PATTERN and --policy-file
 *			FILE, in the order given
 * @kind:	'a' allow, 'd' deny, 'f' a policy file
 * @arg:	the pattern or the file's name (from argv)
 */
struct policy_args {
	struct {
		char kind;
		const char *arg;
	} item[POLICY_ARGS_MAX];
	int n;
};

/**
 * struct create_args - bro-netns create's options
 * @name:	--name, or NULL for the first free "netnsN"
 * @proxy_text:	--proxy as given (for list, credentials masked)
 * @pass_file:	--proxy-password-file, or NULL
 * @pass_stdin:	--proxy-password-stdin
 * @conf:	proxy, DNS mode and bridges (listeners not yet opened:
 *		bridges[i].fd is -1); no policy yet, statefd -1
 * @pol:	the policy's options, to be read (policy files) and parsed
 */
struct create_args {
	const char *name;
	const char *proxy_text;
	const char *pass_file;
	bool pass_stdin;
	struct netns_conf conf;
	struct policy_args pol;
};

/**
 * create_args_parse() - parse "create" options (argv[0] is "create")
 * Return: 0, 1 for --help, -EINVAL with a message in @err
 */
int create_args_parse(int argc, char **argv, struct create_args *a,
		      char *err, size_t size);

/**
 * policy_args_parse() - "policy NAME (--allow P | --deny P | --policy-file
 *			 F)..." (argv[0] is "policy")
 * @name:	set to NAME
 * Return: 0, 1 for --help, -EINVAL with a message in @err
 */
int policy_args_parse(int argc, char **argv, const char **name,
		      struct policy_args *pa, char *err, size_t size);

/**
 * bridge_parse() - [HOSTADDR:]PORT[:NSPORT], HOSTADDR a literal IPv4 or
 *		    [IPv6] address (default 127.0.0.1), NSPORT default PORT
 * Return: 0 or -EINVAL
 */
int bridge_parse(const char *s, struct bridge *b);

/* dns_parse() - "fake" or tcp://RESOLVER[:PORT]; Return: 0 or -EINVAL */
int dns_parse(const char *s, enum dns_mode *mode, struct target *t);

#endif
