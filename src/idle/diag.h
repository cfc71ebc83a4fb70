/* SPDX-License-Identifier: MIT */
#ifndef BRO_IDLE_DIAG_H
#define BRO_IDLE_DIAG_H

#include <sys/socket.h>

/**
 * diag_busy() - does the TCP socket listening on @sa have any connection:
 *		 one waiting in its accept queue, or one accepted and not yet
 *		 closed (any state but LISTEN, SYN_SENT, TIME_WAIT, CLOSE)?
 *		 Read through sock_diag (inet_diag) in the caller's network
 *		 namespace, where the accepted sockets live whichever
 *		 namespace the process that accepted them is in.
 * @sa, @len:	the listening address (AF_INET/AF_INET6); a wildcard address
 *		matches every local address with that port
 *
 * Return: the number of connections (0: idle), or -errno
 */
int diag_busy(const struct sockaddr *sa, socklen_t len);

#endif
