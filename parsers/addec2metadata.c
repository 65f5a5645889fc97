/*
 * addec2metadata: the Kinesis Agent's ADDEC2METADATA converter (awslabs/
 * amazon-kinesis-agent, src/com/amazon/kinesis/streaming/agent/processing/
 * processors/AddEC2MetadataConverter.java).
 *
 * A record is a JSON object; the instance's identity (privateIp,
 * availabilityZone, instanceId, instanceType, accountId, amiId, region),
 * the time the metadata was read (metadataTimestamp) and the instance's
 * tags (tags, keys lower-cased) are put into it, in that order, replacing
 * same-named keys where they stand (Java's LinkedHashMap.putAll), and it is
 * written back as COMPACT or PRETTYPRINT JSON with a "\n".  The metadata
 * comes from the context (conv_ctx's ec2, ec2_metadata.h): the agent's
 * client fetches it on a thread of its own, so converting never waits on
 * the network, and refreshes it at least every metadataTTL seconds, the
 * age this converter asks for.  The members to add are made once per
 * snapshot.
 *
 * As in the agent: with no metadata the record passes through unchanged
 * (checked before parsing); a record that is not a JSON object fails, so
 * the chain sends it raw; anything after the object is ignored, as Jackson's
 * readValue ignores trailing tokens.  The agent warns on every record that
 * passes through; sluice warns once each time metadata goes missing.  The
 * record's bytes are first read as Java reads them, with invalid UTF-8
 * replaced by U+FFFD (json_out's rule).  logFormat is required, as the agent
 * requires it, and otherwise unused.
 *
 * Differences that remain: integers beyond 64 bits and numbers outside the
 * double range fail (Jackson keeps them as BigInteger / writes Infinity).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "converter.h"
#include "ec2_metadata.h"
#include "json_out.h"
#include "log.h"
#include "utf8.h"
#include "xmalloc.h"

#define ADDEC2METADATA_TTL_MAX	(7 * 24 * 3600)

struct addec2metadata_opts {
	char	*log_format;
	int64_t	 ttl;
	int	 json_format;
};

#define O(f)	offsetof(struct addec2metadata_opts, f)

static const struct conv_key addec2metadata_keys[] = {
	{ .name = "logFormat", .type = CONV_KEY_STRING, .offset = O(log_format),
	  .required = 1, .desc = "required by the agent, unused" },
	{ .name = "metadataTTL", .type = CONV_KEY_INT, .offset = O(ttl),
	  .def = "3600", .desc = "seconds between metadata refreshes" },
	JSON_OUT_FORMAT_KEY(O(json_format)),
	{ .name = NULL }
};

const struct ec2_metadata_field ec2_metadata_fields[EC2_METADATA_NFIELDS] = {
#define F(f)	offsetof(struct ec2_metadata, f)
	{ "privateIp",		"privateIp",		F(private_ip) },
	{ "availabilityZone",	"availabilityZone",	F(availability_zone) },
	{ "instanceId",		"instanceId",		F(instance_id) },
	{ "instanceType",	"instanceType",		F(instance_type) },
	{ "accountId",		"accountId",		F(account_id) },
	{ "imageId",		"amiId",		F(ami_id) },
	{ "region",		"region",		F(region) },
#undef F
};

struct addec2metadata {
	unsigned int	 ttl;		/* metadataTTL */
	int		 pretty;
	uint64_t	 gen;		/* the snapshot members came from */
	json_t		*members;	/* made from it, or NULL */
	int		 warned;	/* since metadata went missing */
	struct buf	 fixed;		/* the record with U+FFFD repairs */
};

static void *
addec2metadata_create(const void *arg, struct conv_report *r)
{
	const struct addec2metadata_opts	*o = arg;
	struct addec2metadata			*a;
	int64_t					 ttl = o->ttl;

	(void)r;
	/*
	 * The agent takes any integer; below 1 it would refresh for every
	 * record, and above 24 days its milliseconds overflow.  Clamp.
	 */
	if (ttl < 1)
		ttl = 1;
	if (ttl > ADDEC2METADATA_TTL_MAX)
		ttl = ADDEC2METADATA_TTL_MAX;
	a = xcalloc(1, sizeof *a);
	buf_init(&a->fixed, CONV_BUF_MAX);
	a->ttl = (unsigned int)ttl;
	a->pretty = o->json_format;
	return (a);
}

/* "yyyy-MM-dd'T'HH:mm:ssZ" in local time, as Java's SimpleDateFormat. */
static json_t *
addec2metadata_timestamp(time_t t)
{
	struct tm	tm;
	char		buf[64];

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		return (json_null());
	return (json_string(buf));
}

/* The members a snapshot adds to a record, in their order. */
static json_t *
addec2metadata_members(const struct ec2_metadata *md)
{
	json_t		*o, *tags, *v;
	const char	*s;
	size_t		 i;

	o = json_object();
	for (i = 0; i < EC2_METADATA_NFIELDS; i++) {
		s = *(const char *const *)(const void *)((const char *)md +
		    ec2_metadata_fields[i].off);
		v = s != NULL ? json_string(s) : NULL;
		json_object_set_new(o, ec2_metadata_fields[i].key,
		    v != NULL ? v : json_null());
	}
	json_object_set_new(o, "metadataTimestamp",
	    addec2metadata_timestamp(md->fetched));
	if (!md->has_tags)
		return (o);
	tags = json_object();
	for (i = 0; i < md->ntags; i++) {
		v = json_stringn(md->tags[i].value, md->tags[i].value_len);
		if (v != NULL)
			json_object_set_new(tags, md->tags[i].key, v);
	}
	json_object_set_new(o, "tags", tags);
	return (o);
}

static enum conv_result
addec2metadata_convert(void *inst, const char *in, size_t len,
    struct buf *out, const struct conv_ctx *ctx)
{
	struct addec2metadata		*a = inst;
	const struct ec2_metadata	*md = NULL;
	struct json_out			 jo;
	json_error_t			 jerr;
	json_t				*obj;
	const char			*why;
	const size_t			 flags = JSON_DISABLE_EOF_CHECK |
					    JSON_ALLOW_NUL;
	size_t				 n = len;

	if (ctx != NULL && ctx->ec2 != NULL)
		md = ctx->ec2(ctx->ec2_arg, a->ttl);
	if (md == NULL || md->error != NULL) {
		if (md != NULL)
			why = md->error;
		else if (ctx == NULL || ctx->ec2 == NULL)
			why = "no metadata source";
		else
			why = "not fetched yet";
		if (!a->warned)
			log_warnx("flow=%s file=%s: ADDEC2METADATA: no EC2 "
			    "metadata, records pass through unchanged: %s",
			    ctx != NULL && ctx->flow != NULL ? ctx->flow : "-",
			    ctx != NULL && ctx->file != NULL ? ctx->file : "-",
			    why);
		a->warned = 1;
		out->len = 0;
		buf_add(out, in, len);
		return (CONV_OK);
	}
	a->warned = 0;
	if (a->members == NULL || md->gen != a->gen) {
		json_decref(a->members);
		a->members = addec2metadata_members(md);
		a->gen = md->gen;
	}

	if (n > 0 && in[n - 1] == '\n')
		n--;
	obj = json_loadb(in, n, flags, &jerr);
	if (obj == NULL && json_error_code(&jerr) == json_error_invalid_utf8) {
		if ((in = utf8_repair_buf(&a->fixed, in, &n)) == NULL)
			return (CONV_ERROR);
		obj = json_loadb(in, n, flags, &jerr);
	}
	if (obj == NULL || !json_is_object(obj)) {
		json_decref(obj);
		return (CONV_ERROR);
	}
	json_object_update(obj, a->members);

	out->len = 0;
	json_out_init(&jo, out, a->pretty);
	json_out_json(&jo, obj);
	buf_add(out, "\n", 1);
	json_decref(obj);
	return (CONV_OK);
}

static void
addec2metadata_free(void *inst)
{
	struct addec2metadata	*a = inst;

	if (a == NULL)
		return;
	json_decref(a->members);
	buf_free(&a->fixed);
	free(a);
}

const struct converter_ops addec2metadata_ops = {
	.name = "ADDEC2METADATA",
	.extension = 0,
	.keys = addec2metadata_keys,
	.opts_size = sizeof (struct addec2metadata_opts),
	.desc = "adds the EC2 instance's identity and tags to a JSON record",
	.create = addec2metadata_create,
	.convert = addec2metadata_convert,
	.free = addec2metadata_free
};
