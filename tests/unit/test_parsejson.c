/*
 * test_parsejson: PARSEJSON through its ops: key order, removeFields,
 * renameFields (position, replacing, swapping), addFields with every
 * placeholder, the three onInvalid policies on each kind of invalid line,
 * line endings, escaping, invalid UTF-8, numbers, nesting depth, a 1 MiB
 * line, and every create error with the key it blames.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "converter.h"

/* 2023-11-14T22:13:20Z */
static const struct conv_ctx ctx = {
	"web", "/var/log/app.log", "host1", 1700000000, NULL, NULL
};

#define CONV_TEST_OPS	parsejson_ops
#define CONV_TEST_CTX	ctx
#include "conv_test.h"

static void
test_passthrough(void **state)
{
	void	*p;

	(void)state;
	p = make("{}");
	/* Key order is the input's; white space goes. */
	check(p, "{ \"b\" : 1, \"a\" : [1, 2, {\"x\": null}], \"c\": \"s\", "
	    "\"t\": true, \"f\": false, \"e\": {}, \"ea\": [] }\n", CONV_OK,
	    "{\"b\":1,\"a\":[1,2,{\"x\":null}],\"c\":\"s\",\"t\":true,"
	    "\"f\":false,\"e\":{},\"ea\":[]}\n");
	check(p, "{}\n", CONV_OK, "{}\n");
	/* No newline, CRLF, surrounding white space. */
	check(p, "{\"a\":1}", CONV_OK, "{\"a\":1}\n");
	check(p, "{\"a\":1}\r\n", CONV_OK, "{\"a\":1}\n");
	check(p, " \t{\"a\":1} \n", CONV_OK, "{\"a\":1}\n");
	/* The last duplicate wins, at the first one's place. */
	check(p, "{\"a\":1,\"b\":2,\"a\":3}\n", CONV_OK,
	    "{\"a\":3,\"b\":2}\n");
	/* Numbers come back from their values. */
	check(p, "{\"i\":-42,\"r\":1.50,\"e\":1e3,\"z\":-0.0,\"s\":1e-5}\n",
	    CONV_OK, "{\"i\":-42,\"r\":1.5,\"e\":1000.0,\"z\":-0.0,"
	    "\"s\":1.0E-5}\n");
	check(p, "{\"big\":9223372036854775807}\n", CONV_OK,
	    "{\"big\":9223372036854775807}\n");
	parsejson_ops.free(p);
}

static void
test_escaping(void **state)
{
	void	*p;

	(void)state;
	p = make("{}");
	/* Jackson's escapes: short forms, \u00XX upper case, "/" as is. */
	check(p, "{\"a\":\"q\\\"b\\\\s\\/\\u0001\\n\\t\\u001f\\b\\f\\r\"}\n",
	    CONV_OK, "{\"a\":\"q\\\"b\\\\s/\\u0001\\n\\t\\u001F\\b\\f\\r\"}\n");
	/* Non-ASCII is written as UTF-8, escaped or not in the input. */
	check(p, "{\"caf\\u00e9\":\"\xc3\xa9\\ud83d\\ude00\"}\n", CONV_OK,
	    "{\"caf\xc3\xa9\":\"\xc3\xa9\xf0\x9f\x98\x80\"}\n");
	/* NUL in a value is kept. */
	check_len(p, "{\"a\":\"x\\u0000y\"}\n", 17, CONV_OK,
	    "{\"a\":\"x\\u0000y\"}\n", 17);
	parsejson_ops.free(p);
}

static void
test_remove(void **state)
{
	void	*p;

	(void)state;
	p = make("{\"removeFields\": [\"pw\", \"a.x\", \"none\"]}");
	check(p, "{\"u\":\"me\",\"pw\":\"x\",\"a\":{\"x\":1},\"a.x\":2}\n",
	    CONV_OK, "{\"u\":\"me\",\"a\":{\"x\":1}}\n");
	check(p, "{\"pw\":1}\n", CONV_OK, "{}\n");
	/* Only top-level fields. */
	check(p, "{\"n\":{\"pw\":1}}\n", CONV_OK, "{\"n\":{\"pw\":1}}\n");
	parsejson_ops.free(p);
}

static void
test_rename(void **state)
{
	void	*p;

	(void)state;
	p = make("{\"renameFields\": {\"msg\": \"message\", \"lvl\": "
	    "\"level\"}}");
	/* A renamed field keeps its place. */
	check(p, "{\"ts\":1,\"msg\":\"hi\",\"lvl\":\"info\",\"z\":0}\n",
	    CONV_OK, "{\"ts\":1,\"message\":\"hi\",\"level\":\"info\","
	    "\"z\":0}\n");
	/* It replaces a field that had the new name, before or after it. */
	check(p, "{\"message\":\"old\",\"msg\":\"new\"}\n", CONV_OK,
	    "{\"message\":\"new\"}\n");
	check(p, "{\"msg\":\"new\",\"message\":\"old\"}\n", CONV_OK,
	    "{\"message\":\"new\"}\n");
	/* Without the old name, a field with the new name stays. */
	check(p, "{\"message\":\"old\"}\n", CONV_OK, "{\"message\":\"old\"}\n");
	parsejson_ops.free(p);

	/* Swapping two names. */
	p = make("{\"renameFields\": {\"a\": \"b\", \"b\": \"a\"}}");
	check(p, "{\"a\":1,\"b\":2}\n", CONV_OK, "{\"b\":1,\"a\":2}\n");
	parsejson_ops.free(p);

	/* Two fields renamed to one name: the later in the record wins. */
	p = make("{\"renameFields\": {\"a\": \"x\", \"b\": \"x\"}}");
	check(p, "{\"b\":2,\"c\":3,\"a\":1}\n", CONV_OK,
	    "{\"c\":3,\"x\":1}\n");
	check(p, "{\"a\":1,\"b\":2}\n", CONV_OK, "{\"x\":2}\n");
	parsejson_ops.free(p);

	/* A removed field is not renamed; names are the input's. */
	p = make("{\"renameFields\": {\"a\": \"b\"}, \"removeFields\": "
	    "[\"a\", \"c\"]}");
	check(p, "{\"a\":1,\"b\":2}\n", CONV_OK, "{\"b\":2}\n");
	parsejson_ops.free(p);
	p = make("{\"renameFields\": {\"a\": \"b\"}, \"removeFields\": "
	    "[\"b\"]}");
	check(p, "{\"a\":1,\"b\":2}\n", CONV_OK, "{\"b\":1}\n");
	parsejson_ops.free(p);
}

static void
test_add(void **state)
{
	struct conv_ctx	 c2 = ctx;
	const char	*w;
	void		*p;

	(void)state;
	p = make("{\"addFields\": {\"env\": \"prod\", \"src\": "
	    "\"{{flow}}:{{file}}@{{hostname}}\", \"at\": \"{{timestamp}}\", "
	    "\"lit\": \"{{flow\", \"two\": \"}}{{flow}}{{flow}}{{\", "
	    "\"nest\": \"{{ {{{file}}}\"}}");
	/* Appended in the configured order; same names are replaced. */
	check(p, "{\"env\":\"dev\",\"a\":1}\n", CONV_OK,
	    "{\"a\":1,\"env\":\"prod\",\"src\":\"web:/var/log/app.log@host1\","
	    "\"at\":\"2023-11-14T22:13:20Z\",\"lit\":\"{{flow\","
	    "\"two\":\"}}webweb{{\",\"nest\":\"{{ {/var/log/app.log}\"}\n");
	/* Expanded per record. */
	c2.now = 0;
	c2.flow = "q\"x";
	c2.hostname = NULL;
	w = "{\"env\":\"prod\",\"src\":\"q\\\"x:/var/log/app.log@\","
	    "\"at\":\"1970-01-01T00:00:00Z\",\"lit\":\"{{flow\","
	    "\"two\":\"}}q\\\"xq\\\"x{{\","
	    "\"nest\":\"{{ {/var/log/app.log}\"}\n";
	conv_test_check(&parsejson_ops, p, &c2, "{}\n", 3, CONV_OK, w,
	    strlen(w));
	parsejson_ops.free(p);

	/* Renaming runs first: addFields then replaces the new name. */
	p = make("{\"renameFields\": {\"a\": \"b\"}, \"addFields\": "
	    "{\"b\": \"added\"}}");
	check(p, "{\"a\":1,\"c\":2}\n", CONV_OK,
	    "{\"c\":2,\"b\":\"added\"}\n");
	parsejson_ops.free(p);
}

static void
test_invalid(void **state)
{
	static const char *const bad[] = {
		"\n", "", "{\n", "not json\n", "[1,2]\n", "\"s\"\n", "42\n",
		"null\n", "{} x\n", "{}{}\n", "{\"a\":1,}\n", "{'a':1}\n",
		"{\"a\":\"\x01\"}\n", "{\"a\":9223372036854775808}\n",
		"{\"a\":1e999}\n", "{\"a\\u0000\":1}\n", "{\"a\":\"\xff\"}\n",
		"{\"a\":\"\xc3\"}\n"
	};
	struct buf	 out = BUF_INIT(CONV_BUF_MAX);
	void		*drop, *raw, *wrap;
	size_t		 i;

	(void)state;
	drop = make("{\"onInvalid\": \"DROP\"}");
	raw = make("{\"onInvalid\": \"RAW\"}");
	wrap = make("{\"onInvalid\": \"WRAP\"}");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parsejson_ops.convert(drop, bad[i],
		    strlen(bad[i]), &out, &ctx), CONV_DROP);
		check(raw, bad[i], CONV_OK, bad[i]);
		assert_int_equal(parsejson_ops.convert(wrap, bad[i],
		    strlen(bad[i]), &out, &ctx), CONV_OK);
		assert_memory_equal(out.data, "{\"message\":\"", 12);
	}
	buf_free(&out);
	check(wrap, "not json\n", CONV_OK, "{\"message\":\"not json\"}\n");
	check(wrap, "\n", CONV_OK, "{\"message\":\"\"}\n");
	check(wrap, "x\r\n", CONV_OK, "{\"message\":\"x\\r\"}\n");
	check(wrap, "[\"a\"]", CONV_OK, "{\"message\":\"[\\\"a\\\"]\"}\n");
	check(wrap, "{\"a\":\"\xff\"}\n", CONV_OK,
	    "{\"message\":\"{\\\"a\\\":\\\"\xef\xbf\xbd\\\"}\"}\n");
	check(wrap, "a\tb\x01\n", CONV_OK, "{\"message\":\"a\\tb\\u0001\"}\n");
	parsejson_ops.free(drop);
	parsejson_ops.free(raw);
	parsejson_ops.free(wrap);

	/* DROP is the default. */
	drop = make("{}");
	check(drop, "oops\n", CONV_DROP, NULL);
	parsejson_ops.free(drop);

	/* A wrapped line is then edited like any record. */
	wrap = make("{\"onInvalid\": \"WRAP\", \"renameFields\": "
	    "{\"message\": \"log\"}, \"addFields\": {\"flow\": \"{{flow}}\"}}");
	check(wrap, "oops\n", CONV_OK, "{\"log\":\"oops\",\"flow\":\"web\"}\n");
	parsejson_ops.free(wrap);
}

static void
test_depth(void **state)
{
	char	in[1024], want[1024];
	void	*p;
	int	 i, n;

	(void)state;
	p = make("{}");
	/* 63 levels, the record included, fit json_out; 64 do not. */
	for (n = 63; n <= 64; n++) {
		in[0] = '\0';
		for (i = 0; i < n - 1; i++)
			strcat(in, "{\"a\":");
		strcat(in, "{}");
		for (i = 0; i < n - 1; i++)
			strcat(in, "}");
		strcpy(want, in);
		strcat(in, "\n");
		strcat(want, "\n");
		check(p, in, n == 63 ? CONV_OK : CONV_DROP, want);
	}
	/* Arrays count as levels too. */
	in[0] = '\0';
	strcat(in, "{\"a\":");
	for (i = 0; i < 63; i++)
		strcat(in, "[");
	for (i = 0; i < 63; i++)
		strcat(in, "]");
	strcat(in, "}\n");
	check(p, in, CONV_DROP, NULL);
	parsejson_ops.free(p);
}

static void
test_long_line(void **state)
{
	struct buf	 out = BUF_INIT(CONV_BUF_MAX);
	const size_t	 n = 1024 * 1024;
	char		*line;
	size_t		 cap;
	void		*p;

	(void)state;
	line = malloc(n + 1);
	assert_non_null(line);
	memcpy(line, "{\"m\":\"", 6);
	memset(line + 6, 'x', n - 8);
	memcpy(line + n - 2, "\"}\n", 3);
	p = make("{\"addFields\": {\"f\": \"{{flow}}\"}}");
	assert_int_equal(parsejson_ops.convert(p, line, n + 1, &out, &ctx),
	    CONV_OK);
	assert_int_equal(out.len, n - 1 + strlen(",\"f\":\"web\"}\n"));
	assert_memory_equal(out.data, line, n - 1);
	assert_memory_equal(out.data + n - 1, ",\"f\":\"web\"}\n", 12);
	cap = out.cap;
	out.len = 0;
	assert_int_equal(parsejson_ops.convert(p, line, n + 1, &out, &ctx),
	    CONV_OK);
	assert_int_equal(out.cap, cap);
	parsejson_ops.free(p);
	buf_free(&out);
	free(line);
}

static void
test_create_errors(void **state)
{
	void	*p;

	(void)state;
	make_fails("{\"addFields\": {\"a\": \"{{host}}\"}}", "addFields",
	    "{{host}}");
	make_fails("{\"addFields\": {\"a\": \"x{{}}\"}}", "addFields",
	    "unknown placeholder");
	make_fails("{\"addFields\": {\"a\": 1}}", "addFields", "string");
	make_fails("{\"addFields\": [\"a\"]}", "addFields", "mapping");
	make_fails("{\"renameFields\": {\"a\": \"\"}}", "renameFields",
	    "non-empty");
	make_fails("{\"renameFields\": {\"a\": 1}}", "renameFields",
	    "mapping of strings");
	make_fails("{\"renameFields\": \"a\"}", "renameFields", "mapping");
	make_fails("{\"removeFields\": \"a\"}", "removeFields", "list");
	make_fails("{\"removeFields\": [1]}", "removeFields", "list");
	make_fails("{\"onInvalid\": \"KEEP\"}", "onInvalid", "WRAP");

	/* All of them at once is fine. */
	p = make("{\"addFields\": {}, \"removeFields\": [], "
	    "\"renameFields\": {}, \"onInvalid\": \"RAW\"}");
	check(p, "{\"a\":1}\n", CONV_OK, "{\"a\":1}\n");
	parsejson_ops.free(p);
}

static void
test_ops(void **state)
{
	const char	*want[] = { "addFields", "removeFields",
			    "renameFields", "onInvalid" };
	size_t		 i;

	(void)state;
	assert_string_equal(parsejson_ops.name, "PARSEJSON");
	assert_int_equal(parsejson_ops.extension, 1);
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		assert_string_equal(parsejson_ops.keys[i].name, want[i]);
	assert_null(parsejson_ops.keys[i].name);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passthrough),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_ops),
	};

	return (cmocka_run_group_tests(tests, NULL, conv_test_teardown));
}
