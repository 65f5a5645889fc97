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
 *   <dir>/cursor.slot              first unacknowledged position (slots.h)
 *
 * Segment file (all integers little-endian):
 *
 *   offset 0                                   16
 *   +--------------------+----------+----------+--------------+-----
 *   | magic "SLUICESG"   | version  | reserved | record frame | ...
 *   |      8 bytes       | u32 = 2  | u32 = 0  |              |
 *   +--------------------+----------+----------+--------------+-----
 *
 * Record frame (version 2), repeated to the end of the file:
 *
 *   0          4            8           16              24        28
 *   +----------+------------+-----------+---------------+---------+------+
 *   | sync u32 | length u32 | seq u64   | time u64      | crc u32 | data |
 *   | f1 1c e0 |            | record    | appended, ms  |         |      |
 *   | 5c       |            | number    | since 1970    |         |      |
 *   +----------+------------+-----------+---------------+---------+------+
 *
 *   crc is the CRC-32C (crc32c.h) of bytes 4..23 of the frame, then the
 *   data.  Covering the length means a run of zero bytes (what a power
 *   loss leaves at the end of a file whose size was extended before its
 *   data was written) never passes as records.  length is at most
 *   SPOOL_MAX_RECORD.  seq counts records, one more per frame, across
 *   segments; time dates the record for the age of the oldest unsent one.
 *
 * Recovery (spool_open): a frame that is short, too long, has no sync
 * marker or fails its CRC is damage.  If a good frame (sync marker, sane
 * length, good CRC) follows it in the segment, the bytes up to it are
 * skipped: one damaged record costs that record alone.  If none follows,
 * the damage is a torn tail and the file is cut there.  Either is logged
 * with the segment and the offset, and counted (spool_stats).  A segment
 * whose header is bad (magic, version 0) is renamed
 * "<segment>.corrupt.<unix time>" (never deleted) and the spool opens
 * without it.
 *
 * Version 1 segments (sluice before the state issue) have 8-byte frames,
 * "length u32 | crc u32 | data" with the CRC over the length bytes and
 * the data, no marker, no number, no time.  They are still read (their
 * damage is cut, not skipped; their records are counted at open and dated
 * by the file's mtime); new records always go to a version 2 segment.
 * A segment of a newer version makes spool_open fail, naming both
 * versions: to downgrade sluiced, let it drain the spool, stop it, then
 * start the older one.
 *
 * Cursor: a slot file (slots.h, tag "CURS") whose payload is the position
 * of the first record not yet acknowledged, "seg u64 | off u64"; off
 * counts from the start of the segment file, so the first record of a
 * segment is at offset 16.  It is overwritten in place at every
 * spool_ack, so it takes no disk block and a full disk can always free
 * acknowledged segments.  The text cursor of version 1 ("cursor":
 * "sluice-spool-cursor 1 <seg> <off>\n") is read when there is no slot
 * file, and renamed cursor.migrated once the slot file is written.
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
/* How soon after acks the delivery thread syncs the cursor (interval). */
#define SPOOL_CURSOR_MS		1000

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
 * Recovery: every segment is scanned and its records' CRCs checked;
 * damage is skipped or cut as the format says above, logged with
 * log_warnx naming the file, the offset and the bytes, and opening
 * succeeds.  Delivery resumes at the cursor, so records after it are
 * delivered again (at-least-once); segments wholly before it are deleted.
 * Appends always go to a new segment.  On a full disk (ENOSPC, EDQUOT),
 * where that segment cannot be made, the spool opens all the same: what
 * it holds is delivered and appends wait (spool_is_disk_full).  A
 * warning is logged when the filesystem's free space cannot hold
 * max_bytes.
 *
 * Returns the spool, or NULL with *cause set (caller frees) when the
 * directory cannot be used or holds a segment or a cursor of a newer
 * version (the cause names both versions).
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
 * reading and waits on spool_space_fd; ENOSPC too when the state disk is
 * full (spool_is_disk_full says which): appends are refused until a write
 * succeeds again, tried at most once a second (SPOOL_RETRY_MS) or as soon
 * as an acknowledgement freed blocks; EIO once a sync failed
 * (spool_has_failed); any other errno for an I/O error.  On -1 the record
 * was not appended; records appended before stay buffered and are written
 * by a later spool_flush.
 */
int		 spool_append(struct spool *, const void *data, size_t len);

/*
 * Writes the buffered records to the segment file and makes them visible to
 * spool_read (and wakes spool_fd).  They survive a crash of the process,
 * not a power loss.  Returns 0, or -1 with errno set.  On a full disk
 * (ENOSPC, EDQUOT) what this call wrote is cut off again, the records stay
 * buffered and spool_is_disk_full becomes 1 until a flush succeeds.
 */
int		 spool_flush(struct spool *);

/*
 * spool_flush, then fdatasync of the segment (and fsync of the directory
 * if a segment was created since the last sync), unless the policy is
 * CONFIG_FSYNC_NEVER.  After it returns 0, every record appended so far
 * survives power loss; move file checkpoints only after it.  Returns 0, or
 * -1 with errno set.  A failed fdatasync is final (spool_has_failed): the
 * kernel may have dropped the data and report the next one as a success,
 * so every later spool_sync fails with EIO, and spool_append too.
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
 * waits).  The cursor is written into its slot at every call (a pwrite,
 * which survives a crash of the process: a SIGKILL re-sends only what was
 * in flight), and fdatasync'ed at once under the ALWAYS policy; under
 * INTERVAL spool_save_cursor syncs it.  Segments before upto's are then
 * deleted; a segment read to its very end goes when a position in the next
 * one is acknowledged.  A position at or before the cursor is a no-op.
 * Returns 0, or -1 with errno set (EINVAL for a position past the visible
 * tail; the cursor does not move) or on failure to write the cursor (the
 * cursor moved in memory and is written again at the next call; not
 * logged here: the caller reports it by state, problem.h).
 */
int		 spool_ack(struct spool *, const struct spool_pos *upto);

/*
 * Writes the cursor if an earlier write failed, and fdatasyncs it under
 * the INTERVAL policy.  The delivery thread calls it from a timer armed
 * SPOOL_CURSOR_MS after acknowledgements, so a power loss repeats at most
 * about that much more.  Returns 0, or -1 with errno set, unlogged: the
 * caller reports it by state (problem.h), as it does for spool_ack.
 */
int		 spool_save_cursor(struct spool *);

/* Bytes (frames included) appended and not yet acknowledged. */
uint64_t	 spool_pending_bytes(struct spool *);

/* What spool_stats reports: right from spool_open, which scans anyway. */
struct spool_stats {
	uint64_t	pending_records;	/* appended, not acked */
	uint64_t	pending_bytes;		/* frames included */
	uint64_t	oldest_ms;	/* oldest unsent record appended, */
					/* ms since 1970; 0: none */
	uint64_t	skipped_bytes;	/* damage skipped or cut at open */
	int		disk_full;	/* spool_is_disk_full */
	int		sync_failed;	/* spool_has_failed */
};

/*
 * Fills *st.  Either thread, or another: the figures are atomics, each
 * exact, together a moment's view.  In a version 1 segment the record
 * count at the cursor is estimated, and the age is the file's mtime.
 */
void		 spool_stats(struct spool *, struct spool_stats *st);

/*
 * Returns 1 if every record before pos survived in the spool when
 * spool_open recovered it (or was acknowledged before), 0 if not: a
 * segment up to pos is missing, or damage was found before pos, or the
 * spool ends before it.  What it answers is fixed at spool_open, which
 * also makes the records it found durable (unless the policy is
 * CONFIG_FSYNC_NEVER), so that a start can trust the file offsets saved
 * with a position that was flushed but not synced (registry.h).  Any
 * thread.
 */
int		 spool_is_intact_to(struct spool *, const struct spool_pos *pos);

/*
 * Sets *out to the position after the last record spool_flush wrote: the
 * records before it survive a crash of the process.  Ingest thread.
 */
void		 spool_tail(struct spool *, struct spool_pos *out);

/* Returns 1 while appends wait for space on the state disk, 0 if not. */
int		 spool_is_disk_full(struct spool *);

/* Returns 1 once an fdatasync failed (for good), 0 if none did. */
int		 spool_has_failed(struct spool *);

#endif /* SPOOL_H */
