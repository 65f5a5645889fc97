/*
 * sigcheck: see sigcheck.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "sigcheck.h"
#include "sigv4.h"

#define SIGCHECK_MAX_HEADERS	32
#define SIGCHECK_FIELD_MAX	4096

enum sigcheck_result
sigcheck_verify(const struct httpd_req *h, const void *body, size_t len,
    const char *key, const char *secret, const char *token,
    const char *service, char *why, size_t whylen)
{
	static char		 auth[SIGCHECK_FIELD_MAX], date[64];
	static char		 names[SIGCHECK_FIELD_MAX];
	static char		 values[SIGCHECK_MAX_HEADERS][SIGCHECK_FIELD_MAX];
	struct sigv4_header	 sh[SIGCHECK_MAX_HEADERS];
	struct sigv4_credentials creds;
	struct sigv4_request	 req;
	const char		*cred, *p, *e;
	char			 akid[256], region[64], svc[64], tok[4096];
	char			*want = NULL, *name, *save = NULL;
	size_t			 n = 0;
	int			 has_token;
	enum sigcheck_result	 rv = SIGCHECK_BAD_SIGNATURE;

	if (httpd_header(h, "Authorization", auth, sizeof auth) != 1 ||
	    strncmp(auth, "AWS4-HMAC-SHA256 ", 17) != 0 ||
	    (cred = strstr(auth, "Credential=")) == NULL ||
	    strstr(auth, "SignedHeaders=") == NULL ||
	    strstr(auth, "Signature=") == NULL ||
	    httpd_header(h, "X-Amz-Date", date, sizeof date) != 1) {
		snprintf(why, whylen, "no SigV4 Authorization or X-Amz-Date");
		return (SIGCHECK_MISSING);
	}
	/* Credential=AKID/YYYYMMDD/REGION/SERVICE/aws4_request */
	cred += 11;
	if (sscanf(cred, "%255[^/]/%*8[0-9]/%63[^/]/%63[^/]/aws4_request",
	    akid, region, svc) != 3) {
		snprintf(why, whylen, "malformed Credential");
		return (SIGCHECK_MISSING);
	}
	/*
	 * A session token that is not the current one is an expired one,
	 * whatever its key: temporary credentials that were rotated.
	 */
	has_token = httpd_header(h, "X-Amz-Security-Token", tok,
	    sizeof tok) == 1;
	if (has_token && token != NULL && strcmp(tok, token) != 0) {
		snprintf(why, whylen, "not the session token expected");
		return (SIGCHECK_BAD_TOKEN);
	}
	if (strcmp(akid, key) != 0) {
		snprintf(why, whylen, "access key %s is not the one expected",
		    akid);
		return (SIGCHECK_BAD_KEY);
	}
	if ((token == NULL) != !has_token || (token != NULL &&
	    strcmp(tok, token) != 0)) {
		snprintf(why, whylen, "%s", !has_token ? "no session token" :
		    "not the session token expected");
		return (SIGCHECK_BAD_TOKEN);
	}
	if (strcmp(svc, service) != 0) {
		snprintf(why, whylen, "signed for service %s, not %s", svc,
		    service);
		return (SIGCHECK_BAD_SIGNATURE);
	}
	p = strstr(auth, "SignedHeaders=") + 14;
	e = p + strcspn(p, ", ");
	snprintf(names, sizeof names, "%.*s", (int)(e - p), p);
	if (has_token && strstr(names, "x-amz-security-token") == NULL) {
		snprintf(why, whylen, "the session token is not signed");
		return (SIGCHECK_BAD_SIGNATURE);
	}
	for (name = strtok_r(names, ";", &save); name != NULL;
	    name = strtok_r(NULL, ";", &save)) {
		if (n == SIGCHECK_MAX_HEADERS || httpd_header(h, name,
		    values[n], sizeof values[n]) < 1) {
			snprintf(why, whylen, "signed header %s is missing",
			    name);
			return (SIGCHECK_BAD_SIGNATURE);
		}
		sh[n].name = name;
		sh[n].value = values[n];
		n++;
	}
	memset(&req, 0, sizeof req);
	req.method = h->method;
	req.path = h->target;
	req.query = NULL;
	req.headers = sh;
	req.nheaders = n;
	req.body = body;
	req.body_len = len;
	creds.access_key_id = key;
	creds.secret_access_key = secret;
	creds.session_token = token;
	want = sigv4_authorization(&req, &creds, region, svc, date);
	if (want == NULL)
		snprintf(why, whylen, "cannot sign the request again");
	else if (strcmp(want, auth) != 0)
		snprintf(why, whylen, "The request signature we calculated "
		    "does not match the signature you provided.");
	else
		rv = SIGCHECK_OK;
	free(want);
	return (rv);
}
