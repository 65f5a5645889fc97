/*
 * checkpoint: a flow's file offsets, so that a restart resumes each file
 * where the last durable state left it.  The ingest thread saves them only
 * after spool_sync, so an offset never runs ahead of the records in the
 * spool (README.md, invariant 1).  A file is known by (device, inode) plus
 * a fingerprint of its first bytes, which tells a reused inode or a
 * replaced file from the one that was read.
 *
 * The file (conventionally <flowdir>/checkpoints) is text, replaced
 * atomically with durable_write_file:
 *
 *   sluice-checkpoints 1
 *   <dev> <ino> <fp> <fplen> <offset> <updated> <path>
 *   ...
 *   end <number of entries>
 *
 *   dev, ino, fplen, offset, updated: decimal.  fp: 16 hex digits, the
 *   64-bit FNV-1a hash of the file's first fplen bytes (fplen is at most
 *   CHECKPOINT_FP_MAX; a shorter file hashes what it has).  updated: Unix
 *   time of the save that last changed the entry, for
 *   checkpointTimeToLiveDays.  path: percent-encoded (RFC 3986 section
 *   2.1) for '%', space, control bytes and 0x7f, so any path, newlines
 *   included, fits on one line.  The "end" line tells a file cut short.
 *
 * Bump CHECKPOINT_VERSION and keep reading the old version when any of this
 * changes.  No other file knows these constants.
 */
#ifndef CHECKPOINT_H
#define CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#define CHECKPOINT_FP_MAX	1024	/* bytes hashed for the fingerprint */

struct buf;

struct checkpoint_entry {
	uint64_t	 dev;
	uint64_t	 ino;
	uint64_t	 fp;		/* FNV-1a 64 of the first fplen bytes */
	uint32_t	 fplen;
	uint64_t	 offset;	/* bytes consumed */
	int64_t		 updated;	/* Unix time */
	char		*path;		/* as last seen */
};

/*
 * Replaces the checkpoint file at path with n entries (durably).  Returns
 * 0, or -1 with *cause set (caller frees); the old file is then intact.
 */
int	checkpoint_save(const char *path, const struct checkpoint_entry *,
	    size_t n, char **cause);

/*
 * Loads the checkpoint file at path.  Sets *out to an array of *n entries
 * (free with checkpoint_free_entries); a missing file gives 0 entries and
 * *out NULL.  Returns 0, or -1 with *cause set to "file:line: message"
 * (caller frees) for an unreadable or corrupt file; nothing to free then.
 */
int	checkpoint_load(const char *path, struct checkpoint_entry **out,
	    size_t *n, char **cause);

/* Frees n entries and the array from checkpoint_load; NULL is allowed. */
void	checkpoint_free_entries(struct checkpoint_entry *, size_t n);

/*
 * Sets *fp and *fplen to the fingerprint of the file open on fd: the hash
 * of its first CHECKPOINT_FP_MAX bytes, or of all of it if shorter.  Reads
 * with pread, so fd's offset does not move.  Returns 0, or -1 with errno.
 */
int	checkpoint_fingerprint(int fd, uint64_t *fp, uint32_t *fplen);

/*
 * The same, over the first min(len, CHECKPOINT_FP_MAX) bytes: compare a
 * grown file with an entry by hashing e->fplen bytes.  *fplen is set to the
 * bytes hashed, less than len if the file is shorter.
 */
int	checkpoint_fingerprint_n(int fd, uint32_t len, uint64_t *fp,
	    uint32_t *fplen);

/*
 * Returns 1 if the file open on fd is the one entry e describes: same
 * device and inode, at least e->fplen bytes long, with the same
 * fingerprint over them; 0 otherwise (or on a read error).
 */
int	checkpoint_is_same_file(int fd, const struct checkpoint_entry *e);

/*
 * Appends path to b, percent-encoded as described above, so that it fits
 * on one line; the registry file (registry.h) encodes paths the same way.
 */
void	checkpoint_put_path(struct buf *b, const char *path);

/*
 * Decodes the encoded path from s to end.  Returns it (caller frees), or
 * NULL if it is malformed, empty or longer than PATH_MAX.
 */
char	*checkpoint_get_path(const char *s, const char *end);

#endif /* CHECKPOINT_H */
