/* SPDX-License-Identifier: MIT */
#ifndef BRO_HELPER_ARGS_H
#define BRO_HELPER_ARGS_H

#include <stdbool.h>
#include <stddef.h>

enum userns_mode { USERNS_AUTO, USERNS_NEVER, USERNS_ALWAYS };

struct helper_args {
	int pid;			/* --pid, 0 when --netns-path is used */
	const char *path;		/* --netns-path, NULL when --pid is used */
	enum userns_mode userns;
	bool allow_new_privs;
	bool help, version;
	char **cmd;			/* NULL-terminated, after "--" */
};

/**
 * helper_args_parse() - parse bro-helper's command line; reads argv only
 * @argc, @argv:	as given to main()
 * @a:			filled in on success
 * @err, @errlen:	one-line reason on failure
 *
 * Return: 0 on success (also for --help/--version), -1 on a usage error
 */
int helper_args_parse(int argc, char **argv, struct helper_args *a,
		      char *err, size_t errlen);

#endif
