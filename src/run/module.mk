# bro-run: bubblewrap's command line and behaviour; unprivileged (never
# setuid, no file capability), libc and libseccomp (lib/confine.c), static
BINS += bro-run
bro-run_SRCS := src/run/bro-run.c src/run/args.c src/run/mount.c \
	src/run/proc.c src/run/args-sandbox.c src/run/seccomp.c \
	src/run/landlock.c src/run/args-relay.c src/run/relay.c \
	src/run/unixbroker.c src/run/args-egress.c src/run/egress.c \
	src/run/report.c src/netns/proxy.c lib/parse.c
# Linked static (static-pie): PID 1 re-execs bro-run after pivot_root, and a
# dynamic one would take its loader, /etc/ld.so.preload and libraries from
# the sandbox's root, which the command may have written. The sanitizer
# tree cannot link static and stays dynamic (tests only).
# With musl where it is installed (MUSL_BINS: Makefile), which halves
# bro-run's start-up here; glibc's static-pie otherwise.
bro-run_LIBS := $(if $(filter 1,$(SAN)),-lseccomp,-static-pie -Wno-unused-command-line-argument -lseccomp)
MUSL_BINS += bro-run
bro-run_MUSL_LIBS = $(shell $(CC) -print-file-name=libseccomp.a)
bro-run_CPPFLAGS := -Isrc/run -Isrc/netns

UNIT_TESTS += unit-run-args
unit-run-args_SRCS := tests/unit/unit-run-args.c src/run/args.c \
	src/run/args-sandbox.c src/run/args-relay.c src/run/args-egress.c \
	src/netns/proxy.c
unit-run-args_CPPFLAGS := -Isrc/run -Isrc/netns

FUZZERS += fuzz-run-args
fuzz-run-args_SRCS := fuzz/fuzz-run-args.c src/run/args.c \
	src/run/args-sandbox.c src/run/args-relay.c src/run/args-egress.c \
	src/netns/proxy.c lib/parse.c
fuzz-run-args_CPPFLAGS := -Isrc/run -Isrc/netns
