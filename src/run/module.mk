# bro-run: bubblewrap's command line and behaviour; unprivileged (never
# setuid, no file capability), links libc only
BINS += bro-run
bro-run_SRCS := src/run/bro-run.c src/run/args.c src/run/mount.c \
	src/run/proc.c
bro-run_LIBS :=
bro-run_CPPFLAGS := -Isrc/run
