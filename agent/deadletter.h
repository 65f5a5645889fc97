/*
 * deadletter: the records a destination refused for their content, kept
 * in the flow's state directory (state.h) so that nothing is dropped, and
 * so that `sluicectl state replay FLOW` can send them again once the cause
 * (a record limit, a stream's schema) is fixed.
 *
 * The sender finds such a record by splitting a refused request in halves
 * (sender.c), writes it here with the error AWS gave, syncs, and only then
 * acknowledges it in the spool.  The file is bounded: past its maximum the
 * sender keeps the record in the spool and pauses the flow, loudly.
 *
 * The file, <stateDirectory>/flows/<name>/deadletter, is a sequence of
 * entries, each:
 *
 *	 0      4        8        12       16       20
 *	+------+--------+--------+--------+--------+--------------+------+
 *	| DLR1 | time   | errlen | datlen | crc32c | error        | data |
 *	+------+--------+--------+--------+--------+--------------+------+
 *	  magic  u32 LE: seconds since the Epoch, the lengths, and the
 *	         CRC-32C of the error and data bytes that follow
 *
 * A torn or corrupt tail (a crash while appending) ends the file: it is
 * cut there when the file is opened.  A replay renames the file to
 * "deadletter.replay" (DEADLETTER_REPLAY) on the delivery thread, so that
 * new dead letters start a new file; the ingest thread then appends the
 * replay file's records to the flow's spool, syncs it and removes the
 * file.  A crash in between replays them again, never loses them.
 *
 * Threads: one struct deadletter is used by one thread (the delivery
 * thread's sender); deadletter_stat and the replay reader are for others.
 */
#ifndef DEADLETTER_H
#define DEADLETTER_H

#include <stddef.h>
#include <stdint.h>

#define DEADLETTER_FILE		"deadletter"
#define DEADLETTER_REPLAY	"deadletter.replay"
#define DEADLETTER_MAGIC	"DLR1"
#define DEADLETTER_HEADER	20
/* The longest error text kept with a record. */
#define DEADLETTER_ERROR_MAX	1024
/* Longer records are not dead letters any destination produces. */
#define DEADLETTER_DATA_MAX	(16U * 1024 * 1024)

struct deadletter;

/*
 * Opens (creating it when a record is first added) the dead-letter file
 * in dir, which holds at most max_bytes.  Cuts a torn tail.  Returns NULL
 * with *cause set (caller frees) when an existing file cannot be read.
 */
struct deadletter	*deadletter_open(const char *dir, uint64_t max_bytes,
			    char **cause);

/* Closes dl; NULL is allowed. */
void			 deadletter_close(struct deadletter *dl);

enum deadletter_result {
	DEADLETTER_ADDED,
	DEADLETTER_FULL,	/* over max_bytes: nothing written */
	DEADLETTER_FAILED	/* a write error, errno set */
};

/*
 * Appends a record with the error that refused it (cut to
 * DEADLETTER_ERROR_MAX).  Not durable until deadletter_sync.
 */
enum deadletter_result	 deadletter_add(struct deadletter *dl,
			    const char *error, const void *data, size_t len);

/* Makes what was added durable.  Returns 0, or -1 with errno set. */
int			 deadletter_sync(struct deadletter *dl);

/* Records and bytes (headers included) in the file now. */
void			 deadletter_count(struct deadletter *dl,
			    uint64_t *records, uint64_t *bytes);

/*
 * For a replay: renames the file to DEADLETTER_REPLAY, syncs the
 * directory, and starts a new, empty file.  Returns the records moved, or
 * -1 with *cause set (caller frees): nothing to replay, or a replay still
 * in progress.
 */
int64_t			 deadletter_take(struct deadletter *dl, char **cause);

/*
 * Counts the records of the dead-letter file at path without opening it
 * for writing (any thread).  A missing file counts 0.  Returns 0, or -1
 * with errno set.
 */
int			 deadletter_stat(const char *path, uint64_t *records,
			    uint64_t *bytes);

/*
 * Reads the dead-letter file at path and calls fn for each record, in
 * order, until fn returns -1.  Returns 0 once every record was given, or
 * -1 (fn's, or a read error with errno set).
 */
int			 deadletter_foreach(const char *path,
			    int (*fn)(const char *error, const void *data,
			    size_t len, void *arg), void *arg);

#endif /* DEADLETTER_H */
