/*
 * metrics: per-flow counters shared by the ingest thread, the delivery
 * thread and the control socket.  Counters are atomics; the last error and
 * the list of tailed files sit behind a mutex.  A counter publishes
 * nothing but itself: readers must not infer other state from it.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct metrics;

/*
 * metrics_sample is called every METRICS_SAMPLE_MS; the ring holds a bit
 * more than the 5 minutes over which a growing lag makes a flow degraded.
 */
#define METRICS_SAMPLE_MS	10000
#define METRICS_SAMPLES		32
#define METRICS_LAG_DEGRADED_S	300
struct problem;

/*
 * A tailed file, or a directory of the pattern that cannot be read (dir
 * set: only path and reason count).  reason, when not NULL, says why it
 * cannot be read and what fixes it; such an entry is also listed in the
 * flow's "problems".  For a "waiting" file it says what the file waits
 * for (its turn, not a problem).
 */
struct metrics_file {
	char		*path;
	uint64_t	 dev;		/* identity: st_dev and st_ino */
	uint64_t	 ino;
	uint64_t	 offset;	/* bytes read */
	uint64_t	 size;		/* file size at last look */
	time_t		 last_read;	/* when bytes last came; 0: never */
	const char	*state;		/* "open", "rotated" (open, no */
					/* longer matched), "closed", */
					/* "waiting", "unreadable" */
	char		*reason;	/* or NULL */
	int		 dir;		/* a directory */
};

/*
 * A flow's counters, in the order of the status document, which first
 * shows linesRead: recordsSpooled + recordsDropped.
 */
enum metrics_counter {
	METRICS_BYTES_READ,
	METRICS_RECORDS_SPOOLED,
	METRICS_RECORDS_SENT,		/* acknowledged */
	METRICS_RECORDS_FAILED,		/* entries with ErrorCode */
	METRICS_REQUESTS_SENT,
	METRICS_REQUESTS_FAILED,	/* HTTP/network errors */
	METRICS_BYTES_LOST,		/* copytruncate losses */
	METRICS_RECORDS_DROPPED,	/* by a converter */
	METRICS_RECORDS_UNCONVERTED,	/* converter failed */
	METRICS_RECORDS_TRUNCATED,	/* cut to the limit */
	METRICS_RECORDS_RUNAWAY,	/* over the read buffer */
	METRICS_LINES_SKIPPED,		/* header lines and footers */
	METRICS_SPOOL_BYTES,		/* bytes not yet acked */
	METRICS_FILES_OPEN,		/* holding a descriptor */
	METRICS_FILES_WAITING,		/* for a descriptor */
	METRICS_SPOOL_RECORDS,		/* records not yet acked */
	METRICS_SPOOL_OLDEST_MS,	/* oldest unsent record appended, */
					/* ms since 1970; 0: none */
	METRICS_SPOOL_CORRUPT_BYTES,	/* skipped or cut at spool open */
	METRICS_RECORDS_ATTEMPTED,	/* entries in requests posted, */
					/* retries included */
	METRICS_BYTES_SENT,		/* data bytes of acked entries */
	METRICS_RECORDS_DEAD,		/* put in the dead-letter file */
	METRICS_BYTES_SKIPPED,		/* by sluicectl files skip */
	METRICS_NCOUNTERS
};

/* Creates a flow's metrics.  The strings are copied. */
struct metrics	*metrics_create(const char *name, const char *dest,
		    const char *stream, const char *file_pattern);
void		 metrics_free(struct metrics *);

/* The flow's name and destination ("kinesis" or "firehose"). */
const char	*metrics_name(struct metrics *);
const char	*metrics_dest(struct metrics *);
/* The flow's stream. */
const char	*metrics_stream(struct metrics *);

/* Adds n to a counter, sets it (for the gauges), reads it. */
void		 metrics_add(struct metrics *, enum metrics_counter,
		    uint64_t n);
void		 metrics_set(struct metrics *, enum metrics_counter,
		    uint64_t v);
uint64_t	 metrics_get(struct metrics *, enum metrics_counter);

/*
 * Records the last error (and logs nothing: the caller logs); the status
 * document shows it.
 */
void		 metrics_set_error(struct metrics *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * Error codes, counted per flow for the status document's "errorCodes"
 * map and the Prometheus endpoint: AWS's codes of failed entries and
 * failed requests, "HTTP 503" when an answer has none, "network" for a
 * transport error and "malformedAnswer".  At most METRICS_MAX_CODES
 * distinct codes are kept; others count under "(other)".
 */
#define METRICS_MAX_CODES	32
#define METRICS_CODE_MAX	128

struct metrics_code {
	char		 code[METRICS_CODE_MAX];
	uint64_t	 n;
};

/* Adds n to code's count (code is copied, cut to METRICS_CODE_MAX). */
void		 metrics_count_error(struct metrics *, const char *code,
		    uint64_t n);

/* Copies up to max codes into out; returns how many there are. */
size_t		 metrics_error_codes(struct metrics *,
		    struct metrics_code *out, size_t max);

/*
 * The Kinesis Agent's CloudWatch samples (cloudwatch.h), one per request
 * or answer as the agent takes them: a request posted is a sample of
 * METRICS_STAT_ATTEMPTS (its records); an answer, of SENT, ERRORS and
 * BYTES (its records accepted and refused, the bytes accepted) and of
 * SERVICE_ERRORS 0; a request that failed whole, of SERVICE_ERRORS 1.
 * Each is kept as a statistic set (count, sum, minimum, maximum) until
 * metrics_take_stats.  Safe from any thread.
 */
enum metrics_stat {
	METRICS_STAT_ATTEMPTS,
	METRICS_STAT_SENT,
	METRICS_STAT_ERRORS,
	METRICS_STAT_BYTES,
	METRICS_STAT_SERVICE_ERRORS,
	METRICS_NSTATS
};

struct metrics_statset {
	uint64_t	 count;		/* 0: no sample, the rest is 0 */
	uint64_t	 sum;
	uint64_t	 min;
	uint64_t	 max;
};

/* Adds the sample v to stat's set. */
void		 metrics_observe(struct metrics *, enum metrics_stat,
		    uint64_t v);

/* Moves the sets out into out[METRICS_NSTATS], leaving empty ones. */
void		 metrics_take_stats(struct metrics *,
		    struct metrics_statset *out);

/*
 * Sets the spool's state for the status document ("spoolState"): a static
 * string such as "ok", "spool full", "state disk full" or "sync failed".
 */
void		 metrics_set_spool_state(struct metrics *, const char *);

/*
 * Creates a problem of the flow (problem.h: who prefixes its log lines,
 * what names it, a summary every period_s seconds).  The metrics own it
 * and free it with themselves; the status document lists it while it is
 * active, under "health".  Safe from any thread.
 */
struct problem	*metrics_add_problem(struct metrics *, const char *who,
		    const char *what, uint64_t period_s);

/*
 * `sluicectl pause`: since when the flow's delivery is paused (seconds
 * since the Epoch), or 0 when it is not.  The status document shows
 * "paused" and "pausedSince".  Safe from any thread.
 */
void		 metrics_set_paused(struct metrics *, time_t since);
time_t		 metrics_paused(struct metrics *);

/*
 * Replaces the list of tailed files and unreadable directories (copies
 * path and reason; state is static).
 */
void		 metrics_set_files(struct metrics *,
		    const struct metrics_file *, size_t);

/*
 * Takes a sample of the flow's progress at now_ms (monotonic): records
 * sent and bytes behind (the files' sizes less their offsets), from which
 * the status document gives recordsPerSecond over the last minute and
 * lagGrowingSeconds.  Safe from any thread.
 */
void		 metrics_sample(struct metrics *, uint64_t now_ms);

/*
 * Returns the status document (JSON, NUL-terminated, caller frees) for all
 * flows, as served by the control socket's "status" command.
 */
char		*metrics_status_json(struct metrics **, size_t, time_t started);

#endif /* METRICS_H */
