/*
 * test_addec2metadata: the ADDEC2METADATA converter against
 * tests/fakeimds/fakeimds (or $FAKEIMDS), started once on an ephemeral
 * port, with the AWS SDK environment variables pointing at it.  Checks the
 * exact bytes (metadataTimestamp is checked for its format, then masked),
 * the IMDSv2 token, key order, PRETTYPRINT, tags (lower-cased, decoded,
 * left out when DescribeTags is denied), the pass-through with a single
 * warning, refresh after metadataTTL, and that free never waits for a
 * stalled endpoint.  Also ec2meta_parse_tags on its own.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* strptime */
#endif

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "converter.h"
#include "conv_test.h"
#include "ec2meta.h"

static char	 tmpdir[] = "/tmp/test_addec2metadata.XXXXXX";
static char	 control[256], reqlog[256], errlog[256];
static char	 endpoint[64];
static pid_t	 fake_pid = -1;

static const char *aws_vars[] = {
	"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY",
	"AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
	"AWS_EC2_METADATA_DISABLED", "AWS_ENDPOINT_URL",
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

static void
write_control(const char *text)
{
	FILE	*fp;

	assert_non_null(fp = fopen(control, "w"));
	fputs(text, fp);
	fclose(fp);
}

static int
group_setup(void **state)
{
	const char	*bin;
	char		 portfile[300];
	FILE		*fp;
	int		 port = 0, i;

	(void)state;
	if ((bin = getenv("FAKEIMDS")) == NULL)
		bin = "tests/fakeimds/fakeimds";
	if (access(bin, X_OK) != 0) {
		fprintf(stderr, "test_addec2metadata: %s not built (set "
		    "FAKEIMDS)\n", bin);
		return (-1);
	}
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	snprintf(control, sizeof control, "%s/control", tmpdir);
	snprintf(reqlog, sizeof reqlog, "%s/requests", tmpdir);
	snprintf(errlog, sizeof errlog, "%s/stderr", tmpdir);
	snprintf(portfile, sizeof portfile, "%s/port", tmpdir);
	write_control("");
	if ((fake_pid = fork()) == 0) {
		execl(bin, bin, "-p", "0", "-P", portfile, "-c", control,
		    "-o", reqlog, (char *)NULL);
		_exit(127);
	}
	if (fake_pid == -1)
		return (-1);
	for (i = 0; i < 500 && port == 0; i++) {
		if ((fp = fopen(portfile, "r")) != NULL) {
			if (fscanf(fp, "%d", &port) != 1)
				port = 0;
			fclose(fp);
		}
		if (port == 0)
			usleep(10000);
	}
	if (port == 0)
		return (-1);
	snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", port);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return (0);
}

static int
group_teardown(void **state)
{
	char	cmd[300];
	int	status;

	(void)state;
	if (fake_pid > 0) {
		kill(fake_pid, SIGTERM);
		waitpid(fake_pid, &status, 0);
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		return (-1);
	curl_global_cleanup();
	return (0);
}

/* Every test starts from the fake's defaults and an SDK-like environment. */
static int
setup(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof aws_vars / sizeof aws_vars[0]; i++)
		unsetenv(aws_vars[i]);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint, 1);
	setenv("AWS_ENDPOINT_URL_EC2", endpoint, 1);
	setenv("TZ", "UTC", 1);
	tzset();
	write_control("");
	assert_int_equal(truncate(reqlog, 0), 0);
	return (0);
}

/* An instance, started as chain_start starts it. */
static void *
make(const char *opts_json)
{
	void	*inst;
	char	*cause = NULL;

	inst = conv_test_make(&addec2metadata_ops, opts_json);
	if (addec2metadata_ops.start(inst, &cause) == -1)
		fail_msg("start: %s", cause);
	return (inst);
}

static enum conv_result
run(void *inst, const char *in, size_t len, struct conv_buf *out)
{
	struct conv_ctx	ctx = { "web", "/var/log/app.json", "host1", 0 };

	return (addec2metadata_ops.convert(inst, in, len, out, &ctx));
}

/*
 * Checks that out has one "metadataTimestamp" in the format of
 * yyyy-MM-dd'T'HH:mm:ssZ ending in tz, within 60 s of now, and masks it
 * as "TS".  Returns the NUL-terminated result (static).
 */
static const char *
mask_ts(const struct conv_buf *out, const char *tz)
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

static int
count(const char *path, const char *needle)
{
	char	 buf[65536];
	FILE	*fp;
	size_t	 n;
	int	 c = 0;
	char	*p;

	if ((fp = fopen(path, "r")) == NULL)
		return (0);
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	for (p = buf; (p = strstr(p, needle)) != NULL; p++)
		c++;
	return (c);
}

/* Sends stderr to errlog until stderr_restore. */
static int
stderr_capture(void)
{
	int	saved, fd;

	saved = dup(STDERR_FILENO);
	assert_true((fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	return (saved);
}

static void
stderr_restore(int saved)
{
	dup2(saved, STDERR_FILENO);
	close(saved);
}

static void
test_compact(void **state)
{
	struct conv_buf	 out = { 0 };
	const char	*in = "{\"msg\":\"hi\",\"region\":\"old\",\"n\":[1,2.5,"
	    "true,null]}\n";
	void		*inst;

	(void)state;
	inst = make("{\"logFormat\":\"RFC3339SYSLOG\"}");
	assert_int_equal(run(inst, in, strlen(in), &out), CONV_OK);
	/* region keeps its place (LinkedHashMap.putAll); the rest follow. */
	assert_string_equal(mask_ts(&out, "+0000"),
	    "{\"msg\":\"hi\",\"region\":\"us-west-2\",\"n\":[1,2.5,true,null],"
	    FIELDS ",\"metadataTimestamp\":\"TS\"," TAGS "}\n");

	/* No final newline; a second record reuses the snapshot. */
	assert_int_equal(run(inst, "{}", 2, &out), CONV_OK);
	assert_string_equal(mask_ts(&out, "+0000"), "{" FIELDS
	    ",\"region\":\"us-west-2\",\"metadataTimestamp\":\"TS\"," TAGS
	    "}\n");
	addec2metadata_ops.free(inst);
	conv_buf_free(&out);

	/* IMDSv2 all the way, and the role's credentials for DescribeTags. */
	assert_int_equal(count(reqlog, "PUT /latest/api/token 200"), 1);
	assert_int_equal(count(reqlog,
	    "GET /latest/dynamic/instance-identity/document 200"), 1);
	assert_int_equal(count(reqlog,
	    "GET /latest/meta-data/iam/security-credentials/fake-role 200"), 1);
	assert_int_equal(count(reqlog, "POST / 200"), 1);
	assert_int_equal(count(reqlog, " 401"), 0);
}

static size_t
sink(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return (size * n);
}

/* The fake really insists on the token, so the test above means it. */
static void
test_token_required(void **state)
{
	CURL	*c;
	char	 url[128];
	long	 status = 0;

	(void)state;
	snprintf(url, sizeof url, "%s/latest/dynamic/instance-identity/"
	    "document", endpoint);
	assert_non_null(c = curl_easy_init());
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	assert_int_equal(status, 401);
}

static void
test_pretty(void **state)
{
	struct conv_buf	 out = { 0 };
	const char	*in = "{\"a\":{\"b\":[]}}\n";
	void		*inst;

	(void)state;
	inst = make("{\"logFormat\":\"x\",\"jsonFormat\":\"PRETTYPRINT\","
	    "\"metadataTTL\":60}");
	assert_int_equal(run(inst, in, strlen(in), &out), CONV_OK);
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
	conv_buf_free(&out);
}

static void
test_not_object(void **state)
{
	static const char *const bad[] = {
		"[1,2]\n", "\"s\"\n", "42\n", "null\n", "not json\n", "\n",
		"", "{\"a\":\n", "{\"a\":1,}\n", "{\"a\":\"\x01\"}\n",
	};
	struct conv_buf	 out = { 0 };
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
	conv_buf_free(&out);
}

/* Pass-through, with one warning for many records. */
static void
check_passthrough(const char *opts)
{
	static const char *const recs[] = {
		"{\"a\":1}\n", "not json at all\n", "{\"b\":2}", "\n"
	};
	struct conv_buf	 out = { 0 };
	void		*inst;
	size_t		 i;
	int		 saved;

	saved = stderr_capture();
	inst = make(opts);
	for (i = 0; i < sizeof recs / sizeof recs[0]; i++) {
		assert_int_equal(run(inst, recs[i], strlen(recs[i]), &out),
		    CONV_OK);
		assert_int_equal(out.len, strlen(recs[i]));
		assert_memory_equal(out.data, recs[i], out.len);
	}
	addec2metadata_ops.free(inst);
	stderr_restore(saved);
	conv_buf_free(&out);
	assert_int_equal(count(errlog, "\n"), 1);
	assert_int_equal(count(errlog, "flow=web file=/var/log/app.json: "
	    "ADDEC2METADATA: no EC2 metadata, records pass through "
	    "unchanged"), 1);
}

static void
test_unavailable(void **state)
{
	(void)state;
	write_control("imds down\n");
	check_passthrough("{\"logFormat\":\"x\"}");
	assert_int_equal(count(errlog, "HTTP 500"), 1);

	write_control("");
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	check_passthrough("{\"logFormat\":\"x\"}");
	assert_int_equal(count(errlog, "AWS_EC2_METADATA_DISABLED"), 1);
	unsetenv("AWS_EC2_METADATA_DISABLED");

	/* Nothing listens on port 1. */
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1", 1);
	check_passthrough("{\"logFormat\":\"x\",\"metadataTTL\":1}");
}

/* The identity comes, the tags do not: tags is left out, as the agent. */
static void
test_tags_denied(void **state)
{
	struct conv_buf	 out = { 0 };
	void		*inst;
	int		 saved;

	(void)state;
	write_control("tags deny\n");
	saved = stderr_capture();
	inst = make("{\"logFormat\":\"x\"}");
	assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
	assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
	addec2metadata_ops.free(inst);
	stderr_restore(saved);
	assert_string_equal(mask_ts(&out, "+0000"), "{" FIELDS
	    ",\"region\":\"us-west-2\",\"metadataTimestamp\":\"TS\"}\n");
	assert_int_equal(count(errlog, "\n"), 1);
	assert_int_equal(count(errlog, "cannot read the instance's tags"), 1);
	assert_int_equal(count(errlog, "UnauthorizedOperation"), 1);
	conv_buf_free(&out);
}

/* Keys from the environment: no role lookup, signed with that key. */
static void
test_env_creds(void **state)
{
	struct conv_buf	 out = { 0 };
	void		*inst;
	int		 saved;

	(void)state;
	write_control("access_key AKIDENVFAKE\ntag Env prod\n"
	    "tag ENV staging\ntag Other x\n");
	setenv("AWS_ACCESS_KEY_ID", "AKIDENVFAKE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	inst = make("{\"logFormat\":\"x\"}");
	assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
	addec2metadata_ops.free(inst);
	/* "ENV" lower-cases onto "env": its value, env's place. */
	assert_string_equal(mask_ts(&out, "+0000"), "{" FIELDS
	    ",\"region\":\"us-west-2\",\"metadataTimestamp\":\"TS\","
	    "\"tags\":{\"env\":\"staging\",\"other\":\"x\"}}\n");
	assert_int_equal(count(reqlog, "security-credentials"), 0);
	assert_int_equal(count(reqlog, "POST / 200"), 1);
	conv_buf_free(&out);

	/* The wrong key is refused by the fake: no tags. */
	write_control("access_key AKIDOTHER\n");
	assert_int_equal(truncate(reqlog, 0), 0);
	saved = stderr_capture();
	inst = make("{\"logFormat\":\"x\"}");
	assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
	addec2metadata_ops.free(inst);
	stderr_restore(saved);
	assert_int_equal(count(errlog, "HTTP 401 AuthFailure"), 1);
	assert_null(strstr(mask_ts(&out, "+0000"), "\"tags\""));
	assert_int_equal(count(reqlog, "POST / 401"), 1);
	conv_buf_free(&out);
}

/* A service without the token API is read the IMDSv1 way. */
static void
test_imds_v1(void **state)
{
	struct conv_buf	 out = { 0 };
	void		*inst;

	(void)state;
	write_control("imds v1\nfield.privateIp -\n");
	inst = make("{\"logFormat\":\"x\"}");
	assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
	addec2metadata_ops.free(inst);
	/* A field the document lacks is null, as Jackson leaves it. */
	assert_non_null(strstr(mask_ts(&out, "+0000"),
	    "{\"privateIp\":null,\"availabilityZone\":\"us-west-2b\","));
	assert_non_null(strstr(out.data, TAGS));
	assert_int_equal(count(reqlog, "PUT /latest/api/token 404"), 1);
	conv_buf_free(&out);
}

/* metadataTimestamp is local time, with Java's "Z" offset. */
static void
test_timezone(void **state)
{
	struct conv_buf	 out = { 0 };
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
	conv_buf_free(&out);
}

/* With metadataTTL 1 a changed answer shows up within a few seconds. */
static void
test_refresh(void **state)
{
	struct conv_buf	 out = { 0 };
	void		*inst;
	int		 i, seen = 0;

	(void)state;
	inst = make("{\"logFormat\":\"x\",\"metadataTTL\":1}");
	assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
	assert_non_null(strstr(mask_ts(&out, "+0000"),
	    "\"instanceType\":\"t3.micro\""));
	write_control("field.instanceType m5.large\ntag Name web-2\n");
	for (i = 0; i < 50 && !seen; i++) {
		usleep(100000);
		assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
		seen = strstr(mask_ts(&out, "+0000"),
		    "\"instanceType\":\"m5.large\"") != NULL;
	}
	assert_true(seen);
	assert_non_null(strstr(out.data, "\"tags\":{\"name\":\"web-2\"}"));
	/* Then metadata goes away: pass-through, one warning. */
	write_control("imds down\n");
	{
		int	saved = stderr_capture();

		for (i = 0, seen = 0; i < 50 && !seen; i++) {
			usleep(100000);
			assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
			seen = out.len == 3;
		}
		for (i = 0; i < 3; i++)
			assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
		stderr_restore(saved);
	}
	assert_true(seen);
	assert_int_equal(count(errlog, "no EC2 metadata"), 1);
	addec2metadata_ops.free(inst);
	conv_buf_free(&out);
}

/*
 * An endpoint that accepts connections and never answers: create gives
 * up after its bounded wait and free does not wait for the transfer.
 */
static void
test_stalled(void **state)
{
	struct sockaddr_in	 sin;
	struct timespec		 t0, t1, t2;
	socklen_t		 slen = sizeof sin;
	struct conv_buf		 out = { 0 };
	char			 url[64];
	void			*inst;
	int			 s, saved;
	double			 dc, df;

	(void)state;
	assert_true((s = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(s, 8), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &slen), 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(sin.sin_port));
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);

	saved = stderr_capture();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	inst = make("{\"logFormat\":\"x\"}");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(run(inst, "{}\n", 3, &out), CONV_OK);
	assert_int_equal(out.len, 3);
	addec2metadata_ops.free(inst);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	stderr_restore(saved);
	close(s);
	dc = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	df = (t2.tv_sec - t1.tv_sec) + (t2.tv_nsec - t1.tv_nsec) / 1e9;
	assert_true(dc < 2.8);
	assert_true(df < 1.5);
	conv_buf_free(&out);
}

static void
test_parse_tags(void **state)
{
	const char	*xml;
	json_t		*t;
	char		*cause = NULL, *s;

	(void)state;
	xml = "<?xml version=\"1.0\"?><DescribeTagsResponse xmlns=\"x\">"
	    "<requestId>r</requestId><tagSet>"
	    "<item><resourceId>i-1</resourceId><key>A&amp;B</key>"
	    "<value>&lt;&#65;&#x42;&#xe9;&quot;&apos;&gt;</value></item>"
	    "<item><key>Empty</key><value /></item>"
	    "<item><key>NoValue</key></item>"
	    "<item><key><![CDATA[C<D]]></key><value>v</value></item>"
	    "<item><key>a&amp;b</key><value>again</value></item>"
	    "</tagSet></DescribeTagsResponse>";
	assert_non_null(t = ec2meta_parse_tags(xml, strlen(xml), &cause));
	s = json_dumps(t, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(s, "{\"a&b\":\"again\",\"empty\":\"\","
	    "\"novalue\":\"\",\"c<d\":\"v\"}");
	free(s);
	json_decref(t);

	xml = "<DescribeTagsResponse><requestId>r</requestId>"
	    "<tagSet/></DescribeTagsResponse>";
	assert_non_null(t = ec2meta_parse_tags(xml, strlen(xml), &cause));
	assert_int_equal(json_object_size(t), 0);
	json_decref(t);

	xml = "<DescribeTagsResponse><tagSet><item><key>k</key>"
	    "<value>&bogus;</value></item></tagSet></DescribeTagsResponse>";
	assert_null(ec2meta_parse_tags(xml, strlen(xml), &cause));
	assert_non_null(cause);
	free(cause);
	cause = NULL;

	xml = "<DescribeTagsResponse><tagSet><item><value>v</value></item>"
	    "</tagSet></DescribeTagsResponse>";
	assert_null(ec2meta_parse_tags(xml, strlen(xml), &cause));
	free(cause);
	cause = NULL;

	xml = "<Response><Errors/></Response>";
	assert_null(ec2meta_parse_tags(xml, strlen(xml), &cause));
	free(cause);
	cause = NULL;

	/*
	 * A start tag that only whitespace follows to the end of its region:
	 * the search stops there.  It used to step past the end, and so took
	 * the next item's key for a tag whose key is cut off, and read on
	 * past the length it was given (here into a second tagSet).
	 */
	xml = "<DescribeTagsResponse><tagSet><item><key </item>"
	    "<item><key>k</key><value>v</value></item>"
	    "</tagSet></DescribeTagsResponse>";
	assert_null(ec2meta_parse_tags(xml, strlen(xml), &cause));
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	xml = "<DescribeTagsResponse><tagSet  <tagSet><item><key>k</key>"
	    "</item></tagSet>";
	assert_non_null(t = ec2meta_parse_tags(xml,
	    strlen("<DescribeTagsResponse><tagSet "), &cause));
	assert_int_equal(json_object_size(t), 0);
	json_decref(t);

	/* Unterminated: no crash, a clean result or error. */
	xml = "<DescribeTagsResponse><tagSet><item><key>k</key><value>v";
	t = ec2meta_parse_tags(xml, strlen(xml), &cause);
	json_decref(t);
	free(cause);
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

/*
 * create starts nothing and asks nothing of IMDS (sluiced -n creates the
 * chains): until start, records pass through unchanged.
 */
static void
test_create_starts_nothing(void **state)
{
	struct conv_buf	 out = { 0 };
	void		*inst;
	int		 saved;

	(void)state;
	inst = conv_test_make(&addec2metadata_ops,
	    "{\"logFormat\":\"RFC3339SYSLOG\"}");
	saved = stderr_capture();
	assert_int_equal(run(inst, "{\"a\":1}\n", 8, &out), CONV_OK);
	stderr_restore(saved);
	assert_int_equal(out.len, 8);
	assert_memory_equal(out.data, "{\"a\":1}\n", 8);
	assert_int_equal(count(errlog, "not started"), 1);
	addec2metadata_ops.free(inst);
	conv_buf_free(&out);
	assert_int_equal(count(reqlog, "/latest/"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_compact, setup),
		cmocka_unit_test_setup(test_token_required, setup),
		cmocka_unit_test_setup(test_pretty, setup),
		cmocka_unit_test_setup(test_not_object, setup),
		cmocka_unit_test_setup(test_unavailable, setup),
		cmocka_unit_test_setup(test_tags_denied, setup),
		cmocka_unit_test_setup(test_env_creds, setup),
		cmocka_unit_test_setup(test_imds_v1, setup),
		cmocka_unit_test_setup(test_timezone, setup),
		cmocka_unit_test_setup(test_refresh, setup),
		cmocka_unit_test_setup(test_stalled, setup),
		cmocka_unit_test(test_parse_tags),
		cmocka_unit_test_setup(test_options, setup),
		cmocka_unit_test_setup(test_create_starts_nothing, setup),
	};

	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}
