/*
 * sigcheck: verifies a request's SigV4 Authorization header as AWS does,
 * with the exact credentials a fake expects, by signing the request again
 * with agent/sigv4.c (which the AWS test vectors check, tests/unit/
 * test_sigv4.c) over the headers the request names in SignedHeaders.
 * For the fake servers (tests/fakeaws, tests/fakeimds); this header
 * includes nothing of the agent's, so that fakeaws's own types do not
 * collide with common/buf.h.
 */
#ifndef SIGCHECK_H
#define SIGCHECK_H

#include <stddef.h>

struct httpd_req;

/* What AWS would answer, by the first check that fails. */
enum sigcheck_result {
	SIGCHECK_OK,
	SIGCHECK_MISSING,	/* no or malformed Authorization, X-Amz-Date:
				   400 IncompleteSignatureException */
	SIGCHECK_BAD_TOKEN,	/* a session token other than the one
				   expected (checked first: rotated
				   credentials), or none:
				   ExpiredTokenException */
	SIGCHECK_BAD_KEY,	/* another access key id: 400 (403 on
				   some APIs) UnrecognizedClientException */
	SIGCHECK_BAD_SIGNATURE	/* wrong secret, service or signed bytes:
				   InvalidSignatureException */
};

/*
 * Checks the request h (method and target from it, body of len bytes)
 * against key, secret and token (NULL: the request must carry none) for
 * service.  Writes a one-line reason into why.
 */
enum sigcheck_result sigcheck_verify(const struct httpd_req *h,
		    const void *body, size_t len, const char *key,
		    const char *secret, const char *token, const char *service,
		    char *why, size_t whylen);

#endif /* SIGCHECK_H */
