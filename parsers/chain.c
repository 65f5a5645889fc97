/*
 * chain: runs a flow's dataProcessingOptions in order (converter.h).
 *
 * Two buffers alternate as input and output, so a chain of any length
 * costs no allocation per record once the buffers have grown.  A converter
 * that fails makes the chain fall back to the raw record, as the agent's
 * AbstractParser.convertData does, and one that drops ends the chain.
 */
#include <stdlib.h>
#include <string.h>

#include "converter.h"
#include "log.h"
#include "xmalloc.h"

struct chain_link {
	const struct converter_ops	*ops;
	void				*inst;
};

struct chain {
	struct chain_link	*links;
	size_t			 n;
	struct conv_buf		 buf[2];
	uint64_t		 dropped;
	uint64_t		 failed;
};

struct chain *
chain_new(void)
{
	return (xcalloc(1, sizeof (struct chain)));
}

int
chain_add(struct chain *c, const json_t *opt, char **cause,
    const char **badkey)
{
	const struct converter_ops	*ops;
	const json_t			*name;
	json_t				*args;
	void				*inst;

	*badkey = NULL;
	name = json_object_get(opt, "optionName");
	if (!json_is_string(name)) {
		xasprintf(cause, "optionName is required");
		return (-1);
	}
	if ((ops = converter_find(json_string_value(name))) == NULL) {
		xasprintf(cause, "unknown optionName \"%s\"",
		    json_string_value(name));
		*badkey = "optionName";
		return (-1);
	}
	args = json_deep_copy(opt);
	json_object_del(args, "optionName");
	inst = ops->create(args, cause, badkey);
	json_decref(args);
	if (inst == NULL)
		return (-1);
	c->links = xreallocarray(c->links, c->n + 1, sizeof *c->links);
	c->links[c->n].ops = ops;
	c->links[c->n].inst = inst;
	c->n++;
	return (0);
}

struct chain *
chain_create(const json_t *options, char **cause, size_t *index,
    const char **badkey)
{
	struct chain	*c;
	size_t		 i, n;

	*badkey = NULL;
	*index = 0;
	c = chain_new();
	n = options != NULL ? json_array_size(options) : 0;
	for (i = 0; i < n; i++) {
		*index = i;
		if (chain_add(c, json_array_get(options, i), cause,
		    badkey) == -1) {
			chain_free(c);
			return (NULL);
		}
	}
	return (c);
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
	conv_buf_free(&c->buf[0]);
	conv_buf_free(&c->buf[1]);
	free(c);
}

int
chain_is_empty(const struct chain *c)
{
	return (c->n == 0);
}

enum conv_result
chain_run(struct chain *c, const char *in, size_t len, const char **out,
    size_t *outlen, const struct conv_ctx *ctx)
{
	const char	*cur = in;
	size_t		 curlen = len, i;
	int		 which = 0;

	/* One converter, the usual chain: no buffer juggling. */
	if (c->n == 1) {
		c->buf[0].len = 0;
		switch (c->links[0].ops->convert(c->links[0].inst, in, len,
		    &c->buf[0], ctx)) {
		case CONV_OK:
			*out = c->buf[0].data != NULL ? c->buf[0].data : "";
			*outlen = c->buf[0].len;
			return (CONV_OK);
		case CONV_DROP:
			c->dropped++;
			return (CONV_DROP);
		case CONV_ERROR:
			break;
		}
		c->failed++;
		*out = in;
		*outlen = len;
		return (CONV_OK);
	}
	for (i = 0; i < c->n; i++) {
		c->buf[which].len = 0;
		switch (c->links[i].ops->convert(c->links[i].inst, cur,
		    curlen, &c->buf[which], ctx)) {
		case CONV_OK:
			cur = c->buf[which].data;
			curlen = c->buf[which].len;
			which ^= 1;
			break;
		case CONV_DROP:
			c->dropped++;
			return (CONV_DROP);
		case CONV_ERROR:
			/* The agent sends the unconverted record. */
			c->failed++;
			*out = in;
			*outlen = len;
			return (CONV_OK);
		}
	}
	if (cur == NULL)	/* an empty output buffer never grown */
		cur = "";
	*out = cur;
	*outlen = curlen;
	return (CONV_OK);
}

uint64_t
chain_dropped(const struct chain *c)
{
	return (c->dropped);
}

uint64_t
chain_failed(const struct chain *c)
{
	return (c->failed);
}
