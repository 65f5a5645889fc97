/*
 * fakeimds: a stand-in for the EC2 instance metadata service (IMDSv2) and
 * the EC2 DescribeTags API on one local port, for the ADDEC2METADATA tests.
 * It never talks to AWS.
 *
 * IMDS: PUT /latest/api/token (needs X-aws-ec2-metadata-token-ttl-seconds)
 * hands out a token; every GET must carry it (X-aws-ec2-metadata-token),
 * else 401, as IMDS does when IMDSv2 is required.  It serves
 * /latest/dynamic/instance-identity/document and the instance role's
 * credentials under /latest/meta-data/iam/security-credentials/.
 *
 * EC2: POST / with Action=DescribeTags checks the form (Version, the
 * resource-id filter naming this instance) and the SigV4 Authorization
 * header's credential scope (access key, date of X-Amz-Date, region, "ec2")
 * and signed headers (host, x-amz-date, and x-amz-security-token carrying
 * the role's token when the role's key is used).  It does not recompute the
 * signature: sigv4.c is tested against the AWS suite on its own.
 *
 * STS (the Query API, POST / with Action=): AssumeRole checks the SigV4
 * signature, remade with the exact source credentials expected (sts_key,
 * sts_secret, sts_token; see tests/lib/sigcheck.h) and answers with the
 * issued credentials; AssumeRoleWithWebIdentity, unsigned, checks the
 * WebIdentityToken.  Both check RoleArn (and ExternalId) when set, and
 * answer errors as STS does (<ErrorResponse>, 400 or 403).
 *
 * The container credentials endpoint (ECS, EKS Pod Identity): GET
 * /container/... answers the issued credentials, after checking the
 * Authorization header when container_auth is set (else 401).
 *
 * The issued credentials (IMDS role, container, STS) are key, secret and
 * token, with an Expiration expires_in seconds after each answer.
 *
 * Behaviour is set by a control file (-c), re-read before each request, of
 * "key value" lines:
 *   imds up | down | v1      down: 500 for all IMDS paths; v1: no token API
 *                            (PUT gives 404) and GETs need no token
 *   field.NAME VALUE         sets identity document field NAME ("-" removes)
 *   role NAME | -            the instance role (default fake-role)
 *   access_key KEY           the key DescribeTags must be signed with
 *                            (default: the role's)
 *   tags ok | deny           deny: DescribeTags answers 403
 *   tag KEY VALUE            replaces the default tags (repeatable)
 *   key K, secret S, token T the issued credentials (token "-": none)
 *   expires_in N             their life in seconds (default: until 2099)
 *   sts_key K, sts_secret S, sts_token T
 *                            what AssumeRole must be signed with (token
 *                            "-" or unset: none)
 *   role_arn ARN             the RoleArn STS expects (default: any)
 *   external_id X            the ExternalId AssumeRole expects
 *   web_token T              the WebIdentityToken expected
 *   container_auth T         the container endpoint's Authorization
 * Each request is logged to the -o file as "METHOD PATH STATUS", with
 * STS's as "POST /sts/ACTION STATUS".
 *
 * One thread, one connection at a time, "Connection: close": the client
 * under test makes one request per connection.  Every buffer has a maximum.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* memmem, strcasestr */
#endif

#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "sigcheck.h"

#define FAKE_HEAD_MAX		(64 * 1024)
#define FAKE_BODY_MAX		(64 * 1024)
#define FAKE_OUT_MAX		(256 * 1024)
#define FAKE_FIELDS_MAX		32
#define FAKE_TAGS_MAX		64
#define FAKE_STR_MAX		256

#define FAKE_ROLE_KEY		"ASIAFAKEIMDSROLEKEY1"
#define FAKE_ROLE_SECRET	"fakeimdsRoleSecret/0123456789abcdefghijk"
#define FAKE_ROLE_TOKEN		"FAKEROLESESSIONTOKEN+/=="

struct fake_kv {
	char	key[FAKE_STR_MAX];
	char	value[FAKE_STR_MAX];
	int	removed;
};

/* The state the control file sets, rebuilt before each request. */
struct fake_state {
	char		imds[16];
	char		key[FAKE_STR_MAX];
	char		secret[FAKE_STR_MAX];
	char		token[FAKE_STR_MAX];
	long		expires_in;
	char		sts_key[FAKE_STR_MAX];
	char		sts_secret[FAKE_STR_MAX];
	char		sts_token[FAKE_STR_MAX];
	char		role_arn[FAKE_STR_MAX];
	char		external_id[FAKE_STR_MAX];
	char		web_token[FAKE_STR_MAX];
	char		container_auth[FAKE_STR_MAX];
	char		role[FAKE_STR_MAX];
	char		access_key[FAKE_STR_MAX];
	char		tags_mode[16];
	struct fake_kv	fields[FAKE_FIELDS_MAX];
	int		nfields;
	struct fake_kv	tags[FAKE_TAGS_MAX];
	int		ntags;
};

struct fake_req {
	struct httpd_req h;
	const char	*method;	/* h's */
	const char	*path;
	char		 head[FAKE_HEAD_MAX + 1];
	char		 body[FAKE_BODY_MAX + 1];
	size_t		 body_len;
};

static const char *control_path;
static FILE *log_fp;
static unsigned long token_counter;

/* The identity document's fields, in the order IMDS sends them. */
static const struct fake_kv default_fields[] = {
	{ "accountId", "123456789012", 0 },
	{ "architecture", "x86_64", 0 },
	{ "availabilityZone", "us-west-2b", 0 },
	{ "imageId", "ami-0fake0123456789a", 0 },
	{ "instanceId", "i-0fake1234567890ab", 0 },
	{ "instanceType", "t3.micro", 0 },
	{ "pendingTime", "2024-01-01T00:00:00Z", 0 },
	{ "privateIp", "10.1.2.3", 0 },
	{ "region", "us-west-2", 0 },
	{ "version", "2017-09-30", 0 },
};

/* Mixed case, XML specials, an empty value and a non-ASCII key. */
static const struct fake_kv default_tags[] = {
	{ "Name", "web-1", 0 },
	{ "Team", "Prod & <Ops> \"quoted\"", 0 },
	{ "aws:autoscaling:groupName", "asg-1", 0 },
	{ "EmptyTag", "", 0 },
	{ "\xc3\x9cnit", "caf\xc3\xa9", 0 },	/* "Ünit": "café" */
};

static void
fake_copy(char *dst, const char *src)
{
	size_t	n = strnlen(src, FAKE_STR_MAX - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void
fake_load(struct fake_state *st)
{
	FILE	*fp;
	char	 line[1024], *key, *val, *nl;
	int	 i, custom_tags = 0;

	memset(st, 0, sizeof *st);
	fake_copy(st->imds, "up");
	fake_copy(st->key, FAKE_ROLE_KEY);
	fake_copy(st->secret, FAKE_ROLE_SECRET);
	fake_copy(st->token, FAKE_ROLE_TOKEN);
	fake_copy(st->role, "fake-role");
	fake_copy(st->access_key, FAKE_ROLE_KEY);
	fake_copy(st->tags_mode, "ok");
	for (i = 0; i < (int)(sizeof default_fields / sizeof default_fields[0]);
	    i++)
		st->fields[st->nfields++] = default_fields[i];
	for (i = 0; i < (int)(sizeof default_tags / sizeof default_tags[0]);
	    i++)
		st->tags[st->ntags++] = default_tags[i];
	if (control_path == NULL || (fp = fopen(control_path, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, fp) != NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		key = line;
		if ((val = strchr(line, ' ')) == NULL)
			continue;
		*val++ = '\0';
		if (strcmp(key, "imds") == 0)
			snprintf(st->imds, sizeof st->imds, "%s", val);
		else if (strcmp(key, "key") == 0) {
			fake_copy(st->key, val);
			fake_copy(st->access_key, val);
		} else if (strcmp(key, "secret") == 0)
			fake_copy(st->secret, val);
		else if (strcmp(key, "token") == 0)
			fake_copy(st->token, strcmp(val, "-") == 0 ? "" : val);
		else if (strcmp(key, "expires_in") == 0)
			st->expires_in = atol(val);
		else if (strcmp(key, "sts_key") == 0)
			fake_copy(st->sts_key, val);
		else if (strcmp(key, "sts_secret") == 0)
			fake_copy(st->sts_secret, val);
		else if (strcmp(key, "sts_token") == 0)
			fake_copy(st->sts_token, strcmp(val, "-") == 0 ? "" :
			    val);
		else if (strcmp(key, "role_arn") == 0)
			fake_copy(st->role_arn, val);
		else if (strcmp(key, "external_id") == 0)
			fake_copy(st->external_id, val);
		else if (strcmp(key, "web_token") == 0)
			fake_copy(st->web_token, val);
		else if (strcmp(key, "container_auth") == 0)
			fake_copy(st->container_auth, val);
		else if (strcmp(key, "role") == 0)
			fake_copy(st->role, val);
		else if (strcmp(key, "access_key") == 0)
			fake_copy(st->access_key, val);
		else if (strcmp(key, "tags") == 0)
			snprintf(st->tags_mode, sizeof st->tags_mode, "%s",
			    val);
		else if (strncmp(key, "field.", 6) == 0) {
			for (i = 0; i < st->nfields; i++)
				if (strcmp(st->fields[i].key, key + 6) == 0)
					break;
			if (i == st->nfields) {
				if (st->nfields == FAKE_FIELDS_MAX)
					continue;
				st->nfields++;
				fake_copy(st->fields[i].key, key + 6);
			}
			st->fields[i].removed = strcmp(val, "-") == 0;
			fake_copy(st->fields[i].value, val);
		} else if (strcmp(key, "tag") == 0) {
			char	*tv;

			if (!custom_tags)
				st->ntags = 0;
			custom_tags = 1;
			if (st->ntags == FAKE_TAGS_MAX)
				continue;
			if ((tv = strchr(val, ' ')) != NULL)
				*tv++ = '\0';
			fake_copy(st->tags[st->ntags].key, val);
			fake_copy(st->tags[st->ntags].value,
			    tv != NULL ? tv : "");
			st->ntags++;
		}
	}
	fclose(fp);
}

static const char *
fake_field(const struct fake_state *st, const char *key)
{
	int	i;

	for (i = 0; i < st->nfields; i++)
		if (strcmp(st->fields[i].key, key) == 0 &&
		    !st->fields[i].removed)
			return (st->fields[i].value);
	return (NULL);
}

/* The value of header name, copied into out: 0, or -1 if absent. */
static int
fake_header(const struct fake_req *rq, const char *name, char *out,
    size_t outlen)
{
	return (httpd_header(&rq->h, name, out, outlen) > 0 ? 0 : -1);
}

static void
fake_send(int fd, struct fake_req *rq, int status, const char *ctype,
    const char *body)
{
	static char	 out[FAKE_OUT_MAX];
	const char	*reason;
	size_t		 len = strlen(body), off = 0;
	ssize_t		 n;
	int		 hl;

	reason = httpd_reason(status);
	hl = snprintf(out, sizeof out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, reason,
	    ctype, len);
	if (hl < 0 || (size_t)hl + len > sizeof out)
		return;
	memcpy(out + hl, body, len);
	len += hl;
	/* Logged before the answer, so a test that has it sees the line. */
	if (log_fp != NULL) {
		fprintf(log_fp, "%s %s %d\n", rq->method, rq->path, status);
		fflush(log_fp);
	}
	while (off < len) {
		if ((n = write(fd, out + off, len - off)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		off += n;
	}
}

/* Appends s to out (of size FAKE_OUT_MAX) with XML escapes. */
static void
fake_xml_escape(char *out, size_t *len, const char *s)
{
	const char	*rep;
	size_t		 n;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		default: rep = NULL; break;
		}
		n = rep != NULL ? strlen(rep) : 1;
		if (*len + n + 1 >= FAKE_OUT_MAX)
			return;
		memcpy(out + *len, rep != NULL ? rep : s, n);
		*len += n;
		out[*len] = '\0';
	}
}

static void
fake_append(char *out, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fake_append(char *out, size_t *len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(out + *len, FAKE_OUT_MAX - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < FAKE_OUT_MAX - *len ? (size_t)n :
		    FAKE_OUT_MAX - *len - 1;
}

static void
fake_ec2_error(int fd, struct fake_req *rq, int status, const char *code,
    const char *msg)
{
	char	body[1024];

	snprintf(body, sizeof body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "\n<Response><Errors><Error><Code>%s</Code><Message>%s</Message>"
	    "</Error></Errors><RequestID>fake-0001</RequestID></Response>",
	    code, msg);
	fake_send(fd, rq, status, "text/xml;charset=UTF-8", body);
}

static int
fake_form_has(const char *body, const char *pair)
{
	const char	*p = body;
	size_t		 n = strlen(pair);

	while ((p = strstr(p, pair)) != NULL) {
		if ((p == body || p[-1] == '&') && (p[n] == '&' ||
		    p[n] == '\0'))
			return (1);
		p++;
	}
	return (0);
}

static void
fake_describe_tags(int fd, struct fake_req *rq, const struct fake_state *st)
{
	static char	 out[FAKE_OUT_MAX];
	char		 auth[2048], date[64], scope[1024], want[512];
	char		 tok[1024];
	char		 signed_hdrs[512];
	const char	*id, *region, *sh;
	size_t		 len = 0;
	int		 i, use_token;

	id = fake_field(st, "instanceId");
	region = fake_field(st, "region");
	snprintf(want, sizeof want, "Filter.1.Value.1=%s",
	    id != NULL ? id : "");
	if (!fake_form_has(rq->body, "Action=DescribeTags") ||
	    !fake_form_has(rq->body, "Version=2016-11-15") ||
	    !fake_form_has(rq->body, "Filter.1.Name=resource-id") ||
	    !fake_form_has(rq->body, want)) {
		fake_ec2_error(fd, rq, 400, "InvalidParameterValue",
		    "bad DescribeTags form");
		return;
	}
	if (fake_header(rq, "Authorization", auth, sizeof auth) != 0 ||
	    fake_header(rq, "X-Amz-Date", date, sizeof date) != 0 ||
	    strlen(date) != 16) {
		fake_ec2_error(fd, rq, 401, "AuthFailure",
		    "missing Authorization or X-Amz-Date");
		return;
	}
	snprintf(scope, sizeof scope, "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/"
	    "ec2/aws4_request, SignedHeaders=", st->access_key, date,
	    region != NULL ? region : "");
	if (strncmp(auth, scope, strlen(scope)) != 0) {
		fake_ec2_error(fd, rq, 401, "AuthFailure",
		    "wrong credential scope");
		return;
	}
	sh = auth + strlen(scope);
	snprintf(signed_hdrs, sizeof signed_hdrs, "%.*s",
	    (int)strcspn(sh, ","), sh);
	use_token = strcmp(st->access_key, FAKE_ROLE_KEY) == 0;
	if (strstr(signed_hdrs, "host") == NULL ||
	    strstr(signed_hdrs, "x-amz-date") == NULL ||
	    strstr(auth, "Signature=") == NULL ||
	    (use_token && (strstr(signed_hdrs, "x-amz-security-token") ==
	    NULL || fake_header(rq, "X-Amz-Security-Token", tok,
	    sizeof tok) != 0 || strcmp(tok, FAKE_ROLE_TOKEN) != 0))) {
		fake_ec2_error(fd, rq, 401, "AuthFailure",
		    "bad signed headers or session token");
		return;
	}
	if (strcmp(st->tags_mode, "deny") == 0) {
		fake_ec2_error(fd, rq, 403, "UnauthorizedOperation",
		    "You are not authorized to perform this operation.");
		return;
	}
	fake_append(out, &len, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<DescribeTagsResponse xmlns=\"http://ec2.amazonaws.com/doc/"
	    "2016-11-15/\">\n    <requestId>fake-0002</requestId>\n"
	    "    <tagSet>\n");
	for (i = 0; i < st->ntags; i++) {
		fake_append(out, &len, "        <item>\n"
		    "            <resourceId>%s</resourceId>\n"
		    "            <resourceType>instance</resourceType>\n"
		    "            <key>", id);
		fake_xml_escape(out, &len, st->tags[i].key);
		fake_append(out, &len, "</key>\n");
		/* EC2 writes an empty value as a self-closing element. */
		if (st->tags[i].value[0] == '\0')
			fake_append(out, &len, "            <value/>\n");
		else {
			fake_append(out, &len, "            <value>");
			fake_xml_escape(out, &len, st->tags[i].value);
			fake_append(out, &len, "</value>\n");
		}
		fake_append(out, &len, "        </item>\n");
	}
	fake_append(out, &len, "    </tagSet>\n</DescribeTagsResponse>");
	fake_send(fd, rq, 200, "text/xml;charset=UTF-8", out);
}

/* The issued credentials' Expiration, ISO 8601 UTC. */
static void
fake_expiration(const struct fake_state *st, char *out, size_t len)
{
	time_t	t;

	if (st->expires_in == 0) {
		snprintf(out, len, "2099-01-01T00:00:00Z");
		return;
	}
	t = time(NULL) + st->expires_in;
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
}

/*
 * The form value of name in body, percent-decoded ('+' is a space), into
 * out.  Returns 0, or -1 if absent or too long.
 */
static int
fake_form_get(const char *body, const char *name, char *out, size_t outlen)
{
	const char	*p = body, *e;
	size_t		 n = strlen(name), o = 0;
	unsigned int	 c;

	for (;;) {
		if ((p = strstr(p, name)) == NULL)
			return (-1);
		if ((p == body || p[-1] == '&') && p[n] == '=')
			break;
		p++;
	}
	p += n + 1;
	e = p + strcspn(p, "&");
	for (; p < e; p++) {
		if (o + 1 >= outlen)
			return (-1);
		if (*p == '%' && e - p >= 3 && sscanf(p + 1, "%2x", &c) == 1) {
			out[o++] = (char)c;
			p += 2;
		} else
			out[o++] = *p == '+' ? ' ' : *p;
	}
	out[o] = '\0';
	return (0);
}

static void
fake_sts_error(int fd, struct fake_req *rq, int status, const char *code,
    const char *msg)
{
	char	body[1024];

	snprintf(body, sizeof body, "<ErrorResponse xmlns=\"https://sts."
	    "amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>Sender"
	    "</Type>\n    <Code>%s</Code>\n    <Message>%s</Message>\n"
	    "  </Error>\n  <RequestId>fake-sts-0001</RequestId>\n"
	    "</ErrorResponse>\n", code, msg);
	fake_send(fd, rq, status, "text/xml", body);
}

/* STS AssumeRole and AssumeRoleWithWebIdentity (Query API). */
static void
fake_sts(int fd, struct fake_req *rq, const struct fake_state *st,
    const char *action)
{
	static char	 out[FAKE_OUT_MAX];
	char		 arn[FAKE_STR_MAX], sess[FAKE_STR_MAX], why[256];
	char		 val[FAKE_STR_MAX], exp[32], label[80];
	int		 web = strcmp(action, "AssumeRoleWithWebIdentity") == 0;

	snprintf(label, sizeof label, "/sts/%s", action);
	rq->path = label;
	if (!web && strcmp(action, "AssumeRole") != 0) {
		fake_sts_error(fd, rq, 400, "InvalidAction",
		    "Could not find operation");
		return;
	}
	if (!fake_form_has(rq->body, "Version=2011-06-15") ||
	    fake_form_get(rq->body, "RoleArn", arn, sizeof arn) != 0 ||
	    fake_form_get(rq->body, "RoleSessionName", sess,
	    sizeof sess) != 0 || sess[0] == '\0') {
		fake_sts_error(fd, rq, 400, "ValidationError",
		    "missing Version, RoleArn or RoleSessionName");
		return;
	}
	if (web) {
		if (fake_form_get(rq->body, "WebIdentityToken", val,
		    sizeof val) != 0 || st->web_token[0] == '\0' ||
		    strcmp(val, st->web_token) != 0) {
			fake_sts_error(fd, rq, 400, "InvalidIdentityToken",
			    "Couldn't verify the web identity token");
			return;
		}
	} else {
		switch (st->sts_key[0] == '\0' ? SIGCHECK_BAD_KEY :
		    sigcheck_verify(&rq->h, rq->body, rq->body_len,
		    st->sts_key, st->sts_secret, st->sts_token[0] != '\0' ?
		    st->sts_token : NULL, "sts", why, sizeof why)) {
		case SIGCHECK_OK:
			break;
		case SIGCHECK_MISSING:
			fake_sts_error(fd, rq, 400, "IncompleteSignature",
			    "missing Authorization");
			return;
		case SIGCHECK_BAD_KEY:
			fake_sts_error(fd, rq, 403, "InvalidClientTokenId",
			    "The security token included in the request is "
			    "invalid.");
			return;
		case SIGCHECK_BAD_TOKEN:
			fake_sts_error(fd, rq, 400, "ExpiredToken",
			    "The security token included in the request is "
			    "expired");
			return;
		case SIGCHECK_BAD_SIGNATURE:
			fake_sts_error(fd, rq, 403, "SignatureDoesNotMatch",
			    "The request signature we calculated does not "
			    "match the signature you provided.");
			return;
		}
		if (st->external_id[0] != '\0' && (fake_form_get(rq->body,
		    "ExternalId", val, sizeof val) != 0 ||
		    strcmp(val, st->external_id) != 0)) {
			fake_sts_error(fd, rq, 403, "AccessDenied",
			    "not authorized to perform sts:AssumeRole "
			    "(ExternalId)");
			return;
		}
	}
	if (st->role_arn[0] != '\0' && strcmp(arn, st->role_arn) != 0) {
		fake_sts_error(fd, rq, 403, "AccessDenied", "not authorized "
		    "to perform sts:AssumeRole on this role");
		return;
	}
	fake_expiration(st, exp, sizeof exp);
	snprintf(out, sizeof out, "<%sResponse xmlns=\"https://sts."
	    "amazonaws.com/doc/2011-06-15/\">\n  <%sResult>\n%s"
	    "    <AssumedRoleUser>\n      <AssumedRoleId>AROAFAKE0000000000:"
	    "%s</AssumedRoleId>\n      <Arn>arn:aws:sts::123456789012:"
	    "assumed-role/fake/%s</Arn>\n    </AssumedRoleUser>\n"
	    "    <Credentials>\n      <AccessKeyId>%s</AccessKeyId>\n"
	    "      <SecretAccessKey>%s</SecretAccessKey>\n"
	    "      <SessionToken>%s</SessionToken>\n"
	    "      <Expiration>%s</Expiration>\n    </Credentials>\n"
	    "  </%sResult>\n  <ResponseMetadata>\n    <RequestId>"
	    "fake-sts-0002</RequestId>\n  </ResponseMetadata>\n"
	    "</%sResponse>\n", action, action, web ?
	    "    <SubjectFromWebIdentityToken>system:serviceaccount:fake"
	    "</SubjectFromWebIdentityToken>\n    <Audience>sts.amazonaws.com"
	    "</Audience>\n    <Provider>oidc.fake</Provider>\n" : "",
	    sess, sess, st->key, st->secret, st->token, exp, action, action);
	fake_send(fd, rq, 200, "text/xml", out);
}

/* The container credentials endpoint. */
static void
fake_container(int fd, struct fake_req *rq, const struct fake_state *st)
{
	static char	 out[FAKE_OUT_MAX];
	char		 auth[FAKE_STR_MAX], exp[32];

	if (strcmp(rq->method, "GET") != 0) {
		fake_send(fd, rq, 405, "text/plain", "Method Not Allowed");
		return;
	}
	if (st->container_auth[0] != '\0' && (fake_header(rq,
	    "Authorization", auth, sizeof auth) != 0 ||
	    strcmp(auth, st->container_auth) != 0)) {
		fake_send(fd, rq, 401, "application/json", "{\"code\":"
		    "\"AccessDenied\",\"message\":\"bad authorization "
		    "token\"}");
		return;
	}
	fake_expiration(st, exp, sizeof exp);
	snprintf(out, sizeof out, "{\"AccessKeyId\":\"%s\","
	    "\"SecretAccessKey\":\"%s\",\"Token\":\"%s\","
	    "\"Expiration\":\"%s\",\"RoleArn\":\"arn:aws:iam::"
	    "123456789012:role/fake-task-role\"}", st->key, st->secret,
	    st->token, exp);
	fake_send(fd, rq, 200, "application/json", out);
}

static void
fake_imds(int fd, struct fake_req *rq, const struct fake_state *st)
{
	static char	 out[FAKE_OUT_MAX];
	const char	*prefix = "/latest/meta-data/iam/security-credentials/";
	char		 hdr[256];
	size_t		 len = 0;
	int		 i, v1 = strcmp(st->imds, "v1") == 0, first = 1;

	if (strcmp(st->imds, "down") == 0) {
		fake_send(fd, rq, 500, "text/plain", "down");
		return;
	}
	if (strcmp(rq->method, "PUT") == 0 &&
	    strcmp(rq->path, "/latest/api/token") == 0) {
		if (v1) {
			fake_send(fd, rq, 404, "text/plain", "Not Found");
			return;
		}
		if (fake_header(rq,
		    "X-aws-ec2-metadata-token-ttl-seconds", hdr,
		    sizeof hdr) != 0 || atoi(hdr) < 1 ||
		    atoi(hdr) > 21600) {
			fake_send(fd, rq, 400, "text/plain", "Bad Request");
			return;
		}
		snprintf(out, sizeof out, "FAKETOKEN-%lu", ++token_counter);
		fake_send(fd, rq, 200, "text/plain", out);
		return;
	}
	if (strcmp(rq->method, "GET") != 0) {
		fake_send(fd, rq, 405, "text/plain", "Method Not Allowed");
		return;
	}
	if (!v1 && (fake_header(rq, "X-aws-ec2-metadata-token", hdr,
	    sizeof hdr) != 0 || strncmp(hdr, "FAKETOKEN-", 10) != 0)) {
		fake_send(fd, rq, 401, "text/plain", "Unauthorized");
		return;
	}
	if (strcmp(rq->path, "/latest/dynamic/instance-identity/document") ==
	    0) {
		fake_append(out, &len, "{\n");
		for (i = 0; i < st->nfields; i++) {
			if (st->fields[i].removed)
				continue;
			fake_append(out, &len, "%s  \"%s\" : \"%s\"",
			    first ? "" : ",\n", st->fields[i].key,
			    st->fields[i].value);
			first = 0;
		}
		fake_append(out, &len, "\n}");
		fake_send(fd, rq, 200, "text/plain", out);
	} else if (strcmp(rq->path, prefix) == 0) {
		if (strcmp(st->role, "-") == 0)
			fake_send(fd, rq, 404, "text/plain", "Not Found");
		else
			fake_send(fd, rq, 200, "text/plain", st->role);
	} else if (strncmp(rq->path, prefix, strlen(prefix)) == 0 &&
	    strcmp(st->role, "-") != 0 &&
	    strcmp(rq->path + strlen(prefix), st->role) == 0) {
		char	exp[32];

		fake_expiration(st, exp, sizeof exp);
		snprintf(out, sizeof out, "{\n  \"Code\" : \"Success\",\n"
		    "  \"LastUpdated\" : \"2024-01-01T00:00:00Z\",\n"
		    "  \"Type\" : \"AWS-HMAC\",\n"
		    "  \"AccessKeyId\" : \"%s\",\n"
		    "  \"SecretAccessKey\" : \"%s\",\n"
		    "  \"Token\" : \"%s\",\n"
		    "  \"Expiration\" : \"%s\"\n}",
		    st->key, st->secret, st->token, exp);
		fake_send(fd, rq, 200, "text/plain", out);
	} else
		fake_send(fd, rq, 404, "text/plain", "Not Found");
}

/*
 * Reads one request; returns 0, or -1 (the connection is dropped, as it
 * is for any head the shared parser refuses).
 */
static int
fake_read(int fd, struct fake_req *rq)
{
	const char	*why;
	size_t		 have = 0, hlen, need;
	ssize_t		 n;

	httpd_req_clear(&rq->h);
	rq->method = rq->path = NULL;
	rq->body_len = 0;
	for (;;) {
		if (have == FAKE_HEAD_MAX)
			return (-1);
		n = read(fd, rq->head + have, FAKE_HEAD_MAX - have);
		if (n <= 0)
			return (-1);
		have += n;
		rq->head[have] = '\0';
		if ((hlen = httpd_head_len(rq->head, have, have)) != 0)
			break;
	}
	if (httpd_parse_head(&rq->h, rq->head, hlen - 4, FAKE_BODY_MAX,
	    &why) != 0)
		return (-1);
	rq->method = rq->h.method;
	rq->path = rq->h.target;
	need = rq->h.content_length;
	rq->body_len = have - hlen < need ? have - hlen : need;
	memcpy(rq->body, rq->head + hlen, rq->body_len);
	while (rq->body_len < need) {
		n = read(fd, rq->body + rq->body_len, need - rq->body_len);
		if (n <= 0)
			return (-1);
		rq->body_len += n;
	}
	rq->body[rq->body_len] = '\0';
	return (0);
}

static void
usage(void)
{
	fprintf(stderr, "usage: fakeimds [-p port] [-P portfile] "
	    "[-c control] [-o requestlog]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct fake_req	 rq;
	struct fake_state	 st;
	struct timeval		 tv = { 2, 0 };
	const char		*portfile = NULL;
	char			 action[64];
	unsigned int		 bound;
	int			 ch, s, fd, port = 0;

	while ((ch = getopt(argc, argv, "c:o:p:P:")) != -1) {
		switch (ch) {
		case 'c':
			control_path = optarg;
			break;
		case 'o':
			if ((log_fp = fopen(optarg, "a")) == NULL) {
				perror(optarg);
				return (1);
			}
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'P':
			portfile = optarg;
			break;
		default:
			usage();
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if ((s = httpd_listen(port, 0, &bound)) == -1) {
		perror("listen on 127.0.0.1");
		return (1);
	}
	if (portfile != NULL) {
		/* Written whole, then renamed: readers never see half. */
		if (httpd_write_port(portfile, bound) == -1) {
			perror(portfile);
			return (1);
		}
	} else
		printf("%u\n", bound);
	fflush(stdout);

	for (;;) {
		if ((fd = accept(s, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("accept");
			return (1);
		}
		/* A stalled client cannot wedge the only thread. */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		if (fake_read(fd, &rq) == 0) {
			fake_load(&st);
			if (strncmp(rq.path, "/latest/", 8) == 0)
				fake_imds(fd, &rq, &st);
			else if (strncmp(rq.path, "/container/", 11) == 0)
				fake_container(fd, &rq, &st);
			else if (strcmp(rq.method, "POST") == 0 &&
			    strcmp(rq.path, "/") == 0 &&
			    fake_form_get(rq.body, "Action", action,
			    sizeof action) == 0 &&
			    strcmp(action, "DescribeTags") != 0)
				fake_sts(fd, &rq, &st, action);
			else if (strcmp(rq.method, "POST") == 0 &&
			    strcmp(rq.path, "/") == 0)
				fake_describe_tags(fd, &rq, &st);
			else
				fake_send(fd, &rq, 404, "text/plain",
				    "Not Found");
		}
		close(fd);
	}
}
