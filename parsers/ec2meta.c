/*
 * ec2meta: fetches the EC2 instance identity document and the instance's
 * tags on a thread of its own, and hands out copies of the latest result.
 *
 * The thread uses libcurl's easy interface with short timeouts; a progress
 * callback abandons a transfer as soon as ec2meta_free asks the thread to
 * stop, so freeing never waits for a slow network.  Readers take the lock
 * only to compare a generation number, and copy the snapshot when it
 * changed, so the converter's hot path holds no shared json value.
 *
 * References: "Use the Instance Metadata Service to access instance
 * metadata" (IMDSv2 session tokens) and "Instance identity documents" in
 * the EC2 User Guide; "DescribeTags" in the EC2 API Reference (Query API,
 * version 2016-11-15); "Retrieve security credentials from instance
 * metadata" for the instance role's credentials.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* newlocale, towlower_l */
#endif

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>

#include <curl/curl.h>
#include <jansson.h>

#include "creds.h"
#include "ec2meta.h"
#include "log.h"
#include "sigv4.h"
#include "xmalloc.h"

#define EC2META_IMDS_DEFAULT	"http://169.254.169.254"
#define EC2META_TOKEN_TTL	"21600"	/* what the AWS SDKs ask for */
#define EC2META_CONNECT_MS	1000L
#define EC2META_TOTAL_MS	2000L
#define EC2META_IMDS_MAX	(64 * 1024)	/* identity doc, creds, token */
#define EC2META_TAGS_MAX	(1024 * 1024)	/* DescribeTags response */
#define EC2META_URL_MAX		2048
/* DescribeTags: "Version" of the EC2 Query API this was written against. */
#define EC2META_EC2_VERSION	"2016-11-15"

/* The identity document's fields, in the agent's order and names. */
static const struct {
	const char	*out;	/* the record's key */
	const char	*doc;	/* the identity document's key */
} ec2meta_fields[] = {
	{ "privateIp",		"privateIp" },
	{ "availabilityZone",	"availabilityZone" },
	{ "instanceId",		"instanceId" },
	{ "instanceType",	"instanceType" },
	{ "accountId",		"accountId" },
	{ "amiId",		"imageId" },
	{ "region",		"region" },
};

struct ec2meta {
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;		/* the thread's sleep */
	pthread_cond_t	 ready;		/* the first fetch is done */
	atomic_int	 stop;

	/* Under lock. */
	int		 fetched;
	uint64_t	 gen;
	json_t		*snap;		/* NULL: no metadata */
	char		*cause;		/* why not, when snap is NULL */

	/* Set at creation, read-only afterwards. */
	unsigned int	 ttl;
	int		 imds_disabled;
	char		*imds_url;	/* without a trailing '/' */
	char		*ec2_url;	/* override, or NULL */
	char		*region;	/* AWS_REGION, or NULL */
	struct creds	*envcreds;	/* NULL: use the instance role */

	/* The thread's own. */
	int		 tags_failing;	/* warned about tags already */
};

/* C.UTF-8, for lower-casing tag keys; (locale_t)0 if unavailable. */
static locale_t		ec2meta_utf8_locale;
static pthread_once_t	ec2meta_locale_once = PTHREAD_ONCE_INIT;

static void
ec2meta_locale_init(void)
{
	ec2meta_utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8",
	    (locale_t)0);
}

struct ec2meta_resp {
	long	 status;
	char	*body;
	size_t	 len;
	size_t	 max;
	int	 toolong;
};

static char *
ec2meta_env(const char *name)
{
	const char	*v;
	size_t		 len;

	if ((v = getenv(name)) == NULL)
		return (NULL);
	while (*v == ' ' || *v == '\t')
		v++;
	len = strlen(v);
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t' ||
	    v[len - 1] == '/' || v[len - 1] == '\n' || v[len - 1] == '\r'))
		len--;
	if (len == 0 || len > EC2META_URL_MAX)
		return (NULL);
	return (xstrndup(v, len));
}

static size_t
ec2meta_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct ec2meta_resp	*r = arg;
	size_t			 n = size * nmemb;

	if (n > r->max - r->len) {
		r->toolong = 1;
		return (0);
	}
	r->body = xrealloc(r->body, r->len + n + 1);
	memcpy(r->body + r->len, ptr, n);
	r->len += n;
	r->body[r->len] = '\0';
	return (n);
}

static int
ec2meta_progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct ec2meta	*m = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return (atomic_load(&m->stop) ? 1 : 0);
}

static void
ec2meta_resp_clear(struct ec2meta_resp *r)
{
	free(r->body);
	memset(r, 0, sizeof *r);
}

/*
 * One request.  Returns 0 when an HTTP status came back (whatever it is)
 * with the body in *r (NUL-terminated, never NULL), or -1 with *cause.
 */
static int
ec2meta_http(struct ec2meta *m, const char *method, const char *url,
    struct curl_slist *headers, const char *body, size_t max, int imds,
    struct ec2meta_resp *r, char **cause)
{
	CURL		*c;
	CURLcode	 rc;
	char		 err[CURL_ERROR_SIZE];
	int		 ret = -1;

	memset(r, 0, sizeof *r);
	r->max = max;
	r->body = xstrdup("");
	err[0] = '\0';
	if ((c = curl_easy_init()) == NULL) {
		*cause = xstrdup("curl_easy_init failed");
		return (-1);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, EC2META_CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, EC2META_TOTAL_MS);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ec2meta_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, ec2meta_progress_cb);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, m);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	/* The link-local IMDS is never reached through a proxy. */
	if (imds)
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (strcmp(method, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	} else if (strcmp(method, "POST") == 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (headers != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		if (r->toolong)
			xasprintf(cause, "%s %s: response longer than %zu "
			    "bytes", method, url, max);
		else
			xasprintf(cause, "%s %s: %s", method, url,
			    err[0] != '\0' ? err : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	ret = 0;
out:
	curl_easy_cleanup(c);
	return (ret);
}

/*
 * Gets an IMDSv2 session token.  Returns 0 with *token set (the caller
 * frees it), or NULL in *token when the service has no token API (403,
 * 404, 405: fall back to IMDSv1), or -1 with *cause.
 */
static int
ec2meta_imds_token(struct ec2meta *m, char **token, char **cause)
{
	struct ec2meta_resp	 r;
	struct curl_slist	*h = NULL;
	char			*url;
	size_t			 len;
	int			 ret = -1;

	*token = NULL;
	xasprintf(&url, "%s/latest/api/token", m->imds_url);
	h = curl_slist_append(h, "X-aws-ec2-metadata-token-ttl-seconds: "
	    EC2META_TOKEN_TTL);
	if (ec2meta_http(m, "PUT", url, h, NULL, EC2META_IMDS_MAX, 1, &r,
	    cause) != 0)
		goto out;
	if (r.status == 403 || r.status == 404 || r.status == 405) {
		ret = 0;
		goto out;
	}
	len = r.len;
	while (len > 0 && isspace((unsigned char)r.body[len - 1]))
		len--;
	if (r.status != 200 || len == 0 || memchr(r.body, '\n', len) != NULL ||
	    memchr(r.body, '\r', len) != NULL) {
		xasprintf(cause, "PUT %s: HTTP %ld", url, r.status);
		goto out;
	}
	*token = xstrndup(r.body, len);
	ret = 0;
out:
	ec2meta_resp_clear(&r);
	curl_slist_free_all(h);
	free(url);
	return (ret);
}

/* GETs an IMDS path; returns the body (the caller frees it) or NULL. */
static char *
ec2meta_imds_get(struct ec2meta *m, const char *token, const char *path,
    char **cause)
{
	struct ec2meta_resp	 r;
	struct curl_slist	*h = NULL;
	char			*url, *hdr = NULL, *body = NULL;

	xasprintf(&url, "%s%s", m->imds_url, path);
	if (token != NULL) {
		xasprintf(&hdr, "X-aws-ec2-metadata-token: %s", token);
		h = curl_slist_append(h, hdr);
	}
	if (ec2meta_http(m, "GET", url, h, NULL, EC2META_IMDS_MAX, 1, &r,
	    cause) != 0)
		goto out;
	if (r.status != 200) {
		xasprintf(cause, "GET %s: HTTP %ld", url, r.status);
		goto out;
	}
	body = r.body;
	r.body = NULL;
out:
	ec2meta_resp_clear(&r);
	curl_slist_free_all(h);
	free(hdr);
	free(url);
	return (body);
}

/* A string member of the document as a json string, else json null. */
static json_t *
ec2meta_doc_string(const json_t *doc, const char *key)
{
	const json_t	*v;
	json_t		*s;

	v = json_object_get(doc, key);
	if (!json_is_string(v))
		return (json_null());
	s = json_stringn(json_string_value(v), json_string_length(v));
	return (s != NULL ? s : json_null());
}

/*
 * The instance role's credentials from IMDS.  Returns 0 with *v filled (the
 * caller clears it with creds_value_clear), or -1 with *cause.
 */
static int
ec2meta_role_creds(struct ec2meta *m, const char *token,
    struct creds_value *v, char **cause)
{
	json_t		*doc = NULL;
	json_error_t	 jerr;
	const char	*id, *secret, *stoken, *code;
	char		*list, *role = NULL, *path = NULL, *body = NULL;
	size_t		 n;
	int		 ret = -1;

	memset(v, 0, sizeof *v);
	list = ec2meta_imds_get(m, token,
	    "/latest/meta-data/iam/security-credentials/", cause);
	if (list == NULL)
		goto out;
	/* One role per instance profile: the first line. */
	n = strcspn(list, "\r\n");
	while (n > 0 && isspace((unsigned char)list[n - 1]))
		n--;
	if (n == 0 || memchr(list, '/', n) != NULL) {
		*cause = xstrdup("the instance has no IAM role");
		goto out;
	}
	role = xstrndup(list, n);
	xasprintf(&path, "/latest/meta-data/iam/security-credentials/%s", role);
	if ((body = ec2meta_imds_get(m, token, path, cause)) == NULL)
		goto out;
	if ((doc = json_loads(body, 0, &jerr)) == NULL) {
		xasprintf(cause, "role %s: bad credentials document: %s", role,
		    jerr.text);
		goto out;
	}
	code = json_string_value(json_object_get(doc, "Code"));
	id = json_string_value(json_object_get(doc, "AccessKeyId"));
	secret = json_string_value(json_object_get(doc, "SecretAccessKey"));
	stoken = json_string_value(json_object_get(doc, "Token"));
	if ((code != NULL && strcmp(code, "Success") != 0) || id == NULL ||
	    secret == NULL || *id == '\0' || *secret == '\0') {
		xasprintf(cause, "role %s: no usable credentials (Code %s)",
		    role, code != NULL ? code : "missing");
		goto out;
	}
	v->access_key_id = xstrdup(id);
	v->secret_access_key = xstrdup(secret);
	if (stoken != NULL && *stoken != '\0')
		v->session_token = xstrdup(stoken);
	ret = 0;
out:
	json_decref(doc);
	if (body != NULL) {
		explicit_bzero(body, strlen(body));
		free(body);
	}
	free(path);
	free(role);
	free(list);
	return (ret);
}

/* Percent-encodes s for a form body (RFC 3986 unreserved stay). */
static char *
ec2meta_form_escape(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*out, *p;

	p = out = xmalloc(strlen(s) * 3 + 1);
	for (; *s != '\0'; s++) {
		unsigned char	c = *s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' ||
		    c == '~')
			*p++ = c;
		else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return (out);
}

/*
 * Calls DescribeTags for the instance.  Returns the tags object, or NULL
 * with *cause.
 */
static json_t *
ec2meta_tags(struct ec2meta *m, const char *token, const char *instance_id,
    const char *doc_region, char **cause)
{
	struct sigv4_credentials creds;
	struct creds_value	 rolecreds;
	struct sigv4_header	 sh[4];
	struct sigv4_request	 req;
	struct ec2meta_resp	 r;
	struct curl_slist	*h = NULL;
	const char		*region, *hostp, *pathp;
	char			 date[SIGV4_DATE_LEN + 1];
	char			*base = NULL, *host = NULL, *path = NULL;
	char			*body = NULL, *id = NULL, *auth = NULL;
	char			*url = NULL, *line;
	json_t			*tags = NULL;
	size_t			 n;

	memset(&rolecreds, 0, sizeof rolecreds);
	memset(&r, 0, sizeof r);
	region = m->region != NULL ? m->region : doc_region;
	if (region == NULL || *region == '\0' ||
	    strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
	    strlen(region)) {
		*cause = xstrdup("no usable region");
		goto out;
	}
	if (m->envcreds != NULL) {
		if (creds_get(m->envcreds, &creds) != 0) {
			*cause = xstrdup("credentials expired");
			goto out;
		}
	} else {
		if (token == NULL && m->imds_disabled) {
			*cause = xstrdup("no credentials");
			goto out;
		}
		if (ec2meta_role_creds(m, token, &rolecreds, cause) != 0)
			goto out;
		creds.access_key_id = rolecreds.access_key_id;
		creds.secret_access_key = rolecreds.secret_access_key;
		creds.session_token = rolecreds.session_token;
	}

	if (m->ec2_url != NULL)
		base = xstrdup(m->ec2_url);
	else
		xasprintf(&base, "https://ec2.%s.amazonaws.com", region);
	if ((hostp = strstr(base, "://")) == NULL) {
		xasprintf(cause, "bad EC2 endpoint %s", base);
		goto out;
	}
	hostp += 3;
	n = strcspn(hostp, "/?#");
	host = xstrndup(hostp, n);
	pathp = hostp + n;
	xasprintf(&path, "%.*s/", (int)strcspn(pathp, "?#"), pathp);
	xasprintf(&url, "%.*s%s", (int)(hostp - base), base, host);
	free(base);
	xasprintf(&base, "%s%s", url, path);
	free(url);
	url = base;
	base = NULL;

	id = ec2meta_form_escape(instance_id);
	xasprintf(&body, "Action=DescribeTags&Version=" EC2META_EC2_VERSION
	    "&Filter.1.Name=resource-id&Filter.1.Value.1=%s", id);
	sigv4_amz_date(time(NULL), date);
	n = 0;
	sh[n].name = "Host";
	sh[n++].value = host;
	sh[n].name = "Content-Type";
	sh[n++].value = "application/x-www-form-urlencoded; charset=utf-8";
	sh[n].name = "X-Amz-Date";
	sh[n++].value = date;
	if (creds.session_token != NULL) {
		sh[n].name = "X-Amz-Security-Token";
		sh[n++].value = creds.session_token;
	}
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.path = path;
	req.query = "";
	req.headers = sh;
	req.nheaders = n;
	req.body = body;
	req.body_len = strlen(body);
	if ((auth = sigv4_authorization(&req, &creds, region, "ec2",
	    date)) == NULL) {
		*cause = xstrdup("cannot sign the request");
		goto out;
	}
	for (n = 0; n < req.nheaders; n++) {
		xasprintf(&line, "%s: %s", sh[n].name, sh[n].value);
		h = curl_slist_append(h, line);
		explicit_bzero(line, strlen(line));
		free(line);
	}
	xasprintf(&line, "Authorization: %s", auth);
	h = curl_slist_append(h, line);
	free(line);
	h = curl_slist_append(h, "Expect:");

	if (ec2meta_http(m, "POST", url, h, body, EC2META_TAGS_MAX, 0, &r,
	    cause) != 0)
		goto out;
	if (r.status != 200) {
		const char	*c0, *c1;

		/* <Errors><Error><Code>AuthFailure</Code>... */
		if ((c0 = strstr(r.body, "<Code>")) != NULL &&
		    (c1 = strstr(c0, "</Code>")) != NULL && c1 - c0 < 128)
			xasprintf(cause, "DescribeTags: HTTP %ld %.*s",
			    r.status, (int)(c1 - c0 - 6), c0 + 6);
		else
			xasprintf(cause, "DescribeTags: HTTP %ld", r.status);
		goto out;
	}
	tags = ec2meta_parse_tags(r.body, r.len, cause);
out:
	ec2meta_resp_clear(&r);
	if (h != NULL) {
		struct curl_slist	*s;

		/* The token and signature are wiped with the list. */
		for (s = h; s != NULL; s = s->next)
			explicit_bzero(s->data, strlen(s->data));
		curl_slist_free_all(h);
	}
	free(auth);
	free(body);
	free(id);
	free(url);
	free(path);
	free(host);
	free(base);
	creds_value_clear(&rolecreds);
	return (tags);
}

/* "yyyy-MM-dd'T'HH:mm:ssZ" in local time, as Java's SimpleDateFormat. */
static json_t *
ec2meta_timestamp(time_t t)
{
	struct tm	tm;
	char		buf[64];

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		return (json_null());
	return (json_string(buf));
}

/*
 * One fetch: returns the snapshot, or NULL with *cause.  Tags that cannot
 * be had are left out with a warning, as the agent does.
 */
static json_t *
ec2meta_fetch(struct ec2meta *m, char **cause)
{
	json_t		*doc = NULL, *snap = NULL, *tags = NULL;
	json_error_t	 jerr;
	time_t		 now;
	char		*token = NULL, *body = NULL, *tcause = NULL;
	const char	*instance_id;
	size_t		 i;

	if (m->imds_disabled) {
		*cause = xstrdup("AWS_EC2_METADATA_DISABLED is set");
		goto out;
	}
	now = time(NULL);
	if (ec2meta_imds_token(m, &token, cause) != 0)
		goto out;
	body = ec2meta_imds_get(m, token,
	    "/latest/dynamic/instance-identity/document", cause);
	if (body == NULL)
		goto out;
	if ((doc = json_loads(body, 0, &jerr)) == NULL ||
	    !json_is_object(doc)) {
		xasprintf(cause, "bad instance identity document: %s",
		    doc == NULL ? jerr.text : "not an object");
		goto out;
	}
	snap = json_object();
	for (i = 0; i < sizeof ec2meta_fields / sizeof ec2meta_fields[0]; i++)
		json_object_set_new(snap, ec2meta_fields[i].out,
		    ec2meta_doc_string(doc, ec2meta_fields[i].doc));
	json_object_set_new(snap, "metadataTimestamp", ec2meta_timestamp(now));

	instance_id = json_string_value(json_object_get(doc, "instanceId"));
	if (instance_id == NULL || *instance_id == '\0')
		tcause = xstrdup("no instanceId in the identity document");
	else
		tags = ec2meta_tags(m, token, instance_id,
		    json_string_value(json_object_get(doc, "region")),
		    &tcause);
	if (tcause == NULL) {
		json_object_set_new(snap, "tags", tags);
		if (m->tags_failing)
			log_info("ADDEC2METADATA: instance tags read again");
		m->tags_failing = 0;
	} else {
		if (!m->tags_failing)
			log_warnx("ADDEC2METADATA: cannot read the instance's "
			    "tags, records get none: %s", tcause);
		else
			log_debug("ADDEC2METADATA: tags: %s", tcause);
		m->tags_failing = 1;
		free(tcause);
	}
out:
	json_decref(doc);
	free(body);
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	return (snap);
}

static void *
ec2meta_thread(void *arg)
{
	struct ec2meta	*m = arg;
	struct timespec	 deadline;
	json_t		*snap;
	char		*cause;
	unsigned int	 wait;

	for (;;) {
		cause = NULL;
		log_debug("ADDEC2METADATA: fetching EC2 metadata");
		snap = ec2meta_fetch(m, &cause);
		if (snap == NULL)
			log_debug("ADDEC2METADATA: no metadata: %s", cause);

		pthread_mutex_lock(&m->lock);
		json_decref(m->snap);
		free(m->cause);
		m->snap = snap;
		m->cause = cause;
		m->gen++;
		m->fetched = 1;
		pthread_cond_broadcast(&m->ready);

		wait = m->ttl;
		if (snap == NULL && wait > EC2META_RETRY_SECS)
			wait = EC2META_RETRY_SECS;
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += wait;
		while (!atomic_load(&m->stop) &&
		    pthread_cond_timedwait(&m->wake, &m->lock, &deadline) !=
		    ETIMEDOUT)
			;
		pthread_mutex_unlock(&m->lock);
		if (atomic_load(&m->stop))
			break;
	}
	return (NULL);
}

struct ec2meta *
ec2meta_create(unsigned int ttl, unsigned int wait_ms, char **cause)
{
	struct ec2meta		*m;
	pthread_condattr_t	 ca;
	struct timespec		 deadline;
	sigset_t		 all, old;
	char			*v, *ccause = NULL;
	int			 rc;

	/* Thread-safe from libcurl 7.84 on; a no-op after the first. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*cause = xstrdup("curl_global_init failed");
		return (NULL);
	}
	m = xcalloc(1, sizeof *m);
	m->ttl = ttl > 0 ? ttl : 1;
	if ((v = ec2meta_env("AWS_EC2_METADATA_DISABLED")) != NULL) {
		m->imds_disabled = strcasecmp(v, "true") == 0;
		free(v);
	}
	if ((m->imds_url = ec2meta_env("AWS_EC2_METADATA_SERVICE_ENDPOINT")) ==
	    NULL)
		m->imds_url = xstrdup(EC2META_IMDS_DEFAULT);
	if ((m->ec2_url = ec2meta_env("AWS_ENDPOINT_URL_EC2")) == NULL)
		m->ec2_url = ec2meta_env("AWS_ENDPOINT_URL");
	m->region = ec2meta_env("AWS_REGION");
	/* The SDK's default chain: the environment, then the instance role. */
	m->envcreds = creds_create(NULL, &ccause);
	free(ccause);

	pthread_mutex_init(&m->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->wake, &ca);
	pthread_cond_init(&m->ready, &ca);
	pthread_condattr_destroy(&ca);
	/*
	 * The thread blocks every signal, so that signals meant for the
	 * daemon's loop (signalfd, blocked there later) never land here.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&m->thread, NULL, ec2meta_thread, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		xasprintf(cause, "pthread_create: %s", strerror(rc));
		pthread_cond_destroy(&m->ready);
		pthread_cond_destroy(&m->wake);
		pthread_mutex_destroy(&m->lock);
		creds_free(m->envcreds);
		free(m->region);
		free(m->ec2_url);
		free(m->imds_url);
		free(m);
		return (NULL);
	}

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += wait_ms / 1000;
	deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&m->lock);
	while (!m->fetched &&
	    pthread_cond_timedwait(&m->ready, &m->lock, &deadline) !=
	    ETIMEDOUT)
		;
	pthread_mutex_unlock(&m->lock);
	return (m);
}

int
ec2meta_update(struct ec2meta *m, uint64_t *gen, json_t **meta,
    char **cause)
{
	int	changed = 0;

	pthread_mutex_lock(&m->lock);
	if (m->gen != *gen) {
		json_decref(*meta);
		free(*cause);
		*meta = m->snap != NULL ? json_deep_copy(m->snap) : NULL;
		if (*meta == NULL)
			*cause = xstrdup(m->cause != NULL ? m->cause :
			    "no metadata");
		else
			*cause = NULL;
		*gen = m->gen;
		changed = 1;
	} else if (!m->fetched && *meta == NULL && *cause == NULL)
		*cause = xstrdup("not fetched yet");
	pthread_mutex_unlock(&m->lock);
	return (changed);
}

void
ec2meta_free(struct ec2meta *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	atomic_store(&m->stop, 1);
	pthread_cond_broadcast(&m->wake);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);

	pthread_cond_destroy(&m->ready);
	pthread_cond_destroy(&m->wake);
	pthread_mutex_destroy(&m->lock);
	json_decref(m->snap);
	free(m->cause);
	creds_free(m->envcreds);
	free(m->region);
	free(m->ec2_url);
	free(m->imds_url);
	free(m);
}

/* XML ------------------------------------------------------------------ */

/* Appends code point cp as UTF-8. */
static size_t
ec2meta_put_utf8(char *p, unsigned long cp)
{
	if (cp < 0x80) {
		p[0] = cp;
		return (1);
	}
	if (cp < 0x800) {
		p[0] = 0xc0 | (cp >> 6);
		p[1] = 0x80 | (cp & 0x3f);
		return (2);
	}
	if (cp < 0x10000) {
		p[0] = 0xe0 | (cp >> 12);
		p[1] = 0x80 | ((cp >> 6) & 0x3f);
		p[2] = 0x80 | (cp & 0x3f);
		return (3);
	}
	p[0] = 0xf0 | (cp >> 18);
	p[1] = 0x80 | ((cp >> 12) & 0x3f);
	p[2] = 0x80 | ((cp >> 6) & 0x3f);
	p[3] = 0x80 | (cp & 0x3f);
	return (4);
}

/*
 * Decodes the character data s[0..len) (entities, CDATA sections) into a
 * new string; its length goes in *outlen.  Returns NULL on a bad entity.
 * The result is never longer than the input.
 */
static char *
ec2meta_xml_text(const char *s, size_t len, size_t *outlen)
{
	static const struct {
		const char	*name;
		char		 c;
	} ents[] = {
		{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' },
		{ "quot;", '"' }, { "apos;", '\'' }
	};
	const char	*end = s + len, *semi;
	char		*out, *p;
	unsigned long	 cp;
	size_t		 i, n;

	p = out = xmalloc(len + 1);
	while (s < end) {
		if (end - s >= 9 && memcmp(s, "<![CDATA[", 9) == 0) {
			const char	*close;

			close = memmem(s + 9, end - s - 9, "]]>", 3);
			if (close == NULL)
				goto bad;
			memcpy(p, s + 9, close - s - 9);
			p += close - s - 9;
			s = close + 3;
			continue;
		}
		if (*s == '<')
			goto bad;	/* markup inside a text element */
		if (*s != '&') {
			*p++ = *s++;
			continue;
		}
		s++;
		if ((semi = memchr(s, ';', end - s)) == NULL || semi - s > 10)
			goto bad;
		for (i = 0; i < sizeof ents / sizeof ents[0]; i++) {
			n = strlen(ents[i].name);
			if ((size_t)(semi + 1 - s) == n &&
			    memcmp(s, ents[i].name, n) == 0)
				break;
		}
		if (i < sizeof ents / sizeof ents[0]) {
			*p++ = ents[i].c;
			s = semi + 1;
			continue;
		}
		if (*s != '#' || semi - s < 2)
			goto bad;
		cp = 0;
		if (s[1] == 'x') {
			for (s += 2; s < semi; s++) {
				if (!isxdigit((unsigned char)*s))
					goto bad;
				cp = cp * 16 + (isdigit((unsigned char)*s) ?
				    *s - '0' : (tolower((unsigned char)*s) -
				    'a' + 10));
			}
		} else {
			for (s += 1; s < semi; s++) {
				if (!isdigit((unsigned char)*s))
					goto bad;
				cp = cp * 10 + (*s - '0');
			}
		}
		/* "&#N;" takes at least 4 bytes: room for 4 of UTF-8. */
		if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		p += ec2meta_put_utf8(p, cp);
		s = semi + 1;
	}
	*p = '\0';
	*outlen = p - out;
	return (out);
bad:
	free(out);
	return (NULL);
}

/*
 * Finds the element <name> (or <name/>) in [s, end) at any depth and sets
 * its content; returns 1, or 0 if absent or unterminated.
 */
static int
ec2meta_xml_find(const char *s, const char *end, const char *name,
    const char **content, size_t *clen, const char **after)
{
	size_t		 n = strlen(name);
	const char	*p, *q, *close;
	char		 closetag[64];

	/*
	 * q looks past the name, so that a miss resumes just after p's '<'
	 * (never beyond end, and without skipping a '<' that q stopped at).
	 */
	for (p = s; (p = memchr(p, '<', end - p)) != NULL; p++) {
		if ((size_t)(end - p) < n + 2 || memcmp(p + 1, name, n) != 0)
			continue;
		q = p + 1 + n;
		while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' ||
		    *q == '\n'))
			q++;
		if (end - q >= 2 && q[0] == '/' && q[1] == '>') {
			*content = q;
			*clen = 0;
			*after = q + 2;
			return (1);
		}
		if (q >= end || *q != '>')
			continue;	/* a longer name, or attributes */
		q++;
		snprintf(closetag, sizeof closetag, "</%s>", name);
		if ((close = memmem(q, end - q, closetag, n + 3)) == NULL)
			return (0);
		*content = q;
		*clen = close - q;
		*after = close + n + 3;
		return (1);
	}
	return (0);
}

/*
 * Returns a lower-cased copy of the valid UTF-8 s[0..len) (the caller frees
 * it), mapping each code point with towlower as Java's toLowerCase does for
 * all but a few context-dependent letters.  Without a UTF-8 locale only
 * ASCII is mapped.
 */
static char *
ec2meta_lower(locale_t loc, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	unsigned long		 cp;
	char			*out, *p;
	size_t			 i = 0, n;

	/* A code point grows from 2 to at most 3 bytes. */
	p = out = xmalloc(len * 2 + 1);
	while (i < len) {
		if (u[i] < 0x80) {
			*p++ = tolower(u[i++]);
			continue;
		}
		if (u[i] >= 0xf0) {
			n = 4;
			cp = u[i] & 0x07;
		} else if (u[i] >= 0xe0) {
			n = 3;
			cp = u[i] & 0x0f;
		} else {
			n = 2;
			cp = u[i] & 0x1f;
		}
		if (n > len - i) {
			*p++ = u[i++];	/* cannot happen: jansson checked */
			continue;
		}
		for (size_t k = 1; k < n; k++)
			cp = (cp << 6) | (u[i + k] & 0x3f);
		if (loc != (locale_t)0)
			cp = towlower_l((wint_t)cp, loc);
		p += ec2meta_put_utf8(p, cp);
		i += n;
	}
	*p = '\0';
	return (out);
}

json_t *
ec2meta_parse_tags(const char *xml, size_t len, char **cause)
{
	const char	*end = xml + len, *set, *item, *c, *after, *next, *skip;
	size_t		 setlen, itemlen, clen, klen, vlen, ntags = 0;
	char		*key = NULL, *value = NULL, *lkey;
	json_t		*tags, *v, *k;

	pthread_once(&ec2meta_locale_once, ec2meta_locale_init);
	if (memmem(xml, len, "<DescribeTagsResponse", 21) == NULL) {
		*cause = xstrdup("not a DescribeTagsResponse");
		return (NULL);
	}
	tags = json_object();
	if (!ec2meta_xml_find(xml, end, "tagSet", &set, &setlen, &after))
		return (tags);	/* no tags */
	end = set + setlen;
	for (next = set; ec2meta_xml_find(next, end, "item", &item, &itemlen,
	    &after); next = after) {
		if (++ntags > EC2META_MAX_TAGS) {
			xasprintf(cause, "more than %d tags", EC2META_MAX_TAGS);
			goto bad;
		}
		if (!ec2meta_xml_find(item, item + itemlen, "key", &c, &clen,
		    &skip) ||
		    (key = ec2meta_xml_text(c, clen, &klen)) == NULL) {
			*cause = xstrdup("a tag without a usable key");
			goto bad;
		}
		if (!ec2meta_xml_find(item, item + itemlen, "value", &c, &clen,
		    &skip)) {
			value = xstrdup("");
			vlen = 0;
		} else if ((value = ec2meta_xml_text(c, clen, &vlen)) == NULL) {
			xasprintf(cause, "tag %s: bad value", key);
			goto bad;
		}
		/* jansson checks the UTF-8; a key cannot hold a NUL. */
		v = json_stringn(value, vlen);
		k = memchr(key, '\0', klen) == NULL ?
		    json_stringn(key, klen) : NULL;
		if (v == NULL || k == NULL) {
			json_decref(v);
			json_decref(k);
			xasprintf(cause, "tag %s: not valid UTF-8", key);
			goto bad;
		}
		json_decref(k);
		lkey = ec2meta_lower(ec2meta_utf8_locale, key, klen);
		json_object_set_new(tags, lkey, v);
		free(lkey);
		free(key);
		free(value);
		key = value = NULL;
	}
	return (tags);
bad:
	free(key);
	free(value);
	json_decref(tags);
	return (NULL);
}
