/* SPDX-License-Identifier: MIT
 *
 * parse.c - strict parsers for numbers and time spans taken from argv or the
 * environment. They accept exactly the documented syntax and nothing else:
 * no locale, no leading space, no sign, no hex.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "parse.h"

#define PID_MAX_LIMIT 4194304

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	bool range = false;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			range = true;
		else
			v = v * 10 + (uint64_t)(*s - '0');
	}
	if (range || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_pid(const char *s, int *pid)
{
	uint64_t v;
	int r = parse_u64(s, 1, PID_MAX_LIMIT, &v);

	if (r == 0)
		*pid = (int)v;
	return r;
}

static const struct {
	const char *suffix;
	uint64_t usec;
} time_units[] = {
	/* longest first where one suffix is a prefix of another */
	{ "usec", 1 }, { "us", 1 }, { "µs", 1 },
	{ "msec", 1000 }, { "ms", 1000 },
	{ "seconds", 1000000 }, { "second", 1000000 }, { "sec", 1000000 },
	{ "s", 1000000 },
	{ "minutes", 60000000 }, { "minute", 60000000 }, { "min", 60000000 },
	{ "m", 60000000 },
	{ "hours", 3600000000ULL }, { "hour", 3600000000ULL },
	{ "hr", 3600000000ULL }, { "h", 3600000000ULL },
	{ "days", 86400000000ULL }, { "day", 86400000000ULL },
	{ "d", 86400000000ULL },
	{ "weeks", 604800000000ULL }, { "week", 604800000000ULL },
	{ "w", 604800000000ULL },
};

static int add_checked(uint64_t *acc, uint64_t v)
{
	if (*acc > UINT64_MAX - 1 - v)
		return -ERANGE;
	*acc += v;
	return 0;
}

int parse_timespan_usec(const char *s, uint64_t *usec)
{
	uint64_t total = 0;
	bool any = false;

	if (!s)
		return -EINVAL;
	if (!strcmp(s, "infinity")) {
		*usec = UINT64_MAX;
		return 0;
	}
	while (*s) {
		uint64_t whole = 0, frac = 0, fracdiv = 1, unit = 1000000;
		bool digits = false;
		size_t i, n;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		for (; *s >= '0' && *s <= '9'; s++, digits = true) {
			if (whole > (UINT64_MAX - 9) / 10)
				return -ERANGE;
			whole = whole * 10 + (uint64_t)(*s - '0');
		}
		if (*s == '.') {
			for (s++; *s >= '0' && *s <= '9'; s++, digits = true) {
				if (fracdiv <= UINT64_MAX / 10 / 1000000) {
					frac = frac * 10 + (uint64_t)(*s - '0');
					fracdiv *= 10;
				}
			}
		}
		if (!digits)
			return -EINVAL;
		while (*s == ' ')
			s++;
		for (i = 0; i < sizeof(time_units) / sizeof(time_units[0]); i++) {
			n = strlen(time_units[i].suffix);
			if (!strncmp(s, time_units[i].suffix, n) &&
			    !(s[n] >= 'a' && s[n] <= 'z')) {
				unit = time_units[i].usec;
				s += n;
				break;
			}
		}
		if (*s && *s != ' ' && !(*s >= '0' && *s <= '9'))
			return -EINVAL;
		if (whole && unit > UINT64_MAX / whole)
			return -ERANGE;
		if (add_checked(&total, whole * unit) < 0 ||
		    add_checked(&total, frac * unit / fracdiv) < 0)
			return -ERANGE;
		any = true;
	}
	if (!any)
		return -EINVAL;
	*usec = total;
	return 0;
}

int parse_long_option(const char *name, int argc, char **argv, int *i,
		      const char **val)
{
	size_t n = strlen(name);
	const char *arg = argv[*i];

	if (strncmp(arg, name, n))
		return 0;
	if (arg[n] == '=') {
		*val = arg + n + 1;
		return 1;
	}
	if (arg[n])
		return 0;
	*val = *i + 1 < argc ? argv[++*i] : NULL;
	return 1;
}
