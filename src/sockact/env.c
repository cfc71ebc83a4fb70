// SPDX-License-Identifier: MIT
/*
 * env.c - the shim's options and the socket-activation variables, read from
 * /proc/self/environ (the environment the process was started with): musl
 * passes nothing to a library's init function, and without libc there is
 * no getenv().
 *
 *   BRO_SOCKACT=on|off		off: adopt nothing (sd_notify still forwards)
 *   BRO_SOCKACT_READY=bind|notify	when an inherited socket takes the
 *				program's place: at bind() (default), or when
 *				the program says READY=1 through sd_notify()
 *   BRO_SOCKACT_DEBUG=0|1	1: one line per decision on stderr
 *
 * Any other BRO_SOCKACT_* variable, or a value not listed, is an error: one
 * line on stderr and no socket is adopted.
 */
#include "sockact.h"

#define ENTRY_MAX 256

static int starts(const char *s, size_t n, const char *prefix)
{
	size_t i;

	for (i = 0; prefix[i]; i++)
		if (i >= n || s[i] != prefix[i])
			return 0;
	return 1;
}

static int equals(const char *s, const char *t)
{
	while (*s && *s == *t)
		s++, t++;
	return *s == *t;
}

/* a decimal 0..max without sign or junk; -1 otherwise */
static long number(const char *s, long max)
{
	long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return v;
}

static void bad(struct sa_env *e, const char *name, const char *value,
		const char *why)
{
	struct sa_line l;

	if (!e->ok)		/* one line: the first error */
		return;
	e->ok = 0;
	line_start(&l);
	line_str(&l, name);
	if (value) {
		line_str(&l, "='");
		line_str(&l, value);
		line_str(&l, "'");
	}
	line_str(&l, ": ");
	line_str(&l, why);
	line_str(&l, "; no socket is adopted");
	line_end(&l);
}

static void entry(struct sa_env *e, char *s, size_t n, int truncated)
{
	char *v;
	long x;

	if (!starts(s, n, "LISTEN_") && !starts(s, n, "BRO_SOCKACT") &&
	    !starts(s, n, "NOTIFY_SOCKET="))
		return;
	for (v = s; *v && *v != '='; v++)
		;
	if (!*v)
		return;
	*v++ = '\0';
	if (truncated) {
		bad(e, s, NULL, "value too long");
		return;
	}
	if (equals(s, "LISTEN_PID")) {
		if ((x = number(v, 0x7fffffff)) <= 0)
			bad(e, s, v, "not a process ID");
		else
			e->listen_pid = (int)x;
	} else if (equals(s, "LISTEN_FDS")) {
		if ((x = number(v, 1000000)) < 0)
			bad(e, s, v, "not a number of sockets");
		else if (x > SA_MAX_FDS)
			bad(e, s, v, "more sockets than the 32 examined");
		else
			e->listen_fds = (int)x;
	} else if (equals(s, "NOTIFY_SOCKET")) {
		if (sa_strlen(v) >= sizeof(e->notify_socket))
			bad(e, s, NULL, "path too long");
		else
			memcpy(e->notify_socket, v, sa_strlen(v) + 1);
	} else if (equals(s, "BRO_SOCKACT")) {
		if (equals(v, "on"))
			e->on = 1;
		else if (equals(v, "off"))
			e->on = 0;
		else
			bad(e, s, v, "not on or off");
	} else if (equals(s, "BRO_SOCKACT_READY")) {
		if (equals(v, "bind"))
			e->notify = 0;
		else if (equals(v, "notify"))
			e->notify = 1;
		else
			bad(e, s, v, "not bind or notify");
	} else if (equals(s, "BRO_SOCKACT_DEBUG")) {
		if (equals(v, "1"))
			e->debug = 1;
		else if (equals(v, "0"))
			e->debug = 0;
		else
			bad(e, s, v, "not 0 or 1");
	} else if (starts(s, n, "BRO_SOCKACT_")) {
		bad(e, s, NULL,
		    "unknown option (BRO_SOCKACT, BRO_SOCKACT_READY, BRO_SOCKACT_DEBUG)");
	}
}

void env_load(struct sa_env *e)
{
	char buf[1024], cur[ENTRY_MAX + 1];
	size_t n = 0;
	int truncated = 0;
	long fd, r, i;
	struct sa_line l;

	memset(e, 0, sizeof(*e));
	e->ok = 1;
	e->on = 1;
	fd = sa_open_ro("/proc/self/environ");
	if (fd < 0) {
		e->ok = 0;
		line_start(&l);
		line_str(&l, "open /proc/self/environ: errno ");
		line_num(&l, -fd);
		line_str(&l, "; no socket is adopted");
		line_end(&l);
		return;
	}
	for (;;) {
		r = sa_read((int)fd, buf, sizeof(buf));
		if (r == -EINTR)
			continue;
		if (r < 0) {
			e->ok = 0;
			line_start(&l);
			line_str(&l, "read /proc/self/environ: errno ");
			line_num(&l, -r);
			line_str(&l, "; no socket is adopted");
			line_end(&l);
			break;
		}
		if (r == 0)
			break;
		for (i = 0; i < r; i++) {
			if (buf[i]) {
				if (n < ENTRY_MAX)
					cur[n++] = buf[i];
				else
					truncated = 1;
				continue;
			}
			cur[n] = '\0';
			entry(e, cur, n, truncated);
			n = 0;
			truncated = 0;
		}
	}
	sa_close((int)fd);
	if (!e->ok)
		e->on = 0;
}
