/*
 * log: see log.h.  A message is formatted into one buffer and written with a
 * single write(2), so lines from the ingest and delivery threads never mix.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int		 log_verbose;
static const char *log_progname = "sluice";

static void	log_vwrite(const char *, const char *, int, const char *,
		    va_list) __attribute__((format(printf, 4, 0)));

void
log_init(const char *progname, int verbose)
{
	log_progname = progname;
	log_verbose = verbose;
}

static void
log_vwrite(const char *level, const char *suffix, int saved_errno,
    const char *fmt, va_list ap)
{
	char	line[2048];
	int	n, m;

	n = snprintf(line, sizeof line, "%s: %s", log_progname, level);
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	m = vsnprintf(line + n, sizeof line - n, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n >= sizeof line - 1)
		n = sizeof line - 2;
	if (suffix != NULL && (size_t)n < sizeof line - 2) {
		m = snprintf(line + n, sizeof line - n - 1, ": %s",
		    strerror(saved_errno));
		if (m > 0)
			n += m;
		if ((size_t)n >= sizeof line - 1)
			n = sizeof line - 2;
	}
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) == -1)
		return;	/* nowhere left to report it */
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	e = errno;

	va_start(ap, fmt);
	log_vwrite("warning: ", "", e, fmt, ap);
	va_end(ap);
	errno = e;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;
	int	e = errno;

	va_start(ap, fmt);
	log_vwrite("warning: ", NULL, e, fmt, ap);
	va_end(ap);
	errno = e;
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;
	int	e = errno;

	va_start(ap, fmt);
	log_vwrite("", NULL, e, fmt, ap);
	va_end(ap);
	errno = e;
}

void
log_debug_(const char *fmt, ...)
{
	va_list	ap;
	int	e = errno;

	va_start(ap, fmt);
	log_vwrite("debug: ", NULL, e, fmt, ap);
	va_end(ap);
	errno = e;
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	e = errno;

	va_start(ap, fmt);
	log_vwrite("fatal: ", "", e, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite("fatal: ", NULL, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
