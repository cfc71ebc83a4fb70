/* SPDX-License-Identifier: MIT
 *
 * state.c - where a namespace's relay can be found: BASE/NAME/ holds
 *   lock	flock(2)ed by the relay for as long as it lives
 *   ctl	its control socket (SOCK_SEQPACKET)
 *   info	proxy and netns path, written at create, for list
 *   log	the relay's stderr
 *   conns	the connection log (JSON lines), conns.1 its previous part
 * BASE is private (0700, ours): nothing in it is trusted beyond that, and
 * what exec enters is checked on the namespace fd itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "nsbuild.h"
#include "state.h"

#define CTL_TRIES	5	/* control requests closed unanswered are retried */
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD	77	/* Linux 6.5 */
#endif

bool name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > NAME_MAX_LEN || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* mkdir -m 0700 @path unless it exists; then it must be ours and 0700 */
static int private_dir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 0077))
		return -EPERM;
	return 0;
}

int state_base(char *buf, size_t size, const char **why)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	int r, n;

	if (getuid() == 0) {
		rt = "/run";
	} else if (!rt || rt[0] != '/') {
		*why = "XDG_RUNTIME_DIR is not set (log in with a session, or set it to a private directory)";
		return -ENOENT;
	}
	n = snprintf(buf, size, "%s/bro", rt);
	if (n < 0 || (size_t)n + 7 >= size) {
		*why = "XDG_RUNTIME_DIR is too long";
		return -ENAMETOOLONG;
	}
	*why = "the directory must be yours and mode 0700";
	r = private_dir(buf);
	if (r < 0)
		return r;
	strcat(buf, "/netns");
	return private_dir(buf);
}

int state_path(char *buf, size_t size, const char *base, const char *name,
	       const char *file)
{
	int n = snprintf(buf, size, "%s/%s%s%s", base, name, *file ? "/" : "",
			 file);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/**
 * peer_netns_ours() - is the process that listens on the other end of @fd
 *		       (@pid, from SO_PEERCRED) in our network namespace?
 *
 * The state directory is writable by a workload inside the namespace (same
 * UID): it could put a control socket of its own there and acknowledge a
 * policy it never applies. The relay lives in the namespace bro-netns
 * create ran in; a process inside cannot. The PID is pinned with a pidfd
 * (SO_PEERPIDFD) and found alive after the check, so a reused PID is not
 * taken for it; without SO_PEERPIDFD (before Linux 6.5) the check is by
 * PID alone.
 * Return: 0, -EPERM when not (or when we may not look), other -errno
 */
static int peer_netns_ours(int fd, pid_t pid)
{
	struct stat a, b;
	socklen_t l = sizeof(int);
	char p[64];
	int pidfd = -1, r = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &l) < 0) {
		if (errno != ENOPROTOOPT && errno != EINVAL)
			return -errno;	/* e.g. ESRCH: the listener is gone */
		pidfd = -1;
	}
	snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
	if (stat(p, &a) < 0 || stat("/proc/self/ns/net", &b) < 0)
		/* not ours to look at (from inside a user namespace): not ours */
		r = errno == EACCES || errno == EPERM ? -EPERM : -errno;
	else if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		r = -EPERM;
	if (pidfd >= 0) {
		if (r == 0 && pidfd_send_signal(pidfd, 0, NULL, 0) < 0)
			r = -ESRCH;
		close(pidfd);
	}
	return r;
}

static int ctl_request_once(const char *base, const char *name, const char *req,
			    int sendfd, char *rep, size_t size, int *fds,
			    int *nfds, pid_t *pid, int *keep)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	struct ucred cr;
	socklen_t l = sizeof(cr);
	int fd, r, n = 0, got[2];

	if (state_path(sa.sun_path, sizeof(sa.sun_path), base, name, "ctl") < 0)
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0 ||
	    cr.uid != getuid()) {
		r = -EPERM;
		goto out;
	}
	if (pid)
		*pid = cr.pid;
	if (sendfd >= 0) {
		r = peer_netns_ours(fd, cr.pid);
		if (r < 0) {
			r = r == -EPERM ? -EXDEV : r;
			goto out;
		}
	}
	r = send_fds(fd, req, strlen(req), &sendfd, sendfd >= 0 ? 1 : 0);
	if (r < 0)
		goto out;
	r = recv_fds(fd, rep, size - 1, got, &n, 2);
	if (r < 0)
		goto out;
	if (r == 0) {		/* EOF: closed before it answered */
		r = -ENODATA;
		goto out;
	}
	rep[r] = '\0';
	if (fds && nfds) {
		for (int i = 0; i < n; i++)
			fds[i] = got[i];
		*nfds = n;
	} else {
		while (n > 0)
			close(got[--n]);
	}
	r = 0;
	if (keep) {
		*keep = fd;
		return 0;
	}
out:
	close(fd);
	return r;
}

static int ctl_request_retry(const char *base, const char *name,
			     const char *req, int sendfd, char *rep, size_t size,
			     int *fds, int *nfds, pid_t *pid, int *keep)
{
	int r = -ENODATA;

	/* the relay closes a client it accepted before the request came
	 * when silent ones crowd it (daemon.c, Control): ask again, a
	 * bounded number of times */
	for (int i = 0; i < CTL_TRIES; i++) {
		r = ctl_request_once(base, name, req, sendfd, rep, size, fds,
				     nfds, pid, keep);
		if (r != -EPIPE && r != -ECONNRESET && r != -ENODATA)
			break;
	}
	return r;
}

int ctl_request(const char *base, const char *name, const char *req,
		char *rep, size_t size, int *fds, int *nfds, pid_t *pid,
		int *keep)
{
	return ctl_request_retry(base, name, req, -1, rep, size, fds, nfds,
				 pid, keep);
}

int ctl_request_fd(const char *base, const char *name, const char *req,
		   int sendfd, char *rep, size_t size)
{
	return ctl_request_retry(base, name, req, sendfd, rep, size, NULL, NULL,
				 NULL, NULL);
}

bool relay_alive(const char *base, const char *name)
{
	char p[PATH_MAX];
	bool alive = false;
	int fd;

	if (state_path(p, sizeof(p), base, name, "lock") < 0)
		return false;
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK)
		alive = true;
	close(fd);
	return alive;
}

int state_remove(const char *base, const char *name)
{
	static const char *const files[] = { "ctl", "lock", "info", "log",
					     "conns", "conns.1" };
	char p[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (state_path(p, sizeof(p), base, name, files[i]) == 0)
			unlink(p);
	if (state_path(p, sizeof(p), base, name, "") < 0)
		return -ENAMETOOLONG;
	return rmdir(p) < 0 ? -errno : 0;
}
