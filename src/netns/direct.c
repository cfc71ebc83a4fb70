/* SPDX-License-Identifier: MIT
 *
 * direct.c - --proxy direct: the relay connects itself, from the host's
 * network namespace, with no proxy. A connection to a fake address is
 * connected by the name the client asked for, resolved with the host's
 * resolver (getaddrinfo: /etc/hosts, nsswitch, resolv.conf, as any program
 * on the host would).
 *
 * getaddrinfo() blocks, for seconds when a DNS server is slow, and the
 * relay is one event loop serving every connection. So names are resolved
 * by DIRECT_WORKERS threads that do nothing else: the loop queues a job
 * (direct_resolve()), a thread takes it, resolves, puts it on the done list
 * and writes the eventfd; the loop picks it up (direct_done()) and
 * connects. The threads touch only the queue (under the mutex) and the job
 * they hold: the connection a job is for (@owner) is the loop's alone,
 * and a connection that goes away meanwhile only sets @owner to NULL. At
 * most DIRECT_PENDING jobs at once (then the connection fails at once);
 * a name that takes longer than the handshake's deadline fails its
 * connection then, and its thread's result is thrown away when it comes.
 * glibc's getaddrinfo_a() would do the same with a thread per request
 * and a signal or a thread callback per answer; a fixed pool and an
 * eventfd keep the count of threads bounded and the loop signal-free.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "direct.h"
#include "nsbuild.h"

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct direct_job *queue, **qtail;	/* waiting, oldest first */
	struct direct_job *done;		/* finished, any order */
	unsigned pending;			/* the loop's count: queued to picked up */
	int efd;
} R = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
	.efd = -1 };

static void *worker(void *arg)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_protocol = IPPROTO_TCP,
				  .ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV };
	const uint64_t one = 1;
	struct direct_job *j;
	char port[8];

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&R.mu);
		while (!R.queue)
			pthread_cond_wait(&R.cv, &R.mu);
		j = R.queue;
		R.queue = j->next;
		if (!R.queue)
			R.qtail = &R.queue;
		pthread_mutex_unlock(&R.mu);

		snprintf(port, sizeof(port), "%u", j->port);
		j->gai = getaddrinfo(j->name, port, &hints, &j->ai);
		if (j->gai != 0) {
			j->ai = NULL;
			snprintf(j->why, sizeof(j->why), "getaddrinfo: %s",
				 gai_strerror(j->gai));
		}
		j->cur = j->ai;

		pthread_mutex_lock(&R.mu);
		j->next = R.done;
		R.done = j;
		pthread_mutex_unlock(&R.mu);
		if (write(R.efd, &one, sizeof(one)) < 0) {
			/* the counter cannot overflow at 8 bytes a job */
		}
	}
	return NULL;
}

int direct_init(void)
{
	pthread_attr_t at;
	pthread_t t;
	int r;

	R.qtail = &R.queue;
	R.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (R.efd < 0)
		return -errno;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	/* getaddrinfo with nsswitch modules wants some room, not 8 MiB each */
	pthread_attr_setstacksize(&at, 256 * 1024);
	for (int i = 0; i < DIRECT_WORKERS; i++) {
		r = pthread_create(&t, &at, worker, NULL);
		if (r) {
			pthread_attr_destroy(&at);
			return -r;
		}
	}
	pthread_attr_destroy(&at);
	return R.efd;
}

struct direct_job *direct_resolve(const char *name, uint16_t port, void *owner)
{
	struct direct_job *j;

	if (R.pending >= DIRECT_PENDING)
		return NULL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->owner = owner;
	snprintf(j->name, sizeof(j->name), "%s", name);
	j->port = port;
	R.pending++;
	pthread_mutex_lock(&R.mu);
	*R.qtail = j;
	R.qtail = &j->next;
	pthread_cond_signal(&R.cv);
	pthread_mutex_unlock(&R.mu);
	return j;
}

static void job_free(struct direct_job *j)
{
	if (j->ai)
		freeaddrinfo(j->ai);
	free(j);
}

struct direct_job *direct_done(void)
{
	struct direct_job *j;
	uint64_t v;

	if (read(R.efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: a previous call took them; the list says */
	}
	for (;;) {
		pthread_mutex_lock(&R.mu);
		j = R.done;
		if (j)
			R.done = j->next;
		pthread_mutex_unlock(&R.mu);
		if (!j)
			return NULL;
		R.pending--;
		j->next = NULL;
		if (j->owner) {
			j->finished = true;	/* direct_release() frees it */
			return j;
		}
		job_free(j);		/* its connection is gone */
	}
}

void direct_release(struct direct_job *j)
{
	if (!j)
		return;
	if (j->finished)
		job_free(j);
	else
		j->owner = NULL;
}

static bool v4_refused(uint32_t a)
{
	return (a >> 24) == 127 || (a >> 24) == 0 ||
	       (a & 0xfffe0000u) == 0xc6120000u;	/* 198.18.0.0/15 */
}

const char *direct_addr_ok(const struct sockaddr *sa)
{
	static const char why[] = "refused: a loopback, unspecified or "
				  "fake address on the host";
	struct in6_addr own6;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		return v4_refused(ntohl(s4->sin_addr.s_addr)) ? why : NULL;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		uint32_t v4;

		if (IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a))
			return why;
		if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a)) {
			memcpy(&v4, &a->s6_addr[12], 4);
			return v4_refused(ntohl(v4)) ? why : NULL;
		}
		if (inet_pton(AF_INET6, NS_ADDR6, &own6) == 1 &&
		    IN6_ARE_ADDR_EQUAL(a, &own6))
			return why;
		return NULL;
	}
	return "refused: not an IPv4 or IPv6 address";
}

const struct addrinfo *direct_next(struct direct_job *j)
{
	const struct addrinfo *ai;
	const char *why;

	while ((ai = j->cur) != NULL) {
		j->cur = ai->ai_next;
		why = direct_addr_ok(ai->ai_addr);
		if (!why)
			return ai;
		snprintf(j->why, sizeof(j->why), "%s", why);
	}
	return NULL;
}
