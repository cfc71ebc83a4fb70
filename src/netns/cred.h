/* SPDX-License-Identifier: MIT */
#ifndef BRO_NETNS_CRED_H
#define BRO_NETNS_CRED_H

#include <stddef.h>

#define CRED_ENV	"BRO_PROXY_PASSWORD"

/**
 * cred_read_file() - the proxy password from @path: its first and only
 *		      line (a final "\n" or "\r\n" is not part of it)
 * @out, @size:	the password, NUL-terminated; @size - 1 bytes at most
 * @err, @errsize: on failure, a one-line reason naming @path
 *
 * The file must be a regular file owned by the caller (or root) that no
 * one else may read or write (mode & 077 == 0, as ssh asks of a key):
 * otherwise the password is as public as it would be in argv.
 * Return: 0; 1 refused (mode, owner, type or content); -errno when a
 *	   syscall failed
 */
int cred_read_file(const char *path, char *out, size_t size, char *err,
		   size_t errsize);

/**
 * cred_read_fd() - the proxy password from @fd (stdin): one line, read up
 *		    to its newline or EOF; on a terminal it is asked for
 *		    with echo off
 * Return: as cred_read_file()
 */
int cred_read_fd(int fd, char *out, size_t size, char *err, size_t errsize);

/**
 * cred_take_env() - the password in $BRO_PROXY_PASSWORD, if set; the value
 *		     is then wiped in place (so /proc/PID/environ of this
 *		     process and those it forks no longer holds it) and the
 *		     variable removed
 * Return: 0 taken, -ENOENT not set, 1 refused (too long)
 */
int cred_take_env(char *out, size_t size, char *err, size_t errsize);

#endif
