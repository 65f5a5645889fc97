/*
 * fetch: one blocking HTTP request on libcurl's easy interface, for the
 * threads that may wait on the network: the credential refresher (STS,
 * the container endpoint, IMDS) and the metadata fetcher (IMDS,
 * DescribeTags).  The delivery thread never calls it (http.h is its own).
 * A caller's stop flag abandons a transfer within about a second, so that
 * shutting down never waits for a slow network.
 */
#ifndef FETCH_H
#define FETCH_H

#include <stdatomic.h>
#include <stddef.h>

#include <curl/curl.h>

#include "buf.h"

struct fetch_options {
	long		 connect_ms;	/* default 1000 */
	long		 total_ms;	/* default 2000 */
	int		 no_proxy;	/* link-local or loopback services */
	const char	*ca_file;	/* NULL: the system's */
	const atomic_int *stop;		/* non-zero abandons; may be NULL */
};

struct fetch_response {
	long		 status;
	struct buf	 body;		/* NUL-terminated once complete */
};

/*
 * Sends method ("GET", "PUT" with an empty body, "POST" with body) to url
 * with headers (not taken over), and reads at most max bytes of answer.
 * Returns 0 when an HTTP status came back, whatever it is, with r->body
 * NUL-terminated (never NULL data after buf_cstr); or -1 with *cause set
 * (the caller frees it).  Either way clear r with fetch_response_clear,
 * which wipes the body (it may hold credentials).
 */
int	 fetch_request(const char *method, const char *url,
	    const struct curl_slist *headers, const char *body,
	    size_t max, const struct fetch_options *o,
	    struct fetch_response *r, char **cause);

void	 fetch_response_clear(struct fetch_response *r);

#endif /* FETCH_H */
