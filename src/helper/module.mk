# bro-helper: privileged, links libc only (libbro.a is libc-only code)
BINS += bro-helper
bro-helper_SRCS := src/helper/bro-helper.c src/helper/args.c src/helper/conf.c
bro-helper_LIBS :=
