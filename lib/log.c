/* SPDX-License-Identifier: MIT
 *
 * log.c - one-line messages on stderr: "prog: step(object): strerror (hint)".
 *
 * Under systemd, JOURNAL_STREAM holds "DEV:INODE" of the stream stderr is
 * connected to; when it matches fstat(2), lines get a "<N>" priority prefix
 * (sd-daemon(3)) instead of the program name. The variable only chooses a
 * format: it is compared with the real stderr, never trusted on its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static const char *log_prog = "bro";
static bool log_journal;
static enum log_prio log_max = LOG_P_INFO;
static bool log_prio_prefix;

static bool journal_stream_is_stderr(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int n = 0;

	if (!e || sscanf(e, "%llu:%llu%n", &dev, &ino, &n) != 2 || e[n])
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

/**
 * log_init() - set the program name and detect journal output
 * @prog:	name printed before each line
 */
void log_init(const char *prog)
{
	int saved = errno;

	log_prog = prog;
	log_journal = journal_stream_is_stderr();
	errno = saved;
}

void log_set_level(enum log_prio max)
{
	log_max = max;
}

void log_set_prefix_level(bool on)
{
	log_prio_prefix = on;
}

bool log_to_journal(void)
{
	return log_journal;
}

void log_vmsg(enum log_prio prio, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (prio > log_max)
		return;
	if (log_journal)
		n = snprintf(line, sizeof(line), "<%d>", (int)prio);
	else if (log_prio_prefix)
		n = snprintf(line, sizeof(line), "<%d>%s: ", (int)prio,
			     log_prog);
	else
		n = snprintf(line, sizeof(line), "%s: ", log_prog);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* one write(2) per line, so lines from several processes never mix */
	n = (int)strlen(line);
	if (n < (int)sizeof(line) - 1)
		line[n++] = '\n';
	else
		line[sizeof(line) - 2] = '\n', n = (int)sizeof(line) - 1;
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to report this */
	}
}

void log_msg(enum log_prio prio, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_P_ERR, fmt, ap);
	va_end(ap);
	exit(code);
}
