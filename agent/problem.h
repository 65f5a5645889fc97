/*
 * problem: a repeating warning, logged by its state rather than by its
 * rate (STYLE.md, rule 23).
 *
 * A problem is a named condition of one flow or one part of the daemon:
 * "delivery failing", "records throttled", "spool cursor not saved".  Its
 * user reports it every time it sees the condition (problem_report) and
 * clears it when the condition is gone (problem_clear).  Only three kinds
 * of line reach the log:
 *
 *   WHO: WHAT: DETAIL                                when it starts
 *   WHO: WHAT for 3m12s (N times, M records waiting): DETAIL
 *                                                    every period while it
 *                                                    lasts
 *   WHO: healthy again after 3m12s of WHAT (N times) when it ends
 *
 * so an outage of an hour logs a few hundred lines, not one per retry.  A
 * problem ends only once it was not reported for PROBLEM_SETTLE_MS, so
 * that a condition that comes and goes (throttling of some records of
 * some requests) is one problem, not a start and an end per request.  The
 * summaries and the settled ends come from problem_report, problem_clear
 * and problem_tick; a user whose calls may stop while a problem lasts or
 * settles (a wait on an event, a flow gone quiet) calls problem_tick from
 * a timer while problem_is_active.
 *
 * The status document shows a problem while it lasts (problem_snapshot):
 * what, the latest detail, since when and how often.
 *
 * Threads: one thread reports, clears and ticks a problem; any thread may
 * take a snapshot.  A mutex guards the state.
 */
#ifndef PROBLEM_H
#define PROBLEM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct problem;

/* A problem ends this long after its last report at the earliest. */
#define PROBLEM_SETTLE_MS	5000

/* Longest detail kept; a longer one is cut. */
#define PROBLEM_DETAIL_MAX	512

/*
 * A problem's state, for status.  Strings are copies in the struct.
 */
struct problem_snapshot {
	int		 active;
	char		 what[64];
	char		 detail[PROBLEM_DETAIL_MAX];
	time_t		 since;		/* wall clock, when it started */
	uint64_t	 duration_ms;	/* how long it has lasted */
	uint64_t	 count;		/* reports since it started */
	uint64_t	 waiting;	/* problem_set_waiting's, or 0 */
	const char	*waiting_unit;	/* its unit, or NULL */
};

/*
 * Creates a problem.  who prefixes its log lines ("flow=web stream=s");
 * what names the condition ("delivery failing").  A summary is logged
 * every period_s seconds while it lasts (0: none).  Both strings are
 * copied.
 */
struct problem	*problem_create(const char *who, const char *what,
		    uint64_t period_s);
/* Frees the problem, logging nothing.  NULL is allowed. */
void		 problem_free(struct problem *);

/*
 * The condition was seen, with this detail ("PutRecords: HTTP 503 ...").
 * Logs it (log_warnx) if the problem was not active, a summary if a period
 * has passed since the last line, and otherwise only counts it.
 */
void		 problem_report(struct problem *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * The condition is gone: the problem ends, logging "healthy again"
 * (log_info), if it was active and not reported for PROBLEM_SETTLE_MS;
 * else it ends at the first problem_clear or problem_tick after that,
 * unless it is reported again first.
 */
void		 problem_clear(struct problem *);

/*
 * Logs a summary if the problem is active and a period has passed, or
 * ends it if it was cleared and has settled.
 */
void		 problem_tick(struct problem *);

/*
 * A count to show in summaries and status while the problem lasts, such as
 * records waiting; unit is static ("records waiting").
 */
void		 problem_set_waiting(struct problem *, uint64_t n,
		    const char *unit);

/* 1 if the problem is active (reported and not ended since). */
int		 problem_is_active(struct problem *);

/* Fills *out with the problem's state. */
void		 problem_snapshot(struct problem *,
		    struct problem_snapshot *out);

#endif /* PROBLEM_H */
