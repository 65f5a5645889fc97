/*
 * addmetadata: the Kinesis Agent's ADDMETADATA converter
 * (processing/processors/AddMetadataConverter.java).  Each record becomes
 *
 *   {"ts":"2024-05-01T12:00:00.123Z","metadata":<value>,"data":"<record>"}
 *
 * plus "\n", as COMPACT or PRETTYPRINT JSON.  "ts" is there only when
 * timestamp is true; it is the wall clock when the record is converted,
 * in UTC with milliseconds (SimpleDateFormat yyyy-MM-dd'T'HH:mm:ss.SSS'Z'),
 * read per record because conv_ctx.now has no milliseconds.  metadata is
 * any JSON value, written as configured (null when absent, as the agent's
 * map lookup gives).  The record is embedded as a string, without one
 * trailing "\n", and is not parsed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "converter.h"
#include "json_out.h"
#include "xmalloc.h"

struct addmetadata_opts {
	json_t	*metadata;
	int	 timestamp;
	int	 json_format;
};

#define O(f)	offsetof(struct addmetadata_opts, f)

static const struct conv_key addmetadata_keys[] = {
	{ .name = "metadata", .type = CONV_KEY_ANY, .offset = O(metadata),
	  .desc = "any JSON value, written as the record's \"metadata\"" },
	{ .name = "timestamp", .type = CONV_KEY_BOOL, .offset = O(timestamp),
	  .def = "false",
	  .desc = "add \"ts\", the UTC time of conversion with milliseconds" },
	JSON_OUT_FORMAT_KEY(O(json_format)),
	{ .name = NULL }
};

struct addmetadata {
	json_t	*metadata;	/* NULL: written as null */
	int	 timestamp;
	int	 pretty;
};

/* Nesting depth of a value: 0 for a scalar. */
static int
addmetadata_depth(const json_t *v)
{
	const char	*k;
	json_t		*e;
	size_t		 i;
	int		 d, max = 0;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, e) {
			if ((d = addmetadata_depth(e)) > max)
				max = d;
		}
		return (max + 1);
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if ((d = addmetadata_depth(e)) > max)
				max = d;
		}
		return (max + 1);
	}
	return (0);
}

static void *
addmetadata_create(const void *arg, struct conv_report *r)
{
	const struct addmetadata_opts	*o = arg;
	struct addmetadata		*a;

	/* The record object and its "metadata" take two levels. */
	if (o->metadata != NULL &&
	    addmetadata_depth(o->metadata) > JSON_OUT_MAX_DEPTH - 2) {
		conv_opts_report(r, "metadata", "metadata: nested deeper than "
		    "%d levels", JSON_OUT_MAX_DEPTH - 2);
		return (NULL);
	}
	a = xcalloc(1, sizeof *a);
	if (o->metadata != NULL && !json_is_null(o->metadata))
		a->metadata = json_incref(o->metadata);
	a->timestamp = o->timestamp;
	a->pretty = o->json_format;
	return (a);
}

static enum conv_result
addmetadata_convert(void *inst, const char *in, size_t len,
    struct buf *out, const struct conv_ctx *ctx)
{
	struct addmetadata	*a = inst;
	struct json_out		 jo;
	struct timespec		 ts;
	struct tm		 tm;
	char			 tbuf[64];
	int			 n;

	(void)ctx;
	out->len = 0;
	json_out_init(&jo, out, a->pretty);
	json_out_object_begin(&jo);
	if (a->timestamp) {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = snprintf(tbuf, sizeof tbuf,
		    "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec, (int)(ts.tv_nsec / 1000000));
		json_out_key(&jo, "ts", 2);
		json_out_string(&jo, tbuf, (size_t)n);
	}
	json_out_key(&jo, "metadata", 8);
	if (a->metadata != NULL)
		json_out_json(&jo, a->metadata);
	else
		json_out_null(&jo);
	if (len > 0 && in[len - 1] == '\n')
		len--;
	json_out_key(&jo, "data", 4);
	json_out_string(&jo, in, len);
	json_out_object_end(&jo);
	buf_add(out, "\n", 1);
	return (CONV_OK);
}

static void
addmetadata_free(void *inst)
{
	struct addmetadata	*a = inst;

	if (a == NULL)
		return;
	json_decref(a->metadata);
	free(a);
}

const struct converter_ops addmetadata_ops = {
	.name = "ADDMETADATA",
	.extension = 0,
	.keys = addmetadata_keys,
	.opts_size = sizeof (struct addmetadata_opts),
	.desc = "wrap the record as {\"metadata\":...,\"data\":\"...\"}",
	.create = addmetadata_create,
	.convert = addmetadata_convert,
	.free = addmetadata_free
};
