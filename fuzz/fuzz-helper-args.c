/* SPDX-License-Identifier: MIT
 * fuzz-helper-args - bro-helper's argv parser; input is NUL-separated args */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[66], err[256];
	struct helper_args a;
	int argc = 0;
	size_t i = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "bro-helper";
	while (i <= size && argc < 65) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	if (helper_args_parse(argc, argv, &a, err, sizeof(err)) == 0 &&
	    !a.help && !a.version) {
		/* a success names exactly one target and a non-empty command */
		if (!!a.pid == !!a.path || !a.cmd || !a.cmd[0] || !a.cmd[0][0])
			abort();
	}
	free(buf);
	return 0;
}
