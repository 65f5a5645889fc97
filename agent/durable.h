/*
 * durable: the one place that writes state which must survive a crash or a
 * power loss (the spool cursor, the file checkpoints).  A file is replaced
 * atomically: the new content goes to a temporary file beside it, which is
 * fsync'ed and renamed over the old one, and then the directory is fsync'ed
 * so that the rename itself is on disk.  After a crash a reader sees either
 * the old content or the new, never a mix.
 */
#ifndef DURABLE_H
#define DURABLE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Replaces the file at path with len bytes of data (mode 0600), through
 * "path.tmp.<pid>".  Returns 0 once the new content and the rename are
 * durable, or -1 with *cause set (caller frees); on failure the old file is
 * untouched and the temporary file is removed.
 */
int	durable_write_file(const char *path, const void *data, size_t len,
	    char **cause);

/*
 * fsyncs the directory dir, which makes the creation, rename or removal of
 * its entries durable.  Returns 0, or -1 with *cause set (caller frees).
 */
int	durable_fsync_dir(const char *dir, char **cause);

/*
 * Creates path with mode, and any missing parents with 0755 (both less the
 * umask, as mkdir -p -m), and makes each new entry durable by fsyncing its
 * parent.  An existing directory is
 * fine.  Returns 0, or -1 with *cause set (caller frees).
 */
int	durable_mkdirs(const char *path, mode_t mode, char **cause);

/*
 * Returns 1 if name is a temporary file left by durable_write_file for the
 * file named base (a crash between write and rename), 0 otherwise.  Owners
 * of a directory remove such leftovers when they open it.
 */
int	durable_is_leftover(const char *name, const char *base);

/*
 * Removes the temporary files that durable_write_file(path) may have left
 * beside path after a crash.  Errors are ignored: a leftover is harmless.
 */
void	durable_remove_leftovers(const char *path);

#endif /* DURABLE_H */
