/*
 * csvtojson: the Kinesis Agent's CSVTOJSON converter
 * (processing/processors/CSVToJSONDataConverter.java).
 *
 * The agent strips one trailing "\n" (a "\r" stays, in the last column),
 * splits the rest with String.split(delimiter), where the delimiter is a
 * Java regex (default ","), and maps column i to customFieldNames[i] in a
 * LinkedHashMap: values are strings, never trimmed or unquoted; a column
 * that does not exist is null; extra columns are dropped.  The result is
 * COMPACT or PRETTYPRINT JSON plus "\n".
 *
 * String.split's rules matter and are kept: trailing empty strings are
 * removed ("a,b,," has two columns, "," none), except that a line where
 * the delimiter never matches is one column (so an empty line gives "" for
 * the first field); a leading empty string is kept unless it comes from a
 * zero-width match at the start; after a zero-width match the search
 * resumes one character later (Matcher.find), so an empty delimiter
 * (delimiter: '', which the config loader passes on as the agent's
 * readString does) makes every character a column, as split("") does.
 * A character is a code point here.  Java steps by UTF-16 unit, so it
 * cuts a character beyond U+FFFF into two lone surrogates, which its
 * encoder writes as "?"; sluice keeps such a character whole.  A field
 * name given twice keeps its first position and takes the later column,
 * as LinkedHashMap.put does.  ignoredFieldNames (from the agent's later
 * versions) leaves fields out.
 *
 * A delimiter that is a plain ASCII string in Java's syntax (",", "\\t",
 * "\\|", "::") is searched with memmem; anything else is compiled once by
 * jregex and run with the PCRE2 JIT on the record, repaired first if it
 * is not valid UTF-8 (the agent matches a decoded String).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem */
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "converter.h"
#include "jregex.h"
#include "json_out.h"
#include "log.h"
#include "utf8.h"
#include "xmalloc.h"

/* Longest delimiter accepted, and most fields. */
#define CSVTOJSON_DELIM_MAX	1024
#define CSVTOJSON_FIELDS_MAX	4096

struct csvtojson_opts {
	struct conv_strings	 names;
	char			*delimiter;
	struct conv_strings	 ignored;
	int			 json_format;
};

#define O(f)	offsetof(struct csvtojson_opts, f)

static const struct conv_key csvtojson_keys[] = {
	{ .name = "customFieldNames", .type = CONV_KEY_STRINGS,
	  .offset = O(names), .required = 1,
	  .min = 0, .max = CSVTOJSON_FIELDS_MAX,
	  .desc = "names of the columns, in order" },
	{ .name = "delimiter", .type = CONV_KEY_STRING, .offset = O(delimiter),
	  .min = 0, .max = CSVTOJSON_DELIM_MAX, .def = ",",
	  .desc = "Java regex that separates columns (e.g. \\t, \\|)" },
	{ .name = "ignoredFieldNames", .type = CONV_KEY_STRINGS,
	  .offset = O(ignored), .desc = "columns left out of the output" },
	JSON_OUT_FORMAT_KEY(O(json_format)),
	{ .name = NULL }
};

/* An output member: a distinct field name and the column it takes. */
struct csvtojson_field {
	const char	*name;		/* points into names */
	size_t		 len;
	size_t		 col;
};

struct csvtojson {
	char			**names;	/* customFieldNames */
	size_t			 ncols;	/* columns that are used */
	struct csvtojson_field	*fields;
	size_t			 nfields;
	int			 pretty;

	char			*lit;	/* literal delimiter */
	size_t			 litlen;
	pcre2_code		*re;
	pcre2_match_data	*md;
	int			 jit;

	size_t			*span;	/* column starts, ends */
	struct buf		 fixed;	/* record with repairs */
};

static void	csvtojson_free(void *);

/*
 * Returns the literal that a Java regex matches if it is a plain ASCII
 * string (letters, digits, punctuation that is not special, and
 * backslash-quoted punctuation or \t \n \r \f \a \e), else NULL.  *lenp
 * gets its length.
 */
static char *
csvtojson_literal(const char *re, size_t *lenp)
{
	char	*lit;
	size_t	 i, n = 0;
	char	 c;

	lit = xmalloc(strlen(re) + 1);
	for (i = 0; re[i] != '\0'; i++) {
		c = re[i];
		if ((unsigned char)c >= 0x80 || strchr("^$.|?*+()[]{}", c))
			goto no;
		if (c == '\\') {
			c = re[++i];
			switch (c) {
			case 't':	c = '\t'; break;
			case 'n':	c = '\n'; break;
			case 'r':	c = '\r'; break;
			case 'f':	c = '\f'; break;
			case 'a':	c = '\a'; break;
			case 'e':	c = '\033'; break;
			default:
				if (c == '\0' || (unsigned char)c >= 0x80 ||
				    (c >= '0' && c <= '9') ||
				    (c >= 'a' && c <= 'z') ||
				    (c >= 'A' && c <= 'Z'))
					goto no;
			}
		}
		lit[n++] = c;
	}
	if (n == 0)
		goto no;
	*lenp = n;
	return (lit);
no:
	free(lit);
	return (NULL);
}

static int
csvtojson_is_ignored(const struct conv_strings *ignored, const char *name)
{
	size_t	i;

	for (i = 0; i < ignored->n; i++)
		if (strcmp(ignored->v[i], name) == 0)
			return (1);
	return (0);
}

static void *
csvtojson_create(const void *arg, struct conv_report *r)
{
	const struct csvtojson_opts	*o = arg;
	struct csvtojson		*c;
	const char			*s;
	char				*why;
	size_t				 i, j, n = o->names.n;

	c = xcalloc(1, sizeof *c);
	buf_init(&c->fixed, CONV_BUF_MAX);
	c->names = xcalloc(n + 1, sizeof *c->names);
	c->ncols = n;
	c->span = xreallocarray(NULL, n + 1, 2 * sizeof *c->span);
	c->fields = xreallocarray(NULL, n + 1, sizeof *c->fields);
	for (i = 0; i < n; i++) {
		s = c->names[i] = xstrdup(o->names.v[i]);
		for (j = 0; j < c->nfields; j++)
			if (strcmp(c->fields[j].name, s) == 0)
				break;
		if (j == c->nfields) {
			c->fields[j].name = s;
			c->fields[j].len = strlen(s);
			c->nfields++;
		}
		c->fields[j].col = i;
	}
	if (o->ignored.v != NULL) {
		for (i = j = 0; i < c->nfields; i++)
			if (!csvtojson_is_ignored(&o->ignored,
			    c->fields[i].name))
				c->fields[j++] = c->fields[i];
		c->nfields = j;
	}
	c->pretty = o->json_format;

	if ((c->lit = csvtojson_literal(o->delimiter, &c->litlen)) == NULL) {
		if ((c->re = jregex_compile(o->delimiter, 0, &why)) == NULL) {
			conv_opts_report(r, "delimiter", "delimiter: %s", why);
			free(why);
			goto fail;
		}
		c->jit = jregex_is_jit(c->re);
		c->md = pcre2_match_data_create_from_pattern(c->re, NULL);
		if (c->md == NULL)
			fatalx("csvtojson: out of memory");
	}
	return (c);
fail:
	csvtojson_free(c);
	return (NULL);
}

/*
 * Finds the delimiter in s[from..n).  Returns 1 with the match in
 * [*ms, *me), 0 if there is none, -1 if PCRE2 failed (a match limit).
 */
static int
csvtojson_find(struct csvtojson *c, const char *s, size_t n, size_t from,
    size_t *ms, size_t *me)
{
	const char	*p;
	PCRE2_SIZE	*ov;
	int		 rc;

	if (c->lit != NULL) {
		if (n - from < c->litlen)
			return (0);
		p = memmem(s + from, n - from, c->lit, c->litlen);
		if (p == NULL)
			return (0);
		*ms = (size_t)(p - s);
		*me = *ms + c->litlen;
		return (1);
	}
	if (c->jit)
		rc = pcre2_jit_match(c->re, (PCRE2_SPTR)s, n, from, 0, c->md,
		    NULL);
	else
		rc = pcre2_match(c->re, (PCRE2_SPTR)s, n, from,
		    PCRE2_NO_UTF_CHECK, c->md, NULL);
	if (rc == PCRE2_ERROR_NOMATCH)
		return (0);
	if (rc < 0)
		return (-1);
	ov = pcre2_get_ovector_pointer(c->md);
	*ms = ov[0];
	*me = ov[1];
	return (1);
}

static enum conv_result
csvtojson_convert(void *inst, const char *in, size_t len,
    struct buf *out, const struct conv_ctx *ctx)
{
	struct csvtojson	*c = inst;
	struct json_out		 jo;
	size_t			 index = 0, from = 0, ms, me, npieces = 0;
	size_t			 count = 0, i, col;
	int			 rc, matched = 0, full = 0;

	(void)ctx;
	if (len > 0 && in[len - 1] == '\n')
		len--;
	if (c->ncols == 0)
		len = 0;	/* nothing to split for */
	if (c->re != NULL && (in = utf8_repair_buf(&c->fixed, in, &len)) ==
	    NULL)
		return (CONV_ERROR);

	/*
	 * Pattern.split with limit 0.  Only the first ncols pieces are kept,
	 * and the scan stops once a non-empty piece at or after the last
	 * used column shows that no used column is a removed trailing one.
	 */
	while (from <= len &&
	    (rc = csvtojson_find(c, in, len, from, &ms, &me)) != 0) {
		if (rc == -1)
			return (CONV_ERROR);
		if (!(index == 0 && ms == 0 && me == 0)) {
			if (npieces < c->ncols) {
				c->span[2 * npieces] = index;
				c->span[2 * npieces + 1] = ms;
			}
			if (ms > index) {
				count = npieces + 1;
				if (count >= c->ncols) {
					full = 1;
					break;
				}
			}
			npieces++;
			index = me;
			matched = 1;
		}
		from = me;
		if (me == ms) {
			/* Matcher.find: one character on. */
			from++;
			while (from < len && ((unsigned char)in[from] & 0xc0) ==
			    0x80)
				from++;
		}
	}
	if (!matched) {
		/* No delimiter: the whole line, even if empty. */
		c->span[0] = 0;
		c->span[1] = len;
		count = 1;
	} else if (!full) {
		if (npieces < c->ncols) {
			c->span[2 * npieces] = index;
			c->span[2 * npieces + 1] = len;
		}
		if (len > index)
			count = npieces + 1;
	}
	if (full)
		count = c->ncols;

	out->len = 0;
	json_out_init(&jo, out, c->pretty);
	json_out_object_begin(&jo);
	for (i = 0; i < c->nfields; i++) {
		json_out_key(&jo, c->fields[i].name, c->fields[i].len);
		col = c->fields[i].col;
		if (col < count)
			json_out_string(&jo, in + c->span[2 * col],
			    c->span[2 * col + 1] - c->span[2 * col]);
		else
			json_out_null(&jo);
	}
	json_out_object_end(&jo);
	buf_add(out, "\n", 1);
	return (CONV_OK);
}

static void
csvtojson_free(void *inst)
{
	struct csvtojson	*c = inst;
	size_t			 i;

	if (c == NULL)
		return;
	pcre2_match_data_free(c->md);
	pcre2_code_free(c->re);
	free(c->lit);
	free(c->span);
	free(c->fields);
	for (i = 0; c->names != NULL && i < c->ncols; i++)
		free(c->names[i]);
	free(c->names);
	buf_free(&c->fixed);
	free(c);
}

const struct converter_ops csvtojson_ops = {
	.name = "CSVTOJSON",
	.extension = 0,
	.keys = csvtojson_keys,
	.opts_size = sizeof (struct csvtojson_opts),
	.desc = "split a delimited line into named JSON string fields",
	.create = csvtojson_create,
	.convert = csvtojson_convert,
	.free = csvtojson_free
};
