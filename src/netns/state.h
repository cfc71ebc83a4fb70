/* SPDX-License-Identifier: MIT */
#ifndef BRO_NETNS_STATE_H
#define BRO_NETNS_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define NAME_MAX_LEN	32

/**
 * name_valid() - a namespace name: 1-32 of [A-Za-z0-9_.-], not starting
 *		  with '.' or '-'
 */
bool name_valid(const char *name);

/**
 * state_base() - the directory holding one directory per namespace:
 *		  $XDG_RUNTIME_DIR/bro/netns, or /run/bro/netns for root;
 *		  created 0700 if missing, refused unless ours and 0700
 * @buf:	at least PATH_MAX bytes
 * @why:	on error, a hint (static text)
 *
 * Return: 0 or -errno
 */
int state_base(char *buf, size_t size, const char **why);

/* state_path() - "BASE/NAME/FILE" (FILE may be ""); Return: 0, -ENAMETOOLONG */
int state_path(char *buf, size_t size, const char *base, const char *name,
	       const char *file);

/**
 * ctl_request() - send @req to the relay of @name, read its reply
 * @base, @name: where
 * @req:	"stats", "fds" or "stop"
 * @rep, @size: the reply text (NUL-terminated)
 * @fds, @nfds: fds passed with the reply (up to 2), or NULL
 * @pid:	the relay's PID from SO_PEERCRED, or NULL
 * @keep:	if not NULL, the connection is left open and returned here
 *
 * The relay must run as our UID (SO_PEERCRED), else -EPERM. A connection
 * closed before the answer (the relay sheds silent clients when crowded)
 * is tried again, up to 5 times in all.
 * Return: 0, -ECONNREFUSED / -ENOENT when no relay answers, other -errno
 */
int ctl_request(const char *base, const char *name, const char *req,
		char *rep, size_t size, int *fds, int *nfds, pid_t *pid,
		int *keep);

/* ctl_request_fd() - ctl_request() with @sendfd passed along (SCM_RIGHTS),
 * only to a relay in our own network namespace: -EXDEV when the socket's
 * listener is elsewhere (a workload's fake relay, or we run inside) */
int ctl_request_fd(const char *base, const char *name, const char *req,
		   int sendfd, char *rep, size_t size);

/* relay_alive() - does a relay process hold NAME's lock? */
bool relay_alive(const char *base, const char *name);

/* state_remove() - remove NAME's directory and its known files */
int state_remove(const char *base, const char *name);

#endif
