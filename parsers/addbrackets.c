/*
 * addbrackets: the Kinesis Agent's ADDBRACKETS converter (awslabs/
 * amazon-kinesis-agent, src/com/amazon/kinesis/streaming/agent/processing/
 * processors/BracketsDataConverter.java): "{" + record + "}".
 * Nothing else changes, so the record's "\n" stays inside the brackets and
 * none follows the "}".  The agent builds a Java String from the record and
 * encodes it with the platform's default charset; sluice assumes that
 * charset is UTF-8 (the agent's usual locale), so the only change to the
 * record itself is that invalid UTF-8 becomes U+FFFD
 * (utf8_repair, Java's decoder rule).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "converter.h"
#include "utf8.h"
#include "xmalloc.h"

static const struct conv_key addbrackets_keys[] = {
	{ .name = NULL }
};

/* No options; the instance holds the repaired record. */
struct addbrackets {
	struct buf	fixed;
};

static void *
addbrackets_create(const void *opts, struct conv_report *r)
{
	struct addbrackets	*ab;

	(void)opts;
	(void)r;
	ab = xcalloc(1, sizeof *ab);
	buf_init(&ab->fixed, CONV_BUF_MAX);
	return (ab);
}

static enum conv_result
addbrackets_convert(void *inst, const char *in, size_t len,
    struct buf *out, const struct conv_ctx *ctx)
{
	struct addbrackets	*ab = inst;

	(void)ctx;
	if ((in = utf8_repair_buf(&ab->fixed, in, &len)) == NULL)
		return (CONV_ERROR);
	out->len = 0;
	if (buf_reserve(out, len + 2) == -1)
		return (CONV_ERROR);
	out->data[out->len++] = '{';
	buf_add(out, in, len);
	buf_add(out, "}", 1);
	return (CONV_OK);
}

static void
addbrackets_free(void *inst)
{
	struct addbrackets	*ab = inst;

	if (ab == NULL)
		return;
	buf_free(&ab->fixed);
	free(ab);
}

const struct converter_ops addbrackets_ops = {
	.name = "ADDBRACKETS",
	.extension = 0,
	.keys = addbrackets_keys,
	.opts_size = 0,
	.desc = "wrap the record in { and } (the record keeps its newline)",
	.create = addbrackets_create,
	.convert = addbrackets_convert,
	.free = addbrackets_free
};
