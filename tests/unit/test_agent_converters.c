/*
 * test_agent_converters: the Kinesis Agent's SINGLELINE, ADDBRACKETS,
 * ADDMETADATA and CSVTOJSON converters, driven through their ops.  The
 * expected bytes come from the agent's DataConverterTest (marked "agent
 * test") and from reading its converters and Java's String.split,
 * String.trim and UTF-8 decoder (the agent's processing/processors/).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <regex.h>

#include "converter.h"
#include "json_out.h"
#include "conv_test.h"

#define R	"\xef\xbf\xbd"		/* U+FFFD */

#define nitems(a)	(sizeof (a) / sizeof (a)[0])

static const struct conv_ctx	ctx = { "flow", "/tmp/f.log", "host", 0,
				    NULL, NULL };

/*
 * A record and the bytes a converter must make of it.  A case with opts
 * creates an instance from them; a case without runs on the instance of
 * the case before it, which has converted records already, as in a flow.
 */
struct conv_case {
	const char	*opts;
	const char	*in;
	size_t		 inlen;
	const char	*want;
	size_t		 wantlen;
};

/* in and want are string literals (may hold NUL). */
#define NEW(opts, in, want)						\
	{ (opts), (in), sizeof(in) - 1, (want), sizeof(want) - 1 }
#define SAME(in, want)	NEW(NULL, in, want)

/* Options create must refuse, and the key it must blame (NULL: none). */
struct fail_case {
	const char	*opts;
	const char	*badkey;
};

static void
run_cases(const struct converter_ops *ops, const struct conv_case *c,
    size_t n)
{
	const char	*opts = NULL;
	void		*inst = NULL;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (c[i].opts != NULL) {
			if (inst != NULL)
				ops->free(inst);
			opts = c[i].opts;
			inst = conv_test_make(ops, opts);
		}
		if (inst == NULL)
			fail_msg("%s cases[%zu]: no options before it",
			    ops->name, i);
		if (conv_test_convert(ops, inst, &ctx, c[i].in, c[i].inlen,
		    CONV_OK, c[i].want, c[i].wantlen) != 0)
			fail_msg("%s cases[%zu], options %s", ops->name, i,
			    opts);
	}
	if (inst != NULL)
		ops->free(inst);
}

static void
run_fails(const struct converter_ops *ops, const struct fail_case *c,
    size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		conv_test_make_fails(ops, c[i].opts, c[i].badkey, NULL);
}

/* The agent's testSingleLineDataConverter input. */
static const char sl_agent_in[] =
    "{\n"
    "   \"a\": {\n"
    "           \"b\": 1,\n"
    "           \"c\": null,\n"
    "           \"d\": true\n"
    "    },\n"
    "   \"e\": \"f\",\n"
    "   \"g\": 2\n"
    "     "
    "}\n";

static const struct conv_case singleline_cases[] = {
	/* agent test: ESCAPE_NEW_LINE joins with the 3 bytes \\n. */
	NEW("{\"parseOptions\":[\"ESCAPE_NEW_LINE\"]}", sl_agent_in,
	    "{\\\\n\"a\": {\\\\n\"b\": 1,\\\\n\"c\": null,\\\\n\"d\": "
	    "true\\\\n},\\\\n\"e\": \"f\",\\\\n\"g\": 2\\\\n}\n"),
	SAME("a\nb\n", "a\\\\nb\n"),
	/* Leading and middle empty lines stay, trailing ones go. */
	SAME("\n\nx\n\ny\n\n\n", "\\\\n\\\\nx\\\\n\\\\ny\n"),
	/* A trailing line that trims to empty is kept (split runs first). */
	SAME("a\n  \n", "a\\\\n\n"),

	/* Default: trim, join with nothing. */
	NEW("{}", sl_agent_in,
	    "{\"a\": {\"b\": 1,\"c\": null,\"d\": true},\"e\": \"f\","
	    "\"g\": 2}\n"),
	SAME("a\r\nb\r\n", "ab\n"),
	SAME("\n", "\n"),
	SAME("\n\n\n", "\n"),
	SAME("", "\n"),
	SAME("no newline", "no newline\n"),
	SAME("  x  ", "x\n"),
	/* trim() removes every char <= 0x20 at the ends, not inside. */
	SAME(" \x01" "a\x01" "b\x1f \t\n", "a\x01" "b\n"),
	SAME("\x00" "a\x00\n", "a\n"),
	SAME("\"q\" \\ \x7f\n", "\"q\" \\ \x7f\n"),
	/* Invalid UTF-8 becomes U+FFFD, valid UTF-8 stays. */
	SAME("a\xff" "b\n caf\xc3\xa9\n", "a" R "bcaf\xc3\xa9\n"),
	SAME("\xe2\x82\n", R "\n"),

	/* NO_TRIM keeps spaces and "\r". */
	NEW("{\"parseOptions\":[\"NO_TRIM\"]}", "  a  \n  b\r\n",
	    "  a    b\r\n"),
	SAME("a\n\n", "a\n"),

	NEW("{\"parseOptions\":[\"NO_TRIM\",\"ESCAPE_NEW_LINE\"]}",
	    " a \n b \n", " a \\\\n b \n"),
	NEW("{\"parseOptions\":[]}", " a \n b \n", "ab\n"),
};

static const struct fail_case singleline_fails[] = {
	{ "{\"parseOptions\":[\"TRIM\"]}", "parseOptions" },
	{ "{\"parseOptions\":\"NO_TRIM\"}", "parseOptions" },
	{ "{\"parseOptions\":[1]}", "parseOptions" },
};

static void
test_singleline(void **state)
{
	(void)state;
	run_cases(&singleline_ops, singleline_cases, nitems(singleline_cases));
	run_fails(&singleline_ops, singleline_fails, nitems(singleline_fails));
}

static const struct conv_case addbrackets_cases[] = {
	/* agent test */
	NEW("{}", "hello there!! :)", "{hello there!! :)}"),
	/* The newline stays inside; none is added. */
	SAME("line\n", "{line\n}"),
	SAME("a\r\n", "{a\r\n}"),
	SAME("", "{}"),
	SAME("\n", "{\n}"),
	SAME("\"x\"\x00\x01", "{\"x\"\x00\x01}"),
	SAME("\xc3\xa9\xff\xed\xa0\x80\n", "{\xc3\xa9" R R "\n}"),
};

static void
test_addbrackets(void **state)
{
	(void)state;
	run_cases(&addbrackets_ops, addbrackets_cases,
	    nitems(addbrackets_cases));
}

/* The agent test's metadata, compact: how its records begin. */
#define AM_FOO								\
	"{\"metadata\":{\"foo\":{\"bar\":\"bas\"},\"key\":\"value\"},"

static const struct conv_case addmetadata_cases[] = {
	/* agent test (its HashMap put foo before key). */
	NEW("{\"metadata\":{\"foo\":{\"bar\":\"bas\"},"
	    "\"key\":\"value\"}}", "This is the data",
	    AM_FOO "\"data\":\"This is the data\"}\n"),
	/* One trailing "\n" goes; a "\r" or a second "\n" stays. */
	SAME("x\n", AM_FOO "\"data\":\"x\"}\n"),
	SAME("x\r\n\n", AM_FOO "\"data\":\"x\\r\\n\"}\n"),
	SAME("\n", AM_FOO "\"data\":\"\"}\n"),
	/* The record is a string, not parsed; escapes and repairs. */
	SAME("{\"k\":1}\t\x01\xff\n",
	    AM_FOO "\"data\":\"{\\\"k\\\":1}\\t\\u0001" R "\"}\n"),

	/* No metadata: null, as the agent's map lookup gives. */
	NEW("{}", "d\n", "{\"metadata\":null,\"data\":\"d\"}\n"),
	NEW("{\"metadata\":null}", "d\n",
	    "{\"metadata\":null,\"data\":\"d\"}\n"),
	NEW("{\"metadata\":[1,2.5,\"s\",true]}", "d",
	    "{\"metadata\":[1,2.5,\"s\",true],\"data\":\"d\"}\n"),
	NEW("{\"metadata\":\"env\",\"timestamp\":false}", "d",
	    "{\"metadata\":\"env\",\"data\":\"d\"}\n"),
	NEW("{\"metadata\":{},\"timestamp\":\"false\"}", "d",
	    "{\"metadata\":{},\"data\":\"d\"}\n"),

	/* PRETTYPRINT. */
	NEW("{\"metadata\":{\"foo\":{\"bar\":\"bas\"},"
	    "\"key\":\"value\",\"l\":[1,2],\"e\":{}},"
	    "\"jsonFormat\":\"PRETTYPRINT\"}",
	    "This is the data\n",
	    "{\n"
	    "  \"metadata\" : {\n"
	    "    \"foo\" : {\n"
	    "      \"bar\" : \"bas\"\n"
	    "    },\n"
	    "    \"key\" : \"value\",\n"
	    "    \"l\" : [ 1, 2 ],\n"
	    "    \"e\" : { }\n"
	    "  },\n"
	    "  \"data\" : \"This is the data\"\n"
	    "}\n"),
	NEW("{\"jsonFormat\":\"COMPACT\"}", "d",
	    "{\"metadata\":null,\"data\":\"d\"}\n"),
};

static const struct fail_case addmetadata_fails[] = {
	{ "{\"jsonFormat\":\"PRETTY\"}", "jsonFormat" },
	{ "{\"timestamp\":\"maybe\"}", "timestamp" },
};

static void
test_addmetadata(void **state)
{
	char	 deep[2 * JSON_OUT_MAX_DEPTH + 1], *deepopts;
	void	*a;
	int	 i;

	(void)state;
	run_cases(&addmetadata_ops, addmetadata_cases,
	    nitems(addmetadata_cases));
	run_fails(&addmetadata_ops, addmetadata_fails,
	    nitems(addmetadata_fails));
	/* Deeper than json_out writes: refused rather than cut. */
	for (i = 0; i < JSON_OUT_MAX_DEPTH; i++)
		deep[i] = '[';
	for (; i < 2 * JSON_OUT_MAX_DEPTH; i++)
		deep[i] = ']';
	deep[i] = '\0';
	deepopts = malloc(strlen(deep) + 32);
	assert_non_null(deepopts);
	sprintf(deepopts, "{\"metadata\":%s}", deep);
	conv_test_make_fails(&addmetadata_ops, deepopts, "metadata", NULL);
	/* 62 levels fit: the record and "metadata" take the other two. */
	sprintf(deepopts, "{\"metadata\":%.*s%.*s}",
	    JSON_OUT_MAX_DEPTH - 2, deep, JSON_OUT_MAX_DEPTH - 2,
	    deep + JSON_OUT_MAX_DEPTH);
	a = conv_test_make(&addmetadata_ops, deepopts);
	assert_int_equal(addmetadata_ops.convert(a, "d", 1, &conv_test_out,
	    NULL), CONV_OK);
	assert_null(memmem(conv_test_out.data, conv_test_out.len, "null", 4));
	addmetadata_ops.free(a);
	free(deepopts);
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
test_addmetadata_timestamp(void **state)
{
	struct buf	*out = &conv_test_out;
	regex_t		 re;
	regmatch_t	 m[2];
	struct tm	 tm;
	char		 ts[32];
	const char	*end;
	int64_t		 before, after, got;
	void		*a;
	int		 pretty;

	(void)state;
	for (pretty = 0; pretty <= 1; pretty++) {
		a = conv_test_make(&addmetadata_ops, pretty ?
		    "{\"metadata\":{\"k\":\"v\"},\"timestamp\":\"true\","
		    "\"jsonFormat\":\"PRETTYPRINT\"}" :
		    "{\"metadata\":{\"k\":\"v\"},\"timestamp\":true}");
		before = now_ms();
		assert_int_equal(addmetadata_ops.convert(a, "line\n", 5, out,
		    &ctx), CONV_OK);
		after = now_ms();
		buf_add(out, "", 1);	/* NUL for regexec */
		assert_int_equal(regcomp(&re, pretty ?
		    "^\\{\n  \"ts\" : \"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:"
		    "[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z)\",\n  \"metadata\" : \\{\n"
		    "    \"k\" : \"v\"\n  \\},\n  \"data\" : \"line\"\n\\}\n$" :
		    "^\\{\"ts\":\"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:"
		    "[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z)\",\"metadata\":\\{\"k\":"
		    "\"v\"\\},\"data\":\"line\"\\}\n$", REG_EXTENDED), 0);
		if (regexec(&re, out->data, 2, m, 0) != 0) {
			print_error("no match: %s", out->data);
			fail();
		}
		regfree(&re);
		assert_int_equal(m[1].rm_eo - m[1].rm_so, 24);
		memcpy(ts, out->data + m[1].rm_so, 24);
		ts[24] = '\0';
		memset(&tm, 0, sizeof tm);
		end = strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm);
		assert_non_null(end);
		got = (int64_t)timegm(&tm) * 1000 + atoi(end + 1);
		assert_true(got >= before && got <= after);
		addmetadata_ops.free(a);
	}
}

/* The agent tests' customFieldNames. */
#define CSV4								\
	"\"customFieldNames\":[\"column1\",\"column2\",\"column3\",\"column4\"]"

static const struct conv_case csvtojson_agent_cases[] = {
	/* agent test testCSVToJSONDataConverter */
	NEW("{" CSV4 "}", "value1, value2,valu\ne3,    value4\n",
	    "{\"column1\":\"value1\",\"column2\":\" value2\",\"column3\":"
	    "\"valu\\ne3\",\"column4\":\"    value4\"}\n"),
	SAME("value1, value2,value3\n",
	    "{\"column1\":\"value1\",\"column2\":\" value2\",\"column3\":"
	    "\"value3\",\"column4\":null}\n"),
	SAME("value1,value2,value3,value4,value5\n",
	    "{\"column1\":\"value1\",\"column2\":\"value2\",\"column3\":"
	    "\"value3\",\"column4\":\"value4\"}\n"),

	/* agent test testCSVToJSONDataConverterConvertingTSV */
	NEW("{" CSV4 ",\"delimiter\":\"\\\\t\"}",
	    "value1\t value2\tvalue3\t    value4\n",
	    "{\"column1\":\"value1\",\"column2\":\" value2\",\"column3\":"
	    "\"value3\",\"column4\":\"    value4\"}\n"),

	/* agent tests testIgnoredFields* */
	NEW("{" CSV4 ",\"ignoredFieldNames\":[]}",
	    "value1,value2,value3,value4\n",
	    "{\"column1\":\"value1\",\"column2\":\"value2\",\"column3\":"
	    "\"value3\",\"column4\":\"value4\"}\n"),
	NEW("{" CSV4 ",\"ignoredFieldNames\":[\"column4\"]}",
	    "value1,value2,value3,value4\n",
	    "{\"column1\":\"value1\",\"column2\":\"value2\",\"column3\":"
	    "\"value3\"}\n"),
	NEW("{" CSV4 ",\"ignoredFieldNames\":[\"column1\"]}",
	    "value1,value2,value3,value4\n",
	    "{\"column2\":\"value2\",\"column3\":\"value3\",\"column4\":"
	    "\"value4\"}\n"),
	NEW("{" CSV4 ",\"ignoredFieldNames\":[\"column2\","
	    "\"column3\"]}",
	    "value1,value2,value3,value4\n",
	    "{\"column1\":\"value1\",\"column4\":\"value4\"}\n"),
	NEW("{" CSV4 ",\"ignoredFieldNames\":[\"column5\","
	    "\"column6\"]}",
	    "value1,value2,value3,value4\n",
	    "{\"column1\":\"value1\",\"column2\":\"value2\",\"column3\":"
	    "\"value3\",\"column4\":\"value4\"}\n"),
};

static void
test_csvtojson_agent(void **state)
{
	(void)state;
	run_cases(&csvtojson_ops, csvtojson_agent_cases,
	    nitems(csvtojson_agent_cases));
}

/* Four columns, a to d. */
#define CSV_AD	"{\"customFieldNames\":[\"a\",\"b\",\"c\",\"d\"]}"

static const struct conv_case csvtojson_split_cases[] = {
	/* Trailing empty strings are removed by split. */
	NEW(CSV_AD, "1,2,,\n",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":null,\"d\":null}\n"),
	SAME(",\n", "{\"a\":null,\"b\":null,\"c\":null,\"d\":null}\n"),
	SAME(",,,,,,\n",
	    "{\"a\":null,\"b\":null,\"c\":null,\"d\":null}\n"),
	/* ...but a line without a delimiter is one column, even empty. */
	SAME("\n", "{\"a\":\"\",\"b\":null,\"c\":null,\"d\":null}\n"),
	SAME("", "{\"a\":\"\",\"b\":null,\"c\":null,\"d\":null}\n"),
	/* A leading empty string stays; inner ones too. */
	SAME(",x\n", "{\"a\":\"\",\"b\":\"x\",\"c\":null,\"d\":null}\n"),
	SAME("1,,3\n",
	    "{\"a\":\"1\",\"b\":\"\",\"c\":\"3\",\"d\":null}\n"),
	/* An empty column inside the used range, non-empty beyond it. */
	SAME("1,2,3,,5\n",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\",\"d\":\"\"}\n"),
	SAME("1,2,3,,,,\n",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\",\"d\":null}\n"),
	/* No line without newline, CRLF keeps "\r", no quote handling. */
	SAME("1,2", "{\"a\":\"1\",\"b\":\"2\",\"c\":null,\"d\":null}\n"),
	SAME("1,2\r\n",
	    "{\"a\":\"1\",\"b\":\"2\\r\",\"c\":null,\"d\":null}\n"),
	SAME("\"x,y\",\\z,\t\x01\n",
	    "{\"a\":\"\\\"x\",\"b\":\"y\\\"\",\"c\":\"\\\\z\",\"d\":"
	    "\"\\t\\u0001\"}\n"),
	/* Only one "\n" is stripped. */
	SAME("1\n\n",
	    "{\"a\":\"1\\n\",\"b\":null,\"c\":null,\"d\":null}\n"),
	/* Invalid UTF-8 on the literal path. */
	SAME("\xff,\xe2\x82,\xc3\xa9\n",
	    "{\"a\":\"" R "\",\"b\":\"" R "\",\"c\":\"\xc3\xa9\",\"d\":"
	    "null}\n"),

	/* A name given twice: first position, later column. */
	NEW("{\"customFieldNames\":[\"a\",\"b\",\"a\"]}", "1,2,3\n",
	    "{\"a\":\"3\",\"b\":\"2\"}\n"),
	NEW("{\"customFieldNames\":[\"a\",\"b\",\"a\"]}", "1,2\n",
	    "{\"a\":null,\"b\":\"2\"}\n"),
	NEW("{\"customFieldNames\":[]}", "1,2\n", "{}\n"),
	NEW("{\"customFieldNames\":[\"x\\\"y\"]}", "1\n",
	    "{\"x\\\"y\":\"1\"}\n"),
};

static void
test_csvtojson_split(void **state)
{
	(void)state;
	run_cases(&csvtojson_ops, csvtojson_split_cases,
	    nitems(csvtojson_split_cases));
}

/* Three columns, a to c, split on the regex d. */
#define CSV_AC(d)	"{\"customFieldNames\":[\"a\",\"b\",\"c\"]," \
			"\"delimiter\":\"" d "\"}"

static const struct conv_case csvtojson_delimiters_cases[] = {
	NEW(CSV_AC("\\\\|"), "1|2|3\n",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}\n"),
	NEW(CSV_AC(";"), "1;2,x;3\n",
	    "{\"a\":\"1\",\"b\":\"2,x\",\"c\":\"3\"}\n"),
	NEW(CSV_AC("::"), "1::2:::3\n",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":\":3\"}\n"),
	/* Regexes. */
	NEW(CSV_AC("\\\\s*,\\\\s*"), "1 , 2,3  \n",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3  \"}\n"),
	NEW(CSV_AC("[;|]"), "1|2;3\n",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}\n"),
	NEW(CSV_AC("\\\\s+"), "  x   y\n",
	    "{\"a\":\"\",\"b\":\"x\",\"c\":\"y\"}\n"),
	/* "." is a regex: every char is a delimiter, all pieces empty. */
	NEW("{\"customFieldNames\":[\"a\",\"b\"],\"delimiter\":\".\"}",
	    "1.2\n", "{\"a\":null,\"b\":null}\n"),
	/* Zero-width matches: none at the start, then per character. */
	NEW("{\"customFieldNames\":[\"a\",\"b\",\"c\",\"d\"],"
	    "\"delimiter\":\"\"}", "ab\xc3\xa9\n",
	    "{\"a\":\"a\",\"b\":\"b\",\"c\":\"\xc3\xa9\",\"d\":null}\n"),
	NEW(CSV_AC("(?=x)"), "x1x2\n",
	    "{\"a\":\"x1\",\"b\":\"x2\",\"c\":null}\n"),
	NEW(CSV_AC("|"), "12\n",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":null}\n"),
	/* Invalid UTF-8 on the regex path: matched as the agent's String. */
	NEW(CSV_AC("\\\\s+"), "a\xff b\xed\xa0\x80 c\n",
	    "{\"a\":\"a" R "\",\"b\":\"b" R "\",\"c\":\"c\"}\n"),
	NEW("{\"customFieldNames\":[\"a\",\"b\"],"
	    "\"delimiter\":\"\xc3\xa9\"}", "1\xc3\xa9\xff\n",
	    "{\"a\":\"1\",\"b\":\"" R "\"}\n"),
};

static void
test_csvtojson_delimiters(void **state)
{
	(void)state;
	run_cases(&csvtojson_ops, csvtojson_delimiters_cases,
	    nitems(csvtojson_delimiters_cases));
}

static const struct conv_case csvtojson_pretty_cases[] = {
	NEW("{\"customFieldNames\":[\"a\",\"b\",\"c\"],"
	    "\"jsonFormat\":\"PRETTYPRINT\"}", "1,\"2\"\n",
	    "{\n  \"a\" : \"1\",\n  \"b\" : \"\\\"2\\\"\",\n"
	    "  \"c\" : null\n}\n"),
	NEW("{\"customFieldNames\":[],"
	    "\"jsonFormat\":\"PRETTYPRINT\"}", "1\n", "{ }\n"),
};

static void
test_csvtojson_pretty(void **state)
{
	(void)state;
	run_cases(&csvtojson_ops, csvtojson_pretty_cases,
	    nitems(csvtojson_pretty_cases));
}

static const struct fail_case csvtojson_errors_fails[] = {
	{ "{}", "customFieldNames" },
	{ "{\"customFieldNames\":\"a\"}", "customFieldNames" },
	{ "{\"customFieldNames\":[1]}", "customFieldNames" },
	{ "{\"customFieldNames\":[\"a\"],\"delimiter\":\"(\"}",
	    "delimiter" },
	{ "{\"customFieldNames\":[\"a\"],\"delimiter\":\"[a\"}",
	    "delimiter" },
	{ "{\"customFieldNames\":[\"a\"],\"delimiter\":5}",
	    "delimiter" },
	{ "{\"customFieldNames\":[\"a\"],\"jsonFormat\":\"compact\"}",
	    "jsonFormat" },
	{ "{\"customFieldNames\":[\"a\"],\"ignoredFieldNames\":\"a\"}",
	    "ignoredFieldNames" },
};

static void
test_csvtojson_errors(void **state)
{
	(void)state;
	run_fails(&csvtojson_ops, csvtojson_errors_fails,
	    nitems(csvtojson_errors_fails));
	/* A regex error names the key. */
	conv_test_make_fails(&csvtojson_ops, "{\"customFieldNames\":[\"a\"],"
	    "\"delimiter\":\"(\"}", "delimiter", "delimiter: Unclosed group");
	conv_test_make_fails(&csvtojson_ops, "{\"customFieldNames\":[\"a\"],"
	    "\"delimiter\":\"(?U)x\"}", "delimiter", "delimiter: (?U)");
}

/* A 1 MiB line through every converter. */
static void
test_big_line(void **state)
{
	struct buf	*out = &conv_test_out;
	size_t		 n = 1 << 20, i;
	char		*in;
	void		*inst;

	(void)state;
	in = malloc(n + 1);
	assert_non_null(in);
	for (i = 0; i < n; i++)
		in[i] = (char)('a' + i % 26);
	in[1000] = ',';
	in[n] = '\n';

	inst = conv_test_make(&csvtojson_ops,
	    "{\"customFieldNames\":[\"a\",\"b\"]}");
	assert_int_equal(csvtojson_ops.convert(inst, in, n + 1, out, &ctx),
	    CONV_OK);
	assert_int_equal(out->len, strlen("{\"a\":\"\",\"b\":\"\"}\n") + n - 1);
	assert_memory_equal(out->data + out->len - 3, "\"}\n", 3);
	csvtojson_ops.free(inst);

	inst = conv_test_make(&csvtojson_ops,
	    "{\"customFieldNames\":[\"a\",\"b\"],\"delimiter\":\"[,;]\"}");
	assert_int_equal(csvtojson_ops.convert(inst, in, n + 1, out, &ctx),
	    CONV_OK);
	assert_int_equal(out->len, strlen("{\"a\":\"\",\"b\":\"\"}\n") + n - 1);
	csvtojson_ops.free(inst);

	inst = conv_test_make(&addmetadata_ops, "{}");
	assert_int_equal(addmetadata_ops.convert(inst, in, n + 1, out, &ctx),
	    CONV_OK);
	assert_int_equal(out->len,
	    strlen("{\"metadata\":null,\"data\":\"\"}\n") + n);
	addmetadata_ops.free(inst);

	inst = conv_test_make(&singleline_ops, "{}");
	assert_int_equal(singleline_ops.convert(inst, in, n + 1, out, &ctx),
	    CONV_OK);
	assert_int_equal(out->len, n + 1);
	assert_memory_equal(out->data, in, n + 1);
	singleline_ops.free(inst);

	inst = conv_test_make(&addbrackets_ops, "{}");
	assert_int_equal(addbrackets_ops.convert(inst, in, n + 1, out, &ctx),
	    CONV_OK);
	assert_int_equal(out->len, n + 3);
	addbrackets_ops.free(inst);
	free(in);
}

static void
test_key_tables(void **state)
{
	const struct converter_ops	*all[] = { &singleline_ops,
	    &addbrackets_ops, &addmetadata_ops, &csvtojson_ops };
	const struct conv_key		*k;
	size_t				 i;

	(void)state;
	for (i = 0; i < sizeof all / sizeof all[0]; i++) {
		assert_non_null(all[i]->desc);
		assert_int_equal(all[i]->extension, 0);
		for (k = all[i]->keys; k->name != NULL; k++) {
			assert_non_null(k->desc);
			if (k->type == CONV_KEY_ENUM)
				assert_non_null(k->values);
		}
	}
	assert_string_equal(csvtojson_ops.keys[0].name, "customFieldNames");
	assert_int_equal(csvtojson_ops.keys[0].required, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_singleline),
		cmocka_unit_test(test_addbrackets),
		cmocka_unit_test(test_addmetadata),
		cmocka_unit_test(test_addmetadata_timestamp),
		cmocka_unit_test(test_csvtojson_agent),
		cmocka_unit_test(test_csvtojson_split),
		cmocka_unit_test(test_csvtojson_delimiters),
		cmocka_unit_test(test_csvtojson_pretty),
		cmocka_unit_test(test_csvtojson_errors),
		cmocka_unit_test(test_big_line),
		cmocka_unit_test(test_key_tables),
	};

	return (cmocka_run_group_tests(tests, NULL, conv_test_teardown));
}
