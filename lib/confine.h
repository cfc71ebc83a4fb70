/* SPDX-License-Identifier: MIT */
#ifndef BRO_CONFINE_H
#define BRO_CONFINE_H

/**
 * confine_load() - load the seccomp filter for untrusted commands: what it
 *		    refuses reaches past the namespaces the command was put in
 * @step:	set to the libseccomp step that failed
 *
 * Refused, for this process and all it execs:
 *  - ioctl(TIOCSTI) and ioctl(TIOCLINUX), EPERM: typing into the caller's
 *    terminal, run by the caller's shell after we exit (CVE-2017-5226);
 *    the command word compared on its low 32 bits, as the tty layer reads
 *    it (CVE-2019-10063);
 *  - socket() and socketpair() of any family but AF_UNIX, AF_INET,
 *    AF_INET6, AF_NETLINK and AF_PACKET, EAFNOSUPPORT (as if the kernel had
 *    no such family): AF_VSOCK reaches the hypervisor and host past every
 *    network namespace and nftables rule, and others are not namespaced;
 *  - any system call of another architecture (i386 with its socketcall(),
 *    x32): the process is killed, so no second table bypasses the rules.
 * Needs no_new_privs (or CAP_SYS_ADMIN). Links libseccomp.
 *
 * Return: 0, or -errno
 */
int confine_load(const char **step);

/**
 * confine_tty_load() - load a seccomp filter that refuses ioctl(TIOCSTI)
 *			and ioctl(TIOCLINUX) (EPERM) and nothing else, in
 *			every ABI of this machine (x86_64, i386 and x32; arm64
 *			and arm): for sandboxes that must keep running 32-bit
 *			programs and every socket family
 * @step:	set to the libseccomp step that failed
 *
 * Needs no_new_privs (or CAP_SYS_ADMIN). Return: 0, or -errno
 */
int confine_tty_load(const char **step);

#endif
