/* SPDX-License-Identifier: MIT */
#ifndef BRO_UNIT_WRITE_H
#define BRO_UNIT_WRITE_H

#include <stdio.h>

#include "render.h"

#define UNIT_EXIT_FOREIGN	73	/* sysexits.h EX_CANTCREAT */

/**
 * unit_check() - may each of @files be written into @dir?
 * @dir:	the unit directory (need not exist yet)
 * @files, @n:	what would be written
 *
 * A file may be written when it does not exist, or when it is a regular
 * file whose first line starts with UNIT_MAGIC. Logs one line on failure.
 * Return: 0, UNIT_EXIT_FOREIGN when a file is in the way, 1 on other errors
 */
int unit_check(const char *dir, const struct unit_file *files, int n);

/**
 * unit_write() - write @files into @dir, all or nothing, and report each
 * @dir:	the unit directory, created (0755) if missing
 * @files, @n:	what to write
 * @report:	"wrote PATH" / "unchanged PATH" lines go here
 *
 * Each file goes to a temporary file beside it first; only when all are
 * written are they renamed into place (RENAME_NOREPLACE for new files, so a
 * file that appeared since unit_check() is not overwritten).
 * Return: 0, or an exit status as unit_check()'s, with one line logged
 */
int unit_write(const char *dir, const struct unit_file *files, int n,
	       FILE *report);

#endif
