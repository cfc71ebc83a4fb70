/* SPDX-License-Identifier: MIT
 * unit-netns-args - bro-netns create's options */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>

#include "args.h"
#include "state.h"
#include "tap.h"

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
	return tap_done();
}
