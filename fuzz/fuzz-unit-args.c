/* SPDX-License-Identifier: MIT
 * fuzz-unit-args - bro-unit's argv parser and renderer; input is
 * NUL-separated args. Whatever the parser accepts must render, and the
 * rendered files must hold no byte the validators exist to keep out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[66], err[512];
	struct unit_file files[UNIT_FILES_MAX];
	struct unit_opts o;
	int argc = 0, n, i;
	size_t k = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "bro-unit";
	while (k <= size && argc < 65) {
		argv[argc++] = buf + k;
		k += strlen(buf + k) + 1;
	}
	argv[argc] = NULL;
	if (unit_opts_parse(argc, argv, &o, err, sizeof(err)) == 0 &&
	    !o.help && !o.version) {
		if (unit_render(&o, files, &n) < 0)
			abort();
		for (i = 0; i < n; i++) {
			const unsigned char *p = (const unsigned char *)files[i].text;

			if (strncmp(files[i].text, UNIT_MAGIC, strlen(UNIT_MAGIC)) ||
			    files[i].name[0] == '.' || files[i].name[0] == '/' ||
			    strstr(files[i].name, "/."))
				abort();
			for (; *p; p++)	/* no control bytes but newlines */
				if ((*p < ' ' && *p != '\n') || *p == 0x7f)
					abort();
		}
		unit_files_free(files, n);
	} else if (strchr(err, '\n')) {
		abort();
	}
	free(buf);
	return 0;
}
