# bro-netns: rootless egress namespaces through a SOCKS5/HTTP proxy
BINS += bro-netns
bro-netns_SRCS := src/netns/bro-netns.c src/netns/args.c src/netns/connlog.c src/netns/cred.c \
	src/netns/daemon.c src/netns/direct.c src/netns/dns.c src/netns/nl.c src/netns/nsbuild.c \
	src/netns/policy.c src/netns/proxy.c src/netns/socks5udp.c src/netns/state.c \
	src/netns/udp.c
bro-netns_LIBS := -lmnl -lnftables -lseccomp -lpthread
bro-netns_CPPFLAGS := -Isrc/netns

UNIT_TESTS += unit-netns-proxy unit-netns-dns unit-netns-args unit-netns-policy unit-netns-direct \
	unit-netns-socks5udp
unit-netns-socks5udp_SRCS := tests/unit/unit-netns-socks5udp.c src/netns/socks5udp.c
unit-netns-socks5udp_CPPFLAGS := -Isrc/netns
unit-netns-direct_SRCS := tests/unit/unit-netns-direct.c src/netns/direct.c
unit-netns-direct_LIBS := -lpthread
unit-netns-direct_CPPFLAGS := -Isrc/netns
unit-netns-policy_SRCS := tests/unit/unit-netns-policy.c src/netns/policy.c src/netns/connlog.c
unit-netns-policy_CPPFLAGS := -Isrc/netns
unit-netns-proxy_SRCS := tests/unit/unit-netns-proxy.c src/netns/proxy.c
unit-netns-proxy_CPPFLAGS := -Isrc/netns
unit-netns-dns_SRCS := tests/unit/unit-netns-dns.c src/netns/dns.c
unit-netns-dns_CPPFLAGS := -Isrc/netns
unit-netns-args_SRCS := tests/unit/unit-netns-args.c src/netns/args.c \
	src/netns/cred.c src/netns/proxy.c src/netns/state.c src/netns/nsbuild.c src/netns/nl.c
unit-netns-args_LIBS := -lmnl -lnftables
unit-netns-args_CPPFLAGS := -Isrc/netns

# libFuzzer: every parser of bytes from the proxy, a DNS client or argv
FUZZERS += fuzz-netns-proxy fuzz-netns-dns fuzz-netns-policy fuzz-netns-udp
fuzz-netns-udp_SRCS := fuzz/fuzz-netns-udp.c src/netns/socks5udp.c
fuzz-netns-udp_CPPFLAGS := -Isrc/netns
fuzz-netns-policy_SRCS := fuzz/fuzz-netns-policy.c src/netns/policy.c
fuzz-netns-policy_CPPFLAGS := -Isrc/netns
fuzz-netns-proxy_SRCS := fuzz/fuzz-netns-proxy.c src/netns/proxy.c lib/parse.c
fuzz-netns-proxy_CPPFLAGS := -Isrc/netns
fuzz-netns-dns_SRCS := fuzz/fuzz-netns-dns.c src/netns/dns.c
fuzz-netns-dns_CPPFLAGS := -Isrc/netns
