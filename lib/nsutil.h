/* SPDX-License-Identifier: MIT */
#ifndef BRO_NSUTIL_H
#define BRO_NSUTIL_H

#include <sys/types.h>

/**
 * ns_type() - the CLONE_NEW* type of a namespace fd (NS_GET_NSTYPE)
 * Return: the type, or -errno (-ENOTTY: not a namespace file)
 */
int ns_type(int nsfd);

/* ns_type_name() - "a mount namespace", ... for messages */
const char *ns_type_name(int type);

/**
 * ns_owned_userns() - the owning user namespace of @nsfd, if @uid owns it
 * @nsfd:	any namespace fd
 * @uid:	the caller's real UID
 *
 * Walks from @nsfd's owning user namespace up to the one whose parent is the
 * caller's own user namespace; @uid owns @nsfd when that one was created by
 * @uid (the kernel's rule for "capable in it"). The initial user namespace,
 * and any namespace above or beside ours, is never owned.
 *
 * Return: an O_CLOEXEC fd of @nsfd's owning user namespace when owned,
 *	   -EPERM when not, other -errno on failure
 */
int ns_owned_userns(int nsfd, uid_t uid);

#endif
