/* SPDX-License-Identifier: MIT
 *
 * bro-helper - enter a network namespace you own and exec a command in it,
 *		with the socket-activation fds kept and every privilege gone.
 *
 *	bro-helper [--userns=auto|never|always] [--allow-new-privs]
 *		   (--pid PID | --netns-path PATH) -- CMD [ARGS...]
 *
 * Threat model
 * ============
 * bro-helper may be installed with the file capability CAP_SYS_ADMIN. It must
 * let a user do nothing they could not already do with the user namespaces
 * they own: it enters a network namespace only when the namespace's owning
 * user namespace descends from a user namespace that the caller's real UID
 * created as a direct child of the caller's own (the kernel's own rule for
 * "capable in that namespace"), or when root's configuration file grants
 * that namespace to the caller. The initial user namespace is never "owned".
 *
 * What the command may do there must be no more than that either. A process
 * in the parent of a user namespace whose euid created it holds every
 * capability inside (the kernel's owner rule), whatever its own capability
 * sets say. So an owned namespace is always entered through its owning user
 * namespace, which leaves the command nothing for that rule: it is inside,
 * with no capability, SECBIT_NOROOT locked and an empty bounding set, and a
 * set-user-ID file whose owner is not mapped there runs without it. The file
 * capability serves only namespaces that helper.conf grants, which the
 * caller's user namespaces do not own; there no_new_privs is always set.
 * Grants match a namespace only through paths without symbolic links: a link
 * the user made in a directory a pattern crosses never matches.
 *
 * Theory of operation: the stages, in the order main() runs them
 * ==============================================================
 *  1. start	 The effective capability set is emptied before anything else;
 *		 the permitted set keeps CAP_SYS_ADMIN (if installed with it)
 *		 for the one setns() of stage 5. Until then the helper acts
 *		 with exactly the caller's rights: every open() below is one
 *		 the caller could make.
 *  2. parse	 argv, and of the environment only LISTEN_FDS/LISTEN_PID (which
 *		 fds to keep) and JOURNAL_STREAM (log format, checked against
 *		 the real stderr). Nothing else is read from the environment.
 *  3. resolve	 The target is resolved once into an fd, and that fd is what is
 *		 checked and entered: pidfd_open(PID), then the netns from the
 *		 pidfd (PIDFD_GET_NET_NAMESPACE, or /proc/PID/ns/net followed by
 *		 a pidfd liveness check, so a reused PID is caught); or PATH
 *		 opened once with O_CLOEXEC.
 *  4. authorize NS_GET_NSTYPE must say CLONE_NEWNET. Ownership is decided on
 *		 the fd (NS_GET_USERNS, NS_GET_PARENT, NS_GET_OWNER_UID), and
 *		 failing that, by grants in SYSCONFDIR/bro/helper.conf, read
 *		 only if root-owned and not writable by group or others.
 *  5. enter	 An owned netns: its owning user namespace is joined first,
 *		 which the caller may do anyway, and then the netns. A granted
 *		 netns: CAP_SYS_ADMIN is made effective for setns(netns) alone.
 *  6. drop	 Securebits locked and bounding set emptied where the user
 *		 namespace gave us CAP_SETPCAP; effective, permitted,
 *		 inheritable and ambient sets cleared and read back as empty;
 *		 no_new_privs set unless --allow-new-privs (user namespace
 *		 path only).
 *  7. fds	 Everything but 0-2 and the LISTEN_FDS range is closed;
 *		 LISTEN_PID is set to our PID (exec keeps it).
 *  8. exec	 execvp(CMD). Never forks.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "caps.h"
#include "conf.h"
#include "listenfds.h"
#include "log.h"
#include "nsutil.h"

#ifndef PIDFD_GET_NET_NAMESPACE		/* Linux 6.11, linux/pidfd.h */
#define PIDFD_GET_NET_NAMESPACE _IO(0xFF, 4)
#endif

#define EXIT_USAGE	64	/* sysexits.h EX_USAGE */
#define EXIT_NOPERM	77	/* sysexits.h EX_NOPERM */
#define EXIT_NOTFOUND	1
#define EXIT_FAIL	1

#define HINT_CAP "is bro-helper installed with setcap cap_sys_admin+ep, " \
		 "and does the container belong to you?"
#define CONF_PATH BRO_SYSCONFDIR "/bro/helper.conf"

static int exit_for(int err)
{
	if (err == EPERM || err == EACCES)
		return EXIT_NOPERM;
	if (err == ESRCH || err == ENOENT)
		return EXIT_NOTFOUND;
	return EXIT_FAIL;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: bro-helper [OPTIONS] --pid PID -- CMD [ARGS...]\n"
"       bro-helper [OPTIONS] --netns-path PATH -- CMD [ARGS...]\n"
"\n"
"Enter the network namespace of process PID (or the namespace file PATH)\n"
"and exec CMD there with every capability dropped, keeping fds 0-2 and the\n"
"socket-activation fds (LISTEN_FDS). Only namespaces of user namespaces\n"
"you own (rootless containers, unshare -Urn) or granted in\n"
CONF_PATH " may be entered.\n"
"\n"
"  --pid PID            the target process\n"
"  --netns-path PATH    a network namespace file (/proc/PID/ns/net,\n"
"                       /run/netns/NAME, one under $XDG_RUNTIME_DIR)\n"
"  --userns=MODE        auto (default): a namespace you own through its user\n"
"                       namespace, one granted in helper.conf with the file\n"
"                       capability; always: through the user namespace only;\n"
"                       never: with the file capability only (granted ones)\n"
"  --allow-new-privs    do not set no_new_privs (through a user namespace\n"
"                       only: set-user-ID root does not apply there)\n"
"  --help, --version\n"
"\n"
"Exit status: CMD's, or 64 usage, 77 not permitted, 1 no such process or\n"
"namespace, 126 CMD not executable, 127 CMD not found.\n");
}

/* stage 3: the netns of @pid, via a pidfd so that a reused PID is noticed */
static int open_pid_netns(int pid, const char *name)
{
	char proc[64];
	int pidfd, nsfd, err;

	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0) {
		err = errno;
		log_die(exit_for(err), "pidfd_open(%d): %s%s", pid,
			strerror(err), err == ESRCH ? " (no such process)" :
			err == EINVAL ? " (not a process ID)" : "");
	}
	nsfd = ioctl(pidfd, PIDFD_GET_NET_NAMESPACE, 0);
	if (nsfd < 0 && (errno == ENOTTY || errno == EINVAL)) {
		/* before Linux 6.11: by name, then prove the PID is not reused */
		snprintf(proc, sizeof(proc), "/proc/%d/ns/net", pid);
		nsfd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (nsfd >= 0 && pidfd_send_signal(pidfd, 0, NULL, 0) < 0 &&
		    errno == ESRCH) {
			close(nsfd);
			nsfd = -1;
			errno = ESRCH;
		}
	}
	if (nsfd < 0) {
		err = errno;
		log_die(exit_for(err), "open(%s): %s (%s)", name, strerror(err),
			err == EACCES || err == EPERM ?
			"the process belongs to another user" :
			"the process is gone");
	}
	close(pidfd);
	return nsfd;
}

/* stage 3: a namespace file, opened once */
static int open_path_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int err = errno;

	if (fd < 0)
		log_die(exit_for(err), "open(%s): %s", path, strerror(err));
	return fd;
}

/* stage 4: a network namespace, and not something else? */
static void check_netns_type(int nsfd, const char *name)
{
	int type = ns_type(nsfd);

	if (type < 0)
		log_die(EXIT_NOTFOUND, "ioctl(%s, NS_GET_NSTYPE): %s (not a namespace file)",
			name, strerror(-type));
	if (type != CLONE_NEWNET)
		log_die(EXIT_NOTFOUND, "%s: not a network namespace (%s)", name,
			ns_type_name(type));
}

/* stage 4: the administrator's grants, from a root-owned file only */
static bool granted_by_conf(int nsfd, uid_t uid)
{
	static gid_t gids[NGROUPS_MAX + 1];
	struct conf_subject s = { .uid = uid, .gids = gids };
	struct stat st;
	bool ok;
	FILE *f;
	int fd;

	fd = open(CONF_PATH, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("open(%s): %s, ignored", CONF_PATH,
				 strerror(errno));
		return false;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		log_warn("%s: not a root-owned file writable only by root, ignored",
			 CONF_PATH);
		close(fd);
		return false;
	}
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return false;
	}
	s.ngids = getgroups(NGROUPS_MAX, gids);
	if (s.ngids < 0)
		s.ngids = 0;
	gids[s.ngids++] = getgid();
	if (fstat(nsfd, &st) < 0) {
		fclose(f);
		return false;
	}
	s.dev = st.st_dev;
	s.ino = st.st_ino;
	ok = conf_allows(f, CONF_PATH, &s);
	fclose(f);
	return ok;
}

/* stage 2: LISTEN fds must be open and survive exec */
static void check_listen_fds(int n)
{
	for (int fd = LISTEN_FDS_START; fd < LISTEN_FDS_START + n; fd++) {
		int flags = fcntl(fd, F_GETFD);

		if (flags < 0)
			log_die(EXIT_USAGE, "LISTEN_FDS=%d, but fd %d is not open",
				n, fd);
		if ((flags & FD_CLOEXEC) &&
		    fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
			log_die(EXIT_FAIL, "fcntl(%d, F_SETFD): %s", fd,
				strerror(errno));
	}
}

/* stage 7: nothing but 0-2 and the LISTEN fds survives exec */
static void close_other_fds(int n)
{
	char pid[16];

	if (close_range(LISTEN_FDS_START + (unsigned)n, ~0U, 0) < 0)
		log_die(EXIT_FAIL, "close_range(%d): %s", LISTEN_FDS_START + n,
			strerror(errno));
	if (getenv("LISTEN_FDS")) {
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		if (setenv("LISTEN_PID", pid, 1) < 0)
			log_die(EXIT_FAIL, "setenv(LISTEN_PID): %s",
				strerror(errno));
	}
}

int main(int argc, char **argv)
{
	struct helper_args a;
	char err[256], name[64];
	const char *target, *step;
	int nsfd, usernsfd, nfds, r;
	bool have_cap, owned, via_userns;
	uid_t uid = getuid();

	/* 1. start: nothing privileged is in effect from here to stage 5 */
	r = caps_lower_effective();
	log_init("bro-helper");
	if (r < 0)
		log_die(EXIT_FAIL, "capset(lower effective set): %s",
			strerror(-r));
	have_cap = caps_have_permitted(CAP_SYS_ADMIN);

	/* 2. parse */
	if (helper_args_parse(argc, argv, &a, err, sizeof(err)) < 0)
		log_die(EXIT_USAGE, "%s (see bro-helper --help)", err);
	if (a.help) {
		usage(stdout);
		return 0;
	}
	if (a.version) {
		printf("bro-helper %s\n", BRO_VERSION);
		return 0;
	}
	r = listen_fds_parse(getenv("LISTEN_FDS"), getenv("LISTEN_PID"),
			     getpid(), &nfds);
	if (r == -EINVAL)
		log_die(EXIT_USAGE, "LISTEN_FDS=%.16s LISTEN_PID=%.16s: malformed (expected 0-%d and a PID)",
			getenv("LISTEN_FDS"), getenv("LISTEN_PID") ?: "",
			LISTEN_FDS_MAX);
	if (r == -ESRCH) {
		log_warn("LISTEN_PID=%.16s is not this process: passing no socket-activation fds",
			 getenv("LISTEN_PID"));
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDNAMES");
	}
	check_listen_fds(nfds);

	/* 3. resolve, once */
	if (a.pid) {
		snprintf(name, sizeof(name), "/proc/%d/ns/net", a.pid);
		target = name;
		nsfd = open_pid_netns(a.pid, name);
	} else {
		target = a.path;
		nsfd = open_path_netns(a.path);
	}

	/* 4. authorize, on the fd */
	check_netns_type(nsfd, target);
	usernsfd = ns_owned_userns(nsfd, uid);
	if (usernsfd < 0 && usernsfd != -EPERM)
		log_die(EXIT_FAIL, "ownership of %s: %s (is /proc mounted?)",
			target, strerror(-usernsfd));
	owned = usernsfd >= 0;
	if (!owned && !granted_by_conf(nsfd, uid))
		log_die(EXIT_NOPERM, "%s: refused: the network namespace is not in a user namespace created by uid %u (not in one you own; an administrator may grant it in %s)",
			target, (unsigned)uid, CONF_PATH);
	switch (a.userns) {
	case USERNS_NEVER:
		via_userns = false;
		break;
	case USERNS_ALWAYS:
		via_userns = true;
		break;
	case USERNS_AUTO:
	default:
		via_userns = owned;
		break;
	}
	if (via_userns && !owned)
		log_die(EXIT_NOPERM, "%s: --userns=always: the namespace is granted by %s but not in a user namespace you own",
			target, CONF_PATH);
	/* entered from outside its user namespace, the owner's command would
	 * hold every capability over it (the owner rule) */
	if (!via_userns && owned)
		log_die(EXIT_NOPERM, "%s: --userns=never: refused for a namespace you own: entered without its user namespace, the command would keep every capability over it (use --userns=auto)",
			target);
	if (!via_userns && a.allow_new_privs)
		log_die(EXIT_NOPERM, "%s: --allow-new-privs: refused for a namespace granted by %s: a set-user-ID program would run as root there",
			target, CONF_PATH);
	if (!via_userns && !have_cap)
		log_die(EXIT_NOPERM, "setns(%s): %s (%s)", target,
			strerror(EPERM), HINT_CAP);

	/* 5. enter */
	if (via_userns) {
		if (setns(usernsfd, CLONE_NEWUSER) < 0)
			log_die(exit_for(errno), "setns(%s, user namespace): %s (%s)",
				target, strerror(errno),
				"is bro-helper running multithreaded or chrooted?");
	} else {
		r = caps_raise(CAP_SYS_ADMIN);
		if (r < 0)
			log_die(EXIT_NOPERM, "capset(raise CAP_SYS_ADMIN): %s (%s)",
				strerror(-r), HINT_CAP);
	}
	if (setns(nsfd, CLONE_NEWNET) < 0)
		log_die(exit_for(errno), "setns(%s): %s (%s)", target,
			strerror(errno), HINT_CAP);

	/* 6. drop, and prove it */
	r = caps_drop_for_exec(via_userns, !a.allow_new_privs, &step);
	if (r < 0)
		log_die(EXIT_FAIL, "%s: %s (capabilities may still be held, not running %s)",
			step, strerror(-r), a.cmd[0]);

	/* 7. fds */
	close_other_fds(nfds);

	/* 8. exec */
	execvp(a.cmd[0], a.cmd);
	r = errno;
	log_err("execvp(%s): %s", a.cmd[0], strerror(r));
	return r == ENOENT ? 127 : 126;
}
