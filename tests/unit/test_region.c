/*
 * test_region: the AWS shared files (awsfiles.c) and the region chain
 * (region.c), without instance metadata.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "awsfiles.h"
#include "config.h"
#include "region.h"

static char	tmpdir[] = "/tmp/test_region.XXXXXX";

static void
write_file(const char *name, const char *text)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
set_files(void)
{
	char	path[256];

	snprintf(path, sizeof path, "%s/config", tmpdir);
	setenv("AWS_CONFIG_FILE", path, 1);
	snprintf(path, sizeof path, "%s/credentials", tmpdir);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	write_file("config",
	    "# a comment\n"
	    "; another\n"
	    "[default]\n"
	    "region = eu-west-1   # trailing comment\n"
	    "s3 =\n"
	    "  region = nested-must-not-count\n"
	    "\n"
	    "[profile  web ]\n"
	    "region=ap-south-1\n"
	    "[web]\n"
	    "region = not-this-one\n"
	    "[profile empty]\n"
	    "region =\n"
	    "[profile broken\n"
	    "region = us-west-1\n");
	write_file("credentials",
	    "[default]\n"
	    "aws_access_key_id = AKIDDEFAULT\n"
	    "[web]\n"
	    "aws_access_key_id=AKIDWEB\n"
	    "aws_secret_access_key = a#b;c\n");
	set_files();
	return (0);
}

static int
teardown(void **state)
{
	char	path[256];

	(void)state;
	snprintf(path, sizeof path, "%s/config", tmpdir);
	unlink(path);
	snprintf(path, sizeof path, "%s/credentials", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return (0);
}

static void
check_value(enum awsfiles_file which, const char *profile, const char *key,
    const char *want)
{
	char	*v = NULL, *where = NULL, *cause = NULL;
	int	 rv;

	rv = awsfiles_get(which, profile, key, &v, &where, &cause);
	if (want == NULL) {
		assert_int_equal(rv, 0);
		assert_null(v);
		return;
	}
	assert_int_equal(rv, 1);
	assert_string_equal(v, want);
	assert_non_null(strstr(where, "profile "));
	free(v);
	free(where);
}

static void
test_files(void **state)
{
	char	*v = NULL, *cause = NULL, *p;

	(void)state;
	set_files();
	check_value(AWSFILES_CONFIG, NULL, "region", "eu-west-1");
	check_value(AWSFILES_CONFIG, "web", "region", "ap-south-1");
	check_value(AWSFILES_CONFIG, "empty", "region", "");
	check_value(AWSFILES_CONFIG, "nosuch", "region", NULL);
	check_value(AWSFILES_CONFIG, "broken", "region", NULL);
	check_value(AWSFILES_CONFIG, NULL, "s3", "");
	/* The credentials file names profiles bare; "#" needs a space. */
	check_value(AWSFILES_CREDENTIALS, "web", "aws_access_key_id",
	    "AKIDWEB");
	check_value(AWSFILES_CREDENTIALS, "web", "aws_secret_access_key",
	    "a#b;c");
	setenv("AWS_PROFILE", "web", 1);
	assert_string_equal(awsfiles_profile(), "web");
	check_value(AWSFILES_CREDENTIALS, NULL, "aws_access_key_id",
	    "AKIDWEB");
	unsetenv("AWS_PROFILE");
	check_value(AWSFILES_CREDENTIALS, NULL, "aws_access_key_id",
	    "AKIDDEFAULT");

	/* A missing file is no error; an unreadable one is. */
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	check_value(AWSFILES_CONFIG, NULL, "region", NULL);
	setenv("AWS_CONFIG_FILE", tmpdir, 1);	/* a directory */
	assert_int_equal(awsfiles_get(AWSFILES_CONFIG, NULL, "region", &v,
	    NULL, &cause), -1);
	assert_non_null(cause);
	free(cause);

	/* Without the variables, ~/.aws from HOME. */
	unsetenv("AWS_CONFIG_FILE");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	setenv("HOME", "/home/x", 1);
	p = awsfiles_path(AWSFILES_CONFIG);
	assert_string_equal(p, "/home/x/.aws/config");
	free(p);
	p = awsfiles_path(AWSFILES_CREDENTIALS);
	assert_string_equal(p, "/home/x/.aws/credentials");
	free(p);
	set_files();
}

/* Resolves with imds NULL; returns the Kinesis region (static buffer). */
static const char *
resolve(const char *key, const char *endpoint)
{
	static char		 out[64];
	struct config		 cfg;
	struct config_flow	 fc;
	char			*cause = NULL;

	memset(&cfg, 0, sizeof cfg);
	memset(&fc, 0, sizeof fc);
	fc.dest = CONFIG_DEST_KINESIS;
	cfg.flows = &fc;
	cfg.nflows = 1;
	cfg.path = (char *)"t.yaml";
	cfg.kinesis_region = key != NULL ? strdup(key) : NULL;
	cfg.kinesis_endpoint = (char *)endpoint;
	assert_int_equal(region_resolve(&cfg, NULL, &cause), 0);
	snprintf(out, sizeof out, "%s", cfg.kinesis_region != NULL ?
	    cfg.kinesis_region : "(none)");
	assert_null(cfg.firehose_region);	/* no Firehose flow */
	free(cfg.kinesis_region);
	return (out);
}

static void
test_region_order(void **state)
{
	(void)state;
	set_files();
	/* The key, then the endpoint's host, then the environment... */
	setenv("AWS_REGION", "us-west-2", 1);
	setenv("AWS_DEFAULT_REGION", "sa-east-1", 1);
	assert_string_equal(resolve("eu-north-1",
	    "https://kinesis.ap-south-1.amazonaws.com"), "eu-north-1");
	assert_string_equal(resolve(NULL,
	    "https://kinesis.ap-south-1.amazonaws.com"), "ap-south-1");
	assert_string_equal(resolve(NULL, "http://127.0.0.1:4567"),
	    "us-west-2");
	unsetenv("AWS_REGION");
	assert_string_equal(resolve(NULL, NULL), "sa-east-1");
	unsetenv("AWS_DEFAULT_REGION");
	/* ... then the profile's ... */
	assert_string_equal(resolve(NULL, NULL), "eu-west-1");
	setenv("AWS_PROFILE", "web", 1);
	assert_string_equal(resolve("", NULL), "ap-south-1");
	/* ... and with none (and no metadata asked), nothing: -n warns. */
	setenv("AWS_PROFILE", "empty", 1);
	assert_string_equal(resolve(NULL, NULL), "(none)");
	unsetenv("AWS_PROFILE");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_region_order),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
