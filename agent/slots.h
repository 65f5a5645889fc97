/*
 * slots: a small state file overwritten in place, never replaced, so that
 * writing it needs no new disk block.  The spool's cursor and a flow's file
 * registry live in such files: acknowledged segments can then always be
 * freed on a full disk, because recording that they are acknowledged takes
 * no space (README.md, invariant 5).
 *
 * The file holds SLOTS_COUNT slots of slot_size bytes each, written in full
 * (zeros) when the file is made, so its blocks exist.  A write goes to the
 * slot that does not hold the newest state, with the next sequence number:
 * a write torn by a power loss leaves the other slot, the previous state,
 * valid.  All integers little-endian.
 *
 *   slot i, at offset i * slot_size:
 *
 *   0            8         12     16        24          28        32
 *   +------------+---------+------+---------+-----------+---------+
 *   | "SLUICESL" | version | tag  | seq u64 | slot_size | len u32 | ...
 *   |  magic     | u32 = 1 | 4 B  |         | u32       |         |
 *   +------------+---------+------+---------+-----------+---------+
 *   32        36         40
 *   +---------+----------+---------------------+--------------+
 *   | crc u32 | reserved | payload, len bytes  | unused       |
 *   |         | u32 = 0  |                     | (to slot_size)|
 *   +---------+----------+---------------------+--------------+
 *
 *   crc is the CRC-32C of bytes 0..31 of the slot, then of bytes 36..39
 *   and the payload.  tag names what the payload is ("CURS": the spool
 *   cursor, "REGY": the registry), so that a file put in the wrong place is
 *   never read as another.  The newest slot is the valid one with the
 *   larger seq, compared modulo 2^64 (serial number arithmetic, RFC 1982
 *   section 3.2): the sequence may wrap.  A slot of zeros is empty.
 *
 * Versions: every version keeps the first 40 bytes as drawn.  A slot whose
 * CRC is good and whose version is newer than SLOTS_VERSION was written by
 * a newer sluiced, and the file is refused with both versions named.
 *
 * A payload that no longer fits its slot goes to a new file with larger
 * slots, written beside the old one, fsync'ed and renamed over it
 * (durable.h); if the disk is full the old file stays, and the write fails
 * and can be retried.  A file whose slots are all corrupt is moved aside to
 * "<path>.corrupt.<unix time>" (never deleted) with one log line.
 *
 * Not thread-safe: one thread writes a given file.
 */
#ifndef SLOTS_H
#define SLOTS_H

#include <stddef.h>
#include <stdint.h>

#define SLOTS_COUNT	2
#define SLOTS_HDR_SIZE	40
#define SLOTS_TAG_LEN	4

struct slots;

/*
 * Opens the slot file at path, whose payloads carry tag (SLOTS_TAG_LEN
 * bytes).  Sets *data and *len to the newest valid payload (a copy, the
 * caller frees it), or *data to NULL when there is none: the file does
 * not exist, or all its slots were corrupt (then moved aside and logged,
 * with who, e.g. "flow=web", at the start of the line).  A missing file
 * is made by the first slots_write, with room for at least cap bytes of
 * payload.  Returns the handle, or NULL with *cause set (caller frees)
 * when the file was written by a newer version or cannot be read.
 */
struct slots	*slots_open(const char *path, const char *tag, size_t cap,
		    const char *who, void **data, size_t *len, char **cause);

/*
 * Writes len bytes of payload into the next slot (one pwrite, no new
 * block), or into a new, larger file when it does not fit or the file is
 * not made yet.  The write survives a crash of the process; slots_sync
 * makes it survive a power loss.  Returns 0, or -1 with errno and *cause
 * set (caller frees); the previous payload is then still the newest.
 */
int		 slots_write(struct slots *, const void *data, size_t len,
		    char **cause);

/*
 * fdatasyncs what slots_write wrote since the last call, if anything.
 * Returns 0, or -1 with errno set.
 */
int		 slots_sync(struct slots *);

/* Returns 1 if a write is not yet synced, 0 otherwise. */
int		 slots_is_dirty(struct slots *);

/* Closes the file and frees the handle; NULL is allowed.  No sync. */
void		 slots_close(struct slots *);

#endif /* SLOTS_H */
