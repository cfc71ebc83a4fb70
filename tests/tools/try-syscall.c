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
 * Prints "ok" or "errno NAME" (e.g. "errno EPERM") and exits 0; a process
 * killed by seccomp prints nothing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	long arg = argc > 2 ? strtol(argv[2], NULL, 0) : 0;
	int sv[2];

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
		return report(syscall(SYS_socket, arg, SOCK_STREAM, 0));
	if (!strcmp(what, "socketpair"))
		return report(syscall(SYS_socketpair, arg, SOCK_STREAM, 0, sv));
#if defined(__x86_64__)
	if (!strcmp(what, "x32-socket"))
		return report(syscall(0x40000000 | SYS_socket, arg, SOCK_STREAM, 0));
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
