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

struct tailer_params {
	const char	*flow;		/* flow name, for messages */
	const char	*pattern;	/* filePattern */
	int		 start_at_end;	/* initialPosition END_OF_FILE */
	const char	*checkpoint_path;
	struct framer_params framer;	/* at_start and stats are per file */
	framer_emit_cb	 emit;		/* returns -1 to pause reading */
	/*
	 * Set to the path of the file being framed before each emit, for
	 * converters that name the file (valid during the emit call).
	 */
	const char	**cur_path;
	void		*arg;
	struct metrics	*metrics;
};

/*
 * Creates the tailer, loads its checkpoints, runs the first scan and starts
 * watching on loop.  The framer parameters' strings are copied by each
 * framer.  Returns NULL with *cause set on failure.
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
