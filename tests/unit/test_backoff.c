/*
 * test_backoff: the delay stays within initial * 2^(n-1) * (1 +- 0.3),
 * grows with consecutive failures, stops at the cap (+30%), starts over
 * after a success, and grows more slowly for partial failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backoff.h"

/* Asserts lo * 0.7 <= d <= hi * 1.3 (integer milliseconds). */
static void
assert_within(uint64_t d, double lo, double hi)
{
	assert_true((double)d >= lo * 0.7 - 1);
	assert_true((double)d <= hi * 1.3 + 1);
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
			assert_true(backoff_failure(b, 1.0) <= 13001);
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
	/* Uniform on [700, 1300]: 2000 draws reach near both ends. */
	assert_true(lo >= 700 && lo < 730);
	assert_true(hi <= 1300 && hi > 1270);
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
	assert_true(backoff_failure(b, 1.0) >= (uint64_t)(200 * 256 * 0.7));
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
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_partial_weight),
		cmocka_unit_test(test_degenerate_bounds),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
