/* SPDX-License-Identifier: MIT
 *
 * bro-unit - write the systemd user units that start a rootless container
 * on the first connection to a socket and stop it when the proxy has been
 * idle: socket → bro-helper → bro-proxyd → container with --network=none;
 * or, with --direct, socket → the container's service itself, which adopts
 * the socket through libbro-sockact.so, stopped by bro-idlewatch.
 *
 * main() runs four stages; nothing is written before the third:
 *  1. parse	every option validated (opts.c)
 *  2. render	every file rendered in memory (render.c), and every target
 *		path checked: absent, or written by bro-unit (write.c)
 *  3. write	temporary files, then renames (write.c); or, with --dry-run,
 *		the files on stdout
 *  4. report	what was written and the systemctl commands to enable it
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "opts.h"
#include "render.h"
#include "write.h"

#define EXIT_USAGE	64	/* sysexits.h EX_USAGE */

static void usage(FILE *f)
{
	fputs(
"Usage: bro-unit --container NAME --listen [ADDR:]PORT|PATH... --target ADDR:PORT\n"
"                [--idle TIME] [--connect-timeout TIME] [--backlog N]\n"
"                [--ready-cmd 'CMD ARGS'] [--name BASE] [--quadlet UNIT.service] [COMMON...]\n"
"       bro-unit --direct --container NAME --listen [ADDR:]PORT [--idle TIME]\n"
"                [--backlog N] [--shim PATH] [--name BASE] [--quadlet UNIT.service] [COMMON...]\n"
"       bro-unit --from-container B --container A --listen-in-container [ADDR:]PORT\n"
"                [--via PATH] [--connect-timeout TIME] [COMMON...]\n"
"COMMON: [--dir DIR] [--bindir DIR] [--podman PATH] [--dry-run]\n"
"\n"
"Writes systemd user units that start container NAME on the first connection\n"
"to the socket and stop it after the proxy has been idle for TIME:\n"
"  BASE.socket, BASE.service (bro-helper + bro-proxyd), BASE-container.service\n"
"With --direct, the container (--network=none, with libbro-sockact.so) takes the\n"
"socket itself: no proxy, the service sees the client's own address:\n"
"  BASE.socket, BASE.service (podman start --attach), BASE-idle.service\n"
"  (bro-idlewatch: podman stop after TIME without a connection)\n"
"The last form lets client container B reach A at ADDR:PORT inside B's own\n"
"network namespace, through A's unix socket PATH (default %t/bro/A.sock):\n"
"  B-to-A.service, B-container.service\n"
"\n"
"  --listen [ADDR:]PORT  host address of the socket; ADDR defaults to 127.0.0.1\n"
"  --listen PATH         a unix socket, absolute or %t/... (repeatable)\n"
"  --target ADDR:PORT    the service inside the container, e.g. 127.0.0.1:5432\n"
"  --idle TIME           stop after this long without connections (5min)\n"
"  --connect-timeout TIME  wait this long for the service to come up (30s)\n"
"  --backlog N           listen backlog (1024)\n"
"  --ready-cmd 'CMD ARGS'  start the proxy only once CMD succeeds inside the\n"
"                        container's netns (retried every 10 ms within the\n"
"                        connect timeout), e.g. 'pg_isready -q -h 127.0.0.1'\n"
"  --direct              the container serves the socket itself (one --listen,\n"
"                        TCP); bro-unit prints the podman create flags it needs\n"
"  --shim PATH           libbro-sockact.so on the host, for those flags\n"
"                        (default: BINDIR/../lib/bro/libbro-sockact.so)\n"
"  --name BASE           base name of the units (default: the container's)\n"
"  --quadlet UNIT        the container runs from Quadlet as UNIT: add a drop-in\n"
"                        to it instead of writing BASE-container.service\n"
"  --dir DIR             where to write (~/.config/systemd/user)\n"
"  --bindir DIR          where bro-helper, bro-proxyd and bro-idlewatch are\n"
"                        (/usr/local/bin)\n"
"  --podman PATH         podman's path (/usr/bin/podman)\n"
"  --dry-run             print the files, write nothing\n"
"  --help, --version\n"
"\n"
"A file in the way that bro-unit did not write is never overwritten.\n"
"Exit status: 0, 64 usage, 73 a foreign file in the way, 1 other errors.\n",
	      f);
}

/* unit_dir() - the systemd user unit directory, from the environment */
static int unit_dir(char *out, size_t len)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int n;

	if (x && x[0] == '/')
		n = snprintf(out, len, "%s/systemd/user", x);
	else if (home && home[0] == '/')
		n = snprintf(out, len, "%s/.config/systemd/user", home);
	else
		return -1;
	return n > 0 && (size_t)n < len ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct unit_file files[UNIT_FILES_MAX];
	struct unit_opts o;
	char err[512], dir[4096];
	int n, i, r;

	log_init("bro-unit");
	if (unit_opts_parse(argc, argv, &o, err, sizeof(err)) < 0)
		log_die(EXIT_USAGE, "%s (see bro-unit --help)", err);
	if (o.help) {
		usage(stdout);
		return 0;
	}
	if (o.version) {
		printf("bro-unit %s\n", BRO_VERSION);
		return 0;
	}
	if (o.dir)
		snprintf(dir, sizeof(dir), "%s", o.dir);
	else if (unit_dir(dir, sizeof(dir)) < 0)
		log_die(EXIT_USAGE,
			"unit directory: neither XDG_CONFIG_HOME nor HOME is an absolute path (use --dir)");
	while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';

	if (unit_render(&o, files, &n) < 0)
		log_die(1, "render(units): out of memory");
	r = unit_check(dir, files, n);
	if (r == 0 && o.dry_run) {
		for (i = 0; i < n; i++)
			printf("--- %s/%s\n%s", dir, files[i].name,
			       files[i].text);
		printf("--- dry run: nothing written\n");
	} else if (r == 0) {
		r = unit_write(dir, files, n, stdout);
	}
	unit_files_free(files, n);
	if (r)
		return r;
	unit_next_steps(&o, stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}
