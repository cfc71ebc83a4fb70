/* SPDX-License-Identifier: MIT
 * unit-netns-policy - bro-netns's egress policy: patterns, files, lookups */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "connlog.h"
#include "policy.h"
#include "tap.h"

static struct sockaddr_storage ss;

static const struct sockaddr *addr(const char *s)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1)
		s6->sin6_family = AF_INET6;
	return (const struct sockaddr *)&ss;
}

/* "allow 3", "deny 0" (0: the default) */
static const char *vn(const struct policy *p, const char *name, uint16_t port)
{
	static char buf[32];
	struct policy_verdict v = policy_check(p, name, NULL, port);

	snprintf(buf, sizeof(buf), "%s %u", v.allow ? "allow" : "deny", v.rule);
	return buf;
}

static const char *va(const struct policy *p, const char *a, uint16_t port)
{
	static char buf[32];
	struct policy_verdict v = policy_check(p, NULL, addr(a), port);

	snprintf(buf, sizeof(buf), "%s %u", v.allow ? "allow" : "deny", v.rule);
	return buf;
}

static int add(struct policy *p, bool allow, const char *pat, char *err)
{
	return policy_add(p, allow, pat, err, 200);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(void)
{
	struct policy p;
	char err[200], *txt;
	size_t len;

	/* no policy, an empty one: everything goes */
	is_str(vn(NULL, "a.example", 80), "allow 0", "no policy: allow");
	policy_init(&p);
	is_str(vn(&p, "a.example", 80), "allow 0", "empty policy: allow");

	/* only denies: default allow */
	is_int(add(&p, false, "evil.example", err), 0, "deny evil.example");
	is_str(vn(&p, "evil.example", 443), "deny 1", "  denied");
	is_str(vn(&p, "good.example", 443), "allow 0", "  others allowed (no allow rule: default allow)");
	is_str(vn(&p, "a.evil.example", 443), "allow 0", "  an exact name does not cover subdomains");
	policy_free(&p);

	/* names, suffixes, first match wins, default deny */
	policy_init(&p);
	is_int(add(&p, false, "bad.example.com", err), 0, "deny bad.example.com");
	is_int(add(&p, true, "*.example.com", err), 0, "allow *.example.com");
	is_int(add(&p, true, "GitHub.com.", err), 0, "allow GitHub.com. (case, final dot)");
	is_int(add(&p, true, "registry.example:443", err), 0, "allow registry.example:443");
	is_int(add(&p, false, "*.deep.example.com", err), 0, "deny *.deep.example.com (after the allow)");
	is_str(vn(&p, "a.example.com", 80), "allow 2", "*.example.com matches a subdomain");
	is_str(vn(&p, "a.b.c.example.com", 80), "allow 2", "  at any depth");
	is_str(vn(&p, "example.com", 80), "deny 0", "  not the apex");
	is_str(vn(&p, "badexample.com", 80), "deny 0", "  not badexample.com");
	is_str(vn(&p, "example.com.evil", 80), "deny 0", "  not example.com.evil");
	is_str(vn(&p, "bad.example.com", 80), "deny 1", "first match wins: the deny before it");
	is_str(vn(&p, "x.deep.example.com", 80), "allow 2", "  and the allow before a later deny");
	is_str(vn(&p, "github.com", 22), "allow 3", "exact name, normalised");
	is_str(vn(&p, "www.github.com", 22), "deny 0", "  not its subdomains");
	is_str(vn(&p, "registry.example", 443), "allow 4", "name:port on its port");
	is_str(vn(&p, "registry.example", 80), "deny 0", "  not on another");
	is_str(va(&p, "140.82.112.3", 443), "deny 0", "an address is not matched by names");
	ok(p.has_names && p.has_allow, "has_names, has_allow");
	txt = policy_text(&p, &len);
	is_str(txt, "deny bad.example.com\nallow *.example.com\nallow GitHub.com.\n"
	       "allow registry.example:443\ndeny *.deep.example.com\n", "policy_text");
	free(txt);
	policy_free(&p);

	/* addresses and CIDRs */
	policy_init(&p);
	is_int(add(&p, false, "10.1.2.3", err), 0, "deny 10.1.2.3");
	is_int(add(&p, true, "10.0.0.0/8", err), 0, "allow 10.0.0.0/8");
	is_int(add(&p, true, "192.0.2.7:8080", err), 0, "allow 192.0.2.7:8080");
	is_int(add(&p, true, "[2001:db8::/32]:443", err), 0, "allow [2001:db8::/32]:443");
	is_int(add(&p, true, "fd00::1", err), 0, "allow fd00::1 (bare IPv6)");
	is_int(add(&p, false, "0.0.0.0/0:25", err), 0, "deny 0.0.0.0/0:25");
	is_int(add(&p, true, "::ffff:198.51.100.0/120", err), 0, "allow ::ffff:198.51.100.0/120 (v4-mapped)");
	is_str(va(&p, "10.1.2.3", 80), "deny 1", "the exact address first");
	is_str(va(&p, "10.200.0.1", 80), "allow 2", "in the CIDR");
	is_str(va(&p, "10.200.0.1", 25), "allow 2", "  any port (first match before the :25 deny)");
	is_str(va(&p, "11.0.0.1", 80), "deny 0", "outside: default deny");
	is_str(va(&p, "11.0.0.1", 25), "deny 6", "  0.0.0.0/0:25");
	is_str(va(&p, "192.0.2.7", 8080), "allow 3", "address:port");
	is_str(va(&p, "192.0.2.7", 80), "deny 0", "  other port");
	is_str(va(&p, "2001:db8:1::5", 443), "allow 4", "IPv6 CIDR with port");
	is_str(va(&p, "2001:db9::5", 443), "deny 0", "  outside");
	is_str(va(&p, "fd00::1", 1), "allow 5", "IPv6 address");
	is_str(va(&p, "198.51.100.9", 1), "allow 7", "a v4-mapped CIDR matches IPv4");
	is_str(va(&p, "::ffff:10.9.9.9", 1), "allow 2", "a v4-mapped destination matches IPv4 rules");
	is_str(vn(&p, "10.0.0.1.example", 80), "deny 0", "names are not matched by addresses");
	ok(!p.has_names, "no name rule");
	policy_free(&p);

	/* "*" */
	policy_init(&p);
	is_int(add(&p, true, "*:443", err), 0, "allow *:443");
	is_str(vn(&p, "any.example", 443), "allow 1", "  a name on 443");
	is_str(va(&p, "2001:db8::1", 443), "allow 1", "  an address on 443");
	is_str(va(&p, "192.0.2.1", 80), "deny 0", "  not on 80");
	policy_free(&p);

	/* bad patterns: one line each, the pattern named */
	static const char *const bad[] = {
		"", "*", "*.", "*example.com", "a.*.example.com", "ex*.com",
		"-", "a..b", ".a", "a b", "a/b", "10.0.0.0/33", "10.0.0.1/8",
		"10.0.0.0/08", "10.0.0.0/", "1.2.3", "example.123", "host.0x1f",
		"[::1", "[::1]80", "[10.0.0.1]:80", "::1/129", "a.example:0",
		"a.example:65536", "a.example:", "a.example:x", "a.example:080",
		"host:80:90", "\xc3\xa9.example", "*.10.0.0.1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		policy_init(&p);
		err[0] = '\0';
		int r = add(&p, true, bad[i], err);

		/* "*" alone is fine; everything else is refused */
		if (strcmp(bad[i], "*") == 0) {
			is_int(r, 0, "'*' is every destination");
		} else {
			ok(r == -EINVAL && err[0] && !strchr(err, '\n'),
			   "refused: '%s' (%s)", bad[i], err);
		}
		policy_free(&p);
	}
	policy_init(&p);
	char big[POLICY_PATTERN_MAX + 2];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	is_int(add(&p, true, big, err), -EINVAL, "a pattern over %d bytes", POLICY_PATTERN_MAX);
	policy_free(&p);

	/* files */
	static const char file[] =
		"# a policy\n"
		"\n"
		"  allow   *.example.org   # the project's hosts\n"
		"deny\tevil.example.org\r\n"
		"allow 192.0.2.0/24:443\n"
		"deny *";
	policy_init(&p);
	is_int(policy_parse(&p, file, sizeof(file) - 1, "f", err, sizeof(err)), 0,
	       "a file: comments, blanks, tabs, CRLF, no final newline");
	is_int(p.n, 4, "  4 rules");
	is_str(vn(&p, "www.example.org", 80), "allow 1", "  line 3");
	is_str(vn(&p, "evil.example.org", 80), "allow 1", "  first match wins over the later deny");
	is_str(va(&p, "192.0.2.5", 443), "allow 3", "  CIDR:port");
	is_str(va(&p, "192.0.2.5", 80), "deny 4", "  then deny *");
	policy_free(&p);
	static const struct { const char *text, *msg; } badf[] = {
		{ "allow a.example\npermit b.example\n", "f:2: \"allow PATTERN\" or \"deny PATTERN\" expected" },
		{ "allow a.example b.example\n", "f:1: one pattern per line" },
		{ "allow\n", "f:1: \"allow PATTERN\" or \"deny PATTERN\" expected" },
		{ "\n\ndeny a..b\n", "f:3: a..b: empty label" },
		{ "allowa.example\n", "f:1: \"allow PATTERN\" or \"deny PATTERN\" expected" },
	};
	for (size_t i = 0; i < sizeof(badf) / sizeof(badf[0]); i++) {
		policy_init(&p);
		err[0] = '\0';
		ok(policy_parse(&p, badf[i].text, strlen(badf[i].text), "f", err,
				sizeof(err)) == -EINVAL, "bad file %zu refused", i);
		is_str(err, badf[i].msg, "  says so");
		policy_free(&p);
	}
	policy_init(&p);
	is_int(policy_parse(&p, "allow a.example\n\0deny b\n", 24, "f", err, sizeof(err)),
	       -EINVAL, "a NUL byte is refused");
	policy_free(&p);

	/* the log's line */
	char line[CONNLOG_LINE];
	struct connlog_entry ce = {
		.start_ms = 1764657601123ull, .name = "a.example",
		.sa = addr("198.18.0.3"), .port = 443, .allow = true, .rule = 2,
		.bytes_out = 517, .bytes_in = 4096, .dur_ms = 35,
	};
	connlog_format(&ce, line, sizeof(line));
	is_str(line, "{\"time\":\"2025-12-02T06:40:01.123Z\",\"name\":\"a.example\","
	       "\"addr\":\"198.18.0.3\",\"port\":443,\"verdict\":\"allow\",\"rule\":2,"
	       "\"bytes_out\":517,\"bytes_in\":4096,\"duration_ms\":35,\"error\":null,\"proto\":\"tcp\"}\n",
	       "a log line");
	ce = (struct connlog_entry){ .start_ms = 0, .sa = addr("2001:db8::1"), .port = 80,
				     .error = "odd \"text\"\n" };
	connlog_format(&ce, line, sizeof(line));
	is_str(line, "{\"time\":\"1970-01-01T00:00:00.000Z\",\"name\":null,"
	       "\"addr\":\"2001:db8::1\",\"port\":80,\"verdict\":\"deny\",\"rule\":null,"
	       "\"bytes_out\":0,\"bytes_in\":0,\"duration_ms\":0,"
	       "\"error\":\"odd \\\"text\\\"\\u000a\",\"proto\":\"tcp\"}\n",
	       "  no name, IPv6, the default rule, an error string escaped");

	/* the log file: bounded, whole lines, never waits on a FIFO */
	char dir[] = "/tmp/unit-netns-connlog.XXXXXX", path[80];
	struct connlog cl;
	struct stat st1, st2;
	int dfd;

	ok(mkdtemp(dir) != NULL, "a scratch directory");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/%s", dir, CONNLOG_FILE);
	memset(&cl, 0, sizeof(cl));
	ok(mkfifo(path, 0600) == 0, "conns replaced by a FIFO (as a workload could)");
	ok(connlog_open(&cl, dfd) < 0 && cl.fd < 0, "  open refuses it at once, without waiting");
	ce = (struct connlog_entry){ .name = "a.example", .sa = addr("198.18.0.3"), .port = 443,
				     .allow = true };
	for (int i = 0; i < 12000; i++)
		connlog_write(&cl, &ce);
	is_int(cl.dropped, 0, "12,000 lines written: the FIFO was moved aside, none dropped");
	ok(stat(path, &st1) == 0 && S_ISREG(st1.st_mode) && st1.st_size <= CONNLOG_MAX,
	   "  conns is a regular file of at most 1 MiB (%lld)", (long long)st1.st_size);
	snprintf(path, sizeof(path), "%s/%s", dir, CONNLOG_OLD);
	ok(stat(path, &st2) == 0 && S_ISREG(st2.st_mode) && st2.st_size <= CONNLOG_MAX &&
	   st2.st_size > CONNLOG_MAX - CONNLOG_LINE, "  conns.1 the part before, full (%lld)",
	   (long long)st2.st_size);
	FILE *lf = fopen(path, "r");
	size_t lines = 0, whole = 0;
	while (lf && fgets(line, sizeof(line), lf)) {
		lines++;
		whole += line[0] == '{' && line[strlen(line) - 1] == '\n';
	}
	if (lf)
		fclose(lf);
	ok(lines > 1000 && whole == lines, "  every line whole (%zu)", lines);
	close(cl.fd);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, CONNLOG_FILE);
	unlink(path);
	close(dfd);
	rmdir(dir);

	/* 10,000 rules: the lookup does not walk them */
	policy_init(&p);
	for (int i = 0; i < 10000; i++) {
		char pat[64];

		if (i % 3 == 0)
			snprintf(pat, sizeof(pat), "host%d.example.com", i);
		else if (i % 3 == 1)
			snprintf(pat, sizeof(pat), "*.zone%d.example.net", i);
		else
			snprintf(pat, sizeof(pat), "10.%d.%d.0/24", i / 256 % 256, i % 256);
		if (add(&p, true, pat, err) < 0)
			break;
	}
	is_int(p.n, 10000, "10,000 rules");
	is_str(vn(&p, "host9999.example.com", 80), "allow 10000", "  the last one matches");
	is_str(vn(&p, "a.b.zone9997.example.net", 80), "allow 9998", "  a deep suffix");
	is_str(va(&p, "10.39.14.77", 80), "allow 9999", "  a CIDR");
	is_str(vn(&p, "nothing.example.org", 80), "deny 0", "  no match: default deny");
	uint64_t t0 = now_ns();
	unsigned allowed = 0;
	for (int i = 0; i < 200000; i++) {
		char name[64];

		snprintf(name, sizeof(name), "x.y.zone%d.example.net", i % 20000);
		allowed += policy_check(&p, name, NULL, 443).allow;
	}
	uint64_t dt = now_ns() - t0;
	ok(allowed > 0, "200,000 lookups of 4-label names over 10,000 rules: %.0f ns each "
	   "(with the name's formatting)", (double)dt / 200000);
	policy_free(&p);
	return tap_done();
}
