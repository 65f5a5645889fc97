/*
 * sigv4: AWS Signature Version 4 for requests signed in the Authorization
 * header (Kinesis PutRecords, Firehose PutRecordBatch, STS).
 *
 * Pure functions over libcrypto: no clock, no credentials lookup, no I/O.
 * The caller builds the request (method, path, query, the headers to sign,
 * body), picks the time and the credentials, and sends the Authorization
 * value this returns.  Checked step by step against the AWS test suite
 * (aws-c-auth's, in tests/data/sigv4) by tests/unit/test_sigv4.c.
 *
 * Spec: "Create a signed AWS API request" and "Elements of an AWS API
 * request signature" in the IAM User Guide (docs.aws.amazon.com/IAM/latest/
 * UserGuide/reference_sigv-create-signed-request.html).
 *
 * The caller must put these among the signed headers:
 *   - Host (or :authority), exactly as sent;
 *   - X-Amz-Date, the same string as amz_date below;
 *   - X-Amz-Security-Token with the session token, when the credentials
 *     have one (temporary credentials from STS, IMDS, a container): the
 *     token is signed like any other header, and the signer does not add it;
 *   - optionally X-Amz-Content-Sha256 (sigv4_payload_hash), which S3
 *     requires and other services ignore.
 * Headers that proxies may rewrite (User-Agent, Expect, Accept-Encoding
 * added by libcurl) are best left out of the list: the server only checks
 * the headers named in SignedHeaders.  Never pass Authorization itself.
 */
#ifndef SIGV4_H
#define SIGV4_H

#include <stddef.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"

/* "YYYYMMDDTHHMMSSZ" and a hex SHA-256, without their NUL. */
#define SIGV4_DATE_LEN		16
#define SIGV4_HASH_HEX_LEN	64

struct sigv4_header {
	const char	*name;
	const char	*value;
};

struct sigv4_request {
	const char	*method;	/* "POST" */
	/*
	 * The path as sent on the wire ("/" for Kinesis and Firehose).  NULL
	 * or "" means "/".  If query is NULL, anything after a '?' in path
	 * is taken as the query.
	 */
	const char	*path;
	const char	*query;		/* raw query without '?', or NULL */
	const struct sigv4_header *headers;	/* the headers to sign */
	size_t		 nheaders;
	const void	*body;		/* may be NULL when body_len is 0 */
	size_t		 body_len;
	/*
	 * Hex SHA-256 of the body if the caller already has it (for example
	 * because it also sends X-Amz-Content-Sha256), else NULL and the
	 * signer hashes body.
	 */
	const char	*payload_hash;
	/*
	 * 0 (every service but S3): remove "." and ".." segments and empty
	 * segments from the path before encoding it.  1: sign the path's
	 * segments as given.  Either way each segment is URI-encoded once
	 * more, which is the double encoding that non-S3 services expect.
	 */
	int		 keep_path;
};

struct sigv4_credentials {
	const char	*access_key_id;
	const char	*secret_access_key;
	const char	*session_token;	/* NULL unless temporary */
};

/*
 * Appends the n bytes at s to b URI-encoded as the spec asks (RFC 3986
 * unreserved characters as they are, every other byte, '/' too, as %XX
 * with upper-case hex): what a query parameter or form value is.  Past
 * b's maximum b is marked failed (buf_has_failed).
 */
void	 sigv4_uri_encode(struct buf *b, const char *s, size_t n);

/* Writes t (UTC) as "YYYYMMDDTHHMMSSZ" and a NUL into out. */
void	 sigv4_amz_date(time_t t, char out[SIGV4_DATE_LEN + 1]);

/* Writes the lower-case hex SHA-256 of the n bytes at data, and a NUL. */
void	 sigv4_payload_hash(const void *data, size_t n,
	    char out[SIGV4_HASH_HEX_LEN + 1]);

/*
 * An incremental SHA-256, so that a body can be hashed piece by piece
 * while it is built, each piece while it is still in the cache, and
 * the hash reused when the same body is signed again.
 * sigv4_hash_final writes the lower-case hex hash and a NUL, as
 * sigv4_payload_hash, and starts the hash over.  Only a broken libcrypto
 * makes these fail (they abort).  The caller frees h with sigv4_hash_free.
 */
struct sigv4_hash;
struct sigv4_hash *sigv4_hash_new(void);
void	 sigv4_hash_reset(struct sigv4_hash *h);
void	 sigv4_hash_update(struct sigv4_hash *h, const void *data,
	    size_t n);
void	 sigv4_hash_final(struct sigv4_hash *h,
	    char out[SIGV4_HASH_HEX_LEN + 1]);
void	 sigv4_hash_free(struct sigv4_hash *h);

/*
 * Builds the canonical request (task 1 of the spec): method, canonical
 * URI, canonical query, canonical headers, signed headers and payload
 * hash, separated by newlines.  Header names are lower-cased and sorted,
 * values trimmed with inner runs of whitespace (folded lines included)
 * collapsed to one space, and repeated names joined with "," in the order
 * given.  Query parameters are percent-decoded, re-encoded (RFC 3986
 * unreserved characters stay, everything else is %XX; a '+' is a literal
 * plus), and sorted by name then value.  If signed_headers is not NULL it
 * receives the SignedHeaders list ("host;x-amz-date").  Returns the string;
 * the caller frees it and *signed_headers.  Returns NULL (and sets nothing)
 * if it would pass 1 MiB, which only a malformed request can reach.
 */
char	*sigv4_canonical_request(const struct sigv4_request *req,
	    char **signed_headers);

/*
 * Builds the string to sign (task 2) from a canonical request.  Returns
 * it (the caller frees it), or NULL if amz_date is not "YYYYMMDDTHHMMSSZ".
 */
char	*sigv4_string_to_sign(const char *canonical_request,
	    const char *amz_date, const char *region, const char *service);

/*
 * Signs the request (tasks 1 to 4) and returns the Authorization header
 * value, "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=...", which the caller frees.  Returns NULL if amz_date is not
 * "YYYYMMDDTHHMMSSZ", the credentials lack a key id or secret, or the
 * canonical request cannot be built (see above).  The
 * session token is not used here: see the top of this file.
 */
char	*sigv4_authorization(const struct sigv4_request *req,
	    const struct sigv4_credentials *creds, const char *region,
	    const char *service, const char *amz_date);

/*
 * One AWS call to sign: what sigv4_sign takes.  Host and X-Amz-Date are
 * added by the signer; headers are the call's own (X-Amz-Target,
 * Content-Type), signed and sent as given.
 */
struct sigv4_call {
	const char	*method;	/* "POST" */
	const char	*host;		/* Host as libcurl sends it */
	const char	*path;		/* as sent; NULL is "/" */
	const struct sigv4_header *headers;
	size_t		 nheaders;	/* at most SIGV4_CALL_MAX_HEADERS */
	const void	*body;
	size_t		 body_len;
	/*
	 * The body's hex SHA-256 if the caller has it (sigv4_hash, while it
	 * built the body), else NULL and the signer hashes body.
	 */
	const char	*payload_hash;
	const char	*region;
	const char	*service;	/* "kinesis", "firehose", "sts", "ec2" */
	time_t		 now;		/* the signing time */
};
#define SIGV4_CALL_MAX_HEADERS	8

/*
 * The signing entry point of every AWS call sluice makes (Kinesis,
 * Firehose, STS, EC2): signs call with creds and appends to *hp the
 * headers to send, exactly as signed: Host, X-Amz-Date, the call's own,
 * X-Amz-Security-Token when creds has a session token, then
 * Authorization.  Returns 0, or -1 (nothing appended) if the call cannot
 * be signed (no key or secret, too many headers).  The caller owns *hp;
 * since it holds the token, wipe it with sigv4_slist_free.
 */
int	 sigv4_sign(const struct sigv4_call *call,
	    const struct sigv4_credentials *creds, struct curl_slist **hp);

/* Wipes each line of l (tokens, signatures) and frees l; NULL is allowed. */
void	 sigv4_slist_free(struct curl_slist *l);

#endif /* SIGV4_H */
