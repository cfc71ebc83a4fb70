/* SPDX-License-Identifier: MIT
 *
 * spawn-time - the wall time of each of N runs of a command, for the
 * start-up benchmarks (bench/run.sh):
 *	spawn-time N COMMAND [ARG...]
 * Each run: posix_spawn() with stdin, stdout and stderr on /dev/null, then
 * waitpid(); timed from before the spawn to after the wait (CLOCK_MONOTONIC).
 * Prints the N times in microseconds on one line. Exits 1 at the first run
 * that fails to start or exits non-zero (its status on stderr), 2 on bad
 * usage. A shell loop would add its own fork of a large process to every
 * run, the same for every command measured, and so flatten their ratios.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	char *end;
	long n;

	if (argc < 3 || (n = strtol(argv[1], &end, 10)) <= 0 || *end ||
	    n > 1000000) {
		fprintf(stderr, "usage: spawn-time N COMMAND [ARG...]\n");
		return 2;
	}
	posix_spawn_file_actions_init(&fa);
	for (int fd = 0; fd <= 2; fd++)
		posix_spawn_file_actions_addopen(&fa, fd, "/dev/null",
						 fd ? O_WRONLY : O_RDONLY, 0);
	for (long i = 0; i < n; i++) {
		long long t0 = now_ns(), t1;
		pid_t pid;
		int r, st;

		r = posix_spawnp(&pid, argv[2], &fa, NULL, argv + 2, environ);
		if (r) {
			fprintf(stderr, "spawn-time: posix_spawn %s: %s\n",
				argv[2], strerror(r));
			return 1;
		}
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR) {
				perror("spawn-time: waitpid");
				return 1;
			}
		t1 = now_ns();
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "spawn-time: %s: run %ld: status %#x\n",
				argv[2], i + 1, st);
			return 1;
		}
		printf("%s%lld", i ? " " : "", (t1 - t0) / 1000);
	}
	printf("\n");
	return 0;
}
