/*
 * fsync: the one call that asks the kernel to put a file's data on disk.
 * It lives alone in its own source file so that a unit test can link its
 * own fsync_data, one that fails on demand: a real EIO from fdatasync
 * needs a failing device (dm-error), which test machines lack.  Nothing
 * else is in this module, so the replacement takes nothing else with it.
 */
#ifndef FSYNC_H
#define FSYNC_H

/*
 * fdatasync(fd).  Returns 0, or -1 with errno set.  A caller must treat a
 * failure as final for the data written before it: Linux may drop the
 * dirty pages and report the next call on the same file as a success.
 */
int	fsync_data(int fd);

#endif /* FSYNC_H */
