/* SPDX-License-Identifier: MIT */
#ifndef BRO_PROXYD_H
#define BRO_PROXYD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "args.h"
#include "relay.h"

/* what an epoll event's data points at */
enum ev_type { EV_LISTEN, EV_DGRAM, EV_FLOW, EV_CONN, EV_SIGNAL };

struct evh {
	uint8_t type;
	uint8_t side;			/* EV_CONN: 0 client, 1 target */
};

struct target {
	const char *name;		/* NULL: the positional TARGET */
	const char *text;		/* as given, for messages */
	struct addr a;
	bool stale;			/* a name whose address failed: resolve again */
	uint64_t resolved_at;
};

struct listener {
	struct evh ev;
	int fd;
	int socktype;			/* SOCK_STREAM or SOCK_DGRAM */
	bool tcp;			/* AF_INET/AF_INET6: TCP_NODELAY, keepalive */
	const char *name;		/* from LISTEN_FDNAMES or --listen NAME= */
	struct target *t;
};

enum conn_state { C_CONNECTING, C_BACKOFF, C_RELAY, C_DEAD };

/*
 * One proxied stream connection. r.fd[0] is the client from the first
 * moment, r.fd[1] the target socket (-1 between attempts). A connection is
 * on exactly one list: pending (connecting, backing off) or active.
 */
struct conn {
	struct evh ev[2];
	uint8_t state;
	bool in_epoll;			/* r.fd[1] registered */
	uint32_t backoff_ms;
	struct relay r;
	struct conn *prev, *next;
	uint64_t deadline;		/* pending: next step; active: last activity */
	uint64_t give_up;		/* --connect-timeout, absolute; 0: none */
	struct listener *l;
};

/* conn_of() - the connection an EV_CONN handle belongs to */
#define conn_of(e) ((struct conn *)(void *)((char *)((e) - (e)->side) - \
					     offsetof(struct conn, ev)))

struct conn_list {
	struct conn *head, *tail;
};

struct flow;

/**
 * struct ratelog - a warning that can come back at the loop's pace (out of
 *		    fds: every accept, every connect): one line a second at
 *		    most, the ones held back counted in the next
 * @next:	no line before this (monotonic usec)
 * @skipped:	held back since the last line
 * @last:	the last one held back, for the summary
 */
struct ratelog {
	uint64_t next;
	uint64_t skipped;
	char last[200];
};

struct proxyd {
	struct proxyd_args *args;
	int epfd;
	uint64_t now;			/* monotonic usec, once per loop turn */
	struct pipe_pool pool;

	struct listener *listeners;
	int nlisteners;
	bool accepting;			/* stream listeners in epoll for EPOLLIN */
	uint64_t accept_resume;		/* after EMFILE: try again at */
	struct ratelog log_accept;	/* accept() out of fds or memory */
	struct ratelog log_nofd;	/* a target socket out of fds */

	uint64_t nconns;		/* every struct conn not yet freed */
	struct conn_list pending, active;
	struct conn *dead;		/* freed after the epoll batch */
	uint64_t pending_next;		/* earliest deadline on pending */

	/* UDP */
	struct flow **flow_hash;
	uint32_t flow_mask;
	uint64_t nflows;
	struct flow *flow_head, *flow_tail;	/* least recently used first */

	bool draining;
	uint64_t drain_deadline;
	uint64_t idle_since;		/* nothing open since, for --exit-idle-time */
	bool exit;
};

uint64_t now_usec(void);

/* ratelog() - log_warn() @fmt now, or count it if a line went out less
 * than a second ago; ratelog_flush() - the count, once the second is over
 * (from the timers); Return: when it is due (0: nothing held back) */
void ratelog(struct proxyd *x, struct ratelog *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
uint64_t ratelog_flush(struct proxyd *x, struct ratelog *r);

/* tcp.c */
void tcp_accept(struct proxyd *x, struct listener *l);
void tcp_event(struct proxyd *x, struct conn *c, int side, uint32_t events);
uint64_t tcp_timers(struct proxyd *x);
void tcp_reap(struct proxyd *x);
void tcp_abort_all(struct proxyd *x);
void listeners_accepting(struct proxyd *x, bool on);

/* udp.c */
int udp_init(struct proxyd *x);
void udp_listener_event(struct proxyd *x, struct listener *l);
void udp_flow_event(struct proxyd *x, struct flow *f);
uint64_t udp_timers(struct proxyd *x);
void udp_close_all(struct proxyd *x);

/* bro-proxyd.c */
void proxyd_idle_check(struct proxyd *x);

#endif
