/* SPDX-License-Identifier: MIT
 * unit-helper-args - bro-helper's command line */
#include "args.h"
#include "tap.h"

#include <stdarg.h>

static char err[256];

/* parse(a, arg, ..., NULL): argv kept in static storage, as a.cmd points
 * into it */
static int parse(struct helper_args *a, ...)
{
	static char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = "bro-helper";
	va_start(ap, a);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	return helper_args_parse(argc, argv, a, err, sizeof(err));
}
#define PARSE(a, ...) parse(a, __VA_ARGS__, (char *)NULL)

int main(void)
{
	struct helper_args a;

	is_int(PARSE(&a, "--pid", "42", "--", "cmd", "x"), 0, "--pid N -- cmd");
	is_int(a.pid, 42, "pid");
	is_str(a.cmd[0], "cmd", "cmd[0]");
	is_str(a.cmd[1], "x", "cmd[1]");
	ok(a.userns == USERNS_AUTO && !a.allow_new_privs, "defaults");

	is_int(PARSE(&a, "--pid=7", "--userns=never", "--allow-new-privs", "--", "c"),
	       0, "--pid=N --userns=never --allow-new-privs");
	ok(a.pid == 7 && a.userns == USERNS_NEVER && a.allow_new_privs, "values");
	is_int(PARSE(&a, "--userns", "always", "--netns-path", "/run/netns/x", "--", "c"),
	       0, "--netns-path P --userns always");
	ok(a.path && !strcmp(a.path, "/run/netns/x") && a.userns == USERNS_ALWAYS,
	   "path and mode");
	is_int(PARSE(&a, "--help"), 0, "--help");
	ok(a.help, "help set");
	is_int(PARSE(&a, "--version"), 0, "--version");
	ok(a.version, "version set");
	is_int(PARSE(&a, "--pid", "1", "--", "--pid"), 0, "options after -- belong to the command");
	is_str(a.cmd[0], "--pid", "cmd is --pid");

#define BAD(msg, ...) do {						\
	is_int(PARSE(&a, __VA_ARGS__), -1, "rejects: %s", msg);	\
	ok(err[0] != '\0', "  with a reason: %s", err);		\
} while (0)
	BAD("non-numeric pid", "--pid", "abc", "--", "c");
	BAD("zero pid", "--pid", "0", "--", "c");
	BAD("negative pid", "--pid", "-5", "--", "c");
	BAD("overflowing pid", "--pid", "99999999999999999999", "--", "c");
	BAD("pid above PID_MAX_LIMIT", "--pid", "4194305", "--", "c");
	BAD("missing --", "--pid", "5", "cmd");
	BAD("missing -- at the end", "--pid", "5");
	BAD("missing command", "--pid", "5", "--");
	BAD("empty command", "--pid", "5", "--", "");
	BAD("unknown option", "--pid", "5", "--frobnicate", "--", "c");
	BAD("abbreviated option", "--pi", "5", "--", "c");
	BAD("no target", "--", "c");
	BAD("two targets", "--pid", "5", "--netns-path", "/x", "--", "c");
	BAD("pid twice", "--pid", "5", "--pid", "6", "--", "c");
	BAD("--pid without value", "--pid");
	BAD("empty path", "--netns-path=", "--", "c");
	BAD("bad userns mode", "--userns=sometimes", "--pid", "5", "--", "c");
	BAD("userns twice", "--userns=auto", "--userns=auto", "--pid", "5", "--", "c");
	BAD("allow-new-privs twice", "--allow-new-privs", "--allow-new-privs", "--pid", "5", "--", "c");
	is_int(helper_args_parse(1, (char *[]){ "bro-helper", NULL }, &a, err,
				 sizeof(err)), -1, "rejects: no arguments");
	return tap_done();
}
