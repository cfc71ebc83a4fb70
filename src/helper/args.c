/* SPDX-License-Identifier: MIT
 *
 * args.c - bro-helper's command line:
 *	bro-helper [--userns=auto|never|always] [--allow-new-privs]
 *		   (--pid PID | --netns-path PATH) -- CMD [ARGS...]
 * Options come before "--", each at most once; "--opt VALUE" and
 * "--opt=VALUE" are both accepted. Nothing is guessed or abbreviated.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "parse.h"

/* option_value() - parse_long_option(), with the error for a missing value */
static int option_value(const char *name, int argc, char **argv, int *i,
			const char **val, char *err, size_t errlen)
{
	if (!parse_long_option(name, argc, argv, i, val))
		return 0;
	if (!*val)
		snprintf(err, errlen, "%s needs a value", name);
	return 1;
}

int helper_args_parse(int argc, char **argv, struct helper_args *a,
		      char *err, size_t errlen)
{
	bool seen_userns = false, separator = false;
	int i;

	memset(a, 0, sizeof(*a));
	err[0] = '\0';
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *v = NULL;

		if (!strcmp(arg, "--")) {
			separator = true;
			i++;
			break;
		}
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			a->help = true;
			return 0;
		}
		if (!strcmp(arg, "--version")) {
			a->version = true;
			return 0;
		}
		if (!strcmp(arg, "--allow-new-privs")) {
			if (a->allow_new_privs)
				goto twice;
			a->allow_new_privs = true;
		} else if (option_value("--pid", argc, argv, &i, &v, err,
					errlen)) {
			int r;

			if (!v)
				return -1;
			if (a->pid || a->path)
				goto target_twice;
			r = parse_pid(v, &a->pid);
			if (r < 0) {
				snprintf(err, errlen, "--pid %.32s: %s", v,
					 r == -ERANGE ?
					 "out of range (1 to 4194304)" :
					 "not a process ID (decimal digits only)");
				return -1;
			}
		} else if (option_value("--netns-path", argc, argv, &i, &v,
					err, errlen)) {
			if (!v)
				return -1;
			if (a->pid || a->path)
				goto target_twice;
			if (!*v) {
				snprintf(err, errlen, "--netns-path: empty path");
				return -1;
			}
			a->path = v;
		} else if (option_value("--userns", argc, argv, &i, &v, err,
					errlen)) {
			if (!v)
				return -1;
			if (seen_userns)
				goto twice;
			seen_userns = true;
			if (!strcmp(v, "auto"))
				a->userns = USERNS_AUTO;
			else if (!strcmp(v, "never"))
				a->userns = USERNS_NEVER;
			else if (!strcmp(v, "always"))
				a->userns = USERNS_ALWAYS;
			else {
				snprintf(err, errlen,
					 "--userns %.32s: expected auto, never or always",
					 v);
				return -1;
			}
		} else if (arg[0] == '-') {
			snprintf(err, errlen, "unknown option %.64s", arg);
			return -1;
		} else {
			snprintf(err, errlen,
				 "missing -- before the command (%.64s)", arg);
			return -1;
		}
	}
	if (!a->pid && !a->path) {
		snprintf(err, errlen, "one of --pid or --netns-path is needed");
		return -1;
	}
	if (!separator) {
		snprintf(err, errlen, "missing -- and the command");
		return -1;
	}
	if (i >= argc || !argv[i][0]) {
		snprintf(err, errlen, "missing command after --");
		return -1;
	}
	a->cmd = argv + i;
	return 0;

twice:
	snprintf(err, errlen, "%.64s given twice", argv[i]);
	return -1;
target_twice:
	snprintf(err, errlen, "give exactly one of --pid or --netns-path");
	return -1;
}
