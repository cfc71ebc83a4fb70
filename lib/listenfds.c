/* SPDX-License-Identifier: MIT
 *
 * listenfds.c - the LISTEN_FDS/LISTEN_PID protocol of sd_listen_fds(3)
 */
#include <errno.h>
#include <stddef.h>

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
