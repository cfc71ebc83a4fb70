/* SPDX-License-Identifier: MIT */
#ifndef BRO_NOTIFY_H
#define BRO_NOTIFY_H

/**
 * notify_init() - open the sd_notify(3) socket named by NOTIFY_SOCKET
 *		   (a path or an @abstract name), once, at start
 *
 * Return: 1 when there is one to talk to, 0 when NOTIFY_SOCKET is unset,
 *	   -errno when it is set but unusable
 */
int notify_init(void);

/**
 * notify() - send one state message ("READY=1\nSTATUS=...")
 * @fmt:	printf format of the message
 *
 * Return: 0 (also when there is no notify socket), or -errno
 */
int notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
