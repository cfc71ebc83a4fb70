/* SPDX-License-Identifier: MIT
 *
 * connlog.c - the log of every connection the relay saw, allowed or denied:
 * one JSON object per line in BASE/NAME/conns, written whole with one
 * write(2) (O_APPEND) so that a reader never sees half a line, rotated to
 * conns.1 at CONNLOG_MAX bytes. The state directory is the user's own, and
 * a workload inside runs as that user: it may replace the file with a FIFO
 * or a symlink, so the file is opened O_NOFOLLOW | O_NONBLOCK and used only
 * if it is a regular file: the relay never waits on it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "connlog.h"

/* a JSON string (or null) for text that may hold anything */
static size_t json_str(char *out, size_t size, const char *s)
{
	size_t o = 0;

	if (!s)
		return (size_t)snprintf(out, size, "null");
	if (size < 3)
		return 0;
	out[o++] = '"';
	for (; *s && o + 8 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)snprintf(out + o, size - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return o;
}

size_t connlog_format(const struct connlog_entry *e, char *buf, size_t size)
{
	char ts[32], addr[INET6_ADDRSTRLEN] = "", name[2 * 260], err[300], rule[16];
	time_t sec = (time_t)(e->start_ms / 1000);
	struct tm tm;
	int n;

	gmtime_r(&sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	if (e->sa && e->sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)e->sa)->sin_addr,
			  addr, sizeof(addr));
	else if (e->sa && e->sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)e->sa)->sin6_addr,
			  addr, sizeof(addr));
	json_str(name, sizeof(name), e->name);
	json_str(err, sizeof(err), e->error);
	if (e->rule)
		snprintf(rule, sizeof(rule), "%u", e->rule);
	else
		snprintf(rule, sizeof(rule), "null");
	n = snprintf(buf, size,
		"{\"time\":\"%s.%03uZ\",\"name\":%s,\"addr\":\"%s\",\"port\":%u,"
		"\"verdict\":\"%s\",\"rule\":%s,\"bytes_out\":%llu,\"bytes_in\":%llu,"
		"\"duration_ms\":%llu,\"error\":%s,\"proto\":\"%s\"}\n",
		ts, (unsigned)(e->start_ms % 1000), name, addr, e->port,
		e->allow ? "allow" : "deny", rule,
		(unsigned long long)e->bytes_out, (unsigned long long)e->bytes_in,
		(unsigned long long)e->dur_ms, err, e->udp ? "udp" : "tcp");
	if (n < 0)
		return 0;
	return (size_t)n >= size ? 0 : (size_t)n;
}

int connlog_open(struct connlog *l, int dirfd)
{
	struct stat st;
	int fd;

	l->dirfd = dirfd;
	l->fd = -1;
	l->size = 0;
	fd = openat(dirfd, CONNLOG_FILE, O_WRONLY | O_CREAT | O_APPEND |
		    O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	l->fd = fd;
	l->size = (uint64_t)st.st_size;
	return 0;
}

static void rotate(struct connlog *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	renameat(l->dirfd, CONNLOG_FILE, l->dirfd, CONNLOG_OLD);
	unlinkat(l->dirfd, CONNLOG_FILE, 0);	/* should the rename fail */
	connlog_open(l, l->dirfd);
}

void connlog_write(struct connlog *l, const struct connlog_entry *e)
{
	char line[CONNLOG_LINE];
	size_t n = connlog_format(e, line, sizeof(line));
	ssize_t w;

	if (n == 0 || l->dirfd < 0) {
		l->dropped++;
		return;
	}
	if (l->fd < 0 || l->size + n > CONNLOG_MAX)
		rotate(l);
	if (l->fd < 0) {
		l->dropped++;
		return;
	}
	w = write(l->fd, line, n);
	if (w != (ssize_t)n)
		l->dropped++;
	if (w > 0)
		l->size += (uint64_t)w;
}
