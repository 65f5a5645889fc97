/*
 * test_regextojson: REGEXTOJSON through its ops: field order, unset
 * groups, each type conversion and its fallback to a string, the three
 * onMismatch policies, timeKey with and without %z (and the dates and
 * times strptime takes that do not exist, kept as text), PRETTYPRINT, line
 * endings, bytes that are not UTF-8, a 1 MiB line, and every create error
 * with the key it blames.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "converter.h"
#include "json_out.h"

/* 2023-11-14T22:13:20Z */
static const struct conv_ctx ctx = {
	"web", "/var/log/app.log", "host1", 1700000000, NULL, NULL
};

#define CONV_TEST_OPS	regextojson_ops
#define CONV_TEST_CTX	ctx
#include "conv_test.h"

static void
test_fields(void **state)
{
	void	*r;

	(void)state;
	/* Group-number order, not name order; unnamed groups are skipped. */
	r = make("{\"pattern\": \"(?<z>\\\\w+) (\\\\d+) (?<a>\\\\w+)\"}");
	check(r, "one 2 three\n", CONV_OK, "{\"z\":\"one\",\"a\":\"three\"}\n");
	/* The whole line must match. */
	check(r, "one 2 three four\n", CONV_DROP, NULL);
	check(r, "x one 2 three\n", CONV_DROP, NULL);
	regextojson_ops.free(r);

	/* Unset optional groups are null, wherever they are. */
	r = make("{\"pattern\": \"(?<a>x)?-(?<b>y)?-(?<c>z)?\"}");
	check(r, "x-y-z\n", CONV_OK, "{\"a\":\"x\",\"b\":\"y\",\"c\":\"z\"}\n");
	check(r, "--z\n", CONV_OK, "{\"a\":null,\"b\":null,\"c\":\"z\"}\n");
	check(r, "x--\n", CONV_OK, "{\"a\":\"x\",\"b\":null,\"c\":null}\n");
	check(r, "--\n", CONV_OK, "{\"a\":null,\"b\":null,\"c\":null}\n");
	regextojson_ops.free(r);

	/* An explicit ^...$ is harmless. */
	r = make("{\"pattern\": \"^(?<a>.*)$\"}");
	check(r, "hello\n", CONV_OK, "{\"a\":\"hello\"}\n");
	regextojson_ops.free(r);
}

static void
test_int(void **state)
{
	void	*r;

	(void)state;
	r = make("{\"pattern\": \"(?<n>.*)\", \"types\": {\"n\": \"int\"}}");
	check(r, "200\n", CONV_OK, "{\"n\":200}\n");
	check(r, "+007\n", CONV_OK, "{\"n\":7}\n");
	check(r, "-0\n", CONV_OK, "{\"n\":0}\n");
	check(r, "-42\n", CONV_OK, "{\"n\":-42}\n");
	check(r, "9223372036854775807\n", CONV_OK,
	    "{\"n\":9223372036854775807}\n");
	check(r, "-9223372036854775808\n", CONV_OK,
	    "{\"n\":-9223372036854775808}\n");
	/* Out of range or not an integer: kept as a string. */
	check(r, "9223372036854775808\n", CONV_OK,
	    "{\"n\":\"9223372036854775808\"}\n");
	check(r, "-9223372036854775809\n", CONV_OK,
	    "{\"n\":\"-9223372036854775809\"}\n");
	check(r, "12a\n", CONV_OK, "{\"n\":\"12a\"}\n");
	check(r, "1.5\n", CONV_OK, "{\"n\":\"1.5\"}\n");
	check(r, "-\n", CONV_OK, "{\"n\":\"-\"}\n");
	check(r, "\n", CONV_OK, "{\"n\":\"\"}\n");
	check(r, " 1\n", CONV_OK, "{\"n\":\" 1\"}\n");
	regextojson_ops.free(r);
}

static void
test_float(void **state)
{
	void	*r;

	(void)state;
	r = make("{\"pattern\": \"(?<f>.*)\", \"types\": {\"f\": \"float\"}}");
	check(r, "0.25\n", CONV_OK, "{\"f\":0.25}\n");
	check(r, "3\n", CONV_OK, "{\"f\":3}\n");
	check(r, "+1.5e3\n", CONV_OK, "{\"f\":1.5e3}\n");
	check(r, "-2.50E-07\n", CONV_OK, "{\"f\":-2.50E-07}\n");
	check(r, "007.50\n", CONV_OK, "{\"f\":7.50}\n");
	check(r, "-00.5\n", CONV_OK, "{\"f\":-0.5}\n");
	check(r, "000\n", CONV_OK, "{\"f\":0}\n");
	/* Not JSON numbers even after normalising: strings. */
	check(r, "1.\n", CONV_OK, "{\"f\":\"1.\"}\n");
	check(r, ".5\n", CONV_OK, "{\"f\":\".5\"}\n");
	check(r, "1e\n", CONV_OK, "{\"f\":\"1e\"}\n");
	check(r, "NaN\n", CONV_OK, "{\"f\":\"NaN\"}\n");
	check(r, "0x10\n", CONV_OK, "{\"f\":\"0x10\"}\n");
	check(r, "\n", CONV_OK, "{\"f\":\"\"}\n");
	/* Beyond what JSON readers hold (found by fuzz_regextojson). */
	check(r, "88888888888888888888888\n", CONV_OK,
	    "{\"f\":\"88888888888888888888888\"}\n");
	check(r, "9223372036854775807\n", CONV_OK,
	    "{\"f\":9223372036854775807}\n");
	check(r, "1e999\n", CONV_OK, "{\"f\":\"1e999\"}\n");
	regextojson_ops.free(r);

	/* The number keeps its place between other members. */
	r = make("{\"pattern\": \"(?<a>\\\\S+) (?<f>\\\\S+) (?<b>\\\\S+)\", "
	    "\"types\": {\"f\": \"float\"}}");
	check(r, "x 1.0 y\n", CONV_OK, "{\"a\":\"x\",\"f\":1.0,\"b\":\"y\"}\n");
	regextojson_ops.free(r);
}

static void
test_bool_string(void **state)
{
	void	*r;

	(void)state;
	r = make("{\"pattern\": \"(?<b>\\\\S*) (?<s>\\\\S*)\", "
	    "\"types\": {\"b\": \"bool\", \"s\": \"string\"}}");
	check(r, "true 1\n", CONV_OK, "{\"b\":true,\"s\":\"1\"}\n");
	check(r, "FALSE x\n", CONV_OK, "{\"b\":false,\"s\":\"x\"}\n");
	check(r, "Yes x\n", CONV_OK, "{\"b\":true,\"s\":\"x\"}\n");
	check(r, "no x\n", CONV_OK, "{\"b\":false,\"s\":\"x\"}\n");
	check(r, "1 x\n", CONV_OK, "{\"b\":true,\"s\":\"x\"}\n");
	check(r, "0 x\n", CONV_OK, "{\"b\":false,\"s\":\"x\"}\n");
	check(r, "maybe x\n", CONV_OK, "{\"b\":\"maybe\",\"s\":\"x\"}\n");
	check(r, "truex x\n", CONV_OK, "{\"b\":\"truex\",\"s\":\"x\"}\n");
	check(r, " x\n", CONV_OK, "{\"b\":\"\",\"s\":\"x\"}\n");
	regextojson_ops.free(r);
}

static void
test_mismatch(void **state)
{
	void	*r;

	(void)state;
	r = make("{\"pattern\": \"(?<n>\\\\d+)\"}");
	check(r, "abc\n", CONV_DROP, NULL);
	regextojson_ops.free(r);

	r = make("{\"pattern\": \"(?<n>\\\\d+)\", \"onMismatch\": \"DROP\"}");
	check(r, "abc\n", CONV_DROP, NULL);
	regextojson_ops.free(r);

	/* RAW: the record unchanged, newline and all. */
	r = make("{\"pattern\": \"(?<n>\\\\d+)\", \"onMismatch\": \"RAW\"}");
	check(r, "abc\r\n", CONV_OK, "abc\r\n");
	check(r, "no newline", CONV_OK, "no newline");
	check(r, "12\n", CONV_OK, "{\"n\":\"12\"}\n");
	regextojson_ops.free(r);

	/* WRAP: the line without its "\n", escaped. */
	r = make("{\"pattern\": \"(?<n>\\\\d+)\", \"onMismatch\": \"WRAP\"}");
	check(r, "abc\n", CONV_OK, "{\"message\":\"abc\"}\n");
	check(r, "say \"hi\" \\ \t\x01\n", CONV_OK,
	    "{\"message\":\"say \\\"hi\\\" \\\\ \\t\\u0001\"}\n");
	check(r, "crlf\r\n", CONV_OK, "{\"message\":\"crlf\\r\"}\n");
	check(r, "\n", CONV_OK, "{\"message\":\"\"}\n");
	check(r, "", CONV_OK, "{\"message\":\"\"}\n");
	check(r, "last", CONV_OK, "{\"message\":\"last\"}\n");
	/* Only one "\n" is the record's end. */
	check(r, "a\n\n", CONV_OK, "{\"message\":\"a\\n\"}\n");
	regextojson_ops.free(r);

	r = make("{\"pattern\": \"(?<n>\\\\d+)\", \"onMismatch\": \"WRAP\", "
	    "\"jsonFormat\": \"PRETTYPRINT\"}");
	check(r, "abc\n", CONV_OK, "{\n  \"message\" : \"abc\"\n}\n");
	regextojson_ops.free(r);
}

static void
test_time(void **state)
{
	void	*r;
	char	 big[300], want[400];

	(void)state;
	/* With %z the offset applies. */
	r = make("{\"pattern\": \"\\\\[(?<t>[^\\\\]]+)\\\\] (?<m>.*)\", "
	    "\"timeKey\": \"t\", \"timeFormat\": \"%d/%b/%Y:%H:%M:%S %z\"}");
	check(r, "[02/Jan/2024:03:04:05 +0530] hi\n", CONV_OK,
	    "{\"t\":\"2024-01-01T21:34:05Z\",\"m\":\"hi\"}\n");
	check(r, "[31/Dec/2023:23:30:00 -0100] hi\n", CONV_OK,
	    "{\"t\":\"2024-01-01T00:30:00Z\",\"m\":\"hi\"}\n");
	check(r, "[02/Jan/2024:03:04:05 Z] hi\n", CONV_OK,
	    "{\"t\":\"2024-01-02T03:04:05Z\",\"m\":\"hi\"}\n");
	/* Does not parse, or not all of it: kept as it is. */
	check(r, "[yesterday] hi\n", CONV_OK,
	    "{\"t\":\"yesterday\",\"m\":\"hi\"}\n");
	check(r, "[02/Jan/2024:03:04:05 +0530 x] hi\n", CONV_OK,
	    "{\"t\":\"02/Jan/2024:03:04:05 +0530 x\",\"m\":\"hi\"}\n");
	memset(big, '1', sizeof big - 1);
	big[0] = '[';
	memcpy(big + sizeof big - 6, "] hi\n", 6);
	/* Longer than any date: not handed to strptime, kept. */
	snprintf(want, sizeof want, "{\"t\":\"%.*s\",\"m\":\"hi\"}\n",
	    (int)(sizeof big - 7), big + 1);
	check(r, big, CONV_OK, want);
	regextojson_ops.free(r);

	/* Without %z the time is UTC. */
	r = make("{\"pattern\": \"(?<t>\\\\S+ \\\\S+)(?: (?<u>\\\\S+))?\", "
	    "\"timeKey\": \"t\", \"timeFormat\": \"%Y-%m-%d %H:%M:%S\"}");
	check(r, "2024-02-29 23:59:60\n", CONV_OK,
	    "{\"t\":\"2024-03-01T00:00:00Z\",\"u\":null}\n");
	check(r, "2024-01-02 03:04:05 x\n", CONV_OK,
	    "{\"t\":\"2024-01-02T03:04:05Z\",\"u\":\"x\"}\n");
	regextojson_ops.free(r);

	/*
	 * strptime takes these, but they are not real times: kept as they
	 * are, not rolled over into another time.
	 */
	r = make("{\"pattern\": \"(?<t>.*)\", \"timeKey\": \"t\", "
	    "\"timeFormat\": \"%Y-%m-%d %H:%M:%S\"}");
	check(r, "2024-02-30 10:00:00\n", CONV_OK,
	    "{\"t\":\"2024-02-30 10:00:00\"}\n");
	check(r, "2023-02-29 10:00:00\n", CONV_OK,
	    "{\"t\":\"2023-02-29 10:00:00\"}\n");
	check(r, "2024-04-31 10:00:00\n", CONV_OK,
	    "{\"t\":\"2024-04-31 10:00:00\"}\n");
	check(r, "2024-01-02 03:04:61\n", CONV_OK,
	    "{\"t\":\"2024-01-02 03:04:61\"}\n");
	/* A leap second only where there can be one, at 23:59:60 UTC. */
	check(r, "2024-01-02 03:04:60\n", CONV_OK,
	    "{\"t\":\"2024-01-02 03:04:60\"}\n");
	check(r, "2016-12-31 23:59:60\n", CONV_OK,
	    "{\"t\":\"2017-01-01T00:00:00Z\"}\n");
	/* The real ones next to them. */
	check(r, "2024-02-29 10:00:00\n", CONV_OK,
	    "{\"t\":\"2024-02-29T10:00:00Z\"}\n");
	check(r, "2024-04-30 23:59:59\n", CONV_OK,
	    "{\"t\":\"2024-04-30T23:59:59Z\"}\n");
	regextojson_ops.free(r);

	r = make("{\"pattern\": \"(?<t>.*)\", \"timeKey\": \"t\", "
	    "\"timeFormat\": \"%Y-%m-%dT%H:%M:%S%z\"}");
	check(r, "2024-02-30T10:00:00+0100\n", CONV_OK,
	    "{\"t\":\"2024-02-30T10:00:00+0100\"}\n");
	/* glibc takes offsets up to 99 hours; a real one is under 24. */
	check(r, "2024-01-02T10:00:00+2500\n", CONV_OK,
	    "{\"t\":\"2024-01-02T10:00:00+2500\"}\n");
	check(r, "2024-01-02T10:00:00-23:59\n", CONV_OK,
	    "{\"t\":\"2024-01-03T09:59:00Z\"}\n");
	/* 05:29:60 at +05:30 is 23:59:60 UTC. */
	check(r, "2016-12-31T05:29:60+05:30\n", CONV_OK,
	    "{\"t\":\"2016-12-31T00:00:00Z\"}\n");
	check(r, "2017-01-01T05:29:60+05:30\n", CONV_OK,
	    "{\"t\":\"2017-01-01T00:00:00Z\"}\n");
	regextojson_ops.free(r);

	/* Day of the year: day 366 of a common year does not exist. */
	r = make("{\"pattern\": \"(?<t>.*)\", \"timeKey\": \"t\", "
	    "\"timeFormat\": \"%Y %j\"}");
	check(r, "2023 366\n", CONV_OK, "{\"t\":\"2023 366\"}\n");
	check(r, "2023 365\n", CONV_OK, "{\"t\":\"2023-12-31T00:00:00Z\"}\n");
	check(r, "2024 366\n", CONV_OK, "{\"t\":\"2024-12-31T00:00:00Z\"}\n");
	regextojson_ops.free(r);

	/* A day the record's month lacks (ctx.now is in November). */
	r = make("{\"pattern\": \"(?<t>.*)\", \"timeKey\": \"t\", "
	    "\"timeFormat\": \"%d %H:%M\"}");
	check(r, "31 05:06\n", CONV_OK, "{\"t\":\"31 05:06\"}\n");
	check(r, "30 05:06\n", CONV_OK, "{\"t\":\"2023-11-30T05:06:00Z\"}\n");
	regextojson_ops.free(r);

	/* Parts the format lacks come from the record's day (ctx.now). */
	r = make("{\"pattern\": \"(?<t>\\\\w+ +\\\\d+ [\\\\d:]+) (?<m>.*)\", "
	    "\"timeKey\": \"t\", \"timeFormat\": \"%b %d %H:%M:%S\"}");
	check(r, "Mar 12 12:10:00 cron\n", CONV_OK,
	    "{\"t\":\"2023-03-12T12:10:00Z\",\"m\":\"cron\"}\n");
	check(r, "Mar  2 12:10:00 cron\n", CONV_OK,
	    "{\"t\":\"2023-03-02T12:10:00Z\",\"m\":\"cron\"}\n");
	regextojson_ops.free(r);
	r = make("{\"pattern\": \"(?<t>[\\\\d:]+)\", "
	    "\"timeKey\": \"t\", \"timeFormat\": \"%H:%M\"}");
	check(r, "05:06\n", CONV_OK, "{\"t\":\"2023-11-14T05:06:00Z\"}\n");
	regextojson_ops.free(r);

	/* An unset time group stays null; other types still apply. */
	r = make("{\"pattern\": \"(?<n>\\\\d+)(?: (?<t>.*))?\", "
	    "\"types\": {\"n\": \"int\", \"t\": \"string\"}, "
	    "\"timeKey\": \"t\", \"timeFormat\": \"%s\"}");
	check(r, "5\n", CONV_OK, "{\"n\":5,\"t\":null}\n");
	check(r, "5 1700000000\n", CONV_OK,
	    "{\"n\":5,\"t\":\"2023-11-14T22:13:20Z\"}\n");
	regextojson_ops.free(r);
}

static void
test_pretty(void **state)
{
	void	*r;

	(void)state;
	r = make("{\"pattern\": \"(?<a>\\\\S+) (?<f>\\\\S+) (?<i>\\\\S+) "
	    "(?<b>\\\\S+)(?<z>x)?\", \"jsonFormat\": \"PRETTYPRINT\", "
	    "\"types\": {\"f\": \"float\", \"i\": \"int\", \"b\": \"bool\"}}");
	check(r, "s 1.5 -3 yes\n", CONV_OK,
	    "{\n  \"a\" : \"s\",\n  \"f\" : 1.5,\n  \"i\" : -3,\n"
	    "  \"b\" : true,\n  \"z\" : null\n}\n");
	/* A sign apart from its digits, and one dropped. */
	check(r, "s -007.50 +3 no\n", CONV_OK,
	    "{\n  \"a\" : \"s\",\n  \"f\" : -7.50,\n  \"i\" : 3,\n"
	    "  \"b\" : false,\n  \"z\" : null\n}\n");
	regextojson_ops.free(r);

	r = make("{\"pattern\": \"(?<a>.*)\", \"jsonFormat\": \"COMPACT\"}");
	check(r, "s\n", CONV_OK, "{\"a\":\"s\"}\n");
	regextojson_ops.free(r);
}

static void
test_bytes(void **state)
{
	void	*r;

	(void)state;
	r = make("{\"pattern\": \"(?<m>.*)\"}");
	/* "\r" is part of the line: only one "\n" is stripped. */
	check(r, "x\r\n", CONV_OK, "{\"m\":\"x\\r\"}\n");
	check(r, "\n", CONV_OK, "{\"m\":\"\"}\n");
	check(r, "no newline", CONV_OK, "{\"m\":\"no newline\"}\n");
	check(r, "q\"b\\s/\x1f\x7f\n", CONV_OK,
	    "{\"m\":\"q\\\"b\\\\s/\\u001F\x7f\"}\n");
	/* Bytes, not UTF-8: invalid bytes match and become U+FFFD. */
	check(r, "a\xff" "b\n", CONV_OK, "{\"m\":\"a\xef\xbf\xbd" "b\"}\n");
	check(r, "caf\xc3\xa9\n", CONV_OK, "{\"m\":\"caf\xc3\xa9\"}\n");
	check_len(r, "a\0b\n", 4, CONV_OK, "{\"m\":\"a\\u0000b\"}\n", 17);
	regextojson_ops.free(r);

	r = make("{\"pattern\": \"(?<m>.+)\", \"onMismatch\": \"WRAP\"}");
	check(r, "\n", CONV_OK, "{\"message\":\"\"}\n");
	regextojson_ops.free(r);

	/* A CRLF-aware pattern. */
	r = make("{\"pattern\": \"(?<m>[^\\\\r]*)\\\\r?\"}");
	check(r, "x\r\n", CONV_OK, "{\"m\":\"x\"}\n");
	check(r, "x\n", CONV_OK, "{\"m\":\"x\"}\n");
	regextojson_ops.free(r);

	/* Opting in to UTF mode: a line that is not UTF-8 is a mismatch. */
	r = make("{\"pattern\": \"(*UTF)(?<m>.)\", \"onMismatch\": \"WRAP\"}");
	check(r, "\xc3\xa9\n", CONV_OK, "{\"m\":\"\xc3\xa9\"}\n");
	check(r, "\xff\n", CONV_OK, "{\"message\":\"\xef\xbf\xbd\"}\n");
	regextojson_ops.free(r);
}

/*
 * The COMPACT writer copies plain runs eight bytes at a time: its bytes
 * must be json_out's for strings with special bytes at every position.
 */
static void
test_escape_like_json_out(void **state)
{
	static const char	 alphabet[] = "ab \"\\\x01\x1f\x7f\xc3\xa9\xff"
				    "\xe2\x82\xac\n\t\xed\xa0\x80\xf0\x9f";
	struct buf		 out = BUF_INIT(CONV_BUF_MAX);
	struct buf		 want = BUF_INIT(CONV_BUF_MAX);
	struct json_out		 jo;
	char			 in[48];
	uint32_t		 seed = 12345;
	size_t			 len, i;
	int			 k;
	void			*r;

	(void)state;
	r = make("{\"pattern\": \"(?s)(?<m>.*)\"}");
	for (len = 0; len <= 40; len++) {
		for (k = 0; k < 200; k++) {
			for (i = 0; i < len; i++) {
				seed = seed * 1103515245 + 12345;
				in[i] = alphabet[(seed >> 16) %
				    (sizeof alphabet - 1)];
			}
			in[len] = '\n';
			want.len = 0;
			json_out_init(&jo, &want, 0);
			json_out_object_begin(&jo);
			json_out_key(&jo, "m", 1);
			json_out_string(&jo, in, len);
			json_out_object_end(&jo);
			buf_add(&want, "\n", 1);
			out.len = 0;
			assert_int_equal(regextojson_ops.convert(r, in, len + 1,
			    &out, &ctx), CONV_OK);
			assert_int_equal(out.len, want.len);
			assert_memory_equal(out.data, want.data, want.len);
		}
	}
	regextojson_ops.free(r);
	buf_free(&out);
	buf_free(&want);
}

static void
test_long_line(void **state)
{
	struct buf	 out = BUF_INIT(CONV_BUF_MAX);
	const size_t	 n = 1024 * 1024;
	char		*line;
	size_t		 cap;
	void		*r;

	(void)state;
	line = malloc(n + 1);
	assert_non_null(line);
	memcpy(line, "1.2.3.4 ", 8);
	memset(line + 8, 'x', n - 8);
	line[n] = '\n';
	r = make("{\"pattern\": \"(?<ip>\\\\S+) (?<rest>.*)\"}");
	assert_int_equal(regextojson_ops.convert(r, line, n + 1, &out, &ctx),
	    CONV_OK);
	assert_int_equal(out.len,
	    strlen("{\"ip\":\"1.2.3.4\",\"rest\":\"\"}\n") + n - 8);
	assert_memory_equal(out.data, "{\"ip\":\"1.2.3.4\",\"rest\":\"xxx", 26);
	assert_memory_equal(out.data + out.len - 3, "\"}\n", 3);

	/* Converting again reuses the buffer. */
	cap = out.cap;
	out.len = 0;
	assert_int_equal(regextojson_ops.convert(r, line, n + 1, &out, &ctx),
	    CONV_OK);
	assert_int_equal(out.cap, cap);
	regextojson_ops.free(r);

	/* A group per character backtracks through 1 MiB: a mismatch. */
	r = make("{\"pattern\": \"(?<a>(?:x|y)*)z\", \"onMismatch\": \"RAW\"}");
	memset(line, 'x', n);
	out.len = 0;
	assert_int_equal(regextojson_ops.convert(r, line, n + 1, &out, &ctx),
	    CONV_OK);
	assert_int_equal(out.len, n + 1);
	assert_memory_equal(out.data, line, n + 1);
	regextojson_ops.free(r);

	/* A capturing one needs more stack than the limit: an error. */
	r = make("{\"pattern\": \"(?<a>(x|y)*)z\", \"onMismatch\": \"RAW\"}");
	line[n] = 'z';
	assert_int_equal(regextojson_ops.convert(r, line, n + 1, &out, &ctx),
	    CONV_ERROR);
	regextojson_ops.free(r);
	buf_free(&out);
	free(line);
}

static void
test_create_errors(void **state)
{
	(void)state;
	make_fails("{}", "pattern", "needs key \"pattern\"");
	make_fails("{\"pattern\": \"(?<a>x\"}", "pattern", "offset");
	make_fails("{\"pattern\": \"(\\\\d+) (x)\"}", "pattern", "named group");
	make_fails("{\"pattern\": \"(?J)(?<a>x)|(?<a>y)\"}", "pattern",
	    "twice");
	make_fails("{\"pattern\": \"(?<a>x)\", \"types\": {\"b\": \"int\"}}",
	    "types", "\"b\"");
	make_fails("{\"pattern\": \"(?<a>x)\", \"types\": {\"a\": \"long\"}}",
	    "types", "\"a\": expected one of string, int, float, bool");
	make_fails("{\"pattern\": \"(?<a>x)\", \"types\": {\"a\": 1}}",
	    "types", "expected a mapping of strings");
	make_fails("{\"pattern\": \"(?<a>x)\", \"onMismatch\": \"KEEP\"}",
	    "onMismatch", "DROP");
	make_fails("{\"pattern\": \"(?<a>x)\", \"jsonFormat\": \"UGLY\"}",
	    "jsonFormat", "PRETTYPRINT");
	make_fails("{\"pattern\": \"(?<a>x)\", \"timeKey\": \"b\", "
	    "\"timeFormat\": \"%s\"}", "timeKey", "\"b\"");
	make_fails("{\"pattern\": \"(?<a>x)\", \"timeKey\": \"a\"}",
	    "timeFormat", "required");
	make_fails("{\"pattern\": \"(?<a>x)\", \"timeFormat\": \"%s\"}",
	    "timeFormat", "timeKey");
	make_fails("{\"pattern\": \"(?<a>x)\", \"timeKey\": \"a\", "
	    "\"timeFormat\": \"%s\", \"types\": {\"a\": \"int\"}}", "types",
	    "timeKey");
}

static void
test_ops(void **state)
{
	const char	*want[] = { "pattern", "types", "onMismatch",
			    "timeKey", "timeFormat", "jsonFormat" };
	size_t		 i;

	(void)state;
	assert_string_equal(regextojson_ops.name, "REGEXTOJSON");
	assert_int_equal(regextojson_ops.extension, 1);
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		assert_string_equal(regextojson_ops.keys[i].name, want[i]);
	assert_null(regextojson_ops.keys[i].name);
	assert_int_equal(regextojson_ops.keys[0].required, 1);
}

/*
 * Groups that nest: every field holds the whole line, escaped to six times
 * its length.  1 and 3630 bytes fit the room reserved up front (no check
 * per value), 3690 bytes do not (room made value by value); the bytes
 * are the same either way.
 */
static void
test_nested_groups(void **state)
{
	static const char *const	 keys[] = { "a", "b", "c" };
	static const size_t		 sizes[] = { 1, 3630, 3690 };
	size_t				 i;
	void				*r;

	(void)state;
	r = make("{\"pattern\": \"^(?<a>(?<b>(?<c>.*)))$\"}");
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		conv_test_nested(&regextojson_ops, r, &ctx, keys,
		    sizeof keys / sizeof keys[0], sizes[i]);
	regextojson_ops.free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_float),
		cmocka_unit_test(test_bool_string),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_pretty),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_escape_like_json_out),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_nested_groups),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_ops),
	};

	return (cmocka_run_group_tests(tests, NULL, conv_test_teardown));
}
