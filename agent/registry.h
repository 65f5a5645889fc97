/*
 * registry: what a flow knows about every file it has read, so that no
 * restart and no rotation loses a line.  A file is known by its identity,
 * (device, inode) plus a fingerprint of its first bytes, never by its name:
 * a file renamed out of the pattern, or into another directory, is still
 * the file whose offset is recorded, and a reused inode with other first
 * bytes is a new file.  Each entry says how far the file was consumed,
 * what it was last called, how big it was and whether it is still being
 * read (README.md, invariants 1 and 4).
 *
 * The tailer owns the entries' meaning; this module keeps them in memory
 * and on disk.  Only this module knows the files, so that where and how
 * they are written can change behind it without touching the tailer.
 *
 * Two files in the flow's directory, both slot files (slots.h: overwritten
 * in place, so a save needs no new disk block, and a full disk never
 * stops it once the file is big enough):
 *
 *   registry.slot          tag "REGY": the durable registry, written and
 *                          fdatasync'ed by registry_save, which the owner
 *                          calls only once every record read before the
 *                          offsets is durable in the spool (invariant 1);
 *   registry-flushed.slot  tag "REGF": the same entries a moment later,
 *                          written (pwrite, no sync) by registry_save_flushed
 *                          right after the spool wrote their records, with
 *                          the spool position those records reach.
 *
 * The payload of either is text:
 *
 *   sluice-registry 3 <gen>[ <seg> <off>]
 *   <dev> <ino> <fp> <fplen> <offset> <size> <tail> <taillen> <tailend>
 *       <state> <updated> <path>
 *   ...
 *   end <number of entries> <crc>
 *
 *   gen: in registry.slot, one more at every durable save; in the flushed
 *   file, the gen of the durable save it follows.  seg, off: only in the
 *   flushed file, the spool position (spool.h) after the records its
 *   offsets count.  dev, ino, fplen, offset, size, updated: decimal.  fp:
 *   16 hex digits, the fingerprint of checkpoint_fingerprint_n (FNV-1a 64
 *   of the first fplen bytes, fplen at most CHECKPOINT_FP_MAX).  tail,
 *   taillen, tailend: the last bytes read, 16 hex digits of
 *   registry_tail_hash over taillen (at most REGISTRY_TAIL_MAX) bytes
 *   that end at tailend (decimal; at offset, or past it by a line not yet
 *   whole); all 0 when they are not known.  They tell a file truncated
 *   and written again past its offset while sluiced was stopped, with the
 *   same first bytes (a banner), from the file that was read: the first
 *   open after a start checks them (issue 8).  state:
 *   "active", "rotated" or "finished" (enum registry_state).  updated: Unix
 *   time of the last change to the entry, for checkpointTimeToLiveDays.
 *   path: percent-encoded as in the checkpoint file (checkpoint_put_path).
 *   crc: 8 hex digits, the CRC-32C of every byte before the "end" line.
 *
 * Why two files (few duplicates after a crash, the "a SIGKILL
 * re-sends only what was in flight"): the durable registry moves only at
 * a spool sync, every spool.fsyncIntervalMillis, so a SIGKILL would make
 * the tailer read again, and spool again, everything read since.  The
 * flushed file survives a crash of the process as soon as the records do
 * (both are in the page cache), but not necessarily a power loss, which
 * may keep a later page of a file and lose an earlier one.  So at start
 * its offsets are used only when (1) its gen is that of the durable
 * registry (no durable save came after it) and (2) the spool, recovered,
 * still holds every record before its position (spool_is_intact_to: no
 * damage, no gap, no cut before it; spool_open then syncs those records,
 * so the next durable save may count them).  Otherwise the durable
 * offsets stand: lines are read again, never lost.  It is never synced
 * and never trusted otherwise; writes are rate-bounded (a few ms apart,
 * more for a large registry), and skipped when nothing changed.
 *
 * Version 2 was the same without tail, taillen and tailend (never
 * released, but read: its entries have no tail to check).  Version 1 was
 * the text above ("sluice-registry 1", no gen, no tail) in a file
 * <flowdir>/registry replaced atomically; when there is no registry.slot
 * it is imported, and the first registry_save renames it
 * registry.migrated.  Before it, the checkpoint file (<flowdir>/checkpoints,
 * checkpoint.h) is imported the same way (checkpoints.migrated).
 *
 * Damage: a registry that does not read exactly as written (every slot
 * bad, a bad CRC, cut short, garbage) is renamed to
 * <file>.corrupt.<unix time> with one log line and the flow goes on with
 * an empty registry (files are read from their start).  A registry whose
 * version is newer than REGISTRY_VERSION (or a slot file of a newer
 * format) is left alone and the flow is refused, naming both versions.  A
 * bad flushed file is only ignored.
 *
 * Bump REGISTRY_VERSION and keep reading the old version when any of this
 * changes.  No other file knows these constants.
 */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#define REGISTRY_TAIL_MAX	64	/* last bytes read, kept */

enum registry_state {
	REGISTRY_ACTIVE,	/* open, matching the pattern */
	REGISTRY_ROTATED,	/* open, renamed out of the pattern or deleted */
	REGISTRY_FINISHED	/* read to its end and closed */
};

struct registry_entry {
	uint64_t		 dev;
	uint64_t		 ino;
	uint64_t		 fp;		/* of the first fplen bytes */
	uint32_t		 fplen;
	uint64_t		 offset;	/* bytes consumed */
	uint64_t		 size;		/* as last seen */
	enum registry_state	 state;
	uint64_t		 tail;		/* hash of the last */
	uint32_t		 taillen;	/* bytes read, 0: none, */
	uint64_t		 tailend;	/* ending here (>= offset) */
	int64_t			 updated;	/* Unix time of the last change */
	char			*path;		/* as last seen */
};

struct registry;

/*
 * Says whether the spool still holds every record before position
 * (seg, off): spool_is_intact_to, without this module knowing the spool.
 */
typedef int	(*registry_intact_cb)(void *arg, uint64_t seg, uint64_t off);

/*
 * Loads the registry of the flow whose state directory is dir (flow names
 * it in messages), importing the version 1 registry or the old checkpoint
 * file if there is no registry.slot yet.  The flushed offsets replace the
 * durable ones when intact (may be NULL: never) says the spool holds their
 * records, as the format above says.  A corrupt registry or checkpoint
 * file is moved aside and logged; the registry is then empty.  Returns the
 * registry (free with registry_free), or NULL with *cause set (caller
 * frees) if the file was written by a newer sluice or cannot be read: the
 * flow must not run, and the file is left as it is.
 */
struct registry	*registry_load(const char *dir, const char *flow,
		    registry_intact_cb intact, void *arg, char **cause);

/*
 * Writes the registry durably (a slot write and an fdatasync) if it changed
 * since the last save, and finishes a migration.  Call only once every
 * record the offsets count is durable.  Returns 0, or -1 with *cause set
 * (caller frees); the registry on disk is then the previous one, and the
 * next call tries again (a full disk that stops the file from growing).
 */
int		 registry_save(struct registry *, char **cause);

/*
 * Returns 1 if registry_save_flushed may write now (its rate bound), 0 if
 * not or if there is no flushed file.
 */
int		 registry_flushed_is_due(struct registry *);

/*
 * Writes the entries into the flushed file, with (seg, off), the spool
 * position after the records they count, if they changed since the last
 * such write: one pwrite, no sync.  Call right after spool_flush.  Returns
 * 0, or -1 with *cause set (caller frees); nothing is lost then, a crash
 * only reads more again.
 */
int		 registry_save_flushed(struct registry *, uint64_t seg,
		    uint64_t off, char **cause);

/* Frees the registry and its entries; NULL is allowed. */
void		 registry_free(struct registry *);

/*
 * Returns 1 if the flow had neither a registry nor a checkpoint file when
 * it was loaded: its very first start, where initialPosition applies.
 */
int		 registry_is_new(struct registry *);

/* Entries, for iteration: 0 <= i < registry_count.  Owned by registry. */
size_t		 registry_count(struct registry *);
struct registry_entry *registry_entry_at(struct registry *, size_t i);

/*
 * Returns the entry of the file open on fd: same device and inode, and the
 * same fingerprint over the entry's fplen bytes.  A reused inode (other
 * first bytes) has none.  NULL if none matches.
 */
struct registry_entry *registry_lookup(struct registry *, int fd);

/*
 * Returns the entry of device dev and inode ino, whatever its first bytes,
 * or NULL.  A hash lookup: its cost does not grow with the entries.
 */
struct registry_entry *registry_find(struct registry *, uint64_t dev,
		    uint64_t ino);

/*
 * Returns the first entry, in any state, whose fingerprint the file open
 * on fd carries: a copy, or a move to another filesystem.  Entries with
 * fplen 0 match nothing.  NULL if none matches.
 */
struct registry_entry *registry_lookup_fp(struct registry *, int fd);

/*
 * Returns 1 if the file open on fd has e's fingerprint over e->fplen
 * bytes (at least that many bytes, same hash), 0 otherwise; with
 * same_id, its device and inode must be e's too.
 */
int		 registry_entry_is_file(const struct registry_entry *e,
		    int fd, int same_id);

/*
 * Adds an active entry for a file (path is copied), replacing and freeing
 * any entry with the same device and inode: that inode is now another
 * file.  Returns the entry, which stays valid until registry_prune or
 * registry_free removes it.
 */
struct registry_entry *registry_add(struct registry *, uint64_t dev,
		    uint64_t ino, uint64_t fp, uint32_t fplen, uint64_t offset,
		    uint64_t size, const char *path);

/*
 * Sets what the tailer knows of e now; path is copied.  The entry's
 * updated time moves, and the registry is saved next time, only if
 * something changed.  A new offset forgets the tail (it was that of the
 * old offset): registry_set_tail gives the new one.
 */
void		 registry_update(struct registry *, struct registry_entry *e,
		    uint64_t fp, uint32_t fplen, uint64_t offset, uint64_t size,
		    enum registry_state, const char *path);

/*
 * Sets the tail of e: tail is registry_tail_hash of the last taillen
 * bytes read (at most REGISTRY_TAIL_MAX), which end at tailend (the
 * offset, or past it by a line not yet whole); taillen 0 if they are not
 * known.  Saved next time if it changed.
 */
void		 registry_set_tail(struct registry *,
		    struct registry_entry *e, uint64_t tail, uint32_t taillen,
		    uint64_t tailend);

/* The hash of len bytes at p that registry_set_tail takes (FNV-1a 64). */
uint64_t	 registry_tail_hash(const void *p, size_t len);

/*
 * Removes the finished entries that have not changed for ttl seconds
 * before now (checkpointTimeToLiveDays).  Pointers to other entries stay
 * valid.  Returns the number removed.
 */
size_t		 registry_prune(struct registry *, int64_t now, int64_t ttl);

#endif /* REGISTRY_H */
