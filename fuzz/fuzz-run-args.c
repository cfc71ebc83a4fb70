/* SPDX-License-Identifier: MIT
 * fuzz-run-args - bro-run's argv parser and --args FD splitter: the input
 * is NUL-separated arguments; the first half is argv, the rest is what
 * --args 3 reads */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *file_data;
static size_t file_len;

static int reader(int fd, char **buf, size_t *len)
{
	if (fd != 3)
		return -EBADF;
	*buf = malloc(file_len + 1);
	if (!*buf)
		return -ENOMEM;
	memcpy(*buf, file_data, file_len);
	(*buf)[file_len] = '\0';
	*len = file_len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t half = size / 2;
	char *buf = malloc(half + 1), *argv[130];
	struct run_opts o;
	int n;

	if (!buf)
		return 0;
	memcpy(buf, data, half);
	buf[half] = '\0';
	file_data = data + half;
	file_len = size - half;
	argv[0] = "bro-run";
	n = run_args_split(buf, half, argv + 1, 128);
	if (n < 0)
		n = 0;
	argv[n + 1] = NULL;
	run_opts_init(&o, 0);
	o.read_fd = reader;
	if (run_args_parse(&o, n + 1, argv) == 0) {
		/* every operation names a destination or a source, and --perms
		 * and --size never dangle */
		for (size_t i = 0; i < o.nops; i++)
			if (!o.ops[i].dest && !o.ops[i].src)
				abort();
		if (o.next_perms != -1 || o.next_size)
			abort();
		if (o.cmd && o.ncmd <= 0)
			abort();
	} else if (!o.err[0]) {
		abort();	/* a refusal always says why */
	}
	run_opts_free(&o);
	free(buf);
	return 0;
}
