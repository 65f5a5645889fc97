/*
 * converter: the interface every record converter implements, and the
 * chain that runs a flow's dataProcessingOptions in order.
 *
 * A converter is a struct converter_ops in the NULL-terminated registry
 * (parsers/registry.c).  Each declares its options struct and a table of
 * its keys, each with the offset of its field there, as Fluent Bit's
 * config_map does.  One walker (conv_opts.c) checks an option object
 * against the table (types, values, bounds, required and unknown keys),
 * reports every error, and fills the struct; the config loader turns each
 * error into file:line:column, and `sluiced -h config` prints the table.
 * create then checks what only the converter can (a regex that does not
 * compile, a field count that does not fit) and compiles what it needs
 * once per flow.  Nothing here starts a thread or touches the network,
 * so `sluiced -n` can build every chain: what a converter needs from the
 * outside (EC2 metadata) comes through its context, from the agent.
 *
 * The semantics are the Kinesis Agent's (awslabs/amazon-kinesis-agent;
 * its files are cited by their path under src/com/amazon/kinesis/
 * streaming/agent/, here processing/processors/AgentDataConverterChain.java
 * and tailing/AbstractParser.java, convertData): converters
 * run in list order on the record's bytes, which include the trailing
 * "\n"; a dropped record goes no further and is counted; a converter that
 * fails makes the chain send the unconverted record instead, and that is
 * counted too (by the caller, from the chain's result).
 */
#ifndef CONVERTER_H
#define CONVERTER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"

/*
 * A converter writes into a struct buf (common/buf.h), reused from record
 * to record; the caller gives it a maximum.  Per field it calls
 * buf_reserve or buf_add, whose growth check is one compare, and does not
 * check for failure after each: an append past the maximum marks the
 * buffer failed, and the chain checks that once per converter and sends
 * the raw record instead (as for CONV_ERROR).  After buf_reserve returns
 * -1 a converter must not write into the room it asked for.
 *
 * CONV_BUF_MAX: the maximum of a converter's own scratch buffers (what
 * they hold comes from one record) and of a chain's until chain_set_max.
 * The agent gives a chain 8 x its read buffer + 1 MiB, 41 MiB for the
 * largest default read buffer (5 MiB): this is above that.
 */
#define CONV_BUF_MAX	((size_t)64 * 1024 * 1024)

enum conv_result {
	CONV_OK,	/* out holds the converted record */
	CONV_DROP,	/* filtered out: counted, not sent */
	CONV_ERROR	/* failed: the raw record is sent instead, counted;
			   from chain_run_append: the raw record is in dst */
};

struct ec2_metadata;

/* What a converter knows about the record it converts. */
struct conv_ctx {
	const char	*flow;		/* flow name */
	const char	*file;		/* path of the file it came from */
	const char	*hostname;
	time_t		 now;		/* wall clock, read per record */

	/*
	 * The EC2 instance's metadata (ec2_metadata.h), for ADDEC2METADATA:
	 * called only by a converter that uses it, with the age in seconds
	 * it accepts.  Returns the latest snapshot, valid until the next call
	 * through this context, or NULL while there is none.  NULL: no
	 * metadata at all.
	 */
	const struct ec2_metadata *(*ec2)(void *ec2_arg, unsigned int max_age);
	void		*ec2_arg;
};

/*
 * Option key types, and what the walker (conv_opts.c) stores for each at
 * the key's offset in the converter's options struct.
 */
enum conv_key_type {
	CONV_KEY_STRING,	/* char *: a string with no NUL, or NULL */
	CONV_KEY_INT,		/* int64_t: an integer (or one in a string) */
	CONV_KEY_BOOL,		/* int: true/false (or the agent's strings) */
	CONV_KEY_ENUM,		/* int: the index of one of values */
	CONV_KEY_FLAGS,		/* unsigned int: a list of values, 1 << index */
	CONV_KEY_STRINGS,	/* struct conv_strings: a list of strings */
	CONV_KEY_MAP,		/* struct conv_map: a mapping of strings */
	CONV_KEY_ANY		/* json_t *: any json value, or NULL */
};

/* A CONV_KEY_STRINGS value: v is NULL if the key is not given. */
struct conv_strings {
	char		**v;		/* n strings, then NULL */
	size_t		  n;
};

/*
 * A CONV_KEY_MAP value, in the order written; e is NULL if the key is not
 * given.  With values in the key, each value is one of them and index is
 * its place there; else index is -1.
 */
struct conv_map_entry {
	char		*name;
	char		*value;
	int		 index;
};

struct conv_map {
	struct conv_map_entry	*e;
	size_t			 n;
};

/*
 * One option key.  The walker checks a value against its type, values and
 * bounds, stores it at offset, and reports what is wrong; a converter's
 * create is left what only it can check.
 */
struct conv_key {
	const char		*name;		/* e.g. "customFieldNames" */
	enum conv_key_type	 type;
	size_t			 offset;	/* in the options struct */
	int			 required;
	const char *const	*values;	/* ENUM, FLAGS, MAP values;
						   NULL-terminated */
	int64_t			 min;		/* INT bounds, if min < max */
	int64_t			 max;
	const char		*def;		/* default, as a file writes
						   it (STRING, INT, BOOL,
						   ENUM); or NULL */
	const char		*desc;		/* one line, for -h config */
};

/*
 * Where a reported error points: at the key's value, at the key itself
 * (an unknown key), or at the option as a whole (a missing key).
 */
enum conv_at {
	CONV_AT_VALUE,
	CONV_AT_KEY,
	CONV_AT_OPTION
};

/*
 * Receives an option's errors, one call per error, so that all of them
 * are shown.  key is the option key at fault (NULL: the option as a
 * whole); msg is one line, valid during the call only.  n counts the
 * calls.
 */
struct conv_report {
	void	(*fn)(void *arg, const char *key, enum conv_at,
		    const char *msg);
	void	 *arg;
	size_t	  n;
};

struct converter_ops {
	const char		*name;		/* optionName, e.g. "CSVTOJSON" */
	int			 extension;	/* 1: sluice's own, not the agent's */
	const struct conv_key	*keys;		/* terminated by a NULL name */
	size_t			 opts_size;	/* the options struct */
	const char		*desc;		/* one line, for -h config */

	/*
	 * Creates an instance from opts, the options struct that the walker
	 * filled and checked against keys (conv_opts_create).  Checks what
	 * only the converter can (a regex that compiles, a field count) and
	 * reports each error through the report (conv_opts_report), naming
	 * the key.  Returns NULL if and only if it reported an error.  Does
	 * not keep pointers into opts.  Must not start threads or touch the
	 * network.
	 */
	void			*(*create)(const void *opts,
				    struct conv_report *);

	/*
	 * Converts in[0..len) into out (whose len the converter sets; its
	 * data may be reallocated).  Must not keep pointers to in or out.
	 * If out passes its maximum (buf_has_failed) the caller treats the
	 * result as CONV_ERROR, whatever is returned.
	 */
	enum conv_result	 (*convert)(void *inst, const char *in,
				    size_t len, struct buf *out,
				    const struct conv_ctx *);

	void			 (*free)(void *inst);
};

/* Every converter, the one list of them (registry.c holds them in order). */
extern const struct converter_ops	addmetadata_ops;
extern const struct converter_ops	addec2metadata_ops;
extern const struct converter_ops	singleline_ops;
extern const struct converter_ops	csvtojson_ops;
extern const struct converter_ops	logtojson_ops;
extern const struct converter_ops	addbrackets_ops;
extern const struct converter_ops	regextojson_ops;
extern const struct converter_ops	parsejson_ops;

/* The registry, NULL-terminated, in the order -h config lists them. */
extern const struct converter_ops *const converter_registry[];

/* Finds a converter by optionName (case-sensitive, as the agent). */
const struct converter_ops *converter_find(const char *name);

/*
 * conv_opts: the one walker of option objects (conv_opts.c).
 */

/*
 * Reports an error through r (see struct conv_report), at the key's
 * value, and counts it.
 */
void	conv_opts_report(struct conv_report *r, const char *key,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The key of ops's table named name, or NULL. */
const struct conv_key *conv_opts_key(const struct converter_ops *,
	    const char *name);

/*
 * Checks obj, a json object of option keys ("optionName" is skipped),
 * against ops's key table: unknown keys, types, values, bounds, required
 * keys; every error is reported, not only the first.  null, and "" for a
 * key that is not a string, mean "not set".  Then fills the options
 * struct (defaults applied) and calls ops->create with it.  Returns the
 * instance (free with ops->free), or NULL if an error was reported.
 */
void	*conv_opts_create(const struct converter_ops *, const json_t *obj,
	    struct conv_report *);

/*
 * The agent's number and boolean rules, shared by the config loader: an
 * integer is decimal digits with an optional sign (Guava's
 * Longs.stringConverter); a boolean is true/yes/t/y/1 or false/no/f/n/0
 * in any case (BooleanConverter).  Each returns 0 with *out set, or -1.
 */
int	conv_opts_parse_int(const char *s, int64_t *out);
/* The index of s in values (NULL-terminated, case-sensitive), or -1. */
int	conv_opts_lookup(const char *const *values, const char *s);
/*
 * The value of values that s spells in another case, for a hint ("did you
 * mean START_OF_FILE?"): the agent compares them as they are.  NULL if
 * none.
 */
const char *conv_opts_case_hint(const char *const *values, const char *s);
int	conv_opts_parse_bool(const char *s, int *out);

/*
 * A short, printable copy of s for a message, quoted: control characters
 * become '?' and a long string is cut with "...".  The caller frees it.
 */
char	*conv_opts_quote(const char *s, size_t len);

/*
 * values (NULL-terminated) joined by sep, for messages and help: the one
 * place a list of names is written.  The caller frees it.
 */
char	*conv_opts_join(const char *const *values, const char *sep);

/* Levenshtein distance, or SIZE_MAX for long strings: "did you mean". */
size_t	 conv_opts_distance(const char *a, const char *b);

struct chain;

/* An empty chain, to which chain_add appends options one by one. */
struct chain	*chain_new(void);

/*
 * Appends one option (a json object with "optionName") to the chain.
 * Returns 0, or -1 after reporting every error through r (an unknown or
 * missing optionName is reported for key "optionName"); the chain is
 * unchanged then, so a caller can report every bad option.
 */
int		 chain_add(struct chain *, const json_t *option,
		    struct conv_report *r);

void		 chain_free(struct chain *);

/* Returns 1 if the chain has no converters (records pass unchanged). */
int		 chain_is_empty(const struct chain *);

/*
 * Sets the most bytes each of the chain's buffers may hold (CONV_BUF_MAX
 * until then): a record whose conversion would pass it is sent raw and
 * counted as failed.  The caller bounds its input records; a multiple of
 * that, for escaping and metadata, is the right maximum.
 */
void		 chain_set_max(struct chain *, size_t max);

/*
 * Runs the chain on one record and appends the record to send to dst
 * (which must not be lent), written there by the last converter, not
 * copied; an empty chain appends in as it is.  Returns CONV_OK with the
 * converted record appended; CONV_DROP with dst unchanged; or CONV_ERROR
 * when a converter failed and the raw record was appended instead, as the
 * agent sends it.  The chain counts nothing: the caller counts drops and
 * failures from the result, once it has kept the record (a record it
 * offers again is not counted twice).
 */
enum conv_result chain_run_append(struct chain *, const char *in, size_t len,
		    struct buf *dst, const struct conv_ctx *);

#endif /* CONVERTER_H */
