/*
 * test_buf: the bounded buffer keeps its maximum exactly (an append that
 * would pass it changes nothing and marks the buffer failed until reset),
 * grows without losing bytes, formats across its growth boundary, and
 * hands a lent window's contents over when it must grow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

static void
test_add_grows(void **state)
{
	struct buf	b = BUF_INIT(1 << 20);
	char		want[5000];
	size_t		i;

	(void)state;
	assert_string_equal(buf_cstr(&b), "");
	for (i = 0; i < sizeof want; i++) {
		want[i] = 'a' + i % 26;
		assert_int_equal(buf_addc(&b, want[i]), 0);
	}
	assert_int_equal(b.len, sizeof want);
	assert_true(b.cap >= b.len);
	assert_memory_equal(b.data, want, sizeof want);
	assert_false(buf_has_failed(&b));
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.max, 1 << 20);
}

static void
test_max_is_exact(void **state)
{
	struct buf	b;

	(void)state;
	buf_init(&b, 10);
	assert_int_equal(buf_adds(&b, "0123456789"), 0);
	assert_true(b.cap <= 10);
	assert_false(buf_has_failed(&b));
	/* One byte more is refused and changes nothing. */
	assert_int_equal(buf_addc(&b, 'x'), -1);
	assert_true(buf_has_failed(&b));
	assert_int_equal(b.len, 10);
	assert_string_equal(buf_cstr(&b), "0123456789");
	/* The mark stays after an append that fits again... */
	b.len = 5;
	assert_int_equal(buf_addc(&b, 'y'), 0);
	assert_true(buf_has_failed(&b));
	/* ...until a reset. */
	buf_reset(&b);
	assert_false(buf_has_failed(&b));
	assert_int_equal(b.len, 0);
	/* A size that would overflow len + more is refused too. */
	assert_int_equal(buf_reserve(&b, SIZE_MAX), -1);
	assert_int_equal(buf_add(&b, "", 0), 0);
	buf_free(&b);
}

static void
test_printf(void **state)
{
	struct buf	b = BUF_INIT(4096);
	char		big[3000];
	size_t		i;

	(void)state;
	assert_int_equal(buf_printf(&b, "%s=%d", "n", 42), 0);
	assert_string_equal(buf_cstr(&b), "n=42");
	/* Past the first allocation: formatted again into more room. */
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(buf_printf(&b, ",%s", big), 0);
	assert_int_equal(b.len, 4 + 1 + sizeof big - 1);
	assert_memory_equal(b.data, "n=42,zz", 7);
	for (i = 5; i < b.len; i++)
		assert_int_equal(b.data[i], 'z');
	/* Past max: refused, unchanged. */
	assert_int_equal(buf_printf(&b, "%s", big), -1);
	assert_true(buf_has_failed(&b));
	assert_int_equal(b.len, 4 + 1 + sizeof big - 1);
	buf_free(&b);

	/* Nothing to print into a buffer with no memory yet. */
	buf_init(&b, 16);
	assert_int_equal(buf_printf(&b, "%s", ""), 0);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);

	/* Exactly max, with vsnprintf's NUL beyond it. */
	buf_init(&b, 4);
	assert_int_equal(buf_printf(&b, "%d", 1234), 0);
	assert_string_equal(buf_cstr(&b), "1234");
	assert_int_equal(buf_printf(&b, "%d", 5), -1);
	buf_free(&b);
}

static void
test_take(void **state)
{
	struct buf	 b = BUF_INIT(100);
	char		*s;

	(void)state;
	s = buf_take(&b);
	assert_string_equal(s, "");
	free(s);
	buf_adds(&b, "hello");
	s = buf_take(&b);
	assert_string_equal(s, "hello");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(s);
	/* The buffer is usable again. */
	assert_int_equal(buf_adds(&b, "again"), 0);
	assert_string_equal(buf_cstr(&b), "again");
	buf_free(&b);
}

static void
test_lend(void **state)
{
	struct buf	b = BUF_INIT(1 << 16);
	char		window[9];	/* 8 and a NUL */
	char		*s;

	(void)state;
	buf_lend(&b, window, sizeof window);
	assert_int_equal(buf_adds(&b, "abcdefgh"), 0);
	assert_ptr_equal(b.data, window);	/* written in place */
	assert_int_equal(buf_adds(&b, "ij"), 0);
	assert_ptr_not_equal(b.data, window);	/* moved out */
	assert_false(b.lent);
	assert_memory_equal(b.data, "abcdefghij", 10);
	buf_free(&b);

	/* Taking from a window copies: the window is not the caller's. */
	buf_lend(&b, window, sizeof window);
	buf_add(&b, "x\0z", 3);
	s = buf_take(&b);
	assert_memory_equal(s, "x\0z", 4);	/* all of it, and a NUL */
	assert_ptr_not_equal(s, window);
	free(s);
	buf_free(&b);
}

static void
test_shrink(void **state)
{
	struct buf	 b = BUF_INIT(1 << 20);
	char		*p;

	(void)state;
	buf_adds(&b, "short");
	p = b.data;
	buf_shrink(&b, 4096);
	assert_ptr_equal(b.data, p);		/* small: kept for reuse */
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_reserve(&b, 100000), 0);
	buf_shrink(&b, 4096);
	assert_null(b.data);			/* grown: given back */
	assert_int_equal(b.cap, 0);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_grows),
		cmocka_unit_test(test_max_is_exact),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_take),
		cmocka_unit_test(test_lend),
		cmocka_unit_test(test_shrink),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
