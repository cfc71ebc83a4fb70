// SPDX-License-Identifier: MIT
/*
 * notify.c - sd_notify()'s delivery, as libsystemd does it: one datagram to
 * the AF_UNIX socket NOTIFY_SOCKET names ("@name" is an abstract name).
 * Without credentials or file descriptors.
 */
#include "sockact.h"

int notify_send(const char *path, const char *state)
{
	struct sa_un a;
	size_t plen = sa_strlen(path), slen = sa_strlen(state);
	unsigned alen;
	long fd, r;

	if (!plen)
		return 0;
	if ((path[0] != '/' && path[0] != '@') || plen < 2 ||
	    plen >= sizeof(a.path))
		return -EINVAL;	/* e.g. vsock: addresses, not handled here */
	memset(&a, 0, sizeof(a));
	a.family = SA_AF_UNIX;
	memcpy(a.path, path, plen);
	if (a.path[0] == '@')
		a.path[0] = '\0';
	alen = (unsigned)(offsetof(struct sa_un, path) + plen +
			  (path[0] == '/' ? 1 : 0));
	fd = sa_socket(SA_AF_UNIX, SA_SOCK_DGRAM | SA_SOCK_CLOEXEC, 0);
	if (fd < 0)
		return (int)fd;
	do
		r = sa_sendto((int)fd, state, slen, SA_MSG_NOSIGNAL, &a, alen);
	while (r == -EINTR);
	sa_close((int)fd);
	return r < 0 ? (int)r : 1;
}
