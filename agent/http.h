/*
 * http: asynchronous HTTPS POSTs for the delivery thread, on libcurl's
 * multi_socket interface joined to a loop (CURLMOPT_SOCKETFUNCTION and
 * CURLMOPT_TIMERFUNCTION, as in curl's docs/examples/ephiperfifo.c).
 * Connections are kept alive in a connection cache private to each http
 * object (a CURLSH share), so every flow on the thread reuses them.
 * Nothing here blocks: name resolution runs in libcurl's resolver thread.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <time.h>

#include <curl/curl.h>

struct loop;
struct http;

/*
 * A slow endpoint or network fails the attempt, which is retried.  The
 * first two are the defaults of struct http_options (the AWS SDK for
 * Java's, which the Kinesis Agent's connectionTimeoutMillis and
 * socketTimeoutMillis default to); the last bounds a whole request.
 */
#define HTTP_CONNECT_TIMEOUT_MS	10000
#define HTTP_SOCKET_TIMEOUT_MS	50000
#define HTTP_TIMEOUT_MS		120000
/* The largest response body kept; a longer one fails the request. */
#define HTTP_MAX_RESPONSE	(8 * 1024 * 1024)

struct http_response {
	long		 status;	/* 0 on transport error */
	const char	*body;		/* NUL-terminated, never NULL */
	size_t		 body_len;
	/* x-amzn-ErrorType up to its first ':', or "" when absent. */
	const char	*error_type;
	/* libcurl's message on transport error, else "". */
	const char	*error;
	/* 1 if the transport error is a host name that does not resolve. */
	int		 host_unknown;
	/*
	 * The Date header's time, or 0: what the server's clock says, which
	 * corrects ours when AWS refuses a signature as skewed.
	 */
	time_t		 date;
};

/*
 * Called once when a request completes, on the loop's thread.  The
 * response lives only during the call.  The callback may start new
 * requests and cancel others, but must not free the http object.
 */
typedef void	(*http_done_cb)(const struct http_response *, void *arg);

/*
 * Creates an http client on loop (which must outlive it).  Calls
 * curl_global_init once per process.  Returns NULL on failure.  Free with
 * http_free.
 */
struct http	*http_create(struct loop *loop);

/*
 * How requests are made; NULL or 0 members keep the defaults.  Proxies
 * come from the environment as libcurl reads it (https_proxy, HTTPS_PROXY,
 * http_proxy, ALL_PROXY, NO_PROXY), plus HTTP_PROXY for http URLs, which
 * libcurl leaves out and the AWS SDKs read.
 */
struct http_options {
	const char	*user_agent;	/* default "sluice/VERSION" */
	const char	*ca_file;	/* PEM bundle; default the system's */
	long		 connect_timeout_ms; /* TCP and TLS handshake */
	long		 socket_timeout_ms;  /* longest wait for data */
};

/*
 * Sets the options of the requests started from now on; strings are
 * copied.  Call it before the first http_post.
 */
void		 http_set_options(struct http *, const struct http_options *);

/*
 * Abandons every request in flight (their callbacks are not called) and
 * frees the client.  NULL is allowed.
 */
void		 http_free(struct http *);

/*
 * Starts a POST of len bytes at body to url.  The body is not copied: it
 * must stay unchanged until cb runs or the request is cancelled.  Takes
 * ownership of headers (freed when the request ends, or at once on
 * failure); "Expect:" is added to suppress 100-continue.  Returns 0 (cb
 * will be called exactly once, unless the request is cancelled) or -1.
 */
int		 http_post(struct http *, const char *url,
		    struct curl_slist *headers, const void *body, size_t len,
		    http_done_cb cb, void *arg);

/*
 * Cancels every request in flight whose callback argument is arg; their
 * callbacks are not called.  Returns the number cancelled.
 */
int		 http_cancel(struct http *, void *arg);

#endif /* HTTP_H */
