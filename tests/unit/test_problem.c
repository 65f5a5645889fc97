/*
 * test_problem: STYLE rule 23 with a clock the test turns (a link-time
 * seam: this program defines loop_now_ms, so loop.o is never linked).  An
 * outage of ten minutes reported 85 times a second logs one line when it
 * starts, one summary per period and one line when it ends; status sees
 * it while it lasts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loop.h"
#include "problem.h"
#include "test_util.h"

static uint64_t	test_clock_ms = 1000000;

uint64_t
loop_now_ms(void)
{
	return (test_clock_ms);
}

static char	log_path[] = "/tmp/test_problem.XXXXXX";

static int
setup(void **state)
{
	int	fd;

	(void)state;
	if ((fd = mkstemp(log_path)) == -1)
		return (-1);
	close(fd);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	unlink(log_path);
	return (0);
}

static void
test_outage(void **state)
{
	struct problem		*p;
	struct problem_snapshot	 snap;
	int			 saved, i;

	(void)state;
	p = problem_create("flow=web stream=s", "delivery failing", 30);
	saved = test_stderr_capture(log_path);
	problem_clear(p);		/* nothing to end */
	assert_false(problem_is_active(p));
	/* Ten minutes, 85 reports a second. */
	for (i = 0; i < 600 * 85; i++) {
		problem_report(p, "PutRecords: HTTP 503 ServiceUnavailable "
		    "(%d)", i);
		if (i % 85 == 84)
			test_clock_ms += 1000;
	}
	problem_set_waiting(p, 1234, "records waiting");
	problem_snapshot(p, &snap);
	test_clock_ms += 2000;
	problem_tick(p);
	/* 3 s after the last report: not settled yet. */
	problem_clear(p);
	assert_true(problem_is_active(p));
	test_clock_ms += 2000;
	problem_tick(p);
	problem_clear(p);
	test_stderr_restore(saved);

	assert_true(snap.active);
	assert_string_equal(snap.what, "delivery failing");
	assert_string_equal(snap.detail,
	    "PutRecords: HTTP 503 ServiceUnavailable (50999)");
	assert_int_equal(snap.count, 600 * 85);
	assert_int_equal(snap.duration_ms, 600000);
	assert_int_equal(snap.waiting, 1234);

	assert_int_equal(test_count(log_path, "warning: flow=web stream=s: "
	    "delivery failing: PutRecords: HTTP 503 ServiceUnavailable (0)\n"),
	    1);
	/* Summaries at 30 s ... 570 s from reports, 602 s from the tick. */
	assert_int_equal(test_count(log_path, "delivery failing for "), 20);
	assert_int_equal(test_count(log_path, "delivery failing for 30s "
	    "(2551 times): PutRecords"), 1);
	assert_int_equal(test_count(log_path, "delivery failing for 10m2s "
	    "(51000 times, 1234 records waiting): PutRecords: HTTP 503 "
	    "ServiceUnavailable (50999)\n"), 1);
	assert_int_equal(test_count(log_path, "flow=web stream=s: healthy "
	    "again after 10m4s of delivery failing (51000 times)\n"), 1);
	assert_int_equal(test_count(log_path, "\n"), 1 + 20 + 1);

	problem_snapshot(p, &snap);
	assert_false(snap.active);
	assert_false(problem_is_active(p));
	problem_free(p);
}

/* A second outage starts afresh: its own first line, count and length. */
static void
test_again(void **state)
{
	struct problem		*p;
	struct problem_snapshot	 snap;
	int			 saved;

	(void)state;
	p = problem_create("spool /x", "cursor not saved", 0);
	saved = test_stderr_capture(log_path);
	problem_report(p, "No space left on device");
	test_clock_ms += 5000;
	problem_report(p, "No space left on device");
	problem_tick(p);		/* period 0: no summaries */
	problem_clear(p);
	test_clock_ms += PROBLEM_SETTLE_MS;
	problem_tick(p);
	test_clock_ms += 100000;
	problem_report(p, "Input/output error");
	test_clock_ms += 1500;
	problem_snapshot(p, &snap);
	test_stderr_restore(saved);

	assert_int_equal(test_count(log_path, "cursor not saved: No space "
	    "left on device\n"), 1);
	assert_int_equal(test_count(log_path, "healthy again after 10s of "
	    "cursor not saved (2 times)\n"), 1);
	assert_int_equal(test_count(log_path, "cursor not saved: "
	    "Input/output error\n"), 1);
	assert_int_equal(test_count(log_path, "\n"), 3);
	assert_true(snap.active);
	assert_int_equal(snap.count, 1);
	assert_int_equal(snap.duration_ms, 1500);
	assert_null(snap.waiting_unit);
	problem_free(p);
	problem_free(NULL);
}

/*
 * A condition that comes and goes (some records of some requests
 * throttled) is one problem: it ends once it has not been seen for
 * PROBLEM_SETTLE_MS, and a quiet user's timer (problem_tick) ends it.
 */
static void
test_flapping(void **state)
{
	struct problem	*p;
	int		 saved, i;

	(void)state;
	p = problem_create("flow=f", "records refused", 30);
	saved = test_stderr_capture(log_path);
	for (i = 0; i < 200; i++) {
		problem_report(p, "3 of 500 records failed");
		test_clock_ms += 100;
		problem_clear(p);
		test_clock_ms += 100;
	}
	assert_true(problem_is_active(p));
	test_clock_ms += PROBLEM_SETTLE_MS - 200;
	problem_tick(p);
	test_stderr_restore(saved);

	assert_false(problem_is_active(p));
	assert_int_equal(test_count(log_path, "records refused: 3 of 500 "
	    "records failed\n"), 1);
	assert_int_equal(test_count(log_path, "records refused for 30s "
	    "(151 times): "), 1);
	assert_int_equal(test_count(log_path, "flow=f: healthy again after "
	    "44s of records refused (200 times)\n"), 1);
	assert_int_equal(test_count(log_path, "\n"), 3);
	problem_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outage),
		cmocka_unit_test(test_again),
		cmocka_unit_test(test_flapping),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
