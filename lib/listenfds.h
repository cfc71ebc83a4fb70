/* SPDX-License-Identifier: MIT */
#ifndef BRO_LISTENFDS_H
#define BRO_LISTENFDS_H

#include <sys/types.h>

#define LISTEN_FDS_START 3
/* sd_listen_fds() has no limit; ours keeps a bad value from closing or
 * keeping an unbounded fd range */
#define LISTEN_FDS_MAX   4096

/**
 * listen_fds_parse() - validate socket-activation variables (sd_listen_fds(3))
 * @fds:	value of LISTEN_FDS, or NULL
 * @pid:	value of LISTEN_PID, or NULL (unset: the fds are taken as ours)
 * @self:	our PID
 * @n:		number of fds, from LISTEN_FDS_START, on success
 *
 * Return: 0 with *@n set (0 when LISTEN_FDS is unset), -EINVAL when a value
 * is malformed or out of range, -ESRCH when LISTEN_PID names another process
 */
int listen_fds_parse(const char *fds, const char *pid, pid_t self, int *n);

/* a name from FileDescriptorName= (systemd.socket(5)) */
#define LISTEN_FDNAME_MAX 255

/**
 * listen_fdnames_parse() - split LISTEN_FDNAMES (sd_listen_fds_with_names(3))
 * @names:	value of LISTEN_FDNAMES, or NULL (then every name is "unknown")
 * @n:		number of fds, from listen_fds_parse()
 * @out:	@n pointers, set to the names (into *@storage, or static)
 * @storage:	set to a malloc'd copy of @names the pointers point into, or
 *		NULL; the caller frees it
 *
 * Names are separated by ':'; there must be exactly @n of them, each at most
 * LISTEN_FDNAME_MAX printable ASCII characters.
 *
 * Return: 0, -EINVAL when malformed or not @n names, -ENOMEM
 */
int listen_fdnames_parse(const char *names, int n, const char **out,
			 char **storage);

#endif
