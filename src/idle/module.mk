# bro-idlewatch: stops a direct-mode container (libbro-sockact.so) once the
# host socket has had no connection for --idle, read through sock_diag
BINS += bro-idlewatch
bro-idlewatch_SRCS := src/idle/bro-idlewatch.c src/idle/diag.c
bro-idlewatch_LIBS := -lmnl
bro-idlewatch_CPPFLAGS := -Isrc/idle
