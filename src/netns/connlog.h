/* SPDX-License-Identifier: MIT */
#ifndef BRO_NETNS_CONNLOG_H
#define BRO_NETNS_CONNLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define CONNLOG_FILE	"conns"		/* in the namespace's state dir */
#define CONNLOG_OLD	"conns.1"	/* the previous one, after a rotation */
#define CONNLOG_MAX	(1u << 20)	/* bytes of CONNLOG_FILE before it rotates */
#define CONNLOG_LINE	1024		/* one line is at most this long */

/**
 * struct connlog_entry - one connection, as logged
 * @start_ms:	when it was accepted, ms since the epoch (CLOCK_REALTIME)
 * @name:	the name the client asked DNS for, or NULL
 * @sa:		the destination address (a fake one for a name)
 * @port:	the destination port
 * @allow:	the policy's verdict
 * @rule:	the rule that decided, 1-based; 0 for the default
 * @bytes_out, @bytes_in: client to destination, and back
 * @dur_ms:	from accept to close
 * @error:	why it ended badly (the proxy refused, ...), or NULL
 * @udp:	a UDP flow (through SOCKS5 UDP ASSOCIATE), not a TCP connection
 */
struct connlog_entry {
	uint64_t start_ms;
	const char *name;
	const struct sockaddr *sa;
	uint16_t port;
	bool allow;
	uint32_t rule;
	uint64_t bytes_out, bytes_in, dur_ms;
	const char *error;
	bool udp;
};

/**
 * connlog_format() - @e as one JSON object and a newline:
 *   {"time":"2026-12-02T06:40:01.123Z","name":"a.example","addr":"198.18.0.3",
 *    "port":443,"verdict":"allow","rule":2,"bytes_out":517,"bytes_in":4096,
 *    "duration_ms":35,"error":null,"proto":"tcp"}
 * Return: its length (< @size, at most CONNLOG_LINE)
 */
size_t connlog_format(const struct connlog_entry *e, char *buf, size_t size);

/**
 * struct connlog - the relay's log file of connections, bounded: when a
 *		    line would take it past CONNLOG_MAX it is renamed to
 *		    CONNLOG_OLD (replacing the one before) and started anew,
 *		    so at most 2 * CONNLOG_MAX bytes are ever kept
 * @dirfd:	the state directory
 * @fd:		the open file, -1 when it could not be opened
 * @size:	its size
 * @dropped:	lines that could not be written
 */
struct connlog {
	int dirfd, fd;
	uint64_t size, dropped;
};

/* connlog_open() - open (append) or create CONNLOG_FILE in @dirfd (@l
 * zeroed before the first call); Return: 0 or -errno (then the next line
 * tries again after moving the file aside) */
int connlog_open(struct connlog *l, int dirfd);

/* connlog_write() - append @e; never blocks (a regular file only) */
void connlog_write(struct connlog *l, const struct connlog_entry *e);

#endif
