/*
 * test_json_out: the Jackson-compatible JSON writer.  COMPACT and
 * PRETTYPRINT layouts are checked against what Jackson 2.x's
 * writeValueAsString and DefaultPrettyPrinter write (objects indented two
 * spaces per object level, "key" : value, "{ }", arrays inline as
 * "[ 1, 2 ]" and "[ ]"); every string escape against CharTypes'
 * table; invalid UTF-8 against Java's decoder with REPLACE; doubles
 * against Double.toString.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "converter.h"
#include "json_out.h"

static struct buf	buf = BUF_INIT(CONV_BUF_MAX);

#define nitems(a)	(sizeof (a) / sizeof (a)[0])

/* Returns 0 if b holds want[0..wantlen), else prints both and returns -1. */
static int
compare_mem(const struct buf *b, const char *want, size_t wantlen)
{
	if (b->len != wantlen || memcmp(b->data, want, wantlen) != 0) {
		print_error("got  [%.*s] (%zu)\nwant [%.*s] (%zu)\n",
		    (int)b->len, b->data, b->len, (int)wantlen, want,
		    wantlen);
		return (-1);
	}
	return (0);
}

/* A string and its escaped form. */
struct esc_case {
	const char	*in;
	size_t		 inlen;
	const char	*want;
	size_t		 wantlen;
};

/* in and want are string literals (may hold NUL). */
#define ESC(in, want)	{ (in), sizeof(in) - 1, (want), sizeof(want) - 1 }

static void
run_escapes(const struct esc_case *c, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		buf.len = 0;
		json_out_escape(&buf, c[i].in, c[i].inlen);
		if (compare_mem(&buf, c[i].want, c[i].wantlen) != 0)
			fail_msg("cases[%zu]", i);
	}
}

/* A JSON text, and what json_out_json writes for its value. */
struct json_case {
	const char	*json;
	const char	*want;
};

static void
run_json(const struct json_case *c, size_t n, int pretty)
{
	struct json_out	 j;
	json_t		*v;
	json_error_t	 err;
	size_t		 i;

	for (i = 0; i < n; i++) {
		v = json_loads(c[i].json, JSON_DECODE_ANY | JSON_ALLOW_NUL,
		    &err);
		if (v == NULL)
			fail_msg("cases[%zu]: %s: %s", i, c[i].json, err.text);
		buf.len = 0;
		json_out_init(&j, &buf, pretty);
		json_out_json(&j, v);
		json_decref(v);
		if (compare_mem(&buf, c[i].want, strlen(c[i].want)) != 0)
			fail_msg("cases[%zu]: %s", i, c[i].json);
	}
}

static void
test_buf_growth(void **state)
{
	struct buf	b = BUF_INIT(CONV_BUF_MAX);
	size_t		i;

	(void)state;
	buf_add(&b, "", 0);
	assert_int_equal(b.len, 0);
	for (i = 0; i < 100000; i++)
		buf_add(&b, "ab", 2);
	assert_int_equal(b.len, 200000);
	assert_true(b.cap >= b.len);
	assert_memory_equal(b.data + 199998, "ab", 2);
	assert_int_equal(buf_reserve(&b, 1 << 20), 0);
	assert_true(b.cap >= b.len + (1 << 20));
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
}

static const struct esc_case escape_ascii_cases[] = {
	ESC("", ""),
	ESC("plain text / with slash", "plain text / with slash"),
	ESC("\"quoted\" \\back\\", "\\\"quoted\\\" \\\\back\\\\"),
	ESC("\b\t\n\f\r", "\\b\\t\\n\\f\\r"),
	ESC("\x00\x01\x1f", "\\u0000\\u0001\\u001F"),
	ESC("\x0b\x1a\x1b", "\\u000B\\u001A\\u001B"),
	ESC("\x7f~ ", "\x7f~ "),
	ESC("a\x00" "b", "a\\u0000b"),
};

static void
test_escape_ascii(void **state)
{
	(void)state;
	run_escapes(escape_ascii_cases, nitems(escape_ascii_cases));
}

static void
test_escape_all_controls(void **state)
{
	char	in[1], want[8];
	int	c;

	(void)state;
	for (c = 0; c < 0x20; c++) {
		in[0] = (char)c;
		buf.len = 0;
		json_out_escape(&buf, in, 1);
		switch (c) {
		case '\b': strcpy(want, "\\b"); break;
		case '\t': strcpy(want, "\\t"); break;
		case '\n': strcpy(want, "\\n"); break;
		case '\f': strcpy(want, "\\f"); break;
		case '\r': strcpy(want, "\\r"); break;
		default:
			snprintf(want, sizeof want, "\\u%04X", c);
		}
		if (compare_mem(&buf, want, strlen(want)) != 0)
			fail_msg("control character 0x%02x", (unsigned int)c);
	}
}

static const struct esc_case escape_utf8_valid_cases[] = {
	ESC("caf\xc3\xa9", "caf\xc3\xa9"),
	ESC("\xe2\x82\xac 5", "\xe2\x82\xac 5"),
	ESC("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"),
	ESC("\xef\xbf\xbd", "\xef\xbf\xbd"),		/* U+FFFD */
	ESC("\xe2\x80\xa8", "\xe2\x80\xa8"),		/* U+2028 raw */
	ESC("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"),	/* U+10FFFF */
	ESC("\xed\x9f\xbf", "\xed\x9f\xbf"),		/* U+D7FF */
	ESC("\xee\x80\x80", "\xee\x80\x80"),		/* U+E000 */
};

static void
test_escape_utf8_valid(void **state)
{
	(void)state;
	run_escapes(escape_utf8_valid_cases, nitems(escape_utf8_valid_cases));
}

#define R	"\xef\xbf\xbd"

static const struct esc_case escape_utf8_invalid_cases[] = {
	/* Stray bytes: one U+FFFD each. */
	ESC("\x80", R),
	ESC("\xff", R),
	ESC("a\x80\xbf" "b", "a" R R "b"),
	ESC("\xfe\xf8\xf5", R R R),
	/* C0, C1 can only be overlong: one each, continuation too. */
	ESC("\xc0\xaf", R R),
	ESC("\xc1\xbf", R R),
	/* Overlong three and four byte forms. */
	ESC("\xe0\x80\xaf", R R R),
	ESC("\xe0\x9f\xbf", R R R),
	ESC("\xf0\x80\x80\xaf", R R R R),
	ESC("\xf0\x8f\xbf\xbf", R R R R),
	/* Above U+10FFFF. */
	ESC("\xf4\x90\x80\x80", R R R R),
	ESC("\xf5\x80\x80\x80", R R R R),
	/* Truncated sequences followed by ASCII: maximal subpart. */
	ESC("\xc3" "A", R "A"),
	ESC("\xe2\x82" "A", R "A"),
	ESC("\xe2" "A", R "A"),
	ESC("\xf0\x9f\x98" "A", R "A"),
	ESC("\xf0\x9f" "A", R "A"),
	ESC("\xf0" "A", R "A"),
	/* Truncated at the end of input: one U+FFFD for the rest. */
	ESC("x\xc3", "x" R),
	ESC("x\xe2\x82", "x" R),
	ESC("x\xf0\x9f\x98", "x" R),
	ESC("x\xf0\x9f", "x" R),
	/* A truncated sequence followed by another lead byte. */
	ESC("\xe2\x82\xe2\x82\xac", R "\xe2\x82\xac"),
	ESC("\xf0\x9f\x98\xc3\xa9", R "\xc3\xa9"),
	/* Surrogates: Java rejects the decoded value as a whole. */
	ESC("\xed\xa0\x80", R),
	ESC("\xed\xbf\xbf" "z", R "z"),
	ESC("\xed\xa0\x80\xed\xb0\x80", R R),	/* CESU pair */
	ESC("\xed\xa0" "A", R "A"),
	ESC("x\xed\xa0", "x" R),
	/* Escapes and repairs together. */
	ESC("\"\xff\n", "\\\"" R "\\n"),
};

static void
test_escape_utf8_invalid(void **state)
{
	(void)state;
	run_escapes(escape_utf8_invalid_cases,
	    nitems(escape_utf8_invalid_cases));
}

static void
test_compact(void **state)
{
	struct json_out	 j;
	const char	*want;

	(void)state;
	buf.len = 0;
	json_out_init(&j, &buf, 0);
	json_out_object_begin(&j);
	json_out_key(&j, "a", 1);
	json_out_string(&j, "b", 1);
	json_out_key(&j, "c", 1);
	json_out_null(&j);
	json_out_key(&j, "n", 1);
	json_out_object_begin(&j);
	json_out_key(&j, "arr", 3);
	json_out_array_begin(&j);
	json_out_int(&j, 1);
	json_out_int(&j, -20);
	json_out_bool(&j, 1);
	json_out_bool(&j, 0);
	json_out_array_begin(&j);
	json_out_array_end(&j);
	json_out_object_begin(&j);
	json_out_object_end(&j);
	json_out_array_end(&j);
	json_out_key(&j, "e", 1);
	json_out_object_begin(&j);
	json_out_object_end(&j);
	json_out_object_end(&j);
	json_out_key(&j, "q\"", 2);
	json_out_double(&j, 1.5);
	json_out_object_end(&j);
	assert_int_equal(j.depth, 0);
	want = "{\"a\":\"b\",\"c\":null,\"n\":{\"arr\":[1,-20,true,"
	    "false,[],{}],\"e\":{}},\"q\\\"\":1.5}";
	if (compare_mem(&buf, want, strlen(want)) != 0)
		fail();
}

/* A raw value takes a value's separators and layout, in both formats. */
static void
test_raw(void **state)
{
	struct json_out	 j;
	const char	*want;
	int		 pretty;

	(void)state;
	for (pretty = 0; pretty <= 1; pretty++) {
		buf.len = 0;
		json_out_init(&j, &buf, pretty);
		json_out_object_begin(&j);
		json_out_key(&j, "a", 1);
		json_out_raw(&j, "1.50", 4);
		json_out_key(&j, "b", 1);
		json_out_array_begin(&j);
		json_out_raw(&j, "-0", 2);
		json_out_raw(&j, "7e3", 3);
		json_out_array_end(&j);
		json_out_object_end(&j);
		want = pretty ?
		    "{\n  \"a\" : 1.50,\n  \"b\" : [ -0, 7e3 ]\n}" :
		    "{\"a\":1.50,\"b\":[-0,7e3]}";
		if (compare_mem(&buf, want, strlen(want)) != 0)
			fail();
	}
}

static const struct json_case pretty_cases[] = {
	{ "{}", "{ }" },
	{ "[]", "[ ]" },
	{ "{\"a\":\"b\"}", "{\n  \"a\" : \"b\"\n}" },
	{ "{\"a\":\"b\",\"c\":null}",
	    "{\n  \"a\" : \"b\",\n  \"c\" : null\n}" },
	{ "{\"a\":\"b\",\"c\":{\"d\":[1,2],\"e\":{},\"f\":[]},\"g\":true}",
	    "{\n"
	    "  \"a\" : \"b\",\n"
	    "  \"c\" : {\n"
	    "    \"d\" : [ 1, 2 ],\n"
	    "    \"e\" : { },\n"
	    "    \"f\" : [ ]\n"
	    "  },\n"
	    "  \"g\" : true\n"
	    "}" },
	/* Arrays are inline: objects in them indent by object depth. */
	{ "{\"a\":[{\"b\":1},{\"c\":[{}]}]}",
	    "{\n"
	    "  \"a\" : [ {\n"
	    "    \"b\" : 1\n"
	    "  }, {\n"
	    "    \"c\" : [ { } ]\n"
	    "  } ]\n"
	    "}" },
	{ "[[1,[2]],\"x\"]", "[ [ 1, [ 2 ] ], \"x\" ]" },
	{ "\"s\"", "\"s\"" },
	{ "{\"k\\n\":\"v\\u0001\"}",
	    "{\n  \"k\\n\" : \"v\\u0001\"\n}" },
};

static void
test_pretty(void **state)
{
	(void)state;
	run_json(pretty_cases, nitems(pretty_cases), 1);
}

static const struct json_case json_values_cases[] = {
	/* Insertion order, as LinkedHashMap. */
	{ "{\"z\":1,\"a\":2,\"m\":{\"y\":null,\"b\":false}}",
	    "{\"z\":1,\"a\":2,\"m\":{\"y\":null,\"b\":false}}" },
	{ "[\"\\u00e9\\ud83d\\ude00\",\"a\\/b\",\"\\u007f\"]",
	    "[\"\xc3\xa9\xf0\x9f\x98\x80\",\"a/b\",\"\x7f\"]" },
	{ "\"nul\\u0000in\"", "\"nul\\u0000in\"" },
	{ "-9223372036854775808", "-9223372036854775808" },
	{ "9223372036854775807", "9223372036854775807" },
	/* Double.toString. */
	{ "[1.0,0.5,100.0,1e7,1.5e7,0.001,1e-4,-2.5,0.1,"
	    "1e300,123456.789,3.0e-10,9999999.0,-0.0]",
	    "[1.0,0.5,100.0,1.0E7,1.5E7,0.001,1.0E-4,-2.5,0.1,"
	    "1.0E300,123456.789,3.0E-10,9999999.0,-0.0]" },
	{ "[0.30000000000000004,4.9e-324,1.7976931348623157e308]",
	    "[0.30000000000000004,4.9E-324,1.7976931348623157E308]" },
};

static void
test_json_values(void **state)
{
	(void)state;
	run_json(json_values_cases, nitems(json_values_cases), 0);
}

static void
test_depth_limit(void **state)
{
	struct json_out	 j;
	json_t		*v, *inner;
	int		 i;

	(void)state;
	v = json_array();
	for (i = 0; i < JSON_OUT_MAX_DEPTH + 10; i++) {
		inner = json_array();
		json_array_append_new(inner, v);
		v = inner;
	}
	buf.len = 0;
	json_out_init(&j, &buf, 0);
	json_out_json(&j, v);
	json_decref(v);
	assert_int_equal(j.depth, 0);
	/* JSON_OUT_MAX_DEPTH - 1 arrays, then null in the innermost. */
	assert_int_equal(buf.len, 2 * (JSON_OUT_MAX_DEPTH - 1) + 4);
	assert_memory_equal(buf.data + JSON_OUT_MAX_DEPTH - 1, "null", 4);
}

static void
test_long_string(void **state)
{
	char	*in;
	size_t	 n = 1 << 20, i;

	(void)state;
	in = malloc(n);
	assert_non_null(in);
	for (i = 0; i < n; i++)
		in[i] = (char)('a' + i % 26);
	in[n / 2] = '"';
	buf.len = 0;
	json_out_escape(&buf, in, n);
	assert_int_equal(buf.len, n + 1);
	assert_memory_equal(buf.data, in, n / 2);
	assert_memory_equal(buf.data + n / 2, "\\\"", 2);
	assert_memory_equal(buf.data + n / 2 + 2, in + n / 2 + 1,
	    n - n / 2 - 1);
	free(in);
}

static int
teardown(void **state)
{
	(void)state;
	buf_free(&buf);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_escape_ascii),
		cmocka_unit_test(test_escape_all_controls),
		cmocka_unit_test(test_escape_utf8_valid),
		cmocka_unit_test(test_escape_utf8_invalid),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_pretty),
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_long_string),
	};

	return (cmocka_run_group_tests(tests, NULL, teardown));
}
