/*
 * state: see state.h.
 *
 * An orphan is adopted on the ingest thread, which owns the appends to
 * the adopting flow's spool: a control request marks the orphan and
 * wakes the ingest loop through an eventfd, and each loop turn then moves
 * a bounded chunk (STATE_CHUNK_RECORDS, STATE_CHUNK_BYTES) from the
 * orphan's cursor to the end of the flow's spool, syncs the flow's spool
 * and only then acknowledges the chunk in the orphan's spool.  A crash
 * in between delivers that chunk twice, never loses it.  When the orphan
 * is empty its registry joins the flow's (flow_adopt_registry) and its
 * directory is removed.
 *
 * A replay of a flow's dead letters (deadletter.h) goes the same way: the
 * control request, on the delivery thread, has the sender move the file
 * aside; the ingest thread appends its records to the flow's spool, syncs
 * it, and only then removes the file.  A replay file found at start (a
 * crash in between) is replayed again.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* nftw's FTW_PHYS */
#endif

#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/epoll.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl_proto.h"
#include "deadletter.h"
#include "durable.h"
#include "flow.h"
#include "log.h"
#include "loop.h"
#include "spool.h"
#include "state.h"
#include "xmalloc.h"

#define STATE_DISCARD_PREFIX	".discard-"
#define STATE_CHUNK_RECORDS	1000	/* moved per ingest loop turn */
#define STATE_CHUNK_BYTES	(4U * 1024 * 1024)
#define STATE_FULL_WAIT_MS	1000	/* the adopting spool was full */
#define STATE_SEGMENT_BYTES	(64ULL * 1024 * 1024)	/* not appended */
#define STATE_LIST_MAX		8	/* names in a summary line */

struct state_orphan {
	char		*name;
	char		*path;		/* its directory */
	int		 old_layout;	/* a sluice 0.x directory */
	uint64_t	 records;	/* not yet sent */
	uint64_t	 bytes;
	char		*error;		/* why its spool cannot open, or NULL */
	struct flow	*into;		/* being adopted by, or NULL */
	struct spool	*spool;		/* open while adopted (ingest) */
	struct spool_pos pos;		/* next record to move (ingest) */
	uint64_t	 moved;
};

struct state_refused {
	char	*name;
	char	*cause;
};

struct state {
	const struct config	 *cfg;
	char			 *flowsdir;
	pthread_mutex_t		  mtx;		/* the lists below */
	struct state_orphan	**orphans;
	size_t			  norphans;
	struct state_refused	 *refused;
	size_t			  nrefused;
	struct flow		**flows;
	size_t			  nflows;
	struct flow		**replays;	/* dead letters to append */
	size_t			  nreplays;
	struct loop		 *loop;		/* ingest */
	int			  efd;		/* adopt requests */
	struct loop_timer	 *work_timer;	/* the next chunk */
	struct loop_timer	 *summary_timer;
	int			  reported;	/* orphans were logged */
};

char *
state_flow_dir(const char *statedir, const char *name)
{
	char	*path;

	xasprintf(&path, "%s/%s/%s", statedir, STATE_FLOWS_DIR, name);
	return (path);
}

/* sluice 0.x's flow_dir_name, unchanged: migration must find its names. */
char *
state_old_dir_name(const struct config_flow *fc)
{
	const char	*kind, *s;
	char		*id, *name, *clean, *p;
	uint32_t	 h = 2166136261u;

	kind = fc->dest == CONFIG_DEST_FIREHOSE ? "fh" : "kinesis";
	xasprintf(&id, "%s:%s:%s", kind, fc->stream, fc->file_pattern);
	for (s = id; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	clean = xstrdup(fc->stream);
	for (p = clean; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.'))
			*p = '_';
	xasprintf(&name, "%s-%s-%08x", kind, clean, h);
	free(clean);
	free(id);
	return (name);
}

/* Returns 1 if name has the shape of state_old_dir_name's names. */
static int
state_is_old_name(const char *name)
{
	size_t	len = strlen(name);

	if (strncmp(name, "kinesis-", 8) != 0 && strncmp(name, "fh-", 3) != 0)
		return (0);
	if (len < 12 || name[len - 9] != '-')
		return (0);
	return (strspn(name + len - 8, "0123456789abcdef") == 8);
}

static int
state_is_dir(const char *path)
{
	struct stat	sb;

	return (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode));
}

static int
state_rm_cb(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	if (remove(path) == -1 && errno != ENOENT)
		log_warn("removing %s", path);
	return (0);
}

/*
 * Removes the directory path and all it holds: renamed out of the way
 * first (and the rename made durable), so that a crash leaves a
 * .discard- leftover, which the next start finishes, not half a state.
 * Returns 0, or -1 with *cause set.
 */
static int
state_remove(const char *path, char **cause)
{
	const char	*base;
	char		*parent, *tmp;
	int		 rv = -1;

	base = strrchr(path, '/');
	parent = xstrdup(path);
	parent[base - path] = '\0';
	xasprintf(&tmp, "%s/%s%s", parent, STATE_DISCARD_PREFIX, base + 1);
	if (rename(path, tmp) == -1) {
		xasprintf(cause, "rename %s: %s", path, strerror(errno));
		goto out;
	}
	if (durable_fsync_dir(parent, cause) == -1)
		goto out;
	(void)nftw(tmp, state_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	rv = 0;
out:
	free(tmp);
	free(parent);
	return (rv);
}

/* Finishes the removals a crash interrupted, in dir. */
static void
state_finish_removals(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		*path;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, STATE_DISCARD_PREFIX,
		    strlen(STATE_DISCARD_PREFIX)) != 0)
			continue;
		xasprintf(&path, "%s/%s", dir, de->d_name);
		log_info("%s: finishing its removal", path);
		(void)nftw(path, state_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
		free(path);
	}
	closedir(d);
}

/*
 * Moves a configured flow's old-layout directory to flows/<name>, unless
 * that exists already (then the old one is an orphan).  The rename is
 * atomic; both parents are synced so it survives a power loss.
 */
static void
state_migrate(struct state *st, const struct config_flow *fc)
{
	const char	*sd = st->cfg->state_directory;
	char		*oldname, *old, *new, *cause = NULL;

	if (fc->stream == NULL || fc->file_pattern == NULL)
		return;
	oldname = state_old_dir_name(fc);
	xasprintf(&old, "%s/%s", sd, oldname);
	new = state_flow_dir(sd, fc->name);
	if (!state_is_dir(old) || state_is_dir(new))
		goto out;
	if (rename(old, new) == -1) {
		log_warn("flow=%s: migrating %s to %s", fc->name, old, new);
		goto out;
	}
	if (durable_fsync_dir(st->flowsdir, &cause) == -1 ||
	    durable_fsync_dir(sd, &cause) == -1) {
		log_warnx("flow=%s: %s", fc->name, cause);
		free(cause);
	}
	log_info("flow=%s: state migrated from %s to %s", fc->name, old, new);
out:
	free(new);
	free(old);
	free(oldname);
}

/* Returns 1 if a configured flow has this name. */
static int
state_is_claimed(const struct state *st, const char *name)
{
	size_t	i;

	for (i = 0; i < st->cfg->nflows; i++)
		if (st->cfg->flows[i].name != NULL &&
		    strcmp(st->cfg->flows[i].name, name) == 0)
			return (1);
	return (0);
}

/*
 * Counts an orphan's unsent records by reading its spool from the
 * cursor.  A spool that cannot be opened (a newer format) keeps its
 * cause, for the listing.
 */
static void
state_count(struct state *st, struct state_orphan *o)
{
	struct spool		*sp;
	struct spool_pos	 pos, next;
	const void		*data;
	size_t			 len;
	char			*dir, *cause = NULL;

	xasprintf(&dir, "%s/spool", o->path);
	if (!state_is_dir(dir)) {
		free(dir);
		return;
	}
	sp = spool_open(dir, (uint64_t)st->cfg->spool_max_bytes,
	    STATE_SEGMENT_BYTES, CONFIG_FSYNC_INTERVAL, &cause);
	free(dir);
	if (sp == NULL) {
		o->error = cause;
		return;
	}
	spool_cursor(sp, &pos);
	while (spool_read(sp, &pos, &data, &len, &next) == SPOOL_RECORD) {
		o->records++;
		pos = next;
	}
	o->bytes = spool_pending_bytes(sp);
	spool_close(sp);
}

static void
state_add_orphan(struct state *st, const char *dir, const char *name,
    int old_layout)
{
	struct state_orphan	*o;

	o = xcalloc(1, sizeof *o);
	o->name = xstrdup(name);
	xasprintf(&o->path, "%s/%s", dir, name);
	o->old_layout = old_layout;
	state_count(st, o);
	st->orphans = xreallocarray(st->orphans, st->norphans + 1,
	    sizeof *st->orphans);
	st->orphans[st->norphans++] = o;
}

/* Finds the orphans in dir: under flows/, or old-layout ones. */
static void
state_scan(struct state *st, const char *dir, int old_layout)
{
	DIR		*d;
	struct dirent	*de;
	char		*path;
	int		 isdir;

	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT)
			log_warn("%s", dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (old_layout && !state_is_old_name(de->d_name))
			continue;
		xasprintf(&path, "%s/%s", dir, de->d_name);
		isdir = state_is_dir(path);
		free(path);
		if (!isdir || (!old_layout &&
		    state_is_claimed(st, de->d_name)))
			continue;
		state_add_orphan(st, dir, de->d_name, old_layout);
	}
	closedir(d);
}

struct state *
state_open(const struct config *cfg)
{
	struct state	*st;
	char		*cause = NULL;
	size_t		 i;

	st = xcalloc(1, sizeof *st);
	st->cfg = cfg;
	st->efd = -1;
	pthread_mutex_init(&st->mtx, NULL);
	xasprintf(&st->flowsdir, "%s/%s", cfg->state_directory,
	    STATE_FLOWS_DIR);
	if (durable_mkdirs(st->flowsdir, 0750, &cause) == -1) {
		/* Each flow then says why its state cannot be opened. */
		log_warnx("%s", cause);
		free(cause);
	}
	state_finish_removals(cfg->state_directory);
	state_finish_removals(st->flowsdir);
	for (i = 0; i < cfg->nflows; i++)
		state_migrate(st, &cfg->flows[i]);
	state_scan(st, st->flowsdir, 0);
	state_scan(st, cfg->state_directory, 1);
	return (st);
}

/* The path of flow fl's dead-letter file, or replay file (caller frees). */
static char *
state_deadletter_path(struct state *st, struct flow *fl, const char *file)
{
	char	*dir, *path;

	dir = state_flow_dir(st->cfg->state_directory, flow_name(fl));
	xasprintf(&path, "%s/%s", dir, file);
	free(dir);
	return (path);
}

/* Queues a replay of fl's dead letters; called with the mutex held. */
static void
state_queue_replay(struct state *st, struct flow *fl)
{
	st->replays = xreallocarray(st->replays, st->nreplays + 1,
	    sizeof *st->replays);
	st->replays[st->nreplays++] = fl;
}

void
state_add_flow(struct state *st, struct flow *fl)
{
	char	*replay;

	/* A replay cut short by a stop or a crash is done again. */
	replay = state_deadletter_path(st, fl, DEADLETTER_REPLAY);
	if (access(replay, F_OK) == 0) {
		pthread_mutex_lock(&st->mtx);
		state_queue_replay(st, fl);
		pthread_mutex_unlock(&st->mtx);
	}
	free(replay);

	pthread_mutex_lock(&st->mtx);
	st->flows = xreallocarray(st->flows, st->nflows + 1,
	    sizeof *st->flows);
	st->flows[st->nflows++] = fl;
	pthread_mutex_unlock(&st->mtx);
}

void
state_refuse(struct state *st, const char *name, const char *cause)
{
	pthread_mutex_lock(&st->mtx);
	st->refused = xreallocarray(st->refused, st->nrefused + 1,
	    sizeof *st->refused);
	st->refused[st->nrefused].name = xstrdup(name);
	st->refused[st->nrefused].cause = xstrdup(cause);
	st->nrefused++;
	pthread_mutex_unlock(&st->mtx);
}

/* The orphan named name, or NULL; called with the mutex held. */
static struct state_orphan *
state_find(struct state *st, const char *name)
{
	size_t	i;

	for (i = 0; i < st->norphans; i++)
		if (strcmp(st->orphans[i]->name, name) == 0)
			return (st->orphans[i]);
	return (NULL);
}

/* Takes o off the list and frees it; called with the mutex held. */
static void
state_drop(struct state *st, struct state_orphan *o)
{
	size_t	i;

	for (i = 0; i < st->norphans; i++)
		if (st->orphans[i] == o)
			break;
	if (i == st->norphans)
		return;
	memmove(&st->orphans[i], &st->orphans[i + 1],
	    (st->norphans - i - 1) * sizeof *st->orphans);
	st->norphans--;
	spool_close(o->spool);
	free(o->error);
	free(o->path);
	free(o->name);
	free(o);
}

static void
state_log_orphan(const struct state_orphan *o)
{
	if (o->error != NULL) {
		log_warnx("state %s at %s: no configured flow claims it, and "
		    "its spool cannot be read: %s", o->name, o->path,
		    o->error);
		return;
	}
	log_warnx("state %s at %s: %llu unsent record%s (%llu bytes) that "
	    "no configured flow claims; `sluicectl state adopt %s FLOW` "
	    "delivers them through FLOW, `sluicectl state discard %s` "
	    "removes them", o->name, o->path,
	    (unsigned long long)o->records, o->records == 1 ? "" : "s",
	    (unsigned long long)o->bytes, o->name, o->name);
}

int
state_lock(const char *dir, char **cause)
{
	char	*path;
	int	 fd, saved = 0;

	xasprintf(&path, "%s/%s", dir, STATE_LOCK_FILE);
	if ((fd = open(path, O_RDWR|O_CREAT|O_CLOEXEC, 0640)) == -1) {
		saved = errno;
		xasprintf(cause, "%s: %s", path, strerror(saved));
	} else if (flock(fd, LOCK_EX|LOCK_NB) == -1) {
		saved = errno;
		xasprintf(cause, "flock %s: %s", path, strerror(saved));
		close(fd);
		fd = -1;
	}
	free(path);
	if (fd == -1)
		errno = saved;
	return (fd);
}

void
state_remove_flow(struct state *st, struct flow *fl)
{
	size_t	i;

	pthread_mutex_lock(&st->mtx);
	for (i = 0; i < st->nflows; i++) {
		if (st->flows[i] != fl)
			continue;
		memmove(&st->flows[i], &st->flows[i + 1],
		    (st->nflows - i - 1) * sizeof *st->flows);
		st->nflows--;
		break;
	}
	/* What was moved is in fl's spool; the rest stays the orphan's. */
	for (i = 0; i < st->norphans; i++) {
		if (st->orphans[i]->into != fl)
			continue;
		log_warnx("state %s: adopt into flow %s stopped by a reload; "
		    "it stays an orphan with what was not moved",
		    st->orphans[i]->name, flow_name(fl));
		spool_close(st->orphans[i]->spool);
		st->orphans[i]->spool = NULL;
		st->orphans[i]->into = NULL;
	}
	pthread_mutex_unlock(&st->mtx);
}

void
state_set_config(struct state *st, const struct config *cfg)
{
	size_t	i;

	pthread_mutex_lock(&st->mtx);
	st->cfg = cfg;
	for (i = 0; i < st->nrefused; i++) {
		free(st->refused[i].name);
		free(st->refused[i].cause);
	}
	st->nrefused = 0;
	pthread_mutex_unlock(&st->mtx);
}

void
state_claim(struct state *st, const struct config_flow *fc)
{
	struct state_orphan	*o;
	size_t			 i;

	state_migrate(st, fc);
	pthread_mutex_lock(&st->mtx);
	for (i = 0; i < st->norphans; i++) {
		o = st->orphans[i];
		if (o->old_layout || strcmp(o->name, fc->name) != 0)
			continue;
		if (o->into != NULL)
			log_warnx("state %s: adopt into flow %s stopped: a "
			    "flow of that name is configured now, and the "
			    "state is its own", o->name, flow_name(o->into));
		else
			log_info("state %s: claimed by the flow of that name",
			    o->name);
		state_drop(st, o);
		break;
	}
	pthread_mutex_unlock(&st->mtx);
}

void
state_orphan(struct state *st, const char *name)
{
	struct state_orphan	*o;

	o = xcalloc(1, sizeof *o);
	o->name = xstrdup(name);
	xasprintf(&o->path, "%s/%s", st->flowsdir, name);
	if (!state_is_dir(o->path)) {
		free(o->path);
		free(o->name);
		free(o);
		return;
	}
	state_count(st, o);
	state_log_orphan(o);
	pthread_mutex_lock(&st->mtx);
	st->orphans = xreallocarray(st->orphans, st->norphans + 1,
	    sizeof *st->orphans);
	st->orphans[st->norphans++] = o;
	pthread_mutex_unlock(&st->mtx);
	if (st->summary_timer != NULL &&
	    !loop_timer_is_armed(st->summary_timer))
		loop_timer_set(st->summary_timer,
		    (uint64_t)st->cfg->status_period_s * 1000);
}

int
state_flow_dir_check(const char *statedir, const char *dir, char **cause)
{
	struct stat	 sb;
	char		*top = NULL, *real = NULL;
	size_t		 len;
	int		 rv = -1;

	if (lstat(dir, &sb) == -1) {
		if (errno == ENOENT)
			return (0);	/* created as a directory */
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		return (-1);
	}
	if ((top = realpath(statedir, NULL)) == NULL ||
	    (real = realpath(dir, NULL)) == NULL) {
		xasprintf(cause, "%s: %s", top == NULL ? statedir : dir,
		    strerror(errno));
		goto out;
	}
	len = strlen(top);
	if (strncmp(real, top, len) != 0 || real[len] != '/') {
		xasprintf(cause, "%s leads to %s, outside stateDirectory %s: "
		    "refused (a flow's state is never followed out of the "
		    "state directory; make it a directory)", dir, real, top);
		goto out;
	}
	if (!S_ISDIR(sb.st_mode) && !S_ISLNK(sb.st_mode)) {
		xasprintf(cause, "%s is not a directory", dir);
		goto out;
	}
	rv = 0;
out:
	free(real);
	free(top);
	return (rv);
}

/*
 * While orphans last: a summary every log.statusReportingPeriodSeconds,
 * and a line when the last one is gone (STYLE rule 23).
 */
static void
state_summary_cb(void *arg)
{
	struct state	*st = arg;
	char		*names = NULL, *p;
	uint64_t	 records = 0;
	size_t		 i, n;

	pthread_mutex_lock(&st->mtx);
	n = st->norphans;
	for (i = 0; i < n; i++) {
		records += st->orphans[i]->records;
		if (i == STATE_LIST_MAX) {
			xasprintf(&p, "%s ...", names);
			free(names);
			names = p;
		} else if (i < STATE_LIST_MAX) {
			xasprintf(&p, "%s%s%s", names != NULL ? names : "",
			    names != NULL ? " " : "", st->orphans[i]->name);
			free(names);
			names = p;
		}
	}
	pthread_mutex_unlock(&st->mtx);
	if (n == 0) {
		log_info("no orphaned state is left");
		return;
	}
	log_warnx("%zu orphaned state director%s hold%s %llu unsent "
	    "record%s: %s (sluicectl state)", n, n == 1 ? "y" : "ies",
	    n == 1 ? "s" : "", (unsigned long long)records,
	    records == 1 ? "" : "s", names);
	free(names);
	loop_timer_set(st->summary_timer,
	    (uint64_t)st->cfg->status_period_s * 1000);
}

/* The orphan being adopted, or NULL; its fields are the ingest's. */
static struct state_orphan *
state_adopting(struct state *st)
{
	struct state_orphan	*o = NULL;
	size_t			 i;

	pthread_mutex_lock(&st->mtx);
	for (i = 0; i < st->norphans && o == NULL; i++)
		if (st->orphans[i]->into != NULL)
			o = st->orphans[i];
	pthread_mutex_unlock(&st->mtx);
	return (o);
}

/* Gives up adopting o, which stays an orphan. */
static void
state_adopt_fail(struct state *st, struct state_orphan *o, const char *why)
{
	log_warnx("state %s: adopt into flow %s stopped: %s; it stays an "
	    "orphan with what was not moved", o->name, flow_name(o->into),
	    why);
	pthread_mutex_lock(&st->mtx);
	spool_close(o->spool);
	o->spool = NULL;
	o->into = NULL;
	pthread_mutex_unlock(&st->mtx);
}

/* The orphan is empty: its registry joins the flow's, and it goes. */
static void
state_adopt_finish(struct state *st, struct state_orphan *o)
{
	char	*cause = NULL;

	if (flow_adopt_registry(o->into, o->path, &cause) == -1) {
		state_adopt_fail(st, o, cause);
		free(cause);
		return;
	}
	spool_close(o->spool);
	o->spool = NULL;
	if (state_remove(o->path, &cause) == -1) {
		state_adopt_fail(st, o, cause);
		free(cause);
		return;
	}
	log_info("state %s adopted by flow %s: %llu record%s moved, its "
	    "files' offsets joined the flow's", o->name, flow_name(o->into),
	    (unsigned long long)o->moved, o->moved == 1 ? "" : "s");
	pthread_mutex_lock(&st->mtx);
	state_drop(st, o);
	pthread_mutex_unlock(&st->mtx);
}

/* deadletter_foreach's: appends one dead letter to the spool. */
static int
state_replay_one(const char *error, const void *data, size_t len, void *arg)
{
	(void)error;
	return (spool_append(arg, data, len));
}

/*
 * Appends the dead letters of the first flow waiting for a replay to its
 * spool, syncs it, and removes the replay file.  A file of at most
 * deadLetterMaxBytes goes in one turn: replays are rare and small.  On
 * failure (the spool full) it waits, and what was appended is sent twice.
 */
static void
state_replay(struct state *st)
{
	struct flow	*fl;
	struct spool	*dst;
	char		*path, *dir, *cause = NULL;
	uint64_t	 records, bytes;

	pthread_mutex_lock(&st->mtx);
	fl = st->nreplays > 0 ? st->replays[0] : NULL;
	pthread_mutex_unlock(&st->mtx);
	if (fl == NULL)
		return;
	path = state_deadletter_path(st, fl, DEADLETTER_REPLAY);
	dst = flow_spool(fl);
	if (deadletter_stat(path, &records, &bytes) == -1 ||
	    deadletter_foreach(path, state_replay_one, dst) == -1 ||
	    spool_sync(dst) == -1) {
		log_warn("flow=%s: replaying %s (tried again in %d ms)",
		    flow_name(fl), path, STATE_FULL_WAIT_MS);
		free(path);
		loop_timer_set(st->work_timer, STATE_FULL_WAIT_MS);
		return;
	}
	if (unlink(path) == -1)
		log_warn("flow=%s: removing %s", flow_name(fl), path);
	dir = state_flow_dir(st->cfg->state_directory, flow_name(fl));
	if (durable_fsync_dir(dir, &cause) == -1) {
		log_warnx("flow=%s: %s", flow_name(fl), cause);
		free(cause);
	}
	free(dir);
	log_info("flow=%s: %llu dead letter%s replayed: appended to the "
	    "spool from %s", flow_name(fl), (unsigned long long)records,
	    records == 1 ? "" : "s", path);
	free(path);
	pthread_mutex_lock(&st->mtx);
	memmove(st->replays, st->replays + 1,
	    --st->nreplays * sizeof *st->replays);
	pthread_mutex_unlock(&st->mtx);
	loop_timer_set(st->work_timer, 0);
}

/*
 * Moves one chunk of the orphan being adopted to its flow's spool.  The
 * chunk is acknowledged in the orphan only once the flow's spool synced
 * it: a crash delivers it twice, never not at all.
 */
static void
state_work_cb(void *arg)
{
	struct state		*st = arg;
	struct state_orphan	*o;
	struct spool		*dst;
	struct spool_pos	 pos, next;
	const void		*data;
	size_t			 len, bytes = 0;
	uint64_t		 n = 0;
	enum spool_read_result	 r = SPOOL_RECORD;
	char			*dir, *cause = NULL;
	int			 full = 0;

	state_replay(st);
	if (loop_timer_is_armed(st->work_timer))
		return;
	if ((o = state_adopting(st)) == NULL)
		return;
	if (o->spool == NULL) {
		xasprintf(&dir, "%s/spool", o->path);
		o->spool = spool_open(dir, (uint64_t)st->cfg->spool_max_bytes,
		    STATE_SEGMENT_BYTES, st->cfg->spool_fsync, &cause);
		free(dir);
		if (o->spool == NULL) {
			state_adopt_fail(st, o, cause);
			free(cause);
			return;
		}
		spool_cursor(o->spool, &o->pos);
	}
	dst = flow_spool(o->into);
	pos = o->pos;
	while (n < STATE_CHUNK_RECORDS && bytes < STATE_CHUNK_BYTES) {
		r = spool_read(o->spool, &pos, &data, &len, &next);
		if (r != SPOOL_RECORD)
			break;
		if (spool_append(dst, data, len) == -1) {
			if (errno != ENOSPC) {
				state_adopt_fail(st, o, strerror(errno));
				return;
			}
			full = 1;
			break;
		}
		pos = next;
		n++;
		bytes += len;
	}
	if (r == SPOOL_ERROR) {
		state_adopt_fail(st, o, strerror(errno));
		return;
	}
	if (n > 0) {
		if (spool_sync(dst) == -1) {
			state_adopt_fail(st, o, strerror(errno));
			return;
		}
		if (spool_ack(o->spool, &pos) == -1 ||
		    spool_save_cursor(o->spool) == -1)
			log_warn("state %s: saving its cursor", o->name);
		pthread_mutex_lock(&st->mtx);
		o->pos = pos;
		o->moved += n;
		o->records -= n < o->records ? n : o->records;
		o->bytes = spool_pending_bytes(o->spool);
		pthread_mutex_unlock(&st->mtx);
	}
	if (r == SPOOL_EMPTY && !full) {
		state_adopt_finish(st, o);
		loop_timer_set(st->work_timer, 0);	/* the next request */
		return;
	}
	loop_timer_set(st->work_timer, full ? STATE_FULL_WAIT_MS : 0);
}

static void
state_wake_cb(int fd, uint32_t events, void *arg)
{
	struct state	*st = arg;
	uint64_t	 v;

	(void)events;
	(void)read(fd, &v, sizeof v);
	if (!loop_timer_is_armed(st->work_timer))
		loop_timer_set(st->work_timer, 0);
}

void
state_start(struct state *st, struct loop *ingest)
{
	size_t	i;

	st->loop = ingest;
	st->work_timer = loop_timer_new(ingest, state_work_cb, st);
	st->summary_timer = loop_timer_new(ingest, state_summary_cb, st);
	st->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (st->efd == -1 ||
	    loop_add_fd(ingest, st->efd, EPOLLIN, state_wake_cb, st) == -1)
		log_warn("state: cannot watch for adopt requests");
	for (i = 0; i < st->norphans; i++)
		state_log_orphan(st->orphans[i]);
	if (st->norphans > 0)
		loop_timer_set(st->summary_timer,
		    (uint64_t)st->cfg->status_period_s * 1000);
	if (st->nreplays > 0)
		loop_timer_set(st->work_timer, 0);
}

/* An orphan as JSON; called with the mutex held. */
static json_t *
state_orphan_json(const struct state_orphan *o)
{
	json_t	*j;

	j = json_pack("{s:s, s:s, s:I, s:I, s:b}", "name", o->name,
	    "path", o->path, "records", (json_int_t)o->records,
	    "bytes", (json_int_t)o->bytes, "oldLayout", o->old_layout);
	if (j == NULL)
		return (json_object());
	if (o->error != NULL)
		json_object_set_new(j, "error", json_string(o->error));
	if (o->into != NULL)
		json_object_set_new(j, "adoptingInto",
		    json_string(flow_name(o->into)));
	return (j);
}

/*
 * The flows' dead letters: records their destination refused for their
 * content, kept in each flow's dead-letter file, and those being replayed.
 */
static json_t *
state_deadletters_json(struct state *st)
{
	json_t		*a;
	char		*path, *replay;
	uint64_t	 records, bytes, rrecords, rbytes;
	size_t		 i;

	a = json_array();
	for (i = 0; i < st->nflows; i++) {
		path = state_deadletter_path(st, st->flows[i], DEADLETTER_FILE);
		replay = state_deadletter_path(st, st->flows[i],
		    DEADLETTER_REPLAY);
		if (deadletter_stat(path, &records, &bytes) == -1)
			records = bytes = 0;
		if (deadletter_stat(replay, &rrecords, &rbytes) == -1)
			rrecords = 0;
		if (records > 0 || rrecords > 0)
			json_array_append_new(a, json_pack("{s:s, s:s, s:I, "
			    "s:I, s:I}", "flow", flow_name(st->flows[i]),
			    "path", path, "records", (json_int_t)records,
			    "bytes", (json_int_t)bytes, "replaying",
			    (json_int_t)rrecords));
		free(replay);
		free(path);
	}
	return (a);
}

void
state_status(struct state *st, json_t *o)
{
	json_t	*orphans, *refused;
	size_t	 i;

	orphans = json_array();
	refused = json_array();
	pthread_mutex_lock(&st->mtx);
	for (i = 0; i < st->norphans; i++)
		json_array_append_new(orphans,
		    state_orphan_json(st->orphans[i]));
	for (i = 0; i < st->nrefused; i++)
		json_array_append_new(refused, json_pack("{s:s, s:s}",
		    "name", st->refused[i].name,
		    "error", st->refused[i].cause));
	pthread_mutex_unlock(&st->mtx);
	json_object_set_new(o, "orphanedState", orphans);
	json_object_set_new(o, "refusedFlows", refused);
	json_object_set_new(o, "deadLetters", state_deadletters_json(st));
}

static char *
state_dump(json_t *j)
{
	char	*s;

	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s == NULL)
		fatalx("state: cannot encode a reply");
	return (s);
}

/* Returns the running flow named name, or NULL. */
static struct flow *
state_flow(struct state *st, const char *name)
{
	size_t	i;

	for (i = 0; i < st->nflows; i++)
		if (strcmp(flow_name(st->flows[i]), name) == 0)
			return (st->flows[i]);
	return (NULL);
}

/* adopt OLD NEW; called with the mutex held. */
static char *
state_ctl_adopt(struct state *st, const char *old, const char *new,
    char **cause)
{
	struct state_orphan	*o;
	struct flow		*fl;
	uint64_t		 one = 1;
	size_t			 i;

	if ((o = state_find(st, old)) == NULL) {
		xasprintf(cause, "no orphaned state named \"%s\" (sluicectl "
		    "state lists them)", old);
		return (NULL);
	}
	if ((fl = state_flow(st, new)) == NULL) {
		for (i = 0; i < st->nrefused; i++)
			if (strcmp(st->refused[i].name, new) == 0)
				break;
		xasprintf(cause, "no running flow named \"%s\"%s", new,
		    i < st->nrefused ? " (its state was refused)" : "");
		return (NULL);
	}
	if (o->error != NULL) {
		xasprintf(cause, "state %s cannot be read: %s", old, o->error);
		return (NULL);
	}
	if (o->into != NULL) {
		xasprintf(cause, "state %s is already being adopted by flow "
		    "%s", old, flow_name(o->into));
		return (NULL);
	}
	o->into = fl;
	if (st->efd == -1 || write(st->efd, &one, sizeof one) == -1) {
		o->into = NULL;
		xasprintf(cause, "cannot reach the ingest thread");
		return (NULL);
	}
	log_info("state %s: adopt into flow %s requested (%llu records)",
	    old, new, (unsigned long long)o->records);
	return (state_dump(json_pack("{s:s, s:s, s:I}", "adopting", old,
	    "into", new, "records", (json_int_t)o->records)));
}

/* discard OLD; called with the mutex held. */
static char *
state_ctl_discard(struct state *st, const char *old, char **cause)
{
	struct state_orphan	*o;
	json_t			*j;

	if ((o = state_find(st, old)) == NULL) {
		xasprintf(cause, "no orphaned state named \"%s\"%s", old,
		    state_flow(st, old) != NULL || state_is_claimed(st, old) ?
		    " (it is a configured flow's: never discarded)" :
		    " (sluicectl state lists them)");
		return (NULL);
	}
	if (o->into != NULL) {
		xasprintf(cause, "state %s is being adopted by flow %s", old,
		    flow_name(o->into));
		return (NULL);
	}
	if (state_remove(o->path, cause) == -1)
		return (NULL);
	log_warnx("state %s at %s discarded: %llu unsent record%s removed",
	    o->name, o->path, (unsigned long long)o->records,
	    o->records == 1 ? "" : "s");
	j = json_pack("{s:s, s:s, s:I}", "discarded", o->name, "path",
	    o->path, "records", (json_int_t)o->records);
	state_drop(st, o);
	return (state_dump(j));
}

/* replay FLOW; called with the mutex held, on the delivery thread. */
static char *
state_ctl_replay(struct state *st, const char *name, char **cause)
{
	struct flow	*fl;
	int64_t		 n;
	uint64_t	 one = 1;

	if ((fl = state_flow(st, name)) == NULL) {
		xasprintf(cause, "no running flow named \"%s\"", name);
		return (NULL);
	}
	if ((n = flow_replay(fl, cause)) == -1)
		return (NULL);
	state_queue_replay(st, fl);
	if (st->efd == -1 || write(st->efd, &one, sizeof one) == -1)
		log_warnx("state: cannot wake the ingest thread; the replay "
		    "of flow %s waits for the next start", name);
	return (state_dump(json_pack("{s:s, s:I}", "replaying", name,
	    "records", (json_int_t)n)));
}

char *
state_ctl(void *arg, const char *cmd, int argc, char **argv, char **cause)
{
	struct state	*st = arg;
	json_t		*j;
	char		*s = NULL;

	if (strcmp(cmd, CTL_CMD_STATE) == 0 && argc == 0) {
		j = json_object();
		state_status(st, j);
		return (state_dump(j));
	}
	pthread_mutex_lock(&st->mtx);
	if (strcmp(cmd, CTL_CMD_ADOPT) == 0 && argc == 2)
		s = state_ctl_adopt(st, argv[0], argv[1], cause);
	else if (strcmp(cmd, CTL_CMD_DISCARD) == 0 && argc == 1)
		s = state_ctl_discard(st, argv[0], cause);
	else if (strcmp(cmd, CTL_CMD_REPLAY) == 0 && argc == 1)
		s = state_ctl_replay(st, argv[0], cause);
	else
		xasprintf(cause, "usage: %s%s", cmd,
		    strcmp(cmd, CTL_CMD_ADOPT) == 0 ? " OLD NEW" :
		    strcmp(cmd, CTL_CMD_DISCARD) == 0 ? " OLD" :
		    strcmp(cmd, CTL_CMD_REPLAY) == 0 ? " FLOW" : "");
	pthread_mutex_unlock(&st->mtx);
	return (s);
}

void
state_free(struct state *st)
{
	size_t	i;

	if (st == NULL)
		return;
	if (st->efd != -1) {
		loop_del_fd(st->loop, st->efd);
		close(st->efd);
	}
	loop_timer_free(st->work_timer);
	loop_timer_free(st->summary_timer);
	while (st->norphans > 0)
		state_drop(st, st->orphans[0]);
	free(st->orphans);
	for (i = 0; i < st->nrefused; i++) {
		free(st->refused[i].name);
		free(st->refused[i].cause);
	}
	free(st->refused);
	free(st->flows);
	free(st->replays);
	free(st->flowsdir);
	pthread_mutex_destroy(&st->mtx);
	free(st);
}
