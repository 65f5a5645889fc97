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

static const char *const addmetadata_formats[] = {
	"COMPACT", "PRETTYPRINT", NULL
};

static const struct conv_key addmetadata_keys[] = {
	{ "metadata", CONV_KEY_ANY, 0, NULL, NULL,
	  "any JSON value, written as the record's \"metadata\"" },
	{ "timestamp", CONV_KEY_BOOL, 0, NULL, "false",
	  "add \"ts\", the UTC time of conversion with milliseconds" },
	{ "jsonFormat", CONV_KEY_ENUM, 0, addmetadata_formats, "COMPACT",
	  "COMPACT or PRETTYPRINT" },
	{ NULL, 0, 0, NULL, NULL, NULL }
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
addmetadata_create(const json_t *opts, char **cause, const char **badkey)
{
	struct addmetadata	*a;
	const json_t		*v;
	const char		*s;

	*badkey = NULL;
	a = xcalloc(1, sizeof *a);
	if ((v = json_object_get(opts, "metadata")) != NULL) {
		/* The record object and its "metadata" take two levels. */
		if (addmetadata_depth(v) > JSON_OUT_MAX_DEPTH - 2) {
			*badkey = "metadata";
			xasprintf(cause, "metadata: nested deeper than %d "
			    "levels", JSON_OUT_MAX_DEPTH - 2);
			goto fail;
		}
		if (!json_is_null(v))
			a->metadata = json_incref((json_t *)v);
	}
	if ((v = json_object_get(opts, "timestamp")) != NULL) {
		/* The agent reads a string; the loader gives a boolean. */
		s = json_string_value(v);
		if (json_is_boolean(v))
			a->timestamp = json_is_true(v);
		else if (s != NULL && strcasecmp(s, "true") == 0)
			a->timestamp = 1;
		else if (s != NULL && strcasecmp(s, "false") == 0)
			a->timestamp = 0;
		else {
			*badkey = "timestamp";
			*cause = xstrdup("timestamp: expected true or false");
			goto fail;
		}
	}
	if ((v = json_object_get(opts, "jsonFormat")) != NULL) {
		s = json_string_value(v);
		if (s != NULL && strcmp(s, "PRETTYPRINT") == 0)
			a->pretty = 1;
		else if (s == NULL || strcmp(s, "COMPACT") != 0) {
			*badkey = "jsonFormat";
			*cause = xstrdup("jsonFormat: expected COMPACT or "
			    "PRETTYPRINT");
			goto fail;
		}
	}
	return (a);
fail:
	json_decref(a->metadata);
	free(a);
	return (NULL);
}

static enum conv_result
addmetadata_convert(void *inst, const char *in, size_t len,
    struct conv_buf *out, const struct conv_ctx *ctx)
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
	conv_buf_add(out, "\n", 1);
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
	.desc = "wrap the record as {\"metadata\":...,\"data\":\"...\"}",
	.create = addmetadata_create,
	.convert = addmetadata_convert,
	.free = addmetadata_free
};
