/* SPDX-License-Identifier: MIT
 *
 * mount.c - the sandbox's filesystem, built bwrap's way with the new mount
 * API: every source is opened once (O_PATH) before anything is mounted; a
 * tmpfs on /tmp becomes the staging root (pivot_root, the old root at
 * /oldroot); each operation clones or creates a detached mount, sets its
 * flags on the whole detached tree (mount_setattr(AT_RECURSIVE): flags are
 * only ever added, so a submount the kernel locked is never a reason to
 * fail), and moves it onto a destination resolved with openat2(
 * RESOLVE_IN_ROOT) inside the new root, so a symbolic link in the sandbox
 * never points a mount outside it. Then the old root is detached and the new
 * root pivoted to.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux-api.h"
#include "log.h"
#include "run.h"

#define DIE(...) log_die(1, __VA_ARGS__)

static const char *const dev_nodes[] = {
	"null", "zero", "full", "random", "urandom", "tty",
};
#define NDEV (sizeof(dev_nodes) / sizeof(dev_nodes[0]))
static int host_dev[NDEV] = { -1, -1, -1, -1, -1, -1 };
static int host_proc = -1, host_tty = -1;
static unsigned tmp_seq;

/* --- paths in the new root ---------------------------------------------- */

static int newroot(void)
{
	int fd = open("/newroot", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		DIE("open(/newroot): %s", strerror(errno));
	return fd;
}

/* @p resolved inside the new root (its symbolic links included);
 * Return: an fd, or -errno */
static int sb_open(const char *p, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int root = newroot(), fd;

	while (*p == '/')
		p++;
	fd = (int)syscall(SYS_openat2, root, *p ? p : ".", &how, sizeof(how));
	if (fd < 0)
		fd = -errno;
	close(root);
	return fd;
}

/* split @path into a malloc'd parent ("." for none) and its last name */
static char *split_parent(const char *path, const char **base)
{
	char *dup = strdup(path), *s;
	size_t n;

	if (!dup)
		DIE("out of memory");
	n = strlen(dup);
	while (n > 1 && dup[n - 1] == '/')
		dup[--n] = '\0';
	s = strrchr(dup, '/');
	if (!s) {
		*base = path;
		free(dup);
		return strdup(".");
	}
	*base = path + (s - dup) + 1;
	if (s == dup)
		s[1] = '\0';
	else
		*s = '\0';
	return dup;
}

/* mkdir -p of @path's parents (and @path itself with @last) */
static int sb_mkdirs(const char *path, mode_t parent_mode, bool last,
		     mode_t last_mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path), i = 0;

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	for (;;) {
		bool is_last;
		int fd;

		while (buf[i] == '/')
			i++;
		if (!buf[i])
			return 0;
		while (buf[i] && buf[i] != '/')
			i++;
		is_last = !buf[i];
		if (is_last && !last)
			return 0;
		buf[i] = '\0';
		fd = sb_open(buf, O_PATH | O_DIRECTORY, 0);
		if (fd == -ENOENT) {
			const char *base;
			char *parent = split_parent(buf, &base);
			int pfd = sb_open(parent, O_PATH | O_DIRECTORY, 0);
			mode_t m = is_last ? last_mode : parent_mode;

			free(parent);
			if (pfd < 0)
				return pfd;
			if (mkdirat(pfd, base, m) < 0 && errno != EEXIST) {
				int e = -errno;

				close(pfd);
				return e;
			}
			close(pfd);
			fd = sb_open(buf, O_PATH | O_DIRECTORY, 0);
			if (fd >= 0 && (m & 07000)) {
				char proc[64];

				snprintf(proc, sizeof(proc),
					 "/oldroot/proc/self/fd/%d", fd);
				chmod(proc, m);
			}
		}
		if (fd < 0)
			return fd;
		close(fd);
		if (is_last)
			return 0;
		buf[i] = '/';
	}
}

/* the parents of a --dir made with --perms: bwrap's rule, never less than
 * what the owner needs to reach it, group and other as far as --perms lets */
static mode_t parent_mode_for(int perms)
{
	mode_t m = 0700;

	if (perms < 0)
		return 0755;
	if (perms & 0070)
		m |= 0050;
	if (perms & 0007)
		m |= 0005;
	return m;
}

/* a file to mount on: created empty (0444) if missing */
static void sb_touch(const char *dest, mode_t mode)
{
	int r = sb_mkdirs(dest, 0755, false, 0), fd;

	if (r < 0)
		DIE("Can't mkdir parents for %s: %s", dest, strerror(-r));
	fd = sb_open(dest, O_PATH, 0);
	if (fd >= 0) {
		close(fd);
		return;
	}
	fd = sb_open(dest, O_CREAT | O_WRONLY | O_NOCTTY, mode);
	if (fd < 0)
		DIE("Can't create file at %s: %s", dest, strerror(-fd));
	close(fd);
}

static void sb_dir(const char *dest, mode_t mode, mode_t parents)
{
	int r = sb_mkdirs(dest, parents, true, mode);

	if (r < 0)
		DIE("Can't mkdir %s: %s", dest, strerror(-r));
}

/* move detached mount @mnt onto @dest (which exists) */
static int attach(int mnt, const char *dest)
{
	int fd = sb_open(dest, O_PATH, 0), r = 0;

	if (fd < 0)
		return fd;
	if (move_mount(mnt, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH |
		       MOVE_MOUNT_T_EMPTY_PATH) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* flags onto a detached tree: the whole tree, or (when the kernel refuses
 * that for a submount) at least its top, which must take them */
static int set_flags(int mnt, uint64_t set)
{
	struct mount_attr a = { .attr_set = set };

	if (mount_setattr(mnt, "", AT_EMPTY_PATH | AT_RECURSIVE, &a,
			  sizeof(a)) == 0)
		return 0;
	if (errno != EPERM && errno != EACCES)
		return -errno;
	if (mount_setattr(mnt, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
		return -errno;
	return 0;
}

static int clone_tree(int fd, const char *path, bool recursive)
{
	return open_tree(fd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
			 (*path ? 0 : AT_EMPTY_PATH) |
			 (recursive ? AT_RECURSIVE : 0));
}

/* a new filesystem of @type, detached; NULL-terminated key/value pairs */
static int new_fs(const char *type, uint64_t attrs, const char *const *kv)
{
	int fs = fsopen(type, FSOPEN_CLOEXEC), mnt, e;

	if (fs < 0)
		return -errno;
	for (; kv && kv[0]; kv += 2) {
		if (fsconfig(fs, kv[1] ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG,
			     kv[0], kv[1], 0) < 0)
			goto fail;
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		goto fail;
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned)attrs);
	if (mnt < 0)
		goto fail;
	close(fs);
	return mnt;
fail:
	e = -errno;
	close(fs);
	return e;
}

/* --- the launcher's half: sources, opened before anything is mounted --- */

/* --bind-fd: a mount of the caller's mount namespace cannot be cloned into
 * ours, so the fd's path is opened here, in our copy of that namespace, and
 * must be the very same file */
static void open_bind_fd(struct run_op *op)
{
	char link[64], path[PATH_MAX];
	struct stat a, b;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", op->fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0 || fstat(op->fd, &a) < 0)
		DIE("Can't stat fd %d: %s", op->fd, strerror(errno));
	path[n] = '\0';
	op->src_fd = open(path, O_PATH | O_CLOEXEC);
	if (op->src_fd < 0)
		DIE("Can't find source path %s (fd %d): %s", path, op->fd,
		    strerror(errno));
	if (fstat(op->src_fd, &b) < 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino)
		DIE("Race condition binding dirfd %d (%s)", op->fd, path);
	close(op->fd);
	op->fd = -1;
}

void mount_open_sources(struct run_opts *o)
{
	bool dev = false, proc = false;

	for (size_t i = 0; i < o->nops; i++) {
		struct run_op *op = &o->ops[i];

		if (op->type == OP_DEV)
			dev = true;
		if (op->type == OP_PROC)
			proc = true;
		if (op->type == OP_BIND_FD) {
			open_bind_fd(op);
			continue;
		}
		if (op->type != OP_BIND && op->type != OP_OVERLAY_SRC &&
		    op->type != OP_OVERLAY)
			continue;
		op->src_fd = open(op->src, O_PATH | O_CLOEXEC);
		if (op->src_fd < 0) {
			if ((op->flags & OPF_TRY) && errno == ENOENT)
				continue;
			DIE("Can't find source path %s: %s", op->src,
			    strerror(errno));
		}
		if (op->type == OP_OVERLAY) {
			op->fd = open(op->src2, O_PATH | O_CLOEXEC);
			if (op->fd < 0)
				DIE("Can't find source path %s: %s", op->src2,
				    strerror(errno));
		}
	}
	if (dev) {
		for (size_t i = 0; i < NDEV; i++) {
			char p[32];

			snprintf(p, sizeof(p), "/dev/%s", dev_nodes[i]);
			host_dev[i] = open(p, O_PATH | O_CLOEXEC);
			if (host_dev[i] < 0)
				DIE("open(%s): %s", p, strerror(errno));
		}
		if (isatty(STDOUT_FILENO)) {
			char *t = ttyname(STDOUT_FILENO);

			if (t)
				host_tty = open(t, O_PATH | O_CLOEXEC);
		}
	}
	if (proc) {
		host_proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (host_proc < 0)
			DIE("open(/proc): %s", strerror(errno));
	}
}

/* --- the operations ----------------------------------------------------- */

static void op_bind(const struct run_op *op, int src)
{
	const char *name = op->src ? op->src : "fd";
	struct stat st;
	uint64_t set = MOUNT_ATTR_NOSUID;
	int mnt, r;

	if (fstat(src, &st) < 0)
		DIE("Can't get type of source %s: %s", name, strerror(errno));
	if (S_ISDIR(st.st_mode))
		sb_dir(op->dest, 0755, 0755);
	else
		sb_touch(op->dest, 0444);
	mnt = clone_tree(src, "", true);
	if (mnt < 0)
		DIE("Can't bind mount %s on %s: %s", name, op->dest,
		    strerror(errno));
	if (!(op->flags & OPF_DEV))
		set |= MOUNT_ATTR_NODEV;
	if (op->flags & OPF_RO)
		set |= MOUNT_ATTR_RDONLY;
	r = set_flags(mnt, set);
	if (r < 0)
		DIE("Can't remount %s%s: %s", op->dest,
		    op->flags & OPF_RO ? " readonly" : " nosuid", strerror(-r));
	r = attach(mnt, op->dest);
	if (r < 0)
		DIE("Can't bind mount %s on %s: %s", name, op->dest,
		    strerror(-r));
	close(mnt);
}

static void op_remount_ro(const struct run_op *op)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
	int fd = sb_open(op->dest, O_PATH, 0);

	if (fd < 0)
		DIE("Can't remount readonly on %s: %s", op->dest,
		    strerror(-fd));
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
		DIE("Can't remount readonly on %s: %s", op->dest,
		    strerror(errno == EINVAL ? EINVAL : errno));
	close(fd);
}

static void op_tmpfs(const struct run_op *op)
{
	char mode[16], size[32];
	const char *kv[] = { "mode", mode, "size", size, NULL, NULL };
	int mnt, r;

	snprintf(mode, sizeof(mode), "0%o", op->perms >= 0 ? op->perms : 0755);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)op->size);
	if (!op->size)
		kv[2] = NULL;
	sb_dir(op->dest, 0755, 0755);
	mnt = new_fs("tmpfs", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, kv);
	if (mnt < 0)
		DIE("Can't mount tmpfs on %s: %s", op->dest, strerror(-mnt));
	r = attach(mnt, op->dest);
	if (r < 0)
		DIE("Can't mount tmpfs on %s: %s", op->dest, strerror(-r));
	close(mnt);
}

static void op_proc(const struct run_op *op, const struct mount_ctx *m)
{
	static const char *const cover[] = { "sys", "sysrq-trigger", "irq",
					     "bus" };
	int mnt, r;

	sb_dir(op->dest, 0755, 0755);
	if (m->pid_ns) {
		mnt = new_fs("proc", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			     MOUNT_ATTR_NOEXEC, NULL);
	} else {	/* the host's PID namespace: the host's procfs */
		mnt = clone_tree(host_proc, "", true);
		if (mnt < 0)
			mnt = -errno;
		else if ((r = set_flags(mnt, MOUNT_ATTR_NOSUID |
					MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)) < 0)
			mnt = r;
	}
	if (mnt < 0)
		DIE("Can't mount proc on %s: %s", op->dest, strerror(-mnt));
	r = attach(mnt, op->dest);
	if (r < 0)
		DIE("Can't mount proc on %s: %s", op->dest, strerror(-r));
	/* the old knobs of the whole machine: read-only where writable */
	for (size_t i = 0; i < sizeof(cover) / sizeof(cover[0]); i++) {
		int t;

		if (faccessat(mnt, cover[i], W_OK, 0) < 0)
			continue;	/* missing or read-only already */
		t = clone_tree(mnt, cover[i], false);
		if (t < 0)
			DIE("Can't bind mount %s/%s: %s", op->dest, cover[i],
			    strerror(errno));
		r = set_flags(t, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
			      MOUNT_ATTR_NODEV);
		if (r == 0 && move_mount(t, "", mnt, cover[i],
					 MOVE_MOUNT_F_EMPTY_PATH) < 0)
			r = -errno;
		if (r < 0)
			DIE("Can't remount readonly on %s/%s: %s", op->dest,
			    cover[i], strerror(-r));
		close(t);
	}
	close(mnt);
}

static void symlink_in(int dir, const char *target, const char *name,
		       const char *dest)
{
	if (symlinkat(target, dir, name) < 0)
		DIE("Can't create symlink %s/%s: %s", dest, name,
		    strerror(errno));
}

static void op_dev(const struct run_op *op)
{
	static const char *const std_names[] = { "stdin", "stdout", "stderr" };
	const char *kv[] = { "mode", "0755", NULL, NULL };
	const char *pts_kv[] = { "newinstance", NULL, "ptmxmode", "0666",
				 "mode", "620", NULL, NULL };
	int mnt, r, t;

	sb_dir(op->dest, 0755, 0755);
	mnt = new_fs("tmpfs", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, kv);
	if (mnt < 0)
		DIE("Can't mount tmpfs on %s: %s", op->dest, strerror(-mnt));
	r = attach(mnt, op->dest);
	if (r < 0)
		DIE("Can't mount tmpfs on %s: %s", op->dest, strerror(-r));
	/* mnt is now the attached tmpfs: everything below is relative to it */
	for (size_t i = 0; i < NDEV; i++) {
		int f = openat(mnt, dev_nodes[i], O_CREAT | O_EXCL | O_WRONLY |
			       O_CLOEXEC | O_NOCTTY, 0444);

		if (f < 0)
			DIE("Can't create file %s/%s: %s", op->dest,
			    dev_nodes[i], strerror(errno));
		close(f);
		t = clone_tree(host_dev[i], "", false);
		if (t < 0 || (r = set_flags(t, MOUNT_ATTR_NOSUID)) < 0 ||
		    move_mount(t, "", mnt, dev_nodes[i],
			       MOVE_MOUNT_F_EMPTY_PATH) < 0)
			DIE("Can't bind mount /dev/%s on %s/%s: %s",
			    dev_nodes[i], op->dest, dev_nodes[i],
			    strerror(errno));
		close(t);
	}
	for (int i = 0; i < 3; i++) {
		char target[32];

		snprintf(target, sizeof(target), "/proc/self/fd/%d", i);
		symlink_in(mnt, target, std_names[i], op->dest);
	}
	symlink_in(mnt, "/proc/self/fd", "fd", op->dest);
	symlink_in(mnt, "/proc/kcore", "core", op->dest);
	if (mkdirat(mnt, "shm", 0755) < 0 || mkdirat(mnt, "pts", 0755) < 0)
		DIE("Can't create %s/shm and %s/pts: %s", op->dest, op->dest,
		    strerror(errno));
	t = new_fs("devpts", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, pts_kv);
	if (t < 0)
		DIE("Can't mount devpts on %s/pts: %s", op->dest, strerror(-t));
	if (move_mount(t, "", mnt, "pts", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		DIE("Can't mount devpts on %s/pts: %s", op->dest,
		    strerror(errno));
	close(t);
	symlink_in(mnt, "pts/ptmx", "ptmx", op->dest);
	if (host_tty >= 0) {	/* ttyname() works inside */
		int f = openat(mnt, "console", O_CREAT | O_EXCL | O_WRONLY |
			       O_CLOEXEC | O_NOCTTY, 0444);

		if (f < 0)
			DIE("creating %s/console: %s", op->dest,
			    strerror(errno));
		close(f);
		t = clone_tree(host_tty, "", false);
		if (t < 0 || move_mount(t, "", mnt, "console",
					MOVE_MOUNT_F_EMPTY_PATH) < 0)
			DIE("Can't bind mount the tty on %s/console: %s",
			    op->dest, strerror(errno));
		close(t);
	}
	close(mnt);
}

static void op_mqueue(const struct run_op *op)
{
	int mnt, r;

	sb_dir(op->dest, 0755, 0755);
	mnt = new_fs("mqueue", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
		     MOUNT_ATTR_NOEXEC, NULL);
	if (mnt < 0)
		DIE("Can't mount mqueue on %s: %s", op->dest, strerror(-mnt));
	r = attach(mnt, op->dest);
	if (r < 0)
		DIE("Can't mount mqueue on %s: %s", op->dest, strerror(-r));
	close(mnt);
}

static void copy_fd(int from, int to, const char *dest)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(from, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			DIE("Can't read data for %s: %s", dest, strerror(errno));
		if (n == 0)
			return;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(to, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				DIE("Can't write data to file %s: %s", dest,
				    strerror(errno));
			off += w;
		}
	}
}

static void op_file(const struct run_op *op)
{
	int r = sb_mkdirs(op->dest, 0755, false, 0), fd;

	if (r < 0)
		DIE("Can't mkdir parents for %s: %s", op->dest, strerror(-r));
	fd = sb_open(op->dest, O_CREAT | O_TRUNC | O_WRONLY | O_NOCTTY,
		     op->perms >= 0 ? (mode_t)op->perms : 0666);
	if (fd < 0)
		DIE("Can't create file %s: %s", op->dest, strerror(-fd));
	copy_fd(op->fd, fd, op->dest);
	close(fd);
	close(op->fd);
}

static void op_bind_data(const struct run_op *op)
{
	char name[32];
	int fd, mnt, r;

	/* a file in the staging root, which the sandbox never sees */
	snprintf(name, sizeof(name), "/bind-data.%u", tmp_seq++);
	fd = open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOCTTY,
		  0600);
	if (fd < 0)
		DIE("Can't create tmpfile for %s: %s", op->dest,
		    strerror(errno));
	if (fchmod(fd, op->perms >= 0 ? (mode_t)op->perms : 0600) < 0)
		DIE("Can't set mode %#o on file to be used for %s: %s",
		    op->perms >= 0 ? op->perms : 0600, op->dest,
		    strerror(errno));
	copy_fd(op->fd, fd, op->dest);
	close(op->fd);
	sb_touch(op->dest, 0444);
	mnt = clone_tree(fd, "", false);
	if (mnt < 0)
		DIE("Can't bind mount data on %s: %s", op->dest,
		    strerror(errno));
	r = set_flags(mnt, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
		      ((op->flags & OPF_RO) ? MOUNT_ATTR_RDONLY : 0));
	if (r == 0)
		r = attach(mnt, op->dest);
	if (r < 0)
		DIE("Can't bind mount data on %s: %s", op->dest, strerror(-r));
	close(mnt);
	close(fd);
	unlink(name);
}

static void op_dir(const struct run_op *op)
{
	sb_dir(op->dest, op->perms >= 0 ? (mode_t)op->perms : 0755,
	       parent_mode_for(op->perms));
}

static void op_symlink(const struct run_op *op)
{
	const char *base;
	char *parent = split_parent(op->dest, &base), old[PATH_MAX];
	int r = sb_mkdirs(op->dest, 0755, false, 0), pfd;
	ssize_t n;

	if (r < 0)
		DIE("Can't mkdir parents for %s: %s", op->dest, strerror(-r));
	pfd = sb_open(parent, O_PATH | O_DIRECTORY, 0);
	free(parent);
	if (pfd < 0)
		DIE("Can't make symlink at %s: %s", op->dest, strerror(-pfd));
	if (symlinkat(op->src, pfd, base) == 0) {
		close(pfd);
		return;
	}
	if (errno != EEXIST)
		DIE("Can't make symlink at %s: %s", op->dest, strerror(errno));
	n = readlinkat(pfd, base, old, sizeof(old) - 1);
	if (n < 0 && errno == EINVAL)
		DIE("Can't make symlink at %s: destination exists and is not a symlink",
		    op->dest);
	if (n < 0)
		DIE("Can't make symlink at %s: destination exists, and cannot read symlink target: %s",
		    op->dest, strerror(errno));
	old[n] = '\0';
	if (strcmp(old, op->src))
		DIE("Can't make symlink at %s: existing destination is %s",
		    op->dest, old);
	close(pfd);
}

static void op_chmod(const struct run_op *op)
{
	int fd = sb_open(op->dest, O_PATH, 0);
	char proc[64];

	if (fd < 0)
		DIE("Can't chmod %#o %s: %s", op->perms, op->dest,
		    strerror(-fd));
	snprintf(proc, sizeof(proc), "/oldroot/proc/self/fd/%d", fd);
	if (chmod(proc, (mode_t)op->perms) < 0)
		DIE("Can't chmod %#o %s: %s", op->perms, op->dest,
		    strerror(errno));
	close(fd);
}

static void fsconfig_path(int fs, const char *key, int fd, const char *dest)
{
	char p[64];

	snprintf(p, sizeof(p), "/oldroot/proc/self/fd/%d", fd);
	if (fsconfig(fs, FSCONFIG_SET_STRING, key, p, 0) < 0)
		DIE("Can't make overlay mount on %s: %s %s: %s", dest, key, p,
		    strerror(errno));
}

/* @i: the overlay op; its --overlay-src ops precede it, bottom first */
static void op_overlay(struct run_opts *o, size_t i, const struct mount_ctx *m)
{
	const struct run_op *op = &o->ops[i];
	int fs = fsopen("overlay", FSOPEN_CLOEXEC), mnt, r, up = -1;
	uint64_t attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;

	if (fs < 0)
		DIE("Can't make overlay mount on %s: fsopen(overlay): %s",
		    op->dest, strerror(errno));
	for (size_t j = i; j > 0 && o->ops[j - 1].type == OP_OVERLAY_SRC; j--)
		fsconfig_path(fs, "lowerdir+", o->ops[j - 1].src_fd, op->dest);
	if (op->type == OP_OVERLAY) {
		fsconfig_path(fs, "upperdir", op->src_fd, op->dest);
		fsconfig_path(fs, "workdir", op->fd, op->dest);
	} else if (op->type == OP_TMP_OVERLAY) {
		const char *kv[] = { "mode", "0755", NULL, NULL };
		int t = new_fs("tmpfs", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, kv);
		char name[32];

		snprintf(name, sizeof(name), "/overlay.%u", tmp_seq++);
		if (t < 0 || mkdir(name, 0700) < 0 ||
		    move_mount(t, "", AT_FDCWD, name,
			       MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
		    mkdirat(t, "upper", 0755) < 0 || mkdirat(t, "work", 0755) < 0)
			DIE("Can't make overlay mount on %s: its tmpfs: %s",
			    op->dest, strerror(t < 0 ? -t : errno));
		up = openat(t, "upper", O_PATH | O_CLOEXEC);
		r = openat(t, "work", O_PATH | O_CLOEXEC);
		fsconfig_path(fs, "upperdir", up, op->dest);
		fsconfig_path(fs, "workdir", r, op->dest);
		close(r);
		close(t);
	} else {
		attrs |= MOUNT_ATTR_RDONLY;
	}
	if (m->userns && fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL,
				  0) < 0)
		DIE("Can't make overlay mount on %s: userxattr: %s", op->dest,
		    strerror(errno));
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		DIE("Can't make overlay mount on %s: %s", op->dest,
		    strerror(errno));
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned)attrs);
	if (mnt < 0)
		DIE("Can't make overlay mount on %s: %s", op->dest,
		    strerror(errno));
	close(fs);
	if (up >= 0)
		close(up);
	sb_dir(op->dest, 0755, 0755);
	r = attach(mnt, op->dest);
	if (r < 0)
		DIE("Can't make overlay mount on %s: %s", op->dest,
		    strerror(-r));
	close(mnt);
}

/* --- the whole build ---------------------------------------------------- */

void mount_build(struct run_opts *o, const struct mount_ctx *m)
{
	int oldroot;

	/* see the host's mounts, never propagate ours to it */
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		DIE("Failed to make / slave: %s", strerror(errno));
	if (mount("tmpfs", "/tmp", "tmpfs", MS_NODEV | MS_NOSUID,
		  "mode=0755") < 0)
		DIE("Failed to mount tmpfs on /tmp (the staging root): %s",
		    strerror(errno));
	if (chdir("/tmp") < 0)
		DIE("chdir(/tmp): %s", strerror(errno));
	if (mkdir("newroot", 0755) < 0 || mkdir("oldroot", 0755) < 0)
		DIE("mkdir(/tmp/newroot, /tmp/oldroot): %s", strerror(errno));
	if (mount("newroot", "newroot", NULL, MS_BIND | MS_REC, NULL) < 0)
		DIE("Failed to make newroot a mount point: %s",
		    strerror(errno));
	if (syscall(SYS_pivot_root, "/tmp", "oldroot") < 0)
		DIE("pivot_root(/tmp, oldroot): %s", strerror(errno));
	if (chdir("/") < 0)
		DIE("chdir(/): %s", strerror(errno));

	for (size_t i = 0; i < o->nops; i++) {
		struct run_op *op = &o->ops[i];

		switch (op->type) {
		case OP_BIND:
			if (op->src_fd >= 0)
				op_bind(op, op->src_fd);
			break;
		case OP_BIND_FD:
			op_bind(op, op->src_fd);
			break;
		case OP_REMOUNT_RO:
			op_remount_ro(op);
			break;
		case OP_TMPFS:
			op_tmpfs(op);
			break;
		case OP_PROC:
			op_proc(op, m);
			break;
		case OP_DEV:
			op_dev(op);
			break;
		case OP_MQUEUE:
			op_mqueue(op);
			break;
		case OP_DIR:
			op_dir(op);
			break;
		case OP_FILE:
			op_file(op);
			break;
		case OP_BIND_DATA:
			op_bind_data(op);
			break;
		case OP_SYMLINK:
			op_symlink(op);
			break;
		case OP_CHMOD:
			op_chmod(op);
			break;
		case OP_OVERLAY_SRC:
			break;		/* read by the overlay that follows */
		case OP_OVERLAY:
		case OP_TMP_OVERLAY:
		case OP_RO_OVERLAY:
			op_overlay(o, i, m);
			break;
		}
	}
	for (size_t i = 0; i < o->nops; i++) {
		if (o->ops[i].src_fd >= 0)
			close(o->ops[i].src_fd);
		if (o->ops[i].type == OP_OVERLAY && o->ops[i].fd >= 0)
			close(o->ops[i].fd);
		o->ops[i].src_fd = -1;
	}
	for (size_t i = 0; i < NDEV; i++)
		if (host_dev[i] >= 0)
			close(host_dev[i]);
	if (host_tty >= 0)
		close(host_tty);
	if (host_proc >= 0)
		close(host_proc);

	/* make the new root the root; the host's tree (at /oldroot in the
	 * staging root) goes with the staging root in one detach below: each
	 * umount costs an RCU grace period (synchronize_rcu_expedited), the
	 * biggest wait of the whole start-up */
	if (mount("oldroot", "oldroot", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		DIE("Failed to make old root rprivate: %s", strerror(errno));
	oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0)
		DIE("open(/): %s", strerror(errno));
	if (chdir("/newroot") < 0)
		DIE("chdir(/newroot): %s", strerror(errno));
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		DIE("pivot_root(/newroot): %s", strerror(errno));
	if (fchdir(oldroot) < 0)
		DIE("fchdir to the staging root: %s", strerror(errno));
	if (umount2(".", MNT_DETACH) < 0)
		DIE("unmount the staging root and the old root: %s",
		    strerror(errno));
	if (chdir("/") < 0)
		DIE("chdir(/): %s", strerror(errno));
	close(oldroot);
	/* the tree is built: from now on nothing the host mounts below a
	 * source propagates in (it would arrive without our ro/nosuid/nodev) */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		DIE("Failed to make the sandbox's mounts private: %s", strerror(errno));
}
