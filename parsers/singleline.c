/*
 * singleline: the Kinesis Agent's SINGLELINE converter (awslabs/
 * amazon-kinesis-agent, src/com/amazon/kinesis/streaming/agent/processing/
 * processors/SingleLineDataConverter.java), which folds a multi-line record
 * (from multiLineStartPattern) into one line.
 *
 * The agent splits the record with String.split("\n"), which drops the
 * trailing empty pieces (so the record's final "\n" leaves no empty line,
 * and a record with no "\n" at all is one piece), trims each piece with
 * String.trim() (every character <= 0x20 at both ends, "\r" included)
 * unless parseOptions has NO_TRIM, joins the pieces with nothing, or with
 * the three bytes '\\', '\\', 'n' under ESCAPE_NEW_LINE (the literal the
 * agent's code and its test testSingleLineDataConverter use), and appends
 * "\n".  The record passes through a Java String, so invalid UTF-8 comes
 * out as U+FFFD (utf8_repair, the decoder's rule).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "converter.h"
#include "utf8.h"
#include "xmalloc.h"

enum {
	SINGLELINE_NO_TRIM = 1U << 0,
	SINGLELINE_ESCAPE_NEW_LINE = 1U << 1
};

/* In the order of the flags above. */
static const char *const singleline_parse_options[] = {
	"NO_TRIM", "ESCAPE_NEW_LINE", NULL
};

struct singleline_opts {
	unsigned int	parse_options;
};

static const struct conv_key singleline_keys[] = {
	{ .name = "parseOptions", .type = CONV_KEY_FLAGS,
	  .offset = offsetof(struct singleline_opts, parse_options),
	  .values = singleline_parse_options,
	  .desc = "NO_TRIM: keep spaces; ESCAPE_NEW_LINE: join lines with "
	  "\\\\n" },
	{ .name = NULL }
};

struct singleline {
	int		 trim;
	int		 escape;
	struct buf	 fixed;	/* record with U+FFFD repairs */
};

static void *
singleline_create(const void *arg, struct conv_report *r)
{
	const struct singleline_opts	*o = arg;
	struct singleline		*s;

	(void)r;
	s = xcalloc(1, sizeof *s);
	buf_init(&s->fixed, CONV_BUF_MAX);
	s->trim = !(o->parse_options & SINGLELINE_NO_TRIM);
	s->escape = !!(o->parse_options & SINGLELINE_ESCAPE_NEW_LINE);
	return (s);
}

static enum conv_result
singleline_convert(void *inst, const char *in, size_t len,
    struct buf *out, const struct conv_ctx *ctx)
{
	struct singleline	*s = inst;
	const char		*p, *end, *nl, *a, *b;
	int			 first = 1;

	(void)ctx;
	if ((in = utf8_repair_buf(&s->fixed, in, &len)) == NULL)
		return (CONV_ERROR);

	/* split("\n") drops the trailing empty pieces: cut them first. */
	end = in + len;
	while (end > in && end[-1] == '\n')
		end--;

	out->len = 0;
	(void)buf_reserve(out, len + 1);	/* a failure sticks */
	for (p = in; p < end || first; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		a = p;
		b = nl;
		if (s->trim) {
			while (a < b && (unsigned char)*a <= 0x20)
				a++;
			while (b > a && (unsigned char)b[-1] <= 0x20)
				b--;
		}
		if (!first && s->escape)
			buf_add(out, "\\\\n", 3);
		buf_add(out, a, (size_t)(b - a));
		first = 0;
		if (nl == end)
			break;
	}
	buf_add(out, "\n", 1);
	return (CONV_OK);
}

static void
singleline_free(void *inst)
{
	struct singleline	*s = inst;

	if (s == NULL)
		return;
	buf_free(&s->fixed);
	free(s);
}

const struct converter_ops singleline_ops = {
	.name = "SINGLELINE",
	.extension = 0,
	.keys = singleline_keys,
	.opts_size = sizeof (struct singleline_opts),
	.desc = "fold a multi-line record into one line",
	.create = singleline_create,
	.convert = singleline_convert,
	.free = singleline_free
};
