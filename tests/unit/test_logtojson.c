/*
 * test_logtojson: LOGTOJSON against the Kinesis Agent's own expectations
 * (DataConverterTest.java and the tailing fixtures), its config checks,
 * the lines it drops, and sluice's RFC5424SYSLOG, NGINXERRORLOG, LTSV and
 * LOGFMT formats.  Output must be byte-for-byte what the agent sends.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem */
#endif
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "converter.h"

static const struct conv_ctx ctx = { "web", "/var/log/x.log", "host", 0,
				    NULL, NULL };

#define CONV_TEST_OPS	logtojson_ops
#define CONV_TEST_CTX	ctx
#include "conv_test.h"

#define AGENT_REQ	"GET /java/javaResources.html HTTP/1.0"

static void
test_combined(void **state)
{
	void	*lj;

	(void)state;
	lj = make("{\"logFormat\":\"COMBINEDAPACHELOG\"}");
	/* DataConverterTest.testApacheLogDataConverterCombinedApacheLog */
	check(lj, "123.45.67.89 - - [27/Oct/2000:09:27:09 -0400] \""
	    AGENT_REQ "\" 200 10450 \"-\" \"Mozilla/4.6 [en] (X11; U; "
	    "OpenBSD 2.8 i386; Nav)\" \"ANY_RANDOM_DATA\"", CONV_OK,
	    "{\"host\":\"123.45.67.89\",\"ident\":null,\"authuser\":null,"
	    "\"datetime\":\"27/Oct/2000:09:27:09 -0400\",\"request\":\""
	    AGENT_REQ "\",\"response\":\"200\",\"bytes\":\"10450\","
	    "\"referer\":null,\"agent\":\"Mozilla/4.6 [en] (X11; U; OpenBSD "
	    "2.8 i386; Nav)\"}\n");
	/* With the record's newline, the same. */
	check(lj, "1.2.3.4 a b [01/Jan/2024:00:00:00 +0000] \"GET / HTTP/1.1\""
	    " - - \"http://r/\" \"curl\"\n", CONV_OK,
	    "{\"host\":\"1.2.3.4\",\"ident\":\"a\",\"authuser\":\"b\","
	    "\"datetime\":\"01/Jan/2024:00:00:00 +0000\",\"request\":\"GET / "
	    "HTTP/1.1\",\"response\":null,\"bytes\":null,\"referer\":"
	    "\"http://r/\",\"agent\":\"curl\"}\n");
	/* Empty referer "" fails [^"]+: dropped, as in the agent. */
	check(lj, "1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] \"GET / HTTP/1.1\""
	    " 200 1 \"\" \"curl\"\n", CONV_DROP, NULL);
	logtojson_ops.free(lj);
}

static void
test_common(void **state)
{
	void		*lj;
	const char	*want =
	    "{\"host\":\"123.45.67.89\",\"ident\":null,\"authuser\":null,"
	    "\"datetime\":\"27/Oct/2000:09:27:09 -0400\",\"request\":\""
	    AGENT_REQ "\",\"response\":\"200\",\"bytes\":\"10450\"}\n";

	(void)state;
	lj = make("{\"logFormat\":\"COMMONAPACHELOG\"}");
	check(lj, "123.45.67.89 - - [27/Oct/2000:09:27:09 -0400] \"" AGENT_REQ
	    "\" 200 10450 \"-\" \"Mozilla/4.6 [en] (X11; U; OpenBSD 2.8 "
	    "i386; Nav)\"", CONV_OK, want);
	check(lj, "123.45.67.89 - - [27/Oct/2000:09:27:09 -0400] \"" AGENT_REQ
	    "\" 200 10450", CONV_OK, want);
	check(lj, "lj1036.inktomisearch.com - - [27/Oct/2000:09:27:09 -0400] "
	    "\"" AGENT_REQ "\" 200 10450", CONV_OK,
	    "{\"host\":\"lj1036.inktomisearch.com\",\"ident\":null,"
	    "\"authuser\":null,\"datetime\":\"27/Oct/2000:09:27:09 -0400\","
	    "\"request\":\"" AGENT_REQ "\",\"response\":\"200\",\"bytes\":"
	    "\"10450\"}\n");
	/* testApacheLogDataConverterInvalidLog: no bytes field. */
	check(lj, "123.45.67.89 - - [27/Oct/2000:09:27:09 -0400] \"" AGENT_REQ
	    "\" 200", CONV_DROP, NULL);
	check(lj, "", CONV_DROP, NULL);
	check(lj, "\n", CONV_DROP, NULL);
	/* CRLF: "." cannot match "\r", so the agent drops the line. */
	check(lj, "123.45.67.89 - - [27/Oct/2000:09:27:09 -0400] \"" AGENT_REQ
	    "\" 200 10450\r\n", CONV_DROP, NULL);
	logtojson_ops.free(lj);
}

static void
test_error_log(void **state)
{
	void	*lj;

	(void)state;
	lj = make("{\"logFormat\":\"APACHEERRORLOG\"}");
	check(lj, "[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:"
	    "tid 4328636416] [client 72.15.99.187] File does not exist: "
	    "/usr/local/apache2/htdocs/favicon.ico", CONV_OK,
	    "{\"timestamp\":\"Fri Sep 09 10:42:29.902022 2011\",\"module\":"
	    "\"core\",\"severity\":\"error\",\"processid\":\"35708\","
	    "\"threadid\":\"4328636416\",\"client\":\"72.15.99.187\","
	    "\"message\":\"File does not exist: /usr/local/apache2/htdocs/"
	    "favicon.ico\"}\n");
	check(lj, "[Fri Sep 09 10:42:29 2011] [core:error] [pid 35708] "
	    "[client 72.15.99.187] File does not exist: /usr/local/apache2/"
	    "htdocs/favicon.ico", CONV_OK,
	    "{\"timestamp\":\"Fri Sep 09 10:42:29 2011\",\"module\":\"core\","
	    "\"severity\":\"error\",\"processid\":\"35708\",\"threadid\":null,"
	    "\"client\":\"72.15.99.187\",\"message\":\"File does not exist: "
	    "/usr/local/apache2/htdocs/favicon.ico\"}\n");
	check(lj, "[Fri Sep 09 10:42:29.902022 2011] [error] [pid 35708:tid "
	    "4328636416] [client 72.15.99.187:12345] File does not exist: "
	    "/usr/local/apache2/htdocs/favicon.ico", CONV_OK,
	    "{\"timestamp\":\"Fri Sep 09 10:42:29.902022 2011\",\"module\":"
	    "null,\"severity\":\"error\",\"processid\":\"35708\",\"threadid\":"
	    "\"4328636416\",\"client\":\"72.15.99.187:12345\",\"message\":"
	    "\"File does not exist: /usr/local/apache2/htdocs/favicon.ico\"}"
	    "\n");
	/* Apache 2.4 lines without [client ...] do not match. */
	check(lj, "[Fri Sep 09 10:42:29 2011] [mpm_event:notice] [pid 1:tid 2]"
	    " AH00489: Apache configured\n", CONV_DROP, NULL);
	/* A message of "-" is null in the Apache formats. */
	check(lj, "[Fri Sep 09 10:42:29 2011] [error] [pid 1] [client h] -",
	    CONV_OK,
	    "{\"timestamp\":\"Fri Sep 09 10:42:29 2011\",\"module\":null,"
	    "\"severity\":\"error\",\"processid\":\"1\",\"threadid\":null,"
	    "\"client\":\"h\",\"message\":null}\n");
	logtojson_ops.free(lj);
}

static void
test_syslog(void **state)
{
	void	*lj;

	(void)state;
	lj = make("{\"logFormat\":\"SYSLOG\"}");
	check(lj, "Mar 12 12:00:08 server2 rcd[308]: Loaded 12 packages in "
	    "'ximian-red-carpet|351' (0.01878 seconds) ", CONV_OK,
	    "{\"timestamp\":\"Mar 12 12:00:08\",\"hostname\":\"server2\","
	    "\"program\":\"rcd\",\"processid\":\"308\",\"message\":\"Loaded 12 "
	    "packages in 'ximian-red-carpet|351' (0.01878 seconds) \"}\n");
	check(lj, "Mar 12 12:01:02 server4 snort: Ports to decode telnet on: "
	    "21 23 25 119", CONV_OK,
	    "{\"timestamp\":\"Mar 12 12:01:02\",\"hostname\":\"server4\","
	    "\"program\":\"snort\",\"processid\":null,\"message\":\"Ports to "
	    "decode telnet on: 21 23 25 119\"}\n");
	/* Syslog keeps "-"; the facility is matched but not captured. */
	check(lj, "Mar  7 04:22:00 <1.2> avas CROND[11460]: -\n", CONV_OK,
	    "{\"timestamp\":\"Mar  7 04:22:00\",\"hostname\":\"avas\","
	    "\"program\":\"CROND\",\"processid\":\"11460\",\"message\":\"-\"}"
	    "\n");
	check(lj, "not syslog\n", CONV_DROP, NULL);
	logtojson_ops.free(lj);

	lj = make("{\"logFormat\":\"RFC3339SYSLOG\"}");
	check(lj, "2024-01-02T03:04:05.123456+01:00 web-1 sshd[42]: Accepted "
	    "publickey\n", CONV_OK,
	    "{\"timestamp\":\"2024-01-02T03:04:05.123456+01:00\",\"hostname\":"
	    "\"web-1\",\"program\":\"sshd\",\"processid\":\"42\",\"message\":"
	    "\"Accepted publickey\"}\n");
	check(lj, "Mar 12 12:01:02 server4 snort: x\n", CONV_DROP, NULL);
	logtojson_ops.free(lj);
}

static void
test_custom(void **state)
{
	void	*lj;

	(void)state;
	/* testApacheLogDataConverterCustomCommonApacheLog */
	lj = make("{\"logFormat\":\"COMMONAPACHELOG\",\"customFieldNames\":"
	    "[\"column1\",\"column2\",\"column3\",\"column4\",\"column5\","
	    "\"column6\",\"column7\"]}");
	check(lj, "123.45.67.89 - - [27/Oct/2000:09:27:09 -0400] \"" AGENT_REQ
	    "\" 200 10450", CONV_OK,
	    "{\"column1\":\"123.45.67.89\",\"column2\":null,\"column3\":null,"
	    "\"column4\":\"27/Oct/2000:09:27:09 -0400\",\"column5\":\""
	    AGENT_REQ "\",\"column6\":\"200\",\"column7\":\"10450\"}\n");
	logtojson_ops.free(lj);

	/* testApacheLogDataConverterCustomPattern */
	lj = make("{\"logFormat\":\"COMMONAPACHELOG\",\"matchPattern\":"
	    "\"^([\\\\d.]+) (\\\\S+) (\\\\S+) \\\\[([\\\\w:/]+\\\\s[+\\\\-]"
	    "\\\\d{4})\\\\] \\\"(.+?)\\\" (\\\\d{3})\",\"customFieldNames\":"
	    "[\"column1\",\"column2\",\"column3\",\"column4\",\"column5\","
	    "\"column6\"]}");
	check(lj, "123.45.67.89 - - [27/Oct/2000:09:27:09 -0400] \"" AGENT_REQ
	    "\" 200", CONV_OK,
	    "{\"column1\":\"123.45.67.89\",\"column2\":null,\"column3\":null,"
	    "\"column4\":\"27/Oct/2000:09:27:09 -0400\",\"column5\":\""
	    AGENT_REQ "\",\"column6\":\"200\"}\n");
	logtojson_ops.free(lj);

	/* SYSLOG with a pattern keeps "-"; an unset group is null. */
	lj = make("{\"logFormat\":\"SYSLOG\",\"matchPattern\":"
	    "\"(\\\\w+)=(-|\\\\d+)(?: (x))?\",\"customFieldNames\":"
	    "[\"k\",\"v\",\"x\"]}");
	check(lj, "a=-\n", CONV_OK, "{\"k\":\"a\",\"v\":\"-\",\"x\":null}\n");
	check(lj, "a=12 x\n", CONV_OK,
	    "{\"k\":\"a\",\"v\":\"12\",\"x\":\"x\"}\n");
	check(lj, "a=12 y\n", CONV_DROP, NULL);
	logtojson_ops.free(lj);

	/* Repeated names: LinkedHashMap keeps the first slot, last value. */
	lj = make("{\"logFormat\":\"SYSLOG\",\"matchPattern\":"
	    "\"(a)(b)(c)\",\"customFieldNames\":[\"x\",\"y\",\"x\"]}");
	check(lj, "abc\n", CONV_OK, "{\"x\":\"c\",\"y\":\"b\"}\n");
	logtojson_ops.free(lj);

	/* Group count differs from the names: every line is dropped. */
	lj = make("{\"logFormat\":\"SYSLOG\",\"matchPattern\":\"(a)(b)\","
	    "\"customFieldNames\":[\"x\"]}");
	check(lj, "ab\n", CONV_DROP, NULL);
	logtojson_ops.free(lj);

	/* Named groups count as groups, as in Java. */
	lj = make("{\"logFormat\":\"SYSLOG\",\"matchPattern\":"
	    "\"(?<a>\\\\d+) (\\\\w+)\",\"customFieldNames\":[\"n\",\"w\"]}");
	check(lj, "12 ab", CONV_OK, "{\"n\":\"12\",\"w\":\"ab\"}\n");
	logtojson_ops.free(lj);
}

static void
test_create_errors(void **state)
{
	(void)state;
	make_fails("{\"logFormat\":\"COMMONAPACHELOG\",\"customFieldNames\":"
	    "[\"a\",\"b\"]}", "customFieldNames", "has 2 names");
	make_fails("{\"logFormat\":\"SYSLOG\",\"customFieldNames\":[]}",
	    "customFieldNames", "has 0 names");
	make_fails("{\"logFormat\":\"SYSLOG\",\"matchPattern\":\"(a)\"}",
	    "matchPattern", "requires customFieldNames");
	make_fails("{\"logFormat\":\"SYSLOG\",\"matchPattern\":\"[a-z&&[^b]]"
	    "\",\"customFieldNames\":[]}", "matchPattern", "intersection");
	make_fails("{\"logFormat\":\"SYSLOG\",\"matchPattern\":\"(?U)\\\\w\","
	    "\"customFieldNames\":[]}", "matchPattern", "ungreedy");
	make_fails("{\"logFormat\":\"SYSLOG\",\"matchPattern\":\"a{\","
	    "\"customFieldNames\":[]}", "matchPattern", "Illegal repetition");
	/* A regex error names the key, as the flow's pattern keys do. */
	make_fails("{\"logFormat\":\"SYSLOG\",\"matchPattern\":\"(?U)x\","
	    "\"customFieldNames\":[\"a\"]}", "matchPattern",
	    "matchPattern: (?U)");
	make_fails("{\"logFormat\":\"COMMONAPACHELOG\",\"matchPattern\":"
	    "\"(\",\"customFieldNames\":[\"a\"]}", "matchPattern",
	    "matchPattern: Unclosed group");
	make_fails("{\"logFormat\":\"BOGUS\"}", "logFormat", "expected one of");
	make_fails("{\"logFormat\":\"LTSV\",\"customFieldNames\":[\"a\"]}",
	    "customFieldNames", "does not apply");
	make_fails("{\"logFormat\":\"LOGFMT\",\"matchPattern\":\"(a)\","
	    "\"customFieldNames\":[\"a\"]}", "matchPattern",
	    "Agent's formats only");
	make_fails("{\"logFormat\":\"NGINXERRORLOG\",\"customFieldNames\":"
	    "[\"a\",\"b\",\"c\",\"d\",\"e\",\"a\"]}", "customFieldNames",
	    "distinct");
}

static void
test_pretty(void **state)
{
	void	*lj;

	(void)state;
	lj = make("{\"logFormat\":\"SYSLOG\",\"jsonFormat\":\"PRETTYPRINT\"}");
	/* Jackson's DefaultPrettyPrinter: "key" : value, 2-space indent. */
	check(lj, "Mar 12 12:01:02 server4 snort: hi\n", CONV_OK,
	    "{\n  \"timestamp\" : \"Mar 12 12:01:02\",\n"
	    "  \"hostname\" : \"server4\",\n  \"program\" : \"snort\",\n"
	    "  \"processid\" : null,\n  \"message\" : \"hi\"\n}\n");
	logtojson_ops.free(lj);
}

static void
test_escapes_and_utf8(void **state)
{
	const char	*want;
	void		*lj;
	char		 in[128];
	size_t		 n;

	(void)state;
	lj = make("{\"logFormat\":\"SYSLOG\"}");
	/* Quotes, backslashes and control characters, as Jackson writes. */
	check(lj, "Mar 12 12:01:02 h p: say \"hi\" \\ \x01\t\x1f\x7f\n",
	    CONV_OK,
	    "{\"timestamp\":\"Mar 12 12:01:02\",\"hostname\":\"h\",\"program\":"
	    "\"p\",\"processid\":null,\"message\":\"say \\\"hi\\\" \\\\ "
	    "\\u0001\\t\\u001F\x7f\"}\n");
	/* Invalid UTF-8 is matched and written as U+FFFD (Java decoding). */
	n = (size_t)snprintf(in, sizeof in,
	    "Mar 12 12:01:02 h p: a\xff" "b\xe2\x82" "c\xed\xa0\x80" "d\n");
	want = "{\"timestamp\":\"Mar 12 12:01:02\",\"hostname\":\"h\","
	    "\"program\":\"p\",\"processid\":null,\"message\":\"a\xef\xbf\xbd"
	    "b\xef\xbf\xbd" "c\xef\xbf\xbd" "d\"}\n";
	check_len(lj, in, n, CONV_OK, want, strlen(want));
	/* A NUL byte is a character like any other: "\u0000". */
	want = "{\"timestamp\":\"Mar 12 12:01:02\",\"hostname\":\"h\","
	    "\"program\":\"p\",\"processid\":null,\"message\":\"a\\u0000b\"}\n";
	check_len(lj, "Mar 12 12:01:02 h p: a\0b\n", 25, CONV_OK, want,
	    strlen(want));
	/* U+2028 ends a line for Java's ".": dropped. */
	check(lj, "Mar 12 12:01:02 h p: a\xe2\x80\xa8" "b\n", CONV_DROP, NULL);
	/* Non-ASCII passes through as UTF-8. */
	check(lj, "Mar 12 12:01:02 h p: caf\xc3\xa9 \xf0\x9f\x98\x80\n",
	    CONV_OK,
	    "{\"timestamp\":\"Mar 12 12:01:02\",\"hostname\":\"h\",\"program\":"
	    "\"p\",\"processid\":null,\"message\":\"caf\xc3\xa9 \xf0\x9f\x98"
	    "\x80\"}\n");
	logtojson_ops.free(lj);
}

static void
test_long_line(void **state)
{
	struct buf		 out = BUF_INIT(CONV_BUF_MAX);
	const char		*head = "Mar 12 12:01:02 h p: ";
	char			*in;
	size_t			 hl = strlen(head), n = 1024 * 1024;
	void			*lj;
	int			 i;

	(void)state;
	lj = make("{\"logFormat\":\"SYSLOG\"}");
	in = malloc(n);
	assert_non_null(in);
	memcpy(in, head, hl);
	memset(in + hl, 'x', n - hl - 1);
	in[n - 1] = '\n';
	for (i = 0; i < 3; i++) {
		assert_int_equal(logtojson_ops.convert(lj, in, n, &out, &ctx),
		    CONV_OK);
		/* The message is the whole rest of the line. */
		assert_int_equal(out.len, strlen("{\"timestamp\":\"Mar 12 "
		    "12:01:02\",\"hostname\":\"h\",\"program\":\"p\","
		    "\"processid\":null,\"message\":\"\"}\n") + n - hl - 1);
		assert_memory_equal(out.data + out.len - 4, "x\"}\n", 4);
	}
	/* Invalid UTF-8 in a long line goes through the repair path. */
	in[hl + 10] = (char)0xc3;
	assert_int_equal(logtojson_ops.convert(lj, in, n, &out, &ctx),
	    CONV_OK);
	assert_non_null(memmem(out.data, out.len, "xx\xef\xbf\xbdxx", 7));
	free(in);
	buf_free(&out);
	logtojson_ops.free(lj);
}

static void
test_rfc5424(void **state)
{
	void	*lj;

	(void)state;
	lj = make("{\"logFormat\":\"RFC5424SYSLOG\"}");
	/* RFC 5424 §6.5 example 1 (BOM before the message). */
	check(lj, "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - "
	    "ID47 - \xef\xbb\xbf'su root' failed for lonvick on /dev/pts/8\n",
	    CONV_OK, "{\"pri\":\"34\",\"version\":\"1\",\"timestamp\":"
	    "\"2003-10-11T22:14:15.003Z\",\"hostname\":\"mymachine.example."
	    "com\",\"appname\":\"su\",\"procid\":null,\"msgid\":\"ID47\","
	    "\"structuredData\":null,\"message\":\"'su root' failed for "
	    "lonvick on /dev/pts/8\"}\n");
	/* §6.5 example 3, structured data and a message. */
	check(lj, "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com "
	    "evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource="
	    "\"Application\" eventID=\"1011\"] An application event log "
	    "entry...\n", CONV_OK,
	    "{\"pri\":\"165\",\"version\":\"1\",\"timestamp\":"
	    "\"2003-10-11T22:14:15.003Z\",\"hostname\":\"mymachine.example."
	    "com\",\"appname\":\"evntslog\",\"procid\":null,\"msgid\":\"ID47\","
	    "\"structuredData\":{\"exampleSDID@32473\":{\"iut\":\"3\","
	    "\"eventSource\":\"Application\",\"eventID\":\"1011\"}},"
	    "\"message\":\"An application event log entry...\"}\n");
	/* §6.5 example 4: two elements, no message; escapes undone. */
	check(lj, "<165>1 2003-10-11T22:14:15.003-07:00 h app 12 - "
	    "[exampleSDID@32473 iut=\"3\" x=\"a\\\"b\\\\c\\]d\\e\" iut=\"4\"]"
	    "[examplePriority@32473 class=\"high\"]\r\n", CONV_OK,
	    "{\"pri\":\"165\",\"version\":\"1\",\"timestamp\":"
	    "\"2003-10-11T22:14:15.003-07:00\",\"hostname\":\"h\",\"appname\":"
	    "\"app\",\"procid\":\"12\",\"msgid\":null,\"structuredData\":{"
	    "\"exampleSDID@32473\":{\"iut\":\"4\",\"x\":"
	    "\"a\\\"b\\\\c]d\\\\e\"},"
	    "\"examplePriority@32473\":{\"class\":\"high\"}},\"message\":null}"
	    "\n");
	/* Malformed: bad PRI, bad timestamp, repeated SD-ID, no SD. */
	check(lj, "<192>1 - h a p m - x\n", CONV_DROP, NULL);
	check(lj, "<34>1 2003-10-11 22:14:15Z h a p m - x\n", CONV_DROP, NULL);
	check(lj, "<34>1 - h a p m [a x=\"1\"][a y=\"2\"]\n", CONV_DROP, NULL);
	check(lj, "<34>1 - h a p m\n", CONV_DROP, NULL);
	check(lj, "<34>1 - h a p m [a x=\"1]\n", CONV_DROP, NULL);
	check(lj, "<34>1 - - - - - - \n", CONV_OK,
	    "{\"pri\":\"34\",\"version\":\"1\",\"timestamp\":null,"
	    "\"hostname\":null,\"appname\":null,\"procid\":null,\"msgid\":"
	    "null,\"structuredData\":null,\"message\":\"\"}\n");
	logtojson_ops.free(lj);
}

/*
 * RFC 5424 §6.2.3's ranges: a timestamp that names no real time makes
 * the line invalid, dropped (and counted by the chain) like a malformed
 * header.
 */
static void
test_rfc5424_timestamp_ranges(void **state)
{
	static const char *const bad[] = {
		"2003-02-30T25:14:15Z",		/* the audit's */
		"2003-02-30T22:14:15Z",
		"2003-02-29T22:14:15Z",		/* not a leap year */
		"1900-02-29T22:14:15Z",		/* nor is 1900 */
		"2003-04-31T22:14:15Z",
		"2003-00-11T22:14:15Z",
		"2003-13-11T22:14:15Z",
		"2003-10-00T22:14:15Z",
		"2003-10-32T22:14:15Z",
		"2003-10-11T24:00:00Z",
		"2003-10-11T22:60:15Z",
		"2003-10-11T23:59:60Z",		/* §6.2.3.1: no leap seconds */
		"2003-10-11T22:14:15.003+24:00",
		"2003-10-11T22:14:15.003-07:60",
	};
	static const char *const good[] = {
		"2004-02-29T22:14:15Z",
		"2000-02-29T00:00:00Z",
		"2003-12-31T23:59:59.999999+23:59",
		"0000-01-01T00:00:00-00:00",
	};
	static const struct conv_ctx	 cctx = { "f", "/f", "h", 0, NULL,
						    NULL };
	struct chain			*c;
	struct conv_report		 r;
	struct conv_test_errors		 e;
	struct buf			 out = BUF_INIT(CONV_BUF_MAX);
	json_t				*opt;
	char				 line[128], want[512];
	size_t				 i;
	void				*lj;

	(void)state;
	lj = make("{\"logFormat\":\"RFC5424SYSLOG\"}");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(line, sizeof line, "<34>1 %s h a p m - x\n", bad[i]);
		check(lj, line, CONV_DROP, NULL);
	}
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(line, sizeof line, "<34>1 %s h a p m - x\n", good[i]);
		snprintf(want, sizeof want, "{\"pri\":\"34\",\"version\":"
		    "\"1\",\"timestamp\":\"%s\",\"hostname\":\"h\","
		    "\"appname\":\"a\",\"procid\":\"p\",\"msgid\":\"m\","
		    "\"structuredData\":null,\"message\":\"x\"}\n", good[i]);
		check(lj, line, CONV_OK, want);
	}
	logtojson_ops.free(lj);

	/* Through a flow's chain, the line is dropped too. */
	opt = json_loads("{\"optionName\":\"LOGTOJSON\","
	    "\"logFormat\":\"RFC5424SYSLOG\"}", 0, NULL);
	assert_non_null(opt);
	memset(&e, 0, sizeof e);
	memset(&r, 0, sizeof r);
	r.fn = conv_test_collect;
	r.arg = &e;
	c = chain_new();
	assert_int_equal(chain_add(c, opt, &r), 0);
	json_decref(opt);
	conv_test_errors_free(&e);
	assert_int_equal(chain_run_append(c, "<34>1 2003-02-30T25:14:15Z h a "
	    "p m - x\n", 39, &out, &cctx), CONV_DROP);
	assert_int_equal(out.len, 0);
	chain_free(c);
	buf_free(&out);
}

static void
test_nginx(void **state)
{
	void	*lj;

	(void)state;
	lj = make("{\"logFormat\":\"NGINXERRORLOG\"}");
	check(lj, "2024/01/02 03:04:05 [error] 123#456: *789 open() \"/x\" "
	    "failed (2: No such file or directory), client: 1.2.3.4, server: "
	    "x, request: \"GET /x HTTP/1.1\", host: \"h\"\n", CONV_OK,
	    "{\"timestamp\":\"2024/01/02 03:04:05\",\"severity\":\"error\","
	    "\"pid\":\"123\",\"tid\":\"456\",\"connection\":\"789\","
	    "\"message\":\"open() \\\"/x\\\" failed (2: No such file or "
	    "directory)\",\"client\":\"1.2.3.4\",\"server\":\"x\",\"request\":"
	    "\"GET /x HTTP/1.1\",\"host\":\"h\"}\n");
	check(lj, "2024/01/02 03:04:05 [notice] 1#1: signal process started\n",
	    CONV_OK,
	    "{\"timestamp\":\"2024/01/02 03:04:05\",\"severity\":\"notice\","
	    "\"pid\":\"1\",\"tid\":\"1\",\"connection\":null,\"message\":"
	    "\"signal process started\"}\n");
	/* A ", client: " inside the text is text when no context follows. */
	check(lj, "2024/01/02 03:04:05 [warn] 1#2: *3 a, client: b, c, client:"
	    " 5.6.7.8, server: s, request: \"GET /\"q\" HTTP/1.1\", upstream: "
	    "\"http://u/\", referrer: \"http://r/\"\n", CONV_OK,
	    "{\"timestamp\":\"2024/01/02 03:04:05\",\"severity\":\"warn\","
	    "\"pid\":\"1\",\"tid\":\"2\",\"connection\":\"3\",\"message\":"
	    "\"a, client: b, c\",\"client\":\"5.6.7.8\",\"server\":\"s\","
	    "\"request\":\"GET /\\\"q\\\" HTTP/1.1\","
	    "\"upstream\":\"http://u/\","
	    "\"referrer\":\"http://r/\"}\n");
	check(lj, "2024-01-02 03:04:05 [error] 1#1: x\n", CONV_DROP, NULL);
	/* CR, NEL and U+2028 in the text are text (sluice's own format). */
	check(lj, "2024/01/02 03:04:05 [error] 1#1: a\rb \xc2\x85 "
	    "\xe2\x80\xa8\n", CONV_OK,
	    "{\"timestamp\":\"2024/01/02 03:04:05\",\"severity\":\"error\","
	    "\"pid\":\"1\",\"tid\":\"1\",\"connection\":null,\"message\":"
	    "\"a\\rb \xc2\x85 \xe2\x80\xa8\"}\n");
	logtojson_ops.free(lj);

	lj = make("{\"logFormat\":\"NGINXERRORLOG\",\"customFieldNames\":"
	    "[\"t\",\"l\",\"p\",\"th\",\"c\",\"m\"]}");
	check(lj, "2024/01/02 03:04:05 [info] 9#9: *1 hi, client: ::1\n",
	    CONV_OK,
	    "{\"t\":\"2024/01/02 03:04:05\",\"l\":\"info\",\"p\":\"9\",\"th\":"
	    "\"9\",\"c\":\"1\",\"m\":\"hi\",\"client\":\"::1\"}\n");
	logtojson_ops.free(lj);
}

static void
test_ltsv(void **state)
{
	void	*lj;

	(void)state;
	lj = make("{\"logFormat\":\"LTSV\"}");
	check(lj, "host:127.0.0.1\tident:-\ttime:[10/Oct/2000:13:55:36 -0700]"
	    "\treq:GET / HTTP/1.0\tstatus:200\n", CONV_OK,
	    "{\"host\":\"127.0.0.1\",\"ident\":\"-\",\"time\":\"[10/Oct/2000:"
	    "13:55:36 -0700]\",\"req\":\"GET / HTTP/1.0\",\"status\":\"200\"}"
	    "\n");
	/* Empty fields skipped, ":" in values kept, repeated label. */
	check(lj, "a:1\t\tb:x:y\ta:2\tc:\r\n", CONV_OK,
	    "{\"a\":\"2\",\"b\":\"x:y\",\"c\":\"\"}\n");
	check(lj, "a:1\tnocolon\n", CONV_DROP, NULL);
	check(lj, ":v\n", CONV_DROP, NULL);
	check(lj, "\n", CONV_DROP, NULL);
	logtojson_ops.free(lj);
}

static void
test_logfmt(void **state)
{
	void	*lj;

	(void)state;
	lj = make("{\"logFormat\":\"LOGFMT\"}");
	check(lj, "level=info msg=\"hello \\\"world\\\"\" flag n=5 e= "
	    "u=\"\\u00e9\\n\"\n", CONV_OK,
	    "{\"level\":\"info\",\"msg\":\"hello \\\"world\\\"\",\"flag\":true,"
	    "\"n\":\"5\",\"e\":\"\",\"u\":\"\xc3\xa9\\n\"}\n");
	check(lj, "a=1 a=2\tb=x=y\n", CONV_OK, "{\"a\":\"2\",\"b\":\"x=y\"}\n");
	check(lj, "a=\"unterminated\n", CONV_DROP, NULL);
	check(lj, "=x\n", CONV_DROP, NULL);
	check(lj, "a=\"x\"b\n", CONV_DROP, NULL);
	check(lj, "   \n", CONV_DROP, NULL);
	logtojson_ops.free(lj);
}

/*
 * Groups that nest: every field holds the whole line, escaped to six times
 * its length.  1 and 5451 bytes fit the room reserved up front (no check
 * per value), 5511 bytes do not (room made value by value); the bytes
 * are the same either way.
 */
static void
test_nested_groups(void **state)
{
	static const char *const	 keys[] = { "a", "b" };
	static const size_t		 sizes[] = { 1, 5451, 5511 };
	size_t				 i;
	void				*r;

	(void)state;
	r = make("{\"logFormat\": \"COMMONAPACHELOG\", "
	    "\"matchPattern\": \"^((.*))$\", \"customFieldNames\": [\"a\", \"b\"]}");
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		conv_test_nested(&logtojson_ops, r, &ctx, keys,
		    sizeof keys / sizeof keys[0], sizes[i]);
	logtojson_ops.free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_combined),
		cmocka_unit_test(test_common),
		cmocka_unit_test(test_error_log),
		cmocka_unit_test(test_syslog),
		cmocka_unit_test(test_custom),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_pretty),
		cmocka_unit_test(test_escapes_and_utf8),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_nested_groups),
		cmocka_unit_test(test_rfc5424),
		cmocka_unit_test(test_rfc5424_timestamp_ranges),
		cmocka_unit_test(test_nginx),
		cmocka_unit_test(test_ltsv),
		cmocka_unit_test(test_logfmt),
	};

	return (cmocka_run_group_tests(tests, NULL, conv_test_teardown));
}
