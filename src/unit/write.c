/* SPDX-License-Identifier: MIT
 *
 * write.c - put the rendered files in place without ever clobbering a file
 * bro-unit did not write: check every target first, then write every file
 * to a temporary name, then rename them all.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "write.h"

#define HINT_FOREIGN "move it away, or choose another --name"

enum state { ST_NEW, ST_OURS, ST_SAME };

static void path_of(char *out, size_t len, const char *dir, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

/* file_state() - classify @path; Return: 0 with *@st set, or an exit status */
static int file_state(const char *path, const char *text, enum state *st)
{
	size_t magic = strlen(UNIT_MAGIC), want = strlen(text);
	char *buf;
	struct stat sb;
	ssize_t got;
	int fd, saved;

	if (lstat(path, &sb) < 0) {
		if (errno == ENOENT) {
			*st = ST_NEW;
			return 0;
		}
		log_err("check(%s): %s", path, strerror(errno));
		return 1;
	}
	if (!S_ISREG(sb.st_mode)) {
		log_err("check(%s): exists and is not a regular file (%s)",
			path, HINT_FOREIGN);
		return UNIT_EXIT_FOREIGN;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		log_err("open(%s): %s", path, strerror(errno));
		return 1;
	}
	buf = malloc(want + 2);
	if (!buf) {
		close(fd);
		log_err("check(%s): %s", path, strerror(ENOMEM));
		return 1;
	}
	got = pread(fd, buf, want + 1, 0);
	saved = errno;
	close(fd);
	if (got < 0) {
		free(buf);
		log_err("read(%s): %s", path, strerror(saved));
		return 1;
	}
	if ((size_t)got < magic || memcmp(buf, UNIT_MAGIC, magic)) {
		free(buf);
		log_err("check(%s): exists and was not written by bro-unit (%s)",
			path, HINT_FOREIGN);
		return UNIT_EXIT_FOREIGN;
	}
	*st = (size_t)got == want && !memcmp(buf, text, want) ? ST_SAME :
								ST_OURS;
	free(buf);
	return 0;
}

int unit_check(const char *dir, const struct unit_file *files, int n)
{
	char path[PATH_MAX];
	enum state st;
	int i, r;

	for (i = 0; i < n; i++) {
		path_of(path, sizeof(path), dir, files[i].name);
		if ((r = file_state(path, files[i].text, &st)))
			return r;
	}
	return 0;
}

/* mkdir_p() - create @path and its parents, 0755; EEXIST is fine */
static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* write_temp() - @text into a new temporary file beside @path */
static int write_temp(const char *path, const char *text, char *tmp,
		      size_t tmplen)
{
	size_t len = strlen(text), off = 0;
	int fd;

	snprintf(tmp, tmplen, "%s.bro-unit.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		log_err("create(%s): %s", tmp, strerror(errno));
		tmp[0] = '\0';
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			log_err("write(%s): %s", tmp, strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		log_err("write(%s): %s", tmp, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) < 0) {
		log_err("close(%s): %s", tmp, strerror(errno));
		return -1;
	}
	return 0;
}

int unit_write(const char *dir, const struct unit_file *files, int n,
	       FILE *report)
{
	char path[PATH_MAX], tmp[UNIT_FILES_MAX][PATH_MAX + 32];
	enum state st[UNIT_FILES_MAX];
	int i, r, ret = 1;

	if (n > UNIT_FILES_MAX)
		return 1;
	for (i = 0; i < n; i++)
		tmp[i][0] = '\0';
	/* check again right before writing; unit_check() may be long ago */
	for (i = 0; i < n; i++) {
		path_of(path, sizeof(path), dir, files[i].name);
		if ((r = file_state(path, files[i].text, &st[i])))
			return r;
	}
	for (i = 0; i < n; i++) {
		path_of(path, sizeof(path), dir, files[i].name);
		if (files[i].subdir)
			path[strlen(dir) + 1 + files[i].subdir] = '\0';
		else
			snprintf(path, sizeof(path), "%s", dir);
		if (mkdir_p(path) < 0) {
			log_err("mkdir(%s): %s", path, strerror(errno));
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if (st[i] == ST_SAME)
			continue;
		path_of(path, sizeof(path), dir, files[i].name);
		if (write_temp(path, files[i].text, tmp[i], sizeof(tmp[i])) < 0)
			goto out;
	}
	for (i = 0; i < n; i++) {
		if (st[i] == ST_SAME)
			continue;
		path_of(path, sizeof(path), dir, files[i].name);
		r = renameat2(AT_FDCWD, tmp[i], AT_FDCWD, path,
			      st[i] == ST_NEW ? RENAME_NOREPLACE : 0);
		if (r < 0) {
			log_err("rename(%s): %s (%s)", path, strerror(errno),
				errno == EEXIST ? "it appeared meanwhile; " HINT_FOREIGN :
				"is the unit directory writable?");
			goto out;
		}
		tmp[i][0] = '\0';
	}
	for (i = 0; i < n; i++) {
		path_of(path, sizeof(path), dir, files[i].name);
		fprintf(report, "%s %s\n", st[i] == ST_SAME ? "unchanged" : "wrote",
			path);
	}
	ret = 0;
out:
	for (i = 0; i < n; i++)
		if (tmp[i][0])
			unlink(tmp[i]);
	return ret;
}
