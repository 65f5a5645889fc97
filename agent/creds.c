/*
 * creds: see creds.h.
 *
 * The chain is creds_providers[], a NULL-terminated table of
 * struct creds_provider_ops; creds_walk tries them in order and, with
 * assumeRoleARN, hands what it found to STS AssumeRole.  Each walk makes a
 * snapshot (struct creds_snap) that is never written again once
 * published: signers take a reference under c->lock and sign without it,
 * so the refresher can swap in the next snapshot at any time.
 *
 * References: "Standardized credential providers" in the AWS SDKs and
 * Tools Reference Guide (docs.aws.amazon.com/sdkref/latest/guide/
 * standardized-credentials.html): container provider (allowed hosts of
 * _FULL_URI, the token file), process provider (Version 1 JSON),
 * assume-role provider (source_profile, credential_source); "AssumeRole"
 * and "AssumeRoleWithWebIdentity" in the STS API Reference (Query API,
 * version 2011-06-15).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* timegm, pipe2 */
#endif

#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "awsfiles.h"
#include "awsreq.h"
#include "buf.h"
#include "config.h"
#include "creds.h"
#include "dest.h"
#include "fetch.h"
#include "imds.h"
#include "log.h"
#include "sigv4.h"
#include "xmalloc.h"

extern char **environ;

/* The Kinesis Agent's session name and duration for assumeRoleARN. */
#define CREDS_AGENT_SESSION	"AWSKinesisAgent"
#define CREDS_STS_VERSION	"2011-06-15"
#define CREDS_ECS_HOST		"http://169.254.170.2"
#define CREDS_HTTP_MAX		(64 * 1024)	/* STS, container answers */
#define CREDS_TOKEN_FILE_MAX	(16 * 1024)	/* web identity, container */
#define CREDS_PROCESS_MAX	(64 * 1024)	/* credential_process stdout */
#define CREDS_PROCESS_SECS	30
#define CREDS_STS_MS		10000L
#define CREDS_CONTAINER_MS	5000L
/* Reports wake the refresher at most this often. */
#define CREDS_REPORT_SECS	5
/* A profile's source_profile chain is at most this deep. */
#define CREDS_PROFILE_DEPTH	4

/* One walk's result; immutable once published. */
struct creds_snap {
	atomic_uint		 refs;
	struct creds_value	 v;
	char			*desc;		/* no secret in it */
	time_t			 fetched;
	unsigned int		 gen;		/* 1 for the first */
};

struct creds {
	const struct config	*cfg;		/* may be NULL */
	struct imds		*imds;		/* may be NULL */
	int			 v1_fallback;
	unsigned int		 retry_s;
	unsigned int		 period_s;

	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;
	pthread_t		 thread;
	atomic_int		 stop;

	/* Under lock. */
	int			 running;	/* the refresher runs */
	int			 started;	/* creds_start was called */
	int			 wake_now;
	int			 stale;		/* reload without a refresher */
	time_t			 last_report;
	/*
	 * The access key whose signatures AWS refused after a refresh, and
	 * whether the refresh that report asked for is still to come: a key
	 * gets one such refresh, so that keys AWS keeps refusing are an
	 * operator's error and not a refresh loop.
	 */
	char			*refused_key;
	int			 refused_pending;
	struct creds_snap	*snap;		/* NULL: none yet */
	char			*cause;		/* the last walk's failure */
	time_t			 last_attempt;
	unsigned int		 gen;

	/* The refresher's own (STYLE rule 23). */
	int			 none_logged;
	int			 refresh_failing;
	time_t			 last_summary;
	unsigned int		 failures;
};

/* What providers are given. */
struct creds_ctx {
	struct creds		*c;
	const struct config	*cfg;
};

struct creds_provider_ops {
	const char	*name;
	enum creds_result (*load)(struct creds_ctx *, struct creds_value *,
			    char **desc, char **cause);
};

static enum creds_result creds_config_load(struct creds_ctx *,
		    struct creds_value *, char **, char **);
static enum creds_result creds_env_load(struct creds_ctx *,
		    struct creds_value *, char **, char **);
static enum creds_result creds_webid_load(struct creds_ctx *,
		    struct creds_value *, char **, char **);
static enum creds_result creds_container_load(struct creds_ctx *,
		    struct creds_value *, char **, char **);
static enum creds_result creds_profile_load(struct creds_ctx *,
		    struct creds_value *, char **, char **);
static enum creds_result creds_imds_load(struct creds_ctx *,
		    struct creds_value *, char **, char **);

static const struct creds_provider_ops creds_config_ops = {
	"config", creds_config_load
};
static const struct creds_provider_ops creds_env_ops = {
	"environment", creds_env_load
};
static const struct creds_provider_ops creds_webid_ops = {
	"web identity", creds_webid_load
};
static const struct creds_provider_ops creds_container_ops = {
	"container", creds_container_load
};
static const struct creds_provider_ops creds_profile_ops = {
	"profile", creds_profile_load
};
static const struct creds_provider_ops creds_imds_ops = {
	"instance role", creds_imds_load
};

/* The chain, in the Kinesis Agent's order. */
static const struct creds_provider_ops *creds_providers[] = {
	&creds_config_ops,
	&creds_env_ops,
	&creds_webid_ops,
	&creds_container_ops,
	&creds_profile_ops,
	&creds_imds_ops,
	NULL
};

/* STS as a destination-like endpoint, for dest_endpoint_make. */
static const struct dest_ops creds_sts_ops = {
	.name = "STS",
	.service = "sts",
};

/* Helpers --------------------------------------------------------------- */

static int
creds_is_space(char c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

/*
 * Returns a trimmed copy of s, or NULL if s is NULL or only whitespace:
 * the SDK for Java trims these values too, and a stray newline from
 * "export X=$(cat file)" would otherwise break every signature.
 */
static char *
creds_trimmed(const char *s)
{
	size_t	len;

	if (s == NULL)
		return (NULL);
	while (creds_is_space(*s))
		s++;
	len = strlen(s);
	while (len > 0 && creds_is_space(s[len - 1]))
		len--;
	if (len == 0)
		return (NULL);
	return (xstrndup(s, len));
}

void
creds_wipe(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void
creds_value_clear(struct creds_value *v)
{
	free(v->access_key_id);
	creds_wipe(v->secret_access_key);
	creds_wipe(v->session_token);
	memset(v, 0, sizeof *v);
}

/* The SDK's primary name, else its alternate name. */
static char *
creds_getenv(const char *name, const char *alternate)
{
	char	*s;

	if ((s = creds_trimmed(getenv(name))) == NULL && alternate != NULL)
		s = creds_trimmed(getenv(alternate));
	return (s);
}

int
creds_parse_time(const char *s, time_t *t)
{
	struct tm	 tm;
	const char	*p;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || (p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return (-1);
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0 &&
	    strcmp(p, "+0000") != 0)
		return (-1);
	*t = timegm(&tm);
	return (*t == (time_t)-1 ? -1 : 0);
}

/*
 * Fills v from an access key id and a secret that are either both set or
 * both unset; origin names the pair in the messages.  Returns like load.
 */
static enum creds_result
creds_pair(const char *id, const char *secret, const char *token,
    const char *origin, const char *id_name, const char *secret_name,
    struct creds_value *v, char **cause)
{
	if (id == NULL && secret == NULL)
		return (CREDS_NONE);
	if (id == NULL || secret == NULL) {
		xasprintf(cause, "%s: %s is set but %s is not", origin,
		    id != NULL ? id_name : secret_name,
		    id != NULL ? secret_name : id_name);
		return (CREDS_ERROR);
	}
	if (strlen(id) > CREDS_MAX_LEN || strlen(secret) > CREDS_MAX_LEN ||
	    (token != NULL && strlen(token) > CREDS_MAX_LEN)) {
		xasprintf(cause, "%s: credentials longer than %d bytes",
		    origin, CREDS_MAX_LEN);
		return (CREDS_ERROR);
	}
	v->access_key_id = xstrdup(id);
	v->secret_access_key = xstrdup(secret);
	v->session_token = token != NULL ? xstrdup(token) : NULL;
	v->expiration = 0;
	return (CREDS_FOUND);
}

/*
 * Reads a small token file (web identity, container authorization),
 * trimmed.  Returns it (the caller wipes it), or NULL with *cause.
 */
static char *
creds_read_token_file(const char *path, char **cause)
{
	struct buf	 b;
	char		 chunk[4096], *s;
	size_t		 n;
	FILE		*f;

	if ((f = fopen(path, "re")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	buf_init(&b, CREDS_TOKEN_FILE_MAX);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_add(&b, chunk, n) == -1)
			break;
	OPENSSL_cleanse(chunk, sizeof chunk);
	if (ferror(f) || buf_has_failed(&b)) {
		xasprintf(cause, "%s: %s", path, ferror(f) ? strerror(errno) :
		    "longer than 16 KiB");
		fclose(f);
		if (b.data != NULL)
			OPENSSL_cleanse(b.data, b.cap);
		buf_free(&b);
		return (NULL);
	}
	fclose(f);
	s = creds_trimmed(buf_cstr(&b));
	if (b.data != NULL)
		OPENSSL_cleanse(b.data, b.cap);
	buf_free(&b);
	if (s == NULL)
		xasprintf(cause, "%s: empty", path);
	return (s);
}

/*
 * Fills v from a JSON object with the given member names (container
 * endpoint, credential_process, IMDS use different ones).  Returns like
 * load; origin names the source in messages.
 */
static enum creds_result
creds_from_json(const json_t *doc, const char *token_name, int need_exp,
    const char *origin, struct creds_value *v, char **cause)
{
	const char	*id, *secret, *token, *exp;

	id = json_string_value(json_object_get(doc, "AccessKeyId"));
	secret = json_string_value(json_object_get(doc, "SecretAccessKey"));
	token = json_string_value(json_object_get(doc, token_name));
	exp = json_string_value(json_object_get(doc, "Expiration"));
	if (id == NULL || secret == NULL || *id == '\0' || *secret == '\0') {
		xasprintf(cause, "%s: no AccessKeyId or SecretAccessKey",
		    origin);
		return (CREDS_ERROR);
	}
	if (token != NULL && *token == '\0')
		token = NULL;
	if (creds_pair(id, secret, token, origin, "AccessKeyId",
	    "SecretAccessKey", v, cause) != CREDS_FOUND)
		return (CREDS_ERROR);
	if (exp != NULL && creds_parse_time(exp, &v->expiration) == -1) {
		xasprintf(cause, "%s: bad Expiration \"%.64s\"", origin, exp);
		creds_value_clear(v);
		return (CREDS_ERROR);
	}
	if (exp == NULL && need_exp) {
		xasprintf(cause, "%s: no Expiration", origin);
		creds_value_clear(v);
		return (CREDS_ERROR);
	}
	return (CREDS_FOUND);
}

/* STS ------------------------------------------------------------------- */

/*
 * The STS endpoint: sts.endpoint, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL,
 * else the regional one of sts.region, else the destinations' region.
 */
static int
creds_sts_endpoint(const struct config *cfg, struct dest_endpoint *ep,
    char **cause)
{
	const char	*url = NULL, *region = NULL;
	char		*envurl = NULL;
	int		 rv;

	if (cfg != NULL && cfg->sts_endpoint != NULL)
		url = cfg->sts_endpoint;
	else if ((envurl = creds_getenv("AWS_ENDPOINT_URL_STS",
	    "AWS_ENDPOINT_URL")) != NULL)
		url = envurl;
	if (cfg != NULL) {
		if ((region = cfg->sts_region) == NULL &&
		    (region = cfg->kinesis_region) == NULL)
			region = cfg->firehose_region;
	}
	if (region == NULL)
		region = getenv("AWS_REGION");
	if (region == NULL || *region == '\0')
		region = getenv("AWS_DEFAULT_REGION");
	rv = dest_endpoint_make(ep, &creds_sts_ops, url, region, cause);
	free(envurl);
	return (rv);
}

/*
 * Calls STS with form (Action=...), signed with signer unless it is NULL
 * (AssumeRoleWithWebIdentity is unsigned).  Returns like load; origin
 * names the call in messages.
 */
static enum creds_result
creds_sts_call(struct creds_ctx *x, const char *form,
    const struct sigv4_credentials *signer, const char *origin,
    struct creds_value *v, char **cause)
{
	struct dest_endpoint	 ep;
	struct fetch_options	 o;
	struct fetch_response	 r;
	struct awsreq		 ar;
	struct curl_slist	*h = NULL;
	const char		*body;
	char			*code = NULL, *msg = NULL, *exp = NULL;
	char			*ecause = NULL;
	enum creds_result	 rc = CREDS_ERROR;

	memset(&r, 0, sizeof r);
	if (creds_sts_endpoint(x->cfg, &ep, &ecause) == -1) {
		xasprintf(cause, "%s: STS endpoint: %s", origin, ecause);
		free(ecause);
		return (CREDS_ERROR);
	}
	if (signer != NULL) {
		awsreq_init(&ar, &ep, "sts", NULL, AWSREQ_FORM_TYPE, form,
		    strlen(form), time(NULL));
		if (sigv4_sign(&ar.call, signer, &h) == -1) {
			xasprintf(cause, "%s: cannot sign the STS request",
			    origin);
			goto out;
		}
	} else
		h = curl_slist_append(h, "Content-Type: " AWSREQ_FORM_TYPE);
	h = curl_slist_append(h, "Accept: text/xml");
	h = curl_slist_append(h, "Expect:");
	memset(&o, 0, sizeof o);
	o.connect_ms = CREDS_STS_MS;
	o.total_ms = CREDS_STS_MS;
	o.ca_file = x->cfg != NULL && x->cfg->ca_file != NULL ?
	    x->cfg->ca_file : getenv("AWS_CA_BUNDLE");
	if (o.ca_file != NULL && *o.ca_file == '\0')
		o.ca_file = NULL;
	o.stop = &x->c->stop;
	if (fetch_request("POST", ep.url, h, form, CREDS_HTTP_MAX, &o, &r,
	    &ecause) == -1) {
		xasprintf(cause, "%s: %s", origin, ecause);
		free(ecause);
		goto out;
	}
	body = buf_cstr(&r.body);
	if (r.status != 200) {
		code = awsreq_xml_text(body, r.body.len, "Code");
		msg = awsreq_xml_text(body, r.body.len, "Message");
		xasprintf(cause, "%s: %s: HTTP %ld %.64s%s%.200s", origin,
		    ep.url, r.status, code != NULL ? code : "",
		    msg != NULL ? ": " : "", msg != NULL ? msg : "");
		goto out;
	}
	v->access_key_id = awsreq_xml_text(body, r.body.len, "AccessKeyId");
	v->secret_access_key = awsreq_xml_text(body, r.body.len,
	    "SecretAccessKey");
	v->session_token = awsreq_xml_text(body, r.body.len, "SessionToken");
	exp = awsreq_xml_text(body, r.body.len, "Expiration");
	if (v->access_key_id == NULL || v->secret_access_key == NULL ||
	    v->session_token == NULL || *v->access_key_id == '\0' ||
	    *v->secret_access_key == '\0' || exp == NULL ||
	    creds_parse_time(exp, &v->expiration) == -1) {
		xasprintf(cause, "%s: %s: no usable Credentials in the answer",
		    origin, ep.url);
		creds_value_clear(v);
		goto out;
	}
	rc = CREDS_FOUND;
out:
	free(exp);
	free(code);
	free(msg);
	fetch_response_clear(&r);
	sigv4_slist_free(h);
	dest_endpoint_clear(&ep);
	return (rc);
}

/* STS AssumeRole with the credentials in base; v gets the role's. */
static enum creds_result
creds_assume_role(struct creds_ctx *x, const struct creds_value *base,
    const char *role_arn, const char *session, const char *external_id,
    struct creds_value *v, char **cause)
{
	struct sigv4_credentials signer;
	struct buf		 form;
	char			*body, *origin;
	enum creds_result	 rc;

	buf_init(&form, 64 * 1024);
	awsreq_form_add(&form, "Action", "AssumeRole");
	awsreq_form_add(&form, "Version", CREDS_STS_VERSION);
	awsreq_form_add(&form, "RoleArn", role_arn);
	awsreq_form_add(&form, "RoleSessionName", session);
	if (external_id != NULL)
		awsreq_form_add(&form, "ExternalId", external_id);
	awsreq_form_add(&form, "DurationSeconds", "3600");
	if (buf_has_failed(&form)) {
		buf_free(&form);
		xasprintf(cause, "AssumeRole %.200s: arguments too long",
		    role_arn);
		return (CREDS_ERROR);
	}
	body = buf_take(&form);
	signer.access_key_id = base->access_key_id;
	signer.secret_access_key = base->secret_access_key;
	signer.session_token = base->session_token;
	xasprintf(&origin, "AssumeRole %.200s", role_arn);
	rc = creds_sts_call(x, body, &signer, origin, v, cause);
	free(origin);
	free(body);
	return (rc);
}

/* Providers ------------------------------------------------------------- */

static enum creds_result
creds_config_load(struct creds_ctx *x, struct creds_value *v, char **desc,
    char **cause)
{
	const struct config	*cfg = x->cfg;
	char			*id, *secret, *token;
	enum creds_result	 rc;

	if (cfg == NULL)
		return (CREDS_NONE);
	id = creds_trimmed(cfg->aws_access_key_id);
	secret = creds_trimmed(cfg->aws_secret_access_key);
	token = creds_trimmed(cfg->aws_session_token);
	rc = creds_pair(id, secret, token, cfg->path != NULL ? cfg->path :
	    "config", "awsAccessKeyId", "awsSecretAccessKey", v, cause);
	if (rc == CREDS_FOUND)
		xasprintf(desc, "config keys (%s)", cfg->path != NULL ?
		    cfg->path : "config");
	creds_wipe(token);
	creds_wipe(secret);
	free(id);
	return (rc);
}

static enum creds_result
creds_env_load(struct creds_ctx *x, struct creds_value *v, char **desc,
    char **cause)
{
	char			*id, *secret, *token;
	enum creds_result	 rc;

	(void)x;
	id = creds_getenv("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY");
	secret = creds_getenv("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY");
	token = creds_getenv("AWS_SESSION_TOKEN", NULL);
	rc = creds_pair(id, secret, token, "environment",
	    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", v, cause);
	if (rc == CREDS_FOUND)
		xasprintf(desc, "environment (AWS_ACCESS_KEY_ID%s)",
		    token != NULL ? ", AWS_SESSION_TOKEN" : "");
	creds_wipe(token);
	creds_wipe(secret);
	free(id);
	return (rc);
}

/*
 * AssumeRoleWithWebIdentity with the token in file: the web identity
 * provider's, and a profile's web_identity_token_file.
 */
static enum creds_result
creds_webid(struct creds_ctx *x, const char *file, const char *role_arn,
    const char *session, struct creds_value *v, char **cause)
{
	struct buf		 form;
	char			*token, *body, *origin, *dflt = NULL;
	enum creds_result	 rc;

	if ((token = creds_read_token_file(file, cause)) == NULL) {
		char	*c0 = *cause;

		xasprintf(cause, "web identity token: %s", c0);
		free(c0);
		return (CREDS_ERROR);
	}
	if (session == NULL) {
		xasprintf(&dflt, "sluice-%lld", (long long)time(NULL));
		session = dflt;
	}
	buf_init(&form, 64 * 1024);
	awsreq_form_add(&form, "Action", "AssumeRoleWithWebIdentity");
	awsreq_form_add(&form, "Version", CREDS_STS_VERSION);
	awsreq_form_add(&form, "RoleArn", role_arn);
	awsreq_form_add(&form, "RoleSessionName", session);
	awsreq_form_add(&form, "WebIdentityToken", token);
	creds_wipe(token);
	free(dflt);
	if (buf_has_failed(&form)) {
		OPENSSL_cleanse(form.data, form.cap);
		buf_free(&form);
		xasprintf(cause, "AssumeRoleWithWebIdentity: token too long");
		return (CREDS_ERROR);
	}
	body = buf_take(&form);
	xasprintf(&origin, "AssumeRoleWithWebIdentity %.200s", role_arn);
	rc = creds_sts_call(x, body, NULL, origin, v, cause);
	free(origin);
	creds_wipe(body);
	return (rc);
}

static enum creds_result
creds_webid_load(struct creds_ctx *x, struct creds_value *v, char **desc,
    char **cause)
{
	char			*file, *role, *session;
	enum creds_result	 rc;

	file = creds_getenv("AWS_WEB_IDENTITY_TOKEN_FILE", NULL);
	role = creds_getenv("AWS_ROLE_ARN", NULL);
	session = creds_getenv("AWS_ROLE_SESSION_NAME", NULL);
	if (file == NULL && role == NULL)
		rc = CREDS_NONE;
	else if (file == NULL || role == NULL) {
		xasprintf(cause, "web identity: %s is set but %s is not",
		    file != NULL ? "AWS_WEB_IDENTITY_TOKEN_FILE" :
		    "AWS_ROLE_ARN", file != NULL ? "AWS_ROLE_ARN" :
		    "AWS_WEB_IDENTITY_TOKEN_FILE");
		rc = CREDS_ERROR;
	} else if ((rc = creds_webid(x, file, role, session, v, cause)) ==
	    CREDS_FOUND)
		xasprintf(desc, "web identity role %s "
		    "(AssumeRoleWithWebIdentity)", role);
	free(session);
	free(role);
	free(file);
	return (rc);
}

/*
 * Whether an http _FULL_URI host may be used: loopback, and the ECS and
 * EKS Pod Identity addresses, as the SDKs allow (https is always allowed).
 */
static int
creds_container_host_ok(const char *host)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;
	char		 h[64];
	size_t		 n = strlen(host);

	if (n > 0 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof h) {
		memcpy(h, host + 1, n - 2);
		h[n - 2] = '\0';
		host = h;
	}
	if (strcasecmp(host, "localhost") == 0 ||
	    strcmp(host, "169.254.170.2") == 0 ||
	    strcmp(host, "169.254.170.23") == 0)
		return (1);
	if (inet_pton(AF_INET, host, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, host, &a6) == 1) {
		struct in6_addr	eks;

		inet_pton(AF_INET6, "fd00:ec2::23", &eks);
		return (IN6_IS_ADDR_LOOPBACK(&a6) ||
		    memcmp(&a6, &eks, sizeof eks) == 0);
	}
	return (0);
}

/* Checks a _FULL_URI: returns 0, or -1 with *cause. */
static int
creds_container_check(const char *url, char **cause)
{
	CURLU	*u;
	char	*scheme = NULL, *host = NULL;
	int	 rv = -1;

	if ((u = curl_url()) == NULL)
		fatalx("creds: curl_url");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		xasprintf(cause, "AWS_CONTAINER_CREDENTIALS_FULL_URI %.200s: "
		    "not a URL", url);
		goto out;
	}
	if (strcmp(scheme, "https") == 0 || (strcmp(scheme, "http") == 0 &&
	    creds_container_host_ok(host)))
		rv = 0;
	else
		xasprintf(cause, "AWS_CONTAINER_CREDENTIALS_FULL_URI %.200s: "
		    "http is allowed only to a loopback address, "
		    "169.254.170.2, 169.254.170.23 or fd00:ec2::23", url);
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return (rv);
}

/* GETs the container endpoint url; v gets its credentials. */
static enum creds_result
creds_container_fetch(struct creds_ctx *x, const char *url,
    struct creds_value *v, char **cause)
{
	struct fetch_options	 o;
	struct fetch_response	 r;
	struct curl_slist	*h = NULL;
	json_t			*doc = NULL;
	json_error_t		 jerr;
	char			*file, *token = NULL, *line, *ecause = NULL;
	const char		*code, *msg;
	enum creds_result	 rc = CREDS_ERROR;

	memset(&r, 0, sizeof r);
	/* The file wins, and is read each time: EKS rotates it. */
	if ((file = creds_getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	    NULL)) != NULL) {
		if ((token = creds_read_token_file(file, &ecause)) == NULL) {
			xasprintf(cause, "container authorization token: %s",
			    ecause);
			free(ecause);
			free(file);
			return (CREDS_ERROR);
		}
		free(file);
	} else
		token = creds_getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN",
		    NULL);
	if (token != NULL) {
		if (strpbrk(token, "\r\n") != NULL) {
			*cause = xstrdup("container authorization token: "
			    "holds a line break");
			creds_wipe(token);
			return (CREDS_ERROR);
		}
		xasprintf(&line, "Authorization: %s", token);
		h = curl_slist_append(h, line);
		creds_wipe(line);
		creds_wipe(token);
	}
	h = curl_slist_append(h, "Accept: application/json");
	memset(&o, 0, sizeof o);
	o.connect_ms = CREDS_CONTAINER_MS;
	o.total_ms = CREDS_CONTAINER_MS;
	o.no_proxy = 1;
	o.stop = &x->c->stop;
	if (fetch_request("GET", url, h, NULL, CREDS_HTTP_MAX, &o, &r,
	    &ecause) == -1) {
		xasprintf(cause, "container endpoint: %s", ecause);
		free(ecause);
		goto out;
	}
	doc = json_loads(buf_cstr(&r.body), 0, &jerr);
	if (r.status != 200) {
		code = json_string_value(json_object_get(doc, "code"));
		msg = json_string_value(json_object_get(doc, "message"));
		xasprintf(cause, "container endpoint %.200s: HTTP %ld%s%.64s"
		    "%s%.200s", url, r.status, code != NULL ? " " : "",
		    code != NULL ? code : "", msg != NULL ? ": " : "",
		    msg != NULL ? msg : "");
		goto out;
	}
	if (doc == NULL || !json_is_object(doc)) {
		xasprintf(cause, "container endpoint %.200s: not a JSON object",
		    url);
		goto out;
	}
	rc = creds_from_json(doc, "Token", 0, "container endpoint", v, cause);
out:
	json_decref(doc);
	fetch_response_clear(&r);
	sigv4_slist_free(h);
	return (rc);
}

static enum creds_result
creds_container_load(struct creds_ctx *x, struct creds_value *v,
    char **desc, char **cause)
{
	char			*rel, *full, *url = NULL;
	enum creds_result	 rc = CREDS_ERROR;

	rel = creds_getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", NULL);
	full = creds_getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", NULL);
	if (rel != NULL)
		xasprintf(&url, "%s%s%s", CREDS_ECS_HOST, *rel == '/' ? "" :
		    "/", rel);
	else if (full != NULL) {
		if (creds_container_check(full, cause) == -1)
			goto out;
		url = xstrdup(full);
	} else {
		rc = CREDS_NONE;
		goto out;
	}
	if ((rc = creds_container_fetch(x, url, v, cause)) == CREDS_FOUND)
		xasprintf(desc, "container endpoint %s", url);
out:
	free(url);
	free(full);
	free(rel);
	return (rc);
}

/*
 * Runs cmd through /bin/sh, as the SDKs do, with stdout captured (at most
 * CREDS_PROCESS_MAX bytes, CREDS_PROCESS_SECS seconds) and stderr left to
 * ours.  Returns the output (the caller wipes it), or NULL with *cause.
 */
static char *
creds_run_process(struct creds_ctx *x, const char *cmd, char **cause)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 sa;
	sigset_t			 none, all;
	struct pollfd			 pfd;
	struct buf			 out;
	time_t				 deadline;
	pid_t				 pid;
	ssize_t				 n;
	char				 chunk[4096], *argv[4], *s = NULL;
	int				 fds[2], status, err, done = 0;

	if (pipe2(fds, O_CLOEXEC) == -1) {
		xasprintf(cause, "credential_process: pipe: %s",
		    strerror(errno));
		return (NULL);
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
	    O_RDONLY, 0);
	posix_spawnattr_init(&sa);
	/* The daemon blocks its signals and ignores SIGPIPE: not the child. */
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&sa, &none);
	posix_spawnattr_setsigdefault(&sa, &all);
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF);
	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)cmd;
	argv[3] = NULL;
	err = posix_spawn(&pid, "/bin/sh", &fa, &sa, argv, environ);
	posix_spawnattr_destroy(&sa);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (err != 0) {
		xasprintf(cause, "credential_process: /bin/sh: %s",
		    strerror(err));
		close(fds[0]);
		return (NULL);
	}

	buf_init(&out, CREDS_PROCESS_MAX);
	deadline = time(NULL) + CREDS_PROCESS_SECS;
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (!done) {
		if (atomic_load(&x->c->stop) || time(NULL) >= deadline) {
			xasprintf(cause, "credential_process: %s",
			    atomic_load(&x->c->stop) ? "stopped" :
			    "no answer within 30 s");
			break;
		}
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		if ((n = read(fds[0], chunk, sizeof chunk)) < 0) {
			if (errno == EINTR)
				continue;
			xasprintf(cause, "credential_process: read: %s",
			    strerror(errno));
			break;
		}
		if (n == 0)
			done = 1;
		else if (buf_add(&out, chunk, (size_t)n) == -1) {
			xasprintf(cause, "credential_process: output longer "
			    "than %d bytes", CREDS_PROCESS_MAX);
			break;
		}
	}
	OPENSSL_cleanse(chunk, sizeof chunk);
	close(fds[0]);
	if (!done)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (done) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			s = xstrdup(buf_cstr(&out));
		else if (WIFEXITED(status))
			xasprintf(cause, "credential_process: exited with "
			    "status %d", WEXITSTATUS(status));
		else
			xasprintf(cause, "credential_process: killed by "
			    "signal %d", WIFSIGNALED(status) ?
			    WTERMSIG(status) : 0);
	}
	if (out.data != NULL)
		OPENSSL_cleanse(out.data, out.cap);
	buf_free(&out);
	return (s);
}

static enum creds_result
creds_process(struct creds_ctx *x, const char *cmd, struct creds_value *v,
    char **cause)
{
	json_t			*doc;
	json_error_t		 jerr;
	char			*outp;
	enum creds_result	 rc;

	if ((outp = creds_run_process(x, cmd, cause)) == NULL)
		return (CREDS_ERROR);
	doc = json_loads(outp, 0, &jerr);
	creds_wipe(outp);
	if (doc == NULL || !json_is_object(doc)) {
		/* jerr.text could quote the output: not shown. */
		*cause = xstrdup("credential_process: output is not a JSON "
		    "object");
		json_decref(doc);
		return (CREDS_ERROR);
	}
	if (json_integer_value(json_object_get(doc, "Version")) != 1) {
		*cause = xstrdup("credential_process: output has no "
		    "\"Version\": 1");
		json_decref(doc);
		return (CREDS_ERROR);
	}
	rc = creds_from_json(doc, "SessionToken", 0, "credential_process", v,
	    cause);
	json_decref(doc);
	return (rc);
}

/*
 * A profile's setting: the credentials file's, else the config file's, as
 * the SDKs merge them.  Returns like awsfiles_get.
 */
static int
creds_profile_get(const char *profile, const char *key, char **value,
    char **cause)
{
	int	rv;

	rv = awsfiles_get(AWSFILES_CREDENTIALS, profile, key, value, NULL,
	    cause);
	if (rv != 0)
		return (rv);
	return (awsfiles_get(AWSFILES_CONFIG, profile, key, value, NULL,
	    cause));
}

static enum creds_result creds_profile(struct creds_ctx *, const char *,
		    int, struct creds_value *, char **, char **);

/* role_arn in profile: the source's credentials, then AssumeRole. */
static enum creds_result
creds_profile_role(struct creds_ctx *x, const char *profile, int depth,
    const char *role_arn, struct creds_value *v, char **desc, char **cause)
{
	struct creds_value	 base;
	char			*src = NULL, *csrc = NULL, *ext = NULL;
	char			*session = NULL, *wfile = NULL, *bdesc = NULL;
	enum creds_result	 rc = CREDS_ERROR;

	memset(&base, 0, sizeof base);
	if (creds_profile_get(profile, "source_profile", &src, cause) == -1 ||
	    creds_profile_get(profile, "credential_source", &csrc,
	    cause) == -1 ||
	    creds_profile_get(profile, "external_id", &ext, cause) == -1 ||
	    creds_profile_get(profile, "role_session_name", &session,
	    cause) == -1 ||
	    creds_profile_get(profile, "web_identity_token_file", &wfile,
	    cause) == -1)
		goto out;
	if (wfile != NULL) {
		if ((rc = creds_webid(x, wfile, role_arn, session, v,
		    cause)) == CREDS_FOUND)
			xasprintf(desc, "profile %s: web identity role %s",
			    profile, role_arn);
		goto out;
	}
	if (src != NULL && depth >= CREDS_PROFILE_DEPTH) {
		xasprintf(cause, "profile %s: source_profile chain deeper "
		    "than %d", profile, CREDS_PROFILE_DEPTH);
		goto out;
	}
	if (src != NULL && strcmp(src, profile) != 0)
		rc = creds_profile(x, src, depth + 1, &base, &bdesc, cause);
	else if (src != NULL) {
		/* A profile that is its own source uses its static keys. */
		char	*id = NULL, *sec = NULL, *tok = NULL;

		if (creds_profile_get(src, "aws_access_key_id", &id,
		    cause) == -1 || creds_profile_get(src,
		    "aws_secret_access_key", &sec, cause) == -1 ||
		    creds_profile_get(src, "aws_session_token", &tok,
		    cause) == -1)
			rc = CREDS_ERROR;
		else
			rc = creds_pair(id, sec, tok, profile,
			    "aws_access_key_id", "aws_secret_access_key",
			    &base, cause);
		free(id);
		creds_wipe(sec);
		creds_wipe(tok);
	} else if (csrc != NULL) {
		if (strcmp(csrc, "Environment") == 0)
			rc = creds_env_load(x, &base, &bdesc, cause);
		else if (strcmp(csrc, "Ec2InstanceMetadata") == 0)
			rc = creds_imds_load(x, &base, &bdesc, cause);
		else if (strcmp(csrc, "EcsContainer") == 0)
			rc = creds_container_load(x, &base, &bdesc, cause);
		else {
			xasprintf(cause, "profile %s: unknown "
			    "credential_source %.64s", profile, csrc);
			goto out;
		}
	} else {
		xasprintf(cause, "profile %s: role_arn without "
		    "source_profile or credential_source", profile);
		goto out;
	}
	if (rc == CREDS_NONE) {
		if (*cause == NULL)
			xasprintf(cause, "profile %s: its source (%s) has no "
			    "credentials", profile, src != NULL ? src : csrc);
		rc = CREDS_ERROR;
	}
	if (rc != CREDS_FOUND)
		goto out;
	if ((rc = creds_assume_role(x, &base, role_arn, session != NULL ?
	    session : "sluice", ext, v, cause)) == CREDS_FOUND)
		xasprintf(desc, "profile %s: role %s via %s", profile,
		    role_arn, bdesc != NULL ? bdesc : src);
out:
	creds_value_clear(&base);
	free(bdesc);
	free(wfile);
	free(session);
	free(ext);
	free(csrc);
	free(src);
	return (rc);
}

/*
 * One profile: static keys, else credential_process, else role_arn.
 * depth counts source_profile hops.
 */
static enum creds_result
creds_profile(struct creds_ctx *x, const char *profile, int depth,
    struct creds_value *v, char **desc, char **cause)
{
	char			*id = NULL, *sec = NULL, *tok = NULL;
	char			*proc = NULL, *role = NULL, *origin = NULL;
	enum creds_result	 rc = CREDS_ERROR;

	if (creds_profile_get(profile, "aws_access_key_id", &id,
	    cause) == -1 || creds_profile_get(profile,
	    "aws_secret_access_key", &sec, cause) == -1 ||
	    creds_profile_get(profile, "aws_session_token", &tok,
	    cause) == -1 ||
	    creds_profile_get(profile, "credential_process", &proc,
	    cause) == -1 ||
	    creds_profile_get(profile, "role_arn", &role, cause) == -1)
		goto out;
	/* role_arn wins over the profile's own keys, as in the SDKs. */
	if (role != NULL) {
		rc = creds_profile_role(x, profile, depth, role, v, desc,
		    cause);
		goto out;
	}
	xasprintf(&origin, "profile %s", profile);
	if ((rc = creds_pair(id, sec, tok, origin, "aws_access_key_id",
	    "aws_secret_access_key", v, cause)) != CREDS_NONE) {
		if (rc == CREDS_FOUND)
			xasprintf(desc, "profile %s (static keys)", profile);
		goto out;
	}
	if (proc != NULL) {
		if ((rc = creds_process(x, proc, v, cause)) == CREDS_FOUND)
			xasprintf(desc, "profile %s (credential_process)",
			    profile);
		goto out;
	}
	rc = CREDS_NONE;
out:
	free(origin);
	free(role);
	free(proc);
	free(id);
	creds_wipe(sec);
	creds_wipe(tok);
	return (rc);
}

static enum creds_result
creds_profile_load(struct creds_ctx *x, struct creds_value *v, char **desc,
    char **cause)
{
	return (creds_profile(x, awsfiles_profile(), 0, v, desc, cause));
}

static enum creds_result
creds_imds_load(struct creds_ctx *x, struct creds_value *v, char **desc,
    char **cause)
{
	if (x->c->imds == NULL)
		return (CREDS_NONE);
	return (imds_role_credentials(x->c->imds, x->c->v1_fallback,
	    &x->c->stop, v, desc, cause));
}

/* The chain ------------------------------------------------------------- */

/*
 * Walks the chain, then assumeRoleARN.  Returns 0 with *v and *desc set,
 * or -1 with *cause.
 */
static int
creds_walk(struct creds *c, struct creds_value *v, char **desc,
    char **cause)
{
	const struct creds_provider_ops	**p;
	struct creds_ctx		  x;
	struct creds_value		  base;
	struct buf			  why;
	enum creds_result		  rc = CREDS_NONE;
	char				 *bdesc = NULL, *pcause = NULL;
	const char			 *arn, *ext;

	memset(v, 0, sizeof *v);
	memset(&base, 0, sizeof base);
	*desc = NULL;
	x.c = c;
	x.cfg = c->cfg;
	buf_init(&why, 4096);
	for (p = creds_providers; *p != NULL; p++) {
		pcause = NULL;
		if ((rc = (*p)->load(&x, &base, &bdesc, &pcause)) ==
		    CREDS_FOUND)
			break;
		creds_value_clear(&base);
		free(bdesc);
		bdesc = NULL;
		if (rc == CREDS_ERROR) {
			*cause = pcause != NULL ? pcause :
			    xstrdup("unknown error");
			buf_free(&why);
			return (-1);
		}
		if (pcause != NULL) {
			/* Say why the later sources had none. */
			buf_printf(&why, "; %s", pcause);
			free(pcause);
		}
	}
	if (rc != CREDS_FOUND) {
		xasprintf(cause, "no AWS credentials found (config keys, "
		    "environment, web identity, container, profile %s, "
		    "instance role)%s", awsfiles_profile(), buf_cstr(&why));
		buf_free(&why);
		return (-1);
	}
	buf_free(&why);
	arn = c->cfg != NULL ? c->cfg->assume_role_arn : NULL;
	if (arn == NULL) {
		*v = base;
		*desc = bdesc;
		return (0);
	}
	ext = c->cfg->assume_role_external_id;
	rc = creds_assume_role(&x, &base, arn, CREDS_AGENT_SESSION, ext, v,
	    cause);
	creds_value_clear(&base);
	if (rc != CREDS_FOUND) {
		char	*c0 = *cause;

		xasprintf(cause, "assumeRoleARN, with %s: %s", bdesc, c0);
		free(c0);
		free(bdesc);
		return (-1);
	}
	xasprintf(desc, "role %s (assumeRoleARN), from %s", arn, bdesc);
	free(bdesc);
	return (0);
}

static void
creds_snap_release(struct creds_snap *s)
{
	if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1) {
		creds_value_clear(&s->v);
		free(s->desc);
		free(s);
	}
}

static int
creds_snap_is_valid(const struct creds_snap *s, time_t now)
{
	return (s != NULL && (s->v.expiration == 0 || now < s->v.expiration));
}

/*
 * Walks the chain and publishes the result.  Returns 0, or -1 with *cause;
 * a failure keeps the credentials there were (they may still be valid).
 */
static int
creds_reload(struct creds *c, char **cause)
{
	struct creds_snap	*s, *old = NULL;
	struct creds_value	 v;
	char			*desc = NULL, *wcause = NULL;
	time_t			 now = time(NULL);

	if (creds_walk(c, &v, &desc, &wcause) == -1) {
		pthread_mutex_lock(&c->lock);
		c->last_attempt = now;
		c->refused_pending = 0;
		free(c->cause);
		c->cause = xstrdup(wcause);
		pthread_mutex_unlock(&c->lock);
		*cause = wcause;
		return (-1);
	}
	s = xcalloc(1, sizeof *s);
	atomic_init(&s->refs, 1);
	s->v = v;
	s->desc = desc;
	s->fetched = now;
	pthread_mutex_lock(&c->lock);
	s->gen = ++c->gen;
	old = c->snap;
	c->snap = s;
	c->stale = 0;
	c->last_attempt = now;
	c->refused_pending = 0;
	free(c->cause);
	c->cause = NULL;
	pthread_mutex_unlock(&c->lock);
	creds_snap_release(old);
	return (0);
}

struct creds *
creds_new(const struct config *cfg, struct imds *imds)
{
	struct creds	*c;

	c = xcalloc(1, sizeof *c);
	c->cfg = cfg;
	c->imds = imds;
	/* Without a config, the SDK default chain: it falls back to IMDSv1. */
	c->v1_fallback = cfg == NULL || cfg->imds_v1_fallback;
	c->retry_s = cfg != NULL && cfg->credentials_retry_s > 0 ?
	    (unsigned int)cfg->credentials_retry_s : 60;
	c->period_s = cfg != NULL && cfg->status_period_s > 0 ?
	    (unsigned int)cfg->status_period_s : 30;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	return (c);
}

int
creds_load(struct creds *c, char **cause)
{
	return (creds_reload(c, cause));
}

struct creds *
creds_create(const struct config *cfg, char **cause)
{
	struct creds	*c;

	c = creds_new(cfg, NULL);
	if (creds_load(c, cause) == -1) {
		creds_free(c);
		return (NULL);
	}
	return (c);
}

/* "5h12m", "3m20s", "12s" into out. */
static void
creds_span(time_t secs, char *out, size_t len)
{
	if (secs >= 3600)
		snprintf(out, len, "%lldh%02lldm", (long long)secs / 3600,
		    (long long)(secs % 3600) / 60);
	else if (secs >= 60)
		snprintf(out, len, "%lldm%02llds", (long long)secs / 60,
		    (long long)secs % 60);
	else
		snprintf(out, len, "%llds", (long long)secs);
}

/* The description of s at now, for status and the log. */
static char *
creds_snap_describe(const struct creds_snap *s, time_t now)
{
	char	 span[32], *d;

	if (s->v.expiration == 0)
		return (xstrdup(s->desc));
	if (now >= s->v.expiration) {
		xasprintf(&d, "%s, expired", s->desc);
		return (d);
	}
	creds_span(s->v.expiration - now, span, sizeof span);
	xasprintf(&d, "%s, expires in %s", s->desc, span);
	return (d);
}

char *
creds_describe(struct creds *c)
{
	char	*d;
	time_t	 now = time(NULL);

	pthread_mutex_lock(&c->lock);
	if (c->snap != NULL)
		d = creds_snap_describe(c->snap, now);
	else
		xasprintf(&d, "none: %s", c->cause != NULL ? c->cause :
		    "not looked up yet");
	pthread_mutex_unlock(&c->lock);
	return (d);
}

int
creds_is_valid(struct creds *c)
{
	int	valid;

	pthread_mutex_lock(&c->lock);
	valid = creds_snap_is_valid(c->snap, time(NULL));
	pthread_mutex_unlock(&c->lock);
	return (valid);
}

/* The refresher ---------------------------------------------------------- */

/*
 * When the refresher walks the chain next (wall clock), with c->lock
 * held; 0 for never (credentials that do not expire).
 */
static time_t
creds_next(struct creds *c)
{
	const struct creds_snap	*s = c->snap;
	time_t			 at, life, now = time(NULL);

	if (s == NULL)
		at = c->last_attempt + c->retry_s;
	else if (s->v.expiration == 0)
		return (0);
	else {
		life = s->v.expiration - s->fetched;
		if (life > 2 * CREDS_REFRESH_BEFORE)
			at = s->v.expiration - CREDS_REFRESH_BEFORE;
		else
			at = s->fetched + life / 2;
		/* A refresh that failed: again soon, but not in a loop. */
		if (c->last_attempt >= at) {
			life = s->v.expiration - now;
			at = c->last_attempt + (life / 4 > (time_t)c->retry_s ?
			    (time_t)c->retry_s : life / 4);
		}
	}
	if (at < c->last_attempt + 1)
		at = c->last_attempt + 1;
	return (at);
}

/* Logs what an attempt gave, as STYLE rule 23 asks; c->lock is held. */
static void
creds_log_attempt(struct creds *c, int ok, const char *cause, time_t now)
{
	char	*d;

	if (ok) {
		d = creds_snap_describe(c->snap, now);
		if (c->none_logged)
			log_info("AWS credentials found after %u attempt%s: "
			    "%s", c->failures, c->failures == 1 ? "" : "s",
			    d);
		else if (c->refresh_failing)
			log_info("AWS credentials refreshed again: %s", d);
		else
			log_debug("AWS credentials refreshed: %s", d);
		free(d);
		c->none_logged = c->refresh_failing = 0;
		c->failures = 0;
		return;
	}
	c->failures++;
	if (creds_snap_is_valid(c->snap, now)) {
		d = creds_snap_describe(c->snap, now);
		if (!c->refresh_failing) {
			log_warnx("cannot refresh the AWS credentials (%s): "
			    "%s", d, cause);
			c->refresh_failing = 1;
			c->last_summary = now;
		} else if (now - c->last_summary >= (time_t)c->period_s) {
			log_warnx("still cannot refresh the AWS credentials "
			    "(%s), %u attempts: %s", d, c->failures, cause);
			c->last_summary = now;
		}
		free(d);
		return;
	}
	c->refresh_failing = 0;
	if (!c->none_logged) {
		log_warnx("no AWS credentials: %s; records are spooled, and "
		    "the credential chain is tried again every %u s", cause,
		    c->retry_s);
		c->none_logged = 1;
		c->last_summary = now;
	} else if (now - c->last_summary >= (time_t)c->period_s) {
		log_warnx("still no AWS credentials, %u attempts: %s",
		    c->failures, cause);
		c->last_summary = now;
	}
}

static void *
creds_thread(void *arg)
{
	struct creds	*c = arg;
	struct timespec	 ts;
	time_t		 next;
	char		*cause = NULL;
	int		 ok;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!atomic_load(&c->stop) && !c->wake_now) {
			next = creds_next(c);
			if (next != 0 && time(NULL) >= next)
				break;
			if (next == 0)
				pthread_cond_wait(&c->wake, &c->lock);
			else {
				ts.tv_sec = next;
				ts.tv_nsec = 0;
				pthread_cond_timedwait(&c->wake, &c->lock,
				    &ts);
			}
		}
		if (atomic_load(&c->stop))
			break;
		c->wake_now = 0;
		pthread_mutex_unlock(&c->lock);
		ok = creds_reload(c, &cause) == 0;
		pthread_mutex_lock(&c->lock);
		creds_log_attempt(c, ok, cause, time(NULL));
		free(cause);
		cause = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	return (NULL);
}

void
creds_start(struct creds *c)
{
	sigset_t	 all, old;
	char		*d;
	int		 rc;

	pthread_mutex_lock(&c->lock);
	c->started = 1;
	if (c->snap != NULL) {
		d = creds_snap_describe(c->snap, time(NULL));
		log_info("AWS credentials: %s", d);
		free(d);
	} else if (c->cause != NULL) {
		creds_log_attempt(c, 0, c->cause, time(NULL));
	} else
		c->wake_now = 1;
	/* Its signals are the daemon loop's (signalfd). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&c->thread, NULL, creds_thread, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		log_warnx("cannot start the credentials refresher: %s",
		    strerror(rc));
	else
		c->running = 1;
	pthread_mutex_unlock(&c->lock);
}

int
creds_sign(struct creds *c, const struct sigv4_call *call,
    struct curl_slist **hp, char **cause)
{
	struct creds_snap	*s;
	struct sigv4_credentials sc;
	char			*lcause = NULL;
	time_t			 now = time(NULL);
	int			 rv;

	pthread_mutex_lock(&c->lock);
	s = c->snap;
	if (!c->started && (c->stale || !creds_snap_is_valid(s, now))) {
		pthread_mutex_unlock(&c->lock);
		if (creds_reload(c, &lcause) == -1 && !creds_is_valid(c)) {
			xasprintf(cause, "no AWS credentials: %s", lcause);
			free(lcause);
			return (-1);
		}
		free(lcause);
		pthread_mutex_lock(&c->lock);
		s = c->snap;
	}
	if (!creds_snap_is_valid(s, now)) {
		if (s == NULL)
			xasprintf(cause, "no AWS credentials: %s",
			    c->cause != NULL ? c->cause : "not found yet");
		else {
			xasprintf(cause, "AWS credentials expired (%s)",
			    s->desc);
			if (now - c->last_report >= CREDS_REPORT_SECS) {
				c->last_report = now;
				c->wake_now = 1;
				pthread_cond_signal(&c->wake);
			}
		}
		pthread_mutex_unlock(&c->lock);
		return (-1);
	}
	atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&c->lock);

	sc.access_key_id = s->v.access_key_id;
	sc.secret_access_key = s->v.secret_access_key;
	sc.session_token = s->v.session_token;
	rv = sigv4_sign(call, &sc, hp);
	creds_snap_release(s);
	if (rv == -1)
		*cause = xstrdup("cannot sign the request");
	return (rv);
}

/* Wakes the refresher for a refresh at once; c->lock is held. */
static int
creds_wake(struct creds *c, time_t now)
{
	if (now - c->last_report < CREDS_REPORT_SECS)
		return (0);
	c->last_report = now;
	c->wake_now = 1;
	c->stale = 1;
	pthread_cond_signal(&c->wake);
	return (1);
}

unsigned int
creds_generation(struct creds *c)
{
	unsigned int	gen;

	pthread_mutex_lock(&c->lock);
	gen = c->snap != NULL ? c->snap->gen : 0;
	pthread_mutex_unlock(&c->lock);
	return (gen);
}

enum creds_action
creds_report(struct creds *c, const char *error_type, unsigned int gen)
{
	const struct creds_snap	*s;
	time_t			 now = time(NULL);
	enum creds_action	 a = CREDS_KEEP;
	int			 expired, badsig;

	if (error_type == NULL)
		return (CREDS_KEEP);
	expired = strcmp(error_type, "ExpiredToken") == 0 ||
	    strcmp(error_type, "ExpiredTokenException") == 0;
	badsig = strcmp(error_type, "InvalidSignatureException") == 0;
	pthread_mutex_lock(&c->lock);
	s = c->snap;
	if ((expired || badsig) && gen != 0 && s != NULL && gen < s->gen) {
		/* Signed before the last refresh: the retry uses newer. */
		a = CREDS_REFRESHING;
	} else if (expired) {
		creds_wake(c, now);
		a = CREDS_REFRESHING;
	} else if (badsig && s != NULL && s->v.expiration != 0 &&
	    s->gen > 1) {
		/*
		 * Temporary credentials that were refreshed: the source may
		 * have rotated them under us.  Keys that were never
		 * refreshed, or static ones, are wrong: the operator's to fix.
		 */
		if (c->refused_key == NULL ||
		    strcmp(c->refused_key, s->v.access_key_id) != 0) {
			free(c->refused_key);
			c->refused_key = xstrdup(s->v.access_key_id);
			c->refused_pending = 1;
			c->last_report = 0;
			creds_wake(c, now);
			log_info("AWS refused a signature made with refreshed "
			    "credentials (%s, %s): refreshing them at once",
			    error_type, s->desc);
		}
		if (c->refused_pending)
			a = CREDS_REFRESHING;
	}
	pthread_mutex_unlock(&c->lock);
	return (a);
}

void
creds_stop(struct creds *c)
{
	int	running;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	atomic_store(&c->stop, 1);
	pthread_cond_broadcast(&c->wake);
	running = c->running;
	c->running = 0;
	pthread_mutex_unlock(&c->lock);
	if (running)
		pthread_join(c->thread, NULL);
}

void
creds_free(struct creds *c)
{
	if (c == NULL)
		return;
	creds_stop(c);
	creds_snap_release(c->snap);
	free(c->cause);
	free(c->refused_key);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
