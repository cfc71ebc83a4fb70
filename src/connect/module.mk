# bro-connect: ssh ProxyCommand through HTTP CONNECT or SOCKS5; the proxy
# messages and the password sources are bro-netns's (src/netns/proxy.c,
# cred.c), the splice pipes lib/relay.c's
BINS += bro-connect
bro-connect_SRCS := src/connect/bro-connect.c src/connect/tunnel.c \
	src/connect/pump.c src/netns/proxy.c src/netns/cred.c
bro-connect_LIBS :=
bro-connect_CPPFLAGS := -Isrc/connect -Isrc/netns

UNIT_TESTS += unit-connect
unit-connect_SRCS := tests/unit/unit-connect.c src/connect/tunnel.c src/netns/proxy.c
unit-connect_CPPFLAGS := -Isrc/connect -Isrc/netns

FUZZERS += fuzz-connect
fuzz-connect_SRCS := fuzz/fuzz-connect.c src/connect/tunnel.c src/netns/proxy.c lib/parse.c
fuzz-connect_CPPFLAGS := -Isrc/connect -Isrc/netns
