/*
 * sigv4: see sigv4.h.
 *
 * The four tasks of the spec map onto the functions here: the canonical
 * request (sigv4_canonical_request), the string to sign
 * (sigv4_string_to_sign), the signing key (sigv4_signing_key) and the
 * signature (sigv4_authorization).  Where the written spec is vague (path
 * normalisation, folded header values, repeated headers) the behaviour
 * follows the aws-c-auth test suite, which is what the AWS SDKs agree on.
 *
 * Uses only the one-shot EVP_Digest() and HMAC() of libcrypto, which are
 * not deprecated in OpenSSL 3.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "sigv4.h"
#include "xmalloc.h"

#define SIGV4_ALGORITHM	"AWS4-HMAC-SHA256"
#define SIGV4_SHA256_LEN	32

/*
 * The canonical request is made of the request's own method, path, query
 * and headers, which are small; past this it is refused, not built.
 */
#define SIGV4_CANONICAL_MAX	(1024 * 1024)

/* One header after lower-casing and trimming, kept with its position. */
struct sigv4_hdr {
	char	*name;
	char	*value;
	size_t	 index;
};

/* An incremental SHA-256 (sigv4.h). */
struct sigv4_hash {
	EVP_MD_CTX	*ctx;
};

/* One decoded and re-encoded query parameter. */
struct sigv4_param {
	char	*key;
	char	*value;
};

static const char sigv4_hex[] = "0123456789ABCDEF";
static const char sigv4_hex_lower[] = "0123456789abcdef";

/* RFC 3986 section 2.3 unreserved characters. */
static int
sigv4_is_unreserved(unsigned char c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~');
}

/*
 * URI-encodes n bytes as the spec asks: unreserved characters as they are,
 * every other byte as %XX with upper-case hex.  '/' is kept when
 * keep_slash is set (paths) and encoded otherwise (query parameters).
 */
static void
sigv4_encode(struct buf *b, const char *s, size_t n, int keep_slash)
{
	unsigned char	c;
	char		esc[3];
	size_t		i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (sigv4_is_unreserved(c) || (keep_slash && c == '/'))
			buf_addc(b, (char)c);
		else {
			esc[0] = '%';
			esc[1] = sigv4_hex[c >> 4];
			esc[2] = sigv4_hex[c & 0x0f];
			buf_add(b, esc, 3);
		}
	}
}

static int
sigv4_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

void
sigv4_uri_encode(struct buf *b, const char *s, size_t n)
{
	sigv4_encode(b, s, n, 0);
}

/*
 * Percent-decodes n bytes then encodes them again, so that a parameter
 * sent raw and one sent already encoded sign the same.  A '%' not followed
 * by two hex digits stands for itself.  Returns the string (the caller
 * frees it), or NULL if it would pass SIGV4_CANONICAL_MAX.
 */
static char *
sigv4_reencode(const char *s, size_t n)
{
	struct buf		 out = BUF_INIT(SIGV4_CANONICAL_MAX);
	char			*raw;
	size_t			 i, len = 0;
	int			 hi, lo;

	raw = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    (hi = sigv4_hexval(s[i + 1])) != -1 &&
		    (lo = sigv4_hexval(s[i + 2])) != -1) {
			raw[len++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			raw[len++] = s[i];
	}
	sigv4_encode(&out, raw, len, 0);
	free(raw);
	if (buf_has_failed(&out)) {
		buf_free(&out);
		return (NULL);
	}
	return (buf_take(&out));
}

/*
 * Appends the canonical URI for the n bytes of path.  Unless keep_path is
 * set, empty and "." segments are dropped and ".." removes the segment
 * before it (RFC 3986 section 5.2.4, plus collapsing "//", as the suite's
 * get-slashes-normalized case shows); a trailing '/' survives.
 */
static void
sigv4_canonical_uri(struct buf *b, const char *path, size_t n,
    int keep_path)
{
	const char	**seg = NULL;
	size_t		 *seglen = NULL, nseg = 0, i, start, end;

	if (n == 0) {
		buf_addc(b, '/');
		return;
	}
	if (keep_path) {
		sigv4_encode(b, path, n, 1);
		return;
	}

	/* At most one segment for every two bytes ("/a/b"), plus one. */
	seg = xreallocarray(NULL, n / 2 + 1, sizeof *seg);
	seglen = xreallocarray(NULL, n / 2 + 1, sizeof *seglen);
	for (start = 0; start < n; start = end + 1) {
		for (end = start; end < n && path[end] != '/'; end++)
			continue;
		if (end == start)
			continue;
		if (end - start == 1 && path[start] == '.')
			continue;
		if (end - start == 2 && path[start] == '.' &&
		    path[start + 1] == '.') {
			if (nseg > 0)
				nseg--;
			continue;
		}
		seg[nseg] = path + start;
		seglen[nseg] = end - start;
		nseg++;
	}

	buf_addc(b, '/');
	for (i = 0; i < nseg; i++) {
		if (i > 0)
			buf_addc(b, '/');
		sigv4_encode(b, seg[i], seglen[i], 0);
	}
	if (nseg > 0 && path[n - 1] == '/')
		buf_addc(b, '/');
	free(seglen);
	free(seg);
}

static int
sigv4_param_cmp(const void *a, const void *b)
{
	const struct sigv4_param	*pa = a, *pb = b;
	int				 r;

	/* Byte order of the encoded strings, key first. */
	if ((r = strcmp(pa->key, pb->key)) != 0)
		return (r);
	return (strcmp(pa->value, pb->value));
}

/*
 * Appends the canonical query string for the raw query q (may be NULL).
 * Returns 0, or -1 if a parameter would pass SIGV4_CANONICAL_MAX.
 */
static int
sigv4_canonical_query(struct buf *b, const char *q)
{
	struct sigv4_param	*params = NULL;
	const char		*p, *amp, *eq;
	size_t			 n = 0, max = 1, i;
	int			 ret = -1;

	if (q == NULL || *q == '\0')
		return (0);
	for (p = q; *p != '\0'; p++) {
		if (*p == '&')
			max++;
	}
	params = xreallocarray(NULL, max, sizeof *params);
	for (p = q; *p != '\0'; p = *amp == '&' ? amp + 1 : amp) {
		amp = p + strcspn(p, "&");
		if (amp == p)
			continue;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL) {
			/* "a" signs as "a=". */
			params[n].key = sigv4_reencode(p, (size_t)(amp - p));
			params[n].value = xstrdup("");
		} else {
			params[n].key = sigv4_reencode(p, (size_t)(eq - p));
			params[n].value = sigv4_reencode(eq + 1,
			    (size_t)(amp - eq - 1));
		}
		n++;
		if (params[n - 1].key == NULL || params[n - 1].value == NULL)
			goto out;
	}
	qsort(params, n, sizeof *params, sigv4_param_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, '&');
		buf_adds(b, params[i].key);
		buf_addc(b, '=');
		buf_adds(b, params[i].value);
	}
	ret = 0;
out:
	for (i = 0; i < n; i++) {
		free(params[i].key);
		free(params[i].value);
	}
	free(params);
	return (ret);
}

static int
sigv4_is_space(char c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

/*
 * Returns a copy of s without leading and trailing whitespace and with
 * each inner run of whitespace (a folded line's CRLF and indentation too)
 * replaced by one space.  lower: also lower-case ASCII letters.
 */
static char *
sigv4_trim(const char *s, int lower)
{
	char	*out, *d;
	int	 pending = 0;

	out = d = xmalloc(strlen(s) + 1);
	while (sigv4_is_space(*s))
		s++;
	for (; *s != '\0'; s++) {
		if (sigv4_is_space(*s)) {
			pending = 1;
			continue;
		}
		if (pending) {
			*d++ = ' ';
			pending = 0;
		}
		if (lower && *s >= 'A' && *s <= 'Z')
			*d++ = (char)(*s - 'A' + 'a');
		else
			*d++ = *s;
	}
	*d = '\0';
	return (out);
}

static int
sigv4_hdr_cmp(const void *a, const void *b)
{
	const struct sigv4_hdr	*ha = a, *hb = b;
	int			 r;

	if ((r = strcmp(ha->name, hb->name)) != 0)
		return (r);
	/* Keep repeated headers in the order given (qsort is not stable). */
	return (ha->index < hb->index ? -1 : ha->index > hb->index);
}

/* Appends the canonical headers and fills sh with the signed headers. */
static void
sigv4_canonical_headers(struct buf *b, struct buf *sh,
    const struct sigv4_header *headers, size_t nheaders)
{
	struct sigv4_hdr	*h;
	size_t			 i;

	h = xreallocarray(NULL, nheaders, sizeof *h);
	for (i = 0; i < nheaders; i++) {
		h[i].name = sigv4_trim(headers[i].name, 1);
		h[i].value = sigv4_trim(headers[i].value, 0);
		h[i].index = i;
	}
	qsort(h, nheaders, sizeof *h, sigv4_hdr_cmp);
	for (i = 0; i < nheaders; i++) {
		if (i > 0 && strcmp(h[i].name, h[i - 1].name) == 0) {
			/* A repeated name: "name:first,second". */
			b->len--;
			buf_addc(b, ',');
		} else {
			if (i > 0)
				buf_addc(sh, ';');
			buf_adds(sh, h[i].name);
			buf_adds(b, h[i].name);
			buf_addc(b, ':');
		}
		buf_adds(b, h[i].value);
		buf_addc(b, '\n');
	}
	for (i = 0; i < nheaders; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
}

static void
sigv4_hex_encode(char *out, const unsigned char *md, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		out[2 * i] = sigv4_hex_lower[md[i] >> 4];
		out[2 * i + 1] = sigv4_hex_lower[md[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

static void
sigv4_sha256(const void *data, size_t n, unsigned char md[SIGV4_SHA256_LEN])
{
	static const char	empty[1];

	if (data == NULL)
		data = empty;
	/* Only fails when libcrypto itself is broken. */
	if (EVP_Digest(data, n, md, NULL, EVP_sha256(), NULL) != 1)
		abort();
}

static void
sigv4_hmac(const void *key, size_t keylen, const char *data,
    unsigned char md[SIGV4_SHA256_LEN])
{
	unsigned int	len = SIGV4_SHA256_LEN;

	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)data,
	    strlen(data), md, &len) == NULL || len != SIGV4_SHA256_LEN)
		abort();
}

void
sigv4_payload_hash(const void *data, size_t n,
    char out[SIGV4_HASH_HEX_LEN + 1])
{
	unsigned char	md[SIGV4_SHA256_LEN];

	sigv4_sha256(data, n, md);
	sigv4_hex_encode(out, md, sizeof md);
}

struct sigv4_hash *
sigv4_hash_new(void)
{
	struct sigv4_hash	*h;

	h = xcalloc(1, sizeof *h);
	if ((h->ctx = EVP_MD_CTX_new()) == NULL)
		abort();
	sigv4_hash_reset(h);
	return (h);
}

void
sigv4_hash_reset(struct sigv4_hash *h)
{
	/* Only fails when libcrypto itself is broken. */
	if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		abort();
}

void
sigv4_hash_update(struct sigv4_hash *h, const void *data, size_t n)
{
	if (n > 0 && EVP_DigestUpdate(h->ctx, data, n) != 1)
		abort();
}

void
sigv4_hash_final(struct sigv4_hash *h, char out[SIGV4_HASH_HEX_LEN + 1])
{
	unsigned char	md[SIGV4_SHA256_LEN];
	unsigned int	len = 0;

	if (EVP_DigestFinal_ex(h->ctx, md, &len) != 1 ||
	    len != SIGV4_SHA256_LEN)
		abort();
	sigv4_hex_encode(out, md, sizeof md);
	sigv4_hash_reset(h);
}

void
sigv4_hash_free(struct sigv4_hash *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void
sigv4_amz_date(time_t t, char out[SIGV4_DATE_LEN + 1])
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, SIGV4_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm) !=
	    SIGV4_DATE_LEN)
		memcpy(out, "19700101T000000Z", SIGV4_DATE_LEN + 1);
}

static int
sigv4_is_amz_date(const char *s)
{
	size_t	i;

	if (s == NULL || strlen(s) != SIGV4_DATE_LEN || s[8] != 'T' ||
	    s[15] != 'Z')
		return (0);
	for (i = 0; i < 15; i++) {
		if (i != 8 && (s[i] < '0' || s[i] > '9'))
			return (0);
	}
	return (1);
}

char *
sigv4_canonical_request(const struct sigv4_request *req,
    char **signed_headers)
{
	struct buf		 b = BUF_INIT(SIGV4_CANONICAL_MAX);
	struct buf		 sh = BUF_INIT(SIGV4_CANONICAL_MAX);
	const char		*path, *query;
	char			 hash[SIGV4_HASH_HEX_LEN + 1];
	size_t			 pathlen;

	path = req->path != NULL ? req->path : "";
	pathlen = strcspn(path, "?");
	query = req->query;
	if (query == NULL && path[pathlen] == '?')
		query = path + pathlen + 1;

	buf_adds(&b, req->method);
	buf_addc(&b, '\n');
	sigv4_canonical_uri(&b, path, pathlen, req->keep_path);
	buf_addc(&b, '\n');
	if (sigv4_canonical_query(&b, query) == -1)
		goto fail;
	buf_addc(&b, '\n');
	sigv4_canonical_headers(&b, &sh, req->headers, req->nheaders);
	buf_addc(&b, '\n');
	buf_add(&b, sh.data, sh.len);
	buf_addc(&b, '\n');
	if (req->payload_hash != NULL)
		buf_adds(&b, req->payload_hash);
	else {
		sigv4_payload_hash(req->body, req->body_len, hash);
		buf_adds(&b, hash);
	}

	if (buf_has_failed(&b) || buf_has_failed(&sh))
		goto fail;
	if (signed_headers != NULL)
		*signed_headers = buf_take(&sh);
	else
		buf_free(&sh);
	return (buf_take(&b));
fail:
	buf_free(&sh);
	buf_free(&b);
	return (NULL);
}

char *
sigv4_string_to_sign(const char *canonical_request, const char *amz_date,
    const char *region, const char *service)
{
	unsigned char	 md[SIGV4_SHA256_LEN];
	char		 hash[SIGV4_HASH_HEX_LEN + 1], *sts;

	if (!sigv4_is_amz_date(amz_date))
		return (NULL);
	sigv4_sha256(canonical_request, strlen(canonical_request), md);
	sigv4_hex_encode(hash, md, sizeof md);
	xasprintf(&sts, "%s\n%s\n%.8s/%s/%s/aws4_request\n%s",
	    SIGV4_ALGORITHM, amz_date, amz_date, region, service, hash);
	return (sts);
}

/*
 * The last signing key derived on this thread, and what it was derived
 * from: it changes once a day, or with the credentials, and deriving it
 * costs four HMACs per request (libcrypto fetches the digest for each).
 * Per thread, so that no lock is needed; the secret is kept for the
 * comparison as the credentials themselves keep it, and is wiped when it
 * changes.
 */
#define SIGV4_KEYCACHE_MAX	128
struct sigv4_keycache {
	char		secret[SIGV4_KEYCACHE_MAX];
	char		date8[9];
	char		region[SIGV4_KEYCACHE_MAX];
	char		service[SIGV4_KEYCACHE_MAX];
	unsigned char	key[SIGV4_SHA256_LEN];
	int		valid;
};
static _Thread_local struct sigv4_keycache sigv4_keycache;

/*
 * Derives the signing key (task 3):
 * HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request").
 */
static void
sigv4_derive_key(const char *secret, const char *date8, const char *region,
    const char *service, unsigned char key[SIGV4_SHA256_LEN])
{
	unsigned char	 k[SIGV4_SHA256_LEN];
	char		*secret4;
	size_t		 len;

	xasprintf(&secret4, "AWS4%s", secret);
	len = strlen(secret4);
	sigv4_hmac(secret4, len, date8, k);
	/* The secret is not left behind in freed memory. */
	OPENSSL_cleanse(secret4, len);
	free(secret4);
	sigv4_hmac(k, sizeof k, region, k);
	sigv4_hmac(k, sizeof k, service, k);
	sigv4_hmac(k, sizeof k, "aws4_request", key);
	OPENSSL_cleanse(k, sizeof k);
}

/* The signing key, from this thread's cache when its inputs are the same. */
static void
sigv4_signing_key(const char *secret, const char *date8, const char *region,
    const char *service, unsigned char key[SIGV4_SHA256_LEN])
{
	struct sigv4_keycache	*c = &sigv4_keycache;
	size_t			 ls, lr, lv;

	if (c->valid && strcmp(c->secret, secret) == 0 &&
	    strcmp(c->date8, date8) == 0 && strcmp(c->region, region) == 0 &&
	    strcmp(c->service, service) == 0) {
		memcpy(key, c->key, SIGV4_SHA256_LEN);
		return;
	}
	sigv4_derive_key(secret, date8, region, service, key);
	OPENSSL_cleanse(c, sizeof *c);
	ls = strlen(secret);
	lr = strlen(region);
	lv = strlen(service);
	if (ls >= sizeof c->secret || lr >= sizeof c->region ||
	    lv >= sizeof c->service || strlen(date8) != 8)
		return;
	memcpy(c->secret, secret, ls + 1);
	memcpy(c->date8, date8, 9);
	memcpy(c->region, region, lr + 1);
	memcpy(c->service, service, lv + 1);
	memcpy(c->key, key, SIGV4_SHA256_LEN);
	c->valid = 1;
}

char *
sigv4_authorization(const struct sigv4_request *req,
    const struct sigv4_credentials *creds, const char *region,
    const char *service, const char *amz_date)
{
	unsigned char	 key[SIGV4_SHA256_LEN], md[SIGV4_SHA256_LEN];
	char		 date8[9], sig[SIGV4_HASH_HEX_LEN + 1];
	char		*creq = NULL, *sh = NULL, *sts = NULL, *auth = NULL;

	if (creds->access_key_id == NULL || *creds->access_key_id == '\0' ||
	    creds->secret_access_key == NULL ||
	    *creds->secret_access_key == '\0' || !sigv4_is_amz_date(amz_date))
		goto out;

	if ((creq = sigv4_canonical_request(req, &sh)) == NULL)
		goto out;
	if ((sts = sigv4_string_to_sign(creq, amz_date, region,
	    service)) == NULL)
		goto out;
	memcpy(date8, amz_date, 8);
	date8[8] = '\0';
	sigv4_signing_key(creds->secret_access_key, date8, region, service,
	    key);
	sigv4_hmac(key, sizeof key, sts, md);
	OPENSSL_cleanse(key, sizeof key);
	sigv4_hex_encode(sig, md, sizeof md);
	xasprintf(&auth, "%s Credential=%s/%s/%s/%s/aws4_request, "
	    "SignedHeaders=%s, Signature=%s", SIGV4_ALGORITHM,
	    creds->access_key_id, date8, region, service, sh, sig);

out:
	free(sts);
	free(sh);
	free(creq);
	return (auth);
}

int
sigv4_sign(const struct sigv4_call *call,
    const struct sigv4_credentials *creds, struct curl_slist **hp)
{
	struct sigv4_header	 sh[SIGV4_CALL_MAX_HEADERS + 3];
	struct sigv4_request	 req;
	struct curl_slist	*h = NULL, *l;
	char			 date[SIGV4_DATE_LEN + 1];
	char			*auth = NULL, *line = NULL;
	size_t			 n = 0, i;
	int			 rv = -1;

	if (call->nheaders > SIGV4_CALL_MAX_HEADERS)
		return (-1);
	sigv4_amz_date(call->now, date);
	sh[n].name = "Host";
	sh[n++].value = call->host;
	sh[n].name = "X-Amz-Date";
	sh[n++].value = date;
	for (i = 0; i < call->nheaders; i++)
		sh[n++] = call->headers[i];
	if (creds->session_token != NULL && *creds->session_token != '\0') {
		sh[n].name = "X-Amz-Security-Token";
		sh[n++].value = creds->session_token;
	}
	memset(&req, 0, sizeof req);
	req.method = call->method;
	req.path = call->path != NULL ? call->path : "/";
	req.query = "";
	req.headers = sh;
	req.nheaders = n;
	req.body = call->body;
	req.body_len = call->body_len;
	req.payload_hash = call->payload_hash;
	if ((auth = sigv4_authorization(&req, creds, call->region,
	    call->service, date)) == NULL)
		goto out;
	/* The values exactly as signed. */
	for (i = 0; i <= n; i++) {
		if (i < n)
			xasprintf(&line, "%s: %s", sh[i].name, sh[i].value);
		else
			xasprintf(&line, "Authorization: %s", auth);
		l = curl_slist_append(h, line);
		OPENSSL_cleanse(line, strlen(line));
		free(line);
		if (l == NULL)
			goto out;
		h = l;
	}
	/* Appended whole, so that a failure leaves *hp as it was. */
	if (*hp == NULL)
		*hp = h;
	else {
		for (l = *hp; l->next != NULL; l = l->next)
			;
		l->next = h;
	}
	h = NULL;
	rv = 0;
out:
	free(auth);
	sigv4_slist_free(h);
	return (rv);
}

void
sigv4_slist_free(struct curl_slist *l)
{
	struct curl_slist	*s;

	for (s = l; s != NULL; s = s->next)
		OPENSSL_cleanse(s->data, strlen(s->data));
	curl_slist_free_all(l);
}
