/*
 * prom: the Prometheus endpoint (see prom.h).
 */

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "prom.h"
#include "xmalloc.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION		"unknown"
#endif

/* The answer, headers included, is bounded as everything else. */
#define PROM_RESPONSE_MAX	(16U * 1024 * 1024)

struct prom_client {
	struct prom		*prom;
	int			 fd;
	struct buf		 in;
	struct buf		 out;
	size_t			 sent;
	struct loop_timer	*timer;
	struct prom_client	*next;
};

struct prom {
	struct loop		*loop;
	int			 fd;
	prom_text_fn		 text;
	void			*arg;
	struct prom_client	*clients;
	int			 nclients;
	int			 warned_full;
};

/*
 * The metric families, by enum metrics_counter: name, type and help.  A
 * counter with no entry here fails test_prom, so that a new counter is
 * never left out of the endpoint.
 */
struct prom_family {
	const char	*name;
	const char	*type;		/* "counter" or "gauge" */
	const char	*help;
};

static const struct prom_family prom_families[METRICS_NCOUNTERS] = {
	[METRICS_BYTES_READ] = { "sluice_flow_read_bytes_total", "counter",
	    "Bytes read from the flow's files." },
	[METRICS_RECORDS_SPOOLED] = { "sluice_flow_records_spooled_total",
	    "counter", "Records written to the spool." },
	[METRICS_RECORDS_SENT] = { "sluice_flow_records_sent_total",
	    "counter", "Records the destination acknowledged." },
	[METRICS_RECORDS_FAILED] = { "sluice_flow_record_failures_total",
	    "counter", "Record entries the destination refused (retried)." },
	[METRICS_REQUESTS_SENT] = { "sluice_flow_requests_total", "counter",
	    "Requests sent to the destination." },
	[METRICS_REQUESTS_FAILED] = { "sluice_flow_request_failures_total",
	    "counter", "Requests that failed as a whole (retried)." },
	[METRICS_BYTES_LOST] = { "sluice_flow_lost_bytes_total", "counter",
	    "Bytes a truncation removed before they were read." },
	[METRICS_RECORDS_DROPPED] = { "sluice_flow_records_dropped_total",
	    "counter", "Records a converter dropped by its configuration." },
	[METRICS_RECORDS_UNCONVERTED] = {
	    "sluice_flow_records_unconverted_total", "counter",
	    "Records sent raw because a converter failed on them." },
	[METRICS_RECORDS_TRUNCATED] = { "sluice_flow_records_truncated_total",
	    "counter", "Records cut to the largest record size." },
	[METRICS_RECORDS_RUNAWAY] = {
	    "sluice_flow_records_over_buffer_total", "counter",
	    "Records longer than the read buffer." },
	[METRICS_LINES_SKIPPED] = { "sluice_flow_lines_skipped_total",
	    "counter", "Header and footer lines skipped." },
	[METRICS_SPOOL_BYTES] = { "sluice_flow_spool_bytes", "gauge",
	    "Bytes in the spool not yet acknowledged." },
	[METRICS_FILES_OPEN] = { "sluice_flow_files_open", "gauge",
	    "Files of the flow held open." },
	[METRICS_FILES_WAITING] = { "sluice_flow_files_waiting", "gauge",
	    "Files of the flow waiting for a descriptor." },
	[METRICS_SPOOL_RECORDS] = { "sluice_flow_spool_records", "gauge",
	    "Records in the spool not yet acknowledged." },
	[METRICS_SPOOL_OLDEST_MS] = {
	    "sluice_flow_spool_oldest_record_timestamp_seconds", "gauge",
	    "When the oldest unacknowledged record was spooled (0: none)." },
	[METRICS_SPOOL_CORRUPT_BYTES] = {
	    "sluice_flow_spool_corrupt_bytes_total", "counter",
	    "Damaged spool bytes skipped since start." },
	[METRICS_RECORDS_ATTEMPTED] = {
	    "sluice_flow_records_attempted_total", "counter",
	    "Record entries in the requests sent, retries included." },
	[METRICS_BYTES_SENT] = { "sluice_flow_sent_bytes_total", "counter",
	    "Data bytes of the records the destination acknowledged." },
	[METRICS_RECORDS_DEAD] = {
	    "sluice_flow_records_dead_lettered_total", "counter",
	    "Records refused for their content, put in the dead-letter "
	    "file." },
	[METRICS_BYTES_SKIPPED] = { "sluice_flow_skipped_bytes_total",
	    "counter", "Bytes an operator skipped (sluicectl files skip)." },
};

/* Appends s as a label value: backslash, quote and newline escaped. */
static void
prom_label_value(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			buf_addc(b, '\\');
		if (*s == '\n') {
			buf_adds(b, "\\n");
			continue;
		}
		buf_addc(b, *s);
	}
}

static void
prom_labels(struct buf *b, struct metrics *m)
{
	buf_adds(b, "{flow=\"");
	prom_label_value(b, metrics_name(m));
	buf_adds(b, "\",destination=\"");
	prom_label_value(b, metrics_dest(m));
	buf_adds(b, "\",stream=\"");
	prom_label_value(b, metrics_stream(m));
	buf_adds(b, "\"}");
}

/* Errors by AWS code: one series per code a flow has seen (at most 32). */
static void
prom_render_codes(struct buf *b, struct metrics **ms, size_t n)
{
	struct metrics_code	codes[METRICS_MAX_CODES];
	size_t			i, k, nc;

	buf_adds(b, "# HELP sluice_errors_total Failed records and requests, "
	    "by error code.\n# TYPE sluice_errors_total counter\n");
	for (i = 0; i < n; i++) {
		nc = metrics_error_codes(ms[i], codes, METRICS_MAX_CODES);
		for (k = 0; k < nc; k++) {
			buf_adds(b, "sluice_errors_total");
			prom_labels(b, ms[i]);
			/* Re-open the label set for the code. */
			if (b->len > 0 && b->data[b->len - 1] == '}')
				b->len--;
			buf_adds(b, ",code=\"");
			prom_label_value(b, codes[k].code);
			buf_printf(b, "\"} %llu\n",
			    (unsigned long long)codes[k].n);
		}
	}
}

void
prom_render(struct buf *b, struct metrics **ms, size_t n, time_t started)
{
	const struct prom_family	*f;
	uint64_t			 v;
	size_t				 c, i;

	buf_adds(b, "# HELP sluice_build_info sluiced's version.\n"
	    "# TYPE sluice_build_info gauge\n");
	buf_adds(b, "sluice_build_info{version=\"");
	prom_label_value(b, SLUICE_VERSION);
	buf_adds(b, "\"} 1\n");
	buf_printf(b, "# HELP sluice_start_time_seconds When sluiced started, "
	    "in seconds since the epoch.\n"
	    "# TYPE sluice_start_time_seconds gauge\n"
	    "sluice_start_time_seconds %lld\n", (long long)started);
	buf_printf(b, "# HELP sluice_flows Flows configured.\n"
	    "# TYPE sluice_flows gauge\nsluice_flows %zu\n", n);
	for (c = 0; c < METRICS_NCOUNTERS; c++) {
		f = &prom_families[c];
		if (f->name == NULL)
			continue;
		buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", f->name,
		    f->help, f->name, f->type);
		for (i = 0; i < n; i++) {
			buf_adds(b, f->name);
			prom_labels(b, ms[i]);
			v = metrics_get(ms[i], (enum metrics_counter)c);
			/* The one counter kept in ms; base unit seconds. */
			if (c == METRICS_SPOOL_OLDEST_MS)
				buf_printf(b, " %llu.%03u\n",
				    (unsigned long long)(v / 1000),
				    (unsigned)(v % 1000));
			else
				buf_printf(b, " %llu\n",
				    (unsigned long long)v);
		}
	}
	prom_render_codes(b, ms, n);
}

int
prom_parse_listen(const char *spec, char **host, int *port, char **cause)
{
	const char	*colon, *h, *hend;
	char		*end;
	long		 p;

	*host = NULL;
	if (spec[0] == '[') {
		if ((hend = strchr(spec, ']')) == NULL || hend[1] != ':')
			goto bad;
		h = spec + 1;
		colon = hend + 1;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL ||
		    memchr(spec, ':', (size_t)(colon - spec)) != NULL)
			goto bad;
		h = spec;
		hend = colon;
	}
	if (hend == h)
		goto bad;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || p < 1 ||
	    p > 65535)
		goto bad;
	*host = xstrndup(h, (size_t)(hend - h));
	*port = (int)p;
	return (0);
bad:
	xasprintf(cause, "\"%s\" is not HOST:PORT (such as 127.0.0.1:9710 "
	    "or [::1]:9710)", spec);
	return (-1);
}

static void
prom_client_free(struct prom_client *c)
{
	struct prom		*p = c->prom;
	struct prom_client	**pp;

	for (pp = &p->clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	p->nclients--;
	loop_del_fd(p->loop, c->fd);
	close(c->fd);
	loop_timer_free(c->timer);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
}

static void
prom_client_timeout_cb(void *arg)
{
	prom_client_free(arg);
}

/* Queues a whole answer and switches the client to writing. */
static void
prom_answer(struct prom_client *c, const char *status, const char *type,
    const char *body, size_t len)
{
	buf_reset(&c->out);
	buf_printf(&c->out, "HTTP/1.1 %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, type,
	    len);
	buf_add(&c->out, body, len);
	if (buf_has_failed(&c->out)) {
		buf_reset(&c->out);
		buf_adds(&c->out, "HTTP/1.1 500 Internal Server Error\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n");
	}
	c->sent = 0;
	loop_mod_fd(c->prom->loop, c->fd, EPOLLOUT);
}

static void
prom_simple(struct prom_client *c, const char *status)
{
	char	body[128];
	int	n;

	n = snprintf(body, sizeof body, "%s\n", status);
	prom_answer(c, status, "text/plain; charset=utf-8", body, (size_t)n);
}

/* Answers a complete request head. */
static void
prom_handle(struct prom_client *c)
{
	const char	*req = buf_cstr(&c->in), *sp, *path;
	size_t		 plen;
	char		*text;

	if ((sp = strchr(req, ' ')) == NULL) {
		prom_simple(c, "400 Bad Request");
		return;
	}
	path = sp + 1;
	plen = strcspn(path, " ?\r\n");
	if ((size_t)(sp - req) != 3 || strncmp(req, "GET", 3) != 0) {
		prom_simple(c, "405 Method Not Allowed");
		return;
	}
	if (plen != 8 || strncmp(path, "/metrics", 8) != 0) {
		prom_simple(c, "404 Not Found");
		return;
	}
	if ((text = c->prom->text(c->prom->arg)) == NULL) {
		prom_simple(c, "500 Internal Server Error");
		return;
	}
	prom_answer(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8",
	    text, strlen(text));
	free(text);
}

static void
prom_client_cb(int fd, uint32_t events, void *arg)
{
	struct prom_client	*c = arg;
	char			 tmp[2048];
	ssize_t			 n;

	if (c->out.len > 0) {
		n = write(fd, c->out.data + c->sent, c->out.len - c->sent);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0 || (c->sent += (size_t)n) == c->out.len)
			prom_client_free(c);
		return;
	}
	(void)events;
	n = read(fd, tmp, sizeof tmp);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		prom_client_free(c);
		return;
	}
	if (buf_add(&c->in, tmp, (size_t)n) == -1) {
		prom_simple(c, "431 Request Header Fields Too Large");
		return;
	}
	if (strstr(buf_cstr(&c->in), "\r\n\r\n") != NULL ||
	    strstr(buf_cstr(&c->in), "\n\n") != NULL)
		prom_handle(c);
}

static void
prom_accept_cb(int lfd, uint32_t events, void *arg)
{
	struct prom		*p = arg;
	struct prom_client	*c;
	int			 fd;

	(void)events;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		if (p->nclients >= PROM_CLIENTS_MAX) {
			if (!p->warned_full)
				log_warnx("metrics: more than %d scrapers at "
				    "once; closing the extra ones",
				    PROM_CLIENTS_MAX);
			p->warned_full = 1;
			close(fd);
			continue;
		}
		c = xcalloc(1, sizeof *c);
		c->prom = p;
		c->fd = fd;
		buf_init(&c->in, PROM_REQUEST_MAX);
		buf_init(&c->out, PROM_RESPONSE_MAX);
		c->timer = loop_timer_new(p->loop, prom_client_timeout_cb, c);
		loop_timer_set(c->timer, PROM_CLIENT_TIMEOUT_MS);
		if (loop_add_fd(p->loop, fd, EPOLLIN, prom_client_cb, c) == -1) {
			loop_timer_free(c->timer);
			close(fd);
			free(c);
			continue;
		}
		c->next = p->clients;
		p->clients = c;
		p->nclients++;
	}
	/* EMFILE and the like: the next event retries. */
}

struct prom *
prom_open(struct loop *loop, const char *addr, prom_text_fn text,
    void *arg, char **cause)
{
	struct addrinfo	 hints, *res = NULL;
	struct prom	*p = NULL;
	char		*host = NULL, portstr[8];
	int		 port, fd = -1, one = 1, rc;

	if (prom_parse_listen(addr, &host, &port, cause) == -1)
		return (NULL);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(portstr, sizeof portstr, "%d", port);
	if ((rc = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		xasprintf(cause, "metrics.listen %s: %s", addr,
		    gai_strerror(rc));
		goto out;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, res->ai_protocol);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, 64) == -1) {
		xasprintf(cause, "metrics.listen %s: %s", addr,
		    strerror(errno));
		goto out;
	}
	p = xcalloc(1, sizeof *p);
	p->loop = loop;
	p->fd = fd;
	p->text = text;
	p->arg = arg;
	if (loop_add_fd(loop, fd, EPOLLIN, prom_accept_cb, p) == -1) {
		xasprintf(cause, "metrics.listen %s: %s", addr,
		    strerror(errno));
		free(p);
		p = NULL;
		goto out;
	}
	fd = -1;
out:
	if (fd != -1)
		close(fd);
	if (res != NULL)
		freeaddrinfo(res);
	free(host);
	return (p);
}

void
prom_close(struct prom *p)
{
	if (p == NULL)
		return;
	while (p->clients != NULL)
		prom_client_free(p->clients);
	loop_del_fd(p->loop, p->fd);
	close(p->fd);
	free(p);
}
