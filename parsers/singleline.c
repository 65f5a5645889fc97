/*
 * singleline: the Kinesis Agent's SINGLELINE converter
 * (processing/processors/SingleLineDataConverter.java), which folds a
 * multi-line record (from multiLineStartPattern) into one line.
 *
 * The agent splits the record with String.split("\n"), which drops the
 * trailing empty pieces (so the record's final "\n" leaves no empty line,
 * and a record with no "\n" at all is one piece), trims each piece with
 * String.trim() (every character <= 0x20 at both ends, "\r" included)
 * unless parseOptions has NO_TRIM, joins the pieces with nothing, or with
 * the three bytes '\\', '\\', 'n' under ESCAPE_NEW_LINE (the literal the
 * agent's code and its test testSingleLineDataConverter use), and appends
 * "\n".  The record passes through a Java String, so invalid UTF-8 comes
 * out as U+FFFD (jregex_utf8_repair, the decoder's rule).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "converter.h"
#include "jregex.h"
#include "xmalloc.h"

static const char *const singleline_parse_options[] = {
	"NO_TRIM", "ESCAPE_NEW_LINE", NULL
};

static const struct conv_key singleline_keys[] = {
	{ "parseOptions", CONV_KEY_STRINGS, 0, singleline_parse_options, NULL,
	  "NO_TRIM: keep spaces; ESCAPE_NEW_LINE: join lines with \\\\n" },
	{ NULL, 0, 0, NULL, NULL, NULL }
};

struct singleline {
	int		 trim;
	int		 escape;
	struct conv_buf	 fixed;	/* record with U+FFFD repairs */
};

static void *
singleline_create(const json_t *opts, char **cause, const char **badkey)
{
	struct singleline	*s;
	const json_t		*v, *e;
	const char		*name;
	size_t			 i;

	*badkey = NULL;
	s = xcalloc(1, sizeof *s);
	s->trim = 1;
	if ((v = json_object_get(opts, "parseOptions")) != NULL) {
		if (!json_is_array(v)) {
			*badkey = "parseOptions";
			*cause = xstrdup("parseOptions: expected a list of "
			    "NO_TRIM and ESCAPE_NEW_LINE");
			goto fail;
		}
		json_array_foreach(v, i, e) {
			name = json_string_value(e);
			if (name != NULL && strcmp(name, "NO_TRIM") == 0)
				s->trim = 0;
			else if (name != NULL &&
			    strcmp(name, "ESCAPE_NEW_LINE") == 0)
				s->escape = 1;
			else {
				*badkey = "parseOptions";
				xasprintf(cause, "parseOptions: unknown option "
				    "%s (expected NO_TRIM or ESCAPE_NEW_LINE)",
				    name != NULL ? name : "(not a string)");
				goto fail;
			}
		}
	}
	return (s);
fail:
	free(s);
	return (NULL);
}

static enum conv_result
singleline_convert(void *inst, const char *in, size_t len,
    struct conv_buf *out, const struct conv_ctx *ctx)
{
	struct singleline	*s = inst;
	const char		*p, *end, *nl, *a, *b;
	int			 first = 1;

	(void)ctx;
	if (!jregex_utf8_is_valid(in, len)) {
		s->fixed.len = 0;
		conv_buf_reserve(&s->fixed, JREGEX_REPAIR_MAX(len));
		s->fixed.len = jregex_utf8_repair(s->fixed.data, in, len);
		in = s->fixed.data;
		len = s->fixed.len;
	}

	/* split("\n") drops the trailing empty pieces: cut them first. */
	end = in + len;
	while (end > in && end[-1] == '\n')
		end--;

	out->len = 0;
	conv_buf_reserve(out, len + 1);
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
			conv_buf_add(out, "\\\\n", 3);
		conv_buf_add(out, a, (size_t)(b - a));
		first = 0;
		if (nl == end)
			break;
	}
	conv_buf_add(out, "\n", 1);
	return (CONV_OK);
}

static void
singleline_free(void *inst)
{
	struct singleline	*s = inst;

	if (s == NULL)
		return;
	conv_buf_free(&s->fixed);
	free(s);
}

const struct converter_ops singleline_ops = {
	.name = "SINGLELINE",
	.extension = 0,
	.keys = singleline_keys,
	.desc = "fold a multi-line record into one line",
	.create = singleline_create,
	.convert = singleline_convert,
	.free = singleline_free
};
