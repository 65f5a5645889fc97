/*
 * sender: see sender.h.
 *
 * A flow has SENDER_NBATCH batch slots.  At most one is FILLING, taking
 * records from the spool; up to SENDER_MAX_INFLIGHT are SENDING or in
 * BACKOFF, waiting to be retried; DONE ones wait for the batches before
 * them to be done too.  Batches cover contiguous ranges of spool
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

#include "backoff.h"
#include "config.h"
#include "creds.h"
#include "dest.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "problem.h"
#include "sender.h"
#include "sigv4.h"
#include "spool.h"
#include "xmalloc.h"

#define SENDER_NBATCH		(SENDER_MAX_INFLIGHT + 1)
/* Wait after the spool failed to read, before trying again. */
#define SENDER_READ_RETRY_MS	1000
/* A batch's body buffer larger than this is freed when the batch is. */
#define SENDER_KEEP_BODY	(1024 * 1024)

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

struct sender_batch {
	struct sender		*s;
	enum sender_state	 state;
	uint64_t		 seq;
	struct buf		 body;
	size_t			 prefix_len;
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
	struct sender_batch	 batches[SENDER_NBATCH];
	struct sender_batch	*filling;
	uint64_t		 next_seq;
	uint64_t		 ack_seq;
	int			 ninflight;
	uint64_t		 truncated;
	int			 read_failed;	/* p_read was reported */

	/* What the log and status say, each per STYLE rule 23. */
	struct problem		*p_fail;	/* requests fail whole */
	struct problem		*p_partial;	/* records refused */
	struct problem		*p_read;	/* the spool cannot be read */
	struct problem		*p_cursor;	/* acks cannot be saved */
	struct problem		*p_trunc;	/* records over the limit */
	struct loop_timer	*health;	/* ticks them while active */

	void			(*drained)(void *); /* sender_drain's */
	void			*drained_arg;

	struct loop_timer	*wake;		/* age, hold, start */
	struct loop_timer	*read_retry;
	struct loop_timer	*cursor;
	atomic_int		 stopping;
};

static void	sender_fill(struct sender *);
static void	sender_send(struct sender_batch *);
static void	sender_check_drained(struct sender *);

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
	if (p == s->p_fail)
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
	    s->p_cursor, s->p_trunc };
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
		for (i = 0; i < SENDER_NBATCH; i++) {
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
		if (b->body.cap > SENDER_KEEP_BODY)
			buf_free(&b->body);
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
}

static void
sender_done(const struct http_response *resp, struct sender_batch *b)
{
	struct sender		*s = b->s;
	struct dest_result	 res;
	char			 desc[512], *cause = NULL;
	size_t			 n = b->n, i;
	uint64_t		 sent_bytes = 0;

	if (resp->status == 0) {
		metrics_add(s->metrics, METRICS_REQUESTS_FAILED, 1);
		sender_fail(s, s->p_fail, "%s: %s", s->ops->api, resp->error);
		sender_backoff(b, 1.0);
		return;
	}
	if (resp->status != 200) {
		metrics_add(s->metrics, METRICS_REQUESTS_FAILED, 1);
		creds_report(s->creds, resp->error_type);
		dest_describe_error(resp->status, resp->error_type, resp->body,
		    resp->body_len, desc, sizeof desc);
		sender_fail(s, s->p_fail, "%s: %s", s->ops->api, desc);
		sender_backoff(b, 1.0);
		return;
	}
	if (s->ops->parse(resp->body, resp->body_len, n, b->failed, &res,
	    &cause) == -1) {
		metrics_add(s->metrics, METRICS_REQUESTS_FAILED, 1);
		sender_fail(s, s->p_fail, "%s: HTTP 200: %s", s->ops->api,
		    cause);
		free(cause);
		sender_backoff(b, 1.0);
		return;
	}
	/* The request went through, whatever its entries say. */
	problem_clear(s->p_fail);
	metrics_add(s->metrics, METRICS_RECORDS_SENT, n - res.nfailed);
	for (i = 0; i < n; i++)
		sent_bytes += b->failed[i] ? 0 : b->entries[i].dlen;
	metrics_add(s->metrics, METRICS_BYTES_SENT, sent_bytes);
	if (res.nfailed > 0) {
		metrics_add(s->metrics, METRICS_RECORDS_FAILED, res.nfailed);
		sender_fail(s, s->p_partial, "%s: %zu of %zu records failed: "
		    "%s%s%s",
		    s->ops->api, res.nfailed, n, res.code,
		    res.message[0] != '\0' ? ": " : "", res.message);
		sender_keep_failed(b);
		sender_backoff(b, (double)res.nfailed / (double)n);
		return;
	}

	backoff_reset(s->backoff);
	s->hold_until = 0;
	problem_clear(s->p_partial);
	b->state = SENDER_DONE;
	s->ninflight--;
	sender_ack(s);
	sender_fill(s);
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
	struct sigv4_header		 sh[2];
	struct sigv4_call		 call;
	struct curl_slist		*h = NULL;
	char				*cause = NULL;

	if (!b->finished) {
		s->ops->finish(&b->body);
		b->finished = 1;
	}
	sh[0] = (struct sigv4_header){ "X-Amz-Target", s->ops->target };
	sh[1] = (struct sigv4_header){ "Content-Type",
	    "application/x-amz-json-1.1" };
	memset(&call, 0, sizeof call);
	call.method = "POST";
	call.host = s->ep.host;
	call.path = s->ep.path;
	call.headers = sh;
	call.nheaders = 2;
	call.body = b->body.data;
	call.body_len = b->body.len;
	call.region = s->ep.region;
	call.service = s->ops->service;
	call.now = time(NULL);
	if (creds_sign(s->creds, &call, &h, &cause) == -1) {
		sender_fail(s, s->p_fail, "%s: %s", s->ops->api, cause);
		free(cause);
		sender_backoff(b, 1.0);
		return;
	}

	metrics_add(s->metrics, METRICS_REQUESTS_SENT, 1);
	metrics_add(s->metrics, METRICS_RECORDS_ATTEMPTED, b->n);
	/* http_post owns h from here, on failure too. */
	if (http_post(s->http, s->ep.url, h, b->body.data, b->body.len,
	    sender_done_cb, b) == -1) {
		h = NULL;
		goto fail;
	}
	return;
fail:
	sigv4_slist_free(h);
	metrics_add(s->metrics, METRICS_REQUESTS_FAILED, 1);
	sender_fail(s, s->p_fail, "%s: cannot start the request",
	    s->ops->api);
	sender_backoff(b, 1.0);
}

/* Sends the filling batch if a slot and the backoff allow.  Returns 1 if so. */
static int
sender_start(struct sender *s, uint64_t now)
{
	struct sender_batch	*b = s->filling;

	if (atomic_load(&s->stopping) || s->ninflight >= SENDER_MAX_INFLIGHT)
		return (0);
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

	for (i = 0; i < SENDER_NBATCH; i++) {
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
			sender_fail(s, s->p_read, "spool read: %s",
			    strerror(errno));
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
	char			*who;
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

	for (i = 0; i < SENDER_NBATCH; i++) {
		b = &s->batches[i];
		b->s = s;
		b->state = SENDER_FREE;
		buf_init(&b->body, dest_body_max(s->ops, &lim, flow->stream));
		b->entries = xcalloc(s->max_records, sizeof *b->entries);
		b->failed = xcalloc(s->max_records, sizeof *b->failed);
		b->retry = loop_timer_new(loop, sender_retry_cb, b);
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
	for (i = 0; i < SENDER_NBATCH; i++) {
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
	for (i = 0; i < SENDER_NBATCH; i++)
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
sender_free(struct sender *s)
{
	struct sender_batch	*b;
	size_t			 i;

	if (s == NULL)
		return;
	loop_del_fd(s->loop, spool_fd(s->spool));
	for (i = 0; i < SENDER_NBATCH; i++) {
		b = &s->batches[i];
		http_cancel(s->http, b);
		loop_timer_free(b->retry);
		buf_free(&b->body);
		free(b->entries);
		free(b->failed);
	}
	loop_timer_free(s->wake);
	loop_timer_free(s->read_retry);
	loop_timer_free(s->cursor);
	loop_timer_free(s->health);
	backoff_free(s->backoff);
	dest_endpoint_clear(&s->ep);
	free(s);
}
