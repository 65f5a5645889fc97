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

static struct conv_buf	buf;

static void
check_mem(const struct conv_buf *b, const char *want, size_t wantlen)
{
	if (b->len != wantlen || memcmp(b->data, want, wantlen) != 0) {
		print_error("got  [%.*s] (%zu)\nwant [%.*s] (%zu)\n",
		    (int)b->len, b->data, b->len, (int)wantlen, want,
		    wantlen);
		fail();
	}
}

/* Escapes in (a literal, may hold NUL) and compares with want. */
#define CHECK_ESC(in, want) do {					\
	buf.len = 0;							\
	json_out_escape(&buf, (in), sizeof(in) - 1);			\
	check_mem(&buf, (want), sizeof(want) - 1);			\
} while (0)

static void
test_conv_buf(void **state)
{
	struct conv_buf	b = { NULL, 0, 0 };
	size_t		i;

	(void)state;
	conv_buf_add(&b, "", 0);
	assert_int_equal(b.len, 0);
	for (i = 0; i < 100000; i++)
		conv_buf_add(&b, "ab", 2);
	assert_int_equal(b.len, 200000);
	assert_true(b.cap >= b.len);
	assert_memory_equal(b.data + 199998, "ab", 2);
	conv_buf_reserve(&b, 1 << 20);
	assert_true(b.cap >= b.len + (1 << 20));
	conv_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
}

static void
test_escape_ascii(void **state)
{
	(void)state;
	CHECK_ESC("", "");
	CHECK_ESC("plain text / with slash", "plain text / with slash");
	CHECK_ESC("\"quoted\" \\back\\", "\\\"quoted\\\" \\\\back\\\\");
	CHECK_ESC("\b\t\n\f\r", "\\b\\t\\n\\f\\r");
	CHECK_ESC("\x00\x01\x1f", "\\u0000\\u0001\\u001F");
	CHECK_ESC("\x0b\x1a\x1b", "\\u000B\\u001A\\u001B");
	CHECK_ESC("\x7f~ ", "\x7f~ ");
	CHECK_ESC("a\x00" "b", "a\\u0000b");
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
		check_mem(&buf, want, strlen(want));
	}
}

static void
test_escape_utf8_valid(void **state)
{
	(void)state;
	CHECK_ESC("caf\xc3\xa9", "caf\xc3\xa9");
	CHECK_ESC("\xe2\x82\xac 5", "\xe2\x82\xac 5");
	CHECK_ESC("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	CHECK_ESC("\xef\xbf\xbd", "\xef\xbf\xbd");		/* U+FFFD */
	CHECK_ESC("\xe2\x80\xa8", "\xe2\x80\xa8");	/* U+2028 raw */
	CHECK_ESC("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");	/* U+10FFFF */
	CHECK_ESC("\xed\x9f\xbf", "\xed\x9f\xbf");		/* U+D7FF */
	CHECK_ESC("\xee\x80\x80", "\xee\x80\x80");		/* U+E000 */
}

#define R	"\xef\xbf\xbd"

static void
test_escape_utf8_invalid(void **state)
{
	(void)state;
	/* Stray bytes: one U+FFFD each. */
	CHECK_ESC("\x80", R);
	CHECK_ESC("\xff", R);
	CHECK_ESC("a\x80\xbf" "b", "a" R R "b");
	CHECK_ESC("\xfe\xf8\xf5", R R R);
	/* C0, C1 can only be overlong: one each, continuation too. */
	CHECK_ESC("\xc0\xaf", R R);
	CHECK_ESC("\xc1\xbf", R R);
	/* Overlong three and four byte forms. */
	CHECK_ESC("\xe0\x80\xaf", R R R);
	CHECK_ESC("\xe0\x9f\xbf", R R R);
	CHECK_ESC("\xf0\x80\x80\xaf", R R R R);
	CHECK_ESC("\xf0\x8f\xbf\xbf", R R R R);
	/* Above U+10FFFF. */
	CHECK_ESC("\xf4\x90\x80\x80", R R R R);
	CHECK_ESC("\xf5\x80\x80\x80", R R R R);
	/* Truncated sequences followed by ASCII: maximal subpart. */
	CHECK_ESC("\xc3" "A", R "A");
	CHECK_ESC("\xe2\x82" "A", R "A");
	CHECK_ESC("\xe2" "A", R "A");
	CHECK_ESC("\xf0\x9f\x98" "A", R "A");
	CHECK_ESC("\xf0\x9f" "A", R "A");
	CHECK_ESC("\xf0" "A", R "A");
	/* Truncated at the end of input: one U+FFFD for the rest. */
	CHECK_ESC("x\xc3", "x" R);
	CHECK_ESC("x\xe2\x82", "x" R);
	CHECK_ESC("x\xf0\x9f\x98", "x" R);
	CHECK_ESC("x\xf0\x9f", "x" R);
	/* A truncated sequence followed by another lead byte. */
	CHECK_ESC("\xe2\x82\xe2\x82\xac", R "\xe2\x82\xac");
	CHECK_ESC("\xf0\x9f\x98\xc3\xa9", R "\xc3\xa9");
	/* Surrogates: Java rejects the decoded value as a whole. */
	CHECK_ESC("\xed\xa0\x80", R);
	CHECK_ESC("\xed\xbf\xbf" "z", R "z");
	CHECK_ESC("\xed\xa0\x80\xed\xb0\x80", R R);	/* CESU pair */
	CHECK_ESC("\xed\xa0" "A", R "A");
	CHECK_ESC("x\xed\xa0", "x" R);
	/* Escapes and repairs together. */
	CHECK_ESC("\"\xff\n", "\\\"" R "\\n");
}

static void
test_compact(void **state)
{
	struct json_out	j;

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
	check_mem(&buf, "{\"a\":\"b\",\"c\":null,\"n\":{\"arr\":[1,-20,true,"
	    "false,[],{}],\"e\":{}},\"q\\\"\":1.5}",
	    strlen("{\"a\":\"b\",\"c\":null,\"n\":{\"arr\":[1,-20,true,"
	    "false,[],{}],\"e\":{}},\"q\\\"\":1.5}"));
}

static void
check_pretty(const char *json, const char *want)
{
	struct json_out	 j;
	json_t		*v;
	json_error_t	 err;

	v = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	assert_non_null(v);
	buf.len = 0;
	json_out_init(&j, &buf, 1);
	json_out_json(&j, v);
	json_decref(v);
	check_mem(&buf, want, strlen(want));
}

static void
check_compact(const char *json, const char *want)
{
	struct json_out	 j;
	json_t		*v;
	json_error_t	 err;

	v = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	assert_non_null(v);
	buf.len = 0;
	json_out_init(&j, &buf, 0);
	json_out_json(&j, v);
	json_decref(v);
	check_mem(&buf, want, strlen(want));
}

static void
test_pretty(void **state)
{
	(void)state;
	check_pretty("{}", "{ }");
	check_pretty("[]", "[ ]");
	check_pretty("{\"a\":\"b\"}", "{\n  \"a\" : \"b\"\n}");
	check_pretty("{\"a\":\"b\",\"c\":null}",
	    "{\n  \"a\" : \"b\",\n  \"c\" : null\n}");
	check_pretty("{\"a\":\"b\",\"c\":{\"d\":[1,2],\"e\":{},\"f\":[]},"
	    "\"g\":true}",
	    "{\n"
	    "  \"a\" : \"b\",\n"
	    "  \"c\" : {\n"
	    "    \"d\" : [ 1, 2 ],\n"
	    "    \"e\" : { },\n"
	    "    \"f\" : [ ]\n"
	    "  },\n"
	    "  \"g\" : true\n"
	    "}");
	/* Arrays are inline: objects in them indent by object depth. */
	check_pretty("{\"a\":[{\"b\":1},{\"c\":[{}]}]}",
	    "{\n"
	    "  \"a\" : [ {\n"
	    "    \"b\" : 1\n"
	    "  }, {\n"
	    "    \"c\" : [ { } ]\n"
	    "  } ]\n"
	    "}");
	check_pretty("[[1,[2]],\"x\"]", "[ [ 1, [ 2 ] ], \"x\" ]");
	check_pretty("\"s\"", "\"s\"");
	check_pretty("{\"k\\n\":\"v\\u0001\"}",
	    "{\n  \"k\\n\" : \"v\\u0001\"\n}");
}

static void
test_json_values(void **state)
{
	(void)state;
	/* Insertion order, as LinkedHashMap. */
	check_compact("{\"z\":1,\"a\":2,\"m\":{\"y\":null,\"b\":false}}",
	    "{\"z\":1,\"a\":2,\"m\":{\"y\":null,\"b\":false}}");
	check_compact("[\"\\u00e9\\ud83d\\ude00\",\"a\\/b\",\"\\u007f\"]",
	    "[\"\xc3\xa9\xf0\x9f\x98\x80\",\"a/b\",\"\x7f\"]");
	check_compact("\"nul\\u0000in\"", "\"nul\\u0000in\"");
	check_compact("-9223372036854775808", "-9223372036854775808");
	check_compact("9223372036854775807", "9223372036854775807");
	/* Double.toString. */
	check_compact("[1.0,0.5,100.0,1e7,1.5e7,0.001,1e-4,-2.5,0.1,"
	    "1e300,123456.789,3.0e-10,9999999.0,-0.0]",
	    "[1.0,0.5,100.0,1.0E7,1.5E7,0.001,1.0E-4,-2.5,0.1,"
	    "1.0E300,123456.789,3.0E-10,9999999.0,-0.0]");
	check_compact("[0.30000000000000004,4.9e-324,1.7976931348623157e308]",
	    "[0.30000000000000004,4.9E-324,1.7976931348623157E308]");
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
	conv_buf_free(&buf);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv_buf),
		cmocka_unit_test(test_escape_ascii),
		cmocka_unit_test(test_escape_all_controls),
		cmocka_unit_test(test_escape_utf8_valid),
		cmocka_unit_test(test_escape_utf8_invalid),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_pretty),
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_long_string),
	};

	return (cmocka_run_group_tests(tests, NULL, teardown));
}
