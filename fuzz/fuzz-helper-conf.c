/* SPDX-License-Identifier: MIT
 * fuzz-helper-conf - helper.conf line parser */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[CONF_LINE_MAX + 2];
	struct grant g;

	if (size > CONF_LINE_MAX)
		size = CONF_LINE_MAX;
	memcpy(line, data, size);
	line[size] = '\0';
	if (conf_parse_line(line, &g) == 1 &&
	    (!g.who || !g.pattern || g.pattern[0] != '/'))
		abort();
	return 0;
}
