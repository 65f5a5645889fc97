/*
 * awsreq: see awsreq.h.
 */
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "awsreq.h"
#include "buf.h"
#include "dest.h"
#include "imds.h"
#include "sigv4.h"

void
awsreq_init(struct awsreq *r, const struct dest_endpoint *ep,
    const char *service, const char *target, const char *content_type,
    const void *body, size_t len, time_t now)
{
	size_t	n = 0;

	memset(r, 0, sizeof *r);
	if (target != NULL)
		r->headers[n++] = (struct sigv4_header){ "X-Amz-Target",
		    target };
	r->headers[n++] = (struct sigv4_header){ "Content-Type",
	    content_type };
	r->call.method = "POST";
	r->call.host = ep->host;
	r->call.path = ep->path;
	r->call.headers = r->headers;
	r->call.nheaders = n;
	r->call.body = body;
	r->call.body_len = len;
	r->call.region = ep->region;
	r->call.service = service;
	r->call.now = now;
}

void
awsreq_form_add(struct buf *b, const char *name, const char *value)
{
	if (b->len > 0)
		buf_addc(b, '&');
	sigv4_uri_encode(b, name, strlen(name));
	buf_addc(b, '=');
	sigv4_uri_encode(b, value, strlen(value));
}

char *
awsreq_xml_text(const char *xml, size_t len, const char *name)
{
	const char	*content, *after;
	size_t		 clen, outlen;

	if (!imds_xml_find(xml, xml + len, name, &content, &clen, &after))
		return (NULL);
	return (imds_xml_text(content, clen, &outlen));
}
