/*
 * spool: see spool.h for the format and the thread model.
 *
 * Positions are (segment, offset) on disk.  For accounting, each record
 * also has a logical byte number: the sum of the frame sizes of every
 * record before it.  A segment remembers the logical number of its first
 * frame (base), so logical(pos) = base + off - SPOOL_HDR_SIZE, and the
 * pending bytes are appended - acked, two counters that each thread writes
 * alone.  The ingest side checks them with atomics, without the mutex.
 * Records are counted the same way with their sequence numbers (each v2
 * frame carries its own; a v1 segment's are counted at spool_open).
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
 *
 * Damage found by spool_open is skipped, not cut, when a good frame
 * follows it: the skipped ranges (holes) are listed once at open and never
 * change after, so the reader consults them without the mutex.
 */
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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
#include "fsync.h"
#include "log.h"
#include "slots.h"
#include "spool.h"
#include "xmalloc.h"

/* The on-disk format, drawn in spool.h. */
#define SPOOL_MAGIC		"SLUICESG"
#define SPOOL_MAGIC_LEN		8
#define SPOOL_VERSION		2
#define SPOOL_VERSION_V1	1
#define SPOOL_HDR_SIZE		16
#define SPOOL_FRAME_V1		8
#define SPOOL_FRAME_SIZE	28
#define SPOOL_SYNC		0x5ce01cf1U	/* bytes f1 1c e0 5c */
#define SPOOL_SEG_SUFFIX	".seg"
#define SPOOL_SEG_DIGITS	16
#define SPOOL_ASIDE		".corrupt."	/* <seg>.corrupt.<time> */
#define SPOOL_CURSOR_NAME	"cursor.slot"
#define SPOOL_CURSOR_TAG	"CURS"
#define SPOOL_CURSOR_LEN	16
#define SPOOL_CURSOR_CAP	64
#define SPOOL_OLD_CURSOR	"cursor"	/* text, version 1 */
#define SPOOL_OLD_TAG		"sluice-spool-cursor"
#define SPOOL_OLD_MAX		128	/* longest valid text cursor */
#define SPOOL_MIGRATED		".migrated"

#define SPOOL_WBUF_SIZE		(256 * 1024)	/* ingest write buffer */
#define SPOOL_RBUF_SIZE		(256 * 1024)	/* reader chunk */
#define SPOOL_SCAN_SIZE		(1024 * 1024)	/* recovery chunk */
#define SPOOL_MIN_SEGMENT	4096
#define SPOOL_RETRY_MS		1000	/* a full disk is tried again */
#define SPOOL_PUNCH_ALIGN	4096	/* punched ranges are whole pages */

/* A live segment, as both threads see it. */
struct spool_seg {
	uint64_t	num;
	uint64_t	base;	/* logical number of its first frame */
	uint64_t	end;	/* visible end; final once a later one exists */
	uint32_t	version;
	uint64_t	first_seq;	/* record number of its first frame */
	uint64_t	end_seq;	/* record number after the visible end */
	uint64_t	mtime_ms;	/* v1: no frame carries a time */
};

/* Damaged bytes that spool_open skipped: [start, end) of segment seg. */
struct spool_hole {
	uint64_t	seg;
	uint64_t	start;
	uint64_t	end;
};

/*
 * How far a segment's records all survived, as spool_open found it: every
 * record before end is whole.  Fixed at open (spool_is_intact_to).
 */
struct spool_sound {
	uint64_t	seg;
	uint64_t	end;
	int		damaged;	/* end is where damage starts */
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

/* A frame's header, decoded. */
struct spool_frame {
	uint32_t	len;
	uint64_t	seq;
	uint64_t	time_ms;
	size_t		hdr;	/* header size: SPOOL_FRAME_SIZE or _V1 */
};

struct spool {
	char			*dir;
	int			 dirfd;
	uint64_t		 max_bytes;
	uint64_t		 segment_bytes;
	enum config_fsync	 fsync;
	int			 efd;		/* records visible */
	int			 space_efd;	/* space freed */
	struct spool_hole	*holes;		/* fixed at open */
	size_t			 nholes;
	struct spool_sound	*sound;		/* fixed at open, from the */
	size_t			 nsound;	/* cursor on */
	struct spool_pos	 open_cursor;

	pthread_mutex_t		 mtx;		/* guards what follows */
	struct spool_seg	*segs;		/* oldest first, last active */
	size_t			 nsegs;
	struct spool_pos	 cursor;
	int			 reader_waiting;

	_Atomic uint64_t	 appended;	/* logical, ingest writes */
	_Atomic uint64_t	 acked;		/* logical, delivery writes */
	_Atomic uint64_t	 appended_recs;	/* record numbers, the same */
	_Atomic uint64_t	 acked_recs;
	_Atomic uint64_t	 oldest_ms;	/* at the cursor; 0: unknown */
	_Atomic uint64_t	 refill_ms;	/* first append into empty */
	_Atomic uint64_t	 skipped;	/* bytes, at open */
	_Atomic int		 space_waiting;
	_Atomic int		 disk_full;
	_Atomic int		 sync_failed;

	/* Ingest thread only. */
	int			 wfd;		/* -1: no segment made yet */
	uint64_t		 wseg;
	uint64_t		 woff;		/* bytes written to the file */
	uint64_t		 wpub;		/* end last made visible */
	uint64_t		 wsynced;	/* end last fdatasync'ed */
	uint64_t		 wappended;	/* logical, incl. buffered */
	uint64_t		 wseq;		/* next record number */
	uint64_t		 wpub_seq;	/* after the visible end */
	uint64_t		 wbuf_seq;	/* after the written bytes */
	char			*wbuf;
	size_t			 wlen;
	int			 dir_dirty;
	uint64_t		 full_ms;	/* last failed write, full disk */
	uint64_t		 full_acked;	/* acked then */

	/* Delivery thread only. */
	struct spool_chunk	 rd;
	uint64_t		 rlim_seg;	/* cached segment table entry */
	uint64_t		 rlim;
	uint32_t		 rlim_version;
	int			 rlim_sealed;
	uint64_t		 rlim_next;
	struct slots		*cursor_slots;
	char			*old_cursor;	/* text, to retire once */
	int			 cursor_dirty;	/* not written */
	uint64_t		*dead;		/* acked segments to unlink */
	size_t			 ndead;
	int			 afd;		/* spool_ack's frame reads */
	uint64_t		 aseg;
};

static uint64_t
spool_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/*
 * A record's append time, for its age: the coarse clock (a tick, some
 * 4 ms, behind at most) costs a quarter of the precise one, which was 2%
 * of the CPU spent per record.
 */
static uint64_t
spool_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
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

static void
spool_put64(unsigned char *p, uint64_t v)
{
	spool_put32(p, (uint32_t)v);
	spool_put32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t
spool_get64(const unsigned char *p)
{
	return ((uint64_t)spool_get32(p) | (uint64_t)spool_get32(p + 4) << 32);
}

/*
 * A v1 frame's CRC covers its length bytes, then the data; a v2 frame's
 * its length, sequence and time (bytes 4..23), then the data.
 */
static uint32_t
spool_frame_crc(uint32_t version, const unsigned char *hdr, const void *data,
    size_t len)
{
	if (version == SPOOL_VERSION_V1)
		return (crc32c(crc32c(0, hdr, 4), data, len));
	return (crc32c(crc32c(0, hdr + 4, 20), data, len));
}

/* Builds a v2 frame header. */
static void
spool_frame_header(unsigned char *hdr, const void *data, size_t len,
    uint64_t seq, uint64_t time_ms)
{
	spool_put32(hdr, SPOOL_SYNC);
	spool_put32(hdr + 4, (uint32_t)len);
	spool_put64(hdr + 8, seq);
	spool_put64(hdr + 16, time_ms);
	spool_put32(hdr + 24, spool_frame_crc(SPOOL_VERSION, hdr, data, len));
}

static size_t
spool_frame_hdr(uint32_t version)
{
	return (version == SPOOL_VERSION_V1 ? SPOOL_FRAME_V1 :
	    SPOOL_FRAME_SIZE);
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

/* A write that failed for want of space on the state filesystem. */
static int
spool_errno_is_full(int e)
{
	return (e == ENOSPC || e == EDQUOT);
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
 * Checks the frame of a segment of the given version at off, in a file of
 * size bytes.  Returns 1 and sets *fr if it is whole and its CRC is good,
 * 0 and sets *why if not, -1 with errno set on a read error.
 */
static int
spool_check_frame(struct spool_chunk *c, uint32_t version, uint64_t off,
    uint64_t size, struct spool_frame *fr, const char **why)
{
	const unsigned char	*p;
	size_t			 hdr = spool_frame_hdr(version);

	if (size - off < hdr) {
		*why = "short frame header";
		return (0);
	}
	if (spool_chunk_get(c, off, hdr, size, &p) != 0)
		return (-1);
	if (version != SPOOL_VERSION_V1 && spool_get32(p) != SPOOL_SYNC) {
		*why = "no sync marker";
		return (0);
	}
	fr->hdr = hdr;
	fr->len = spool_get32(version == SPOOL_VERSION_V1 ? p : p + 4);
	if (fr->len > SPOOL_MAX_RECORD) {
		*why = "record length too large";
		return (0);
	}
	if (size - off - hdr < fr->len) {
		*why = "short record";
		return (0);
	}
	if (spool_chunk_get(c, off, hdr + fr->len, size, &p) != 0)
		return (-1);
	if (version == SPOOL_VERSION_V1) {
		if (spool_frame_crc(version, p, p + hdr, fr->len) !=
		    spool_get32(p + 4)) {
			*why = "CRC mismatch";
			return (0);
		}
		fr->seq = fr->time_ms = 0;
		return (1);
	}
	if (spool_frame_crc(version, p, p + hdr, fr->len) !=
	    spool_get32(p + 24)) {
		*why = "CRC mismatch";
		return (0);
	}
	fr->seq = spool_get64(p + 8);
	fr->time_ms = spool_get64(p + 16);
	return (1);
}

/*
 * Looks for the next good v2 frame at or after from: a sync marker that
 * starts a frame whose CRC is good.  Returns 1 and sets *found, 0 if there
 * is none before size, -1 with errno set on a read error.
 */
static int
spool_resync(struct spool_chunk *c, uint64_t from, uint64_t size,
    uint64_t *found)
{
	const unsigned char	*p, *q, *end;
	unsigned char		 mk[4];
	struct spool_frame	 fr;
	const char		*why;
	uint64_t		 pos = from;
	size_t			 avail;
	int			 r;

	spool_put32(mk, SPOOL_SYNC);
	while (pos + SPOOL_FRAME_SIZE <= size) {
		if (spool_chunk_get(c, pos, 4, size, &p) != 0)
			return (-1);
		avail = c->off + c->len - pos;
		end = p + avail - 3;
		for (q = p; q < end; q++) {
			q = memchr(q, mk[0], end - q);
			if (q == NULL || memcmp(q, mk, 4) == 0)
				break;
		}
		if (q == NULL || q >= end) {
			pos += avail - 3;
			continue;
		}
		pos += q - p;
		r = spool_check_frame(c, SPOOL_VERSION, pos, size, &fr, &why);
		if (r != 0)
			break;
		pos++;
	}
	if (pos + SPOOL_FRAME_SIZE > size)
		return (0);
	if (r == -1)
		return (-1);
	*found = pos;
	return (1);
}

/* Renames a segment whose header is bad out of the table's way. */
static void
spool_move_aside(struct spool *sp, const char *name, uint64_t size,
    const char *why)
{
	char	aside[128];

	snprintf(aside, sizeof aside, "%s%s%lld", name, SPOOL_ASIDE,
	    (long long)time(NULL));
	if (renameat(sp->dirfd, name, sp->dirfd, aside) == -1) {
		log_warnx("spool %s/%s: %s at offset 0: skipped %" PRIu64
		    " bytes; moving it to %s failed: %s", sp->dir, name, why,
		    size, aside, strerror(errno));
		return;
	}
	log_warnx("spool %s/%s: %s at offset 0: skipped %" PRIu64 " bytes, "
	    "the segment moved aside to %s", sp->dir, name, why, size, aside);
	atomic_fetch_add(&sp->skipped, size);
}

/* What spool_recover_segment made of a segment. */
enum spool_recover {
	SPOOL_RECOVER_OK,
	SPOOL_RECOVER_ASIDE,	/* bad header: moved aside, not in the table */
	SPOOL_RECOVER_ERROR	/* *cause set; the spool cannot open */
};

/*
 * Checks segment num, skips damage that a good frame follows and cuts a
 * torn or corrupt tail.  s->first_seq is the record number the segment
 * starts at if its frames do not say (v1, or no good frame); s->num,
 * version, end, end_seq and mtime_ms are set.  If *curoff is not NULL it is
 * the cursor's offset in this segment and is moved to a frame boundary if
 * it falls inside a frame or a hole.
 */
static enum spool_recover
spool_recover_segment(struct spool *sp, uint64_t num, struct spool_seg *s,
    uint64_t *curoff, struct spool_sound *sound, char **cause)
{
	struct spool_chunk	 c;
	struct spool_frame	 fr;
	struct stat		 sb;
	char			 name[64];
	const unsigned char	*p;
	const char		*why = NULL;
	uint64_t		 off, size, next, nrec = 0;
	uint32_t		 version = SPOOL_VERSION;
	enum spool_recover	 rc = SPOOL_RECOVER_ERROR;
	int			 zero, i, r, first = 1;

	spool_seg_name(name, sizeof name, num);
	spool_chunk_init(&c, SPOOL_SCAN_SIZE);
	s->num = num;
	sound->seg = num;
	sound->end = UINT64_MAX;
	sound->damaged = 0;
	s->end_seq = s->first_seq;
	c.fd = openat(sp->dirfd, name, O_RDWR|O_CLOEXEC);
	if (c.fd == -1 || fstat(c.fd, &sb) == -1) {
		xasprintf(cause, "%s/%s: %s", sp->dir, name, strerror(errno));
		goto out;
	}
	size = sb.st_size;
	s->mtime_ms = (uint64_t)sb.st_mtim.tv_sec * 1000 +
	    (uint64_t)sb.st_mtim.tv_nsec / 1000000;

	zero = 1;
	if (size >= SPOOL_HDR_SIZE) {
		if (spool_chunk_get(&c, 0, SPOOL_HDR_SIZE, size, &p) != 0)
			goto ioerr;
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
		    fsync_data(c.fd) == -1) {
			xasprintf(cause, "%s/%s: rewriting header: %s",
			    sp->dir, name, strerror(errno));
			goto out;
		}
		c.len = 0;
		size = SPOOL_HDR_SIZE;
		sound->end = SPOOL_HDR_SIZE;
		sound->damaged = 1;
	} else {
		if (memcmp(p, SPOOL_MAGIC, SPOOL_MAGIC_LEN) != 0) {
			spool_chunk_free(&c);
			spool_move_aside(sp, name, size, "bad segment header "
			    "(magic)");
			return (SPOOL_RECOVER_ASIDE);
		}
		version = spool_get32(p + 8);
		if (version > SPOOL_VERSION) {
			xasprintf(cause, "spool segment %s/%s is format %u; "
			    "this sluiced reads up to %d: leaving the spool as "
			    "it is (run the newer sluiced, or downgrade by "
			    "draining first)", sp->dir, name, version,
			    SPOOL_VERSION);
			goto out;
		}
		if (version < SPOOL_VERSION_V1) {
			spool_chunk_free(&c);
			spool_move_aside(sp, name, size, "bad segment header "
			    "(version 0)");
			return (SPOOL_RECOVER_ASIDE);
		}
	}
	s->version = version;

	off = SPOOL_HDR_SIZE;
	while (off < size) {
		if ((r = spool_check_frame(&c, version, off, size, &fr,
		    &why)) == -1)
			goto ioerr;
		if (r == 0) {
			/* v1 frames have no marker to find the next by. */
			if (version == SPOOL_VERSION_V1)
				break;
			if ((r = spool_resync(&c, off + 1, size, &next)) == -1)
				goto ioerr;
			if (r == 0)
				break;
			if (curoff != NULL && next <= *curoff)
				/* Acknowledged: freed on a full disk. */
				log_debug("spool %s/%s: %" PRIu64 " acknowledged "
				    "bytes at offset %" PRIu64 " are freed",
				    sp->dir, name, next - off, off);
			else {
				log_warnx("spool %s/%s: %s at offset %" PRIu64
				    ": skipped %" PRIu64 " bytes to the next "
				    "good record", sp->dir, name, why, off,
				    next - off);
				atomic_fetch_add(&sp->skipped, next - off);
				if (!sound->damaged)
					sound->end = off;
				sound->damaged = 1;
			}
			sp->holes = xreallocarray(sp->holes, sp->nholes + 1,
			    sizeof *sp->holes);
			sp->holes[sp->nholes].seg = num;
			sp->holes[sp->nholes].start = off;
			sp->holes[sp->nholes].end = next;
			sp->nholes++;
			if (curoff != NULL && *curoff > off && *curoff < next) {
				log_warnx("spool %s/%s: cursor %" PRIu64 " is "
				    "in skipped bytes, resuming at %" PRIu64,
				    sp->dir, name, *curoff, next);
				*curoff = next;
			}
			off = next;
			why = NULL;
			continue;
		}
		if (version != SPOOL_VERSION_V1) {
			if (first)
				s->first_seq = fr.seq;
			s->end_seq = fr.seq + 1;
		}
		first = 0;
		nrec++;
		if (curoff != NULL && *curoff > off &&
		    *curoff < off + fr.hdr + fr.len) {
			log_warnx("spool %s/%s: cursor %" PRIu64 " is inside "
			    "a record, resuming at %" PRIu64, sp->dir, name,
			    *curoff, off);
			*curoff = off;
		}
		off += fr.hdr + fr.len;
	}
	if (version == SPOOL_VERSION_V1)
		s->end_seq = s->first_seq + nrec;
	if (why != NULL) {
		log_warnx("spool %s/%s: %s at offset %" PRIu64 ": cut %" PRIu64
		    " bytes (torn or corrupt tail)", sp->dir, name, why, off,
		    size - off);
		atomic_fetch_add(&sp->skipped, size - off);
		if (!sound->damaged)
			sound->end = off;
		sound->damaged = 1;
		if (ftruncate(c.fd, off) == -1 || fsync_data(c.fd) == -1) {
			xasprintf(cause, "%s/%s: truncate: %s", sp->dir, name,
			    strerror(errno));
			goto out;
		}
	}
	s->end = off;
	if (sound->end > off)
		sound->end = off;
	/*
	 * A crash of the process leaves records in the page cache only; a
	 * start that trusts them (spool_is_intact_to) must make them
	 * durable before the file offsets move past them.
	 */
	if (sp->fsync != CONFIG_FSYNC_NEVER && (curoff != NULL ||
	    num > sp->open_cursor.seg) && fsync_data(c.fd) == -1) {
		log_warn("spool %s/%s: sync at open", sp->dir, name);
		sound->damaged = 1;
		sound->end = SPOOL_HDR_SIZE;
	}
	rc = SPOOL_RECOVER_OK;
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
	memset(s, 0, sizeof *s);
	s->num = num;
	/* Records still buffered (a full disk) go into this one. */
	s->base = sp->wappended - sp->wlen;
	s->end = SPOOL_HDR_SIZE;
	s->version = SPOOL_VERSION;
	s->first_seq = s->end_seq = sp->wbuf_seq;
	pthread_mutex_unlock(&sp->mtx);
	return (0);
}

/* Reads a version 1 text cursor.  Returns 1 if it holds a cursor. */
static int
spool_read_old_cursor(struct spool *sp, const char *path,
    struct spool_pos *pos)
{
	char		buf[SPOOL_OLD_MAX + 1], tail;
	unsigned int	version;
	ssize_t		n;
	size_t		len = 0;
	int		fd;

	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			log_warn("spool %s: reading cursor, delivering all "
			    "records again", path);
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
	if (len > SPOOL_OLD_MAX || sscanf(buf, SPOOL_OLD_TAG
	    " %u %" SCNu64 " %" SCNu64 "%c", &version, &pos->seg, &pos->off,
	    &tail) != 4 || version != 1 || tail != '\n' ||
	    strchr(buf, '\n') != buf + len - 1 || pos->off < SPOOL_HDR_SIZE) {
		log_warnx("spool %s: invalid cursor file, delivering all "
		    "records again", path);
		return (0);
	}
	sp->old_cursor = xstrdup(path);
	log_info("spool %s: migrating the text cursor %" PRIu64 ":%" PRIu64
	    " to %s", sp->dir, pos->seg, pos->off, SPOOL_CURSOR_NAME);
	return (1);
}

/*
 * Opens the cursor's slot file (or the text cursor of earlier versions).
 * Returns 1 and sets *pos if there is a cursor, 0 if not, -1 with *cause
 * set if a newer version wrote it.
 */
static int
spool_read_cursor(struct spool *sp, struct spool_pos *pos, char **cause)
{
	unsigned char	*data;
	char		*path, *who, *old;
	size_t		 len;
	int		 rc = 0;

	xasprintf(&path, "%s/%s", sp->dir, SPOOL_CURSOR_NAME);
	xasprintf(&who, "spool %s", sp->dir);
	xasprintf(&old, "%s/%s", sp->dir, SPOOL_OLD_CURSOR);
	sp->cursor_slots = slots_open(path, SPOOL_CURSOR_TAG, SPOOL_CURSOR_CAP,
	    who, (void **)&data, &len, cause);
	if (sp->cursor_slots == NULL) {
		rc = -1;
		goto out;
	}
	if (data == NULL) {
		rc = spool_read_old_cursor(sp, old, pos);
		goto out;
	}
	if (len != SPOOL_CURSOR_LEN ||
	    (pos->off = spool_get64(data + 8)) < SPOOL_HDR_SIZE)
		log_warnx("spool %s: invalid cursor, delivering all records "
		    "again", path);
	else {
		pos->seg = spool_get64(data);
		rc = 1;
	}
	free(data);
out:
	free(old);
	free(who);
	free(path);
	return (rc);
}

/*
 * Writes the cursor into its slot (a pwrite: it survives a crash of the
 * process), syncs it with the ALWAYS policy, then unlinks dead segments.
 * A segment may go before the cursor past it is durable: a cursor that
 * names a deleted segment resumes at the next one, which only repeats
 * acknowledged records.
 */
static int
spool_write_cursor(struct spool *sp)
{
	struct spool_pos	 pos;
	unsigned char		 buf[SPOOL_CURSOR_LEN];
	char			 name[64], *cause = NULL, *moved;
	size_t			 i;
	int			 rc = 0, saved = 0;

	if (sp->cursor_dirty) {
		pthread_mutex_lock(&sp->mtx);
		pos = sp->cursor;
		pthread_mutex_unlock(&sp->mtx);
		spool_put64(buf, pos.seg);
		spool_put64(buf + 8, pos.off);
		if (slots_write(sp->cursor_slots, buf, sizeof buf,
		    &cause) != 0) {
			/* The caller reports it, by state (problem.h). */
			saved = errno;
			log_debug("spool %s: %s", sp->dir, cause);
			free(cause);
			rc = -1;
		} else {
			sp->cursor_dirty = 0;
			if (sp->old_cursor != NULL) {
				xasprintf(&moved, "%s%s", sp->old_cursor,
				    SPOOL_MIGRATED);
				if (rename(sp->old_cursor, moved) == -1)
					log_warn("spool %s: rename to %s",
					    sp->old_cursor, moved);
				free(moved);
				free(sp->old_cursor);
				sp->old_cursor = NULL;
			}
		}
	}
	if (sp->fsync == CONFIG_FSYNC_ALWAYS &&
	    slots_sync(sp->cursor_slots) != 0) {
		if (rc == 0)
			saved = errno;
		rc = -1;
	}
	for (i = 0; i < sp->ndead; i++) {
		spool_seg_name(name, sizeof name, sp->dead[i]);
		if (unlinkat(sp->dirfd, name, 0) == -1 && errno != ENOENT)
			log_warn("spool %s/%s: unlink", sp->dir, name);
	}
	sp->ndead = 0;
	if (rc == -1)
		errno = saved;
	return (rc);
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

/* Returns the end of the hole that starts at pos, or pos if none does. */
static uint64_t
spool_skip_hole(struct spool *sp, uint64_t seg, uint64_t off)
{
	size_t	i;

	for (i = 0; i < sp->nholes; i++) {
		if (sp->holes[i].seg == seg && sp->holes[i].start == off)
			return (sp->holes[i].end);
	}
	return (off);
}

/* Reads the v2 frame header at off of segment seg, for spool_note. */
static int
spool_peek(struct spool *sp, uint64_t seg, uint64_t off, uint64_t *seq,
    uint64_t *time_ms)
{
	unsigned char	hdr[SPOOL_FRAME_SIZE];
	char		name[64];
	ssize_t		n;

	if (sp->afd == -1 || sp->aseg != seg) {
		if (sp->afd != -1)
			close(sp->afd);
		spool_seg_name(name, sizeof name, seg);
		sp->aseg = seg;
		if ((sp->afd = openat(sp->dirfd, name,
		    O_RDONLY|O_CLOEXEC)) == -1)
			return (-1);
	}
	do
		n = pread(sp->afd, hdr, sizeof hdr, off);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof hdr || spool_get32(hdr) != SPOOL_SYNC)
		return (-1);
	*seq = spool_get64(hdr + 8);
	*time_ms = spool_get64(hdr + 16);
	return (0);
}

#define SPOOL_NOTE_SEGS	8

/*
 * After the cursor moved: records which record it points at and when that
 * record was appended, for spool_stats.  Delivery thread (or spool_open).
 */
static void
spool_note(struct spool *sp)
{
	struct spool_seg	 s[SPOOL_NOTE_SEGS], *e;
	struct spool_pos	 pos;
	uint64_t		 off, seq, t;
	size_t			 n, i;

	pthread_mutex_lock(&sp->mtx);
	pos = sp->cursor;
	n = sp->nsegs < SPOOL_NOTE_SEGS ? sp->nsegs : SPOOL_NOTE_SEGS;
	memcpy(s, sp->segs, n * sizeof *s);
	pthread_mutex_unlock(&sp->mtx);
	if (n == 0 || s[0].num != pos.seg)
		return;
	off = pos.off;
	for (i = 0; i < n; i++) {
		e = &s[i];
		if (i > 0)
			off = SPOOL_HDR_SIZE;
		off = spool_skip_hole(sp, e->num, off);
		if (off < e->end)
			break;
	}
	if (i == n) {
		/* At the visible end: everything is acknowledged. */
		atomic_store(&sp->acked_recs, s[n - 1].end_seq);
		atomic_store(&sp->oldest_ms, 0);
		return;
	}
	if (e->version == SPOOL_VERSION_V1) {
		/* Its frames carry neither: estimate, from the file. */
		seq = e->first_seq + (e->end_seq - e->first_seq) *
		    (off - SPOOL_HDR_SIZE) / (e->end - SPOOL_HDR_SIZE);
		t = e->mtime_ms;
	} else if (spool_peek(sp, e->num, off, &seq, &t) != 0)
		return;
	atomic_store(&sp->acked_recs, seq);
	atomic_store(&sp->oldest_ms, t != 0 ? t : 1);
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
		} else if (durable_is_leftover(de->d_name, SPOOL_OLD_CURSOR))
			unlinkat(sp->dirfd, de->d_name, 0);
	}
	closedir(d);
	if (*n > 1)
		qsort(*nums, *n, sizeof **nums, spool_cmp_u64);
	return (0);
}

/* Warns when the filesystem cannot hold spool.maxBytes. */
static void
spool_check_space(struct spool *sp)
{
	struct statvfs	sv;
	uint64_t	avail, pending;

	if (fstatvfs(sp->dirfd, &sv) == -1)
		return;
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	pending = spool_pending_bytes(sp);
	if (sp->max_bytes > avail + pending)
		log_warnx("spool %s: spool.maxBytes is %" PRIu64 " bytes but "
		    "the filesystem has %" PRIu64 " bytes free (and the spool "
		    "holds %" PRIu64 "): ingest will pause with \"state disk "
		    "full\" before the spool is full", sp->dir, sp->max_bytes,
		    avail, pending);
}

/*
 * Keeps, from the cursor on, the segments whose records all survived:
 * consecutive numbers, up to and including the first with damage (whose
 * sound part ends where the damage starts).  A segment moved aside or
 * missing is a gap, and nothing after it counts.
 */
static void
spool_sound_init(struct spool *sp, const struct spool_sound *sound,
    size_t n)
{
	uint64_t	expect;
	size_t		i;

	sp->open_cursor = sp->cursor;
	sp->sound = xcalloc(n + 1, sizeof *sp->sound);
	expect = sp->cursor.seg;
	for (i = 0; i < n; i++) {
		if (sound[i].seg < expect)
			continue;
		if (sound[i].seg != expect)
			break;
		sp->sound[sp->nsound++] = sound[i];
		if (sound[i].damaged)
			break;
		expect++;
	}
	/* The directory entries of segments made since the last sync. */
	if (sp->fsync != CONFIG_FSYNC_NEVER && fsync(sp->dirfd) == -1) {
		log_warn("spool %s: sync of the directory at open", sp->dir);
		sp->nsound = 0;
	}
}

struct spool *
spool_open(const char *dir, uint64_t max_bytes, uint64_t segment_bytes,
    enum config_fsync fsync, char **cause)
{
	struct spool		*sp;
	struct spool_seg	 s;
	struct spool_pos	 cur;
	struct spool_sound	*sound = NULL;
	uint64_t		*nums = NULL, *curoff, last = 0, seq = 0;
	size_t			 n = 0, i, nsound = 0;
	int			 have_cursor;

	sp = xcalloc(1, sizeof *sp);
	sp->dir = xstrdup(dir);
	sp->dirfd = sp->efd = sp->space_efd = sp->wfd = sp->afd = -1;
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
	if ((have_cursor = spool_read_cursor(sp, &cur, cause)) == -1)
		goto fail;
	if (have_cursor)
		sp->open_cursor = cur;

	/* Check every segment and rebuild the table. */
	sound = xcalloc(n + 1, sizeof *sound);
	for (i = 0; i < n; i++) {
		curoff = (have_cursor && cur.seg == nums[i]) ? &cur.off : NULL;
		memset(&s, 0, sizeof s);
		s.first_seq = seq;
		switch (spool_recover_segment(sp, nums[i], &s, curoff,
		    &sound[nsound], cause)) {
		case SPOOL_RECOVER_ERROR:
			goto fail;
		case SPOOL_RECOVER_ASIDE:
			last = nums[i];
			continue;
		case SPOOL_RECOVER_OK:
			break;
		}
		nsound++;
		s.base = sp->wappended;
		sp->segs = xreallocarray(sp->segs, sp->nsegs + 1,
		    sizeof *sp->segs);
		sp->segs[sp->nsegs++] = s;
		sp->wappended += s.end - SPOOL_HDR_SIZE;
		seq = s.end_seq;
		last = nums[i];
	}
	if (have_cursor && cur.seg > last)
		last = cur.seg;
	sp->wseq = sp->wpub_seq = sp->wbuf_seq = seq;
	atomic_store(&sp->appended_recs, seq);
	atomic_store(&sp->acked_recs, seq);
	atomic_store(&sp->appended, sp->wappended);

	/*
	 * Never append to a segment that may have had a torn tail.  On a
	 * full disk the spool opens all the same: what it holds can be
	 * delivered, and appends wait until a segment can be made.
	 */
	sp->wseg = last;
	if (spool_new_segment(sp, last + 1) != 0) {
		if (!spool_errno_is_full(errno)) {
			xasprintf(cause, "%s: creating segment: %s", dir,
			    strerror(errno));
			goto fail;
		}
		log_warnx("spool %s: creating segment: %s: state disk full, "
		    "appends wait for space", dir, strerror(errno));
		atomic_store(&sp->disk_full, 1);
		sp->full_ms = spool_now_ms();
	}

	/* Clamp the cursor to what survived. */
	if (sp->nsegs == 0) {
		/* No segment, and none could be made. */
		sp->cursor.seg = last + 1;
		sp->cursor.off = SPOOL_HDR_SIZE;
		atomic_store(&sp->acked, sp->wappended);
		goto done;
	}
	for (i = 0; i < sp->nsegs; i++) {
		if (have_cursor && sp->segs[i].num >= cur.seg)
			break;
	}
	if (!have_cursor || i == sp->nsegs) {
		i = have_cursor ? sp->nsegs - 1 : 0;
		cur.seg = sp->segs[i].num;
		cur.off = have_cursor ? sp->segs[i].end : SPOOL_HDR_SIZE;
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
done:
	spool_sound_init(sp, sound, nsound);
	sp->cursor_dirty = 1;
	if (spool_write_cursor(sp) != 0)
		log_warnx("spool %s: the cursor is not written yet; a crash "
		    "now delivers again what was acknowledged", dir);
	spool_note(sp);
	spool_check_space(sp);
	log_debug("spool %s: opened, %zu segments, %" PRIu64 " bytes "
	    "pending, cursor %" PRIu64 ":%" PRIu64, dir, sp->nsegs,
	    spool_pending_bytes(sp), sp->cursor.seg, sp->cursor.off);
	free(sound);
	free(nums);
	return (sp);

fail:
	free(sound);
	free(nums);
	sp->cursor_dirty = 0;
	sp->wlen = 0;
	spool_close(sp);
	return (NULL);
}

int
spool_is_intact_to(struct spool *sp, const struct spool_pos *pos)
{
	size_t	i;

	if (pos->seg < sp->open_cursor.seg || (pos->seg ==
	    sp->open_cursor.seg && pos->off <= sp->open_cursor.off))
		return (1);
	for (i = 0; i < sp->nsound; i++) {
		if (sp->sound[i].seg == pos->seg)
			return (pos->off <= sp->sound[i].end);
	}
	return (0);
}

void
spool_tail(struct spool *sp, struct spool_pos *out)
{
	out->seg = sp->wseg;
	out->off = sp->wpub;
}

/*
 * On a full disk, frees the blocks of the acknowledged part of the
 * cursor's segment (a hole, punched: offsets do not move), so that a spool
 * whose active segment holds most of the disk can heal before the segment
 * is sealed and deleted.  Delivery thread.  Best effort: a filesystem
 * without hole punching frees space when the segment goes.  Either
 * thread: punching a range again is harmless, so nothing is remembered.
 */
static void
spool_punch(struct spool *sp)
{
	struct spool_pos	pos;
	char			name[64];
	uint64_t		end;
	int			fd;

	pthread_mutex_lock(&sp->mtx);
	pos = sp->cursor;
	pthread_mutex_unlock(&sp->mtx);
	/* The first page keeps the segment header. */
	end = pos.off / SPOOL_PUNCH_ALIGN * SPOOL_PUNCH_ALIGN;
	if (end <= SPOOL_PUNCH_ALIGN)
		return;
	spool_seg_name(name, sizeof name, pos.seg);
	if ((fd = openat(sp->dirfd, name, O_WRONLY|O_CLOEXEC)) == -1)
		return;
	(void)fallocate(fd, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE,
	    SPOOL_PUNCH_ALIGN, (off_t)(end - SPOOL_PUNCH_ALIGN));
	close(fd);
}

/* Notes a write that failed for want of space: appends wait. */
static void
spool_set_full(struct spool *sp)
{
	atomic_store(&sp->disk_full, 1);
	sp->full_ms = spool_now_ms();
	sp->full_acked = atomic_load(&sp->acked);
	/* Acknowledged records may hold the disk: free them first. */
	spool_punch(sp);
}

/*
 * Writes the buffer out.  On error, what this call wrote is cut off the
 * file again (ftruncate frees its blocks), so the file ends with a whole
 * frame, and the whole buffer stays to be written by a retry.
 */
static int
spool_write_buf(struct spool *sp)
{
	ssize_t	n;
	size_t	done = 0;
	int	saved;

	while (done < sp->wlen) {
		n = write(sp->wfd, sp->wbuf + done, sp->wlen - done);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			if (done > 0 && ftruncate(sp->wfd, sp->woff) == -1)
				log_warn("spool %s: removing a partial record",
				    sp->dir);
			if (lseek(sp->wfd, sp->woff, SEEK_SET) == -1)
				log_warn("spool %s: seek", sp->dir);
			if (spool_errno_is_full(saved))
				spool_set_full(sp);
			errno = saved;
			return (-1);
		}
		done += n;
	}
	sp->woff += done;
	sp->wlen = 0;
	sp->wbuf_seq = sp->wseq;
	return (0);
}

int
spool_flush(struct spool *sp)
{
	int	sig, wrote = 0;

	if (sp->wfd == -1) {
		if (spool_new_segment(sp, sp->wseg + 1) != 0) {
			if (spool_errno_is_full(errno))
				spool_set_full(sp);
			return (-1);
		}
		wrote = 1;
	}
	if (sp->wlen > 0) {
		if (spool_write_buf(sp) != 0)
			return (-1);
		wrote = 1;
	}
	/* Only a write that needed space says the disk has some again. */
	if (wrote)
		atomic_store(&sp->disk_full, 0);
	if (sp->woff == sp->wpub)
		return (0);
	pthread_mutex_lock(&sp->mtx);
	sp->segs[sp->nsegs - 1].end = sp->woff;
	sp->segs[sp->nsegs - 1].end_seq = sp->wbuf_seq;
	sig = sp->reader_waiting;
	sp->reader_waiting = 0;
	pthread_mutex_unlock(&sp->mtx);
	sp->wpub = sp->woff;
	sp->wpub_seq = sp->wbuf_seq;
	if (sig)
		spool_signal(sp->efd);
	return (0);
}

/* fdatasync of the active segment; a failure is remembered for good. */
static int
spool_sync_data(struct spool *sp)
{
	if (sp->wfd == -1 || sp->wsynced == sp->woff)
		return (0);
	if (fsync_data(sp->wfd) == -1) {
		/*
		 * Linux may have dropped the pages that failed and report
		 * the next fdatasync as a success: never trust this file
		 * again (README.md, invariant 1).
		 */
		atomic_store(&sp->sync_failed, 1);
		return (-1);
	}
	sp->wsynced = sp->woff;
	return (0);
}

int
spool_sync(struct spool *sp)
{
	if (atomic_load(&sp->sync_failed)) {
		errno = EIO;
		return (-1);
	}
	if (spool_flush(sp) != 0)
		return (-1);
	if (sp->fsync == CONFIG_FSYNC_NEVER)
		return (0);
	if (spool_sync_data(sp) != 0)
		return (-1);
	if (sp->dir_dirty) {
		if (fsync(sp->dirfd) == -1 && errno != EINVAL) {
			atomic_store(&sp->sync_failed, 1);
			return (-1);
		}
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
	if (sp->fsync != CONFIG_FSYNC_NEVER && spool_sync_data(sp) != 0)
		return (-1);
	if (spool_new_segment(sp, sp->wseg + 1) != 0) {
		if (spool_errno_is_full(errno))
			spool_set_full(sp);
		return (-1);
	}
	return (0);
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
			if (spool_errno_is_full(saved))
				spool_set_full(sp);
			errno = saved;
			return (-1);
		}
		done += n;
	}
	sp->woff += total;
	sp->wbuf_seq = sp->wseq + 1;
	return (0);
}

int
spool_append(struct spool *sp, const void *data, size_t len)
{
	unsigned char	hdr[SPOOL_FRAME_SIZE];
	uint64_t	frame, pending, now;

	if (len > SPOOL_MAX_RECORD) {
		errno = EMSGSIZE;
		return (-1);
	}
	if (atomic_load(&sp->sync_failed)) {
		errno = EIO;
		return (-1);
	}
	if (atomic_load(&sp->disk_full)) {
		/* Try again after a while, or when acks freed blocks. */
		if (spool_now_ms() - sp->full_ms < SPOOL_RETRY_MS &&
		    atomic_load(&sp->acked) == sp->full_acked) {
			errno = ENOSPC;
			return (-1);
		}
		/* Set again by whatever fails for want of space. */
		atomic_store(&sp->disk_full, 0);
		if (spool_flush(sp) != 0)
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

	now = spool_wall_ms();
	spool_frame_header(hdr, data, len, sp->wseq, now);
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
	if (sp->wseq == atomic_load(&sp->acked_recs))
		atomic_store(&sp->refill_ms, now);
	sp->wseq++;
	sp->wappended += frame;
	atomic_store(&sp->appended_recs, sp->wseq);
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
 * 0 if seg is the active segment and off is its visible end, or a segment
 * not made yet (the reader is now waiting), or -1 with errno EINVAL if seg
 * is not live.
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
		if (sp->nsegs == 0 || seg > sp->segs[sp->nsegs - 1].num) {
			/* A full disk at open: no segment yet. */
			sp->reader_waiting = 1;
			pthread_mutex_unlock(&sp->mtx);
			return (0);
		}
		pthread_mutex_unlock(&sp->mtx);
		errno = EINVAL;
		return (-1);
	}
	sp->rlim_seg = seg;
	sp->rlim = sp->segs[i].end;
	sp->rlim_version = sp->segs[i].version;
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
	size_t			 hdr;
	int			 rc;

	for (;;) {
		if (cur.off < SPOOL_HDR_SIZE) {
			errno = EINVAL;
			return (SPOOL_ERROR);
		}
		if (sp->nholes > 0)
			cur.off = spool_skip_hole(sp, cur.seg, cur.off);
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
	hdr = spool_frame_hdr(sp->rlim_version);
	if (sp->rlim - cur.off < hdr)
		goto bad;
	if (spool_chunk_get(c, cur.off, hdr, sp->rlim, &p) != 0)
		return (SPOOL_ERROR);
	if (hdr == SPOOL_FRAME_V1)
		rlen = spool_get32(p);
	else {
		if (spool_get32(p) != SPOOL_SYNC)
			goto bad;
		rlen = spool_get32(p + 4);
	}
	if (rlen > SPOOL_MAX_RECORD || sp->rlim - cur.off - hdr < rlen)
		goto bad;
	if (spool_chunk_get(c, cur.off, hdr + rlen, sp->rlim, &p) != 0)
		return (SPOOL_ERROR);
	*data = p + hdr;
	*len = rlen;
	next->seg = cur.seg;
	next->off = cur.off + hdr + rlen;
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
	int	rc;

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
	spool_note(sp);
	rc = spool_write_cursor(sp);
	if (atomic_load(&sp->disk_full))
		spool_punch(sp);
	return (rc);
}

int
spool_save_cursor(struct spool *sp)
{
	int	rc, saved = 0;

	rc = spool_write_cursor(sp);
	if (rc == -1)
		saved = errno;
	if (sp->fsync == CONFIG_FSYNC_INTERVAL &&
	    slots_sync(sp->cursor_slots) != 0) {
		if (rc == 0)
			saved = errno;
		rc = -1;
	}
	if (rc == -1)
		errno = saved;
	return (rc);
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
spool_stats(struct spool *sp, struct spool_stats *st)
{
	uint64_t	acked, appended;

	memset(st, 0, sizeof *st);
	acked = atomic_load(&sp->acked_recs);
	appended = atomic_load(&sp->appended_recs);
	st->pending_records = appended > acked ? appended - acked : 0;
	st->pending_bytes = spool_pending_bytes(sp);
	if (st->pending_records > 0) {
		st->oldest_ms = atomic_load(&sp->oldest_ms);
		if (st->oldest_ms == 0)
			st->oldest_ms = atomic_load(&sp->refill_ms);
	}
	st->skipped_bytes = atomic_load(&sp->skipped);
	st->disk_full = atomic_load(&sp->disk_full);
	st->sync_failed = atomic_load(&sp->sync_failed);
}

int
spool_is_disk_full(struct spool *sp)
{
	return (atomic_load(&sp->disk_full));
}

int
spool_has_failed(struct spool *sp)
{
	return (atomic_load(&sp->sync_failed));
}

void
spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->wfd != -1 && spool_sync(sp) != 0)
		log_warn("spool %s: writing records at close", sp->dir);
	if (sp->cursor_slots != NULL) {
		spool_write_cursor(sp);
		if (sp->fsync != CONFIG_FSYNC_NEVER &&
		    slots_sync(sp->cursor_slots) != 0)
			log_warn("spool %s: syncing the cursor", sp->dir);
	}
	slots_close(sp->cursor_slots);
	spool_chunk_free(&sp->rd);
	if (sp->afd != -1)
		close(sp->afd);
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
	free(sp->holes);
	free(sp->sound);
	free(sp->wbuf);
	free(sp->old_cursor);
	free(sp->dir);
	free(sp);
}
