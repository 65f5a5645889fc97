/*
 * test_sigv4: runs every case of the AWS SigV4 test suite (aws-c-auth's
 * aws-signing-test-suite/v4, copied in tests/data/sigv4, see its README)
 * through sigv4.c and compares the canonical request, the string to sign,
 * the signature and the Authorization value byte for byte, then checks a
 * few behaviours the suite does not cover.
 *
 * The suite's directory comes from $SIGV4_TESTDATA (make check sets it to
 * tests/data/sigv4/v4).  A missing or empty directory is a failure, never
 * a skip.  Each case's query-*.txt files are for presigned URLs (query-string
 * signing), which sluice does not do; the header-*.txt files are all
 * checked.
 */
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "sigv4.h"
#include "xmalloc.h"

/* The suite's files are small; anything bigger is a broken checkout. */
#define TEST_FILE_MAX		(256 * 1024)
#define TEST_MAX_HEADERS	64
#define TEST_MAX_CASES		1024

static const char *vector_dir;
static char *case_names[TEST_MAX_CASES];
static size_t ncases;

/* One request.txt, split into its parts (pointers into buf). */
struct test_request {
	char			*buf;
	char			*method;
	char			*target;
	struct sigv4_header	 headers[TEST_MAX_HEADERS];
	size_t			 nheaders;
	char			*body;
	size_t			 body_len;
};

/* Reads a whole file; returns NULL if it cannot be read. */
static char *
read_file(const char *dir, const char *name, size_t *lenp)
{
	char	*path, *buf = NULL;
	FILE	*f;
	size_t	 len;

	xasprintf(&path, "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		goto out;
	buf = xmalloc(TEST_FILE_MAX + 1);
	len = fread(buf, 1, TEST_FILE_MAX + 1, f);
	if (ferror(f) || len > TEST_FILE_MAX) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
out:
	if (f != NULL)
		fclose(f);
	free(path);
	return (buf);
}

static char *
must_read(const char *dir, const char *name, size_t *lenp)
{
	char	*buf;

	if ((buf = read_file(dir, name, lenp)) == NULL)
		fail_msg("%s/%s: cannot read: %s", dir, name, strerror(errno));
	return (buf);
}

/*
 * Parses an HTTP/1.1 request as the suite stores it: request line,
 * header lines (a line starting with a space or tab continues the previous
 * value, kept with its line break so the signer's folding is exercised),
 * an empty line, then the body.  Lines end in LF, or CRLF.  The request
 * target may contain spaces (the suite stores paths unencoded), so the
 * method ends at the first space and the version starts at the last.
 */
static void
parse_request(struct test_request *r, char *buf, size_t len)
{
	char	*p = buf, *end = buf + len, *eol, *next, *sp, *colon;

	memset(r, 0, sizeof *r);
	r->buf = buf;

	eol = memchr(p, '\n', (size_t)(end - p));
	next = eol != NULL ? eol + 1 : end;
	if (eol == NULL)
		eol = end;
	if (eol > p && eol[-1] == '\r')
		eol--;
	*eol = '\0';
	sp = strchr(p, ' ');
	assert_non_null(sp);
	*sp = '\0';
	r->method = p;
	r->target = sp + 1;
	sp = strrchr(r->target, ' ');
	assert_non_null(sp);
	assert_string_equal(sp + 1, "HTTP/1.1");
	*sp = '\0';

	for (p = next; p < end; p = next) {
		eol = memchr(p, '\n', (size_t)(end - p));
		next = eol != NULL ? eol + 1 : end;
		if (eol == NULL)
			eol = end;
		if (eol > p && eol[-1] == '\r')
			eol--;
		if (eol == p) {
			p = next;
			break;
		}
		if (*p == ' ' || *p == '\t') {
			/*
			 * A continuation: pull this line back to follow the
			 * previous one, keeping a '\n' between them.
			 */
			assert_true(r->nheaders > 0);
			*eol = '\0';
			memmove((char *)r->headers[r->nheaders - 1].value +
			    strlen(r->headers[r->nheaders - 1].value) + 1, p,
			    (size_t)(eol - p) + 1);
			((char *)r->headers[r->nheaders - 1].value)
			    [strlen(r->headers[r->nheaders - 1].value)] = '\n';
			continue;
		}
		*eol = '\0';
		colon = strchr(p, ':');
		assert_non_null(colon);
		*colon = '\0';
		assert_true(r->nheaders < TEST_MAX_HEADERS);
		r->headers[r->nheaders].name = p;
		r->headers[r->nheaders].value = colon + 1;
		r->nheaders++;
	}
	if (p > end)
		p = end;
	r->body = p;
	r->body_len = (size_t)(end - p);
}

static const char *
json_str(json_t *obj, const char *key, int required)
{
	json_t	*v;

	v = json_object_get(obj, key);
	if (v == NULL && !required)
		return (NULL);
	if (!json_is_string(v))
		fail_msg("context.json: \"%s\" is not a string", key);
	return (json_string_value(v));
}

static int
json_flag(json_t *obj, const char *key)
{
	json_t	*v;

	if ((v = json_object_get(obj, key)) == NULL)
		return (0);
	if (!json_is_boolean(v))
		fail_msg("context.json: \"%s\" is not a boolean", key);
	return (json_is_true(v));
}

/* "2015-08-30T12:36:00Z" to time_t, through timegm. */
static time_t
parse_timestamp(const char *s)
{
	struct tm	tm;
	int		end = 0;

	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &end) != 6 ||
	    end == 0 || s[end] != '\0')
		fail_msg("bad timestamp \"%s\"", s);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (timegm(&tm));
}

static void
compare(const char *name, const char *what, const char *want,
    const char *got)
{
	if (got == NULL)
		fail_msg("%s: %s: got NULL", name, what);
	if (strcmp(want, got) != 0)
		fail_msg("%s: %s differs\n--- want\n%s\n--- got\n%s", name,
		    what, want, got);
}

/* Returns the value of the first "name:" line of a signed request. */
static char *
signed_header(const char *sreq, const char *name)
{
	const char	*p;
	size_t		 n = strlen(name);

	for (p = sreq; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, name, n) == 0 && p[n] == ':')
			return (xstrndup(p + n + 1, strcspn(p + n + 1,
			    "\r\n")));
	}
	return (NULL);
}

/*
 * Signs once with one input changed (0: the secret, 1: the date, 2: the
 * region, 3: the service) or none (4), leaving that in the signing key's
 * per-thread cache.
 */
static void
prime_key_cache(size_t which, const struct sigv4_request *req,
    const struct sigv4_credentials *creds, const char *region,
    const char *service, const char *date)
{
	struct sigv4_credentials c = *creds;
	char			 d[SIGV4_DATE_LEN + 1], *secret, *auth;

	xasprintf(&secret, "%sX", creds->secret_access_key);
	memcpy(d, date, sizeof d);
	switch (which) {
	case 0:
		c.secret_access_key = secret;
		break;
	case 1:
		memcpy(d, "20010101", 8);
		break;
	case 2:
		region = "xx-west-9";
		break;
	case 3:
		service = "elsewhere";
		break;
	}
	auth = sigv4_authorization(req, &c, region, service, d);
	assert_non_null(auth);
	free(auth);
	free(secret);
}

static void
test_vector(void **state)
{
	const char		*name = *state;
	struct test_request	 r;
	struct sigv4_request	 req;
	struct sigv4_credentials creds;
	struct sigv4_header	 headers[TEST_MAX_HEADERS + 3];
	json_error_t		 jerr;
	json_t			*ctx, *jcreds;
	const char		*token;
	char			*dir, *raw, *want_creq, *want_sts, *want_sig;
	char			*sreq, *want_auth, *want_date, *creq, *sts;
	char			*auth, *sh, *path;
	char			 date[SIGV4_DATE_LEN + 1];
	char			 hash[SIGV4_HASH_HEX_LEN + 1];
	size_t			 len, nh = 0, i;
	int			 sign_body;

	xasprintf(&dir, "%s/%s", vector_dir, name);
	xasprintf(&path, "%s/context.json", dir);
	if ((ctx = json_load_file(path, 0, &jerr)) == NULL)
		fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
	jcreds = json_object_get(ctx, "credentials");
	assert_true(json_is_object(jcreds));
	creds.access_key_id = json_str(jcreds, "access_key_id", 1);
	creds.secret_access_key = json_str(jcreds, "secret_access_key", 1);
	creds.session_token = token = json_str(jcreds, "token", 0);
	sign_body = json_flag(ctx, "sign_body");
	sigv4_amz_date(parse_timestamp(json_str(ctx, "timestamp", 1)), date);

	raw = must_read(dir, "request.txt", &len);
	parse_request(&r, raw, len);

	/* What the sender does: the request's headers plus ours. */
	for (i = 0; i < r.nheaders; i++)
		headers[nh++] = r.headers[i];
	headers[nh].name = "X-Amz-Date";
	headers[nh++].value = date;
	/* "omit_session_token": the token is added after signing. */
	if (token != NULL && !json_flag(ctx, "omit_session_token")) {
		headers[nh].name = "X-Amz-Security-Token";
		headers[nh++].value = token;
	}
	memset(&req, 0, sizeof req);
	if (sign_body) {
		sigv4_payload_hash(r.body, r.body_len, hash);
		headers[nh].name = "X-Amz-Content-Sha256";
		headers[nh++].value = hash;
		req.payload_hash = hash;
	}
	req.method = r.method;
	req.path = r.target;
	req.headers = headers;
	req.nheaders = nh;
	req.body = r.body;
	req.body_len = r.body_len;
	req.keep_path = !json_flag(ctx, "normalize");

	want_creq = must_read(dir, "header-canonical-request.txt", NULL);
	want_sts = must_read(dir, "header-string-to-sign.txt", NULL);
	want_sig = must_read(dir, "header-signature.txt", NULL);
	sreq = must_read(dir, "header-signed-request.txt", NULL);
	want_auth = signed_header(sreq, "Authorization");
	want_date = signed_header(sreq, "X-Amz-Date");
	assert_non_null(want_auth);
	assert_non_null(want_date);
	want_sig[strcspn(want_sig, "\r\n")] = '\0';

	compare(name, "X-Amz-Date", want_date, date);
	creq = sigv4_canonical_request(&req, &sh);
	compare(name, "canonical request", want_creq, creq);
	sts = sigv4_string_to_sign(creq, date, json_str(ctx, "region", 1),
	    json_str(ctx, "service", 1));
	compare(name, "string to sign", want_sts, sts);
	/*
	 * The signing key is cached per thread: signing first with another
	 * secret, date, region or service, or with the same (a cache hit),
	 * must not change the answer.
	 */
	for (i = 0; i < 5; i++) {
		prime_key_cache(i, &req, &creds, json_str(ctx, "region", 1),
		    json_str(ctx, "service", 1), date);
		auth = sigv4_authorization(&req, &creds,
		    json_str(ctx, "region", 1), json_str(ctx, "service", 1),
		    date);
		compare(name, "Authorization", want_auth, auth);
		if (i < 4)
			free(auth);
	}
	if (strstr(auth, sh) == NULL)
		fail_msg("%s: SignedHeaders %s not in %s", name, sh, auth);
	len = strlen(auth);
	assert_true(len > SIGV4_HASH_HEX_LEN);
	compare(name, "signature", want_sig, auth + len - SIGV4_HASH_HEX_LEN);

	free(auth);
	free(sts);
	free(sh);
	free(creq);
	free(want_date);
	free(want_auth);
	free(sreq);
	free(want_sig);
	free(want_sts);
	free(want_creq);
	free(raw);
	json_decref(ctx);
	free(path);
	free(dir);
}

static void
test_vectors_present(void **state)
{
	(void)state;
	if (ncases == 0)
		fail_msg("no SigV4 test cases in %s (set SIGV4_TESTDATA)",
		    vector_dir);
}

static void
test_amz_date(void **state)
{
	char	out[SIGV4_DATE_LEN + 1];

	(void)state;
	sigv4_amz_date(0, out);
	assert_string_equal(out, "19700101T000000Z");
	sigv4_amz_date(1440938160, out);
	assert_string_equal(out, "20150830T123600Z");
	sigv4_amz_date(4102444799, out);
	assert_string_equal(out, "20991231T235959Z");
}

/* Builds the canonical request for a GET of path with one Host header. */
static char *
creq_of(const char *path, const char *query, int keep_path)
{
	struct sigv4_header	h = { "Host", "example.com" };
	struct sigv4_request	req;

	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.path = path;
	req.query = query;
	req.headers = &h;
	req.nheaders = 1;
	req.keep_path = keep_path;
	return (sigv4_canonical_request(&req, NULL));
}

static void
expect_line(const char *path, const char *query, int keep_path, int line,
    const char *want)
{
	char	*creq, *p;
	int	 i;

	creq = creq_of(path, query, keep_path);
	for (p = creq, i = 0; i < line; i++)
		p = strchr(p, '\n') + 1;
	p[strcspn(p, "\n")] = '\0';
	if (strcmp(p, want) != 0)
		fail_msg("path \"%s\" query \"%s\": want \"%s\", got \"%s\"",
		    path, query != NULL ? query : "(null)", want, p);
	free(creq);
}

static void
test_paths(void **state)
{
	(void)state;
	expect_line(NULL, NULL, 0, 1, "/");
	expect_line("", NULL, 0, 1, "/");
	expect_line("/a/b/../c/./d", NULL, 0, 1, "/a/c/d");
	expect_line("/../../a", NULL, 0, 1, "/a");
	expect_line("/a//b/", NULL, 0, 1, "/a/b/");
	expect_line("/a//b/", NULL, 1, 1, "/a//b/");
	/* The wire path is encoded once more: double encoding. */
	expect_line("/a%20b", NULL, 0, 1, "/a%2520b");
	expect_line("/a:b@c", NULL, 0, 1, "/a%3Ab%40c");
	/* A query inside path is split off unless query is given. */
	expect_line("/x?b=2&a=1", NULL, 0, 1, "/x");
	expect_line("/x?b=2&a=1", NULL, 0, 2, "a=1&b=2");
	expect_line("/x?b=2", "c=3", 0, 2, "c=3");
}

static void
test_queries(void **state)
{
	(void)state;
	expect_line("/", "b=2&a=2&a=1", 0, 2, "a=1&a=2&b=2");
	expect_line("/", "a&b=", 0, 2, "a=&b=");
	expect_line("/", "&&a=1&&", 0, 2, "a=1");
	expect_line("/", "k=a b/c+d", 0, 2, "k=a%20b%2Fc%2Bd");
	expect_line("/", "k=%2f%zz%4", 0, 2, "k=%2F%25zz%254");
	expect_line("/", "k=x=y", 0, 2, "k=x%3Dy");
	/* Sorted after encoding, by key then value. */
	expect_line("/", "Param-3=1&Param=2", 0, 2, "Param=2&Param-3=1");
}

static void
test_payload_and_errors(void **state)
{
	struct sigv4_header	 h[3] = {
		{ "Host", "kinesis.us-east-1.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" },
		{ "X-Amz-Target", "Kinesis_20131202.PutRecords" },
	};
	struct sigv4_credentials creds = { "AKIDEXAMPLE",
	    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL };
	struct sigv4_request	 req;
	char			 hash[SIGV4_HASH_HEX_LEN + 1];
	char			*a1, *a2, *creq;
	const char		*body = "{\"StreamName\":\"s\",\"Records\":[]}";

	(void)state;
	sigv4_payload_hash("", 0, hash);
	assert_string_equal(hash, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4"
	    "649b934ca495991b7852b855");
	sigv4_payload_hash(NULL, 0, hash);
	assert_string_equal(hash, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4"
	    "649b934ca495991b7852b855");

	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.path = "/";
	req.headers = h;
	req.nheaders = 3;
	req.body = body;
	req.body_len = strlen(body);
	a1 = sigv4_authorization(&req, &creds, "us-east-1", "kinesis",
	    "20150830T123600Z");
	assert_non_null(a1);
	assert_non_null(strstr(a1, "Credential=AKIDEXAMPLE/20150830/us-east-1/"
	    "kinesis/aws4_request, SignedHeaders=host;x-amz-date;"
	    "x-amz-target, Signature="));

	/* A precomputed payload hash signs the same. */
	sigv4_payload_hash(body, strlen(body), hash);
	req.payload_hash = hash;
	a2 = sigv4_authorization(&req, &creds, "us-east-1", "kinesis",
	    "20150830T123600Z");
	assert_string_equal(a1, a2);
	free(a2);
	creq = sigv4_canonical_request(&req, NULL);
	assert_non_null(strstr(creq, hash));
	free(creq);

	/* The body is signed: one byte changes the signature. */
	req.payload_hash = NULL;
	req.body_len--;
	a2 = sigv4_authorization(&req, &creds, "us-east-1", "kinesis",
	    "20150830T123600Z");
	assert_string_not_equal(a1, a2);
	free(a2);
	free(a1);

	assert_null(sigv4_authorization(&req, &creds, "us-east-1", "kinesis",
	    "2015-08-30T12:36:00Z"));
	assert_null(sigv4_authorization(&req, &creds, "us-east-1", "kinesis",
	    "20150830T123600"));
	assert_null(sigv4_string_to_sign("x", "20150830X123600Z", "r", "s"));
	creds.secret_access_key = "";
	assert_null(sigv4_authorization(&req, &creds, "us-east-1", "kinesis",
	    "20150830T123600Z"));
}

/*
 * The incremental hash equals the one-shot hash whatever the pieces, starts
 * over after each result, and sigv4_sign signs a call with its precomputed
 * payload hash exactly as one it hashes itself.
 */
static void
test_hash_incremental(void **state)
{
	struct sigv4_header	 h[1] = {
		{ "X-Amz-Target", "Kinesis_20131202.PutRecords" },
	};
	struct sigv4_credentials creds = { "AKIDEXAMPLE",
	    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL };
	struct sigv4_call	 call;
	struct sigv4_hash	*sh;
	struct curl_slist	*l1 = NULL, *l2 = NULL, *a, *b;
	char			 body[1000], one[SIGV4_HASH_HEX_LEN + 1];
	char			 inc[SIGV4_HASH_HEX_LEN + 1];
	size_t			 i, step, off;

	(void)state;
	for (i = 0; i < sizeof body; i++)
		body[i] = (char)('a' + i % 26);
	sigv4_payload_hash(body, sizeof body, one);
	sh = sigv4_hash_new();
	for (step = 1; step <= 200; step += 37) {
		for (off = 0; off < sizeof body; off += step)
			sigv4_hash_update(sh, body + off,
			    off + step > sizeof body ? sizeof body - off :
			    step);
		sigv4_hash_final(sh, inc);
		assert_string_equal(inc, one);
	}
	/* Nothing fed: the empty body's hash. */
	sigv4_hash_update(sh, NULL, 0);
	sigv4_hash_final(sh, inc);
	assert_string_equal(inc, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4"
	    "649b934ca495991b7852b855");
	/* reset drops what was fed. */
	sigv4_hash_update(sh, "x", 1);
	sigv4_hash_reset(sh);
	sigv4_hash_update(sh, body, sizeof body);
	sigv4_hash_final(sh, inc);
	assert_string_equal(inc, one);
	sigv4_hash_free(sh);
	sigv4_hash_free(NULL);

	memset(&call, 0, sizeof call);
	call.method = "POST";
	call.host = "kinesis.us-east-1.amazonaws.com";
	call.headers = h;
	call.nheaders = 1;
	call.body = body;
	call.body_len = sizeof body;
	call.region = "us-east-1";
	call.service = "kinesis";
	call.now = 1440938160;
	assert_int_equal(sigv4_sign(&call, &creds, &l1), 0);
	call.payload_hash = one;
	assert_int_equal(sigv4_sign(&call, &creds, &l2), 0);
	for (a = l1, b = l2; a != NULL && b != NULL; a = a->next, b = b->next)
		assert_string_equal(a->data, b->data);
	assert_null(a);
	assert_null(b);
	sigv4_slist_free(l2);
	l2 = NULL;
	/* The hash is what is signed: another one signs differently. */
	inc[0] = inc[0] == '0' ? '1' : '0';
	call.payload_hash = inc;
	assert_int_equal(sigv4_sign(&call, &creds, &l2), 0);
	for (a = l1; a->next != NULL; a = a->next)
		;
	for (b = l2; b->next != NULL; b = b->next)
		;
	assert_string_not_equal(a->data, b->data);
	sigv4_slist_free(l1);
	sigv4_slist_free(l2);
}

/*
 * The canonical request is bounded: a request whose path, query or
 * headers would take it past 1 MiB is refused, not signed; just under
 * that, it is signed.
 */
static void
test_canonical_bound(void **state)
{
	struct sigv4_header	 h[2] = {
		{ "Host", "kinesis.us-east-1.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" },
	};
	struct sigv4_credentials creds = { "AKIDEXAMPLE",
	    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL };
	struct sigv4_request	 req;
	char			*value, *creq, *sh = NULL, *auth;
	size_t			 n;

	(void)state;
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.path = "/";
	req.headers = h;
	req.nheaders = 2;
	for (n = 1024 * 1024 - 4096; n <= 1024 * 1024; n += 4096) {
		value = malloc(n + 1);
		assert_non_null(value);
		memset(value, 'v', n);
		value[n] = '\0';
		h[0].value = value;
		creq = sigv4_canonical_request(&req, &sh);
		auth = sigv4_authorization(&req, &creds, "us-east-1",
		    "kinesis", "20150830T123600Z");
		if (n < 1024 * 1024 - 1024) {
			assert_non_null(creq);
			assert_non_null(strstr(creq, value));
			assert_string_equal(sh, "host;x-amz-date");
			assert_non_null(auth);
		} else {
			assert_null(creq);
			assert_null(auth);
		}
		free(auth);
		free(creq);
		free(sh);
		sh = NULL;
		free(value);
	}

	/*
	 * A query parameter is bounded as it is re-encoded: 300 KiB of
	 * spaces is 900 KiB of "%20" and signs, 400 KiB would be 1.2 MiB.
	 */
	h[0].value = "kinesis.us-east-1.amazonaws.com";
	for (n = 300 * 1024; n <= 400 * 1024; n += 100 * 1024) {
		value = malloc(n + 3);
		assert_non_null(value);
		memcpy(value, "k=", 2);
		memset(value + 2, ' ', n);
		value[n + 2] = '\0';
		req.query = value;
		creq = sigv4_canonical_request(&req, NULL);
		if (n == 300 * 1024)
			assert_non_null(creq);
		else
			assert_null(creq);
		free(creq);
		free(value);
	}
}

/* What a form body or a query parameter holds: '/' is encoded too. */
static void
test_uri_encode(void **state)
{
	struct buf	b = BUF_INIT(64);
	struct buf	small = BUF_INIT(4);

	(void)state;
	sigv4_uri_encode(&b, "i-0aZ9_.~- /+%\xe9", 15);
	assert_string_equal(buf_cstr(&b), "i-0aZ9_.~-%20%2F%2B%25%E9");
	assert_false(buf_has_failed(&b));
	sigv4_uri_encode(&small, "a b", 3);
	assert_true(buf_has_failed(&small));
	buf_free(&small);
	buf_free(&b);
}

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Lists the case directories: those holding a context.json. */
static void
find_cases(void)
{
	DIR		*d;
	struct dirent	*de;
	char		*probe;
	FILE		*f;

	if ((d = opendir(vector_dir)) == NULL) {
		fprintf(stderr, "test_sigv4: %s: %s\n", vector_dir,
		    strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL && ncases < TEST_MAX_CASES) {
		if (de->d_name[0] == '.')
			continue;
		xasprintf(&probe, "%s/%s/context.json", vector_dir,
		    de->d_name);
		if ((f = fopen(probe, "r")) != NULL) {
			fclose(f);
			case_names[ncases++] = xstrdup(de->d_name);
		}
		free(probe);
	}
	closedir(d);
	qsort(case_names, ncases, sizeof case_names[0], name_cmp);
}

int
main(void)
{
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_vectors_present),
		cmocka_unit_test(test_amz_date),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_payload_and_errors),
		cmocka_unit_test(test_hash_incremental),
		cmocka_unit_test(test_canonical_bound),
		cmocka_unit_test(test_uri_encode),
	};
	struct CMUnitTest	*tests;
	size_t			 nfixed = sizeof fixed / sizeof fixed[0], i;
	int			 rc;

	if ((vector_dir = getenv("SIGV4_TESTDATA")) == NULL ||
	    *vector_dir == '\0') {
		fprintf(stderr, "test_sigv4: SIGV4_TESTDATA is not set (make "
		    "check sets it to tests/data/sigv4/v4)\n");
		return (1);
	}
	find_cases();
	printf("test_sigv4: %zu cases in %s (header signing; the query-*.txt "
	    "presigned-URL files are not used)\n", ncases, vector_dir);

	tests = xreallocarray(NULL, nfixed + ncases, sizeof *tests);
	memcpy(tests, fixed, sizeof fixed);
	for (i = 0; i < ncases; i++) {
		memset(&tests[nfixed + i], 0, sizeof tests[0]);
		tests[nfixed + i].name = case_names[i];
		tests[nfixed + i].test_func = test_vector;
		tests[nfixed + i].initial_state = case_names[i];
	}
	rc = _cmocka_run_group_tests("sigv4", tests, nfixed + ncases, NULL,
	    NULL);
	for (i = 0; i < ncases; i++)
		free(case_names[i]);
	free(tests);
	return (rc);
}
