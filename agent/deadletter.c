/*
 * deadletter: see deadletter.h.  Entries are appended with one write(2)
 * each (header, error and data gathered by writev), to a file opened with
 * O_APPEND; a torn entry can only be the last one.
 */
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "deadletter.h"
#include "durable.h"
#include "xmalloc.h"

struct deadletter {
	char		*dir;
	char		*path;
	int		 fd;		/* -1 until the first record */
	uint64_t	 max_bytes;
	uint64_t	 records;
	uint64_t	 bytes;
};

static void
deadletter_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t
deadletter_get32(const unsigned char *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

/*
 * Walks the entries of the open file f, calling fn (when not NULL) with
 * each.  Sets *good to the offset after the last whole entry.  Returns 0
 * at the end or at a torn or corrupt entry, -1 on a read error (errno) or
 * when fn returns -1.
 */
static int
deadletter_walk(FILE *f, uint64_t *records, uint64_t *good,
    int (*fn)(const char *, const void *, size_t, void *), void *arg)
{
	unsigned char	 h[DEADLETTER_HEADER];
	char		*err = NULL, *data = NULL;
	uint32_t	 elen, dlen, crc;
	int		 rv = 0;

	*records = *good = 0;
	for (;;) {
		if (fread(h, 1, sizeof h, f) != sizeof h)
			break;
		if (memcmp(h, DEADLETTER_MAGIC, 4) != 0)
			break;
		elen = deadletter_get32(h + 8);
		dlen = deadletter_get32(h + 12);
		crc = deadletter_get32(h + 16);
		if (elen > DEADLETTER_ERROR_MAX || dlen > DEADLETTER_DATA_MAX)
			break;
		err = xmalloc((size_t)elen + 1);
		data = xmalloc(dlen > 0 ? dlen : 1);
		if (fread(err, 1, elen, f) != elen ||
		    fread(data, 1, dlen, f) != dlen ||
		    crc32c(crc32c(0, err, elen), data, dlen) != crc)
			break;
		err[elen] = '\0';
		if (fn != NULL && fn(err, data, dlen, arg) == -1) {
			rv = -1;
			break;
		}
		free(err);
		free(data);
		err = data = NULL;
		(*records)++;
		*good += sizeof h + elen + dlen;
	}
	if (rv == 0 && ferror(f))
		rv = -1;
	free(err);
	free(data);
	return (rv);
}

struct deadletter *
deadletter_open(const char *dir, uint64_t max_bytes, char **cause)
{
	struct deadletter	*dl;
	struct stat		 sb;
	FILE			*f;

	dl = xcalloc(1, sizeof *dl);
	dl->dir = xstrdup(dir);
	xasprintf(&dl->path, "%s/" DEADLETTER_FILE, dir);
	dl->fd = -1;
	dl->max_bytes = max_bytes;
	if ((f = fopen(dl->path, "r")) == NULL) {
		if (errno == ENOENT)
			return (dl);
		xasprintf(cause, "%s: %s", dl->path, strerror(errno));
		goto fail;
	}
	if (deadletter_walk(f, &dl->records, &dl->bytes, NULL, NULL) == -1) {
		xasprintf(cause, "%s: %s", dl->path, strerror(errno));
		fclose(f);
		goto fail;
	}
	fclose(f);
	if ((dl->fd = open(dl->path, O_WRONLY | O_APPEND | O_CLOEXEC)) ==
	    -1 || fstat(dl->fd, &sb) == -1) {
		xasprintf(cause, "%s: %s", dl->path, strerror(errno));
		goto fail;
	}
	/* A crash while appending: cut the torn entry. */
	if ((uint64_t)sb.st_size > dl->bytes &&
	    (ftruncate(dl->fd, (off_t)dl->bytes) == -1 ||
	    fdatasync(dl->fd) == -1)) {
		xasprintf(cause, "%s: %s", dl->path, strerror(errno));
		goto fail;
	}
	return (dl);
fail:
	deadletter_close(dl);
	return (NULL);
}

void
deadletter_close(struct deadletter *dl)
{
	if (dl == NULL)
		return;
	if (dl->fd != -1)
		close(dl->fd);
	free(dl->path);
	free(dl->dir);
	free(dl);
}

enum deadletter_result
deadletter_add(struct deadletter *dl, const char *error, const void *data,
    size_t len)
{
	unsigned char	 h[DEADLETTER_HEADER];
	struct iovec	 iov[3];
	size_t		 elen = strlen(error), total;
	ssize_t		 n;
	char		*cause = NULL;
	int		 created = 0;

	if (elen > DEADLETTER_ERROR_MAX)
		elen = DEADLETTER_ERROR_MAX;
	if (len > DEADLETTER_DATA_MAX)
		len = DEADLETTER_DATA_MAX;
	total = sizeof h + elen + len;
	if (dl->bytes + total > dl->max_bytes)
		return (DEADLETTER_FULL);
	if (dl->fd == -1) {
		dl->fd = open(dl->path, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC, 0600);
		if (dl->fd == -1)
			return (DEADLETTER_FAILED);
		created = 1;
	}
	memcpy(h, DEADLETTER_MAGIC, 4);
	deadletter_put32(h + 4, (uint32_t)time(NULL));
	deadletter_put32(h + 8, (uint32_t)elen);
	deadletter_put32(h + 12, (uint32_t)len);
	deadletter_put32(h + 16, crc32c(crc32c(0, error, elen), data, len));
	iov[0].iov_base = h;
	iov[0].iov_len = sizeof h;
	iov[1].iov_base = (void *)(uintptr_t)error;
	iov[1].iov_len = elen;
	iov[2].iov_base = (void *)(uintptr_t)data;
	iov[2].iov_len = len;
	n = writev(dl->fd, iov, 3);
	if (n != (ssize_t)total) {
		/* Take a short write back, so the next entry is whole. */
		if (n > 0 && ftruncate(dl->fd, (off_t)dl->bytes) == -1)
			return (DEADLETTER_FAILED);
		if (n >= 0)
			errno = ENOSPC;
		return (DEADLETTER_FAILED);
	}
	if (created && durable_fsync_dir(dl->dir, &cause) == -1) {
		free(cause);
		errno = EIO;
		return (DEADLETTER_FAILED);
	}
	dl->records++;
	dl->bytes += total;
	return (DEADLETTER_ADDED);
}

int
deadletter_sync(struct deadletter *dl)
{
	if (dl->fd == -1)
		return (0);
	return (fdatasync(dl->fd));
}

void
deadletter_count(struct deadletter *dl, uint64_t *records, uint64_t *bytes)
{
	*records = dl->records;
	*bytes = dl->bytes;
}

int64_t
deadletter_take(struct deadletter *dl, char **cause)
{
	char		*replay;
	int64_t		 n = (int64_t)dl->records;

	if (dl->records == 0) {
		xasprintf(cause, "no dead letters to replay");
		return (-1);
	}
	xasprintf(&replay, "%s/" DEADLETTER_REPLAY, dl->dir);
	if (access(replay, F_OK) == 0) {
		xasprintf(cause, "a replay is still in progress (%s)", replay);
		free(replay);
		return (-1);
	}
	if (deadletter_sync(dl) == -1 || rename(dl->path, replay) == -1) {
		xasprintf(cause, "%s: %s", dl->path, strerror(errno));
		free(replay);
		return (-1);
	}
	free(replay);
	if (durable_fsync_dir(dl->dir, cause) == -1)
		return (-1);
	if (dl->fd != -1)
		close(dl->fd);
	dl->fd = -1;
	dl->records = dl->bytes = 0;
	return (n);
}

int
deadletter_stat(const char *path, uint64_t *records, uint64_t *bytes)
{
	FILE	*f;
	int	 rv;

	*records = *bytes = 0;
	if ((f = fopen(path, "r")) == NULL)
		return (errno == ENOENT ? 0 : -1);
	rv = deadletter_walk(f, records, bytes, NULL, NULL);
	fclose(f);
	return (rv);
}

int
deadletter_foreach(const char *path, int (*fn)(const char *, const void *,
    size_t, void *), void *arg)
{
	FILE		*f;
	uint64_t	 records, bytes;
	int		 rv;

	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	rv = deadletter_walk(f, &records, &bytes, fn, arg);
	fclose(f);
	return (rv);
}
