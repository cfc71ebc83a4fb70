/* SPDX-License-Identifier: MIT
 *
 * syscall-loop - a syscall-heavy workload for bench/run-seccomp.sh:
 *	syscall-loop getpid N	N raw getpid() calls
 *	syscall-loop files N	N openat()+fstat()+read()+close() of /etc/hostname
 *	syscall-loop socket N	N socket(AF_INET)+close() (a call the profiles
 *				compare arguments of)
 * Prints the CPU nanoseconds per iteration (CLOCK_PROCESS_CPUTIME_ID: the
 * time other processes of a loaded machine take does not count).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "getpid";
	long n = argc > 2 ? atol(argv[2]) : 1000000;
	struct timespec t0, t1;
	char buf[64];

	if (n <= 0)
		return 2;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (long i = 0; i < n; i++) {
		if (!strcmp(what, "getpid")) {
			syscall(SYS_getpid);
		} else if (!strcmp(what, "files")) {
			struct stat st;
			int fd = openat(AT_FDCWD, "/etc/hostname", O_RDONLY | O_CLOEXEC);

			if (fd < 0 || fstat(fd, &st) < 0 || read(fd, buf, sizeof(buf)) < 0)
				return 1;
			close(fd);
		} else if (!strcmp(what, "socket")) {
			int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

			if (s < 0)
				return 1;
			close(s);
		} else {
			return 2;
		}
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	printf("%.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n);
	return 0;
}
