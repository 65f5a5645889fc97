/*
 * test_sender: real senders deliver a real spool to HTTP endpoints on
 * 127.0.0.1, and every record arrives intact exactly once.
 *
 * The first tests run an endpoint inside this program (a thread speaking
 * just enough HTTP/1.1 and the PutRecords / PutRecordBatch JSON), which
 * throttles a share of entries and answers some requests with 500, 400,
 * garbage or the wrong number of entries, so that partial failures and
 * whole-batch retries are both exercised deterministically.  It also
 * checks the batch limits and the signed headers on every request.
 * test_fakeaws runs tests/fakeaws/fakeaws (or $FAKEAWS), and fails if it
 * was not built (tests/README.md).  The last test checks http.c's limit on
 * a response body.  Every test is bounded by a deadline.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf, memmem, nftw */
#endif

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "base64.h"
#include "config.h"
#include "creds.h"
#include "http.h"
#include "httpd.h"
#include "loop.h"
#include "metrics.h"
#include "sender.h"
#include "sigv4.h"
#include "spool.h"
#include "test_util.h"

#define DEADLINE_MS	30000
#define FAKE_MAXCONN	8
#define FAKE_MAXREQ	(16 * 1024 * 1024)

/* The records a test spools: "rec NNNNNN " then pseudo-random bytes. */
struct records {
	unsigned char	**data;
	size_t		 *len;
	size_t		  n;
};

/* The in-process endpoint. */
struct fake {
	int		 lfd;
	int		 port;
	int		 stop[2];
	pthread_t	 thr;
	pthread_mutex_t	 mtx;
	const struct records *recs;
	const char	*target;	/* expected X-Amz-Target */
	const char	*array;		/* entries in responses */
	int		 want_token;	/* X-Amz-Security-Token */
	double		 throttle;	/* share of entries failed */
	int		 fail_every;	/* every Nth request fails */
	size_t		 trunc_to;	/* longer records are cut */
	uint64_t	 rng;
	/* Results, under mtx. */
	unsigned	*count;		/* per record index */
	unsigned	 requests;
	unsigned	 whole_failures;
	unsigned	 throttled;
	unsigned	 bad;		/* protocol or content errors */
	size_t		 max_entries;
	size_t		 max_bytes;
	/*
	 * Out of order: answers are held until this many are, or until the
	 * fake has been idle 20 ms, then sent last first (0: at once).
	 */
	int		 reorder;
	struct {
		int	 fd;
		char	*out;
		size_t	 n;
	}		 held[FAKE_MAXCONN];
	size_t		 nheld;
	size_t		 max_held;	/* requests in flight, seen */
	unsigned	 reordered;	/* answers sent out of order */
};

/* The fake whose answers reply() holds, or NULL (its thread only). */
static struct fake	*reply_holder;

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 0x2545f4914f6cdd1dULL);
}

static void
records_make(struct records *r, size_t n, size_t first, uint64_t seed,
    size_t maxlen)
{
	size_t	i, j;

	r->data = calloc(n, sizeof *r->data);
	r->len = calloc(n, sizeof *r->len);
	r->n = n;
	for (i = 0; i < n; i++) {
		r->len[i] = 11 + rnd(&seed) % maxlen;
		r->data[i] = malloc(r->len[i] + 1);
		snprintf((char *)r->data[i], 12, "rec %06zu ", first + i);
		for (j = 11; j < r->len[i]; j++)
			r->data[i][j] = (unsigned char)rnd(&seed);
	}
}

static void
records_free(struct records *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		free(r->data[i]);
	free(r->data);
	free(r->len);
}

/* Checks one decoded record; returns its index or -1. */
static long
fake_check_record(struct fake *f, const unsigned char *d, size_t len)
{
	unsigned long	i;
	size_t		want;
	char		head[12];

	/* d is not NUL-terminated: sscanf reads a copy of its head. */
	if (len < 11)
		return (-1);
	memcpy(head, d, 11);
	head[11] = '\0';
	if (sscanf(head, "rec %06lu ", &i) != 1 || i >= f->recs->n)
		return (-1);
	want = f->recs->len[i];
	if (f->trunc_to != 0 && want > f->trunc_to)
		want = f->trunc_to;
	if (len != want || memcmp(d, f->recs->data[i], len) != 0)
		return (-1);
	return ((long)i);
}

static void
reply(int fd, int status, const char *extra, const char *body)
{
	char	*out;
	int	 n;

	struct fake	*f = reply_holder;

	n = asprintf(&out, "HTTP/1.1 %d X\r\nContent-Type: "
	    "application/x-amz-json-1.1\r\n%sContent-Length: %zu\r\n\r\n%s",
	    status, extra, strlen(body), body);
	if (n > 0 && f != NULL && f->nheld < FAKE_MAXCONN) {
		f->held[f->nheld].fd = fd;
		f->held[f->nheld].out = out;
		f->held[f->nheld++].n = (size_t)n;
		if (f->nheld > f->max_held)
			f->max_held = f->nheld;
		return;
	}
	if (n > 0)
		(void)write(fd, out, (size_t)n);
	free(out);
}

/* Sends the held answers, the last first (fd -1: all; else drops fd's). */
static void
fake_release(struct fake *f, int drop_fd)
{
	size_t	i, k = 0;

	if (drop_fd != -1) {
		for (i = 0; i < f->nheld; i++) {
			if (f->held[i].fd == drop_fd)
				free(f->held[i].out);
			else
				f->held[k++] = f->held[i];
		}
		f->nheld = k;
		return;
	}
	if (f->nheld > 1)
		f->reordered += (unsigned)f->nheld - 1;
	while (f->nheld > 0) {
		f->nheld--;
		(void)write(f->held[f->nheld].fd, f->held[f->nheld].out,
		    f->held[f->nheld].n);
		free(f->held[f->nheld].out);
	}
}

/*
 * Is the request signed right, its body included?  Signs it again from
 * what arrived (the credentials are the tests': AKIDTEST, "secret") and
 * compares the Authorization headers.
 */
static int
fake_sig_ok(const struct httpd_req *h, const char *body, size_t blen)
{
	struct sigv4_header	 sh[5];
	struct sigv4_credentials creds = { "AKIDTEST", "secret", NULL };
	struct sigv4_request	 req;
	char			 v[5][256], auth[512], date[32], target[64];
	char			*a;
	const char		*names[5] = { "Host", "X-Amz-Date",
	    "X-Amz-Target", "Content-Type", "X-Amz-Security-Token" };
	size_t			 i, n = 0;
	int			 ok;

	for (i = 0; i < 5; i++) {
		if (httpd_header(h, names[i], v[n], sizeof v[n]) <= 0)
			continue;
		sh[n].name = names[i];
		sh[n].value = v[n];
		n++;
	}
	if (httpd_header(h, "X-Amz-Date", date, sizeof date) <= 0 ||
	    httpd_header(h, "Authorization", auth, sizeof auth) <= 0 ||
	    httpd_header(h, "X-Amz-Target", target, sizeof target) <= 0)
		return (0);
	if (n == 5)
		creds.session_token = sh[4].value;
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.path = "/";
	req.headers = sh;
	req.nheaders = n;
	req.body = body;
	req.body_len = blen;
	a = sigv4_authorization(&req, &creds, "us-east-1",
	    strncmp(target, "Kinesis_", 8) == 0 ? "kinesis" : "firehose",
	    date);
	ok = a != NULL && strcmp(a, auth) == 0;
	free(a);
	return (ok);
}

/* Handles one request; body is blen bytes. */
static void
fake_handle(struct fake *f, int fd, const struct httpd_req *h,
    const char *body, size_t blen)
{
	json_t		*root, *arr, *out, *e, *resp;
	char		 v[512], host[64], *s;
	unsigned char	*dec;
	const char	*b64;
	size_t		 i, n, bytes = 0, dl;
	long		 idx;
	unsigned	 k, failed = 0;
	ssize_t		 dn;

	pthread_mutex_lock(&f->mtx);
	k = ++f->requests;
	snprintf(host, sizeof host, "127.0.0.1:%d", f->port);
	if (httpd_header(h, "X-Amz-Target", v, sizeof v) <= 0 ||
	    strcmp(v, f->target) != 0 ||
	    httpd_header(h, "Host", v, sizeof v) <= 0 ||
	    strcmp(v, host) != 0 ||
	    httpd_header(h, "Authorization", v, sizeof v) <= 0 ||
	    strncmp(v, "AWS4-HMAC-SHA256 Credential=AKIDTEST/", 37) != 0 ||
	    strstr(v, f->want_token ? "SignedHeaders=content-type;host;"
	    "x-amz-date;x-amz-security-token;x-amz-target," :
	    "SignedHeaders=content-type;host;x-amz-date;x-amz-target,") ==
	    NULL ||
	    (f->want_token != (httpd_header(h, "X-Amz-Security-Token", v,
	    sizeof v) > 0)) ||
	    !fake_sig_ok(h, body, blen))
		f->bad++;
	root = json_loadb(body, blen, 0, NULL);
	arr = json_object_get(root, "Records");
	if (!json_is_array(arr) || (n = json_array_size(arr)) == 0) {
		f->bad++;
		reply(fd, 400, "", "{\"__type\":\"SerializationException\"}");
		goto out;
	}
	if (f->fail_every != 0 && k % (unsigned)f->fail_every == 0) {
		f->whole_failures++;
		switch ((k / (unsigned)f->fail_every) % 4) {
		case 0:
			reply(fd, 500, "", "{\"__type\":\"InternalFailure\","
			    "\"message\":\"boom\"}");
			break;
		case 1:
			reply(fd, 200, "", "{\"Records\":[garbage");
			break;
		case 2:
			/* One entry short: the sender must not trust it. */
			out = json_array();
			for (i = 0; i + 1 < n; i++)
				json_array_append_new(out, json_pack(
				    "{s:s,s:s}", "SequenceNumber", "1",
				    "RecordId", "1"));
			resp = json_pack("{s:i,s:o}", "FailedRecordCount", 0,
			    f->array, out);
			s = json_dumps(resp, 0);
			reply(fd, 200, "", s);
			free(s);
			json_decref(resp);
			break;
		default:
			reply(fd, 400, "x-amzn-ErrorType: ResourceNotFound"
			    "Exception:http://internal.amazon.com/coral/\r\n",
			    "{\"message\":\"Stream not found\"}");
			break;
		}
		goto out;
	}
	if (n > f->max_entries)
		f->max_entries = n;
	out = json_array();
	for (i = 0; i < n; i++) {
		e = json_array_get(arr, i);
		b64 = json_string_value(json_object_get(e, "Data"));
		dl = b64 == NULL ? 0 : strlen(b64);
		dec = malloc(base64_decoded_len_max(dl) + 1);
		dn = b64 == NULL ? -1 : base64_decode(dec, b64, dl);
		if (dn >= 0)
			bytes += (size_t)dn;
		if (json_object_get(e, "PartitionKey") != NULL)
			bytes += strlen(json_string_value(json_object_get(e,
			    "PartitionKey")));
		if (dn < 0 || (idx = fake_check_record(f, dec,
		    (size_t)dn)) < 0) {
			f->bad++;
			idx = -1;
		}
		if (idx >= 0 && (double)(rnd(&f->rng) >> 11) /
		    9007199254740992.0 < f->throttle) {
			failed++;
			f->throttled++;
			json_array_append_new(out, json_pack("{s:s,s:s}",
			    "ErrorCode",
			    "ProvisionedThroughputExceededException",
			    "ErrorMessage", "Rate exceeded for shard"));
		} else {
			if (idx >= 0)
				f->count[idx]++;
			json_array_append_new(out, json_pack("{s:s,s:s}",
			    "SequenceNumber", "4959", "ShardId", "shardId-0"));
		}
		free(dec);
	}
	if (bytes > f->max_bytes)
		f->max_bytes = bytes;
	/* The failed count lies on purpose: entries must be walked. */
	resp = json_pack("{s:i,s:o}", "FailedRecordCount", 0, f->array, out);
	s = json_dumps(resp, 0);
	reply(fd, 200, "", s);
	free(s);
	json_decref(resp);
out:
	json_decref(root);
	pthread_mutex_unlock(&f->mtx);
}

struct conn {
	int	 fd;
	char	*buf;
	size_t	 len;
};

/*
 * Serves requests that are complete in c's buffer.  Returns -1 to close:
 * a head the shared parser refuses, no Content-Length or an Expect (the
 * sender must not wait for 100-continue).
 */
static int
fake_serve(struct fake *f, struct conn *c)
{
	struct httpd_req	 h;
	const char		*why;
	size_t			 hlen, blen;
	int			 rc = 0;

	memset(&h, 0, sizeof h);
	while ((hlen = httpd_head_len(c->buf, c->len, c->len)) != 0) {
		if (httpd_parse_head(&h, c->buf, hlen - 4, FAKE_MAXREQ,
		    &why) != 0 || !h.has_length || h.expect_continue) {
			rc = -1;
			break;
		}
		blen = h.content_length;
		if (c->len < hlen + blen)
			break;
		fake_handle(f, c->fd, &h, c->buf + hlen, blen);
		memmove(c->buf, c->buf + hlen + blen, c->len - hlen - blen);
		c->len -= hlen + blen;
		httpd_req_clear(&h);
	}
	httpd_req_clear(&h);
	return (rc);
}

static void *
fake_main(void *arg)
{
	struct fake	*f = arg;
	struct conn	 conns[FAKE_MAXCONN];
	struct pollfd	 pfd[FAKE_MAXCONN + 2];
	ssize_t		 r;
	int		 i, n, fd;

	memset(conns, 0, sizeof conns);
	for (i = 0; i < FAKE_MAXCONN; i++)
		conns[i].fd = -1;
	if (f->reorder > 0)
		reply_holder = f;
	for (;;) {
		pfd[0].fd = f->stop[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = f->lfd;
		pfd[1].events = POLLIN;
		for (i = 0; i < FAKE_MAXCONN; i++) {
			pfd[i + 2].fd = conns[i].fd;
			pfd[i + 2].events = POLLIN;
		}
		if ((n = poll(pfd, FAKE_MAXCONN + 2, f->reorder > 0 ? 20 :
		    -1)) == -1)
			continue;
		if (pfd[0].revents)
			break;
		if (n == 0 || (f->reorder > 0 &&
		    f->nheld >= (size_t)f->reorder)) {
			fake_release(f, -1);
			continue;
		}
		if (pfd[1].revents && (fd = accept(f->lfd, NULL, NULL)) != -1) {
			for (i = 0; i < FAKE_MAXCONN; i++)
				if (conns[i].fd == -1)
					break;
			if (i == FAKE_MAXCONN)
				close(fd);
			else {
				conns[i].fd = fd;
				conns[i].len = 0;
				conns[i].buf = malloc(FAKE_MAXREQ);
			}
		}
		for (i = 0; i < FAKE_MAXCONN; i++) {
			if (conns[i].fd == -1 || pfd[i + 2].revents == 0)
				continue;
			r = read(conns[i].fd, conns[i].buf + conns[i].len,
			    FAKE_MAXREQ - conns[i].len);
			if (r > 0) {
				conns[i].len += (size_t)r;
				if (fake_serve(f, &conns[i]) == 0 &&
				    conns[i].len < FAKE_MAXREQ)
					continue;
			}
			fake_release(f, conns[i].fd);
			close(conns[i].fd);
			conns[i].fd = -1;
			free(conns[i].buf);
			conns[i].buf = NULL;
		}
		if (f->reorder > 0 && f->nheld >= (size_t)f->reorder)
			fake_release(f, -1);
	}
	fake_release(f, -1);
	reply_holder = NULL;
	for (i = 0; i < FAKE_MAXCONN; i++) {
		if (conns[i].fd != -1)
			close(conns[i].fd);
		free(conns[i].buf);
	}
	return (NULL);
}

static void
fake_start(struct fake *f, const struct records *recs)
{
	unsigned int	port;

	f->recs = recs;
	f->count = calloc(recs->n, sizeof *f->count);
	pthread_mutex_init(&f->mtx, NULL);
	assert_int_equal(pipe(f->stop), 0);
	f->lfd = httpd_listen(0, 0, &port);
	assert_true(f->lfd >= 0);
	f->port = (int)port;
	assert_int_equal(pthread_create(&f->thr, NULL, fake_main, f), 0);
}

static void
fake_stop(struct fake *f)
{
	(void)write(f->stop[1], "x", 1);
	pthread_join(f->thr, NULL);
	close(f->stop[0]);
	close(f->stop[1]);
	close(f->lfd);
	pthread_mutex_destroy(&f->mtx);
	free(f->count);
}

/* A delivery run: loop, http, creds, metrics, spool, sender. */
struct run {
	char		 dir[64];
	struct config	 cfg;
	struct config_flow flow;
	struct loop	*loop;
	struct http	*http;
	struct creds	*creds;
	struct metrics	*metrics;
	struct spool	*spool;
	struct loop_timer *tick;
	uint64_t	 deadline;
	uint64_t	 want;		/* records_sent to reach */
	int		 timed_out;
	/* With check set: no acknowledgement may pass a record it lacks. */
	struct fake	*check;
	size_t		 appended;
	int		 violated;
	unsigned	 checks;
};

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return (remove(path));
}

/* Temp dirs, also removed by the group teardown if a test failed. */
static char	tmpdirs[8][64];

static void
rm_dir(char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	dir[0] = '\0';
}

static int
group_teardown(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < 8; i++)
		rm_dir(tmpdirs[i]);
	return (0);
}

static void
run_setup(struct run *r, enum config_dest dest, const char *endpoint)
{
	char	*cause = NULL;
	size_t	 i;

	memset(r, 0, sizeof *r);
	snprintf(r->dir, sizeof r->dir, "/tmp/test_sender.XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	for (i = 0; i < 8 && tmpdirs[i][0] != '\0'; i++)
		;
	if (i < 8)
		memcpy(tmpdirs[i], r->dir, sizeof r->dir);
	r->flow.file_pattern = (char *)"/nonexistent/*.log";
	r->flow.dest = dest;
	r->flow.stream = (char *)"test-stream";
	r->flow.max_buffer_age_ms = 20;
	r->flow.max_buffer_size_records = 100;
	r->flow.max_buffer_size_bytes = dest == CONFIG_DEST_KINESIS ?
	    5242880 : 4194304;
	r->flow.retry_initial_backoff_ms = 2;
	r->flow.retry_max_backoff_ms = 30;
	if (dest == CONFIG_DEST_KINESIS)
		r->cfg.kinesis_endpoint = (char *)endpoint;
	else
		r->cfg.firehose_endpoint = (char *)endpoint;
	r->cfg.kinesis_region = (char *)"us-east-1";
	r->cfg.firehose_region = (char *)"us-east-1";
	r->cfg.aws_access_key_id = (char *)"AKIDTEST";
	r->cfg.aws_secret_access_key = (char *)"secret";
	r->metrics = metrics_create("t", dest == CONFIG_DEST_KINESIS ?
	    "kinesis" : "firehose", r->flow.stream, r->flow.file_pattern);
	r->spool = spool_open(r->dir, 256ULL << 20, 256 * 1024,
	    CONFIG_FSYNC_NEVER, &cause);
	assert_non_null(r->spool);
}

static void
run_creds(struct run *r)
{
	char	*cause = NULL;

	r->creds = creds_create(&r->cfg, &cause);
	assert_non_null(r->creds);
}

static void
run_append(struct run *r, const struct records *recs)
{
	size_t	i;

	for (i = 0; i < recs->n; i++)
		assert_int_equal(spool_append(r->spool, recs->data[i],
		    recs->len[i]), 0);
	r->appended += recs->n;
	assert_int_equal(spool_flush(r->spool), 0);
}

/*
 * The spool's acknowledged prefix (what a restart would not send again)
 * holds only records the fake accepted.
 */
static void
check_acked_prefix(struct run *r)
{
	struct spool_stats	st;
	size_t			acked, i;

	spool_stats(r->spool, &st);
	acked = r->appended - (size_t)st.pending_records;
	pthread_mutex_lock(&r->check->mtx);
	for (i = 0; i < acked; i++) {
		if (r->check->count[i] == 0) {
			fprintf(stderr, "record %zu acknowledged in the spool "
			    "but never accepted\n", i);
			r->violated = 1;
			break;
		}
	}
	pthread_mutex_unlock(&r->check->mtx);
	r->checks++;
}

static void
tick_cb(void *arg)
{
	struct run	*r = arg;

	if (r->check != NULL)
		check_acked_prefix(r);
	if (metrics_get(r->metrics, METRICS_RECORDS_SENT) >= r->want) {
		loop_stop(r->loop);
		return;
	}
	if (loop_now_ms() > r->deadline) {
		r->timed_out = 1;
		loop_stop(r->loop);
		return;
	}
	loop_timer_set(r->tick, 5);
}

/* A loop and an http client for one run (a stopped loop stays stopped). */
static void
run_loop_new(struct run *r)
{
	r->loop = loop_create();
	assert_non_null(r->loop);
	r->http = http_create(r->loop);
	assert_non_null(r->http);
}

static void
run_loop_free(struct run *r)
{
	http_free(r->http);
	loop_free(r->loop);
	r->http = NULL;
	r->loop = NULL;
}

/* Runs a sender until want records were acknowledged (bounded). */
static void
run_deliver(struct run *r, uint64_t want)
{
	struct sender	*s;
	char		*cause = NULL;

	run_loop_new(r);
	s = sender_create(r->loop, r->http, &r->cfg, &r->flow, r->spool,
	    r->creds, r->metrics, &cause);
	assert_non_null(s);
	r->want = want;
	r->deadline = loop_now_ms() + DEADLINE_MS;
	r->timed_out = 0;
	r->tick = loop_timer_new(r->loop, tick_cb, r);
	loop_timer_set(r->tick, 5);
	loop_run(r->loop);
	loop_timer_free(r->tick);
	sender_shutdown(s);
	sender_free(s);
	run_loop_free(r);
	assert_false(r->timed_out);
	assert_true(metrics_get(r->metrics, METRICS_RECORDS_SENT) >= want);
}

static void
run_teardown(struct run *r)
{
	size_t	i;

	spool_close(r->spool);
	metrics_free(r->metrics);
	creds_free(r->creds);
	for (i = 0; i < 8; i++)
		if (strcmp(tmpdirs[i], r->dir) == 0)
			rm_dir(tmpdirs[i]);
}

static void
check_exactly_once(struct fake *f, size_t from, size_t n)
{
	size_t	i;

	pthread_mutex_lock(&f->mtx);
	for (i = from; i < from + n; i++)
		if (f->count[i] != 1)
			fprintf(stderr, "record %zu received %u times\n", i,
			    f->count[i]);
	for (i = from; i < from + n; i++)
		assert_int_equal(f->count[i], 1);
	pthread_mutex_unlock(&f->mtx);
}

/*
 * Kinesis with throttled entries and whole-request failures of each kind;
 * then a restart from the saved cursor delivers only what is new.
 */
static void
test_kinesis_failures(void **state)
{
	struct fake	 f;
	struct records	 recs;
	struct run	 r;
	char		 url[64];
	size_t		 first = 3000, total = 3500;

	(void)state;
	memset(&f, 0, sizeof f);
	f.target = "Kinesis_20131202.PutRecords";
	f.array = "Records";
	f.throttle = 0.2;
	f.fail_every = 5;
	f.rng = 99;
	records_make(&recs, total, 0, 1, 300);
	fake_start(&f, &recs);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", f.port);

	run_setup(&r, CONFIG_DEST_KINESIS, url);
	run_creds(&r);
	recs.n = first;
	run_append(&r, &recs);
	recs.n = total;
	run_deliver(&r, first);
	check_exactly_once(&f, 0, first);
	assert_int_equal(metrics_get(r.metrics, METRICS_RECORDS_SENT), first);
	assert_true(metrics_get(r.metrics, METRICS_RECORDS_FAILED) > 0);
	assert_int_equal(metrics_get(r.metrics, METRICS_RECORDS_FAILED),
	    f.throttled);
	assert_int_equal(metrics_get(r.metrics, METRICS_REQUESTS_FAILED),
	    f.whole_failures);
	assert_true(f.whole_failures >= 4);
	assert_int_equal(f.bad, 0);
	assert_true(f.max_entries <= 100);
	assert_int_equal(spool_pending_bytes(r.spool), 0);
	assert_int_equal(metrics_get(r.metrics, METRICS_SPOOL_BYTES), 0);

	/* Reopen the spool: the cursor survived, only new records go. */
	spool_close(r.spool);
	r.spool = spool_open(r.dir, 256ULL << 20, 256 * 1024,
	    CONFIG_FSYNC_NEVER, NULL);
	assert_non_null(r.spool);
	{
		struct records	more = recs;

		more.data += first;
		more.len += first;
		more.n = total - first;
		run_append(&r, &more);
	}
	run_deliver(&r, total);
	check_exactly_once(&f, 0, total);
	assert_int_equal(f.bad, 0);
	run_teardown(&r);
	fake_stop(&f);
	records_free(&recs);
}

/*
 * Firehose with a session token from the environment, a small byte limit,
 * and an oversized record that must be cut to 1,000 KiB.
 */
static void
test_firehose_limits(void **state)
{
	struct fake	 f;
	struct records	 recs;
	struct run	 r;
	char		 url[64];
	size_t		 n = 800, i;

	(void)state;
	memset(&f, 0, sizeof f);
	f.target = "Firehose_20150804.PutRecordBatch";
	f.array = "RequestResponses";
	f.throttle = 0.3;
	f.want_token = 1;
	f.trunc_to = 1024000;
	f.rng = 5;
	records_make(&recs, n, 0, 2, 2000);
	/* One record over the Firehose limit. */
	free(recs.data[400]);
	recs.len[400] = 1100000;
	recs.data[400] = malloc(recs.len[400]);
	memset(recs.data[400], 'z', recs.len[400]);
	memcpy(recs.data[400], "rec 000400 ", 11);
	fake_start(&f, &recs);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", f.port);

	run_setup(&r, CONFIG_DEST_FIREHOSE, url);
	r.cfg.aws_access_key_id = NULL;
	r.cfg.aws_secret_access_key = NULL;
	setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
	setenv("AWS_SESSION_TOKEN", "token/with+odd=chars", 1);
	run_creds(&r);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	r.flow.max_buffer_size_bytes = 20000;
	r.flow.max_buffer_size_records = 500;
	run_append(&r, &recs);
	run_deliver(&r, n);
	check_exactly_once(&f, 0, n);
	assert_int_equal(f.bad, 0);
	/* Only the lone oversized record may pass the byte limit. */
	assert_true(f.max_bytes == 1024000);
	assert_true(f.max_entries > 1 && f.max_entries <= 100);
	assert_true(metrics_get(r.metrics, METRICS_RECORDS_FAILED) > 0);
	assert_int_equal(metrics_get(r.metrics, METRICS_REQUESTS_FAILED), 0);
	for (i = 0; i < n; i++)
		assert_true(i == 400 || recs.len[i] < 2100);
	run_teardown(&r);
	fake_stop(&f);
	records_free(&recs);
}

/* An endpoint that refuses connections: nothing is acked, nothing lost. */
static void
test_unreachable(void **state)
{
	struct records	 recs;
	struct run	 r;
	struct sockaddr_in sin;
	socklen_t	 slen = sizeof sin;
	json_t		*doc, *flow;
	char		 url[64], *status;
	int		 fd;

	(void)state;
	/* A port nobody listens on: bind, read the port, close. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	getsockname(fd, (struct sockaddr *)&sin, &slen);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(sin.sin_port));
	close(fd);

	records_make(&recs, 50, 0, 3, 100);
	run_setup(&r, CONFIG_DEST_KINESIS, url);
	run_creds(&r);
	run_append(&r, &recs);
	/* Give it a short while: several retries, no ack. */
	{
		struct sender	*s;
		uint64_t	 until = loop_now_ms() + 300;

		run_loop_new(&r);
		s = sender_create(r.loop, r.http, &r.cfg, &r.flow, r.spool,
		    r.creds, r.metrics, NULL);
		assert_non_null(s);
		r.want = UINT64_MAX;
		r.deadline = until;
		r.tick = loop_timer_new(r.loop, tick_cb, &r);
		loop_timer_set(r.tick, 5);
		loop_run(r.loop);
		loop_timer_free(r.tick);
		sender_free(s);
		run_loop_free(&r);
	}
	assert_int_equal(metrics_get(r.metrics, METRICS_RECORDS_SENT), 0);
	assert_true(metrics_get(r.metrics, METRICS_REQUESTS_FAILED) >= 2);
	assert_true(spool_pending_bytes(r.spool) > 0);
	/* The status document shows the last error, and when. */
	status = metrics_status_json(&r.metrics, 1, time(NULL));
	assert_non_null(doc = json_loads(status, 0, NULL));
	flow = json_array_get(json_object_get(doc, "flows"), 0);
	assert_true(json_is_string(json_object_get(flow, "lastError")));
	assert_true(json_integer_value(json_object_get(flow,
	    "lastErrorTime")) != 0);
	/* And the problem that lasts, with how often it was seen. */
	assert_int_equal(json_array_size(json_object_get(flow, "health")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(flow, "health"), 0), "what")), "delivery failing");
	assert_true(json_integer_value(json_object_get(json_array_get(
	    json_object_get(flow, "health"), 0), "count")) >= 2);
	json_decref(doc);
	free(status);
	run_teardown(&r);
	records_free(&recs);
}

/* The shared fake endpoint. */
static void
test_fakeaws(void **state)
{
	struct records	 recs;
	struct run	 r;
	const char	*bin;
	char		 out[96], portfile[96], url[64], line[4096], *enc;
	unsigned	*seen;
	FILE		*fp;
	pid_t		 pid;
	int		 port, status;
	size_t		 n = 2000, k, lines = 0, el;

	(void)state;
	if ((bin = getenv("FAKEAWS")) == NULL)
		bin = "tests/fakeaws/fakeaws";
	if (access(bin, X_OK) != 0)
		fail_msg("%s is not built (make check builds it; or set "
		    "FAKEAWS)", bin);
	records_make(&recs, n, 0, 4, 200);
	run_setup(&r, CONFIG_DEST_KINESIS, "http://127.0.0.1:1");
	snprintf(out, sizeof out, "%s/out", r.dir);
	snprintf(portfile, sizeof portfile, "%s/port", r.dir);
	if ((pid = fork()) == 0) {
		execl(bin, bin, "-p", "0", "-o", out, "-P", portfile,
		    "--throttle", "0.2", "--seed", "1", (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	port = test_wait_port(portfile);
	assert_true(port > 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
	r.cfg.kinesis_endpoint = url;
	run_creds(&r);
	run_append(&r, &recs);
	run_deliver(&r, n);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);

	/* Each line is the base64 of one delivered record. */
	seen = calloc(n, sizeof *seen);
	assert_non_null(fp = fopen(out, "r"));
	enc = malloc(base64_encoded_len(300));
	while (fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		lines++;
		for (k = 0; k < n; k++) {
			if (seen[k])
				continue;
			el = base64_encode(enc, recs.data[k], recs.len[k]);
			if (el == strlen(line) && memcmp(enc, line, el) == 0) {
				seen[k] = 1;
				break;
			}
		}
	}
	fclose(fp);
	for (k = 0; k < n; k++)
		assert_int_equal(seen[k], 1);
	assert_int_equal(lines, n);
	assert_true(metrics_get(r.metrics, METRICS_RECORDS_FAILED) > 0);
	free(enc);
	free(seen);
	run_teardown(&r);
	records_free(&recs);
}

/*
 * http.c's response body is a struct buf of HTTP_MAX_RESPONSE: a body of
 * exactly that many bytes is delivered whole and NUL-terminated, and one
 * byte more fails the request with "response body too large".
 */
struct big {
	int	 lfd;
	size_t	 sizes[2];
};

static void *
big_main(void *arg)
{
	struct big	*b = arg;
	char		 req[4096], head[128], *body;
	size_t		 i, len, off;
	ssize_t		 n;
	int		 fd, hl;

	body = malloc(HTTP_MAX_RESPONSE + 1);
	if (body == NULL)
		return (NULL);
	memset(body, 'b', HTTP_MAX_RESPONSE + 1);
	for (i = 0; i < 2; i++) {
		if ((fd = accept(b->lfd, NULL, NULL)) == -1)
			break;
		/* The request: its head and its one-byte body. */
		len = 0;
		while (len < sizeof req) {
			if ((n = read(fd, req + len, sizeof req - len)) <= 0)
				break;
			len += (size_t)n;
			if (len > 4 && memmem(req, len, "\r\n\r\n", 4) !=
			    NULL && req[len - 1] == 'x')
				break;
		}
		hl = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n"
		    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		    b->sizes[i]);
		(void)send(fd, head, (size_t)hl, MSG_NOSIGNAL);
		/* The client stops reading past its maximum: no SIGPIPE. */
		for (off = 0; off < b->sizes[i]; off += (size_t)n)
			if ((n = send(fd, body + off, b->sizes[i] - off,
			    MSG_NOSIGNAL)) <= 0)
				break;
		close(fd);
	}
	free(body);
	return (NULL);
}

struct big_result {
	struct loop	*loop;
	long		 status;
	size_t		 body_len;
	int		 terminated;
	char		 error[256];
};

static void
big_done(const struct http_response *resp, void *arg)
{
	struct big_result	*res = arg;

	res->status = resp->status;
	res->body_len = resp->body_len;
	res->terminated = resp->body[resp->body_len] == '\0';
	snprintf(res->error, sizeof res->error, "%s", resp->error);
	loop_stop(res->loop);
}

/*
 * Several requests in flight, answered out of order (last first), with
 * throttled entries: every record arrives exactly once, more than two
 * requests were in flight at once, and at no time does the spool's
 * acknowledged prefix hold a record the endpoint did not accept.
 */
static void
test_out_of_order(void **state)
{
	struct fake	 f;
	struct records	 recs;
	struct run	 r;
	char		 url[64];
	size_t		 n = 4000;

	(void)state;
	memset(&f, 0, sizeof f);
	f.target = "Kinesis_20131202.PutRecords";
	f.array = "Records";
	f.throttle = 0.01;
	f.reorder = 3;
	f.rng = 17;
	records_make(&recs, n, 0, 5, 200);
	fake_start(&f, &recs);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", f.port);

	run_setup(&r, CONFIG_DEST_KINESIS, url);
	r.flow.max_buffer_size_records = 20;
	r.cfg.max_sending_threads = FAKE_MAXCONN;
	r.check = &f;
	run_creds(&r);
	run_append(&r, &recs);
	run_deliver(&r, n);
	check_exactly_once(&f, 0, n);
	assert_false(r.violated);
	assert_true(r.checks > 0);
	fprintf(stderr, "in flight at most %zu, %u answers out of order, "
	    "%u checks of the acknowledged prefix\n", f.max_held,
	    f.reordered, r.checks);
	assert_true(f.max_held > 2);
	assert_true(f.reordered > 0);
	assert_int_equal(f.bad, 0);
	assert_int_equal(spool_pending_bytes(r.spool), 0);
	run_teardown(&r);
	fake_stop(&f);
	records_free(&recs);
}

static void
test_http_response_max(void **state)
{
	struct big		 b;
	struct big_result	 res;
	struct http		*h;
	pthread_t		 thr;
	unsigned int		 port;
	char			 url[64];
	int			 i;

	(void)state;
	b.sizes[0] = HTTP_MAX_RESPONSE + 1;
	b.sizes[1] = HTTP_MAX_RESPONSE;
	b.lfd = httpd_listen(0, 0, &port);
	assert_true(b.lfd >= 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
	assert_int_equal(pthread_create(&thr, NULL, big_main, &b), 0);
	for (i = 0; i < 2; i++) {
		memset(&res, 0, sizeof res);
		res.loop = loop_create();
		assert_non_null(res.loop);
		h = http_create(res.loop);
		assert_non_null(h);
		assert_int_equal(http_post(h, url, NULL, "x", 1, big_done,
		    &res), 0);
		loop_run(res.loop);
		http_free(h);
		loop_free(res.loop);
		if (i == 0) {
			assert_int_equal(res.status, 0);
			assert_string_equal(res.error,
			    "response body too large");
		} else {
			assert_int_equal(res.status, 200);
			assert_string_equal(res.error, "");
			assert_int_equal(res.body_len, HTTP_MAX_RESPONSE);
			assert_true(res.terminated);
		}
	}
	pthread_join(thr, NULL);
	close(b.lfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinesis_failures),
		cmocka_unit_test(test_firehose_limits),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_fakeaws),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_http_response_max),
	};

	signal(SIGPIPE, SIG_IGN);
	alarm(120);	/* a hung test fails instead of blocking the suite */
	return (cmocka_run_group_tests(tests, NULL, group_teardown));
}
