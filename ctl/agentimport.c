/*
 * agentimport: the Kinesis Agent's checkpoints into sluice's registries
 * (agentimport.h says why offline, under the state directory's lock).
 *
 * The agent's database (SQLiteFileCheckpointStore.java in
 * awslabs/amazon-kinesis-agent) is one table,
 *
 *   FILE_CHECKPOINTS(flow text, path text, fileId text,
 *       lastModifiedTime bigint, size bigint, offset bigint,
 *       lastUpdated datetime, primary key (flow, path))
 *
 * where flow is the flow's id, "kinesis:STREAM:DIR/GLOB" or
 * "fh:STREAM:DIR/GLOB" (KinesisFlow/FirehoseFlow, SourceFile.toString),
 * path the file's absolute path when the row was written, offset the bytes
 * delivered (the agent checkpoints only what the destination took), and
 * fileId Java's UnixFileKey.toString(): "(dev=HEX,ino=DECIMAL)", st_dev in
 * hexadecimal and st_ino in decimal.  A row's path may since have been
 * rotated away: the file is then looked for by its inode in the row's
 * directory, as sluice's registry knows files by identity, not by name.
 *
 * The agent follows one file per flow, the newest, and resumes from its
 * newest checkpoint; sluice tails every file of the pattern.  Files of the
 * pattern older than the agent's file were read to their end by the agent
 * (it moves to a newer file only then), so they are marked read; newer
 * ones have no entry and are read whole, as the agent would have.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentimport.h"
#include "checkpoint.h"
#include "config.h"
#include "durable.h"
#include "registry.h"
#include "state.h"
#include "xmalloc.h"

/* One sluice flow, with the agent's id for it and its registry once used. */
struct agentimport_flow {
	const struct config_flow *fc;
	char			*agent_id;
	char			*dir;
	struct registry		*reg;	/* once a row needs it */
	int			 changed;
	/* The mtime of the newest row's file, the agent's own file. */
	int			 have_newest;
	int64_t			 newest_mtime;
	struct agentimport_id {
		uint64_t	 dev, ino;
	}			*seen;		/* the files rows name */
	size_t			 nseen;
};

struct agentimport {
	const struct config	*cfg;
	struct agentimport_flow	*flows;
	size_t			 nflows;
	json_t			*report;
	json_t			*rows;
	json_t			*marked;
	int			 nimported, nunchanged, nskipped, nmarked;
};

/*
 * The agent's flow id for fc (FileFlow.getId): the pattern goes through
 * java.nio's Path, which drops repeated and trailing slashes.
 */
static char *
agentimport_flow_id(const struct config_flow *fc)
{
	const char	*s;
	char		*p, *id, *q;

	p = xmalloc(strlen(fc->file_pattern) + 1);
	for (q = p, s = fc->file_pattern; *s != '\0'; s++) {
		if (*s == '/' && q > p && q[-1] == '/')
			continue;
		*q++ = *s;
	}
	if (q > p + 1 && q[-1] == '/')
		q--;
	*q = '\0';
	xasprintf(&id, "%s:%s:%s", fc->dest == CONFIG_DEST_FIREHOSE ? "fh" :
	    "kinesis", fc->stream, p);
	free(p);
	return (id);
}

/* Parses "(dev=HEX,ino=DECIMAL)".  Returns 0, or -1 if it is not that. */
static int
agentimport_parse_file_id(const char *s, uint64_t *dev, uint64_t *ino)
{
	unsigned long long	d, i;
	int			n = -1;

	if (sscanf(s, "(dev=%llx,ino=%llu)%n", &d, &i, &n) != 2 || n < 0 ||
	    s[n] != '\0' || strpbrk(s, " +-") != NULL)
		return (-1);
	*dev = d;
	*ino = i;
	return (0);
}

/*
 * Finds the file (dev, ino): at path, else renamed within path's
 * directory (rotated).  Returns its path now (caller frees) with *st
 * filled, or NULL.
 */
static char *
agentimport_find(const char *path, uint64_t dev, uint64_t ino,
    struct stat *st)
{
	DIR		*d;
	struct dirent	*de;
	char		*copy, *dir, *p = NULL;

	if (lstat(path, st) == 0 && S_ISREG(st->st_mode) &&
	    (uint64_t)st->st_dev == dev && (uint64_t)st->st_ino == ino)
		return (xstrdup(path));
	copy = xstrdup(path);
	dir = dirname(copy);
	if ((d = opendir(dir)) == NULL) {
		free(copy);
		return (NULL);
	}
	/* Not by d_ino: overlayfs may give one other than st_ino. */
	while ((de = readdir(d)) != NULL) {
		xasprintf(&p, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir,
		    de->d_name);
		if (lstat(p, st) == 0 && S_ISREG(st->st_mode) &&
		    (uint64_t)st->st_dev == dev && (uint64_t)st->st_ino == ino)
			break;
		free(p);
		p = NULL;
	}
	closedir(d);
	free(copy);
	return (p);
}

/* The flow's registry, loaded on first use.  NULL with *cause if not. */
static struct registry *
agentimport_registry(struct agentimport *ai, struct agentimport_flow *f,
    char **cause)
{
	if (f->reg != NULL)
		return (f->reg);
	if (state_flow_dir_check(ai->cfg->state_directory, f->dir,
	    cause) == -1 || durable_mkdirs(f->dir, 0750, cause) == -1)
		return (NULL);
	f->reg = registry_load(f->dir, f->fc->name, NULL, NULL, cause);
	return (f->reg);
}

/* The entry of the file (dev, ino) in reg, whatever its first bytes. */
static struct registry_entry *
agentimport_entry(struct registry *reg, uint64_t dev, uint64_t ino)
{
	struct registry_entry	*e;
	size_t			 i;

	for (i = 0; i < registry_count(reg); i++) {
		e = registry_entry_at(reg, i);
		if (e->dev == dev && e->ino == ino)
			return (e);
	}
	return (NULL);
}

static void
agentimport_row(struct agentimport *ai, json_t *row, const char *result,
    const char *reason)
{
	json_object_set_new(row, "result", json_string(result));
	if (reason != NULL)
		json_object_set_new(row, "reason", json_string(reason));
	if (strcmp(result, "imported") == 0)
		ai->nimported++;
	else if (strcmp(result, "unchanged") == 0)
		ai->nunchanged++;
	else
		ai->nskipped++;
	json_array_append_new(ai->rows, row);
}

/*
 * Sets the offset of one row's file in its flow's registry: the file must
 * still be the one the agent read (same device and inode) and hold at
 * least offset bytes.  A registry that knows the file further on keeps
 * its offset: those bytes were read by sluice already.
 */
static void
agentimport_one(struct agentimport *ai, const char *agent_flow,
    const char *path, const char *file_id, sqlite3_int64 offset,
    int has_offset)
{
	struct agentimport_flow	*f = NULL;
	struct registry_entry	*e;
	struct registry		*reg;
	struct stat		 st, fst;
	json_t			*row;
	uint64_t		 dev, ino, fp;
	uint32_t		 fplen;
	size_t			 i;
	char			*now = NULL, *cause = NULL, *reason = NULL;
	int			 fd = -1;

	row = json_object();
	json_object_set_new(row, "agentFlow", agent_flow != NULL ?
	    json_string(agent_flow) : json_null());
	json_object_set_new(row, "path", path != NULL ? json_string(path) :
	    json_null());
	json_object_set_new(row, "fileId", file_id != NULL ?
	    json_string(file_id) : json_null());
	json_object_set_new(row, "offset", has_offset ?
	    json_integer(offset) : json_null());
	json_object_set_new(row, "flow", json_null());
	json_object_set_new(row, "file", json_null());

	if (agent_flow == NULL || path == NULL || file_id == NULL ||
	    !has_offset || offset < 0 || path[0] != '/') {
		agentimport_row(ai, row, "skipped", "bad row: a column is "
		    "missing, or the path is not absolute or the offset "
		    "negative");
		return;
	}
	for (i = 0; i < ai->nflows && f == NULL; i++)
		if (strcmp(ai->flows[i].agent_id, agent_flow) == 0)
			f = &ai->flows[i];
	if (f == NULL) {
		agentimport_row(ai, row, "skipped", "no flow of the config "
		    "has this destination, stream and filePattern");
		return;
	}
	json_object_set_new(row, "flow", json_string(f->fc->name));
	if (agentimport_parse_file_id(file_id, &dev, &ino) == -1) {
		agentimport_row(ai, row, "skipped", "bad row: fileId is not "
		    "(dev=HEX,ino=DECIMAL)");
		return;
	}
	if ((now = agentimport_find(path, dev, ino, &st)) == NULL) {
		agentimport_row(ai, row, "skipped", "gone: no file with that "
		    "fileId at its path or in its directory");
		return;
	}
	json_object_set_new(row, "file", json_string(now));
	f->seen = xreallocarray(f->seen, f->nseen + 1, sizeof *f->seen);
	f->seen[f->nseen].dev = dev;
	f->seen[f->nseen++].ino = ino;
	if ((fd = open(now, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1 || fstat(fd, &fst) == -1) {
		xasprintf(&reason, "cannot read it: %s", strerror(errno));
		agentimport_row(ai, row, "skipped", reason);
		goto out;
	}
	if (fst.st_dev != st.st_dev || fst.st_ino != st.st_ino) {
		agentimport_row(ai, row, "skipped", "gone: replaced while "
		    "looked at");
		goto out;
	}
	if ((uint64_t)fst.st_size < (uint64_t)offset) {
		xasprintf(&reason, "truncated: %jd bytes now, fewer than the "
		    "offset; sluice reads it from its start",
		    (intmax_t)fst.st_size);
		agentimport_row(ai, row, "skipped", reason);
		goto out;
	}
	if (checkpoint_fingerprint(fd, &fp, &fplen) == -1) {
		xasprintf(&reason, "cannot read it: %s", strerror(errno));
		agentimport_row(ai, row, "skipped", reason);
		goto out;
	}
	if ((reg = agentimport_registry(ai, f, &cause)) == NULL) {
		xasprintf(&reason, "flow's registry: %s", cause);
		agentimport_row(ai, row, "skipped", reason);
		goto out;
	}
	/* Rows come oldest first: the last one is the agent's own file. */
	f->have_newest = 1;
	f->newest_mtime = fst.st_mtime;
	if ((e = registry_lookup(reg, fd)) != NULL &&
	    e->offset >= (uint64_t)offset) {
		xasprintf(&reason, "sluice's registry has it at offset %"
		    PRIu64, e->offset);
		agentimport_row(ai, row, "unchanged", reason);
		goto out;
	}
	if (e != NULL)
		registry_update(reg, e, fp, fplen, (uint64_t)offset,
		    (uint64_t)fst.st_size, REGISTRY_ACTIVE, now);
	else
		(void)registry_add(reg, dev, ino, fp, fplen, (uint64_t)offset,
		    (uint64_t)fst.st_size, now);
	f->changed = 1;
	agentimport_row(ai, row, "imported", NULL);
out:
	if (fd != -1)
		close(fd);
	free(reason);
	free(cause);
	free(now);
}

/* Compressed rotations, which sluice does not tail (DESIGN.md). */
static int
agentimport_is_compressed(const char *path)
{
	static const char	*ext[] = { ".gz", ".bz2", ".xz", ".zst",
				    ".zip", NULL };
	size_t			 i, n = strlen(path), m;

	for (i = 0; ext[i] != NULL; i++) {
		m = strlen(ext[i]);
		if (n >= m && strcasecmp(path + n - m, ext[i]) == 0)
			return (1);
	}
	return (0);
}

/* Whether a row of f names the file (dev, ino), imported or not. */
static int
agentimport_is_seen(struct agentimport_flow *f, uint64_t dev, uint64_t ino)
{
	size_t	i;

	for (i = 0; i < f->nseen; i++)
		if (f->seen[i].dev == dev && f->seen[i].ino == ino)
			return (1);
	return (0);
}

/*
 * The files of f's pattern that the agent finished: older than its file,
 * named by no row and unknown to the registry get an entry at their end.
 */
static void
agentimport_mark_older(struct agentimport *ai, struct agentimport_flow *f)
{
	struct stat	 st;
	glob_t		 g;
	json_t		*o;
	uint64_t	 fp;
	uint32_t	 fplen;
	size_t		 i;
	int		 fd;

	memset(&g, 0, sizeof g);
	if (glob(f->fc->file_pattern, GLOB_BRACE | GLOB_NOSORT, NULL,
	    &g) != 0) {
		globfree(&g);
		return;
	}
	for (i = 0; i < g.gl_pathc; i++) {
		if (agentimport_is_compressed(g.gl_pathv[i]))
			continue;
		fd = open(g.gl_pathv[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
		    O_NONBLOCK);
		if (fd == -1)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_mtime < f->newest_mtime &&
		    !agentimport_is_seen(f, st.st_dev, st.st_ino) &&
		    agentimport_entry(f->reg, st.st_dev, st.st_ino) == NULL &&
		    checkpoint_fingerprint(fd, &fp, &fplen) == 0) {
			(void)registry_add(f->reg, st.st_dev, st.st_ino, fp,
			    fplen, (uint64_t)st.st_size, (uint64_t)st.st_size,
			    g.gl_pathv[i]);
			f->changed = 1;
			o = json_object();
			json_object_set_new(o, "flow",
			    json_string(f->fc->name));
			json_object_set_new(o, "file",
			    json_string(g.gl_pathv[i]));
			json_object_set_new(o, "offset",
			    json_integer(st.st_size));
			json_array_append_new(ai->marked, o);
			ai->nmarked++;
		}
		close(fd);
	}
	globfree(&g);
}

/*
 * The state directory's lock, as sluiced takes it (main.c): held, the
 * daemon runs.  Returns the descriptor, or -1 with *cause and *running.
 */
static int
agentimport_lock(const char *dir, int *running, char **cause)
{
	int	fd;

	if (durable_mkdirs(dir, 0750, cause) == -1)
		return (-1);
	if ((fd = state_lock(dir, cause)) == -1 && errno == EWOULDBLOCK) {
		*running = 1;
		free(*cause);
		xasprintf(cause, "sluiced is running (it holds %s/%s): stop "
		    "it, import, then start it", dir, STATE_LOCK_FILE);
	}
	return (fd);
}

/*
 * Run as root for a daemon that runs as its own user (systemd's
 * User=sluice), what the import created belongs to the state directory's
 * owner, so that sluiced can write it.
 */
static void
agentimport_chown(const char *statedir, const char *flowdir)
{
	struct stat	 sd, st;
	DIR		*d;
	struct dirent	*de;
	char		*p;

	if (geteuid() != 0 || stat(statedir, &sd) == -1 || sd.st_uid == 0)
		return;
	xasprintf(&p, "%s/%s", statedir, STATE_LOCK_FILE);
	(void)lchown(p, sd.st_uid, sd.st_gid);
	free(p);
	xasprintf(&p, "%s/%s", statedir, STATE_FLOWS_DIR);
	(void)lchown(p, sd.st_uid, sd.st_gid);
	free(p);
	if (lstat(flowdir, &st) == -1 || !S_ISDIR(st.st_mode))
		return;
	(void)lchown(flowdir, sd.st_uid, sd.st_gid);
	if ((d = opendir(flowdir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "registry", 8) != 0)
			continue;
		xasprintf(&p, "%s/%s", flowdir, de->d_name);
		(void)lchown(p, sd.st_uid, sd.st_gid);
		free(p);
	}
	closedir(d);
}

/*
 * Opens the agent's database read-only and immutable (SQLite's URI
 * parameter: no lock, no journal, never written).  An immutable open
 * ignores a journal, so a hot journal (an agent killed in a transaction)
 * or a write-ahead log is refused: the agent should be stopped cleanly.
 */
static sqlite3 *
agentimport_open_db(const char *file, char **cause)
{
	static const char	*side[] = { "-journal", "-wal", NULL };
	struct stat		 st;
	sqlite3			*db = NULL;
	const char		*s;
	char			*uri, *p, *q;
	size_t			 i;

	if (stat(file, &st) == -1) {
		xasprintf(cause, "%s: %s", file, strerror(errno));
		return (NULL);
	}
	for (i = 0; side[i] != NULL; i++) {
		xasprintf(&p, "%s%s", file, side[i]);
		if (stat(p, &st) == 0 && st.st_size > 0) {
			xasprintf(cause, "%s exists: the agent did not stop "
			    "cleanly or still runs; stop it (a start and a "
			    "clean stop replays it)", p);
			free(p);
			return (NULL);
		}
		free(p);
	}
	/* RFC 3986 percent-encoding of what a URI path cannot hold. */
	uri = xmalloc(strlen("file:?immutable=1") + 3 * strlen(file) + 1);
	q = uri + sprintf(uri, "file:");
	for (s = file; *s != '\0'; s++) {
		if (*s == '%' || *s == '?' || *s == '#' ||
		    (unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			q += sprintf(q, "%%%02X", (unsigned char)*s);
		else
			*q++ = *s;
	}
	strcpy(q, "?immutable=1");
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
	    NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", file, db != NULL ?
		    sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		db = NULL;
	}
	free(uri);
	return (db);
}

static const char *
agentimport_text(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return (NULL);
	return ((const char *)sqlite3_column_text(st, col));
}

json_t *
agentimport_run(const struct config *cfg, const char *dbfile, int *running,
    char **cause)
{
	struct agentimport	 ai;
	sqlite3			*db;
	sqlite3_stmt		*st = NULL;
	size_t			 i;
	char			*err = NULL;
	int			 rc, lockfd = -1;

	*running = 0;
	memset(&ai, 0, sizeof ai);
	ai.cfg = cfg;
	if ((db = agentimport_open_db(dbfile, cause)) == NULL)
		return (NULL);
	/* Oldest first, so that the newest row of a flow comes last. */
	if (sqlite3_prepare_v2(db, "SELECT flow, path, fileId, offset "
	    "FROM FILE_CHECKPOINTS ORDER BY lastUpdated, rowid", -1, &st,
	    NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: not a Kinesis Agent checkpoint "
		    "database: %s", dbfile, sqlite3_errmsg(db));
		goto fail;
	}
	if ((lockfd = agentimport_lock(cfg->state_directory, running,
	    cause)) == -1)
		goto fail;

	ai.nflows = cfg->nflows;
	ai.flows = xcalloc(ai.nflows + 1, sizeof *ai.flows);
	for (i = 0; i < ai.nflows; i++) {
		ai.flows[i].fc = &cfg->flows[i];
		ai.flows[i].agent_id = agentimport_flow_id(&cfg->flows[i]);
		ai.flows[i].dir = state_flow_dir(cfg->state_directory,
		    cfg->flows[i].name);
	}
	ai.report = json_object();
	ai.rows = json_array();
	ai.marked = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		agentimport_one(&ai, agentimport_text(st, 0),
		    agentimport_text(st, 1), agentimport_text(st, 2),
		    sqlite3_column_int64(st, 3),
		    sqlite3_column_type(st, 3) == SQLITE_INTEGER);
	if (rc != SQLITE_DONE) {
		xasprintf(cause, "%s: %s", dbfile, sqlite3_errmsg(db));
		goto fail;
	}
	for (i = 0; i < ai.nflows; i++) {
		if (ai.flows[i].reg == NULL || !ai.flows[i].have_newest)
			continue;
		agentimport_mark_older(&ai, &ai.flows[i]);
	}
	for (i = 0; i < ai.nflows; i++) {
		if (ai.flows[i].reg == NULL || !ai.flows[i].changed)
			continue;
		if (registry_save(ai.flows[i].reg, &err) == -1) {
			xasprintf(cause, "flow=%s: %s (nothing of this flow "
			    "was imported)", ai.flows[i].fc->name, err);
			free(err);
			goto fail;
		}
		agentimport_chown(cfg->state_directory, ai.flows[i].dir);
	}

	json_object_set_new(ai.report, "version",
	    json_integer(AGENTIMPORT_REPORT_VERSION));
	json_object_set_new(ai.report, "database", json_string(dbfile));
	json_object_set_new(ai.report, "stateDirectory",
	    json_string(cfg->state_directory));
	json_object_set_new(ai.report, "imported",
	    json_integer(ai.nimported));
	json_object_set_new(ai.report, "unchanged",
	    json_integer(ai.nunchanged));
	json_object_set_new(ai.report, "skipped", json_integer(ai.nskipped));
	json_object_set_new(ai.report, "markedRead",
	    json_integer(ai.nmarked));
	json_object_set_new(ai.report, "rows", ai.rows);
	json_object_set_new(ai.report, "markedReadFiles", ai.marked);
	ai.rows = ai.marked = NULL;
	goto out;
fail:
	json_decref(ai.report);
	json_decref(ai.rows);
	json_decref(ai.marked);
	ai.report = NULL;
out:
	for (i = 0; i < ai.nflows; i++) {
		registry_free(ai.flows[i].reg);
		free(ai.flows[i].agent_id);
		free(ai.flows[i].dir);
		free(ai.flows[i].seen);
	}
	free(ai.flows);
	if (lockfd != -1)
		close(lockfd);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (ai.report);
}
