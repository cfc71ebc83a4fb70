/* SPDX-License-Identifier: MIT
 *
 * proc.c - the two processes that wait: the launcher's monitor outside the
 * namespaces (it forwards signals to the sandbox's first process through a
 * pidfd and passes its exit status on), and the sandbox's PID 1 (it forwards
 * the same signals to the command, reaps every orphan, and exits with the
 * command's status: its code, or 128+N for death by signal N).
 *
 * Both block the forwarded signals and SIGCHLD and read them from a
 * signalfd, so nothing runs in a signal handler. A signal the kernel sends
 * to the whole foreground process group (a terminal's ^C) reaches the
 * command directly; forwarding it as well would deliver it twice, so only
 * signals sent by a process (SI_USER, SI_QUEUE, ...) are forwarded.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux-api.h"
#include "log.h"
#include "run.h"

const int run_fwd_signals[] = {
	SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT, SIGWINCH,
	0,
};

static void fwd_set(sigset_t *s)
{
	sigemptyset(s);
	for (int i = 0; run_fwd_signals[i]; i++)
		sigaddset(s, run_fwd_signals[i]);
	sigaddset(s, SIGCHLD);
}

void run_signals_block(void)
{
	sigset_t s;

	fwd_set(&s);
	if (sigprocmask(SIG_BLOCK, &s, NULL) < 0)
		log_die(1, "sigprocmask: %s", strerror(errno));
}

void run_signals_unblock(void)
{
	sigset_t s;

	sigemptyset(&s);
	if (sigprocmask(SIG_SETMASK, &s, NULL) < 0)
		log_die(1, "sigprocmask: %s", strerror(errno));
}

int run_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

static int open_signalfd(void)
{
	sigset_t s;
	int fd;

	fwd_set(&s);
	fd = signalfd(-1, &s, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		log_die(1, "signalfd: %s", strerror(errno));
	return fd;
}

/* a signal worth forwarding: sent by a process, not by the terminal */
static bool forwardable(const struct signalfd_siginfo *si)
{
	return si->ssi_signo != SIGCHLD && si->ssi_code != SI_KERNEL;
}

static void write_all(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return;		/* the reader went away: theirs */
		s += w;
		n -= (size_t)w;
	}
}

void run_write_info(int fd, pid_t pid, bool json, const char *nsids)
{
	char buf[1024];

	if (json)
		snprintf(buf, sizeof(buf), "{ \"child-pid\": %d%s }\n", pid,
			 nsids);
	else
		snprintf(buf, sizeof(buf), "{\n    \"child-pid\": %d%s\n}\n",
			 pid, nsids);
	write_all(fd, buf);
}

/**
 * run_monitor() - the launcher, outside, until the sandbox's first process
 *		   exits
 * @pidfd, @pid: that process
 * @setup_fd:	read end of a pipe whose write ends close at the command's
 *		exec; a byte on it means setup or exec failed
 * @json_fd:	--json-status-fd, or -1
 * Return: the exit status to pass on
 */
int run_monitor(int pidfd, pid_t pid, int setup_fd, int json_fd)
{
	int sfd = open_signalfd(), code = 1;
	bool setup_done = false, setup_failed = false;
	siginfo_t si;

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = setup_fd, .events = POLLIN },
		};

		if (poll(p, setup_fd >= 0 ? 3 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_die(1, "poll: %s", strerror(errno));
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo ss;

			while (read(sfd, &ss, sizeof(ss)) == sizeof(ss))
				if (forwardable(&ss))
					pidfd_send_signal(pidfd, (int)ss.ssi_signo,
							  NULL, 0);
		}
		if (setup_fd >= 0 && p[2].revents) {
			char c;
			ssize_t n = read(setup_fd, &c, 1);

			if (n == 1)
				setup_failed = true;
			else
				setup_done = !setup_failed;
			close(setup_fd);
			setup_fd = -1;
		}
		if (p[0].revents & POLLIN)
			break;
	}
	memset(&si, 0, sizeof(si));
	if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0)
		log_die(1, "waitid(%d): %s", pid, strerror(errno));
	code = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
	if (setup_fd >= 0) {		/* exited before we saw the pipe */
		char c;

		setup_done = read(setup_fd, &c, 1) == 0;
		close(setup_fd);
	}
	if (json_fd >= 0 && setup_done) {
		char buf[64];

		snprintf(buf, sizeof(buf), "{ \"exit-code\": %d }\n", code);
		write_all(json_fd, buf);
	}
	close(sfd);
	return code;
}

/**
 * run_init() - PID 1 of the sandbox (or the lock holder without one): pass
 *		signals on to @child, reap everything, return @child's status
 * @sync_fd:	--sync-fd, held open until we exit
 */
int run_init(pid_t child, int sync_fd)
{
	int sfd = open_signalfd(), code = -1;

	(void)sync_fd;
	while (code < 0) {
		struct pollfd p = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo ss;
		int status;
		pid_t w;

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			log_die(1, "init: poll: %s", strerror(errno));
		while (read(sfd, &ss, sizeof(ss)) == sizeof(ss))
			if (forwardable(&ss))
				kill(child, (int)ss.ssi_signo);
		while ((w = waitpid(-1, &status, WNOHANG)) > 0)
			if (w == child)
				code = run_exit_code(status);
		if (w < 0 && errno == ECHILD && code < 0)
			log_die(1, "init: the command vanished");
	}
	return code;
}
