/*
 * test_prom: the Prometheus text and the listen address parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "metrics.h"
#include "prom.h"

/* Every counter is a family, each family appears once per flow. */
static void
test_render(void **state)
{
	struct metrics	*ms[2];
	struct buf	 b = BUF_INIT(1024 * 1024);
	const char	*text, *p;
	size_t		 types = 0;
	int		 c;

	(void)state;
	ms[0] = metrics_create("web", "kinesis", "s1", "/var/log/a.log");
	ms[1] = metrics_create("we\"ird\\\nname", "firehose", "s2", "/x");
	for (c = 0; c < METRICS_NCOUNTERS; c++)
		metrics_set(ms[0], (enum metrics_counter)c, 1000 + (uint64_t)c);
	metrics_count_error(ms[0], "ProvisionedThroughputExceededException", 7);
	metrics_count_error(ms[0], "ProvisionedThroughputExceededException", 2);
	prom_render(&b, ms, 2, 1700000000);
	assert_false(buf_has_failed(&b));
	text = buf_cstr(&b);
	for (p = text; (p = strstr(p, "# TYPE ")) != NULL; p++)
		types++;
	/* build_info, start time, flows, every counter, error codes. */
	assert_int_equal(types, 4 + METRICS_NCOUNTERS);
	assert_non_null(strstr(text, "sluice_errors_total{flow=\"web\","
	    "destination=\"kinesis\",stream=\"s1\",code=\""
	    "ProvisionedThroughputExceededException\"} 9\n"));
	assert_non_null(strstr(text, "sluice_start_time_seconds 1700000000\n"));
	assert_non_null(strstr(text, "sluice_flows 2\n"));
	assert_non_null(strstr(text, "sluice_flow_records_sent_total{flow=\"web"
	    "\",destination=\"kinesis\",stream=\"s1\"} 1002\n"));
	assert_non_null(strstr(text, "sluice_flow_records_sent_total{flow=\""
	    "we\\\"ird\\\\\\nname\",destination=\"firehose\",stream=\"s2\"} 0\n"));
	assert_non_null(strstr(text, "# TYPE sluice_flow_spool_bytes gauge\n"));
	buf_free(&b);
	metrics_free(ms[0]);
	metrics_free(ms[1]);
}

static void
test_parse_listen(void **state)
{
	static const char *const bad[] = {
		"localhost", ":9710", "127.0.0.1:", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:97x", "::1:9710", "[::1]9710",
		"[]:1", NULL
	};
	char	*host, *cause;
	int	 port, i;

	(void)state;
	assert_int_equal(prom_parse_listen("127.0.0.1:9710", &host, &port,
	    &cause), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 9710);
	free(host);
	assert_int_equal(prom_parse_listen("[::1]:1", &host, &port, &cause), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 1);
	free(host);
	assert_int_equal(prom_parse_listen("metrics.local:65535", &host,
	    &port, &cause), 0);
	free(host);
	for (i = 0; bad[i] != NULL; i++) {
		cause = NULL;
		assert_int_equal(prom_parse_listen(bad[i], &host, &port,
		    &cause), -1);
		assert_non_null(strstr(cause, "is not HOST:PORT"));
		free(cause);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_parse_listen),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
