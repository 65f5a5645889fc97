/*
 * slots: see slots.h for the format.  The file is read whole at open (it
 * is small: a cursor, or a registry of a line per file) and written one
 * slot at a time.  A new file is made by writing it in full beside the old
 * one, syncing it and renaming it over: its blocks are then allocated, so
 * every later write is an overwrite in place.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "durable.h"
#include "fsync.h"
#include "log.h"
#include "slots.h"
#include "xmalloc.h"

#define SLOTS_MAGIC		"SLUICESL"
#define SLOTS_MAGIC_LEN		8
#define SLOTS_VERSION		1
#define SLOTS_ALIGN		4096	/* a slot is whole pages */
#define SLOTS_MAX_FILE		(256U * 1024 * 1024)
#define SLOTS_CORRUPT		".corrupt."
#define SLOTS_NEW		".new"

struct slots {
	char		*path;
	char		 tag[SLOTS_TAG_LEN];
	size_t		 cap;		/* payload room wanted at creation */
	int		 fd;		/* -1: not made yet */
	size_t		 slot_size;
	int		 cur;		/* slot of the newest state, or -1 */
	uint64_t	 seq;		/* its sequence number */
	int		 dirty;
	unsigned char	*buf;		/* one slot, for writes */
};

/* What one slot holds. */
enum slots_check {
	SLOTS_VALID,
	SLOTS_EMPTY,
	SLOTS_BAD,
	SLOTS_NEWER
};

static void
slots_put32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t
slots_get32(const unsigned char *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

static void
slots_put64(unsigned char *p, uint64_t v)
{
	slots_put32(p, (uint32_t)v);
	slots_put32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t
slots_get64(const unsigned char *p)
{
	return ((uint64_t)slots_get32(p) | (uint64_t)slots_get32(p + 4) << 32);
}

static uint32_t
slots_crc(const unsigned char *slot, size_t len)
{
	uint32_t	crc;

	crc = crc32c(0, slot, 32);
	return (crc32c(crc, slot + 36, 4 + len));
}

/* a is newer than b, modulo 2^64 (RFC 1982). */
static int
slots_seq_after(uint64_t a, uint64_t b)
{
	return ((int64_t)(a - b) > 0);
}

/*
 * Checks the slot at p, of which avail bytes are in the file.  On
 * SLOTS_VALID or SLOTS_NEWER sets *seq, *size, *len and *version.
 */
static enum slots_check
slots_check(const struct slots *sl, const unsigned char *p, size_t avail,
    uint64_t *seq, size_t *size, size_t *len, uint32_t *version)
{
	size_t	i;

	if (avail < SLOTS_HDR_SIZE)
		return (avail == 0 ? SLOTS_EMPTY : SLOTS_BAD);
	for (i = 0; i < SLOTS_HDR_SIZE && p[i] == 0; i++)
		;
	if (i == SLOTS_HDR_SIZE)
		return (SLOTS_EMPTY);
	if (memcmp(p, SLOTS_MAGIC, SLOTS_MAGIC_LEN) != 0 ||
	    memcmp(p + 12, sl->tag, SLOTS_TAG_LEN) != 0)
		return (SLOTS_BAD);
	*version = slots_get32(p + 8);
	*seq = slots_get64(p + 16);
	*size = slots_get32(p + 24);
	*len = slots_get32(p + 28);
	if (*size < SLOTS_HDR_SIZE || *len > *size - SLOTS_HDR_SIZE ||
	    *len > avail - SLOTS_HDR_SIZE)
		return (SLOTS_BAD);
	if (slots_crc(p, *len) != slots_get32(p + 32))
		return (SLOTS_BAD);
	return (*version > SLOTS_VERSION ? SLOTS_NEWER : SLOTS_VALID);
}

/* Fills sl->buf with a slot holding data. */
static void
slots_fill(struct slots *sl, size_t size, uint64_t seq, const void *data,
    size_t len)
{
	unsigned char	*p = sl->buf;

	memset(p, 0, SLOTS_HDR_SIZE);
	memcpy(p, SLOTS_MAGIC, SLOTS_MAGIC_LEN);
	slots_put32(p + 8, SLOTS_VERSION);
	memcpy(p + 12, sl->tag, SLOTS_TAG_LEN);
	slots_put64(p + 16, seq);
	slots_put32(p + 24, (uint32_t)size);
	slots_put32(p + 28, (uint32_t)len);
	if (len > 0)
		memcpy(p + SLOTS_HDR_SIZE, data, len);
	slots_put32(p + 32, slots_crc(p, len));
}

static int
slots_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = pwrite(fd, p, len, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return (-1);
		if (n == 0) {
			errno = EIO;
			return (-1);
		}
		p += n;
		len -= n;
		off += n;
	}
	return (0);
}

/*
 * Makes a new file with slots big enough for len bytes (and cap), slot 0
 * holding data with the next sequence number, and renames it over path.
 */
static int
slots_create(struct slots *sl, const void *data, size_t len, char **cause)
{
	unsigned char	*zero = NULL;
	char		*tmp = NULL, *copy, *dir;
	size_t		 want, size, i;
	uint64_t	 seq;
	int		 fd = -1, rc = -1, saved;

	want = len > sl->cap ? 2 * len : sl->cap;
	size = (SLOTS_HDR_SIZE + want + SLOTS_ALIGN - 1) / SLOTS_ALIGN *
	    SLOTS_ALIGN;
	if (size * SLOTS_COUNT > SLOTS_MAX_FILE || size > UINT32_MAX) {
		errno = EFBIG;
		xasprintf(cause, "%s: %zu bytes do not fit a state file",
		    sl->path, len);
		return (-1);
	}
	seq = sl->cur == -1 ? 1 : sl->seq + 1;
	free(sl->buf);
	sl->buf = xcalloc(1, size);
	slots_fill(sl, size, seq, data, len);

	xasprintf(&tmp, "%s%s", sl->path, SLOTS_NEW);
	fd = open(tmp, O_RDWR|O_CREAT|O_TRUNC|O_CLOEXEC, 0600);
	if (fd == -1)
		goto fail;
	if (slots_pwrite(fd, sl->buf, size, 0) == -1)
		goto fail;
	zero = xcalloc(1, size);
	for (i = 1; i < SLOTS_COUNT; i++) {
		if (slots_pwrite(fd, zero, size, (off_t)(i * size)) == -1)
			goto fail;
	}
	if (fsync_data(fd) == -1)
		goto fail;
	if (rename(tmp, sl->path) == -1)
		goto fail;
	free(tmp);
	tmp = NULL;
	copy = xstrdup(sl->path);
	dir = dirname(copy);
	rc = durable_fsync_dir(dir, cause);
	free(copy);
	if (rc == -1) {
		/* The new file is in place all the same; only not durable. */
		errno = EIO;
	}
	if (sl->fd != -1)
		close(sl->fd);
	sl->fd = fd;
	fd = -1;
	sl->slot_size = size;
	sl->cur = 0;
	sl->seq = seq;
	sl->dirty = 0;
	goto out;

fail:
	saved = errno;
	xasprintf(cause, "%s: %s", tmp, strerror(saved));
	errno = saved;
out:
	saved = errno;
	if (fd != -1)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(zero);
	errno = saved;
	return (rc);
}

/* Reads the whole file into *data; ENOENT if there is none. */
static int
slots_slurp(const char *path, unsigned char **data, size_t *len)
{
	struct stat	 sb;
	ssize_t		 n;
	int		 fd, saved;

	*data = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
		return (-1);
	if (fstat(fd, &sb) == -1)
		goto fail;
	if ((uint64_t)sb.st_size > SLOTS_MAX_FILE) {
		errno = EFBIG;
		goto fail;
	}
	*data = xmalloc(sb.st_size + 1);
	while (*len < (size_t)sb.st_size) {
		n = pread(fd, *data + *len, sb.st_size - *len, *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		*len += n;
	}
	close(fd);
	return (0);
fail:
	saved = errno;
	free(*data);
	*data = NULL;
	close(fd);
	errno = saved;
	return (-1);
}

static void
slots_move_aside(struct slots *sl, const char *who)
{
	char	*aside;

	xasprintf(&aside, "%s%s%lld", sl->path, SLOTS_CORRUPT,
	    (long long)time(NULL));
	if (rename(sl->path, aside) == -1)
		log_warnx("%s: %s: every slot is corrupt, and moving it to %s "
		    "failed (%s); it is rewritten at the next save", who,
		    sl->path, aside, strerror(errno));
	else
		log_warnx("%s: %s: every slot is corrupt; moved to %s", who,
		    sl->path, aside);
	free(aside);
}

struct slots *
slots_open(const char *path, const char *tag, size_t cap, const char *who,
    void **data, size_t *len, char **cause)
{
	struct slots	*sl;
	unsigned char	*file = NULL, *p;
	char		*tmp;
	size_t		 flen, off[SLOTS_COUNT], size, plen, best_len = 0;
	size_t		 slot_size = 0, i, nbad = 0;
	uint64_t	 seq;
	uint32_t	 version, newer = 0;
	int		 best = -1;

	*data = NULL;
	*len = 0;
	sl = xcalloc(1, sizeof *sl);
	sl->path = xstrdup(path);
	memcpy(sl->tag, tag, SLOTS_TAG_LEN);
	sl->cap = cap;
	sl->fd = -1;
	sl->cur = -1;

	/* A file made when the process died. */
	xasprintf(&tmp, "%s%s", path, SLOTS_NEW);
	(void)unlink(tmp);
	free(tmp);
	if (slots_slurp(path, &file, &flen) == -1) {
		if (errno == ENOENT)
			return (sl);
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	/*
	 * Slot 0 says the slot size; if it is bad, the file was made with
	 * SLOTS_COUNT equal slots, so its size says it too.
	 */
	off[0] = 0;
	for (i = 0; i < SLOTS_COUNT; i++) {
		if (i > 0)
			off[i] = slot_size != 0 ? i * slot_size :
			    i * (flen / SLOTS_COUNT);
		if (off[i] >= flen && i > 0) {
			nbad++;
			continue;
		}
		p = file + off[i];
		switch (slots_check(sl, p, flen - off[i], &seq, &size, &plen,
		    &version)) {
		case SLOTS_EMPTY:
			continue;
		case SLOTS_BAD:
			nbad++;
			continue;
		case SLOTS_NEWER:
			if (version > newer)
				newer = version;
			continue;
		case SLOTS_VALID:
			break;
		}
		if (i == 0)
			slot_size = size;
		if (best == -1 || slots_seq_after(seq, sl->seq)) {
			best = (int)i;
			sl->seq = seq;
			sl->slot_size = size;
			best_len = plen;
		}
	}
	if (newer != 0) {
		xasprintf(cause, "%s is format %u; this sluiced reads up to "
		    "%d: leaving it as it is (run the newer sluiced, or "
		    "downgrade by draining first)", path, newer,
		    SLOTS_VERSION);
		goto fail;
	}
	if (best == -1) {
		if (nbad > 0 || flen > 0)
			slots_move_aside(sl, who);
		free(file);
		return (sl);
	}
	sl->cur = best;
	*data = xmalloc(best_len + 1);
	memcpy(*data, file + off[best] + SLOTS_HDR_SIZE, best_len);
	((char *)*data)[best_len] = '\0';
	*len = best_len;
	if (nbad > 0)
		log_warnx("%s: %s: a slot is torn or corrupt; using the other "
		    "(sequence %" PRIu64 ")", who, path, sl->seq);
	free(file);
	file = NULL;
	if ((sl->fd = open(path, O_RDWR|O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	/* A file that is not SLOTS_COUNT whole slots is made anew. */
	if (flen != sl->slot_size * SLOTS_COUNT) {
		close(sl->fd);
		sl->fd = -1;
	}
	sl->buf = xmalloc(sl->slot_size);
	return (sl);

fail:
	free(*data);
	*data = NULL;
	free(file);
	slots_close(sl);
	return (NULL);
}

int
slots_write(struct slots *sl, const void *data, size_t len, char **cause)
{
	int	next;

	if (sl->fd == -1 || SLOTS_HDR_SIZE + len > sl->slot_size)
		return (slots_create(sl, data, len, cause));
	next = sl->cur == -1 ? 0 : (sl->cur + 1) % SLOTS_COUNT;
	slots_fill(sl, sl->slot_size, sl->seq + 1, data, len);
	if (slots_pwrite(sl->fd, sl->buf, SLOTS_HDR_SIZE + len,
	    (off_t)next * sl->slot_size) == -1) {
		xasprintf(cause, "%s: write: %s", sl->path, strerror(errno));
		return (-1);
	}
	sl->cur = next;
	sl->seq++;
	sl->dirty = 1;
	return (0);
}

int
slots_sync(struct slots *sl)
{
	if (!sl->dirty || sl->fd == -1)
		return (0);
	if (fsync_data(sl->fd) == -1)
		return (-1);
	sl->dirty = 0;
	return (0);
}

int
slots_is_dirty(struct slots *sl)
{
	return (sl->dirty);
}

void
slots_close(struct slots *sl)
{
	if (sl == NULL)
		return;
	if (sl->fd != -1)
		close(sl->fd);
	free(sl->buf);
	free(sl->path);
	free(sl);
}
