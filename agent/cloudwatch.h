/*
 * cloudwatch: the Kinesis Agent's CloudWatch metrics (cloudwatch.* keys),
 * sent with PutMetricData from the delivery thread's loop.
 *
 * What the agent sends (tailing/KinesisSender.java, FirehoseSender.java
 * and metrics/ in awslabs/amazon-kinesis-agent), in namespace
 * cloudwatch.namespace (AWSKinesisAgent), with the dimension
 * Destination=KinesisStream:NAME or DeliveryStream:NAME (and, with
 * cloudwatch.tagInstance, Instance=the instance id, else the host name):
 *
 *   RecordSendAttempts  Count  records in requests posted, retries too
 *   RecordsSent         Count  records the destination accepted (sluice's
 *                              addition; the agent keeps it internal)
 *   RecordSendErrors    Count  records refused by an ErrorCode entry
 *   BytesSent           Bytes  data bytes of the accepted records
 *   ServiceErrors       Count  requests that failed as a whole
 *
 * Each metric is a StatisticSet of the samples the agent takes
 * (metrics.h, metrics_observe) over a period of
 * cloudwatch.metricsBufferTimeMillis (30 s, the agent's buffer time):
 * RecordSendAttempts has one per request posted, retries too;
 * RecordsSent, RecordSendErrors and BytesSent one per answer (what it
 * accepted and refused); ServiceErrors one per request, 1 if it failed
 * whole, else 0.  So SampleCount counts requests (or answers), Minimum
 * and Maximum are the smallest and largest per request, and Sum the
 * period's total; flows to the same destination add up.  A metric
 * without a sample in the period is not sent (a period of failed
 * requests has no BytesSent), and a period in which no request was made
 * sends nothing, as in the agent.
 *
 * The requests use the Query protocol (form-encoded POST, Version
 * 2010-08-01; "PutMetricData" in the Amazon CloudWatch API Reference),
 * which every region and emulator accepts, with at most
 * CLOUDWATCH_MAX_DATUMS datums each, the agent's batch, signed for the
 * service "monitoring" with the credentials of delivery (creds.h).
 *
 * Metrics are not the data: a failed request is logged (problem.h) and
 * retried with backoff, one request at a time, and never delays
 * delivery.  Periods wait in a queue of CLOUDWATCH_MAX_PERIODS; when it
 * is full the oldest period is dropped and counted.
 */
#ifndef CLOUDWATCH_H
#define CLOUDWATCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

struct config;
struct creds;
struct metrics;
struct http;
struct imds;
struct loop;
struct cloudwatch;

/* Datums per PutMetricData request (the agent's BATCH_SIZE). */
#define CLOUDWATCH_MAX_DATUMS	20
/* Periods kept while CloudWatch cannot be reached. */
#define CLOUDWATCH_MAX_PERIODS	120
/* Dimensions a datum has at most. */
#define CLOUDWATCH_MAX_DIMS	2
/* Longest request body (the API's limit is 1 MB). */
#define CLOUDWATCH_MAX_BODY	(256 * 1024)

/* One datum: a StatisticSet. */
struct cloudwatch_datum {
	const char	*name;		/* "RecordsSent" */
	const char	*unit;		/* "Count", "Bytes" */
	const char	*dim_name[CLOUDWATCH_MAX_DIMS];
	const char	*dim_value[CLOUDWATCH_MAX_DIMS];
	size_t		 ndims;
	time_t		 timestamp;
	/* SampleCount (at least 1), Sum, Minimum, Maximum. */
	uint64_t	 stats[4];
};

/*
 * Creates the metrics of the n flows whose metrics are at ms (the array
 * is copied; the metrics must outlive the result) on loop, posting with http and signing with creds; imds gives the
 * instance id for cloudwatch.tagInstance (the first look may wait
 * IMDS_WAIT_MS; NULL: the host name).  The endpoint is
 * cloudwatch.endpoint, else AWS_ENDPOINT_URL_CLOUDWATCH, else
 * AWS_ENDPOINT_URL, else https://monitoring.REGION.amazonaws.com, signed
 * for the Kinesis region, else the Firehose one, else the region in the
 * endpoint's host.  The first period starts now.  Returns NULL with
 * *cause NULL when cloudwatch.emitMetrics is false, or with *cause set
 * (the caller frees it) when the metrics cannot be sent (no region, a bad
 * endpoint or namespace).  Free with cloudwatch_free, on loop's thread or
 * once it has stopped.
 */
struct cloudwatch *cloudwatch_create(struct loop *loop, struct http *http,
		    const struct config *cfg, struct creds *creds,
		    struct imds *imds, const char *hostname,
		    struct metrics **ms, size_t n, char **cause);

/* Cancels the request in flight, drops the queue and frees; NULL is ok. */
void		 cloudwatch_free(struct cloudwatch *);

/*
 * Ends the current period at now: queues its datums, if any request was
 * made in it, and starts a request if none is in flight.  The period
 * timer calls it; tests call it directly.
 */
void		 cloudwatch_collect(struct cloudwatch *, time_t now);

/* Periods queued (the one in flight included), and periods dropped. */
size_t		 cloudwatch_queued(struct cloudwatch *);
uint64_t	 cloudwatch_dropped(struct cloudwatch *);

/*
 * Appends to b the form-encoded PutMetricData request of the n datums at
 * d in namespace ns (Action, Version, Namespace, then MetricData.member.N
 * with MetricName, Dimensions.member.M.Name and .Value, Timestamp in ISO
 * 8601 UTC, StatisticValues.SampleCount, Sum, Minimum and Maximum, and
 * Unit).  Returns 0, or -1 if b's maximum was passed.
 */
int		 cloudwatch_encode(struct buf *b, const char *ns,
		    const struct cloudwatch_datum *d, size_t n);

/*
 * Finds Code and Message in a Query protocol error response
 * (<ErrorResponse><Error><Code>...), writing them, cut to size, into
 * code and msg; both are "" when absent.
 */
void		 cloudwatch_parse_error(const char *body, size_t len,
		    char *code, size_t codesz, char *msg, size_t msgsz);

#endif /* CLOUDWATCH_H */
