/*
 * fetch: see fetch.h.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "fetch.h"
#include "xmalloc.h"

#define FETCH_CONNECT_MS	1000L
#define FETCH_TOTAL_MS		2000L

static size_t
fetch_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct fetch_response	*r = arg;
	size_t			 n = size * nmemb;

	if (buf_add(&r->body, ptr, n) == -1)
		return (0);
	return (n);
}

static int
fetch_progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	const atomic_int	*stop = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return (stop != NULL && atomic_load(stop) ? 1 : 0);
}

void
fetch_response_clear(struct fetch_response *r)
{
	if (r->body.data != NULL)
		OPENSSL_cleanse(r->body.data, r->body.cap);
	buf_free(&r->body);
	r->status = 0;
}

int
fetch_request(const char *method, const char *url,
    const struct curl_slist *headers, const char *body, size_t max,
    const struct fetch_options *o, struct fetch_response *r, char **cause)
{
	CURL		*c;
	CURLcode	 rc;
	char		 err[CURL_ERROR_SIZE];
	int		 ret = -1;

	r->status = 0;
	buf_init(&r->body, max);
	err[0] = '\0';
	if ((c = curl_easy_init()) == NULL) {
		*cause = xstrdup("curl_easy_init failed");
		return (-1);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_ms > 0 ?
	    o->connect_ms : FETCH_CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->total_ms > 0 ?
	    o->total_ms : FETCH_TOTAL_MS);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, fetch_progress_cb);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)o->stop);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (o->no_proxy)
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (o->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	if (strcmp(method, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	} else if (strcmp(method, "POST") == 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (headers != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		if (buf_has_failed(&r->body))
			xasprintf(cause, "%s %s: response longer than %zu "
			    "bytes", method, url, max);
		else
			xasprintf(cause, "%s %s: %s", method, url,
			    err[0] != '\0' ? err : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	(void)buf_cstr(&r->body);
	ret = 0;
out:
	curl_easy_cleanup(c);
	return (ret);
}
