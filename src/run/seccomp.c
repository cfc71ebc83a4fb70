/* SPDX-License-Identifier: MIT
 *
 * seccomp.c - bro-run's built-in seccomp profiles (--seccomp-unix-block,
 * --seccomp-hardening; --no-userns implies the latter), loaded by the
 * command's process as its last step before exec: after PID 1 and the
 * filesystem are set up, so none of bro-run's own work is filtered, and
 * before --seccomp/--add-seccomp-fd programs, which may refuse seccomp()
 * itself. The filters are built by lib/confine.c.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "confine.h"
#include "log.h"
#include "run.h"

void run_seccomp_profiles(const struct run_opts *o)
{
	unsigned p = 0;
	const char *step = "";
	int r, nfd = -1;

	if (o->seccomp_unix_block)
		p |= CONFINE_UNIX_BLOCK;
	if (o->seccomp_hardening || o->no_userns)
		p |= CONFINE_HARDENING;
	if (o->seccomp_allow_userns)
		p |= CONFINE_ALLOW_USERNS;
	if (!(p & (CONFINE_UNIX_BLOCK | CONFINE_HARDENING)))
		return;
	if (o->nallow_unix)		/* unixbroker.c answers connect() */
		p |= CONFINE_UNIX_STREAM;
	if (o->report)			/* denied calls to the supervisor, */
		p |= CONFINE_REPORT;	/* which records them (report.c) */
	r = confine_profiles_load_notify(p, &nfd, &step);
	if (r == -ENOSYS)
		log_die(1, "seccomp profile: libseccomp does not know the system call %s"
			"; the command was not run", step);
	if (r < 0)
		log_die(1, "seccomp profile: %s: %s; the command was not run", step,
			strerror(-r));
	if (nfd >= 0) {
		run_unixbroker_send(nfd);
		close(nfd);
	}
}
