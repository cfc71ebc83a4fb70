/* SPDX-License-Identifier: MIT
 *
 * opts.c - bro-unit's command line, validated completely before anything is
 * written. Every value that ends up in a unit file is checked against a
 * narrow syntax here, so that rendering never needs to quote or escape:
 * container and unit names (podman's own rule), addresses (literal IPv4 or
 * IPv6 with a port 1-65535), unix socket paths and binary paths (no
 * whitespace, quotes, '$', '%' or backslashes), time spans (parsed, then
 * re-rendered in one canonical form).
 *
 *	--container NAME --listen [ADDR:]PORT|PATH... --target ADDR:PORT
 *	--from-container B --container A --listen-in-container [ADDR:]PORT
 *		[--via PATH]
 *	--direct --container NAME --listen [ADDR:]PORT [--shim PATH]
 *	[--name BASE] [--quadlet UNIT] [--idle TIME] [--connect-timeout TIME]
 *	[--backlog N] [--dir DIR] [--bindir DIR] [--podman PATH] [--dry-run]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "opts.h"
#include "parse.h"

#define DEFAULT_IDLE_USEC	(5 * 60 * 1000000ULL)
#define DEFAULT_CONNECT_USEC	(30 * 1000000ULL)
#define DEFAULT_BACKLOG		1024
#define BACKLOG_MAX		65535
#define DEFAULT_BINDIR		"/usr/local/bin"
#define DEFAULT_PODMAN		"/usr/bin/podman"
#define DEFAULT_SHIM_REL	"/lib/bro/libbro-sockact.so"	/* beside bindir */

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

const char *unit_name_valid(const char *s)
{
	size_t i;

	if (!*s)
		return "empty name";
	if (!is_alnum(s[0]))
		return "must start with a letter or digit";
	for (i = 0; s[i]; i++) {
		if (i >= UNIT_NAME_MAX)
			return "longer than 128 bytes";
		if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '.' &&
		    s[i] != '-')
			return "only letters, digits, '_', '.' and '-' allowed";
	}
	return NULL;
}

/* port_parse() - "1".."65535", strict decimal */
static const char *port_parse(const char *s, unsigned *port)
{
	uint64_t v;
	int r = parse_u64(s, 1, 65535, &v);

	if (r == -ERANGE)
		return "port out of range (1 to 65535)";
	if (r < 0)
		return "port is not a decimal number";
	*port = (unsigned)v;
	return NULL;
}

const char *unit_parse_inet(const char *s, bool need_addr, char *out)
{
	char addr[INET6_ADDRSTRLEN + 1];
	unsigned char bin[sizeof(struct in6_addr)];
	const char *colon, *why;
	unsigned port;
	size_t n;

	if (!*s)
		return "empty address";
	if (s[0] == '[') {			/* [v6]:port */
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return "expected [IPv6]:PORT";
		n = (size_t)(close - s - 1);
		if (n == 0 || n >= sizeof(addr))
			return "bad IPv6 address";
		memcpy(addr, s + 1, n);
		addr[n] = '\0';
		if (inet_pton(AF_INET6, addr, bin) != 1)
			return "bad IPv6 address (a literal is needed)";
		if ((why = port_parse(close + 2, &port)))
			return why;
		snprintf(out, UNIT_ADDR_MAX, "[%s]:%u", addr, port);
		return NULL;
	}
	colon = strrchr(s, ':');
	if (!colon) {
		if (need_addr)
			return "expected ADDR:PORT";
		if ((why = port_parse(s, &port)))
			return why;
		/* loopback unless asked otherwise: least exposure */
		snprintf(out, UNIT_ADDR_MAX, "127.0.0.1:%u", port);
		return NULL;
	}
	n = (size_t)(colon - s);
	if (n == 0 || n >= sizeof(addr))
		return "bad IPv4 address";
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (strchr(addr, ':'))
		return "IPv6 addresses need brackets: [ADDR]:PORT";
	if (inet_pton(AF_INET, addr, bin) != 1)
		return "bad IPv4 address (a literal like 127.0.0.1 is needed)";
	if ((why = port_parse(colon + 1, &port)))
		return why;
	snprintf(out, UNIT_ADDR_MAX, "%s:%u", addr, port);
	return NULL;
}

/* path_chars_ok() - only characters that mean the same in a unit file, in
 * a single-quoted sh word and in an argv element */
static const char *path_chars_ok(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c == 0x7f)
			return "whitespace or control characters not allowed";
		if (strchr("\"'\\$%`;&|<>(){}*?[]!#~", c))
			return "shell or unit-file special characters not allowed";
	}
	return NULL;
}

/* ready_cmd_ok() - words of path characters, separated by single spaces:
 * pasted into a single-quoted sh word in ExecStartPost= */
static const char *ready_cmd_ok(const char *s)
{
	char word[UNIT_READY_MAX];
	const char *p = s, *why;

	if (!*s)
		return "empty command";
	if (strlen(s) >= UNIT_READY_MAX)
		return "longer than 255 bytes";
	while (*p) {
		size_t n = strcspn(p, " ");

		if (n == 0)
			return "words must be separated by single spaces";
		memcpy(word, p, n);
		word[n] = '\0';
		if ((why = path_chars_ok(word)))
			return why;
		p += n;
		if (*p == ' ' && !*++p)
			return "trailing space";
	}
	return NULL;
}

/* has_dot_component() - does path @p contain a "." or ".." component? */
static bool has_dot_component(const char *p)
{
	while (*p) {
		const char *c = p;
		size_t n;

		while (*p && *p != '/')
			p++;
		n = (size_t)(p - c);
		if ((n == 1 && c[0] == '.') || (n == 2 && !strncmp(c, "..", 2)))
			return true;
		if (*p)
			p++;
	}
	return false;
}

const char *unit_parse_path(const char *s, char *out)
{
	const char *rest = s, *why;

	if (!strncmp(s, "%t/", 3))
		rest = s + 2;
	else if (s[0] != '/')
		return "must be absolute, or start with %t/";
	if (strlen(s) >= UNIT_PATH_MAX)
		return "longer than 107 bytes (a unix socket path)";
	if ((why = path_chars_ok(rest)))
		return why;
	if (has_dot_component(rest))
		return "no . or .. components";
	if (rest[strlen(rest) - 1] == '/')
		return "names a directory";
	strcpy(out, s);
	return NULL;
}

/* bin_path_ok() - an absolute path of a directory or program */
static const char *bin_path_ok(const char *s)
{
	if (s[0] != '/')
		return "must be an absolute path";
	if (strlen(s) > 512)
		return "too long";
	return path_chars_ok(s);
}

void unit_format_timespan(uint64_t usec, char *out, size_t len)
{
	unsigned long long v = (unsigned long long)usec;

	if (usec == UINT64_MAX)
		snprintf(out, len, "infinity");
	else if (v % 60000000ULL == 0)
		snprintf(out, len, "%llumin", v / 60000000ULL);
	else if (v % 1000000ULL == 0)
		snprintf(out, len, "%llus", v / 1000000ULL);
	else if (v % 1000ULL == 0)
		snprintf(out, len, "%llums", v / 1000ULL);
	else
		snprintf(out, len, "%lluus", v);
}

static const char *timespan(const char *s, bool infinity_ok, char *out,
			    size_t len)
{
	uint64_t usec;
	int r = parse_timespan_usec(s, &usec);

	if (r == -ERANGE)
		return "time span out of range";
	if (r < 0)
		return "not a time span (e.g. 30s, 5min, 1h)";
	if (usec == 0)
		return "must be longer than 0";
	if (usec == UINT64_MAX && !infinity_ok)
		return "must be finite";
	unit_format_timespan(usec, out, len);
	return NULL;
}

/* cmd_add() - append " --opt value" to the recorded command line */
static void cmd_add(struct unit_opts *o, const char *opt, const char *val)
{
	size_t n = strlen(o->cmdline);

	snprintf(o->cmdline + n, sizeof(o->cmdline) - n, " %s%s%s", opt,
		 val ? " " : "", val ? val : "");
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

static int parse_opts(int argc, char **argv, struct unit_opts *o,
		      char *err, size_t errlen)
{
	const char *idle = NULL, *connect = NULL, *backlog = NULL;
	const char *target = NULL, *in_container = NULL, *via = NULL;
	const char *quadlet = NULL, *ready = NULL, *shim = NULL, *why;
	bool direct = false;
	const char *listen_arg[UNIT_LISTEN_MAX];
	char base[UNIT_NAME_MAX + 1];
	uint64_t v;
	int i, k;

	memset(o, 0, sizeof(*o));
	err[0] = '\0';
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = NULL, *opt = arg;
		const char **slot = NULL;

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			o->help = true;
			return 0;
		}
		if (!strcmp(arg, "--version")) {
			o->version = true;
			return 0;
		}
		if (!strcmp(arg, "--dry-run")) {
			o->dry_run = true;
			continue;
		}
		if (!strcmp(arg, "--direct")) {
			direct = true;
			continue;
		}
		if (parse_long_option("--container", argc, argv, &i, &val))
			slot = &o->container, opt = "--container";
		else if (parse_long_option("--name", argc, argv, &i, &val))
			slot = &o->name, opt = "--name";
		else if (parse_long_option("--from-container", argc, argv, &i, &val))
			slot = &o->from, opt = "--from-container";
		else if (parse_long_option("--target", argc, argv, &i, &val))
			slot = &target, opt = "--target";
		else if (parse_long_option("--listen-in-container", argc, argv, &i,
				      &val))
			slot = &in_container, opt = "--listen-in-container";
		else if (parse_long_option("--via", argc, argv, &i, &val))
			slot = &via, opt = "--via";
		else if (parse_long_option("--quadlet", argc, argv, &i, &val))
			slot = &quadlet, opt = "--quadlet";
		else if (parse_long_option("--idle", argc, argv, &i, &val))
			slot = &idle, opt = "--idle";
		else if (parse_long_option("--connect-timeout", argc, argv, &i, &val))
			slot = &connect, opt = "--connect-timeout";
		else if (parse_long_option("--ready-cmd", argc, argv, &i, &val))
			slot = &ready, opt = "--ready-cmd";
		else if (parse_long_option("--backlog", argc, argv, &i, &val))
			slot = &backlog, opt = "--backlog";
		else if (parse_long_option("--dir", argc, argv, &i, &val))
			slot = &o->dir, opt = "--dir";
		else if (parse_long_option("--bindir", argc, argv, &i, &val))
			slot = &o->bindir, opt = "--bindir";
		else if (parse_long_option("--podman", argc, argv, &i, &val))
			slot = &o->podman, opt = "--podman";
		else if (parse_long_option("--shim", argc, argv, &i, &val))
			slot = &shim, opt = "--shim";
		else if (parse_long_option("--listen", argc, argv, &i, &val)) {
			if (!val)
				FAIL("--listen needs a value");
			if (o->n_listen >= UNIT_LISTEN_MAX)
				FAIL("--listen: at most %d", UNIT_LISTEN_MAX);
			listen_arg[o->n_listen++] = val;
			continue;
		} else if (arg[0] == '-')
			FAIL("unknown option %.64s", arg);
		else
			FAIL("unexpected argument %.64s", arg);
		if (!val)
			FAIL("%s needs a value", opt);
		if (*slot)
			FAIL("%s given twice", opt);
		*slot = val;
	}

	/* the mode, and the options each mode needs or forbids */
	if (!o->container)
		FAIL("--container NAME is required");
	if ((why = unit_name_valid(o->container)))
		FAIL("--container '%.64s': %s", o->container, why);
	if (o->from && direct)
		FAIL("--direct and --from-container: one or the other");
	o->mode = o->from ? UNIT_MODE_CROSS :
		  direct ? UNIT_MODE_DIRECT : UNIT_MODE_ONDEMAND;
	if (shim && !direct)
		FAIL("--shim needs --direct");
	if (o->mode == UNIT_MODE_DIRECT) {
		/* bro-idlewatch watches one TCP socket; the service inside
		 * binds that socket's port itself, at READY=1 */
		if (o->n_listen != 1)
			FAIL("--direct needs exactly one --listen [ADDR:]PORT (bro-idlewatch watches one socket)");
		if (target || connect || ready)
			FAIL("--direct takes no --target, --connect-timeout or --ready-cmd: the service binds the --listen port itself and takes the socket when it says READY=1");
		if (in_container || via)
			FAIL("--listen-in-container and --via need --from-container");
	} else if (o->mode == UNIT_MODE_ONDEMAND) {
		if (!o->n_listen)
			FAIL("--listen [ADDR:]PORT or --listen PATH is required");
		if (!target)
			FAIL("--target ADDR:PORT is required");
		if (in_container || via)
			FAIL("--listen-in-container and --via need --from-container");
		if (ready && (why = ready_cmd_ok(ready)))
			FAIL("--ready-cmd '%.64s': %s", ready, why);
	} else {
		if ((why = unit_name_valid(o->from)))
			FAIL("--from-container '%.64s': %s", o->from, why);
		if (!strcmp(o->from, o->container))
			FAIL("--from-container: must differ from --container");
		if (!in_container)
			FAIL("--listen-in-container [ADDR:]PORT is required with --from-container");
		if (strlen(o->from) + strlen(o->name ? o->name : o->container) >
		    UNIT_NAME_MAX)
			FAIL("--from-container and --container: together longer than %d bytes (the unit B-to-A.service)",
			     UNIT_NAME_MAX);
		if (o->n_listen || target || quadlet || idle || backlog || ready)
			FAIL("--from-container takes no --listen, --target, --quadlet, --idle, --backlog or --ready-cmd (they belong to %.64s's own units)",
			     o->container);
	}
	if (!o->name)
		o->name = o->container;
	if ((why = unit_name_valid(o->name)))
		FAIL("--name '%.64s': %s", o->name, why);

	for (k = 0; k < o->n_listen; k++) {
		const char *l = listen_arg[k];

		if ((l[0] == '/' || l[0] == '%') &&
		    o->mode == UNIT_MODE_DIRECT)
			why = "--direct needs [ADDR:]PORT: the service adopts TCP sockets only";
		else if (l[0] == '/' || l[0] == '%')
			why = unit_parse_path(l, o->listen[k]);
		else
			why = unit_parse_inet(l, false, o->listen[k]);
		if (why)
			FAIL("--listen '%.64s': %s", l, why);
	}
	if (target && (why = unit_parse_inet(target, true, o->target)))
		FAIL("--target '%.64s': %s", target, why);
	if (in_container &&
	    (why = unit_parse_inet(in_container, false, o->in_container)))
		FAIL("--listen-in-container '%.64s': %s", in_container, why);
	if (o->mode == UNIT_MODE_CROSS) {
		char def[UNIT_PATH_MAX + 32];

		snprintf(def, sizeof(def), "%%t/bro/%s.sock", o->container);
		if ((why = unit_parse_path(via ? via : def, o->via)))
			FAIL("--via '%.64s': %s", via ? via : def, why);
	}
	if ((why = timespan(idle ? idle : "5min", o->mode != UNIT_MODE_DIRECT,
			    o->idle, sizeof(o->idle))))
		FAIL("--idle '%.32s': %s%s", idle, why,
		     o->mode == UNIT_MODE_DIRECT ?
		     " (with --direct, bro-idlewatch stops the container)" : "");
	if ((why = timespan(connect ? connect : "30s", false,
			    o->connect_timeout, sizeof(o->connect_timeout))))
		FAIL("--connect-timeout '%.32s': %s", connect, why);
	if (ready) {
		uint64_t usec = 0;

		parse_timespan_usec(o->connect_timeout, &usec);
		snprintf(o->ready, sizeof(o->ready), "%s", ready);
		o->ready_ms = (usec + 999) / 1000;
		if (o->ready_ms < 1)
			o->ready_ms = 1;
	}
	o->backlog = DEFAULT_BACKLOG;
	if (backlog) {
		if (parse_u64(backlog, 1, BACKLOG_MAX, &v) < 0)
			FAIL("--backlog '%.32s': expected 1 to %d", backlog,
			     BACKLOG_MAX);
		o->backlog = (unsigned)v;
	}
	if (!o->bindir)
		o->bindir = DEFAULT_BINDIR;
	if ((why = bin_path_ok(o->bindir)))
		FAIL("--bindir '%.64s': %s", o->bindir, why);
	if (!o->podman)
		o->podman = DEFAULT_PODMAN;
	if ((why = bin_path_ok(o->podman)))
		FAIL("--podman '%.64s': %s", o->podman, why);
	if (o->dir && !*o->dir)
		FAIL("--dir: empty path");
	if (o->mode == UNIT_MODE_DIRECT) {
		/* default: beside bindir, where make install puts it */
		if (shim) {
			if ((why = bin_path_ok(shim)))
				FAIL("--shim '%.64s': %s", shim, why);
			snprintf(o->shim, sizeof(o->shim), "%s", shim);
		} else {
			size_t n = strlen(o->bindir);

			while (n > 1 && o->bindir[n - 1] == '/')
				n--;
			while (n > 0 && o->bindir[n - 1] != '/')
				n--;
			while (n > 0 && o->bindir[n - 1] == '/')
				n--;
			snprintf(o->shim, sizeof(o->shim), "%.*s%s", (int)n,
				 o->bindir, DEFAULT_SHIM_REL);
		}
		if (has_dot_component(o->shim))
			FAIL("--shim '%.64s': no . or .. components", o->shim);
		if (strchr(o->shim, ':'))	/* podman's -v SRC:DST:ro */
			FAIL("--shim '%.64s': no ':' (it separates podman's -v fields)",
			     o->shim);
	}

	/* the unit that runs the container */
	if (quadlet) {
		size_t n = strlen(quadlet);

		if (n <= 8 || strcmp(quadlet + n - 8, ".service") ||
		    n - 8 > UNIT_NAME_MAX)
			FAIL("--quadlet '%.64s': expected NAME.service, the unit Quadlet makes of NAME.container",
			     quadlet);
		memcpy(base, quadlet, n - 8);
		base[n - 8] = '\0';
		if ((why = unit_name_valid(base)))
			FAIL("--quadlet '%.64s': %s", quadlet, why);
		/* direct: NAME.socket activates the Quadlet unit itself, so
		 * NAME may be its name; the relay's NAME.service may not */
		if (!strcmp(base, o->name) && o->mode != UNIT_MODE_DIRECT)
			FAIL("--quadlet %.64s: clashes with the proxy's %s.service (choose another --name)",
			     quadlet, o->name);
		if (o->mode == UNIT_MODE_DIRECT &&
		    !strncmp(base, o->name, strlen(o->name)) &&
		    !strcmp(base + strlen(o->name), "-idle"))
			FAIL("--quadlet %.64s: clashes with the idle watcher's %s-idle.service (choose another --name)",
			     quadlet, o->name);
		snprintf(o->container_unit, sizeof(o->container_unit), "%s",
			 quadlet);
		o->quadlet = true;
	} else {
		/* direct: the socket's own service runs the container */
		snprintf(o->container_unit, sizeof(o->container_unit),
			 o->mode == UNIT_MODE_DIRECT ? "%s.service" :
			 "%s-container.service",
			 o->mode == UNIT_MODE_CROSS ? o->from : o->name);
	}

	/* the normalized command line, in a fixed order */
	snprintf(o->cmdline, sizeof(o->cmdline), "bro-unit");
	if (o->mode == UNIT_MODE_CROSS)
		cmd_add(o, "--from-container", o->from);
	if (o->mode == UNIT_MODE_DIRECT)
		cmd_add(o, "--direct", NULL);
	cmd_add(o, "--container", o->container);
	if (strcmp(o->name, o->container))
		cmd_add(o, "--name", o->name);
	if (o->quadlet)
		cmd_add(o, "--quadlet", o->container_unit);
	for (k = 0; k < o->n_listen; k++)
		cmd_add(o, "--listen", o->listen[k]);
	if (o->mode != UNIT_MODE_CROSS) {
		char b[16];

		snprintf(b, sizeof(b), "%u", o->backlog);
		if (o->mode == UNIT_MODE_ONDEMAND)
			cmd_add(o, "--target", o->target);
		cmd_add(o, "--idle", o->idle);
		cmd_add(o, "--backlog", b);
	} else {
		cmd_add(o, "--listen-in-container", o->in_container);
		cmd_add(o, "--via", o->via);
	}
	if (o->mode != UNIT_MODE_DIRECT)
		cmd_add(o, "--connect-timeout", o->connect_timeout);
	if (o->ready[0]) {
		char q[UNIT_READY_MAX + 2];

		snprintf(q, sizeof(q), "'%s'", o->ready);
		cmd_add(o, "--ready-cmd", q);
	}
	if (strcmp(o->bindir, DEFAULT_BINDIR))
		cmd_add(o, "--bindir", o->bindir);
	if (strcmp(o->podman, DEFAULT_PODMAN))
		cmd_add(o, "--podman", o->podman);
	if (shim)
		cmd_add(o, "--shim", o->shim);
	if (strlen(o->cmdline) >= sizeof(o->cmdline) - 1)
		FAIL("command line too long");
	return 0;
}

int unit_opts_parse(int argc, char **argv, struct unit_opts *o,
		    char *err, size_t errlen)
{
	int r = parse_opts(argc, argv, o, err, errlen);
	char *p;

	/* the reason quotes user input: keep it one printable line */
	for (p = err; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	return r;
}
