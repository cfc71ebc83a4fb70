/* SPDX-License-Identifier: MIT */
#ifndef BRO_CONNECT_PUMP_H
#define BRO_CONNECT_PUMP_H

#include <stddef.h>

/**
 * pump_run() - relay @in -> @sock and @sock -> @out until both directions
 *		have ended: spliced through a pipe when both ends of a
 *		direction are pipes or sockets, read/write otherwise (a tty)
 * @in, @out:	stdin and stdout (pipes from ssh, sockets, a terminal);
 *		their flags are left alone (they may be shared)
 * @sock:	the tunnel, non-blocking; EOF on @in is passed on with
 *		shutdown(SHUT_WR), EOF on @sock by closing @out
 * @what, @size: on failure, the step and object that failed
 *
 * Return: 0 when both directions ended (or @out's reader left), -errno
 */
int pump_run(int in, int out, int sock, char *what, size_t size);

#endif
