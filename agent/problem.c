/*
 * problem: see problem.h.
 *
 * Durations come from the monotonic clock (loop_now_ms), so a clock step
 * neither ends a problem nor makes one last a day; the wall-clock start
 * shown in status is derived from it when asked.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "log.h"
#include "loop.h"
#include "problem.h"
#include "xmalloc.h"

struct problem {
	char			*who;
	char			*what;
	uint64_t		 period_ms;

	pthread_mutex_t		 mtx;		/* guards what follows */
	int			 active;
	char			 detail[PROBLEM_DETAIL_MAX];
	uint64_t		 since_ms;	/* started, monotonic */
	uint64_t		 logged_ms;	/* last line logged */
	uint64_t		 reported_ms;	/* last report */
	int			 clearing;	/* cleared, not settled */
	uint64_t		 count;
	uint64_t		 waiting;
	const char		*waiting_unit;
};

struct problem *
problem_create(const char *who, const char *what, uint64_t period_s)
{
	struct problem	*p;

	p = xcalloc(1, sizeof *p);
	p->who = xstrdup(who);
	p->what = xstrdup(what);
	p->period_ms = period_s * 1000;
	pthread_mutex_init(&p->mtx, NULL);
	return (p);
}

void
problem_free(struct problem *p)
{
	if (p == NULL)
		return;
	pthread_mutex_destroy(&p->mtx);
	free(p->who);
	free(p->what);
	free(p);
}

/* Logs the summary line if a period passed.  Called with the mutex held. */
static void
problem_summary(struct problem *p, uint64_t now)
{
	char	d[FMT_DURATION_MAX], w[64] = "";

	if (!p->active || p->clearing || p->period_ms == 0 ||
	    now - p->logged_ms < p->period_ms)
		return;
	p->logged_ms = now;
	if (p->waiting_unit != NULL)
		snprintf(w, sizeof w, ", %llu %s",
		    (unsigned long long)p->waiting, p->waiting_unit);
	log_warnx("%s: %s for %s (%llu time%s%s): %s", p->who, p->what,
	    fmt_duration(d, sizeof d, (now - p->since_ms) / 1000),
	    (unsigned long long)p->count, p->count == 1 ? "" : "s", w,
	    p->detail);
}

void
problem_report(struct problem *p, const char *fmt, ...)
{
	va_list		ap;
	uint64_t	now = loop_now_ms();

	pthread_mutex_lock(&p->mtx);
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof p->detail, fmt, ap);
	va_end(ap);
	p->count++;
	p->reported_ms = now;
	p->clearing = 0;
	if (!p->active) {
		p->active = 1;
		p->since_ms = now;
		p->logged_ms = now;
		p->count = 1;
		log_warnx("%s: %s: %s", p->who, p->what, p->detail);
	} else
		problem_summary(p, now);
	pthread_mutex_unlock(&p->mtx);
}

/*
 * Ends the problem if it was cleared and has settled.  Called with the
 * mutex held.
 */
static void
problem_end(struct problem *p, uint64_t now)
{
	char	d[FMT_DURATION_MAX];

	if (!p->active || !p->clearing ||
	    now - p->reported_ms < PROBLEM_SETTLE_MS)
		return;
	p->active = 0;
	p->clearing = 0;
	log_info("%s: healthy again after %s of %s (%llu time%s)", p->who,
	    fmt_duration(d, sizeof d, (now - p->since_ms) / 1000), p->what,
	    (unsigned long long)p->count, p->count == 1 ? "" : "s");
	p->waiting_unit = NULL;
	p->waiting = 0;
}

void
problem_clear(struct problem *p)
{
	pthread_mutex_lock(&p->mtx);
	if (p->active) {
		p->clearing = 1;
		problem_end(p, loop_now_ms());
	}
	pthread_mutex_unlock(&p->mtx);
}

void
problem_tick(struct problem *p)
{
	uint64_t	now = loop_now_ms();

	pthread_mutex_lock(&p->mtx);
	problem_end(p, now);
	problem_summary(p, now);
	pthread_mutex_unlock(&p->mtx);
}

void
problem_set_waiting(struct problem *p, uint64_t n, const char *unit)
{
	pthread_mutex_lock(&p->mtx);
	p->waiting = n;
	p->waiting_unit = unit;
	pthread_mutex_unlock(&p->mtx);
}

int
problem_is_active(struct problem *p)
{
	int	active;

	pthread_mutex_lock(&p->mtx);
	active = p->active;
	pthread_mutex_unlock(&p->mtx);
	return (active);
}

void
problem_snapshot(struct problem *p, struct problem_snapshot *out)
{
	uint64_t	now = loop_now_ms();

	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&p->mtx);
	out->active = p->active;
	snprintf(out->what, sizeof out->what, "%s", p->what);
	if (p->active) {
		snprintf(out->detail, sizeof out->detail, "%s", p->detail);
		out->duration_ms = now - p->since_ms;
		out->since = time(NULL) - (time_t)(out->duration_ms / 1000);
		out->count = p->count;
		out->waiting = p->waiting;
		out->waiting_unit = p->waiting_unit;
	}
	pthread_mutex_unlock(&p->mtx);
}
