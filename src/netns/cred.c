/* SPDX-License-Identifier: MIT
 *
 * cred.c - where the proxy password comes from, never argv (which every
 * local user reads in ps for as long as the relay lives): a file only its
 * owner can read, stdin, or the environment (readable only by the same UID
 * and root, and wiped once read).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cred.h"

/* the password is the first line of @buf (@n bytes): a final "\n" or
 * "\r\n" dropped, nothing after it; Return: 0, 1 refused */
static int one_line(char *buf, size_t n, const char *what, char *out,
		    size_t size, char *err, size_t errsize)
{
	char *nl = memchr(buf, '\n', n);

	if (nl) {
		if ((size_t)(nl - buf) + 1 != n) {
			snprintf(err, errsize, "%s: more than one line (the password is the first and only line)",
				 what);
			return 1;
		}
		n = (size_t)(nl - buf);
		if (n && buf[n - 1] == '\r')
			n--;
	}
	if (n == 0) {
		snprintf(err, errsize, "%s: empty password", what);
		return 1;
	}
	if (n >= size) {
		snprintf(err, errsize, "%s: the password is longer than %zu bytes",
			 what, size - 1);
		return 1;
	}
	memcpy(out, buf, n);
	out[n] = '\0';
	return 0;
}

int cred_read_file(const char *path, char *out, size_t size, char *err,
		   size_t errsize)
{
	char buf[512], what[96];
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, r;

	snprintf(what, sizeof(what), "--proxy-password-file %.60s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errsize, "open(%s): %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(err, errsize, "fstat(%s): %s", path, strerror(-r));
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsize, "%s: not a regular file (for a pipe use --proxy-password-stdin)",
			 what);
		close(fd);
		return 1;
	}
	if (st.st_uid != getuid() && st.st_uid != 0) {
		snprintf(err, errsize, "%s: owned by uid %u, not by you",
			 what, (unsigned)st.st_uid);
		close(fd);
		return 1;
	}
	if (st.st_mode & 077) {
		snprintf(err, errsize, "%s: mode %04o lets other users at it (chmod 600 %.60s)",
			 what, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return 1;
	}
	while (got < sizeof(buf)) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(err, errsize, "read(%s): %s", path, strerror(-r));
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			return r;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got == sizeof(buf)) {
		snprintf(err, errsize, "%s: longer than %zu bytes", what,
			 sizeof(buf) - 1);
		r = 1;
	} else {
		r = one_line(buf, got, what, out, size, err, errsize);
	}
	explicit_bzero(buf, sizeof(buf));
	return r;
}

int cred_read_fd(int fd, char *out, size_t size, char *err, size_t errsize)
{
	struct termios old, quiet;
	bool tty = tcgetattr(fd, &old) == 0;
	char buf[512];
	size_t got = 0;
	ssize_t n;
	int r = 0;

	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		fputs("Proxy password: ", stderr);
		fflush(stderr);
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	/* a byte at a time: nothing past the line is taken from a pipe */
	while (got < sizeof(buf)) {
		n = read(fd, buf + got, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(err, errsize, "read(stdin, --proxy-password-stdin): %s",
				 strerror(-r));
			break;
		}
		if (n == 0 || buf[got++] == '\n')
			break;
	}
	if (tty) {
		tcsetattr(fd, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (r == 0 && got == sizeof(buf)) {
		snprintf(err, errsize, "--proxy-password-stdin: longer than %zu bytes",
			 sizeof(buf) - 1);
		r = 1;
	}
	if (r == 0)
		r = one_line(buf, got, "--proxy-password-stdin", out, size, err,
			     errsize);
	explicit_bzero(buf, sizeof(buf));
	return r;
}

int cred_take_env(char *out, size_t size, char *err, size_t errsize)
{
	char *v = getenv(CRED_ENV);
	size_t n;
	int r = 0;

	if (!v)
		return -ENOENT;
	n = strlen(v);
	if (n == 0) {
		snprintf(err, errsize, "%s: empty password", CRED_ENV);
		r = 1;
	} else if (n >= size) {
		snprintf(err, errsize, "%s: the password is longer than %zu bytes",
			 CRED_ENV, size - 1);
		r = 1;
	} else {
		memcpy(out, v, n + 1);
	}
	/* the bytes themselves: unsetenv() alone leaves them where
	 * /proc/PID/environ reads */
	explicit_bzero(v, n);
	unsetenv(CRED_ENV);
	return r;
}
