/* SPDX-License-Identifier: MIT
 * fuzz-fdnames - LISTEN_FDNAMES splitting: first byte is the fd count */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "listenfds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *names[256];
	char *s, *storage;
	int n, i;

	if (size < 1)
		return 0;
	n = data[0];
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (listen_fdnames_parse(s, n, names, &storage) == 0) {
		for (i = 0; i < n; i++)
			if (!names[i] || strlen(names[i]) > LISTEN_FDNAME_MAX ||
			    strchr(names[i], ':'))
				abort();
	}
	free(storage);
	free(s);
	return 0;
}
