/*
 * dest: the destinations a flow delivers to, Kinesis Data Streams
 * (PutRecords) and Firehose (PutRecordBatch).  Both speak the AWS JSON 1.1
 * protocol: a POST to "/" with X-Amz-Target naming the operation and a
 * JSON body listing the records, base64 in "Data".  Each destination is a
 * struct dest_ops (dest_kinesis.c, dest_firehose.c) in a NULL-terminated
 * registry; the sender drives them and knows nothing of their JSON.
 *
 * A request body has this grammar, which the sender relies on to resend
 * only the failed entries of a batch without encoding them again:
 *
 *	body   = prefix entry *("," entry) suffix    (entries may be zero)
 *	prefix = written by begin(), e.g. {"StreamName":"s","Records":[
 *	entry  = written by add(), one JSON object, without separator
 *	suffix = written by finish(), "]}"
 *
 * The bodies are built by hand into one growing buffer (no JSON library on
 * the hot path); responses are parsed with jansson.
 */
#ifndef DEST_H
#define DEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "config.h"

/* Bounds of the messages kept from a response, for logs and status. */
#define DEST_CODE_MAX		128
#define DEST_MESSAGE_MAX	256

struct dest_ops;

/* Distinct entry error codes counted per response; more go to the last. */
#define DEST_NCODES		8

/* An entry error code and how many entries had it. */
struct dest_code {
	char		 code[DEST_CODE_MAX];
	size_t		 n;
};

/* What a 200 response said about the batch. */
struct dest_result {
	size_t		 nfailed;
	char		 code[DEST_CODE_MAX];	/* first failure's */
	char		 message[DEST_MESSAGE_MAX];
	/* Each code's count; past DEST_NCODES, the last is "(other)". */
	struct dest_code codes[DEST_NCODES];
	size_t		 ncodes;
};

/*
 * The classes of errors, by what the sender does about them (API
 * references, "Errors" and "Common Errors").  Failed entries of a 200
 * answer (ProvisionedThroughputExceededException, KMSThrottlingException,
 * InternalFailure, Firehose's ServiceUnavailableException) are no class
 * here: they are always retried alone.
 */
enum dest_class {
	DEST_RETRY,	/* 5xx, network, timeouts, a garbled answer */
	DEST_THROTTLED,	/* ThrottlingException, LimitExceededException */
	DEST_EXPIRED,	/* ExpiredToken(Exception): refresh, retry */
	DEST_SKEWED,	/* RequestExpired, RequestTimeTooSkewed, ... */
	DEST_OPERATOR,	/* access, a missing stream, KMS, credentials */
	DEST_CONTENT	/* the request's content was refused, or 413 */
};

/*
 * Classifies an error answer: status 0 for a transport error, else the
 * HTTP status, with the error code (x-amzn-ErrorType or the body's
 * "__type", without namespace) and message, either may be "".
 */
enum dest_class	 dest_classify(long status, const char *type,
		    const char *message);

/*
 * Writes into buf (size len) what an operator does about an error of
 * class DEST_OPERATOR with code type (or "UnknownHost": the endpoint's
 * name does not resolve, as an unknown region's), for flow's stream in region: "grant
 * kinesis:PutRecords on arn:aws:kinesis:eu-west-1:*:stream/web to the
 * credentials in use", "create the stream ...".
 */
void		 dest_fix(const struct dest_ops *ops, const char *type,
		    const char *stream, const char *region, char *buf,
		    size_t len);

/*
 * Reads an error answer's code ("__type" without its namespace, unless
 * error_type is not empty) and message into type and msg (DEST_CODE_MAX
 * and DEST_MESSAGE_MAX bytes), printable characters only.
 */
void		 dest_error_fields(const char *error_type, const char *body,
		    size_t body_len, char *type, char *msg);

struct dest_ops {
	const char	*name;		/* "kinesis": status, logs */
	enum config_dest kind;		/* config_flow.dest */
	const char	*service;	/* SigV4 service, host label */
	const char	*target;	/* X-Amz-Target */
	const char	*api;		/* "PutRecords", for messages */

	/*
	 * The API's classic limits (see the API references): the defaults
	 * of a flow's limits, which its config may change (dest_limits).
	 */
	size_t		 max_records;		/* per request */
	size_t		 max_record_bytes;	/* data + key */
	size_t		 max_request_bytes;	/* data + keys */
	/*
	 * The Kinesis Agent's parser read buffer: with converters, a record
	 * may be this long before it is converted (and cut to the record
	 * limit after).
	 */
	size_t		 read_buffer;
	/* Most bytes add() counts for a record besides its data (the key). */
	size_t		 key_max;
	/* Most JSON bytes of an entry besides its base64 data. */
	size_t		 entry_overhead;

	/* Appends the prefix for stream (any bytes; escaped here). */
	void		(*begin)(struct buf *, const char *stream);
	/*
	 * Appends one entry for the len bytes at data.  *rng is the
	 * caller's PRNG state (RANDOM partition keys); with deterministic
	 * set the key is the MD5 of the record instead (partitionKeyOption
	 * DETERMINISTIC).  Returns the bytes this record counts against the
	 * size limits: len plus its key.
	 */
	size_t		(*add)(struct buf *, const void *data,
			    size_t len, uint64_t *rng, int deterministic);
	/* Appends the suffix. */
	void		(*finish)(struct buf *);
	/*
	 * Parses a 200 response to a request of n entries.  Sets failed[i]
	 * to 1 for each entry that has an ErrorCode and 0 for the others,
	 * and fills *res.  Returns 0, or -1 with *cause set (caller frees)
	 * if the body is not such a response or has a different number of
	 * entries: then the whole batch must be sent again.
	 */
	int		(*parse)(const char *body, size_t len, size_t n,
			    uint8_t *failed, struct dest_result *res,
			    char **cause);
};

/*
 * Decodes the "Data" of one request entry (as add() wrote it, len bytes
 * at entry) into out, which has room for base64_decoded_len_max of the
 * entry's length.  Returns the record's length, or -1 if entry has none.
 */
ssize_t		 dest_entry_data(const char *entry, size_t len, void *out);

/* The registry, NULL-terminated. */
extern const struct dest_ops	*dest_registry[];
extern const struct dest_ops	 dest_kinesis_ops;
extern const struct dest_ops	 dest_firehose_ops;

/* Returns the destination for kind, or NULL. */
const struct dest_ops	*dest_find(enum config_dest kind);

/* A flow's limits: its destination's, changed by its config. */
struct dest_limits {
	size_t		 max_records;	    /* maxBufferSizeRecords */
	size_t		 max_request_bytes; /* maxBufferSizeBytes, with keys */
	size_t		 max_record_bytes;  /* maxRecordSizeBytes, with key */
	size_t		 max_record;	    /* data: less the longest key */
	size_t		 read_buffer;	    /* a record before conversion */
};

/*
 * Fills *l with ops's limits, each replaced by the flow's key when it is
 * set (flow may be NULL: the defaults).  This is the one place where
 * limits are decided; the config walker has checked the keys' bounds.
 */
void		 dest_limits(const struct dest_ops *ops,
		    const struct config_flow *flow, struct dest_limits *l);

/*
 * Returns the largest body for requests within limits l to stream: the
 * maximum to give the request body's struct buf.  A batch holds one
 * record at least, even one longer than max_request_bytes.
 */
size_t		 dest_body_max(const struct dest_ops *,
		    const struct dest_limits *l, const char *stream);

/*
 * Makes room for n more bytes in a request body.  The body's maximum is
 * dest_body_max, so passing it is a bug in the caller's accounting, and
 * fatal.
 */
void		 dest_body_reserve(struct buf *b, size_t n);

/*
 * Appends s as a JSON string, quotes included, escaped as json_out writes
 * strings (invalid UTF-8 repaired).
 */
void		 dest_body_json_string(struct buf *b, const char *s);

/*
 * The shared parser behind both parse() functions: count_key names the
 * failed count ("FailedRecordCount", "FailedPutCount"), array_key the
 * entries ("Records", "RequestResponses").  An answer whose count is 0,
 * in the compact shape the services write, is taken by a quick look
 * (dest_answer_quick); any other is walked entry by entry, and its count
 * is not trusted.
 */
int		 dest_parse_entries(const char *body, size_t len,
		    const char *count_key, const char *array_key, size_t n,
		    uint8_t *failed, struct dest_result *res, char **cause);

/*
 * 1 if body is a compact answer that says no record failed, with n
 * entries of which none has a key starting with 'E' (ErrorCode,
 * ErrorMessage); 0 sends it to the full walk.  The entries' contents are
 * not read further.
 */
int		 dest_answer_quick(const char *body, size_t len,
		    const char *count_key, const char *array_key, size_t n);

/*
 * Describes an error response: writes "HTTP status Type: message" into
 * buf (size len), with the type from x-amzn-ErrorType (error_type, may be
 * empty) or the body's "__type", and the body's "message".
 */
void		 dest_describe_error(long status, const char *error_type,
		    const char *body, size_t body_len, char *buf, size_t len);

/* Where and how a flow's requests go. */
struct dest_endpoint {
	char		*url;		/* what curl is given */
	char		*host;		/* Host header: host[:port] */
	char		*path;		/* signed path, "/" */
	char		*region;	/* signing region */
};

/*
 * Fills ep for ops from the config: the URL is the configured endpoint
 * (with its http:// or https:// scheme), else https://SERVICE.REGION.
 * amazonaws.com.  The region is the configured one (region.h fills it at
 * start from the environment, the profile or the instance), else the one
 * in an amazonaws.com endpoint's host name; with neither, it is an error.
 * Host carries the port only when it is not the scheme's default, as
 * libcurl sends it.  Returns 0, or -1 with *cause set (caller frees).
 * Release with dest_endpoint_clear.
 */
int		 dest_endpoint_init(struct dest_endpoint *ep,
		    const struct dest_ops *ops, const struct config *cfg,
		    char **cause);

/*
 * The endpoint URL of a destination kind: the config's *.endpoint, else
 * AWS_ENDPOINT_URL_KINESIS or AWS_ENDPOINT_URL_FIREHOSE, else
 * AWS_ENDPOINT_URL, as the AWS SDKs read them; NULL for the regional one.
 */
const char	*dest_endpoint_url(enum config_dest kind,
		    const struct config *cfg);

/* The same from explicit values (endpoint and region may be NULL). */
int		 dest_endpoint_make(struct dest_endpoint *ep,
		    const struct dest_ops *ops, const char *endpoint,
		    const char *region, char **cause);

void		 dest_endpoint_clear(struct dest_endpoint *ep);

/*
 * Returns the region in an amazonaws.com host name ("kinesis.eu-west-1.
 * amazonaws.com" gives "eu-west-1"), or NULL.  The caller frees it.
 */
char		*dest_region_from_host(const char *host);

#endif /* DEST_H */
