# bro-run: bubblewrap's command line and behaviour; unprivileged (never
# setuid, no file capability), links libc and libseccomp (lib/confine.c)
BINS += bro-run
bro-run_SRCS := src/run/bro-run.c src/run/args.c src/run/mount.c \
	src/run/proc.c
bro-run_LIBS := -lseccomp
bro-run_CPPFLAGS := -Isrc/run

UNIT_TESTS += unit-run-args
unit-run-args_SRCS := tests/unit/unit-run-args.c src/run/args.c
unit-run-args_CPPFLAGS := -Isrc/run

FUZZERS += fuzz-run-args
fuzz-run-args_SRCS := fuzz/fuzz-run-args.c src/run/args.c lib/parse.c
fuzz-run-args_CPPFLAGS := -Isrc/run
