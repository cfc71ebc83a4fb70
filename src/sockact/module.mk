# libbro-sockact.so: the preload shim with which a server adopts inherited
# sockets (socket activation for servers without it). No libc: built with
# its own flags, never with sanitizers (it loads into arbitrary processes).
SHLIBS += libbro-sockact.so
libbro-sockact.so_SRCS := src/sockact/sockact.c src/sockact/env.c \
	src/sockact/notify.c src/sockact/util.c
