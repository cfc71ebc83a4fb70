/* SPDX-License-Identifier: MIT */
#ifndef BRO_SOCKACT_H
#define BRO_SOCKACT_H
/*
 * libbro-sockact.so: internal interfaces between its files. Everything here
 * is hidden; the exported symbols are the interposed libc and libsystemd
 * functions declared at the end.
 */
#include "sys.h"

#define HIDDEN __attribute__((visibility("hidden")))
#define PUBLIC __attribute__((visibility("default")))

#define SA_MAX_FDS	32	/* inherited sockets examined */
#define SA_MAX_EPOLL	8	/* epoll registrations kept per stand-in */

/* options and the socket-activation variables, from /proc/self/environ */
struct sa_env {
	int ok;			/* 1: read and valid; 0: adopt nothing */
	int debug;		/* BRO_SOCKACT_DEBUG=1 */
	int on;			/* BRO_SOCKACT=on (default) */
	int notify;		/* BRO_SOCKACT_READY=notify (default: bind) */
	int listen_pid;		/* LISTEN_PID, 0 when unset */
	int listen_fds;		/* LISTEN_FDS, 0 when unset */
	char notify_socket[110]; /* NOTIFY_SOCKET, "" when unset */
};

/**
 * env_load() - read the options and LISTEN_PID/LISTEN_FDS/NOTIFY_SOCKET
 * @e:	filled in; on a bad option e->ok is 0 and one line went to stderr
 */
HIDDEN void env_load(struct sa_env *e);

/* one line on stderr, built piece by piece (no printf here) */
struct sa_line {
	char buf[400];
	size_t n;
};
HIDDEN void line_start(struct sa_line *l);
HIDDEN void line_str(struct sa_line *l, const char *s);
HIDDEN void line_num(struct sa_line *l, long v);
HIDDEN void line_addr(struct sa_line *l, const union sa_inet *a);
HIDDEN void line_end(struct sa_line *l);

HIDDEN size_t sa_strlen(const char *s);

/**
 * notify_send() - send a state message to NOTIFY_SOCKET as libsystemd does
 * @path:	NOTIFY_SOCKET ("/path" or "@abstract"), "" when unset
 * @state:	the message
 *
 * Return: 1 sent, 0 no socket to send to, -errno on failure
 */
HIDDEN int notify_send(const char *path, const char *state);

/* the interposed functions */
PUBLIC int bind(int fd, const void *addr, unsigned len);
PUBLIC int listen(int fd, int backlog);
PUBLIC int epoll_ctl(int epfd, int op, int fd, void *event);
PUBLIC int sd_notify(int unset_environment, const char *state);
PUBLIC int sd_pid_notify(int pid, int unset_environment, const char *state);

/* the compiler may emit calls to these; hidden, so the program keeps libc's */
HIDDEN void *memset(void *d, int c, size_t n);
HIDDEN void *memcpy(void *restrict d, const void *restrict s, size_t n);
HIDDEN void *memmove(void *d, const void *s, size_t n);
HIDDEN int memcmp(const void *a, const void *b, size_t n);

#endif
