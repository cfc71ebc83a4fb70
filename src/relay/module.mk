# bro-relay: a unix <-> TCP stream bridge (socat's job for a sandbox's
# relays); the data path is lib/relay.c
BINS += bro-relay
bro-relay_SRCS := src/relay/bro-relay.c src/relay/args.c
bro-relay_LIBS :=
bro-relay_CPPFLAGS := -Isrc/relay

UNIT_TESTS += unit-relay-args
unit-relay-args_SRCS := tests/unit/unit-relay-args.c src/relay/args.c
unit-relay-args_CPPFLAGS := -Isrc/relay
