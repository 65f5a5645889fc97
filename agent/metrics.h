/*
 * metrics: per-flow counters shared by the ingest thread, the delivery
 * thread and the control socket.  Counters are atomics; the last error and
 * the list of tailed files sit behind a mutex.
 */
#ifndef METRICS_H
#define METRICS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct metrics_file {
	char		*path;
	uint64_t	 offset;	/* bytes read */
	uint64_t	 size;		/* file size at last look */
};

struct metrics {
	char			*name;		/* flow name, for status */
	char			*dest;		/* "kinesis" or "firehose" */
	char			*stream;
	char			*file_pattern;

	_Atomic uint64_t	 lines_read;
	_Atomic uint64_t	 bytes_read;
	_Atomic uint64_t	 records_spooled;
	_Atomic uint64_t	 records_sent;		/* acknowledged */
	_Atomic uint64_t	 records_failed;	/* entries with ErrorCode */
	_Atomic uint64_t	 requests_sent;
	_Atomic uint64_t	 requests_failed;	/* HTTP/network errors */
	_Atomic uint64_t	 bytes_lost;		/* copytruncate losses */
	_Atomic uint64_t	 records_dropped;	/* by a converter */
	_Atomic uint64_t	 records_unconverted;	/* converter failed */
	_Atomic uint64_t	 records_truncated;	/* cut to the limit */
	_Atomic uint64_t	 records_runaway;	/* over the read buffer */
	_Atomic uint64_t	 lines_skipped;	/* header lines and footers */
	_Atomic uint64_t	 spool_bytes;		/* bytes not yet acked */

	pthread_mutex_t		 mtx;		/* guards what follows */
	char			 last_error[512];
	time_t			 last_error_time;
	struct metrics_file	*files;
	size_t			 nfiles;
};

/* Creates a flow's metrics.  The strings are copied. */
struct metrics	*metrics_create(const char *name, const char *dest,
		    const char *stream, const char *file_pattern);
void		 metrics_free(struct metrics *);

/* Records the last error (and logs nothing: the caller logs). */
void		 metrics_set_error(struct metrics *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* Replaces the list of tailed files (copies it). */
void		 metrics_set_files(struct metrics *,
		    const struct metrics_file *, size_t);

/*
 * Returns the status document (JSON, NUL-terminated, caller frees) for all
 * flows, as served by the control socket's "status" command.
 */
char		*metrics_status_json(struct metrics **, size_t, time_t started);

#endif /* METRICS_H */
