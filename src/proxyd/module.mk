# bro-proxyd: unprivileged socket-activated proxy (a systemd-socket-proxyd
# drop-in); the data path is lib/relay.c
BINS += bro-proxyd
bro-proxyd_SRCS := src/proxyd/bro-proxyd.c src/proxyd/args.c src/proxyd/tcp.c \
	src/proxyd/udp.c
bro-proxyd_LIBS :=
bro-proxyd_CPPFLAGS := -Isrc/proxyd

UNIT_TESTS += unit-proxyd-args unit-addr unit-proxyproto unit-relay
unit-proxyd-args_SRCS := tests/unit/unit-proxyd-args.c src/proxyd/args.c
unit-proxyd-args_CPPFLAGS := -Isrc/proxyd
unit-addr_SRCS := tests/unit/unit-addr.c
unit-proxyproto_SRCS := tests/unit/unit-proxyproto.c
unit-relay_SRCS := tests/unit/unit-relay.c

FUZZERS += fuzz-addr fuzz-proxyproto fuzz-fdnames
fuzz-addr_SRCS := fuzz/fuzz-addr.c lib/addr.c lib/parse.c
fuzz-proxyproto_SRCS := fuzz/fuzz-proxyproto.c lib/proxyproto.c lib/parse.c
fuzz-fdnames_SRCS := fuzz/fuzz-fdnames.c lib/listenfds.c lib/parse.c

# the load generator and echo server of bench/proxyd.sh
TEST_TOOLS += proxyd-load
proxyd-load_SRCS := tests/tools/proxyd-load.c
