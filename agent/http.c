/*
 * http: see http.h.
 *
 * The loop owns the sockets' readiness and one timer; libcurl tells us
 * which sockets to watch (http_socket_cb) and when to wake it
 * (http_timer_cb), and we hand events back with curl_multi_socket_action.
 * Finished transfers are collected by http_check after every action.
 *
 * Each request is a struct http_req holding its easy handle and response
 * buffer.  Finished ones go to a free list and are reused, so a steady
 * stream of requests costs no allocation or handle setup beyond
 * curl_easy_setopt.
 */
#include <sys/epoll.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "xmalloc.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION		"unknown"
#endif

/* Reused requests keep a response buffer up to this size; larger is freed. */
#define HTTP_KEEP_RESPONSE	(64 * 1024)
/* Idle requests (easy handles) kept for reuse. */
#define HTTP_MAX_IDLE		16

struct http_req {
	struct http		*http;
	CURL			*easy;
	struct curl_slist	*headers;
	http_done_cb		 cb;
	void			*arg;
	struct buf		 resp;		/* at most HTTP_MAX_RESPONSE */
	char			 error_type[128];
	time_t			 date;		/* Date header, or 0 */
	char			 errbuf[CURL_ERROR_SIZE];
	struct http_req		*prev;
	struct http_req		*next;
};

struct http {
	struct loop		*loop;
	CURLM			*multi;
	CURLSH			*share;
	struct loop_timer	*timer;
	struct http_req		*active;	/* doubly linked */
	struct http_req		*idle;		/* singly linked */
	int			 nidle;
	char			*user_agent;
	char			*ca_file;	/* NULL: the system's */
	char			*http_proxy;	/* HTTP_PROXY, or NULL */
	long			 connect_timeout_ms;
	long			 socket_timeout_ms;
};

static pthread_once_t	http_once = PTHREAD_ONCE_INIT;
static CURLcode		http_global_rc;

static void
http_global_init(void)
{
	http_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void	http_check(struct http *);

/* Hands socket readiness from the loop to libcurl. */
static void
http_fd_cb(int fd, uint32_t events, void *arg)
{
	struct http	*h = arg;
	int		 flags = 0, running;

	if (events & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(h->multi, fd, flags, &running);
	http_check(h);
}

/* libcurl's timeout expired: let it run its timers. */
static void
http_loop_timer_cb(void *arg)
{
	struct http	*h = arg;
	int		 running;

	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_check(h);
}

/*
 * CURLMOPT_SOCKETFUNCTION: watch, re-watch or forget a socket.  socketp
 * (set by curl_multi_assign) is non-NULL once the loop watches the socket.
 */
static int
http_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp,
    void *socketp)
{
	struct http	*h = userp;
	uint32_t	 events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (socketp != NULL) {
			loop_del_fd(h->loop, s);
			curl_multi_assign(h->multi, s, NULL);
		}
		return (0);
	}
	if (what & CURL_POLL_IN)
		events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		events |= EPOLLOUT;
	if (socketp != NULL)
		return (loop_mod_fd(h->loop, s, events) == -1 ? -1 : 0);
	if (loop_add_fd(h->loop, s, events, http_fd_cb, h) == -1) {
		if (errno != EEXIST) {
			log_warn("http: watch socket %d", (int)s);
			return (-1);
		}
		/* A stale entry for a reused descriptor number. */
		loop_del_fd(h->loop, s);
		if (loop_add_fd(h->loop, s, events, http_fd_cb, h) == -1) {
			log_warn("http: watch socket %d", (int)s);
			return (-1);
		}
	}
	curl_multi_assign(h->multi, s, h);
	return (0);
}

/* CURLMOPT_TIMERFUNCTION: -1 cancels, anything else (re-)arms. */
static int
http_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http	*h = userp;

	(void)multi;
	if (timeout_ms < 0)
		loop_timer_cancel(h->timer);
	else
		loop_timer_set(h->timer, (uint64_t)timeout_ms);
	return (0);
}

static size_t
http_write_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct http_req	*r = userp;
	size_t		 n = size * nmemb;

	/* Past the maximum: 0 aborts the transfer (CURLE_WRITE_ERROR). */
	if (buf_add(&r->resp, ptr, n) == -1)
		return (0);
	return (n);
}

/* Keeps the Date header's time (RFC 9110 section 6.6.1), or 0. */
static void
http_header_date(struct http_req *r, const char *v, size_t len)
{
	char	date[64];
	time_t	t;

	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' ||
	    v[len - 1] == ' '))
		len--;
	if (len == 0 || len >= sizeof date)
		return;
	memcpy(date, v, len);
	date[len] = '\0';
	if ((t = curl_getdate(date, NULL)) > 0)
		r->date = t;
}

/* Keeps x-amzn-ErrorType ("Code:http://internal..." -> "Code") and Date. */
static size_t
http_header_cb(char *buf, size_t size, size_t nitems, void *userp)
{
	static const char	 name[] = "x-amzn-ErrorType:";
	static const char	 dname[] = "Date:";
	struct http_req		*r = userp;
	size_t			 n = size * nitems, i, len;
	const char		*v;

	if (n > sizeof dname - 1 &&
	    strncasecmp(buf, dname, sizeof dname - 1) == 0) {
		http_header_date(r, buf + sizeof dname - 1,
		    n - (sizeof dname - 1));
		return (n);
	}
	if (n <= sizeof name - 1 || strncasecmp(buf, name, sizeof name - 1))
		return (n);
	v = buf + sizeof name - 1;
	len = n - (sizeof name - 1);
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	for (i = 0; i < len && i < sizeof r->error_type - 1; i++) {
		if (v[i] == ':' || v[i] == '\r' || v[i] == '\n' ||
		    !isprint((unsigned char)v[i]))
			break;
		r->error_type[i] = v[i];
	}
	r->error_type[i] = '\0';
	return (n);
}

struct http *
http_create(struct loop *loop)
{
	struct http	*h;

	pthread_once(&http_once, http_global_init);
	if (http_global_rc != CURLE_OK) {
		log_warnx("http: curl_global_init: %s",
		    curl_easy_strerror(http_global_rc));
		return (NULL);
	}
	h = xcalloc(1, sizeof *h);
	h->loop = loop;
	http_set_options(h, NULL);
	if ((h->multi = curl_multi_init()) == NULL ||
	    (h->share = curl_share_init()) == NULL)
		goto fail;
	/* One thread uses the share, so it needs no lock functions. */
	if (curl_share_setopt(h->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_CONNECT) != CURLSHE_OK ||
	    curl_share_setopt(h->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
	    curl_share_setopt(h->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK)
		goto fail;
	h->timer = loop_timer_new(loop, http_loop_timer_cb, h);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return (h);
fail:
	log_warnx("http: cannot create libcurl handles");
	if (h->share != NULL)
		curl_share_cleanup(h->share);
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	free(h);
	return (NULL);
}

static void
http_req_destroy(struct http_req *r)
{
	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	buf_free(&r->resp);
	free(r);
}

/* Takes r out of the multi handle and the active list. */
static void
http_req_detach(struct http *h, struct http_req *r)
{
	curl_multi_remove_handle(h->multi, r->easy);
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		h->active = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
}

/* Puts a detached request on the free list, or frees it. */
static void
http_req_release(struct http *h, struct http_req *r)
{
	curl_slist_free_all(r->headers);
	r->headers = NULL;
	r->cb = NULL;
	r->arg = NULL;
	if (h->nidle >= HTTP_MAX_IDLE) {
		http_req_destroy(r);
		return;
	}
	buf_shrink(&r->resp, HTTP_KEEP_RESPONSE);
	r->next = h->idle;
	h->idle = r;
	h->nidle++;
}

void
http_free(struct http *h)
{
	struct http_req	*r;

	if (h == NULL)
		return;
	while ((r = h->active) != NULL) {
		http_req_detach(h, r);
		http_req_destroy(r);
	}
	while ((r = h->idle) != NULL) {
		h->idle = r->next;
		http_req_destroy(r);
	}
	/* The easy handles are gone, so the share is no longer in use. */
	curl_multi_cleanup(h->multi);
	curl_share_cleanup(h->share);
	loop_timer_free(h->timer);
	free(h->user_agent);
	free(h->ca_file);
	free(h->http_proxy);
	free(h);
}

void
http_set_options(struct http *h, const struct http_options *o)
{
	static const struct http_options	 none;
	const char				*v;

	if (o == NULL)
		o = &none;
	free(h->user_agent);
	free(h->ca_file);
	free(h->http_proxy);
	if (o->user_agent != NULL)
		h->user_agent = xstrdup(o->user_agent);
	else
		h->user_agent = xstrdup("sluice/" SLUICE_VERSION);
	h->ca_file = o->ca_file != NULL ? xstrdup(o->ca_file) : NULL;
	h->connect_timeout_ms = o->connect_timeout_ms > 0 ?
	    o->connect_timeout_ms : HTTP_CONNECT_TIMEOUT_MS;
	h->socket_timeout_ms = o->socket_timeout_ms > 0 ?
	    o->socket_timeout_ms : HTTP_SOCKET_TIMEOUT_MS;
	/*
	 * libcurl reads only the lower-case http_proxy (an upper-case one
	 * may come from a CGI request's Proxy header); a daemon has no such
	 * risk, and the AWS SDKs read HTTP_PROXY.
	 */
	h->http_proxy = NULL;
	if (getenv("http_proxy") == NULL &&
	    (v = getenv("HTTP_PROXY")) != NULL && *v != '\0')
		h->http_proxy = xstrdup(v);
}

/* Reports every finished transfer to its owner. */
static void
http_check(struct http *h)
{
	struct http_response	 resp;
	struct http_req		*r;
	CURLMsg			*msg;
	CURLcode		 rc;
	long			 status;
	int			 left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		rc = msg->data.result;
		r = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&r);
		if (r == NULL)
			continue;
		status = 0;
		if (rc == CURLE_OK)
			curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE,
			    &status);
		/* msg is invalid once the handle is removed. */
		http_req_detach(h, r);

		memset(&resp, 0, sizeof resp);
		resp.status = rc == CURLE_OK ? status : 0;
		resp.body = buf_cstr(&r->resp);
		resp.body_len = r->resp.len;
		resp.error_type = r->error_type;
		resp.date = r->date;
		resp.host_unknown = rc == CURLE_COULDNT_RESOLVE_HOST;
		if (rc == CURLE_OK)
			resp.error = "";
		else if (buf_has_failed(&r->resp))
			resp.error = "response body too large";
		else if (r->errbuf[0] != '\0')
			resp.error = r->errbuf;
		else
			resp.error = curl_easy_strerror(rc);
		r->cb(&resp, r->arg);
		http_req_release(h, r);
	}
}

int
http_post(struct http *h, const char *url, struct curl_slist *headers,
    const void *body, size_t len, http_done_cb cb, void *arg)
{
	struct http_req		*r;
	struct curl_slist	*l;
	CURL			*e;

	/* An empty "Expect:" stops libcurl from waiting for 100-continue. */
	if ((l = curl_slist_append(headers, "Expect:")) == NULL) {
		curl_slist_free_all(headers);
		return (-1);
	}
	headers = l;

	if ((r = h->idle) != NULL) {
		h->idle = r->next;
		h->nidle--;
		r->next = NULL;
		curl_easy_reset(r->easy);
	} else {
		r = xcalloc(1, sizeof *r);
		buf_init(&r->resp, HTTP_MAX_RESPONSE);
		r->http = h;
		if ((r->easy = curl_easy_init()) == NULL) {
			free(r);
			curl_slist_free_all(headers);
			return (-1);
		}
	}
	r->headers = headers;
	r->cb = cb;
	r->arg = arg;
	buf_reset(&r->resp);
	r->error_type[0] = '\0';
	r->date = 0;
	r->errbuf[0] = '\0';

	e = r->easy;
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_SHARE, h->share);
	curl_easy_setopt(e, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	/*
	 * HTTP/1.1 over kept-alive connections: the Host header we sign is
	 * then exactly the one sent.
	 */
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, h->user_agent);
	if (h->ca_file != NULL) {
		curl_easy_setopt(e, CURLOPT_CAINFO, h->ca_file);
		/*
		 * The file alone, as caFile says: and libcurl (7.87 and
		 * later) keeps the store it loads for the next connections
		 * only when no CA directory is set, which builds such as
		 * Debian's set by default; else each connection loads the
		 * file again.
		 */
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	}
	if (h->http_proxy != NULL && strncasecmp(url, "http:", 5) == 0)
		curl_easy_setopt(e, CURLOPT_PROXY, h->http_proxy);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
	/* No byte for socket_timeout_ms fails the request, as the SDK's. */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
	    (h->socket_timeout_ms + 999) / 1000);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)HTTP_TIMEOUT_MS);

	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		r->headers = NULL;
		curl_slist_free_all(headers);
		http_req_destroy(r);
		return (-1);
	}
	r->prev = NULL;
	r->next = h->active;
	if (h->active != NULL)
		h->active->prev = r;
	h->active = r;
	return (0);
}

int
http_cancel(struct http *h, void *arg)
{
	struct http_req	*r, *next;
	int		 n = 0;

	for (r = h->active; r != NULL; r = next) {
		next = r->next;
		if (r->arg != arg)
			continue;
		http_req_detach(h, r);
		http_req_release(h, r);
		n++;
	}
	return (n);
}
