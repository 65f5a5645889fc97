/*
 * test_fmt: the units, durations and ages sluicectl prints, at the unit
 * boundaries where rounding could go wrong, and terminal-safe escaping of
 * names that come from the file system.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fmt.h"

static void
check_bytes(uint64_t n, const char *want)
{
	char	buf[FMT_BYTES_MAX];

	assert_string_equal(fmt_bytes(buf, sizeof buf, n), want);
}

static void
test_bytes(void **state)
{
	(void)state;
	check_bytes(0, "0 B");
	check_bytes(1, "1 B");
	check_bytes(1023, "1023 B");
	check_bytes(1024, "1.0 KiB");
	check_bytes(1536, "1.5 KiB");
	check_bytes(1024 * 10 + 102, "10.1 KiB");
	/* 1023.95 KiB rounds to 1024.0: the next unit is used instead. */
	check_bytes(1024 * 1024 - 52, "1023.9 KiB");
	check_bytes(1024 * 1024 - 51, "1.0 MiB");
	check_bytes(1024 * 1024 - 1, "1.0 MiB");
	check_bytes(1024 * 1024, "1.0 MiB");
	check_bytes(12897485, "12.3 MiB");
	check_bytes(3ULL << 30, "3.0 GiB");
	check_bytes(5ULL << 40 | 1ULL << 39, "5.5 TiB");
	check_bytes(1ULL << 50, "1.0 PiB");
	check_bytes(1ULL << 60, "1.0 EiB");
	check_bytes(UINT64_MAX, "16.0 EiB");
}

static void
check_duration(uint64_t secs, const char *want)
{
	char	buf[FMT_DURATION_MAX];

	assert_string_equal(fmt_duration(buf, sizeof buf, secs), want);
}

static void
test_duration(void **state)
{
	(void)state;
	check_duration(0, "0s");
	check_duration(59, "59s");
	check_duration(60, "1m");
	check_duration(90, "1m30s");
	check_duration(3599, "59m59s");
	check_duration(3600, "1h");
	check_duration(3600 + 5 * 60 + 9, "1h5m");
	check_duration(86399, "23h59m");
	check_duration(86400, "1d");
	check_duration(3 * 86400 + 4 * 3600 + 59, "3d4h");
	check_duration(400 * 86400 + 60, "400d");
	check_duration(UINT64_MAX, "213503982334601d7h");
}

static void
test_age(void **state)
{
	char	buf[FMT_AGE_MAX];

	(void)state;
	assert_string_equal(fmt_age(buf, sizeof buf, 1700000000, 1700000003),
	    "3s ago");
	assert_string_equal(fmt_age(buf, sizeof buf, 1700000000, 1700000000),
	    "0s ago");
	assert_string_equal(fmt_age(buf, sizeof buf, 1700000000,
	    1700000000 + 2 * 3600 + 60), "2h1m ago");
	/* The clock stepped back after the error was recorded. */
	assert_string_equal(fmt_age(buf, sizeof buf, 1700000010, 1700000000),
	    "just now");
}

static void
check_escape(const char *s, const char *want)
{
	char	*got;

	got = fmt_escape(s);
	assert_string_equal(got, want);
	free(got);
}

static void
test_escape(void **state)
{
	(void)state;
	check_escape("", "");
	check_escape("/var/log/a.log", "/var/log/a.log");
	check_escape("a\\b", "a\\\\b");
	check_escape("tab\there", "tab\\x09here");
	check_escape("\x1b[31mred", "\\x1b[31mred");
	check_escape("del\x7f", "del\\x7f");
	/* Valid UTF-8 stays. */
	check_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* C1 controls (a one-byte CSI in UTF-8) do not. */
	check_escape("\xc2\x9b" "2J", "\\xc2\\x9b2J");
	/* Invalid: lone continuation, truncated, overlong, surrogate. */
	check_escape("\x80", "\\x80");
	check_escape("\xc3", "\\xc3");
	check_escape("\xc3x", "\\xc3x");
	check_escape("\xc0\xaf", "\\xc0\\xaf");
	check_escape("\xe0\x80\xaf", "\\xe0\\x80\\xaf");
	check_escape("\xed\xa0\x80", "\\xed\\xa0\\x80");
	check_escape("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	check_escape("\xff", "\\xff");
}

static void
test_width(void **state)
{
	(void)state;
	assert_int_equal(fmt_width(""), 0);
	assert_int_equal(fmt_width("abc"), 3);
	assert_int_equal(fmt_width("caf\xc3\xa9"), 4);
	assert_int_equal(fmt_width("\xe2\x82\xac\xf0\x9f\x98\x80"), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_width),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
