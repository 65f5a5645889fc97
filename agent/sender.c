/*
 * sender: see sender.h.
 *
 * A flow has maxSendingThreads + 1 batch slots.  At most one is FILLING,
 * taking records from the spool; up to the window (below) are SENDING or
 * in BACKOFF, waiting to be retried; DONE ones wait for the batches
 * before them to be done too: answers come back in any order.  Batches cover contiguous ranges of spool
 * positions, in the order of their sequence numbers, so the cursor moves
 * to a batch's end only when it and every earlier batch are done.
 *
 * A batch keeps its records only in encoded form, as entries of the
 * request body (dest.h gives its grammar), with each entry's offset.  After
 * a partial failure the failed entries are slid down over the accepted
 * ones, so a retry neither re-reads the spool nor re-encodes anything, and
 * a retried Kinesis record keeps its partition key.  A record costs one
 * spool_read (a buffered read) and one base64 pass into the body: no
 * allocation and no system call of its own.
 *
 * Errors are handled by class (dest.h, dest_classify).  Failed entries of
 * an accepted request are retried alone; a request that failed whole for
 * a passing cause (5xx, network, throttling, a garbled answer) is retried
 * after the backoff (full jitter); one an operator must fix is retried at
 * the maximum backoff, forever, with the fix in the log and status; a
 * clock skew is corrected from the answer's Date header and the request
 * signed again at once.  A request refused for its content is bisected:
 * the batch sends halves of its entries as "probes" (built in the probe
 * buffer from the entries still pending), splitting every refused half
 * again, until the refused records stand alone.  Those go to the
 * dead-letter file (deadletter.h), unless nothing at all was accepted
 * since the refusals began: then the request itself is at fault, and
 * that is an operator's error.
 *
 * The window, the requests allowed in flight, is the flow's one rate
 * control (AIMD, as TCP's congestion window).  It changes at the end of a
 * round, when as many batches as the window were accepted and
 * SENDER_ROUND_MS passed: by one when a full batch waited for a slot
 * during the round, up to maxSendingThreads;
 * until the first throttling it doubles instead (TCP's slow start, RFC
 * 5681 section 3.1: against an endpoint that answers in tens of
 * milliseconds, one more request per round took hundreds of milliseconds
 * to reach 16 in flight).  It grows only while that raises throughput:
 * a round that accepted batches no faster than SENDER_GAIN times the one
 * before the last growth takes the growth back and holds the window for
 * SENDER_HOLD_ROUNDS rounds before it tries again.  An endpoint that
 * answers at once gains nothing past a few requests, and each one more
 * costs CPU (a connection, a body out of the cache).  The window halves,
 * at least to 1, when the destination throttles: a ThrottlingException or
 * LimitExceededException, or throttled entries; once per round: answers
 * to requests sent before the last cut do not cut again.  A cut ends slow
 * start.
 */
#include <sys/epoll.h>

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "awsreq.h"
#include "backoff.h"
#include "base64.h"
#include "config.h"
#include "creds.h"
#include "deadletter.h"
#include "dest.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "problem.h"
#include "sender.h"
#include "sigv4.h"
#include "spool.h"
#include "state.h"
#include "xmalloc.h"

/* deadLetterMaxBytes's default. */
#define SENDER_DEADLETTER_MAX	(64ULL * 1024 * 1024)
/* Wait after the spool failed to read, before trying again. */
#define SENDER_READ_RETRY_MS	1000
/* A batch's body buffer larger than this is freed when the batch is. */
#define SENDER_KEEP_BODY	(1024 * 1024)
/* Probe ranges waiting in a bisection: 2 per level of 2^32 entries. */
#define SENDER_STACK		66
/*
 * The body is fed to the SigV4 hash in pieces of this size at least: one
 * EVP_DigestUpdate per entry cost a tenth more than the SHA-256 itself,
 * and 32 KiB of fresh entries are still in the L2 cache.
 */
#define SENDER_HASH_CHUNK	(32 * 1024)
/* A growth of the window must raise batches per second this much. */
#define SENDER_GAIN		1.1
/* A round's least length, for a rate measured to a few percent. */
#define SENDER_ROUND_MS		20
/* Rounds the window holds after a growth that bought nothing. */
#define SENDER_HOLD_ROUNDS	32
/* The window at start (a throttling may cut it to 1). */
#define SENDER_WINDOW_START	2
/* Requests signed again at once after a clock correction, per batch. */
#define SENDER_SKEW_TRIES	2

/* An entry's state during a bisection (sender_batch.failed). */
#define SENDER_ENTRY_DONE	0	/* accepted (or dead-lettered) */
#define SENDER_ENTRY_PENDING	1	/* to send */
#define SENDER_ENTRY_DEAD	2	/* refused alone for its content */

enum sender_state {
	SENDER_FREE,
	SENDER_FILLING,
	SENDER_SENDING,
	SENDER_BACKOFF,
	SENDER_DONE
};

/* An entry of the body: offset and length of its JSON object. */
struct sender_entry {
	uint32_t		 off;
	uint32_t		 len;
	uint32_t		 dlen;		/* data bytes: BytesSent */
};

/* Entries [lo, hi) of a batch, to probe. */
struct sender_range {
	uint32_t		 lo;
	uint32_t		 hi;
};

struct sender_batch {
	struct sender		*s;
	enum sender_state	 state;
	uint64_t		 seq;
	struct buf		 body;
	size_t			 prefix_len;
	/*
	 * The body's SHA-256 for SigV4, fed the entries as they are added
	 * (while they are in the cache) and kept for resends of the same body.
	 */
	struct sigv4_hash	*sha;
	size_t			 hashed;	/* body bytes in sha */
	int			 hash_done;	/* hash is the body's */
	char			 hash[SIGV4_HASH_HEX_LEN + 1];
	int			 finished;	/* suffix written */
	int			 full;		/* no more records */
	int			 partial;	/* some entries failed */
	struct sender_entry	*entries;	/* max_records of them */
	uint8_t			*failed;	/* max_records of them */
	size_t			 n;
	uint64_t		 bytes;		/* against limits */
	uint64_t		 first_ms;	/* oldest record seen at */
	struct spool_pos	 end;		/* after the last record */
	struct loop_timer	*retry;
	int			 skew_tries;	/* resent after a correction */
	uint64_t		 sent_seq;	/* s->nsent when last sent */
	unsigned int		 creds_gen;	/* that signed it */

	/* A bisection of entries refused for their content. */
	int			 bisect;
	struct buf		 probe;		/* the probe's request body */
	uint32_t		*pidx;		/* the probe's entries */
	uint8_t			*pfailed;	/* the probe's answer */
	size_t			 pn;
	uint32_t		 lo, hi;	/* the probe's range */
	struct sender_range	 stack[SENDER_STACK];
	size_t			 nstack;
	int			 content_seen;	/* refused for content */
	uint64_t		 content_since;	/* sender's nsuccess then */
	char			 why[640];	/* the first dead one's error */
	char			 why_code[DEST_CODE_MAX];
	int			 why_differ;	/* dead ones differ */
	int			 confirmed;	/* dead ones were tried twice */
};

struct sender {
	struct loop		*loop;
	struct http		*http;
	const struct config_flow *flow;
	struct spool		*spool;
	struct creds		*creds;
	struct metrics		*metrics;
	const struct dest_ops	*ops;
	struct dest_endpoint	 ep;
	const char		*name;

	size_t			 max_records;
	uint64_t		 max_bytes;
	size_t			 max_record;	/* data bytes */
	uint64_t		 max_age;

	struct backoff		*backoff;
	uint64_t		 hold_until;	/* no new batch before */
	uint64_t		 rng;
	struct spool_pos	 pos;		/* next record to read */
	struct sender_batch	*batches;
	size_t			 nbatch;	/* max_inflight + 1 */
	size_t			 max_inflight;	/* maxSendingThreads */
	double			 window;	/* AIMD: requests allowed */
	double			 ssthresh;	/* slow start below it */
	uint64_t		 round_ms;	/* when the round began */
	size_t			 round_done;	/* batches accepted in it */
	double			 prev_window;	/* before the last growth */
	double			 prev_rate;	/* batches/ms at prev_window */
	int			 hold_rounds;	/* no growth for so many */
	int			 starved;	/* a full batch waited */
	uint64_t		 nsent;		/* requests sent */
	uint64_t		 cut_seq;	/* nsent at the last cut */
	struct sender_batch	*filling;
	uint64_t		 next_seq;
	uint64_t		 ack_seq;
	int			 ninflight;
	uint64_t		 truncated;
	int			 read_failed;	/* p_read was reported */
	uint64_t		 nsuccess;	/* answers with acceptances */
	time_t			 skew;		/* AWS's clock less ours */
	struct deadletter	*dl;		/* NULL: no state directory */
	char			*dl_path;
	/* A content error found to be the request's, until a success. */
	char			 request_bad[DEST_CODE_MAX];
	uint64_t		 request_bad_mark;

	/* What the log and status say, each per STYLE rule 23. */
	struct problem		*p_fail;	/* requests fail whole */
	struct problem		*p_partial;	/* records refused */
	struct problem		*p_read;	/* the spool cannot be read */
	struct problem		*p_cursor;	/* acks cannot be saved */
	struct problem		*p_trunc;	/* records over the limit */
	struct problem		*p_operator;	/* an operator must act */
	struct problem		*p_skew;	/* our clock is off */
	struct problem		*p_dead;	/* records dead-lettered */
	struct problem		*p_dlfull;	/* ... and they cannot be */
	struct loop_timer	*health;	/* ticks them while active */

	void			(*drained)(void *); /* sender_drain's */
	void			*drained_arg;

	struct loop_timer	*wake;		/* age, hold, start */
	struct loop_timer	*read_retry;
	struct loop_timer	*cursor;
	atomic_int		 stopping;
	int			 paused;	/* sluicectl pause */
};

static void	sender_fill(struct sender *);
static void	sender_send(struct sender_batch *);
static void	sender_check_drained(struct sender *);
static void	sender_bisect_next(struct sender_batch *);

/*
 * Reports a failure of kind p (logged when it starts, then in a summary
 * every period: problem.h) and records it as the flow's last error.
 */
static void __attribute__((format(printf, 3, 4)))
sender_fail(struct sender *s, struct problem *p, const char *fmt, ...)
{
	char		msg[768];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	metrics_set_error(s->metrics, "%s", msg);
	if (p == s->p_fail || p == s->p_operator || p == s->p_dlfull)
		problem_set_waiting(p, spool_pending_bytes(s->spool),
		    "bytes waiting");
	problem_report(p, "%s", msg);
	if (!loop_timer_is_armed(s->health))
		loop_timer_set(s->health, PROBLEM_SETTLE_MS);
}

/*
 * While a problem lasts: its summaries, and its end once the successes
 * that cleared it have settled, come even when no request is made.
 */
static void
sender_health_cb(void *arg)
{
	struct sender	*s = arg;
	struct problem	*ps[] = { s->p_fail, s->p_partial, s->p_read,
	    s->p_cursor, s->p_trunc, s->p_operator, s->p_skew, s->p_dead,
	    s->p_dlfull };
	size_t		 i;
	int		 active = 0;

	for (i = 0; i < sizeof ps / sizeof ps[0]; i++) {
		problem_tick(ps[i]);
		active |= problem_is_active(ps[i]);
	}
	if (active)
		loop_timer_set(s->health, PROBLEM_SETTLE_MS);
}

/* Saves the cursor, and says so once when it cannot. */
static void
sender_save_cursor(struct sender *s)
{
	if (spool_save_cursor(s->spool) == -1)
		sender_fail(s, s->p_cursor, "writing the spool cursor: %s",
		    strerror(errno));
	else
		problem_clear(s->p_cursor);
}

static void
sender_wake_cb(void *arg)
{
	sender_fill(arg);
}

static void
sender_cursor_cb(void *arg)
{
	sender_save_cursor(arg);
}

static void
sender_spool_cb(int fd, uint32_t events, void *arg)
{
	struct sender	*s = arg;

	(void)fd;
	(void)events;
	spool_drain_fd(s->spool);
	sender_fill(s);
}

static void
sender_retry_cb(void *arg)
{
	struct sender_batch	*b = arg;

	/*
	 * A clean stop retries the entries the destination refused (such as
	 * throttled ones), else a restart would send their batch again; a
	 * request that failed whole is left to the restart.
	 */
	if (atomic_load(&b->s->stopping) &&
	    (b->s->drained == NULL || !b->partial))
		return;
	if (b->bisect) {
		sender_bisect_next(b);
		return;
	}
	b->state = SENDER_SENDING;
	sender_send(b);
}

/* Acknowledges the done batches at the head of the sequence. */
static void
sender_ack(struct sender *s)
{
	struct sender_batch	*b;
	struct spool_stats	 st;
	size_t			 i;
	int			 acked = 0;

	for (;;) {
		b = NULL;
		for (i = 0; i < s->nbatch; i++) {
			if (s->batches[i].state != SENDER_FREE &&
			    s->batches[i].seq == s->ack_seq) {
				b = &s->batches[i];
				break;
			}
		}
		if (b == NULL || b->state != SENDER_DONE)
			break;
		if (spool_ack(s->spool, &b->end) == -1)
			sender_fail(s, s->p_cursor, "spool ack: %s",
			    strerror(errno));
		else
			problem_clear(s->p_cursor);
		b->state = SENDER_FREE;
		b->n = 0;
		b->bisect = 0;
		b->skew_tries = 0;
		if (b->body.cap > SENDER_KEEP_BODY)
			buf_free(&b->body);
		if (b->probe.cap > SENDER_KEEP_BODY)
			buf_free(&b->probe);
		s->ack_seq++;
		acked = 1;
	}
	if (acked) {
		spool_stats(s->spool, &st);
		metrics_set(s->metrics, METRICS_SPOOL_BYTES, st.pending_bytes);
		metrics_set(s->metrics, METRICS_SPOOL_RECORDS,
		    st.pending_records);
		metrics_set(s->metrics, METRICS_SPOOL_OLDEST_MS, st.oldest_ms);
		/* spool_ack wrote the cursor; this timer syncs it. */
		if (!loop_timer_is_armed(s->cursor))
			loop_timer_set(s->cursor, SPOOL_CURSOR_MS + 10);
	}
}

/* Schedules b to be sent again after the flow's backoff. */
static void
sender_backoff(struct sender_batch *b, double weight)
{
	struct sender	*s = b->s;
	uint64_t	 delay;

	b->partial = weight < 1.0;
	delay = backoff_failure(s->backoff, weight);
	s->hold_until = loop_now_ms() + delay;
	b->state = SENDER_BACKOFF;
	loop_timer_set(b->retry, delay);
}

/*
 * Schedules b to be sent again at the maximum backoff: an operator must
 * fix something first, and until then, every request would fail alike.
 */
static void
sender_backoff_max(struct sender_batch *b)
{
	struct sender	*s = b->s;
	uint64_t	 delay;

	b->partial = 0;
	delay = backoff_max_delay(s->backoff);
	s->hold_until = loop_now_ms() + delay;
	b->state = SENDER_BACKOFF;
	loop_timer_set(b->retry, delay);
}

/* Starts b's body hash over: the body is new or was rewritten. */
static void
sender_hash_reset(struct sender_batch *b)
{
	sigv4_hash_reset(b->sha);
	b->hashed = 0;
	b->hash_done = 0;
}

/* Feeds b's hash the body bytes added since it was last fed. */
static void
sender_hash_more(struct sender_batch *b)
{
	sigv4_hash_update(b->sha, b->body.data + b->hashed,
	    b->body.len - b->hashed);
	b->hashed = b->body.len;
}

/* Keeps only b's failed entries, for a retry. */
static void
sender_keep_failed(struct sender_batch *b)
{
	char	*buf = b->body.data;
	size_t	 len = b->prefix_len, i, k = 0;

	for (i = 0; i < b->n; i++) {
		if (!b->failed[i])
			continue;
		if (k > 0)
			buf[len++] = ',';
		memmove(buf + len, buf + b->entries[i].off, b->entries[i].len);
		b->entries[k].off = (uint32_t)len;
		b->entries[k].len = b->entries[i].len;
		b->entries[k].dlen = b->entries[i].dlen;
		len += b->entries[i].len;
		k++;
	}
	b->body.len = len;
	b->n = k;
	b->finished = 0;
	sender_hash_reset(b);
}

/* Puts a range of b's entries on the probes still to send. */
static void
sender_push(struct sender_batch *b, uint32_t lo, uint32_t hi)
{
	/* Each split replaces one range by two halves: log2(n) deep. */
	if (b->nstack == SENDER_STACK)
		fatalx("sender: bisection stack overflow");
	b->stack[b->nstack].lo = lo;
	b->stack[b->nstack].hi = hi;
	b->nstack++;
}

/* The request b sends now: a probe while bisecting, else its body. */
static struct buf *
sender_request(struct sender_batch *b)
{
	return (b->bisect ? &b->probe : &b->body);
}

/* A request failed whole: the agent's ServiceErrors sample is 1. */
static void
sender_request_failed(struct sender *s)
{
	metrics_add(s->metrics, METRICS_REQUESTS_FAILED, 1);
	metrics_observe(s->metrics, METRICS_STAT_SERVICE_ERRORS, 1);
}

/*
 * AWS's messages end with a period, and ours go on after them: "not
 * found.; to fix" reads ill.
 */
static void
sender_drop_period(char *msg)
{
	size_t	n = strlen(msg);

	if (n > 0 && msg[n - 1] == '.')
		msg[n - 1] = '\0';
}

/* An error an operator must fix: loud, with the fix, retried slowly. */
static void
sender_operator(struct sender_batch *b, const char *type, const char *desc)
{
	struct sender	*s = b->s;
	char		 fix[512];

	dest_fix(s->ops, type, s->flow->stream, s->ep.region, fix, sizeof fix);
	sender_fail(s, s->p_operator, "%s: %s; to fix: %s", s->ops->api, desc,
	    fix);
	if (b->bisect)
		sender_push(b, b->lo, b->hi);
	sender_backoff_max(b);
}

/* A request failed whole for a passing cause: retried after the backoff. */
static void
sender_retry_later(struct sender_batch *b)
{
	if (b->bisect)
		sender_push(b, b->lo, b->hi);
	sender_backoff(b, 1.0);
}

/*
 * The destination throttled the request b sent: the window halves, once
 * per round of requests (those sent before the last cut do not count).
 */
static void
sender_throttled(struct sender_batch *b)
{
	struct sender	*s = b->s;

	if (b->sent_seq <= s->cut_seq)
		return;
	s->cut_seq = s->nsent;
	s->window /= 2;
	if (s->window < 1)
		s->window = 1;
	s->ssthresh = s->window;
	s->prev_window = s->window;
	s->prev_rate = 0;
	log_debug("flow=%s: throttled: %.1f requests in flight at most",
	    s->name, s->window);
}

/*
 * A batch was accepted: at the end of a round, the window grows if a full
 * batch waited for a slot, or takes back a growth that did not pay.
 */
static void
sender_window_grow(struct sender *s)
{
	uint64_t	now = loop_now_ms(), ms;
	double		rate;

	if (++s->round_done < (size_t)s->window)
		return;
	/*
	 * A round lasts SENDER_ROUND_MS at least: against an endpoint that
	 * answers at once a round of a few batches takes 3 to 5 ms, and its
	 * rate in whole milliseconds let a growth that bought nothing pass
	 * for one that did, one lucky round at a time.
	 */
	if ((ms = now - s->round_ms) < SENDER_ROUND_MS)
		return;
	rate = (double)s->round_done / (double)ms;
	s->round_ms = now;
	s->round_done = 0;
	if (s->hold_rounds > 0) {
		s->hold_rounds--;
		s->starved = 0;
		return;
	}
	if (s->prev_window < s->window &&
	    rate < s->prev_rate * SENDER_GAIN) {
		s->window = s->prev_window;
		s->hold_rounds = SENDER_HOLD_ROUNDS;
		s->starved = 0;
		return;
	}
	s->prev_window = s->window;
	s->prev_rate = rate;
	if (!s->starved)
		return;
	s->starved = 0;
	if (s->window < s->ssthresh)
		s->window *= 2;
	else
		s->window += 1;
	if (s->window > (double)s->max_inflight)
		s->window = (double)s->max_inflight;
}

/* 1 if code is an entry's throttling (not InternalFailure). */
static int
sender_is_throttling(const char *code)
{
	return (strcmp(code, "ProvisionedThroughputExceededException") == 0 ||
	    strcmp(code, "KMSThrottlingException") == 0 ||
	    strcmp(code, "ServiceUnavailableException") == 0);
}

/* The batch is acknowledged: it frees its slot once those before it are. */
static void
sender_batch_done(struct sender_batch *b)
{
	struct sender	*s = b->s;

	sender_window_grow(s);
	backoff_reset(s->backoff);
	s->hold_until = 0;
	b->bisect = 0;
	b->state = SENDER_DONE;
	s->ninflight--;
	sender_ack(s);
	sender_fill(s);
}

/* An answer accepted records: whatever failed before is not lasting. */
static void
sender_success(struct sender *s)
{
	s->nsuccess++;
	s->request_bad[0] = '\0';
	problem_clear(s->p_fail);
	problem_clear(s->p_operator);
	problem_clear(s->p_skew);
}

/*
 * Bisection: the pending entries of [lo, hi) were refused for their
 * content (type, desc).  Two or more are split in halves, each sent on its
 * own; one alone is dead.
 */
static void
sender_bisect_split(struct sender_batch *b, uint32_t lo, uint32_t hi,
    const char *type, const char *desc)
{
	uint32_t	i, m = 0, k = 0, mid = lo;

	for (i = lo; i < hi; i++)
		m += b->failed[i] == SENDER_ENTRY_PENDING;
	if (m == 0)
		return;
	if (m == 1) {
		for (i = lo; i < hi; i++)
			if (b->failed[i] == SENDER_ENTRY_PENDING)
				b->failed[i] = SENDER_ENTRY_DEAD;
		if (b->why[0] == '\0') {
			snprintf(b->why, sizeof b->why, "%s: %s",
			    b->s->ops->api, desc);
			snprintf(b->why_code, sizeof b->why_code, "%s", type);
		} else if (strcmp(b->why_code, type) != 0)
			b->why_differ = 1;
		return;
	}
	for (i = lo; i < hi; i++) {
		if (b->failed[i] != SENDER_ENTRY_PENDING)
			continue;
		if (++k > m / 2) {
			mid = i;
			break;
		}
	}
	/* The first half is sent first: it is on top. */
	sender_push(b, mid, hi);
	sender_push(b, lo, mid);
}

/* Starts a bisection of b, whose request was refused for its content. */
static void
sender_bisect_start(struct sender_batch *b, const char *type,
    const char *desc)
{
	size_t	i;

	if (!b->bisect) {
		b->bisect = 1;
		b->nstack = 0;
		b->why[0] = b->why_code[0] = '\0';
		b->why_differ = 0;
		b->confirmed = 0;
		/* Since the batch's first refusal, across retries. */
		if (!b->content_seen) {
			b->content_seen = 1;
			b->content_since = b->s->nsuccess;
		}
		for (i = 0; i < b->n; i++)
			b->failed[i] = SENDER_ENTRY_PENDING;
		b->lo = 0;
		b->hi = (uint32_t)b->n;
	}
	sender_bisect_split(b, b->lo, b->hi, type, desc);
	sender_bisect_next(b);
}

/*
 * Writes b's dead entries to the dead-letter file.  Returns 0, or -1 when
 * they cannot all be written (the file is full, or an I/O error): then
 * the flow waits, and the dead entries not written are tried again.
 */
static int
sender_bury(struct sender_batch *b, size_t *ndead)
{
	struct sender		*s = b->s;
	enum deadletter_result	 r = DEADLETTER_FAILED;
	uint64_t		 records, bytes;
	char			*data = NULL;
	ssize_t			 len;
	size_t			 i;

	*ndead = 0;
	for (i = 0; i < b->n; i++) {
		if (b->failed[i] != SENDER_ENTRY_DEAD)
			continue;
		data = xrealloc(data, base64_decoded_len_max(
		    b->entries[i].len) + 1);
		len = dest_entry_data(b->body.data + b->entries[i].off,
		    b->entries[i].len, data);
		if (len < 0)
			len = 0;
		if (s->dl == NULL) {
			errno = ENOENT;
			r = DEADLETTER_FAILED;
		} else
			r = deadletter_add(s->dl, b->why, data, (size_t)len);
		if (r != DEADLETTER_ADDED)
			break;
		b->failed[i] = SENDER_ENTRY_DONE;
		(*ndead)++;
	}
	free(data);
	if (s->dl != NULL && deadletter_sync(s->dl) == -1)
		r = DEADLETTER_FAILED;
	else if (i == b->n)
		r = DEADLETTER_ADDED;
	if (r == DEADLETTER_ADDED) {
		problem_clear(s->p_dlfull);
		return (0);
	}
	if (r == DEADLETTER_FULL) {
		deadletter_count(s->dl, &records, &bytes);
		sender_fail(s, s->p_dlfull, "the dead-letter file %s is full "
		    "(%llu records, %llu bytes): the flow is paused; fix the "
		    "records' cause, then `sluicectl state replay %s`, or "
		    "raise deadLetterMaxBytes", s->dl_path,
		    (unsigned long long)records, (unsigned long long)bytes,
		    s->name);
	} else
		sender_fail(s, s->p_dlfull, "the dead-letter file %s cannot "
		    "be written: %s: the flow is paused", s->dl_path,
		    strerror(errno));
	return (-1);
}

/* The bisection of b has tried every entry: bury the dead, or not. */
static void
sender_bisect_end(struct sender_batch *b)
{
	struct sender	*s = b->s;
	size_t		 i, ndead = 0, left = 0;

	for (i = 0; i < b->n; i++)
		left += b->failed[i] == SENDER_ENTRY_DEAD;
	if (left == 0) {
		sender_batch_done(b);
		return;
	}
	/*
	 * Every record refused alone the same way, and nothing accepted since
	 * the refusals began: the request is at fault (a wrong stream name, a
	 * limit), not its records.  An operator's error, retried whole.
	 */
	if (s->nsuccess == b->content_since && !b->why_differ) {
		snprintf(s->request_bad, sizeof s->request_bad, "%s",
		    b->why_code);
		s->request_bad_mark = s->nsuccess;
		for (i = 0; i < b->n; i++)
			b->failed[i] = b->failed[i] != SENDER_ENTRY_DONE;
		b->bisect = 0;
		sender_keep_failed(b);
		sender_operator(b, b->why_code, b->why);
		return;
	}
	/*
	 * Records refused alone while the destination refused everything for
	 * a while (a passing fault of the stream) would be buried wrongly:
	 * the dead ones are tried once more, alone, now that the destination
	 * accepted something.  A real poison record costs one more request.
	 */
	if (!b->confirmed) {
		b->confirmed = 1;
		b->why[0] = b->why_code[0] = '\0';
		b->why_differ = 0;
		for (i = 0; i < b->n; i++)
			if (b->failed[i] == SENDER_ENTRY_DEAD)
				b->failed[i] = SENDER_ENTRY_PENDING;
		sender_push(b, 0, (uint32_t)b->n);
		sender_bisect_next(b);
		return;
	}
	if (sender_bury(b, &ndead) == -1) {
		b->nstack = 0;
		sender_backoff_max(b);
		if (ndead > 0)
			metrics_add(s->metrics, METRICS_RECORDS_DEAD, ndead);
		return;
	}
	metrics_add(s->metrics, METRICS_RECORDS_DEAD, ndead);
	sender_fail(s, s->p_dead, "%zu record%s refused for %s content put "
	    "in %s (`sluicectl state replay %s` sends them again): %s", ndead,
	    ndead == 1 ? "" : "s", ndead == 1 ? "its" : "their", s->dl_path,
	    s->name, b->why);
	problem_clear(s->p_dead);
	sender_batch_done(b);
}

/* Sends b's next probe, or ends its bisection. */
static void
sender_bisect_next(struct sender_batch *b)
{
	struct sender	*s = b->s;
	uint32_t	 lo, hi, i;

	while (b->nstack > 0) {
		b->nstack--;
		lo = b->stack[b->nstack].lo;
		hi = b->stack[b->nstack].hi;
		b->pn = 0;
		for (i = lo; i < hi; i++)
			if (b->failed[i] == SENDER_ENTRY_PENDING)
				b->pidx[b->pn++] = i;
		if (b->pn == 0)
			continue;
		b->lo = lo;
		b->hi = hi;
		b->probe.len = 0;
		dest_body_reserve(&b->probe, b->prefix_len);
		memcpy(b->probe.data, b->body.data, b->prefix_len);
		b->probe.len = b->prefix_len;
		for (i = 0; i < b->pn; i++) {
			dest_body_reserve(&b->probe,
			    b->entries[b->pidx[i]].len + 1);
			if (i > 0)
				b->probe.data[b->probe.len++] = ',';
			memcpy(b->probe.data + b->probe.len, b->body.data +
			    b->entries[b->pidx[i]].off,
			    b->entries[b->pidx[i]].len);
			b->probe.len += b->entries[b->pidx[i]].len;
		}
		s->ops->finish(&b->probe);
		b->state = SENDER_SENDING;
		sender_send(b);
		return;
	}
	sender_bisect_end(b);
}

/* AWS says our clock is off: take its time from the Date header. */
static int
sender_skewed(struct sender_batch *b, const struct http_response *resp,
    const char *desc)
{
	struct sender	*s = b->s;
	time_t		 now = time(NULL);

	if (resp->date == 0 || b->skew_tries >= SENDER_SKEW_TRIES)
		return (0);
	b->skew_tries++;
	s->skew = resp->date - now;
	sender_fail(s, s->p_skew, "%s: %s: this host's clock is %+lld s off "
	    "AWS's (its Date header): signing with AWS's time; fix the clock "
	    "(NTP)", s->ops->api, desc, (long long)-s->skew);
	return (1);
}

static void
sender_done(const struct http_response *resp, struct sender_batch *b)
{
	struct sender		*s = b->s;
	struct dest_result	 res;
	char			 desc[512], type[DEST_CODE_MAX];
	char			 msg[DEST_MESSAGE_MAX], *cause = NULL;
	size_t			 n = b->bisect ? b->pn : b->n, i;
	uint8_t			*failed = b->bisect ? b->pfailed : b->failed;
	enum dest_class		 cls;
	uint64_t		 sent_bytes = 0;

	if (resp->status == 0) {
		sender_request_failed(s);
		metrics_count_error(s->metrics, "network", 1);
		/* An unknown region's endpoint has no name. */
		if (resp->host_unknown) {
			snprintf(desc, sizeof desc, "%s (%s)", resp->error,
			    s->ep.url);
			sender_operator(b, "UnknownHost", desc);
			return;
		}
		sender_fail(s, s->p_fail, "%s: %s (%s); retried: check that "
		    "the endpoint is up and can be reached from here",
		    s->ops->api, resp->error, s->ep.url);
		sender_retry_later(b);
		return;
	}
	if (resp->status != 200) {
		sender_request_failed(s);
		dest_error_fields(resp->error_type, resp->body, resp->body_len,
		    type, msg);
		if (type[0] == '\0')
			snprintf(type, sizeof type, "HTTP %ld", resp->status);
		metrics_count_error(s->metrics, type, 1);
		dest_describe_error(resp->status, resp->error_type, resp->body,
		    resp->body_len, desc, sizeof desc);
		sender_drop_period(desc);
		cls = dest_classify(resp->status, type, msg);
		if (cls == DEST_CONTENT && s->request_bad[0] != '\0' &&
		    strcmp(s->request_bad, type) == 0 &&
		    s->nsuccess == s->request_bad_mark)
			cls = DEST_OPERATOR;	/* known: the request's */
		/* Refused keys may be rotated ones: a refresh, then retry. */
		if (cls != DEST_SKEWED &&
		    creds_report(s->creds, type, b->creds_gen) ==
		    CREDS_REFRESHING &&
		    cls == DEST_OPERATOR) {
			sender_fail(s, s->p_fail, "%s: %s; retrying with "
			    "refreshed AWS credentials", s->ops->api, desc);
			sender_retry_later(b);
			return;
		}
		switch (cls) {
		case DEST_SKEWED:
			if (sender_skewed(b, resp, desc)) {
				if (b->bisect) {
					sender_push(b, b->lo, b->hi);
					sender_bisect_next(b);
				} else
					sender_send(b);
				return;
			}
			break;
		case DEST_OPERATOR:
			sender_operator(b, type, desc);
			return;
		case DEST_CONTENT:
			sender_bisect_start(b, type, desc);
			return;
		case DEST_THROTTLED:
			sender_throttled(b);
			break;
		default:
			break;
		}
		sender_fail(s, s->p_fail, "%s: %s", s->ops->api, desc);
		sender_retry_later(b);
		return;
	}
	if (s->ops->parse(resp->body, resp->body_len, n, failed, &res,
	    &cause) == -1) {
		sender_request_failed(s);
		metrics_count_error(s->metrics, "malformedAnswer", 1);
		sender_fail(s, s->p_fail, "%s: HTTP 200: %s", s->ops->api,
		    cause);
		free(cause);
		sender_retry_later(b);
		return;
	}
	/* The request went through, whatever its entries say. */
	b->skew_tries = 0;
	if (res.nfailed < n)
		sender_success(s);
	else
		problem_clear(s->p_fail);
	metrics_add(s->metrics, METRICS_RECORDS_SENT, n - res.nfailed);
	for (i = 0; i < n; i++)
		if (!failed[i])
			sent_bytes += b->entries[b->bisect ? b->pidx[i] : i].dlen;
	metrics_add(s->metrics, METRICS_BYTES_SENT, sent_bytes);
	/* The agent's samples of an answer (metrics.h). */
	metrics_observe(s->metrics, METRICS_STAT_SERVICE_ERRORS, 0);
	metrics_observe(s->metrics, METRICS_STAT_SENT, n - res.nfailed);
	metrics_observe(s->metrics, METRICS_STAT_ERRORS, res.nfailed);
	metrics_observe(s->metrics, METRICS_STAT_BYTES, sent_bytes);
	for (i = 0; i < res.ncodes; i++) {
		metrics_count_error(s->metrics, res.codes[i].code,
		    res.codes[i].n);
		if (sender_is_throttling(res.codes[i].code))
			sender_throttled(b);
	}
	if (b->bisect) {
		for (i = 0; i < n; i++)
			if (!failed[i])
				b->failed[b->pidx[i]] = SENDER_ENTRY_DONE;
	}
	if (res.nfailed > 0) {
		metrics_add(s->metrics, METRICS_RECORDS_FAILED, res.nfailed);
		sender_drop_period(res.message);
		sender_fail(s, s->p_partial, "%s: %zu of %zu records failed: "
		    "%s%s%s; retried%s",
		    s->ops->api, res.nfailed, n, res.code,
		    res.message[0] != '\0' ? ": " : "", res.message,
		    sender_is_throttling(res.code) ? ": the stream is at its "
		    "write limits; if it lasts, add shards (or capacity)" : "");
		if (b->bisect)
			sender_push(b, b->lo, b->hi);
		else
			sender_keep_failed(b);
		sender_backoff(b, (double)res.nfailed / (double)n);
		return;
	}
	problem_clear(s->p_partial);
	if (b->bisect) {
		sender_bisect_next(b);
		return;
	}
	sender_batch_done(b);
}

static void
sender_done_cb(const struct http_response *resp, void *arg)
{
	struct sender_batch	*b = arg;

	sender_done(resp, b);
	if (atomic_load(&b->s->stopping))
		sender_check_drained(b->s);
}

/*
 * Signs and posts b.  A failure to do so (expired credentials, libcurl)
 * is handled like a failed request: backoff and retry.
 */
static void
sender_send(struct sender_batch *b)
{
	struct sender			*s = b->s;
	struct awsreq			 ar;
	struct curl_slist		*h = NULL;
	struct buf			*req;
	char				*cause = NULL;
	size_t				 n = b->bisect ? b->pn : b->n;

	if (!b->bisect && !b->finished) {
		s->ops->finish(&b->body);
		b->finished = 1;
	}
	if (!b->bisect && !b->hash_done) {
		sender_hash_more(b);
		sigv4_hash_final(b->sha, b->hash);
		b->hash_done = 1;
	}
	req = sender_request(b);
	/* AWS's time, as the SDKs keep it, once it said ours was off. */
	awsreq_init(&ar, &s->ep, s->ops->service, s->ops->target,
	    AWSREQ_JSON_TYPE, req->data, req->len, time(NULL) + s->skew);
	/* A probe is hashed by the signer: it is sent once. */
	ar.call.payload_hash = b->bisect ? NULL : b->hash;
	b->creds_gen = creds_generation(s->creds);
	if (creds_sign(s->creds, &ar.call, &h, &cause) == -1) {
		sender_fail(s, s->p_fail, "%s: %s", s->ops->api, cause);
		free(cause);
		sender_retry_later(b);
		return;
	}

	metrics_add(s->metrics, METRICS_REQUESTS_SENT, 1);
	metrics_add(s->metrics, METRICS_RECORDS_ATTEMPTED, n);
	metrics_observe(s->metrics, METRICS_STAT_ATTEMPTS, n);
	b->sent_seq = ++s->nsent;
	/* http_post owns h from here, on failure too. */
	if (http_post(s->http, s->ep.url, h, req->data, req->len,
	    sender_done_cb, b) == -1) {
		h = NULL;
		goto fail;
	}
	return;
fail:
	sigv4_slist_free(h);
	sender_request_failed(s);
	sender_fail(s, s->p_fail, "%s: cannot start the request",
	    s->ops->api);
	sender_retry_later(b);
}

/* Sends the filling batch if a slot and the backoff allow.  Returns 1 if so. */
static int
sender_start(struct sender *s, uint64_t now)
{
	struct sender_batch	*b = s->filling;

	if (atomic_load(&s->stopping) || s->paused)
		return (0);
	if (s->ninflight >= (int)s->window) {
		s->starved = 1;
		return (0);
	}
	if (now < s->hold_until) {
		loop_timer_set(s->wake, s->hold_until - now);
		return (0);
	}
	s->filling = NULL;
	s->ninflight++;
	b->state = SENDER_SENDING;
	sender_send(b);
	return (1);
}

/* Takes a free slot for a new batch, or returns NULL. */
static struct sender_batch *
sender_new_batch(struct sender *s)
{
	struct sender_batch	*b;
	size_t			 i;

	for (i = 0; i < s->nbatch; i++) {
		b = &s->batches[i];
		if (b->state != SENDER_FREE)
			continue;
		b->state = SENDER_FILLING;
		b->seq = s->next_seq++;
		b->n = 0;
		b->bytes = 0;
		b->full = 0;
		b->finished = 0;
		b->body.len = 0;
		sender_hash_reset(b);
		b->bisect = 0;
		b->content_seen = 0;
		b->skew_tries = 0;
		return (b);
	}
	return (NULL);
}

/*
 * Moves records from the spool into batches and starts those that are
 * full or old enough.  The work is bounded by the free slots.
 */
static void
sender_fill(struct sender *s)
{
	struct sender_batch	*b;
	struct spool_pos	 next;
	const void		*data;
	size_t			 len, cost, off;
	uint64_t		 now, age;
	enum spool_read_result	 r;
	int			 cut = 0;

	if (atomic_load(&s->stopping))
		return;
	now = loop_now_ms();
	for (;;) {
		if ((b = s->filling) == NULL) {
			if ((b = sender_new_batch(s)) == NULL)
				return;
			s->filling = b;
		}
		if (b->full) {
			if (!sender_start(s, now))
				return;
			continue;
		}
		r = spool_read(s->spool, &s->pos, &data, &len, &next);
		if (r == SPOOL_EMPTY)
			break;
		if (r == SPOOL_ERROR) {
			s->read_failed = 1;
			sender_fail(s, s->p_read, "spool read: %s%s",
			    strerror(errno), errno == EACCES ? ": the flow's "
			    "state directory (in the log at start) must belong "
			    "to the user sluiced runs as" : "");
			loop_timer_set(s->read_retry, SENDER_READ_RETRY_MS);
			break;
		}
		if (s->read_failed) {
			s->read_failed = 0;
			problem_clear(s->p_read);
		}
		if (len > s->max_record) {
			/* The framer keeps records smaller; never send one
			 * the destination would refuse forever. */
			s->truncated++;
			cut = 1;
			sender_fail(s, s->p_trunc, "record of %zu bytes "
			    "truncated to %zu (%llu so far)", len,
			    s->max_record, (unsigned long long)s->truncated);
			len = s->max_record;
		}
		cost = len + s->ops->key_max;
		if (b->n > 0 && (b->n >= s->max_records ||
		    b->bytes + cost > s->max_bytes)) {
			b->full = 1;
			continue;
		}
		if (b->n == 0) {
			s->ops->begin(&b->body, s->flow->stream);
			b->prefix_len = b->body.len;
			b->first_ms = now;
		} else {
			dest_body_reserve(&b->body, 1);
			b->body.data[b->body.len++] = ',';
		}
		off = b->body.len;
		b->bytes += s->ops->add(&b->body, data, len, &s->rng,
		    s->flow->partition_key == CONFIG_PARTITION_DETERMINISTIC);
		b->entries[b->n].off = (uint32_t)off;
		b->entries[b->n].len = (uint32_t)(b->body.len - off);
		b->entries[b->n].dlen = (uint32_t)len;
		if (b->body.len - b->hashed >= SENDER_HASH_CHUNK)
			sender_hash_more(b);
		b->n++;
		b->end = next;
		s->pos = next;
		if (b->n >= s->max_records)
			b->full = 1;
	}

	if (!cut)
		problem_clear(s->p_trunc);

	/* The spool has nothing more for now. */
	if ((b = s->filling) == NULL || b->n == 0)
		return;
	age = now - b->first_ms;
	if (age >= s->max_age) {
		b->full = 1;
		(void)sender_start(s, now);
	} else
		loop_timer_set(s->wake, s->max_age - age);
}

struct sender *
sender_create(struct loop *loop, struct http *http, const struct config *cfg,
    const struct config_flow *flow, struct spool *spool, struct creds *creds,
    struct metrics *metrics, char **cause)
{
	struct sender		*s;
	struct sender_batch	*b;
	struct dest_limits	 lim;
	char			*who, *dir;
	uint64_t		 period;
	size_t			 i;

	s = xcalloc(1, sizeof *s);
	s->loop = loop;
	s->http = http;
	s->flow = flow;
	s->spool = spool;
	s->creds = creds;
	s->metrics = metrics;
	s->name = metrics_name(metrics);
	if ((s->ops = dest_find(flow->dest)) == NULL) {
		xasprintf(cause, "flow %s: unknown destination", s->name);
		free(s);
		return (NULL);
	}
	if (dest_endpoint_init(&s->ep, s->ops, cfg, cause) == -1) {
		free(s);
		return (NULL);
	}

	xasprintf(&who, "flow=%s stream=%s", s->name, flow->stream);
	period = cfg->status_period_s > 0 ? (uint64_t)cfg->status_period_s : 0;
	s->p_fail = metrics_add_problem(metrics, who, "delivery failing",
	    period);
	s->p_partial = metrics_add_problem(metrics, who, "records refused",
	    period);
	s->p_read = metrics_add_problem(metrics, who, "spool unreadable",
	    period);
	s->p_cursor = metrics_add_problem(metrics, who,
	    "acknowledgements not saved", period);
	s->p_trunc = metrics_add_problem(metrics, who,
	    "records over the record limit truncated", period);
	s->p_operator = metrics_add_problem(metrics, who,
	    "delivery refused", period);
	s->p_skew = metrics_add_problem(metrics, who, "clock skewed", period);
	s->p_dead = metrics_add_problem(metrics, who,
	    "records dead-lettered", period);
	s->p_dlfull = metrics_add_problem(metrics, who,
	    "dead letters cannot be kept: flow paused", period);
	free(who);


	dest_limits(s->ops, flow, &lim);
	s->max_records = lim.max_records;
	s->max_bytes = lim.max_request_bytes;
	s->max_record = lim.max_record;
	s->max_age = flow->max_buffer_age_ms > 0 ?
	    (uint64_t)flow->max_buffer_age_ms : 0;

	s->rng = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^
	    (uint64_t)(uintptr_t)s ^ loop_now_ms();
	s->backoff = backoff_create(flow->retry_initial_backoff_ms > 0 ?
	    (uint64_t)flow->retry_initial_backoff_ms : 100,
	    flow->retry_max_backoff_ms > 0 ?
	    (uint64_t)flow->retry_max_backoff_ms : 10000, s->rng);

	s->max_inflight = cfg->max_sending_threads > 0 ?
	    (size_t)cfg->max_sending_threads : SENDER_MAX_INFLIGHT;
	s->window = s->max_inflight < SENDER_WINDOW_START ?
	    (double)s->max_inflight : SENDER_WINDOW_START;
	s->ssthresh = (double)s->max_inflight;
	s->prev_window = s->window;
	s->round_ms = loop_now_ms();
	s->nbatch = s->max_inflight + 1;
	s->batches = xcalloc(s->nbatch, sizeof *s->batches);
	for (i = 0; i < s->nbatch; i++) {
		b = &s->batches[i];
		b->s = s;
		b->state = SENDER_FREE;
		buf_init(&b->body, dest_body_max(s->ops, &lim, flow->stream));
		b->sha = sigv4_hash_new();
		b->entries = xcalloc(s->max_records, sizeof *b->entries);
		b->failed = xcalloc(s->max_records, sizeof *b->failed);
		b->retry = loop_timer_new(loop, sender_retry_cb, b);
		buf_init(&b->probe, dest_body_max(s->ops, &lim, flow->stream));
		b->pidx = xcalloc(s->max_records, sizeof *b->pidx);
		b->pfailed = xcalloc(s->max_records, sizeof *b->pfailed);
	}
	s->wake = loop_timer_new(loop, sender_wake_cb, s);
	s->read_retry = loop_timer_new(loop, sender_wake_cb, s);
	s->cursor = loop_timer_new(loop, sender_cursor_cb, s);
	s->health = loop_timer_new(loop, sender_health_cb, s);
	spool_cursor(spool, &s->pos);
	if (loop_add_fd(loop, spool_fd(spool), EPOLLIN, sender_spool_cb,
	    s) == -1) {
		xasprintf(cause, "flow %s: cannot watch the spool: %s",
		    s->name, strerror(errno));
		sender_free(s);
		return (NULL);
	}
	/* Without a state directory (a test) there is no dead-letter file. */
	if (cfg->state_directory != NULL) {
		xasprintf(&dir, "%s/%s/%s", cfg->state_directory,
		    STATE_FLOWS_DIR, s->name);
		s->dl = deadletter_open(dir, flow->dead_letter_max_bytes > 0 ?
		    (uint64_t)flow->dead_letter_max_bytes :
		    SENDER_DEADLETTER_MAX, cause);
		xasprintf(&s->dl_path, "%s/" DEADLETTER_FILE, dir);
		free(dir);
		if (s->dl == NULL) {
			sender_free(s);
			return (NULL);
		}
	} else
		s->dl_path = xstrdup("(no state directory)");
	/* Records left from a previous run are read on the loop's thread. */
	loop_timer_set(s->wake, 0);
	log_debug("flow=%s stream=%s: %s to %s (region %s)", s->name,
	    flow->stream, s->ops->api, s->ep.url, s->ep.region);
	return (s);
}

void
sender_shutdown(struct sender *s)
{
	atomic_store(&s->stopping, 1);
}

/*
 * How many of s's requests are in flight: posted and not answered, or
 * waiting to retry refused entries, or with all 1, to retry at all.
 */
static size_t
sender_count_sending(struct sender *s, int all, uint64_t *records)
{
	struct sender_batch	*b;
	size_t			 i, n = 0;

	*records = 0;
	for (i = 0; i < s->nbatch; i++) {
		b = &s->batches[i];
		if (b->state != SENDER_SENDING && (b->state != SENDER_BACKOFF ||
		    (!all && !b->partial)))
			continue;
		n++;
		*records += b->n;
	}
	return (n);
}

/* While draining: tells the drainer once nothing is in flight. */
static void
sender_check_drained(struct sender *s)
{
	void		(*cb)(void *);
	uint64_t	 records;

	if (s->drained == NULL || sender_count_sending(s, 0, &records) > 0)
		return;
	cb = s->drained;
	s->drained = NULL;
	cb(s->drained_arg);
}

void
sender_drain(struct sender *s, void (*drained)(void *), void *arg)
{
	atomic_store(&s->stopping, 1);
	loop_timer_cancel(s->wake);
	loop_timer_cancel(s->read_retry);
	s->drained = drained;
	s->drained_arg = arg;
	sender_check_drained(s);
}

size_t
sender_finish(struct sender *s)
{
	uint64_t	records, cut_records;
	size_t		n, cut, i;

	s->drained = NULL;
	for (i = 0; i < s->nbatch; i++)
		loop_timer_cancel(s->batches[i].retry);
	loop_timer_cancel(s->cursor);
	sender_save_cursor(s);
	cut = sender_count_sending(s, 0, &cut_records);
	if ((n = sender_count_sending(s, 1, &records)) > 0)
		log_warnx("flow=%s stream=%s: stopped with %zu request%s "
		    "(%llu records) not acknowledged, %zu of them cut short "
		    "by shutdownTimeoutMillis; they will be sent again after "
		    "a restart", s->name, s->flow->stream, n, n == 1 ? "" :
		    "s", (unsigned long long)records, cut);
	return (cut);
}

void
sender_pause(struct sender *s, int paused)
{
	s->paused = paused;
	/* The batches that waited start, as the window allows. */
	if (!paused && !atomic_load(&s->stopping))
		loop_timer_set(s->wake, 0);
}

int
sender_is_paused(struct sender *s)
{
	return (s->paused);
}

/*
 * The age limit is lifted for one pass of sender_fill: it reads what the
 * spool holds and starts every batch the window takes, the last one
 * however young.
 */
size_t
sender_flush(struct sender *s)
{
	uint64_t	max_age = s->max_age, before = s->nsent;

	if (atomic_load(&s->stopping))
		return (0);
	s->max_age = 0;
	sender_fill(s);
	s->max_age = max_age;
	if (s->filling != NULL && s->filling->n > 0)
		s->filling->full = 1;	/* goes out once a slot frees */
	return ((size_t)(s->nsent - before));
}

int64_t
sender_replay(struct sender *s, char **cause)
{
	int64_t	n;

	if (s->dl == NULL) {
		xasprintf(cause, "flow %s has no dead-letter file", s->name);
		return (-1);
	}
	if ((n = deadletter_take(s->dl, cause)) == -1)
		return (-1);
	problem_clear(s->p_dlfull);
	log_info("flow=%s stream=%s: %lld dead letter%s to replay", s->name,
	    s->flow->stream, (long long)n, n == 1 ? "" : "s");
	/* A batch paused on a full file tries again at once. */
	sender_fill(s);
	return (n);
}

void
sender_free(struct sender *s)
{
	struct sender_batch	*b;
	size_t			 i;

	if (s == NULL)
		return;
	loop_del_fd(s->loop, spool_fd(s->spool));
	for (i = 0; i < s->nbatch; i++) {
		b = &s->batches[i];
		http_cancel(s->http, b);
		loop_timer_free(b->retry);
		buf_free(&b->body);
		buf_free(&b->probe);
		sigv4_hash_free(b->sha);
		free(b->entries);
		free(b->failed);
		free(b->pidx);
		free(b->pfailed);
	}
	free(s->batches);
	deadletter_close(s->dl);
	free(s->dl_path);
	loop_timer_free(s->wake);
	loop_timer_free(s->read_retry);
	loop_timer_free(s->cursor);
	loop_timer_free(s->health);
	backoff_free(s->backoff);
	dest_endpoint_clear(&s->ep);
	free(s);
}
