/* SPDX-License-Identifier: MIT
 *
 * probe - what a command exec'd by bro-helper sees, one "key value" a line:
 *	netns <inode>, CapInh/CapPrm/CapEff/CapBnd/CapAmb <hex>, NoNewPrivs <n>,
 *	fds <open fds, comma-separated>, LISTEN_PID/LISTEN_FDS/LISTEN_FDNAMES,
 *	uid <uid>, pid <pid>. Used by the integration tests; prints nothing else.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	char line[256];
	struct stat st;
	FILE *f;
	DIR *d;
	struct dirent *e;
	const char *vars[] = { "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES" };
	int sep = 0;

	if (stat("/proc/self/ns/net", &st) == 0)
		printf("netns %lu\n", (unsigned long)st.st_ino);
	f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char key[32];
		char val[64];

		if (sscanf(line, "%31[^:]:%*[ \t]%63s", key, val) == 2 &&
		    (!strncmp(key, "Cap", 3) || !strcmp(key, "NoNewPrivs")))
			printf("%s %s\n", key, val);
	}
	if (f)
		fclose(f);
	d = opendir("/proc/self/fd");
	printf("fds ");
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		printf("%s%s", sep++ ? "," : "", e->d_name);
	}
	printf("\n");
	if (d)
		closedir(d);
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		printf("%s %s\n", vars[i], getenv(vars[i]) ?: "-");
	printf("uid %u\n", (unsigned)getuid());
	printf("pid %d\n", (int)getpid());
	return 0;
}
