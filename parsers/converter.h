/*
 * converter: the interface every record converter implements, and the
 * chain that runs a flow's dataProcessingOptions in order.
 *
 * A converter is a struct converter_ops in the NULL-terminated registry
 * (parsers/registry.c).  Each declares its option keys in a table, which
 * the config loader uses to validate an option mapping (types, required
 * keys, unknown keys, all with file:line:column) before calling create, and
 * which `sluiced -h config` prints.  create then checks what only the
 * converter can (a regex that does not compile, a field count that does
 * not fit) and compiles what it needs once per flow.
 *
 * The semantics are the Kinesis Agent's (awslabs/amazon-kinesis-agent;
 * its files are cited by their path under src/com/amazon/kinesis/
 * streaming/agent/, here processing/processors/AgentDataConverterChain.java
 * and tailing/AbstractParser.java, convertData): converters
 * run in list order on the record's bytes, which include the trailing
 * "\n"; a dropped record goes no further and is counted; a converter that
 * fails makes the chain send the unconverted record instead, and that is
 * counted too.
 */
#ifndef CONVERTER_H
#define CONVERTER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

/* A growable output buffer, reused from record to record. */
struct conv_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	int	 borrowed;	/* data is someone else's: never freed */
};

/* Grows the buffer so that more bytes fit after len (out of line). */
void	conv_buf_grow(struct conv_buf *, size_t more);
void	conv_buf_free(struct conv_buf *);

/*
 * The two calls every converter makes per field, inline: the growth check
 * is one compare, so that writing a record costs little beyond the copy.
 */
static inline void
conv_buf_reserve(struct conv_buf *b, size_t more)
{
	if (more > b->cap - b->len)
		conv_buf_grow(b, more);
}

static inline void
conv_buf_add(struct conv_buf *b, const void *p, size_t len)
{
	if (len == 0)
		return;
	conv_buf_reserve(b, len);
	memcpy(b->data + b->len, p, len);
	b->len += len;
}

enum conv_result {
	CONV_OK,	/* out holds the converted record */
	CONV_DROP,	/* filtered out: counted, not sent */
	CONV_ERROR	/* failed: the raw record is sent instead, counted */
};

/* What a converter knows about the record it converts. */
struct conv_ctx {
	const char	*flow;		/* flow name */
	const char	*file;		/* path of the file it came from */
	const char	*hostname;
	time_t		 now;		/* wall clock, read once per batch */
};

/* Option key types; the config loader converts YAML values to these. */
enum conv_key_type {
	CONV_KEY_STRING,	/* json string */
	CONV_KEY_INT,		/* json integer (numbers in strings accepted) */
	CONV_KEY_BOOL,		/* json true/false (agent's bool strings) */
	CONV_KEY_ENUM,		/* json string, one of values */
	CONV_KEY_STRINGS,	/* json array of strings */
	CONV_KEY_MAP,		/* json object of string values */
	CONV_KEY_ANY		/* any json value (ADDMETADATA's metadata) */
};

struct conv_key {
	const char		*name;		/* e.g. "customFieldNames" */
	enum conv_key_type	 type;
	int			 required;
	const char *const	*values;	/* enum values, NULL-terminated */
	const char		*def;		/* default, for help; or NULL */
	const char		*desc;		/* one line, for -h config */
};

struct converter_ops {
	const char		*name;		/* optionName, e.g. "CSVTOJSON" */
	int			 extension;	/* 1: sluice's own, not the agent's */
	const struct conv_key	*keys;		/* terminated by a NULL name */
	const char		*desc;		/* one line, for -h config */

	/*
	 * Creates an instance from opts, a json object holding only keys of
	 * the table, already type-checked (optionName is removed).  Returns
	 * NULL with *cause set (caller frees) and *badkey set to the key at
	 * fault (a static string from the table, or NULL for the whole
	 * option).
	 */
	void			*(*create)(const json_t *opts, char **cause,
				    const char **badkey);

	/*
	 * Converts in[0..len) into out (whose len the converter sets; its
	 * data may be reallocated).  Must not keep pointers to in or out.
	 */
	enum conv_result	 (*convert)(void *inst, const char *in,
				    size_t len, struct conv_buf *out,
				    const struct conv_ctx *);

	void			 (*free)(void *inst);
};

/* The registry, NULL-terminated, in the order -h config lists them. */
extern const struct converter_ops *const converter_registry[];

/* Finds a converter by optionName (case-sensitive, as the agent). */
const struct converter_ops *converter_find(const char *name);

struct chain;

/*
 * Builds a flow's chain from its dataProcessingOptions, a json array of
 * objects each with "optionName" (NULL or an empty array: no conversion).
 * Returns NULL on error with *cause (caller frees), *index the 0-based
 * option at fault and *badkey the key (or NULL).
 */
struct chain	*chain_create(const json_t *options, char **cause,
		    size_t *index, const char **badkey);

/* An empty chain, to which chain_add appends options one by one. */
struct chain	*chain_new(void);

/*
 * Appends one option (a json object with "optionName") to the chain.
 * Returns 0, or -1 with *cause (caller frees) and *badkey as chain_create;
 * the chain is unchanged then, so a caller can report every bad option.
 */
int		 chain_add(struct chain *, const json_t *option, char **cause,
		    const char **badkey);
void		 chain_free(struct chain *);

/* Returns 1 if the chain has no converters (records pass unchanged). */
int		 chain_is_empty(const struct chain *);

/*
 * Runs the chain on one record.  On CONV_OK, *out and *outlen are the record to
 * send: in itself if the chain is empty, else a buffer owned by the chain,
 * valid until the next call.  CONV_DROP: skip it.  A converter's CONV_ERROR
 * is handled here as the agent does (the raw input record is sent): the
 * chain returns CONV_OK with a copy of in, and counts it.
 */
enum conv_result chain_run(struct chain *, const char *in, size_t len,
		    const char **out, size_t *outlen, const struct conv_ctx *);

/*
 * The same, but the record is appended to dst (which must not be borrowed),
 * written there by the last converter, not copied: for a caller that
 * collects records in a buffer of its own.  On CONV_DROP, dst is unchanged.
 */
enum conv_result chain_run_append(struct chain *, const char *in, size_t len,
		    struct conv_buf *dst, const struct conv_ctx *);

/* Counters since creation. */
uint64_t	 chain_dropped(const struct chain *);
uint64_t	 chain_failed(const struct chain *);

#endif /* CONVERTER_H */
