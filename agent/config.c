/*
 * config: see config.h.  Loading has three steps.  The file is read whole
 * (at most CONFIG_MAX_FILE bytes); if it is JSON, the comments Jackson allows
 * are blanked out.  libyaml's event parser then builds a small node tree in
 * which every node keeps its line and column.  Last, one walker checks the
 * tree against config_keys[], the only list of keys there is, and fills
 * struct config.  Errors are collected, not returned at the first, so that
 * one run of `sluiced -n` shows everything that is wrong with a file.
 *
 * The keys, meanings and defaults are the Kinesis Agent's (its
 * config/AgentConfiguration.java and tailing/FileFlow.java, under
 * src/com/amazon/kinesis/streaming/agent/ in awslabs/amazon-kinesis-agent);
 * config_agent_keys[] lists the keys of the
 * agent that sluice accepts but does not act on, so that an agent.json loads
 * unchanged.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <yaml.h>

#include "buf.h"
#include "config.h"
#include "converter.h"
#include "jregex.h"
#include "log.h"
#include "prom.h"
#include "xmalloc.h"

#define nitems(a)		(sizeof (a) / sizeof (a)[0])

/* Limits on input, so that no file can make the loader use much memory. */
#define CONFIG_MAX_FILE		(1024 * 1024)	/* bytes in the file */
#define CONFIG_MAX_DEPTH	32		/* nesting */
#define CONFIG_MAX_NODES	65536		/* values in the file */
#define CONFIG_MAX_KEYS		1024		/* keys in one mapping */
#define CONFIG_MAX_FLOWS	4096
#define CONFIG_MAX_FILES	4096		/* in conf.d, agentConfigDir */
#define CONFIG_CONFD		"conf.d"	/* beside the main file */
#define CONFIG_MAX_STRING	4096		/* bytes in a string */
#define CONFIG_MAX_ERRORS	100		/* then "too many errors" */
#define CONFIG_MAX_SUGGEST	2		/* "did you mean" distance */

/*
 * Bounds of the flow limit keys, against a typo that would size request
 * buffers in gigabytes.  Their defaults are the destination's (dest_ops,
 * applied by dest_limits): AWS has raised its limits before, so a key may
 * go past the classic value.  A record leaves room for the longest
 * truncatedRecordTerminator (CONFIG_MAX_STRING) and a partition key.
 */
#define CONFIG_MAX_BATCH_RECORDS	10000
#define CONFIG_MAX_LIMIT_BYTES		(64 * 1024 * 1024)
#define CONFIG_MIN_RECORD_BYTES		8192

enum config_node_type {
	CONFIG_NODE_SCALAR,
	CONFIG_NODE_MAPPING,
	CONFIG_NODE_SEQUENCE
};

/* A mapping's children alternate key, value, key, value. */
struct config_node {
	enum config_node_type	  type;
	int			  line;		/* 1-based */
	int			  column;	/* 1-based */
	char			 *value;	/* scalar only */
	size_t			  length;
	int			  plain;	/* scalar was not quoted */
	struct config_node	**child;
	size_t			  nchild;
};

enum config_type {
	CONFIG_TYPE_STRING,
	CONFIG_TYPE_INT,
	CONFIG_TYPE_BOOL,
	CONFIG_TYPE_SIZE,
	CONFIG_TYPE_DURATION,
	CONFIG_TYPE_ENUM,
	CONFIG_TYPE_LIST,
	CONFIG_TYPE_ANY,	/* agent keys whose value sluice never reads */
	CONFIG_TYPE_OPTIONS	/* dataProcessingOptions: converter chain */
};

static const char *const config_type_names[] = {
	"string", "int", "bool", "size", "duration-ms", "enum", "list", "any",
	"list"
};

enum config_scope {
	CONFIG_SCOPE_GLOBAL,
	CONFIG_SCOPE_FLOW
};

#define CONFIG_F_REQUIRED	0x1	/* reported if missing */
#define CONFIG_F_ABSOLUTE	0x2	/* an absolute path */
#define CONFIG_F_NOSLASH	0x4	/* must not end in '/' */
#define CONFIG_F_SOCKET		0x8	/* fits in sun_path */
#define CONFIG_F_URL		0x10	/* an http:// or https:// URL */
#define CONFIG_F_KSTREAM	0x20	/* a Kinesis stream name */
#define CONFIG_F_FSTREAM	0x40	/* a Firehose stream name */
#define CONFIG_F_HOSTPORT	0x80	/* HOST:PORT (prom.h) */

/*
 * Stream names, as the APIs' StreamName and DeliveryStreamName patterns
 * say: [a-zA-Z0-9_.-]+, of at most this many bytes.
 */
#define CONFIG_KSTREAM_MAX	128
#define CONFIG_FSTREAM_MAX	64

struct config_key {
	const char		*path;		/* dotted name */
	enum config_scope	 scope;
	enum config_type	 type;
	const char		*def;		/* parsed like the file; NULL */
	const char		*def_help;	/* shown instead of def */
	int64_t			 min;
	int64_t			 max;
	const char *const	*values;	/* enum names, by enum value */
	size_t			 offset;	/* in struct config(_flow) */
	int			 flags;
	const char		*desc;
};

static const char *const config_position_names[] = {
	"END_OF_FILE", "START_OF_FILE", NULL
};
static const char *const config_watch_names[] = {
	"inotify", "poll", NULL
};
static const char *const config_fsync_names[] = {
	"interval", "always", "never", NULL
};
static const char *const config_partition_names[] = {
	"RANDOM", "DETERMINISTIC", NULL
};

/* Enum fields are written through an int pointer. */
_Static_assert(sizeof (enum config_position) == sizeof (int), "enum size");
_Static_assert(sizeof (enum config_fsync) == sizeof (int), "enum size");
_Static_assert(sizeof (enum config_watch) == sizeof (int), "enum size");
_Static_assert(sizeof (enum config_partition) == sizeof (int), "enum size");

#define G(f)	offsetof(struct config, f)
#define F(f)	offsetof(struct config_flow, f)
#define KiB	((int64_t)1024)
#define MiB	(KiB * 1024)
#define PiB	(MiB * 1024 * 1024 * 1024)

/*
 * Every key sluice acts on.  sluiced -h config, man/sluice.yaml.5 and
 * etc/sluice.yaml list exactly these (tests/regress/config_docs.sh).
 */
static const struct config_key config_keys[] = {
	{ "kinesis.endpoint", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, G(kinesis_endpoint), CONFIG_F_URL,
	  "Kinesis endpoint URL (default: from the region)" },
	{ "kinesis.region", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, G(kinesis_region), 0,
	  "Kinesis region (default: AWS_REGION)" },
	{ "firehose.endpoint", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, G(firehose_endpoint), CONFIG_F_URL,
	  "Firehose endpoint URL (default: from the region)" },
	{ "firehose.region", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, G(firehose_region), 0,
	  "Firehose region (default: AWS_REGION)" },
	{ "awsAccessKeyId", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, G(aws_access_key_id), 0,
	  "static access key id, with awsSecretAccessKey" },
	{ "awsSecretAccessKey", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, G(aws_secret_access_key), 0,
	  "static secret access key, with awsAccessKeyId" },
	{ "awsSessionToken", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, G(aws_session_token), 0,
	  "session token of temporary awsAccessKeyId keys" },
	{ "assumeRoleARN", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, G(assume_role_arn), 0,
	  "role assumed (STS AssumeRole) with the chain's credentials" },
	{ "assumeRoleExternalId", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, G(assume_role_external_id), 0,
	  "ExternalId for assumeRoleARN" },
	{ "sts.endpoint", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "AWS_ENDPOINT_URL_STS, else the region's", 0, 0, NULL,
	  G(sts_endpoint), CONFIG_F_URL, "STS endpoint URL" },
	{ "sts.region", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "the Kinesis or Firehose region", 0, 0, NULL, G(sts_region),
	  0, "STS region" },
	{ "imdsV1Fallback", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_BOOL,
	  "false", NULL, 0, 0, NULL, G(imds_v1_fallback), 0,
	  "instance role credentials through IMDSv1 when IMDSv2 is off" },
	{ "credentialsRetrySeconds", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_INT,
	  "60", NULL, 1, 3600, NULL, G(credentials_retry_s), 0,
	  "seconds between looks for credentials while there are none" },
	{ "caFile", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "AWS_CA_BUNDLE, else the system's", 0, 0, NULL, G(ca_file),
	  CONFIG_F_ABSOLUTE, "CA certificates (PEM) that HTTPS endpoints are "
	  "checked against" },
	{ "connectionTimeoutMillis", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_DURATION,
	  "10000", NULL, 1, 3600000, NULL, G(connection_timeout_ms), 0,
	  "most time to connect to an endpoint (TCP and TLS)" },
	{ "socketTimeoutMillis", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_DURATION,
	  "50000", NULL, 1000, 3600000, NULL, G(socket_timeout_ms), 0,
	  "most time an answer may send no byte" },
	{ "maxSendingThreads", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_INT,
	  "32", NULL, 1, 1024, NULL, G(max_sending_threads), 0,
	  "most requests in flight per flow; below it the number adapts" },
	{ "userAgent", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, G(user_agent), 0,
	  "added after sluice/VERSION in the User-Agent" },
	{ "userAgentOverride", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, G(user_agent_override), 0,
	  "the whole User-Agent, instead of sluice/VERSION" },
	{ "cloudwatch.emitMetrics", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_BOOL,
	  "true", NULL, 0, 0, NULL, G(cloudwatch_emit_metrics), 0,
	  "send the Kinesis Agent's metrics to CloudWatch" },
	{ "cloudwatch.endpoint", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "AWS_ENDPOINT_URL_CLOUDWATCH, else the region's", 0, 0, NULL,
	  G(cloudwatch_endpoint), CONFIG_F_URL, "CloudWatch endpoint URL" },
	{ "cloudwatch.namespace", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  "AWSKinesisAgent", NULL, 0, 0, NULL, G(cloudwatch_namespace), 0,
	  "CloudWatch namespace of the metrics" },
	{ "cloudwatch.metricsBufferTimeMillis", CONFIG_SCOPE_GLOBAL,
	  CONFIG_TYPE_DURATION, "30000", NULL, 100, 86400000, NULL,
	  G(cloudwatch_buffer_ms), 0,
	  "the metrics' period: one PutMetricData datum each" },
	{ "cloudwatch.tagInstance", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_BOOL,
	  "false", NULL, 0, 0, NULL, G(cloudwatch_tag_instance), 0,
	  "add the Instance dimension (instance id, else host name)" },
	{ "metrics.listen", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "off", 0, 0, NULL, G(metrics_listen), CONFIG_F_HOSTPORT,
	  "HOST:PORT of the Prometheus endpoint (GET /metrics)" },
	{ "stateDirectory", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  SLUICE_STATE_DIR, NULL, 0, 0, NULL, G(state_directory),
	  CONFIG_F_ABSOLUTE, "spool and checkpoints" },
	{ "controlSocket", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  SLUICE_CONTROL_SOCKET, NULL, 0, 0, NULL, G(control_socket),
	  CONFIG_F_ABSOLUTE|CONFIG_F_SOCKET, "Unix socket for sluicectl" },
	{ "controlSocketGroup", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "sluiced's group", 0, 0, NULL, G(control_socket_group), 0,
	  "group whose members may run sluicectl's read-only commands" },
	{ "spool.maxBytes", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_SIZE,
	  "1GiB", NULL, MiB, PiB, NULL, G(spool_max_bytes), 0,
	  "spool size; when full, reading pauses" },
	{ "spool.fsync", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_ENUM,
	  "interval", NULL, 0, 0, config_fsync_names, G(spool_fsync), 0,
	  "when the spool is flushed to disk" },
	{ "spool.fsyncIntervalMillis", CONFIG_SCOPE_GLOBAL,
	  CONFIG_TYPE_DURATION, "1000", NULL, 1, 60000, NULL,
	  G(spool_fsync_interval_ms), 0,
	  "most time between fsyncs (interval)" },
	{ "maxOpenFiles", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_INT,
	  NULL, "half the fd limit", 1, 100000000, NULL, G(max_open_files), 0,
	  "most log files held open, shared equally by the flows" },
	{ "checkpointTimeToLiveDays", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_INT,
	  "7", NULL, 1, 36500, NULL, G(checkpoint_ttl_days), 0,
	  "days a finished file is remembered" },
	{ "shutdownTimeoutMillis", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_DURATION,
	  "10000", NULL, 0, 3600000, NULL, G(shutdown_timeout_ms), 0,
	  "at a stop, most time spent finishing reads and sends" },
	{ "log.statusReportingPeriodSeconds", CONFIG_SCOPE_GLOBAL,
	  CONFIG_TYPE_INT, "30", NULL, 1, 86400, NULL,
	  G(status_period_s), 0,
	  "seconds between summaries of a problem that lasts" },
	{ "flows", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_LIST,
	  NULL, "-", 0, 0, NULL, G(flows), CONFIG_F_REQUIRED,
	  "the flows, one mapping each" },
	{ "agentConfigDir", CONFIG_SCOPE_GLOBAL, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, G(agent_config_dir), CONFIG_F_ABSOLUTE,
	  "a Kinesis Agent agent.d: the flows of each file in it are added" },

	{ "name", CONFIG_SCOPE_FLOW, CONFIG_TYPE_STRING,
	  NULL, "the stream", 0, 0, NULL, F(name), 0,
	  "the flow's name: its state, logs, status, sluiced -p" },
	{ "filePattern", CONFIG_SCOPE_FLOW, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, F(file_pattern),
	  CONFIG_F_REQUIRED|CONFIG_F_ABSOLUTE|CONFIG_F_NOSLASH,
	  "files to tail, a glob (required)" },
	{ "kinesisStream", CONFIG_SCOPE_FLOW, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, F(stream), CONFIG_F_KSTREAM,
	  "Kinesis data stream name" },
	{ "deliveryStream", CONFIG_SCOPE_FLOW, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, F(stream), CONFIG_F_FSTREAM,
	  "Firehose stream name (wins over kinesisStream)" },
	{ "partitionKeyOption", CONFIG_SCOPE_FLOW, CONFIG_TYPE_ENUM,
	  "RANDOM", NULL, 0, 0, config_partition_names, F(partition_key), 0,
	  "Kinesis partition key: RANDOM, or DETERMINISTIC (MD5 of record)" },
	{ "initialPosition", CONFIG_SCOPE_FLOW, CONFIG_TYPE_ENUM,
	  "END_OF_FILE", NULL, 0, 0, config_position_names,
	  F(initial_position), 0,
	  "where a file with no checkpoint is read from" },
	/*
	 * Not the agent's 60000, so that a quiet server's lines do not wait
	 * a minute, and down to 10 for low latency: Kinesis and Firehose do
	 * not bill per request.  An agent.json that sets it keeps its value.
	 */
	{ "maxBufferAgeMillis", CONFIG_SCOPE_FLOW, CONFIG_TYPE_DURATION,
	  "1000", NULL, 10, 900000, NULL, F(max_buffer_age_ms), 0,
	  "send a batch when its oldest record is this old" },
	{ "maxBufferSizeRecords", CONFIG_SCOPE_FLOW, CONFIG_TYPE_INT,
	  NULL, "500", 1, CONFIG_MAX_BATCH_RECORDS, NULL,
	  F(max_buffer_size_records), 0,
	  "most records in one batch" },
	{ "maxBufferSizeBytes", CONFIG_SCOPE_FLOW, CONFIG_TYPE_INT,
	  NULL, "5242880/4194304", 1, CONFIG_MAX_LIMIT_BYTES, NULL,
	  F(max_buffer_size_bytes), 0,
	  "most bytes in one batch (Kinesis/Firehose)" },
	{ "maxRecordSizeBytes", CONFIG_SCOPE_FLOW, CONFIG_TYPE_INT,
	  NULL, "1048576/1024000", CONFIG_MIN_RECORD_BYTES,
	  CONFIG_MAX_LIMIT_BYTES, NULL, F(max_record_size_bytes), 0,
	  "most bytes in one record, key included (Kinesis/Firehose)" },
	{ "retryInitialBackoffMillis", CONFIG_SCOPE_FLOW, CONFIG_TYPE_DURATION,
	  "100", NULL, 1, 86400000, NULL, F(retry_initial_backoff_ms), 0,
	  "first wait before a retry" },
	{ "retryMaxBackoffMillis", CONFIG_SCOPE_FLOW, CONFIG_TYPE_DURATION,
	  "10000", NULL, 1, 86400000, NULL, F(retry_max_backoff_ms), 0,
	  "longest wait between retries" },
	{ "deadLetterMaxBytes", CONFIG_SCOPE_FLOW, CONFIG_TYPE_SIZE,
	  "64MiB", NULL, MiB, PiB, NULL, F(dead_letter_max_bytes), 0,
	  "size of the file of records refused for their content" },
	{ "dataProcessingOptions", CONFIG_SCOPE_FLOW, CONFIG_TYPE_OPTIONS,
	  NULL, "-", 0, 0, NULL, F(chain), 0,
	  "converters run on each record, in order" },
	{ "multiLineStartPattern", CONFIG_SCOPE_FLOW, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, F(multiline_start_pattern), 0,
	  "a record starts at a line matching this Java regex" },
	{ "multiLineFlushMillis", CONFIG_SCOPE_FLOW, CONFIG_TYPE_DURATION,
	  "1000", NULL, 1, 3600000, NULL, F(multiline_flush_ms), 0,
	  "send a pending multi-line record after this quiet" },
	{ "multiLineMaxLines", CONFIG_SCOPE_FLOW, CONFIG_TYPE_INT,
	  "500", NULL, 1, 1000000, NULL, F(multiline_max_lines), 0,
	  "most lines in one multi-line record" },
	{ "skipHeaderLines", CONFIG_SCOPE_FLOW, CONFIG_TYPE_INT,
	  "0", NULL, 0, 1000000, NULL, F(skip_header_lines), 0,
	  "lines skipped at the start of each file" },
	{ "fileFooterPattern", CONFIG_SCOPE_FLOW, CONFIG_TYPE_STRING,
	  NULL, "-", 0, 0, NULL, F(file_footer_pattern), 0,
	  "a record matching this Java regex ends the file" },
	{ "closeInactiveMillis", CONFIG_SCOPE_FLOW, CONFIG_TYPE_DURATION,
	  "300000", NULL, 100, 604800000, NULL, F(close_inactive_ms), 0,
	  "close a file read to its end that has not grown for this long" },
	{ "watchMode", CONFIG_SCOPE_FLOW, CONFIG_TYPE_ENUM,
	  "inotify", NULL, 0, 0, config_watch_names, F(watch_mode), 0,
	  "inotify, or poll (NFS, FUSE: inotify reports nothing there)" },
	{ "pollIntervalMillis", CONFIG_SCOPE_FLOW, CONFIG_TYPE_DURATION,
	  "1000", NULL, 10, 3600000, NULL, F(poll_interval_ms), 0,
	  "with watchMode poll, time between looks at the files" },
	{ "rotatedFileQuietMillis", CONFIG_SCOPE_FLOW, CONFIG_TYPE_DURATION,
	  "10000", NULL, 100, 604800000, NULL, F(rotated_quiet_ms), 0,
	  "close a rotated file read to its end that has not grown for this "
	  "long" },
	{ "maxOpenRotatedFiles", CONFIG_SCOPE_FLOW, CONFIG_TYPE_INT,
	  "64", NULL, 1, 1000000, NULL, F(max_open_rotated), 0,
	  "most rotated files held open; past it, new files wait" },
	{ "truncatedRecordTerminator", CONFIG_SCOPE_FLOW, CONFIG_TYPE_STRING,
	  "\n", "\\n", 0, 0, NULL, F(truncated_record_terminator), 0,
	  "written over the end of a record cut to the maximum size" },
};

/*
 * Kinesis Agent keys (global and per flow, see above) that sluice does not act
 * on yet.  Their values are still checked against the agent's types, since
 * the agent rejects a bad one, and then a warning says they are ignored.
 */
#define AGENT(path, scope, type)					\
	{ path, CONFIG_SCOPE_ ## scope, CONFIG_TYPE_ ## type,		\
	  NULL, NULL, 0, 0, NULL, 0, 0, NULL }

static const struct config_key config_agent_keys[] = {
	AGENT("checkpointFile", GLOBAL, STRING),
	AGENT("checkpoints.queryTimeoutSeconds", GLOBAL, INT),
	AGENT("checkpoints.connectionTimeoutSeconds", GLOBAL, INT),
	AGENT("maxSendingThreadsPerCore", GLOBAL, INT),
	AGENT("sendingThreadsKeepAliveMillis", GLOBAL, INT),
	AGENT("sendingThreadsMaxQueueSize", GLOBAL, INT),
	AGENT("maxConnections", GLOBAL, INT),
	AGENT("connectionTTLMillis", GLOBAL, INT),
	AGENT("useTcpKeepAlive", GLOBAL, BOOL),
	AGENT("useHttpGzip", GLOBAL, BOOL),
	AGENT("userDefinedCredentialsProvider.classname", GLOBAL, STRING),
	AGENT("userDefinedCredentialsProvider.location", GLOBAL, STRING),
	AGENT("cloudwatch.metricsQueueSize", GLOBAL, INT),
	AGENT("log.emitMetrics", GLOBAL, BOOL),
	AGENT("log.emitInternalMetrics", GLOBAL, BOOL),
	/* Removed from the agent in 2018 (PR #150); still in old files. */
	AGENT("log.level", GLOBAL, ANY),
	AGENT("log.file", GLOBAL, ANY),
	AGENT("log.maxBackupIndex", GLOBAL, ANY),
	AGENT("log.maxFileSize", GLOBAL, ANY),

	AGENT("aggregatedRecordSizeBytes", FLOW, INT),
	AGENT("publishQueueCapacity", FLOW, INT),
	AGENT("waitOnFullPublishQueueMillis", FLOW, INT),
	AGENT("waitOnEmptyPublishQueueMillis", FLOW, INT),
	AGENT("waitOnFullRetryQueueMillis", FLOW, ANY),
	AGENT("minTimeBetweenFilePollsMillis", FLOW, INT),
	AGENT("maxTimeBetweenFileTrackerRefreshMillis", FLOW, INT),
	AGENT("log.emitInternalMetrics", FLOW, BOOL),
};

#define CONFIG_NKEYS	nitems(config_keys)
#define CONFIG_NAGENT	nitems(config_agent_keys)

/* One error, kept with its position so that all are shown in file order. */
struct config_error {
	int		 file;		/* index in conf->files */
	int		 line;
	int		 column;
	char		*msg;		/* "file:line:column: ..." */
};

/* One file being loaded. */
struct config_ctx {
	const char		*path;		/* the file being read */
	int			 file;		/* its index in conf->files */
	mode_t			 mode;		/* its permissions */
	struct config		*conf;
	struct config_error	*errors;
	size_t			 nerrors;
	size_t			 nnodes;
};

/* One mapping scope (the top level, or one flow) being walked. */
struct config_walk {
	enum config_scope	  scope;
	void			 *base;
	const struct config_node *seen[CONFIG_NKEYS];	/* key nodes */
	const struct config_node *set[CONFIG_NKEYS];	/* value nodes */
	const struct config_node *seen_agent[CONFIG_NAGENT];
	unsigned char		  bad[CONFIG_NKEYS];	/* invalid value */
	const struct config_node *unknown;	/* the first unknown key */
};

static void	config_error_at(struct config_ctx *, int, int, const char *,
		    va_list) __attribute__((format(printf, 4, 0)));
static void	config_error(struct config_ctx *, const struct config_node *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
static void	config_walk_mapping(struct config_ctx *, struct config_walk *,
		    const struct config_node *, const char *);

/*
 * Adds an error.  line 0 is for errors about the whole file, which have no
 * position ("file: cannot open: ...").
 */
static void
config_error_at(struct config_ctx *ctx, int line, int column,
    const char *fmt, va_list ap)
{
	struct config_error	*e;
	char			*msg;

	if (ctx->nerrors > CONFIG_MAX_ERRORS)
		return;
	ctx->errors = xreallocarray(ctx->errors, ctx->nerrors + 1,
	    sizeof *ctx->errors);
	e = &ctx->errors[ctx->nerrors++];
	if (ctx->nerrors == CONFIG_MAX_ERRORS + 1) {
		e->file = INT_MAX;
		e->line = INT_MAX;
		e->column = INT_MAX;
		xasprintf(&e->msg, "%s: too many errors", ctx->path);
		return;
	}
	e->file = ctx->file;
	e->line = line;
	e->column = column;
	xvasprintf(&msg, fmt, ap);
	if (line == 0)
		xasprintf(&e->msg, "%s: %s", ctx->path, msg);
	else
		xasprintf(&e->msg, "%s:%d:%d: %s", ctx->path, line, column,
		    msg);
	free(msg);
}

static void
config_error(struct config_ctx *ctx, const struct config_node *n,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (n == NULL)
		config_error_at(ctx, 1, 1, fmt, ap);
	else
		config_error_at(ctx, n->line, n->column, fmt, ap);
	va_end(ap);
}

static void
config_error_pos(struct config_ctx *ctx, int line, int column,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
config_error_pos(struct config_ctx *ctx, int line, int column,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	config_error_at(ctx, line, column, fmt, ap);
	va_end(ap);
}

/*
 * A short, printable copy of a scalar for an error message: a value may be
 * long or hold control characters, and messages are one line each.
 */
static char *
config_quote(const struct config_node *n)
{
	switch (n->type) {
	case CONFIG_NODE_MAPPING:
		return (xstrdup("a mapping"));
	case CONFIG_NODE_SEQUENCE:
		return (xstrdup("a list"));
	case CONFIG_NODE_SCALAR:
		break;
	}
	return (conv_opts_quote(n->value, n->length));
}

static struct config_node *
config_node_new(struct config_ctx *ctx, enum config_node_type type,
    const yaml_mark_t *mark)
{
	struct config_node	*n;

	if (ctx->nnodes >= CONFIG_MAX_NODES)
		return (NULL);
	ctx->nnodes++;
	n = xcalloc(1, sizeof *n);
	n->type = type;
	n->line = (int)mark->line + 1;
	n->column = (int)mark->column + 1;
	return (n);
}

static void
config_node_free(struct config_node *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nchild; i++)
		config_node_free(n->child[i]);
	free(n->child);
	free(n->value);
	free(n);
}

static void
config_node_add(struct config_node *parent, struct config_node *n)
{
	parent->child = xreallocarray(parent->child, parent->nchild + 1,
	    sizeof *parent->child);
	parent->child[parent->nchild++] = n;
}

/*
 * YAML's null (an empty value, ~ or null) and the empty string both mean
 * "not set": the agent's documented agent.json has "kinesis.endpoint": "".
 */
static int
config_node_is_unset(const struct config_node *n)
{
	if (n->type != CONFIG_NODE_SCALAR)
		return (0);
	if (n->length == 0)
		return (1);
	if (!n->plain)
		return (0);
	return (strcmp(n->value, "~") == 0 || strcmp(n->value, "null") == 0 ||
	    strcmp(n->value, "Null") == 0 || strcmp(n->value, "NULL") == 0);
}

/*
 * Does the file hold JSON?  Its first byte after blanks, a BOM and any
 * comments is '{'.  A YAML file cannot start with a slash-star or //.
 */
static int
config_is_json(const char *buf, size_t len)
{
	size_t	i = 0;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len) {
		if (buf[i] == '{')
			return (1);
		if (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
		    buf[i] == '\n')
			i++;
		else if (i + 1 < len && buf[i] == '/' && buf[i + 1] == '/') {
			while (i < len && buf[i] != '\n')
				i++;
		} else if (i + 1 < len && buf[i] == '/' && buf[i + 1] == '*') {
			for (i += 2; i + 1 < len; i++) {
				if (buf[i] == '*' && buf[i + 1] == '/')
					break;
			}
			i += 2;
		} else
			return (0);
	}
	return (0);
}

/*
 * The Kinesis Agent reads agent.json with Jackson's ALLOW_COMMENTS, so real
 * files hold // and slash-star comments, which YAML does not know.  They are
 * overwritten with spaces, newlines kept, so that the marks libyaml reports
 * still point at the right line and column.  Quoted strings are skipped
 * ("https://..."), and a // counts only after a blank or a JSON punctuator,
 * so an unquoted http://host in a flow-style YAML file stays intact.  Tabs
 * outside strings become spaces too: they are blanks in JSON but YAML
 * refuses them where it expects indentation.  Returns 0, or -1 with *where
 * set to the offset of an unterminated comment.
 */
static int
config_strip_comments(char *buf, size_t len, size_t *where)
{
	size_t	 i;
	char	 quote = 0, prev = '\n';

	for (i = 0; i < len; i++) {
		if (quote != 0) {
			if (quote == '"' && buf[i] == '\\' && i + 1 < len)
				i++;
			else if (buf[i] == quote)
				quote = 0;
			prev = buf[i];
			continue;
		}
		if (buf[i] == '\t')
			buf[i] = ' ';
		if (buf[i] == '"' || (buf[i] == '\'' &&
		    strchr(" \r\n{}[],:", prev) != NULL)) {
			quote = buf[i];
			prev = buf[i];
			continue;
		}
		if (buf[i] != '/' || i + 1 >= len ||
		    (buf[i + 1] != '/' && buf[i + 1] != '*') ||
		    strchr(" \r\n{}[],", prev) == NULL) {
			prev = buf[i];
			continue;
		}
		*where = i;
		if (buf[i + 1] == '/') {
			while (i < len && buf[i] != '\n' && buf[i] != '\r')
				buf[i++] = ' ';
			i--;
		} else {
			buf[i] = buf[i + 1] = ' ';
			for (i += 2; i < len; i++) {
				if (buf[i] == '*' && i + 1 < len &&
				    buf[i + 1] == '/') {
					buf[i] = buf[i + 1] = ' ';
					i++;
					break;
				}
				if (buf[i] != '\n' && buf[i] != '\r')
					buf[i] = ' ';
			}
			if (i >= len)
				return (-1);
		}
		prev = ' ';
	}
	return (0);
}

/* Line and column of a byte offset, for libyaml reader errors. */
static void
config_offset_pos(const char *buf, size_t len, size_t off, int *line,
    int *column)
{
	size_t	i;

	*line = 1;
	*column = 1;
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*column = 1;
		} else
			(*column)++;
	}
}

static void
config_yaml_error(struct config_ctx *ctx, yaml_parser_t *p, const char *buf,
    size_t len)
{
	int	line, column;

	if (p->error == YAML_READER_ERROR) {
		config_offset_pos(buf, len, p->problem_offset, &line, &column);
		config_error_pos(ctx, line, column, "%s",
		    p->problem != NULL ? p->problem : "cannot read");
		return;
	}
	line = (int)p->problem_mark.line + 1;
	column = (int)p->problem_mark.column + 1;
	if (p->context != NULL)
		config_error_pos(ctx, line, column, "%s (%s at line %d column "
		    "%d)", p->problem != NULL ? p->problem : "syntax error",
		    p->context, (int)p->context_mark.line + 1,
		    (int)p->context_mark.column + 1);
	else
		config_error_pos(ctx, line, column, "%s",
		    p->problem != NULL ? p->problem : "syntax error");
}

/*
 * Builds the node tree from libyaml events.  Returns the root (NULL for an
 * empty file, with no error); on error, adds it to ctx and returns NULL.
 */
static struct config_node *
config_parse(struct config_ctx *ctx, const char *buf, size_t len, int *failed)
{
	yaml_parser_t		 p;
	yaml_event_t		 ev;
	struct config_node	*stack[CONFIG_MAX_DEPTH], *root = NULL, *n;
	size_t			 depth = 0, ndocs = 0;
	int			 done = 0;

	*failed = 0;
	if (!yaml_parser_initialize(&p))
		fatalx("yaml_parser_initialize failed");
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			config_yaml_error(ctx, &p, buf, len);
			goto fail;
		}
		n = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1) {
				config_error_pos(ctx,
				    (int)ev.start_mark.line + 1,
				    (int)ev.start_mark.column + 1,
				    "more than one YAML document");
				goto fail_event;
			}
			break;
		case YAML_ALIAS_EVENT:
			config_error_pos(ctx, (int)ev.start_mark.line + 1,
			    (int)ev.start_mark.column + 1,
			    "YAML aliases are not supported");
			goto fail_event;
		case YAML_SCALAR_EVENT:
			n = config_node_new(ctx, CONFIG_NODE_SCALAR,
			    &ev.start_mark);
			if (n == NULL)
				break;
			n->length = ev.data.scalar.length;
			n->value = xmalloc(n->length + 1);
			memcpy(n->value, ev.data.scalar.value, n->length);
			n->value[n->length] = '\0';
			n->plain = ev.data.scalar.style ==
			    YAML_PLAIN_SCALAR_STYLE;
			break;
		case YAML_SEQUENCE_START_EVENT:
			n = config_node_new(ctx, CONFIG_NODE_SEQUENCE,
			    &ev.start_mark);
			break;
		case YAML_MAPPING_START_EVENT:
			n = config_node_new(ctx, CONFIG_NODE_MAPPING,
			    &ev.start_mark);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (n == NULL && (ev.type == YAML_SCALAR_EVENT ||
		    ev.type == YAML_SEQUENCE_START_EVENT ||
		    ev.type == YAML_MAPPING_START_EVENT)) {
			config_error_pos(ctx, (int)ev.start_mark.line + 1,
			    (int)ev.start_mark.column + 1,
			    "too many values (more than %d)", CONFIG_MAX_NODES);
			goto fail_event;
		}
		if (n != NULL) {
			if (depth == 0)
				root = n;
			else
				config_node_add(stack[depth - 1], n);
			if (n->type != CONFIG_NODE_SCALAR) {
				if (depth == CONFIG_MAX_DEPTH) {
					config_error(ctx, n, "nested more than "
					    "%d deep", CONFIG_MAX_DEPTH);
					goto fail_event;
				}
				stack[depth++] = n;
			}
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return (root);

fail_event:
	yaml_event_delete(&ev);
fail:
	yaml_parser_delete(&p);
	config_node_free(root);
	*failed = 1;
	return (NULL);
}

/* Reads the whole file, at most CONFIG_MAX_FILE bytes. */
static char *
config_read(struct config_ctx *ctx, size_t *lenp)
{
	struct stat	 sb;
	char		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(ctx->path, O_RDONLY|O_CLOEXEC)) == -1) {
		config_error_pos(ctx, 0, 0, "cannot open: %s", strerror(errno));
		return (NULL);
	}
	ctx->mode = fstat(fd, &sb) == 0 ? sb.st_mode : 0;
	buf = xmalloc(CONFIG_MAX_FILE + 1);
	for (;;) {
		n = read(fd, buf + len, CONFIG_MAX_FILE + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_MAX_FILE)
			break;
	}
	if (n == -1 || len > CONFIG_MAX_FILE) {
		if (n == -1)
			config_error_pos(ctx, 0, 0, "cannot read: %s",
			    strerror(errno));
		else
			config_error_pos(ctx, 0, 0, "larger than %d bytes",
			    CONFIG_MAX_FILE);
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[len] = '\0';
	*lenp = len;
out:
	close(fd);
	return (buf);
}

/* A plain integer, or one with a unit: 1000, 512MiB, 100MB, 1G (= 1GiB). */
static int
config_parse_size(const char *s, int64_t *out)
{
	static const struct {
		const char	*unit;
		int64_t		 mult;
	} units[] = {
		{ "", 1 }, { "B", 1 },
		{ "K", KiB }, { "KB", 1000 }, { "KiB", KiB },
		{ "M", MiB }, { "MB", 1000000 }, { "MiB", MiB },
		{ "G", MiB * 1024 }, { "GB", 1000000000 },
		{ "GiB", MiB * 1024 },
		{ "T", MiB * MiB }, { "TB", (int64_t)1000000 * 1000000 },
		{ "TiB", MiB * MiB },
	};
	char		*end;
	long long	 v;
	size_t		 i;

	if (!(*s >= '0' && *s <= '9'))
		return (-1);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s)
		return (-1);
	while (*end == ' ')
		end++;
	for (i = 0; i < nitems(units); i++) {
		if (strcasecmp(end, units[i].unit) != 0)
			continue;
		if (v > INT64_MAX / units[i].mult)
			return (-1);
		*out = v * units[i].mult;
		return (0);
	}
	return (-1);
}

static const char *
config_expected(const struct config_key *k)
{
	switch (k->type) {
	case CONFIG_TYPE_STRING:
		return ("a string");
	case CONFIG_TYPE_INT:
		return ("an integer");
	case CONFIG_TYPE_BOOL:
		return ("a boolean");
	case CONFIG_TYPE_SIZE:
		return ("a size such as 512MiB");
	case CONFIG_TYPE_DURATION:
		return ("an integer (milliseconds)");
	case CONFIG_TYPE_ENUM:
		return ("one of");
	case CONFIG_TYPE_LIST:
	case CONFIG_TYPE_OPTIONS:
		return ("a list");
	case CONFIG_TYPE_ANY:
		break;
	}
	return ("a value");
}

static void
config_type_error(struct config_ctx *ctx, const struct config_key *k,
    const char *path, const struct config_node *v)
{
	const char	*like;
	char		*got, *names = NULL, *hint = NULL;

	got = config_quote(v);
	if (k->type == CONFIG_TYPE_ENUM)
		names = conv_opts_join(k->values, ", ");
	/* The agent's values are upper case, and compared as they are. */
	if (k->type == CONFIG_TYPE_ENUM && v->type == CONFIG_NODE_SCALAR &&
	    (like = conv_opts_case_hint(k->values, v->value)) != NULL)
		xasprintf(&hint, " (values are case-sensitive: did you mean "
		    "%s?)", like);
	config_error(ctx, v, "key \"%s\": expected %s%s%s, got %s%s", path,
	    config_expected(k), names != NULL ? " " : "",
	    names != NULL ? names : "", got, hint != NULL ? hint : "");
	free(hint);
	free(names);
	free(got);
}

/* What config_convert found in a value node. */
enum config_value {
	CONFIG_VALUE_SET,	/* a value: the outputs are filled */
	CONFIG_VALUE_UNSET,	/* null or empty: the key's default applies */
	CONFIG_VALUE_BAD	/* not a value of the key's type; reported */
};

/* Converts the value node v for key k. */
static enum config_value
config_convert(struct config_ctx *ctx, const struct config_key *k,
    const char *path, const struct config_node *v, int64_t *num, int *ival)
{
	if (k->type == CONFIG_TYPE_ANY)
		return (CONFIG_VALUE_SET);
	if (config_node_is_unset(v))
		return (CONFIG_VALUE_UNSET);
	if (k->type == CONFIG_TYPE_LIST || k->type == CONFIG_TYPE_OPTIONS) {
		if (v->type == CONFIG_NODE_SEQUENCE)
			return (CONFIG_VALUE_SET);
		config_type_error(ctx, k, path, v);
		return (CONFIG_VALUE_BAD);
	}
	if (v->type != CONFIG_NODE_SCALAR) {
		config_type_error(ctx, k, path, v);
		return (CONFIG_VALUE_BAD);
	}
	if (strlen(v->value) != v->length) {
		config_error(ctx, v, "key \"%s\": value holds a NUL byte",
		    path);
		return (CONFIG_VALUE_BAD);
	}
	switch (k->type) {
	case CONFIG_TYPE_STRING:
		if (v->length > CONFIG_MAX_STRING) {
			config_error(ctx, v, "key \"%s\": longer than %d bytes",
			    path, CONFIG_MAX_STRING);
			return (CONFIG_VALUE_BAD);
		}
		return (CONFIG_VALUE_SET);
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_DURATION:
		if (conv_opts_parse_int(v->value, num) == 0)
			break;
		config_type_error(ctx, k, path, v);
		return (CONFIG_VALUE_BAD);
	case CONFIG_TYPE_SIZE:
		if (config_parse_size(v->value, num) == 0)
			break;
		config_type_error(ctx, k, path, v);
		return (CONFIG_VALUE_BAD);
	case CONFIG_TYPE_BOOL:
		if (conv_opts_parse_bool(v->value, ival) == 0)
			return (CONFIG_VALUE_SET);
		config_type_error(ctx, k, path, v);
		return (CONFIG_VALUE_BAD);
	case CONFIG_TYPE_ENUM:
		if ((*ival = conv_opts_lookup(k->values, v->value)) != -1)
			return (CONFIG_VALUE_SET);
		config_type_error(ctx, k, path, v);
		return (CONFIG_VALUE_BAD);
	default:
		return (CONFIG_VALUE_SET);
	}
	/* Integers: check the bounds, if the key has any. */
	if (k->min != k->max && (*num < k->min || *num > k->max)) {
		config_error(ctx, v, "key \"%s\" must be between %lld and "
		    "%lld, got %lld", path, (long long)k->min,
		    (long long)k->max, (long long)*num);
		return (CONFIG_VALUE_BAD);
	}
	return (CONFIG_VALUE_SET);
}

/*
 * Checks an endpoint URL as the sender will use it: a scheme that must be
 * written (libcurl would guess https for "127.0.0.1:4567", and every
 * request would then time out in the TLS handshake), http or https, a
 * host, and a port if any.
 */
static int
config_check_url(struct config_ctx *ctx, const struct config_key *k,
    const struct config_node *v)
{
	CURLU		*u;
	CURLUcode	 uc;
	char		*scheme = NULL, *host = NULL;
	int		 rv = -1;

	if ((u = curl_url()) == NULL)
		fatalx("config: curl_url");
	if (strstr(v->value, "://") == NULL) {
		config_error(ctx, v, "key \"%s\" must be a URL that starts "
		    "with http:// or https://, got \"%s\" (for a local "
		    "endpoint: \"http://%s\")", k->path, v->value, v->value);
		goto out;
	}
	if ((uc = curl_url_set(u, CURLUPART_URL, v->value,
	    CURLU_NON_SUPPORT_SCHEME)) != CURLUE_OK) {
		config_error(ctx, v, "key \"%s\" is not a URL (%s): \"%s\"",
		    k->path, curl_url_strerror(uc), v->value);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		config_error(ctx, v, "key \"%s\" must use http:// or "
		    "https://, got \"%s\"", k->path, v->value);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    *host == '\0') {
		config_error(ctx, v, "key \"%s\" has no host: \"%s\"",
		    k->path, v->value);
		goto out;
	}
	rv = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return (rv);
}

/* Checks a stream name against the API's pattern and length. */
static int
config_check_stream(struct config_ctx *ctx, const struct config_key *k,
    const struct config_node *v)
{
	size_t	max, i;

	max = (k->flags & CONFIG_F_KSTREAM) ? CONFIG_KSTREAM_MAX :
	    CONFIG_FSTREAM_MAX;
	if (v->length > max) {
		config_error(ctx, v, "key \"%s\" is a stream name of at most "
		    "%zu characters, got %zu", k->path, max, v->length);
		return (-1);
	}
	for (i = 0; i < v->length; i++) {
		if (isalnum((unsigned char)v->value[i]) ||
		    strchr("_.-", v->value[i]) != NULL)
			continue;
		config_error(ctx, v, "key \"%s\": stream names have only "
		    "letters, digits, \"_\", \".\" and \"-\", got \"%s\"",
		    k->path, v->value);
		return (-1);
	}
	return (0);
}

/* Checks a string value against the key's flags. */
static int
config_check_path(struct config_ctx *ctx, const struct config_key *k,
    const struct config_node *v)
{
	struct sockaddr_un	sun;
	char			*host, *cause;
	int			 port;

	if ((k->flags & CONFIG_F_URL) && config_check_url(ctx, k, v) == -1)
		return (-1);
	if (k->flags & CONFIG_F_HOSTPORT) {
		if (prom_parse_listen(v->value, &host, &port, &cause) == -1) {
			config_error(ctx, v, "key \"%s\": %s", k->path, cause);
			free(cause);
			return (-1);
		}
		free(host);
	}
	if ((k->flags & (CONFIG_F_KSTREAM|CONFIG_F_FSTREAM)) &&
	    config_check_stream(ctx, k, v) == -1)
		return (-1);

	if ((k->flags & CONFIG_F_ABSOLUTE) && v->value[0] != '/') {
		config_error(ctx, v, "key \"%s\" must be an absolute path, "
		    "got \"%s\"", k->path, v->value);
		return (-1);
	}
	if ((k->flags & CONFIG_F_NOSLASH) && v->value[v->length - 1] == '/') {
		config_error(ctx, v, "key \"%s\" must not end in \"/\", "
		    "got \"%s\"", k->path, v->value);
		return (-1);
	}
	if ((k->flags & CONFIG_F_SOCKET) && v->length >= sizeof sun.sun_path) {
		config_error(ctx, v, "key \"%s\" must be shorter than %zu "
		    "bytes", k->path, sizeof sun.sun_path);
		return (-1);
	}
	return (0);
}

/* Stores a default, given as text in the table, into the field. */
static void
config_set_default(const struct config_key *k, void *base)
{
	char	**sp;
	int64_t	  num = 0;
	int	  ival = 0;

	switch (k->type) {
	case CONFIG_TYPE_STRING:
		sp = (void *)((char *)base + k->offset);
		free(*sp);
		*sp = k->def != NULL ? xstrdup(k->def) : NULL;
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_DURATION:
		if (k->def != NULL && conv_opts_parse_int(k->def, &num) != 0)
			fatalx("config: bad default for %s", k->path);
		memcpy((char *)base + k->offset, &num, sizeof num);
		break;
	case CONFIG_TYPE_SIZE:
		if (k->def != NULL && config_parse_size(k->def, &num) != 0)
			fatalx("config: bad default for %s", k->path);
		memcpy((char *)base + k->offset, &num, sizeof num);
		break;
	case CONFIG_TYPE_BOOL:
		if (k->def != NULL && conv_opts_parse_bool(k->def, &ival) != 0)
			fatalx("config: bad default for %s", k->path);
		memcpy((char *)base + k->offset, &ival, sizeof ival);
		break;
	case CONFIG_TYPE_ENUM:
		if (k->def != NULL &&
		    (ival = conv_opts_lookup(k->values, k->def)) == -1)
			fatalx("config: bad default for %s", k->path);
		memcpy((char *)base + k->offset, &ival, sizeof ival);
		break;
	case CONFIG_TYPE_LIST:
	case CONFIG_TYPE_ANY:
	case CONFIG_TYPE_OPTIONS:
		break;
	}
}

static void
config_defaults(enum config_scope scope, void *base)
{
	size_t	i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (config_keys[i].scope == scope)
			config_set_default(&config_keys[i], base);
	}
}

static void	config_set_flows(struct config_ctx *,
		    const struct config_node *);
static char	*config_node_text(const struct config_node *);
static struct chain *config_options(struct config_ctx *,
		    const struct config_node *);

/* Sets key k of the walked scope from value node v. */
static void
config_set(struct config_ctx *ctx, struct config_walk *w, size_t idx,
    const struct config_node *v)
{
	const struct config_key	*k = &config_keys[idx];
	void			*field = (char *)w->base + k->offset;
	char			**sp;
	int64_t			 num;
	int			 ival;

	switch (config_convert(ctx, k, k->path, v, &num, &ival)) {
	case CONFIG_VALUE_SET:
		break;
	case CONFIG_VALUE_UNSET:
		config_set_default(k, w->base);
		return;
	case CONFIG_VALUE_BAD:
		w->bad[idx] = 1;
		return;
	}
	switch (k->type) {
	case CONFIG_TYPE_STRING:
		if (config_check_path(ctx, k, v) != 0) {
			w->bad[idx] = 1;
			return;
		}
		sp = field;
		free(*sp);
		*sp = xstrdup(v->value);
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_DURATION:
	case CONFIG_TYPE_SIZE:
		memcpy(field, &num, sizeof num);
		break;
	case CONFIG_TYPE_BOOL:
	case CONFIG_TYPE_ENUM:
		memcpy(field, &ival, sizeof ival);
		break;
	case CONFIG_TYPE_LIST:
		config_set_flows(ctx, v);
		break;
	case CONFIG_TYPE_OPTIONS:
		chain_free(*(struct chain **)field);
		free(((struct config_flow *)w->base)->options);
		((struct config_flow *)w->base)->options = config_node_text(v);
		*(struct chain **)field = config_options(ctx, v);
		if (*(struct chain **)field == NULL) {
			w->bad[idx] = 1;
			return;
		}
		break;
	case CONFIG_TYPE_ANY:
		break;
	}
	w->set[idx] = v;
}

static int
config_lookup(const struct config_key *table, size_t n,
    enum config_scope scope, const char *path)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (table[i].scope == scope && strcmp(table[i].path, path) == 0)
			return ((int)i);
	}
	return (-1);
}

/* Is path followed by '.' the start of some key of the scope? */
static int
config_is_prefix(enum config_scope scope, const char *path)
{
	size_t	i, len = strlen(path);

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (config_keys[i].scope == scope &&
		    strncmp(config_keys[i].path, path, len) == 0 &&
		    config_keys[i].path[len] == '.')
			return (1);
	}
	for (i = 0; i < CONFIG_NAGENT; i++) {
		if (config_agent_keys[i].scope == scope &&
		    strncmp(config_agent_keys[i].path, path, len) == 0 &&
		    config_agent_keys[i].path[len] == '.')
			return (1);
	}
	return (0);
}

static void
config_unknown(struct config_ctx *ctx, enum config_scope scope,
    const char *path, const struct config_node *key)
{
	const char		*best = NULL, *where;
	size_t			 i, d, bestd = CONFIG_MAX_SUGGEST + 1;
	char			*hint = NULL;
	enum config_scope	 other;

	other = scope == CONFIG_SCOPE_FLOW ? CONFIG_SCOPE_GLOBAL :
	    CONFIG_SCOPE_FLOW;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (config_keys[i].scope != scope)
			continue;
		d = conv_opts_distance(path, config_keys[i].path);
		if (d < bestd) {
			bestd = d;
			best = config_keys[i].path;
		}
	}
	for (i = 0; i < CONFIG_NAGENT; i++) {
		if (config_agent_keys[i].scope != scope)
			continue;
		d = conv_opts_distance(path, config_agent_keys[i].path);
		if (d < bestd) {
			bestd = d;
			best = config_agent_keys[i].path;
		}
	}
	if (best != NULL)
		xasprintf(&hint, " (did you mean \"%s\"?)", best);
	else if (config_lookup(config_keys, CONFIG_NKEYS, other, path) != -1)
		xasprintf(&hint, " (it is a %s key)",
		    scope == CONFIG_SCOPE_FLOW ? "top-level" : "flow");
	where = scope == CONFIG_SCOPE_FLOW ? " in flow" : "";
	config_error(ctx, key, "unknown key \"%s\"%s%s", path, where,
	    hint != NULL ? hint : "");
	free(hint);
}

static void
config_duplicate(struct config_ctx *ctx, const char *path,
    const struct config_node *first, const struct config_node *key)
{
	config_error(ctx, key, "duplicate key \"%s\" (first at line %d "
	    "column %d)", path, first->line, first->column);
}

/* A key of the agent that sluice ignores: check its type, then warn. */
static void
config_agent_key(struct config_ctx *ctx, struct config_walk *w, size_t idx,
    const struct config_node *key, const struct config_node *v)
{
	const struct config_key	*k = &config_agent_keys[idx];
	int64_t			 num;
	int			 ival;

	if (w->seen_agent[idx] != NULL) {
		config_duplicate(ctx, k->path, w->seen_agent[idx], key);
		return;
	}
	w->seen_agent[idx] = key;
	if (config_convert(ctx, k, k->path, v, &num, &ival) ==
	    CONFIG_VALUE_BAD)
		return;
	log_warnx("%s:%d:%d: key \"%s\" is a Kinesis Agent key that sluice "
	    "ignores", ctx->path, key->line, key->column, k->path);
}

/*
 * Walks one mapping of scope w.  prefix is the dotted path of the mapping
 * inside the scope (NULL at its top), so that `kinesis: {endpoint: x}` and
 * `kinesis.endpoint: x` reach the same key.
 */
static void
config_walk_mapping(struct config_ctx *ctx, struct config_walk *w,
    const struct config_node *m, const char *prefix)
{
	const struct config_node	*key, *v;
	char				*path;
	size_t				 i, j;
	int				 idx;

	if (m->nchild / 2 > CONFIG_MAX_KEYS) {
		config_error(ctx, m, "more than %d keys in one mapping",
		    CONFIG_MAX_KEYS);
		return;
	}
	for (i = 0; i + 1 < m->nchild; i += 2) {
		key = m->child[i];
		v = m->child[i + 1];
		if (key->type != CONFIG_NODE_SCALAR) {
			config_error(ctx, key, "a key must be a string");
			continue;
		}
		for (j = 0; j < i; j += 2) {
			if (m->child[j]->type == CONFIG_NODE_SCALAR &&
			    strcmp(m->child[j]->value, key->value) == 0)
				break;
		}
		if (prefix != NULL)
			xasprintf(&path, "%s.%s", prefix, key->value);
		else
			path = xstrdup(key->value);
		if (j < i) {
			config_duplicate(ctx, path, m->child[j], key);
			free(path);
			continue;
		}
		if ((idx = config_lookup(config_keys, CONFIG_NKEYS, w->scope,
		    path)) != -1) {
			if (w->seen[idx] != NULL)
				config_duplicate(ctx, path, w->seen[idx], key);
			else {
				w->seen[idx] = key;
				config_set(ctx, w, idx, v);
			}
		} else if ((idx = config_lookup(config_agent_keys,
		    CONFIG_NAGENT, w->scope, path)) != -1)
			config_agent_key(ctx, w, idx, key, v);
		else if (config_is_prefix(w->scope, path)) {
			if (v->type == CONFIG_NODE_MAPPING)
				config_walk_mapping(ctx, w, v, path);
			else
				config_error(ctx, v, "key \"%s\": expected a "
				    "mapping of %s.* keys", path, path);
		} else {
			config_unknown(ctx, w->scope, path, key);
			if (w->unknown == NULL)
				w->unknown = key;
		}
		free(path);
	}
}

static int
config_index(const char *path)
{
	int	idx;

	idx = config_lookup(config_keys, CONFIG_NKEYS, CONFIG_SCOPE_FLOW,
	    path);
	if (idx == -1)
		idx = config_lookup(config_keys, CONFIG_NKEYS,
		    CONFIG_SCOPE_GLOBAL, path);
	if (idx == -1)
		fatalx("config: no key %s", path);
	return (idx);
}

/*
 * dataProcessingOptions: each item is a mapping with an optionName from the
 * converter registry.  The mapping is handed to chain_add as a json
 * object, in which every scalar keeps its text as a string (only a
 * converter's ANY keys get typed json values): the converter's key table
 * and the one walker of parsers/conv_opts.c check it and report each
 * error by key, and config_option_error puts the error at the key's line
 * and column.  Only what json cannot say is checked here: keys that are
 * not strings, or given twice.
 */

/*
 * Is s a number in JSON's grammar (RFC 8259 §6)?
 *	-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
 * YAML 1.1 and strtod read more as numbers (.inf, nan, 0x10, 1_000, +5,
 * 007), and Jackson, which reads the agent's agent.json, refuses them
 * all; here they stay strings.  *integer is set if there is no fraction
 * and no exponent.
 */
static int
config_is_json_number(const char *s, int *integer)
{
	const char	*p = s;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9') {
		while (*p >= '0' && *p <= '9')
			p++;
	} else
		return (0);
	*integer = 1;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return (0);
		while (*p >= '0' && *p <= '9')
			p++;
		*integer = 0;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return (0);
		while (*p >= '0' && *p <= '9')
			p++;
		*integer = 0;
	}
	return (*p == '\0');
}

/*
 * A YAML scalar as a json value.  Unquoted, true and false, null (as
 * config_node_is_unset reads it: ~, null, nothing) and numbers in JSON's
 * grammar are what they say; anything else, and anything quoted, is a
 * string.  A number is an integer if it fits int64, else a double, as
 * Jackson reads it: the digits of an integer beyond int64 are rounded
 * (Jackson would keep them in a BigInteger; jansson has no such type),
 * and 1e-400 is 0.0.  One beyond a double's range (1e400) stays a string
 * rather than become infinity, which JSON cannot hold.
 */
static json_t *
config_scalar_json(const struct config_node *v)
{
	char	*end;
	double	 d;
	int64_t	 num;
	int	 integer;

	if (!v->plain || strlen(v->value) != v->length)
		return (json_stringn(v->value, v->length));
	if (strcmp(v->value, "true") == 0)
		return (json_true());
	if (strcmp(v->value, "false") == 0)
		return (json_false());
	if (config_node_is_unset(v))
		return (json_null());
	if (!config_is_json_number(v->value, &integer))
		return (json_stringn(v->value, v->length));
	if (integer && conv_opts_parse_int(v->value, &num) == 0)
		return (json_integer((json_int_t)num));
	d = strtod(v->value, &end);
	if (*end != '\0' || !isfinite(d))
		return (json_stringn(v->value, v->length));
	return (json_real(d));
}

/*
 * A YAML value as json.  typed: as a converter's ANY key receives it
 * (config_scalar_json); else every scalar is a string of its text, which
 * the walker reads for the key's type.  Returns NULL after reporting an
 * error: nothing is dropped silently, since the converter would then run
 * with a value that is not the one configured.
 */
static json_t *
config_node_json(struct config_ctx *ctx, const char *opt, const char *key,
    const struct config_node *v, int typed)
{
	const struct config_node	*k;
	json_t				*j, *e;
	size_t				 i;

	switch (v->type) {
	case CONFIG_NODE_MAPPING:
		j = json_object();
		for (i = 0; i + 1 < v->nchild; i += 2) {
			k = v->child[i];
			if (k->type != CONFIG_NODE_SCALAR) {
				config_error(ctx, k, "%s key \"%s\": a key "
				    "must be a string", opt, key);
				goto fail;
			}
			if (strlen(k->value) != k->length) {
				config_error(ctx, k, "%s key \"%s\": a key "
				    "holds a NUL byte", opt, key);
				goto fail;
			}
			if (json_object_get(j, k->value) != NULL) {
				config_error(ctx, k, "%s key \"%s\": "
				    "duplicate key \"%s\"", opt, key,
				    k->value);
				goto fail;
			}
			if ((e = config_node_json(ctx, opt, key,
			    v->child[i + 1], typed)) == NULL)
				goto fail;
			if (json_object_set_new(j, k->value, e) != 0) {
				config_error(ctx, k, "%s key \"%s\": key is "
				    "not valid UTF-8", opt, key);
				goto fail;
			}
		}
		return (j);
	case CONFIG_NODE_SEQUENCE:
		j = json_array();
		for (i = 0; i < v->nchild; i++) {
			if ((e = config_node_json(ctx, opt, key,
			    v->child[i], typed)) == NULL)
				goto fail;
			json_array_append_new(j, e);
		}
		return (j);
	case CONFIG_NODE_SCALAR:
		break;
	}
	if ((j = typed ? config_scalar_json(v) :
	    json_stringn(v->value, v->length)) == NULL) {
		config_error(ctx, v, "%s key \"%s\": value is not valid "
		    "UTF-8", opt, key);
		return (NULL);
	}
	return (j);
fail:
	json_decref(j);
	return (NULL);
}

/* The node an option error points at (see enum conv_at), or m. */
static const struct config_node *
config_option_node(const struct config_node *m, const char *key,
    enum conv_at at)
{
	const struct config_node	*k;
	size_t				 i;

	if (at == CONV_AT_OPTION)
		key = "optionName";
	if (key == NULL)
		return (m);
	for (i = 0; i + 1 < m->nchild; i += 2) {
		k = m->child[i];
		if (k->type == CONFIG_NODE_SCALAR && strcmp(k->value, key) == 0)
			return (at == CONV_AT_KEY ? k : m->child[i + 1]);
	}
	return (m);
}

/* An option's errors, from the walker and the converter, in place. */
struct config_option_report {
	struct config_ctx		*ctx;
	const struct config_node	*m;
};

static void
config_option_error(void *arg, const char *key, enum conv_at at,
    const char *msg)
{
	struct config_option_report	*or = arg;

	config_error(or->ctx, config_option_node(or->m, key, at), "%s", msg);
}

/*
 * One option mapping as json, for chain_add.  Returns NULL after reporting
 * an error that json cannot carry.  With no known optionName, only the
 * name is passed on: chain_add reports it, and there are no keys to check
 * the others against.
 */
static json_t *
config_option_json(struct config_ctx *ctx, const struct config_node *m)
{
	const struct converter_ops	*ops = NULL;
	const struct conv_key		*ck;
	const struct config_node	*key, *v;
	json_t				*obj, *val;
	size_t				 i, j;
	int				 bad = 0;

	if (m->type != CONFIG_NODE_MAPPING) {
		config_error(ctx, m, "a processing option must be a mapping "
		    "with an optionName");
		return (NULL);
	}
	v = config_option_node(m, "optionName", CONV_AT_VALUE);
	if (v != m && v->type == CONFIG_NODE_SCALAR)
		ops = converter_find(v->value);
	obj = json_object();
	for (i = 0; i + 1 < m->nchild; i += 2) {
		key = m->child[i];
		v = m->child[i + 1];
		if (ops == NULL) {
			if (key->type == CONFIG_NODE_SCALAR &&
			    strcmp(key->value, "optionName") == 0 &&
			    (val = config_node_json(ctx, "optionName",
			    key->value, v, 0)) != NULL)
				json_object_set_new(obj, "optionName", val);
			continue;
		}
		if (key->type != CONFIG_NODE_SCALAR ||
		    strlen(key->value) != key->length) {
			config_error(ctx, key, "%s: a key must be a string%s",
			    ops->name, key->type == CONFIG_NODE_SCALAR ?
			    " with no NUL byte" : "");
			bad = 1;
			continue;
		}
		for (j = 0; j < i; j += 2)
			if (m->child[j]->type == CONFIG_NODE_SCALAR &&
			    strcmp(m->child[j]->value, key->value) == 0)
				break;
		if (j < i) {
			config_error(ctx, key, "%s: duplicate key \"%s\"",
			    ops->name, key->value);
			bad = 1;
			continue;
		}
		ck = conv_opts_key(ops, key->value);
		if (ck == NULL || ck->type != CONV_KEY_ANY) {
			/* YAML's null, unquoted: "not set". */
			if (v->plain && config_node_is_unset(v)) {
				json_object_set_new(obj, key->value,
				    json_null());
				continue;
			}
		}
		if ((val = config_node_json(ctx, ops->name, key->value, v,
		    ck != NULL && ck->type == CONV_KEY_ANY)) == NULL) {
			bad = 1;
			continue;
		}
		json_object_set_new(obj, key->value, val);
	}
	if (bad) {
		json_decref(obj);
		return (NULL);
	}
	return (obj);
}

static struct chain *
config_options(struct config_ctx *ctx, const struct config_node *v)
{
	struct config_option_report	 or;
	struct conv_report		 r;
	struct chain			*chain;
	json_t				*obj;
	size_t				 i;
	int				 bad = 0;

	/* Each option is checked alone, so that -n reports every bad one. */
	chain = chain_new();
	for (i = 0; i < v->nchild; i++) {
		if ((obj = config_option_json(ctx, v->child[i])) == NULL) {
			bad = 1;
			continue;
		}
		or.ctx = ctx;
		or.m = v->child[i];
		memset(&r, 0, sizeof r);
		r.fn = config_option_error;
		r.arg = &or;
		if (chain_add(chain, obj, &r) == -1)
			bad = 1;
		json_decref(obj);
	}
	if (bad) {
		chain_free(chain);
		return (NULL);
	}
	return (chain);
}

/* A Java regex key must compile (parsers/jregex.c) to be accepted. */
static void
config_check_regex(struct config_ctx *ctx, struct config_walk *w,
    const char *key)
{
	const struct config_node	*v;
	pcre2_code			*re;
	char				*cause = NULL;

	if ((v = w->set[config_index(key)]) == NULL)
		return;
	if ((re = jregex_compile(v->value, 0, &cause)) == NULL) {
		config_error(ctx, v, "key \"%s\": %s", key, cause);
		free(cause);
		return;
	}
	pcre2_code_free(re);
}

/*
 * A flow's name names its state directory (state.h), so it must be one
 * safe path component: a leading '.' is refused too, which keeps "." and
 * "..", and the directories state.c works in, out of reach.
 */
static void
config_check_name(struct config_ctx *ctx, const struct config_node *v)
{
	const unsigned char	*p;

	if (v->length == 0)
		config_error(ctx, v, "key \"name\": a flow's name must not be "
		    "empty");
	else if (strlen(v->value) != v->length)
		config_error(ctx, v, "key \"name\": a flow's name must not "
		    "hold a NUL byte");
	else if (v->length > CONFIG_NAME_MAX)
		config_error(ctx, v, "key \"name\": a flow's name is at most "
		    "%d bytes (it names its state directory)",
		    CONFIG_NAME_MAX);
	else if (v->value[0] == '.')
		config_error(ctx, v, "key \"name\": a flow's name must not "
		    "start with '.' (it names its state directory)");
	else if (strchr(v->value, '/') != NULL)
		config_error(ctx, v, "key \"name\": a flow's name must not "
		    "hold '/' (it names its state directory)");
	else {
		for (p = (const unsigned char *)v->value; *p != '\0'; p++) {
			/* sluicectl passes it as one word. */
			if (*p <= 0x20 || *p >= 0x7f) {
				config_error(ctx, v, "key \"name\": a flow's "
				    "name holds only printable ASCII, without "
				    "spaces (sluicectl takes it as one word)");
				break;
			}
		}
	}
}

/* Checks that need the whole flow: destination, required keys, limits. */
static void
config_flow_finish(struct config_ctx *ctx, struct config_walk *w,
    struct config_flow *flow, const struct config_node *item)
{
	const struct config_node	*ks, *ds, *v, *at;
	char				*hint = NULL;
	int				 fp, ki, di;

	fp = config_index("filePattern");
	ki = config_index("kinesisStream");
	di = config_index("deliveryStream");
	/*
	 * A misspelled key is often why a required one is missing: the
	 * missing key is then reported right after the unknown one (errors
	 * are sorted by position, stably), cause before consequence.
	 */
	at = item;
	if (w->unknown != NULL) {
		at = w->unknown;
		xasprintf(&hint, " (is \"%s\" meant to be it?)",
		    w->unknown->value);
	}
	if (w->set[fp] == NULL && !w->bad[fp])
		config_error(ctx, at, "flow has no filePattern%s",
		    hint != NULL ? hint : "");
	ks = w->set[ki];
	ds = w->set[di];
	if (ds != NULL) {
		/* As in the agent's FileFlowFactory, deliveryStream wins. */
		if (ks != NULL)
			log_warnx("%s:%d:%d: flow has both kinesisStream and "
			    "deliveryStream; it sends to Firehose stream "
			    "\"%s\"", ctx->path, item->line, item->column,
			    ds->value);
		free(flow->stream);
		flow->stream = xstrdup(ds->value);
		flow->dest = CONFIG_DEST_FIREHOSE;
	} else if (ks != NULL)
		flow->dest = CONFIG_DEST_KINESIS;
	else if (!w->bad[ki] && !w->bad[di])
		config_error(ctx, at, "flow has neither kinesisStream nor "
		    "deliveryStream%s", hint != NULL ? hint : "");
	free(hint);

	if ((v = w->set[config_index("name")]) != NULL) {
		flow->named = 1;
		config_check_name(ctx, v);
	} else if (flow->stream != NULL)
		flow->name = xstrdup(flow->stream);	/* see config_names */
	config_check_regex(ctx, w, "multiLineStartPattern");
	config_check_regex(ctx, w, "fileFooterPattern");
	if (flow->chain == NULL && !w->bad[config_index(
	    "dataProcessingOptions")]) {
		/* No options: an empty chain passes records unchanged. */
		flow->chain = chain_new();
	}
}

static void
config_set_flows(struct config_ctx *ctx, const struct config_node *v)
{
	struct config		*conf = ctx->conf;
	struct config_walk	*w;
	struct config_flow	*flow;
	const struct config_node *item;
	size_t			 i;

	if (v->type != CONFIG_NODE_SEQUENCE)
		return;		/* config_convert said so */
	if (v->nchild > CONFIG_MAX_FLOWS - conf->nflows) {
		config_error(ctx, v, "more than %d flows, in all files",
		    CONFIG_MAX_FLOWS);
		return;
	}
	/* conf.d and agentConfigDir add theirs after the main file's. */
	conf->flows = xreallocarray(conf->flows, conf->nflows + v->nchild,
	    sizeof *conf->flows);
	memset(conf->flows + conf->nflows, 0, v->nchild *
	    sizeof *conf->flows);
	w = xmalloc(sizeof *w);
	for (i = 0; i < v->nchild; i++) {
		item = v->child[i];
		flow = &conf->flows[conf->nflows++];
		config_defaults(CONFIG_SCOPE_FLOW, flow);
		flow->file = ctx->path;
		flow->file_index = ctx->file;
		flow->line = item->line;
		flow->column = item->column;
		if (item->type != CONFIG_NODE_MAPPING) {
			config_error(ctx, item, "a flow must be a mapping");
			continue;
		}
		memset(w, 0, sizeof *w);
		w->scope = CONFIG_SCOPE_FLOW;
		w->base = flow;
		config_walk_mapping(ctx, w, item, NULL);
		config_flow_finish(ctx, w, flow, item);
	}
	free(w);
}

static int
config_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

static int
config_flow_is_same(const struct config_flow *a, const struct config_flow *b)
{
	return (a->dest == b->dest && config_str_eq(a->stream, b->stream) &&
	    config_str_eq(a->file_pattern, b->file_pattern));
}

/*
 * Errors about flow a are reported in a's file: flows come from the main
 * file, conf.d and agentConfigDir.
 */
static void
config_at_flow(struct config_ctx *ctx, const struct config_flow *a)
{
	ctx->path = a->file;
	ctx->file = a->file_index;
}

/* Where flow b is, for a message about a: its file if it is another. */
static char *
config_flow_where(const struct config_flow *a, const struct config_flow *b)
{
	char	*s;

	if (a->file_index == b->file_index)
		xasprintf(&s, "line %d column %d", b->line, b->column);
	else
		xasprintf(&s, "%s:%d:%d", b->file, b->line, b->column);
	return (s);
}

/* FNV-1a 32 of s: stable across versions, as state directories must be. */
static uint32_t
config_hash(const char *s)
{
	uint32_t	h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (h);
}

/*
 * Gives every flow its identity (config.h) and checks that no two share
 * one.  An unnamed flow alone on its stream goes by the stream; unnamed
 * flows that share a stream (an agent.json often sends two patterns to
 * one) go by the stream and a hash of their pattern, never by their
 * place in the file, which changes when flows are reordered.  Such a
 * name changes with the pattern, and the state with it: the warning says
 * so.  Kinesis and Firehose stream names have no '@', so a derived name
 * never equals a stream's.
 */
static void
config_names(struct config_ctx *ctx)
{
	struct config		*conf = ctx->conf;
	struct config_flow	*a, *b;
	char			*where;
	size_t			 i, j;
	int			 shared;

	for (i = 0; i < conf->nflows; i++) {
		a = &conf->flows[i];
		if (a->named || a->stream == NULL || a->file_pattern == NULL)
			continue;
		shared = 0;
		for (j = 0; j < conf->nflows && !shared; j++) {
			b = &conf->flows[j];
			shared = j != i && !b->named &&
			    config_str_eq(a->stream, b->stream);
		}
		if (!shared)
			continue;
		free(a->name);
		xasprintf(&a->name, "%s@%08x", a->stream,
		    config_hash(a->file_pattern));
		log_warnx("%s:%d:%d: flow has no name and shares stream \"%s\" "
		    "with another unnamed flow: it goes by \"%s\", from its "
		    "filePattern; give it a name to keep its state when the "
		    "pattern is edited", a->file, a->line, a->column,
		    a->stream, a->name);
	}
	for (i = 0; i < conf->nflows; i++) {
		a = &conf->flows[i];
		if (a->name == NULL)
			continue;
		for (j = 0; j < conf->nflows; j++) {
			b = &conf->flows[j];
			if (j == i || !config_str_eq(a->name, b->name))
				continue;
			if (config_flow_is_same(a, b))
				break;	/* "duplicate flow" said it */
			config_at_flow(ctx, a);
			where = config_flow_where(a, b);
			config_error_pos(ctx, a->line, a->column,
			    "duplicate flow name \"%s\" (also the flow at "
			    "%s)%s", a->name, where, a->named && b->named ?
			    "" : "; an unnamed flow goes by its stream: give "
			    "it a name");
			free(where);
			break;
		}
	}
}

/* Checks that need the whole main file. */
static void
config_finish_globals(struct config_ctx *ctx, struct config_walk *w)
{
	const struct config_node	*id, *secret;

	id = w->set[config_index("awsAccessKeyId")];
	secret = w->set[config_index("awsSecretAccessKey")];
	if ((id == NULL) != (secret == NULL))
		config_error(ctx, id != NULL ? id : secret, "awsAccessKeyId "
		    "and awsSecretAccessKey must be given together");
	if (id == NULL && w->set[config_index("awsSessionToken")] != NULL)
		config_error(ctx, w->set[config_index("awsSessionToken")],
		    "awsSessionToken needs awsAccessKeyId and "
		    "awsSecretAccessKey");
}

/* Checks that need every file's flows. */
static void
config_finish(struct config_ctx *ctx)
{
	struct config		*conf = ctx->conf;
	struct config_flow	*a, *b;
	char			*where;
	size_t			 i, j;

	/*
	 * No flows is valid (the sample config has none): the daemon says
	 * "no flows configured" and waits.
	 *
	 * Every flow has a chain unless an error was reported: a flow must
	 * not reach the daemon without one, whatever path left it unset.
	 */
	for (i = 0; i < conf->nflows && ctx->nerrors == 0; i++) {
		config_at_flow(ctx, &conf->flows[i]);
		if (conf->flows[i].chain == NULL)
			config_error_pos(ctx, conf->flows[i].line,
			    conf->flows[i].column, "flow's "
			    "dataProcessingOptions could not be set up");
	}

	/* The agent's flow id is destination, stream and pattern. */
	for (i = 0; i < conf->nflows; i++) {
		a = &conf->flows[i];
		if (a->stream == NULL || a->file_pattern == NULL)
			continue;
		for (j = 0; j < i; j++) {
			b = &conf->flows[j];
			if (config_flow_is_same(a, b)) {
				config_at_flow(ctx, a);
				where = config_flow_where(a, b);
				config_error_pos(ctx, a->line, a->column,
				    "duplicate flow (same as the flow at %s)",
				    where);
				free(where);
				break;
			}
		}
	}
	config_names(ctx);
}

/* Returns 1 if error a comes after b: by file, then line and column. */
static int
config_error_is_after(const struct config_error *a,
    const struct config_error *b)
{
	if (a->file != b->file)
		return (a->file > b->file);
	if (a->line != b->line)
		return (a->line > b->line);
	return (a->column > b->column);
}

/*
 * Joins the errors in the order of the file: checks that need a whole flow
 * or the whole file run after the walk, but read best in place.
 */
static char *
config_join_errors(struct config_ctx *ctx)
{
	struct config_error	 tmp;
	char			*out;
	size_t			 i, j, len = 0, off = 0, n;

	for (i = 1; i < ctx->nerrors; i++) {
		tmp = ctx->errors[i];
		for (j = i; j > 0 && config_error_is_after(&ctx->errors[j - 1],
		    &tmp); j--)
			ctx->errors[j] = ctx->errors[j - 1];
		ctx->errors[j] = tmp;
	}
	for (i = 0; i < ctx->nerrors; i++)
		len += strlen(ctx->errors[i].msg) + 1;
	out = xmalloc(len + 1);
	for (i = 0; i < ctx->nerrors; i++) {
		n = strlen(ctx->errors[i].msg);
		memcpy(out + off, ctx->errors[i].msg, n);
		off += n;
		if (i + 1 < ctx->nerrors)
			out[off++] = '\n';
	}
	out[off] = '\0';
	return (out);
}

/*
 * A config file that holds secrets must not be readable by every user
 * (the daemon runs on, as the agent does; the operator is told).
 */
static void
config_check_secrets(struct config_ctx *ctx, struct config_walk *w)
{
	const char	*key = NULL;

	if (w->set[config_index("awsSecretAccessKey")] != NULL)
		key = "awsSecretAccessKey";
	else if (w->set[config_index("awsSessionToken")] != NULL)
		key = "awsSessionToken";
	if (key != NULL && (ctx->mode & S_IROTH))
		log_warnx("%s: holds %s and every user can read it (mode "
		    "%04o): chmod o-r %s", ctx->path, key,
		    (unsigned int)(ctx->mode & 07777), ctx->path);
}

/* Gives path a place in conf->files, so that flows and errors name it. */
static void
config_add_file(struct config_ctx *ctx, const char *path)
{
	struct config	*conf = ctx->conf;

	conf->files = xreallocarray(conf->files, conf->nfiles + 1,
	    sizeof *conf->files);
	conf->files[conf->nfiles] = xstrdup(path);
	ctx->path = conf->files[conf->nfiles];
	ctx->file = (int)conf->nfiles++;
}

/* Reads and parses the file ctx->path: its root, or NULL (*failed). */
static struct config_node *
config_parse_file(struct config_ctx *ctx, int *failed)
{
	struct config_node	*root;
	char			*buf;
	size_t			 len = 0, where = 0;
	int			 line, column;

	*failed = 1;
	if ((buf = config_read(ctx, &len)) == NULL)
		return (NULL);
	if (config_is_json(buf, len) &&
	    config_strip_comments(buf, len, &where) != 0) {
		config_offset_pos(buf, len, where, &line, &column);
		config_error_pos(ctx, line, column, "unterminated comment");
		free(buf);
		return (NULL);
	}
	root = config_parse(ctx, buf, len, failed);
	free(buf);
	return (root);
}

enum config_extra {
	CONFIG_EXTRA_CONFD,	/* conf.d: flows only, others are errors */
	CONFIG_EXTRA_AGENTD	/* agentConfigDir: the agent's rules */
};

/*
 * Adds the flows of one more file.  In conf.d only `flows:` may be set.
 * In agentConfigDir the Kinesis Agent's rules apply (its Configuration
 * merging of agent.d files):
 * only "flows" is read and other keys are ignored, with a warning here,
 * and a file that cannot be parsed is skipped with a warning.
 */
static void
config_load_extra(struct config_ctx *ctx, const char *path,
    enum config_extra kind)
{
	struct config_walk	*w;
	struct config_node	*root;
	const struct config_node *key;
	size_t			 i, nerrors;
	int			 failed, idx;

	config_add_file(ctx, path);
	nerrors = ctx->nerrors;
	root = config_parse_file(ctx, &failed);
	if (failed && kind == CONFIG_EXTRA_AGENTD) {
		while (ctx->nerrors > nerrors) {
			ctx->nerrors--;
			log_warnx("%s (skipped, as the Kinesis Agent does)",
			    ctx->errors[ctx->nerrors].msg);
			free(ctx->errors[ctx->nerrors].msg);
		}
		/* Not a file of the config, then. */
		free(ctx->conf->files[--ctx->conf->nfiles]);
		ctx->path = ctx->conf->files[0];
		ctx->file = 0;
		return;
	}
	if (root == NULL || config_node_is_unset(root))
		goto out;
	if (root->type != CONFIG_NODE_MAPPING) {
		config_error(ctx, root, "the top level must be a mapping with "
		    "a flows list");
		goto out;
	}
	w = xcalloc(1, sizeof *w);
	w->scope = CONFIG_SCOPE_GLOBAL;
	w->base = ctx->conf;
	idx = config_index("flows");
	for (i = 0; i + 1 < root->nchild; i += 2) {
		key = root->child[i];
		if (key->type == CONFIG_NODE_SCALAR &&
		    strcmp(key->value, "flows") == 0) {
			if (w->seen[idx] != NULL)
				config_duplicate(ctx, "flows", w->seen[idx],
				    key);
			else {
				w->seen[idx] = key;
				config_set(ctx, w, (size_t)idx,
				    root->child[i + 1]);
			}
		} else if (kind == CONFIG_EXTRA_AGENTD)
			log_warnx("%s:%d:%d: key \"%s\" ignored: only flows "
			    "are read from agentConfigDir, as the Kinesis "
			    "Agent reads its agent.d", ctx->path, key->line,
			    key->column, key->type == CONFIG_NODE_SCALAR ?
			    key->value : "?");
		else
			config_error(ctx, key, "key \"%s\": a file in conf.d "
			    "may only add flows; set the other keys in %s",
			    key->type == CONFIG_NODE_SCALAR ? key->value : "?",
			    ctx->conf->files[0]);
	}
	free(w);
out:
	config_node_free(root);
}

static int
config_name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * Adds the flows of the files in dir, in name order: regular files whose
 * name ends in suffix (NULL: every one, as the agent reads agent.d), not
 * hidden.  A missing directory adds nothing.
 */
static void
config_load_dir(struct config_ctx *ctx, const char *dir, const char *suffix,
    enum config_extra kind)
{
	struct dirent	 *de;
	struct stat	  sb;
	DIR		 *d;
	char		**names = NULL, *path;
	size_t		  n = 0, i, len, slen;

	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT || kind == CONFIG_EXTRA_AGENTD)
			config_error_pos(ctx, 0, 0, "%s: %s%s", dir,
			    strerror(errno), kind == CONFIG_EXTRA_AGENTD ?
			    " (agentConfigDir)" : "");
		return;
	}
	while ((de = readdir(d)) != NULL && n < CONFIG_MAX_FILES) {
		len = strlen(de->d_name);
		slen = suffix != NULL ? strlen(suffix) : 0;
		if (de->d_name[0] == '.' || len <= slen || (suffix != NULL &&
		    strcmp(de->d_name + len - slen, suffix) != 0))
			continue;
		xasprintf(&path, "%s/%s", dir, de->d_name);
		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = path;
		} else
			free(path);
	}
	closedir(d);
	qsort(names, n, sizeof *names, config_name_cmp);
	for (i = 0; i < n; i++) {
		config_load_extra(ctx, names[i], kind);
		free(names[i]);
	}
	free(names);
}

/* The conf.d beside path: /etc/sluice/sluice.yaml's is /etc/sluice/conf.d. */
static char *
config_confd(const char *path)
{
	const char	*slash;
	char		*dir;

	if ((slash = strrchr(path, '/')) == NULL)
		return (xstrdup(CONFIG_CONFD));
	xasprintf(&dir, "%.*s/%s", (int)(slash - path), path, CONFIG_CONFD);
	return (dir);
}

struct config *
config_load(const char *path, char **errors)
{
	struct config_ctx	 ctx;
	struct config_walk	*w = NULL;
	struct config_node	*root = NULL;
	struct config		*conf;
	char			*confd;
	size_t			 i;
	int			 failed;

	memset(&ctx, 0, sizeof ctx);
	conf = ctx.conf = xcalloc(1, sizeof *conf);
	conf->path = xstrdup(path);
	config_defaults(CONFIG_SCOPE_GLOBAL, conf);
	config_add_file(&ctx, path);

	root = config_parse_file(&ctx, &failed);
	if (failed)
		goto out;
	w = xcalloc(1, sizeof *w);
	w->scope = CONFIG_SCOPE_GLOBAL;
	w->base = conf;
	if (root != NULL && config_node_is_unset(root)) {
		/* An empty document: only flows are missing. */
	} else if (root != NULL && root->type != CONFIG_NODE_MAPPING)
		config_error(&ctx, root, "the top level must be a mapping, "
		    "not %s", root->type == CONFIG_NODE_SEQUENCE ? "a list" :
		    "a scalar");
	else if (root != NULL)
		config_walk_mapping(&ctx, w, root, NULL);
	config_check_secrets(&ctx, w);
	/* The credential checks need the main file's walk. */
	config_finish_globals(&ctx, w);
	confd = config_confd(path);
	config_load_dir(&ctx, confd, ".yaml", CONFIG_EXTRA_CONFD);
	free(confd);
	if (conf->agent_config_dir != NULL)
		config_load_dir(&ctx, conf->agent_config_dir, NULL,
		    CONFIG_EXTRA_AGENTD);
	config_finish(&ctx);

out:
	free(w);
	config_node_free(root);
	if (ctx.nerrors != 0) {
		config_free(conf);
		conf = NULL;
		if (errors != NULL)
			*errors = config_join_errors(&ctx);
	} else if (errors != NULL)
		*errors = NULL;
	for (i = 0; i < ctx.nerrors; i++)
		free(ctx.errors[i].msg);
	free(ctx.errors);
	return (conf);
}

int
config_peek(const char *path, const char *key, char **value, char **errors)
{
	struct config_ctx	 ctx;
	struct config_node	*root = NULL;
	const struct config_node *k, *v;
	char			*buf = NULL;
	size_t			 len = 0, i, where = 0;
	int			 line, column, failed, rv = -1;

	*value = NULL;
	*errors = NULL;
	memset(&ctx, 0, sizeof ctx);
	ctx.path = path;
	if ((buf = config_read(&ctx, &len)) == NULL)
		goto out;
	if (config_is_json(buf, len) &&
	    config_strip_comments(buf, len, &where) != 0) {
		config_offset_pos(buf, len, where, &line, &column);
		config_error_pos(&ctx, line, column, "unterminated comment");
		goto out;
	}
	root = config_parse(&ctx, buf, len, &failed);
	if (failed)
		goto out;
	rv = 0;
	if (root == NULL || root->type != CONFIG_NODE_MAPPING)
		goto out;
	for (i = 0; i + 1 < root->nchild; i += 2) {
		k = root->child[i];
		v = root->child[i + 1];
		if (k->type == CONFIG_NODE_SCALAR &&
		    strcmp(k->value, key) == 0 &&
		    v->type == CONFIG_NODE_SCALAR && !config_node_is_unset(v)) {
			*value = xstrdup(v->value);
			rv = 1;
		}
	}
out:
	config_node_free(root);
	free(buf);
	if (ctx.nerrors != 0)
		*errors = config_join_errors(&ctx);
	for (i = 0; i < ctx.nerrors; i++)
		free(ctx.errors[i].msg);
	free(ctx.errors);
	return (rv);
}

/*
 * The text of a value node, to compare dataProcessingOptions at a reload
 * (config_flow_is_equal): the converters are built from it.  Scalars are
 * quoted with their length, so no two trees give the same text.
 */
static void
config_node_text_add(struct buf *b, const struct config_node *n)
{
	size_t	i;

	switch (n->type) {
	case CONFIG_NODE_SCALAR:
		buf_printf(b, "%zu:", n->length);
		buf_add(b, n->value, n->length);
		return;
	case CONFIG_NODE_MAPPING:
	case CONFIG_NODE_SEQUENCE:
		buf_addc(b, n->type == CONFIG_NODE_MAPPING ? '{' : '[');
		for (i = 0; i < n->nchild; i++)
			config_node_text_add(b, n->child[i]);
		buf_addc(b, n->type == CONFIG_NODE_MAPPING ? '}' : ']');
		return;
	}
}

static char *
config_node_text(const struct config_node *n)
{
	struct buf	b = BUF_INIT(CONFIG_MAX_FILE * 2);

	config_node_text_add(&b, n);
	if (buf_has_failed(&b)) {
		/* Longer than any file: never equal to another. */
		buf_free(&b);
		return (NULL);
	}
	return (buf_take(&b));
}

/* Does key k hold the same value in a and b (struct config(_flow))? */
static int
config_key_is_equal(const struct config_key *k, const void *a, const void *b)
{
	const char	*pa = (const char *)a + k->offset;
	const char	*pb = (const char *)b + k->offset;
	char		*sa, *sb;

	switch (k->type) {
	case CONFIG_TYPE_STRING:
		/* memcpy: the field's alignment is not the char pointer's. */
		memcpy(&sa, pa, sizeof sa);
		memcpy(&sb, pb, sizeof sb);
		return (config_str_eq(sa, sb));
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_DURATION:
	case CONFIG_TYPE_SIZE:
		return (memcmp(pa, pb, sizeof (int64_t)) == 0);
	case CONFIG_TYPE_BOOL:
	case CONFIG_TYPE_ENUM:
		return (memcmp(pa, pb, sizeof (int)) == 0);
	case CONFIG_TYPE_OPTIONS:
		return (config_str_eq(((const struct config_flow *)a)->options,
		    ((const struct config_flow *)b)->options));
	case CONFIG_TYPE_LIST:
	case CONFIG_TYPE_ANY:
		break;
	}
	return (1);
}

int
config_flow_is_equal(const struct config_flow *a, const struct config_flow *b)
{
	size_t	i;

	if (!config_str_eq(a->name, b->name) || a->dest != b->dest)
		return (0);
	for (i = 0; i < CONFIG_NKEYS; i++)
		if (config_keys[i].scope == CONFIG_SCOPE_FLOW &&
		    !config_key_is_equal(&config_keys[i], a, b))
			return (0);
	return (1);
}

size_t
config_global_diff(const struct config *a, const struct config *b,
    const char **changed, size_t max)
{
	const struct config_key	*k;
	size_t			 i, n = 0;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		k = &config_keys[i];
		/* The flows, from every file, are compared one by one. */
		if (k->scope != CONFIG_SCOPE_GLOBAL ||
		    k->type == CONFIG_TYPE_LIST ||
		    k->offset == offsetof(struct config, agent_config_dir) ||
		    config_key_is_equal(k, a, b))
			continue;
		if (n < max)
			changed[n] = k->path;
		n++;
	}
	return (n);
}

void
config_free(struct config *conf)
{
	struct config_flow	*flow;
	size_t			 i;

	if (conf == NULL)
		return;
	for (i = 0; i < conf->nflows; i++) {
		flow = &conf->flows[i];
		free(flow->name);
		free(flow->file_pattern);
		free(flow->stream);
		free(flow->multiline_start_pattern);
		free(flow->file_footer_pattern);
		free(flow->truncated_record_terminator);
		free(flow->options);
		chain_free(flow->chain);
	}
	free(conf->flows);
	for (i = 0; i < conf->nfiles; i++)
		free(conf->files[i]);
	free(conf->files);
	free(conf->agent_config_dir);
	free(conf->path);
	free(conf->kinesis_endpoint);
	free(conf->kinesis_region);
	free(conf->firehose_endpoint);
	free(conf->firehose_region);
	free(conf->aws_access_key_id);
	free(conf->aws_secret_access_key);
	free(conf->aws_session_token);
	free(conf->assume_role_arn);
	free(conf->assume_role_external_id);
	free(conf->sts_endpoint);
	free(conf->sts_region);
	free(conf->ca_file);
	free(conf->control_socket_group);
	free(conf->cloudwatch_endpoint);
	free(conf->cloudwatch_namespace);
	free(conf->metrics_listen);
	free(conf->user_agent);
	free(conf->user_agent_override);
	free(conf->state_directory);
	free(conf->control_socket);
	free(conf);
}

/* The range or the values of a key, for the help table. */
static char *
config_range(const struct config_key *k)
{
	char	*out = NULL;

	if (k->type == CONFIG_TYPE_ENUM)
		return (conv_opts_join(k->values, "|"));
	if (k->min == k->max)
		return (xstrdup("-"));
	if (k->type == CONFIG_TYPE_SIZE && k->min % MiB == 0 &&
	    k->max % PiB == 0)
		xasprintf(&out, "%lldMiB..%lldPiB", (long long)(k->min / MiB),
		    (long long)(k->max / PiB));
	else
		xasprintf(&out, "%lld..%lld", (long long)k->min,
		    (long long)k->max);
	return (out);
}

static void
config_print_scope(FILE *f, enum config_scope scope, int wkey, int wtype,
    int wdef, int wrange)
{
	const struct config_key	*k;
	const char		*def;
	char			*range;
	size_t			 i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		k = &config_keys[i];
		if (k->scope != scope)
			continue;
		def = k->def_help != NULL ? k->def_help : k->def;
		range = config_range(k);
		fprintf(f, "  %-*s %-*s %-*s %-*s %s\n", wkey, k->path, wtype,
		    config_type_names[k->type], wdef, def, wrange, range,
		    k->desc);
		free(range);
	}
}

static const char *const config_conv_type_short[] = {
	[CONV_KEY_STRING] = "string",
	[CONV_KEY_INT] = "int",
	[CONV_KEY_BOOL] = "bool",
	[CONV_KEY_ENUM] = "enum",
	[CONV_KEY_FLAGS] = "strings",
	[CONV_KEY_STRINGS] = "strings",
	[CONV_KEY_MAP] = "map",
	[CONV_KEY_ANY] = "any"
};

/* The converters and their keys, indented so they read as a sub-table. */
static void
config_print_options(FILE *f)
{
	const struct converter_ops	*ops;
	const struct conv_key		*ck;
	size_t				 i, j;

	fprintf(f, "\nProcessing options (items of dataProcessingOptions, "
	    "run in order):\n");
	for (i = 0; (ops = converter_registry[i]) != NULL; i++) {
		fprintf(f, "  optionName: %s%s\n      %s\n", ops->name,
		    ops->extension ? " (sluice extension)" : "", ops->desc);
		for (j = 0; ops->keys != NULL && ops->keys[j].name != NULL;
		    j++) {
			ck = &ops->keys[j];
			fprintf(f, "    %-20s %-8s %-12s %s\n", ck->name,
			    config_conv_type_short[ck->type],
			    ck->required ? "(required)" : ck->def != NULL ?
			    ck->def : "-", ck->desc);
		}
	}
}

void
config_print_help(FILE *f)
{
	const struct config_key	*k;
	const char		*def;
	char			*range;
	size_t			 i, col;
	int			 wkey = 3, wtype = 4, wdef = 7, wrange = 5, n;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		k = &config_keys[i];
		def = k->def_help != NULL ? k->def_help : k->def;
		range = config_range(k);
		if ((n = (int)strlen(k->path)) > wkey)
			wkey = n;
		if ((n = (int)strlen(config_type_names[k->type])) > wtype)
			wtype = n;
		if ((n = (int)strlen(def)) > wdef)
			wdef = n;
		if ((n = (int)strlen(range)) > wrange)
			wrange = n;
		free(range);
	}

	fprintf(f, "Top-level keys:\n");
	fprintf(f, "  %-*s %-*s %-*s %-*s %s\n", wkey, "KEY", wtype, "TYPE",
	    wdef, "DEFAULT", wrange, "RANGE", "DESCRIPTION");
	config_print_scope(f, CONFIG_SCOPE_GLOBAL, wkey, wtype, wdef, wrange);
	fprintf(f, "\nFlow keys (in each mapping of flows):\n");
	fprintf(f, "  %-*s %-*s %-*s %-*s %s\n", wkey, "KEY", wtype, "TYPE",
	    wdef, "DEFAULT", wrange, "RANGE", "DESCRIPTION");
	config_print_scope(f, CONFIG_SCOPE_FLOW, wkey, wtype, wdef, wrange);

	config_print_options(f);
	fprintf(f, "\nA dotted key may also be nested: kinesis: {endpoint: "
	    "...}.\nKinesis Agent keys that are accepted and ignored, with a "
	    "warning:\n");
	col = 0;
	for (i = 0; i < CONFIG_NAGENT; i++) {
		k = &config_agent_keys[i];
		if (col != 0 && col + strlen(k->path) + 2 > 76) {
			fprintf(f, ",\n");
			col = 0;
		} else if (col != 0) {
			fprintf(f, ", ");
			col += 2;
		}
		if (col == 0) {
			fprintf(f, "    ");
			col = 4;
		}
		fprintf(f, "%s%s", k->path,
		    k->scope == CONFIG_SCOPE_FLOW ? " (flow)" : "");
		col += strlen(k->path) +
		    (k->scope == CONFIG_SCOPE_FLOW ? 7 : 0);
	}
	fprintf(f, "\n");
}
