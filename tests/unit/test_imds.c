/*
 * test_imds: the EC2 instance metadata client against
 * tests/fakeimds/fakeimds (or $FAKEIMDS), started once on an ephemeral
 * port, with the AWS SDK environment variables pointing at it.  Checks the
 * snapshot's fields, the IMDSv2 token and the IMDSv1 fallback, tags
 * (lower-cased, decoded, in order, left out when DescribeTags is denied),
 * the error snapshot when there is no identity, that nothing starts before
 * the first get, refresh at the smallest TTL asked for, and that neither
 * the first get nor free waits long for a stalled endpoint.  Also
 * imds_parse_tags on its own.
 */

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

#include "ec2_metadata.h"
#include "imds.h"
#include "test_util.h"

static char	 tmpdir[] = "/tmp/test_imds.XXXXXX";
static char	 control[256], reqlog[256], errlog[256];
static char	 endpoint[64];
static pid_t	 fake_pid = -1;

static const char *aws_vars[] = {
	"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY",
	"AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
	"AWS_EC2_METADATA_DISABLED", "AWS_ENDPOINT_URL",
};

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
	int		 port;

	(void)state;
	if ((bin = getenv("FAKEIMDS")) == NULL)
		bin = "tests/fakeimds/fakeimds";
	if (access(bin, X_OK) != 0) {
		fprintf(stderr, "test_imds: %s not built (set "
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
	if ((port = test_wait_port(portfile)) == 0)
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

/* Checks md holds the fake's identity, fetched within the last minute. */
static void
check_identity(const struct ec2_metadata *md)
{
	assert_non_null(md);
	if (md->error != NULL)
		fail_msg("no metadata: %s", md->error);
	assert_true(md->gen > 0);
	assert_string_equal(md->private_ip, "10.1.2.3");
	assert_string_equal(md->availability_zone, "us-west-2b");
	assert_string_equal(md->instance_id, "i-0fake1234567890ab");
	assert_string_equal(md->instance_type, "t3.micro");
	assert_string_equal(md->account_id, "123456789012");
	assert_string_equal(md->ami_id, "ami-0fake0123456789a");
	assert_string_equal(md->region, "us-west-2");
	assert_true(llabs((long long)(time(NULL) - md->fetched)) < 60);
}

/*
 * Checks md's tags against want, a string of "key=value;" pairs in order
 * (values without '=' or ';').
 */
static void
check_tags(const struct ec2_metadata *md, const char *want)
{
	char	 got[1024];
	size_t	 i, n = 0;

	assert_true(md->has_tags);
	got[0] = '\0';
	for (i = 0; i < md->ntags; i++) {
		assert_int_equal(strlen(md->tags[i].value),
		    md->tags[i].value_len);
		n += snprintf(got + n, sizeof got - n, "%s=%s;",
		    md->tags[i].key, md->tags[i].value);
		assert_true(n < sizeof got);
	}
	assert_string_equal(got, want);
}

#define FAKE_TAGS	"name=web-1;team=Prod & <Ops> \"quoted\";" \
	"aws:autoscaling:groupname=asg-1;emptytag=;\xc3\xbcnit=caf\xc3\xa9;"

static void
test_fetch(void **state)
{
	const struct ec2_metadata	*md, *again;
	struct imds			*m;

	(void)state;
	m = imds_create();
	md = imds_get(m, 3600);
	check_identity(md);
	/* Keys lower-cased, entities decoded, document order. */
	check_tags(md, FAKE_TAGS);
	/* Within the TTL, the same snapshot. */
	again = imds_get(m, 3600);
	assert_ptr_equal(again, md);
	imds_release(again);
	imds_free(m);
	/* A reference outlives the client. */
	assert_string_equal(md->instance_id, "i-0fake1234567890ab");
	imds_release(md);

	/* IMDSv2 all the way, and the role's credentials for DescribeTags. */
	assert_int_equal(test_count(reqlog, "PUT /latest/api/token 200"), 1);
	assert_int_equal(test_count(reqlog,
	    "GET /latest/dynamic/instance-identity/document 200"), 1);
	assert_int_equal(test_count(reqlog,
	    "GET /latest/meta-data/iam/security-credentials/fake-role 200"), 1);
	assert_int_equal(test_count(reqlog, "POST / 200"), 1);
	assert_int_equal(test_count(reqlog, " 401"), 0);
}

/* A client nobody asks starts nothing: no thread, no request. */
static void
test_unused(void **state)
{
	struct imds	*m;

	(void)state;
	m = imds_create();
	usleep(200000);
	imds_free(m);
	assert_int_equal(test_count(reqlog, "/"), 0);
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

/* Returns the client's error, which must be there, as a static copy. */
static const char *
get_error(const char *why)
{
	static char			 buf[1024];
	const struct ec2_metadata	*md;
	struct imds			*m;
	int				 saved;

	saved = test_stderr_capture(errlog);
	m = imds_create();
	md = imds_get(m, 1);
	assert_non_null(md);
	if (md->error == NULL)
		fail_msg("%s: metadata after all", why);
	assert_null(md->instance_id);
	assert_false(md->has_tags);
	snprintf(buf, sizeof buf, "%s", md->error);
	imds_release(md);
	imds_free(m);
	test_stderr_restore(saved);
	/* The client does not warn: its user does. */
	assert_int_equal(test_count(errlog, "\n"), 0);
	return (buf);
}

static void
test_unavailable(void **state)
{
	(void)state;
	write_control("imds down\n");
	assert_non_null(strstr(get_error("down"), "HTTP 500"));

	write_control("");
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	assert_non_null(strstr(get_error("disabled"),
	    "AWS_EC2_METADATA_DISABLED"));
	unsetenv("AWS_EC2_METADATA_DISABLED");

	/* Nothing listens on port 1. */
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1", 1);
	assert_non_null(strstr(get_error("port 1"), "127.0.0.1:1"));
}

/* The identity comes, the tags do not: no tags, as the agent. */
static void
test_tags_denied(void **state)
{
	const struct ec2_metadata	*md;
	struct imds			*m;
	int				 saved;

	(void)state;
	write_control("tags deny\n");
	saved = test_stderr_capture(errlog);
	m = imds_create();
	md = imds_get(m, 3600);
	check_identity(md);
	assert_false(md->has_tags);
	assert_int_equal(md->ntags, 0);
	imds_release(md);
	imds_free(m);
	test_stderr_restore(saved);
	assert_int_equal(test_count(errlog, "\n"), 1);
	assert_int_equal(test_count(errlog, "cannot read the instance's tags"), 1);
	assert_int_equal(test_count(errlog, "UnauthorizedOperation"), 1);
}

/* Keys from the environment: no role lookup, signed with that key. */
static void
test_env_creds(void **state)
{
	const struct ec2_metadata	*md;
	struct imds			*m;
	int				 saved;

	(void)state;
	write_control("access_key AKIDENVFAKE\ntag Env prod\n"
	    "tag ENV staging\ntag Other x\n");
	setenv("AWS_ACCESS_KEY_ID", "AKIDENVFAKE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	m = imds_create();
	md = imds_get(m, 3600);
	check_identity(md);
	/* "ENV" lower-cases onto "env": its value, env's place. */
	check_tags(md, "env=staging;other=x;");
	imds_release(md);
	imds_free(m);
	assert_int_equal(test_count(reqlog, "security-credentials"), 0);
	assert_int_equal(test_count(reqlog, "POST / 200"), 1);

	/* The wrong key is refused by the fake: no tags. */
	write_control("access_key AKIDOTHER\n");
	assert_int_equal(truncate(reqlog, 0), 0);
	saved = test_stderr_capture(errlog);
	m = imds_create();
	md = imds_get(m, 3600);
	check_identity(md);
	assert_false(md->has_tags);
	imds_release(md);
	imds_free(m);
	test_stderr_restore(saved);
	assert_int_equal(test_count(errlog, "HTTP 401 AuthFailure"), 1);
	assert_int_equal(test_count(reqlog, "POST / 401"), 1);
}

/* A service without the token API is read the IMDSv1 way. */
static void
test_imds_v1(void **state)
{
	const struct ec2_metadata	*md;
	struct imds			*m;

	(void)state;
	write_control("imds v1\nfield.privateIp -\n");
	m = imds_create();
	md = imds_get(m, 3600);
	assert_non_null(md);
	assert_null(md->error);
	/* A field the document lacks is NULL (null in a record). */
	assert_null(md->private_ip);
	assert_string_equal(md->availability_zone, "us-west-2b");
	check_tags(md, FAKE_TAGS);
	imds_release(md);
	imds_free(m);
	assert_int_equal(test_count(reqlog, "PUT /latest/api/token 404"), 1);
}

/*
 * Waits up to 5 s for a snapshot whose instance type is want (NULL: one
 * with an error), through imds_conv_get; returns it.
 */
static const struct ec2_metadata *
wait_for(struct imds *m, unsigned int max_age, const char *want)
{
	const struct ec2_metadata	*md = NULL;
	int				 i;

	for (i = 0; i < 50; i++) {
		md = imds_conv_get(m, max_age);
		if (md != NULL && (want == NULL ? md->error != NULL :
		    md->instance_type != NULL &&
		    strcmp(md->instance_type, want) == 0))
			return (md);
		usleep(100000);
	}
	fail_msg("no snapshot with instance type %s", want != NULL ? want :
	    "(error)");
	return (NULL);
}

/* With a TTL of 1 s a changed answer shows up within a few seconds. */
static void
test_refresh(void **state)
{
	const struct ec2_metadata	*md;
	struct imds			*m;
	uint64_t			 gen;

	(void)state;
	m = imds_create();
	md = imds_conv_get(m, 1);
	check_identity(md);
	gen = md->gen;
	write_control("field.instanceType m5.large\ntag Name web-2\n");
	md = wait_for(m, 1, "m5.large");
	assert_true(md->gen > gen);
	check_tags(md, "name=web-2;");
	/* Then metadata goes away: a snapshot with only an error. */
	write_control("imds down\n");
	md = wait_for(m, 1, NULL);
	assert_null(md->instance_id);
	/* And comes back. */
	write_control("");
	wait_for(m, 1, "t3.micro");
	imds_free(m);
}

/* The smallest age asked for wins: a later, shorter TTL refreshes. */
static void
test_ttl_shrinks(void **state)
{
	struct imds	*m;

	(void)state;
	m = imds_create();
	check_identity(imds_conv_get(m, 3600));
	write_control("field.instanceType m5.large\n");
	usleep(1500000);
	/* Still the first snapshot: nobody wanted a fresher one. */
	assert_string_equal(imds_conv_get(m, 3600)->instance_type,
	    "t3.micro");
	wait_for(m, 1, "m5.large");
	imds_free(m);
	assert_true(test_count(reqlog,
	    "GET /latest/dynamic/instance-identity/document 200") >= 2);
}

/*
 * An endpoint that accepts connections and never answers: the first get
 * gives up after its bounded wait and free does not wait for the transfer.
 */
static void
test_stalled(void **state)
{
	const struct ec2_metadata	*md;
	struct sockaddr_in		 sin;
	struct timespec			 t0, t1, t2;
	socklen_t			 slen = sizeof sin;
	struct imds			*m;
	char				 url[64];
	int				 s, saved;
	double				 dc, df;

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

	saved = test_stderr_capture(errlog);
	m = imds_create();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	md = imds_conv_get(m, 3600);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(md == NULL || md->error != NULL);
	imds_free(m);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	test_stderr_restore(saved);
	close(s);
	dc = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	df = (t2.tv_sec - t1.tv_sec) + (t2.tv_nsec - t1.tv_nsec) / 1e9;
	assert_true(dc < 2.8);
	assert_true(df < 1.5);
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
	assert_non_null(t = imds_parse_tags(xml, strlen(xml), &cause));
	s = json_dumps(t, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(s, "{\"a&b\":\"again\",\"empty\":\"\","
	    "\"novalue\":\"\",\"c<d\":\"v\"}");
	free(s);
	json_decref(t);

	xml = "<DescribeTagsResponse><requestId>r</requestId>"
	    "<tagSet/></DescribeTagsResponse>";
	assert_non_null(t = imds_parse_tags(xml, strlen(xml), &cause));
	assert_int_equal(json_object_size(t), 0);
	json_decref(t);

	xml = "<DescribeTagsResponse><tagSet><item><key>k</key>"
	    "<value>&bogus;</value></item></tagSet></DescribeTagsResponse>";
	assert_null(imds_parse_tags(xml, strlen(xml), &cause));
	assert_non_null(cause);
	free(cause);
	cause = NULL;

	xml = "<DescribeTagsResponse><tagSet><item><value>v</value></item>"
	    "</tagSet></DescribeTagsResponse>";
	assert_null(imds_parse_tags(xml, strlen(xml), &cause));
	free(cause);
	cause = NULL;

	xml = "<Response><Errors/></Response>";
	assert_null(imds_parse_tags(xml, strlen(xml), &cause));
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
	assert_null(imds_parse_tags(xml, strlen(xml), &cause));
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	xml = "<DescribeTagsResponse><tagSet  <tagSet><item><key>k</key>"
	    "</item></tagSet>";
	assert_non_null(t = imds_parse_tags(xml,
	    strlen("<DescribeTagsResponse><tagSet "), &cause));
	assert_int_equal(json_object_size(t), 0);
	json_decref(t);

	/* Unterminated: no crash, a clean result or error. */
	xml = "<DescribeTagsResponse><tagSet><item><key>k</key><value>v";
	t = imds_parse_tags(xml, strlen(xml), &cause);
	json_decref(t);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fetch, setup),
		cmocka_unit_test_setup(test_unused, setup),
		cmocka_unit_test_setup(test_token_required, setup),
		cmocka_unit_test_setup(test_unavailable, setup),
		cmocka_unit_test_setup(test_tags_denied, setup),
		cmocka_unit_test_setup(test_env_creds, setup),
		cmocka_unit_test_setup(test_imds_v1, setup),
		cmocka_unit_test_setup(test_refresh, setup),
		cmocka_unit_test_setup(test_ttl_shrinks, setup),
		cmocka_unit_test_setup(test_stalled, setup),
		cmocka_unit_test(test_parse_tags),
	};

	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}
