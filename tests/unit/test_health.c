/*
 * test_health: the healthy/degraded verdict (health.c) and the progress
 * figures behind it (metrics_sample: records per second, growing lag).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "health.h"
#include "loop.h"
#include "metrics.h"

/* Judges doc (JSON text); returns the reasons joined by "|". */
static char *
judge(const char *text, uint64_t spool_max, int creds_ok, int *healthy)
{
	json_t	*doc, *r;
	char	*out;
	size_t	 i, len = 1;

	doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	health_judge(doc, spool_max, creds_ok);
	*healthy = json_object_get(doc, "healthy") == json_true();
	json_array_foreach(json_object_get(doc, "degraded"), i, r)
		len += strlen(json_string_value(r)) + 1;
	out = calloc(1, len);
	assert_non_null(out);
	json_array_foreach(json_object_get(doc, "degraded"), i, r) {
		if (i > 0)
			strcat(out, "|");
		strcat(out, json_string_value(r));
	}
	json_decref(doc);
	return (out);
}

static void
test_verdicts(void **state)
{
	char	*r;
	int	 ok;

	(void)state;
	r = judge("{\"flows\":[{\"name\":\"web\",\"health\":[],"
	    "\"problems\":[],\"spoolState\":\"ok\",\"spoolBytes\":10}]}",
	    100, 1, &ok);
	assert_true(ok);
	assert_string_equal(r, "");
	free(r);
	/* Each cause on its own. */
	r = judge("{\"flows\":[{\"name\":\"web\",\"health\":[{\"what\":"
	    "\"delivery failing\",\"seconds\":12}]}]}", 100, 1, &ok);
	assert_false(ok);
	assert_string_equal(r, "flow web: delivery failing for 12s");
	free(r);
	r = judge("{\"flows\":[{\"name\":\"w\",\"problems\":[{}]}]}", 100, 1,
	    &ok);
	assert_string_equal(r, "flow w: 1 file or directory cannot be read");
	free(r);
	r = judge("{\"flows\":[{\"name\":\"w\",\"spoolBytes\":81}]}", 100, 1,
	    &ok);
	assert_string_equal(r, "flow w: spool 81% full");
	free(r);
	r = judge("{\"flows\":[{\"name\":\"w\",\"spoolBytes\":80}]}", 100, 1,
	    &ok);
	assert_true(ok);
	free(r);
	r = judge("{\"flows\":[{\"name\":\"w\",\"spoolState\":\"state disk "
	    "full\"}]}", 100, 1, &ok);
	assert_string_equal(r, "flow w: state disk full");
	free(r);
	r = judge("{\"flows\":[{\"name\":\"w\",\"lagGrowingSeconds\":300,"
	    "\"bytesBehind\":5}]}", 100, 1, &ok);
	assert_string_equal(r, "flow w: falling behind for 5 min (5 bytes "
	    "not read)");
	free(r);
	r = judge("{\"flows\":[{\"name\":\"w\",\"lagGrowingSeconds\":299}]}",
	    100, 1, &ok);
	assert_true(ok);
	free(r);
	r = judge("{\"flows\":[{\"name\":\"w\",\"deadLetters\":2}]}", 100, 1,
	    &ok);
	assert_string_equal(r, "flow w: 2 dead letters (sluicectl state)");
	free(r);
	r = judge("{\"flows\":[],\"deadLetters\":[{\"flow\":\"w\","
	    "\"records\":3},{\"flow\":\"x\",\"records\":0}]}", 100, 1, &ok);
	assert_false(ok);
	assert_string_equal(r, "flow w: 3 dead letters (sluicectl state)");
	free(r);
	r = judge("{\"flows\":[{\"name\":\"w\"}]}", 100, 0, &ok);
	assert_string_equal(r, "no AWS credentials: records are spooled, "
	    "not sent");
	free(r);
	/* No flows need no credentials. */
	r = judge("{\"flows\":[],\"orphanedState\":[{}],\"refusedFlows\":"
	    "[{},{}]}", 100, 0, &ok);
	assert_string_equal(r, "1 orphaned state directory (sluicectl state)|"
	    "2 refused flows (sluicectl state)");
	free(r);
	/* A reload refused: the next start would fail ("since" is long ago). */
	r = judge("{\"flows\":[],\"reloadRefused\":{\"since\":1,"
	    "\"error\":\"f:1:1: bad\"}}", 100, 1, &ok);
	assert_false(ok);
	assert_non_null(strstr(r, "the configuration file is not valid "
	    "(reload refused "));
	assert_non_null(strstr(r, "s ago; running on the one before): "
	    "f:1:1: bad; the next start would fail (sluiced -n)"));
	free(r);
}

static void
test_samples(void **state)
{
	struct metrics		*m;
	struct metrics_file	 f;
	char			*s;
	json_t			*doc, *flow;
	uint64_t		 now = loop_now_ms(), t0;
	int			 i;

	(void)state;
	m = metrics_create("w", "kinesis", "s", "/x");
	memset(&f, 0, sizeof f);
	f.path = (char *)"/x";
	f.state = "open";
	/* Behind grows for 6 minutes while 100 records/s are sent. */
	t0 = now - 360000;
	for (i = 0; i <= 36; i++) {
		f.size = 1000 + (uint64_t)i * 100;
		f.offset = 1000;
		metrics_set_files(m, &f, 1);
		metrics_set(m, METRICS_RECORDS_SENT, (uint64_t)i * 1000);
		metrics_sample(m, t0 + (uint64_t)i * 10000);
	}
	s = metrics_status_json(&m, 1, 0);
	doc = json_loads(s, 0, NULL);
	flow = json_array_get(json_object_get(doc, "flows"), 0);
	assert_int_equal(json_integer_value(json_object_get(flow,
	    "bytesBehind")), 3600);
	assert_true(json_real_value(json_object_get(flow,
	    "recordsPerSecond")) > 99.9);
	assert_true(json_real_value(json_object_get(flow,
	    "recordsPerSecond")) < 100.1);
	/* The ring holds 32 samples: 310 s of growth are seen. */
	assert_true(json_integer_value(json_object_get(flow,
	    "lagGrowingSeconds")) >= METRICS_LAG_DEGRADED_S);
	json_decref(doc);
	free(s);
	/* One fall resets it. */
	f.size = 1000;
	metrics_set_files(m, &f, 1);
	metrics_sample(m, now);
	s = metrics_status_json(&m, 1, 0);
	doc = json_loads(s, 0, NULL);
	flow = json_array_get(json_object_get(doc, "flows"), 0);
	assert_int_equal(json_integer_value(json_object_get(flow,
	    "lagGrowingSeconds")), 0);
	json_decref(doc);
	free(s);
	metrics_free(m);
}

/* Seconds after a start, one sample old: the rate is up to now, not 0. */
static void
test_rate_first_sample(void **state)
{
	struct metrics	*m;
	char		*s;
	json_t		*doc, *flow;
	double		 rate;

	(void)state;
	m = metrics_create("w", "kinesis", "s", "/x");
	metrics_sample(m, loop_now_ms() - 8000);
	metrics_set(m, METRICS_RECORDS_SENT, 40);
	s = metrics_status_json(&m, 1, 0);
	doc = json_loads(s, 0, NULL);
	flow = json_array_get(json_object_get(doc, "flows"), 0);
	rate = json_real_value(json_object_get(flow, "recordsPerSecond"));
	/* 40 records in 8 s, give or take the test's own time. */
	assert_true(rate > 4.0 && rate <= 5.0);
	json_decref(doc);
	free(s);
	metrics_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_rate_first_sample),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
