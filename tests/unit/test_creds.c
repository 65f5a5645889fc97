/*
 * test_creds: the credential chain without the network: its order (config,
 * environment, profile), session tokens, the profile's static keys and
 * credential_process, the errors for a half-set source and for none at
 * all, the Expiration parser and the status description.  Credentials are
 * observed the way AWS sees them: by signing a request (creds_sign) and
 * reading the Authorization and X-Amz-Security-Token headers.  Every test
 * starts from an environment without AWS_* variables and a HOME of its
 * own, so the machine's ~/.aws is never read.
 *
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI names a path on the fixed host
 * 169.254.170.2, which a test on 127.0.0.1 cannot reach, and production
 * code has no switch to move it.  The AWS SDKs test it the same two ways
 * (the JavaScript SDK's @smithy/credential-provider-imds mocks the HTTP
 * request and checks its host and path; botocore and the Go SDK check the
 * URL built and serve the answer from a local server): here creds.c is
 * linked with -Wl,--wrap=fetch_request, a link-time seam, so that
 * __wrap_fetch_request records the URL creds asked for and sends the
 * request, unchanged but for that host, to a one-shot server on
 * 127.0.0.1 through the real fetch_request.  What is proven: the URL
 * joined from RELATIVE_URI (with or without its leading '/'), the
 * Authorization header from the token or the token file, the parse of
 * the answer, and the errors for a non-2xx, bad JSON and a missing field.
 * The fetch itself is the one _FULL_URI uses, which creds_remote.sh
 * tests end to end.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <poll.h>
#include <pthread.h>
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

#include "config.h"
#include "creds.h"
#include "fetch.h"
#include "httpd.h"
#include "sigv4.h"
#include "xmalloc.h"

/* struct config holds non-const strings. */
static char cfg_path[] = "/etc/sluice/sluice.yaml";
static char cfg_id[] = "AKIDCONFIG";
static char cfg_secret[] = "secretconfig";
static char cfg_token[] = "tokenconfig";
static char cfg_empty[] = "";
static char cfg_blank[] = " ";

static char home[] = "/tmp/test_creds.XXXXXX";

static const char *aws_vars[] = {
	"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY",
	"AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
	"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
	"AWS_ROLE_SESSION_NAME", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
};

static int
clear_env(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof aws_vars / sizeof aws_vars[0]; i++)
		unsetenv(aws_vars[i]);
	setenv("HOME", home, 1);
	return (0);
}

static void
write_file(const char *name, const char *text, int mode)
{
	char	*path;
	FILE	*f;

	xasprintf(&path, "%s/%s", home, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
	free(path);
}

/*
 * Signs a request with c, as the sender does; returns the access key id
 * of its Authorization header (the caller frees it) and the session
 * token sent (in *token, NULL if none), or NULL with *cause.
 */
static char *
sign_with(struct creds *c, char **token, char **cause)
{
	struct sigv4_call	 call;
	struct curl_slist	*h = NULL, *l;
	const char		*p;
	char			*key = NULL;

	memset(&call, 0, sizeof call);
	call.method = "POST";
	call.host = "kinesis.us-east-1.amazonaws.com";
	call.body = "{}";
	call.body_len = 2;
	call.region = "us-east-1";
	call.service = "kinesis";
	call.now = time(NULL);
	*token = NULL;
	if (creds_sign(c, &call, &h, cause) == -1)
		return (NULL);
	for (l = h; l != NULL; l = l->next) {
		if ((p = strstr(l->data, "Credential=")) != NULL)
			key = xstrndup(p + 11, strcspn(p + 11, "/"));
		if (strncmp(l->data, "X-Amz-Security-Token: ", 22) == 0)
			*token = xstrdup(l->data + 22);
	}
	sigv4_slist_free(h);
	assert_non_null(key);
	return (key);
}

/* Asserts that c signs with key and token (NULL: none). */
static void
assert_signs(struct creds *c, const char *key, const char *token)
{
	char	*k, *t, *cause = NULL;

	k = sign_with(c, &t, &cause);
	assert_null(cause);
	assert_string_equal(k, key);
	if (token == NULL)
		assert_null(t);
	else
		assert_string_equal(t, token);
	free(k);
	free(t);
}

static void
assert_describe(struct creds *c, const char *want)
{
	char	*d = creds_describe(c);

	if (strstr(d, want) == NULL)
		fail_msg("describe: \"%s\" lacks \"%s\"", d, want);
	free(d);
}

static void
test_config_wins(void **state)
{
	struct config	 cfg;
	struct creds	*c;
	char		*cause = NULL;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	cfg.path = cfg_path;
	cfg.aws_access_key_id = cfg_id;
	cfg.aws_secret_access_key = cfg_secret;
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	setenv("AWS_SESSION_TOKEN", "tokenenv", 1);

	c = creds_create(&cfg, &cause);
	assert_non_null(c);
	assert_null(cause);
	/* The environment's token belongs to the environment's keys. */
	assert_signs(c, "AKIDCONFIG", NULL);
	assert_describe(c, "config keys (/etc/sluice/sluice.yaml)");
	creds_free(c);

	/* awsSessionToken goes with the config's keys. */
	cfg.aws_session_token = cfg_token;
	c = creds_create(&cfg, &cause);
	assert_non_null(c);
	assert_signs(c, "AKIDCONFIG", "tokenconfig");
	creds_free(c);
}

static void
test_env_with_token(void **state)
{
	struct config	 cfg;
	struct creds	*c;
	char		*cause = NULL, *d;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	setenv("AWS_ACCESS_KEY_ID", " AKIDENV\n", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	setenv("AWS_SESSION_TOKEN", "tokenenv", 1);

	c = creds_create(&cfg, &cause);
	assert_non_null(c);
	/* The environment may change afterwards: values are copies. */
	setenv("AWS_ACCESS_KEY_ID", "changed", 1);
	assert_signs(c, "AKIDENV", "tokenenv");
	d = creds_describe(c);
	assert_string_equal(d, "environment (AWS_ACCESS_KEY_ID, "
	    "AWS_SESSION_TOKEN)");
	/* Never a secret in a description. */
	assert_null(strstr(d, "secretenv"));
	assert_null(strstr(d, "tokenenv"));
	free(d);
	creds_free(c);

	/* No config at all, the SDK's alternate names, an empty token. */
	clear_env(NULL);
	setenv("AWS_ACCESS_KEY", "AKIDALT", 1);
	setenv("AWS_SECRET_KEY", "secretalt", 1);
	setenv("AWS_SESSION_TOKEN", "", 1);
	c = creds_create(NULL, &cause);
	assert_non_null(c);
	assert_signs(c, "AKIDALT", NULL);
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

	/* Web identity needs both the token file and the role. */
	clear_env(NULL);
	setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/r", 1);
	cause = NULL;
	assert_null(creds_create(NULL, &cause));
	assert_string_equal(cause, "web identity: AWS_ROLE_ARN is set but "
	    "AWS_WEB_IDENTITY_TOKEN_FILE is not");
	free(cause);
}

static void
test_none(void **state)
{
	struct config	 cfg;
	struct creds	*c;
	char		*cause = NULL, *k, *t, *path;

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
	free(cause);
	creds_free(NULL);

	/* A daemon's creds exist without credentials, and say so. */
	c = creds_new(&cfg, NULL);
	cause = NULL;
	assert_int_equal(creds_load(c, &cause), -1);
	free(cause);
	assert_int_equal(creds_is_valid(c), 0);
	assert_describe(c, "none: no AWS credentials found");
	cause = NULL;
	assert_null(k = sign_with(c, &t, &cause));
	assert_non_null(strstr(cause, "no AWS credentials"));
	free(cause);

	/* Credentials that appear later are found by the next look. */
	xasprintf(&path, "%s/.aws", home);
	(void)mkdir(path, 0700);
	free(path);
	write_file(".aws/credentials", "[default]\naws_access_key_id = AKIDLATE\n"
	    "aws_secret_access_key = secretlate\n", 0600);
	assert_signs(c, "AKIDLATE", NULL);
	assert_int_equal(creds_is_valid(c), 1);
	creds_free(c);
	write_file(".aws/credentials", "", 0600);
}

/* The profile's static keys: the credentials file wins, AWS_PROFILE. */
static void
test_profile_static(void **state)
{
	struct creds	*c;
	char		*cause = NULL, *path;

	(void)state;
	write_file("creds.ini", "[default]\naws_access_key_id = AKIDDEF\n"
	    "aws_secret_access_key = secretdef\n\n[prod]\n"
	    "aws_access_key_id=AKIDPROD\naws_secret_access_key=secretprod\n"
	    "aws_session_token = tokenprod\n", 0600);
	write_file("config.ini", "[profile prod]\naws_access_key_id = "
	    "AKIDFROMCONFIG\nregion = eu-west-1\n[profile other]\n"
	    "aws_access_key_id = AKIDOTHER\naws_secret_access_key = so\n",
	    0600);
	xasprintf(&path, "%s/creds.ini", home);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	free(path);
	xasprintf(&path, "%s/config.ini", home);
	setenv("AWS_CONFIG_FILE", path, 1);
	free(path);

	assert_non_null(c = creds_create(NULL, &cause));
	assert_signs(c, "AKIDDEF", NULL);
	assert_describe(c, "profile default (static keys)");
	creds_free(c);

	setenv("AWS_PROFILE", "prod", 1);
	assert_non_null(c = creds_create(NULL, &cause));
	assert_signs(c, "AKIDPROD", "tokenprod");
	creds_free(c);

	/* A profile of the config file alone. */
	setenv("AWS_PROFILE", "other", 1);
	assert_non_null(c = creds_create(NULL, &cause));
	assert_signs(c, "AKIDOTHER", NULL);
	creds_free(c);

	/* The environment comes before the files. */
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	assert_non_null(c = creds_create(NULL, &cause));
	assert_signs(c, "AKIDENV", NULL);
	creds_free(c);
}

/* credential_process: Version 1 JSON through the shell, bounded. */
static void
test_profile_process(void **state)
{
	struct creds	*c;
	char		*cause = NULL, *cfgtext, *exp;
	char		 when[32];
	time_t		 t = time(NULL) + 2 * 3600 + 90;

	(void)state;
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	xasprintf(&exp, "{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
	    "\"SecretAccessKey\": \"secretproc\", \"SessionToken\": "
	    "\"tokenproc\", \"Expiration\": \"%s\"}\n", when);
	write_file("proc.json", exp, 0600);
	free(exp);
	/* Through sh: the quoting and the redirection are the shell's. */
	xasprintf(&cfgtext, "[default]\ncredential_process = cat "
	    "'%s/proc.json' 2>/dev/null\n", home);
	write_file("config", cfgtext, 0600);
	free(cfgtext);
	xasprintf(&cfgtext, "%s/config", home);
	setenv("AWS_CONFIG_FILE", cfgtext, 1);
	free(cfgtext);

	assert_non_null(c = creds_create(NULL, &cause));
	assert_signs(c, "AKIDPROC", "tokenproc");
	assert_describe(c, "profile default (credential_process), expires "
	    "in 2h01m");
	creds_free(c);

	/* A failing process is an error that never shows its output. */
	write_file("config", "[default]\ncredential_process = echo "
	    "'{\"Version\": 1, \"SecretAccessKey\": \"leaked\"}'; exit 3\n",
	    0600);
	cause = NULL;
	assert_null(creds_create(NULL, &cause));
	assert_string_equal(cause, "credential_process: exited with status 3");
	free(cause);

	/* Output without a key id, or not Version 1. */
	write_file("config", "[default]\ncredential_process = echo "
	    "'{\"Version\": 1, \"SecretAccessKey\": \"leaked\"}'\n", 0600);
	cause = NULL;
	assert_null(creds_create(NULL, &cause));
	assert_null(strstr(cause, "leaked"));
	assert_non_null(strstr(cause, "no AccessKeyId"));
	free(cause);
	write_file("config", "[default]\ncredential_process = echo "
	    "'{\"Version\": 2, \"AccessKeyId\": \"A\", "
	    "\"SecretAccessKey\": \"leaked\"}'\n", 0600);
	cause = NULL;
	assert_null(creds_create(NULL, &cause));
	assert_non_null(strstr(cause, "\"Version\": 1"));
	free(cause);
	write_file("config", "", 0600);
}

static void
test_parse_time(void **state)
{
	time_t	t;

	(void)state;
	assert_int_equal(creds_parse_time("2024-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 1704067200);
	assert_int_equal(creds_parse_time("2024-01-01T00:00:01.359Z", &t), 0);
	assert_int_equal(t, 1704067201);
	assert_int_equal(creds_parse_time("2024-01-01T00:00:00+00:00", &t),
	    0);
	assert_int_equal(creds_parse_time("2024-01-01T00:00:00+02:00", &t),
	    -1);
	assert_int_equal(creds_parse_time("2024-01-01", &t), -1);
	assert_int_equal(creds_parse_time("", &t), -1);
	assert_int_equal(creds_parse_time(NULL, &t), -1);
}

/* Only https, loopback and the ECS / EKS hosts are container endpoints. */
static void
test_container_uri(void **state)
{
	static const char *bad[] = {
		"http://example.com/creds", "http://10.0.0.1/creds",
		"ftp://127.0.0.1/creds", "not a url",
	};
	char	*cause;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", bad[i], 1);
		cause = NULL;
		assert_null(creds_create(NULL, &cause));
		if (strstr(cause, "AWS_CONTAINER_CREDENTIALS_FULL_URI") ==
		    NULL)
			fail_msg("%s: %s", bad[i], cause);
		free(cause);
	}
	/* Allowed, but nothing listens there: a fetch error, not a refusal. */
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/c",
	    1);
	cause = NULL;
	assert_null(creds_create(NULL, &cause));
	assert_non_null(strstr(cause, "container endpoint"));
	free(cause);
}

/* The seam: see the top of this file. */
#define ECS_BASE	"http://169.254.170.2"

int	 __real_fetch_request(const char *, const char *,
	    const struct curl_slist *, const char *, size_t,
	    const struct fetch_options *, struct fetch_response *, char **);
int	 __wrap_fetch_request(const char *, const char *,
	    const struct curl_slist *, const char *, size_t,
	    const struct fetch_options *, struct fetch_response *, char **);

/* The one-shot server, and what the seam and the server saw. */
static struct {
	unsigned int	 port;		/* 0: no redirection */
	int		 lfd;
	pthread_t	 thr;
	const char	*answer;	/* the whole HTTP response */
	char		*asked_url;	/* what creds asked for */
	char		*target;	/* the request line's target */
	char		*method;
	char		*authorization;	/* NULL if none */
} ecs;

int
__wrap_fetch_request(const char *method, const char *url,
    const struct curl_slist *headers, const char *body, size_t max,
    const struct fetch_options *o, struct fetch_response *r, char **cause)
{
	char	*local = NULL;
	int	 rv;

	if (ecs.port != 0 && strncmp(url, ECS_BASE "/",
	    strlen(ECS_BASE) + 1) == 0) {
		free(ecs.asked_url);
		ecs.asked_url = xstrdup(url);
		xasprintf(&local, "http://127.0.0.1:%u%s", ecs.port,
		    url + strlen(ECS_BASE));
		url = local;
	}
	rv = __real_fetch_request(method, url, headers, body, max, o, r,
	    cause);
	free(local);
	return (rv);
}

/* Serves one request with ecs.answer, recording its head. */
static void *
ecs_main(void *arg)
{
	struct httpd_req	 req;
	struct pollfd		 pfd;
	const char		*why;
	char			 in[8192];
	size_t			 len = 0, hl = 0;
	ssize_t			 n;
	int			 fd;

	(void)arg;
	pfd.fd = ecs.lfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 10000) != 1 ||
	    (fd = accept(ecs.lfd, NULL, NULL)) == -1)
		return (NULL);
	pfd.fd = fd;
	while (hl == 0 && len < sizeof in && poll(&pfd, 1, 10000) == 1) {
		if ((n = read(fd, in + len, sizeof in - len)) <= 0)
			break;
		len += (size_t)n;
		hl = httpd_head_len(in, len, sizeof in);
	}
	memset(&req, 0, sizeof req);
	if (hl > 0 && httpd_parse_head(&req, in, hl - 4, 65536, &why) == 0) {
		ecs.method = xstrdup(req.method);
		ecs.target = xstrdup(req.target);
		httpd_header_dup(&req, "Authorization", &ecs.authorization);
	}
	httpd_req_clear(&req);
	if (write(fd, ecs.answer, strlen(ecs.answer)) < 0)
		(void)0;
	close(fd);
	return (NULL);
}

static void
ecs_clear(void)
{
	free(ecs.asked_url);
	free(ecs.target);
	free(ecs.method);
	free(ecs.authorization);
	ecs.asked_url = ecs.target = ecs.method = ecs.authorization = NULL;
}

/* Starts the server for one request, answering with status and body. */
static void
ecs_start(const char *status, const char *body)
{
	static char	 answer[4096];

	ecs_clear();
	snprintf(answer, sizeof answer, "HTTP/1.1 %s\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\nConnection: "
	    "close\r\n\r\n%s", status, strlen(body), body);
	ecs.answer = answer;
	assert_true((ecs.lfd = httpd_listen(0, 0, &ecs.port)) != -1);
	assert_int_equal(pthread_create(&ecs.thr, NULL, ecs_main, NULL), 0);
}

static void
ecs_stop(void)
{
	pthread_join(ecs.thr, NULL);
	close(ecs.lfd);
	ecs.port = 0;
}

/*
 * Loads the chain with RELATIVE_URI rel against a server answering
 * status and body; returns the credentials, or NULL with *cause.
 */
static struct creds *
ecs_load(const char *rel, const char *status, const char *body,
    char **cause)
{
	struct creds	*c;

	setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", rel, 1);
	ecs_start(status, body);
	*cause = NULL;
	c = creds_create(NULL, cause);
	ecs_stop();
	return (c);
}

#define ECS_GOOD	"{\"RoleArn\":\"arn:aws:iam::123456789012:role/task\"," \
			"\"AccessKeyId\":\"ASIAECSREL0001\"," \
			"\"SecretAccessKey\":\"ecsSecret/0001\"," \
			"\"Token\":\"ecsToken0001\"," \
			"\"Expiration\":\"2099-01-01T00:00:00Z\"}"

/*
 * RELATIVE_URI: the URL joined to 169.254.170.2, the token header, the
 * answer's credentials, then each way the answer can be refused.
 */
static void
test_container_relative(void **state)
{
	struct creds	*c;
	char		*cause, *path;

	(void)state;
	/* With its leading '/' and the token from the environment. */
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic ecsauth0001", 1);
	c = ecs_load("/v2/credentials/0a1b-2c3d?x=1", "200 OK", ECS_GOOD,
	    &cause);
	if (c == NULL)
		fail_msg("%s", cause);
	assert_string_equal(ecs.asked_url,
	    ECS_BASE "/v2/credentials/0a1b-2c3d?x=1");
	assert_string_equal(ecs.method, "GET");
	assert_string_equal(ecs.target, "/v2/credentials/0a1b-2c3d?x=1");
	assert_non_null(ecs.authorization);
	assert_string_equal(ecs.authorization, "Basic ecsauth0001");
	assert_signs(c, "ASIAECSREL0001", "ecsToken0001");
	assert_describe(c, "container endpoint " ECS_BASE
	    "/v2/credentials/0a1b-2c3d?x=1");
	assert_describe(c, "expires in");
	creds_free(c);

	/* Without the '/', and the token file winning over the variable. */
	write_file("ecs-token", "ecsfiletoken0002\n", 0600);
	xasprintf(&path, "%s/ecs-token", home);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path, 1);
	free(path);
	c = ecs_load("v2/credentials/rel2", "200 OK", ECS_GOOD, &cause);
	if (c == NULL)
		fail_msg("%s", cause);
	assert_string_equal(ecs.asked_url, ECS_BASE "/v2/credentials/rel2");
	assert_string_equal(ecs.target, "/v2/credentials/rel2");
	assert_string_equal(ecs.authorization, "ecsfiletoken0002");
	creds_free(c);
	unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");

	/* No token: no Authorization header. */
	c = ecs_load("/v2/credentials/rel3", "200 OK", ECS_GOOD, &cause);
	assert_non_null(c);
	assert_null(ecs.authorization);
	creds_free(c);

	/* A non-2xx, with the endpoint's code and message. */
	assert_null(ecs_load("/v2/credentials/gone", "404 Not Found",
	    "{\"code\":\"NotFound\",\"message\":\"no such task\"}",
	    &cause));
	assert_string_equal(ecs.target, "/v2/credentials/gone");
	if (strstr(cause, ECS_BASE "/v2/credentials/gone: HTTP 404 NotFound: "
	    "no such task") == NULL)
		fail_msg("non-2xx: %s", cause);
	free(cause);

	/* Not JSON. */
	assert_null(ecs_load("/v2/credentials/bad", "200 OK", "<html>",
	    &cause));
	if (strstr(cause, "not a JSON object") == NULL)
		fail_msg("bad JSON: %s", cause);
	free(cause);

	/* A field missing, and a bad one. */
	assert_null(ecs_load("/v2/credentials/half", "200 OK",
	    "{\"AccessKeyId\":\"ASIAECSREL0001\",\"Token\":\"t\"}",
	    &cause));
	if (strstr(cause, "container endpoint: no AccessKeyId or "
	    "SecretAccessKey") == NULL)
		fail_msg("missing field: %s", cause);
	free(cause);
	assert_null(ecs_load("/v2/credentials/exp", "200 OK",
	    "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\","
	    "\"Expiration\":\"soon\"}", &cause));
	if (strstr(cause, "bad Expiration") == NULL)
		fail_msg("bad Expiration: %s", cause);
	free(cause);
	ecs_clear();
}

/*
 * What a refused signature does (creds_report): with static keys nothing
 * (an operator's error); with temporary keys, nothing until they were
 * refreshed once, then one refresh per access key, so that keys a
 * refresh brings back and AWS still refuses are not a refresh loop.
 */
static void
test_report(void **state)
{
	struct config	 cfg;
	struct creds	*c;
	char		*cause = NULL;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	cfg.aws_access_key_id = cfg_id;
	cfg.aws_secret_access_key = cfg_secret;
	c = creds_create(&cfg, &cause);
	assert_non_null(c);
	assert_int_equal(creds_report(c, "InvalidSignatureException", 0),
	    CREDS_KEEP);
	assert_int_equal(creds_report(c, "AccessDeniedException", 0),
	    CREDS_KEEP);
	assert_int_equal(creds_report(c, "ExpiredTokenException", 0),
	    CREDS_REFRESHING);
	/* Static keys, reloaded: still not refreshed on a bad signature. */
	assert_signs(c, "AKIDCONFIG", NULL);
	assert_int_equal(creds_report(c, "InvalidSignatureException", 0),
	    CREDS_KEEP);
	creds_free(c);

	/* Temporary keys from the container endpoint, never refreshed. */
	c = ecs_load("/v2/credentials/r", "200 OK", ECS_GOOD, &cause);
	assert_non_null(c);
	assert_int_equal(creds_report(c, "InvalidSignatureException", 0),
	    CREDS_KEEP);
	/* Refreshed (ExpiredToken makes the next signing reload). */
	assert_int_equal(creds_report(c, "ExpiredTokenException", 0),
	    CREDS_REFRESHING);
	ecs_start("200 OK", ECS_GOOD);
	assert_signs(c, "ASIAECSREL0001", "ecsToken0001");
	ecs_stop();
	assert_non_null(ecs.target);
	/* Refused, but signed before the refresh: retried, no refresh. */
	assert_int_equal(creds_report(c, "InvalidSignatureException", 1),
	    CREDS_REFRESHING);
	assert_int_equal(creds_generation(c), 2);
	/* Refused with the refreshed keys: one refresh, pending until done. */
	assert_int_equal(creds_report(c, "InvalidSignatureException", 0),
	    CREDS_REFRESHING);
	assert_int_equal(creds_report(c, "InvalidSignatureException", 0),
	    CREDS_REFRESHING);
	ecs_start("200 OK", ECS_GOOD);
	assert_signs(c, "ASIAECSREL0001", "ecsToken0001");
	ecs_stop();
	assert_non_null(ecs.target);
	/* The same key came back and is refused again: the operator's. */
	assert_int_equal(creds_report(c, "InvalidSignatureException", 0),
	    CREDS_KEEP);
	creds_free(c);
	ecs_clear();
}

static int
setup_group(void **state)
{
	(void)state;
	if (mkdtemp(home) == NULL)
		return (-1);
	return (0);
}

static int
teardown_group(void **state)
{
	char	*cmd;

	(void)state;
	xasprintf(&cmd, "rm -rf '%s'", home);
	if (system(cmd) != 0)
		return (-1);
	free(cmd);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_config_wins, clear_env),
		cmocka_unit_test_setup(test_env_with_token, clear_env),
		cmocka_unit_test_setup(test_only_one_key, clear_env),
		cmocka_unit_test_setup(test_none, clear_env),
		cmocka_unit_test_setup(test_profile_static, clear_env),
		cmocka_unit_test_setup(test_profile_process, clear_env),
		cmocka_unit_test_setup(test_parse_time, clear_env),
		cmocka_unit_test_setup(test_container_uri, clear_env),
		cmocka_unit_test_setup(test_container_relative, clear_env),
		cmocka_unit_test_setup(test_report, clear_env),
	};

	return (cmocka_run_group_tests(tests, setup_group, teardown_group));
}
