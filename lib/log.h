/* SPDX-License-Identifier: MIT */
#ifndef BRO_LOG_H
#define BRO_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/* syslog(3) priorities, used for the "<N>" prefix under systemd */
enum log_prio { LOG_P_ERR = 3, LOG_P_WARNING = 4, LOG_P_NOTICE = 5,
		LOG_P_INFO = 6, LOG_P_DEBUG = 7 };

void log_init(const char *prog);
void log_set_level(enum log_prio max);
/* log_set_prefix_level() - "<N>prog: " (bwrap's --level-prefix) */
void log_set_prefix_level(bool on);
bool log_to_journal(void);
void log_msg(enum log_prio prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_prio prio, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define log_err(...)	log_msg(LOG_P_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_P_WARNING, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_P_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_P_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_P_DEBUG, __VA_ARGS__)

/* log_die() - log at LOG_P_ERR and exit with @code */
void log_die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

#endif
