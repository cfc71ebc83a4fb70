/* SPDX-License-Identifier: MIT
 *
 * unixbroker.c - --allow-unix PATH: named host unix sockets stay reachable
 * under --seccomp-unix-block, and nothing else does.
 *
 * With --allow-unix the unix-block profile lets socket(AF_UNIX) make stream
 * and seqpacket sockets (datagram and raw stay EPERM: their sendto() names
 * any socket without a connect()), and sends every connect() to a seccomp
 * user-notification listener (lib/confine.c). The command passes the
 * listener's fd to the launcher over a socketpair; a thread of the
 * launcher (outside the sandbox, and the command's ancestor, so that its
 * ptrace access check passes even under Yama) answers each connect():
 *
 *  1. pidfd_open() of the caller, the notification checked still valid
 *     (the PID not reused), pidfd_getfd() of the socket, the sockaddr read
 *     with process_vm_readv() into our own memory, checked valid again.
 *  2. The socket is not AF_UNIX (TCP, ...): the broker connect()s that very
 *     socket (its own duplicate of the same file) to the address it read,
 *     and returns the result. Never SECCOMP_USER_NOTIF_FLAG_CONTINUE: the
 *     kernel would re-read the fd table and the memory, which another
 *     thread of the command could have changed since (a dup2() of a unix
 *     socket over the fd).
 *  3. AF_UNIX: the path read (our copy) must equal one of the --allow-unix
 *     paths exactly (abstract names and anything else: EACCES). The broker
 *     then makes a socket of its own of the same type, connects it to the
 *     inode pinned at start (O_PATH, /proc/self/fd/N: a path swapped for a
 *     symlink afterwards does not redirect it), and installs it in place of
 *     the command's fd (SECCOMP_IOCTL_NOTIF_ADDFD, SECCOMP_ADDFD_FLAG_SETFD,
 *     O_NONBLOCK carried over), returning 0. What the command's memory
 *     says after the check does not matter: the connection is the broker's.
 * Each notification is answered by a thread of its own (at most 64 at a
 * time, EAGAIN beyond), so a slow TCP connect does not hold up the others.
 * bind() of a unix path is left alone: a socket bound in the sandbox can be
 * reached from inside only through connect(), which comes here.
 * If the launcher is gone, connect() fails (ENOSYS): closed, not open.
 *
 * The same thread is the one supervisor of the filter's one listener (the
 * kernel allows one per filter) for --report too: there the profiles'
 * EPERM rules notify instead of answering (lib/confine.c, CONFINE_REPORT),
 * and every notification but connect() goes to report.c's recorder and is
 * answered EPERM at once, in this thread (no memory of the caller is read:
 * the recorded arguments are the registers the kernel passed). The
 * broker's own refusals of a unix path (EACCES) are recorded too.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "linux-api.h"
#include "log.h"
#include "run.h"

#define DIE(...) log_die(1, __VA_ARGS__)
#define WORKERS_MAX	64

static int ub[2] = { -1, -1 };		/* command -> launcher: the listener */
static int pins[RUN_MAX_ALLOW_UNIX];
static const char *const *paths;
static size_t npaths;
static int nfd = -1;
static atomic_int workers;
static bool recording;			/* --report */
static const char *who = "--allow-unix";

bool run_notify_wanted(const struct run_opts *o)
{
	return o->nallow_unix ||
	       (o->report && (o->seccomp_unix_block || o->seccomp_hardening));
}

void run_unixbroker_prepare(struct run_opts *o)
{
	recording = o->report != NULL;
	if (!o->nallow_unix)
		who = "--report";
	for (size_t i = 0; i < o->nallow_unix; i++) {
		struct stat st;

		pins[i] = open(o->allow_unix[i], O_PATH | O_CLOEXEC);
		if (pins[i] < 0)
			DIE("--allow-unix %s: open(O_PATH): %s", o->allow_unix[i], strerror(errno));
		if (fstat(pins[i], &st) < 0)
			DIE("--allow-unix %s: fstat: %s", o->allow_unix[i], strerror(errno));
		if (!S_ISSOCK(st.st_mode))
			DIE("--allow-unix %s: not a socket", o->allow_unix[i]);
	}
	paths = o->allow_unix;
	npaths = o->nallow_unix;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ub) < 0)
		DIE("%s: socketpair: %s", who, strerror(errno));
}

void run_unixbroker_send(int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b = 'n';
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;

	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm)
		DIE("%s: no room for the listener's message", who);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(ub[1], &mh, MSG_NOSIGNAL) < 0)
		DIE("%s: sendmsg(the seccomp listener to the launcher): %s",
		    who, strerror(errno));
	close(ub[1]);
}

/* a unix connect the broker makes itself: the fd to install, or -errno */
static int connect_pinned(int type, int target_fl, const char *path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };
	int s, e;

	for (size_t i = 0; i < npaths; i++) {
		if (strcmp(path, paths[i]))
			continue;
		snprintf(un.sun_path, sizeof(un.sun_path), "/proc/self/fd/%d", pins[i]);
		s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -errno;
		/* a peer that never accepts cannot hold the broker */
		setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(s, (struct sockaddr *)&un, sizeof(un)) < 0) {
			e = -errno;
			close(s);
			return e == -EINPROGRESS || e == -EAGAIN ? -ECONNREFUSED : e;
		}
		if ((target_fl & O_NONBLOCK) &&
		    fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK) < 0) {
			e = -errno;
			close(s);
			return e;
		}
		return s;
	}
	return -EACCES;
}

/* the answer to one connect(): 0 or -errno for the command */
static int answer(struct seccomp_notif *req)
{
	struct sockaddr_storage sa;
	struct iovec local = { .iov_base = &sa }, remote;
	int pidfd, fd = -1, dom = 0, type = 0, fl, r;
	socklen_t l = sizeof(int), len = (socklen_t)req->data.args[2];

	if (len > sizeof(sa) || (int)req->data.args[0] < 0)
		return -EINVAL;
	pidfd = (int)syscall(SYS_pidfd_open, req->pid, 0);
	if (pidfd < 0)
		return -ESRCH;
	if (seccomp_notify_id_valid(nfd, req->id) < 0) {
		r = -ESRCH;
		goto out;
	}
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)req->data.args[0], 0);
	if (fd < 0) {
		r = errno == EBADF ? -EBADF : -EPERM;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	local.iov_len = len;
	remote.iov_base = (void *)(uintptr_t)req->data.args[1];
	remote.iov_len = len;
	if (len && process_vm_readv(req->pid, &local, 1, &remote, 1, 0) != (ssize_t)len) {
		r = -EFAULT;
		goto out;
	}
	if (seccomp_notify_id_valid(nfd, req->id) < 0) {
		r = -ESRCH;
		goto out;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l) < 0 || dom != AF_UNIX) {
		/* not a unix socket (or no socket): its own connect, on
		 * the file we checked, with the address we read */
		r = connect(fd, (struct sockaddr *)&sa, len) < 0 ? -errno : 0;
		goto out;
	}
	l = sizeof(type);
	fl = fcntl(fd, F_GETFL);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0 || fl < 0) {
		r = -EINVAL;
		goto out;
	}
	if (len <= offsetof(struct sockaddr_un, sun_path) || sa.ss_family != AF_UNIX) {
		r = len < sizeof(sa_family_t) ? -EINVAL : -EACCES;
		goto out;
	}
	((char *)&sa)[len < sizeof(sa) ? len : sizeof(sa) - 1] = '\0';
	r = connect_pinned(type, fl, ((struct sockaddr_un *)&sa)->sun_path);
	if (r == -EACCES && recording)	/* a path not named */
		run_report_record(&req->data, ((struct sockaddr_un *)&sa)->sun_path,
				  EACCES);
	if (r >= 0) {
		struct seccomp_notif_addfd add = {
			.id = req->id, .flags = SECCOMP_ADDFD_FLAG_SETFD,
			.srcfd = (__u32)r, .newfd = (__u32)req->data.args[0],
		};
		int s = r;

		r = ioctl(nfd, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0 ? -errno : 0;
		close(s);
		if (r == -ENOENT)
			r = -ESRCH;	/* the call was interrupted */
	}
out:
	if (fd >= 0)
		close(fd);
	close(pidfd);
	return r;
}

static void respond(const struct seccomp_notif *req, struct seccomp_notif_resp *resp, int r)
{
	memset(resp, 0, sizeof(*resp));
	resp->id = req->id;
	resp->error = r;
	resp->val = 0;
	/* ENOENT: the caller went away meanwhile, nothing to answer */
	seccomp_notify_respond(nfd, resp);
}

struct job {
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
};

static void *worker(void *arg)
{
	struct job *j = arg;

	respond(j->req, j->resp, answer(j->req));
	seccomp_notify_free(j->req, j->resp);
	free(j);
	atomic_fetch_sub(&workers, 1);
	return NULL;
}

static void *supervisor(void *arg)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	pthread_attr_t at;
	ssize_t n;

	(void)arg;
	while ((n = recvmsg(ub[0], &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	close(ub[0]);
	cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return NULL;		/* the command never got that far */
	memcpy(&nfd, CMSG_DATA(cm), sizeof(int));
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	for (;;) {
		struct job *j = calloc(1, sizeof(*j));
		pthread_t t;

		if (!j || seccomp_notify_alloc(&j->req, &j->resp) < 0)
			DIE("%s: out of memory", who);
		if (seccomp_notify_receive(nfd, j->req) < 0) {
			seccomp_notify_free(j->req, j->resp);
			free(j);
			if (errno == EINTR || errno == ENOENT)
				continue;
			return NULL;	/* every filter's user is gone */
		}
		if (j->req->data.nr != __NR_connect || !npaths) {
			/* a profile's EPERM rule, notified for --report
			 * (connect() notifies only with --allow-unix) */
			run_report_record(&j->req->data, NULL, EPERM);
			respond(j->req, j->resp, -EPERM);
			seccomp_notify_free(j->req, j->resp);
			free(j);
			continue;
		}
		if (atomic_fetch_add(&workers, 1) >= WORKERS_MAX ||
		    pthread_create(&t, &at, worker, j) != 0) {
			atomic_fetch_sub(&workers, 1);
			respond(j->req, j->resp, -EAGAIN);
			seccomp_notify_free(j->req, j->resp);
			free(j);
		}
	}
}

void run_unixbroker_start(struct run_opts *o)
{
	pthread_t t;
	sigset_t all, old;
	int r;

	if (!run_notify_wanted(o))
		return;
	close(ub[1]);
	ub[1] = -1;
	/* the thread takes no signal: the monitor's signalfd gets them */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&t, NULL, supervisor, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		DIE("%s: pthread_create: %s", who, strerror(r));
	pthread_detach(t);
}
