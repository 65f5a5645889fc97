/*
 * spool: see spool.h for the format and the thread model.
 *
 * Positions are (segment, offset) on disk.  For accounting, each record
 * also has a logical byte number: the sum of the frame sizes of every
 * record before it.  A segment remembers the logical number of its first
 * frame (base), so logical(pos) = base + off - SPOOL_HDR_SIZE, and the
 * pending bytes are appended - acked, two counters that each thread writes
 * alone.  The ingest side checks them with atomics, without the mutex.
 *
 * The mutex guards the segment table (number, base, visible end of each
 * live segment), the cursor and the reader's waiting flag.  The ingest side
 * takes it once per spool_flush; the reader once each time it reaches the
 * end of what it saw; spool_ack once per call.  No syscall runs under it.
 *
 * Wakeups use a "waiting" flag so that an eventfd is written only when the
 * other side ran dry: the reader sets it under the mutex when spool_read
 * finds nothing, and spool_flush signals and clears it.  For free space the
 * flag is an atomic, set before the ingest side re-checks the counters
 * (both sides use sequentially consistent atomics, so one of them always
 * sees the other).
 */
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "durable.h"
#include "log.h"
#include "spool.h"
#include "xmalloc.h"

/* The on-disk format, drawn in spool.h. */
#define SPOOL_MAGIC		"SLUICESG"
#define SPOOL_MAGIC_LEN		8
#define SPOOL_VERSION		1
#define SPOOL_HDR_SIZE		16
#define SPOOL_FRAME_SIZE	8
#define SPOOL_SEG_SUFFIX	".seg"
#define SPOOL_SEG_DIGITS	16
#define SPOOL_CURSOR_NAME	"cursor"
#define SPOOL_CURSOR_TAG	"sluice-spool-cursor"
#define SPOOL_CURSOR_MAX	128	/* longest valid cursor file */

#define SPOOL_WBUF_SIZE		(256 * 1024)	/* ingest write buffer */
#define SPOOL_RBUF_SIZE		(256 * 1024)	/* reader chunk */
#define SPOOL_SCAN_SIZE		(1024 * 1024)	/* recovery chunk */
#define SPOOL_MIN_SEGMENT	4096

/* A live segment, as both threads see it. */
struct spool_seg {
	uint64_t	num;
	uint64_t	base;	/* logical number of its first frame */
	uint64_t	end;	/* visible end; final once a later one exists */
};

/* A window of one segment file, read in chunks. */
struct spool_chunk {
	int		 fd;
	uint64_t	 seg;
	char		*buf;
	size_t		 cap;
	size_t		 dflt;	/* capacity to return to after a big frame */
	uint64_t	 off;	/* file offset of buf[0] */
	size_t		 len;
};

struct spool {
	char			*dir;
	char			*cursor_path;
	int			 dirfd;
	uint64_t		 max_bytes;
	uint64_t		 segment_bytes;
	enum config_fsync	 fsync;
	int			 efd;		/* records visible */
	int			 space_efd;	/* space freed */

	pthread_mutex_t		 mtx;		/* guards what follows */
	struct spool_seg	*segs;		/* oldest first, last active */
	size_t			 nsegs;
	struct spool_pos	 cursor;
	int			 reader_waiting;

	_Atomic uint64_t	 appended;	/* logical, ingest writes */
	_Atomic uint64_t	 acked;		/* logical, delivery writes */
	_Atomic int		 space_waiting;

	/* Ingest thread only. */
	int			 wfd;
	uint64_t		 wseg;
	uint64_t		 woff;		/* bytes written to the file */
	uint64_t		 wpub;		/* end last made visible */
	uint64_t		 wsynced;	/* end last fdatasync'ed */
	uint64_t		 wappended;	/* logical, incl. buffered */
	char			*wbuf;
	size_t			 wlen;
	int			 dir_dirty;

	/* Delivery thread only. */
	struct spool_chunk	 rd;
	uint64_t		 rlim_seg;	/* cached segment table entry */
	uint64_t		 rlim;
	int			 rlim_sealed;
	uint64_t		 rlim_next;
	int			 cursor_dirty;
	uint64_t		 cursor_saved_ms;
	uint64_t		*dead;		/* acked segments to unlink */
	size_t			 ndead;
};

static uint64_t
spool_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
spool_put32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t
spool_get32(const unsigned char *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

/* The frame's CRC covers its length bytes, then the data. */
static uint32_t
spool_frame_crc(const unsigned char *lenbytes, const void *data, size_t len)
{
	return (crc32c(crc32c(0, lenbytes, 4), data, len));
}

static void
spool_seg_name(char *buf, size_t size, uint64_t num)
{
	snprintf(buf, size, "%0*" PRIx64 SPOOL_SEG_SUFFIX, SPOOL_SEG_DIGITS,
	    num);
}

/* Returns 1 and sets *num if name is a segment file name, 0 otherwise. */
static int
spool_is_seg_name(const char *name, uint64_t *num)
{
	uint64_t	v = 0;
	int		i, c;

	if (strlen(name) != SPOOL_SEG_DIGITS + strlen(SPOOL_SEG_SUFFIX) ||
	    strcmp(name + SPOOL_SEG_DIGITS, SPOOL_SEG_SUFFIX) != 0)
		return (0);
	for (i = 0; i < SPOOL_SEG_DIGITS; i++) {
		c = (unsigned char)name[i];
		if (c >= '0' && c <= '9')
			v = v << 4 | (c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (c - 'a' + 10);
		else
			return (0);
	}
	*num = v;
	return (1);
}

static void
spool_signal(int fd)
{
	uint64_t	one = 1;

	/*
	 * Cannot fail but with EAGAIN, when the counter is already huge: the
	 * other side is awake anyway.
	 */
	if (write(fd, &one, sizeof one) == -1)
		return;
}

static void
spool_drain(int fd)
{
	uint64_t	v;

	/* EAGAIN: nothing to clear. */
	if (read(fd, &v, sizeof v) == -1)
		return;
}

static void
spool_chunk_init(struct spool_chunk *c, size_t dflt)
{
	c->fd = -1;
	c->seg = 0;
	c->dflt = dflt;
	c->cap = dflt;
	c->buf = xmalloc(dflt);
	c->off = 0;
	c->len = 0;
}

static void
spool_chunk_free(struct spool_chunk *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
}

/*
 * Points *p at bytes [off, off + need) of the chunk's file, reading from off
 * as much as fits and lies before limit.  need <= limit - off.  Returns 0,
 * or -1 with errno set (EBADMSG if the file is shorter than limit says).
 */
static int
spool_chunk_get(struct spool_chunk *c, uint64_t off, size_t need,
    uint64_t limit, const unsigned char **p)
{
	size_t	want;
	ssize_t	n;

	if (off >= c->off && off + need <= c->off + c->len) {
		*p = (unsigned char *)c->buf + (off - c->off);
		return (0);
	}
	if (need > c->cap || (c->cap > c->dflt && need <= c->dflt)) {
		/* Grow for one big frame; give the memory back after. */
		free(c->buf);
		c->cap = need > c->dflt ? need : c->dflt;
		c->buf = xmalloc(c->cap);
	}
	c->off = off;
	c->len = 0;
	want = c->cap;
	if (limit - off < want)
		want = limit - off;
	while (c->len < want) {
		n = pread(c->fd, c->buf + c->len, want - c->len, off + c->len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			c->len = 0;
			return (-1);
		}
		if (n == 0)
			break;
		c->len += n;
	}
	if (c->len < need) {
		c->len = 0;
		errno = EBADMSG;
		return (-1);
	}
	*p = (unsigned char *)c->buf;
	return (0);
}

/* Writes a segment header to fd at offset 0. */
static int
spool_write_header(int fd)
{
	unsigned char	hdr[SPOOL_HDR_SIZE];
	ssize_t		n;

	memcpy(hdr, SPOOL_MAGIC, SPOOL_MAGIC_LEN);
	spool_put32(hdr + 8, SPOOL_VERSION);
	spool_put32(hdr + 12, 0);
	do
		n = pwrite(fd, hdr, sizeof hdr, 0);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return (-1);
	if (n != sizeof hdr) {
		errno = EIO;
		return (-1);
	}
	return (0);
}

/*
 * Checks segment num and cuts a torn or corrupt tail.  If *curoff is not
 * NULL it is the cursor's offset in this segment and is moved back to a
 * frame boundary if it falls inside a frame.  Sets *endp to the end of the
 * last good record.  Returns 0, or -1 with *cause set.
 */
static int
spool_recover_segment(struct spool *sp, uint64_t num, uint64_t *curoff,
    uint64_t *endp, char **cause)
{
	struct spool_chunk	 c;
	struct stat		 sb;
	char			 name[64];
	const unsigned char	*p;
	const char		*why = NULL;
	uint64_t		 off, size;
	uint32_t		 len, version;
	int			 rc = -1, zero, i;

	spool_seg_name(name, sizeof name, num);
	spool_chunk_init(&c, SPOOL_SCAN_SIZE);
	c.fd = openat(sp->dirfd, name, O_RDWR|O_CLOEXEC);
	if (c.fd == -1 || fstat(c.fd, &sb) == -1) {
		xasprintf(cause, "%s/%s: %s", sp->dir, name, strerror(errno));
		goto out;
	}
	size = sb.st_size;

	zero = 1;
	if (size >= SPOOL_HDR_SIZE) {
		if (spool_chunk_get(&c, 0, SPOOL_HDR_SIZE, size, &p) != 0) {
			xasprintf(cause, "%s/%s: read: %s", sp->dir, name,
			    strerror(errno));
			goto out;
		}
		for (i = 0; i < SPOOL_HDR_SIZE; i++)
			zero &= (p[i] == 0);
	}
	if (size < SPOOL_HDR_SIZE || zero) {
		/*
		 * A power loss right after the segment was created: its
		 * header never reached the disk, so neither did any record.
		 */
		log_warnx("spool %s/%s: torn segment header, cut %" PRIu64
		    " bytes", sp->dir, name, size);
		if (ftruncate(c.fd, 0) == -1 || spool_write_header(c.fd) ||
		    fdatasync(c.fd) == -1) {
			xasprintf(cause, "%s/%s: rewriting header: %s",
			    sp->dir, name, strerror(errno));
			goto out;
		}
		c.len = 0;
		size = SPOOL_HDR_SIZE;
	} else {
		if (memcmp(p, SPOOL_MAGIC, SPOOL_MAGIC_LEN) != 0) {
			xasprintf(cause, "%s/%s: not a spool segment (bad "
			    "magic)", sp->dir, name);
			goto out;
		}
		version = spool_get32(p + 8);
		if (version != SPOOL_VERSION) {
			xasprintf(cause, "%s/%s: segment version %u is not "
			    "supported (this is version %u)", sp->dir, name,
			    version, SPOOL_VERSION);
			goto out;
		}
	}

	off = SPOOL_HDR_SIZE;
	while (off < size) {
		if (size - off < SPOOL_FRAME_SIZE) {
			why = "short frame header";
			break;
		}
		if (spool_chunk_get(&c, off, SPOOL_FRAME_SIZE, size, &p) != 0)
			goto ioerr;
		len = spool_get32(p);
		if (len > SPOOL_MAX_RECORD) {
			why = "record length too large";
			break;
		}
		if (size - off - SPOOL_FRAME_SIZE < len) {
			why = "short record";
			break;
		}
		if (spool_chunk_get(&c, off, SPOOL_FRAME_SIZE + len, size,
		    &p) != 0)
			goto ioerr;
		if (spool_frame_crc(p, p + SPOOL_FRAME_SIZE, len) !=
		    spool_get32(p + 4)) {
			why = "CRC mismatch";
			break;
		}
		if (curoff != NULL && *curoff > off &&
		    *curoff < off + SPOOL_FRAME_SIZE + len) {
			log_warnx("spool %s/%s: cursor %" PRIu64 " is inside "
			    "a record, resuming at %" PRIu64, sp->dir, name,
			    *curoff, off);
			*curoff = off;
		}
		off += SPOOL_FRAME_SIZE + len;
	}
	if (why != NULL) {
		log_warnx("spool %s/%s: %s at offset %" PRIu64 ": cut %" PRIu64
		    " bytes (torn or corrupt tail)", sp->dir, name, why, off,
		    size - off);
		if (ftruncate(c.fd, off) == -1 || fdatasync(c.fd) == -1) {
			xasprintf(cause, "%s/%s: truncate: %s", sp->dir, name,
			    strerror(errno));
			goto out;
		}
	}
	*endp = off;
	rc = 0;
	goto out;
ioerr:
	xasprintf(cause, "%s/%s: read: %s", sp->dir, name, strerror(errno));
out:
	spool_chunk_free(&c);
	return (rc);
}

/*
 * Creates segment num as the active one; its first record will have
 * logical number sp->wappended.  Returns 0, or -1 with errno set (the
 * previous active segment stays active).
 */
static int
spool_new_segment(struct spool *sp, uint64_t num)
{
	struct spool_seg	*s;
	char			 name[64];
	int			 fd, saved;

	spool_seg_name(name, sizeof name, num);
	fd = openat(sp->dirfd, name, O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0600);
	if (fd == -1)
		return (-1);
	if (spool_write_header(fd) != 0 ||
	    lseek(fd, SPOOL_HDR_SIZE, SEEK_SET) == -1) {
		saved = errno;
		close(fd);
		unlinkat(sp->dirfd, name, 0);
		errno = saved;
		return (-1);
	}
	if (sp->wfd != -1)
		close(sp->wfd);
	sp->wfd = fd;
	sp->wseg = num;
	sp->woff = sp->wpub = SPOOL_HDR_SIZE;
	sp->wsynced = 0;
	sp->dir_dirty = 1;

	pthread_mutex_lock(&sp->mtx);
	sp->segs = xreallocarray(sp->segs, sp->nsegs + 1, sizeof *sp->segs);
	s = &sp->segs[sp->nsegs++];
	s->num = num;
	s->base = sp->wappended;
	s->end = SPOOL_HDR_SIZE;
	pthread_mutex_unlock(&sp->mtx);
	return (0);
}

/* Reads the cursor file.  Returns 1 if it holds a cursor, 0 otherwise. */
static int
spool_read_cursor(struct spool *sp, struct spool_pos *pos)
{
	char		buf[SPOOL_CURSOR_MAX + 1], tail;
	unsigned int	version;
	ssize_t		n;
	size_t		len = 0;
	int		fd;

	if ((fd = open(sp->cursor_path, O_RDONLY|O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			log_warn("spool %s: reading cursor, delivering all "
			    "records again", sp->cursor_path);
		return (0);
	}
	while (len < sizeof buf - 1) {
		n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	if (len > SPOOL_CURSOR_MAX || sscanf(buf, SPOOL_CURSOR_TAG
	    " %u %" SCNu64 " %" SCNu64 "%c", &version, &pos->seg, &pos->off,
	    &tail) != 4 || version != 1 || tail != '\n' ||
	    strchr(buf, '\n') != buf + len - 1 || pos->off < SPOOL_HDR_SIZE) {
		log_warnx("spool %s: invalid cursor file, delivering all "
		    "records again", sp->cursor_path);
		return (0);
	}
	return (1);
}

/* Writes the cursor file if the cursor moved, then unlinks dead segments. */
static int
spool_write_cursor(struct spool *sp)
{
	struct spool_pos	 pos;
	char			 buf[SPOOL_CURSOR_MAX], name[64], *cause;
	size_t			 i;
	int			 len;

	if (!sp->cursor_dirty)
		return (0);
	pthread_mutex_lock(&sp->mtx);
	pos = sp->cursor;
	pthread_mutex_unlock(&sp->mtx);
	len = snprintf(buf, sizeof buf, SPOOL_CURSOR_TAG " %u %" PRIu64 " %"
	    PRIu64 "\n", SPOOL_VERSION, pos.seg, pos.off);
	if (durable_write_file(sp->cursor_path, buf, len, &cause) != 0) {
		log_warnx("spool %s: writing cursor: %s", sp->dir, cause);
		free(cause);
		return (-1);
	}
	sp->cursor_dirty = 0;
	sp->cursor_saved_ms = spool_now_ms();

	/* Only now, with the cursor past them, may the segments go. */
	for (i = 0; i < sp->ndead; i++) {
		spool_seg_name(name, sizeof name, sp->dead[i]);
		if (unlinkat(sp->dirfd, name, 0) == -1 && errno != ENOENT)
			log_warn("spool %s/%s: unlink", sp->dir, name);
	}
	sp->ndead = 0;
	return (0);
}

/*
 * Moves the cursor to pos and frees what lies before it; the segments
 * before pos's go to the dead list.  Called with the mutex held; i is pos's
 * index in the segment table.
 *
 * A cursor at the end of a sealed segment means the start of the next one,
 * and skip moves it there so that the segment can go.  Only spool_open
 * does that: while the reader runs, it may hold that very position, and
 * the segment must stay in the table until the reader crossed it (it acks
 * a position in the next segment soon enough).
 */
static void
spool_move_cursor(struct spool *sp, struct spool_pos pos, size_t i, int skip)
{
	size_t	k;

	while (skip && pos.off >= sp->segs[i].end && i + 1 < sp->nsegs) {
		i++;
		pos.seg = sp->segs[i].num;
		pos.off = SPOOL_HDR_SIZE;
	}
	sp->cursor = pos;
	atomic_store(&sp->acked, sp->segs[i].base + pos.off - SPOOL_HDR_SIZE);
	if (i > 0) {
		sp->dead = xreallocarray(sp->dead, sp->ndead + i,
		    sizeof *sp->dead);
		for (k = 0; k < i; k++)
			sp->dead[sp->ndead++] = sp->segs[k].num;
		memmove(sp->segs, sp->segs + i,
		    (sp->nsegs - i) * sizeof *sp->segs);
		sp->nsegs -= i;
	}
}

static int
spool_cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* Lists the segment numbers in the directory, sorted; removes leftovers. */
static int
spool_list(struct spool *sp, uint64_t **nums, size_t *n, char **cause)
{
	DIR		*d;
	struct dirent	*de;
	uint64_t	 num;
	int		 fd;

	*nums = NULL;
	*n = 0;
	if ((fd = dup(sp->dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		xasprintf(cause, "%s: opendir: %s", sp->dir, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (spool_is_seg_name(de->d_name, &num)) {
			*nums = xreallocarray(*nums, *n + 1, sizeof **nums);
			(*nums)[(*n)++] = num;
		} else if (durable_is_leftover(de->d_name, SPOOL_CURSOR_NAME))
			unlinkat(sp->dirfd, de->d_name, 0);
	}
	closedir(d);
	if (*n > 1)
		qsort(*nums, *n, sizeof **nums, spool_cmp_u64);
	return (0);
}

struct spool *
spool_open(const char *dir, uint64_t max_bytes, uint64_t segment_bytes,
    enum config_fsync fsync, char **cause)
{
	struct spool		*sp;
	struct spool_pos	 cur;
	uint64_t		*nums = NULL, *curoff, end, last = 0;
	size_t			 n = 0, i;
	int			 have_cursor;

	sp = xcalloc(1, sizeof *sp);
	sp->dir = xstrdup(dir);
	xasprintf(&sp->cursor_path, "%s/%s", dir, SPOOL_CURSOR_NAME);
	sp->dirfd = sp->efd = sp->space_efd = sp->wfd = -1;
	sp->max_bytes = max_bytes;
	if (segment_bytes < SPOOL_MIN_SEGMENT)
		segment_bytes = SPOOL_MIN_SEGMENT;
	sp->segment_bytes = segment_bytes;
	sp->fsync = fsync;
	pthread_mutex_init(&sp->mtx, NULL);
	sp->reader_waiting = 1;
	sp->wbuf = xmalloc(SPOOL_WBUF_SIZE);
	spool_chunk_init(&sp->rd, SPOOL_RBUF_SIZE);

	if (durable_mkdirs(dir, 0700, cause) != 0)
		goto fail;
	sp->dirfd = open(dir, O_RDONLY|O_DIRECTORY|O_CLOEXEC);
	sp->efd = eventfd(0, EFD_NONBLOCK|EFD_CLOEXEC);
	sp->space_efd = eventfd(0, EFD_NONBLOCK|EFD_CLOEXEC);
	if (sp->dirfd == -1 || sp->efd == -1 || sp->space_efd == -1) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if (spool_list(sp, &nums, &n, cause) != 0)
		goto fail;
	have_cursor = spool_read_cursor(sp, &cur);

	/* Check every segment and rebuild the table. */
	for (i = 0; i < n; i++) {
		curoff = (have_cursor && cur.seg == nums[i]) ? &cur.off : NULL;
		if (spool_recover_segment(sp, nums[i], curoff, &end,
		    cause) != 0)
			goto fail;
		sp->segs = xreallocarray(sp->segs, sp->nsegs + 1,
		    sizeof *sp->segs);
		sp->segs[sp->nsegs].num = nums[i];
		sp->segs[sp->nsegs].base = sp->wappended;
		sp->segs[sp->nsegs].end = end;
		sp->nsegs++;
		sp->wappended += end - SPOOL_HDR_SIZE;
		last = nums[i];
	}
	if (have_cursor && cur.seg > last)
		last = cur.seg;

	/* Never append to a segment that may have had a torn tail. */
	if (spool_new_segment(sp, last + 1) != 0) {
		xasprintf(cause, "%s: creating segment: %s", dir,
		    strerror(errno));
		goto fail;
	}
	atomic_store(&sp->appended, sp->wappended);

	/* Clamp the cursor to what survived. */
	for (i = 0; i < sp->nsegs; i++) {
		if (have_cursor && sp->segs[i].num >= cur.seg)
			break;
	}
	if (!have_cursor || i == sp->nsegs) {
		i = have_cursor ? sp->nsegs - 1 : 0;
		cur.seg = sp->segs[i].num;
		cur.off = SPOOL_HDR_SIZE;
	} else if (sp->segs[i].num != cur.seg) {
		log_warnx("spool %s: segment %" PRIu64 " of the cursor is "
		    "gone, resuming at segment %" PRIu64, dir, cur.seg,
		    sp->segs[i].num);
		cur.seg = sp->segs[i].num;
		cur.off = SPOOL_HDR_SIZE;
	} else if (cur.off > sp->segs[i].end) {
		/* Acknowledged records lost by a power loss: no harm. */
		log_warnx("spool %s: cursor %" PRIu64 ":%" PRIu64 " is past "
		    "the end of its segment, resuming at %" PRIu64, dir,
		    cur.seg, cur.off, sp->segs[i].end);
		cur.off = sp->segs[i].end;
	}
	spool_move_cursor(sp, cur, i, 1);
	sp->cursor_dirty = 1;
	if (spool_write_cursor(sp) != 0) {
		xasprintf(cause, "%s: cannot write the cursor", dir);
		goto fail;
	}
	log_debug("spool %s: opened, %zu segments, %" PRIu64 " bytes "
	    "pending, cursor %" PRIu64 ":%" PRIu64, dir, sp->nsegs,
	    spool_pending_bytes(sp), sp->cursor.seg, sp->cursor.off);
	free(nums);
	return (sp);

fail:
	free(nums);
	sp->cursor_dirty = 0;
	sp->wlen = 0;
	spool_close(sp);
	return (NULL);
}

/* Writes the buffer out.  On error the rest stays buffered, in order. */
static int
spool_write_buf(struct spool *sp)
{
	ssize_t	n;
	size_t	done = 0;

	while (done < sp->wlen) {
		n = write(sp->wfd, sp->wbuf + done, sp->wlen - done);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			/* Keep the rest so a retry continues in order. */
			memmove(sp->wbuf, sp->wbuf + done, sp->wlen - done);
			sp->wlen -= done;
			sp->woff += done;
			return (-1);
		}
		done += n;
	}
	sp->woff += done;
	sp->wlen = 0;
	return (0);
}

int
spool_flush(struct spool *sp)
{
	int	sig;

	if (sp->wlen > 0 && spool_write_buf(sp) != 0)
		return (-1);
	if (sp->woff == sp->wpub)
		return (0);
	pthread_mutex_lock(&sp->mtx);
	sp->segs[sp->nsegs - 1].end = sp->woff;
	sig = sp->reader_waiting;
	sp->reader_waiting = 0;
	pthread_mutex_unlock(&sp->mtx);
	sp->wpub = sp->woff;
	if (sig)
		spool_signal(sp->efd);
	return (0);
}

int
spool_sync(struct spool *sp)
{
	if (spool_flush(sp) != 0)
		return (-1);
	if (sp->fsync == CONFIG_FSYNC_NEVER)
		return (0);
	if (sp->wsynced != sp->woff) {
		if (fdatasync(sp->wfd) == -1)
			return (-1);
		sp->wsynced = sp->woff;
	}
	if (sp->dir_dirty) {
		if (fsync(sp->dirfd) == -1 && errno != EINVAL)
			return (-1);
		sp->dir_dirty = 0;
	}
	return (0);
}

/* Seals the active segment (durably, unless fsync is never), starts one. */
static int
spool_rotate(struct spool *sp)
{
	if (spool_flush(sp) != 0)
		return (-1);
	if (sp->fsync != CONFIG_FSYNC_NEVER && sp->wsynced != sp->woff) {
		if (fdatasync(sp->wfd) == -1)
			return (-1);
		sp->wsynced = sp->woff;
	}
	return (spool_new_segment(sp, sp->wseg + 1));
}

/* Writes a frame too big for the buffer straight to the file. */
static int
spool_write_direct(struct spool *sp, const unsigned char *hdr,
    const void *data, size_t len)
{
	struct iovec	iov[2];
	ssize_t		n;
	size_t		done = 0, total = SPOOL_FRAME_SIZE + len, skip;
	int		saved;

	while (done < total) {
		if (done < SPOOL_FRAME_SIZE) {
			iov[0].iov_base = (void *)(hdr + done);
			iov[0].iov_len = SPOOL_FRAME_SIZE - done;
			iov[1].iov_base = (void *)data;
			iov[1].iov_len = len;
			n = writev(sp->wfd, iov, 2);
		} else {
			skip = done - SPOOL_FRAME_SIZE;
			n = write(sp->wfd, (const char *)data + skip,
			    len - skip);
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			/* Remove the partial frame: the append failed. */
			saved = errno;
			if (ftruncate(sp->wfd, sp->woff) == -1 ||
			    lseek(sp->wfd, sp->woff, SEEK_SET) == -1)
				log_warn("spool %s: removing a partial record",
				    sp->dir);
			errno = saved;
			return (-1);
		}
		done += n;
	}
	sp->woff += total;
	return (0);
}

int
spool_append(struct spool *sp, const void *data, size_t len)
{
	unsigned char	hdr[SPOOL_FRAME_SIZE];
	uint64_t	frame, pending;

	if (len > SPOOL_MAX_RECORD) {
		errno = EMSGSIZE;
		return (-1);
	}
	frame = SPOOL_FRAME_SIZE + len;
	pending = sp->wappended - atomic_load(&sp->acked);
	if (pending > 0 && pending + frame > sp->max_bytes) {
		/* Announce the wait, then look again (see the top). */
		atomic_store(&sp->space_waiting, 1);
		pending = sp->wappended - atomic_load(&sp->acked);
		if (pending > 0 && pending + frame > sp->max_bytes) {
			errno = ENOSPC;
			return (-1);
		}
		atomic_store(&sp->space_waiting, 0);
	}
	if (sp->woff + sp->wlen > SPOOL_HDR_SIZE &&
	    sp->woff + sp->wlen + frame > sp->segment_bytes &&
	    spool_rotate(sp) != 0)
		return (-1);

	spool_put32(hdr, len);
	spool_put32(hdr + 4, spool_frame_crc(hdr, data, len));
	if (sp->wlen + frame > SPOOL_WBUF_SIZE && spool_flush(sp) != 0)
		return (-1);
	if (frame > SPOOL_WBUF_SIZE) {
		if (spool_write_direct(sp, hdr, data, len) != 0)
			return (-1);
	} else {
		memcpy(sp->wbuf + sp->wlen, hdr, SPOOL_FRAME_SIZE);
		if (len > 0)
			memcpy(sp->wbuf + sp->wlen + SPOOL_FRAME_SIZE, data,
			    len);
		sp->wlen += frame;
	}
	sp->wappended += frame;
	atomic_store_explicit(&sp->appended, sp->wappended,
	    memory_order_release);
	return (0);
}

int
spool_fd(struct spool *sp)
{
	return (sp->efd);
}

void
spool_drain_fd(struct spool *sp)
{
	spool_drain(sp->efd);
}

int
spool_space_fd(struct spool *sp)
{
	return (sp->space_efd);
}

void
spool_drain_space_fd(struct spool *sp)
{
	spool_drain(sp->space_efd);
}

/*
 * Refreshes the reader's copy of segment seg's table entry.  Returns 1,
 * 0 if seg is the active segment and off is its visible end (the reader is
 * now waiting), or -1 with errno EINVAL if seg is not live.
 */
static int
spool_reader_refresh(struct spool *sp, uint64_t seg, uint64_t off)
{
	size_t	i;
	int	rc = 1;

	pthread_mutex_lock(&sp->mtx);
	for (i = 0; i < sp->nsegs; i++) {
		if (sp->segs[i].num == seg)
			break;
	}
	if (i == sp->nsegs) {
		pthread_mutex_unlock(&sp->mtx);
		errno = EINVAL;
		return (-1);
	}
	sp->rlim_seg = seg;
	sp->rlim = sp->segs[i].end;
	sp->rlim_sealed = (i + 1 < sp->nsegs);
	sp->rlim_next = sp->rlim_sealed ? sp->segs[i + 1].num : 0;
	if (!sp->rlim_sealed && off == sp->rlim) {
		sp->reader_waiting = 1;
		rc = 0;
	}
	pthread_mutex_unlock(&sp->mtx);
	return (rc);
}

enum spool_read_result
spool_read(struct spool *sp, const struct spool_pos *pos, const void **data,
    size_t *len, struct spool_pos *next)
{
	struct spool_chunk	*c = &sp->rd;
	struct spool_pos	 cur = *pos;
	const unsigned char	*p;
	char			 name[64];
	uint32_t		 rlen;
	int			 rc;

	for (;;) {
		if (cur.off < SPOOL_HDR_SIZE) {
			errno = EINVAL;
			return (SPOOL_ERROR);
		}
		if (cur.seg != sp->rlim_seg || cur.off >= sp->rlim) {
			if ((rc = spool_reader_refresh(sp, cur.seg,
			    cur.off)) != 1)
				return (rc == 0 ? SPOOL_EMPTY : SPOOL_ERROR);
			if (cur.off > sp->rlim) {
				errno = EINVAL;
				return (SPOOL_ERROR);
			}
			if (cur.off == sp->rlim) {
				/* Sealed and read to its end. */
				cur.seg = sp->rlim_next;
				cur.off = SPOOL_HDR_SIZE;
				continue;
			}
		}
		break;
	}

	if (c->fd == -1 || c->seg != cur.seg) {
		if (c->fd != -1)
			close(c->fd);
		c->len = 0;
		c->seg = cur.seg;
		spool_seg_name(name, sizeof name, cur.seg);
		if ((c->fd = openat(sp->dirfd, name, O_RDONLY|O_CLOEXEC)) ==
		    -1)
			return (SPOOL_ERROR);
	}
	if (sp->rlim - cur.off < SPOOL_FRAME_SIZE)
		goto bad;
	if (spool_chunk_get(c, cur.off, SPOOL_FRAME_SIZE, sp->rlim, &p) != 0)
		return (SPOOL_ERROR);
	rlen = spool_get32(p);
	if (rlen > SPOOL_MAX_RECORD ||
	    sp->rlim - cur.off - SPOOL_FRAME_SIZE < rlen)
		goto bad;
	if (spool_chunk_get(c, cur.off, SPOOL_FRAME_SIZE + rlen, sp->rlim,
	    &p) != 0)
		return (SPOOL_ERROR);
	*data = p + SPOOL_FRAME_SIZE;
	*len = rlen;
	next->seg = cur.seg;
	next->off = cur.off + SPOOL_FRAME_SIZE + rlen;
	return (SPOOL_RECORD);

bad:
	/* Checked at spool_open and written by us since: the disk lied. */
	spool_seg_name(name, sizeof name, cur.seg);
	log_warnx("spool %s/%s: bad frame at offset %" PRIu64, sp->dir, name,
	    cur.off);
	errno = EBADMSG;
	return (SPOOL_ERROR);
}

void
spool_cursor(struct spool *sp, struct spool_pos *out)
{
	pthread_mutex_lock(&sp->mtx);
	*out = sp->cursor;
	pthread_mutex_unlock(&sp->mtx);
}

int
spool_ack(struct spool *sp, const struct spool_pos *upto)
{
	size_t	i;

	pthread_mutex_lock(&sp->mtx);
	if (upto->seg < sp->cursor.seg || (upto->seg == sp->cursor.seg &&
	    upto->off <= sp->cursor.off)) {
		pthread_mutex_unlock(&sp->mtx);
		return (0);
	}
	for (i = 0; i < sp->nsegs; i++) {
		if (sp->segs[i].num == upto->seg)
			break;
	}
	if (i == sp->nsegs || upto->off < SPOOL_HDR_SIZE ||
	    upto->off > sp->segs[i].end) {
		pthread_mutex_unlock(&sp->mtx);
		errno = EINVAL;
		return (-1);
	}
	spool_move_cursor(sp, *upto, i, 0);
	pthread_mutex_unlock(&sp->mtx);

	sp->cursor_dirty = 1;
	if (atomic_exchange(&sp->space_waiting, 0))
		spool_signal(sp->space_efd);
	if (sp->ndead > 0 ||
	    spool_now_ms() - sp->cursor_saved_ms >= SPOOL_CURSOR_MS)
		return (spool_write_cursor(sp));
	return (0);
}

int
spool_save_cursor(struct spool *sp)
{
	return (spool_write_cursor(sp));
}

uint64_t
spool_pending_bytes(struct spool *sp)
{
	uint64_t	acked;

	/* acked first: it never passes appended, which only grows. */
	acked = atomic_load(&sp->acked);
	return (atomic_load(&sp->appended) - acked);
}

void
spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->wfd != -1 && spool_sync(sp) != 0)
		log_warn("spool %s: writing records at close", sp->dir);
	if (sp->dirfd != -1)
		spool_write_cursor(sp);
	spool_chunk_free(&sp->rd);
	if (sp->wfd != -1)
		close(sp->wfd);
	if (sp->dirfd != -1)
		close(sp->dirfd);
	if (sp->efd != -1)
		close(sp->efd);
	if (sp->space_efd != -1)
		close(sp->space_efd);
	pthread_mutex_destroy(&sp->mtx);
	free(sp->segs);
	free(sp->dead);
	free(sp->wbuf);
	free(sp->cursor_path);
	free(sp->dir);
	free(sp);
}
