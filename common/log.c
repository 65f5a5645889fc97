/*
 * log: see log.h.  A message is formatted into one buffer and written with a
 * single write(2), so lines from the ingest and delivery threads never mix.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* syslog(3)'s priorities, as journald reads them from "<N>". */
#define LOG_PRIO_ERR		3
#define LOG_PRIO_WARNING	4
#define LOG_PRIO_INFO		6
#define LOG_PRIO_DEBUG		7

int		 log_verbose;
static const char *log_progname = "sluice";
static int	 log_journal;	/* stderr is journald's: "<N>" prefixes */

static void	log_vwrite(int, const char *, const char *, int, const char *,
		    va_list) __attribute__((format(printf, 5, 0)));

/*
 * systemd sets JOURNAL_STREAM to the device and inode ("dev:ino") of the
 * stream it connected stderr to (systemd.exec(5)).  Only if stderr is still
 * that stream does journald read the "<N>" prefix as the priority;
 * anywhere else (a terminal, a redirected file) it would be noise.
 */
static int
log_is_journal(void)
{
	struct stat		 st;
	unsigned long long	 dev, ino;
	const char		*s;
	char			 end;

	if ((s = getenv("JOURNAL_STREAM")) == NULL)
		return (0);
	if (sscanf(s, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return (0);
	if (fstat(STDERR_FILENO, &st) == -1)
		return (0);
	return ((unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino);
}

void
log_init(const char *progname, int verbose)
{
	log_progname = progname;
	log_verbose = verbose;
	log_journal = log_is_journal();
}

static void
log_vwrite(int prio, const char *level, const char *suffix, int saved_errno,
    const char *fmt, va_list ap)
{
	char	line[2048];
	int	n, m;

	if (log_journal)
		n = snprintf(line, sizeof line, "<%d>%s: %s", prio,
		    log_progname, level);
	else
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
	log_vwrite(LOG_PRIO_WARNING, "warning: ", "", e, fmt, ap);
	va_end(ap);
	errno = e;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;
	int	e = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_PRIO_WARNING, "warning: ", NULL, e, fmt, ap);
	va_end(ap);
	errno = e;
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;
	int	e = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_PRIO_INFO, "", NULL, e, fmt, ap);
	va_end(ap);
	errno = e;
}

void
log_debug_(const char *fmt, ...)
{
	va_list	ap;
	int	e = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_PRIO_DEBUG, "debug: ", NULL, e, fmt, ap);
	va_end(ap);
	errno = e;
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	e = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_PRIO_ERR, "fatal: ", "", e, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_PRIO_ERR, "fatal: ", NULL, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
