/* SPDX-License-Identifier: MIT */
#ifndef BRO_SOCKACT_SYS_H
#define BRO_SOCKACT_SYS_H
/*
 * The kernel interface the shim uses, without libc: raw system calls by
 * inline assembly (x86_64, aarch64) and the few ABI types and constants it
 * needs. Only kernel UAPI headers are included; nothing here links.
 */
#include <asm/unistd.h>
#include <linux/errno.h>
#include <stddef.h>
#include <stdint.h>

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "libbro-sockact: raw system calls are written for x86_64 and aarch64 only"
#endif

static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
#if defined(__x86_64__)
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
#else
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
#endif
}

#define sys3(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys5(n, a, b, c, d, e) \
	sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

/* ABI constants (the same on x86_64 and aarch64) */
#define SA_AF_UNIX	1
#define SA_AF_INET	2
#define SA_AF_INET6	10
#define SA_SOCK_STREAM	1
#define SA_SOCK_DGRAM	2
#define SA_SOCK_CLOEXEC	02000000
#define SA_SOL_SOCKET	1
#define SA_SO_TYPE	3
#define SA_SO_ACCEPTCONN 30
#define SA_SO_COOKIE	57
#define SA_F_GETFD	1
#define SA_F_SETFD	2
#define SA_F_GETFL	3
#define SA_F_SETFL	4
#define SA_FD_CLOEXEC	1
#define SA_O_NONBLOCK	04000
#define SA_O_CLOEXEC	02000000
#define SA_AT_FDCWD	(-100)
#define SA_EPOLL_CTL_ADD 1
#define SA_EPOLL_CTL_DEL 2
#define SA_EPOLL_CTL_MOD 3
#define SA_MSG_NOSIGNAL	0x4000

struct sa_in4 {
	uint16_t family;
	uint16_t port;		/* network order */
	uint8_t addr[4];
	uint8_t zero[8];
};

struct sa_in6 {
	uint16_t family;
	uint16_t port;		/* network order */
	uint32_t flowinfo;
	uint8_t addr[16];
	uint32_t scope_id;
};

union sa_inet {
	uint16_t family;
	struct sa_in4 in4;
	struct sa_in6 in6;
	uint8_t raw[128];
};

struct sa_un {
	uint16_t family;
	char path[108];
};

/* struct epoll_event: packed on x86_64 only */
struct sa_epoll_event {
	uint32_t events;
	uint64_t data;
}
#if defined(__x86_64__)
__attribute__((packed))
#endif
;

static inline int sa_getpid(void) { return (int)sys3(__NR_getpid, 0, 0, 0); }
static inline long sa_close(int fd) { return sys3(__NR_close, fd, 0, 0); }
static inline long sa_fcntl(int fd, int cmd, long arg)
{
	return sys3(__NR_fcntl, fd, cmd, arg);
}
static inline long sa_dup3(int from, int to, int flags)
{
	return sys3(__NR_dup3, from, to, flags);
}
static inline long sa_write(int fd, const void *buf, size_t n)
{
	return sys3(__NR_write, fd, buf, n);
}
static inline long sa_read(int fd, void *buf, size_t n)
{
	return sys3(__NR_read, fd, buf, n);
}
static inline long sa_open_ro(const char *path)
{
	return sys6(__NR_openat, SA_AT_FDCWD, (long)path, SA_O_CLOEXEC, 0, 0, 0);
}
static inline long sa_socket(int family, int type, int proto)
{
	return sys3(__NR_socket, family, type, proto);
}
static inline long sa_bind(int fd, const void *addr, unsigned len)
{
	return sys3(__NR_bind, fd, addr, len);
}
static inline long sa_listen(int fd, int backlog)
{
	return sys3(__NR_listen, fd, backlog, 0);
}
static inline long sa_getsockname(int fd, void *addr, unsigned *len)
{
	return sys3(__NR_getsockname, fd, addr, len);
}
static inline long sa_getsockopt(int fd, int level, int name, void *v,
				 unsigned *len)
{
	return sys5(__NR_getsockopt, fd, level, name, v, len);
}
static inline long sa_sendto(int fd, const void *buf, size_t n, int flags,
			     const void *addr, unsigned alen)
{
	return sys6(__NR_sendto, fd, (long)buf, (long)n, flags, (long)addr, alen);
}
static inline long sa_epoll_ctl(int epfd, int op, int fd, void *ev)
{
	return sys5(__NR_epoll_ctl, epfd, op, fd, ev, 0);
}

#endif
