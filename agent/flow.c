/*
 * flow: see flow.h.
 *
 * The record path is flow_emit: a record the framer made goes through the
 * converters (flow_convert), is cut to the record limit and appended to
 * the spool.  The agent converts before it truncates, so a flow with
 * converters lets the framer hold up to the read buffer of a record and
 * cuts what the converters wrote; without converters the framer cuts.
 * The -p mode (flow_pipe) runs the same framer and flow_convert and writes
 * to standard output instead of the spool.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "converter.h"
#include "dest.h"
#include "durable.h"
#include "flow.h"
#include "framer.h"
#include "imds.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "problem.h"
#include "sender.h"
#include "spool.h"
#include "state.h"
#include "tailer.h"
#include "xmalloc.h"

#define FLOW_SEGMENT_BYTES	(64ULL * 1024 * 1024)
#define FLOW_PIPE_BUF		(1024 * 1024)	/* -p reads and writes */
#define FLOW_PIPE_NAMES_MAX	1024	/* -p nosuch: the flow names listed */
#define FLOW_CONV_SLACK		(1024 * 1024)	/* see flow_conv_max */
/* A flow's conversion buffer is freed after a record that grew it past this. */
#define FLOW_OUT_KEEP		(256 * 1024)
#define FLOW_FULL_RETRY_MS	1000	/* a full state disk is tried again */

struct flow {
	const struct config	 *cfg;
	const struct config_flow *fc;
	char			 *name;
	char			 *dir;
	struct conv_ctx		  ctx;		/* what converters know; */
						/* file and now per record */
	struct dest_limits	  limits;
	struct framer_conf	 *framer;	/* shared by its files */
	struct spool		 *spool;
	struct metrics		 *metrics;
	struct tailer		 *tailer;
	struct sender		 *sender;
	struct loop_timer	 *flush_timer;	/* soon after appends */
	struct loop_timer	 *sync_timer;	/* spool.fsyncIntervalMillis */
	struct buf		  out;		/* the record being spooled */
	size_t			  term_len;	/* of the terminator */
	uint64_t		  truncated;	/* after conversion */
	uint64_t		  truncated_logged; /* and counted in metrics */
	int			  appended;	/* since the last flush */
	int			  unsynced;	/* since the last sync */
	int			  full;		/* state disk full */
	uint64_t		  full_since;	/* ms, when it started */
	uint64_t		  full_logged;	/* ms, last summary */
	int			  failed;	/* a spool sync failed */
	struct problem		 *p_save;	/* registry not saved */
};

static uint64_t
flow_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Publishes the spool's figures (right from spool_open) and state. */
static void
flow_spool_metrics(struct flow *fl)
{
	struct spool_stats	st;

	spool_stats(fl->spool, &st);
	metrics_set(fl->metrics, METRICS_SPOOL_BYTES, st.pending_bytes);
	metrics_set(fl->metrics, METRICS_SPOOL_RECORDS, st.pending_records);
	metrics_set(fl->metrics, METRICS_SPOOL_OLDEST_MS, st.oldest_ms);
	metrics_set(fl->metrics, METRICS_SPOOL_CORRUPT_BYTES,
	    st.skipped_bytes);
	metrics_set_spool_state(fl->metrics, st.sync_failed ? "sync failed" :
	    st.disk_full ? "state disk full" : "ok");
}

/*
 * The state disk is full, or no longer: logged when it starts, as a
 * summary every log.statusReportingPeriodSeconds while it lasts, and when
 * it ends (STYLE rule 23).  Ingest waits meanwhile; nothing is lost.
 */
static void
flow_full_check(struct flow *fl)
{
	uint64_t	now = flow_now_ms(), secs;

	if (spool_is_disk_full(fl->spool)) {
		if (!fl->full) {
			fl->full = 1;
			fl->full_since = fl->full_logged = now;
			log_warnx("flow=%s: state disk full: the spool in %s "
			    "cannot grow; ingest paused until space returns "
			    "(freed by deliveries or by the operator)",
			    fl->name, fl->dir);
			metrics_set_error(fl->metrics, "state disk full");
			flow_spool_metrics(fl);
		} else if (now - fl->full_logged >=
		    (uint64_t)fl->cfg->status_period_s * 1000) {
			fl->full_logged = now;
			log_warnx("flow=%s: state disk full for %llus; ingest "
			    "still paused", fl->name,
			    (unsigned long long)(now - fl->full_since) / 1000);
		}
		/* Tried again on a timer, as acks also wake appends. */
		fl->appended = 1;
		loop_timer_set(fl->flush_timer, FLOW_FULL_RETRY_MS);
		return;
	}
	if (fl->full) {
		fl->full = 0;
		secs = (now - fl->full_since) / 1000;
		log_info("flow=%s: state disk has space again after %llus; "
		    "ingest resumes", fl->name, (unsigned long long)secs);
		flow_spool_metrics(fl);
	}
}

/*
 * An fdatasync of the spool failed: what was written since the last good
 * one may not be on disk, and the file checkpoints stay before it.  The
 * flow reads no more (delivery of what is spooled goes on); a restart
 * reads the files again from the checkpoints.
 */
static void
flow_fail(struct flow *fl, int error)
{
	if (fl->failed)
		return;
	fl->failed = 1;
	log_warnx("flow=%s: spool sync failed (%s): the data since the last "
	    "good sync may not be on disk; ingest STOPPED for this flow, "
	    "delivery of the spool goes on; fix the disk of %s and restart "
	    "sluiced, which reads the files again from their last "
	    "checkpoints", fl->name, strerror(error), fl->dir);
	metrics_set_error(fl->metrics, "spool sync failed (%s): ingest "
	    "stopped; restart sluiced", strerror(error));
	flow_spool_metrics(fl);
}

/*
 * A spool call failed with errno set: says why, once per state.  Returns
 * 1 if it was the disk (full or failed), 0 for another error.
 */
static int
flow_spool_error(struct flow *fl, const char *what)
{
	int	saved = errno;

	if (spool_has_failed(fl->spool)) {
		flow_fail(fl, saved == EIO ? EIO : saved);
		return (1);
	}
	if (spool_is_disk_full(fl->spool)) {
		flow_full_check(fl);
		return (1);
	}
	errno = saved;
	log_warn("flow=%s: %s", fl->name, what);
	metrics_set_error(fl->metrics, "%s: %s", what, strerror(saved));
	return (0);
}

/*
 * The most a converted record may take: JSON escaping makes at most 6
 * bytes of one byte of a record (which is at most the read buffer, the
 * framer's cut), and PRETTYPRINT indentation and metadata add a little.
 * A record that would pass it is sent unconverted.
 */
static size_t
flow_conv_max(const struct flow *fl)
{
	return (8 * fl->limits.read_buffer + FLOW_CONV_SLACK);
}

/*
 * Sets what a flow needs to convert records (the -p mode needs no more):
 * its config, name and limits, and the framer conf that its files share.
 */
static int
flow_init(struct flow *fl, const struct flow_env *env,
    const struct config_flow *fc, const char *name, char **cause)
{
	struct framer_params	fp;

	fl->fc = fc;
	fl->name = xstrdup(name);
	fl->ctx.flow = fl->name;
	fl->ctx.hostname = env->hostname;
	fl->ctx.ec2 = imds_conv_get;
	fl->ctx.ec2_arg = env->imds;
	dest_limits(dest_find(fc->dest), fc, &fl->limits);
	memset(&fp, 0, sizeof fp);
	fp.max_record = fl->limits.max_record;
	fp.terminator = fc->truncated_record_terminator;
	fl->term_len = strlen(fc->truncated_record_terminator);
	/*
	 * The agent converts a record before it truncates it, and holds up to
	 * its read buffer of a record: a longer one is cut there, the rest
	 * discarded (a runaway record).  flow_convert then truncates.
	 */
	if (!chain_is_empty(fc->chain)) {
		fp.max_record = fl->limits.read_buffer;
		fp.runaway = 1;
	}
	chain_set_max(fc->chain, flow_conv_max(fl));
	buf_init(&fl->out, flow_conv_max(fl));
	fp.start_pattern = fc->multiline_start_pattern;
	fp.flush_ms = (uint64_t)fc->multiline_flush_ms;
	fp.max_lines = (uint64_t)fc->multiline_max_lines;
	fp.skip_header = (uint64_t)fc->skip_header_lines;
	fp.footer_pattern = fc->file_footer_pattern;
	fl->framer = framer_conf_create(&fp, cause);
	return (fl->framer == NULL ? -1 : 0);
}

/*
 * Runs a framed record through the flow's converters and appends the
 * result to dst, then cuts it to the destination's record limit: the agent
 * converts before it truncates.  Returns the chain's result (CONV_DROP: dst
 * is unchanged; CONV_ERROR: dst holds the raw record) and sets *cut when
 * the record was cut.  It counts nothing: the caller counts a record once
 * it keeps it, and one offered again after a full spool is not kept yet.
 */
static enum conv_result
flow_convert(struct flow *fl, const char *rec, size_t len, const char *file,
    struct buf *dst, int *cut)
{
	size_t			 start = dst->len;
	enum conv_result	 rc;

	fl->ctx.file = file;
	fl->ctx.now = time(NULL);
	*cut = 0;
	rc = chain_run_append(fl->fc->chain, rec, len, dst, &fl->ctx);
	if (rc != CONV_DROP && dst->len - start > fl->limits.max_record) {
		dst->len = start + fl->limits.max_record - fl->term_len;
		buf_add(dst, fl->fc->truncated_record_terminator,
		    fl->term_len);
		*cut = 1;
	}
	return (rc);
}

/* The tailer's callback: one record of the file at path into the spool. */
static int
flow_emit(void *arg, const char *path, const char *rec, size_t len)
{
	struct flow		*fl = arg;
	const char		*out = rec;
	size_t			 outlen = len;
	enum conv_result	 rc = CONV_OK;
	int			 cut = 0;

	/* With no converters the framer has already cut the record. */
	if (!chain_is_empty(fl->fc->chain)) {
		buf_reset(&fl->out);
		rc = flow_convert(fl, rec, len, path, &fl->out, &cut);
		if (rc == CONV_DROP) {
			metrics_add(fl->metrics, METRICS_RECORDS_DROPPED, 1);
			return (0);
		}
		out = fl->out.data;
		outlen = fl->out.len;
	}
	if (spool_append(fl->spool, out, outlen) == -1) {
		if (errno != ENOSPC || spool_is_disk_full(fl->spool))
			flow_spool_error(fl, "spool append");
		return (-1);	/* pause reading; nothing is lost */
	}
	/*
	 * Counted now that it is kept: the tailer offers it again on -1.
	 * Cuts are logged and published by flow_sync.
	 */
	if (rc == CONV_ERROR)
		metrics_add(fl->metrics, METRICS_RECORDS_UNCONVERTED, 1);
	fl->truncated += cut;
	/*
	 * A long record's buffer is not kept for the next short one.  On its
	 * length, not the buffer's size: chain_run_append reserves twice the
	 * input, and a size test would free and grow again for every record
	 * of a steady stream of long ones.
	 */
	if (fl->out.len > FLOW_OUT_KEEP)
		buf_free(&fl->out);
	metrics_add(fl->metrics, METRICS_RECORDS_SPOOLED, 1);
	if (!fl->appended) {
		fl->appended = 1;
		if (!loop_timer_is_armed(fl->flush_timer))
			loop_timer_set(fl->flush_timer, 0);
	}
	return (0);
}

/*
 * Saves the file offsets, once the records are durable.  A save that
 * fails (the registry cannot grow on a full disk) keeps the previous one
 * on disk and is tried again at the next sync interval, reported as a
 * problem (STYLE rule 23): lines would be read again, none lost.
 */
static void
flow_checkpoint(struct flow *fl)
{
	char	*cause = NULL;

	if (tailer_checkpoint(fl->tailer, &cause) == -1) {
		problem_report(fl->p_save, "%s", cause);
		free(cause);
	} else
		problem_clear(fl->p_save);
	if (problem_is_active(fl->p_save)) {
		fl->unsynced = 1;
		loop_timer_set(fl->sync_timer,
		    fl->cfg->spool_fsync_interval_ms);
	}
}

/* Makes a flow's records durable, then moves its file checkpoints. */
static void
flow_sync(struct flow *fl)
{
	uint64_t	n;
	int		rv;

	if (!fl->unsynced)
		return;
	if (fl->cfg->spool_fsync == CONFIG_FSYNC_NEVER)
		rv = spool_flush(fl->spool);
	else
		rv = spool_sync(fl->spool);
	if (rv == -1) {
		flow_spool_error(fl, "spool sync");
		return;		/* checkpoints stay where they were */
	}
	if (fl->full)
		flow_full_check(fl);
	fl->unsynced = 0;
	/* Once per sync, as the tailer publishes its cuts, not per record. */
	if (fl->truncated != fl->truncated_logged) {
		n = fl->truncated - fl->truncated_logged;
		log_warnx("flow=%s: %llu converted record%s longer than %zu "
		    "bytes cut with truncatedRecordTerminator", fl->name,
		    (unsigned long long)n, n == 1 ? "" : "s",
		    fl->limits.max_record);
		metrics_add(fl->metrics, METRICS_RECORDS_TRUNCATED, n);
		fl->truncated_logged = fl->truncated;
	}
	flow_checkpoint(fl);
	tailer_publish(fl->tailer);
}

/* Soon after appends: hands them to the sender, then syncs on time. */
static void
flow_flush_cb(void *arg)
{
	struct flow		*fl = arg;
	struct spool_pos	 tail;

	if (fl->appended) {
		fl->appended = 0;
		fl->unsynced = 1;
		if (spool_flush(fl->spool) == -1)
			flow_spool_error(fl, "spool flush");
		else {
			if (fl->full)
				flow_full_check(fl);
			if (fl->cfg->spool_fsync != CONFIG_FSYNC_ALWAYS) {
				spool_tail(fl->spool, &tail);
				tailer_flushed(fl->tailer, tail.seg, tail.off);
			}
		}
		/* The sender updates them on acks; appends grow them here. */
		flow_spool_metrics(fl);
		if (fl->cfg->spool_fsync == CONFIG_FSYNC_ALWAYS)
			flow_sync(fl);
	}
	if (!loop_timer_is_armed(fl->sync_timer))
		loop_timer_set(fl->sync_timer,
		    fl->cfg->spool_fsync_interval_ms);
}

static void
flow_sync_cb(void *arg)
{
	flow_sync(arg);
}

/* The registry asks whether the spool still holds records (registry.h). */
static int
flow_spool_intact(void *arg, uint64_t seg, uint64_t off)
{
	struct flow		*fl = arg;
	struct spool_pos	 pos = { seg, off };

	return (spool_is_intact_to(fl->spool, &pos));
}

/* Opens the flow's spool under the state directory, and its counters. */
static int
flow_open_spool(struct flow *fl, char **cause)
{
	const struct config_flow *fc = fl->fc;
	char			 *spooldir, *who;
	int			  rv = -1;

	/* The state belongs to the flow's name (state.h). */
	fl->dir = state_flow_dir(fl->cfg->state_directory, fl->name);
	xasprintf(&spooldir, "%s/spool", fl->dir);
	if (state_flow_dir_check(fl->cfg->state_directory, fl->dir,
	    cause) == -1 || durable_mkdirs(spooldir, 0750, cause) == -1)
		goto out;
	fl->spool = spool_open(spooldir, (uint64_t)fl->cfg->spool_max_bytes,
	    FLOW_SEGMENT_BYTES, fl->cfg->spool_fsync, cause);
	if (fl->spool == NULL)
		goto out;
	fl->metrics = metrics_create(fl->name, fc->dest ==
	    CONFIG_DEST_FIREHOSE ? "firehose" : "kinesis", fc->stream,
	    fc->file_pattern);
	/* What the spool holds is known now: status is right at once. */
	flow_spool_metrics(fl);
	xasprintf(&who, "flow=%s", fl->name);
	fl->p_save = metrics_add_problem(fl->metrics, who,
	    "file offsets not saved", fl->cfg->status_period_s > 0 ?
	    (uint64_t)fl->cfg->status_period_s : 0);
	free(who);
	rv = 0;
out:
	free(spooldir);
	return (rv);
}

struct flow *
flow_create(const struct flow_env *env, const struct config_flow *fc,
    const char *name, char **cause)
{
	struct flow		*fl;
	struct tailer_params	 tp;

	fl = xcalloc(1, sizeof *fl);
	fl->cfg = env->cfg;
	if (flow_init(fl, env, fc, name, cause) == -1 ||
	    flow_open_spool(fl, cause) == -1)
		goto fail;
	fl->flush_timer = loop_timer_new(env->ingest, flow_flush_cb, fl);
	fl->sync_timer = loop_timer_new(env->ingest, flow_sync_cb, fl);
	if (spool_is_disk_full(fl->spool))
		flow_full_check(fl);

	memset(&tp, 0, sizeof tp);
	tp.flow = fl->name;
	tp.pattern = fc->file_pattern;
	tp.start_at_end = fc->initial_position == CONFIG_POSITION_END_OF_FILE;
	tp.state_dir = fl->dir;
	tp.ttl_days = env->cfg->checkpoint_ttl_days;
	tp.framer = fl->framer;
	tp.emit = flow_emit;
	tp.arg = fl;
	tp.metrics = fl->metrics;
	tp.max_open = env->max_open;
	tp.close_inactive_ms = (uint64_t)fc->close_inactive_ms;
	tp.rotated_quiet_ms = (uint64_t)fc->rotated_quiet_ms;
	tp.max_rotated = (size_t)fc->max_open_rotated;
	tp.poll = fc->watch_mode == CONFIG_WATCH_POLL;
	tp.poll_ms = (uint64_t)fc->poll_interval_ms;
	tp.summary_ms = (uint64_t)env->cfg->status_period_s * 1000;
	tp.intact = flow_spool_intact;
	tp.intact_arg = fl;
	if ((fl->tailer = tailer_create(env->ingest, &tp, cause)) == NULL)
		goto fail;
	if (env->delivery != NULL && flow_create_sender(fl, env, cause) == -1)
		goto fail;
	log_info("flow=%s: %s stream %s, files %s, state %s", fl->name,
	    metrics_dest(fl->metrics), fc->stream, fc->file_pattern, fl->dir);
	return (fl);

fail:
	flow_free(fl);
	return (NULL);
}

int
flow_create_sender(struct flow *fl, const struct flow_env *env,
    char **cause)
{
	fl->sender = sender_create(env->delivery, env->http, env->cfg, fl->fc,
	    fl->spool, env->creds, fl->metrics, cause);
	return (fl->sender == NULL ? -1 : 0);
}

void
flow_start(struct flow *fl)
{
	tailer_start(fl->tailer);
}

const char *
flow_name(struct flow *fl)
{
	return (fl->name);
}

struct metrics *
flow_metrics(struct flow *fl)
{
	return (fl->metrics);
}

void
flow_stop(struct flow *fl, uint64_t deadline)
{
	loop_timer_cancel(fl->flush_timer);
	loop_timer_cancel(fl->sync_timer);

	/*
	 * Deleted files still held open are read to their end first: their
	 * bytes cannot be found again once the descriptors close.  Before
	 * the sync, so that their records join the spool, then checkpoints.
	 */
	tailer_drain_deleted(fl->tailer, deadline);

	/*
	 * A multi-line record the framer still holds is not flushed: the
	 * file's checkpoint stays before it (tailer_checkpoint saves the
	 * end of settled bytes), so the next start reads it again whole,
	 * with the lines the application may still add to it.
	 */
	fl->unsynced = 1;
	flow_sync(fl);
}

void
flow_drain(struct flow *fl, void (*drained)(void *), void *arg)
{
	sender_drain(fl->sender, drained, arg);
}

size_t
flow_finish(struct flow *fl)
{
	return (sender_finish(fl->sender));
}

void
flow_close(struct flow *fl)
{
	tailer_free(fl->tailer);
	fl->tailer = NULL;
	loop_timer_free(fl->flush_timer);
	fl->flush_timer = NULL;
	loop_timer_free(fl->sync_timer);
	fl->sync_timer = NULL;
}

void
flow_free_sender(struct flow *fl)
{
	sender_free(fl->sender);
	fl->sender = NULL;
}

struct spool *
flow_spool(struct flow *fl)
{
	return (fl->spool);
}

int64_t
flow_replay(struct flow *fl, char **cause)
{
	if (fl->sender == NULL) {
		xasprintf(cause, "flow %s does not send", fl->name);
		return (-1);
	}
	return (sender_replay(fl->sender, cause));
}

int
flow_pause(struct flow *fl, time_t since)
{
	if (fl->sender == NULL)
		return (0);
	if (since == 0) {
		if (!sender_is_paused(fl->sender))
			return (0);
		sender_pause(fl->sender, 0);
		metrics_set_paused(fl->metrics, 0);
		log_info("flow=%s: delivery resumed", fl->name);
		return (1);
	}
	if (sender_is_paused(fl->sender))
		return (0);
	sender_pause(fl->sender, 1);
	metrics_set_paused(fl->metrics, since);
	log_info("flow=%s: delivery paused (sluicectl resume ends it; "
	    "reading into the spool goes on)", fl->name);
	return (1);
}

time_t
flow_paused(struct flow *fl)
{
	return (metrics_paused(fl->metrics));
}

size_t
flow_flush(struct flow *fl)
{
	if (fl->sender == NULL)
		return (0);
	return (sender_flush(fl->sender));
}

int64_t
flow_skip(struct flow *fl, const char *path, char **cause)
{
	int64_t	n;

	if ((n = tailer_skip(fl->tailer, path, cause)) == -1)
		return (-1);
	/* Never silent: the operator chose to drop these bytes. */
	log_warnx("flow=%s: sluicectl files skip: %lld bytes of %s skipped, "
	    "never to be sent", fl->name, (long long)n,
	    path != NULL ? path : "every file");
	metrics_add(fl->metrics, METRICS_BYTES_SKIPPED, (uint64_t)n);
	/* Saved now, with the records before it made durable first. */
	fl->unsynced = 1;
	flow_sync(fl);
	tailer_publish(fl->tailer);
	return (n);
}

int
flow_adopt_registry(struct flow *fl, const char *dir, char **cause)
{
	if (tailer_merge_registry(fl->tailer, dir, cause) == -1)
		return (-1);
	/* Saved with the flow's own offsets, once its records are durable. */
	fl->unsynced = 1;
	flow_sync(fl);
	return (0);
}

void
flow_free(struct flow *fl)
{
	if (fl == NULL)
		return;
	sender_free(fl->sender);
	tailer_free(fl->tailer);
	loop_timer_free(fl->flush_timer);
	loop_timer_free(fl->sync_timer);
	framer_conf_free(fl->framer);
	spool_close(fl->spool);
	metrics_free(fl->metrics);
	buf_free(&fl->out);
	free(fl->dir);
	free(fl->name);
	free(fl);
}

/* -p: what has been read and written. */
struct flow_pipe {
	struct flow	*fl;
	struct framer	*fr;
	struct buf	 buf;		/* records not yet written */
	uint64_t	 records;
	uint64_t	 dropped;
	uint64_t	 unconverted;
	int		 failed;	/* writing stdout failed */
};

/* Writes out what -p has collected; -1 when stdout fails. */
static int
flow_pipe_write(struct flow_pipe *po)
{
	const char	*p = po->buf.data;
	size_t		 left = po->buf.len;
	ssize_t		 n;

	buf_reset(&po->buf);
	while (left > 0) {
		if ((n = write(STDOUT_FILENO, p, left)) == -1) {
			if (errno == EINTR)
				continue;
			po->failed = 1;
			return (-1);
		}
		p += n;
		left -= n;
	}
	return (0);
}

/*
 * -p: a record goes to standard output exactly as it would be sent.  The
 * converters write records one after the other into one buffer, which is
 * written out a megabyte at a time.
 */
static int
flow_pipe_emit(void *arg, const char *rec, size_t len)
{
	struct flow_pipe	*po = arg;
	enum conv_result	 rc;
	int			 cut;

	rc = flow_convert(po->fl, rec, len, "-", &po->buf, &cut);
	if (rc == CONV_DROP) {
		po->dropped++;
		return (0);
	}
	po->records++;
	if (rc == CONV_ERROR)
		po->unconverted++;
	po->fl->truncated += cut;
	if (po->buf.len >= FLOW_PIPE_BUF)
		return (flow_pipe_write(po));
	return (0);
}

/* Finds the flow config named name; NULL (logged) if none or ambiguous. */
static const struct config_flow *
flow_pipe_find(const struct config *cfg, const char *name)
{
	const struct config_flow	*fc = NULL;
	struct buf			 names;
	size_t				 i;

	/* Names are unique (config.c): an unnamed flow goes by its stream. */
	for (i = 0; i < cfg->nflows && fc == NULL; i++)
		if (strcmp(cfg->flows[i].name, name) == 0)
			fc = &cfg->flows[i];
	if (fc != NULL)
		return (fc);
	for (i = 0; i < cfg->nflows; i++) {
		if (!cfg->flows[i].named &&
		    strcmp(cfg->flows[i].stream, name) == 0) {
			log_warnx("%s: more than one unnamed flow sends to "
			    "\"%s\": pick one by its name (sluiced -n lists "
			    "them), or give them names", cfg->path, name);
			return (NULL);
		}
	}
	if (fc == NULL && cfg->nflows == 0)
		log_warnx("no flow named \"%s\": %s has no flows", name,
		    cfg->path);
	else if (fc == NULL) {
		/* The names to choose from; a duplicate is listed twice. */
		buf_init(&names, FLOW_PIPE_NAMES_MAX);
		for (i = 0; i < cfg->nflows; i++)
			buf_printf(&names, "%s%s", i > 0 ? ", " : "",
			    cfg->flows[i].name);
		log_warnx("no flow named \"%s\" in %s (an unnamed flow goes "
		    "by its stream); its flows: %s%s", name, cfg->path,
		    buf_cstr(&names), buf_has_failed(&names) ? "..." : "");
		buf_free(&names);
	}
	return (fc);
}

/* Reads standard input to its end through the framer; 0 or -1. */
static int
flow_pipe_read(struct flow_pipe *po)
{
	char	*buf;
	ssize_t	 n;
	int	 stopped, rv = 0;

	buf = xmalloc(FLOW_PIPE_BUF);
	for (;;) {
		n = read(STDIN_FILENO, buf, FLOW_PIPE_BUF);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("standard input");
			rv = -1;
			break;
		}
		if (n == 0) {
			if (framer_flush(po->fr, flow_pipe_emit, po) == -1)
				rv = -1;
			break;
		}
		/*
		 * Input is read as fast as it comes, so a multi-line record
		 * is only complete at its next start line or at the end.
		 */
		framer_feed(po->fr, buf, n, 0, flow_pipe_emit, po, &stopped);
		if (stopped) {
			rv = -1;
			break;
		}
	}
	free(buf);
	return (rv);
}

int
flow_pipe(const struct flow_env *env, const char *name)
{
	const struct config_flow	*fc;
	const struct framer_stats	*st;
	struct flow			 fl;
	struct flow_pipe		 po;
	char				*cause = NULL;
	int				 rv = 0;

	if ((fc = flow_pipe_find(env->cfg, name)) == NULL)
		return (1);
	memset(&fl, 0, sizeof fl);
	memset(&po, 0, sizeof po);
	if (flow_init(&fl, env, fc, fc->name, &cause) == -1) {
		log_warnx("flow=%s: %s", fc->name, cause);
		free(cause);
		free(fl.name);
		return (1);
	}
	po.fl = &fl;
	po.fr = framer_create(fl.framer, 1, NULL);
	/* Written out once past FLOW_PIPE_BUF: room for one record more. */
	buf_init(&po.buf, FLOW_PIPE_BUF + flow_conv_max(&fl));
	(void)buf_reserve(&po.buf, 2 * FLOW_PIPE_BUF);
	if (flow_pipe_read(&po) == -1)
		rv = 1;
	if (!po.failed)
		flow_pipe_write(&po);
	if (po.failed) {
		log_warn("standard output");
		rv = 1;
	}
	st = framer_stats(po.fr);
	if (st->runaway > 0)
		log_warnx("%llu record%s longer than the %zu-byte read buffer "
		    "cut there, the rest discarded",
		    (unsigned long long)st->runaway, st->runaway == 1 ? "" :
		    "s", framer_conf_max_record(fl.framer));
	fprintf(stderr, "records=%llu dropped=%llu failed=%llu "
	    "truncated=%llu\n", (unsigned long long)po.records,
	    (unsigned long long)po.dropped,
	    (unsigned long long)po.unconverted,
	    (unsigned long long)(st->truncated + fl.truncated));
	framer_free(po.fr);
	framer_conf_free(fl.framer);
	buf_free(&po.buf);
	free(fl.name);
	return (rv);
}
