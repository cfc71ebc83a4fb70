/* SPDX-License-Identifier: MIT
 *
 * conf.c - the administrator's grants in SYSCONFDIR/bro/helper.conf
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "parse.h"

static char *next_field(char **s)
{
	char *start;

	while (**s == ' ' || **s == '\t')
		(*s)++;
	if (!**s)
		return NULL;
	start = *s;
	while (**s && **s != ' ' && **s != '\t')
		(*s)++;
	if (**s)
		*(*s)++ = '\0';
	return start;
}

int conf_parse_line(char *line, struct grant *g)
{
	char *kind, *extra;
	size_t n = strlen(line);

	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	kind = next_field(&line);
	if (!kind || kind[0] == '#')
		return 0;
	if (!strcmp(kind, "user"))
		g->kind = GRANT_USER;
	else if (!strcmp(kind, "group"))
		g->kind = GRANT_GROUP;
	else
		return -1;
	g->who = next_field(&line);
	g->pattern = next_field(&line);
	extra = next_field(&line);
	if (!g->who || !g->pattern || g->pattern[0] != '/' ||
	    (extra && extra[0] != '#'))
		return -1;
	return 1;
}

static bool who_matches(const struct grant *g, const struct conf_subject *s)
{
	uint64_t id;
	bool numeric = parse_u64(g->who, 0, UINT32_MAX - 1, &id) == 0;

	if (g->kind == GRANT_USER) {
		struct passwd *pw;

		if (numeric)
			return (uid_t)id == s->uid;
		pw = getpwnam(g->who);
		return pw && pw->pw_uid == s->uid;
	}
	if (!numeric) {
		struct group *gr = getgrnam(g->who);

		if (!gr)
			return false;
		id = gr->gr_gid;
	}
	for (int i = 0; i < s->ngids; i++)
		if (s->gids[i] == (gid_t)id)
			return true;
	return false;
}

/* @path reached without following any symbolic link, in any component:
 * a link the user made in a directory the pattern crosses leads nowhere */
static int open_no_links(const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

static bool pattern_matches(const char *pattern, const struct conf_subject *s)
{
	bool found = false;
	glob_t gl;

	if (glob(pattern, GLOB_NOSORT, NULL, &gl) != 0)
		return false;
	for (size_t i = 0; i < gl.gl_pathc && !found; i++) {
		struct stat st;
		int fd = open_no_links(gl.gl_pathv[i]);

		if (fd < 0) {
			if (fd == -ELOOP || fd == -ENOSYS)
				log_warn("grant %s: %s: %s, not followed", pattern,
					 gl.gl_pathv[i], fd == -ELOOP ?
					 "a symbolic link on the way" :
					 "openat2() unavailable");
			continue;
		}
		found = fstat(fd, &st) == 0 && st.st_dev == s->dev &&
			st.st_ino == s->ino;
		close(fd);
	}
	globfree(&gl);
	return found;
}

bool conf_allows(FILE *f, const char *path, const struct conf_subject *s)
{
	char line[CONF_LINE_MAX + 2];
	int lineno = 0;

	while (fgets(line, sizeof(line), f)) {
		struct grant g;
		int r;

		if (++lineno > CONF_LINES_MAX) {
			log_warn("%s: more than %d lines, rest ignored", path,
				 CONF_LINES_MAX);
			break;
		}
		if (!strchr(line, '\n') && !feof(f)) {
			int c;

			log_warn("%s:%d: line longer than %d bytes, ignored",
				 path, lineno, CONF_LINE_MAX);
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		r = conf_parse_line(line, &g);
		if (r < 0)
			log_warn("%s:%d: expected \"user|group WHO /PATH\", line ignored",
				 path, lineno);
		if (r <= 0)
			continue;
		if (who_matches(&g, s) && pattern_matches(g.pattern, s))
			return true;
	}
	return false;
}
