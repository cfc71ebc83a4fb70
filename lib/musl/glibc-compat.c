/* SPDX-License-Identifier: MIT
 *
 * glibc-compat.c - linked only into the programs built with musl
 * (MUSL_BINS): Debian's static libseccomp.a is compiled against glibc with
 * _FORTIFY_SOURCE, and its one call into glibc that musl lacks is the
 * checked fprintf (libseccomp's filter export and debug output).
 */
#include <stdarg.h>
#include <stdio.h>

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...);

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	(void)flag;
	va_start(ap, fmt);
	r = vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}
