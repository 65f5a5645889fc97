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

/* No options; the instance is a token for the chain. */
struct addbrackets {
	int	unused;
};

static void *
addbrackets_create(const void *opts, struct conv_report *r)
{
	(void)opts;
	(void)r;
	return (xcalloc(1, sizeof(struct addbrackets)));
}

static enum conv_result
addbrackets_convert(void *inst, const char *in, size_t len,
    struct buf *out, const struct conv_ctx *ctx)
{
	(void)inst;
	(void)ctx;
	out->len = 0;
	if (utf8_is_valid(in, len)) {
		if (buf_reserve(out, len + 2) == -1)
			return (CONV_ERROR);
		out->data[out->len++] = '{';
		buf_add(out, in, len);
	} else {
		if (buf_reserve(out, UTF8_REPAIR_MAX(len) + 2) == -1)
			return (CONV_ERROR);
		out->data[out->len++] = '{';
		out->len += utf8_repair(out->data + out->len, in, len);
	}
	buf_add(out, "}", 1);
	return (CONV_OK);
}

static void
addbrackets_free(void *inst)
{
	free(inst);
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
