/* SPDX-License-Identifier: MIT
 * unit-netns-direct - where --proxy direct's relay may connect, and a name
 * resolved by the resolver threads */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "direct.h"
#include "tap.h"

static bool refused(const char *addr)
{
	struct sockaddr_storage ss = { 0 };

	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &s4->sin_addr);
	}
	return direct_addr_ok((struct sockaddr *)&ss) != NULL;
}

int main(void)
{
	static const char *no[] = { "127.0.0.1", "127.255.1.2", "0.0.0.0", "0.1.2.3",
		"198.18.0.1", "198.19.255.254", "::1", "::", "::ffff:127.0.0.1",
		"::ffff:198.18.3.4", "::127.0.0.1", "fd62:726f::1" };
	static const char *yes[] = { "10.1.2.3", "192.0.2.7", "198.20.0.1", "198.17.255.255",
		"126.255.255.255", "2001:db8::1", "::ffff:192.0.2.7", "fd62:726f::2" };
	struct sockaddr sa = { .sa_family = AF_UNIX };
	struct direct_job *j, *gone;
	const struct addrinfo *ai;
	struct pollfd pfd;
	int efd, n = 0;

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ok(refused(no[i]), "refused: %s", no[i]);
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ok(!refused(yes[i]), "allowed: %s", yes[i]);
	ok(direct_addr_ok(&sa) != NULL, "refused: not IP");

	/* the threads, with names that need no resolver: literals */
	efd = direct_init();
	ok(efd >= 0, "direct_init");
	gone = direct_resolve("192.0.2.9", 80, &n);
	j = direct_resolve("127.0.0.1", 443, &n);
	ok(gone && j, "two jobs queued");
	direct_release(gone);		/* its connection went away */
	pfd = (struct pollfd){ .fd = efd, .events = POLLIN };
	for (int i = 0; i < 100 && !(j && j->finished); i++) {
		struct direct_job *d;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		while ((d = direct_done()) != NULL)
			ok(d == j && d->owner == &n, "the live job comes back, not the released one");
	}
	ok(j->finished && j->gai == 0, "resolved: 127.0.0.1");
	ai = direct_next(j);
	ok(ai == NULL, "  its only address is refused");
	is_str(j->why, "refused: a loopback, unspecified or fake address on the host", "  and says why");
	direct_release(j);
	return tap_done();
}
