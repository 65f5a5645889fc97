/*
 * fakeaws: a fault-injecting stand-in for the Amazon Kinesis Data Streams
 * and Amazon Data Firehose endpoints, for sluice's end-to-end tests and
 * benchmark.  It never talks to AWS.
 *
 * It speaks just enough HTTP/1.1 (keep-alive, pipelining, Content-Length
 * bodies, "Expect: 100-continue") and the AWS JSON 1.1 protocol to answer
 * PutRecords, PutRecordBatch and DescribeStreamSummary the way the real
 * services do, including their published request limits.  Every record it
 * accepts is appended, as the base64 string it arrived as, to an output
 * file that the tests compare with what they wrote.  Faults (per-record
 * throttling, 500/503, delays, dropped connections, a missing stream) are
 * chosen from the command line or from a control file re-read before each
 * request, with a private seeded PRNG so that a run can be replayed.
 *
 * One thread, one epoll loop; nothing blocks it, delays included (they are
 * deadlines checked by the loop).  Every buffer that grows with input has
 * a maximum, and bad input gets an error reply, never a crash.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* accept4, memmem */
#endif

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "httpd.h"
#include "sigcheck.h"
#include "log.h"
#include "xmalloc.h"

#define FAKE_ACCOUNT		"123456789012"
#define FAKE_REGION		"us-east-1"
#define FAKE_SHARD		"shardId-000000000000"
#define FAKE_JSON_TYPE		"application/x-amz-json-1.1"
#define FAKE_FORM_TYPE		"application/x-www-form-urlencoded"
#define FAKE_XML_TYPE		"text/xml"

#define FAKE_HEAD_MAX		(64 * 1024)	/* request line + headers */
#define FAKE_BODY_MAX		(64 * 1024 * 1024)
#define FAKE_READ_CHUNK		(256 * 1024)
#define FAKE_CONTROL_MAX	(64 * 1024)
#define FAKE_LINGER_MS		1000	/* drain a closing peer this long */
#define FAKE_ACCEPT_PAUSE_MS	100	/* after EMFILE */
#define FAKE_EVENTS		64

/* API reference, "Request Parameters": StreamName and DeliveryStreamName. */
#define FAKE_KINESIS_NAME_MAX	128
#define FAKE_FIREHOSE_NAME_MAX	64

/*
 * The knobs: faults and limits.  Each has a long option and the same key in
 * the control file.  The limits default to the published ones: PutRecords
 * "can support up to 500 records.  Each record in the request can be as
 * large as 1 MiB, up to a limit of 5 MiB for the entire request, including
 * partition keys" (Kinesis API reference, PutRecords); PutRecordBatch
 * "supports up to 500 records.  Each record in the request can be as large
 * as 1,000 KB (before base64 encoding), up to a limit of 4 MB for the
 * entire request" (Firehose API reference, PutRecordBatch).
 */
struct fake_settings {
	double		throttle;
	double		error500;
	double		error503;
	double		drop;
	double		cw_error500;	/* PutMetricData only */
	uint64_t	delay_ms;
	uint64_t	notfound;
	uint64_t	max_records;
	uint64_t	max_record_size;
	uint64_t	max_request_size;
	uint64_t	max_partition_key;
	uint64_t	fh_max_records;
	uint64_t	fh_max_record_size;
	uint64_t	fh_max_request_size;
	/* SigV4 check: on when expect_key is set ("" is off). */
	char		expect_key[256];
	char		expect_secret[256];
	char		expect_token[4096];
	char		sig_error[128];	/* answers any mismatch, if set */
	/* Error-class faults (see the README's knob table). */
	char		error[256];	/* "STATUS:Type" or "Type" */
	double		error_prob;
	char		entry_error[128];
	char		poison[256];
	uint64_t	clock_ahead_s;
	double		garbage;
	double		truncate;
	uint64_t	delay_random_ms;
};

static const struct fake_settings fake_defaults = {
	.max_records = 500,
	.max_record_size = 1048576,
	.max_request_size = 5242880,
	.max_partition_key = 256,
	.fh_max_records = 500,
	.fh_max_record_size = 1024000,
	.fh_max_request_size = 4194304,
	.error_prob = 1,
};

enum knob_type {
	KNOB_PROB,		/* a probability, 0 to 1 */
	KNOB_UINT,
	KNOB_BOOL,		/* no argument on the command line */
	KNOB_STR,		/* a string of at most max - 1 bytes */
};

struct knob {
	const char	*name;
	enum knob_type	 type;
	size_t		 off;
	uint64_t	 max;
	const char	*help;
};

#define KNOB_OFF(f)	offsetof(struct fake_settings, f)
static const struct knob fake_knobs[] = {
	{ "throttle", KNOB_PROB, KNOB_OFF(throttle), 0,
	  "fail each record with this probability (HTTP 200)" },
	{ "error500", KNOB_PROB, KNOB_OFF(error500), 0,
	  "answer a request 500 InternalFailure with this probability" },
	{ "error503", KNOB_PROB, KNOB_OFF(error503), 0,
	  "answer a request 503 ServiceUnavailable with this probability" },
	{ "drop", KNOB_PROB, KNOB_OFF(drop), 0,
	  "close the connection without answering, with this probability" },
	{ "cw-error500", KNOB_PROB, KNOB_OFF(cw_error500), 0,
	  "answer PutMetricData 500 InternalFailure with this probability" },
	{ "delay-ms", KNOB_UINT, KNOB_OFF(delay_ms), 3600000,
	  "wait this long before answering" },
	{ "notfound", KNOB_BOOL, KNOB_OFF(notfound), 1,
	  "answer every request ResourceNotFoundException" },
	{ "max-records", KNOB_UINT, KNOB_OFF(max_records), 1000000,
	  "PutRecords: records per call" },
	{ "max-record-size", KNOB_UINT, KNOB_OFF(max_record_size),
	  FAKE_BODY_MAX, "PutRecords: data + partition key bytes per record" },
	{ "max-request-size", KNOB_UINT, KNOB_OFF(max_request_size),
	  FAKE_BODY_MAX, "PutRecords: data + partition key bytes per call" },
	{ "max-partition-key", KNOB_UINT, KNOB_OFF(max_partition_key), 65536,
	  "PutRecords: partition key characters" },
	{ "firehose-max-records", KNOB_UINT, KNOB_OFF(fh_max_records), 1000000,
	  "PutRecordBatch: records per call" },
	{ "firehose-max-record-size", KNOB_UINT, KNOB_OFF(fh_max_record_size),
	  FAKE_BODY_MAX, "PutRecordBatch: data bytes per record" },
	{ "firehose-max-request-size", KNOB_UINT,
	  KNOB_OFF(fh_max_request_size), FAKE_BODY_MAX,
	  "PutRecordBatch: data bytes per call" },
	{ "expect-key", KNOB_STR, KNOB_OFF(expect_key), 256,
	  "verify each SigV4 signature: the access key id expected" },
	{ "expect-secret", KNOB_STR, KNOB_OFF(expect_secret), 256,
	  "the secret key the signature must be made with" },
	{ "expect-token", KNOB_STR, KNOB_OFF(expect_token), 4096,
	  "the session token expected (none if unset)" },
	{ "sig-error", KNOB_STR, KNOB_OFF(sig_error), 128,
	  "answer any signature mismatch with this 400 error type" },
	{ "error", KNOB_STR, KNOB_OFF(error), 256,
	  "answer requests with this error: Type, or STATUS:Type" },
	{ "error-prob", KNOB_PROB, KNOB_OFF(error_prob), 0,
	  "with error set, the share of requests answered so (default 1)" },
	{ "entry-error", KNOB_STR, KNOB_OFF(entry_error), 128,
	  "the ErrorCode of records failed by throttle" },
	{ "poison", KNOB_STR, KNOB_OFF(poison), 256,
	  "a request with a record holding this refused: ValidationException" },
	{ "clock-ahead", KNOB_UINT, KNOB_OFF(clock_ahead_s), 86400 * 365,
	  "seconds the fake's clock is ahead; over 5 min skew is refused" },
	{ "garbage", KNOB_PROB, KNOB_OFF(garbage), 0,
	  "answer 200 with a body that is not JSON, recording nothing" },
	{ "truncate", KNOB_PROB, KNOB_OFF(truncate), 0,
	  "answer 200 with half the body and close, recording nothing" },
	{ "delay-random-ms", KNOB_UINT, KNOB_OFF(delay_random_ms), 3600000,
	  "hold each answer a further random 0 to this many ms: out of order" },
};
#define FAKE_NKNOBS	(sizeof fake_knobs / sizeof fake_knobs[0])

/* A growable byte buffer; callers bound what they put in it. */
struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* A request head, and copies of the fields AWS reads (req_clear frees). */
struct req {
	struct httpd_req h;
	char		*amz_target;
	char		*authorization;
	char		*amz_date;
	char		*content_type;
};

enum conn_state {
	CONN_HEAD,		/* reading the request head */
	CONN_BODY,		/* reading the body */
	CONN_DELAY,		/* reply held until the deadline */
	CONN_WRITE,		/* sending the reply */
	CONN_LINGER,		/* closing: write side shut, draining input */
};

struct conn {
	int			 fd;
	enum conn_state		 state;
	uint32_t		 events;
	struct buf		 in;
	struct buf		 out;
	size_t			 out_off;
	struct buf		 held;
	size_t			 head_len;
	struct req		 req;
	int			 close_after;
	uint64_t		 deadline;	/* ms, 0 = none */
	TAILQ_ENTRY(conn)	 entry;
};
TAILQ_HEAD(conn_list, conn);

/* What an operation decided; conn_handle turns it into the HTTP reply. */
struct reply {
	int		 status;
	const char	*type;		/* AWS error type, NULL on success */
	struct buf	 body;
	int		 xml;		/* Query protocol: text/xml, no */
					/* x-amzn-ErrorType */
};

struct fake_stats {
	uint64_t	requests;
	uint64_t	records_accepted;
	uint64_t	records_failed;
	uint64_t	errors;
	uint64_t	dropped;
	uint64_t	bytes_accepted;
	uint64_t	put_records;
	uint64_t	put_record_batch;
	uint64_t	describe_stream_summary;
	uint64_t	connections;
	uint64_t	sig_ok;		/* signatures verified (expect-key) */
	uint64_t	sig_failed;
	uint64_t	put_metric_data;	/* accepted */
	uint64_t	datums_accepted;
	uint64_t	poisoned;	/* requests refused for poison */
	uint64_t	skewed;		/* refused for the signing time */
	uint64_t	garbled;	/* garbage or truncated answers */
	uint64_t	knob_errors;	/* answered with the error knob */
	uint64_t	held;		/* answers being delayed now */
	uint64_t	max_held;	/* ... at most: requests in flight */
};

static struct {
	int			 epfd;
	int			 lfd;
	int			 sfd;
	unsigned int		 port;
	struct fake_settings	 cli;	/* from the command line */
	struct fake_settings	 cur;	/* cli + the control file */
	uint64_t		 rng[4];
	char			**streams;
	size_t			 nstreams;
	char			**dstreams;
	size_t			 ndstreams;
	const char		*out_path;
	FILE			*out;
	const char		*cw_path;	/* -m: datums received */
	FILE			*cw;
	const char		*req_path;	/* -r: requests answered */
	FILE			*req;
	const char		*control_path;
	struct stat		 control_st;
	int			 control_present;
	const char		*stats_path;
	struct conn_list	 conns;
	size_t			 nconns;
	size_t			 ntimed;
	uint64_t		 accept_resume;	/* ms, 0 = accepting */
	struct fake_stats	 st;
	uint64_t		 serial;
	time_t			 start;
	struct buf		 scratch;	/* decoded record data */
	struct buf		 entries;	/* reply entries being built */
	int			 quit;
} fake;

static char	fake_listen_tag;
static char	fake_signal_tag;

static void	buf_printf(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	reply_error(struct reply *, int, const char *, const char *,
		    ...) __attribute__((format(printf, 4, 5)));
static int	conn_advance(struct conn *);

/* Buffers ------------------------------------------------------------- */

static void
buf_reserve(struct buf *b, size_t need)
{
	size_t	cap;

	if (need <= b->cap)
		return;
	cap = b->cap != 0 ? b->cap : 4096;
	while (cap < need)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, b->len + n + 1);
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("vsnprintf failed");
	buf_reserve(b, b->len + n + 1);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

/*
 * Appends s as a JSON string.  Bytes outside printable ASCII become '?':
 * messages may quote what a client sent, and must stay valid UTF-8.
 */
static void
buf_add_jstr(struct buf *b, const char *s)
{
	unsigned char	ch;

	buf_add(b, "\"", 1);
	for (; *s != '\0'; s++) {
		ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			buf_printf(b, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			buf_add(b, "?", 1);
		else
			buf_add(b, s, 1);
	}
	buf_add(b, "\"", 1);
}

static void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

static void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* Helpers --------------------------------------------------------------- */

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* xoshiro256**, seeded through splitmix64: private, so runs replay. */
static uint64_t
rng_rotl(uint64_t x, int k)
{
	return ((x << k) | (x >> (64 - k)));
}

static void
rng_seed(uint64_t seed)
{
	uint64_t	z;
	int		i;

	for (i = 0; i < 4; i++) {
		seed += 0x9e3779b97f4a7c15ULL;
		z = seed;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		fake.rng[i] = z ^ (z >> 31);
	}
}

static uint64_t
rng_next(void)
{
	uint64_t	*s = fake.rng, r, t;

	r = rng_rotl(s[1] * 5, 7) * 9;
	t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return (r);
}

/* Returns 1 with probability p.  Draws only when the outcome is open. */
static int
rng_chance(double p)
{
	if (p <= 0)
		return (0);
	if (p >= 1)
		return (1);
	return ((double)(rng_next() >> 11) * 0x1.0p-53 < p);
}

/* Writes len bytes to path through a temporary file and rename(2). */
static int
write_atomic(const char *path, const char *data, size_t len)
{
	char	*tmp;
	ssize_t	 n;
	size_t	 off = 0;
	int	 fd, ret = -1;

	xasprintf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644)) == -1) {
		log_warn("%s", tmp);
		goto out;
	}
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s", tmp);
			close(fd);
			unlink(tmp);
			goto out;
		}
		off += n;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		log_warn("%s", path);
		unlink(tmp);
		goto out;
	}
	ret = 0;
out:
	free(tmp);
	return (ret);
}

/* Knobs ----------------------------------------------------------------- */

static const struct knob *
knob_find(const char *name)
{
	char	 norm[64];
	size_t	 i;

	/* The control file may spell delay-ms as delay_ms. */
	if (strlen(name) >= sizeof norm)
		return (NULL);
	for (i = 0; name[i] != '\0'; i++)
		norm[i] = name[i] == '_' ? '-' : name[i];
	norm[i] = '\0';
	for (i = 0; i < FAKE_NKNOBS; i++) {
		if (strcmp(fake_knobs[i].name, norm) == 0)
			return (&fake_knobs[i]);
	}
	return (NULL);
}

static int
parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	char			*end;
	unsigned long long	 u;

	if (*s < '0' || *s > '9')
		return (-1);
	errno = 0;
	u = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || u > max)
		return (-1);
	*v = u;
	return (0);
}

/* Sets knob k in s from text.  Returns 0, or -1 with *cause (caller frees). */
static int
knob_set(struct fake_settings *s, const struct knob *k, const char *value,
    char **cause)
{
	char		*end;
	double		 d;
	uint64_t	 u;

	switch (k->type) {
	case KNOB_PROB:
		errno = 0;
		d = strtod(value, &end);
		if (*value == '\0' || *end != '\0' || errno != 0 ||
		    !isfinite(d) || d < 0 || d > 1) {
			xasprintf(cause, "%s: not a probability (0 to 1): %s",
			    k->name, value);
			return (-1);
		}
		*(double *)(void *)((char *)s + k->off) = d;
		return (0);
	case KNOB_UINT:
	case KNOB_BOOL:
		if (parse_uint(value, k->max, &u) == -1) {
			xasprintf(cause, "%s: not a number from 0 to %" PRIu64
			    ": %s", k->name, k->max, value);
			return (-1);
		}
		*(uint64_t *)(void *)((char *)s + k->off) = u;
		return (0);
	case KNOB_STR:
		if (strlen(value) >= k->max) {
			xasprintf(cause, "%s: longer than %" PRIu64 " bytes",
			    k->name, k->max - 1);
			return (-1);
		}
		memcpy((char *)s + k->off, value, strlen(value) + 1);
		return (0);
	}
	xasprintf(cause, "%s: unknown type", k->name);
	return (-1);
}

/*
 * Re-reads the control file if it changed (inode, size or mtime).  Each
 * load starts again from the command-line settings, so deleting a line, or
 * the file, restores them.  A "seed" line reseeds the PRNG on each load.
 */
static void
fake_control_reload(void)
{
	struct fake_settings	 next;
	const struct knob	*k;
	struct stat		 st;
	FILE			*f;
	char			*line = NULL, *key, *value, *p, *cause;
	size_t			 linesz = 0;
	ssize_t			 n;
	uint64_t		 seed = 0;
	int			 fd, lineno = 0, have_seed = 0;

	if (fake.control_path == NULL)
		return;
	if (stat(fake.control_path, &st) == -1) {
		if (errno != ENOENT)
			log_warn("%s", fake.control_path);
		if (fake.control_present) {
			fake.cur = fake.cli;
			fake.control_present = 0;
			log_info("%s: gone, back to command-line settings",
			    fake.control_path);
		}
		return;
	}
	if (fake.control_present && st.st_ino == fake.control_st.st_ino &&
	    st.st_dev == fake.control_st.st_dev &&
	    st.st_size == fake.control_st.st_size &&
	    st.st_mtim.tv_sec == fake.control_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == fake.control_st.st_mtim.tv_nsec)
		return;

	if ((fd = open(fake.control_path, O_RDONLY|O_CLOEXEC)) == -1) {
		log_warn("%s", fake.control_path);
		return;
	}
	if (fstat(fd, &st) == -1 || (f = fdopen(fd, "r")) == NULL) {
		log_warn("%s", fake.control_path);
		close(fd);
		return;
	}
	fake.control_st = st;
	fake.control_present = 1;
	if (st.st_size > FAKE_CONTROL_MAX) {
		log_warnx("%s: larger than %d bytes, ignored",
		    fake.control_path, FAKE_CONTROL_MAX);
		goto out;
	}

	next = fake.cli;
	while ((n = getline(&line, &linesz, f)) != -1) {
		lineno++;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		key = line + strspn(line, " \t\r\n");
		p = key + strlen(key);
		while (p > key && strchr(" \t\r\n", p[-1]) != NULL)
			*--p = '\0';
		if (*key == '\0')
			continue;
		if ((value = strchr(key, '=')) == NULL) {
			log_warnx("%s:%d: expected key=value",
			    fake.control_path, lineno);
			continue;
		}
		*value++ = '\0';
		p = value - 1;
		while (p > key && strchr(" \t", p[-1]) != NULL)
			*--p = '\0';
		value += strspn(value, " \t");
		if (strcmp(key, "seed") == 0) {
			if (parse_uint(value, UINT64_MAX, &seed) == -1)
				log_warnx("%s:%d: seed: not a number: %s",
				    fake.control_path, lineno, value);
			else
				have_seed = 1;
			continue;
		}
		if ((k = knob_find(key)) == NULL) {
			log_warnx("%s:%d: unknown key: %s", fake.control_path,
			    lineno, key);
			continue;
		}
		if (knob_set(&next, k, value, &cause) == -1) {
			log_warnx("%s:%d: %s", fake.control_path, lineno,
			    cause);
			free(cause);
		}
	}
	fake.cur = next;
	if (have_seed)
		rng_seed(seed);
	log_info("%s: loaded: throttle=%g error500=%g error503=%g drop=%g "
	    "delay_ms=%" PRIu64 " notfound=%" PRIu64, fake.control_path,
	    next.throttle, next.error500, next.error503, next.drop,
	    next.delay_ms, next.notfound);
out:
	free(line);
	fclose(f);
}

/* Statistics ------------------------------------------------------------ */

static void
fake_stats_line(void)
{
	dprintf(STDERR_FILENO, "fakeaws: requests=%" PRIu64 " records_accepted="
	    "%" PRIu64 " records_failed=%" PRIu64 " errors=%" PRIu64
	    " dropped=%" PRIu64 "\n", fake.st.requests,
	    fake.st.records_accepted, fake.st.records_failed, fake.st.errors,
	    fake.st.dropped);
}

static void
fake_stats_write(void)
{
	struct buf	b = { NULL, 0, 0 };

	if (fake.stats_path == NULL)
		return;
	buf_printf(&b, "requests=%" PRIu64 "\nrecords_accepted=%" PRIu64
	    "\nrecords_failed=%" PRIu64 "\nerrors=%" PRIu64 "\ndropped=%"
	    PRIu64 "\nbytes_accepted=%" PRIu64 "\nput_records=%" PRIu64
	    "\nput_record_batch=%" PRIu64 "\ndescribe_stream_summary=%" PRIu64
	    "\nconnections=%" PRIu64 "\nconnections_open=%zu\nsig_ok=%" PRIu64
	    "\nsig_failed=%" PRIu64 "\nput_metric_data=%" PRIu64
	    "\ndatums_accepted=%" PRIu64 "\npoisoned=%" PRIu64 "\nskewed=%"
	    PRIu64 "\ngarbled=%" PRIu64 "\nknob_errors=%" PRIu64
	    "\nmax_held=%" PRIu64 "\n",
	    fake.st.requests, fake.st.records_accepted,
	    fake.st.records_failed, fake.st.errors, fake.st.dropped,
	    fake.st.bytes_accepted, fake.st.put_records,
	    fake.st.put_record_batch, fake.st.describe_stream_summary,
	    fake.st.connections, fake.nconns, fake.st.sig_ok,
	    fake.st.sig_failed, fake.st.put_metric_data,
	    fake.st.datums_accepted, fake.st.poisoned, fake.st.skewed,
	    fake.st.garbled, fake.st.knob_errors, fake.st.max_held);
	write_atomic(fake.stats_path, b.p, b.len);
	buf_free(&b);
}

/* HTTP ------------------------------------------------------------------ */

static void
req_clear(struct req *r)
{
	httpd_req_clear(&r->h);
	free(r->amz_target);
	free(r->authorization);
	free(r->amz_date);
	free(r->content_type);
	memset(r, 0, sizeof *r);
}

/*
 * Parses the request head at p (n bytes, without the final empty line)
 * into r with the shared parser (tests/lib/httpd.c), then takes the fields
 * AWS reads, none of which is a list (RFC 9110 section 5.3).  Returns 0,
 * or the HTTP status to answer with and *why.  Connection-level framing is
 * judged only; the values that matter to AWS are checked later.
 */
static int
req_parse(struct req *r, const char *p, size_t n, const char **why)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} fields[] = {
		{ "x-amz-target", offsetof(struct req, amz_target) },
		{ "authorization", offsetof(struct req, authorization) },
		{ "x-amz-date", offsetof(struct req, amz_date) },
		{ "content-type", offsetof(struct req, content_type) },
	};
	size_t	i;
	int	status;

	if ((status = httpd_parse_head(&r->h, p, n, FAKE_BODY_MAX, why)) != 0)
		return (status);
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (httpd_header_dup(&r->h, fields[i].name,
		    (char **)(void *)((char *)r + fields[i].off)) > 1) {
			*why = "repeated header field";
			return (400);
		}
	}
	return (0);
}

/* Connections ----------------------------------------------------------- */

static void
conn_set_deadline(struct conn *c, uint64_t deadline)
{
	if (c->deadline == 0 && deadline != 0)
		fake.ntimed++;
	else if (c->deadline != 0 && deadline == 0)
		fake.ntimed--;
	c->deadline = deadline;
}

static void
conn_free(struct conn *c)
{
	if (c->state == CONN_DELAY)
		fake.st.held--;
	conn_set_deadline(c, 0);
	close(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	buf_free(&c->held);
	req_clear(&c->req);
	TAILQ_REMOVE(&fake.conns, c, entry);
	fake.nconns--;
	free(c);
}

static void
conn_set_events(struct conn *c)
{
	struct epoll_event	ev;
	uint32_t		want = 0;

	if (c->state == CONN_HEAD || c->state == CONN_BODY ||
	    c->state == CONN_LINGER)
		want |= EPOLLIN;
	if (c->out_off < c->out.len)
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	memset(&ev, 0, sizeof ev);
	ev.events = want;
	ev.data.ptr = c;
	if (epoll_ctl(fake.epfd, EPOLL_CTL_MOD, c->fd, &ev) == -1)
		fatal("epoll_ctl");
	c->events = want;
}

/* Sends what is queued.  Returns 0 (done or would block) or -1 to close. */
static int
conn_flush(struct conn *c)
{
	ssize_t	n;

	while (c->out_off < c->out.len) {
		n = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return (0);
			return (-1);
		}
		c->out_off += n;
	}
	c->out.len = c->out_off = 0;
	return (0);
}

/*
 * Builds the HTTP reply for r into c->held.  The headers are those of the
 * real services: x-amzn-RequestId, and x-amzn-ErrorType on errors.
 */
static void
conn_build_reply(struct conn *c, int status, const char *type,
    const struct buf *body, int xml)
{
	char		date[64];
	struct tm	tm;
	time_t		t;

	t = time(NULL) + (time_t)fake.cur.clock_ahead_s;
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	fake.serial++;
	c->held.len = 0;
	buf_printf(&c->held, "HTTP/1.1 %d %s\r\nx-amzn-RequestId: "
	    "%08lx-0000-4000-8000-%012" PRIx64 "\r\n", status,
	    httpd_reason(status), (unsigned long)fake.start & 0xffffffffUL,
	    fake.serial);
	if (type != NULL && !xml)
		buf_printf(&c->held, "x-amzn-ErrorType: %s\r\n", type);
	buf_printf(&c->held, "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\nDate: %s\r\n", xml ? FAKE_XML_TYPE :
	    FAKE_JSON_TYPE, body->len, date);
	if (c->close_after)
		buf_printf(&c->held, "Connection: close\r\n");
	else if (c->req.h.http10)
		buf_printf(&c->held, "Connection: keep-alive\r\n");
	buf_add(&c->held, "\r\n", 2);
	if (body->len > 0)
		buf_add(&c->held, body->p, body->len);
}

/* Moves the held reply to the output queue and starts sending it. */
static void
conn_release(struct conn *c)
{
	buf_add(&c->out, c->held.p, c->held.len);
	c->held.len = 0;
	c->state = CONN_WRITE;
}

/* Answers a request whose head is unusable, and closes afterwards. */
static void
conn_http_error(struct conn *c, int status, const char *why)
{
	struct buf	body = { NULL, 0, 0 };
	const char	*type;

	fake.st.requests++;
	fake.st.errors++;
	switch (status) {
	case 411:
		type = "LengthRequired";
		break;
	case 413:
		type = "RequestEntityTooLarge";
		break;
	case 417:
		type = "ExpectationFailed";
		break;
	case 431:
		type = "RequestHeaderFieldsTooLarge";
		break;
	case 505:
		type = "HTTPVersionNotSupported";
		break;
	default:
		type = "BadRequest";
		break;
	}
	buf_add(&body, "{\"__type\":", 10);
	buf_add_jstr(&body, type);
	buf_add(&body, ",\"message\":", 11);
	buf_add_jstr(&body, why);
	buf_add(&body, "}", 1);
	c->close_after = 1;
	c->in.len = 0;
	conn_build_reply(c, status, type, &body, 0);
	conn_release(c);
	buf_free(&body);
	log_debug("HTTP %d: %s", status, why);
	fake_stats_write();
}

/*
 * Looks for a complete request head.  Returns 0 if more input is needed,
 * 1 if the state moved on (to CONN_BODY, or CONN_WRITE with an error).
 */
static int
conn_parse_head(struct conn *c)
{
	const char	*why = NULL;
	size_t		 skip = 0;
	int		 status;

	if (c->in.len == 0)
		return (0);
	/* RFC 9112 section 2.2: ignore empty lines before a request. */
	while (skip + 1 < c->in.len && c->in.p[skip] == '\r' &&
	    c->in.p[skip + 1] == '\n' && skip < FAKE_HEAD_MAX)
		skip += 2;
	if (skip > 0)
		buf_consume(&c->in, skip);

	c->head_len = httpd_head_len(c->in.p, c->in.len, FAKE_HEAD_MAX);
	if (c->head_len == 0) {
		if (c->in.len >= FAKE_HEAD_MAX) {
			conn_http_error(c, 431, "request head larger than "
			    "64 KiB");
			return (1);
		}
		return (0);
	}
	req_clear(&c->req);
	status = req_parse(&c->req, c->in.p, c->head_len - 4, &why);
	if (status != 0) {
		conn_http_error(c, status, why);
		return (1);
	}
	c->close_after = !c->req.h.keepalive;
	c->state = CONN_BODY;
	if (c->req.h.expect_continue &&
	    c->in.len < c->head_len + c->req.h.content_length)
		buf_add(&c->out, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	return (1);
}

/* Operations ------------------------------------------------------------ */

static void
reply_error(struct reply *r, int status, const char *type, const char *fmt,
    ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	r->status = status;
	r->type = type;
	r->body.len = 0;
	buf_add(&r->body, "{\"__type\":", 10);
	buf_add_jstr(&r->body, type);
	buf_add(&r->body, ",\"message\":", 11);
	buf_add_jstr(&r->body, msg);
	buf_add(&r->body, "}", 1);
	free(msg);
}

/* Stream names: [a-zA-Z0-9_.-]+, 1 to max characters (API reference). */
static int
name_is_valid(const char *s, size_t len, size_t max)
{
	size_t	i;

	if (len == 0 || len > max || strlen(s) != len)
		return (0);
	for (i = 0; i < len; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '.' || s[i] == '-'))
			return (0);
	}
	return (1);
}

static int
name_is_declared(char **list, size_t n, const char *name)
{
	size_t	i;

	if (n == 0)
		return (1);
	for (i = 0; i < n; i++) {
		if (strcmp(list[i], name) == 0)
			return (1);
	}
	return (0);
}

/*
 * Returns the stream named by key, or by the ARN in arnkey (Kinesis
 * accepts either since 2023), or NULL with the error in r.  The name
 * points into req.
 */
static const char *
req_stream_name(json_t *req, const char *key, const char *field,
    const char *arnkey, size_t max, struct reply *r)
{
	json_t		*v;
	const char	*name, *p;
	size_t		 len;

	if ((v = json_object_get(req, key)) != NULL) {
		if (!json_is_string(v)) {
			reply_error(r, 400, "SerializationException",
			    "%s must be a string", key);
			return (NULL);
		}
		name = json_string_value(v);
		len = json_string_length(v);
	} else if (arnkey != NULL &&
	    (v = json_object_get(req, arnkey)) != NULL) {
		if (!json_is_string(v)) {
			reply_error(r, 400, "SerializationException",
			    "%s must be a string", arnkey);
			return (NULL);
		}
		p = json_string_value(v);
		if (strncmp(p, "arn:", 4) != 0 ||
		    (name = strstr(p, ":stream/")) == NULL) {
			reply_error(r, 400, "ValidationException",
			    "1 validation error detected: Value at "
			    "'streamARN' failed to satisfy constraint: Member "
			    "must be a Kinesis stream ARN");
			return (NULL);
		}
		name += 8;
		len = json_string_length(v) - (name - p);
	} else {
		reply_error(r, 400, "ValidationException",
		    "1 validation error detected: Value null at '%s' failed "
		    "to satisfy constraint: Member must not be null", field);
		return (NULL);
	}
	if (!name_is_valid(name, len, max)) {
		reply_error(r, 400, "ValidationException",
		    "1 validation error detected: Value at '%s' failed to "
		    "satisfy constraint: Member must have length from 1 to %zu "
		    "and satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
		    field, max);
		return (NULL);
	}
	return (name);
}

/*
 * Decodes a record's Data (strict RFC 4648 base64) into the scratch buffer
 * only to learn its real length and validity.  Returns the length or -1.
 */
static ssize_t
record_data_len(json_t *data)
{
	size_t	n = json_string_length(data);

	buf_reserve(&fake.scratch, base64_decoded_len_max(n) + 1);
	return (base64_decode(fake.scratch.p, json_string_value(data), n));
}

/* The decoded length of Data that record_data_len already accepted. */
static size_t
record_data_len_valid(json_t *data)
{
	const char	*s = json_string_value(data);
	size_t		 n = json_string_length(data), len;

	len = n / 4 * 3;
	if (n >= 1 && s[n - 1] == '=')
		len--;
	if (n >= 2 && s[n - 2] == '=')
		len--;
	return (len);
}

static size_t
utf8_chars(const char *s, size_t n)
{
	size_t	i, chars = 0;

	for (i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			chars++;
	}
	return (chars);
}

/* Records are read as a list, 1 to max entries; NULL with r set if not. */
static json_t *
req_records(json_t *req, uint64_t max, struct reply *r)
{
	json_t	*records;
	size_t	 n;

	if ((records = json_object_get(req, "Records")) == NULL) {
		reply_error(r, 400, "ValidationException",
		    "1 validation error detected: Value null at 'records' "
		    "failed to satisfy constraint: Member must not be null");
		return (NULL);
	}
	if (!json_is_array(records)) {
		reply_error(r, 400, "SerializationException",
		    "Records must be a list");
		return (NULL);
	}
	n = json_array_size(records);
	if (n == 0) {
		reply_error(r, 400, "ValidationException",
		    "1 validation error detected: Value '[]' at 'records' "
		    "failed to satisfy constraint: Member must have length "
		    "greater than or equal to 1");
		return (NULL);
	}
	if (n > max) {
		reply_error(r, 400, "ValidationException",
		    "1 validation error detected: Value at 'records' failed "
		    "to satisfy constraint: Member must have length less than "
		    "or equal to %" PRIu64 " (got %zu records)", max, n);
		return (NULL);
	}
	return (records);
}

/* Looks up a record's string member; NULL with r set if absent or wrong. */
static json_t *
record_string(json_t *rec, size_t i, const char *key, const char *field,
    int required, struct reply *r)
{
	json_t	*v;

	if ((v = json_object_get(rec, key)) == NULL) {
		if (required)
			reply_error(r, 400, "ValidationException",
			    "1 validation error detected: Value null at "
			    "'records.%zu.member.%s' failed to satisfy "
			    "constraint: Member must not be null", i + 1,
			    field);
		return (NULL);
	}
	if (!json_is_string(v)) {
		reply_error(r, 400, "SerializationException",
		    "Records[%zu].%s must be a string", i, key);
		return (NULL);
	}
	return (v);
}

/* ExplicitHashKey has the pattern 0|([1-9]\d{0,38}) (API reference). */
static int
hash_key_is_valid(json_t *ehk)
{
	const char	*h = json_string_value(ehk);
	size_t		 n = json_string_length(ehk);

	if (n == 0 || n > 39 || strspn(h, "0123456789") != n)
		return (0);
	return (h[0] != '0' || n == 1);
}

/*
 * With the poison knob: a record whose data holds the pattern fails the
 * whole request, as AWS refuses a request for one bad record.  Its data
 * was just decoded into fake.scratch (record_data_len).
 */
static int
record_is_poison(ssize_t dlen, size_t i, struct reply *r)
{
	const char	*pat = fake.cur.poison;

	if (pat[0] == '\0' || dlen <= 0 ||
	    memmem(fake.scratch.p, (size_t)dlen, pat, strlen(pat)) == NULL)
		return (0);
	fake.st.poisoned++;
	reply_error(r, 400, "ValidationException", "1 validation error "
	    "detected: Value at 'records.%zu.member.data' failed to satisfy "
	    "constraint: the record is poison", i + 1);
	return (1);
}

static void
record_accept(json_t *data)
{
	fake.st.records_accepted++;
	fake.st.bytes_accepted += record_data_len_valid(data);
	if (fake.out == NULL)
		return;
	if (fwrite(json_string_value(data), 1, json_string_length(data),
	    fake.out) != json_string_length(data) ||
	    putc('\n', fake.out) == EOF)
		fatal("%s", fake.out_path);
}

/*
 * -r: a PutRecords or PutRecordBatch answered 200 with n records, failed
 * of them refused, and bytes of data accepted (since bytes0).
 */
static void
fake_request_log(size_t n, size_t failed, uint64_t bytes0)
{
	if (fake.req == NULL)
		return;
	if (fprintf(fake.req, "%zu\t%zu\t%zu\t%" PRIu64 "\n", n, n - failed,
	    failed, fake.st.bytes_accepted - bytes0) < 0 ||
	    fflush(fake.req) == EOF)
		fatal("%s", fake.req_path);
}

static void
fake_out_flush(void)
{
	if (fake.out != NULL && fflush(fake.out) == EOF)
		fatal("%s", fake.out_path);
}

/*
 * Kinesis PutRecords (API reference, PutRecords).  Shape errors are
 * ValidationException (the model's constraints: 1 to 500 records, Data at
 * most 1 MiB, PartitionKey 1 to 256 characters) or SerializationException
 * (wrong JSON types, bad base64); the size limits that span fields (data
 * plus partition key per record, 5 MiB per call) are
 * InvalidArgumentException.  All are checked before anything is recorded.
 */
static void
op_put_records(json_t *req, struct reply *r)
{
	const struct fake_settings	*s = &fake.cur;
	json_t				*records, *rec, *data, *pk, *ehk;
	const char			*name;
	ssize_t				 dlen;
	size_t				 i, pklen, failed = 0;
	uint64_t			 total = 0, bytes0;

	fake.st.put_records++;
	if ((name = req_stream_name(req, "StreamName", "streamName",
	    "StreamARN", FAKE_KINESIS_NAME_MAX, r)) == NULL)
		return;
	if ((records = req_records(req, s->max_records, r)) == NULL)
		return;
	json_array_foreach(records, i, rec) {
		if (!json_is_object(rec)) {
			reply_error(r, 400, "SerializationException",
			    "Records[%zu] must be a structure", i);
			return;
		}
		if ((data = record_string(rec, i, "Data", "data", 1,
		    r)) == NULL)
			return;
		if ((pk = record_string(rec, i, "PartitionKey",
		    "partitionKey", 1, r)) == NULL)
			return;
		ehk = record_string(rec, i, "ExplicitHashKey",
		    "explicitHashKey", 0, r);
		if (ehk == NULL && r->status != 0)
			return;
		if (ehk != NULL && !hash_key_is_valid(ehk)) {
			reply_error(r, 400, "ValidationException",
			    "1 validation error detected: Value at "
			    "'records.%zu.member.explicitHashKey' failed to "
			    "satisfy constraint: Member must satisfy regular "
			    "expression pattern: 0|([1-9]\\d{0,38})", i + 1);
			return;
		}
		if ((dlen = record_data_len(data)) == -1) {
			reply_error(r, 400, "SerializationException",
			    "Records[%zu].Data is not valid base64", i);
			return;
		}
		if (record_is_poison(dlen, i, r))
			return;
		if ((uint64_t)dlen > s->max_record_size) {
			reply_error(r, 400, "ValidationException",
			    "1 validation error detected: Value at "
			    "'records.%zu.member.data' failed to satisfy "
			    "constraint: Member must have length less than or "
			    "equal to %" PRIu64 " (got %zd bytes)", i + 1,
			    s->max_record_size, dlen);
			return;
		}
		pklen = utf8_chars(json_string_value(pk),
		    json_string_length(pk));
		if (pklen < 1 || pklen > s->max_partition_key) {
			reply_error(r, 400, "ValidationException",
			    "1 validation error detected: Value at "
			    "'records.%zu.member.partitionKey' failed to "
			    "satisfy constraint: Member must have length from "
			    "1 to %" PRIu64 " (got %zu)", i + 1,
			    s->max_partition_key, pklen);
			return;
		}
		pklen = json_string_length(pk);
		if ((uint64_t)dlen + pklen > s->max_record_size) {
			reply_error(r, 400, "InvalidArgumentException",
			    "Record %zu: data plus partition key is %zu "
			    "bytes, over the limit of %" PRIu64 " bytes", i,
			    (size_t)dlen + pklen, s->max_record_size);
			return;
		}
		total += dlen + pklen;
	}
	if (total > s->max_request_size) {
		reply_error(r, 400, "InvalidArgumentException",
		    "Records size exceeds %" PRIu64 " bytes: the request's "
		    "data plus partition keys are %" PRIu64 " bytes",
		    s->max_request_size, total);
		return;
	}
	if (s->notfound || !name_is_declared(fake.streams, fake.nstreams,
	    name)) {
		reply_error(r, 400, "ResourceNotFoundException",
		    "Stream %s under account " FAKE_ACCOUNT " not found.",
		    name);
		return;
	}

	fake.entries.len = 0;
	bytes0 = fake.st.bytes_accepted;
	json_array_foreach(records, i, rec) {
		if (i > 0)
			buf_add(&fake.entries, ",", 1);
		data = json_object_get(rec, "Data");
		if (rng_chance(s->throttle)) {
			failed++;
			fake.st.records_failed++;
			buf_printf(&fake.entries, "{\"ErrorCode\":\"%s\","
			    "\"ErrorMessage\":\"Rate exceeded for shard "
			    FAKE_SHARD " in stream %s under account "
			    FAKE_ACCOUNT ".\"}", s->entry_error[0] != '\0' ?
			    s->entry_error :
			    "ProvisionedThroughputExceededException", name);
			continue;
		}
		record_accept(data);
		/* Sequence numbers are 56 decimal digits and increase. */
		fake.serial++;
		buf_printf(&fake.entries, "{\"SequenceNumber\":\"49%034lld"
		    "%020" PRIu64 "\",\"ShardId\":\"" FAKE_SHARD "\"}",
		    (long long)fake.start, fake.serial);
	}
	fake_out_flush();
	fake_request_log(json_array_size(records), failed, bytes0);
	r->status = 200;
	buf_printf(&r->body, "{\"FailedRecordCount\":%zu,\"Records\":[",
	    failed);
	buf_add(&r->body, fake.entries.p, fake.entries.len);
	buf_add(&r->body, "]}", 2);
}

/*
 * Firehose PutRecordBatch (API reference, PutRecordBatch): 1 to 500
 * records of at most 1,000 KiB each (ValidationException), 4 MiB per call
 * (InvalidArgumentException).
 */
static void
op_put_record_batch(json_t *req, struct reply *r)
{
	const struct fake_settings	*s = &fake.cur;
	json_t				*records, *rec, *data;
	const char			*name;
	ssize_t				 dlen;
	size_t				 i, failed = 0;
	uint64_t			 total = 0, bytes0;

	fake.st.put_record_batch++;
	if ((name = req_stream_name(req, "DeliveryStreamName",
	    "deliveryStreamName", NULL, FAKE_FIREHOSE_NAME_MAX, r)) == NULL)
		return;
	if ((records = req_records(req, s->fh_max_records, r)) == NULL)
		return;
	json_array_foreach(records, i, rec) {
		if (!json_is_object(rec)) {
			reply_error(r, 400, "SerializationException",
			    "Records[%zu] must be a structure", i);
			return;
		}
		if ((data = record_string(rec, i, "Data", "data", 1,
		    r)) == NULL)
			return;
		if ((dlen = record_data_len(data)) == -1) {
			reply_error(r, 400, "SerializationException",
			    "Records[%zu].Data is not valid base64", i);
			return;
		}
		if (record_is_poison(dlen, i, r))
			return;
		if ((uint64_t)dlen > s->fh_max_record_size) {
			reply_error(r, 400, "ValidationException",
			    "1 validation error detected: Value at "
			    "'records.%zu.member.data' failed to satisfy "
			    "constraint: Member must have length less than or "
			    "equal to %" PRIu64 " (got %zd bytes)", i + 1,
			    s->fh_max_record_size, dlen);
			return;
		}
		total += dlen;
	}
	if (total > s->fh_max_request_size) {
		reply_error(r, 400, "InvalidArgumentException",
		    "Records size exceeds %" PRIu64 " bytes: the request's "
		    "data is %" PRIu64 " bytes", s->fh_max_request_size, total);
		return;
	}
	if (s->notfound || !name_is_declared(fake.dstreams, fake.ndstreams,
	    name)) {
		reply_error(r, 400, "ResourceNotFoundException",
		    "Firehose %s under account " FAKE_ACCOUNT " not found.",
		    name);
		return;
	}

	fake.entries.len = 0;
	bytes0 = fake.st.bytes_accepted;
	json_array_foreach(records, i, rec) {
		if (i > 0)
			buf_add(&fake.entries, ",", 1);
		if (rng_chance(s->throttle)) {
			failed++;
			fake.st.records_failed++;
			buf_printf(&fake.entries, "{\"ErrorCode\":\"%s\","
			    "\"ErrorMessage\":\"Slow down.\"}",
			    s->entry_error[0] != '\0' ? s->entry_error :
			    "ServiceUnavailableException");
			continue;
		}
		record_accept(json_object_get(rec, "Data"));
		fake.serial++;
		buf_printf(&fake.entries, "{\"RecordId\":\"%016llx%016"
		    PRIx64 "%016" PRIx64 "\"}", (unsigned long long)fake.start,
		    fake.serial,
		    (uint64_t)(fake.serial * 0x9e3779b97f4a7c15ULL));
	}
	fake_out_flush();
	fake_request_log(json_array_size(records), failed, bytes0);
	r->status = 200;
	buf_printf(&r->body, "{\"FailedPutCount\":%zu,\"Encrypted\":false,"
	    "\"RequestResponses\":[", failed);
	buf_add(&r->body, fake.entries.p, fake.entries.len);
	buf_add(&r->body, "]}", 2);
}

/* Kinesis DescribeStreamSummary: one shard, always ACTIVE. */
static void
op_describe_stream_summary(json_t *req, struct reply *r)
{
	const char	*name;

	fake.st.describe_stream_summary++;
	if ((name = req_stream_name(req, "StreamName", "streamName",
	    "StreamARN", FAKE_KINESIS_NAME_MAX, r)) == NULL)
		return;
	if (fake.cur.notfound || !name_is_declared(fake.streams,
	    fake.nstreams, name)) {
		reply_error(r, 400, "ResourceNotFoundException",
		    "Stream %s under account " FAKE_ACCOUNT " not found.",
		    name);
		return;
	}
	r->status = 200;
	buf_printf(&r->body, "{\"StreamDescriptionSummary\":{"
	    "\"StreamName\":\"%s\",\"StreamARN\":\"arn:aws:kinesis:"
	    FAKE_REGION ":" FAKE_ACCOUNT ":stream/%s\","
	    "\"StreamStatus\":\"ACTIVE\","
	    "\"StreamModeDetails\":{\"StreamMode\":\"PROVISIONED\"},"
	    "\"RetentionPeriodHours\":24,\"StreamCreationTimestamp\":%lld,"
	    "\"EnhancedMonitoring\":[],\"EncryptionType\":\"NONE\","
	    "\"OpenShardCount\":1,\"ConsumerCount\":0}}", name, name,
	    (long long)fake.start);
}

/*
 * A fast path for the request bodies senders make: jansson parses about
 * 50 MB/s here, which would make the fake the bottleneck of the benchmark.
 * This builds the same jansson tree for a subset of JSON (objects, arrays
 * and strings of printable ASCII without escapes, at most FJ_DEPTH deep,
 * no repeated keys) and returns NULL on anything else, which jansson then
 * parses and reports on.  Every document in the subset is valid JSON that
 * jansson reads to the same tree, so the answers do not depend on the path.
 */
#define FJ_DEPTH	8
#define FJ_KEY_MAX	64

struct fj {
	const char	*p;
	const char	*end;
};

static void
fj_ws(struct fj *f)
{
	while (f->p < f->end && (*f->p == ' ' || *f->p == '\t' ||
	    *f->p == '\n' || *f->p == '\r'))
		f->p++;
}

/* Scans a string; returns its length and start, or -1. */
static ssize_t
fj_string(struct fj *f, const char **start)
{
	const char	*q;

	if (f->p >= f->end || *f->p != '"')
		return (-1);
	*start = ++f->p;
	for (q = f->p; q < f->end; q++) {
		if (*q == '"')
			break;
		if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e ||
		    *q == '\\')
			return (-1);
	}
	if (q == f->end)
		return (-1);
	f->p = q + 1;
	return (q - *start);
}

static json_t *
fj_value(struct fj *f, int depth)
{
	json_t		*v = NULL, *e;
	const char	*str;
	char		 key[FJ_KEY_MAX + 1];
	ssize_t		 n;

	if (depth > FJ_DEPTH)
		return (NULL);
	fj_ws(f);
	if (f->p >= f->end)
		return (NULL);
	switch (*f->p) {
	case '"':
		if ((n = fj_string(f, &str)) == -1)
			return (NULL);
		return (json_stringn_nocheck(str, n));
	case '[':
		f->p++;
		v = json_array();
		fj_ws(f);
		if (f->p < f->end && *f->p == ']') {
			f->p++;
			return (v);
		}
		for (;;) {
			if ((e = fj_value(f, depth + 1)) == NULL ||
			    json_array_append_new(v, e) == -1)
				goto fail;
			fj_ws(f);
			if (f->p < f->end && *f->p == ',') {
				f->p++;
				continue;
			}
			if (f->p < f->end && *f->p == ']') {
				f->p++;
				return (v);
			}
			goto fail;
		}
	case '{':
		f->p++;
		v = json_object();
		fj_ws(f);
		if (f->p < f->end && *f->p == '}') {
			f->p++;
			return (v);
		}
		for (;;) {
			fj_ws(f);
			if ((n = fj_string(f, &str)) == -1 || n > FJ_KEY_MAX)
				goto fail;
			memcpy(key, str, n);
			key[n] = '\0';
			if (json_object_get(v, key) != NULL)
				goto fail;
			fj_ws(f);
			if (f->p >= f->end || *f->p != ':')
				goto fail;
			f->p++;
			if ((e = fj_value(f, depth + 1)) == NULL)
				goto fail;
			if (json_object_set_new_nocheck(v, key, e) == -1)
				goto fail;
			fj_ws(f);
			if (f->p < f->end && *f->p == ',') {
				f->p++;
				continue;
			}
			if (f->p < f->end && *f->p == '}') {
				f->p++;
				return (v);
			}
			goto fail;
		}
	}
	return (NULL);
fail:
	json_decref(v);
	return (NULL);
}

/* Returns the body as a jansson object, or NULL if it is outside the subset. */
static json_t *
fj_parse(const char *p, size_t n)
{
	struct fj	 f = { p, p + n };
	json_t		*v;

	if (n == 0 || *p != '{')
		return (NULL);
	if ((v = fj_value(&f, 0)) == NULL)
		return (NULL);
	fj_ws(&f);
	if (f.p != f.end) {
		json_decref(v);
		return (NULL);
	}
	return (v);
}

/* CloudWatch PutMetricData ---------------------------------------------- */

/*
 * PutMetricData over the Query protocol, as the Amazon CloudWatch API
 * Reference gives it: a form-encoded POST of Action=PutMetricData,
 * Version=2010-08-01, Namespace and MetricData.member.N (MetricName,
 * Dimensions.member.M.Name/Value, Timestamp, Value or StatisticValues.
 * SampleCount/Sum/Minimum/Maximum, Unit, StorageResolution), answered by
 * an XML PutMetricDataResponse or an XML ErrorResponse.  Each datum
 * accepted is appended to the -m file as a line of tab-separated fields:
 * namespace, name, dimensions (Name=Value joined by ','), unit,
 * SampleCount, Sum, Minimum, Maximum, timestamp.
 */
#define CW_NS			"http://monitoring.amazonaws.com/doc/2010-08-01/"
#define CW_MAX_PARAMS		40000
#define CW_MAX_DATUMS		1000
#define CW_MAX_DIMS		30

struct cw_param {
	char	*key;
	char	*value;
};

static void
cw_xml_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<':
			buf_printf(b, "&lt;");
			break;
		case '>':
			buf_printf(b, "&gt;");
			break;
		case '&':
			buf_printf(b, "&amp;");
			break;
		case '"':
			buf_printf(b, "&quot;");
			break;
		default:
			buf_add(b, s, 1);
			break;
		}
	}
}

/* An ErrorResponse; type is the Code ("InvalidParameterValue"). */
static void __attribute__((format(printf, 4, 5)))
cw_xml_error(struct reply *r, int status, const char *type, const char *fmt,
    ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	r->status = status;
	r->type = type;
	r->xml = 1;
	r->body.len = 0;
	buf_printf(&r->body, "<ErrorResponse xmlns=\"" CW_NS "\">\n"
	    "  <Error>\n    <Type>%s</Type>\n    <Code>", status >= 500 ?
	    "Receiver" : "Sender");
	cw_xml_escape(&r->body, type);
	buf_printf(&r->body, "</Code>\n    <Message>");
	cw_xml_escape(&r->body, msg);
	buf_printf(&r->body, "</Message>\n  </Error>\n  <RequestId>"
	    "%08lx-0000-4000-8000-%012" PRIx64 "</RequestId>\n"
	    "</ErrorResponse>\n", (unsigned long)fake.start & 0xffffffffUL,
	    fake.serial + 1);
	free(msg);
}

static int
cw_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Decodes n bytes of a form field ('+' is a space).  NULL if malformed. */
static char *
cw_decode(const char *s, size_t n)
{
	char	*out = xmalloc(n + 1), *o = out;
	size_t	 i;
	int	 h, l;

	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%') {
			if (i + 2 >= n) {
				free(out);
				return (NULL);
			}
			if ((h = cw_hex(s[i + 1])) == -1 ||
			    (l = cw_hex(s[i + 2])) == -1) {
				free(out);
				return (NULL);
			}
			*o++ = (char)(h << 4 | l);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	if (strlen(out) != (size_t)(o - out)) {
		free(out);		/* a NUL inside */
		return (NULL);
	}
	return (out);
}

static int
cw_param_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct cw_param *)a)->key,
	    ((const struct cw_param *)b)->key));
}

static const char *
cw_get(const struct cw_param *p, size_t n, const char *key)
{
	struct cw_param		 k = { (char *)(uintptr_t)key, NULL };
	const struct cw_param	*f;

	f = bsearch(&k, p, n, sizeof *p, cw_param_cmp);
	return (f != NULL ? f->value : NULL);
}

/* A double as the API takes it; 1 if s is one. */
static int
cw_number(const char *s, double *v)
{
	char	*end;

	if (s == NULL || *s == '\0')
		return (0);
	errno = 0;
	*v = strtod(s, &end);
	return (*end == '\0' && errno == 0 && isfinite(*v));
}

/* ISO 8601 UTC, with or without fractions: 1 if s is one. */
static int
cw_timestamp(const char *s)
{
	struct tm	 tm;
	const char	*p;

	memset(&tm, 0, sizeof tm);
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return (0);
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	return (strcmp(p, "Z") == 0 || strcmp(p, "+00:00") == 0);
}

static const char *const cw_units[] = {
	"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes",
	"Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits",
	"Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
	"Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
	"Terabytes/Second", "Bits/Second", "Kilobits/Second",
	"Megabits/Second", "Gigabits/Second", "Terabits/Second",
	"Count/Second", "None", NULL
};

/* Checks datum i (1-based) and appends its line to out.  0 or -1. */
static int
cw_datum(const struct cw_param *p, size_t np, const char *ns, size_t i,
    struct buf *out, struct reply *r)
{
	static const char *const stats[] = { "SampleCount", "Sum", "Minimum",
	    "Maximum" };
	char		 key[128];
	const char	*name, *value, *unit, *ts, *sv[4], *dn, *dv;
	double		 d[4], x;
	size_t		 j, k;

	snprintf(key, sizeof key, "MetricData.member.%zu.MetricName", i);
	if ((name = cw_get(p, np, key)) == NULL) {
		cw_xml_error(r, 400, "MissingParameter", "The parameter "
		    "MetricData.member.%zu.MetricName is required.", i);
		return (-1);
	}
	if (*name == '\0' || strlen(name) > 255) {
		cw_xml_error(r, 400, "InvalidParameterValue", "The value for "
		    "parameter MetricData.member.%zu.MetricName is invalid.",
		    i);
		return (-1);
	}
	snprintf(key, sizeof key, "MetricData.member.%zu.Value", i);
	value = cw_get(p, np, key);
	for (j = 0; j < 4; j++) {
		snprintf(key, sizeof key, "MetricData.member.%zu."
		    "StatisticValues.%s", i, stats[j]);
		sv[j] = cw_get(p, np, key);
	}
	if (value != NULL && (sv[0] || sv[1] || sv[2] || sv[3])) {
		cw_xml_error(r, 400, "InvalidParameterCombination", "The "
		    "parameters MetricData.member.%zu.Value and MetricData."
		    "member.%zu.StatisticValues are mutually exclusive and "
		    "you have specified both.", i, i);
		return (-1);
	}
	if (value != NULL) {
		if (!cw_number(value, &x)) {
			cw_xml_error(r, 400, "InvalidParameterValue", "The "
			    "value %s for parameter MetricData.member.%zu.Value "
			    "is invalid.", value, i);
			return (-1);
		}
		for (j = 0; j < 4; j++) {
			sv[j] = j == 0 ? "1" : value;
			d[j] = j == 0 ? 1 : x;
		}
	} else {
		for (j = 0; j < 4; j++) {
			if (sv[j] == NULL) {
				cw_xml_error(r, 400, "MissingParameter", "The "
				    "parameter MetricData.member.%zu."
				    "StatisticValues.%s is required.", i,
				    stats[j]);
				return (-1);
			}
			if (!cw_number(sv[j], &d[j])) {
				cw_xml_error(r, 400, "InvalidParameterValue",
				    "The value %s for parameter MetricData."
				    "member.%zu.StatisticValues.%s is "
				    "invalid.", sv[j], i, stats[j]);
				return (-1);
			}
		}
		if (d[0] <= 0 || d[2] > d[3]) {
			cw_xml_error(r, 400, "InvalidParameterValue", "The "
			    "parameter MetricData.member.%zu.StatisticValues "
			    "is invalid: SampleCount must be positive and "
			    "Minimum at most Maximum.", i);
			return (-1);
		}
	}
	snprintf(key, sizeof key, "MetricData.member.%zu.Unit", i);
	if ((unit = cw_get(p, np, key)) == NULL)
		unit = "None";
	for (j = 0; cw_units[j] != NULL && strcmp(cw_units[j], unit) != 0;
	    j++)
		;
	if (cw_units[j] == NULL) {
		cw_xml_error(r, 400, "InvalidParameterValue", "The value %s "
		    "for parameter MetricData.member.%zu.Unit is invalid.",
		    unit, i);
		return (-1);
	}
	snprintf(key, sizeof key, "MetricData.member.%zu.Timestamp", i);
	if ((ts = cw_get(p, np, key)) != NULL && !cw_timestamp(ts)) {
		cw_xml_error(r, 400, "InvalidParameterValue", "The value %s "
		    "for parameter MetricData.member.%zu.Timestamp is "
		    "invalid.", ts, i);
		return (-1);
	}

	buf_printf(out, "%s\t%s\t", ns, name);
	for (k = 1; k <= CW_MAX_DIMS + 1; k++) {
		snprintf(key, sizeof key, "MetricData.member.%zu.Dimensions."
		    "member.%zu.Name", i, k);
		dn = cw_get(p, np, key);
		snprintf(key, sizeof key, "MetricData.member.%zu.Dimensions."
		    "member.%zu.Value", i, k);
		dv = cw_get(p, np, key);
		if (dn == NULL && dv == NULL)
			break;
		if (k > CW_MAX_DIMS) {
			cw_xml_error(r, 400, "InvalidParameterValue", "The "
			    "collection MetricData.member.%zu.Dimensions must "
			    "not have more than %d members.", i, CW_MAX_DIMS);
			return (-1);
		}
		if (dn == NULL || dv == NULL || *dn == '\0' || *dv == '\0' ||
		    strlen(dn) > 255 || strlen(dv) > 1024) {
			cw_xml_error(r, 400, "InvalidParameterValue", "The "
			    "parameter MetricData.member.%zu.Dimensions."
			    "member.%zu needs a Name (1 to 255 characters) and "
			    "a Value (1 to 1024).", i, k);
			return (-1);
		}
		buf_printf(out, "%s%s=%s", k > 1 ? "," : "", dn, dv);
	}
	buf_printf(out, "\t%s\t%s\t%s\t%s\t%s\t%s\n", unit, sv[0], sv[1],
	    sv[2], sv[3], ts != NULL ? ts : "-");
	return (0);
}

static void
op_put_metric_data(const char *body, size_t len, struct reply *r)
{
	struct cw_param	*p = NULL;
	struct buf	 out = { NULL, 0, 0 };
	const char	*s = body, *end = body + len, *amp, *eq, *ns, *v;
	char		 key[64];
	size_t		 np = 0, i, ndatums;

	while (s < end) {
		if ((amp = memchr(s, '&', (size_t)(end - s))) == NULL)
			amp = end;
		if (amp > s) {
			if (np == CW_MAX_PARAMS) {
				cw_xml_error(r, 400, "InvalidParameterValue",
				    "Too many parameters.");
				goto out;
			}
			p = xreallocarray(p, np + 1, sizeof *p);
			eq = memchr(s, '=', (size_t)(amp - s));
			p[np].key = cw_decode(s, (size_t)((eq != NULL ? eq :
			    amp) - s));
			p[np].value = eq != NULL ? cw_decode(eq + 1,
			    (size_t)(amp - eq - 1)) : xstrdup("");
			np++;
			if (p[np - 1].key == NULL || p[np - 1].value == NULL) {
				cw_xml_error(r, 400, "MalformedQueryString",
				    "The request body is not form-encoded.");
				goto out;
			}
		}
		s = amp + 1;
	}
	qsort(p, np, sizeof *p, cw_param_cmp);
	for (i = 1; i < np; i++) {
		if (strcmp(p[i - 1].key, p[i].key) == 0) {
			cw_xml_error(r, 400, "InvalidParameterValue", "The "
			    "parameter %s is given twice.", p[i].key);
			goto out;
		}
	}
	v = cw_get(p, np, "Action");
	if (v == NULL || strcmp(v, "PutMetricData") != 0) {
		cw_xml_error(r, 400, "InvalidAction", "Could not find "
		    "operation %s for version %s", v != NULL ? v : "",
		    cw_get(p, np, "Version") != NULL ? cw_get(p, np,
		    "Version") : "");
		goto out;
	}
	v = cw_get(p, np, "Version");
	if (v == NULL || strcmp(v, "2010-08-01") != 0) {
		cw_xml_error(r, 400, "InvalidAction", "Could not find "
		    "operation PutMetricData for version %s", v != NULL ? v :
		    "");
		goto out;
	}
	if ((ns = cw_get(p, np, "Namespace")) == NULL) {
		cw_xml_error(r, 400, "MissingParameter", "The parameter "
		    "Namespace is required.");
		goto out;
	}
	if (*ns == '\0' || strlen(ns) > 255 || *ns == ':' ||
	    strncmp(ns, "AWS/", 4) == 0) {
		cw_xml_error(r, 400, "InvalidParameterValue", "The value %s "
		    "for parameter Namespace is invalid.", ns);
		goto out;
	}
	for (ndatums = 0; ndatums <= CW_MAX_DATUMS; ndatums++) {
		snprintf(key, sizeof key, "MetricData.member.%zu.MetricName",
		    ndatums + 1);
		if (cw_get(p, np, key) == NULL)
			break;
	}
	if (ndatums == 0) {
		cw_xml_error(r, 400, "MissingParameter", "The parameter "
		    "MetricData is required.");
		goto out;
	}
	if (ndatums > CW_MAX_DATUMS) {
		cw_xml_error(r, 400, "InvalidParameterValue", "The collection "
		    "MetricData must not have more than %d members.",
		    CW_MAX_DATUMS);
		goto out;
	}
	for (i = 1; i <= ndatums; i++) {
		if (cw_datum(p, np, ns, i, &out, r) == -1)
			goto out;
	}
	if (rng_chance(fake.cur.cw_error500)) {
		cw_xml_error(r, 500, "InternalFailure", "The request "
		    "processing has failed because of an unknown error, "
		    "exception or failure.");
		goto out;
	}
	if (fake.cw != NULL && (fwrite(out.p, 1, out.len, fake.cw) !=
	    out.len || fflush(fake.cw) == EOF))
		fatal("%s", fake.cw_path);
	fake.st.put_metric_data++;
	fake.st.datums_accepted += ndatums;
	r->status = 200;
	r->xml = 1;
	buf_printf(&r->body, "<PutMetricDataResponse xmlns=\"" CW_NS "\">\n"
	    "  <ResponseMetadata>\n    <RequestId>%08lx-0000-4000-8000-%012"
	    PRIx64 "</RequestId>\n  </ResponseMetadata>\n"
	    "</PutMetricDataResponse>\n",
	    (unsigned long)fake.start & 0xffffffffUL, fake.serial + 1);
out:
	for (i = 0; i < np; i++) {
		free(p[i].key);
		free(p[i].value);
	}
	free(p);
	buf_free(&out);
}

struct fake_op {
	const char	*target;
	void		(*fn)(json_t *, struct reply *);
};

static const struct fake_op fake_ops[] = {
	{ "Kinesis_20131202.PutRecords", op_put_records },
	{ "Firehose_20150804.PutRecordBatch", op_put_record_batch },
	{ "Kinesis_20131202.DescribeStreamSummary",
	  op_describe_stream_summary },
};

/*
 * Verifies the request's signature with the expected credentials
 * (--expect-key and friends), answering as AWS does on a mismatch.
 * Returns 0, or -1 with the error reply made.
 */
static int
fake_sigcheck(struct conn *c, struct reply *r, int form)
{
	const struct fake_settings	*s = &fake.cur;
	const char			*svc;
	char				 why[256];

	svc = c->req.amz_target != NULL && strncmp(c->req.amz_target,
	    "Firehose_", 9) == 0 ? "firehose" : "kinesis";
	if (form)
		svc = "monitoring";
	switch (sigcheck_verify(&c->req.h, c->in.p + c->head_len,
	    c->req.h.content_length, s->expect_key, s->expect_secret,
	    s->expect_token[0] != '\0' ? s->expect_token : NULL, svc, why,
	    sizeof why)) {
	case SIGCHECK_OK:
		fake.st.sig_ok++;
		return (0);
	case SIGCHECK_MISSING:
		reply_error(r, 400, "IncompleteSignatureException", "%s", why);
		break;
	case SIGCHECK_BAD_KEY:
		reply_error(r, 400, "UnrecognizedClientException",
		    "The security token included in the request is invalid.");
		break;
	case SIGCHECK_BAD_TOKEN:
		reply_error(r, 400, "ExpiredTokenException",
		    "The security token included in the request is expired");
		break;
	case SIGCHECK_BAD_SIGNATURE:
		reply_error(r, 400, "InvalidSignatureException", "%s", why);
		break;
	}
	/* Keys rotated under the client, as AWS may refuse them. */
	if (s->sig_error[0] != '\0') {
		if (strcmp(s->sig_error, "InvalidSignatureException") == 0)
			reply_error(r, 400, s->sig_error, "The request "
			    "signature we calculated does not match the "
			    "signature you provided. Check your AWS Secret "
			    "Access Key and signing method. Consult the "
			    "service documentation for details.");
		else
			reply_error(r, 400, s->sig_error, "%s", why);
	}
	fake.st.sig_failed++;
	log_debug("signature check: %s", why);
	return (-1);
}

/*
 * With clock-ahead: 1 if the request's X-Amz-Date is more than 5 minutes
 * off the fake's clock, as AWS refuses it (why gets the message).
 */
static int
fake_is_skewed(const char *amz_date, char *why, size_t len)
{
	struct tm	 tm;
	time_t		 t, now;
	const char	*end;
	char		 nows[32];

	now = time(NULL) + (time_t)fake.cur.clock_ahead_s;
	memset(&tm, 0, sizeof tm);
	end = strptime(amz_date, "%Y%m%dT%H%M%SZ", &tm);
	t = end != NULL && *end == '\0' ? timegm(&tm) : 0;
	if (t >= now - 300 && t <= now + 300)
		return (0);
	gmtime_r(&now, &tm);
	strftime(nows, sizeof nows, "%Y%m%dT%H%M%SZ", &tm);
	/* The message Kinesis gives (InvalidSignatureException). */
	snprintf(why, len, "Signature expired: %s is now earlier than %s "
	    "(%s - 5 min.)", amz_date, nows, nows);
	return (1);
}

/* Makes the reply the error knob asks for: "Type" or "STATUS:Type". */
static void
fake_knob_error(struct reply *r)
{
	const char	*e = fake.cur.error, *colon;
	int		 status = 400;

	fake.st.knob_errors++;
	if ((colon = strchr(e, ':')) != NULL) {
		status = atoi(e);
		if (status < 100 || status > 599)
			status = 400;
		e = colon + 1;
	} else if (strcmp(e, "InternalFailure") == 0)
		status = 500;
	else if (strcmp(e, "ServiceUnavailable") == 0)
		status = 503;
	if (strncmp(e, "AccessDenied", 12) == 0)
		reply_error(r, status, e, "User: arn:aws:iam::" FAKE_ACCOUNT
		    ":user/fakeaws is not authorized to perform: "
		    "kinesis:PutRecords");
	else
		reply_error(r, status, e, "fakeaws: the error knob");
	/* reply_error keeps the type's pointer: the knob's text is stable
	 * only until the next control file load, before the next request. */
}

/*
 * Answers the complete request at the front of c->in.  Returns 0, or -1
 * when the connection is to be dropped unanswered.
 */
static int
conn_handle(struct conn *c)
{
	struct reply		 r;
	const struct fake_op	*op = NULL;
	const struct req	*q = &c->req;
	const char		*ct;
	json_t			*req = NULL;
	json_error_t		 jerr;
	size_t			 i, n;
	int			 ret = 0, form, truncated = 0;
	char			 why[256];

	memset(&r, 0, sizeof r);
	fake_control_reload();
	fake.st.requests++;

	if (strcmp(q->h.method, "POST") != 0) {
		reply_error(&r, 405, "UnknownOperationException",
		    "Only POST is supported");
		goto reply;
	}
	/* Signatures are not checked, but a sender must have signed. */
	if (q->authorization == NULL) {
		reply_error(&r, 400, "MissingAuthenticationTokenException",
		    "Missing Authentication Token");
		goto reply;
	}
	if (strncmp(q->authorization, "AWS4-HMAC-SHA256 ", 17) != 0 ||
	    strstr(q->authorization, "Credential=") == NULL ||
	    strstr(q->authorization, "SignedHeaders=") == NULL ||
	    strstr(q->authorization, "Signature=") == NULL) {
		reply_error(&r, 400, "IncompleteSignatureException",
		    "Authorization header requires 'AWS4-HMAC-SHA256' with "
		    "Credential, SignedHeaders and Signature parameters");
		goto reply;
	}
	if (q->amz_date == NULL) {
		reply_error(&r, 400, "IncompleteSignatureException",
		    "Authorization header requires existence of a "
		    "'X-Amz-Date' header");
		goto reply;
	}
	ct = q->content_type != NULL ? q->content_type : "";
	n = strcspn(ct, "; \t");
	form = q->amz_target == NULL && n == strlen(FAKE_FORM_TYPE) &&
	    strncasecmp(ct, FAKE_FORM_TYPE, n) == 0;
	if (fake.cur.clock_ahead_s > 0 &&
	    fake_is_skewed(q->amz_date, why, sizeof why)) {
		fake.st.skewed++;
		reply_error(&r, 400, "InvalidSignatureException", "%s", why);
		goto reply;
	}
	if (fake.cur.expect_key[0] != '\0' && fake_sigcheck(c, &r,
	    form) == -1) {
		if (form)
			cw_xml_error(&r, r.status, r.type, "%s", "signature "
			    "check failed");
		goto reply;
	}
	if (form) {
		op_put_metric_data(c->in.p + c->head_len,
		    q->h.content_length, &r);
		goto reply;
	}
	for (i = 0; q->amz_target != NULL &&
	    i < sizeof fake_ops / sizeof fake_ops[0]; i++) {
		if (strcmp(q->amz_target, fake_ops[i].target) == 0)
			op = &fake_ops[i];
	}
	if (op == NULL) {
		reply_error(&r, 400, "UnknownOperationException",
		    "Unknown operation: X-Amz-Target is %.128s",
		    q->amz_target != NULL ? q->amz_target : "missing");
		goto reply;
	}
	ct = q->content_type != NULL ? q->content_type : "";
	n = strcspn(ct, "; \t");
	if (n != strlen(FAKE_JSON_TYPE) ||
	    strncasecmp(ct, FAKE_JSON_TYPE, n) != 0) {
		reply_error(&r, 400, "SerializationException",
		    "Content-Type must be " FAKE_JSON_TYPE ", not %.128s", ct);
		goto reply;
	}

	if (rng_chance(fake.cur.drop)) {
		fake.st.dropped++;
		log_debug("%s: dropped", op->target);
		ret = -1;
		goto out;
	}
	if (rng_chance(fake.cur.error500)) {
		reply_error(&r, 500, "InternalFailure",
		    "The request processing has failed because of an unknown "
		    "error, exception or failure.");
		goto reply;
	}
	if (rng_chance(fake.cur.error503)) {
		reply_error(&r, 503, "ServiceUnavailable",
		    "The request has failed due to a temporary failure of the "
		    "server.");
		goto reply;
	}
	if (fake.cur.error[0] != '\0' && rng_chance(fake.cur.error_prob)) {
		fake_knob_error(&r);
		goto reply;
	}
	/* Garbled answers record nothing: trusting one loses records. */
	if (rng_chance(fake.cur.garbage)) {
		fake.st.garbled++;
		r.status = 200;
		buf_printf(&r.body, "<html><body>Bad Gateway</body></html>");
		goto reply;
	}
	if (rng_chance(fake.cur.truncate)) {
		fake.st.garbled++;
		truncated = 1;
		c->close_after = 1;
		r.status = 200;
		buf_printf(&r.body, "{\"FailedRecordCount\":0,\"Records\":[{"
		    "\"SequenceNumber\":\"1\",\"ShardId\":\"" FAKE_SHARD
		    "\"}]}");
		goto reply;
	}

	req = fj_parse(c->in.p + c->head_len, q->h.content_length);
	if (req == NULL)
		req = json_loadb(c->in.p + c->head_len, q->h.content_length,
		    JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL || !json_is_object(req)) {
		reply_error(&r, 400, "SerializationException",
		    "Request body is not a JSON object: %s",
		    req == NULL ? jerr.text : "wrong type");
		goto reply;
	}
	op->fn(req, &r);

reply:
	if (r.status == 0)
		reply_error(&r, 500, "InternalFailure", "no reply was made");
	if (r.status != 200)
		fake.st.errors++;
	log_debug("%s: HTTP %d%s%s", op != NULL ? op->target : "-", r.status,
	    r.type != NULL ? " " : "", r.type != NULL ? r.type : "");
	conn_build_reply(c, r.status, r.type, &r.body, r.xml);
	/* Content-Length promises the whole body; half comes, then EOF. */
	if (truncated)
		c->held.len -= r.body.len / 2;
	if (fake.cur.delay_ms > 0 || fake.cur.delay_random_ms > 0) {
		c->state = CONN_DELAY;
		if (++fake.st.held > fake.st.max_held)
			fake.st.max_held = fake.st.held;
		conn_set_deadline(c, now_ms() + fake.cur.delay_ms +
		    (fake.cur.delay_random_ms > 0 ?
		    rng_next() % (fake.cur.delay_random_ms + 1) : 0));
	} else
		conn_release(c);
out:
	buf_consume(&c->in, c->head_len + q->h.content_length);
	c->head_len = 0;
	fake_stats_write();
	json_decref(req);
	buf_free(&r.body);
	return (ret);
}

/*
 * Moves c through its states as far as the buffered input and the socket
 * allow.  Returns 0, or -1 when c is to be closed.
 */
static int
conn_advance(struct conn *c)
{
	for (;;) {
		switch (c->state) {
		case CONN_HEAD:
			if (conn_parse_head(c) == 0)
				goto out;
			break;
		case CONN_BODY:
			if (c->in.len < c->head_len + c->req.h.content_length) {
				if (conn_flush(c) == -1)
					return (-1);
				goto out;
			}
			if (conn_handle(c) == -1)
				return (-1);
			break;
		case CONN_DELAY:
			goto out;
		case CONN_WRITE:
			if (conn_flush(c) == -1)
				return (-1);
			if (c->out_off < c->out.len)
				goto out;
			if (c->close_after) {
				/*
				 * Shut the write side and drain, so that
				 * unread input does not turn the close into
				 * a reset that loses the reply.
				 */
				shutdown(c->fd, SHUT_WR);
				c->in.len = 0;
				c->state = CONN_LINGER;
				conn_set_deadline(c, now_ms() +
				    FAKE_LINGER_MS);
				goto out;
			}
			req_clear(&c->req);
			c->state = CONN_HEAD;
			break;
		case CONN_LINGER:
			c->in.len = 0;
			goto out;
		}
	}
out:
	conn_set_events(c);
	return (0);
}

/* Reads once.  Returns 0, or -1 on end of file or error. */
static int
conn_read(struct conn *c)
{
	ssize_t	n;

	buf_reserve(&c->in, c->in.len + FAKE_READ_CHUNK);
	n = read(c->fd, c->in.p + c->in.len, FAKE_READ_CHUNK);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return (0);
		return (-1);
	}
	if (n == 0)
		return (-1);
	c->in.len += n;
	return (0);
}

static void
conn_event(struct conn *c, uint32_t events)
{
	int	reading;

	if (events & EPOLLERR)
		goto close;
	if (events & EPOLLOUT) {
		if (conn_flush(c) == -1)
			goto close;
	}
	reading = c->state == CONN_HEAD || c->state == CONN_BODY ||
	    c->state == CONN_LINGER;
	if (reading && (events & (EPOLLIN|EPOLLHUP))) {
		if (conn_read(c) == -1)
			goto close;
	} else if (!reading && (events & EPOLLHUP))
		goto close;	/* the peer gave up waiting */
	if (conn_advance(c) == -1)
		goto close;
	return;
close:
	conn_free(c);
}

static void
conn_timer(struct conn *c)
{
	conn_set_deadline(c, 0);
	if (c->state == CONN_LINGER) {
		conn_free(c);
		return;
	}
	if (c->state == CONN_DELAY) {
		fake.st.held--;
		conn_release(c);
		if (conn_advance(c) == -1)
			conn_free(c);
	}
}

/* The server ------------------------------------------------------------ */

static void
fake_accept(void)
{
	struct epoll_event	 ev;
	struct conn		*c;
	int			 fd, one = 1;

	for (;;) {
		fd = accept4(fake.lfd, NULL, NULL, SOCK_NONBLOCK|SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* Back off rather than spin on the backlog. */
				log_warn("accept");
				memset(&ev, 0, sizeof ev);
				ev.data.ptr = &fake_listen_tag;
				if (epoll_ctl(fake.epfd, EPOLL_CTL_MOD,
				    fake.lfd, &ev) == -1)
					fatal("epoll_ctl");
				fake.accept_resume = now_ms() +
				    FAKE_ACCEPT_PAUSE_MS;
				return;
			}
			fatal("accept");
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c = xcalloc(1, sizeof *c);
		c->fd = fd;
		c->state = CONN_HEAD;
		c->events = EPOLLIN;
		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(fake.epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
			fatal("epoll_ctl");
		TAILQ_INSERT_TAIL(&fake.conns, c, entry);
		fake.nconns++;
		fake.st.connections++;
	}
}

static void
fake_signal(void)
{
	struct signalfd_siginfo	si;
	ssize_t			n;

	for (;;) {
		n = read(fake.sfd, &si, sizeof si);
		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof si)
			return;
		switch (si.ssi_signo) {
		case SIGUSR1:
			fake_stats_line();
			break;
		case SIGTERM:
		case SIGINT:
			fake.quit = 1;
			break;
		}
	}
}

/* Milliseconds until the next deadline, or -1 for none. */
static int
fake_timeout(void)
{
	struct conn	*c;
	uint64_t	 now, next = 0;

	if (fake.ntimed == 0 && fake.accept_resume == 0)
		return (-1);
	next = fake.accept_resume;
	TAILQ_FOREACH(c, &fake.conns, entry) {
		if (c->deadline != 0 && (next == 0 || c->deadline < next))
			next = c->deadline;
	}
	now = now_ms();
	if (next <= now)
		return (0);
	if (next - now > INT_MAX)
		return (INT_MAX);
	return ((int)(next - now));
}

static void
fake_run_timers(void)
{
	struct epoll_event	 ev;
	struct conn		*c, *next;
	uint64_t		 now;

	now = now_ms();
	if (fake.accept_resume != 0 && fake.accept_resume <= now) {
		fake.accept_resume = 0;
		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLIN;
		ev.data.ptr = &fake_listen_tag;
		if (epoll_ctl(fake.epfd, EPOLL_CTL_MOD, fake.lfd, &ev) == -1)
			fatal("epoll_ctl");
	}
	if (fake.ntimed == 0)
		return;
	for (c = TAILQ_FIRST(&fake.conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->deadline != 0 && c->deadline <= now)
			conn_timer(c);
	}
}

static void
fake_listen(unsigned int port, const char *port_file)
{
	struct epoll_event	 ev;
	sigset_t		 set;

	fake.lfd = httpd_listen(port, SOCK_NONBLOCK|SOCK_CLOEXEC, &fake.port);
	if (fake.lfd == -1)
		fatal("listen on 127.0.0.1:%u", port);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask");
	if ((fake.sfd = signalfd(-1, &set, SFD_NONBLOCK|SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	signal(SIGPIPE, SIG_IGN);

	if ((fake.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.ptr = &fake_listen_tag;
	if (epoll_ctl(fake.epfd, EPOLL_CTL_ADD, fake.lfd, &ev) == -1)
		fatal("epoll_ctl");
	ev.data.ptr = &fake_signal_tag;
	if (epoll_ctl(fake.epfd, EPOLL_CTL_ADD, fake.sfd, &ev) == -1)
		fatal("epoll_ctl");

	if (port_file != NULL && httpd_write_port(port_file, fake.port) == -1)
		fatal("cannot write port file %s", port_file);
	printf("fakeaws listening on 127.0.0.1:%u\n", fake.port);
	fflush(stdout);
}

static void
fake_loop(void)
{
	struct epoll_event	evs[FAKE_EVENTS];
	int			i, n;

	while (!fake.quit) {
		n = epoll_wait(fake.epfd, evs, FAKE_EVENTS, fake_timeout());
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == &fake_listen_tag)
				fake_accept();
			else if (evs[i].data.ptr == &fake_signal_tag)
				fake_signal();
			else
				conn_event(evs[i].data.ptr, evs[i].events);
		}
		fake_run_timers();
	}
}

static void
fake_shutdown(void)
{
	size_t	i;

	fake_stats_line();
	fake_stats_write();
	while (!TAILQ_EMPTY(&fake.conns))
		conn_free(TAILQ_FIRST(&fake.conns));
	if (fake.out != NULL && fclose(fake.out) == EOF)
		log_warn("%s", fake.out_path);
	if (fake.cw != NULL && fclose(fake.cw) == EOF)
		log_warn("%s", fake.cw_path);
	if (fake.req != NULL && fclose(fake.req) == EOF)
		log_warn("%s", fake.req_path);
	for (i = 0; i < fake.nstreams; i++)
		free(fake.streams[i]);
	free(fake.streams);
	for (i = 0; i < fake.ndstreams; i++)
		free(fake.dstreams[i]);
	free(fake.dstreams);
	buf_free(&fake.scratch);
	buf_free(&fake.entries);
	close(fake.epfd);
	close(fake.sfd);
	close(fake.lfd);
}

static void __attribute__((noreturn))
usage(int status)
{
	FILE	*f = status == 0 ? stdout : stderr;
	size_t	 i;

	fprintf(f, "usage: fakeaws [-hv] [-c control] [-d delivery-stream] "
	    "[-m metrics] [-o output] [-P port-file]\n"
	    "               [-p port] [-r requests] [-S stats-file] "
	    "[-s stream] "
	    "[--seed n] [--knob value ...]\n"
	    "knobs (also control file keys, key=value):\n");
	for (i = 0; i < FAKE_NKNOBS; i++) {
		fprintf(f, "  --%-26s %s\n", fake_knobs[i].name,
		    fake_knobs[i].help);
	}
	fprintf(f, "  --%-26s %s\n", "seed", "PRNG seed (default: time)");
	exit(status);
}

int
main(int argc, char **argv)
{
	struct option		 longopts[FAKE_NKNOBS + 3];
	const struct knob	*k;
	const char		*port_file = NULL;
	char			*cause;
	uint64_t		 u, seed;
	size_t			 i;
	int			 ch, verbose = 0, have_seed = 0;
	unsigned int		 port = 0;

	log_init("fakeaws", 0);
	memset(longopts, 0, sizeof longopts);
	for (i = 0; i < FAKE_NKNOBS; i++) {
		longopts[i].name = fake_knobs[i].name;
		longopts[i].has_arg = fake_knobs[i].type == KNOB_BOOL ?
		    no_argument : required_argument;
		longopts[i].val = 256 + (int)i;
	}
	longopts[i].name = "seed";
	longopts[i].has_arg = required_argument;
	longopts[i++].val = 256 + FAKE_NKNOBS;
	longopts[i].name = "help";
	longopts[i].val = 'h';

	fake.cli = fake_defaults;
	fake.start = time(NULL);
	seed = (uint64_t)fake.start ^ ((uint64_t)getpid() << 32);
	TAILQ_INIT(&fake.conns);
	while ((ch = getopt_long(argc, argv, "c:d:hm:o:P:p:r:S:s:v", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			fake.control_path = optarg;
			break;
		case 'd':
			if (!name_is_valid(optarg, strlen(optarg),
			    FAKE_FIREHOSE_NAME_MAX))
				fatalx("-d %s: not a delivery stream name",
				    optarg);
			fake.dstreams = xreallocarray(fake.dstreams,
			    fake.ndstreams + 1, sizeof *fake.dstreams);
			fake.dstreams[fake.ndstreams++] = xstrdup(optarg);
			break;
		case 'h':
			usage(0);
		case 'm':
			fake.cw_path = optarg;
			break;
		case 'o':
			fake.out_path = optarg;
			break;
		case 'P':
			port_file = optarg;
			break;
		case 'p':
			if (parse_uint(optarg, 65535, &u) == -1)
				fatalx("-p %s: not a port", optarg);
			port = (unsigned int)u;
			break;
		case 'r':
			fake.req_path = optarg;
			break;
		case 'S':
			fake.stats_path = optarg;
			break;
		case 's':
			if (!name_is_valid(optarg, strlen(optarg),
			    FAKE_KINESIS_NAME_MAX))
				fatalx("-s %s: not a stream name", optarg);
			fake.streams = xreallocarray(fake.streams,
			    fake.nstreams + 1, sizeof *fake.streams);
			fake.streams[fake.nstreams++] = xstrdup(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			if (ch == 256 + (int)FAKE_NKNOBS) {
				if (parse_uint(optarg, UINT64_MAX, &seed) == -1)
					fatalx("--seed %s: not a number",
					    optarg);
				have_seed = 1;
				break;
			}
			if (ch < 256 || ch >= 256 + (int)FAKE_NKNOBS)
				usage(1);
			k = &fake_knobs[ch - 256];
			if (knob_set(&fake.cli, k, k->type == KNOB_BOOL ?
			    "1" : optarg, &cause) == -1)
				fatalx("--%s", cause);
			break;
		}
	}
	if (optind != argc)
		usage(1);
	log_init("fakeaws", verbose);
	rng_seed(seed);
	if (!have_seed)
		log_info("seed %" PRIu64, seed);
	fake.cur = fake.cli;

	if (fake.out_path != NULL) {
		if ((fake.out = fopen(fake.out_path, "ae")) == NULL)
			fatal("%s", fake.out_path);
		setvbuf(fake.out, NULL, _IOFBF, 1024 * 1024);
	}
	if (fake.cw_path != NULL &&
	    (fake.cw = fopen(fake.cw_path, "ae")) == NULL)
		fatal("%s", fake.cw_path);
	if (fake.req_path != NULL &&
	    (fake.req = fopen(fake.req_path, "ae")) == NULL)
		fatal("%s", fake.req_path);
	fake_control_reload();
	fake_listen(port, port_file);
	fake_stats_write();
	fake_loop();
	fake_shutdown();
	return (0);
}
