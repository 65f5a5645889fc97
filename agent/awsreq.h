/*
 * awsreq: what the AWS calls sluice signs have in common, set up in one
 * place: a POST to an endpoint (dest.h's struct dest_endpoint: the Host
 * header, the path and the signing region) with its Content-Type and,
 * for the JSON protocols, its X-Amz-Target, ready for the one signing
 * entry point (creds_sign, or sigv4_sign with given keys); and the Query
 * protocol's form bodies and XML errors, which STS and CloudWatch share.
 * Kinesis, Firehose, CloudWatch and STS use it.
 */
#ifndef AWSREQ_H
#define AWSREQ_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "sigv4.h"

struct dest_endpoint;

/* The JSON protocol's (Kinesis, Firehose), and the Query protocol's. */
#define AWSREQ_JSON_TYPE	"application/x-amz-json-1.1"
#define AWSREQ_FORM_TYPE	"application/x-www-form-urlencoded; " \
				"charset=utf-8"

/* A call to sign: call points into headers, so keep them together. */
struct awsreq {
	struct sigv4_call	 call;
	struct sigv4_header	 headers[2];
};

/*
 * Sets up r as a POST of the len bytes at body to ep, for service
 * ("kinesis", "monitoring", "sts"), with X-Amz-Target target (NULL for
 * none) and Content-Type content_type, signed at now.  Nothing is
 * copied: ep, the strings and body must outlive r.  The caller may then
 * set r->call.payload_hash (the body's hash, if it has it).
 */
void	 awsreq_init(struct awsreq *r, const struct dest_endpoint *ep,
	    const char *service, const char *target, const char *content_type,
	    const void *body, size_t len, time_t now);

/*
 * Appends name=value to a form body, both URI-encoded, after a '&' unless
 * b is empty.  Past b's maximum b is marked failed (buf_has_failed).
 */
void	 awsreq_form_add(struct buf *b, const char *name,
	    const char *value);

/*
 * Returns the text of the first element name in the len bytes of XML at
 * xml, entities decoded, or NULL if there is none.  The caller frees it.
 */
char	*awsreq_xml_text(const char *xml, size_t len, const char *name);

#endif /* AWSREQ_H */
