/*
 * test_backoff: the delay is full jitter, within [0, initial * 2^(n-1)],
 * spread over that whole range, grows with consecutive failures, stops at
 * the cap, starts over after a success, and grows more slowly for partial
 * failures; the operator-error delay stays in [max / 2, max].
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backoff.h"

/* Asserts 1 <= d <= hi (integer milliseconds): full jitter. */
static void
assert_within(uint64_t d, double lo, double hi)
{
	(void)lo;
	assert_true(d >= 1);
	assert_true((double)d <= hi + 1);
}

static void
test_growth_and_cap(void **state)
{
	struct backoff	*b;
	double		 expect;
	uint64_t	 d;
	int		 seed, i;

	(void)state;
	for (seed = 0; seed < 50; seed++) {
		b = backoff_create(100, 10000, (uint64_t)seed);
		for (i = 1; i <= 20; i++) {
			d = backoff_failure(b, 1.0);
			expect = 100.0 * (double)(1ULL << (i - 1));
			if (expect > 10000)
				expect = 10000;
			assert_within(d, expect, expect);
		}
		/* Far past the cap it stays capped. */
		for (i = 0; i < 100; i++)
			assert_true(backoff_failure(b, 1.0) <= 10001);
		backoff_free(b);
	}
}

static void
test_jitter_spreads(void **state)
{
	struct backoff	*b;
	uint64_t	 d, lo = UINT64_MAX, hi = 0;
	int		 i;

	(void)state;
	b = backoff_create(1000, 1000, 7);
	for (i = 0; i < 2000; i++) {
		d = backoff_failure(b, 1.0);
		if (d < lo)
			lo = d;
		if (d > hi)
			hi = d;
	}
	/* Uniform on [0, 1000]: 2000 draws reach near both ends. */
	assert_true(lo >= 1 && lo < 30);
	assert_true(hi <= 1000 && hi > 970);
	backoff_free(b);
}

static void
test_growth_mean(void **state)
{
	struct backoff	*b;
	double		 sum;
	uint64_t	 d;
	int		 i, k;

	(void)state;
	/* The mean of full jitter is half the ceiling: it does grow. */
	for (k = 1; k <= 6; k++) {
		sum = 0;
		for (i = 0; i < 400; i++) {
			b = backoff_create(100, 100000, (uint64_t)i);
			while (backoff_failures(b) < k - 1)
				(void)backoff_failure(b, 1.0);
			d = backoff_failure(b, 1.0);
			sum += (double)d;
			backoff_free(b);
		}
		sum /= 400;
		assert_true(sum > 100.0 * (1 << (k - 1)) * 0.4);
		assert_true(sum < 100.0 * (1 << (k - 1)) * 0.6);
	}
}

static void
test_max_delay(void **state)
{
	struct backoff	*b;
	uint64_t	 d, lo = UINT64_MAX, hi = 0;
	int		 i;

	(void)state;
	b = backoff_create(100, 8000, 5);
	for (i = 0; i < 2000; i++) {
		d = backoff_max_delay(b);
		if (d < lo)
			lo = d;
		if (d > hi)
			hi = d;
	}
	assert_true(lo >= 4000 && lo < 4100);
	assert_true(hi <= 8000 && hi > 7900);
	/* It is not a failure: the next one starts low. */
	assert_true(backoff_failures(b) == 0);
	backoff_free(b);
}

static void
test_reset(void **state)
{
	struct backoff	*b;
	int		 i;

	(void)state;
	b = backoff_create(200, 60000, 3);
	for (i = 0; i < 8; i++)
		(void)backoff_failure(b, 1.0);
	backoff_reset(b);
	assert_true(backoff_failures(b) == 0);
	assert_within(backoff_failure(b, 1.0), 200, 200);
	backoff_free(b);
}

static void
test_partial_weight(void **state)
{
	struct backoff	*b;

	(void)state;
	b = backoff_create(100, 10000, 11);
	/* 0.2 rounds to n = 0: half the initial delay. */
	assert_within(backoff_failure(b, 0.2), 50, 50);
	/* 0.4 rounds to 0 still; 0.6 to 1. */
	assert_within(backoff_failure(b, 0.2), 50, 50);
	assert_within(backoff_failure(b, 0.2), 100, 100);
	assert_true(backoff_failures(b) > 0.59 && backoff_failures(b) < 0.61);
	/* Weights are clamped to 0..1. */
	(void)backoff_failure(b, 50.0);
	assert_true(backoff_failures(b) > 1.59 && backoff_failures(b) < 1.61);
	(void)backoff_failure(b, -3.0);
	assert_true(backoff_failures(b) > 1.59 && backoff_failures(b) < 1.61);
	backoff_free(b);
}

static void
test_degenerate_bounds(void **state)
{
	struct backoff	*b;
	int		 i;

	(void)state;
	/* max below initial is raised to initial; initial 0 becomes 1. */
	b = backoff_create(500, 10, 1);
	for (i = 0; i < 10; i++)
		assert_within(backoff_failure(b, 1.0), 500, 500);
	backoff_free(b);
	b = backoff_create(0, 0, 1);
	for (i = 0; i < 10; i++)
		assert_true(backoff_failure(b, 1.0) >= 1);
	backoff_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_growth_and_cap),
		cmocka_unit_test(test_jitter_spreads),
		cmocka_unit_test(test_growth_mean),
		cmocka_unit_test(test_max_delay),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_partial_weight),
		cmocka_unit_test(test_degenerate_bounds),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
