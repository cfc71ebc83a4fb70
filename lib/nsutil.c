/* SPDX-License-Identifier: MIT
 *
 * nsutil.c - namespace identity and ownership, decided on fds (ioctl_ns(2)),
 * never on paths. libc only: used by privileged programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nsutil.h"

#define USERNS_DEPTH_MAX 33	/* the kernel nests at most 32 */

int ns_type(int nsfd)
{
	int type = ioctl(nsfd, NS_GET_NSTYPE);

	return type < 0 ? -errno : type;
}

const char *ns_type_name(int type)
{
	switch (type) {
	case CLONE_NEWNET:	return "a network namespace";
	case CLONE_NEWNS:	return "a mount namespace";
	case CLONE_NEWUSER:	return "a user namespace";
	case CLONE_NEWPID:	return "a PID namespace";
	case CLONE_NEWUTS:	return "a UTS namespace";
	case CLONE_NEWIPC:	return "an IPC namespace";
	case CLONE_NEWCGROUP:	return "a cgroup namespace";
	case CLONE_NEWTIME:	return "a time namespace";
	default:		return "another namespace type";
	}
}

static int same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int ns_owned_userns(int nsfd, uid_t uid)
{
	int self, owner, cur, parent, depth, r = -EPERM;
	uid_t creator;

	self = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	owner = ioctl(nsfd, NS_GET_USERNS);
	if (owner < 0) {		/* EPERM: an ancestor of ours owns it */
		close(self);
		return -EPERM;
	}
	cur = owner;
	for (depth = 0; depth < USERNS_DEPTH_MAX; depth++) {
		parent = ioctl(cur, NS_GET_PARENT);
		if (parent < 0)		/* initial, or outside our scope */
			break;
		if (same_file(parent, self)) {
			close(parent);
			if (ioctl(cur, NS_GET_OWNER_UID, &creator) == 0 &&
			    creator == uid)
				r = owner;
			break;
		}
		if (cur != owner)
			close(cur);
		cur = parent;
	}
	if (cur != owner)
		close(cur);
	if (r < 0)
		close(owner);
	close(self);
	return r;
}
