/*
 * tailer: follows every file that matches one flow's filePattern.
 *
 * Discovery is glob(3) (globs may stand in the directory part too) plus
 * inotify on each directory involved; a rescan every few seconds reconciles
 * anything inotify missed, and if inotify cannot be had the tailer polls.
 * Each file is known by (device, inode) and keeps its open descriptor, so a
 * file that is renamed or deleted while unread bytes remain is read to its
 * end first (README.md, invariant 4).  A file truncated in place restarts at
 * offset 0 and the bytes it lost are counted.
 *
 * Bytes go through a framer into records, handed to the emit callback.
 * Offsets are checkpointed only when the owner says the records are
 * durable (tailer_checkpoint after spool_sync: invariant 1).
 */
#ifndef TAILER_H
#define TAILER_H

#include <stddef.h>

#include "framer.h"

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
	int		 start_at_end;	/* initialPosition END_OF_FILE */
	const char	*checkpoint_path;
	struct framer_conf *framer;	/* shared by every file's framer */
	tailer_emit_cb	 emit;
	void		*arg;
	struct metrics	*metrics;
};

/*
 * Creates the tailer, loads its checkpoints, runs the first scan and starts
 * watching on loop.  The strings of params are copied; params->framer
 * must outlive the tailer.  Returns NULL with *cause set on failure.
 */
struct tailer	*tailer_create(struct loop *, const struct tailer_params *,
		    char **cause);

/* Closes every file and frees the tailer.  Does not checkpoint. */
void		 tailer_free(struct tailer *);

/*
 * Saves the consumed offset of every file.  Call only once every record
 * emitted so far is durable.  Returns 0, or -1 (logged) on failure.
 */
int		 tailer_checkpoint(struct tailer *);

/* Publishes the list of files and offsets to the flow's metrics. */
void		 tailer_publish(struct tailer *);

#endif /* TAILER_H */
