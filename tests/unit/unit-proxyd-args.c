/* SPDX-License-Identifier: MIT
 * unit-proxyd-args - bro-proxyd's command line (src/proxyd/args.c) */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "args.h"
#include "tap.h"

static struct proxyd_args a;
static char err[512];

#define ARGV(...) ((char *[]){ "bro-proxyd", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "bro-proxyd", __VA_ARGS__ }) / sizeof(char *)))
#define P(...) proxyd_args_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), &a, err, sizeof(err))

static char storage[16][128];
/* argv strings must be writable (NAME=ADDR is split in place) */
static char *w(int i, const char *s)
{
	strcpy(storage[i], s);
	return storage[i];
}

int main(void)
{
	is_int(P("127.0.0.1:5432"), 0, "TARGET alone");
	ok(a.connections_max == 256 && a.exit_idle_usec == UINT64_MAX &&
	   a.connect_timeout_usec == 0 && a.proxy == PROXY_NONE && !a.keepalive,
	   "  defaults as systemd-socket-proxyd (256, no exit)");
	is_int(P("-c", "10", "--exit-idle-time=30s", "/run/x.sock"), 0,
	       "-c and --exit-idle-time");
	ok(a.connections_max == 10 && a.exit_idle_usec == 30000000, "  read");
	is_int(P("/run/x.sock", "--connections-max", "5"), 0, "options after TARGET (permuted)");
	is_int((int)a.connections_max, 5, "  read");
	is_int(P("-c", "0", "x:1"), -1, "-c 0 refused");
	is_int(P("-c", "1048577", "x:1"), -1, "-c above the bound refused");
	is_int(P("-c", "ten", "x:1"), -1, "-c ten refused");
	ok(strstr(err, "--connections-max") != NULL, "  and the message names the option: %s", err);
	is_int(P("--exit-idle-time=soon", "x:1"), -1, "a bad time span refused");
	is_int(P("--exit-idle-time=infinity", "x:1"), 0, "infinity");
	is_int(proxyd_args_parse(1, (char *[]){ "bro-proxyd", NULL }, &a, err, sizeof(err)),
	       -1, "no TARGET refused");
	ok(strstr(err, "TARGET") != NULL, "  %s", err);
	is_int(P("a:1", "b:2"), -1, "two TARGETs refused");
	is_int(P("::1:80"), -1, "a bad TARGET refused");
	ok(strstr(err, "::1:80") != NULL, "  %s", err);
	is_int(P("--bogus", "x:1"), -1, "an unknown option refused");
	is_int(P("--connect-timeout=30s", "--idle-timeout=5min", "--udp-idle-timeout=10s",
		 "--drain-timeout=1s", "--keepalive", "--proxy-protocol=v2", "x:1"), 0,
	       "the other options");
	ok(a.connect_timeout_usec == 30000000 && a.idle_timeout_usec == 300000000ULL &&
	   a.udp_idle_usec == 10000000 && a.drain_usec == 1000000 && a.keepalive &&
	   a.proxy == PROXY_V2, "  read");
	is_int(P("--proxy-protocol=v3", "x:1"), -1, "--proxy-protocol=v3 refused");
	is_int(P("--proxy-protocol=v1", "x:1"), 0, "v1");
	is_int(a.proxy, PROXY_V1, "  read");
	is_int(P("--target", w(0, "db=127.0.0.1:5432"), "--target", w(1, "web=@web"), "x:1"), 0,
	       "--target NAME=TARGET twice");
	ok(a.ntargets == 2 && !strcmp(a.targets[0].name, "db") &&
	   !strcmp(a.targets[1].text, "@web"), "  read");
	is_int(P("--target", w(0, "db=127.0.0.1:5432")), 0, "--target without a default");
	is_int(P("--target", w(0, "127.0.0.1:5432"), "x:1"), -1, "--target without NAME= refused");
	is_int(P("--target", w(0, "=x:1"), "x:1"), -1, "--target with an empty name refused");
	is_int(P("--target", w(0, "a=x:1"), "--target", w(1, "a=y:2"), "x:1"), -1,
	       "a name given twice refused");
	is_int(P("--target", w(0, "a=bad address"), "x:1"), -1, "--target with a bad address");
	is_int(P("--listen", w(0, "127.0.0.1:8080"), "--listen-datagram", w(1, "dns=[::1]:53"),
		 "x:1"), 0, "--listen and --listen-datagram");
	ok(a.nlistens == 2 && a.listens[0].socktype == SOCK_STREAM && !a.listens[0].name &&
	   a.listens[1].socktype == SOCK_DGRAM && !strcmp(a.listens[1].name, "dns"),
	   "  read");
	is_int(P("-h"), 0, "-h");
	ok(a.help, "  help");
	is_int(P("--version"), 0, "--version");
	ok(a.version, "  version");
	return tap_done();
}
