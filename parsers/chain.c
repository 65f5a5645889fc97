/*
 * chain: runs a flow's dataProcessingOptions in order (converter.h).
 *
 * Two buffers alternate as input and output, so a chain of any length
 * costs no allocation per record once the buffers have grown.  The last
 * converter writes straight into the caller's buffer (chain_run_append),
 * so a record is not copied on its way out.  A converter
 * that fails makes the chain fall back to the raw record, as the agent's
 * AbstractParser.convertData does, and one that drops ends the chain; the
 * result says which, and the caller counts it once it keeps the record.
 * Every buffer has the chain's maximum (chain_set_max); a conversion that
 * passes it fails like a converter that returns CONV_ERROR, checked once
 * per converter, not per append.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "converter.h"
#include "log.h"
#include "xmalloc.h"

/* Spare room chain_run_append makes in dst beyond twice the input. */
#define CHAIN_ROOM	4096
/* What a buffer that ran into its maximum keeps of its memory. */
#define CHAIN_KEEP	(1024 * 1024)
/* Most converters in the registry, for a list of their names. */
#define CHAIN_MAX_CONVERTERS	64

struct chain_link {
	const struct converter_ops	*ops;
	void				*inst;
};

struct chain {
	struct chain_link	*links;
	size_t			 n;
	struct buf		 buf[2];	/* between converters */
	size_t			 max;		/* of each buffer */
};

struct chain *
chain_new(void)
{
	struct chain	*c;

	c = xcalloc(1, sizeof *c);
	chain_set_max(c, CONV_BUF_MAX);
	return (c);
}

void
chain_set_max(struct chain *c, size_t max)
{
	c->max = max;
	buf_free(&c->buf[0]);
	buf_free(&c->buf[1]);
	buf_init(&c->buf[0], max);
	buf_init(&c->buf[1], max);
}

/* "unknown optionName X (expected one of ...)" for the option's name. */
static void
chain_unknown(const json_t *name, struct conv_report *r)
{
	const char	*list[CHAIN_MAX_CONVERTERS + 1], *hint;
	char		*names, *got;
	size_t		 i;

	for (i = 0; converter_registry[i] != NULL &&
	    i < CHAIN_MAX_CONVERTERS; i++)
		list[i] = converter_registry[i]->name;
	list[i] = NULL;
	names = conv_opts_join(list, ", ");
	if (json_is_string(name))
		got = conv_opts_quote(json_string_value(name),
		    json_string_length(name));
	else
		got = xstrdup(json_is_array(name) ? "a list" :
		    json_is_object(name) ? "a mapping" : "a value");
	hint = json_is_string(name) ? conv_opts_case_hint(list,
	    json_string_value(name)) : NULL;
	conv_opts_report(r, "optionName", "unknown optionName %s (expected "
	    "one of %s)%s%s%s", got, names,
	    hint != NULL ? " (names are case-sensitive: did you mean " : "",
	    hint != NULL ? hint : "", hint != NULL ? "?)" : "");
	free(got);
	free(names);
}

int
chain_add(struct chain *c, const json_t *opt, struct conv_report *r)
{
	const struct converter_ops	*ops;
	const json_t			*name;
	void				*inst;

	if ((name = json_object_get(opt, "optionName")) == NULL) {
		r->fn(r->arg, NULL, CONV_AT_OPTION, "processing option has no "
		    "optionName");
		r->n++;
		return (-1);
	}
	if (!json_is_string(name) ||
	    (ops = converter_find(json_string_value(name))) == NULL) {
		chain_unknown(name, r);
		return (-1);
	}
	if ((inst = conv_opts_create(ops, opt, r)) == NULL)
		return (-1);
	c->links = xreallocarray(c->links, c->n + 1, sizeof *c->links);
	c->links[c->n].ops = ops;
	c->links[c->n].inst = inst;
	c->n++;
	return (0);
}

void
chain_free(struct chain *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		c->links[i].ops->free(c->links[i].inst);
	free(c->links);
	buf_free(&c->buf[0]);
	buf_free(&c->buf[1]);
	free(c);
}

int
chain_is_empty(const struct chain *c)
{
	return (c->n == 0);
}

/*
 * Runs one converter with dst's free space as its output (buf_lend), so
 * that the record is written where the caller keeps it.  A converter that
 * needs more room than dst has moves its output into a buffer of its own,
 * which is then appended to dst.  The window holds at most what dst has
 * left, so passing the maximum there is passing it in dst: CONV_ERROR.
 */
static enum conv_result
chain_link_into(const struct chain *c, const struct chain_link *l,
    const char *in, size_t len, struct buf *dst, const struct conv_ctx *ctx)
{
	struct buf		win;
	enum conv_result	rc;
	size_t			max;

	max = dst->max - dst->len;
	if (max > c->max)
		max = c->max;
	buf_init(&win, max);
	if (dst->data != NULL)
		buf_lend(&win, dst->data + dst->len, dst->cap - dst->len + 1);
	rc = l->ops->convert(l->inst, in, len, &win, ctx);
	if (rc == CONV_OK && buf_has_failed(&win))
		rc = CONV_ERROR;
	if (win.lent) {
		if (rc == CONV_OK)
			dst->len += win.len;
		return (rc);
	}
	if (rc == CONV_OK && buf_add(dst, win.data, win.len) == -1)
		rc = CONV_ERROR;	/* not reached: win.max fits in dst */
	buf_free(&win);
	return (rc);
}

enum conv_result
chain_run_append(struct chain *c, const char *in, size_t len,
    struct buf *dst, const struct conv_ctx *ctx)
{
	const char		*cur = in;
	size_t			 curlen = len, i, room;
	int			 which = 0;
	enum conv_result	 rc;

	if (c->n == 0) {
		buf_add(dst, in, len);
		return (CONV_OK);
	}
	/*
	 * Room for the usual record, so the window rarely overflows; near
	 * dst's maximum only what is left, so this never marks dst failed.
	 */
	room = len < (SIZE_MAX - CHAIN_ROOM) / 2 ? 2 * len + CHAIN_ROOM :
	    SIZE_MAX;
	if (room > dst->max - dst->len)
		room = dst->max - dst->len;
	(void)buf_reserve(dst, room);
	for (i = 0; i < c->n; i++) {
		if (i == c->n - 1) {
			switch (chain_link_into(c, &c->links[i], cur, curlen,
			    dst, ctx)) {
			case CONV_OK:
				return (CONV_OK);
			case CONV_DROP:
				return (CONV_DROP);
			case CONV_ERROR:
				break;
			}
		} else {
			buf_reset(&c->buf[which]);
			rc = c->links[i].ops->convert(c->links[i].inst,
			    cur, curlen, &c->buf[which], ctx);
			if (rc == CONV_OK && buf_has_failed(&c->buf[which])) {
				/* Not kept at the maximum it ran into. */
				buf_shrink(&c->buf[which], CHAIN_KEEP);
				rc = CONV_ERROR;
			}
			switch (rc) {
			case CONV_OK:
				cur = c->buf[which].data != NULL ?
				    c->buf[which].data : "";
				curlen = c->buf[which].len;
				which ^= 1;
				continue;
			case CONV_DROP:
				return (CONV_DROP);
			case CONV_ERROR:
				break;
			}
		}
		/* The agent sends the unconverted record. */
		buf_add(dst, in, len);
		return (CONV_ERROR);
	}
	return (CONV_OK);	/* not reached */
}
