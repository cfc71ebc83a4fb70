# bro-unit: writes systemd user units for on-demand containers (unprivileged)
BINS += bro-unit
bro-unit_SRCS := src/unit/bro-unit.c src/unit/opts.c src/unit/render.c \
	src/unit/write.c
bro-unit_CPPFLAGS := -Isrc/unit

UNIT_TESTS += unit-unit-opts unit-unit-render
unit-unit-opts_SRCS := tests/unit/unit-unit-opts.c src/unit/opts.c
unit-unit-opts_CPPFLAGS := -Isrc/unit
unit-unit-render_SRCS := tests/unit/unit-unit-render.c src/unit/opts.c \
	src/unit/render.c
unit-unit-render_CPPFLAGS := -Isrc/unit

FUZZERS += fuzz-unit-args
fuzz-unit-args_SRCS := fuzz/fuzz-unit-args.c src/unit/opts.c \
	src/unit/render.c lib/parse.c
fuzz-unit-args_CPPFLAGS := -Isrc/unit
