/* SPDX-License-Identifier: MIT */
#ifndef BRO_PROXYD_ARGS_H
#define BRO_PROXYD_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "proxyproto.h"

#define PROXYD_TARGETS_MAX	64
#define PROXYD_LISTENS_MAX	64
#define PROXYD_CONN_MAX		1048576	/* --connections-max bound */
#define PROXYD_CONN_DEFAULT	256	/* systemd-socket-proxyd's default */

/* a NAME=ADDRESS pair from --target or --listen (@name NULL: no name) */
struct proxyd_addr {
	const char *name;
	const char *text;
	struct addr a;
	int socktype;			/* --listen only */
};

struct proxyd_args {
	uint64_t connections_max;
	uint64_t exit_idle_usec;	/* UINT64_MAX: never */
	uint64_t connect_timeout_usec;	/* 0: no retry */
	uint64_t idle_timeout_usec;	/* UINT64_MAX: never */
	uint64_t udp_idle_usec;
	uint64_t drain_usec;
	enum proxy_version proxy;
	bool keepalive;
	bool verbose;
	bool help, version;
	struct proxyd_addr target;	/* the positional TARGET; text NULL if none */
	struct proxyd_addr targets[PROXYD_TARGETS_MAX];
	int ntargets;
	struct proxyd_addr listens[PROXYD_LISTENS_MAX];
	int nlistens;
};

/**
 * proxyd_args_parse() - parse bro-proxyd's command line; reads argv only,
 *			 no syscall (addresses are parsed, names not resolved)
 * @argc, @argv:	as given to main()
 * @a:			filled in on success
 * @err, @errlen:	one-line reason on failure
 *
 * Return: 0 on success (also for --help/--version), -1 on a usage error
 */
int proxyd_args_parse(int argc, char **argv, struct proxyd_args *a,
		      char *err, size_t errlen);

#endif
