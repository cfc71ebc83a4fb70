/* SPDX-License-Identifier: MIT */
#ifndef BRO_RELAY_ARGS_H
#define BRO_RELAY_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"

/**
 * struct endpoint - tcp:HOST:PORT or unix:PATH (unix:@NAME abstract)
 * @tcp:	a TCP address, else a unix one
 * @a:		the address (a TCP name resolved later)
 * @text:	as given, for messages
 */
struct endpoint {
	bool tcp;
	struct addr a;
	const char *text;
};

/**
 * struct relay_args - bro-relay's command line
 * @listen_set:	--listen given (else the listener comes from LISTEN_FDS)
 * @ready_fd:	--ready-fd, -1 if not given
 * @parent:	--parent-pid, 0 if not given
 * @conns_max:	--connections-max
 */
struct relay_args {
	bool listen_set;
	struct endpoint listen, to;
	int ready_fd;
	pid_t parent;
	unsigned conns_max;
};

#define RELAY_CONNS_MAX_DEFAULT	256

/* endpoint_parse() - "tcp:HOST:PORT" (a port required; IPv6 in brackets)
 * or "unix:/path" / "unix:@name"; Return: 0, -EINVAL */
int endpoint_parse(const char *s, struct endpoint *e);

/**
 * relay_args_parse() - the command line, no syscall
 * @err, @errsize: on failure, a one-line reason
 * Return: 0, 1 for --help/--version (printed into @err), -EINVAL
 */
int relay_args_parse(int argc, char **argv, struct relay_args *a, char *err,
		     size_t errsize);

#endif
