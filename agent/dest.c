/*
 * dest: the registry and what Kinesis and Firehose share: the body
 * buffer, JSON string escaping, the response parser (both answer with an
 * array of per-record entries that carry ErrorCode/ErrorMessage on
 * failure), error descriptions and the endpoint, region and Host header.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "base64.h"
#include "dest.h"
#include "json_out.h"
#include "log.h"
#include "xmalloc.h"


const struct dest_ops *dest_registry[] = {
	&dest_kinesis_ops,
	&dest_firehose_ops,
	NULL
};

ssize_t
dest_entry_data(const char *entry, size_t len, void *out)
{
	static const char	 key[] = "{\"Data\":\"";
	const char		*p, *q;

	if (len < sizeof key - 1 || memcmp(entry, key, sizeof key - 1) != 0)
		return (-1);
	p = entry + sizeof key - 1;
	if ((q = memchr(p, '"', len - (size_t)(p - entry))) == NULL)
		return (-1);
	return (base64_decode(out, p, (size_t)(q - p)));
}

const struct dest_ops *
dest_find(enum config_dest kind)
{
	const struct dest_ops	**d;

	for (d = dest_registry; *d != NULL; d++)
		if ((*d)->kind == kind)
			return (*d);
	return (NULL);
}

void
dest_limits(const struct dest_ops *ops, const struct config_flow *flow,
    struct dest_limits *l)
{
	memset(l, 0, sizeof *l);
	l->max_records = ops->max_records;
	l->max_request_bytes = ops->max_request_bytes;
	l->max_record_bytes = ops->max_record_bytes;
	if (flow != NULL && flow->max_buffer_size_records > 0)
		l->max_records = (size_t)flow->max_buffer_size_records;
	if (flow != NULL && flow->max_buffer_size_bytes > 0)
		l->max_request_bytes = (size_t)flow->max_buffer_size_bytes;
	if (flow != NULL && flow->max_record_size_bytes > 0)
		l->max_record_bytes = (size_t)flow->max_record_size_bytes;
	/*
	 * Kinesis counts the partition key in a record's size: a record's
	 * data gets what our longest key leaves (the agent subtracts the
	 * length of the key it drew).
	 */
	l->max_record = l->max_record_bytes - ops->key_max;
	/* A raised record limit is not undercut by the read buffer. */
	l->read_buffer = ops->read_buffer > l->max_record ? ops->read_buffer :
	    l->max_record;
}

size_t
dest_body_max(const struct dest_ops *ops, const struct dest_limits *l,
    const char *stream)
{
	size_t	n, data;

	/* Escaping makes a byte at most 6 ("\u00XX"); 64 covers the keys. */
	n = 64 + 6 * strlen(stream);
	/*
	 * Each record's base64 is at most 4/3 of its bytes plus 4 (padding),
	 * and records share the request's byte limit (or are one record).
	 */
	data = l->max_request_bytes > l->max_record_bytes ?
	    l->max_request_bytes : l->max_record_bytes;
	n += base64_encoded_len(data);
	n += l->max_records * (ops->entry_overhead + 1 + 4);
	return (n + 16);
}

void
dest_body_reserve(struct buf *b, size_t n)
{
	if (buf_reserve(b, n) == -1)
		fatalx("dest: request body over its %zu byte maximum", b->max);
}

void
dest_body_json_string(struct buf *b, const char *s)
{
	size_t	n = strlen(s);

	dest_body_reserve(b, JSON_OUT_QUOTED_MAX(n));
	b->len = (size_t)(json_out_put_quoted(b->data + b->len, s, n) -
	    b->data);
}

/* Copies a JSON string member (or "") into buf, bounded, printable only. */
static void
dest_copy_member(json_t *obj, const char *key, char *buf, size_t len)
{
	json_t		*v;
	const char	*s = "";
	size_t		 i;

	if ((v = json_object_get(obj, key)) != NULL && json_is_string(v))
		s = json_string_value(v);
	for (i = 0; i + 1 < len && s[i] != '\0'; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = '\0';
}

/* Counts one failed entry under its code in res->codes. */
static void
dest_count_code(struct dest_result *res, json_t *code)
{
	char	c[DEST_CODE_MAX];
	size_t	i, k;

	if (json_is_string(code)) {
		const char	*v = json_string_value(code);

		for (k = 0; k + 1 < sizeof c && v[k] != '\0'; k++)
			c[k] = isprint((unsigned char)v[k]) ? v[k] : '?';
		c[k] = '\0';
	} else
		snprintf(c, sizeof c, "(invalid)");
	for (i = 0; i < res->ncodes; i++) {
		if (strcmp(res->codes[i].code, c) == 0) {
			res->codes[i].n++;
			return;
		}
	}
	if (res->ncodes == DEST_NCODES) {
		snprintf(res->codes[DEST_NCODES - 1].code, DEST_CODE_MAX,
		    "(other)");
		res->codes[DEST_NCODES - 1].n++;
		return;
	}
	snprintf(res->codes[res->ncodes].code, DEST_CODE_MAX, "%s", c);
	res->codes[res->ncodes++].n = 1;
}

int
dest_parse_entries(const char *body, size_t len, const char *array_key,
    size_t n, uint8_t *failed, struct dest_result *res, char **cause)
{
	json_t		*root = NULL, *arr, *e, *code;
	json_error_t	 jerr;
	size_t		 i;
	int		 rv = -1;

	memset(res, 0, sizeof *res);
	/* Rejecting duplicate keys keeps an ambiguous answer from acking. */
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		xasprintf(cause, "invalid JSON response: %s (offset %d)",
		    jerr.text, jerr.position);
		goto out;
	}
	if (!json_is_object(root)) {
		xasprintf(cause, "response is not a JSON object");
		goto out;
	}
	arr = json_object_get(root, array_key);
	if (arr == NULL || !json_is_array(arr)) {
		xasprintf(cause, "response has no %s array", array_key);
		goto out;
	}
	if (json_array_size(arr) != n) {
		xasprintf(cause, "response has %zu entries for %zu records",
		    json_array_size(arr), n);
		goto out;
	}
	for (i = 0; i < n; i++) {
		e = json_array_get(arr, i);
		if (!json_is_object(e)) {
			xasprintf(cause, "response entry %zu is not an object",
			    i);
			goto out;
		}
		code = json_object_get(e, "ErrorCode");
		if (code == NULL || json_is_null(code)) {
			failed[i] = 0;
			continue;
		}
		failed[i] = 1;
		dest_count_code(res, code);
		if (res->nfailed++ > 0)
			continue;
		if (json_is_string(code))
			dest_copy_member(e, "ErrorCode", res->code,
			    sizeof res->code);
		else
			snprintf(res->code, sizeof res->code, "(invalid)");
		dest_copy_member(e, "ErrorMessage", res->message,
		    sizeof res->message);
	}
	rv = 0;
out:
	json_decref(root);
	return (rv);
}

void
dest_error_fields(const char *error_type, const char *body, size_t body_len,
    char *type, char *msg)
{
	json_t		*root;
	json_error_t	 jerr;
	char		*hash;

	type[0] = msg[0] = '\0';
	if (error_type != NULL)
		snprintf(type, DEST_CODE_MAX, "%s", error_type);
	root = json_loadb(body, body_len, 0, &jerr);
	if (root != NULL && json_is_object(root)) {
		if (type[0] == '\0') {
			/* "__type": "com.amazon.coral.service#Code" */
			dest_copy_member(root, "__type", type, DEST_CODE_MAX);
			if ((hash = strrchr(type, '#')) != NULL)
				memmove(type, hash + 1, strlen(hash));
		}
		dest_copy_member(root, "message", msg, DEST_MESSAGE_MAX);
		if (msg[0] == '\0')
			dest_copy_member(root, "Message", msg,
			    DEST_MESSAGE_MAX);
	}
	json_decref(root);
}

void
dest_describe_error(long status, const char *error_type, const char *body,
    size_t body_len, char *buf, size_t len)
{
	char	type[DEST_CODE_MAX], msg[DEST_MESSAGE_MAX];

	dest_error_fields(error_type, body, body_len, type, msg);
	snprintf(buf, len, "HTTP %ld%s%s%s%s", status,
	    type[0] != '\0' ? " " : "", type,
	    msg[0] != '\0' ? ": " : "", msg);
}

/* 1 if code is one of the NULL-terminated names, or starts with a prefix* */
static int
dest_code_in(const char *code, const char *const *names)
{
	size_t	n;

	for (; *names != NULL; names++) {
		n = strlen(*names);
		if (n > 0 && (*names)[n - 1] == '*') {
			if (strncmp(code, *names, n - 1) == 0)
				return (1);
		} else if (strcmp(code, *names) == 0)
			return (1);
	}
	return (0);
}

/*
 * The codes come from the Kinesis and Firehose API references ("Errors")
 * and the AWS common errors; an unknown 4xx is an operator's, since
 * retrying it fast cannot help and retrying it slowly loses nothing.
 */
static const char *const dest_throttled[] = {
	"ThrottlingException", "Throttling", "LimitExceededException",
	"ProvisionedThroughputExceededException", "KMSThrottlingException",
	"RequestLimitExceeded", "TooManyRequestsException", "SlowDown", NULL
};
static const char *const dest_expired[] = {
	"ExpiredToken", "ExpiredTokenException", NULL
};
static const char *const dest_skewed[] = {
	"RequestExpired", "RequestTimeTooSkewed", "RequestInTheFuture", NULL
};
static const char *const dest_content[] = {
	"ValidationException", "SerializationException",
	"InvalidArgumentException", "RequestEntityTooLarge", NULL
};

enum dest_class
dest_classify(long status, const char *type, const char *message)
{
	if (type == NULL)
		type = "";
	if (message == NULL)
		message = "";
	if (status == 0)
		return (DEST_RETRY);
	if (dest_code_in(type, dest_throttled))
		return (DEST_THROTTLED);
	if (dest_code_in(type, dest_expired))
		return (DEST_EXPIRED);
	if (dest_code_in(type, dest_skewed) ||
	    (strcmp(type, "InvalidSignatureException") == 0 &&
	    strstr(message, "Signature expired") != NULL))
		return (DEST_SKEWED);
	if (status == 413 || dest_code_in(type, dest_content))
		return (DEST_CONTENT);
	if (status >= 500 || status == 408 || status == 429)
		return (status == 429 ? DEST_THROTTLED : DEST_RETRY);
	if (status >= 400)
		return (DEST_OPERATOR);
	return (DEST_RETRY);
}

static const char *const dest_creds_codes[] = {
	"UnrecognizedClient*", "InvalidSignature*", "IncompleteSignature*",
	"MissingAuthenticationToken*", "InvalidClientTokenId",
	"InvalidAccessKeyId", "SignatureDoesNotMatch", NULL
};

void
dest_fix(const struct dest_ops *ops, const char *type, const char *stream,
    const char *region, char *buf, size_t len)
{
	int	fh = ops->kind == CONFIG_DEST_FIREHOSE;

	if (strncmp(type, "AccessDenied", 12) == 0 ||
	    strcmp(type, "NotAuthorized") == 0)
		snprintf(buf, len, "grant %s:%s on arn:aws:%s:%s:*:%s/%s to "
		    "the credentials in use (sluicectl status shows them)",
		    ops->service, ops->api, ops->service, region,
		    fh ? "deliverystream" : "stream", stream);
	else if (strncmp(type, "ResourceNotFound", 16) == 0)
		snprintf(buf, len, "create the %s %s in %s, or fix %s (and "
		    "the region)", fh ? "Firehose stream" : "stream", stream,
		    region, fh ? "deliveryStream" : "kinesisStream");
	else if (strncmp(type, "KMS", 3) == 0 ||
	    strncmp(type, "InvalidKMS", 10) == 0)
		snprintf(buf, len, "check the stream's KMS key: it must "
		    "exist and be enabled, and its key policy must allow the "
		    "credentials in use kms:GenerateDataKey");
	else if (dest_code_in(type, dest_creds_codes))
		snprintf(buf, len, "check the credentials in use (sluicectl "
		    "status shows their source) and the region, %s", region);
	else if (dest_code_in(type, dest_content))
		snprintf(buf, len, "every record of a request is refused "
		    "alone: check %s, the endpoint and the record limits",
		    fh ? "deliveryStream" : "kinesisStream");
	else if (strcmp(type, "UnknownHost") == 0)
		snprintf(buf, len, "check the region, %s, and the endpoint: "
		    "the host name does not resolve", region);
	else
		snprintf(buf, len, "check the endpoint, the region (%s) and "
		    "the stream name", region);
}

/* A region looks like "us-east-1" or "cn-north-1": a dash, ends in a digit. */
static int
dest_is_region(const char *s, size_t len)
{
	if (len < 4 || memchr(s, '-', len) == NULL)
		return (0);
	return (isdigit((unsigned char)s[len - 1]) != 0);
}

char *
dest_region_from_host(const char *host)
{
	static const char	*suffixes[] = {
		".amazonaws.com", ".amazonaws.com.cn", NULL
	};
	const char		**s;
	char			*h, *p, *end = NULL, *start, *region = NULL;
	size_t			 hl, sl;

	h = xstrdup(host);
	for (p = h; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if ((p = strchr(h, ':')) != NULL)	/* drop a port */
		*p = '\0';
	hl = strlen(h);
	if (hl > 0 && h[hl - 1] == '.')		/* absolute name */
		h[--hl] = '\0';
	for (s = suffixes; *s != NULL; s++) {
		sl = strlen(*s);
		if (hl > sl && strcmp(h + hl - sl, *s) == 0)
			end = h + hl - sl;
	}
	while (end != NULL && end > h) {
		for (start = end; start > h && start[-1] != '.'; start--)
			;
		/* vpce-1-x.kinesis.us-east-1.vpce.amazonaws.com */
		if (end - start == 4 && strncmp(start, "vpce", 4) == 0) {
			end = start > h ? start - 1 : NULL;
			continue;
		}
		if (dest_is_region(start, (size_t)(end - start)))
			region = xstrndup(start, (size_t)(end - start));
		break;
	}
	free(h);
	return (region);
}

void
dest_endpoint_clear(struct dest_endpoint *ep)
{
	free(ep->url);
	free(ep->host);
	free(ep->path);
	free(ep->region);
	memset(ep, 0, sizeof *ep);
}

int
dest_endpoint_make(struct dest_endpoint *ep, const struct dest_ops *ops,
    const char *endpoint, const char *region, char **cause)
{
	CURLU		*u = NULL;
	CURLUcode	 uc;
	char		*url = NULL, *scheme = NULL, *host = NULL;
	char		*port = NULL;
	char		*path = NULL;
	int		 rv = -1;

	memset(ep, 0, sizeof *ep);
	if (region != NULL && *region == '\0')
		region = NULL;
	if (endpoint != NULL && *endpoint != '\0')
		url = xstrdup(endpoint);
	else {
		if (region == NULL) {
			xasprintf(cause, "%s: no region, and no endpoint",
			    ops->name);
			goto out;
		}
		xasprintf(&url, "https://%s.%s.amazonaws.com%s", ops->service,
		    region, strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
	}

	if ((u = curl_url()) == NULL)
		fatalx("dest: curl_url");
	uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc != CURLUE_OK) {
		xasprintf(cause, "endpoint %s: %s", url, curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		xasprintf(cause, "endpoint %s: no host", url);
		goto out;
	}
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
		xasprintf(cause, "endpoint %s: scheme is not http or https",
		    url);
		goto out;
	}
	/*
	 * libcurl leaves the port out of Host when it is the scheme's
	 * default; the signature covers Host, so do exactly the same.
	 */
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;
	if (port != NULL && ((strcmp(scheme, "https") == 0 &&
	    strcmp(port, "443") == 0) || (strcmp(scheme, "http") == 0 &&
	    strcmp(port, "80") == 0))) {
		curl_free(port);
		port = NULL;
	}
	if (port != NULL)
		xasprintf(&ep->host, "%s:%s", host, port);
	else
		ep->host = xstrdup(host);
	ep->path = xstrdup(path[0] != '\0' ? path : "/");
	free(url);
	if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
		fatalx("dest: curl_url_get");
	ep->url = xstrdup(url);
	curl_free(url);
	url = NULL;

	if (region != NULL)
		ep->region = xstrdup(region);
	else if ((ep->region = dest_region_from_host(host)) == NULL) {
		xasprintf(cause, "endpoint %s: no region to sign for: set "
		    "the region", ep->url);
		goto out;
	}
	rv = 0;
out:
	if (rv == -1)
		dest_endpoint_clear(ep);
	free(url);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return (rv);
}

const char *
dest_endpoint_url(enum config_dest kind, const struct config *cfg)
{
	const char	*url, *env;

	url = kind == CONFIG_DEST_FIREHOSE ? cfg->firehose_endpoint :
	    cfg->kinesis_endpoint;
	if (url != NULL && *url != '\0')
		return (url);
	env = kind == CONFIG_DEST_FIREHOSE ? "AWS_ENDPOINT_URL_FIREHOSE" :
	    "AWS_ENDPOINT_URL_KINESIS";
	if ((url = getenv(env)) != NULL && *url != '\0')
		return (url);
	if ((url = getenv("AWS_ENDPOINT_URL")) != NULL && *url != '\0')
		return (url);
	return (NULL);
}

int
dest_endpoint_init(struct dest_endpoint *ep, const struct dest_ops *ops,
    const struct config *cfg, char **cause)
{
	if (ops->kind == CONFIG_DEST_FIREHOSE)
		return (dest_endpoint_make(ep, ops,
		    dest_endpoint_url(ops->kind, cfg), cfg->firehose_region,
		    cause));
	return (dest_endpoint_make(ep, ops, dest_endpoint_url(ops->kind, cfg),
	    cfg->kinesis_region, cause));
}
