/* SPDX-License-Identifier: MIT */
#ifndef BRO_PARSE_H
#define BRO_PARSE_H

#include <stdint.h>

/* parse_u64() - strict decimal: digits only, no sign, space or base prefix;
 * Return: 0, -EINVAL on syntax, -ERANGE outside [min, max]
 */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* parse_pid() - a process ID: 1 .. 4194304 (PID_MAX_LIMIT); same returns */
int parse_pid(const char *s, int *pid);

/* parse_timespan_usec() - a systemd time span ("30s", "5min 3s", "1.5h",
 * "infinity", a bare number is seconds) in microseconds; UINT64_MAX means
 * infinity. Return: 0, -EINVAL or -ERANGE
 */
int parse_timespan_usec(const char *s, uint64_t *usec);

/**
 * parse_long_option() - match argv[*i] against "--name VALUE" / "--name=VALUE"
 * @name:	"--name"
 * @argc, @argv, @i:	the command line and the index of the current argument;
 *		*@i is advanced past a separate VALUE
 * @val:	the value, or NULL when "--name" is the last argument
 *
 * Return: 1 when argv[*i] is this option (check *@val), 0 when it is not
 */
int parse_long_option(const char *name, int argc, char **argv, int *i,
		      const char **val);

#endif
