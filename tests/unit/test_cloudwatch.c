/*
 * test_cloudwatch: the PutMetricData body, the error parser, and the
 * periods: deltas of the flows' counters summed per destination, periods
 * with no request not queued, and the ring bounded with the oldest
 * dropped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "cloudwatch.h"
#include "config.h"
#include "creds.h"
#include "http.h"
#include "loop.h"
#include "metrics.h"

static void
test_encode(void **state)
{
	struct cloudwatch_datum	 d[2];
	struct buf		 b = BUF_INIT(65536);

	(void)state;
	memset(d, 0, sizeof d);
	d[0].name = "RecordsSent";
	d[0].unit = "Count";
	d[0].dim_name[0] = "Destination";
	d[0].dim_value[0] = "KinesisStream:web access";
	d[0].dim_name[1] = "Instance";
	d[0].dim_value[1] = "i-0123";
	d[0].ndims = 2;
	d[0].timestamp = 1700000000;
	/* Three requests: 4, 30 and 8 records. */
	d[0].stats[0] = 3;
	d[0].stats[1] = 42;
	d[0].stats[2] = 4;
	d[0].stats[3] = 30;
	d[1] = d[0];
	d[1].name = "BytesSent";
	d[1].unit = "Bytes";
	d[1].ndims = 1;
	d[1].stats[0] = 1;
	d[1].stats[1] = d[1].stats[2] = d[1].stats[3] = 0;
	assert_int_equal(cloudwatch_encode(&b, "My/NS", d, 2), 0);
	assert_string_equal(buf_cstr(&b),
	    "Action=PutMetricData&Version=2010-08-01&Namespace=My%2FNS"
	    "&MetricData.member.1.MetricName=RecordsSent"
	    "&MetricData.member.1.Dimensions.member.1.Name=Destination"
	    "&MetricData.member.1.Dimensions.member.1.Value="
	    "KinesisStream%3Aweb%20access"
	    "&MetricData.member.1.Dimensions.member.2.Name=Instance"
	    "&MetricData.member.1.Dimensions.member.2.Value=i-0123"
	    "&MetricData.member.1.Timestamp=2023-11-14T22%3A13%3A20Z"
	    "&MetricData.member.1.StatisticValues.SampleCount=3"
	    "&MetricData.member.1.StatisticValues.Sum=42"
	    "&MetricData.member.1.StatisticValues.Minimum=4"
	    "&MetricData.member.1.StatisticValues.Maximum=30"
	    "&MetricData.member.1.Unit=Count"
	    "&MetricData.member.2.MetricName=BytesSent"
	    "&MetricData.member.2.Dimensions.member.1.Name=Destination"
	    "&MetricData.member.2.Dimensions.member.1.Value="
	    "KinesisStream%3Aweb%20access"
	    "&MetricData.member.2.Timestamp=2023-11-14T22%3A13%3A20Z"
	    "&MetricData.member.2.StatisticValues.SampleCount=1"
	    "&MetricData.member.2.StatisticValues.Sum=0"
	    "&MetricData.member.2.StatisticValues.Minimum=0"
	    "&MetricData.member.2.StatisticValues.Maximum=0"
	    "&MetricData.member.2.Unit=Bytes");
	buf_free(&b);

	/* Past the buffer's maximum: -1, not a cut request. */
	buf_init(&b, 100);
	assert_int_equal(cloudwatch_encode(&b, "NS", d, 2), -1);
	buf_free(&b);
}

static void
test_parse_error(void **state)
{
	static const char xml[] =
	    "<ErrorResponse xmlns=\"http://monitoring.amazonaws.com/doc/"
	    "2010-08-01/\">\n  <Error>\n    <Type>Sender</Type>\n"
	    "    <Code>InvalidParameterValue</Code>\n"
	    "    <Message>The value AWS/x &amp; y is invalid.</Message>\n"
	    "  </Error>\n  <RequestId>r</RequestId>\n</ErrorResponse>\n";
	char	code[16], msg[128];

	(void)state;
	cloudwatch_parse_error(xml, sizeof xml - 1, code, sizeof code, msg,
	    sizeof msg);
	assert_string_equal(code, "InvalidParamete");	/* cut to size */
	assert_string_equal(msg, "The value AWS/x & y is invalid.");
	cloudwatch_parse_error("oops", 4, code, sizeof code, msg, sizeof msg);
	assert_string_equal(code, "");
	assert_string_equal(msg, "");
}

static char	s_region[] = "us-east-1";
static char	s_key[] = "AKIDEXAMPLE";
static char	s_secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
static char	s_endpoint[] = "http://127.0.0.1:9";
static char	s_ns[] = "AWSKinesisAgent";
static char	s_aws_ns[] = "AWS/Kinesis";
static char	s_ftp[] = "ftp://127.0.0.1/";

/* A config as config_load makes it, metrics to a closed local port. */
static void
test_config(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->kinesis_region = s_region;
	cfg->aws_access_key_id = s_key;
	cfg->aws_secret_access_key = s_secret;
	cfg->cloudwatch_emit_metrics = 1;
	cfg->cloudwatch_endpoint = s_endpoint;
	cfg->cloudwatch_namespace = s_ns;
	cfg->cloudwatch_buffer_ms = 30000;
	cfg->status_period_s = 30;
}

static void
test_periods(void **state)
{
	struct config		 cfg;
	struct loop		*loop;
	struct http		*http;
	struct creds		*creds;
	struct cloudwatch	*cw;
	struct metrics		*ms[3];
	char			*cause = NULL;
	size_t			 i;

	(void)state;
	test_config(&cfg);
	assert_non_null(loop = loop_create());
	assert_non_null(http = http_create(loop));
	creds = creds_create(&cfg, &cause);
	assert_non_null(creds);
	ms[0] = metrics_create("a", "kinesis", "s", "/a");
	ms[1] = metrics_create("b", "kinesis", "s", "/b");
	ms[2] = metrics_create("c", "firehose", "s", "/c");
	/* Sampled before the start: not in any period. */
	metrics_observe(ms[0], METRICS_STAT_SENT, 1000);
	cw = cloudwatch_create(loop, http, &cfg, creds, NULL, "host", ms, 3,
	    &cause);
	assert_null(cause);
	assert_non_null(cw);

	/* No request in the period: nothing queued. */
	cloudwatch_collect(cw, 1700000000);
	assert_int_equal(cloudwatch_queued(cw), 0);

	/*
	 * A request: queued, and posted (the loop does not run, so it stays
	 * in flight while periods pile up behind it).
	 */
	metrics_observe(ms[1], METRICS_STAT_ATTEMPTS, 5);
	metrics_observe(ms[1], METRICS_STAT_SERVICE_ERRORS, 1);
	cloudwatch_collect(cw, 1700000030);
	assert_int_equal(cloudwatch_queued(cw), 1);
	cloudwatch_collect(cw, 1700000060);
	assert_int_equal(cloudwatch_queued(cw), 1);

	for (i = 0; i < CLOUDWATCH_MAX_PERIODS + 5; i++) {
		metrics_observe(ms[2], METRICS_STAT_ATTEMPTS, 10);
		cloudwatch_collect(cw, 1700000090 + (time_t)i * 30);
	}
	assert_int_equal(cloudwatch_queued(cw), CLOUDWATCH_MAX_PERIODS);
	assert_int_equal(cloudwatch_dropped(cw), 6);

	cloudwatch_free(cw);
	for (i = 0; i < 3; i++)
		metrics_free(ms[i]);
	creds_free(creds);
	http_free(http);
	loop_free(loop);
}

/* The agent's samples: a statistic set per metric, emptied when taken. */
static void
test_stats(void **state)
{
	struct metrics		*m;
	struct metrics_statset	 st[METRICS_NSTATS];

	(void)state;
	m = metrics_create("a", "kinesis", "s", "/a");
	metrics_observe(m, METRICS_STAT_ATTEMPTS, 30);
	metrics_observe(m, METRICS_STAT_ATTEMPTS, 4);
	metrics_observe(m, METRICS_STAT_ATTEMPTS, 8);
	metrics_observe(m, METRICS_STAT_SERVICE_ERRORS, 0);
	metrics_take_stats(m, st);
	assert_int_equal(st[METRICS_STAT_ATTEMPTS].count, 3);
	assert_int_equal(st[METRICS_STAT_ATTEMPTS].sum, 42);
	assert_int_equal(st[METRICS_STAT_ATTEMPTS].min, 4);
	assert_int_equal(st[METRICS_STAT_ATTEMPTS].max, 30);
	assert_int_equal(st[METRICS_STAT_SERVICE_ERRORS].count, 1);
	assert_int_equal(st[METRICS_STAT_SERVICE_ERRORS].max, 0);
	assert_int_equal(st[METRICS_STAT_BYTES].count, 0);
	metrics_take_stats(m, st);
	assert_int_equal(st[METRICS_STAT_ATTEMPTS].count, 0);
	assert_int_equal(st[METRICS_STAT_ATTEMPTS].sum, 0);
	metrics_free(m);
}

static void
test_off(void **state)
{
	struct config	 cfg;
	struct metrics	*m;
	char		*cause = NULL;

	(void)state;
	test_config(&cfg);
	m = metrics_create("a", "kinesis", "s", "/a");
	cfg.cloudwatch_emit_metrics = 0;
	assert_null(cloudwatch_create(NULL, NULL, &cfg, NULL, NULL, "h", &m,
	    1, &cause));
	assert_null(cause);

	cfg.cloudwatch_emit_metrics = 1;
	cfg.cloudwatch_namespace = s_aws_ns;
	assert_null(cloudwatch_create(NULL, NULL, &cfg, NULL, NULL, "h", &m,
	    1, &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "AWS/"));
	free(cause);
	cause = NULL;

	cfg.cloudwatch_namespace = s_ns;
	cfg.cloudwatch_endpoint = s_ftp;
	assert_null(cloudwatch_create(NULL, NULL, &cfg, NULL, NULL, "h", &m,
	    1, &cause));
	assert_non_null(cause);
	free(cause);
	metrics_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_parse_error),
		cmocka_unit_test(test_periods),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_off),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
