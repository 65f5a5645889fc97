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
 * and on disk.  Only registry_load and registry_save know the file, so
 * that where and how it is written can change behind them (the state
 * issue's preallocated slots) without touching the tailer.
 *
 * The file, <flowdir>/registry, is text, replaced atomically with
 * durable_write_file:
 *
 *   sluice-registry 1
 *   <dev> <ino> <fp> <fplen> <offset> <size> <state> <updated> <path>
 *   ...
 *   end <number of entries> <crc>
 *
 *   dev, ino, fplen, offset, size, updated: decimal.  fp: 16 hex digits,
 *   the fingerprint of checkpoint_fingerprint_n (FNV-1a 64 of the first
 *   fplen bytes, fplen at most CHECKPOINT_FP_MAX).  state: "active",
 *   "rotated" or "finished" (enum registry_state).  updated: Unix time of
 *   the last change to the entry, for checkpointTimeToLiveDays.  path:
 *   percent-encoded as in the checkpoint file (checkpoint_put_path).
 *   crc: 8 hex digits, the CRC-32C of every byte before the "end" line.
 *
 * A file that does not read exactly as written (bad CRC, cut short,
 * garbage) is renamed to registry.corrupt.<unix time> with one log line
 * and the flow goes on with an empty registry.  A file whose version is
 * newer than REGISTRY_VERSION is left alone and the flow is refused.
 *
 * Migration: when there is no registry but the checkpoint file of earlier
 * versions (<flowdir>/checkpoints, checkpoint.h) exists, its entries are
 * imported, and the first registry_save renames it checkpoints.migrated.
 *
 * Bump REGISTRY_VERSION and keep reading the old version when any of this
 * changes.  No other file knows these constants.
 */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <stddef.h>
#include <stdint.h>

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
	int64_t			 updated;	/* Unix time of the last change */
	char			*path;		/* as last seen */
};

struct registry;

/*
 * Loads the registry of the flow whose state directory is dir (flow names
 * it in messages), importing the old checkpoint file if there is no
 * registry yet.  A corrupt registry or checkpoint file is moved aside and
 * logged; the registry is then empty.  Returns the registry (free with
 * registry_free), or NULL with *cause set (caller frees) if the file was
 * written by a newer sluice: the flow must not run, and the file is left
 * as it is.
 */
struct registry	*registry_load(const char *dir, const char *flow,
		    char **cause);

/*
 * Writes the registry durably if it changed since the last save (and
 * finishes a migration).  Returns 0, or -1 with *cause set (caller frees);
 * the file on disk is then the previous one.
 */
int		 registry_save(struct registry *, char **cause);

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
 * something changed.
 */
void		 registry_update(struct registry *, struct registry_entry *e,
		    uint64_t fp, uint32_t fplen, uint64_t offset, uint64_t size,
		    enum registry_state, const char *path);

/*
 * Removes the finished entries that have not changed for ttl seconds
 * before now (checkpointTimeToLiveDays).  Pointers to other entries stay
 * valid.  Returns the number removed.
 */
size_t		 registry_prune(struct registry *, int64_t now, int64_t ttl);

#endif /* REGISTRY_H */
