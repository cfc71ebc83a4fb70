/* SPDX-License-Identifier: MIT */
#ifndef BRO_HELPER_CONF_H
#define BRO_HELPER_CONF_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#define CONF_LINE_MAX	1024
#define CONF_LINES_MAX	4096

enum grant_kind { GRANT_USER, GRANT_GROUP };

struct grant {
	enum grant_kind kind;
	const char *who;		/* name or decimal ID */
	const char *pattern;		/* absolute path, may hold glob(7) */
};

/**
 * conf_parse_line() - split one line of helper.conf
 * @line:	NUL-terminated, modified in place (@g points into it)
 * @g:		filled in when a grant is found
 *
 * Grammar: blank, "# comment", or "user|group WHO /ABSOLUTE/PATTERN".
 * Return: 1 for a grant, 0 for a blank or comment line, -1 when malformed
 */
int conf_parse_line(char *line, struct grant *g);

struct conf_subject {
	uid_t uid;
	const gid_t *gids;
	int ngids;
	dev_t dev;		/* the namespace asked for, by identity */
	ino_t ino;
};

/**
 * conf_allows() - does a grant in @f cover @s?
 * @f:		the opened config file (owner and mode checked by the caller)
 * @path:	its name, for warnings
 *
 * A grant's pattern is expanded with glob(3) and each match compared with
 * the requested namespace by (st_dev, st_ino): grants name namespaces, not
 * strings, so no spelling of a path can widen one.
 */
bool conf_allows(FILE *f, const char *path, const struct conf_subject *s);

#endif
