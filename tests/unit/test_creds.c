/*
 * test_creds: the order of the credential chain (config before the
 * environment), session tokens from the environment, and the errors for a
 * half-set key pair and for no credentials at all.  Every test starts from
 * an environment without AWS_* credential variables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "creds.h"
#include "sigv4.h"

/* struct config holds non-const strings. */
static char cfg_path[] = "/etc/sluice/sluice.yaml";
static char cfg_id[] = "AKIDCONFIG";
static char cfg_secret[] = "secretconfig";
static char cfg_empty[] = "";
static char cfg_blank[] = " ";

static const char *aws_vars[] = {
	"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY",
	"AWS_SECRET_KEY", "AWS_SESSION_TOKEN",
};

static int
clear_env(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof aws_vars / sizeof aws_vars[0]; i++)
		unsetenv(aws_vars[i]);
	return (0);
}

static void
test_config_wins(void **state)
{
	struct config			cfg;
	struct sigv4_credentials	sc;
	struct creds			*c;
	char				*cause = NULL;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	cfg.aws_access_key_id = cfg_id;
	cfg.aws_secret_access_key = cfg_secret;
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	setenv("AWS_SESSION_TOKEN", "tokenenv", 1);

	c = creds_create(&cfg, &cause);
	assert_non_null(c);
	assert_null(cause);
	assert_string_equal(creds_source(c), "config");
	assert_int_equal(creds_get(c, &sc), 0);
	assert_string_equal(sc.access_key_id, "AKIDCONFIG");
	assert_string_equal(sc.secret_access_key, "secretconfig");
	/* The environment's token belongs to the environment's keys. */
	assert_null(sc.session_token);
	creds_free(c);
}

static void
test_env_with_token(void **state)
{
	struct config			cfg;
	struct sigv4_credentials	sc;
	struct creds			*c;
	char				*cause = NULL;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	setenv("AWS_ACCESS_KEY_ID", " AKIDENV\n", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	setenv("AWS_SESSION_TOKEN", "tokenenv", 1);

	c = creds_create(&cfg, &cause);
	assert_non_null(c);
	assert_string_equal(creds_source(c), "environment");
	/* The environment may change afterwards: values are copies. */
	setenv("AWS_SECRET_ACCESS_KEY", "changed", 1);
	assert_int_equal(creds_get(c, &sc), 0);
	assert_string_equal(sc.access_key_id, "AKIDENV");
	assert_string_equal(sc.secret_access_key, "secretenv");
	assert_string_equal(sc.session_token, "tokenenv");
	creds_free(c);

	/* No config at all, the SDK's alternate names, an empty token. */
	clear_env(NULL);
	setenv("AWS_ACCESS_KEY", "AKIDALT", 1);
	setenv("AWS_SECRET_KEY", "secretalt", 1);
	setenv("AWS_SESSION_TOKEN", "", 1);
	c = creds_create(NULL, &cause);
	assert_non_null(c);
	assert_string_equal(creds_source(c), "environment");
	assert_int_equal(creds_get(c, &sc), 0);
	assert_string_equal(sc.access_key_id, "AKIDALT");
	assert_string_equal(sc.secret_access_key, "secretalt");
	assert_null(sc.session_token);
	creds_free(c);
}

static void
test_only_one_key(void **state)
{
	struct config	 cfg;
	struct creds	*c;
	char		*cause = NULL;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	cfg.path = cfg_path;
	cfg.aws_access_key_id = cfg_id;
	/* Valid environment credentials do not hide the config mistake. */
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	c = creds_create(&cfg, &cause);
	assert_null(c);
	assert_non_null(cause);
	assert_string_equal(cause, "/etc/sluice/sluice.yaml: awsAccessKeyId "
	    "is set but awsSecretAccessKey is not");
	free(cause);

	cfg.aws_access_key_id = NULL;
	cfg.aws_secret_access_key = cfg_secret;
	cause = NULL;
	assert_null(creds_create(&cfg, &cause));
	assert_string_equal(cause, "/etc/sluice/sluice.yaml: "
	    "awsSecretAccessKey is set but awsAccessKeyId is not");
	free(cause);

	/* The same in the environment. */
	clear_env(NULL);
	memset(&cfg, 0, sizeof cfg);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	cause = NULL;
	assert_null(creds_create(&cfg, &cause));
	assert_string_equal(cause, "environment: AWS_SECRET_ACCESS_KEY is "
	    "set but AWS_ACCESS_KEY_ID is not");
	free(cause);
}

static void
test_none(void **state)
{
	struct config	 cfg;
	char		*cause = NULL;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	/* Blank values count as unset. */
	cfg.aws_access_key_id = cfg_empty;
	cfg.aws_secret_access_key = cfg_blank;
	setenv("AWS_ACCESS_KEY_ID", "", 1);
	setenv("AWS_SESSION_TOKEN", "tokenenv", 1);
	assert_null(creds_create(&cfg, &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "no AWS credentials found"));
	assert_non_null(strstr(cause, "awsAccessKeyId"));
	assert_non_null(strstr(cause, "AWS_ACCESS_KEY_ID"));
	free(cause);
	creds_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_config_wins, clear_env),
		cmocka_unit_test_setup(test_env_with_token, clear_env),
		cmocka_unit_test_setup(test_only_one_key, clear_env),
		cmocka_unit_test_setup(test_none, clear_env),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
