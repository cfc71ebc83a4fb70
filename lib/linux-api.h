/* SPDX-License-Identifier: MIT
 *
 * linux-api.h - the kernel's newer calls (pidfds, close_range, execveat, the
 * mount API) from libc where libc has them (glibc 2.36), and as thin
 * syscall(2) wrappers of the same name and signature where it does not
 * (musl 1.2.3, which bro-run is linked with where musl-gcc is installed:
 * its start-up is half a millisecond shorter than glibc's on these
 * machines). Include this instead of <sys/pidfd.h> and <sys/mount.h>.
 */
#ifndef BRO_LINUX_API_H
#define BRO_LINUX_API_H

#include <sys/mount.h>

#ifdef __GLIBC__
#include <sys/pidfd.h>
#include <string.h>
#else
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <linux/mount.h>

static inline int pidfd_open(pid_t pid, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

static inline int pidfd_send_signal(int pidfd, int sig, siginfo_t *info,
				    unsigned int flags)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
}

static inline int pidfd_getfd(int pidfd, int targetfd, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, targetfd, flags);
}

static inline int close_range(unsigned int first, unsigned int last,
			      int flags)
{
	return (int)syscall(SYS_close_range, first, last, flags);
}

static inline int execveat(int dirfd, const char *path, char *const argv[],
			   char *const envp[], int flags)
{
	return (int)syscall(SYS_execveat, dirfd, path, argv, envp, flags);
}

static inline int open_tree(int dirfd, const char *path, unsigned int flags)
{
	return (int)syscall(SYS_open_tree, dirfd, path, flags);
}

static inline int move_mount(int from_dirfd, const char *from_path,
			     int to_dirfd, const char *to_path,
			     unsigned int flags)
{
	return (int)syscall(SYS_move_mount, from_dirfd, from_path, to_dirfd,
			    to_path, flags);
}

static inline int fsopen(const char *fsname, unsigned int flags)
{
	return (int)syscall(SYS_fsopen, fsname, flags);
}

static inline int fsconfig(int fd, unsigned int cmd, const char *key,
			   const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int fsmount(int fd, unsigned int flags, unsigned int attr)
{
	return (int)syscall(SYS_fsmount, fd, flags, attr);
}

static inline int mount_setattr(int dirfd, const char *path,
				unsigned int flags, struct mount_attr *attr,
				size_t size)
{
	return (int)syscall(SYS_mount_setattr, dirfd, path, flags, attr, size);
}

/* glibc's name for an errno value; the ones bro's seccomp filters return,
 * and NULL for the rest (callers print a stand-in) */
static inline const char *strerrorname_np(int err)
{
	switch (err) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOSYS: return "ENOSYS";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	default: return NULL;
	}
}
#endif

#endif
