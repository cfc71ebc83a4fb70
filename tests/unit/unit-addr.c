/* SPDX-License-Identifier: MIT
 * unit-addr - lib/addr.c: the TARGET forms of systemd-socket-proxyd */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/un.h>

#include "addr.h"
#include "tap.h"

/* parse @s, expect @want_r; when it parses, addr_str() must give @str
 * (NULL: a name left to resolve, with host @str2) */
static void t(const char *s, int want_r, const char *str)
{
	struct addr a;
	char buf[ADDR_STR_MAX];
	int r = addr_parse(s, &a);

	is_int(r, want_r, "addr_parse(\"%s\") returns %d", s, want_r);
	if (r || !str)
		return;
	if (a.len)
		is_str(addr_str((struct sockaddr *)&a.sa, a.len, buf, sizeof(buf)),
		       str, "  and reads back as %s", str);
	else
		is_str(a.host, str, "  a name to resolve: host %s", str);
}

int main(void)
{
	struct addr a;
	char buf[ADDR_STR_MAX], longp[200];
	size_t i;

	t("127.0.0.1:5432", 0, "127.0.0.1:5432");
	t("0.0.0.0:1", 0, "0.0.0.0:1");
	t("127.0.0.1:65535", 0, "127.0.0.1:65535");
	t("127.0.0.1:65536", -EINVAL, NULL);
	t("127.0.0.1:0", -EINVAL, NULL);
	t("127.0.0.1:", -EINVAL, NULL);
	t("127.0.0.1:-1", -EINVAL, NULL);
	t("127.0.0.1:80x", -EINVAL, NULL);
	t("127.0.0.1", 0, "127.0.0.1:80");
	t("[::1]:8080", 0, "[::1]:8080");
	t("[::ffff:10.0.0.1]:1", 0, "[::ffff:10.0.0.1]:1");
	t("[::1]", 0, "[::1]:80");
	t("[::1]x", -EINVAL, NULL);
	t("[::1", -EINVAL, NULL);
	t("[]:80", -EINVAL, NULL);
	t("[1.2.3.4]:80", -EINVAL, NULL);
	t("::1:80", -EINVAL, NULL);
	t("[fe80::1%lo]:80", 0, "fe80::1%lo");
	t("localhost:5432", 0, "localhost");
	t("db.example.org:postgresql", 0, "db.example.org");
	t("host:po/rt", -EINVAL, NULL);
	t("ho st:80", -EINVAL, NULL);
	t(":80", -EINVAL, NULL);
	t("", -EINVAL, NULL);
	t("/run/db.sock", 0, "/run/db.sock");
	t("@abstract-name", 0, "@abstract-name");
	t("@", -EINVAL, NULL);
	for (i = 0; i < sizeof(longp) - 1; i++)
		longp[i] = 'a';
	longp[0] = '/';
	longp[107] = '\0';
	t(longp, 0, longp);			/* 107 + NUL fills sun_path */
	longp[107] = 'a';
	longp[108] = '\0';
	t(longp, -EINVAL, NULL);
	longp[0] = '@';
	t(longp, 0, longp);			/* abstract: no NUL needed */
	longp[108] = 'a';
	longp[109] = '\0';
	t(longp, -EINVAL, NULL);

	ok(addr_parse("/x", &a) == 0 && a.len == offsetof(struct sockaddr_un, sun_path) + 3,
	   "a path's length counts its NUL");
	ok(addr_parse("@x", &a) == 0 && a.len == offsetof(struct sockaddr_un, sun_path) + 2,
	   "an abstract name's length does not");
	ok(addr_parse("10.1.2.3:7", &a) == 0 && !addr_needs_resolve(&a) &&
	   a.sa.ss_family == AF_INET, "a literal needs no resolver");
	ok(addr_parse("localhost:7", &a) == 0 && addr_needs_resolve(&a) && a.len == 0,
	   "a name waits for addr_resolve()");
	ok(addr_resolve(&a, SOCK_STREAM) == 0 && a.len > 0 &&
	   (a.sa.ss_family == AF_INET || a.sa.ss_family == AF_INET6),
	   "localhost resolves (%s)",
	   addr_str((struct sockaddr *)&a.sa, a.len, buf, sizeof(buf)));
	ok(addr_parse("no-such-host.invalid:7", &a) == 0 &&
	   addr_resolve(&a, SOCK_STREAM) != 0, "a .invalid name does not resolve");
	return tap_done();
}
