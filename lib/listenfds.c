/* SPDX-License-Identifier: MIT
 *
 * listenfds.c - the LISTEN_FDS/LISTEN_PID protocol of sd_listen_fds(3)
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "listenfds.h"
#include "parse.h"

int listen_fds_parse(const char *fds, const char *pid, pid_t self, int *n)
{
	uint64_t v;
	int p, r;

	*n = 0;
	if (!fds)
		return 0;
	r = parse_u64(fds, 0, LISTEN_FDS_MAX, &v);
	if (r < 0)
		return -EINVAL;
	if (pid) {
		if (parse_pid(pid, &p) < 0)
			return -EINVAL;
		if (p != self)
			return -ESRCH;
	}
	*n = (int)v;
	return 0;
}

int listen_fdnames_parse(const char *names, int n, const char **out,
			 char **storage)
{
	char *copy, *s;
	size_t len;
	int i;

	*storage = NULL;
	if (n < 0 || n > LISTEN_FDS_MAX)
		return -EINVAL;
	if (!names) {
		for (i = 0; i < n; i++)
			out[i] = "unknown";
		return 0;
	}
	/* no fds: systemd sets no names either, but tolerate an empty value */
	if (n == 0)
		return *names ? -EINVAL : 0;
	copy = strdup(names);
	if (!copy)
		return -ENOMEM;
	for (i = 0, s = copy; i < n; i++) {
		char *end = strchr(s, ':');
		size_t k;

		if (end)
			*end = '\0';
		len = strlen(s);
		if (len > LISTEN_FDNAME_MAX)
			goto bad;
		for (k = 0; k < len; k++)
			if (s[k] < ' ' || s[k] > '~')
				goto bad;
		out[i] = s;
		if (!end) {
			if (i != n - 1)
				goto bad;	/* fewer names than fds */
			*storage = copy;
			return 0;
		}
		s = end + 1;
	}
bad:	/* more names than fds, or a bad one */
	free(copy);
	return -EINVAL;
}
