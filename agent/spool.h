/*
 * spool: a flow's on-disk queue between the ingest thread (which appends
 * records) and the delivery thread (which reads them, sends them and
 * acknowledges them).  Records are kept until the destination acknowledged
 * them, so a crash, a slow destination or a long outage loses nothing: the
 * spool is the delivery promise (README.md, "What sluice promises").
 *
 * On disk, one directory per flow:
 *
 *   <dir>/0000000000000001.seg     segment files, numbered in hex, append-only;
 *   <dir>/0000000000000002.seg     a new one is started past segment_bytes
 *   <dir>/cursor                   first unacknowledged position
 *
 * Segment file (all integers little-endian):
 *
 *   offset 0                                   16
 *   +--------------------+----------+----------+--------------+-----
 *   | magic "SLUICESG"   | version  | reserved | record frame | ...
 *   |      8 bytes       | u32 = 1  | u32 = 0  |              |
 *   +--------------------+----------+----------+--------------+-----
 *
 * Record frame, repeated to the end of the file:
 *
 *   +------------+------------+--------------------+
 *   | length u32 | crc u32    | data, length bytes |
 *   +------------+------------+--------------------+
 *
 *   crc is the CRC-32C (crc32c.h) of the 4 length bytes followed by the
 *   data.  Covering the length means a run of zero bytes (what a power loss
 *   leaves at the end of a file whose size was extended before its data was
 *   written) never passes as zero-length records.  length is at most
 *   SPOOL_MAX_RECORD.  A frame that is short, too long or fails its CRC ends
 *   the segment: spool_open cuts the file there.
 *
 * Cursor file, one line of text, replaced atomically (durable.h):
 *
 *   "sluice-spool-cursor 1 <segment> <offset>\n"    (decimal numbers)
 *
 *   <segment> and <offset> name the frame of the first record not yet
 *   acknowledged; <offset> counts from the start of the segment file, so the
 *   first record of a segment is at offset 16.
 *
 * Bump SPOOL_VERSION and keep reading the old version when any of this
 * changes.  No other file knows these constants.
 *
 * Threads: exactly one ingest thread calls spool_append, spool_flush and
 * spool_sync; exactly one delivery thread calls spool_read, spool_ack,
 * spool_cursor and spool_save_cursor.  spool_pending_bytes and the fd
 * accessors may be called from either.  spool_open and spool_close run when
 * neither thread uses the spool.
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define SPOOL_MAX_RECORD	(16U * 1024 * 1024)	/* largest record */
#define SPOOL_CURSOR_MS		1000	/* cursor write coalescing */

struct spool;

/* A record's position: segment number and byte offset of its frame. */
struct spool_pos {
	uint64_t	seg;
	uint64_t	off;
};

/*
 * Opens the spool in dir, creating the directory if needed.  max_bytes
 * bounds the bytes appended but not yet acknowledged (frames included);
 * segment_bytes is the size past which a new segment file is started.
 * fsync is the policy spool_sync applies: CONFIG_FSYNC_NEVER makes it only
 * a flush; ALWAYS and INTERVAL differ only in how often the caller calls
 * spool_sync (after every batch, or from a timer).
 *
 * Recovery: every segment is scanned and its records' CRCs checked; a torn
 * or corrupt tail is cut at the last good record (ftruncate) and logged
 * with log_warnx naming the file and the bytes cut, and opening succeeds.
 * Delivery resumes at the cursor, so records after it are delivered again
 * (at-least-once); segments wholly before it are deleted.  Appends always
 * go to a new segment.
 *
 * Returns the spool, or NULL with *cause set (caller frees) when the
 * directory cannot be used or holds a segment this version cannot read.
 */
struct spool	*spool_open(const char *dir, uint64_t max_bytes,
		    uint64_t segment_bytes, enum config_fsync fsync,
		    char **cause);

/*
 * Syncs (as spool_sync), writes the latest cursor and frees the spool.
 * Errors are logged.  NULL is allowed.
 */
void		 spool_close(struct spool *);

/*
 * Ingest side.  Appends one record (len may be 0) to a user-space buffer,
 * which is written out when full or by spool_flush.  Returns 0, or -1 with
 * errno set: EMSGSIZE when len > SPOOL_MAX_RECORD; ENOSPC when the spool is
 * full (pending bytes plus this frame would pass max_bytes; a record is
 * always admitted into an empty spool), in which case the caller pauses
 * reading and waits on spool_space_fd; any other errno for an I/O error.
 * On -1 the record was not appended; records appended before stay buffered
 * and are written by a later spool_flush.
 */
int		 spool_append(struct spool *, const void *data, size_t len);

/*
 * Writes the buffered records to the segment file and makes them visible to
 * spool_read (and wakes spool_fd).  They survive a crash of the process,
 * not a power loss.  Returns 0, or -1 with errno set.
 */
int		 spool_flush(struct spool *);

/*
 * spool_flush, then fdatasync of the segment (and fsync of the directory
 * if a segment was created since the last sync), unless the policy is
 * CONFIG_FSYNC_NEVER.  After it returns 0, every record appended so far
 * survives power loss; move file checkpoints only after it.  Returns 0, or
 * -1 with errno set.
 */
int		 spool_sync(struct spool *);

/*
 * An eventfd that becomes readable when spool_ack freed space after
 * spool_append returned ENOSPC; spool_drain_space_fd clears it.
 */
int		 spool_space_fd(struct spool *);
void		 spool_drain_space_fd(struct spool *);

/*
 * Reader side.  An eventfd that becomes readable when new records became
 * visible after spool_read returned SPOOL_EMPTY (only then: a reader that
 * stopped for
 * another reason resumes on its own); spool_drain_fd clears it.  Drain it
 * before reading, so that a wakeup is never lost.
 */
int		 spool_fd(struct spool *);
void		 spool_drain_fd(struct spool *);

/* What spool_read found at a position. */
enum spool_read_result {
	SPOOL_RECORD,		/* a record: *data, *len and *next are set */
	SPOOL_EMPTY,		/* no record is visible there yet */
	SPOOL_ERROR		/* errno is set */
};

/*
 * Reads the record at *pos (start from spool_cursor).  On SPOOL_RECORD,
 * *data and *len are the record, which stays valid until the next
 * spool_read or spool_close, and *next is the following position.  On
 * SPOOL_ERROR, errno is EINVAL for a position that is already deleted or
 * past the tail, EBADMSG for a frame that went bad on disk after
 * spool_open, or that of a failed read.  Crosses into the next segment
 * transparently.  Reads the file in large chunks, not one call per record.
 */
enum spool_read_result spool_read(struct spool *, const struct spool_pos *pos,
		    const void **data, size_t *len, struct spool_pos *next);

/* Sets *out to the first unacknowledged position. */
void		 spool_cursor(struct spool *, struct spool_pos *out);

/*
 * Records that the destination acknowledged every record before upto (a
 * position returned by spool_read as *next, or the cursor).  Frees their
 * space for spool_append (and wakes spool_space_fd if the ingest side
 * waits).  Segments before upto's are deleted, after the cursor is
 * written; a segment read to its very end goes when a position in the
 * next one is acknowledged.  Otherwise the cursor is written at most once a
 * second (SPOOL_CURSOR_MS) to spare fsyncs, so a crash may deliver up to a
 * second of records again.  A position at or before the cursor is a no-op.
 * Returns 0, or -1 with errno set (EINVAL for a position past the visible
 * tail; the cursor does not move) or on failure to write the cursor (the
 * cursor moved in memory and is written again later).
 */
int		 spool_ack(struct spool *, const struct spool_pos *upto);

/*
 * Writes the cursor now if it moved since it was last written.  The
 * delivery thread calls it from an idle timer so that the last
 * acknowledgements of a burst reach the disk.  Returns 0 or -1 (logged).
 */
int		 spool_save_cursor(struct spool *);

/* Bytes (frames included) appended and not yet acknowledged. */
uint64_t	 spool_pending_bytes(struct spool *);

#endif /* SPOOL_H */
