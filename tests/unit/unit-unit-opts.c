/* SPDX-License-Identifier: MIT
 * unit-unit-opts - bro-unit's command line and its validators */
#include "opts.h"
#include "tap.h"

#include <stdarg.h>
#include <stdint.h>

static char err[512];
static struct unit_opts o;

/* parse(arg, ..., NULL); argv kept static, as o points into it */
static int parse(const char *first, ...)
{
	static char *argv[40];
	int argc = 0;
	va_list ap;

	argv[argc++] = "bro-unit";
	argv[argc++] = (char *)first;
	va_start(ap, first);
	while (argc < 39 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	return unit_opts_parse(argc, argv, &o, err, sizeof(err));
}
#define PARSE(...) parse(__VA_ARGS__, (char *)NULL)

#define BAD(what, ...) do {						\
	is_int(PARSE(__VA_ARGS__), -1, "rejects %s", what);		\
	ok(err[0] && !strchr(err, '\n'), "  one line: %s", err);	\
} while (0)

#define A "--container", "pg", "--target", "127.0.0.1:5432"

int main(void)
{
	char buf[UNIT_ADDR_MAX], tb[32];

	/* names */
	ok(!unit_name_valid("pg"), "name pg");
	ok(!unit_name_valid("a_b.c-9"), "name a_b.c-9");
	ok(!unit_name_valid("9"), "name 9");
	ok(unit_name_valid("") != NULL, "empty name");
	ok(unit_name_valid("-x") != NULL, "leading -");
	ok(unit_name_valid(".x") != NULL, "leading .");
	ok(unit_name_valid("a b") != NULL, "space");
	ok(unit_name_valid("a/b") != NULL, "slash");
	ok(unit_name_valid("a@b") != NULL, "@");
	ok(unit_name_valid("ä") != NULL, "non-ASCII");
	{
		char longname[200];

		memset(longname, 'a', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		ok(unit_name_valid(longname) != NULL, "200 bytes");
		longname[128] = '\0';
		ok(!unit_name_valid(longname), "128 bytes");
	}

	/* addresses */
	ok(!unit_parse_inet("5432", false, buf) && !strcmp(buf, "127.0.0.1:5432"),
	   "bare port means loopback: %s", buf);
	ok(!unit_parse_inet("0.0.0.0:80", false, buf) && !strcmp(buf, "0.0.0.0:80"),
	   "0.0.0.0:80");
	ok(!unit_parse_inet("[::1]:5432", true, buf) && !strcmp(buf, "[::1]:5432"),
	   "[::1]:5432");
	ok(!unit_parse_inet("1", false, buf) && !unit_parse_inet("65535", false, buf),
	   "ports 1 and 65535");
	ok(unit_parse_inet("0", false, buf) != NULL, "port 0");
	ok(unit_parse_inet("65536", false, buf) != NULL, "port 65536");
	ok(unit_parse_inet("70000", false, buf) != NULL, "port 70000");
	ok(unit_parse_inet("-1", false, buf) != NULL, "port -1");
	ok(unit_parse_inet("+80", false, buf) != NULL, "port +80");
	ok(unit_parse_inet("0x50", false, buf) != NULL, "port 0x50");
	ok(unit_parse_inet("99999999999999999999999", false, buf) != NULL,
	   "overflowing port");
	ok(unit_parse_inet("5432", true, buf) != NULL, "address required");
	ok(unit_parse_inet("localhost:5432", true, buf) != NULL, "host names");
	ok(unit_parse_inet("1.2.3:5", true, buf) != NULL, "short IPv4");
	ok(unit_parse_inet("::1:5432", true, buf) != NULL, "IPv6 unbracketed");
	ok(unit_parse_inet("[::1]5432", true, buf) != NULL, "[v6] without colon");
	ok(unit_parse_inet("[]:1", true, buf) != NULL, "empty brackets");
	ok(unit_parse_inet(":80", false, buf) != NULL, "empty address");
	ok(unit_parse_inet("127.0.0.1:", false, buf) != NULL, "empty port");

	/* paths */
	ok(!unit_parse_path("/run/user/1000/bro/pg.sock", buf), "absolute path");
	ok(!unit_parse_path("%t/bro/pg.sock", buf) && !strcmp(buf, "%t/bro/pg.sock"),
	   "%%t path");
	ok(unit_parse_path("rel/pg.sock", buf) != NULL, "relative path");
	ok(unit_parse_path("%h/pg.sock", buf) != NULL, "other specifier");
	ok(unit_parse_path("/a/%i", buf) != NULL, "%% inside");
	ok(unit_parse_path("/a b", buf) != NULL, "space");
	ok(unit_parse_path("/a'b", buf) != NULL, "quote");
	ok(unit_parse_path("/a$b", buf) != NULL, "dollar");
	ok(unit_parse_path("/a/../b", buf) != NULL, "..");
	ok(unit_parse_path("/a/..", buf) != NULL, "trailing ..");
	ok(unit_parse_path("/a/./b", buf) != NULL, ".");
	ok(unit_parse_path("/a/", buf) != NULL, "a directory");
	ok(unit_parse_path("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			   buf) != NULL, "longer than sun_path");

	/* time spans */
	unit_format_timespan(300000000, tb, sizeof(tb));
	is_str(tb, "5min", "300 s is 5min");
	unit_format_timespan(90000000, tb, sizeof(tb));
	is_str(tb, "90s", "90 s");
	unit_format_timespan(1500000, tb, sizeof(tb));
	is_str(tb, "1500ms", "1.5 s");
	unit_format_timespan(7, tb, sizeof(tb));
	is_str(tb, "7us", "7 us");
	unit_format_timespan(UINT64_MAX, tb, sizeof(tb));
	is_str(tb, "infinity", "infinity");

	/* whole command lines */
	is_int(PARSE(A, "--listen", "5432"), 0, "minimal on-demand line");
	ok(o.mode == UNIT_MODE_ONDEMAND && !strcmp(o.name, "pg") &&
	   !strcmp(o.listen[0], "127.0.0.1:5432") && o.n_listen == 1 &&
	   !strcmp(o.target, "127.0.0.1:5432"), "values");
	is_str(o.idle, "5min", "default idle");
	is_str(o.connect_timeout, "30s", "default connect timeout");
	is_int(o.backlog, 1024, "default backlog");
	is_str(o.bindir, "/usr/local/bin", "default bindir");
	is_str(o.container_unit, "pg-container.service", "container unit");
	is_str(o.cmdline,
	       "bro-unit --container pg --listen 127.0.0.1:5432 --target 127.0.0.1:5432 --idle 5min --backlog 1024 --connect-timeout 30s",
	       "normalized command line");

	is_int(PARSE(A, "--listen=[::1]:5432", "--listen", "%t/bro/pg.sock",
		     "--idle=90 s", "--connect-timeout", "1.5s", "--backlog=7",
		     "--name", "db", "--bindir", "/opt/bro/bin", "--dry-run",
		     "--dir", "/tmp/x"), 0, "every option");
	ok(o.n_listen == 2 && !strcmp(o.listen[1], "%t/bro/pg.sock") &&
	   !strcmp(o.idle, "90s") && !strcmp(o.connect_timeout, "1500ms") &&
	   o.backlog == 7 && !strcmp(o.name, "db") && o.dry_run &&
	   !strcmp(o.dir, "/tmp/x"), "values of every option");
	is_str(o.container_unit, "db-container.service", "container unit follows --name");

	is_int(PARSE(A, "--listen", "5432", "--quadlet", "pg.service", "--name",
		     "pg-proxy"), 0, "--quadlet");
	ok(o.quadlet && !strcmp(o.container_unit, "pg.service"), "quadlet unit");

	is_int(PARSE("--from-container", "pgadmin", "--container", "pg",
		     "--listen-in-container", "5432"), 0, "cross-over");
	ok(o.mode == UNIT_MODE_CROSS && !strcmp(o.via, "%t/bro/pg.sock") &&
	   !strcmp(o.in_container, "127.0.0.1:5432") &&
	   !strcmp(o.container_unit, "pgadmin-container.service"),
	   "cross-over values");
	is_int(PARSE("--help"), 0, "--help");
	ok(o.help, "help");
	is_int(PARSE("--version"), 0, "--version");
	ok(o.version, "version");

	/* --ready-cmd */
	is_int(PARSE(A, "--listen", "5432", "--connect-timeout", "20s",
		     "--ready-cmd", "pg_isready -q -h 127.0.0.1 -p 5432"), 0,
	       "--ready-cmd with words");
	is_str(o.ready, "pg_isready -q -h 127.0.0.1 -p 5432", "  kept as given");
	is_int((long long)o.ready_ms, 20000, "  tried for 20s (ms)");
	ok(strstr(o.cmdline, "--ready-cmd 'pg_isready -q -h 127.0.0.1 -p 5432'") != NULL,
	   "  recorded quoted in the header: %s", o.cmdline);
	BAD("a --ready-cmd with a quote", A, "--listen", "1", "--ready-cmd", "a'b");
	BAD("a --ready-cmd with $", A, "--listen", "1", "--ready-cmd", "echo $HOME");
	BAD("a --ready-cmd with ;", A, "--listen", "1", "--ready-cmd", "true; rm x");
	BAD("a --ready-cmd with two spaces", A, "--listen", "1", "--ready-cmd", "a  b");
	BAD("a --ready-cmd with a trailing space", A, "--listen", "1", "--ready-cmd", "a ");
	BAD("an empty --ready-cmd", A, "--listen", "1", "--ready-cmd", "");
	BAD("--ready-cmd with --from-container", "--from-container", "b",
	    "--container", "a", "--listen-in-container", "5432", "--ready-cmd", "true");

	BAD("no --container", "--listen", "5432", "--target", "127.0.0.1:1");
	BAD("an empty container name", "--container", "", "--listen", "5432",
	    "--target", "127.0.0.1:1");
	BAD("a malformed container name", "--container", "-pg", "--listen",
	    "5432", "--target", "127.0.0.1:1");
	BAD("a container name with a slash", "--container", "a/b", "--listen",
	    "5432", "--target", "127.0.0.1:1");
	BAD("--listen port 0", A, "--listen", "0");
	BAD("--listen port 70000", A, "--listen", "70000");
	BAD("--target port 0", "--container", "pg", "--listen", "1",
	    "--target", "127.0.0.1:0");
	BAD("--target port 70000", "--container", "pg", "--listen", "1",
	    "--target", "127.0.0.1:70000");
	BAD("--target without address", "--container", "pg", "--listen", "1",
	    "--target", "5432");
	BAD("no --listen", A);
	BAD("no --target", "--container", "pg", "--listen", "1");
	BAD("a value missing", A, "--listen");
	BAD("an option twice", A, "--listen", "1", "--idle", "1s", "--idle", "2s");
	BAD("an unknown option", A, "--listen", "1", "--frobnicate");
	BAD("a stray argument", A, "--listen", "1", "stray");
	BAD("idle 0", A, "--listen", "1", "--idle", "0");
	BAD("a bad idle", A, "--listen", "1", "--idle", "soon");
	BAD("connect-timeout infinity", A, "--listen", "1",
	    "--connect-timeout", "infinity");
	BAD("backlog 0", A, "--listen", "1", "--backlog", "0");
	BAD("a relative bindir", A, "--listen", "1", "--bindir", "bin");
	BAD("a bindir with a space", A, "--listen", "1", "--bindir", "/a b");
	BAD("a podman path with a quote", A, "--listen", "1", "--podman", "/x'y");
	BAD("an empty dir", A, "--listen", "1", "--dir", "");
	BAD("nine listeners", A, "--listen", "1", "--listen", "2", "--listen",
	    "3", "--listen", "4", "--listen", "5", "--listen", "6",
	    "--listen", "7", "--listen", "8", "--listen", "9");
	BAD("--quadlet not a service", A, "--listen", "1", "--quadlet", "pg.container");
	BAD("--quadlet clashing with --name", A, "--listen", "1", "--quadlet", "pg.service");
	BAD("--via without --from-container", A, "--listen", "1", "--via", "/x");
	BAD("cross-over without --listen-in-container", "--from-container", "b",
	    "--container", "a");
	BAD("cross-over to itself", "--from-container", "a", "--container", "a",
	    "--listen-in-container", "1");
	BAD("cross-over with --listen", "--from-container", "b", "--container",
	    "a", "--listen-in-container", "1", "--listen", "2");
	BAD("cross-over port 70000", "--from-container", "b", "--container",
	    "a", "--listen-in-container", "70000");
	BAD("a malformed --from-container", "--from-container", "b c",
	    "--container", "a", "--listen-in-container", "1");
	BAD("a relative --via", "--from-container", "b", "--container", "a",
	    "--listen-in-container", "1", "--via", "a.sock");

	/* --direct: the container adopts the socket itself */
#define D "--direct", "--container", "pg"
	is_int(PARSE(D, "--listen", "5432", "--idle", "90s"), 0, "--direct parses");
	ok(o.mode == UNIT_MODE_DIRECT, "  direct mode");
	is_str(o.container_unit, "pg.service", "  the socket's own service runs the container");
	is_str(o.idle, "90s", "  --idle");
	is_str(o.shim, "/usr/local/lib/bro/libbro-sockact.so", "  the shim beside the default bindir");
	is_str(o.cmdline, "bro-unit --direct --container pg --listen 127.0.0.1:5432 --idle 90s --backlog 1024",
	       "  normalized command line: no --target, no --connect-timeout");
	is_int(PARSE(D, "--listen", "5432", "--bindir", "/opt/bro/bin/"), 0,
	       "--direct with --bindir");
	is_str(o.shim, "/opt/bro/lib/bro/libbro-sockact.so", "  the shim follows --bindir");
	is_int(PARSE(D, "--listen", "5432", "--bindir", "/"), 0, "--direct with --bindir /");
	is_str(o.shim, "/lib/bro/libbro-sockact.so", "  the shim under /lib/bro");
	is_int(PARSE(D, "--listen", "[::1]:5432", "--shim", "/opt/s.so"), 0,
	       "--direct with --shim and IPv6");
	is_str(o.shim, "/opt/s.so", "  --shim");
	ok(strstr(o.cmdline, " --shim /opt/s.so") != NULL, "  recorded");
	is_int(PARSE(D, "--listen", "5432", "--quadlet", "pg.service"), 0,
	       "--direct --quadlet with the same name: the socket activates it");
	ok(o.quadlet && !strcmp(o.container_unit, "pg.service"), "  the Quadlet unit");
	BAD("--direct without --listen", D);
	BAD("--direct with two listeners", D, "--listen", "1", "--listen", "2");
	BAD("--direct with a unix listener", D, "--listen", "%t/bro/pg.sock");
	BAD("--direct with --target", D, "--listen", "1", "--target", "127.0.0.1:1");
	BAD("--direct with --connect-timeout", D, "--listen", "1",
	    "--connect-timeout", "5s");
	BAD("--direct with --ready-cmd", D, "--listen", "1", "--ready-cmd", "true");
	BAD("--direct with --idle infinity", D, "--listen", "1", "--idle", "infinity");
	BAD("--direct with --from-container", D, "--from-container", "b",
	    "--listen-in-container", "1");
	BAD("--direct with --via", D, "--listen", "1", "--via", "/x");
	BAD("a relative --shim", D, "--listen", "1", "--shim", "s.so");
	BAD("a --shim with a quote", D, "--listen", "1", "--shim", "/a'b.so");
	BAD("a --shim with ..", D, "--listen", "1", "--shim", "/a/../b.so");
	BAD("a --shim with a colon", D, "--listen", "1", "--shim", "/a:b.so");
	BAD("a --bindir with a colon, the shim beside it", D, "--listen", "1",
	    "--bindir", "/o:p/bin");
	BAD("--shim without --direct", A, "--listen", "1", "--shim", "/s.so");
	BAD("--quadlet clashing with the idle watcher", D, "--listen", "1",
	    "--quadlet", "pg-idle.service");
	BAD("--direct with a bad port", D, "--listen", "65536");
	return tap_done();
}
