/*
 * httpd: see httpd.h.  The parser follows RFC 9112 sections 2 to 6 and
 * RFC 9110 section 5 closely enough that a malformed request is refused
 * rather than guessed at; the servers speak only Content-Length framing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* memmem */
#endif

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "httpd.h"
#include "xmalloc.h"

int
httpd_listen(unsigned int port, int flags, unsigned int *bound)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 fd, one = 1, saved;

	if ((fd = socket(AF_INET, SOCK_STREAM | flags, 0)) == -1)
		return (-1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(fd, SOMAXCONN) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	*bound = ntohs(sin.sin_port);
	return (fd);
}

int
httpd_write_port(const char *path, unsigned int port)
{
	char	*tmp, buf[16];
	ssize_t	 n;
	size_t	 off = 0, len;
	int	 fd, ret = -1, saved;

	len = (size_t)snprintf(buf, sizeof buf, "%u\n", port);
	xasprintf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644)) == -1)
		goto out;
	while (off < len) {
		if ((n = write(fd, buf + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			unlink(tmp);
			errno = saved;
			goto out;
		}
		off += n;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		goto out;
	}
	ret = 0;
out:
	free(tmp);
	return (ret);
}

size_t
httpd_head_len(const char *buf, size_t len, size_t max)
{
	const char	*end;

	end = memmem(buf, len < max ? len : max, "\r\n\r\n", 4);
	return (end == NULL ? 0 : (size_t)(end - buf) + 4);
}

const char *
httpd_reason(int status)
{
	switch (status) {
	case 100:
		return ("Continue");
	case 200:
		return ("OK");
	case 400:
		return ("Bad Request");
	case 401:
		return ("Unauthorized");
	case 403:
		return ("Forbidden");
	case 404:
		return ("Not Found");
	case 405:
		return ("Method Not Allowed");
	case 411:
		return ("Length Required");
	case 413:
		return ("Payload Too Large");
	case 417:
		return ("Expectation Failed");
	case 431:
		return ("Request Header Fields Too Large");
	case 500:
		return ("Internal Server Error");
	case 503:
		return ("Service Unavailable");
	case 505:
		return ("HTTP Version Not Supported");
	}
	return ("Unknown");
}

/* RFC 9110 section 5.6.2: token characters. */
static int
httpd_is_tchar(unsigned char ch)
{
	if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= 'A' && ch <= 'Z'))
		return (1);
	return (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static int
httpd_name_is(const char *name, size_t len, const char *want)
{
	return (strlen(want) == len && strncasecmp(name, want, len) == 0);
}

/* Returns 1 if the comma-separated list s (len bytes) holds token tok. */
static int
httpd_list_has(const char *s, size_t len, const char *tok)
{
	const char	*end = s + len, *e;
	size_t		 n;

	while (s < end) {
		while (s < end && (*s == ' ' || *s == '\t' || *s == ','))
			s++;
		e = s;
		while (e < end && *e != ',')
			e++;
		n = e - s;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n == strlen(tok) && strncasecmp(s, tok, n) == 0)
			return (1);
		s = e;
	}
	return (0);
}

/*
 * Parses a Content-Length value (1*DIGIT).  Values past max saturate:
 * they are all refused, and cannot overflow.
 */
static int
httpd_parse_length(const char *s, const char *end, uint64_t max,
    uint64_t *cl)
{
	*cl = 0;
	if (s == end)
		return (-1);
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return (-1);
		if (*cl <= max)
			*cl = *cl * 10 + (*s - '0');
	}
	return (0);
}

/* The request line: method SP request-target SP HTTP-version. */
static int
httpd_parse_request_line(struct httpd_req *r, const char *line, size_t len,
    const char **why)
{
	const char	*eol = line + len, *v, *sp;
	size_t		 i;

	for (i = 0; i < len && httpd_is_tchar(line[i]); i++)
		;
	if (i == 0 || i == len || line[i] != ' ') {
		*why = "malformed request line";
		return (400);
	}
	r->method = xstrndup(line, i);
	v = line + i + 1;
	sp = memchr(v, ' ', eol - v);
	if (sp == NULL || sp == v) {
		*why = "malformed request line";
		return (400);
	}
	r->target = xstrndup(v, sp - v);
	for (; v < sp; v++) {
		if ((unsigned char)*v <= ' ' || (unsigned char)*v == 0x7f) {
			*why = "malformed request target";
			return (400);
		}
	}
	v = sp + 1;
	/* HTTP-version = "HTTP/" DIGIT "." DIGIT */
	if ((size_t)(eol - v) != 8 || strncmp(v, "HTTP/", 5) != 0 ||
	    v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' ||
	    v[7] > '9') {
		*why = "malformed HTTP version";
		return (400);
	}
	if (v[5] == '1' && v[7] == '0')
		r->http10 = 1;
	else if (v[5] != '1' || v[7] != '1') {
		*why = "only HTTP/1.0 and HTTP/1.1 are spoken";
		return (505);
	}
	return (0);
}

int
httpd_parse_head(struct httpd_req *r, const char *p, size_t n,
    uint64_t body_max, const char **why)
{
	const char		*end, *line, *eol, *colon, *v, *ve, *c;
	struct httpd_field	*f;
	size_t			 i, len;
	uint64_t		 cl;
	int			 status, conn_close = 0, conn_keep = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '\0' || (p[i] == '\r' && (i + 1 == n ||
		    p[i + 1] != '\n')) || (p[i] == '\n' && (i == 0 ||
		    p[i - 1] != '\r'))) {
			*why = "stray NUL, CR or LF in request head";
			return (400);
		}
	}
	/* The field offsets below point into this copy. */
	r->fields = xmalloc(n + 1);
	memcpy(r->fields, p, n);
	r->fields[n] = '\0';
	p = r->fields;
	end = p + n;

	eol = memmem(p, n, "\r\n", 2);
	if (eol == NULL)
		eol = end;
	if ((status = httpd_parse_request_line(r, p, eol - p, why)) != 0)
		return (status);
	for (line = eol; line != end; line = eol) {
		line += 2;
		eol = memmem(line, end - line, "\r\n", 2);
		if (eol == NULL)
			eol = end;
		len = eol - line;
		if (len > 0 && (line[0] == ' ' || line[0] == '\t')) {
			*why = "obsolete header line folding";
			return (400);
		}
		colon = memchr(line, ':', len);
		if (colon == NULL || colon == line) {
			*why = "malformed header field";
			return (400);
		}
		for (v = line; v < colon; v++) {
			if (!httpd_is_tchar(*v)) {
				*why = "malformed header field name";
				return (400);
			}
		}
		v = colon + 1;
		ve = eol;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (c = v; c < ve; c++) {
			if (((unsigned char)*c < 0x20 && *c != '\t') ||
			    *c == 0x7f) {
				*why = "control character in header";
				return (400);
			}
		}
		len = colon - line;
		r->field = xreallocarray(r->field, r->nfields + 1,
		    sizeof *r->field);
		f = &r->field[r->nfields++];
		f->name = line - p;
		f->name_len = len;
		f->value = v - p;
		f->value_len = ve - v;

		if (httpd_name_is(line, len, "content-length")) {
			if (httpd_parse_length(v, ve, body_max, &cl) == -1) {
				*why = "malformed Content-Length";
				return (400);
			}
			if (r->has_length && cl != r->content_length) {
				*why = "conflicting Content-Length";
				return (400);
			}
			r->has_length = 1;
			r->content_length = cl;
		} else if (httpd_name_is(line, len, "transfer-encoding"))
			r->has_te = 1;
		else if (httpd_name_is(line, len, "expect")) {
			if ((size_t)(ve - v) == 12 &&
			    strncasecmp(v, "100-continue", 12) == 0)
				r->expect_continue = 1;
			else
				r->expect_other = 1;
		} else if (httpd_name_is(line, len, "connection")) {
			if (httpd_list_has(v, ve - v, "close"))
				conn_close = 1;
			if (httpd_list_has(v, ve - v, "keep-alive"))
				conn_keep = 1;
		}
	}

	if (r->http10)
		r->keepalive = conn_keep && !conn_close;
	else
		r->keepalive = !conn_close;
	/* RFC 9112 section 6.3: no framing but Content-Length is spoken. */
	if (r->has_te) {
		*why = "Transfer-Encoding is not supported; "
		    "send Content-Length";
		return (411);
	}
	if (r->expect_other) {
		*why = "unsupported Expect";
		return (417);
	}
	if (r->content_length > body_max) {
		*why = "request body larger than the server takes";
		return (413);
	}
	return (0);
}

int
httpd_header(const struct httpd_req *r, const char *name, char *out,
    size_t outlen)
{
	const struct httpd_field	*f, *first = NULL;
	size_t				 i;
	int				 count = 0;

	for (i = 0; i < r->nfields; i++) {
		f = &r->field[i];
		if (!httpd_name_is(r->fields + f->name, f->name_len, name))
			continue;
		if (first == NULL)
			first = f;
		count++;
	}
	if (first != NULL && out != NULL) {
		if (first->value_len >= outlen)
			return (-1);
		memcpy(out, r->fields + first->value, first->value_len);
		out[first->value_len] = '\0';
	}
	return (count);
}

int
httpd_header_dup(const struct httpd_req *r, const char *name, char **out)
{
	const struct httpd_field	*f;
	size_t				 i;
	int				 count;

	*out = NULL;
	if ((count = httpd_header(r, name, NULL, 0)) == 0)
		return (0);
	for (i = 0; i < r->nfields; i++) {
		f = &r->field[i];
		if (httpd_name_is(r->fields + f->name, f->name_len, name)) {
			*out = xstrndup(r->fields + f->value, f->value_len);
			break;
		}
	}
	return (count);
}

void
httpd_req_clear(struct httpd_req *r)
{
	free(r->method);
	free(r->target);
	free(r->fields);
	free(r->field);
	memset(r, 0, sizeof *r);
}
