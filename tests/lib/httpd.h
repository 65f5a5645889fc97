/*
 * httpd: the HTTP/1.1 core that the test servers share (tests/fakeaws,
 * tests/fakeimds and the endpoint inside tests/unit/test_sender.c): a
 * listening socket on 127.0.0.1, the port file, the request head parser
 * (RFC 9112) with header lookup, and reason phrases.  Each server keeps
 * its own I/O (an epoll loop, one blocking connection at a time, a poll
 * thread) and decides what to do with a request the parser refuses.
 */
#ifndef HTTPD_H
#define HTTPD_H

#include <stddef.h>
#include <stdint.h>

/* A request head.  Everything is owned by the struct (httpd_req_clear). */
struct httpd_req {
	char		*method;
	char		*target;
	uint64_t	 content_length;	/* saturates past body_max */
	int		 has_length;
	int		 has_te;		/* Transfer-Encoding was sent */
	int		 expect_continue;	/* Expect: 100-continue */
	int		 expect_other;		/* any other Expect */
	int		 keepalive;		/* the connection stays open */
	int		 http10;

	char		*fields;	/* the header lines, a private copy */
	struct httpd_field {
		size_t	 name, name_len;	/* offsets into fields */
		size_t	 value, value_len;	/* without surrounding OWS */
	}		*field;
	size_t		 nfields;
};

/*
 * Opens a TCP socket listening on 127.0.0.1:port (0 for an ephemeral
 * port) with SO_REUSEADDR; flags are socket(2) type flags such as
 * SOCK_NONBLOCK.  Sets *bound to the port.  Returns the socket, or -1
 * with errno set.
 */
int		 httpd_listen(unsigned int port, int flags,
		    unsigned int *bound);

/*
 * Writes "port\n" to path through a temporary file and rename(2), so a
 * reader never sees half of it.  Returns 0, or -1 with errno set.
 */
int		 httpd_write_port(const char *path, unsigned int port);

/*
 * Returns the length of the request head at the start of buf (len
 * bytes), up to and with its empty line, or 0 if it is not complete in
 * the first max bytes.
 */
size_t		 httpd_head_len(const char *buf, size_t len, size_t max);

/*
 * Parses the request head at p (n bytes, without the final empty line)
 * into r, which must be zeroed or cleared.  Returns 0, or the HTTP status
 * to answer with and *why: 400 for bad syntax, 505 for a version other
 * than 1.0 and 1.1, 411 for Transfer-Encoding (only Content-Length
 * framing is spoken), 417 for an Expect other than 100-continue, 413 for
 * a Content-Length over body_max.  Free r with httpd_req_clear either way.
 */
int		 httpd_parse_head(struct httpd_req *r, const char *p,
		    size_t n, uint64_t body_max, const char **why);

/*
 * Looks up header field name (case-insensitive).  If it is there and out
 * is not NULL, copies its first value into out (outlen bytes, with the
 * NUL).  Returns how many times the field appears (0: absent), or -1 if
 * the value does not fit in out.
 */
int		 httpd_header(const struct httpd_req *r, const char *name,
		    char *out, size_t outlen);

/*
 * Like httpd_header, but *out is a copy of the value that the caller
 * frees, or NULL if the field is absent.
 */
int		 httpd_header_dup(const struct httpd_req *r, const char *name,
		    char **out);

/* Frees what r holds and zeroes it. */
void		 httpd_req_clear(struct httpd_req *r);

/* The reason phrase for status ("Unknown" for one not listed). */
const char	*httpd_reason(int status);

#endif /* HTTPD_H */
