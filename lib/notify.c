/* SPDX-License-Identifier: MIT
 *
 * notify.c - the sd_notify(3) protocol: datagrams of "KEY=VALUE" lines to
 * the AF_UNIX socket in NOTIFY_SOCKET, for services with Type=notify.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

static int notify_fd = -1;
static struct sockaddr_un notify_sa;
static socklen_t notify_len;

int notify_init(void)
{
	const char *e = getenv("NOTIFY_SOCKET");
	size_t n;

	if (!e || !*e)
		return 0;
	n = strlen(e);
	if ((e[0] != '/' && e[0] != '@') || n >= sizeof(notify_sa.sun_path))
		return -EINVAL;
	notify_sa.sun_family = AF_UNIX;
	memcpy(notify_sa.sun_path, e, n);
	if (e[0] == '@')
		notify_sa.sun_path[0] = '\0';
	notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
				 (e[0] == '/'));
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (notify_fd < 0)
		return -errno;
	/* children (there are none) must not talk for us */
	unsetenv("NOTIFY_SOCKET");
	return 1;
}

int notify(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (notify_fd < 0)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	if (sendto(notify_fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT,
		   (struct sockaddr *)&notify_sa, notify_len) < 0)
		return -errno;
	return 0;
}
