/*
 * tailer: follows every file that matches one flow's filePattern.
 *
 * Discovery is glob(3) (globs may stand in the directory part too) plus
 * inotify on each directory involved; a rescan every few seconds reconciles
 * anything inotify missed.  With watchMode poll (NFS, FUSE), or if inotify
 * cannot be had, the tailer polls instead: a scan every interval looks at
 * every file.
 * Each file is known by (device, inode) and keeps its open descriptor, so a
 * file that is renamed or deleted while unread bytes remain is read to its
 * end first (README.md, invariant 4).  A file truncated in place restarts at
 * offset 0 and the bytes it lost are counted: it is shorter than the
 * offset, or its first bytes or the last bytes read changed.
 *
 * Descriptors are bounded (max_open): a file found when the tailer holds
 * that many waits for one, in turn, and is never skipped; files read to
 * their end give theirs back first.  A file idle for close_inactive_ms is
 * closed and reopened when it changes, if it is still the same file
 * (device, inode and first bytes).  Running out of descriptors (EMFILE
 * from glob or open) is retried, never taken for "no file".
 *
 * Every file read is in the flow's registry (registry.h), so a restart
 * finds each file by identity whatever its name is now: at start, every
 * entry that was still being read and that the glob did not find with its
 * first bytes is looked for by inode, then by fingerprint (a copy), in its
 * last directory, that directory's parent and the pattern's directories,
 * and one level below each (logrotate's olddir), and read to its end even
 * if its name no longer matches.  One not found is logged as lost, and
 * the bytes it was known to have unread are counted.  A file renamed
 * before it got a descriptor is found again by inode the same way.
 * initialPosition applies only to a flow's very first start, when it has
 * no registry; any file met later is read from its start.
 *
 * Bytes go through a framer into records, handed to the emit callback.
 * Offsets are saved only when the owner says the records are durable
 * (tailer_checkpoint after spool_sync: invariant 1).
 */
#ifndef TAILER_H
#define TAILER_H

#include <stddef.h>
#include <stdint.h>

#include "framer.h"
#include "registry.h"

struct loop;
struct metrics;

/*
 * Called once per record of the file at path (rec and path are valid only
 * during the call).  Returns 0 when the record was taken, or -1 to pause
 * reading: the record is offered again later.
 */
typedef int	(*tailer_emit_cb)(void *arg, const char *path, const char *rec,
		    size_t len);

struct tailer_params {
	const char	*flow;		/* flow name, for messages */
	const char	*pattern;	/* filePattern */
	int		 start_at_end;	/* END_OF_FILE, on the first start */
	const char	*state_dir;	/* the flow's, for its registry */
	int64_t		 ttl_days;	/* checkpointTimeToLiveDays */
	struct framer_conf *framer;	/* shared by every file's framer */
	tailer_emit_cb	 emit;
	void		*arg;
	struct metrics	*metrics;
	size_t		 max_open;	/* files held open; 0: no cap */
	uint64_t	 close_inactive_ms; /* closeInactiveMillis */
	uint64_t	 rotated_quiet_ms; /* rotatedFileQuietMillis */
	size_t		 max_rotated;	/* maxOpenRotatedFiles; 0: no cap */
	int		 poll;		/* watchMode poll: no inotify */
	uint64_t	 poll_ms;	/* pollIntervalMillis */
	uint64_t	 summary_ms;	/* statusReportingPeriodSeconds */
	registry_intact_cb intact;	/* the spool's, for registry_load */
	void		*intact_arg;
};

/*
 * Creates the tailer and loads its registry; it opens no file until
 * tailer_start.  A registry written by a newer sluice is logged and left
 * alone, and the tailer then reads nothing.  The strings of params are
 * copied; params->framer must outlive the tailer.  Returns NULL with *cause
 * set on failure.
 */
struct tailer	*tailer_create(struct loop *, const struct tailer_params *,
		    char **cause);

/*
 * Runs the first scan (which also looks for the files the registry says
 * are unfinished, and then saves the registry: initialPosition never
 * applies again) and starts watching on the loop.  Called once the
 * daemon's own descriptors (the control socket) are open, so that files
 * cannot take them.
 */
void		 tailer_start(struct tailer *);

/*
 * At a stop, once the loop no longer runs: reads every file that is
 * deleted but still held open to its end, through the emit callback, in
 * bounded turns, waiting for the spool to make room (the delivery thread
 * still sends), until deadline_ms (loop_now_ms time).  Its bytes cannot
 * be found again once the descriptor closes: what is left is counted in
 * bytesLost and logged.  The files are finished either way, saved by the
 * next tailer_checkpoint.  Returns 0 if every deleted file was read to
 * its end, -1 if bytes were lost.
 */
int		 tailer_drain_deleted(struct tailer *, uint64_t deadline_ms);

/* Closes every file and frees the tailer.  Does not checkpoint. */
void		 tailer_free(struct tailer *);

/*
 * Saves the registry: the consumed offset of every file, and the files
 * finished since.  Call only once every record emitted so far is durable.
 * Returns 0, or -1 with *cause set (caller frees); the next call tries
 * again.
 */
int		 tailer_checkpoint(struct tailer *, char **cause);

/*
 * Every record emitted so far was written to the spool, up to position
 * (seg, off) (spool_tail after spool_flush), but is not durable yet:
 * notes the offsets in the registry's flushed file (registry.h), so that
 * a crash of the process does not read them again.  Rate-bounded; errors
 * cost only duplicates and are logged at debug level.
 */
void		 tailer_flushed(struct tailer *, uint64_t seg, uint64_t off);

/*
 * Merges the registry kept in dir (an adopted state's) into the tailer's:
 * its entries for files the tailer does not know are added; for a file it
 * knows, its own entry stays, with the larger offset when no open file
 * uses it.  Saved by the next tailer_checkpoint.  Returns 0, or -1 with
 * *cause set (caller frees): the registry in dir is newer, or the
 * tailer's was refused.
 */
int		 tailer_merge_registry(struct tailer *, const char *dir,
		    char **cause);

/*
 * `sluicectl files skip`: moves the offset of each file at path (NULL:
 * every file) to its end: what was not read, a record in the making
 * included, is never read.  A file not opened yet (waiting for a
 * descriptor) is left alone.  The caller logs and counts it.  Returns the
 * bytes skipped, or -1 with *cause set (caller frees) when the tailer has
 * no opened file at path.
 */
int64_t		 tailer_skip(struct tailer *, const char *path, char **cause);

/*
 * Publishes the list of files and offsets to the flow's metrics.  A file
 * is listed under its name now: a rename while it is open is followed
 * (the inotify pair of the rename, else a search by inode at the rescan),
 * and one whose new name is not found, or that has none left, is listed
 * as "PATH (renamed)" or "PATH (deleted)", PATH its last name, which the
 * registry keeps.  A file not opened since the start (unreadable, or
 * waiting for a descriptor) shows its registry offset, the bytes already
 * read, and a waiting file says what it waits for.
 */
void		 tailer_publish(struct tailer *);

#endif /* TAILER_H */
