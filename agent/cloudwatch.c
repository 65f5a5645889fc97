/*
 * cloudwatch: see cloudwatch.h.
 *
 * Each period ends on a timer of the delivery loop: the flows' statistic
 * sets (metrics_take_stats) are taken and merged per destination, and a
 * period with any request in it joins a ring of
 * CLOUDWATCH_MAX_PERIODS.  One request at a time takes datums from the
 * oldest periods.  Periods carry sequence numbers, so that a period
 * dropped from a full ring while a request is in flight does not confuse
 * what the answer acknowledges.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "awsreq.h"
#include "backoff.h"
#include "buf.h"
#include "cloudwatch.h"
#include "config.h"
#include "creds.h"
#include "dest.h"
#include "ec2_metadata.h"
#include "http.h"
#include "imds.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "problem.h"
#include "xmalloc.h"

/* The API version of the Query protocol (the API reference's). */
#define CLOUDWATCH_VERSION	"2010-08-01"
/* Namespace: 1 to 255 characters, not starting with ':' or "AWS/". */
#define CLOUDWATCH_NS_MAX	255
/* The first retry of a failed request, at most. */
#define CLOUDWATCH_RETRY_MS	1000

/* The metrics, in the order they are sent. */
enum cloudwatch_metric {
	CW_ATTEMPTS,
	CW_SENT,
	CW_ERRORS,
	CW_BYTES,
	CW_SERVICE_ERRORS,
	CW_NMETRICS
};

static const struct {
	const char		*name;
	const char		*unit;
	enum metrics_stat	 stat;
} cloudwatch_metrics[CW_NMETRICS] = {
	[CW_ATTEMPTS] = { "RecordSendAttempts", "Count",
	    METRICS_STAT_ATTEMPTS },
	[CW_SENT] = { "RecordsSent", "Count", METRICS_STAT_SENT },
	[CW_ERRORS] = { "RecordSendErrors", "Count", METRICS_STAT_ERRORS },
	[CW_BYTES] = { "BytesSent", "Bytes", METRICS_STAT_BYTES },
	[CW_SERVICE_ERRORS] = { "ServiceErrors", "Count",
	    METRICS_STAT_SERVICE_ERRORS },
};

/* Destinations per request: whole groups of CW_NMETRICS datums. */
#define CW_GROUPS	(CLOUDWATCH_MAX_DATUMS / CW_NMETRICS)

/* What dest_endpoint_make needs: the host label and a name. */
static const struct dest_ops cloudwatch_ops = {
	.name = "cloudwatch",
	.service = "monitoring",
	.api = "PutMetricData",
};

struct cloudwatch_period {
	uint64_t	 seq;
	time_t		 ts;		/* when it ended */
	struct metrics_statset *v;	/* ndests * CW_NMETRICS */
};

struct cloudwatch {
	struct loop		*loop;
	struct http		*http;
	struct creds		*creds;
	struct dest_endpoint	 ep;
	char			*ns;
	char			*instance;	/* or NULL */
	uint64_t		 period_ms;

	struct metrics		**ms;		/* nflows */
	size_t			 nflows;
	size_t			*flow_dest;	/* nflows */
	char			**dests;	/* "KinesisStream:NAME" */
	size_t			 ndests;

	struct cloudwatch_period ring[CLOUDWATCH_MAX_PERIODS];
	size_t			 head;
	size_t			 count;
	size_t			 head_dest;	/* first unsent of the head */
	uint64_t		 next_seq;
	uint64_t		 dropped;

	int			 inflight;
	uint64_t		 end_seq;	/* what the request covers: */
	size_t			 end_dest;	/* up to this dest of end_seq */
	struct buf		 body;

	struct backoff		*backoff;
	struct loop_timer	*timer;		/* the period */
	struct loop_timer	*retry;
	struct problem		*p_fail;
	struct problem		*p_drop;
};

static void	cloudwatch_send(struct cloudwatch *);

int
cloudwatch_encode(struct buf *b, const char *ns,
    const struct cloudwatch_datum *d, size_t n)
{
	static const char *const stats[] = { "SampleCount", "Sum", "Minimum",
	    "Maximum" };
	char		 name[96], value[64];
	struct tm	 tm;
	size_t		 i, j;

	awsreq_form_add(b, "Action", "PutMetricData");
	awsreq_form_add(b, "Version", CLOUDWATCH_VERSION);
	awsreq_form_add(b, "Namespace", ns);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "MetricData.member.%zu.MetricName",
		    i + 1);
		awsreq_form_add(b, name, d[i].name);
		for (j = 0; j < d[i].ndims && j < CLOUDWATCH_MAX_DIMS; j++) {
			snprintf(name, sizeof name, "MetricData.member.%zu."
			    "Dimensions.member.%zu.Name", i + 1, j + 1);
			awsreq_form_add(b, name, d[i].dim_name[j]);
			snprintf(name, sizeof name, "MetricData.member.%zu."
			    "Dimensions.member.%zu.Value", i + 1, j + 1);
			awsreq_form_add(b, name, d[i].dim_value[j]);
		}
		gmtime_r(&d[i].timestamp, &tm);
		strftime(value, sizeof value, "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(name, sizeof name, "MetricData.member.%zu.Timestamp",
		    i + 1);
		awsreq_form_add(b, name, value);
		for (j = 0; j < sizeof stats / sizeof stats[0]; j++) {
			snprintf(name, sizeof name, "MetricData.member.%zu."
			    "StatisticValues.%s", i + 1, stats[j]);
			snprintf(value, sizeof value, "%llu",
			    (unsigned long long)d[i].stats[j]);
			awsreq_form_add(b, name, value);
		}
		snprintf(name, sizeof name, "MetricData.member.%zu.Unit",
		    i + 1);
		awsreq_form_add(b, name, d[i].unit);
	}
	return (buf_has_failed(b) ? -1 : 0);
}

/* Copies the text of element name in the len bytes at s into out. */
static void
cloudwatch_xml_copy(const char *s, size_t len, const char *name,
    char *out, size_t sz)
{
	char	*t;

	out[0] = '\0';
	if ((t = awsreq_xml_text(s, len, name)) == NULL)
		return;
	snprintf(out, sz, "%s", t);
	free(t);
}

void
cloudwatch_parse_error(const char *body, size_t len, char *code,
    size_t codesz, char *msg, size_t msgsz)
{
	cloudwatch_xml_copy(body, len, "Code", code, codesz);
	cloudwatch_xml_copy(body, len, "Message", msg, msgsz);
}

/* The period at position i of the ring (0: the oldest). */
static struct cloudwatch_period *
cloudwatch_at(struct cloudwatch *cw, size_t i)
{
	return (&cw->ring[(cw->head + i) % CLOUDWATCH_MAX_PERIODS]);
}

/*
 * 1 if a request was made to destination k in period p: every request has
 * a sample, of attempts or of service errors.
 */
static int
cloudwatch_is_active(const struct cloudwatch_period *p, size_t k)
{
	size_t	m;

	for (m = 0; m < CW_NMETRICS; m++)
		if (p->v[k * CW_NMETRICS + m].count > 0)
			return (1);
	return (0);
}

/* Drops the oldest period. */
static void
cloudwatch_pop(struct cloudwatch *cw)
{
	struct cloudwatch_period	*p = cloudwatch_at(cw, 0);

	free(p->v);
	p->v = NULL;
	cw->head = (cw->head + 1) % CLOUDWATCH_MAX_PERIODS;
	cw->count--;
	cw->head_dest = 0;
}

static void
cloudwatch_timer_cb(void *arg)
{
	struct cloudwatch	*cw = arg;

	loop_timer_set(cw->timer, cw->period_ms);
	cloudwatch_collect(cw, time(NULL));
	problem_tick(cw->p_fail);
	problem_tick(cw->p_drop);
}

static void
cloudwatch_retry_cb(void *arg)
{
	cloudwatch_send(arg);
}

/* A request failed: said once and in summaries, then retried. */
static void __attribute__((format(printf, 2, 3)))
cloudwatch_fail(struct cloudwatch *cw, const char *fmt, ...)
{
	char		msg[512];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	problem_set_waiting(cw->p_fail, cw->count, "periods waiting");
	problem_report(cw->p_fail, "PutMetricData to %s: %s", cw->ep.url,
	    msg);
	loop_timer_set(cw->retry, backoff_failure(cw->backoff, 1.0));
}

static void
cloudwatch_done_cb(const struct http_response *resp, void *arg)
{
	struct cloudwatch		*cw = arg;
	char				 code[128], msg[256];

	cw->inflight = 0;
	if (resp->status == 0) {
		cloudwatch_fail(cw, "%s", resp->error);
		return;
	}
	if (resp->status != 200) {
		cloudwatch_parse_error(resp->body, resp->body_len, code,
		    sizeof code, msg, sizeof msg);
		if (code[0] == '\0')
			snprintf(code, sizeof code, "%s", resp->error_type);
		creds_report(cw->creds, code, 0);
		cloudwatch_fail(cw, "HTTP %ld%s%s%s%s", resp->status,
		    code[0] != '\0' ? " " : "", code, msg[0] != '\0' ? ": " : "",
		    msg);
		return;
	}
	backoff_reset(cw->backoff);
	problem_clear(cw->p_fail);
	/* Periods dropped meanwhile are gone already. */
	while (cw->count > 0 && cloudwatch_at(cw, 0)->seq < cw->end_seq)
		cloudwatch_pop(cw);
	if (cw->count > 0 && cloudwatch_at(cw, 0)->seq == cw->end_seq &&
	    cw->head_dest < cw->end_dest)
		cw->head_dest = cw->end_dest;
	if (cw->count > 0 && cw->head_dest >= cw->ndests)
		cloudwatch_pop(cw);
	cloudwatch_send(cw);
}

/*
 * Starts a request with the oldest datums, unless one is in flight or
 * waits for its retry.
 */
static void
cloudwatch_send(struct cloudwatch *cw)
{
	struct cloudwatch_datum		 d[CLOUDWATCH_MAX_DATUMS], *x;
	struct cloudwatch_period	*p = NULL;
	const struct metrics_statset	*st;
	struct awsreq			 ar;
	struct curl_slist		*h = NULL;
	char				*cause = NULL;
	size_t				 n = 0, groups = 0, i, k, m, dest;

	if (cw->inflight || cw->count == 0 || loop_timer_is_armed(cw->retry))
		return;
	dest = cw->head_dest;
	for (i = 0; i < cw->count && groups < CW_GROUPS; i++) {
		p = cloudwatch_at(cw, i);
		for (k = i == 0 ? dest : 0; k < cw->ndests &&
		    groups < CW_GROUPS; k++) {
			if (!cloudwatch_is_active(p, k))
				continue;
			for (m = 0; m < CW_NMETRICS; m++) {
				st = &p->v[k * CW_NMETRICS + m];
				/* No sample, no datum, as in the agent. */
				if (st->count == 0)
					continue;
				x = &d[n++];
				memset(x, 0, sizeof *x);
				x->name = cloudwatch_metrics[m].name;
				x->unit = cloudwatch_metrics[m].unit;
				x->dim_name[0] = "Destination";
				x->dim_value[0] = cw->dests[k];
				x->ndims = 1;
				if (cw->instance != NULL) {
					x->dim_name[1] = "Instance";
					x->dim_value[1] = cw->instance;
					x->ndims = 2;
				}
				x->timestamp = p->ts;
				x->stats[0] = st->count;
				x->stats[1] = st->sum;
				x->stats[2] = st->min;
				x->stats[3] = st->max;
			}
			groups++;
		}
		cw->end_seq = p->seq;
		cw->end_dest = k;
	}
	if (n == 0) {
		/* Only inactive destinations left: nothing to say. */
		while (cw->count > 0 && cloudwatch_at(cw, 0)->seq <=
		    cw->end_seq)
			cloudwatch_pop(cw);
		return;
	}
	buf_reset(&cw->body);
	if (cloudwatch_encode(&cw->body, cw->ns, d, n) == -1)
		fatalx("cloudwatch: request body over its maximum");

	awsreq_init(&ar, &cw->ep, cloudwatch_ops.service, NULL,
	    AWSREQ_FORM_TYPE, cw->body.data, cw->body.len, time(NULL));
	if (creds_sign(cw->creds, &ar.call, &h, &cause) == -1) {
		cloudwatch_fail(cw, "%s", cause);
		free(cause);
		return;
	}
	/* http_post owns h from here, on failure too. */
	if (http_post(cw->http, cw->ep.url, h, cw->body.data, cw->body.len,
	    cloudwatch_done_cb, cw) == -1) {
		cloudwatch_fail(cw, "cannot start the request");
		return;
	}
	cw->inflight = 1;
}

/* Adds the statistic set b into a. */
static void
cloudwatch_merge(struct metrics_statset *a, const struct metrics_statset *b)
{
	if (b->count == 0)
		return;
	if (a->count == 0 || b->min < a->min)
		a->min = b->min;
	if (a->count == 0 || b->max > a->max)
		a->max = b->max;
	a->count += b->count;
	a->sum += b->sum;
}

void
cloudwatch_collect(struct cloudwatch *cw, time_t now)
{
	struct cloudwatch_period	*p;
	struct metrics_statset		 st[METRICS_NSTATS];
	size_t				 i, m, k;
	int				 any = 0;

	if (cw->count == CLOUDWATCH_MAX_PERIODS) {
		cloudwatch_pop(cw);
		cw->dropped++;
		problem_report(cw->p_drop, "%llu period%s dropped so far: "
		    "CloudWatch has not taken them for %zu periods",
		    (unsigned long long)cw->dropped, cw->dropped == 1 ? "" :
		    "s", (size_t)CLOUDWATCH_MAX_PERIODS);
	} else if (cw->dropped > 0)
		problem_clear(cw->p_drop);
	p = cloudwatch_at(cw, cw->count);
	p->seq = cw->next_seq;
	p->ts = now;
	p->v = xcalloc(cw->ndests * CW_NMETRICS, sizeof *p->v);
	for (i = 0; i < cw->nflows; i++) {
		metrics_take_stats(cw->ms[i], st);
		k = cw->flow_dest[i];
		for (m = 0; m < CW_NMETRICS; m++)
			cloudwatch_merge(&p->v[k * CW_NMETRICS + m],
			    &st[cloudwatch_metrics[m].stat]);
	}
	for (k = 0; k < cw->ndests; k++)
		any |= cloudwatch_is_active(p, k);
	if (!any) {
		free(p->v);
		p->v = NULL;
		return;
	}
	cw->next_seq++;
	cw->count++;
	cloudwatch_send(cw);
}

size_t
cloudwatch_queued(struct cloudwatch *cw)
{
	return (cw->count);
}

uint64_t
cloudwatch_dropped(struct cloudwatch *cw)
{
	return (cw->dropped);
}

/* Checks a namespace as PutMetricData does.  Returns 0, or -1. */
static int
cloudwatch_check_ns(const char *ns, char **cause)
{
	size_t	len = strlen(ns);

	if (len == 0 || len > CLOUDWATCH_NS_MAX || ns[0] == ':' ||
	    strncmp(ns, "AWS/", 4) == 0) {
		xasprintf(cause, "cloudwatch.namespace \"%s\": not a namespace "
		    "one may publish to (1 to %d characters, not starting "
		    "with ':' or \"AWS/\")", ns, CLOUDWATCH_NS_MAX);
		return (-1);
	}
	return (0);
}

/* cloudwatch.endpoint, else the environment, as the SDKs read it. */
static const char *
cloudwatch_endpoint_url(const struct config *cfg)
{
	const char	*url;

	if ((url = cfg->cloudwatch_endpoint) != NULL && *url != '\0')
		return (url);
	if ((url = getenv("AWS_ENDPOINT_URL_CLOUDWATCH")) != NULL &&
	    *url != '\0')
		return (url);
	if ((url = getenv("AWS_ENDPOINT_URL")) != NULL && *url != '\0')
		return (url);
	return (NULL);
}

/* Finds or adds the destination of metrics m; returns its index. */
static size_t
cloudwatch_dest(struct cloudwatch *cw, struct metrics *m)
{
	char	*name;
	size_t	 i;

	xasprintf(&name, "%s:%s", strcmp(metrics_dest(m), "firehose") == 0 ?
	    "DeliveryStream" : "KinesisStream", metrics_stream(m));
	for (i = 0; i < cw->ndests; i++) {
		if (strcmp(cw->dests[i], name) == 0) {
			free(name);
			return (i);
		}
	}
	cw->dests = xreallocarray(cw->dests, cw->ndests + 1,
	    sizeof *cw->dests);
	cw->dests[cw->ndests] = name;
	return (cw->ndests++);
}

struct cloudwatch *
cloudwatch_create(struct loop *loop, struct http *http,
    const struct config *cfg, struct creds *creds, struct imds *imds,
    const char *hostname, struct metrics **ms, size_t n, char **cause)
{
	struct cloudwatch		*cw;
	const struct ec2_metadata	*md;
	struct metrics_statset		 st[METRICS_NSTATS];
	const char			*region;
	uint64_t			 first;
	size_t				 i;

	*cause = NULL;
	/* With no flow, there is nothing to measure. */
	if (!cfg->cloudwatch_emit_metrics || n == 0)
		return (NULL);
	if (cloudwatch_check_ns(cfg->cloudwatch_namespace, cause) == -1)
		return (NULL);
	cw = xcalloc(1, sizeof *cw);
	region = cfg->kinesis_region != NULL ? cfg->kinesis_region :
	    cfg->firehose_region;
	if (dest_endpoint_make(&cw->ep, &cloudwatch_ops,
	    cloudwatch_endpoint_url(cfg), region, cause) == -1) {
		free(cw);
		return (NULL);
	}
	cw->loop = loop;
	cw->http = http;
	cw->creds = creds;
	cw->ns = xstrdup(cfg->cloudwatch_namespace);
	cw->period_ms = (uint64_t)cfg->cloudwatch_buffer_ms;
	if (cfg->cloudwatch_tag_instance) {
		md = imds != NULL ? imds_get(imds, 3600) : NULL;
		if (md != NULL && md->instance_id != NULL)
			cw->instance = xstrdup(md->instance_id);
		else
			cw->instance = xstrdup(hostname);
		imds_release(md);
	}

	cw->nflows = n;
	cw->ms = xcalloc(n, sizeof *cw->ms);
	cw->flow_dest = xcalloc(n, sizeof *cw->flow_dest);
	for (i = 0; i < n; i++) {
		cw->ms[i] = ms[i];
		cw->flow_dest[i] = cloudwatch_dest(cw, cw->ms[i]);
		/* The first period starts now. */
		metrics_take_stats(cw->ms[i], st);
	}

	buf_init(&cw->body, CLOUDWATCH_MAX_BODY);
	first = cw->period_ms < CLOUDWATCH_RETRY_MS ? cw->period_ms :
	    CLOUDWATCH_RETRY_MS;
	cw->backoff = backoff_create(first, cw->period_ms,
	    (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16) ^
	    (uint64_t)(uintptr_t)cw);
	cw->p_fail = problem_create("cloudwatch", "metrics not sent",
	    cfg->status_period_s > 0 ? (uint64_t)cfg->status_period_s : 0);
	cw->p_drop = problem_create("cloudwatch", "metrics dropped",
	    cfg->status_period_s > 0 ? (uint64_t)cfg->status_period_s : 0);
	cw->timer = loop_timer_new(loop, cloudwatch_timer_cb, cw);
	cw->retry = loop_timer_new(loop, cloudwatch_retry_cb, cw);
	loop_timer_set(cw->timer, cw->period_ms);
	log_info("cloudwatch: metrics of %zu destination%s every %llu ms to "
	    "%s (region %s), namespace %s", cw->ndests,
	    cw->ndests == 1 ? "" : "s", (unsigned long long)cw->period_ms,
	    cw->ep.url, cw->ep.region, cw->ns);
	return (cw);
}

void
cloudwatch_free(struct cloudwatch *cw)
{
	size_t	i;

	if (cw == NULL)
		return;
	http_cancel(cw->http, cw);
	while (cw->count > 0)
		cloudwatch_pop(cw);
	loop_timer_free(cw->timer);
	loop_timer_free(cw->retry);
	problem_free(cw->p_fail);
	problem_free(cw->p_drop);
	backoff_free(cw->backoff);
	buf_free(&cw->body);
	for (i = 0; i < cw->ndests; i++)
		free(cw->dests[i]);
	free(cw->dests);
	free(cw->ms);
	free(cw->flow_dest);
	free(cw->ns);
	free(cw->instance);
	dest_endpoint_clear(&cw->ep);
	free(cw);
}
