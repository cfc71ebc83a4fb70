/* SPDX-License-Identifier: MIT
 * unit-parse - lib/parse.c and lib/listenfds.c */
#include <errno.h>
#include <stdint.h>

#include "listenfds.h"
#include "parse.h"
#include "tap.h"

static void pid(const char *s, int want_r, int want)
{
	int p = -1, r = parse_pid(s, &p);

	is_int(r, want_r, "parse_pid(\"%s\") returns %d", s, want_r);
	if (want_r == 0)
		is_int(p, want, "parse_pid(\"%s\") = %d", s, want);
}

static void span(const char *s, int want_r, uint64_t want)
{
	uint64_t v = 0;
	int r = parse_timespan_usec(s, &v);

	is_int(r, want_r, "timespan \"%s\" returns %d", s, want_r);
	if (want_r == 0)
		ok(v == want, "timespan \"%s\" = %llu us (got %llu)", s,
		   (unsigned long long)want, (unsigned long long)v);
}

static void lfds(const char *fds, const char *p, int want_r, int want)
{
	int n = -1, r = listen_fds_parse(fds, p, 42, &n);

	is_int(r, want_r, "LISTEN_FDS=%s LISTEN_PID=%s returns %d",
	       fds ? fds : "(unset)", p ? p : "(unset)", want_r);
	if (want_r == 0)
		is_int(n, want, "  and gives %d fds", want);
}

int main(void)
{
	uint64_t v;

	pid("1", 0, 1);
	pid("4242", 0, 4242);
	pid("4194304", 0, 4194304);
	pid("4194305", -ERANGE, 0);
	pid("0", -ERANGE, 0);
	pid("-1", -EINVAL, 0);
	pid("+1", -EINVAL, 0);
	pid(" 1", -EINVAL, 0);
	pid("1 ", -EINVAL, 0);
	pid("0x10", -EINVAL, 0);
	pid("", -EINVAL, 0);
	pid("99999999999999999999999999", -ERANGE, 0);
	pid("12a", -EINVAL, 0);
	is_int(parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0,
	       "u64 max parses");
	ok(v == UINT64_MAX, "u64 max value");
	is_int(parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE,
	       "u64 max + 1 is out of range");

	span("30s", 0, 30000000);
	span("30", 0, 30000000);
	span("5min", 0, 300000000);
	span("1min 30s", 0, 90000000);
	span("1min30s", 0, 90000000);
	span("1.5s", 0, 1500000);
	span("250ms", 0, 250000);
	span("2h", 0, 7200000000ULL);
	span("1d", 0, 86400000000ULL);
	span("100us", 0, 100);
	span("infinity", 0, UINT64_MAX);
	span("", -EINVAL, 0);
	span("s", -EINVAL, 0);
	span("5 parsecs", -EINVAL, 0);
	span("5mins", -EINVAL, 0);
	span("-5s", -EINVAL, 0);
	span("99999999999999999999w", -ERANGE, 0);
	span("40000000w", -ERANGE, 0);

	lfds(NULL, NULL, 0, 0);
	lfds("2", "42", 0, 2);
	lfds("2", NULL, 0, 2);
	lfds("0", "42", 0, 0);
	lfds("2", "43", -ESRCH, 0);
	lfds("x", "42", -EINVAL, 0);
	lfds("-1", "42", -EINVAL, 0);
	lfds("4097", "42", -EINVAL, 0);
	lfds("2", "x", -EINVAL, 0);
	return tap_done();
}
