/* SPDX-License-Identifier: MIT
 *
 * try-syscall - make one system call the way an attacker would and print
 * what came of it, so that tests tell a seccomp refusal from the kernel's:
 *	try-syscall tiocsti [HIGHBITS]	ioctl(0, TIOCSTI, "x"), the command
 *					word with HIGHBITS (hex) above bit 31
 *	try-syscall tioclinux		ioctl(0, TIOCLINUX, {TIOCL_GETSHIFTSTATE})
 *	try-syscall socket FAMILY	socket(FAMILY, SOCK_STREAM, 0)
 *	try-syscall socketpair FAMILY	socketpair(FAMILY, SOCK_STREAM, 0)
 *	try-syscall x32-socket FAMILY	socket() through the x32 table
 *	try-syscall i386-getpid		getpid() through int $0x80 (i386 table)
 *	try-syscall i386-tiocsti	ioctl(0, TIOCSTI, "x") through int $0x80
 *	try-syscall i386-socket FAMILY	socket(FAMILY, SOCK_STREAM, 0) through
 *					int $0x80 (i386's own socket, 359)
 *	try-syscall i386-socketcall FAMILY  the same through socketcall (102)
 * socket and socketpair take an optional TYPE after FAMILY (default
 * SOCK_STREAM). The hardening profile's calls, each with arguments that
 * make the kernel answer something other than EPERM (named after each):
 *	ptrace (ESRCH), process_vm_readv, process_vm_writev (ok: our own
 *	memory), keyctl (ok), add_key, request_key, bpf, perf_event_open
 *	(EFAULT), mount, umount2, open_tree, open_tree_attr (ENOENT), fsopen
 *	(ok with CAP_SYS_ADMIN), fsconfig, fsmount (EBADF), fspick, pivot_root
 *	(ENOENT with CAP_SYS_ADMIN), move_mount (EBADF with CAP_SYS_ADMIN),
 *	mount_setattr (EINVAL), kexec_load, kexec_file_load (EINVAL as root),
 *	init_module (ENOEXEC as root), finit_module (EBADF as root),
 *	delete_module (ENOENT as root), userfaultfd (ok, user mode only),
 *	setns (EBADF), unshare-user, clone-user (ok: a new user namespace),
 *	clone3 (ok: a child), seccomp-listener, seccomp-filter (ok: an
 *	allow-all filter with and without SECCOMP_FILTER_FLAG_NEW_LISTENER;
 *	seccomp-listener-hi: with bits above 31 the kernel drops),
 *	io_uring_setup (ok), io_uring_enter, io_uring_register (EBADF)
 *	try-syscall landlock-abi	the kernel's Landlock ABI version
 * Prints "ok" or "errno NAME" (e.g. "errno EPERM") and exits 0; a process
 * killed by seccomp prints nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int report(long r)
{
	if (r >= 0)
		printf("ok\n");
	else
		printf("errno %s\n", strerrorname_np(errno) ?: "?");
	return 0;
}

/* a child made by clone()/clone3() exits at once; Return: 0 or -1 */
static long reap(long pid)
{
	int st;

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -1;
	waitpid((pid_t)pid, &st, __WALL);
	return 0;
}

#if defined(__x86_64__)
/* an i386 system call through int $0x80: number and three arguments */
static long i386_call(long nr, long b, long c, long d)
{
	__asm__ volatile ("int $0x80" : "+a"(nr) : "b"(b), "c"(c), "d"(d)
			  : "memory");
	if (nr < 0 && nr > -4096) {
		errno = (int)-nr;
		return -1;
	}
	return nr;
}
#endif

/* the hardening profile's calls; 1 if @what is none of them */
static int hardening(const char *what)
{
	static char buf[16], dst[16];
	struct iovec l = { dst, sizeof(dst) }, r = { buf, sizeof(buf) };

	if (!strcmp(what, "ptrace"))
		return report(syscall(SYS_ptrace, 2 /* PEEKDATA */, getpid(), buf, 0));
	if (!strcmp(what, "process_vm_readv"))
		return report(syscall(SYS_process_vm_readv, getpid(), &l, 1, &r, 1, 0));
	if (!strcmp(what, "process_vm_writev"))
		return report(syscall(SYS_process_vm_writev, getpid(), &l, 1, &r, 1, 0));
	if (!strcmp(what, "keyctl"))	/* GET_KEYRING_ID of the session's */
		return report(syscall(SYS_keyctl, 0, -3, 1));
	if (!strcmp(what, "add_key"))
		return report(syscall(SYS_add_key, NULL, "bro", "x", 1, -2));
	if (!strcmp(what, "request_key"))
		return report(syscall(SYS_request_key, NULL, "bro", NULL, 0));
	if (!strcmp(what, "bpf"))	/* BPF_MAP_CREATE from a NULL attr */
		return report(syscall(SYS_bpf, 0, NULL, 8));
	if (!strcmp(what, "perf_event_open"))
		return report(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	if (!strcmp(what, "mount"))
		return report(syscall(SYS_mount, "none", "/nonexistent-bro", "tmpfs", 0, NULL));
	if (!strcmp(what, "umount2"))
		return report(syscall(SYS_umount2, "/nonexistent-bro", 0));
	if (!strcmp(what, "open_tree"))
		return report(syscall(SYS_open_tree, AT_FDCWD, "/nonexistent-bro", 0));
	if (!strcmp(what, "open_tree_attr"))
		return report(syscall(467, AT_FDCWD, "/nonexistent-bro", 0, NULL, 0));
	if (!strcmp(what, "fsopen"))
		return report(syscall(SYS_fsopen, "tmpfs", 0));
	if (!strcmp(what, "fsconfig"))	/* FSCONFIG_SET_FLAG */
		return report(syscall(SYS_fsconfig, -1, 0, "ro", NULL, 0));
	if (!strcmp(what, "fsmount"))
		return report(syscall(SYS_fsmount, -1, 0, 0));
	if (!strcmp(what, "fspick"))
		return report(syscall(SYS_fspick, AT_FDCWD, "/nonexistent-bro", 0));
	if (!strcmp(what, "move_mount"))
		return report(syscall(SYS_move_mount, -1, "", -1, "", 0));
	if (!strcmp(what, "mount_setattr"))
		return report(syscall(SYS_mount_setattr, -1, "", 0, NULL, 0));
	if (!strcmp(what, "pivot_root"))
		return report(syscall(SYS_pivot_root, "/nonexistent-bro", "/nonexistent-bro"));
	if (!strcmp(what, "kexec_load"))	/* an architecture of no one */
		return report(syscall(SYS_kexec_load, 0, 0, NULL, 0x7fff0000UL));
	if (!strcmp(what, "kexec_file_load"))
		return report(syscall(SYS_kexec_file_load, -1, -1, 0, NULL, 0x7fff0000UL));
	if (!strcmp(what, "init_module"))	/* too short for an ELF header */
		return report(syscall(SYS_init_module, buf, 0, ""));
	if (!strcmp(what, "finit_module"))
		return report(syscall(SYS_finit_module, -1, "", 0));
	if (!strcmp(what, "delete_module"))
		return report(syscall(SYS_delete_module, "bro_nonexistent", O_NONBLOCK));
	if (!strcmp(what, "userfaultfd"))	/* UFFD_USER_MODE_ONLY */
		return report(syscall(SYS_userfaultfd, 1 | O_CLOEXEC));
	if (!strcmp(what, "setns"))
		return report(syscall(SYS_setns, -1, 0));
	if (!strcmp(what, "unshare-user"))
		return report(syscall(SYS_unshare, CLONE_NEWUSER));
	if (!strcmp(what, "clone-user"))
		return report(reap(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, NULL, NULL, 0)));
	if (!strcmp(what, "clone3")) {
		struct clone_args ca = { .exit_signal = SIGCHLD };

		return report(reap(syscall(SYS_clone3, &ca, sizeof(ca))));
	}
	if (!strncmp(what, "seccomp-listener", 16) || !strcmp(what, "seccomp-filter")) {
		struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		struct sock_fprog p = { .len = 1, .filter = &allow };
		/* -hi: bits above 31 in op and flags, which the kernel drops */
		unsigned long hi = strstr(what, "-hi") ? 1UL << 32 : 0;

		return report(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER | hi,
				      (what[8] == 'l' ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0) | hi,
				      &p));
	}
	if (!strcmp(what, "io_uring_setup")) {
		static char params[120];	/* struct io_uring_params */

		return report(syscall(SYS_io_uring_setup, 1, params));
	}
	if (!strcmp(what, "io_uring_enter"))
		return report(syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0));
	if (!strcmp(what, "io_uring_register"))
		return report(syscall(SYS_io_uring_register, -1, 0, NULL, 0));
	return 1;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	long arg = argc > 2 ? strtol(argv[2], NULL, 0) : 0;
	long type = argc > 3 ? strtol(argv[3], NULL, 0) : SOCK_STREAM;
	int sv[2];

	if (hardening(what) == 0)
		return 0;
	if (!strcmp(what, "landlock-abi")) {	/* the version, or "errno ..." */
		long v = syscall(SYS_landlock_create_ruleset, NULL, 0, 1UL);

		if (v < 0)
			return report(v);
		printf("%ld\n", v);
		return 0;
	}

	if (!strcmp(what, "tiocsti")) {
		unsigned long cmd = TIOCSTI | (unsigned long)arg << 32;
		char c = 'x';

		return report(syscall(SYS_ioctl, 0, cmd, &c));
	}
	if (!strcmp(what, "tioclinux")) {
		char sub = 7;	/* TIOCL_GETSHIFTSTATE: harmless on a console */

		return report(ioctl(0, TIOCLINUX, &sub));
	}
	if (!strcmp(what, "socket"))
		return report(syscall(SYS_socket, arg, type, 0));
	if (!strcmp(what, "socketpair"))
		return report(syscall(SYS_socketpair, arg, type, 0, sv));
#if defined(__x86_64__)
	if (!strcmp(what, "x32-socket"))
		return report(syscall(0x40000000 | SYS_socket, arg, SOCK_STREAM, 0));
	if (!strcmp(what, "i386-socket"))
		return report(i386_call(359, arg, SOCK_STREAM, 0));
	if (!strcmp(what, "i386-socketcall")) {
		/* its arguments in memory an i386 pointer reaches */
		uint32_t *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

		if (a == MAP_FAILED)
			return report(-1);
		a[0] = (uint32_t)arg;
		a[1] = SOCK_STREAM;
		a[2] = 0;
		return report(i386_call(102, 1 /* SYS_SOCKET */, (long)(uintptr_t)a, 0));
	}
	if (!strcmp(what, "i386-getpid") || !strcmp(what, "i386-tiocsti")) {
		/* the i386 table: getpid 20, ioctl 54; args in ebx, ecx, edx
		 * (a pointer above 4 GiB is cut to 32 bits: EFAULT unfiltered) */
		static char c = 'x';
		long r = what[5] == 'g' ? 20 : 54;

		__asm__ volatile ("int $0x80" : "+a"(r)
				  : "b"(0L), "c"((long)TIOCSTI), "d"((long)(uintptr_t)&c)
				  : "memory");
		if (r < 0 && r > -4096) {
			errno = (int)-r;
			r = -1;
		}
		return report(r);
	}
#endif
	fprintf(stderr, "try-syscall: %s: unknown (see the source)\n", what);
	return 2;
}
