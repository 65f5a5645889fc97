/*
 * flow: one flow of the config, from its files to its spool.
 *
 * The tailer finds and reads the flow's files, one framer per file cuts
 * records (the patterns compiled once per flow, framer.h), the flow's
 * converter chain converts them, each is cut to the destination's record
 * limit (dest_limits) and appended to the flow's spool.  The spool is
 * flushed soon after appends and synced every spool.fsyncIntervalMillis,
 * and the file checkpoints move only after a sync (README.md, invariant
 * 1).  The sender delivers the spool on the delivery thread.
 *
 * A flow lives on the ingest loop's thread, except its sender, which
 * lives on the delivery loop's.
 */
#ifndef FLOW_H
#define FLOW_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct config;
struct config_flow;
struct creds;
struct http;
struct imds;
struct loop;
struct metrics;
struct flow;
struct spool;

/* What the flows share; main.c owns it all, for longer than the flows. */
struct flow_env {
	const struct config	*cfg;		/* stateDirectory, spool.* */
	struct loop		*ingest;	/* tailers, spool appends */
	struct loop		*delivery;	/* senders */
	struct http		*http;
	struct creds		*creds;
	const char		*hostname;	/* for converters */
	struct imds		*imds;		/* ADDEC2METADATA's source */
	size_t			 max_open;	/* files each flow holds open */
};

/*
 * Creates the flow of fc under the name name (unique among the flows):
 * opens its spool and registry in its state directory (state.h), creates its
 * tailer on env->ingest (which opens no file until flow_start) and its
 * sender on env->delivery.  fc and env must outlive the flow; name is
 * copied.  Returns NULL with *cause set (caller frees) on failure.  With
 * env->delivery NULL (a reload, while the delivery loop runs on its
 * thread), the sender is left to flow_create_sender.  The flow's state
 * directory is refused if it leads out of stateDirectory (state.h).
 */
struct flow	*flow_create(const struct flow_env *env,
		    const struct config_flow *fc, const char *name,
		    char **cause);

/*
 * Creates the flow's sender on env->delivery: on the delivery thread, or
 * before it runs.  Returns 0, or -1 with *cause set (caller frees).
 */
int		 flow_create_sender(struct flow *, const struct flow_env *env,
		    char **cause);

/* Starts tailing the flow's files. */
void		 flow_start(struct flow *);

/* The flow's name, and its counters (owned by the flow). */
const char	*flow_name(struct flow *);
struct metrics	*flow_metrics(struct flow *);

/*
 * The flow's spool (owned by the flow), for state.c's adopt on the
 * ingest thread: what it appends goes after what the flow holds.
 */
struct spool	*flow_spool(struct flow *);

/*
 * On the delivery thread: sender_replay, for `sluicectl state replay`.
 * Returns the records to replay, or -1 with *cause set (caller frees).
 */
int64_t		 flow_replay(struct flow *, char **cause);

/*
 * On the delivery thread: `sluicectl pause` (since, seconds since the
 * Epoch, shown in status) or `resume` (since 0) of the flow's delivery
 * (sender_pause).  Reading into the spool goes on.  Logged.  Returns 1 if
 * that changed the flow, 0 if it already was so.
 */
int		 flow_pause(struct flow *, time_t since);

/* Since when the flow is paused, or 0.  Safe from any thread. */
time_t		 flow_paused(struct flow *);

/*
 * On the delivery thread: `sluicectl flush` (sender_flush).  A record the
 * framer still builds (a multi-line one) is not cut.  Returns the
 * requests started.
 */
size_t		 flow_flush(struct flow *);

/*
 * On the ingest thread: `sluicectl files skip` (tailer_skip) of the file
 * at path, or of every file with path NULL: logged as a warning and
 * counted in bytesSkipped.  Returns the bytes skipped, or -1 with *cause
 * set (caller frees).
 */
int64_t		 flow_skip(struct flow *, const char *path, char **cause);

/*
 * On the ingest thread: merges the file registry kept in dir into the
 * flow's (tailer_merge_registry), then syncs the flow's spool and saves
 * its registry.  Returns 0, or -1 with *cause set (caller frees).
 */
int		 flow_adopt_registry(struct flow *, const char *dir,
		    char **cause);

/*
 * At shutdown, on the ingest thread once its loop stopped: makes the
 * spooled records durable, then moves the file checkpoints and saves the
 * registry.  deadline (loop_now_ms) bounds what may take time.  The
 * delivery side stops on its own thread (flow_drain).
 */
void		 flow_stop(struct flow *, uint64_t deadline);

/*
 * At shutdown, on the delivery thread: the sender starts no more
 * requests and calls drained(arg) once none is in flight (sender_drain).
 */
void		 flow_drain(struct flow *, void (*drained)(void *),
		    void *arg);

/*
 * After flow_drain, on the delivery thread: saves the acknowledgements
 * and returns how many requests were still unanswered (sender_finish).
 */
size_t		 flow_finish(struct flow *);

/*
 * A reload's stop of one flow, while the loops run on.  flow_close, on the
 * ingest thread after flow_stop: closes its files and timers, so that
 * nothing more is read.  flow_free_sender, on the delivery thread after
 * flow_finish: frees its sender.  Then flow_free, on the ingest thread.
 */
void		 flow_close(struct flow *);
void		 flow_free_sender(struct flow *);

/*
 * Frees the flow, closing its spool.  Call once the delivery thread has
 * stopped.  NULL is allowed.
 */
void		 flow_free(struct flow *);

/*
 * sluiced -p NAME: reads standard input as a file of the flow named name
 * (its identity, config.h), through its framer and
 * converters, and writes each record to standard output exactly as it
 * would be sent, then a line of counts to standard error.  Only env's cfg,
 * hostname and imds are used.  Returns the exit status: 0, or 1 after an
 * error (logged).
 */
int		 flow_pipe(const struct flow_env *env, const char *name);

#endif /* FLOW_H */
