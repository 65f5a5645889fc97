/*
 * test_addec2metadata: the ADDEC2METADATA converter, with the snapshots it
 * reads given directly through its context, as the agent's metadata client
 * (agent/imds.c, tested by test_imds) gives them.  Checks the exact bytes
 * (metadataTimestamp is checked for its format, then masked), key order,
 * PRETTYPRINT, null for a field the document lacks, tags left out when the
 * snapshot has none, the pass-through with one warning each time metadata
 * goes missing, a new snapshot replacing the old, metadataTimestamp in
 * local time, and the age the converter asks for (metadataTTL).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* strptime */
#endif

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "conv_test.h"
#include "test_util.h"
#include "converter.h"
#include "ec2_metadata.h"

static char	 errlog[] = "/tmp/test_addec2metadata.XXXXXX";

/* What tests/fakeimds/fakeimds answers by default. */
static const struct ec2_metadata_tag fake_tags[] = {
	{ "name", "web-1", 5 },
	{ "team", "Prod & <Ops> \"quoted\"", 21 },
	{ "aws:autoscaling:groupname", "asg-1", 5 },
	{ "emptytag", "", 0 },
	{ "\xc3\xbcnit", "caf\xc3\xa9", 5 },
};

static const struct ec2_metadata fake_md = {
	.gen = 1,
	.private_ip = "10.1.2.3",
	.availability_zone = "us-west-2b",
	.instance_id = "i-0fake1234567890ab",
	.instance_type = "t3.micro",
	.account_id = "123456789012",
	.ami_id = "ami-0fake0123456789a",
	.region = "us-west-2",
	.has_tags = 1,
	.tags = fake_tags,
	.ntags = sizeof fake_tags / sizeof fake_tags[0],
};

#define FIELDS	"\"privateIp\":\"10.1.2.3\"," \
	"\"availabilityZone\":\"us-west-2b\"," \
	"\"instanceId\":\"i-0fake1234567890ab\"," \
	"\"instanceType\":\"t3.micro\"," \
	"\"accountId\":\"123456789012\",\"amiId\":\"ami-0fake0123456789a\""
#define TAGS	"\"tags\":{\"name\":\"web-1\"," \
	"\"team\":\"Prod & <Ops> \\\"quoted\\\"\"," \
	"\"aws:autoscaling:groupname\":\"asg-1\",\"emptytag\":\"\"," \
	"\"\xc3\xbcnit\":\"caf\xc3\xa9\"}"

/* The snapshot the context hands out, and what the converter asked. */
static struct ec2_metadata	 cur;
static const struct ec2_metadata *cur_ptr;
static unsigned int		 asked_age;
static int			 asked;

static const struct ec2_metadata *
get_md(void *arg, unsigned int max_age)
{
	assert_ptr_equal(arg, &cur);
	asked_age = max_age;
	asked++;
	return (cur_ptr);
}

/* Hands out md from now on, as a new snapshot; NULL: none yet. */
static void
set_md(const struct ec2_metadata *md)
{
	static uint64_t	gen = 100;

	if (md == NULL) {
		cur_ptr = NULL;
		return;
	}
	cur = *md;
	cur.gen = ++gen;
	cur.fetched = time(NULL);
	cur_ptr = &cur;
}

static int
setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	set_md(&fake_md);
	asked = 0;
	asked_age = 0;
	return (0);
}

static int
group_setup(void **state)
{
	int	fd;

	(void)state;
	if ((fd = mkstemp(errlog)) == -1)
		return (-1);
	close(fd);
	return (0);
}

static int
group_teardown(void **state)
{
	(void)state;
	unlink(errlog);
	return (0);
}

static void *
make(const char *opts_json)
{
	return (conv_test_make(&addec2metadata_ops, opts_json));
}

static enum conv_result
run(void *inst, const char *in, size_t len, struct buf *out)
{
	struct conv_ctx	ctx = { "web", "/var/log/app.json", "host1", 0,
			    get_md, &cur };

	return (addec2metadata_ops.convert(inst, in, len, out, &ctx));
}

/*
 * Checks that out has one "metadataTimestamp" in the format of
 * yyyy-MM-dd'T'HH:mm:ssZ ending in tz, within 60 s of now, and masks it
 * as "TS".  Returns the NUL-terminated result (static).
 */
static const char *
mask_ts(const struct buf *out, const char *tz)
{
	static char	 buf[8192];
	const char	*key = "\"metadataTimestamp\"";
	char		*p, *v;
	struct tm	 tm;
	time_t		 t;
	size_t		 i;

	assert_true(out->len < sizeof buf);
	memcpy(buf, out->data, out->len);
	buf[out->len] = '\0';
	assert_non_null(p = strstr(buf, key));
	assert_null(strstr(p + 1, key));
	assert_non_null(v = strchr(p + strlen(key), '"'));
	v++;
	/* 2024-05-01T12:00:00+0000 */
	for (i = 0; i < 24; i++) {
		const char	*pat = "dddd-dd-ddTdd:dd:dd";

		if (i < 19)
			assert_true(pat[i] == 'd' ? (v[i] >= '0' &&
			    v[i] <= '9') : v[i] == pat[i]);
	}
	assert_memory_equal(v + 19, tz, 5);
	assert_int_equal(v[24], '"');
	memset(&tm, 0, sizeof tm);
	assert_non_null(strptime(v, "%Y-%m-%dT%H:%M:%S", &tm));
	tm.tm_isdst = -1;
	t = mktime(&tm);
	assert_true(llabs((long long)(time(NULL) - t)) < 60);
	memmove(v + 2, v + 24, strlen(v + 24) + 1);
	v[0] = 'T';
	v[1] = 'S';
	return (buf);
}

static void
test_compact(void **state)
{
	struct buf	 out = BUF_INIT(CONV_BUF_MAX);
	const char	*in = "{\"msg\":\"hi\",\"region\":\"old\",\"n\":[1,2.5,"
	    "true,null]}\n";
	void		*inst;

	(void)state;
	inst = make("{\"logFormat\":\"RFC3339SYSLOG\"}");
	/* Nothing is asked before a record comes. */
	assert_int_equal(asked, 0);
	assert_int_equal(run(inst, in, strlen(in), &out), CONV_OK);
	/* region keeps its place (LinkedHashMap.putAll); the rest follow. */
	assert_string_equal(mask_ts(&out, "+0000"),
	    "{\"msg\":\"hi\",\"region\":\"us-west-2\",\"n\":[1,2.5,true,null],"
	    FIELDS ",\"metadataTimestamp\":\"TS\"," TAGS "}\n");
	/* The default metadataTTL is the age asked for. */
	assert_int_equal(asked_age, 3600);

	/* No final newline; a second record reuses the snapshot. */
	assert_int_equal(run(inst, "{}", 2, &out), CONV_OK);
	assert_string_equal(mask_ts(&out, "+0000"), "{" FIELDS
	    ",\"region\":\"us-west-2\",\"metadataTimestamp\":\"TS\"," TAGS
	    "}\n");
	assert_int_equal(asked, 2);
	addec2metadata_ops.free(inst);
	buf_free(&out);
}

static void
test_pretty(void **state)
{
	struct buf	 out = BUF_INIT(CONV_BUF_MAX);
	const char	*in = "{\"a\":{\"b\":[]}}\n";
	void		*inst;

	(void)state;
	inst = make("{\"logFormat\":\"x\",\"jsonFormat\":\"PRETTYPRINT\","
	    "\"metadataTTL\":60}");
	assert_int_equal(run(inst, in, strlen(in), &out), CONV_OK);
	assert_int_equal(asked_age, 60);
	assert_string_equal(mask_ts(&out, "+0000"),
	    "{\n"
	    "  \"a\" : {\n"
	    "    \"b\" : [ ]\n"
	    "  },\n"
	    "  \"privateIp\" : \"10.1.2.3\",\n"
	    "  \"availabilityZone\" : \"us-west-2b\",\n"
	    "  \"instanceId\" : \"i-0fake1234567890ab\",\n"
	    "  \"instanceType\" : \"t3.micro\",\n"
	    "  \"accountId\" : \"123456789012\",\n"
	    "  \"amiId\" : \"ami-0fake0123456789a\",\n"
	    "  \"region\" : \"us-west-2\",\n"
	    "  \"metadataTimestamp\" : \"TS\",\n"
	    "  \"tags\" : {\n"
	    "    \"name\" : \"web-1\",\n"
	    "    \"team\" : \"Prod & <Ops> \\\"quoted\\\"\",\n"
	    "    \"aws:autoscaling:groupname\" : \"asg-1\",\n"
	    "    \"emptytag\" : \"\",\n"
	    "    \"\xc3\xbcnit\" : \"caf\xc3\xa9\"\n"
	    "  }\n"
	    "}\n");
	addec2metadata_ops.free(inst);
	buf_free(&out);
}

/* metadataTTL is clamped to 1 s .. a week before it is asked for. */
static void
test_ttl(void **state)
{
	struct buf	 out = BUF_INIT(CONV_BUF_MAX);
	void		*inst;

	(void)state;
	inst = make("{\"logFormat\":\"x\",\"metadataTTL\":0}");
	assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
	assert_int_equal(asked_age, 1);
	addec2metadata_ops.free(inst);
	inst = make("{\"logFormat\":\"x\",\"metadataTTL\":99999999}");
	assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
	assert_int_equal(asked_age, 7 * 24 * 3600);
	addec2metadata_ops.free(inst);
	buf_free(&out);
}

static void
test_not_object(void **state)
{
	static const char *const bad[] = {
		"[1,2]\n", "\"s\"\n", "42\n", "null\n", "not json\n", "\n",
		"", "{\"a\":\n", "{\"a\":1,}\n", "{\"a\":\"\x01\"}\n",
	};
	struct buf	 out = BUF_INIT(CONV_BUF_MAX);
	const char	*trail = "{\"a\":1} trailing\n";
	const char	*bad8 = "{\"m\":\"a\xff" "b\xe2\x82\"}\n";
	void		*inst;
	size_t		 i;

	(void)state;
	inst = make("{\"logFormat\":\"x\"}");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(run(inst, bad[i], strlen(bad[i]), &out),
		    CONV_ERROR);
	/* Jackson's readValue ignores what follows the value. */
	assert_int_equal(run(inst, trail, strlen(trail), &out), CONV_OK);
	assert_string_equal(mask_ts(&out, "+0000"), "{\"a\":1," FIELDS
	    ",\"region\":\"us-west-2\",\"metadataTimestamp\":\"TS\"," TAGS
	    "}\n");
	/* Invalid UTF-8 is read as Java reads it: U+FFFD. */
	assert_int_equal(run(inst, bad8, strlen(bad8), &out), CONV_OK);
	assert_memory_equal(out.data, "{\"m\":\"a\xef\xbf\xbd" "b\xef\xbf\xbd"
	    "\",", 16);
	addec2metadata_ops.free(inst);
	buf_free(&out);
}

/*
 * Converts records that all pass through unchanged, through a context
 * with the getter or (no_source) without one; returns how many warnings.
 */
static int
passthrough(void *inst, int no_source)
{
	static const char *const recs[] = {
		"{\"a\":1}\n", "not json at all\n", "{\"b\":2}", "\n"
	};
	struct conv_ctx	 ctx = { "web", "/var/log/app.json", "host1", 0,
			    get_md, &cur };
	struct buf	 out = BUF_INIT(CONV_BUF_MAX);
	size_t		 i;
	int		 saved;

	if (no_source)
		ctx.ec2 = NULL;
	saved = test_stderr_capture(errlog);
	for (i = 0; i < sizeof recs / sizeof recs[0]; i++) {
		assert_int_equal(addec2metadata_ops.convert(inst, recs[i],
		    strlen(recs[i]), &out, &ctx), CONV_OK);
		assert_int_equal(out.len, strlen(recs[i]));
		assert_memory_equal(out.data, recs[i], out.len);
	}
	test_stderr_restore(saved);
	buf_free(&out);
	assert_int_equal(test_count(errlog, "flow=web file=/var/log/app.json: "
	    "ADDEC2METADATA: no EC2 metadata, records pass through "
	    "unchanged"), test_count(errlog, "\n"));
	return (test_count(errlog, "\n"));
}

static void
test_unavailable(void **state)
{
	struct ec2_metadata	 down = { .error = "GET /x: HTTP 500" };
	void			*inst;

	(void)state;
	/* A snapshot that says why: one warning that says it too. */
	set_md(&down);
	inst = make("{\"logFormat\":\"x\"}");
	assert_int_equal(passthrough(inst, 0), 1);
	assert_int_equal(test_count(errlog, ": GET /x: HTTP 500\n"), 1);
	addec2metadata_ops.free(inst);

	/* None yet. */
	set_md(NULL);
	inst = make("{\"logFormat\":\"x\"}");
	assert_int_equal(passthrough(inst, 0), 1);
	assert_int_equal(test_count(errlog, "not fetched yet"), 1);
	addec2metadata_ops.free(inst);

	/* A context without metadata. */
	set_md(&fake_md);
	inst = make("{\"logFormat\":\"x\"}");
	assert_int_equal(passthrough(inst, 1), 1);
	assert_int_equal(test_count(errlog, "no metadata source"), 1);
	addec2metadata_ops.free(inst);
}

/* A snapshot without tags (DescribeTags failed): tags is left out. */
static void
test_no_tags(void **state)
{
	struct ec2_metadata	 md = fake_md;
	struct buf		 out = BUF_INIT(CONV_BUF_MAX);
	void			*inst;

	(void)state;
	md.has_tags = 0;
	md.tags = NULL;
	md.ntags = 0;
	set_md(&md);
	inst = make("{\"logFormat\":\"x\"}");
	assert_int_equal(run(inst, "{\"tags\":1}\n", 11, &out), CONV_OK);
	assert_string_equal(mask_ts(&out, "+0000"), "{\"tags\":1," FIELDS
	    ",\"region\":\"us-west-2\",\"metadataTimestamp\":\"TS\"}\n");

	/* No tags at all is an empty object; a missing field is null. */
	md.has_tags = 1;
	md.private_ip = NULL;
	set_md(&md);
	assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
	assert_non_null(strstr(mask_ts(&out, "+0000"),
	    "{\"privateIp\":null,\"availabilityZone\":\"us-west-2b\","));
	assert_non_null(strstr(mask_ts(&out, "+0000"),
	    "\"metadataTimestamp\":\"TS\",\"tags\":{}}\n"));
	addec2metadata_ops.free(inst);
	buf_free(&out);
}

/* metadataTimestamp is local time, with Java's "Z" offset. */
static void
test_timezone(void **state)
{
	struct buf	 out = BUF_INIT(CONV_BUF_MAX);
	void		*inst;

	(void)state;
	setenv("TZ", "IST-5:30", 1);
	tzset();
	inst = make("{\"logFormat\":\"x\"}");
	assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
	addec2metadata_ops.free(inst);
	mask_ts(&out, "+0530");
	setenv("TZ", "XST+3", 1);
	tzset();
	inst = make("{\"logFormat\":\"x\"}");
	assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
	addec2metadata_ops.free(inst);
	mask_ts(&out, "-0300");
	buf_free(&out);
}

/*
 * A new snapshot shows up in the next record; metadata that goes away
 * makes records pass through with one warning, and each time it goes
 * away again, one more.
 */
static void
test_refresh(void **state)
{
	struct ec2_metadata	 md = fake_md;
	struct ec2_metadata	 down = { .error = "imds down" };
	struct ec2_metadata_tag	 tag = { "name", "web-2", 5 };
	struct buf		 out = BUF_INIT(CONV_BUF_MAX);
	void			*inst;
	int			 i;

	(void)state;
	inst = make("{\"logFormat\":\"x\",\"metadataTTL\":1}");
	assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
	assert_non_null(strstr(mask_ts(&out, "+0000"),
	    "\"instanceType\":\"t3.micro\""));
	md.instance_type = "m5.large";
	md.tags = &tag;
	md.ntags = 1;
	set_md(&md);
	assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
	assert_non_null(strstr(mask_ts(&out, "+0000"),
	    "\"instanceType\":\"m5.large\""));
	assert_non_null(strstr(out.data, "\"tags\":{\"name\":\"web-2\"}"));

	set_md(&down);
	for (i = 0; i < 2; i++) {
		assert_int_equal(passthrough(inst, 0), 1 - i);
		if (i == 0)
			assert_int_equal(test_count(errlog, "imds down"), 1);
	}
	set_md(&fake_md);
	assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
	assert_non_null(strstr(mask_ts(&out, "+0000"),
	    "\"instanceType\":\"t3.micro\""));
	set_md(&down);
	assert_int_equal(passthrough(inst, 0), 1);
	addec2metadata_ops.free(inst);
	buf_free(&out);
}

static void
test_options(void **state)
{
	(void)state;
	conv_test_make_fails(&addec2metadata_ops, "{\"metadataTTL\":5}",
	    "logFormat", "needs key \"logFormat\"");
	conv_test_make_fails(&addec2metadata_ops, "{\"logFormat\":\"x\","
	    "\"jsonFormat\":\"FANCY\"}", "jsonFormat",
	    "expected one of COMPACT, PRETTYPRINT, got \"FANCY\"");
	conv_test_make_fails(&addec2metadata_ops, "{\"logFormat\":\"x\","
	    "\"metadataTTL\":\"soon\"}", "metadataTTL", "expected an integer");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_compact, setup),
		cmocka_unit_test_setup(test_pretty, setup),
		cmocka_unit_test_setup(test_ttl, setup),
		cmocka_unit_test_setup(test_not_object, setup),
		cmocka_unit_test_setup(test_unavailable, setup),
		cmocka_unit_test_setup(test_no_tags, setup),
		cmocka_unit_test_setup(test_timezone, setup),
		cmocka_unit_test_setup(test_refresh, setup),
		cmocka_unit_test_setup(test_options, setup),
	};

	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}
