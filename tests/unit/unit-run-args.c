/* SPDX-License-Identifier: MIT
 * unit-run-args - bro-run's command line: bwrap's options, their order,
 * their refusals, --args FD (through a fake reader) */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "tap.h"

static struct run_opts o;
static char warned[256];
static const char *fake_data;
static size_t fake_len;

static void warn_cb(const char *m)
{
	snprintf(warned, sizeof(warned), "%s", m);
}

static int fake_read(int fd, char **buf, size_t *len)
{
	if (fd != 3)
		return -EBADF;
	*buf = malloc(fake_len + 1);
	memcpy(*buf, fake_data, fake_len);
	(*buf)[fake_len] = '\0';
	*len = fake_len;
	return 0;
}

static int parse(int dummy, ...)
{
	static char *argv[64];
	int argc = 0;
	va_list ap;

	run_opts_free(&o);
	run_opts_init(&o, 0);
	o.read_fd = fake_read;
	o.warn = warn_cb;
	warned[0] = '\0';
	argv[argc++] = "bro-run";
	va_start(ap, dummy);
	while (argc < 63 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	return run_args_parse(&o, argc, argv);
}
#define PARSE(...) parse(0, __VA_ARGS__, (char *)NULL)
#define FAKE(lit) (fake_data = (lit), fake_len = sizeof(lit) - 1)

int main(void)
{
	is_int(PARSE("--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
		     "--", "sh", "-c", "x"), 0, "binds, --dev, --proc, -- cmd");
	is_int(o.nops, 3, "three operations");
	ok(o.ops[0].type == OP_BIND && o.ops[0].flags == OPF_RO, "--ro-bind");
	ok(o.ops[1].type == OP_DEV && !strcmp(o.ops[1].dest, "/dev"), "--dev");
	ok(o.ops[2].type == OP_PROC, "--proc");
	is_int(o.ncmd, 3, "the command");
	is_str(o.cmd[0], "sh", "cmd[0]");

	is_int(PARSE("--dev-bind-try", "a", "b", "--bind-try", "c", "d", "true"),
	       0, "-try forms");
	ok(o.ops[0].flags == (OPF_DEV | OPF_TRY) && o.ops[1].flags == OPF_TRY,
	   "flags");
	is_str(o.cmd[0], "true", "the command ends the options");

	is_int(PARSE("--", "--dev-bind", "/dev", "/dev"), 0, "-- defangs options");
	is_str(o.cmd[0], "--dev-bind", "the command is --dev-bind");
	is_int(o.nops, 0, "and no operation");

	is_int(PARSE("--unshare-all", "--share-net", "x"), 0, "--unshare-all --share-net");
	ok(o.unshare_pid && o.unshare_ipc && o.unshare_uts && o.unshare_user_try &&
	   o.unshare_cgroup_try && !o.unshare_net && !o.unshare_user,
	   "all but net; user and cgroup only tried");

	is_int(PARSE("--perms", "01777", "--size", "1048576", "--tmpfs", "/t",
		     "--perms", "0640", "--file", "5", "/f", "x"), 0,
	       "--perms/--size modify the next op");
	ok(o.ops[0].perms == 01777 && o.ops[0].size == 1048576, "tmpfs mode, size");
	ok(o.ops[1].perms == 0640 && o.ops[1].fd == 5, "file mode, fd");
	is_int(PARSE("--dir", "/d", "x"), 0, "--dir without --perms");
	is_int(o.ops[0].perms, -1, "  default mode");

	is_int(PARSE("--perms", "0640", "--perms", "0640", "--tmpfs", "/a", "x"), -1,
	       "--perms twice");
	is_str(o.err, "--perms given twice for the same action", "  message");
	is_int(PARSE("--perms", "0640", "--chdir", "/", "x"), -1, "--perms before --chdir");
	is_str(o.err, "--perms must be followed by an option that creates a file", "  message");
	is_int(PARSE("--perms", "08", "--dir", "/a", "x"), -1, "--perms 08");
	is_int(PARSE("--perms", "10000", "--dir", "/a", "x"), -1, "--perms over 07777");
	is_int(PARSE("--size", "1", "--dir", "/a", "x"), -1, "--size before --dir");
	is_str(o.err, "--size must be followed by --tmpfs", "  message");
	is_int(PARSE("--size", "0", "--tmpfs", "/a", "x"), -1, "--size 0");
	is_int(PARSE("--size", "", "--tmpfs", "/a", "x"), -1, "--size ''");
	is_int(PARSE("--size", "-1", "--tmpfs", "/a", "x"), -1, "--size -1");
	is_int(PARSE("--size", " 1", "--tmpfs", "/a", "x"), -1, "--size ' 1'");
	is_int(PARSE("--size", "123bogus", "--tmpfs", "/a", "x"), -1, "--size 123bogus");
	is_int(PARSE("--size", "18446744073709551616", "--tmpfs", "/a", "x"), -1, "--size 2^64");
	is_int(PARSE("--size", "9223372036854775809", "--tmpfs", "/a", "x"), -1, "--size 2^63+1");
	is_int(PARSE("--size", "9223372036854775807", "--tmpfs", "/a", "x"), 0, "--size SIZE_MAX/2");

	is_int(PARSE("--chmod", "1755", "/d", "x"), 0, "--chmod");
	ok(o.ops[0].type == OP_CHMOD && o.ops[0].perms == 01755, "  mode");
	is_int(PARSE("--chmod", "", "/d", "x"), -1, "--chmod ''");

	is_int(PARSE("--info-fd", "0a", "x"), -1, "--info-fd 0a");
	is_str(o.err, "Invalid fd: 0a", "  message");
	is_int(PARSE("--add-seccomp-fd", "-1", "x"), -1, "--add-seccomp-fd -1");
	is_str(o.err, "Invalid fd: -1", "  message");
	is_int(PARSE("--add-seccomp-fd", "3", "--seccomp", "4", "x"), -1,
	       "--add-seccomp-fd then --seccomp");
	is_str(o.err, "--seccomp cannot be combined with --add-seccomp-fd", "  message");
	is_int(PARSE("--seccomp", "3", "--add-seccomp-fd", "4", "x"), -1,
	       "--seccomp then --add-seccomp-fd");
	is_int(PARSE("--add-seccomp-fd", "3", "--add-seccomp-fd", "4", "x"), 0,
	       "--add-seccomp-fd twice");
	is_int(o.nseccomp, 2, "  two programs");

	is_int(PARSE("--cap-add", "ALL", "--cap-drop", "CAP_KILL", "--cap-drop",
		     "cap_sys_admin", "x"), 0, "--cap-add ALL, --cap-drop two");
	ok(!(o.caps & (1ULL << 5)) && !(o.caps & (1ULL << 21)) && (o.caps & 1) &&
	   o.caps_given, "  the set");
	is_int(PARSE("--cap-add", "CAP_NOPE", "x"), -1, "unknown capability");
	is_int(run_cap_from_name("checkpoint_restore"), 40, "cap 40 by name");

	is_int(PARSE("--chdir", "/a", "--chdir", "/b", "x"), 0, "--chdir twice");
	is_str(o.chdir, "/b", "  the last wins");
	is_str(warned, "Only the last --chdir option will take effect", "  with a warning");

	is_int(PARSE("--argv0", "a", "--argv0", "b", "x"), -1, "--argv0 twice");
	is_int(PARSE("--setenv", "A"), -1, "--setenv with one argument");
	is_str(o.err, "--setenv takes two arguments", "  message");
	is_int(PARSE("--bind", "a"), -1, "--bind with one argument");
	is_int(PARSE("--nope", "x"), -1, "unknown option");
	is_str(o.err, "Unknown option --nope", "  message");
	is_int(PARSE("--uid", "1x", "x"), -1, "--uid 1x");

	is_int(PARSE("--overlay", "u", "w", "/d", "x"), -1, "--overlay without sources");
	is_str(o.err, "--overlay requires at least one --overlay-src", "  message");
	is_int(PARSE("--overlay-src", "a", "--ro-overlay", "/d", "x"), -1,
	       "--ro-overlay with one source");
	is_int(PARSE("--overlay-src", "a", "--overlay-src", "b", "--ro-overlay",
		     "/d", "x"), 0, "--ro-overlay with two");
	is_int(PARSE("--overlay-src", "a", "--chdir", "/", "x"), -1,
	       "--overlay-src then --chdir");
	is_int(PARSE("--overlay-src", "a", "x"), -1, "--overlay-src then the command");
	is_int(PARSE("--overlay-src", "a"), -1, "--overlay-src last");

	FAKE("--dir\0/a\0--setenv\0K\0V\0");
	is_int(PARSE("--args", "3", "--dir", "/b", "x"), 0, "--args 3");
	is_int(o.nops, 2, "  its --dir and ours");
	is_str(o.ops[0].dest, "/a", "  in order");
	ok(o.nenv == 1 && !strcmp(o.env[0].value, "V"), "  --setenv from the file");
	FAKE("--dir\0/a");
	is_int(PARSE("--args", "3", "x"), 0, "--args: a last argument without NUL");
	is_str(o.ops[0].dest, "/a", "  still read");
	FAKE("--args\0003\0");
	is_int(PARSE("--args", "3", "x"), -1, "--args inside --args");
	is_str(o.err, "--args not supported in arguments file", "  message");
	is_int(PARSE("--args", "4", "x"), -1, "--args: an unreadable fd");
	FAKE("sh\0-c\0true\0");
	is_int(PARSE("--ro-bind", "/", "/", "--args", "3"), 0, "--args: the command from the file");
	ok(o.ncmd == 3 && !strcmp(o.cmd[2], "true"), "  all of it");

	/* bro-run's own options (args-sandbox.c) */
	is_int(PARSE("--seccomp-unix-block", "--seccomp-hardening", "--ro-bind", "/", "/", "x"), 0,
	       "--seccomp-unix-block --seccomp-hardening");
	ok(o.seccomp_unix_block && o.seccomp_hardening && !o.no_userns && o.nops == 1,
	   "  both set, the bind kept");
	is_int(PARSE("--seccomp-allow-userns", "x"), -1, "--seccomp-allow-userns alone");
	is_str(o.err, "--seccomp-allow-userns needs --seccomp-hardening", "  message");
	is_int(PARSE("--no-userns", "--seccomp-allow-userns", "x"), 0,
	       "--seccomp-allow-userns with --no-userns (hardening implied)");
	is_int(PARSE("--no-userns", "--landlock-allow-connect", "5432", "--landlock-allow-bind", "0",
		     "--landlock-allow-connect", "65535", "--allow-weaker", "x"), 0,
	       "--no-userns with ports and --allow-weaker");
	ok(o.nll_connect == 2 && o.ll_connect[0] == 5432 && o.ll_connect[1] == 65535 &&
	   o.nll_bind == 1 && o.ll_bind[0] == 0 && o.allow_weaker, "  ports kept in order");
	is_int(PARSE("--no-userns", "--landlock-allow-bind", "65536", "x"), -1, "port 65536");
	is_str(o.err, "--landlock-allow-bind: not a TCP port (0-65535): 65536", "  message");
	is_int(PARSE("--no-userns", "--landlock-allow-bind", "-1", "x"), -1, "port -1");
	is_int(PARSE("--no-userns", "--landlock-allow-bind", "", "x"), -1, "empty port");
	is_int(PARSE("--no-userns", "--landlock-allow-bind", "0x50", "x"), -1, "hex port");
	is_int(PARSE("--no-userns", "--landlock-allow-bind", "000080", "x"), -1, "six digits");
	is_int(PARSE("--no-userns", "--landlock-allow-connect"), -1, "port missing");
	is_str(o.err, "--landlock-allow-connect takes an argument", "  message");
	is_int(PARSE("--landlock-allow-connect", "80", "x"), -1, "a port without --no-userns");
	is_int(PARSE("--allow-weaker", "x"), -1, "--allow-weaker without --no-userns");

	/* --egress, --egress-allow/--egress-deny, --report (args-egress.c) */
	is_int(PARSE("--egress", "socks5://alice@127.0.0.1:1080", "--egress-allow", "*.example.com:443",
		     "--egress-deny", "10.0.0.0/8", "--report", "/tmp/r.json", "x"), 0,
	       "--egress with a user, an allow, a deny, --report");
	ok(o.egress && !strcmp(o.egress, "socks5://alice@127.0.0.1:1080") && o.negress_args == 4 &&
	   !strcmp(o.egress_args[0], "--allow") && !strcmp(o.egress_args[1], "*.example.com:443") &&
	   !strcmp(o.egress_args[2], "--deny") && !strcmp(o.egress_args[3], "10.0.0.0/8") &&
	   !strcmp(o.report, "/tmp/r.json"), "  kept as bro-netns create's --allow/--deny, in order");
	is_int(PARSE("--egress", "direct", "x"), 0, "--egress direct");
	is_int(PARSE("--egress", "http://[::1]:3128", "x"), 0, "--egress http://[::1]:3128");
	is_int(PARSE("--egress", "socks5://h", "x"), -1, "--egress without a port");
	is_str(o.err, "--egress: HOST:PORT expected (IPv6 in brackets)", "  message (bro-netns's parser)");
	is_int(PARSE("--egress", "socks5://u:p@h:1", "x"), -1, "--egress with a password");
	is_int(PARSE("--egress", "Direct", "x"), -1, "--egress Direct (case matters)");
	is_int(PARSE("--egress"), -1, "--egress without a URL");
	is_str(o.err, "--egress takes an argument", "  message");
	is_int(PARSE("--egress", "direct", "--egress-deny", "a b", "x"), -1, "a pattern with a space");
	is_int(PARSE("--egress", "direct", "--egress-deny", "", "x"), -1, "an empty pattern");
	is_int(PARSE("--egress-deny", "a.example", "x"), -1, "--egress-deny without --egress");
	is_int(PARSE("--report", "r.json", "x"), 0, "--report without --egress (the seccomp part only)");
	is_int(PARSE("--egress", "direct", "--report", "", "x"), -1, "--report with no name");
	is_int(PARSE("--egress", "direct", "--no-userns", "x"), -1, "--egress with --no-userns");
	/* --egress-netns NAME */
	is_int(PARSE("--no-userns", "--egress-netns", "a-b_c.1", "x"), 0, "--egress-netns a-b_c.1");
	ok(o.egress_netns && !strcmp(o.egress_netns, "a-b_c.1") && o.egress_netns_at &&
	   !strcmp(o.egress_netns_at[0], "--egress-netns"), "  recorded with its place");
	is_int(PARSE("--egress-netns", "01234567890123456789012345678901", "x"), 0, "--egress-netns: 32 characters");
	is_int(PARSE("--egress-netns", "012345678901234567890123456789012", "x"), -1, "--egress-netns: 33 characters");
	is_int(PARSE("--egress-netns", ".a", "x"), -1, "--egress-netns .a");
	is_int(PARSE("--egress-netns", "-a", "x"), -1, "--egress-netns -a");
	is_int(PARSE("--egress-netns", "a/b", "x"), -1, "--egress-netns a/b");
	is_str(o.err, "--egress-netns: not a bro-netns namespace name: a/b", "  message");
	is_int(PARSE("--egress-netns", "", "x"), -1, "--egress-netns ''");
	is_int(PARSE("--egress-netns"), -1, "--egress-netns without a name");
	is_int(PARSE("--egress-netns", "a", "--egress-netns", "b", "x"), -1, "--egress-netns twice");
	is_int(PARSE("--egress-netns", "a", "--egress", "direct", "x"), -1, "--egress-netns with --egress");
	is_str(o.err, "--egress and --egress-netns exclude each other", "  message");
	is_int(PARSE("--egress-netns", "a", "--report", "r", "x"), -1, "--egress-netns with --report");
	is_int(PARSE("--egress-netns", "a", "--unshare-all", "x"), -1, "--egress-netns with --unshare-all");
	{
		char *v[RUN_MAX_PORTS * 2 + 8];
		int n = 0;

		run_opts_free(&o);
		run_opts_init(&o, 0);
		v[n++] = "bro-run";
		v[n++] = "--no-userns";
		for (int i = 0; i <= RUN_MAX_PORTS; i++) {
			v[n++] = "--landlock-allow-bind";
			v[n++] = "1";
		}
		v[n] = NULL;
		is_int(run_args_parse(&o, n, v), -1, "65 ports: refused");
		is_str(o.err, "--landlock-allow-bind: at most 64 ports", "  message");
	}

	/* --relay, --publish (args-relay.c) */
#define NS "--unshare-net", "--unshare-pid"
	is_int(PARSE(NS, "--relay", "5432=/run/pg.sock", "--relay", "80=10.0.0.1:8080",
		     "--relay", "81=[::1]:443", "--publish", "3000=8000", "x"), 0,
	       "--relay unix, IPv4, [IPv6], --publish");
	ok(o.nrelays == 4 && o.relays[0].port == 5432 &&
	   !strcmp(o.relays[0].unix_path, "/run/pg.sock") && !o.relays[0].host,
	   "  the unix target");
	ok(o.relays[1].port == 80 && !strcmp(o.relays[1].host, "10.0.0.1") &&
	   o.relays[1].to_port == 8080 && !o.relays[1].unix_path, "  the IPv4 target");
	ok(!strcmp(o.relays[2].host, "::1") && o.relays[2].to_port == 443, "  the IPv6 target, brackets off");
	ok(o.relays[3].publish && o.relays[3].port == 3000 && o.relays[3].to_port == 8000,
	   "  --publish: host port and sandbox port");
	is_int(PARSE(NS, "--relay", "80=::1:443", "x"), -1, "IPv6 without brackets");
	is_int(PARSE(NS, "--relay", "80=[::1]443", "x"), -1, "[IPv6] without a colon before the port");
	is_int(PARSE(NS, "--relay", "80=host.example:443", "x"), -1, "a name");
	is_str(o.err, "--relay 80=host.example:443: the host must be a numeric IPv4 address or [IPv6]",
	       "  message");
	is_int(PARSE(NS, "--relay", "80=1.2.3.4:", "x"), -1, "no target port");
	is_int(PARSE(NS, "--relay", "80=1.2.3.4:0", "x"), -1, "target port 0");
	is_int(PARSE(NS, "--relay", "080=/x", "x"), -1, "a leading zero");
	is_int(PARSE(NS, "--relay", "=/x", "x"), -1, "no port");
	is_int(PARSE(NS, "--relay", "80", "x"), -1, "no =");
	is_int(PARSE(NS, "--relay", "80=x.sock", "x"), -1, "a relative path");
	is_int(PARSE(NS, "--relay"), -1, "--relay without its argument");
	is_str(o.err, "--relay takes an argument", "  message");
	is_int(PARSE(NS, "--publish", "80=", "x"), -1, "--publish without a sandbox port");
	is_int(PARSE(NS, "--publish", "80=1.2.3.4:80", "x"), -1, "--publish to an address");
	is_int(PARSE(NS, "--publish", "80=1", "--publish", "80=2", "x"), -1, "a host port published twice");
	is_int(PARSE(NS, "--publish", "80=1", "--relay", "80=/x", "x"), 0,
	       "the same number on both sides is no clash");
	is_int(PARSE("--unshare-net", "--relay", "80=/x", "x"), -1, "--relay without --unshare-pid");
	is_int(PARSE("--unshare-all", "--share-net", "--relay", "80=/x", "x"), -1,
	       "--relay after --share-net");
	is_int(PARSE("--unshare-all", "--relay", "80=/x", "x"), 0, "--relay with --unshare-all");
	is_int(PARSE("--no-userns", "--relay", "80=/x", "x"), -1, "--relay with --no-userns");
	{
		char p[200];

		memset(p, 'a', sizeof(p));
		memcpy(p, "80=/", 4);
		p[sizeof(p) - 1] = '\0';
		is_int(PARSE(NS, "--relay", p, "x"), -1, "a unix path longer than sun_path");
	}
#undef NS
	/* --allow-unix */
	is_int(PARSE("--seccomp-unix-block", "--allow-unix", "/run/a.sock", "--allow-unix", "/b", "x"), 0,
	       "--allow-unix twice");
	ok(o.nallow_unix == 2 && !strcmp(o.allow_unix[1], "/b"), "  both kept");
	is_int(PARSE("--allow-unix", "/a", "x"), -1, "--allow-unix without --seccomp-unix-block");
	is_str(o.err, "--allow-unix needs --seccomp-unix-block", "  message");
	is_int(PARSE("--seccomp-unix-block", "--allow-unix", "a.sock", "x"), -1, "a relative path");
	is_int(PARSE("--seccomp-unix-block", "--allow-unix"), -1, "no argument");
	is_int(PARSE("--no-userns", "--seccomp-unix-block", "--allow-unix", "/a", "x"), -1,
	       "with --no-userns");

	{
		char buf[] = "a\0bb\0\0c";
		char *v[8];

		is_int(run_args_split(buf, sizeof(buf) - 1, v, 8), 4, "split: empty args kept");
		is_str(v[2], "", "  the empty one");
		is_int(run_args_split(buf, sizeof(buf) - 1, v, 3), -1, "split: over the limit");
	}
	run_opts_free(&o);
	return tap_done();
}
