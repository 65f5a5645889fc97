/*
 * imds: fetches the EC2 instance identity document and the instance's
 * tags on a thread of its own, and hands out the latest result (imds.h).
 *
 * The thread uses libcurl's easy interface with short timeouts; a progress
 * callback abandons a transfer as soon as imds_free asks the thread to
 * stop, so freeing never waits for a slow network.  Each fetch makes a new
 * snapshot, one allocation that is never written again once published;
 * readers take the lock only to take a reference, whose count is atomic so
 * that the last holder, on whichever thread, frees it.  The converting
 * thread keeps its reference from record to record and takes the lock
 * only when a newer snapshot was published (imds_conv_get).
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
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>

#include <curl/curl.h>
#include <jansson.h>

#include "buf.h"
#include "creds.h"
#include "ec2_metadata.h"
#include "fetch.h"
#include "imds.h"
#include "log.h"
#include "sigv4.h"
#include "utf8.h"
#include "xmalloc.h"

#define IMDS_DEFAULT_URL	"http://169.254.169.254"
#define IMDS_TOKEN_TTL		"21600"	/* what the AWS SDKs ask for */
#define IMDS_CONNECT_MS		1000L
#define IMDS_TOTAL_MS		2000L
#define IMDS_IMDS_MAX		(64 * 1024)	/* identity doc, creds, token */
#define IMDS_TAGS_MAX		(1024 * 1024)	/* DescribeTags response */
#define IMDS_URL_MAX		2048
/* DescribeTags: "Version" of the EC2 Query API this was written against. */
#define IMDS_EC2_VERSION	"2016-11-15"
/* Its form body, up to the percent-encoded instance id. */
#define IMDS_TAGS_FORM		"Action=DescribeTags&Version="		\
				IMDS_EC2_VERSION			\
				"&Filter.1.Name=resource-id&Filter.1.Value.1="

/*
 * A snapshot: md first, so that a reader's pointer is the snapshot's.  Its
 * tags and strings follow it in the same allocation.
 */
struct imds_snap {
	struct ec2_metadata	 md;
	atomic_uint		 refs;
};

/* Generations are unique in the process, whichever client made them. */
static atomic_uint_fast64_t	imds_gen;

struct imds {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;		/* the thread's sleep */
	pthread_cond_t		 ready;		/* the first fetch is done */
	atomic_int		 stop;

	/* Under lock. */
	int			 started;	/* imds_get was called */
	int			 running;	/* the thread runs */
	int			 fetched;
	unsigned int		 ttl;		/* refresh interval, >= 1 */
	struct imds_snap	*snap;		/* the latest, or NULL */

	/* snap's gen (0: none), stored under lock, read without it. */
	atomic_uint_fast64_t	 published;

	/* The converting thread's own (imds_conv_get). */
	const struct ec2_metadata *conv_held;	/* its reference */
	unsigned int		 conv_age;	/* least max_age it gave
						   imds_get; 0: none yet */

	/* Set at creation, read-only afterwards. */
	int			 imds_disabled;
	char			*imds_url;	/* without a trailing '/' */
	char			*ec2_url;	/* override, or NULL */
	char			*region;	/* AWS_REGION, or NULL */
	/* DescribeTags' signer: the daemon's chain, else our own. */
	struct creds		*creds;		/* under lock */
	struct creds		*owncreds;

	/*
	 * The IMDSv2 session token that the metadata fetcher and the
	 * credential chain share, under tlock (held while a new one is
	 * fetched, so that the two never ask at once).
	 */
	pthread_mutex_t		 tlock;
	char			*token;		/* NULL: none cached */
	int			 token_v1;	/* cached: no token API */
	time_t			 token_at;	/* CLOCK_MONOTONIC seconds */

	/* The thread's own. */
	int			 tags_failing;	/* warned about tags already */
};

/* C.UTF-8, for lower-casing tag keys; (locale_t)0 if unavailable. */
static locale_t		imds_utf8_locale;
static pthread_once_t	imds_locale_once = PTHREAD_ONCE_INIT;

static void
imds_locale_init(void)
{
	imds_utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8",
	    (locale_t)0);
}

static char *
imds_env(const char *name)
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
	if (len == 0 || len > IMDS_URL_MAX)
		return (NULL);
	return (xstrndup(v, len));
}

/*
 * One request through fetch.h, abandoned when stop is set.  Returns 0 when
 * an HTTP status came back (whatever it is) with the body in *r, or -1
 * with *cause; clear r either way.
 */
static int
imds_http(const atomic_int *stop, const char *method, const char *url,
    struct curl_slist *headers, const char *body, size_t max, int imds,
    struct fetch_response *r, char **cause)
{
	struct fetch_options	o;

	memset(&o, 0, sizeof o);
	o.connect_ms = IMDS_CONNECT_MS;
	o.total_ms = IMDS_TOTAL_MS;
	/* The link-local IMDS is never reached through a proxy. */
	o.no_proxy = imds;
	o.stop = stop;
	return (fetch_request(method, url, headers, body, max, &o, r, cause));
}

static time_t
imds_mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec);
}

/*
 * Gets an IMDSv2 session token.  Returns 0 with *token set (the caller
 * frees it), or NULL in *token when the service has no token API (403,
 * 404, 405: fall back to IMDSv1), or -1 with *cause.
 */
static int
imds_token_fetch(struct imds *m, const atomic_int *stop, char **token,
    char **cause)
{
	struct fetch_response	 r;
	struct curl_slist	*h = NULL;
	char			*url;
	size_t			 len;
	int			 ret = -1;

	*token = NULL;
	xasprintf(&url, "%s/latest/api/token", m->imds_url);
	h = curl_slist_append(h, "X-aws-ec2-metadata-token-ttl-seconds: "
	    IMDS_TOKEN_TTL);
	if (imds_http(stop, "PUT", url, h, NULL, IMDS_IMDS_MAX, 1, &r,
	    cause) != 0)
		goto out;
	if (r.status == 403 || r.status == 404 || r.status == 405) {
		ret = 0;
		goto out;
	}
	len = r.body.len;
	while (len > 0 && isspace((unsigned char)r.body.data[len - 1]))
		len--;
	if (r.status != 200 || len == 0 ||
	    memchr(r.body.data, '\n', len) != NULL ||
	    memchr(r.body.data, '\r', len) != NULL) {
		xasprintf(cause, "PUT %s: HTTP %ld", url, r.status);
		goto out;
	}
	*token = xstrndup(r.body.data, len);
	ret = 0;
out:
	fetch_response_clear(&r);
	curl_slist_free_all(h);
	free(url);
	return (ret);
}

/*
 * imds_token_fetch through the shared token: one is reused until a minute
 * before its TTL (IMDS_TOKEN_TTL) ends, as the SDKs do.
 */
static int
imds_token(struct imds *m, const atomic_int *stop, char **token,
    char **cause)
{
	int	rv = 0;

	pthread_mutex_lock(&m->tlock);
	if ((m->token != NULL || m->token_v1) && imds_mono() - m->token_at <
	    atoi(IMDS_TOKEN_TTL) - 60)
		*token = m->token != NULL ? xstrdup(m->token) : NULL;
	else {
		creds_wipe(m->token);
		m->token = NULL;
		m->token_v1 = 0;
		if ((rv = imds_token_fetch(m, stop, token, cause)) == 0) {
			m->token = *token != NULL ? xstrdup(*token) : NULL;
			m->token_v1 = *token == NULL;
			m->token_at = imds_mono();
		}
	}
	pthread_mutex_unlock(&m->tlock);
	return (rv);
}

/* Forgets the shared token (IMDS refused it: restarted, or expired). */
static void
imds_token_drop(struct imds *m)
{
	pthread_mutex_lock(&m->tlock);
	creds_wipe(m->token);
	m->token = NULL;
	m->token_v1 = 0;
	pthread_mutex_unlock(&m->tlock);
}

/* GETs an IMDS path; returns the body (the caller frees it) or NULL. */
static char *
imds_path_get(struct imds *m, const atomic_int *stop, const char *token,
    const char *path, char **cause)
{
	struct fetch_response	 r;
	struct curl_slist	*h = NULL;
	char			*url, *hdr = NULL, *body = NULL;

	xasprintf(&url, "%s%s", m->imds_url, path);
	if (token != NULL) {
		xasprintf(&hdr, "X-aws-ec2-metadata-token: %s", token);
		h = curl_slist_append(h, hdr);
	}
	if (imds_http(stop, "GET", url, h, NULL, IMDS_IMDS_MAX, 1, &r,
	    cause) != 0)
		goto out;
	if (r.status != 200) {
		/* A restarted IMDS, or one that now requires IMDSv2. */
		if (r.status == 401)
			imds_token_drop(m);
		xasprintf(cause, "GET %s: HTTP %ld", url, r.status);
		goto out;
	}
	body = buf_take(&r.body);
out:
	fetch_response_clear(&r);
	curl_slist_free_all(h);
	creds_wipe(hdr);
	free(url);
	return (body);
}

/*
 * The instance role's credentials from IMDS, with token (NULL: IMDSv1).
 * Returns 0 with *v filled and *role set (the caller frees both), or -1
 * with *cause.
 */
static int
imds_role_creds(struct imds *m, const atomic_int *stop, const char *token,
    struct creds_value *v, char **role, char **cause)
{
	json_t		*doc = NULL;
	json_error_t	 jerr;
	const char	*id, *secret, *stoken, *code, *exp;
	char		*list, *path = NULL, *body = NULL;
	size_t		 n;
	int		 ret = -1;

	memset(v, 0, sizeof *v);
	*role = NULL;
	list = imds_path_get(m, stop, token,
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
	*role = xstrndup(list, n);
	xasprintf(&path, "/latest/meta-data/iam/security-credentials/%s",
	    *role);
	if ((body = imds_path_get(m, stop, token, path, cause)) == NULL)
		goto out;
	if ((doc = json_loads(body, 0, &jerr)) == NULL) {
		xasprintf(cause, "role %s: bad credentials document", *role);
		goto out;
	}
	code = json_string_value(json_object_get(doc, "Code"));
	id = json_string_value(json_object_get(doc, "AccessKeyId"));
	secret = json_string_value(json_object_get(doc, "SecretAccessKey"));
	stoken = json_string_value(json_object_get(doc, "Token"));
	exp = json_string_value(json_object_get(doc, "Expiration"));
	if ((code != NULL && strcmp(code, "Success") != 0) || id == NULL ||
	    secret == NULL || *id == '\0' || *secret == '\0' ||
	    strlen(id) > CREDS_MAX_LEN || strlen(secret) > CREDS_MAX_LEN ||
	    (stoken != NULL && strlen(stoken) > CREDS_MAX_LEN)) {
		xasprintf(cause, "role %s: no usable credentials (Code %s)",
		    *role, code != NULL ? code : "missing");
		goto out;
	}
	if (exp != NULL && creds_parse_time(exp, &v->expiration) == -1) {
		xasprintf(cause, "role %s: bad Expiration", *role);
		goto out;
	}
	v->access_key_id = xstrdup(id);
	v->secret_access_key = xstrdup(secret);
	if (stoken != NULL && *stoken != '\0')
		v->session_token = xstrdup(stoken);
	ret = 0;
out:
	if (ret == -1) {
		free(*role);
		*role = NULL;
	}
	json_decref(doc);
	creds_wipe(body);
	free(path);
	free(list);
	return (ret);
}

enum creds_result
imds_role_credentials(struct imds *m, int v1_fallback,
    const atomic_int *stop, struct creds_value *v, char **desc, char **cause)
{
	char	*token = NULL, *role = NULL;
	int	 rv, v2;

	if (m->imds_disabled)
		return (CREDS_NONE);
	if (imds_token(m, stop, &token, cause) != 0) {
		/* Not on EC2, or IMDS is down: the chain has nothing. */
		return (CREDS_NONE);
	}
	if (token == NULL && !v1_fallback) {
		*cause = xstrdup("instance metadata has no IMDSv2 token API; "
		    "set imdsV1Fallback: true to use IMDSv1");
		return (CREDS_ERROR);
	}
	v2 = token != NULL;
	rv = imds_role_creds(m, stop, token, v, &role, cause);
	creds_wipe(token);
	if (rv == -1) {
		char	*c0 = *cause;

		xasprintf(cause, "instance role: %s", c0);
		free(c0);
		return (CREDS_ERROR);
	}
	xasprintf(desc, "instance role %s (%s)", role,
	    v2 ? "IMDSv2" : "IMDSv1");
	free(role);
	return (CREDS_FOUND);
}

void
imds_set_creds(struct imds *m, struct creds *c)
{
	pthread_mutex_lock(&m->lock);
	m->creds = c;
	pthread_mutex_unlock(&m->lock);
}

/*
 * The EC2 endpoint, m's or the region's: *url (scheme, host and path,
 * which ends in '/'), *host and *path, each the caller's to free.
 */
static int
imds_tags_endpoint(struct imds *m, const char *region, char **url,
    char **host, char **path, char **cause)
{
	const char	*hostp, *pathp;
	char		*base, *prefix;
	size_t		 n;

	if (m->ec2_url != NULL)
		base = xstrdup(m->ec2_url);
	else
		xasprintf(&base, "https://ec2.%s.amazonaws.com", region);
	if ((hostp = strstr(base, "://")) == NULL) {
		xasprintf(cause, "bad EC2 endpoint %s", base);
		free(base);
		return (-1);
	}
	hostp += 3;
	n = strcspn(hostp, "/?#");
	*host = xstrndup(hostp, n);
	pathp = hostp + n;
	xasprintf(path, "%.*s/", (int)strcspn(pathp, "?#"), pathp);
	xasprintf(&prefix, "%.*s%s", (int)(hostp - base), base, *host);
	xasprintf(url, "%s%s", prefix, *path);
	free(prefix);
	free(base);
	return (0);
}

/*
 * Calls DescribeTags for the instance, signed with the daemon's
 * credentials (imds_set_creds), else with the SDK default chain's as the
 * agent's EC2 client has them (creds.h without the config).  Returns the
 * tags object, or NULL with *cause.
 */
static json_t *
imds_tags(struct imds *m, const char *instance_id, const char *doc_region,
    char **cause)
{
	static const struct sigv4_header ct = { "Content-Type",
	    "application/x-www-form-urlencoded; charset=utf-8" };
	struct sigv4_call	 call;
	struct fetch_response	 r;
	struct curl_slist	*h = NULL;
	struct creds		*creds;
	const char		*region;
	char			*host = NULL, *path = NULL;
	struct buf		 form;
	char			*body = NULL, *url = NULL;
	json_t			*tags = NULL;

	memset(&r, 0, sizeof r);
	region = m->region != NULL ? m->region : doc_region;
	if (region == NULL || *region == '\0' ||
	    strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
	    strlen(region)) {
		*cause = xstrdup("no usable region");
		goto out;
	}
	if (imds_tags_endpoint(m, region, &url, &host, &path, cause) != 0)
		goto out;

	/* A form body: the id percent-encoded, 3 bytes a byte at most. */
	buf_init(&form, sizeof IMDS_TAGS_FORM + 3 * strlen(instance_id));
	buf_adds(&form, IMDS_TAGS_FORM);
	sigv4_uri_encode(&form, instance_id, strlen(instance_id));
	body = buf_take(&form);

	pthread_mutex_lock(&m->lock);
	if ((creds = m->creds) == NULL) {
		if (m->owncreds == NULL)
			m->owncreds = creds_new(NULL, m);
		creds = m->owncreds;
	}
	pthread_mutex_unlock(&m->lock);
	memset(&call, 0, sizeof call);
	call.method = "POST";
	call.host = host;
	call.path = path;
	call.headers = &ct;
	call.nheaders = 1;
	call.body = body;
	call.body_len = strlen(body);
	call.region = region;
	call.service = "ec2";
	call.now = time(NULL);
	if (creds_sign(creds, &call, &h, cause) == -1)
		goto out;
	h = curl_slist_append(h, "Expect:");
	if (imds_http(&m->stop, "POST", url, h, body, IMDS_TAGS_MAX, 0, &r,
	    cause) != 0)
		goto out;
	if (r.status != 200) {
		const char	*c0, *c1;

		/* <Errors><Error><Code>AuthFailure</Code>... */
		if ((c0 = strstr(buf_cstr(&r.body), "<Code>")) != NULL &&
		    (c1 = strstr(c0, "</Code>")) != NULL && c1 - c0 < 128)
			xasprintf(cause, "DescribeTags: HTTP %ld %.*s",
			    r.status, (int)(c1 - c0 - 6), c0 + 6);
		else
			xasprintf(cause, "DescribeTags: HTTP %ld", r.status);
		goto out;
	}
	tags = imds_parse_tags(buf_cstr(&r.body), r.body.len, cause);
out:
	fetch_response_clear(&r);
	sigv4_slist_free(h);
	free(body);
	free(url);
	free(path);
	free(host);
	return (tags);
}

/*
 * Makes a snapshot: error alone, or the document's fields, the time and
 * the tags (an object of strings; NULL: DescribeTags failed).  One
 * allocation holds the struct, the tags and every string.
 */
static struct imds_snap *
imds_snap_make(const char *error, const json_t *doc, time_t fetched,
    const json_t *tags)
{
	struct imds_snap	*s;
	struct ec2_metadata_tag	*t;
	const char		*f[EC2_METADATA_NFIELDS], *k;
	json_t			*v;
	size_t			 size, ntags, i, len;
	char			*p;

	ntags = tags != NULL ? json_object_size(tags) : 0;
	size = sizeof *s + ntags * sizeof *t;
	if (error != NULL)
		size += strlen(error) + 1;
	for (i = 0; i < EC2_METADATA_NFIELDS; i++) {
		f[i] = error == NULL ? json_string_value(json_object_get(doc,
		    ec2_metadata_fields[i].doc)) : NULL;
		if (f[i] != NULL)
			size += strlen(f[i]) + 1;
	}
	if (tags != NULL) {
		json_object_foreach((json_t *)tags, k, v)
			size += strlen(k) + 1 + json_string_length(v) + 1;
	}
	s = xcalloc(1, size);
	atomic_init(&s->refs, 1);
	s->md.gen = atomic_fetch_add(&imds_gen, 1) + 1;
	t = (struct ec2_metadata_tag *)(s + 1);
	p = (char *)(t + ntags);
	if (error != NULL) {
		len = strlen(error) + 1;
		s->md.error = memcpy(p, error, len);
		return (s);
	}
	for (i = 0; i < EC2_METADATA_NFIELDS; i++) {
		if (f[i] == NULL)
			continue;
		len = strlen(f[i]) + 1;
		*(const char **)(void *)((char *)&s->md +
		    ec2_metadata_fields[i].off) =
		    memcpy(p, f[i], len);
		p += len;
	}
	s->md.fetched = fetched;
	if (tags != NULL) {
		s->md.has_tags = 1;
		s->md.tags = t;
		json_object_foreach((json_t *)tags, k, v) {
			len = strlen(k) + 1;
			t->key = memcpy(p, k, len);
			p += len;
			t->value_len = json_string_length(v);
			t->value = memcpy(p, json_string_value(v),
			    t->value_len);
			p += t->value_len + 1;
			t++;
			s->md.ntags++;
		}
	}
	return (s);
}

/*
 * One fetch: returns the snapshot, with an error if there is no identity.
 * Tags that cannot be had are left out with a warning, as the agent does.
 */
static struct imds_snap *
imds_fetch(struct imds *m)
{
	struct imds_snap	*snap = NULL;
	json_t			*doc = NULL, *tags = NULL;
	json_error_t		 jerr;
	time_t			 now;
	char			*token = NULL, *body = NULL, *tcause = NULL;
	char			*cause = NULL;
	const char		*instance_id;

	if (m->imds_disabled) {
		cause = xstrdup("AWS_EC2_METADATA_DISABLED is set");
		goto out;
	}
	now = time(NULL);
	if (imds_token(m, &m->stop, &token, &cause) != 0)
		goto out;
	body = imds_path_get(m, &m->stop, token,
	    "/latest/dynamic/instance-identity/document", &cause);
	if (body == NULL)
		goto out;
	if ((doc = json_loads(body, 0, &jerr)) == NULL ||
	    !json_is_object(doc)) {
		xasprintf(&cause, "bad instance identity document: %s",
		    doc == NULL ? jerr.text : "not an object");
		goto out;
	}

	instance_id = json_string_value(json_object_get(doc, "instanceId"));
	if (instance_id == NULL || *instance_id == '\0')
		tcause = xstrdup("no instanceId in the identity document");
	else
		tags = imds_tags(m, instance_id,
		    json_string_value(json_object_get(doc, "region")),
		    &tcause);
	if (tcause == NULL) {
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
	snap = imds_snap_make(NULL, doc, now, tags);
out:
	if (snap == NULL)
		snap = imds_snap_make(cause, NULL, 0, NULL);
	free(cause);
	json_decref(tags);
	json_decref(doc);
	free(body);
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	return (snap);
}

void
imds_release(const struct ec2_metadata *md)
{
	struct imds_snap	*s = (struct imds_snap *)md;

	if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1)
		free(s);
}

/*
 * Makes snap the latest, with m->lock held, taking over the caller's
 * reference; returns the one it replaces, for the caller to release.
 */
static struct imds_snap *
imds_set_snap(struct imds *m, struct imds_snap *snap)
{
	struct imds_snap	*old = m->snap;

	m->snap = snap;
	atomic_store_explicit(&m->published, snap->md.gen,
	    memory_order_release);
	return (old);
}

/* Publishes a snapshot, taking over the caller's reference. */
static void
imds_publish(struct imds *m, struct imds_snap *snap)
{
	struct imds_snap	*old;

	pthread_mutex_lock(&m->lock);
	old = imds_set_snap(m, snap);
	m->fetched = 1;
	pthread_cond_broadcast(&m->ready);
	pthread_mutex_unlock(&m->lock);
	imds_release(old != NULL ? &old->md : NULL);
}

static void *
imds_thread(void *arg)
{
	struct imds		*m = arg;
	struct imds_snap	*snap;
	struct timespec		 began, deadline;
	unsigned int		 wait;
	int			 failed;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &began);
		log_debug("ADDEC2METADATA: fetching EC2 metadata");
		snap = imds_fetch(m);
		if ((failed = snap->md.error != NULL))
			log_debug("ADDEC2METADATA: no metadata: %s",
			    snap->md.error);
		imds_publish(m, snap);

		/* m->ttl may shrink while this waits (imds_get). */
		pthread_mutex_lock(&m->lock);
		while (!atomic_load(&m->stop)) {
			wait = m->ttl;
			if (failed && wait > IMDS_RETRY_SECS)
				wait = IMDS_RETRY_SECS;
			deadline = began;
			deadline.tv_sec += wait;
			if (pthread_cond_timedwait(&m->wake, &m->lock,
			    &deadline) == ETIMEDOUT)
				break;
		}
		pthread_mutex_unlock(&m->lock);
		if (atomic_load(&m->stop))
			break;
	}
	return (NULL);
}

struct imds *
imds_create(void)
{
	struct imds		*m;
	pthread_condattr_t	 ca;
	char			*v;

	m = xcalloc(1, sizeof *m);
	m->ttl = 1;
	if ((v = imds_env("AWS_EC2_METADATA_DISABLED")) != NULL) {
		m->imds_disabled = strcasecmp(v, "true") == 0;
		free(v);
	}
	if ((m->imds_url = imds_env("AWS_EC2_METADATA_SERVICE_ENDPOINT")) ==
	    NULL)
		m->imds_url = xstrdup(IMDS_DEFAULT_URL);
	if ((m->ec2_url = imds_env("AWS_ENDPOINT_URL_EC2")) == NULL)
		m->ec2_url = imds_env("AWS_ENDPOINT_URL");
	m->region = imds_env("AWS_REGION");

	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->tlock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->wake, &ca);
	pthread_cond_init(&m->ready, &ca);
	pthread_condattr_destroy(&ca);
	return (m);
}

/*
 * Starts the thread, with m->lock held, and waits for its first fetch for
 * up to IMDS_WAIT_MS.  A thread that cannot start leaves a snapshot that
 * says so.
 */
static void
imds_start(struct imds *m)
{
	struct timespec	 deadline;
	sigset_t	 all, old;
	char		*cause = NULL;
	int		 rc;

	/*
	 * Here, not in imds_create, so that a process with no ADDEC2METADATA
	 * (sluiced -p among them) never loads TLS.  Thread-safe from libcurl
	 * 7.84 on; a no-op after the first.
	 */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		/* The first snapshot: it replaces none. */
		(void)imds_set_snap(m, imds_snap_make("curl_global_init "
		    "failed", NULL, 0, NULL));
		return;
	}
	/*
	 * The thread blocks every signal, so that signals meant for the
	 * daemon's loop (signalfd, blocked there) never land here.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&m->thread, NULL, imds_thread, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		xasprintf(&cause, "pthread_create: %s", strerror(rc));
		log_warnx("ADDEC2METADATA: cannot start the metadata thread: "
		    "%s", cause);
		(void)imds_set_snap(m, imds_snap_make(cause, NULL, 0, NULL));
		free(cause);
		return;
	}
	m->running = 1;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += IMDS_WAIT_MS / 1000;
	deadline.tv_nsec += (long)(IMDS_WAIT_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	while (!m->fetched &&
	    pthread_cond_timedwait(&m->ready, &m->lock, &deadline) !=
	    ETIMEDOUT)
		;
}

const struct ec2_metadata *
imds_get(struct imds *m, unsigned int max_age)
{
	struct imds_snap	*s;

	if (max_age < 1)
		max_age = 1;
	pthread_mutex_lock(&m->lock);
	if (!m->started) {
		m->started = 1;
		m->ttl = max_age;
		imds_start(m);
	} else if (max_age < m->ttl) {
		m->ttl = max_age;
		pthread_cond_broadcast(&m->wake);
	}
	if ((s = m->snap) != NULL)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&m->lock);
	return (s != NULL ? &s->md : NULL);
}

const struct ec2_metadata *
imds_conv_get(void *arg, unsigned int max_age)
{
	struct imds			*m = arg;
	const struct ec2_metadata	*md = m->conv_held;
	uint64_t			 gen;

	if (max_age < 1)
		max_age = 1;
	/*
	 * The common case takes no lock: the snapshot held is still the
	 * latest, and the fetcher already refreshes as often as max_age
	 * asks (imds_get lowered its TTL), so a younger one would show as
	 * a new generation.  A stale load only defers the change a record.
	 */
	gen = md != NULL ? md->gen : 0;
	if (m->conv_age != 0 && max_age >= m->conv_age &&
	    atomic_load_explicit(&m->published, memory_order_acquire) == gen)
		return (md);
	md = imds_get(m, max_age);
	imds_release(m->conv_held);
	m->conv_held = md;
	if (m->conv_age == 0 || max_age < m->conv_age)
		m->conv_age = max_age;
	return (md);
}

void
imds_free(struct imds *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	atomic_store(&m->stop, 1);
	pthread_cond_broadcast(&m->wake);
	pthread_mutex_unlock(&m->lock);
	if (m->running)
		pthread_join(m->thread, NULL);

	pthread_cond_destroy(&m->ready);
	pthread_cond_destroy(&m->wake);
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->tlock);
	creds_wipe(m->token);
	imds_release(m->conv_held);
	imds_release(m->snap != NULL ? &m->snap->md : NULL);
	creds_free(m->owncreds);
	free(m->region);
	free(m->ec2_url);
	free(m->imds_url);
	free(m);
}

/* XML ------------------------------------------------------------------ */

/*
 * Decodes the character data s[0..len) (entities, CDATA sections) into a
 * new string; its length goes in *outlen.  Returns NULL on a bad entity.
 * The result is never longer than the input.
 */
char *
imds_xml_text(const char *s, size_t len, size_t *outlen)
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
		p += utf8_encode(p, (uint32_t)cp);
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
int
imds_xml_find(const char *s, const char *end, const char *name,
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
imds_lower(locale_t loc, const char *s, size_t len)
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
		p += utf8_encode(p, (uint32_t)cp);
		i += n;
	}
	*p = '\0';
	return (out);
}

json_t *
imds_parse_tags(const char *xml, size_t len, char **cause)
{
	const char	*end = xml + len, *set, *item, *c, *after, *next, *skip;
	size_t		 setlen, itemlen, clen, klen, vlen, ntags = 0;
	char		*key = NULL, *value = NULL, *lkey;
	json_t		*tags, *v, *k;

	pthread_once(&imds_locale_once, imds_locale_init);
	if (memmem(xml, len, "<DescribeTagsResponse", 21) == NULL) {
		*cause = xstrdup("not a DescribeTagsResponse");
		return (NULL);
	}
	tags = json_object();
	if (!imds_xml_find(xml, end, "tagSet", &set, &setlen, &after))
		return (tags);	/* no tags */
	end = set + setlen;
	for (next = set; imds_xml_find(next, end, "item", &item, &itemlen,
	    &after); next = after) {
		if (++ntags > IMDS_MAX_TAGS) {
			xasprintf(cause, "more than %d tags", IMDS_MAX_TAGS);
			goto bad;
		}
		if (!imds_xml_find(item, item + itemlen, "key", &c, &clen,
		    &skip) ||
		    (key = imds_xml_text(c, clen, &klen)) == NULL) {
			*cause = xstrdup("a tag without a usable key");
			goto bad;
		}
		if (!imds_xml_find(item, item + itemlen, "value", &c, &clen,
		    &skip)) {
			value = xstrdup("");
			vlen = 0;
		} else if ((value = imds_xml_text(c, clen, &vlen)) == NULL) {
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
		lkey = imds_lower(imds_utf8_locale, key, klen);
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
