/* SPDX-License-Identifier: MIT
 * unit-relay-args - bro-relay's command line and its tcp:/unix: addresses */
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "args.h"
#include "tap.h"

static int run(struct relay_args *a, char *err, int argc, ...)
{
	static char *argv[16];
	va_list ap;
	int i;

	va_start(ap, argc);
	argv[0] = "bro-relay";
	for (i = 1; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	err[0] = '\0';
	return relay_args_parse(argc, argv, a, err, 512);
}

int main(void)
{
	struct relay_args a;
	struct endpoint e;
	char err[512];

	is_int(endpoint_parse("tcp:127.0.0.1:5432", &e), 0, "tcp:IPv4:PORT");
	ok(e.tcp && e.a.len && ((struct sockaddr_in *)&e.a.sa)->sin_port == htons(5432), "  literal, complete");
	is_int(endpoint_parse("tcp:[::1]:80", &e), 0, "tcp:[IPv6]:PORT");
	is_int(endpoint_parse("tcp:db.example:5432", &e), 0, "tcp:NAME:PORT");
	ok(e.tcp && !e.a.len, "  left for resolving");
	is_int(endpoint_parse("tcp:127.0.0.1", &e), -EINVAL, "tcp: without a port");
	is_int(endpoint_parse("tcp:[::1]", &e), -EINVAL, "tcp:[IPv6] without a port");
	is_int(endpoint_parse("tcp:::1:80", &e), -EINVAL, "IPv6 without brackets");
	is_int(endpoint_parse("tcp:127.0.0.1:0", &e), -EINVAL, "port 0");
	is_int(endpoint_parse("tcp:127.0.0.1:65536", &e), -EINVAL, "port 65536");
	is_int(endpoint_parse("tcp:/tmp/x:1", &e), -EINVAL, "tcp: with a path");
	is_int(endpoint_parse("unix:/run/user/1000/ssh-agent.sock", &e), 0, "unix:/path");
	ok(!e.tcp && e.a.sa.ss_family == AF_UNIX, "  unix");
	is_int(endpoint_parse("unix:@abstract", &e), 0, "unix:@name");
	is_int(endpoint_parse("unix:relative.sock", &e), -EINVAL, "a relative path");
	is_int(endpoint_parse("unix:", &e), -EINVAL, "an empty path");
	is_int(endpoint_parse("unix:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			      &e), -EINVAL, "a path longer than sun_path");
	is_int(endpoint_parse("udp:127.0.0.1:53", &e), -EINVAL, "udp:");
	is_int(endpoint_parse("/tmp/x.sock", &e), -EINVAL, "no scheme");

	is_int(run(&a, err, 5, "--listen", "tcp:127.0.0.1:5000", "--to", "unix:/tmp/s"), 0,
	       "--listen tcp --to unix");
	ok(a.listen_set && a.listen.tcp && !a.to.tcp && a.ready_fd == -1 && !a.parent &&
	   a.conns_max == RELAY_CONNS_MAX_DEFAULT, "  defaults");
	is_int(run(&a, err, 6, "--listen=unix:/tmp/l", "--to=tcp:[::1]:22", "--ready-fd", "5",
		   "--parent-pid=42"), 0, "the reverse, = forms, --ready-fd, --parent-pid");
	ok(a.ready_fd == 5 && a.parent == 42, "  values");
	is_int(run(&a, err, 3, "--to", "unix:/tmp/s"), 0, "no --listen (socket activation)");
	ok(!a.listen_set, "  listen_set false");
	is_int(run(&a, err, 3, "--listen", "tcp:127.0.0.1:1"), -EINVAL, "no --to");
	is_str(err, "no --to ADDR (unix:PATH or tcp:HOST:PORT)", "  one line");
	is_int(run(&a, err, 3, "--to", "tcp:1.2.3.4"), -EINVAL, "--to without a port");
	ok(!strncmp(err, "--to=tcp:1.2.3.4: ", 18), "  names the option: %s", err);
	is_int(run(&a, err, 4, "--to", "unix:/s", "--listen"), -EINVAL, "--listen without a value");
	ok(!strncmp(err, "--listen=: ", 11), "  names the option: %s", err);
	is_int(run(&a, err, 5, "--to", "unix:/s", "--ready-fd", "1"), -EINVAL, "--ready-fd 1 (stdout)");
	is_int(run(&a, err, 5, "--to", "unix:/s", "--ready-fd", "x"), -EINVAL, "--ready-fd x");
	is_int(run(&a, err, 5, "--to", "unix:/s", "--parent-pid", "0"), -EINVAL, "--parent-pid 0");
	is_int(run(&a, err, 5, "--to", "unix:/s", "--connections-max", "0"), -EINVAL, "--connections-max 0");
	is_int(run(&a, err, 4, "--to", "unix:/s", "--frob"), -EINVAL, "an unknown option");
	is_str(err, "unknown argument '--frob' (--help)", "  named");
	is_int(run(&a, err, 2, "--help"), 1, "--help");
	ok(strchr(err, '\n') != NULL, "  usage text");
	return tap_done();
}
