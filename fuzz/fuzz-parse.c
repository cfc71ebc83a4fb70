/* SPDX-License-Identifier: MIT
 * fuzz-parse - number, PID, time-span and LISTEN_FDS parsers */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "listenfds.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *t;
	uint64_t v;
	int p, n;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	parse_u64(s, 0, UINT64_MAX, &v);
	parse_pid(s, &p);
	parse_timespan_usec(s, &v);
	t = memchr(s, '\n', size);
	if (t)
		*t++ = '\0';
	if (listen_fds_parse(s, t, 42, &n) == 0 &&
	    (n < 0 || n > LISTEN_FDS_MAX))
		abort();
	free(s);
	return 0;
}
