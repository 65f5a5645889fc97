/*
 * addbrackets: the Kinesis Agent's ADDBRACKETS converter
 * (processing/processors/BracketsDataConverter.java): "{" + record + "}".
 * Nothing else changes, so the record's "\n" stays inside the brackets and
 * none follows the "}".  The agent builds a Java String from the record and
 * encodes it with the platform's default charset; sluice assumes that
 * charset is UTF-8 (the agent's usual locale), so the only change to the
 * record itself is that invalid UTF-8 becomes U+FFFD
 * (jregex_utf8_repair, Java's decoder rule).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "converter.h"
#include "jregex.h"
#include "xmalloc.h"

static const struct conv_key addbrackets_keys[] = {
	{ NULL, 0, 0, NULL, NULL, NULL }
};

/* No options; the instance is a token for the chain. */
struct addbrackets {
	int	unused;
};

static void *
addbrackets_create(const json_t *opts, char **cause, const char **badkey)
{
	(void)opts;
	(void)cause;
	*badkey = NULL;
	return (xcalloc(1, sizeof(struct addbrackets)));
}

static enum conv_result
addbrackets_convert(void *inst, const char *in, size_t len,
    struct conv_buf *out, const struct conv_ctx *ctx)
{
	(void)inst;
	(void)ctx;
	out->len = 0;
	if (jregex_utf8_is_valid(in, len)) {
		conv_buf_reserve(out, len + 2);
		out->data[out->len++] = '{';
		conv_buf_add(out, in, len);
	} else {
		conv_buf_reserve(out, JREGEX_REPAIR_MAX(len) + 2);
		out->data[out->len++] = '{';
		out->len += jregex_utf8_repair(out->data + out->len, in, len);
	}
	conv_buf_add(out, "}", 1);
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
	.desc = "wrap the record in { and } (the record keeps its newline)",
	.create = addbrackets_create,
	.convert = addbrackets_convert,
	.free = addbrackets_free
};
