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

/* the profiles confine_profiles_load() can combine */
#define CONFINE_UNIX_BLOCK	0x1	/* AF_UNIX sockets, io_uring */
#define CONFINE_HARDENING	0x2	/* kernel attack surface, see below */
#define CONFINE_ALLOW_USERNS	0x4	/* with HARDENING: new user ns allowed */
#define CONFINE_UNIX_STREAM	0x8	/* with UNIX_BLOCK and a notify fd: see
					 * confine_profiles_load_notify() */
#define CONFINE_REPORT		0x10	/* with a notify fd: the EPERM rules
					 * notify instead, see below */

/**
 * confine_profiles_load() - load one seccomp filter with the profiles in
 *			     @profiles (CONFINE_*), for this process and all
 *			     it execs
 * @profiles:	CONFINE_UNIX_BLOCK and/or CONFINE_HARDENING
 * @step:	set to the libseccomp step that failed
 *
 * Any system call of another architecture (i386 with socketcall(), x32)
 * kills the process, so no second table gets around a rule.
 * CONFINE_UNIX_BLOCK, EPERM: socket(AF_UNIX) of any type (the family
 * compared on the 32 bits the kernel reads), socketpair(AF_UNIX) of type
 * SOCK_DGRAM or SOCK_RAW (its sendto() may name any host socket; a
 * stream or seqpacket pair reaches nothing but itself), and
 * io_uring_setup/enter/register (io_uring's own socket and connect ops
 * would bypass the socket rule).
 * CONFINE_HARDENING, EPERM: ptrace, process_vm_readv/writev, keyctl,
 * add_key, request_key, bpf, mount, umount2, fsopen, fsconfig, fsmount,
 * fspick, move_mount, open_tree, open_tree_attr, mount_setattr,
 * pivot_root, kexec_load, kexec_file_load, init_module, finit_module,
 * delete_module, userfaultfd, perf_event_open, setns; unshare() and
 * clone() with CLONE_NEWUSER; ioctl TIOCSTI/TIOCLINUX (low 32 bits);
 * seccomp(SECCOMP_SET_MODE_FILTER) with SECCOMP_FILTER_FLAG_NEW_LISTENER
 * (a listener would let the command answer its own children's calls).
 * clone3() returns ENOSYS: its flags sit in a struct seccomp cannot read,
 * and libc then falls back to clone(), whose flags it can (what container
 * runtimes do). With CONFINE_ALLOW_USERNS the user-namespace rules and the
 * clone3() one are left out.
 * Needs no_new_privs (or CAP_SYS_ADMIN).
 *
 * Return: 0, or -errno (-ENOSYS: libseccomp does not know a system call)
 */
int confine_profiles_load(unsigned profiles, const char **step);

/**
 * confine_profiles_load_notify() - confine_profiles_load(), and with
 *	CONFINE_UNIX_BLOCK | CONFINE_UNIX_STREAM: socket(AF_UNIX) of stream
 *	and seqpacket types allowed (datagram and raw still EPERM), and every
 *	connect() sent to a seccomp user-notification listener, whose fd is
 *	put in @notify_fd (a supervisor must answer each connect() on it).
 *	With CONFINE_REPORT: every rule of the profiles that answers EPERM
 *	sends the call to the listener instead (SCMP_ACT_NOTIFY), whose
 *	supervisor must record it and answer EPERM itself; the others keep
 *	their answer (clone3() ENOSYS) and allowed calls never reach it. The
 *	listener exists whenever either flag is given (one per filter).
 *	If the listener is closed, the notified calls fail with ENOSYS (the
 *	kernel's answer when no one listens): refused still, never allowed.
 * Return: 0, or -errno with @step set
 */
int confine_profiles_load_notify(unsigned profiles, int *notify_fd,
				 const char **step);

#endif
