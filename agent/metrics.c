/*
 * metrics: see metrics.h.  The status document is built with jansson so
 * that paths and error messages are always escaped correctly.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "metrics.h"
#include "problem.h"
#include "xmalloc.h"

/* One look at a flow's progress (metrics_sample). */
struct metrics_sample {
	uint64_t	 ms;		/* monotonic */
	uint64_t	 sent;		/* METRICS_RECORDS_SENT */
	uint64_t	 behind;	/* bytes of its files not read */
};

struct metrics {
	char			*name;		/* flow name, for status */
	char			*dest;		/* "kinesis" or "firehose" */
	char			*stream;
	char			*file_pattern;

	_Atomic uint64_t	 counters[METRICS_NCOUNTERS];

	pthread_mutex_t		 mtx;		/* guards what follows */
	char			 last_error[512];
	_Atomic(const char *)	 spool_state;	/* static */
	_Atomic int64_t		 paused_since;	/* 0: not paused */
	time_t			 last_error_time;
	struct metrics_file	*files;
	size_t			 nfiles;
	struct problem		**problems;
	size_t			 nproblems;
	/* metrics_sample's ring, oldest first once full. */
	struct metrics_sample	 samples[METRICS_SAMPLES];
	size_t			 nsamples;	/* taken, ever */
	struct metrics_code	 codes[METRICS_MAX_CODES];
	size_t			 ncodes;
	struct metrics_statset	 stats[METRICS_NSTATS];
};

/* The status document's keys, by enum metrics_counter. */
static const char *const metrics_keys[METRICS_NCOUNTERS] = {
	[METRICS_BYTES_READ] = "bytesRead",
	[METRICS_RECORDS_SPOOLED] = "recordsSpooled",
	[METRICS_RECORDS_SENT] = "recordsSent",
	[METRICS_RECORDS_FAILED] = "recordsFailed",
	[METRICS_REQUESTS_SENT] = "requestsSent",
	[METRICS_REQUESTS_FAILED] = "requestsFailed",
	[METRICS_BYTES_LOST] = "bytesLost",
	[METRICS_RECORDS_DROPPED] = "recordsDropped",
	[METRICS_RECORDS_UNCONVERTED] = "recordsUnconverted",
	[METRICS_RECORDS_TRUNCATED] = "recordsTruncated",
	[METRICS_RECORDS_RUNAWAY] = "recordsLargerThanBuffer",
	[METRICS_LINES_SKIPPED] = "linesSkipped",
	[METRICS_SPOOL_BYTES] = "spoolBytes",
	[METRICS_FILES_OPEN] = "filesOpen",
	[METRICS_FILES_WAITING] = "filesWaiting",
	[METRICS_SPOOL_RECORDS] = "spoolRecords",
	[METRICS_SPOOL_OLDEST_MS] = "spoolOldestRecordMillis",
	[METRICS_SPOOL_CORRUPT_BYTES] = "spoolCorruptBytes",
	[METRICS_RECORDS_ATTEMPTED] = "recordsAttempted",
	[METRICS_BYTES_SENT] = "bytesSent",
	[METRICS_RECORDS_DEAD] = "recordsDeadLettered",
	[METRICS_BYTES_SKIPPED] = "bytesSkipped",
};

struct metrics *
metrics_create(const char *name, const char *dest, const char *stream,
    const char *file_pattern)
{
	struct metrics	*m;

	m = xcalloc(1, sizeof *m);
	m->name = xstrdup(name);
	m->dest = xstrdup(dest);
	m->stream = xstrdup(stream);
	m->file_pattern = xstrdup(file_pattern);
	pthread_mutex_init(&m->mtx, NULL);
	return (m);
}

static void
metrics_free_files(struct metrics_file *files, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(files[i].path);
		free(files[i].reason);
	}
	free(files);
}

void
metrics_free(struct metrics *m)
{
	size_t	i;

	if (m == NULL)
		return;
	metrics_free_files(m->files, m->nfiles);
	for (i = 0; i < m->nproblems; i++)
		problem_free(m->problems[i]);
	free(m->problems);
	pthread_mutex_destroy(&m->mtx);
	free(m->name);
	free(m->dest);
	free(m->stream);
	free(m->file_pattern);
	free(m);
}

const char *
metrics_name(struct metrics *m)
{
	return (m->name);
}

const char *
metrics_dest(struct metrics *m)
{
	return (m->dest);
}

const char *
metrics_stream(struct metrics *m)
{
	return (m->stream);
}

/*
 * Relaxed: each counter is added to by one thread (the ingest thread's
 * tailer and flow, or the delivery thread's sender) and only read by the
 * status reader, and no other memory is published through it.  The one
 * gauge that two threads set, METRICS_SPOOL_BYTES, is a plain store of a
 * whole value, which needs no ordering either.
 */
void
metrics_add(struct metrics *m, enum metrics_counter c, uint64_t n)
{
	atomic_fetch_add_explicit(&m->counters[c], n, memory_order_relaxed);
}

void
metrics_set(struct metrics *m, enum metrics_counter c, uint64_t v)
{
	atomic_store_explicit(&m->counters[c], v, memory_order_relaxed);
}

uint64_t
metrics_get(struct metrics *m, enum metrics_counter c)
{
	return (atomic_load_explicit(&m->counters[c], memory_order_relaxed));
}

void
metrics_set_error(struct metrics *m, const char *fmt, ...)
{
	va_list	ap;

	pthread_mutex_lock(&m->mtx);
	va_start(ap, fmt);
	vsnprintf(m->last_error, sizeof m->last_error, fmt, ap);
	va_end(ap);
	m->last_error_time = time(NULL);
	pthread_mutex_unlock(&m->mtx);
}

void
metrics_count_error(struct metrics *m, const char *code, uint64_t n)
{
	size_t	i;

	pthread_mutex_lock(&m->mtx);
	for (i = 0; i < m->ncodes; i++)
		if (strncmp(m->codes[i].code, code, METRICS_CODE_MAX - 1) == 0)
			break;
	if (i == m->ncodes) {
		if (m->ncodes == METRICS_MAX_CODES) {
			/* The last slot becomes "(other)" for good. */
			i = METRICS_MAX_CODES - 1;
			snprintf(m->codes[i].code, METRICS_CODE_MAX,
			    "(other)");
		} else {
			snprintf(m->codes[i].code, METRICS_CODE_MAX, "%s",
			    code);
			m->codes[i].n = 0;
			m->ncodes++;
		}
	}
	m->codes[i].n += n;
	pthread_mutex_unlock(&m->mtx);
}

void
metrics_observe(struct metrics *m, enum metrics_stat stat, uint64_t v)
{
	struct metrics_statset	*st = &m->stats[stat];

	pthread_mutex_lock(&m->mtx);
	if (st->count == 0 || v < st->min)
		st->min = v;
	if (st->count == 0 || v > st->max)
		st->max = v;
	st->count++;
	st->sum += v;
	pthread_mutex_unlock(&m->mtx);
}

void
metrics_take_stats(struct metrics *m, struct metrics_statset *out)
{
	pthread_mutex_lock(&m->mtx);
	memcpy(out, m->stats, sizeof m->stats);
	memset(m->stats, 0, sizeof m->stats);
	pthread_mutex_unlock(&m->mtx);
}

size_t
metrics_error_codes(struct metrics *m, struct metrics_code *out, size_t max)
{
	size_t	n;

	pthread_mutex_lock(&m->mtx);
	n = m->ncodes < max ? m->ncodes : max;
	memcpy(out, m->codes, n * sizeof *out);
	pthread_mutex_unlock(&m->mtx);
	return (n);
}

struct problem *
metrics_add_problem(struct metrics *m, const char *who, const char *what,
    uint64_t period_s)
{
	struct problem	*p;

	p = problem_create(who, what, period_s);
	pthread_mutex_lock(&m->mtx);
	m->problems = xreallocarray(m->problems, m->nproblems + 1,
	    sizeof *m->problems);
	m->problems[m->nproblems++] = p;
	pthread_mutex_unlock(&m->mtx);
	return (p);
}

/*
 * The flow's active problems: what, the latest detail, since when (seconds
 * since the Epoch) and for how long, how often it was seen and, for some,
 * a count such as bytes waiting.  Empty when the flow is healthy.  Called
 * with the mutex held.
 */
static json_t *
metrics_health_json(struct metrics *m)
{
	struct problem_snapshot	 snap;
	json_t			*a, *o;
	size_t			 i;

	a = json_array();
	for (i = 0; i < m->nproblems; i++) {
		problem_snapshot(m->problems[i], &snap);
		if (!snap.active)
			continue;
		o = json_object();
		json_object_set_new(o, "what", json_string(snap.what));
		json_object_set_new(o, "detail", json_string(snap.detail));
		json_object_set_new(o, "since",
		    json_integer((json_int_t)snap.since));
		json_object_set_new(o, "seconds",
		    json_integer((json_int_t)(snap.duration_ms / 1000)));
		json_object_set_new(o, "count",
		    json_integer((json_int_t)snap.count));
		if (snap.waiting_unit != NULL) {
			json_object_set_new(o, "waiting",
			    json_integer((json_int_t)snap.waiting));
			json_object_set_new(o, "waitingUnit",
			    json_string(snap.waiting_unit));
		}
		json_array_append_new(a, o);
	}
	return (a);
}

void
metrics_set_files(struct metrics *m, const struct metrics_file *files,
    size_t n)
{
	struct metrics_file	*copy;
	size_t			 i;

	copy = xcalloc(n, sizeof *copy);
	for (i = 0; i < n; i++) {
		copy[i] = files[i];
		copy[i].path = xstrdup(files[i].path);
		if (files[i].reason != NULL)
			copy[i].reason = xstrdup(files[i].reason);
	}
	pthread_mutex_lock(&m->mtx);
	metrics_free_files(m->files, m->nfiles);
	m->files = copy;
	m->nfiles = n;
	pthread_mutex_unlock(&m->mtx);
}

/* The bytes of the flow's files not read yet; m->mtx is held. */
static uint64_t
metrics_behind_locked(struct metrics *m)
{
	uint64_t	behind = 0;
	size_t		i;

	for (i = 0; i < m->nfiles; i++)
		if (!m->files[i].dir && m->files[i].size > m->files[i].offset)
			behind += m->files[i].size - m->files[i].offset;
	return (behind);
}

void
metrics_sample(struct metrics *m, uint64_t now_ms)
{
	struct metrics_sample	*sm;

	pthread_mutex_lock(&m->mtx);
	sm = &m->samples[m->nsamples % METRICS_SAMPLES];
	sm->ms = now_ms;
	sm->sent = metrics_get(m, METRICS_RECORDS_SENT);
	sm->behind = metrics_behind_locked(m);
	m->nsamples++;
	pthread_mutex_unlock(&m->mtx);
}

/*
 * From the samples (m->mtx held): records sent per second over the last
 * minute, up to now (so that the first seconds after a start show a rate,
 * not 0), and for how long the bytes behind have only grown (0 if they
 * fell, or reached 0, since the previous sample).
 */
static void
metrics_trend_locked(struct metrics *m, uint64_t now_ms, double *rate,
    uint64_t *growing_s)
{
	const struct metrics_sample	*sm, *prev;
	uint64_t			 sent;
	size_t				 n, i;

	*rate = 0;
	*growing_s = 0;
	n = m->nsamples < METRICS_SAMPLES ? m->nsamples : METRICS_SAMPLES;
	if (n < 1)
		return;
	sent = metrics_get(m, METRICS_RECORDS_SENT);
	/* The newest sample at least a minute old, else the oldest. */
	for (i = 1; i <= n; i++) {
		sm = &m->samples[(m->nsamples - i) % METRICS_SAMPLES];
		if ((now_ms > sm->ms && now_ms - sm->ms >= 60000) || i == n) {
			/* Under a second is too short to say. */
			if (now_ms >= sm->ms + 1000 && sent >= sm->sent)
				*rate = (double)(sent - sm->sent) * 1000 /
				    (double)(now_ms - sm->ms);
			break;
		}
	}
	if (n < 2)
		return;
	/* Walk back while each sample was below the one after it. */
	for (i = 2; i <= n; i++) {
		sm = &m->samples[(m->nsamples - i) % METRICS_SAMPLES];
		prev = &m->samples[(m->nsamples - i + 1) % METRICS_SAMPLES];
		if (sm->behind >= prev->behind)
			break;
		*growing_s = (now_ms > sm->ms ? now_ms - sm->ms : 0) / 1000;
	}
}

static json_t *
metrics_flow_json(struct metrics *m)
{
	json_t			*o, *files, *problems, *health, *f, *codes;
	size_t			 i;
	enum metrics_counter	 c;
	uint64_t		 behind, growing;
	double			 rate;
	char			 ident[48];
	time_t			 paused;

	o = json_object();
	json_object_set_new(o, "name", json_string(m->name));
	json_object_set_new(o, "destination", json_string(m->dest));
	json_object_set_new(o, "stream", json_string(m->stream));
	json_object_set_new(o, "filePattern", json_string(m->file_pattern));
	files = json_array();
	problems = json_array();
	pthread_mutex_lock(&m->mtx);
	for (i = 0; i < m->nfiles; i++) {
		/* Waiting for a descriptor is the files' turn, no problem. */
		if (m->files[i].reason != NULL && (m->files[i].dir ||
		    m->files[i].state == NULL ||
		    strcmp(m->files[i].state, "waiting") != 0)) {
			f = json_object();
			json_object_set_new(f, "path",
			    json_string(m->files[i].path));
			json_object_set_new(f, "type", json_string(
			    m->files[i].dir ? "directory" : "file"));
			json_object_set_new(f, "reason",
			    json_string(m->files[i].reason));
			json_array_append_new(problems, f);
		}
		if (m->files[i].dir)
			continue;
		f = json_object();
		json_object_set_new(f, "path",
		    json_string(m->files[i].path));
		snprintf(ident, sizeof ident, "%llu:%llu",
		    (unsigned long long)m->files[i].dev,
		    (unsigned long long)m->files[i].ino);
		json_object_set_new(f, "identity", json_string(ident));
		json_object_set_new(f, "offset",
		    json_integer((json_int_t)m->files[i].offset));
		json_object_set_new(f, "size",
		    json_integer((json_int_t)m->files[i].size));
		json_object_set_new(f, "lastRead",
		    json_integer((json_int_t)m->files[i].last_read));
		if (m->files[i].state != NULL)
			json_object_set_new(f, "state",
			    json_string(m->files[i].state));
		if (m->files[i].reason != NULL)
			json_object_set_new(f, "reason",
			    json_string(m->files[i].reason));
		json_array_append_new(files, f);
	}
	if (m->last_error[0] != '\0') {
		json_object_set_new(o, "lastError",
		    json_string(m->last_error));
		json_object_set_new(o, "lastErrorTime",
		    json_integer((json_int_t)m->last_error_time));
	} else {
		json_object_set_new(o, "lastError", json_null());
		json_object_set_new(o, "lastErrorTime", json_integer(0));
	}
	health = metrics_health_json(m);
	behind = metrics_behind_locked(m);
	metrics_trend_locked(m, loop_now_ms(), &rate, &growing);
	codes = json_object();
	for (i = 0; i < m->ncodes; i++)
		json_object_set_new(codes, m->codes[i].code,
		    json_integer((json_int_t)m->codes[i].n));
	pthread_mutex_unlock(&m->mtx);
	/* Progress at a glance (metrics_sample). */
	json_object_set_new(o, "bytesBehind", json_integer((json_int_t)behind));
	json_object_set_new(o, "recordsPerSecond", json_real(rate));
	json_object_set_new(o, "lagGrowingSeconds",
	    json_integer((json_int_t)growing));
	json_object_set_new(o, "spoolState", json_string(
	    atomic_load(&m->spool_state) != NULL ?
	    atomic_load(&m->spool_state) : "ok"));
	/* A pause is the operator's: it does not make the flow degraded. */
	paused = metrics_paused(m);
	json_object_set_new(o, "paused", json_boolean(paused != 0));
	json_object_set_new(o, "pausedSince", json_integer((json_int_t)paused));
	json_object_set_new(o, "files", files);
	/* What cannot be read, files and directories, and the fix. */
	json_object_set_new(o, "problems", problems);
	/* What lasts: an outage, a full disk (problem.h). */
	json_object_set_new(o, "health", health);
	/* Every record read is either spooled or dropped. */
	json_object_set_new(o, "linesRead", json_integer((json_int_t)
	    (metrics_get(m, METRICS_RECORDS_SPOOLED) +
	    metrics_get(m, METRICS_RECORDS_DROPPED))));
	for (c = 0; c < METRICS_NCOUNTERS; c++)
		json_object_set_new(o, metrics_keys[c],
		    json_integer((json_int_t)metrics_get(m, c)));
	/* Failed entries and requests, by AWS error code. */
	json_object_set_new(o, "errorCodes", codes);
	return (o);
}

void
metrics_set_paused(struct metrics *m, time_t since)
{
	atomic_store(&m->paused_since, (int64_t)since);
}

time_t
metrics_paused(struct metrics *m)
{
	return ((time_t)atomic_load(&m->paused_since));
}

void
metrics_set_spool_state(struct metrics *m, const char *state)
{
	atomic_store(&m->spool_state, state);
}

char *
metrics_status_json(struct metrics **ms, size_t n, time_t started)
{
	json_t	*doc, *flows;
	char	*s, *out;
	size_t	 i;

	doc = json_object();
	json_object_set_new(doc, "version", json_integer(1));
	json_object_set_new(doc, "pid", json_integer(getpid()));
	json_object_set_new(doc, "uptimeSeconds",
	    json_integer((json_int_t)(time(NULL) - started)));
	/* When the counters, which restart at 0, started. */
	json_object_set_new(doc, "startedAt", json_integer((json_int_t)started));
	flows = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(flows, metrics_flow_json(ms[i]));
	json_object_set_new(doc, "flows", flows);
	s = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (s == NULL)
		return (xstrdup("{\"error\":\"cannot encode status\"}"));
	out = xstrdup(s);
	free(s);
	return (out);
}
