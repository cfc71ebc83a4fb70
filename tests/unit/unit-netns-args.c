/* SPDX-License-Identifier: MIT
 * unit-netns-args - bro-netns create's options */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cred.h"
#include "state.h"
#include "tap.h"

static bool matches(const char *s, const char *re)
{
	regex_t r;
	bool m;

	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	m = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return m;
}

static void put(const char *path, const char *text, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	chmod(path, mode);
}

static int port_of(const struct bridge *b)
{
	return ntohs(((const struct sockaddr_in *)&b->host)->sin_port);
}

int main(void)
{
	struct bridge b;
	struct target t;
	enum dns_mode m;
	char err[256];
	struct create_args a;
	char *argv1[] = { "create", "--name", "n1", "--proxy", "socks5://h:1",
			  "--dns", "tcp://9.9.9.9", "--bridge-port", "8080", NULL };
	char *argv2[] = { "create", "--name", "n1", NULL };

	is_int(bridge_parse("8080", &b), 0, "PORT");
	ok(b.host.ss_family == AF_INET && port_of(&b) == 8080 && b.nsport == 8080,
	   "  127.0.0.1:8080 -> 8080");
	is_int(bridge_parse("8080:80", &b), 0, "PORT:NSPORT");
	ok(port_of(&b) == 8080 && b.nsport == 80, "  8080 -> 80");
	is_int(bridge_parse("0.0.0.0:8080", &b), 0, "HOSTADDR:PORT");
	ok(port_of(&b) == 8080 && b.nsport == 8080, "  -> 8080");
	is_int(bridge_parse("[::1]:8080:80", &b), 0, "[IPv6]:PORT:NSPORT");
	ok(b.host.ss_family == AF_INET6 && b.nsport == 80, "  v6 -> 80");
	is_int(bridge_parse("localhost:80", &b), -EINVAL, "a name is no HOSTADDR");
	is_int(bridge_parse("80:0", &b), -EINVAL, "NSPORT 0");
	is_int(bridge_parse("1.2.3.4:5:6:7", &b), -EINVAL, "too many parts");
	is_int(bridge_parse("", &b), -EINVAL, "empty");

	is_int(dns_parse("fake", &m, &t), 0, "fake");
	is_int(m, DNS_FAKE, "  mode");
	is_int(dns_parse("tcp://9.9.9.9", &m, &t), 0, "tcp://IPv4");
	ok(m == DNS_TCP && t.port == 53 && t.sa.ss_family == AF_INET && !t.name[0], "  port 53 by default");
	is_int(dns_parse("tcp://[2620:fe::fe]:5353", &m, &t), 0, "tcp://[IPv6]:PORT");
	ok(t.port == 5353 && t.sa.ss_family == AF_INET6, "  v6, 5353");
	is_int(dns_parse("tcp://dns.example", &m, &t), 0, "tcp://NAME");
	is_str(t.name, "dns.example", "  by name at the proxy");
	is_int(dns_parse("udp://9.9.9.9", &m, &t), -EINVAL, "udp:// refused");
	is_int(dns_parse("tcp://u:p@9.9.9.9", &m, &t), -EINVAL, "credentials refused");

	ok(name_valid("netns0") && name_valid("a.b_c-d"), "names");
	ok(!name_valid("") && !name_valid(".x") && !name_valid("-x") && !name_valid("a/b") &&
	   !name_valid("012345678901234567890123456789012"), "bad names");

	is_int(create_args_parse(9, argv1, &a, err, sizeof(err)), 0, "create options");
	ok(a.conf.dns_mode == DNS_TCP && a.conf.nbridges == 1 && !strcmp(a.name, "n1"),
	   "  dns, bridge, name");
	is_int(create_args_parse(3, argv2, &a, err, sizeof(err)), -EINVAL, "--proxy is required");
	is_str(err, "create: --proxy is required", "  says so");

	ok(a.conf.sched_batch, "the relay's scheduling: batch by default");
	char *sch1[] = { "create", "--proxy", "socks5://h:1", "--sched", "normal", NULL };
	char *sch2[] = { "create", "--proxy", "socks5://h:1", "--sched", "batch", NULL };
	char *sch3[] = { "create", "--proxy", "socks5://h:1", "--sched", "Batch", NULL };
	is_int(create_args_parse(5, sch1, &a, err, sizeof(err)), 0, "--sched normal");
	ok(!a.conf.sched_batch, "  not batch");
	is_int(create_args_parse(5, sch2, &a, err, sizeof(err)), 0, "--sched batch");
	ok(a.conf.sched_batch, "  batch");
	is_int(create_args_parse(5, sch3, &a, err, sizeof(err)), -EINVAL, "--sched Batch: refused");
	is_str(err, "--sched Batch: batch or normal expected", "  says what is expected");

	char *argv3[] = { "create", "--proxy", "socks5://u:secret@h:1", NULL };
	char *argv4[] = { "create", "--proxy", "socks5://u@h:1",
			  "--proxy-password-file", "/x", "--proxy-password-stdin", NULL };
	char *argv5[] = { "create", "--proxy", "socks5://h:1", "--proxy-password-stdin", NULL };
	char *argv6[] = { "create", "--proxy", "http://u@h:1", "--proxy-password-file", "/x", NULL };

	is_int(create_args_parse(3, argv3, &a, err, sizeof(err)), -EINVAL, "a password in the URL");
	ok(matches(err, "readable by every local user.*--proxy-password-file"), "  says where it goes instead");
	is_int(create_args_parse(6, argv4, &a, err, sizeof(err)), -EINVAL, "file and stdin");
	is_int(create_args_parse(4, argv5, &a, err, sizeof(err)), -EINVAL, "a password without a user");
	is_int(create_args_parse(5, argv6, &a, err, sizeof(err)), 0, "user in the URL, password from a file");
	ok(a.conf.proxy.auth && !strcmp(a.conf.proxy.user, "u") && !strcmp(a.pass_file, "/x"),
	   "  user u, file /x");

	char *dir1[] = { "create", "--proxy", "direct", NULL };
	char *dir2[] = { "create", "--proxy", "direct", "--proxy-password-stdin", NULL };
	char *dir3[] = { "create", "--proxy", "directly", NULL };
	char *dir4[] = { "create", "--proxy", "direct", "--proxy", "socks5://h:1", NULL };

	is_int(create_args_parse(3, dir1, &a, err, sizeof(err)), 0, "--proxy direct");
	ok(a.conf.direct && a.conf.proxy.type == 0 && !a.conf.proxy.auth, "  no proxy");
	is_int(create_args_parse(4, dir2, &a, err, sizeof(err)), -EINVAL, "--proxy direct with a password");
	is_int(create_args_parse(3, dir3, &a, err, sizeof(err)), -EINVAL, "--proxy directly: not a URL");
	is_int(create_args_parse(5, dir4, &a, err, sizeof(err)), 0, "--proxy direct, then a URL");
	ok(!a.conf.direct && a.conf.proxy.type == PROXY_SOCKS5, "  the last one counts");

	/* the policy's options, in order */
	char *argv7[] = { "create", "--proxy", "socks5://h:1", "--deny", "bad.example",
			  "--policy-file", "/p", "--allow", "*.example", NULL };
	struct policy_args pa;
	const char *name;

	is_int(create_args_parse(9, argv7, &a, err, sizeof(err)), 0, "create --deny --policy-file --allow");
	ok(a.pol.n == 3 && a.pol.item[0].kind == 'd' && !strcmp(a.pol.item[0].arg, "bad.example") &&
	   a.pol.item[1].kind == 'f' && !strcmp(a.pol.item[1].arg, "/p") &&
	   a.pol.item[2].kind == 'a' && !strcmp(a.pol.item[2].arg, "*.example"),
	   "  kept in order, patterns as given (checked when the policy is built)");
	ok(a.conf.statefd == -1 && a.conf.policy == NULL, "  no state dir, no policy yet");
	char *argv8[] = { "policy", "ns1", "--allow", "a.example", "--policy-file", "/p", NULL };
	is_int(policy_args_parse(6, argv8, &name, &pa, err, sizeof(err)), 0, "policy NAME --allow --policy-file");
	ok(!strcmp(name, "ns1") && pa.n == 2 && pa.item[0].kind == 'a' && pa.item[1].kind == 'f',
	   "  name and rules");
	char *argv9[] = { "policy", "ns1", NULL };
	is_int(policy_args_parse(2, argv9, &name, &pa, err, sizeof(err)), -EINVAL, "policy NAME without rules");
	ok(matches(err, "give the new policy"), "  says: %s", err);
	char *argv10[] = { "policy", "--allow", "a.example", NULL };
	is_int(policy_args_parse(3, argv10, &name, &pa, err, sizeof(err)), -EINVAL, "policy without NAME");
	char *argv11[] = { "policy", "ns1", "--allow", "a", "extra", NULL };
	is_int(policy_args_parse(5, argv11, &name, &pa, err, sizeof(err)), -EINVAL, "policy with a stray argument");
	char *argv12[] = { "policy", "ns1", "--allow", NULL };
	is_int(policy_args_parse(3, argv12, &name, &pa, err, sizeof(err)), -EINVAL, "--allow without a pattern");

	/* where the password comes from */
	char dir[] = "/tmp/unit-netns-cred.XXXXXX", path[64], pw[256];
	int fds[2];

	ok(mkdtemp(dir) != NULL, "a scratch directory");
	snprintf(path, sizeof(path), "%s/pw", dir);
	put(path, "s3cret\n", 0600);
	is_int(cred_read_file(path, pw, sizeof(pw), err, sizeof(err)), 0, "file 0600: read");
	is_str(pw, "s3cret", "  its line, without the newline");
	put(path, "s3cret\r\n", 0600);
	cred_read_file(path, pw, sizeof(pw), err, sizeof(err));
	is_str(pw, "s3cret", "  CRLF too");
	put(path, "no newline", 0400);
	cred_read_file(path, pw, sizeof(pw), err, sizeof(err));
	is_str(pw, "no newline", "  0400, no final newline");
	put(path, "s3cret\n", 0640);
	is_int(cred_read_file(path, pw, sizeof(pw), err, sizeof(err)), 1, "file 0640: refused");
	ok(matches(err, "mode 0640 lets other users at it \\(chmod 600"), "  says: %s", err);
	put(path, "s3cret\n", 0604);
	is_int(cred_read_file(path, pw, sizeof(pw), err, sizeof(err)), 1, "file 0604: refused");
	put(path, "a\nb\n", 0600);
	is_int(cred_read_file(path, pw, sizeof(pw), err, sizeof(err)), 1, "two lines: refused");
	put(path, "\n", 0600);
	is_int(cred_read_file(path, pw, sizeof(pw), err, sizeof(err)), 1, "empty: refused");
	is_int(cred_read_file(dir, pw, sizeof(pw), err, sizeof(err)), 1, "a directory: refused");
	unlink(path);
	is_int(cred_read_file(path, pw, sizeof(pw), err, sizeof(err)), -ENOENT, "missing: -ENOENT");
	ok(matches(err, "^open\\(/tmp/unit-netns-cred.*\\): No such file"), "  says: %s", err);
	rmdir(dir);

	ok(pipe(fds) == 0 && write(fds[1], "pipe-pw\nrest", 12) == 12, "a pipe");
	is_int(cred_read_fd(fds[0], pw, sizeof(pw), err, sizeof(err)), 0, "stdin: read");
	is_str(pw, "pipe-pw", "  one line");
	ok(read(fds[0], pw, 4) == 4 && !memcmp(pw, "rest", 4), "  nothing past it taken");
	close(fds[1]);
	is_int(cred_read_fd(fds[0], pw, sizeof(pw), err, sizeof(err)), 1, "stdin at EOF: empty, refused");
	close(fds[0]);

	setenv(CRED_ENV, "env-pw", 1);
	char *v = getenv(CRED_ENV);
	is_int(cred_take_env(pw, sizeof(pw), err, sizeof(err)), 0, "environment: taken");
	is_str(pw, "env-pw", "  the value");
	ok(getenv(CRED_ENV) == NULL, "  the variable is gone");
	ok(v[0] == '\0' && v[5] == '\0', "  and its bytes are wiped");
	is_int(cred_take_env(pw, sizeof(pw), err, sizeof(err)), -ENOENT, "not set: -ENOENT");
	return tap_done();
}
