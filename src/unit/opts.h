/* SPDX-License-Identifier: MIT */
#ifndef BRO_UNIT_OPTS_H
#define BRO_UNIT_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UNIT_NAME_MAX	128	/* a container or unit base name, in bytes */
#define UNIT_LISTEN_MAX	8	/* --listen given at most this often */
#define UNIT_ADDR_MAX	64	/* "[v6]:port" fits */
#define UNIT_PATH_MAX	108	/* sizeof(sun_path): a unix socket path */
#define UNIT_READY_MAX	256	/* --ready-cmd, in bytes */
#define UNIT_READY_PAUSE "0.002"	/* sleep(1) between --ready-cmd tries */

/* What bro-unit generates */
enum unit_mode {
	UNIT_MODE_ONDEMAND,	/* socket → helper → proxy → container A */
	UNIT_MODE_CROSS,	/* a listener in client container B → A's socket */
	UNIT_MODE_DIRECT,	/* socket → container that adopts it (sockact) */
};

/**
 * struct unit_opts - bro-unit's validated command line
 * @mode:	what to generate
 * @container:	podman container name: A, the on-demand one (--container)
 * @name:	base name of the generated units (--name, default @container)
 * @from:	client container B (--from-container), UNIT_MODE_CROSS only
 * @container_unit: the unit that runs the container: "@name-container.service"
 *		(generated) or a Quadlet-generated unit (--quadlet UNIT)
 * @quadlet:	the container unit comes from Quadlet; it is not generated
 * @listen:	ListenStream= values, normalized ("127.0.0.1:5432", "%t/x.sock")
 * @n_listen:	how many
 * @target:	the proxy's target inside the container ("127.0.0.1:5432")
 * @in_container: UNIT_MODE_CROSS: the address B's clients connect to
 * @via:	UNIT_MODE_CROSS: A's unix socket path (default "%t/bro/A.sock")
 * @idle:	--exit-idle-time for the proxy, normalized ("5min", "infinity")
 * @connect_timeout: --connect-timeout for the proxy, normalized
 * @ready:	--ready-cmd: run inside the container's network namespace until
 *		it succeeds before the proxy starts ("" when not given)
 * @ready_ms:	how long --ready-cmd is retried: the connect timeout, in ms
 * @backlog:	Backlog= of the socket
 * @shim:	UNIT_MODE_DIRECT: libbro-sockact.so on the host, for the
 *		podman create flags bro-unit prints (not in any unit file)
 * @dir:	where units are written; NULL: the user unit directory
 * @bindir:	where bro-helper and bro-proxyd are installed
 * @podman:	podman's path
 * @dry_run:	print, write nothing
 * @help, @version: print and exit
 * @cmdline:	the normalized command line, recorded in each file's header
 */
struct unit_opts {
	enum unit_mode mode;
	const char *container, *name, *from, *dir, *bindir, *podman;
	char shim[UNIT_PATH_MAX + 512];
	char container_unit[UNIT_NAME_MAX + 32];
	bool quadlet;
	char listen[UNIT_LISTEN_MAX][UNIT_PATH_MAX];
	int n_listen;
	char target[UNIT_ADDR_MAX];
	char in_container[UNIT_ADDR_MAX];
	char via[UNIT_PATH_MAX];
	char idle[32], connect_timeout[32];
	char ready[UNIT_READY_MAX];
	uint64_t ready_ms;
	unsigned backlog;
	bool dry_run, help, version;
	char cmdline[1024];
};

/**
 * unit_name_valid() - is @s a podman container name usable as a unit name?
 * @s:	the name
 *
 * Podman names match [a-zA-Z0-9][a-zA-Z0-9_.-]*; every such character is
 * also valid in a systemd unit name. At most UNIT_NAME_MAX bytes.
 * Return: NULL when valid, else a short reason
 */
const char *unit_name_valid(const char *s);

/**
 * unit_parse_inet() - parse "[ADDR:]PORT" into the ListenStream= form
 * @s:		"5432", "127.0.0.1:5432" or "[::1]:5432"
 * @need_addr:	the address may not be omitted
 * @out:	normalized, UNIT_ADDR_MAX bytes; a bare port means 127.0.0.1
 *
 * Return: NULL on success, else a short reason
 */
const char *unit_parse_inet(const char *s, bool need_addr, char *out);

/**
 * unit_parse_path() - check a unix socket path for a unit file
 * @s:		absolute, or "%t/..." (the user's runtime directory)
 * @out:	a copy, UNIT_PATH_MAX bytes
 *
 * Rejects what would change meaning in a unit file or a shell word:
 * whitespace, quotes, backslashes, '$', '%' other than the leading "%t",
 * control characters, "/../" components.
 * Return: NULL on success, else a short reason
 */
const char *unit_parse_path(const char *s, char *out);

/**
 * unit_format_timespan() - render microseconds as a systemd time span
 * @usec:	UINT64_MAX for "infinity"
 * @out, @len:	the buffer
 *
 * Uses the largest of min, s, ms, us that divides @usec exactly.
 */
void unit_format_timespan(uint64_t usec, char *out, size_t len);

/**
 * unit_opts_parse() - parse and validate bro-unit's command line; reads
 *		       argv only
 * @argc, @argv:	as given to main()
 * @o:			filled in on success (points into @argv)
 * @err, @errlen:	one-line reason on failure
 *
 * Everything is checked here, before any file is touched.
 * Return: 0 on success (also for --help/--version), -1 on a usage error
 */
int unit_opts_parse(int argc, char **argv, struct unit_opts *o,
		    char *err, size_t errlen);

#endif
