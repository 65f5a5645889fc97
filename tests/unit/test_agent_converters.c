/*
 * test_agent_converters: the Kinesis Agent's SINGLELINE, ADDBRACKETS,
 * ADDMETADATA and CSVTOJSON converters, driven through their ops.  The
 * expected bytes come from the agent's DataConverterTest (marked "agent
 * test") and from reading its converters and Java's String.split,
 * String.trim and UTF-8 decoder (KINESIS-AGENT.md §2).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <regex.h>

#include <cmocka.h>
#include <jansson.h>

#include "converter.h"
#include "json_out.h"

extern const struct converter_ops singleline_ops;
extern const struct converter_ops addbrackets_ops;
extern const struct converter_ops addmetadata_ops;
extern const struct converter_ops csvtojson_ops;

#define R	"\xef\xbf\xbd"		/* U+FFFD */

static struct conv_buf	out;

static void *
make(const struct converter_ops *ops, const char *opts)
{
	json_t		*o;
	json_error_t	 err;
	char		*cause = NULL;
	const char	*badkey = NULL;
	void		*inst;

	o = json_loads(opts, 0, &err);
	assert_non_null(o);
	inst = ops->create(o, &cause, &badkey);
	json_decref(o);
	if (inst == NULL) {
		print_error("create %s %s: %s\n", ops->name, opts, cause);
		free(cause);
		fail();
	}
	return (inst);
}

/* Expects create to fail on key badkey (NULL: the whole option). */
static void
make_fails(const struct converter_ops *ops, const char *opts,
    const char *want_badkey)
{
	json_t		*o;
	json_error_t	 err;
	char		*cause = NULL;
	const char	*badkey = "unset";
	void		*inst;

	o = json_loads(opts, 0, &err);
	assert_non_null(o);
	inst = ops->create(o, &cause, &badkey);
	json_decref(o);
	if (inst != NULL)
		ops->free(inst);
	assert_null(inst);
	assert_non_null(cause);
	assert_true(strlen(cause) > 0);
	free(cause);
	if (want_badkey == NULL)
		assert_null(badkey);
	else {
		assert_non_null(badkey);
		assert_string_equal(badkey, want_badkey);
	}
}

static void
check_conv(const struct converter_ops *ops, void *inst, const char *in,
    size_t inlen, const char *want, size_t wantlen)
{
	struct conv_ctx	ctx = { "flow", "/tmp/f.log", "host", 0 };

	assert_int_equal(ops->convert(inst, in, inlen, &out, &ctx), CONV_OK);
	if (out.len != wantlen || memcmp(out.data, want, wantlen) != 0) {
		print_error("in   [%.*s]\ngot  [%.*s] (%zu)\nwant [%.*s] "
		    "(%zu)\n", (int)(inlen > 200 ? 200 : inlen), in,
		    (int)(out.len > 400 ? 400 : out.len), out.data, out.len,
		    (int)(wantlen > 400 ? 400 : wantlen), want, wantlen);
		fail();
	}
}

/* in and want are string literals (may hold NUL). */
#define CONV(ops, inst, in, want)					\
	check_conv(&(ops), (inst), (in), sizeof(in) - 1, (want),	\
	    sizeof(want) - 1)

/* One-shot: create with opts, convert, free. */
#define ONE(ops, opts, in, want) do {					\
	void *i_ = make(&(ops), (opts));				\
	CONV(ops, i_, in, want);					\
	(ops).free(i_);							\
} while (0)

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

static void
test_singleline(void **state)
{
	void	*s;

	(void)state;
	/* agent test: ESCAPE_NEW_LINE joins with the 3 bytes \\n. */
	s = make(&singleline_ops, "{\"parseOptions\":[\"ESCAPE_NEW_LINE\"]}");
	CONV(singleline_ops, s, sl_agent_in,
	    "{\\\\n\"a\": {\\\\n\"b\": 1,\\\\n\"c\": null,\\\\n\"d\": true"
	    "\\\\n},\\\\n\"e\": \"f\",\\\\n\"g\": 2\\\\n}\n");
	CONV(singleline_ops, s, "a\nb\n", "a\\\\nb\n");
	/* Leading and middle empty lines stay, trailing ones go. */
	CONV(singleline_ops, s, "\n\nx\n\ny\n\n\n",
	    "\\\\n\\\\nx\\\\n\\\\ny\n");
	/* A trailing line that trims to empty is kept (split runs first). */
	CONV(singleline_ops, s, "a\n  \n", "a\\\\n\n");
	singleline_ops.free(s);

	/* Default: trim, join with nothing. */
	s = make(&singleline_ops, "{}");
	CONV(singleline_ops, s, sl_agent_in,
	    "{\"a\": {\"b\": 1,\"c\": null,\"d\": true},\"e\": \"f\","
	    "\"g\": 2}\n");
	CONV(singleline_ops, s, "a\r\nb\r\n", "ab\n");
	CONV(singleline_ops, s, "\n", "\n");
	CONV(singleline_ops, s, "\n\n\n", "\n");
	CONV(singleline_ops, s, "", "\n");
	CONV(singleline_ops, s, "no newline", "no newline\n");
	CONV(singleline_ops, s, "  x  ", "x\n");
	/* trim() removes every char <= 0x20 at the ends, not inside. */
	CONV(singleline_ops, s, " \x01" "a\x01" "b\x1f \t\n", "a\x01" "b\n");
	CONV(singleline_ops, s, "\x00" "a\x00\n", "a\n");
	CONV(singleline_ops, s, "\"q\" \\ \x7f\n", "\"q\" \\ \x7f\n");
	/* Invalid UTF-8 becomes U+FFFD, valid UTF-8 stays. */
	CONV(singleline_ops, s, "a\xff" "b\n caf\xc3\xa9\n",
	    "a" R "bcaf\xc3\xa9\n");
	CONV(singleline_ops, s, "\xe2\x82\n", R "\n");
	singleline_ops.free(s);

	/* NO_TRIM keeps spaces and "\r". */
	s = make(&singleline_ops, "{\"parseOptions\":[\"NO_TRIM\"]}");
	CONV(singleline_ops, s, "  a  \n  b\r\n", "  a    b\r\n");
	CONV(singleline_ops, s, "a\n\n", "a\n");
	singleline_ops.free(s);

	ONE(singleline_ops,
	    "{\"parseOptions\":[\"NO_TRIM\",\"ESCAPE_NEW_LINE\"]}",
	    " a \n b \n", " a \\\\n b \n");
	ONE(singleline_ops, "{\"parseOptions\":[]}", " a \n b \n", "ab\n");

	make_fails(&singleline_ops, "{\"parseOptions\":[\"TRIM\"]}",
	    "parseOptions");
	make_fails(&singleline_ops, "{\"parseOptions\":\"NO_TRIM\"}",
	    "parseOptions");
	make_fails(&singleline_ops, "{\"parseOptions\":[1]}",
	    "parseOptions");
}

static void
test_addbrackets(void **state)
{
	void	*b;

	(void)state;
	b = make(&addbrackets_ops, "{}");
	/* agent test */
	CONV(addbrackets_ops, b, "hello there!! :)", "{hello there!! :)}");
	/* The newline stays inside; none is added. */
	CONV(addbrackets_ops, b, "line\n", "{line\n}");
	CONV(addbrackets_ops, b, "a\r\n", "{a\r\n}");
	CONV(addbrackets_ops, b, "", "{}");
	CONV(addbrackets_ops, b, "\n", "{\n}");
	CONV(addbrackets_ops, b, "\"x\"\x00\x01", "{\"x\"\x00\x01}");
	CONV(addbrackets_ops, b, "\xc3\xa9\xff\xed\xa0\x80\n",
	    "{\xc3\xa9" R R "\n}");
	addbrackets_ops.free(b);
}

static void
test_addmetadata(void **state)
{
	char	 deep[2 * JSON_OUT_MAX_DEPTH + 1], *deepopts;
	void	*a;
	int	 i;

	(void)state;
	/* agent test (its HashMap put foo before key). */
	a = make(&addmetadata_ops,
	    "{\"metadata\":{\"foo\":{\"bar\":\"bas\"},\"key\":\"value\"}}");
	CONV(addmetadata_ops, a, "This is the data",
	    "{\"metadata\":{\"foo\":{\"bar\":\"bas\"},\"key\":\"value\"},"
	    "\"data\":\"This is the data\"}\n");
	/* One trailing "\n" goes; a "\r" or a second "\n" stays. */
	CONV(addmetadata_ops, a, "x\n",
	    "{\"metadata\":{\"foo\":{\"bar\":\"bas\"},\"key\":\"value\"},"
	    "\"data\":\"x\"}\n");
	CONV(addmetadata_ops, a, "x\r\n\n",
	    "{\"metadata\":{\"foo\":{\"bar\":\"bas\"},\"key\":\"value\"},"
	    "\"data\":\"x\\r\\n\"}\n");
	CONV(addmetadata_ops, a, "\n",
	    "{\"metadata\":{\"foo\":{\"bar\":\"bas\"},\"key\":\"value\"},"
	    "\"data\":\"\"}\n");
	/* The record is a string, not parsed; escapes and repairs. */
	CONV(addmetadata_ops, a, "{\"k\":1}\t\x01\xff\n",
	    "{\"metadata\":{\"foo\":{\"bar\":\"bas\"},\"key\":\"value\"},"
	    "\"data\":\"{\\\"k\\\":1}\\t\\u0001" R "\"}\n");
	addmetadata_ops.free(a);

	/* No metadata: null, as the agent's map lookup gives. */
	ONE(addmetadata_ops, "{}", "d\n",
	    "{\"metadata\":null,\"data\":\"d\"}\n");
	ONE(addmetadata_ops, "{\"metadata\":null}", "d\n",
	    "{\"metadata\":null,\"data\":\"d\"}\n");
	ONE(addmetadata_ops, "{\"metadata\":[1,2.5,\"s\",true]}", "d",
	    "{\"metadata\":[1,2.5,\"s\",true],\"data\":\"d\"}\n");
	ONE(addmetadata_ops, "{\"metadata\":\"env\",\"timestamp\":false}", "d",
	    "{\"metadata\":\"env\",\"data\":\"d\"}\n");
	ONE(addmetadata_ops, "{\"metadata\":{},\"timestamp\":\"false\"}", "d",
	    "{\"metadata\":{},\"data\":\"d\"}\n");

	/* PRETTYPRINT. */
	ONE(addmetadata_ops, "{\"metadata\":{\"foo\":{\"bar\":\"bas\"},"
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
	    "}\n");
	ONE(addmetadata_ops, "{\"jsonFormat\":\"COMPACT\"}", "d",
	    "{\"metadata\":null,\"data\":\"d\"}\n");

	make_fails(&addmetadata_ops, "{\"jsonFormat\":\"PRETTY\"}",
	    "jsonFormat");
	make_fails(&addmetadata_ops, "{\"timestamp\":\"maybe\"}", "timestamp");
	/* Deeper than json_out writes: refused rather than cut. */
	for (i = 0; i < JSON_OUT_MAX_DEPTH; i++)
		deep[i] = '[';
	for (; i < 2 * JSON_OUT_MAX_DEPTH; i++)
		deep[i] = ']';
	deep[i] = '\0';
	deepopts = malloc(strlen(deep) + 32);
	assert_non_null(deepopts);
	sprintf(deepopts, "{\"metadata\":%s}", deep);
	make_fails(&addmetadata_ops, deepopts, "metadata");
	/* 62 levels fit: the record and "metadata" take the other two. */
	sprintf(deepopts, "{\"metadata\":%.*s%.*s}",
	    JSON_OUT_MAX_DEPTH - 2, deep, JSON_OUT_MAX_DEPTH - 2,
	    deep + JSON_OUT_MAX_DEPTH);
	a = make(&addmetadata_ops, deepopts);
	assert_int_equal(addmetadata_ops.convert(a, "d", 1, &out, NULL),
	    CONV_OK);
	assert_null(memmem(out.data, out.len, "null", 4));
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
	struct conv_ctx	 ctx = { "flow", "/tmp/f.log", "host", 0 };
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
		a = make(&addmetadata_ops, pretty ?
		    "{\"metadata\":{\"k\":\"v\"},\"timestamp\":\"true\","
		    "\"jsonFormat\":\"PRETTYPRINT\"}" :
		    "{\"metadata\":{\"k\":\"v\"},\"timestamp\":true}");
		before = now_ms();
		assert_int_equal(addmetadata_ops.convert(a, "line\n", 5, &out,
		    &ctx), CONV_OK);
		after = now_ms();
		conv_buf_add(&out, "", 1);	/* NUL for regexec */
		assert_int_equal(regcomp(&re, pretty ?
		    "^\\{\n  \"ts\" : \"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:"
		    "[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z)\",\n  \"metadata\" : \\{\n"
		    "    \"k\" : \"v\"\n  \\},\n  \"data\" : \"line\"\n\\}\n$" :
		    "^\\{\"ts\":\"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:"
		    "[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z)\",\"metadata\":\\{\"k\":"
		    "\"v\"\\},\"data\":\"line\"\\}\n$", REG_EXTENDED), 0);
		if (regexec(&re, out.data, 2, m, 0) != 0) {
			print_error("no match: %s", out.data);
			fail();
		}
		regfree(&re);
		assert_int_equal(m[1].rm_eo - m[1].rm_so, 24);
		memcpy(ts, out.data + m[1].rm_so, 24);
		ts[24] = '\0';
		memset(&tm, 0, sizeof tm);
		end = strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm);
		assert_non_null(end);
		got = (int64_t)timegm(&tm) * 1000 + atoi(end + 1);
		assert_true(got >= before && got <= after);
		addmetadata_ops.free(a);
	}
}

static const char *csv4 =
    "{\"customFieldNames\":[\"column1\",\"column2\",\"column3\",\"column4\"]}";

static void
test_csvtojson_agent(void **state)
{
	void	*c;

	(void)state;
	/* agent test testCSVToJSONDataConverter */
	c = make(&csvtojson_ops, csv4);
	CONV(csvtojson_ops, c, "value1, value2,valu\ne3,    value4\n",
	    "{\"column1\":\"value1\",\"column2\":\" value2\",\"column3\":"
	    "\"valu\\ne3\",\"column4\":\"    value4\"}\n");
	CONV(csvtojson_ops, c, "value1, value2,value3\n",
	    "{\"column1\":\"value1\",\"column2\":\" value2\",\"column3\":"
	    "\"value3\",\"column4\":null}\n");
	CONV(csvtojson_ops, c, "value1,value2,value3,value4,value5\n",
	    "{\"column1\":\"value1\",\"column2\":\"value2\",\"column3\":"
	    "\"value3\",\"column4\":\"value4\"}\n");
	csvtojson_ops.free(c);

	/* agent test testCSVToJSONDataConverterConvertingTSV */
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"column1\",\"column2\","
	    "\"column3\",\"column4\"],\"delimiter\":\"\\\\t\"}",
	    "value1\t value2\tvalue3\t    value4\n",
	    "{\"column1\":\"value1\",\"column2\":\" value2\",\"column3\":"
	    "\"value3\",\"column4\":\"    value4\"}\n");

	/* agent tests testIgnoredFields* */
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"column1\",\"column2\","
	    "\"column3\",\"column4\"],\"ignoredFieldNames\":[]}",
	    "value1,value2,value3,value4\n",
	    "{\"column1\":\"value1\",\"column2\":\"value2\",\"column3\":"
	    "\"value3\",\"column4\":\"value4\"}\n");
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"column1\",\"column2\","
	    "\"column3\",\"column4\"],\"ignoredFieldNames\":[\"column4\"]}",
	    "value1,value2,value3,value4\n",
	    "{\"column1\":\"value1\",\"column2\":\"value2\",\"column3\":"
	    "\"value3\"}\n");
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"column1\",\"column2\","
	    "\"column3\",\"column4\"],\"ignoredFieldNames\":[\"column1\"]}",
	    "value1,value2,value3,value4\n",
	    "{\"column2\":\"value2\",\"column3\":\"value3\",\"column4\":"
	    "\"value4\"}\n");
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"column1\",\"column2\","
	    "\"column3\",\"column4\"],\"ignoredFieldNames\":[\"column2\","
	    "\"column3\"]}",
	    "value1,value2,value3,value4\n",
	    "{\"column1\":\"value1\",\"column4\":\"value4\"}\n");
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"column1\",\"column2\","
	    "\"column3\",\"column4\"],\"ignoredFieldNames\":[\"column5\","
	    "\"column6\"]}",
	    "value1,value2,value3,value4\n",
	    "{\"column1\":\"value1\",\"column2\":\"value2\",\"column3\":"
	    "\"value3\",\"column4\":\"value4\"}\n");
}

static void
test_csvtojson_split(void **state)
{
	void	*c;

	(void)state;
	c = make(&csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\",\"c\","
	    "\"d\"]}");
	/* Trailing empty strings are removed by split. */
	CONV(csvtojson_ops, c, "1,2,,\n",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":null,\"d\":null}\n");
	CONV(csvtojson_ops, c, ",\n",
	    "{\"a\":null,\"b\":null,\"c\":null,\"d\":null}\n");
	CONV(csvtojson_ops, c, ",,,,,,\n",
	    "{\"a\":null,\"b\":null,\"c\":null,\"d\":null}\n");
	/* ...but a line without a delimiter is one column, even empty. */
	CONV(csvtojson_ops, c, "\n",
	    "{\"a\":\"\",\"b\":null,\"c\":null,\"d\":null}\n");
	CONV(csvtojson_ops, c, "",
	    "{\"a\":\"\",\"b\":null,\"c\":null,\"d\":null}\n");
	/* A leading empty string stays; inner ones too. */
	CONV(csvtojson_ops, c, ",x\n",
	    "{\"a\":\"\",\"b\":\"x\",\"c\":null,\"d\":null}\n");
	CONV(csvtojson_ops, c, "1,,3\n",
	    "{\"a\":\"1\",\"b\":\"\",\"c\":\"3\",\"d\":null}\n");
	/* An empty column inside the used range, non-empty beyond it. */
	CONV(csvtojson_ops, c, "1,2,3,,5\n",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\",\"d\":\"\"}\n");
	CONV(csvtojson_ops, c, "1,2,3,,,,\n",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\",\"d\":null}\n");
	/* No line without newline, CRLF keeps "\r", no quote handling. */
	CONV(csvtojson_ops, c, "1,2",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":null,\"d\":null}\n");
	CONV(csvtojson_ops, c, "1,2\r\n",
	    "{\"a\":\"1\",\"b\":\"2\\r\",\"c\":null,\"d\":null}\n");
	CONV(csvtojson_ops, c, "\"x,y\",\\z,\t\x01\n",
	    "{\"a\":\"\\\"x\",\"b\":\"y\\\"\",\"c\":\"\\\\z\",\"d\":"
	    "\"\\t\\u0001\"}\n");
	/* Only one "\n" is stripped. */
	CONV(csvtojson_ops, c, "1\n\n",
	    "{\"a\":\"1\\n\",\"b\":null,\"c\":null,\"d\":null}\n");
	/* Invalid UTF-8 on the literal path. */
	CONV(csvtojson_ops, c, "\xff,\xe2\x82,\xc3\xa9\n",
	    "{\"a\":\"" R "\",\"b\":\"" R "\",\"c\":\"\xc3\xa9\",\"d\":"
	    "null}\n");
	csvtojson_ops.free(c);

	/* A name given twice: first position, later column. */
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\",\"a\"]}",
	    "1,2,3\n", "{\"a\":\"3\",\"b\":\"2\"}\n");
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\",\"a\"]}",
	    "1,2\n", "{\"a\":null,\"b\":\"2\"}\n");
	ONE(csvtojson_ops, "{\"customFieldNames\":[]}", "1,2\n", "{}\n");
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"x\\\"y\"]}", "1\n",
	    "{\"x\\\"y\":\"1\"}\n");
}

static void
test_csvtojson_delimiters(void **state)
{
	(void)state;
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\",\"c\"],"
	    "\"delimiter\":\"\\\\|\"}", "1|2|3\n",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}\n");
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\",\"c\"],"
	    "\"delimiter\":\";\"}", "1;2,x;3\n",
	    "{\"a\":\"1\",\"b\":\"2,x\",\"c\":\"3\"}\n");
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\",\"c\"],"
	    "\"delimiter\":\"::\"}", "1::2:::3\n",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":\":3\"}\n");
	/* Regexes. */
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\",\"c\"],"
	    "\"delimiter\":\"\\\\s*,\\\\s*\"}", "1 , 2,3  \n",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3  \"}\n");
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\",\"c\"],"
	    "\"delimiter\":\"[;|]\"}", "1|2;3\n",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}\n");
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\",\"c\"],"
	    "\"delimiter\":\"\\\\s+\"}", "  x   y\n",
	    "{\"a\":\"\",\"b\":\"x\",\"c\":\"y\"}\n");
	/* "." is a regex: every char is a delimiter, all pieces empty. */
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\"],"
	    "\"delimiter\":\".\"}", "1.2\n", "{\"a\":null,\"b\":null}\n");
	/* Zero-width matches: none at the start, then per character. */
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\",\"c\","
	    "\"d\"],\"delimiter\":\"\"}", "ab\xc3\xa9\n",
	    "{\"a\":\"a\",\"b\":\"b\",\"c\":\"\xc3\xa9\",\"d\":null}\n");
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\",\"c\"],"
	    "\"delimiter\":\"(?=x)\"}", "x1x2\n",
	    "{\"a\":\"x1\",\"b\":\"x2\",\"c\":null}\n");
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\",\"c\"],"
	    "\"delimiter\":\"|\"}", "12\n",
	    "{\"a\":\"1\",\"b\":\"2\",\"c\":null}\n");
	/* Invalid UTF-8 on the regex path: matched as the agent's String. */
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\",\"c\"],"
	    "\"delimiter\":\"\\\\s+\"}", "a\xff b\xed\xa0\x80 c\n",
	    "{\"a\":\"a" R "\",\"b\":\"b" R "\",\"c\":\"c\"}\n");
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\"],"
	    "\"delimiter\":\"\xc3\xa9\"}", "1\xc3\xa9\xff\n",
	    "{\"a\":\"1\",\"b\":\"" R "\"}\n");
}

static void
test_csvtojson_pretty(void **state)
{
	(void)state;
	ONE(csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\",\"c\"],"
	    "\"jsonFormat\":\"PRETTYPRINT\"}", "1,\"2\"\n",
	    "{\n  \"a\" : \"1\",\n  \"b\" : \"\\\"2\\\"\",\n"
	    "  \"c\" : null\n}\n");
	ONE(csvtojson_ops, "{\"customFieldNames\":[],"
	    "\"jsonFormat\":\"PRETTYPRINT\"}", "1\n", "{ }\n");
}

static void
test_csvtojson_errors(void **state)
{
	(void)state;
	make_fails(&csvtojson_ops, "{}", "customFieldNames");
	make_fails(&csvtojson_ops, "{\"customFieldNames\":\"a\"}",
	    "customFieldNames");
	make_fails(&csvtojson_ops, "{\"customFieldNames\":[1]}",
	    "customFieldNames");
	make_fails(&csvtojson_ops, "{\"customFieldNames\":[\"a\"],"
	    "\"delimiter\":\"(\"}", "delimiter");
	make_fails(&csvtojson_ops, "{\"customFieldNames\":[\"a\"],"
	    "\"delimiter\":\"[a\"}", "delimiter");
	make_fails(&csvtojson_ops, "{\"customFieldNames\":[\"a\"],"
	    "\"delimiter\":5}", "delimiter");
	make_fails(&csvtojson_ops, "{\"customFieldNames\":[\"a\"],"
	    "\"jsonFormat\":\"compact\"}", "jsonFormat");
	make_fails(&csvtojson_ops, "{\"customFieldNames\":[\"a\"],"
	    "\"ignoredFieldNames\":\"a\"}", "ignoredFieldNames");
}

/* A 1 MiB line through every converter. */
static void
test_big_line(void **state)
{
	struct conv_ctx	 ctx = { "flow", "/tmp/f.log", "host", 0 };
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

	inst = make(&csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\"]}");
	assert_int_equal(csvtojson_ops.convert(inst, in, n + 1, &out, &ctx),
	    CONV_OK);
	assert_int_equal(out.len, strlen("{\"a\":\"\",\"b\":\"\"}\n") + n - 1);
	assert_memory_equal(out.data + out.len - 3, "\"}\n", 3);
	csvtojson_ops.free(inst);

	inst = make(&csvtojson_ops, "{\"customFieldNames\":[\"a\",\"b\"],"
	    "\"delimiter\":\"[,;]\"}");
	assert_int_equal(csvtojson_ops.convert(inst, in, n + 1, &out, &ctx),
	    CONV_OK);
	assert_int_equal(out.len, strlen("{\"a\":\"\",\"b\":\"\"}\n") + n - 1);
	csvtojson_ops.free(inst);

	inst = make(&addmetadata_ops, "{}");
	assert_int_equal(addmetadata_ops.convert(inst, in, n + 1, &out, &ctx),
	    CONV_OK);
	assert_int_equal(out.len,
	    strlen("{\"metadata\":null,\"data\":\"\"}\n") + n);
	addmetadata_ops.free(inst);

	inst = make(&singleline_ops, "{}");
	assert_int_equal(singleline_ops.convert(inst, in, n + 1, &out, &ctx),
	    CONV_OK);
	assert_int_equal(out.len, n + 1);
	assert_memory_equal(out.data, in, n + 1);
	singleline_ops.free(inst);

	inst = make(&addbrackets_ops, "{}");
	assert_int_equal(addbrackets_ops.convert(inst, in, n + 1, &out, &ctx),
	    CONV_OK);
	assert_int_equal(out.len, n + 3);
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

static int
teardown(void **state)
{
	(void)state;
	conv_buf_free(&out);
	return (0);
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

	return (cmocka_run_group_tests(tests, NULL, teardown));
}
