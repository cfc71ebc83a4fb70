/* SPDX-License-Identifier: MIT
 * unit-helper-conf - helper.conf lines, and grants matched by identity */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "tap.h"

static int line(const char *text, struct grant *g)
{
	static char buf[CONF_LINE_MAX];

	snprintf(buf, sizeof(buf), "%s", text);
	return conf_parse_line(buf, g);
}

int main(void)
{
	struct grant g;
	char dir[] = "/tmp/unit-conf.XXXXXX", a[64], b[64];
	struct stat st;
	gid_t gids[] = { 4242 };
	struct conf_subject s = { .uid = 1234, .gids = gids, .ngids = 1 };
	FILE *f;

	is_int(line("", &g), 0, "blank line");
	is_int(line("   # comment", &g), 0, "comment");
	is_int(line("user alice /run/netns/blue\n", &g), 1, "user grant");
	ok(g.kind == GRANT_USER && !strcmp(g.who, "alice") &&
	   !strcmp(g.pattern, "/run/netns/blue"), "user grant fields");
	is_int(line("group\t100\t/run/netns/*  # lab", &g), 1, "group grant, tabs, trailing comment");
	ok(g.kind == GRANT_GROUP && !strcmp(g.who, "100"), "group grant fields");
	is_int(line("users alice /x", &g), -1, "unknown kind");
	is_int(line("user alice", &g), -1, "missing path");
	is_int(line("user alice relative/path", &g), -1, "relative path");
	is_int(line("user alice /x extra", &g), -1, "extra field");

	/* identity: a grant for file a covers a, not b, whatever the spelling */
	ok(mkdtemp(dir) != NULL, "scratch dir");
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	fclose(fopen(a, "w"));
	fclose(fopen(b, "w"));
	stat(a, &st);
	s.dev = st.st_dev;
	s.ino = st.st_ino;
	f = tmpfile();
	fprintf(f, "# test\nbogus line\nuser 1234 %s\n", b);
	rewind(f);
	ok(!conf_allows(f, "t", &s), "a grant of b does not cover a");
	fclose(f);
	f = tmpfile();
	fprintf(f, "user 1234 %s/./a\n", dir);
	rewind(f);
	ok(conf_allows(f, "t", &s), "a grant of a (other spelling) covers a");
	fclose(f);
	f = tmpfile();
	fprintf(f, "user 999 %s/*\ngroup 4242 %s/[a]\n", dir, dir);
	rewind(f);
	ok(conf_allows(f, "t", &s), "a group glob grant covers a");
	fclose(f);
	f = tmpfile();
	fprintf(f, "user 999 %s/*\ngroup 1 %s/*\n", dir, dir);
	rewind(f);
	ok(!conf_allows(f, "t", &s), "grants to other users and groups do not");
	fclose(f);
	unlink(a);
	unlink(b);
	rmdir(dir);
	return tap_done();
}
