/*
 * config: loads /etc/sluice/sluice.yaml (or a Kinesis Agent agent.json) into
 * struct config.  One declarative table in config.c lists every key; one
 * walker validates the node tree against it and fills these structs.  The
 * same table prints `sluiced -h config`.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum config_dest {
	CONFIG_DEST_KINESIS,
	CONFIG_DEST_FIREHOSE
};

enum config_position {
	CONFIG_POSITION_END_OF_FILE,
	CONFIG_POSITION_START_OF_FILE
};

enum config_watch {
	CONFIG_WATCH_INOTIFY,		/* default */
	CONFIG_WATCH_POLL		/* NFS, FUSE: stat every interval */
};

enum config_partition {
	CONFIG_PARTITION_RANDOM,
	CONFIG_PARTITION_DETERMINISTIC
};

enum config_fsync {
	CONFIG_FSYNC_INTERVAL,		/* default: group commit */
	CONFIG_FSYNC_ALWAYS,
	CONFIG_FSYNC_NEVER
};

struct chain;

/*
 * A flow's identity, its name, is also the name of its state directory
 * (state.h): at most CONFIG_NAME_MAX bytes, with no '/', no control
 * character, and not starting with '.'.
 */
#define CONFIG_NAME_MAX		128

struct config_flow {
	/*
	 * The flow's identity: `name`, else its stream, else, when several
	 * unnamed flows send to one stream, "STREAM@HASH" with HASH the
	 * 8 hex digits of FNV-1a 32 of its filePattern.  Unique.
	 */
	char			*name;
	int			 named;		/* `name` was given */
	char			*file_pattern;	/* filePattern (required) */
	enum config_dest	 dest;		/* deliveryStream wins */
	char			*stream;	/* kinesisStream/deliveryStream */
	enum config_partition	 partition_key;	/* partitionKeyOption */
	enum config_position	 initial_position;
	int64_t			 max_buffer_age_ms;	/* 10..900000, 1000 */
	/* Flow limits: 0 (unset) is the destination's (dest_limits). */
	int64_t			 max_buffer_size_records;
	int64_t			 max_buffer_size_bytes;
	int64_t			 max_record_size_bytes;
	int64_t			 retry_initial_backoff_ms; /* 100 */
	int64_t			 retry_max_backoff_ms;	/* 10000 */
	int64_t			 dead_letter_max_bytes;	/* 64 MiB */
	char			*multiline_start_pattern; /* or NULL */
	int64_t			 multiline_flush_ms;	/* 1000 */
	int64_t			 multiline_max_lines;	/* 500 */
	int64_t			 skip_header_lines;	/* 0 */
	char			*file_footer_pattern;	/* or NULL */
	int64_t			 close_inactive_ms;	/* 300000 */
	int64_t			 rotated_quiet_ms;	/* 10000 */
	int64_t			 max_open_rotated;	/* 64 */
	enum config_watch	 watch_mode;		/* watchMode */
	int64_t			 poll_interval_ms;	/* 1000 */
	char			*truncated_record_terminator; /* "\n" */
	struct chain		*chain;		/* dataProcessingOptions */
	char			*options;	/* its text, to compare */
	const char		*file;		/* in config's files */
	int			 file_index;
	int			 line;		/* where the flow starts */
	int			 column;
};

struct config {
	char			*path;
	char			*kinesis_endpoint;	/* NULL if not set */
	char			*kinesis_region;	/* NULL if not set */
	char			*firehose_endpoint;
	char			*firehose_region;
	char			*aws_access_key_id;
	char			*aws_secret_access_key;
	char			*aws_session_token;	/* awsSessionToken */
	char			*assume_role_arn;	/* assumeRoleARN */
	char			*assume_role_external_id;
	char			*sts_endpoint;		/* sts.endpoint */
	char			*sts_region;		/* sts.region */
	int			 imds_v1_fallback;	/* imdsV1Fallback */
	int64_t			 credentials_retry_s;	/* credentialsRetrySeconds */
	char			*ca_file;		/* NULL if not set */
	int64_t			 connection_timeout_ms;
	int64_t			 socket_timeout_ms;
	int64_t			 max_sending_threads;	/* 32 */
	char			*user_agent;		/* NULL if not set */
	char			*user_agent_override;	/* NULL if not set */
	int			 cloudwatch_emit_metrics; /* cloudwatch.emitMetrics */
	char			*cloudwatch_endpoint;	/* NULL if not set */
	char			*cloudwatch_namespace;	/* AWSKinesisAgent */
	int64_t			 cloudwatch_buffer_ms;	/* 30000 */
	int			 cloudwatch_tag_instance; /* cloudwatch.tagInstance */
	char			*metrics_listen;	/* NULL: no endpoint */
	char			*state_directory;	/* SLUICE_STATE_DIR */
	char			*control_socket; /* SLUICE_CONTROL_SOCKET */
	char			*control_socket_group;	/* NULL: our group */
	int64_t			 spool_max_bytes;	/* spool.maxBytes */
	enum config_fsync	 spool_fsync;		/* spool.fsync */
	int64_t			 spool_fsync_interval_ms; /* spool.fsyncIntervalMillis */
	int64_t			 max_open_files;	/* 0: half the limit */
	int64_t			 checkpoint_ttl_days;	/* checkpointTimeToLiveDays */
	int64_t			 shutdown_timeout_ms;	/* shutdownTimeoutMillis */
	int64_t			 status_period_s; /* log.statusReportingPeriodSeconds */
	char			*agent_config_dir; /* agentConfigDir, or NULL */
	struct config_flow	*flows;		/* every file's, in order */
	size_t			 nflows;
	char			**files;	/* the main file, then conf.d's */
	size_t			 nfiles;	/* and agentConfigDir's */
};

/*
 * Loads and validates the file at path.  Returns the config (free it with
 * config_free), or NULL with *errors set to every error found, one per line,
 * each as "file:line:column: message" (the caller frees *errors), in file
 * order; on success *errors is set to NULL.  A JSON file (a Kinesis Agent
 * agent.json) loads through the same path, its // and slash-star comments
 * ignored.  Warnings (Kinesis Agent keys that have no meaning here, a flow
 * with both kinesisStream and deliveryStream, a file that holds secrets
 * and that every user can read) are logged with log_warnx.
 *
 * Then the flows of path's directory's conf.d/ *.yaml (only `flows:` may
 * be set there) are added in name order, and those of every file in
 * agentConfigDir, as the Kinesis Agent merges its agent.d: only "flows"
 * is read, other keys are ignored with a warning, and a file that cannot
 * be parsed is skipped with a warning.  cfg->files lists the files read.
 */
struct config	*config_load(const char *path, char **errors);

/*
 * Returns 1 if flows a and b have the same name and the same value for
 * every key (a reload keeps such a flow running), 0 if not.
 */
int		 config_flow_is_equal(const struct config_flow *a,
		    const struct config_flow *b);

/*
 * Compares the top-level keys of a and b, except the flows and
 * agentConfigDir (whose flows are compared one by one).  Sets changed[]
 * to the dotted names (static strings) of at most max keys that differ,
 * in the key table's order, and returns how many differ.
 */
size_t		 config_global_diff(const struct config *a,
		    const struct config *b, const char **changed,
		    size_t max);

/*
 * Reads one top-level string key (such as "controlSocket") from the file
 * at path without checking the rest, for sluicectl, which only needs to
 * find the socket.  Returns 1 with *value set (the caller frees it), 0
 * when the key is absent or unset, or -1 with *errors set (the caller
 * frees it) when the file cannot be read or parsed.
 */
int		 config_peek(const char *path, const char *key, char **value,
		    char **errors);

/* Frees a config from config_load; NULL is allowed. */
void		 config_free(struct config *);

/*
 * Prints every key with its type, default, bounds and description, top-level
 * keys first, as an aligned table for `sluiced -h config`; then the Kinesis
 * Agent keys that are accepted and ignored.
 */
void		 config_print_help(FILE *);

#endif /* CONFIG_H */
