# bro-netns: rootless egress namespaces through a SOCKS5/HTTP proxy
BINS += bro-netns
bro-netns_SRCS := src/netns/bro-netns.c src/netns/args.c src/netns/daemon.c \
	src/netns/dns.c src/netns/nl.c src/netns/nsbuild.c src/netns/proxy.c \
	src/netns/state.c
bro-netns_LIBS := -lmnl -lnftables
bro-netns_CPPFLAGS := -Isrc/netns
