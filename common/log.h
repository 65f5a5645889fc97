/*
 * log: one-line diagnostics for sluiced, sluicectl and the test tools.
 *
 * Messages go to stderr (the daemon runs in the foreground under systemd,
 * which timestamps them).  Each message is one line.  When stderr is
 * journald's stream ($JOURNAL_STREAM), each line starts with its syslog
 * priority, "<4>" for a warning, which journald takes off and keeps.  Name the flow and the
 * file in the message: "flow=web file=/var/log/x.log: ...".
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

extern int log_verbose;

/*
 * Sets the program name printed in front of every message, and verbosity,
 * and looks whether stderr is journald's.
 */
void	log_init(const char *progname, int verbose);

/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug_(const char *, ...) __attribute__((format(printf, 1, 2)));

/* When debug logging is off the arguments are not evaluated. */
#define log_debug(...) do {						\
	if (log_verbose)						\
		log_debug_(__VA_ARGS__);				\
} while (0)

/* Log and exit(1).  fatal appends strerror(errno). */
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif /* LOG_H */
