/* SPDX-License-Identifier: MIT
 * unit-unit-render - the unit files bro-unit renders, by their key lines */
#include "render.h"
#include "tap.h"

#include <stdarg.h>

static char err[512];
static struct unit_opts o;
static struct unit_file files[UNIT_FILES_MAX];
static int n;

static int gen(const char *first, ...)
{
	static char *argv[40];
	int argc = 0;
	va_list ap;

	unit_files_free(files, n);
	n = 0;
	argv[argc++] = "bro-unit";
	argv[argc++] = (char *)first;
	va_start(ap, first);
	while (argc < 39 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	if (unit_opts_parse(argc, argv, &o, err, sizeof(err)) < 0)
		return -1;
	return unit_render(&o, files, &n);
}
#define GEN(...) gen(__VA_ARGS__, (char *)NULL)

/* text() - the file named @name, or "" */
static const char *text(const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(files[i].name, name))
			return files[i].text;
	return "";
}

/* has_line() - does @t contain @line as a whole line? */
static int has_line(const char *t, const char *line)
{
	size_t len = strlen(line);
	const char *p = t;

	while ((p = strstr(p, line))) {
		if ((p == t || p[-1] == '\n') && (p[len] == '\n' || !p[len]))
			return 1;
		p++;
	}
	return 0;
}

int main(void)
{
	const char *s, *svc, *c;
	int i, magic = 1;

	is_int(GEN("--container", "pg", "--listen", "5432", "--listen",
		   "%t/bro/pg.sock", "--target", "127.0.0.1:5432", "--idle",
		   "2s", "--connect-timeout", "10s"), 0, "on-demand renders");
	is_int(n, 3, "three files");
	for (i = 0; i < n; i++)
		magic &= !strncmp(files[i].text, UNIT_MAGIC, strlen(UNIT_MAGIC));
	ok(magic, "every file starts with the marker line");
	s = text("pg.socket");
	svc = text("pg.service");
	c = text("pg-container.service");
	ok(has_line(s, "ListenStream=127.0.0.1:5432"), "socket: TCP listener");
	ok(has_line(s, "ListenStream=%t/bro/pg.sock"), "socket: unix listener");
	ok(has_line(s, "NoDelay=true") && has_line(s, "Backlog=1024"),
	   "socket: NoDelay, Backlog");
	ok(has_line(s, "SocketMode=0600"), "socket: unix socket for the user only");
	ok(has_line(s, "WantedBy=sockets.target"), "socket: installable");
	ok(has_line(svc, "BindsTo=pg-container.service") &&
	   has_line(svc, "After=pg-container.service"),
	   "service: bound to and ordered after the container");
	ok(has_line(svc, "Requires=pg.socket"), "service: requires its socket");
	ok(has_line(svc, "ExecStart=/bin/sh -c 'read -r pid <%t/bro/pg.pid; exec /usr/local/bin/bro-helper --pid \"$$pid\" -- /usr/local/bin/bro-proxyd --connect-timeout=10s --exit-idle-time=2s 127.0.0.1:5432'"),
	   "service: helper and proxy command line, the PID from the container unit's file");
	ok(!strstr(svc, "inspect"), "service: no podman inspect on the first connection's path");
	ok(has_line(c, "ExecStartPre=/bin/mkdir -p -m 0700 %t/bro") &&
	   has_line(c, "ExecStartPre=/bin/rm -f %t/bro/pg.pid"),
	   "container: no stale PID file before the start");
	ok(has_line(c, "ExecStartPost=/bin/sh -c '[ -s %t/bro/pg.pid ] || exec /usr/bin/podman inspect --format \"{{.State.Pid}}\" pg >%t/bro/pg.pid'"),
	   "container: podman inspect only when podman wrote no PID file (--pidfile)");
	ok(strstr(c, "ExecStartPre=/bin/rm") < strstr(c, "ExecStart=/usr/bin/podman start") &&
	   strstr(c, "ExecStart=/usr/bin/podman start") < strstr(c, "ExecStartPost="),
	   "container: in that order");
	ok(has_line(c, "StopWhenUnneeded=true"), "container: stops when unneeded");
	ok(has_line(c, "Type=oneshot") && has_line(c, "RemainAfterExit=yes"),
	   "container: oneshot, remains active");
	ok(has_line(c, "ExecStart=/usr/bin/podman start pg") &&
	   has_line(c, "ExecStop=/usr/bin/podman stop --time 10 pg"),
	   "container: podman start/stop");
	ok(!strstr(c, "[Install]"), "container: not installable (on demand only)");

	is_int(GEN("--container", "pg", "--listen", "5432", "--target",
		   "127.0.0.1:5432", "--connect-timeout", "2s", "--ready-cmd",
		   "pg_isready -q"), 0, "--ready-cmd renders");
	c = text("pg-container.service");
	ok(has_line(c, "ExecStartPost=/bin/sh -c '[ -s %t/bro/pg.pid ] || /usr/bin/podman inspect --format \"{{.State.Pid}}\" pg >%t/bro/pg.pid || exit 1; read -r pid <%t/bro/pg.pid; /usr/local/bin/bro-helper --pid \"$$pid\" -- timeout 2.000 /bin/sh -c \"until pg_isready -q; do sleep 0.002; done\" && exit 0; echo \"bro-unit: pg: not ready within 2s\" >&2; exit 1'"),
	   "--ready-cmd: one shell fills the PID file if needed and waits, 200 x 10 ms");
	ok(strstr(c, "ExecStartPost=") &&
	   !strstr(strstr(c, "ExecStartPost=") + 1, "ExecStartPost="),
	   "--ready-cmd: a single ExecStartPost=");

	is_int(GEN("--container", "systemd-pg", "--name", "pg-proxy",
		   "--quadlet", "pg.service", "--listen", "5432", "--target",
		   "127.0.0.1:5432", "--bindir", "/opt/b", "--podman", "/opt/podman"),
	       0, "quadlet renders");
	is_int(n, 3, "three files");
	ok(files[2].subdir == strlen("pg.service.d") &&
	   !strcmp(files[2].name, "pg.service.d/50-bro-unit.conf"),
	   "a drop-in for the Quadlet unit");
	ok(has_line(text("pg.service.d/50-bro-unit.conf"), "StopWhenUnneeded=true"),
	   "drop-in: StopWhenUnneeded");
	ok(has_line(text("pg-proxy.service"), "BindsTo=pg.service"),
	   "proxy bound to the Quadlet unit");
	ok(strstr(text("pg-proxy.service"), "read -r pid <%t/bro/systemd-pg.pid;") &&
	   strstr(text("pg-proxy.service"), "exec /opt/b/bro-helper"),
	   "--bindir and the container name used");
	ok(has_line(text("pg.service.d/50-bro-unit.conf"),
		    "ExecStartPost=/bin/sh -c '[ -s %t/bro/systemd-pg.pid ] || exec /opt/podman inspect --format \"{{.State.Pid}}\" systemd-pg >%t/bro/systemd-pg.pid'") &&
	   has_line(text("pg.service.d/50-bro-unit.conf"), "ExecStartPre=/bin/rm -f %t/bro/systemd-pg.pid"),
	   "drop-in: the PID file for the proxy, --podman used");

	is_int(GEN("--from-container", "pgadmin", "--container", "pg",
		   "--listen-in-container", "5432"), 0, "cross-over renders");
	is_int(n, 2, "two files");
	s = text("pgadmin-to-pg.service");
	ok(has_line(s, "BindsTo=pgadmin-container.service") &&
	   has_line(s, "Wants=pg.socket") && has_line(s, "After=pg.socket"),
	   "cross-over: bound to B, wants A's socket");
	ok(strstr(s, "read -r pid <%t/bro/pgadmin.pid;") &&
	   strstr(s, "bro-proxyd --listen=127.0.0.1:5432 --connect-timeout=30s %t/bro/pg.sock'"),
	   "cross-over: the proxy listens in B and connects to A's socket");
	ok(has_line(s, "WantedBy=pgadmin-container.service"), "cross-over: installed into B");
	c = text("pgadmin-container.service");
	ok(has_line(c, "ExecStart=/usr/bin/podman start pgadmin") &&
	   !strstr(c, "StopWhenUnneeded"), "B's container unit: started by the user");
	ok(has_line(c, "ExecStartPre=/bin/rm -f %t/bro/pgadmin.pid") &&
	   strstr(c, "inspect --format \"{{.State.Pid}}\" pgadmin >%t/bro/pgadmin.pid'"),
	   "B's container unit: writes B's PID file");

	/* --direct */
	is_int(GEN("--direct", "--container", "pg", "--listen", "5432",
		   "--idle", "30s", "--bindir", "/opt/b"), 0, "direct renders");
	is_int(n, 3, "three files");
	s = text("pg.socket");
	svc = text("pg.service");
	c = text("pg-idle.service");
	ok(has_line(s, "ListenStream=127.0.0.1:5432") && has_line(s, "Backlog=1024") &&
	   !strstr(s, "Service="), "direct socket: activates pg.service");
	ok(has_line(svc, "Requires=pg.socket") && has_line(svc, "After=pg.socket") &&
	   has_line(svc, "Wants=pg-idle.service"),
	   "direct service: requires its socket, wants the idle watcher");
	ok(has_line(svc, "ExecStart=/usr/bin/podman start --attach pg") &&
	   has_line(svc, "ExecStop=/usr/bin/podman stop --time 10 pg"),
	   "direct service: podman start --attach (the socket goes in), podman stop");
	ok(!strstr(svc, "bro-helper") && !strstr(svc, "bro-proxyd") &&
	   !strstr(svc, "inspect") && !strstr(svc, "Type=oneshot"),
	   "direct service: no relay, no inspect");
	ok(has_line(c, "BindsTo=pg.service") && has_line(c, "After=pg.service"),
	   "idle watcher: bound to the container's service");
	ok(has_line(c, "ExecStart=/opt/b/bro-idlewatch --listen 127.0.0.1:5432 --idle 30s -- /usr/bin/podman stop --time 10 pg"),
	   "idle watcher: bro-idlewatch --listen --idle -- podman stop");
	ok(!strstr(c, "[Install]") && !strstr(svc, "[Install]"),
	   "direct: only the socket is installable");

	is_int(GEN("--direct", "--container", "systemd-pg", "--name", "pg",
		   "--quadlet", "pg.service", "--listen", "[::1]:5432"), 0,
	       "direct quadlet renders");
	is_int(n, 3, "three files");
	ok(!strcmp(files[0].name, "pg.socket") && !strcmp(files[1].name, "pg-idle.service") &&
	   !strcmp(files[2].name, "pg.service.d/50-bro-unit.conf") &&
	   files[2].subdir == strlen("pg.service.d"),
	   "socket, idle watcher and a drop-in; no service of its own");
	ok(has_line(text("pg.socket"), "Service=pg.service"),
	   "direct quadlet socket: activates the Quadlet unit");
	ok(has_line(text("pg.service.d/50-bro-unit.conf"), "Wants=pg-idle.service") &&
	   has_line(text("pg.service.d/50-bro-unit.conf"), "Requires=pg.socket"),
	   "drop-in: the Quadlet unit wants the idle watcher");
	ok(has_line(text("pg-idle.service"), "ExecStart=/usr/local/bin/bro-idlewatch --listen [::1]:5432 --idle 5min -- /usr/bin/podman stop --time 10 systemd-pg"),
	   "idle watcher: IPv6 listener, the Quadlet container's name");
	unit_files_free(files, n);
	return tap_done();
}
