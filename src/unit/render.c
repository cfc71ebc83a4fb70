/* SPDX-License-Identifier: MIT
 *
 * render.c - the unit files, as text. Every value was validated by opts.c
 * to contain nothing a unit file or sh(1) would reinterpret, so values are
 * pasted without quoting; the only escaping is systemd's "$$" for a literal
 * '$' in ExecStart=.
 *
 * On demand (A):
 *   NAME.socket             listens on the host; starts NAME.service
 *   NAME.service            bro-helper --pid <A's PID> -- bro-proxyd ... TARGET;
 *                           BindsTo= + After= the container unit, so the
 *                           container is up before the proxy, and the proxy
 *                           goes when the container goes
 *   NAME-container.service  podman start/stop; StopWhenUnneeded=true stops it
 *                           once NAME.service, its only user, has exited idle
 *   (with --quadlet UNIT: no container unit, but UNIT.d/50-bro-unit.conf
 *   adding StopWhenUnneeded=true to the Quadlet-generated one)
 * Direct (--direct: the container adopts the socket, libbro-sockact.so):
 *   NAME.socket             listens on the host; starts NAME.service
 *   NAME.service            podman start --attach: podman passes the socket
 *                           into the container, whose service takes it at
 *                           READY=1; ends when the container stops
 *   NAME-idle.service       bro-idlewatch, wanted by NAME.service: podman
 *                           stop once the socket has had no connection for
 *                           --idle, so the socket takes the next one again
 *   (with --quadlet UNIT: NAME.socket activates UNIT (Service=), and
 *   UNIT.d/50-bro-unit.conf wants NAME-idle.service)
 * Cross-over (B reaches A):
 *   B-to-NAME.service       bro-helper --pid <B's PID> -- bro-proxyd
 *                           --listen=ADDR:PORT VIA; part of B-container.service
 *   B-container.service     podman start/stop of B, started by the user
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

/* where the printed podman create flags mount libbro-sockact.so */
#define SOCKACT_IN_CONTAINER "/run/bro-sockact.so"

static void header(FILE *f, const struct unit_opts *o)
{
	fprintf(f, UNIT_MAGIC ": rerun bro-unit to change this file.\n"
		   "# %s\n", o->cmdline);
}

static bool has_unix_listener(const struct unit_opts *o)
{
	int i;

	for (i = 0; i < o->n_listen; i++)
		if (o->listen[i][0] == '/' || o->listen[i][0] == '%')
			return true;
	return false;
}

/* The container's PID changes at every start. The container unit leaves
 * it in PIDFILE_FMT: podman writes it there when the container was created
 * with --pidfile (bro-unit prints the flag); otherwise the unit asks podman
 * inspect, once. The readiness wait and the proxy read the file: no podman
 * call of ~40 ms each on the first connection's path. */
#define PIDFILE_FMT "%%t/bro/%s.pid"

/* exec_proxy() - the ExecStart= that enters @container's network namespace
 * (its PID from the file its container unit wrote) and runs the proxy there
 * with @args */
static void exec_proxy(FILE *f, const struct unit_opts *o,
		       const char *container, const char *args)
{
	fprintf(f,
		"ExecStart=/bin/sh -c 'read -r pid <" PIDFILE_FMT "; exec %s/bro-helper --pid \"$$pid\" -- %s/bro-proxyd %s'\n",
		container, o->bindir, o->bindir, args);
}

/* exec_pidfile_pre(), exec_pidfile_post() - around the container's start:
 * no stale file (a container re-created without --pidfile leaves podman's
 * old one), then the file filled by podman inspect if podman did not
 * write it; with --ready-cmd, exec_ready() does that in its own shell.
 * (read, not $(cat): one process less; podman's file has no newline, so
 * read's status is not used, the value is) */
static void exec_pidfile_pre(FILE *f, const char *container)
{
	fprintf(f, "# the container's PID goes to " PIDFILE_FMT " (podman create --pidfile)\n"
		   "ExecStartPre=/bin/mkdir -p -m 0700 %%t/bro\n"
		   "ExecStartPre=/bin/rm -f " PIDFILE_FMT "\n",
		container, container);
}

static void exec_pidfile_post(FILE *f, const struct unit_opts *o,
			      const char *container)
{
	if (o->ready[0])
		return;		/* exec_ready() fills it */
	fprintf(f, "# created without --pidfile: ask podman, once\n"
		   "ExecStartPost=/bin/sh -c '[ -s " PIDFILE_FMT " ] || exec %s inspect --format \"{{.State.Pid}}\" %s >" PIDFILE_FMT "'\n",
		container, o->podman, container, container);
}

static void render_socket(FILE *f, const struct unit_opts *o)
{
	int i;

	header(f, o);
	fprintf(f, "[Unit]\n"
		   "Description=bro: on-demand socket of container %s%s\n"
		   "\n[Socket]\n", o->container,
		o->mode == UNIT_MODE_DIRECT ? ", served by it directly" : "");
	for (i = 0; i < o->n_listen; i++)
		fprintf(f, "ListenStream=%s\n", o->listen[i]);
	fprintf(f, "NoDelay=true\nBacklog=%u\n", o->backlog);
	if (has_unix_listener(o))
		fprintf(f, "# only this user may connect to the unix socket\n"
			   "SocketMode=0600\nDirectoryMode=0700\n");
	if (o->mode == UNIT_MODE_DIRECT && o->quadlet)
		fprintf(f, "# the Quadlet unit runs the container, which takes this socket\n"
			   "Service=%s\n", o->container_unit);
	fprintf(f, "\n[Install]\nWantedBy=sockets.target\n");
}

static void render_proxy_service(FILE *f, const struct unit_opts *o)
{
	char args[256];

	header(f, o);
	fprintf(f, "[Unit]\n"
		   "Description=bro: proxy from %s.socket into container %s (%s)\n"
		   "Requires=%s.socket\n"
		   "After=%s.socket\n"
		   "# the container is up before the proxy starts, and the proxy stops\n"
		   "# when the container stops; once the proxy has exited idle, nothing\n"
		   "# needs %s and it stops itself (StopWhenUnneeded=true)\n"
		   "BindsTo=%s\n"
		   "After=%s\n"
		   "\n[Service]\n"
		   "# the proxy exits 0 after --exit-idle-time without connections;\n"
		   "# the socket starts it again on the next one\n",
		o->name, o->container, o->target, o->name, o->name,
		o->container_unit, o->container_unit, o->container_unit);
	snprintf(args, sizeof(args), "--connect-timeout=%s --exit-idle-time=%s %s",
		 o->connect_timeout, o->idle, o->target);
	exec_proxy(f, o, o->container, args);
}

/* exec_ready() - --ready-cmd: the ExecStartPost= that holds the container
 * unit "activating" until CMD succeeds inside the container's network
 * namespace, so the proxy (After= it) starts only then. A port that accepts
 * is not always a service that answers: postgres accepts TCP before it is
 * ready, and then refuses with "the database system is starting up".
 * The first connection waits for this loop, so it is tight: one bro-helper
 * enters the namespace, and inside it CMD is tried every
 * UNIT_READY_PAUSE s, under timeout(1) for --connect-timeout (which also
 * ends the loop's children). Before, each try ran sh + bro-helper + CMD and
 * a 10 ms sleep: up to ~40 ms late with Debian's Perl pg_isready wrapper. */
static void exec_ready(FILE *f, const struct unit_opts *o,
		       const char *container)
{
	if (!o->ready[0])
		return;
	fprintf(f,
		"# the container's PID (podman wrote it, or one podman inspect), then\n"
		"# --ready-cmd: the proxy starts once this succeeds in the container's netns\n"
		"ExecStartPost=/bin/sh -c '[ -s " PIDFILE_FMT " ] || %s inspect --format \"{{.State.Pid}}\" %s >" PIDFILE_FMT " || exit 1; read -r pid <" PIDFILE_FMT "; %s/bro-helper --pid \"$$pid\" -- timeout %llu.%03llu /bin/sh -c \"until %s; do sleep " UNIT_READY_PAUSE "; done\" && exit 0; echo \"bro-unit: %s: not ready within %s\" >&2; exit 1'\n",
		container, o->podman, container, container, container,
		o->bindir, (unsigned long long)(o->ready_ms / 1000),
		(unsigned long long)(o->ready_ms % 1000), o->ready, container,
		o->connect_timeout);
}

static void render_container(FILE *f, const struct unit_opts *o,
			     const char *container, bool on_demand)
{
	header(f, o);
	fprintf(f, "[Unit]\n");
	if (on_demand)
		fprintf(f, "Description=bro: container %s, run while %s.service needs it\n"
			   "StopWhenUnneeded=true\n", container, o->name);
	else
		fprintf(f, "Description=bro: container %s\n", container);
	fprintf(f, "\n[Service]\n"
		   "# a unit of its own: podman never sees the socket's LISTEN_FDS\n"
		   "# (it would pass them into the container)\n"
		   "Type=oneshot\n"
		   "RemainAfterExit=yes\n");
	exec_pidfile_pre(f, container);
	fprintf(f, "ExecStart=%s start %s\n", o->podman, container);
	exec_pidfile_post(f, o, container);
	if (on_demand)
		exec_ready(f, o, container);
	fprintf(f, "ExecStop=%s stop --time 10 %s\n", o->podman, container);
	if (!on_demand)
		fprintf(f, "\n[Install]\nWantedBy=default.target\n");
}

static void render_quadlet_dropin(FILE *f, const struct unit_opts *o)
{
	header(f, o);
	fprintf(f, "# added to the Quadlet-generated %s: stop the container once\n"
		   "# %s.service, the on-demand proxy, has exited idle\n"
		   "[Unit]\nStopWhenUnneeded=true\n",
		o->container_unit, o->name);
	fprintf(f, "\n[Service]\n");
	exec_pidfile_pre(f, o->container);
	exec_pidfile_post(f, o, o->container);
	exec_ready(f, o, o->container);
}

static void render_cross(FILE *f, const struct unit_opts *o)
{
	char args[256];

	header(f, o);
	fprintf(f, "[Unit]\n"
		   "Description=bro: %s inside container %s, to %s's %s\n"
		   "# runs while container %s runs\n"
		   "BindsTo=%s\n"
		   "After=%s\n"
		   "# %s.socket listens on %s and starts %s on the first connection\n"
		   "Wants=%s.socket\n"
		   "After=%s.socket\n"
		   "\n[Service]\n",
		o->in_container, o->from, o->container, o->via, o->from,
		o->container_unit, o->container_unit, o->name, o->via,
		o->container, o->name, o->name);
	snprintf(args, sizeof(args), "--listen=%s --connect-timeout=%s %s",
		 o->in_container, o->connect_timeout, o->via);
	exec_proxy(f, o, o->from, args);
	fprintf(f, "\n[Install]\nWantedBy=%s\n", o->container_unit);
}

/* render_direct_service() - --direct: the socket's service runs the
 * container with the socket. Podman passes LISTEN_FDS into it as it does
 * for `podman run` (the socket becomes the container's fd 3, LISTEN_PID=1). */
static void render_direct_service(FILE *f, const struct unit_opts *o)
{
	header(f, o);
	fprintf(f, "[Unit]\n"
		   "Description=bro: container %s, serving %s.socket itself\n"
		   "Requires=%s.socket\n"
		   "After=%s.socket\n"
		   "# bro-idlewatch stops the container once the socket has been idle;\n"
		   "# this service then ends, and the socket takes the next connection\n"
		   "Wants=%s-idle.service\n"
		   "\n[Service]\n"
		   "# podman passes the socket into the container (fd 3, LISTEN_PID=1):\n"
		   "# the service takes it through libbro-sockact.so when it says\n"
		   "# READY=1; connections wait in the socket's backlog until then\n"
		   "ExecStart=%s start --attach %s\n"
		   "ExecStop=%s stop --time 10 %s\n"
		   "# a service that dies of podman stop's SIGTERM exits 143\n"
		   "SuccessExitStatus=143\n",
		o->container, o->name, o->name, o->name, o->name,
		o->podman, o->container, o->podman, o->container);
}

/* render_idle() - --direct: nothing in the path sees the connections, so a
 * watcher that holds nothing counts them (sock_diag) and stops the
 * container after --idle without one */
static void render_idle(FILE *f, const struct unit_opts *o)
{
	header(f, o);
	fprintf(f, "[Unit]\n"
		   "Description=bro: stop container %s after %s without a connection to %s\n"
		   "# runs while the container's unit runs, which wants it\n"
		   "BindsTo=%s\n"
		   "After=%s\n"
		   "\n[Service]\n"
		   "# counts the socket's connections (queued and accepted) through\n"
		   "# sock_diag, holding nothing; after --idle without one it execs\n"
		   "# podman stop, and the container's unit ends\n"
		   "ExecStart=%s/bro-idlewatch --listen %s --idle %s -- %s stop --time 10 %s\n",
		o->container, o->idle, o->listen[0], o->container_unit,
		o->container_unit, o->bindir, o->listen[0], o->idle,
		o->podman, o->container);
}

/* render_direct_dropin() - --direct --quadlet: the Quadlet unit, activated
 * by NAME.socket, wants the idle watcher */
static void render_direct_dropin(FILE *f, const struct unit_opts *o)
{
	header(f, o);
	fprintf(f, "# added to the Quadlet-generated %s: %s.socket activates it and\n"
		   "# podman passes the socket into the container; %s-idle.service\n"
		   "# stops the container once the socket has been idle\n"
		   "[Unit]\n"
		   "Requires=%s.socket\n"
		   "After=%s.socket\n"
		   "Wants=%s-idle.service\n",
		o->container_unit, o->name, o->name, o->name, o->name, o->name);
}

enum kind { K_SOCKET, K_PROXY, K_CONTAINER, K_QUADLET, K_CROSS, K_FROM,
	    K_DIRECT, K_IDLE, K_DIRECT_QUADLET };

/* add() - render file @name (built by the caller) of kind @k */
static int add(struct unit_file *files, int *n, const struct unit_opts *o,
	       enum kind k, const char *name)
{
	struct unit_file *u = &files[*n];
	size_t len = 0;
	char *slash;
	FILE *f;

	snprintf(u->name, sizeof(u->name), "%s", name);
	slash = strrchr(u->name, '/');
	u->subdir = slash ? (size_t)(slash - u->name) : 0;
	u->text = NULL;
	f = open_memstream(&u->text, &len);
	if (!f)
		return -ENOMEM;
	switch (k) {
	case K_SOCKET:
		render_socket(f, o);
		break;
	case K_PROXY:
		render_proxy_service(f, o);
		break;
	case K_CONTAINER:
		render_container(f, o, o->container, true);
		break;
	case K_QUADLET:
		render_quadlet_dropin(f, o);
		break;
	case K_CROSS:
		render_cross(f, o);
		break;
	case K_FROM:
		render_container(f, o, o->from, false);
		break;
	case K_DIRECT:
		render_direct_service(f, o);
		break;
	case K_IDLE:
		render_idle(f, o);
		break;
	case K_DIRECT_QUADLET:
		render_direct_dropin(f, o);
		break;
	}
	if (fclose(f) != 0 || !u->text) {
		free(u->text);
		u->text = NULL;
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

int unit_render(const struct unit_opts *o, struct unit_file *files, int *n)
{
	char name[sizeof(files->name)];
	int r;

	*n = 0;
	if (o->mode == UNIT_MODE_ONDEMAND) {
		snprintf(name, sizeof(name), "%s.socket", o->name);
		r = add(files, n, o, K_SOCKET, name);
		snprintf(name, sizeof(name), "%s.service", o->name);
		if (!r)
			r = add(files, n, o, K_PROXY, name);
		snprintf(name, sizeof(name), "%s.d/50-bro-unit.conf",
			 o->container_unit);
		if (!r)
			r = add(files, n, o, o->quadlet ? K_QUADLET : K_CONTAINER,
				o->quadlet ? name : o->container_unit);
	} else if (o->mode == UNIT_MODE_DIRECT) {
		snprintf(name, sizeof(name), "%s.socket", o->name);
		r = add(files, n, o, K_SOCKET, name);
		if (!r && !o->quadlet)
			r = add(files, n, o, K_DIRECT, o->container_unit);
		snprintf(name, sizeof(name), "%s-idle.service", o->name);
		if (!r)
			r = add(files, n, o, K_IDLE, name);
		snprintf(name, sizeof(name), "%s.d/50-bro-unit.conf",
			 o->container_unit);
		if (!r && o->quadlet)
			r = add(files, n, o, K_DIRECT_QUADLET, name);
	} else {
		snprintf(name, sizeof(name), "%s-to-%s.service", o->from,
			 o->name);
		r = add(files, n, o, K_CROSS, name);
		if (!r)
			r = add(files, n, o, K_FROM, o->container_unit);
	}
	if (r < 0) {
		unit_files_free(files, *n);
		*n = 0;
	}
	return r;
}

void unit_files_free(struct unit_file *files, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(files[i].text);
		files[i].text = NULL;
	}
}

/* direct_next_steps() - the container's flags (the shim, read-only, and
 * its options), and what the service inside must do */
static void direct_next_steps(const struct unit_opts *o, FILE *out)
{
	const char *port = strrchr(o->listen[0], ':') + 1;

	fprintf(out, "next:\n"
		"  systemctl --user daemon-reload && systemctl --user enable --now %s.socket\n",
		o->name);
	if (o->quadlet)
		fprintf(out,
			"Quadlet: in the .container file of %s, set Network=none, remove every\n"
			"  PublishPort= line and the [Install] section (it starts on demand only), and add:\n"
			"  Volume=%s:" SOCKACT_IN_CONTAINER ":ro\n"
			"  Environment=LD_PRELOAD=" SOCKACT_IN_CONTAINER " BRO_SOCKACT_READY=notify\n",
			o->container_unit, o->shim);
	else
		fprintf(out,
			"the container must exist, without network or published ports, with the shim:\n"
			"  podman create --name %s --network=none -v %s:" SOCKACT_IN_CONTAINER ":ro \\\n"
			"    -e LD_PRELOAD=" SOCKACT_IN_CONTAINER " -e BRO_SOCKACT_READY=notify IMAGE ...\n",
			o->container, o->shim);
	fprintf(out,
		"its service must bind port %s (on %.*s or a wildcard address) and say READY=1\n"
		"  through sd_notify() (Debian's PostgreSQL, MariaDB, Redis); a static binary or a\n"
		"  service that never says READY=1 needs the relay mode (bro-unit without --direct)\n",
		port, (int)(port - 1 - o->listen[0]), o->listen[0]);
}

void unit_next_steps(const struct unit_opts *o, FILE *out)
{
	if (o->mode == UNIT_MODE_DIRECT) {
		direct_next_steps(o, out);
	} else if (o->mode == UNIT_MODE_ONDEMAND) {
		fprintf(out, "next:\n"
			"  systemctl --user daemon-reload && systemctl --user enable --now %s.socket\n",
			o->name);
		if (o->quadlet)
			fprintf(out,
				"Quadlet: in the .container file of %s, remove every PublishPort= line,\n"
				"  set Network=none and remove its [Install] section, so that it starts\n"
				"  on demand only (a drop-in cannot remove PublishPort=)\n",
				o->container_unit);
		else
			fprintf(out,
				"the container must exist, without published ports, e.g.:\n"
				"  podman create --name %s --network=none --pidfile \"$XDG_RUNTIME_DIR/bro/%s.pid\" ...\n"
				"  (--pidfile spares the first connection a podman inspect)\n",
				o->container, o->container);
	} else {
		fprintf(out, "next:\n"
			"  systemctl --user daemon-reload && systemctl --user enable %s-to-%s.service && systemctl --user start %s\n"
			"%s's container: podman create --pidfile \"$XDG_RUNTIME_DIR/bro/%s.pid\" spares a podman inspect\n"
			"%s.socket must listen on %s, e.g. from:\n"
			"  bro-unit --container %s --listen %s --target ADDR:PORT\n",
			o->from, o->name, o->container_unit, o->from, o->from,
			o->name, o->via, o->container, o->via);
	}
}
