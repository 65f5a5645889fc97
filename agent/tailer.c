/*
 * tailer: see tailer.h.
 *
 * One inotify descriptor per tailer watches the directories of its pattern
 * (one watch per directory, not per file, so 10,000 files in one directory
 * cost one watch).  IN_MODIFY names the file that grew; directory changes
 * (create, move, delete) trigger a rescan.
 *
 * Reading happens in turns, one per loop round (tailer_work): events and
 * scans only mark a file ready and schedule a turn.  A turn reads at most
 * TAILER_FILE_TURN bytes of each ready file, and ends after
 * TAILER_TURN_BYTES or TAILER_TURN_MS; the files it did not reach come
 * first in the next turn (a cycle serves each ready file once).  So a
 * backlog of any size is read a bounded slice at a time, and between
 * slices the loop handles signals, inotify, other flows, flushes, syncs
 * and checkpoints (loop.h).  The flows with a backlog share one budget of
 * TAILER_ROUND_MS per loop round (tailer_nbusy), and read in smaller
 * slices then, so that a round stays short however many flows read, and
 * a signal is handled within 100 ms.
 *
 * Descriptors: a file is open, closed (idle: its offset and identity kept,
 * reopened when it changes) or waiting (on waitq, for a descriptor under
 * max_open, or because open failed for want of one).  A waiting file that
 * was never opened has its identity from stat(2) and starts where an open
 * one would have.  When files wait, files read to their end are closed to
 * make room, so every file is read in turn.
 */
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "framer.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "registry.h"
#include "tailer.h"
#include "xmalloc.h"

#define TAILER_READ_SIZE	(256 * 1024)
#define TAILER_FILE_TURN	(1024 * 1024)	/* bytes per file per turn */
#define TAILER_TURN_BYTES	(4 * 1024 * 1024)	/* per turn, all files */
#define TAILER_TURN_MS		10	/* a turn stops reading after this */
#define TAILER_ROUND_MS		20	/* all flows' turns in a loop round */
#define TAILER_SHARED_READ	(64 * 1024)	/* a read when flows share */
#define TAILER_RESCAN_MS	5000
#define TAILER_POLL_MS		1000
#define TAILER_PAUSE_MS		100
#define TAILER_HEADS		8	/* heads of recent truncations */
#define TAILER_COPY_WAIT_MS	2000	/* for cp to reach the offset */
#define TAILER_TAIL_MAX		REGISTRY_TAIL_MAX /* kept before the offset */
#define TAILER_DRAIN_WAIT_MS	10	/* at a stop, for the spool */
#define TAILER_MOVES		16	/* renames waiting for their pair */

/*
 * What an open file's path is worth (sluicectl files, and the registry's
 * last path, by which a restart looks for it).  A file renamed while open
 * keeps its descriptor; its new name comes from the IN_MOVED_FROM and
 * IN_MOVED_TO pair of the rename when both directories are watched, else
 * from a search by inode at the scan (tailer_check_names).  A name that
 * cannot be found is shown as such, never as the old name, which may be
 * the new file's.
 */
enum tailer_name {
	TAILER_NAMED,		/* path is its name */
	TAILER_STALE,		/* renamed or unlinked: look at the scan */
	TAILER_RENAMED,		/* renamed, its new name not found */
	TAILER_DELETED		/* no name left: held open only */
};

struct tailer_file {
	struct tailer		*t;
	char			*path;
	int			 fd;
	dev_t			 dev;
	ino_t			 ino;
	uint64_t		 consumed;	/* end of settled bytes */
	uint64_t		 read_off;	/* next byte to read */
	uint64_t		 size;		/* at the last fstat */
	struct registry_entry	*re;		/* its entry, saved offset */
	uint64_t		 fp;		/* fingerprint of the head */
	uint32_t		 fplen;
	char			 tail[TAILER_TAIL_MAX]; /* last bytes read, */
	uint32_t		 taillen;	/* ending at tailoff: */
	uint64_t		 tailoff;	/* see tailer_tail_changed */
	int			 matched;	/* matched the last scan */
	enum tailer_name	 name;		/* what path is worth */
	uint64_t		 unmatched_since;
	struct timespec		 mtime;		/* at the last look */
	uint64_t		 active_ms;	/* when it last grew */
	time_t			 last_read;	/* wall clock, for status */
	int			 opened;	/* had a descriptor once */
	int			 first;		/* found by the first scan */
	int			 resumed;	/* found off the pattern, to read */
	int			 waiting;	/* on waitq */
	char			*unreadable;	/* why open fails, or NULL */
	int			 copycheck;	/* see tailer_copy_start */
	int			 logstart;	/* its start not logged yet */
	uint64_t		 copyoff;
	uint64_t		 copy_since;
	TAILQ_ENTRY(tailer_file) wentry;
	int			 ready;		/* may have bytes to read */
	uint64_t		 cycle;		/* last read in this cycle */
	struct framer		*framer;
	struct tailer_file	*next;
};

struct tailer_dir {
	int	 wd;
	char	*path;
};

/* A directory of the pattern that cannot be read or watched. */
struct tailer_baddir {
	char	*path;
	char	*reason;
	int	 seen;		/* in this scan */
};

/*
 * A chained hash index of pointers by a 64-bit hash, which grows with
 * what it holds: a lookup costs the same with 10 files as with 10,000.
 * The caller compares the real key of each node of the hash.
 */
struct tailer_node {
	uint64_t		 h;
	void			*p;
	struct tailer_node	*next;
};

struct tailer_idx {
	struct tailer_node	**b;
	size_t			  nb;		/* a power of two, or 0 */
	size_t			  n;
};

struct tailer {
	struct tailer_params	 p;
	char			*flow;
	char			*pattern;
	struct framer_stats	 stats;		/* all files' framers */
	uint64_t		 truncated_seen;	/* published */
	uint64_t		 runaway_seen;		/* published */
	struct loop		*loop;
	int			 ifd;
	int			 polling;
	struct tailer_dir	*dirs;
	size_t			 ndirs;
	struct tailer_baddir	*baddirs;
	size_t			 nbaddirs;
	uint64_t		 unr_since;	/* something unreadable, or 0 */
	uint64_t		 unr_logged;
	struct tailer_file	*files;
	struct tailer_idx	 byid;		/* files by dev, ino */
	struct tailer_idx	 bypath;	/* files by path */
	struct tailer_idx	 dirpath;	/* watched dirs: path to wd */
	TAILQ_HEAD(, tailer_file) waitq;	/* for a descriptor, in turn */
	size_t			 nopen;
	size_t			 nwaiting;
	size_t			 limit;		/* max_open, or less: */
						/* lowered at EMFILE */
	uint64_t		 nofd_since;	/* out of descriptors, or 0 */
	uint64_t		 nofd_logged;
	uint64_t		 nofd_failures;
	int			 nofd_now;	/* in this scan */
	uint64_t		 cap_since;	/* files wait at max_open, or 0 */
	uint64_t		 cap_logged;
	uint64_t		 cap_last;	/* when files last waited */
	char			*buf;
	struct loop_timer	*scan_timer;
	struct loop_timer	*work_timer;
	struct loop_timer	*expire_timer;	/* multi-line flush */
	uint64_t		 cycle;		/* see tailer_work */
	uint64_t		 turn_end;	/* when this turn stops */
	int			 paused;
	int			 busy;		/* counted in tailer_nbusy */
	size_t			 readsize;	/* of a pread, this turn */
	int			 first_scan;
	struct registry		*reg;
	int			 first_start;	/* no registry: initialPosition */
	int			 refused;	/* a newer registry: read nothing */
	uint64_t		 rotcap_since;	/* at max_rotated, or 0 */
	struct {				/* IN_MOVED_FROM, waiting */
		uint32_t	 cookie;	/* for its IN_MOVED_TO */
		dev_t		 dev;
		ino_t		 ino;
	}			 moves[TAILER_MOVES];
	size_t			 nextmove;
	int			 moved_in;	/* a rename in, unpaired */
	struct {				/* see tailer_copy_offset */
		uint64_t	 fp;		/* of CHECKPOINT_FP_MAX bytes */
		uint64_t	 offset;	/* read before the truncation */
	}			 heads[TAILER_HEADS];
	size_t			 nexthead;
};

static void	tailer_scan(struct tailer *);
static uint64_t	tailer_turn_ms(struct tailer *);
static void	tailer_set_busy(struct tailer *, int);
static void	tailer_idx_add(struct tailer_idx *, uint64_t, void *);
static uint64_t	tailer_scan_ms(struct tailer *);
static void	tailer_arm_expire(struct tailer *, struct tailer_file *);
static size_t	tailer_close_idle(struct tailer *, size_t, uint64_t, int);
static int	tailer_locate(struct tailer *, struct tailer_file *,
		    struct stat *);
static void	tailer_keep_tail(struct tailer_file *, const char *, size_t,
		    uint64_t);

static uint64_t
tailer_mix(uint64_t h)
{
	/* The splitmix64 finalizer: inode numbers are dense. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return (h ^ (h >> 31));
}

static uint64_t
tailer_hash_id(uint64_t dev, uint64_t ino)
{
	return (tailer_mix(ino ^ tailer_mix(dev)));
}

static uint64_t
tailer_hash_str(const char *str)
{
	uint64_t	h = 14695981039346656037ULL;

	for (; *str != '\0'; str++)
		h = (h ^ (unsigned char)*str) * 1099511628211ULL;
	return (tailer_mix(h));
}

static void
tailer_idx_grow(struct tailer_idx *x)
{
	struct tailer_node	**nb, *n, *next;
	size_t			  size, i;

	size = x->nb == 0 ? 64 : x->nb * 2;
	nb = xcalloc(size, sizeof *nb);
	for (i = 0; i < x->nb; i++) {
		for (n = x->b[i]; n != NULL; n = next) {
			next = n->next;
			n->next = nb[n->h & (size - 1)];
			nb[n->h & (size - 1)] = n;
		}
	}
	free(x->b);
	x->b = nb;
	x->nb = size;
}

static void
tailer_idx_add(struct tailer_idx *x, uint64_t h, void *p)
{
	struct tailer_node	*n;

	if (x->n >= x->nb)
		tailer_idx_grow(x);
	n = xmalloc(sizeof *n);
	n->h = h;
	n->p = p;
	n->next = x->b[h & (x->nb - 1)];
	x->b[h & (x->nb - 1)] = n;
	x->n++;
}

static void
tailer_idx_del(struct tailer_idx *x, uint64_t h, void *p)
{
	struct tailer_node	**pp, *n;

	if (x->nb == 0)
		return;
	for (pp = &x->b[h & (x->nb - 1)]; (n = *pp) != NULL;
	    pp = &n->next) {
		if (n->h == h && n->p == p) {
			*pp = n->next;
			free(n);
			x->n--;
			return;
		}
	}
}

/* The first node of hash h, then the next with tailer_idx_next. */
static struct tailer_node *
tailer_idx_next(struct tailer_node *n, uint64_t h)
{
	for (; n != NULL; n = n->next)
		if (n->h == h)
			return (n);
	return (NULL);
}

static struct tailer_node *
tailer_idx_first(struct tailer_idx *x, uint64_t h)
{
	if (x->nb == 0)
		return (NULL);
	return (tailer_idx_next(x->b[h & (x->nb - 1)], h));
}

static void
tailer_idx_clear(struct tailer_idx *x)
{
	struct tailer_node	*n, *next;
	size_t			 i;

	for (i = 0; i < x->nb; i++) {
		for (n = x->b[i]; n != NULL; n = next) {
			next = n->next;
			free(n);
		}
	}
	free(x->b);
	memset(x, 0, sizeof *x);
}

/* Sets f's path, keeping the path index. */
static void
tailer_set_path(struct tailer *t, struct tailer_file *f, const char *path)
{
	if (f->path != NULL) {
		tailer_idx_del(&t->bypath, tailer_hash_str(f->path), f);
		free(f->path);
	}
	f->path = xstrdup(path);
	tailer_idx_add(&t->bypath, tailer_hash_str(f->path), f);
}

/* The files whose path is path, then the next with tailer_path_next. */
static struct tailer_file *
tailer_path_next(struct tailer_node *n, const char *path, uint64_t h,
    struct tailer_node **np)
{
	for (n = tailer_idx_next(n, h); n != NULL;
	    n = tailer_idx_next(n->next, h)) {
		if (strcmp(((struct tailer_file *)n->p)->path, path) == 0) {
			*np = n;
			return (n->p);
		}
	}
	return (NULL);
}

static struct tailer_file *
tailer_path_first(struct tailer *t, const char *path, struct tailer_node **np)
{
	uint64_t	h = tailer_hash_str(path);

	if (t->bypath.nb == 0)
		return (NULL);
	return (tailer_path_next(t->bypath.b[h & (t->bypath.nb - 1)], path,
	    h, np));
}

/*
 * Marks the other files still called path as renamed: their name is not
 * theirs any more (a new file has it, or a rename went over it).
 */
static void
tailer_unname(struct tailer *t, const char *path, struct tailer_file *keep)
{
	struct tailer_node	*n;
	struct tailer_file	*g;

	for (g = tailer_path_first(t, path, &n); g != NULL;
	    g = tailer_path_next(n->next, path, n->h, &n))
		if (g != keep && g->name == TAILER_NAMED)
			g->name = TAILER_STALE;
}

/* path is f's name now (a scan, or a rename seen). */
static void
tailer_name(struct tailer *t, struct tailer_file *f, const char *path)
{
	if (strcmp(f->path, path) != 0)
		tailer_set_path(t, f, path);
	f->name = TAILER_NAMED;
	tailer_unname(t, path, f);
}

/* registry_lookup, by f's identity: same inode and first bytes. */
static struct registry_entry *
tailer_reg_lookup(struct tailer *t, struct tailer_file *f)
{
	struct registry_entry	*e;

	if ((e = registry_find(t->reg, f->dev, f->ino)) == NULL ||
	    !registry_entry_is_file(e, f->fd, 0))
		return (NULL);
	return (e);
}

/* Marks f as having bytes to read, and asks for a turn (tailer_work). */
static void
tailer_wake(struct tailer *t, struct tailer_file *f)
{
	f->ready = 1;
	/* While paused, the pause timer is the next turn. */
	if (!t->paused && !loop_timer_is_armed(t->work_timer))
		loop_timer_set(t->work_timer, 0);
}

/* The framer's callback: a record, and the file it came from. */
static int
tailer_emit(void *arg, const char *rec, size_t len)
{
	struct tailer_file	*f = arg;

	return (f->t->p.emit(f->t->p.arg, f->path, rec, len));
}

/* The Kinesis Agent never tails compressed rotations; neither do we. */
static int
tailer_is_compressed(const char *path)
{
	static const char *const exts[] = {
		".gz", ".bz2", ".xz", ".zst", ".zip", NULL
	};
	size_t	plen, elen;
	int	i;

	plen = strlen(path);
	for (i = 0; exts[i] != NULL; i++) {
		elen = strlen(exts[i]);
		if (plen >= elen &&
		    strcasecmp(path + plen - elen, exts[i]) == 0)
			return (1);
	}
	return (0);
}

/* Puts f at the end of the queue for a descriptor. */
static void
tailer_wait(struct tailer *t, struct tailer_file *f)
{
	if (f->waiting)
		return;
	TAILQ_INSERT_TAIL(&t->waitq, f, wentry);
	f->waiting = 1;
	t->nwaiting++;
}

static void
tailer_unwait(struct tailer *t, struct tailer_file *f)
{
	if (!f->waiting)
		return;
	TAILQ_REMOVE(&t->waitq, f, wentry);
	f->waiting = 0;
	t->nwaiting--;
}

static void
tailer_file_free(struct tailer_file *f)
{
	if (f->fd != -1) {
		close(f->fd);
		f->t->nopen--;
	}
	tailer_unwait(f->t, f);
	tailer_idx_del(&f->t->byid, tailer_hash_id(f->dev, f->ino), f);
	tailer_idx_del(&f->t->bypath, tailer_hash_str(f->path), f);
	framer_free(f->framer);
	free(f->unreadable);
	free(f->path);
	free(f);
}

/* Refreshes the cached fingerprint while the head is still growing. */
static void
tailer_update_fp(struct tailer_file *f)
{
	uint64_t	fp;
	uint32_t	len;

	if (f->fplen >= CHECKPOINT_FP_MAX && f->fp != 0)
		return;
	len = f->size < CHECKPOINT_FP_MAX ? (uint32_t)f->size :
	    CHECKPOINT_FP_MAX;
	if (len == f->fplen && f->fp != 0)
		return;
	if (checkpoint_fingerprint_n(f->fd, len, &fp, &len) == 0) {
		f->fp = fp;
		f->fplen = len;
	}
}

/* Where a file known to the registry resumes: its offset, if it fits. */
static uint64_t
tailer_resume_offset(struct tailer *t, const char *path,
    const struct registry_entry *e, uint64_t size)
{
	if (e->offset > size) {
		log_warnx("flow=%s file=%s: saved offset %llu is past the end "
		    "(%llu bytes); reading from 0", t->flow, path,
		    (unsigned long long)e->offset, (unsigned long long)size);
		return (0);
	}
	return (e->offset);
}

/*
 * Finds where a file starts: its registry entry (same inode and first
 * bytes; else a reused inode), or initialPosition on the flow's very first
 * scan, or 0: a file that appeared later, or was rotated in while sluiced
 * was stopped, is read whole.
 */
/*
 * Whether a head of fplen bytes that a file of fsize bytes shares with a
 * file of esize bytes makes it a copy of that file.  Two files of a flow
 * may well start with the same bytes (a header line each program writes
 * first): a short head proves nothing.  A full CHECKPOINT_FP_MAX bytes
 * does, as does a head that is the whole of both files so far (a copy of
 * a short file, which has nothing else to go by).  A wrong match would
 * skip bytes; a missed one only sends the copy again.
 */
static int
tailer_is_copy(uint32_t fplen, uint64_t esize, uint64_t fsize)
{
	return (fplen >= CHECKPOINT_FP_MAX ||
	    (fplen > 0 && esize == fplen && fsize == fplen));
}

/*
 * Where a file that has no entry of its own starts if it is a copy of one
 * whose bytes were read (copytruncate with a pattern such as app.log*
 * that matches the copy too): the offset already reached, or 0.  Looked
 * for among the files open now (their offset is the latest), the heads
 * of files truncated since (the copy may be found after the truncation),
 * and the registry (a copy made while sluiced was stopped).
 */
static uint64_t
tailer_copy_offset(struct tailer *t, struct tailer_file *f)
{
	struct tailer_file	*g;
	struct registry_entry	*e;
	uint64_t		 fp, off;
	uint32_t		 len;
	size_t			 i;

	if (checkpoint_fingerprint_n(f->fd, CHECKPOINT_FP_MAX, &fp,
	    &len) == -1)
		return (0);
	for (g = t->files; g != NULL; g = g->next) {
		if (g == f || g->fp != fp || g->fplen != len ||
		    g->consumed == 0 || !tailer_is_copy(len, g->size, f->size))
			continue;
		off = g->consumed;
		goto found;
	}
	for (i = 0; i < TAILER_HEADS && len == CHECKPOINT_FP_MAX; i++) {
		if (t->heads[i].offset == 0 || t->heads[i].fp != fp)
			continue;
		off = t->heads[i].offset;
		goto found;
	}
	/*
	 * Not registry_lookup_fp: its first match may be a short head that
	 * proves nothing while a later entry has the full one.
	 */
	for (i = 0; i < registry_count(t->reg); i++) {
		e = registry_entry_at(t->reg, i);
		/* Its hash first: no read for entries of other heads. */
		if (e->fplen != len || e->fp != fp || e->offset == 0 ||
		    !tailer_is_copy(e->fplen, e->size, f->size) ||
		    !registry_entry_is_file(e, f->fd, 0))
			continue;
		off = e->offset;
		goto found;
	}
	return (0);
found:
	return (off);
}

/* Reads the len bytes of f that end at end into b: pread's result. */
static ssize_t
tailer_read_before(struct tailer_file *f, char *b, size_t len, uint64_t end)
{
	ssize_t	n;

	do
		n = pread(f->fd, b, len, end - len);
	while (n == -1 && errno == EINTR);
	return (n);
}

/*
 * A copy goes on from f->read_off: the bytes before it, read in the file
 * it copies, are its tail (tailer_tail_changed), so that it is told by
 * its content if truncated and written again before it grows.
 */
static void
tailer_copy_tail(struct tailer *t, struct tailer_file *f)
{
	char	b[TAILER_TAIL_MAX];
	size_t	want;
	ssize_t	n;

	want = f->read_off < sizeof b ? (size_t)f->read_off : sizeof b;
	if ((n = tailer_read_before(f, b, want, f->read_off)) == -1) {
		log_warn("flow=%s file=%s: read", t->flow, f->path);
		return;
	}
	if ((size_t)n == want && want > 0)
		tailer_keep_tail(f, b, want, f->read_off - want);
}

/*
 * A new file's first read, once it has bytes (f->copycheck): a copy of a
 * file already read goes on from the offset reached there.  cp may still
 * be writing it: until it has that many bytes, or stops growing for
 * TAILER_PAUSE_MS (the original had grown after the copy), or
 * TAILER_COPY_WAIT_MS pass, nothing is read (a copy is read from where
 * cp stood, not after it).  Returns 1 while it waits.
 */
static int
tailer_copy_start(struct tailer *t, struct tailer_file *f)
{
	uint64_t	now = loop_now_ms(), off;

	if (f->read_off != 0)
		off = 0;	/* initialPosition */
	else {
		if (f->copy_since == 0) {
			f->copy_since = now;
			f->copyoff = tailer_copy_offset(t, f);
		}
		off = f->copyoff;
		if (off > f->size && now - f->active_ms < TAILER_PAUSE_MS &&
		    now - f->copy_since < TAILER_COPY_WAIT_MS)
			return (1);
	}
	f->copycheck = 0;
	if (off == 0) {
		if (f->logstart)
			log_info("flow=%s file=%s: tailing from offset %llu",
			    t->flow, f->path, (unsigned long long)f->read_off);
		f->logstart = 0;
		return (0);
	}
	if (off > f->size)
		off = f->size;
	log_info("flow=%s file=%s: a copy of a file read to offset %llu; "
	    "%s from there", t->flow, f->path, (unsigned long long)off,
	    f->logstart ? "tailing" : "going on");
	f->logstart = 0;
	framer_reset(f->framer, 0);
	f->consumed = f->read_off = off;
	f->taillen = 0;
	tailer_copy_tail(t, f);
	return (0);
}

static uint64_t
tailer_start_offset(struct tailer *t, struct tailer_file *f)
{
	if ((f->re = tailer_reg_lookup(t, f)) != NULL &&
	    f->re->offset > 0)
		return (tailer_resume_offset(t, f->path, f->re, f->size));
	/*
	 * It may be a copy of a file already read, being written by cp
	 * still: tailer_read_file looks once it has bytes.  So may a file
	 * saved before it was read at all (a crash while its copy check
	 * waited for cp).
	 */
	f->copycheck = 1;
	if (f->re != NULL)
		return (0);
	/* f->size is still the size the first scan saw. */
	if (f->first && t->first_start && t->p.start_at_end)
		return (f->size);
	return (0);
}

static struct tailer_file *
tailer_find(struct tailer *t, dev_t dev, ino_t ino)
{
	struct tailer_node	*n;
	struct tailer_file	*f;
	uint64_t		 h = tailer_hash_id(dev, ino);

	for (n = tailer_idx_first(&t->byid, h); n != NULL;
	    n = tailer_idx_next(n->next, h)) {
		f = n->p;
		if (f->dev == dev && f->ino == ino)
			return (f);
	}
	return (NULL);
}

/*
 * A new tailer_file for path, known by its stat until it gets a
 * descriptor (tailer_open): it waits for one, at the list's head.
 */
static struct tailer_file *
tailer_file_new(struct tailer *t, const char *path, const struct stat *st)
{
	struct tailer_file	*f;

	f = xcalloc(1, sizeof *f);
	f->t = t;
	tailer_set_path(t, f, path);
	f->fd = -1;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	tailer_idx_add(&t->byid, tailer_hash_id(f->dev, f->ino), f);
	f->size = st->st_size;
	f->mtime = st->st_mtim;
	f->active_ms = loop_now_ms();
	f->framer = framer_create(t->p.framer, 1, &t->stats);
	f->next = t->files;
	t->files = f;
	tailer_wait(t, f);
	return (f);
}

/* Whether an errno means "no descriptor (or memory) now": retry later. */
static int
tailer_errno_is_nofd(int e)
{
	return (e == EMFILE || e == ENFILE || e == ENOMEM);
}

/*
 * Out of descriptors or memory: the files wait and are retried, at the
 * latest at the next scan.  Logged when it starts, as a summary while it
 * lasts and when it ends (tailer_nofd_end): never per file or per scan.
 */
static void
tailer_nofd(struct tailer *t, const char *what, const char *path, int err)
{
	uint64_t	now = loop_now_ms();

	t->nofd_now = 1;
	t->nofd_failures++;
	/*
	 * The spool, the control socket and the other flows need some too:
	 * hold fewer (a quarter less, grown back one a scan once it passes)
	 * and close files read to their end to be under it.
	 */
	if (t->limit > t->nopen * 3 / 4) {
		t->limit = t->nopen * 3 / 4 > 0 ? t->nopen * 3 / 4 : 1;
		if (t->nopen > t->limit)
			tailer_close_idle(t, t->nopen - t->limit, 0, 1);
	}
	if (t->nofd_since == 0) {
		t->nofd_since = t->nofd_logged = now;
		log_warnx("flow=%s: %s %s: %s; files wait for a descriptor "
		    "and none is skipped", t->flow, what, path,
		    strerror(err));
	} else if (now - t->nofd_logged >= t->p.summary_ms) {
		t->nofd_logged = now;
		log_warnx("flow=%s: still out of descriptors: %llu failures "
		    "in %llu s, %zu files waiting, %zu open", t->flow,
		    (unsigned long long)t->nofd_failures,
		    (unsigned long long)(now - t->nofd_since) / 1000,
		    t->nwaiting, t->nopen);
	}
}

static void
tailer_nofd_end(struct tailer *t)
{
	if (t->nofd_since == 0)
		return;
	log_info("flow=%s: descriptors available again after %llu s "
	    "(%llu failures), %zu files waiting", t->flow,
	    (unsigned long long)(loop_now_ms() - t->nofd_since) / 1000,
	    (unsigned long long)t->nofd_failures, t->nwaiting);
	t->nofd_since = 0;
	t->nofd_failures = 0;
}

/*
 * Files waiting at max_open: logged when it starts, as a summary while it
 * lasts, and when none has waited for a summary period (with many busy
 * files it comes and goes with every burst of writes).
 */
static void
tailer_log_cap(struct tailer *t, uint64_t now)
{
	if (t->nwaiting > 0 && t->nopen >= t->limit) {
		t->cap_last = now;
		if (t->cap_since == 0) {
			t->cap_since = t->cap_logged = now;
			log_info("flow=%s: %zu files open (maxOpenFiles); "
			    "%zu more wait their turn", t->flow, t->nopen,
			    t->nwaiting);
		} else if (now - t->cap_logged >= t->p.summary_ms) {
			t->cap_logged = now;
			log_info("flow=%s: files still wait for a descriptor "
			    "(%zu now, %zu open)", t->flow, t->nwaiting,
			    t->nopen);
		}
	} else if (t->cap_since != 0 && t->nwaiting == 0 &&
	    now - t->cap_last >= t->p.summary_ms) {
		log_info("flow=%s: no file has waited for a descriptor for "
		    "%d s (it lasted %llu s)", t->flow,
		    (int)(t->p.summary_ms / 1000),
		    (unsigned long long)(t->cap_last - t->cap_since) / 1000);
		t->cap_since = 0;
	}
}

/* Whether a closed file changed since it was closed. */
static int
tailer_has_changed(const struct tailer_file *f, const struct stat *st)
{
	return ((uint64_t)st->st_size != f->size ||
	    st->st_mtim.tv_sec != f->mtime.tv_sec ||
	    st->st_mtim.tv_nsec != f->mtime.tv_nsec);
}

/*
 * A file the scan found.  On the flow's very first start with
 * initialPosition END_OF_FILE, a file of the first scan starts at the
 * size seen now; it gets its registry entry at once (identity by inode
 * alone: the fingerprint needs a descriptor), so that a restart before
 * it is opened still starts it there, not at 0.
 */
static void
tailer_add_file(struct tailer *t, const char *path, const struct stat *st)
{
	struct tailer_file	*f;
	uint64_t		 fp;
	uint32_t		 fplen;

	f = tailer_file_new(t, path, st);
	f->matched = 1;
	f->first = t->first_scan;
	tailer_unname(t, path, f);
	/* The fingerprint of no bytes: it reads nothing. */
	if (f->first && t->first_start && t->p.start_at_end &&
	    checkpoint_fingerprint_n(-1, 0, &fp, &fplen) == 0)
		f->re = registry_add(t->reg, f->dev, f->ino, fp, fplen,
		    f->size, f->size, path);
}

/*
 * f's inode has an entry of other first bytes (truncated in place, then a
 * restart): the entry's head is kept as a truncation's, so that a copy of
 * the old bytes found later goes on from its offset.
 */
static void
tailer_keep_old_head(struct tailer *t, struct tailer_file *f)
{
	struct registry_entry	*e;

	if ((e = registry_find(t->reg, f->dev, f->ino)) == NULL)
		return;
	if (e->fplen == CHECKPOINT_FP_MAX && e->offset > 0) {
		t->heads[t->nexthead].fp = e->fp;
		t->heads[t->nexthead].offset = e->offset;
		t->nexthead = (t->nexthead + 1) % TAILER_HEADS;
	}
}

/*
 * The first open of a file resumed from its registry entry (at a start):
 * the last bytes read, the entry's tail, must still be in the file.  If
 * not, the file was truncated and written again past the offset while
 * sluiced was stopped, with the same first bytes (a banner): it is read
 * from 0, and the bytes it was known to have unread are lost to the
 * truncation (invariant 4).  If so, they become f's tail, checked before
 * every read as if the file had been open all along.
 */
static void
tailer_check_saved_tail(struct tailer *t, struct tailer_file *f)
{
	struct registry_entry	*e = f->re;
	char			 b[TAILER_TAIL_MAX];
	uint64_t		 lost;
	ssize_t			 n;

	if (e == NULL || e->taillen == 0 || e->taillen > sizeof b ||
	    f->consumed != e->offset || e->tailend < e->taillen)
		return;
	if ((n = tailer_read_before(f, b, e->taillen, e->tailend)) == -1) {
		log_warn("flow=%s file=%s: read", t->flow, f->path);
		return;
	}
	if ((size_t)n == e->taillen && registry_tail_hash(b, n) == e->tail) {
		memcpy(f->tail, b, n);
		f->taillen = n;
		f->tailoff = e->tailend;
		return;
	}
	lost = e->size > e->offset ? e->size - e->offset : 0;
	log_warnx("flow=%s file=%s: truncated and written again while "
	    "sluiced was stopped (the bytes read before offset %llu "
	    "changed); reading from 0 (%llu unread bytes lost)", t->flow,
	    f->path, (unsigned long long)e->tailend,
	    (unsigned long long)lost);
	if (t->p.metrics != NULL)
		metrics_add(t->p.metrics, METRICS_BYTES_LOST, lost);
	f->consumed = f->read_off = 0;
	f->taillen = 0;
}

/* The first open: where to start, as if it had been open all along. */
static void
tailer_open_new(struct tailer *t, struct tailer_file *f,
    const struct stat *st)
{
	f->consumed = f->read_off = tailer_start_offset(t, f);
	tailer_check_saved_tail(t, f);
	framer_reset(f->framer, f->consumed == 0);
	f->size = st->st_size;
	tailer_update_fp(f);
	if (f->re == NULL) {
		tailer_keep_old_head(t, f);
		f->re = registry_add(t->reg, f->dev, f->ino, f->fp, f->fplen,
		    f->consumed, f->size, f->path);
	}
	/* A copy's offset is known at its first read: logged then. */
	if (f->copycheck && f->consumed == 0 && f->size > 0)
		f->logstart = 1;
	else
		log_info("flow=%s file=%s: tailing from offset %llu", t->flow,
		    f->path, (unsigned long long)f->consumed);
}

/*
 * A reopen, of the same inode: unless its first bytes changed too (a
 * reused inode, or truncated and rewritten while closed), it goes on from
 * its offset.
 */
static void
tailer_open_again(struct tailer *t, struct tailer_file *f)
{
	uint64_t	fp;
	uint32_t	len;

	if (f->fplen == 0)
		return;
	if (checkpoint_fingerprint_n(f->fd, f->fplen, &fp, &len) == 0 &&
	    len == f->fplen && fp == f->fp)
		return;
	log_warnx("flow=%s file=%s: its first bytes changed while it was "
	    "closed; reading from 0", t->flow, f->path);
	framer_reset(f->framer, 1);
	f->consumed = f->read_off = 0;
	f->fp = 0;
	f->fplen = 0;
	f->taillen = 0;
}

/*
 * Why path, a file or a directory, cannot be read, and what fixes it: for
 * a permission, the group that may read it if there is one (not root's),
 * else its permissions to check.  Returns a new string.
 */
static char *
tailer_reason(const char *path, int err, int dir)
{
	struct stat	 st;
	struct group	 gr, *grp = NULL;
	struct passwd	 pw, *pwp = NULL;
	char		 gbuf[4096], pbuf[4096], *r;
	mode_t		 need = dir ? S_IRGRP | S_IXGRP : S_IRGRP;

	if (err != EACCES && err != EPERM) {
		xasprintf(&r, "%s", strerror(err));
		return (r);
	}
	if (stat(path, &st) == 0 && st.st_gid != 0 &&
	    (st.st_mode & need) == need &&
	    getgrgid_r(st.st_gid, &gr, gbuf, sizeof gbuf, &grp) == 0 &&
	    grp != NULL) {
		if (getpwuid_r(geteuid(), &pw, pbuf, sizeof pbuf, &pwp) != 0)
			pwp = NULL;
		xasprintf(&r, "permission denied: add the sluice user%s%s%s "
		    "to group %s", pwp != NULL ? " (" : "",
		    pwp != NULL ? pwp->pw_name : "", pwp != NULL ? ")" : "",
		    grp->gr_name);
	} else if (dir || stat(path, &st) == -1)
		xasprintf(&r, "permission denied: check the permissions of %s",
		    path);
	else
		xasprintf(&r, "permission denied: check the permissions of %s "
		    "(mode %04o, uid %lu, gid %lu)", path,
		    (unsigned int)(st.st_mode & 07777),
		    (unsigned long)st.st_uid, (unsigned long)st.st_gid);
	return (r);
}

/*
 * f could not be opened, for err: it stays listed, with the reason, and
 * is retried at each scan.  Logged when it starts (here), as a summary
 * while anything stays unreadable (tailer_log_unreadable), and when it
 * ends (tailer_open): never per scan.
 */
static void
tailer_unreadable(struct tailer *t, struct tailer_file *f, int err)
{
	if (f->unreadable != NULL)
		return;
	f->unreadable = tailer_reason(f->path, err, 0);
	log_warnx("flow=%s file=%s: cannot open: %s; retried at each scan",
	    t->flow, f->path, f->unreadable);
}

/* Like tailer_unreadable, for a directory of the pattern. */
static void
tailer_baddir(struct tailer *t, const char *dir, int err)
{
	struct tailer_baddir	*b;
	size_t			 i;

	for (i = 0; i < t->nbaddirs; i++) {
		if (strcmp(t->baddirs[i].path, dir) == 0) {
			t->baddirs[i].seen = 1;
			return;
		}
	}
	t->baddirs = xreallocarray(t->baddirs, t->nbaddirs + 1,
	    sizeof *t->baddirs);
	b = &t->baddirs[t->nbaddirs++];
	b->path = xstrdup(dir);
	b->reason = tailer_reason(dir, err, 1);
	b->seen = 1;
	log_warnx("flow=%s dir=%s: cannot read: %s; retried at each scan",
	    t->flow, dir, b->reason);
}

/*
 * After a scan: the directories it could read again are logged and
 * forgotten, and a summary is logged while anything stays unreadable.
 */
static void
tailer_log_unreadable(struct tailer *t, uint64_t now)
{
	struct tailer_file	*f;
	size_t			 i, nfiles = 0;

	for (i = 0; i < t->nbaddirs;) {
		if (t->baddirs[i].seen) {
			i++;
			continue;
		}
		log_info("flow=%s dir=%s: readable again", t->flow,
		    t->baddirs[i].path);
		free(t->baddirs[i].path);
		free(t->baddirs[i].reason);
		t->baddirs[i] = t->baddirs[--t->nbaddirs];
	}
	for (f = t->files; f != NULL; f = f->next)
		if (f->unreadable != NULL)
			nfiles++;
	if (nfiles == 0 && t->nbaddirs == 0)
		t->unr_since = 0;
	else if (t->unr_since == 0)
		t->unr_since = t->unr_logged = now;
	else if (now - t->unr_logged >= t->p.summary_ms) {
		t->unr_logged = now;
		log_warnx("flow=%s: still unreadable after %llu s: %zu "
		    "files, %zu directories (sluicectl files lists them)",
		    t->flow, (unsigned long long)(now - t->unr_since) / 1000,
		    nfiles, t->nbaddirs);
	}
}

/*
 * Gives f, which waits, a descriptor.  Returns -1 if there is none to be
 * had (f waits on), or 0: f is open, or it could not be opened, or its
 * path names another file now (the next scan finds it under its new name,
 * or finds it gone).
 */
static int
tailer_open(struct tailer *t, struct tailer_file *f)
{
	struct stat	st;
	int		fd, tries;

	/* Renamed since it was seen: found by inode, once. */
	for (tries = 0;; tries++) {
		fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd == -1 && tailer_errno_is_nofd(errno)) {
			tailer_nofd(t, "open", f->path, errno);
			return (-1);
		}
		if (fd == -1 && errno != ENOENT) {
			tailer_unreadable(t, f, errno);
			tailer_unwait(t, f);	/* the next scan tries again */
			return (0);
		}
		if (fd != -1 && fstat(fd, &st) == 0 && st.st_dev == f->dev &&
		    st.st_ino == f->ino)
			break;
		if (fd != -1)
			close(fd);
		if (tries == 0 && tailer_locate(t, f, NULL))
			continue;
		tailer_unwait(t, f);
		loop_timer_set(t->scan_timer, 0);
		return (0);
	}
	tailer_unwait(t, f);
	if (f->unreadable != NULL) {
		log_info("flow=%s file=%s: readable again", t->flow, f->path);
		free(f->unreadable);
		f->unreadable = NULL;
	}
	f->fd = fd;
	t->nopen++;
	f->mtime = st.st_mtim;
	f->active_ms = loop_now_ms();
	if (f->opened)
		tailer_open_again(t, f);
	else
		tailer_open_new(t, f, &st);
	f->opened = 1;
	return (0);
}

/*
 * Closes f, read to its end, to free its descriptor.  A partial last line
 * is read again from its start when f reopens.
 */
static void
tailer_close(struct tailer *t, struct tailer_file *f, const struct stat *st)
{
	f->size = st->st_size;
	f->mtime = st->st_mtim;
	framer_reset(f->framer, f->consumed == 0);
	f->read_off = f->consumed;
	close(f->fd);
	f->fd = -1;
	t->nopen--;
	log_debug("flow=%s file=%s: closed at offset %llu until it changes",
	    t->flow, f->path, (unsigned long long)f->consumed);
}

/*
 * Closes up to need files (still matched: rotated ones are
 * tailer_may_close's) that were read to their end and have not grown for
 * min_idle ms.  Files whose bytes are all settled go first; with partial,
 * so do files that end in a partial line.  Returns how many it closed.
 */
static size_t
tailer_close_idle(struct tailer *t, size_t need, uint64_t min_idle,
    int partial)
{
	struct tailer_file	*f;
	struct stat		 st;
	uint64_t		 now = loop_now_ms();
	size_t			 closed = 0;
	int			 pass;

	for (pass = 0; pass < (partial ? 2 : 1); pass++) {
		for (f = t->files; f != NULL && closed < need; f = f->next) {
			if (f->fd == -1 || !f->matched ||
			    now - f->active_ms < min_idle)
				continue;
			/* A multi-line record waits for its flush. */
			if (framer_deadline(f->framer) != 0)
				continue;
			if (pass == 0 && f->consumed != f->read_off)
				continue;
			if (fstat(f->fd, &st) == -1 ||
			    (uint64_t)st.st_size != f->read_off)
				continue;
			tailer_close(t, f, &st);
			closed++;
		}
	}
	return (closed);
}

/*
 * Gives descriptors to the waiting files, in turn, first closing files
 * read to their end if max_open leaves too few.  The files it opens are
 * read by the caller; if more wait, the next turn comes on the work timer.
 */
/*
 * Whether max_rotated rotated files (renamed out of the pattern or
 * deleted, still read while they grow) are open: then no other file is
 * opened until one is finished, so that they drain first; none is closed
 * unread.  Logged when it starts and when it ends.
 */
static int
tailer_rotated_cap(struct tailer *t)
{
	struct tailer_file	*f;
	size_t			 n = 0;

	if (t->p.max_rotated == 0)
		return (0);
	for (f = t->files; f != NULL; f = f->next)
		if (!f->matched && f->fd != -1)
			n++;
	if (n >= t->p.max_rotated) {
		if (t->rotcap_since == 0) {
			t->rotcap_since = loop_now_ms();
			log_info("flow=%s: %zu rotated files open "
			    "(maxOpenRotatedFiles); other files wait until "
			    "they are read and closed", t->flow, n);
		}
		return (1);
	}
	if (t->rotcap_since != 0) {
		log_info("flow=%s: fewer than %zu rotated files open after "
		    "%llu s; files are opened again", t->flow,
		    t->p.max_rotated, (unsigned long long)(loop_now_ms() -
		    t->rotcap_since) / 1000);
		t->rotcap_since = 0;
	}
	return (0);
}

static void
tailer_open_waiting(struct tailer *t)
{
	struct tailer_file	*f;
	int			 opened = 0;

	if (tailer_rotated_cap(t))
		return;
	if (t->nopen + t->nwaiting > t->limit)
		tailer_close_idle(t, t->nopen + t->nwaiting - t->limit, 0, 1);
	while ((f = TAILQ_FIRST(&t->waitq)) != NULL && t->nopen < t->limit) {
		if (tailer_open(t, f) == -1)
			break;		/* retried at the next scan */
		if (f->fd != -1) {
			f->ready = 1;
			opened = 1;
		}
	}
	if (opened && t->nwaiting > 0)
		loop_timer_set(t->work_timer, 0);
	tailer_log_cap(t, loop_now_ms());
}

/*
 * The watched directories are kept sorted by wd, found by binary search
 * for each inotify event, and by path through t->dirpath at each scan.
 * Returns the index of wd, or where it would go.
 */
static size_t
tailer_dir_index(struct tailer *t, int wd)
{
	size_t	lo = 0, hi = t->ndirs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->dirs[mid].wd < wd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

static int
tailer_is_watched(struct tailer *t, const char *dir)
{
	struct tailer_node	*n;
	uint64_t		 h = tailer_hash_str(dir);
	size_t			 i;
	int			 wd;

	for (n = tailer_idx_first(&t->dirpath, h); n != NULL;
	    n = tailer_idx_next(n->next, h)) {
		wd = (int)(intptr_t)n->p;
		i = tailer_dir_index(t, wd);
		if (i < t->ndirs && t->dirs[i].wd == wd &&
		    strcmp(t->dirs[i].path, dir) == 0)
			return (1);
	}
	return (0);
}

static void
tailer_watch_dir(struct tailer *t, const char *dir)
{
	size_t	i;
	int	wd;

	if (t->polling || t->ifd == -1 || tailer_is_watched(t, dir))
		return;
	wd = inotify_add_watch(t->ifd, dir, IN_MODIFY | IN_CREATE |
	    IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF |
	    IN_MOVE_SELF | IN_ATTRIB);
	if (wd == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return;
		/* Not a reason to poll: the scan cannot read it either. */
		if (errno == EACCES || errno == EPERM) {
			tailer_baddir(t, dir, errno);
			return;
		}
		/* Out of watches (ENOSPC) or similar: poll, lose nothing. */
		log_warn("flow=%s dir=%s: inotify_add_watch failed; "
		    "polling every %d ms instead", t->flow, dir,
		    TAILER_POLL_MS);
		t->polling = 1;
		return;
	}
	/* The same directory by another name (a symlink): one watch. */
	i = tailer_dir_index(t, wd);
	if (i < t->ndirs && t->dirs[i].wd == wd)
		return;
	t->dirs = xreallocarray(t->dirs, t->ndirs + 1, sizeof *t->dirs);
	memmove(&t->dirs[i + 1], &t->dirs[i], (t->ndirs - i) *
	    sizeof *t->dirs);
	t->dirs[i].wd = wd;
	t->dirs[i].path = xstrdup(dir);
	t->ndirs++;
	tailer_idx_add(&t->dirpath, tailer_hash_str(dir), (void *)(intptr_t)wd);
}

/* Watches every directory that the pattern's directory part matches. */
static void
tailer_watch_dirs(struct tailer *t)
{
	char	*copy, *dir;
	glob_t	 g;
	size_t	 i;

	copy = xstrdup(t->pattern);
	dir = dirname(copy);
	memset(&g, 0, sizeof g);
	if (glob(dir, GLOB_ONLYDIR | GLOB_BRACE | GLOB_NOSORT, NULL,
	    &g) == 0) {
		for (i = 0; i < g.gl_pathc; i++)
			tailer_watch_dir(t, g.gl_pathv[i]);
	}
	globfree(&g);
	free(copy);
}

/*
 * Where a file the tailer knows may be now, after renames it did not see
 * (sluiced was stopped, or the file had no descriptor yet): the search
 * scope.  logrotate's olddir moves the rotated file to a directory of its
 * own, most often below the log's or beside it ("olddir old", "olddir
 * ../archive"); the flow's pattern may match other directories.  So the
 * scope is the file's last directory, that directory's parent, the
 * pattern's directories, and the directories right below each of these:
 * one level, never deeper.  A file is found by inode from the names alone
 * (readdir's d_ino, no stat), by fingerprint at one open per candidate.
 * At most TAILER_SCOPE_DIRS directories and TAILER_SCOPE_FILES names are
 * looked at; past that, the search stops and says so (a start with 10,000
 * files lists each once).  The filesystem root is never a parent searched.
 */
#define TAILER_SCOPE_DIRS	256
#define TAILER_SCOPE_FILES	200000

struct tailer_sdir {
	char		*path;
	int		 base;		/* its subdirectories are in scope */
};

struct tailer_scope {
	struct tailer_sdir	*dirs;
	size_t			 ndirs;
	size_t			 nnames;
	int			 full;		/* a bound was reached */
};

/*
 * Called for each name of a directory in scope that is not a directory
 * itself (or is one, below the last level).  Returns 1 to stop the walk.
 */
typedef int	(*tailer_scope_cb)(void *arg, const char *path,
		    const struct dirent *de);

static void
tailer_scope_add(struct tailer_scope *s, const char *dir, int base)
{
	size_t	i;

	for (i = 0; i < s->ndirs; i++) {
		if (strcmp(s->dirs[i].path, dir) == 0) {
			s->dirs[i].base |= base;
			return;
		}
	}
	if (s->ndirs >= TAILER_SCOPE_DIRS) {
		s->full = 1;
		return;
	}
	s->dirs = xreallocarray(s->dirs, s->ndirs + 1, sizeof *s->dirs);
	s->dirs[s->ndirs].path = xstrdup(dir);
	s->dirs[s->ndirs].base = base;
	s->ndirs++;
}

/* The scope of files last seen at paths[0..n-1]; see above. */
static void
tailer_scope_init(struct tailer *t, struct tailer_scope *s,
    const char *const *paths, size_t n)
{
	char	*copy, *dir, *parent;
	glob_t	 g;
	size_t	 i;

	memset(s, 0, sizeof *s);
	copy = xstrdup(t->pattern);
	memset(&g, 0, sizeof g);
	if (glob(dirname(copy), GLOB_ONLYDIR | GLOB_BRACE | GLOB_NOSORT,
	    NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc; i++)
			tailer_scope_add(s, g.gl_pathv[i], 1);
	}
	globfree(&g);
	free(copy);
	for (i = 0; i < n; i++) {
		copy = xstrdup(paths[i]);
		dir = xstrdup(dirname(copy));
		tailer_scope_add(s, dir, 1);
		parent = dirname(dir);
		if (strcmp(parent, "/") != 0 && strcmp(parent, ".") != 0)
			tailer_scope_add(s, parent, 1);
		free(dir);
		free(copy);
	}
}

static void
tailer_scope_free(struct tailer_scope *s)
{
	size_t	i;

	for (i = 0; i < s->ndirs; i++)
		free(s->dirs[i].path);
	free(s->dirs);
}

/*
 * Lists every directory in scope, adding the subdirectories of the base
 * ones as it goes, and calls cb for each other name.  Returns 1 if cb
 * stopped the walk.
 */
static int
tailer_scope_walk(struct tailer *t, struct tailer_scope *s,
    tailer_scope_cb cb, void *arg)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		*path;
	size_t		 i;
	int		 isdir, stop = 0;

	for (i = 0; i < s->ndirs && !stop; i++) {
		if ((d = opendir(s->dirs[i].path)) == NULL) {
			if (errno != ENOENT && errno != ENOTDIR)
				log_warn("flow=%s dir=%s: opendir", t->flow,
				    s->dirs[i].path);
			continue;
		}
		while (!stop && (de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (++s->nnames > TAILER_SCOPE_FILES) {
				s->full = 1;
				stop = 1;
				break;
			}
			xasprintf(&path, "%s/%s", s->dirs[i].path,
			    de->d_name);
			isdir = de->d_type == DT_DIR;
			if (de->d_type == DT_UNKNOWN || de->d_type == DT_LNK)
				isdir = stat(path, &st) == 0 &&
				    S_ISDIR(st.st_mode);
			if (isdir && s->dirs[i].base)
				tailer_scope_add(s, path, 0);
			else if (!isdir)
				stop = cb(arg, path, de);
			free(path);
		}
		closedir(d);
	}
	return (stop);
}

/* tailer_locate's walk: the name of a file by its identity. */
struct tailer_locate {
	uint64_t	 dev;
	uint64_t	 ino;
	char		*found;
	struct stat	 st;
};

static int
tailer_locate_cb(void *arg, const char *path, const struct dirent *de)
{
	struct tailer_locate	*l = arg;

	if ((uint64_t)de->d_ino != l->ino || stat(path, &l->st) == -1 ||
	    (uint64_t)l->st.st_dev != l->dev ||
	    (uint64_t)l->st.st_ino != l->ino || !S_ISREG(l->st.st_mode))
		return (0);
	l->found = xstrdup(path);
	return (1);
}

/*
 * f's path names another file, or none: it was renamed before it got a
 * descriptor, or while it was closed.  Looks for it by inode in the
 * search scope of its last path.  Returns 1 with f's path set (and *st
 * its stat, if st is not NULL), or 0.
 */
static int
tailer_locate(struct tailer *t, struct tailer_file *f, struct stat *st)
{
	struct tailer_scope	 s;
	struct tailer_locate	 l;
	const char		*paths[1];

	memset(&l, 0, sizeof l);
	l.dev = f->dev;
	l.ino = f->ino;
	paths[0] = f->path;
	tailer_scope_init(t, &s, paths, 1);
	tailer_scope_walk(t, &s, tailer_locate_cb, &l);
	tailer_scope_free(&s);
	if (l.found == NULL)
		return (0);
	log_info("flow=%s file=%s: renamed while it had no descriptor; "
	    "now %s", t->flow, f->path, l.found);
	tailer_name(t, f, l.found);
	free(l.found);
	if (st != NULL)
		*st = l.st;
	return (1);
}

/* tailer_check_names's walk: the files to name, by inode. */
struct tailer_names {
	struct tailer		*t;
	struct tailer_idx	 byino;
	size_t			 left;
};

static int
tailer_names_cb(void *arg, const char *path, const struct dirent *de)
{
	struct tailer_names	*nm = arg;
	struct tailer_node	*n;
	struct tailer_file	*f;
	struct stat		 st;
	uint64_t		 h = tailer_mix(de->d_ino);
	int			 statted = 0;

	for (n = tailer_idx_first(&nm->byino, h); n != NULL;
	    n = tailer_idx_next(n->next, h)) {
		f = n->p;
		if (f->name == TAILER_NAMED || (uint64_t)f->ino != de->d_ino)
			continue;
		if (!statted && stat(path, &st) == -1)
			return (0);
		statted = 1;
		if (st.st_dev != f->dev || st.st_ino != f->ino ||
		    !S_ISREG(st.st_mode))
			continue;
		log_info("flow=%s file=%s: renamed while open; now %s",
		    nm->t->flow, f->path, path);
		tailer_name(nm->t, f, path);
		return (--nm->left == 0);
	}
	return (0);
}

/*
 * At a scan, the names of the open files the glob did not match: each is
 * checked (a stat; they are the rotated files held open, bounded by
 * maxOpenRotatedFiles), and the files whose name was lost, and not given
 * by a rename pair (tailer_moved), are looked for by inode in one walk of
 * the search scope of their last names (tailer_scope_init: bounded).  One
 * not found there is shown as renamed, under its last name, which the
 * registry keeps, and is looked for again only after an unpaired rename
 * into a watched directory; one with no name left, as deleted.
 */
static void
tailer_check_names(struct tailer *t)
{
	struct tailer_names	 nm;
	struct tailer_scope	 s;
	struct tailer_node	*n;
	struct tailer_file	*f;
	struct stat		 st;
	const char		**paths = NULL;
	size_t			 npaths = 0, i;

	memset(&nm, 0, sizeof nm);
	nm.t = t;
	for (f = t->files; f != NULL; f = f->next) {
		if (f->fd == -1 || f->name == TAILER_DELETED ||
		    (f->matched && f->name == TAILER_NAMED))
			continue;
		if (fstat(f->fd, &st) == 0 && st.st_nlink == 0) {
			log_info("flow=%s file=%s: deleted; it is read to its "
			    "end all the same", t->flow, f->path);
			f->name = TAILER_DELETED;
			continue;
		}
		if (f->name == TAILER_NAMED) {
			if (stat(f->path, &st) == 0 && st.st_dev == f->dev &&
			    st.st_ino == f->ino)
				continue;
			f->name = TAILER_STALE;
		}
		if (f->name == TAILER_RENAMED && !t->moved_in)
			continue;
		paths = xreallocarray(paths, npaths + 1, sizeof *paths);
		paths[npaths++] = f->path;
		tailer_idx_add(&nm.byino, tailer_mix(f->ino), f);
		nm.left++;
	}
	t->moved_in = 0;
	if (npaths == 0)
		goto out;
	/* The scope copies the paths: a name found frees the old one. */
	tailer_scope_init(t, &s, paths, npaths);
	tailer_scope_walk(t, &s, tailer_names_cb, &nm);
	tailer_scope_free(&s);
	for (i = 0; i < nm.byino.nb; i++) {
		for (n = nm.byino.b[i]; n != NULL; n = n->next) {
			f = n->p;
			if (f->name != TAILER_STALE)
				continue;
			log_info("flow=%s file=%s: renamed out of the "
			    "pattern's directories and of its own; it is read "
			    "to its end all the same", t->flow, f->path);
			f->name = TAILER_RENAMED;
		}
	}
out:
	tailer_idx_clear(&nm.byino);
	free(paths);
}

/*
 * At start, the search for the registry's unfinished files: a regular
 * file in scope, with its fingerprint once one is asked for.
 */
struct tailer_cand {
	char			*path;
	uint64_t		 dev;
	uint64_t		 ino;
	uint64_t		 size;
	struct tailer_file	*f;	/* the glob found it: its file */
	int			 taken;
	uint32_t		 fpwant;	/* fp is over fpwant bytes: */
	uint32_t		 fplen;		/* fplen of them were there */
	uint64_t		 fp;
};

struct tailer_search {
	struct tailer		 *t;
	struct tailer_cand	 *cands;
	size_t			  ncands;
	int			  nofd;	/* an open failed for want of fds */
};

/* A lost entry's match: a candidate, by identity or by fingerprint. */
struct tailer_match {
	struct registry_entry	*e;
	size_t			 cand;
	int			 how;	/* 0: none, 1: inode, 2: copy */
	struct stat		 st;
	uint64_t		 fp;	/* a copy's: e's, kept before */
	uint32_t		 fplen;	/* the registry changes */
	uint64_t		 offset;
	uint64_t		 tail;	/* and e's tail: the copy holds */
	uint32_t		 taillen; /* the bytes read before its */
	uint64_t		 tailend; /* offset */
};

static int
tailer_search_cb(void *arg, const char *path, const struct dirent *de)
{
	struct tailer_search	*s = arg;
	struct tailer_cand	*c;
	struct stat		 st;

	(void)de;
	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return (0);
	s->cands = xreallocarray(s->cands, s->ncands + 1, sizeof *s->cands);
	c = &s->cands[s->ncands++];
	memset(c, 0, sizeof *c);
	c->path = xstrdup(path);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->size = st.st_size;
	c->f = tailer_find(s->t, st.st_dev, st.st_ino);
	return (0);
}

/*
 * Opens path if it is still the file of dev and ino, for as long as its
 * fingerprint takes.  Returns fd (st is its stat) or -1.
 */
static int
tailer_open_id(struct tailer_search *s, const char *path, uint64_t dev,
    uint64_t ino, struct stat *st)
{
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (tailer_errno_is_nofd(errno))
			s->nofd = 1;
		return (-1);
	}
	if (fstat(fd, st) == -1 || (uint64_t)st->st_dev != dev ||
	    (uint64_t)st->st_ino != ino) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * Whether candidate c carries e's first bytes, enough of them to be a
 * copy of e's file (tailer_is_copy: a full CHECKPOINT_FP_MAX bytes, or
 * the whole of the file as it was last seen).  Each candidate is read
 * once for the usual length.
 */
static int
tailer_cand_is_copy(struct tailer_search *s, struct tailer_cand *c,
    const struct registry_entry *e, struct stat *st)
{
	int	fd;

	if (e->fplen == 0 || c->size < e->fplen ||
	    (e->fplen < CHECKPOINT_FP_MAX && e->size != e->fplen))
		return (0);
	if (c->fpwant != e->fplen) {
		if ((fd = tailer_open_id(s, c->path, c->dev, c->ino,
		    st)) == -1)
			return (0);
		c->fpwant = e->fplen;
		if (checkpoint_fingerprint_n(fd, e->fplen, &c->fp,
		    &c->fplen) == -1)
			c->fplen = 0;
		close(fd);
	} else if (stat(c->path, st) == -1 || (uint64_t)st->st_ino != c->ino)
		return (0);
	return (c->fplen == e->fplen && c->fp == e->fp);
}

/* Marks c, and any other name of its file (a hard link), taken. */
static void
tailer_take(struct tailer_search *s, struct tailer_cand *c)
{
	size_t	i;

	for (i = 0; i < s->ncands; i++)
		if (s->cands[i].dev == c->dev && s->cands[i].ino == c->ino)
			s->cands[i].taken = 1;
}

/*
 * Whether the glob's file f (not open yet) is e's file: the same first
 * bytes at e's inode.  Returns 1 if it is, or if that cannot be told now
 * (no descriptor, no permission: f is then looked at when it opens); 0 if
 * the inode holds other bytes now (truncated and written again while
 * sluiced was stopped, or a reused inode) or if f's path names no file or
 * another one (renamed since the glob: f is dropped, and e looked for).
 */
static int
tailer_holds(struct tailer_search *s, struct tailer_file *f,
    const struct registry_entry *e)
{
	struct tailer		 *t = s->t;
	struct tailer_file	**pp;
	struct stat		  st;
	int			  fd, is;

	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (tailer_errno_is_nofd(errno))
			s->nofd = 1;
		if (errno != ENOENT)
			return (1);
	} else if (fstat(fd, &st) == -1) {
		close(fd);
		return (1);
	} else if ((uint64_t)st.st_dev == f->dev &&
	    (uint64_t)st.st_ino == f->ino) {
		is = registry_entry_is_file(e, fd, 0);
		close(fd);
		if (!is)
			log_info("flow=%s file=%s: its first bytes are not "
			    "those read before the stop; looking for the "
			    "file read before by them", t->flow, f->path);
		return (is);
	} else
		close(fd);
	for (pp = &t->files; *pp != f; pp = &(*pp)->next)
		;
	*pp = f->next;
	tailer_file_free(f);
	loop_timer_set(t->scan_timer, 0);	/* for the new one */
	return (0);
}

/* Whether e is one of the entries lost (tailer_find_unfinished's index). */
static int
tailer_is_lost(struct tailer_idx *lost, const struct registry_entry *e)
{
	struct tailer_node	*n;
	uint64_t		 h = tailer_hash_id(e->dev, e->ino);

	for (n = tailer_idx_first(lost, h); n != NULL;
	    n = tailer_idx_next(n->next, h))
		if (n->p == e)
			return (1);
	return (0);
}

/*
 * Whether candidate c may be a copy found for a lost entry: not a file
 * the glob found that has an entry of its own (being its own file, it
 * carries no one else's offset).
 */
static int
tailer_cand_is_free(struct tailer *t, struct tailer_idx *lost,
    const struct tailer_cand *c)
{
	struct registry_entry	*own;

	if (c->taken || tailer_is_compressed(c->path))
		return (0);
	if (c->f == NULL ||
	    (own = registry_find(t->reg, c->dev, c->ino)) == NULL)
		return (1);
	return (tailer_is_lost(lost, own));	/* then a reused inode */
}

/*
 * The entry, not lost, of a copy of e's file that went on from e's offset
 * or further (copytruncate or cp with app.log*, seen while sluiced ran):
 * e's bytes are followed there.  NULL if there is none.
 */
static struct registry_entry *
tailer_copy_entry(struct tailer *t, struct tailer_idx *lost,
    const struct registry_entry *e)
{
	struct registry_entry	*o;
	size_t			 i;

	if (e->fplen < CHECKPOINT_FP_MAX)
		return (NULL);
	for (i = 0; i < registry_count(t->reg); i++) {
		o = registry_entry_at(t->reg, i);
		if (o != e && o->fp == e->fp && o->fplen == e->fplen &&
		    o->offset >= e->offset && !tailer_is_lost(lost, o))
			return (o);
	}
	return (NULL);
}

/* An entry not found at start: what it had unread is lost. */
static void
tailer_lost_entry(struct tailer *t, struct registry_entry *e, int full)
{
	const char	*where = full ? " (the search stopped at its bounds)" :
			    "";

	if (e->size > e->offset) {
		log_warnx("flow=%s file=%s: not found at start%s: it had "
		    "%llu bytes unread at the last checkpoint (offset %llu "
		    "of %llu); they are lost, with any written to it since",
		    t->flow, e->path, where,
		    (unsigned long long)(e->size - e->offset),
		    (unsigned long long)e->offset,
		    (unsigned long long)e->size);
		if (t->p.metrics != NULL)
			metrics_add(t->p.metrics, METRICS_BYTES_LOST,
			    e->size - e->offset);
	} else
		log_warnx("flow=%s file=%s: not found at start%s: it was "
		    "read to offset %llu, its size at the last checkpoint; "
		    "any bytes written to it since are lost, and not "
		    "counted (its size is not known)", t->flow, e->path,
		    where, (unsigned long long)e->offset);
	registry_update(t->reg, e, e->fp, e->fplen, e->offset, e->size,
	    REGISTRY_FINISHED, e->path);
}

/*
 * Reads an unfinished file of the registry, found at path under a name
 * the glob did not match, to its end: it is followed as a rotated file.
 * It waits for a descriptor like any other file, and tailer_open_new
 * finds e again by identity.
 */
static void
tailer_resume_rotated(struct tailer *t, const char *path,
    const struct stat *st, struct registry_entry *e)
{
	struct tailer_file	*f;

	f = tailer_file_new(t, path, st);
	f->re = e;
	f->resumed = 1;
}

/*
 * At start, after the first glob: every registry entry that was still
 * being read is looked for and read to its end, whatever its name is
 * now.  An entry whose inode the glob found is that file if its first
 * bytes are still the entry's (tailer_holds).  Any other is looked for in
 * the search scope (see tailer_scope_init) by inode first, so that a copy
 * never wins over the file, then by fingerprint: a copy made while
 * sluiced was stopped (cp, or copytruncate, whether the pattern matches
 * the copy or not) goes on from the offset reached.  One that cannot be
 * found is finished, and logged and counted as lost (tailer_lost_entry).
 */
static void
tailer_find_unfinished(struct tailer *t)
{
	struct tailer_search	 s;
	struct tailer_scope	 scope;
	struct tailer_match	*m;
	struct tailer_idx	 lostidx;
	struct registry_entry	*e, *ne;
	struct tailer_file	*f;
	struct tailer_cand	*c;
	const char		**paths;
	size_t			 i, j, n, nlost = 0, nleft = 0;
	int			 fd, is;

	memset(&s, 0, sizeof s);
	memset(&lostidx, 0, sizeof lostidx);
	s.t = t;
	n = registry_count(t->reg);
	m = xcalloc(n + 1, sizeof *m);
	for (i = 0; i < n; i++) {
		e = registry_entry_at(t->reg, i);
		if (e->state == REGISTRY_FINISHED)
			continue;
		if ((f = tailer_find(t, e->dev, e->ino)) != NULL &&
		    tailer_holds(&s, f, e))
			continue;
		m[nlost++].e = e;
		tailer_idx_add(&lostidx, tailer_hash_id(e->dev, e->ino), e);
	}
	if (nlost == 0)
		goto out;

	paths = xcalloc(nlost, sizeof *paths);
	for (i = 0; i < nlost; i++)
		paths[i] = m[i].e->path;
	tailer_scope_init(t, &scope, paths, nlost);
	tailer_scope_walk(t, &scope, tailer_search_cb, &s);
	free(paths);

	/* By identity first; the glob's files were tailer_holds's. */
	for (i = 0; i < nlost; i++) {
		e = m[i].e;
		for (j = 0; j < s.ncands && m[i].how == 0; j++) {
			c = &s.cands[j];
			if (c->taken || c->f != NULL || c->dev != e->dev ||
			    c->ino != e->ino)
				continue;
			if ((fd = tailer_open_id(&s, c->path, c->dev, c->ino,
			    &m[i].st)) == -1)
				continue;
			is = registry_entry_is_file(e, fd, 0);
			close(fd);
			if (!is)
				continue;	/* a reused inode */
			tailer_take(&s, c);
			m[i].cand = j;
			m[i].how = 1;
		}
	}
	for (i = 0; i < nlost; i++) {
		e = m[i].e;
		for (j = 0; j < s.ncands && m[i].how == 0; j++) {
			c = &s.cands[j];
			if (!tailer_cand_is_free(t, &lostidx, c) ||
			    !tailer_cand_is_copy(&s, c, e, &m[i].st))
				continue;
			tailer_take(&s, c);
			m[i].cand = j;
			m[i].how = 2;
		}
	}

	/*
	 * The registry changes last: a copy's new entry replaces any entry
	 * of its inode, which the loops above may still have looked at.
	 */
	for (i = 0; i < nlost; i++) {
		e = m[i].e;
		if (m[i].how != 0)
			continue;
		if (s.nofd) {
			/* Not looked at everywhere: kept for the next start. */
			nleft++;
			continue;
		}
		if ((ne = tailer_copy_entry(t, &lostidx, e)) != NULL) {
			log_info("flow=%s file=%s: gone; its bytes are "
			    "followed in its copy %s (offset %llu)", t->flow,
			    e->path, ne->path, (unsigned long long)ne->offset);
			registry_update(t->reg, e, e->fp, e->fplen, e->offset,
			    e->size, REGISTRY_FINISHED, e->path);
			continue;
		}
		tailer_lost_entry(t, e, scope.full);
	}
	for (i = 0; i < nlost; i++) {
		e = m[i].e;
		c = &s.cands[m[i].cand];
		if (m[i].how == 1) {
			log_info("flow=%s file=%s: was %s; to be read to its "
			    "end from offset %llu (%llu bytes)", t->flow,
			    c->path, e->path, (unsigned long long)e->offset,
			    (unsigned long long)m[i].st.st_size);
			tailer_resume_rotated(t, c->path, &m[i].st, e);
		} else if (m[i].how == 2) {
			log_info("flow=%s file=%s: a copy of %s, which was "
			    "read to offset %llu; going on from there",
			    t->flow, c->path, e->path,
			    (unsigned long long)e->offset);
			m[i].fp = e->fp;
			m[i].fplen = e->fplen;
			m[i].offset = e->offset;
			m[i].tail = e->tail;
			m[i].taillen = e->taillen;
			m[i].tailend = e->tailend;
			registry_update(t->reg, e, e->fp, e->fplen, e->offset,
			    e->size, REGISTRY_FINISHED, e->path);
		}
	}
	/*
	 * The copies' entries, each of a candidate's own inode, with the
	 * tail of the entry they continue: the first open checks it
	 * (tailer_check_saved_tail), and it is saved, so that a copy
	 * truncated and written again past the offset, while sluiced ran or
	 * after another stop, is still told by its content.
	 */
	for (i = 0; i < nlost; i++) {
		if (m[i].how != 2)
			continue;
		c = &s.cands[m[i].cand];
		ne = registry_add(t->reg, c->dev, c->ino, m[i].fp, m[i].fplen,
		    m[i].offset, m[i].st.st_size, c->path);
		registry_set_tail(t->reg, ne, m[i].tail, m[i].taillen,
		    m[i].tailend);
		/* The glob's file finds ne when it opens. */
		if (c->f == NULL)
			tailer_resume_rotated(t, c->path, &m[i].st, ne);
	}
	if (nleft > 0)
		log_warnx("flow=%s: out of descriptors while looking for %zu "
		    "unfinished files; they are looked for again at the next "
		    "start", t->flow, nleft);
	tailer_scope_free(&scope);
	for (i = 0; i < s.ncands; i++)
		free(s.cands[i].path);
	free(s.cands);
out:
	tailer_idx_clear(&lostidx);
	free(m);
}

/* Closes a rotated-away or deleted file once it is read and quiet. */
static int
tailer_may_close(struct tailer *t, struct tailer_file *f, uint64_t now)
{
	struct stat	st;
	int64_t		settled;
	uint64_t	lost;

	if (f->matched)
		return (0);
	if (f->fd == -1) {
		/* Found under a name off the pattern: its turn. */
		if (f->resumed && f->waiting)
			return (0);
		/*
		 * Renamed before it had a descriptor, or while closed and
		 * after it grew: read on under its new name.
		 */
		if (tailer_locate(t, f, &st) &&
		    (!f->opened || tailer_has_changed(f, &st))) {
			f->resumed = 1;
			tailer_wait(t, f);
			loop_timer_set(t->work_timer, 0);
			return (0);
		}
		/* Closed, it had been read to its end: nothing is left. */
		if (f->opened)
			return (1);
		lost = f->re == NULL ? f->size : f->size > f->re->offset ?
		    f->size - f->re->offset : 0;
		log_warnx("flow=%s file=%s: gone before a descriptor was "
		    "free for it; %llu bytes not read", t->flow, f->path,
		    (unsigned long long)lost);
		if (t->p.metrics != NULL)
			metrics_add(t->p.metrics, METRICS_BYTES_LOST, lost);
		return (1);
	}
	if (f->unmatched_since == 0)
		f->unmatched_since = now;
	/*
	 * The application may write to it until it reopens its log: it is
	 * read while it grows, and closed only once read to its end and
	 * quiet for rotated_quiet_ms.
	 */
	if (fstat(f->fd, &st) == -1)
		return (0);
	if ((uint64_t)st.st_size != f->size) {
		f->active_ms = now;
		return (0);
	}
	if ((uint64_t)st.st_size > f->read_off ||
	    now - f->active_ms < t->p.rotated_quiet_ms ||
	    now - f->unmatched_since < t->p.rotated_quiet_ms)
		return (0);
	/* A last line without a newline is shipped, not lost. */
	if ((settled = framer_flush(f->framer, tailer_emit, f)) == -1) {
		framer_reset(f->framer, f->consumed == 0);
		f->read_off = f->consumed;
		return (0);
	}
	f->consumed += settled;
	log_info("flow=%s file=%s: finished (rotated or deleted) at "
	    "offset %llu", t->flow, f->path,
	    (unsigned long long)f->read_off);
	return (1);
}

/*
 * glob(3) calls this for a directory it cannot open.  Without it, glob
 * skips the directory, may answer "no match", and every file in it would
 * look deleted: running out of descriptors aborts the glob instead.  glob
 * passes errfunc no argument, hence the static (the ingest thread's).
 */
static int		 tailer_glob_errno;
static struct tailer	*tailer_glob_t;	/* whose scan, or NULL */

static int
tailer_glob_err(const char *path, int err)
{
	if (!tailer_errno_is_nofd(err)) {
		/* Skipped, and listed with the reason. */
		if (tailer_glob_t != NULL && err != ENOENT && err != ENOTDIR)
			tailer_baddir(tailer_glob_t, path, err);
		return (0);
	}
	tailer_glob_errno = err;
	return (1);
}

/*
 * After the first glob: the files the registry says are unfinished are
 * looked for (they wait for a descriptor like the glob's), then the
 * registry is saved.  It exists from now on, so initialPosition never
 * applies again.  Its offsets are still those it was loaded with, or
 * where the first scan's files start: none counts a record not yet
 * durable.
 */
static void
tailer_first_scan_done(struct tailer *t)
{
	char	*err = NULL;

	tailer_find_unfinished(t);
	t->first_scan = 0;
	if (registry_save(t->reg, &err) == -1) {
		log_warnx("flow=%s: %s", t->flow, err);
		free(err);
	}
}

/*
 * f is done with: its entry is finished, saved by the next
 * tailer_checkpoint, once durable.  A file never opened keeps the offset
 * its entry had.
 */
static void
tailer_finish(struct tailer *t, struct tailer_file *f)
{
	struct registry_entry	*e = f->re;

	if (e == NULL)
		return;
	if (f->opened)
		registry_update(t->reg, e, f->fp, f->fplen, f->consumed,
		    f->size, REGISTRY_FINISHED, f->path);
	else
		registry_update(t->reg, e, e->fp, e->fplen, e->offset,
		    e->size, REGISTRY_FINISHED, e->path);
}

/* Reconciles the known files with what the glob found. */
static void
tailer_match(struct tailer *t, glob_t *g)
{
	struct tailer_file	*f;
	struct stat		 st;
	size_t			 i;

	for (f = t->files; f != NULL; f = f->next)
		f->matched = 0;
	for (i = 0; i < g->gl_pathc; i++) {
		if (tailer_is_compressed(g->gl_pathv[i]))
			continue;
		if (stat(g->gl_pathv[i], &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		if ((f = tailer_find(t, st.st_dev, st.st_ino)) == NULL) {
			tailer_add_file(t, g->gl_pathv[i], &st);
			continue;
		}
		f->matched = 1;
		f->unmatched_since = 0;
		tailer_name(t, f, g->gl_pathv[i]);
		/* Never opened yet, or closed and changed since. */
		if (f->fd == -1 && (!f->opened || f->unreadable != NULL ||
		    tailer_has_changed(f, &st)))
			tailer_wait(t, f);
	}
}

static void
tailer_scan(struct tailer *t)
{
	struct tailer_file	*f, **pp;
	glob_t			 g;
	uint64_t		 now, start = loop_now_ms();
	size_t			 i, nfiles = 0;
	int			 rv;

	t->nofd_now = 0;
	for (i = 0; i < t->nbaddirs; i++)
		t->baddirs[i].seen = 0;
	/*
	 * Watched before the glob: a file created after it is in an event,
	 * not only in the next scan, TAILER_RESCAN_MS later.
	 */
	tailer_watch_dirs(t);
	memset(&g, 0, sizeof g);
	tailer_glob_errno = 0;
	tailer_glob_t = t;
	rv = glob(t->pattern, GLOB_BRACE | GLOB_NOSORT, tailer_glob_err, &g);
	tailer_glob_t = NULL;
	if (rv == 0 || rv == GLOB_NOMATCH) {
		tailer_match(t, &g);
		if (t->first_scan)
			tailer_first_scan_done(t);
	} else {
		/* What is known stays known, with its offset: retried. */
		tailer_nofd(t, "glob", t->pattern, rv == GLOB_ABORTED &&
		    tailer_glob_errno != 0 ? tailer_glob_errno : ENOMEM);
	}
	globfree(&g);
	tailer_check_names(t);
	tailer_close_idle(t, SIZE_MAX, t->p.close_inactive_ms, 0);
	tailer_open_waiting(t);

	now = loop_now_ms();
	for (pp = &t->files; (f = *pp) != NULL;) {
		/* A change that inotify missed is read in the next turn. */
		tailer_wake(t, f);
		if (!t->paused && tailer_may_close(t, f, now)) {
			tailer_finish(t, f);
			*pp = f->next;
			tailer_file_free(f);
			/* Files held back by maxOpenRotatedFiles: a turn. */
			if (t->nwaiting > 0)
				loop_timer_set(t->work_timer, 0);
			continue;
		}
		pp = &f->next;
		nfiles++;
	}
	if (!t->nofd_now) {
		tailer_nofd_end(t);
		if (t->limit < t->p.max_open)
			t->limit++;
	}
	tailer_log_unreadable(t, now);
	tailer_publish(t);
	log_debug("flow=%s: scan of %zu files took %llu ms", t->flow, nfiles,
	    (unsigned long long)(loop_now_ms() - start));
}

/* Arms the multi-line flush timer for f's pending record, if sooner. */
static void
tailer_arm_expire(struct tailer *t, struct tailer_file *f)
{
	uint64_t	due, now;

	if ((due = framer_deadline(f->framer)) == 0)
		return;
	now = loop_now_ms();
	due = due > now ? due - now : 0;
	if (!loop_timer_is_armed(t->expire_timer) ||
	    loop_timer_remaining(t->expire_timer) > due)
		loop_timer_set(t->expire_timer, due);
}

/* Emits the multi-line records that waited multiLineFlushMillis. */
static void
tailer_expire_cb(void *arg)
{
	struct tailer		*t = arg;
	struct tailer_file	*f;
	int64_t			 settled;
	uint64_t		 now = loop_now_ms();

	for (f = t->files; f != NULL; f = f->next) {
		/*
		 * Unread bytes may continue the record: it is not quiet.
		 * The read that empties the file arms the timer again.
		 */
		if (f->ready)
			continue;
		settled = framer_expire(f->framer, now, tailer_emit, f);
		if (settled == -1) {
			loop_timer_set(t->expire_timer, TAILER_PAUSE_MS);
			return;
		}
		f->consumed += settled;
		tailer_arm_expire(t, f);
	}
}

/*
 * Reads what a file has, at most TAILER_FILE_TURN bytes and not past the
 * turn's end.  Returns 1 if more remains.
 */
/*
 * Whether f's first bytes differ from those its fingerprint was taken of:
 * the file was truncated and written again, whatever its size now.  One
 * pread of at most CHECKPOINT_FP_MAX bytes per turn of a woken file.
 */
static int
tailer_head_changed(struct tailer_file *f)
{
	uint64_t	fp;
	uint32_t	len;

	if (f->fplen == 0 || f->fp == 0)
		return (0);
	if (checkpoint_fingerprint_n(f->fd, f->fplen, &fp, &len) == -1)
		return (0);
	return (len < f->fplen || fp != f->fp);
}

/*
 * Whether the last bytes read (up to TAILER_TAIL_MAX, ending at tailoff)
 * are not in the file any more: it was truncated and written again, even
 * past the offset and with the same first bytes (a header or a banner
 * that each new file starts with).  One pread of at most
 * TAILER_TAIL_MAX bytes, checked before each read: so when a change
 * arrives without growth, after a pause (the spool was full) and at each
 * scan, which wakes every file.
 */
static int
tailer_tail_changed(struct tailer_file *f)
{
	char	b[TAILER_TAIL_MAX];
	ssize_t	n;

	if (f->taillen == 0)
		return (0);
	if ((n = tailer_read_before(f, b, f->taillen, f->tailoff)) == -1)
		return (0);
	return ((size_t)n < f->taillen || memcmp(b, f->tail, f->taillen) != 0);
}

/* Keeps the last TAILER_TAIL_MAX bytes read, n of them at off in buf. */
static void
tailer_keep_tail(struct tailer_file *f, const char *buf, size_t n,
    uint64_t off)
{
	size_t	keep;

	if (n >= TAILER_TAIL_MAX) {
		memcpy(f->tail, buf + n - TAILER_TAIL_MAX, TAILER_TAIL_MAX);
		f->taillen = TAILER_TAIL_MAX;
	} else {
		keep = f->tailoff == off ? f->taillen : 0;
		if (keep > TAILER_TAIL_MAX - n)
			keep = TAILER_TAIL_MAX - n;
		memmove(f->tail, f->tail + f->taillen - keep, keep);
		memcpy(f->tail + keep, buf, n);
		f->taillen = keep + n;
	}
	f->tailoff = off + n;
}

/*
 * Gives f's entry the last bytes read, which end where reading stopped:
 * at the offset, or past it by a line not yet whole (read again from the
 * offset after a restart, and in the file all the same).
 */
static void
tailer_note_tail(struct tailer *t, struct tailer_file *f)
{
	if (f->taillen == 0)
		return;
	registry_set_tail(t->reg, f->re, registry_tail_hash(f->tail,
	    f->taillen), f->taillen, f->tailoff);
}

static int
tailer_read_file(struct tailer *t, struct tailer_file *f)
{
	struct stat	 st;
	uint64_t	 budget = TAILER_FILE_TURN, lost;
	int64_t		 settled;
	ssize_t		 n;
	int		 stopped;

	if (t->paused || f->fd == -1)
		return (0);
	if (fstat(f->fd, &st) == -1) {
		log_warn("flow=%s file=%s: fstat", t->flow, f->path);
		return (0);
	}
	if ((uint64_t)st.st_size < f->read_off || tailer_head_changed(f) ||
	    tailer_tail_changed(f)) {
		/*
		 * Truncated in place (copytruncate): invariant 4.  Also when
		 * it has grown back past the offset before this read, or to
		 * the same size: its first bytes are not those read.
		 */
		lost = f->size > f->read_off ? f->size - f->read_off : 0;
		log_warnx("flow=%s file=%s: truncated from %llu to %llu "
		    "bytes; reading from 0 (%llu unread bytes lost)", t->flow,
		    f->path, (unsigned long long)f->read_off,
		    (unsigned long long)st.st_size,
		    (unsigned long long)lost);
		if (t->p.metrics != NULL)
			metrics_add(t->p.metrics, METRICS_BYTES_LOST, lost);
		/* A copy of the old bytes, found later, goes on from here. */
		if (f->fplen == CHECKPOINT_FP_MAX && f->fp != 0 &&
		    f->consumed > 0) {
			t->heads[t->nexthead].fp = f->fp;
			t->heads[t->nexthead].offset = f->consumed;
			t->nexthead = (t->nexthead + 1) % TAILER_HEADS;
		}
		framer_reset(f->framer, 1);
		f->consumed = f->read_off = 0;
		f->fp = 0;
		f->fplen = 0;
		f->taillen = 0;
	}
	if ((uint64_t)st.st_size != f->size)
		f->active_ms = loop_now_ms();
	f->size = st.st_size;
	if (f->copycheck && f->size > 0 && tailer_copy_start(t, f))
		return (1);
	while (budget > 0 && f->read_off < f->size) {
		n = pread(f->fd, t->buf, t->readsize, f->read_off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("flow=%s file=%s: read", t->flow, f->path);
			return (0);
		}
		if (n == 0)
			break;
		f->last_read = time(NULL);
		tailer_keep_tail(f, t->buf, n, f->read_off);
		settled = framer_feed(f->framer, t->buf, n, loop_now_ms(),
		    tailer_emit, f, &stopped);
		f->consumed += settled;
		if (t->p.metrics != NULL)
			metrics_add(t->p.metrics, METRICS_BYTES_READ, settled);
		if (stopped) {
			/* The spool is full: re-read from here later. */
			framer_reset(f->framer, f->consumed == 0);
			f->read_off = f->consumed;
			t->paused = 1;
			loop_timer_set(t->work_timer, TAILER_PAUSE_MS);
			return (0);
		}
		f->read_off += n;
		budget -= (uint64_t)n < budget ? (uint64_t)n : budget;
		if ((size_t)n < t->readsize) {
			if (fstat(f->fd, &st) == 0)
				f->size = st.st_size;
		}
		if (loop_now_ms() >= t->turn_end)
			break;
	}
	if (f->fplen < CHECKPOINT_FP_MAX)
		tailer_update_fp(f);
	tailer_arm_expire(t, f);
	return (f->read_off < f->size);
}

/*
 * One turn: reads a slice of each ready file not yet read in this cycle,
 * until the turn's bytes or time run out.  A cycle ends when a turn got
 * through the list; the next one serves every ready file again.  Files
 * are never skipped, so the list order gives round-robin across turns,
 * whatever files come and go.  Re-arms itself while any file is ready.
 */
static void
tailer_work(void *arg)
{
	struct tailer		*t = arg;
	struct tailer_file	*f;
	uint64_t		 read = 0, before;
	int			 more = 0;

	t->paused = 0;
	if (t->nwaiting > 0)
		tailer_open_waiting(t);
	t->turn_end = loop_now_ms() + tailer_turn_ms(t);
	for (f = t->files; f != NULL; f = f->next) {
		if (!f->ready || f->cycle == t->cycle)
			continue;
		if (read >= TAILER_TURN_BYTES ||
		    loop_now_ms() >= t->turn_end) {
			more = 1;	/* the rest, next turn */
			break;
		}
		f->cycle = t->cycle;
		before = f->read_off;
		/* A paused file keeps its place; the pause timer retries. */
		f->ready = tailer_read_file(t, f) || t->paused;
		if (t->paused) {
			tailer_set_busy(t, 0);
			return;
		}
		read += f->read_off > before ? f->read_off - before : 0;
	}
	if (f == NULL)
		t->cycle++;
	for (f = t->files; f != NULL && !more; f = f->next)
		more = f->ready;
	/*
	 * Files wait for descriptors held by files this turn read: read to
	 * their end now, they make room in the next turn.
	 */
	tailer_set_busy(t, more);
	if (more || (t->nwaiting > 0 && read > 0))
		loop_timer_set(t->work_timer, 0);
}

/*
 * The time between scans.  With inotify it is TAILER_RESCAN_MS, only to
 * reconcile what inotify missed; in poll mode the scan is what finds
 * growth, truncation, rotation and new files.  The tailer's timers: this
 * one (a second or more, always); work_timer at 0 ms only while files are
 * ready, or TAILER_PAUSE_MS while the spool is full; expire_timer at a
 * multi-line record's flush deadline.  So an idle tailer wakes at most
 * once a second.
 */
static uint64_t
tailer_scan_ms(struct tailer *t)
{
	if (t->p.poll)
		return (t->p.poll_ms);
	return (t->polling ? TAILER_POLL_MS : TAILER_RESCAN_MS);
}

/*
 * The tailers of the ingest thread that have a backlog: they share
 * TAILER_ROUND_MS of reading per loop round.  Only that thread creates,
 * runs and frees tailers.
 */
static size_t	tailer_nbusy;

static void
tailer_set_busy(struct tailer *t, int busy)
{
	if (busy && !t->busy)
		tailer_nbusy++;
	else if (!busy && t->busy)
		tailer_nbusy--;
	t->busy = busy;
}

/* How long this turn reads: an equal share of the round, 1 ms at least. */
static uint64_t
tailer_turn_ms(struct tailer *t)
{
	size_t		n = tailer_nbusy + (t->busy ? 0 : 1);
	uint64_t	ms = TAILER_ROUND_MS / n;

	t->readsize = n > 1 ? TAILER_SHARED_READ : TAILER_READ_SIZE;
	if (ms > TAILER_TURN_MS)
		ms = TAILER_TURN_MS;
	return (ms > 0 ? ms : 1);
}

static void
tailer_scan_cb(void *arg)
{
	struct tailer	*t = arg;

	t->paused = 0;
	tailer_scan(t);
	/* Unless the first scan asked for another at once. */
	if (!loop_timer_is_armed(t->scan_timer))
		loop_timer_set(t->scan_timer, tailer_scan_ms(t));
}

static const char *
tailer_dir_of(struct tailer *t, int wd)
{
	size_t	i;

	i = tailer_dir_index(t, wd);
	if (i < t->ndirs && t->dirs[i].wd == wd)
		return (t->dirs[i].path);
	return (NULL);
}

static void
tailer_forget_dir(struct tailer *t, int wd)
{
	size_t	i;

	i = tailer_dir_index(t, wd);
	if (i >= t->ndirs || t->dirs[i].wd != wd)
		return;
	tailer_idx_del(&t->dirpath, tailer_hash_str(t->dirs[i].path),
	    (void *)(intptr_t)wd);
	free(t->dirs[i].path);
	t->ndirs--;
	memmove(&t->dirs[i], &t->dirs[i + 1], (t->ndirs - i) *
	    sizeof *t->dirs);
}

/*
 * A name in a watched directory went (IN_MOVED_FROM, IN_DELETE) or came
 * (IN_MOVED_TO).  The file that had the name no longer does; the halves
 * of a rename pair by cookie and give it its new name at once.  The
 * kernel queues them one after the other, but a read may end between
 * them: the first half waits in t->moves.  An unpaired IN_MOVED_TO may be
 * a file of ours coming back from a directory not watched: the next scan
 * looks for the files whose name was lost (tailer_check_names).
 */
static void
tailer_moved(struct tailer *t, uint32_t mask, uint32_t cookie,
    const char *path)
{
	struct tailer_node	*n;
	struct tailer_file	*f;
	size_t			 i;

	if (mask & (IN_MOVED_FROM | IN_DELETE)) {
		for (f = tailer_path_first(t, path, &n); f != NULL;
		    f = tailer_path_next(n->next, path, n->h, &n))
			if (f->name == TAILER_NAMED)
				break;
		if (f == NULL)
			return;
		f->name = TAILER_STALE;
		if (mask & IN_MOVED_FROM) {
			i = t->nextmove;
			t->moves[i].cookie = cookie;
			t->moves[i].dev = f->dev;
			t->moves[i].ino = f->ino;
			t->nextmove = (i + 1) % TAILER_MOVES;
		}
		return;
	}
	for (i = 0; i < TAILER_MOVES; i++)
		if (cookie != 0 && t->moves[i].cookie == cookie)
			break;
	if (i == TAILER_MOVES || (f = tailer_find(t, t->moves[i].dev,
	    t->moves[i].ino)) == NULL) {
		tailer_unname(t, path, NULL);	/* a rename over it */
		t->moved_in = 1;
		return;
	}
	t->moves[i].cookie = 0;
	log_info("flow=%s file=%s: renamed %s; now %s", t->flow, f->path,
	    f->fd == -1 ? "while it had no descriptor" : "while open", path);
	tailer_name(t, f, path);
}

static void
tailer_inotify_cb(int fd, uint32_t events, void *arg)
{
	struct tailer			*t = arg;
	struct tailer_file		*f;
	struct tailer_node		*n;
	const struct inotify_event	*ev;
	char				 buf[64 * 1024]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	char				 path[PATH_MAX];
	const char			*dir;
	uint64_t			 h;
	ssize_t				 len, i;
	int				 rescan = 0, found, readall = 0;

	(void)events;
	for (;;) {
		len = read(fd, buf, sizeof buf);
		if (len <= 0)
			break;
		for (i = 0; i < len; i += sizeof *ev + ev->len) {
			ev = (const void *)(buf + i);
			if (ev->mask & IN_Q_OVERFLOW) {
				log_warnx("flow=%s: inotify queue overflow; "
				    "rescanning", t->flow);
				rescan = 1;
				continue;
			}
			if (ev->mask & IN_IGNORED) {
				tailer_forget_dir(t, ev->wd);
				rescan = 1;
				continue;
			}
			if (ev->mask & (IN_CREATE | IN_MOVED_TO |
			    IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF |
			    IN_MOVE_SELF | IN_ATTRIB))
				rescan = 1;
			if ((ev->mask & (IN_MOVED_FROM | IN_MOVED_TO |
			    IN_DELETE)) && ev->len > 0 &&
			    (dir = tailer_dir_of(t, ev->wd)) != NULL) {
				snprintf(path, sizeof path, "%s/%s", dir,
				    ev->name);
				tailer_moved(t, ev->mask, ev->cookie, path);
			}
			if (!(ev->mask & IN_MODIFY) || ev->len == 0)
				continue;
			if ((dir = tailer_dir_of(t, ev->wd)) == NULL)
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, ev->name);
			found = 0;
			h = tailer_hash_str(path);
			for (n = tailer_idx_first(&t->bypath, h); n != NULL;
			    n = tailer_idx_next(n->next, h)) {
				f = n->p;
				if (strcmp(f->path, path) == 0) {
					found = 1;
					/* A closed one is reopened in turn. */
					if (f->fd == -1)
						tailer_wait(t, f);
					tailer_wake(t, f);
				}
			}
			if (!found)
				readall = 1;	/* a renamed file grew */
		}
	}
	for (f = t->files; readall && f != NULL; f = f->next)
		tailer_wake(t, f);
	if (rescan)
		loop_timer_set(t->scan_timer, 0);
}

struct tailer *
tailer_create(struct loop *loop, const struct tailer_params *p,
    char **cause)
{
	struct tailer	*t;
	char		*err = NULL;

	t = xcalloc(1, sizeof *t);
	t->p = *p;
	t->flow = xstrdup(p->flow);
	t->pattern = xstrdup(p->pattern);
	t->loop = loop;
	t->first_scan = 1;
	t->cycle = 1;		/* a new file's 0 is not the current cycle */
	t->buf = xmalloc(TAILER_READ_SIZE);
	t->readsize = TAILER_READ_SIZE;
	t->ifd = -1;
	if (t->p.max_open == 0)
		t->p.max_open = SIZE_MAX;
	if (t->p.summary_ms == 0)
		t->p.summary_ms = 60000;
	if (t->p.poll_ms == 0)
		t->p.poll_ms = TAILER_POLL_MS;
	t->limit = t->p.max_open;
	TAILQ_INIT(&t->waitq);
	if ((t->reg = registry_load(p->state_dir, t->flow, p->intact,
	    p->intact_arg, &err)) == NULL) {
		/* Overwriting it would lose what a newer sluice knew. */
		log_warnx("flow=%s: %s", t->flow, err);
		if (t->p.metrics != NULL)
			metrics_set_error(t->p.metrics, "%s", err);
		free(err);
		t->refused = 1;
		return (t);
	}
	t->first_start = registry_is_new(t->reg);
	if (t->p.poll) {
		log_info("flow=%s: watchMode poll: looking at the files every "
		    "%llu ms", t->flow, (unsigned long long)t->p.poll_ms);
		t->polling = 1;
	} else if ((t->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		log_warn("flow=%s: inotify_init1 failed; polling every %d ms",
		    t->flow, TAILER_POLL_MS);
		t->polling = 1;
	} else if (loop_add_fd(loop, t->ifd, EPOLLIN, tailer_inotify_cb,
	    t) == -1) {
		xasprintf(cause, "flow=%s: cannot watch inotify: %s",
		    t->flow, strerror(errno));
		goto fail;
	}
	t->scan_timer = loop_timer_new(loop, tailer_scan_cb, t);
	t->work_timer = loop_timer_new(loop, tailer_work, t);
	t->expire_timer = loop_timer_new(loop, tailer_expire_cb, t);
	return (t);
fail:
	tailer_free(t);
	return (NULL);
}

void
tailer_start(struct tailer *t)
{
	if (t->refused)
		return;
	tailer_scan(t);
	/* Unless the first scan asked for another at once. */
	if (!loop_timer_is_armed(t->scan_timer))
		loop_timer_set(t->scan_timer, tailer_scan_ms(t));
}

void
tailer_free(struct tailer *t)
{
	struct tailer_file	*f, *fn;
	size_t			 i;

	if (t == NULL)
		return;
	tailer_set_busy(t, 0);
	for (f = t->files; f != NULL; f = fn) {
		fn = f->next;
		tailer_file_free(f);
	}
	if (t->ifd != -1) {
		loop_del_fd(t->loop, t->ifd);
		close(t->ifd);
	}
	for (i = 0; i < t->ndirs; i++)
		free(t->dirs[i].path);
	free(t->dirs);
	tailer_idx_clear(&t->byid);
	tailer_idx_clear(&t->bypath);
	tailer_idx_clear(&t->dirpath);
	for (i = 0; i < t->nbaddirs; i++) {
		free(t->baddirs[i].path);
		free(t->baddirs[i].reason);
	}
	free(t->baddirs);
	loop_timer_free(t->scan_timer);
	loop_timer_free(t->work_timer);
	loop_timer_free(t->expire_timer);
	registry_free(t->reg);
	free(t->buf);
	free(t->flow);
	free(t->pattern);
	free(t);
}

/* Whether f is held open but deleted: its bytes die with the fd. */
static int
tailer_is_deleted(struct tailer_file *f)
{
	struct stat	st;

	return (f->fd != -1 && fstat(f->fd, &st) == 0 && st.st_nlink == 0);
}

/* Sleeps ms, or less if the deadline comes first. */
static void
tailer_nap(uint64_t ms, uint64_t deadline_ms)
{
	struct timespec	ts;
	uint64_t	now = loop_now_ms();

	if (now >= deadline_ms)
		return;
	if (ms > deadline_ms - now)
		ms = deadline_ms - now;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Reads what f has left to its end and settles a last line that has no
 * newline.  Returns 1 if bytes are left: the spool is full, or it grows.
 */
static int
tailer_drain_file(struct tailer *t, struct tailer_file *f)
{
	int64_t	settled;

	t->paused = 0;
	t->turn_end = loop_now_ms() + TAILER_TURN_MS;
	t->readsize = TAILER_READ_SIZE;
	if (tailer_read_file(t, f) || t->paused)
		return (1);
	if ((settled = framer_flush(f->framer, tailer_emit, f)) == -1) {
		framer_reset(f->framer, f->consumed == 0);
		f->read_off = f->consumed;
		return (1);
	}
	f->consumed += settled;
	return (0);
}

int
tailer_drain_deleted(struct tailer *t, uint64_t deadline_ms)
{
	struct tailer_file	*f, **pp;
	struct stat		 st;
	uint64_t		 lost, total = 0;
	size_t			 n = 0, nlost = 0;
	int			 more;

	if (t->refused)
		return (0);
	/*
	 * In bounded turns, each file a turn, until all are read or the
	 * deadline.  The loop no longer runs; the delivery thread still
	 * sends, so a full spool makes room: wait for it.
	 */
	do {
		more = 0;
		for (f = t->files; f != NULL; f = f->next) {
			if (!tailer_is_deleted(f))
				continue;
			if (tailer_drain_file(t, f))
				more = 1;
		}
		if (more && t->paused)
			tailer_nap(TAILER_DRAIN_WAIT_MS, deadline_ms);
	} while (more && loop_now_ms() < deadline_ms);
	t->paused = 0;

	for (pp = &t->files; (f = *pp) != NULL;) {
		if (!tailer_is_deleted(f)) {
			pp = &f->next;
			continue;
		}
		n++;
		if (fstat(f->fd, &st) == 0)
			f->size = st.st_size;
		lost = f->size > f->consumed ? f->size - f->consumed : 0;
		if (lost > 0) {
			nlost++;
			total += lost;
			log_warnx("flow=%s file=%s: deleted, and not read to "
			    "its end within shutdownTimeoutMillis: %llu bytes "
			    "lost", t->flow, f->path,
			    (unsigned long long)lost);
			if (t->p.metrics != NULL)
				metrics_add(t->p.metrics, METRICS_BYTES_LOST,
				    lost);
		} else
			log_info("flow=%s file=%s: deleted, read to its end "
			    "before the stop", t->flow, f->path);
		/* Finished: its bytes cannot be found once the fd closes. */
		tailer_finish(t, f);
		*pp = f->next;
		tailer_file_free(f);
	}
	if (n > 0)
		log_info("flow=%s: %zu deleted file%s read at the stop, %zu "
		    "not to the end (%llu bytes lost)", t->flow, n,
		    n == 1 ? "" : "s", nlost, (unsigned long long)total);
	return (nlost > 0 ? -1 : 0);
}

/* Sets every open file's entry to what the tailer consumed. */
static void
tailer_note_offsets(struct tailer *t)
{
	struct tailer_file	*f;
	int			 moved;

	for (f = t->files; f != NULL; f = f->next) {
		/* Never opened: its entry, if any, is as it was added. */
		if (!f->opened || f->re == NULL)
			continue;
		moved = f->re->offset != f->consumed || f->re->taillen == 0;
		registry_update(t->reg, f->re, f->fp, f->fplen, f->consumed,
		    f->size, f->matched ? REGISTRY_ACTIVE : REGISTRY_ROTATED,
		    f->path);
		if (moved)
			tailer_note_tail(t, f);
	}
}

int
tailer_checkpoint(struct tailer *t, char **cause)
{
	if (t->refused)
		return (0);
	tailer_note_offsets(t);
	registry_prune(t->reg, time(NULL), t->p.ttl_days * 24 * 60 * 60);
	return (registry_save(t->reg, cause));
}

void
tailer_flushed(struct tailer *t, uint64_t seg, uint64_t off)
{
	char	*cause = NULL;

	if (t->refused || t->first_scan || !registry_flushed_is_due(t->reg))
		return;
	tailer_note_offsets(t);
	if (registry_save_flushed(t->reg, seg, off, &cause) == -1) {
		/* Costs duplicates after a crash, never lines. */
		log_debug("flow=%s: %s", t->flow, cause);
		free(cause);
	}
}

/*
 * Logs and counts the records the framer cut since the last publish: n in
 * all, *seen of them already published.
 */
static void
tailer_publish_cut(struct tailer *t, uint64_t n, uint64_t *seen,
    enum metrics_counter counter, const char *what)
{
	if (n == *seen)
		return;
	log_warnx("flow=%s: %llu record%s longer than %zu %s (%llu in all)",
	    t->flow, (unsigned long long)(n - *seen), n - *seen == 1 ? "" :
	    "s", framer_conf_max_record(t->p.framer), what,
	    (unsigned long long)n);
	metrics_add(t->p.metrics, counter, n - *seen);
	*seen = n;
}

/*
 * The name of f shown: its path, or, if that is no longer its name, the
 * last one known and what became of it, as /proc/PID/fd says it (a new
 * file may have that name: each path is listed once).  *buf is set to
 * what the caller frees, or NULL.
 */
static char *
tailer_shown_name(struct tailer_file *f, char **buf)
{
	*buf = NULL;
	if (f->fd == -1 || f->name == TAILER_NAMED)
		return (f->path);
	xasprintf(buf, "%s (%s)", f->path, f->name == TAILER_DELETED ?
	    "deleted" : "renamed");
	return (*buf);
}

/*
 * The bytes of f already read.  A file not opened since the start
 * (unreadable, or waiting for a descriptor) has them in its registry
 * entry, found by inode (its first bytes are checked when it opens): the
 * bytes before that offset are not behind.
 */
static uint64_t
tailer_shown_offset(struct tailer *t, struct tailer_file *f)
{
	struct registry_entry	*e;

	if (f->opened || t->reg == NULL)
		return (f->consumed);
	if ((e = f->re) == NULL)
		e = registry_find(t->reg, f->dev, f->ino);
	if (e == NULL || e->offset > f->size)
		return (0);
	return (e->offset);
}

/*
 * Why f, which waits, has no descriptor (the state says it waits; this
 * says for what), or NULL.  *buf is set to what the caller frees.
 */
static char *
tailer_wait_reason(struct tailer *t, struct tailer_file *f, char **buf)
{
	if (!f->waiting || *buf != NULL)
		return (NULL);
	if (t->nofd_since != 0)
		xasprintf(buf, "out of file descriptors; retried, none is "
		    "skipped");
	else if (t->rotcap_since != 0)
		xasprintf(buf, "maxOpenRotatedFiles (%zu) rotated files are "
		    "read first", t->p.max_rotated);
	else if (t->nopen >= t->limit)
		xasprintf(buf, "maxOpenFiles (%zu) files are open; read in "
		    "turn", t->limit);
	else
		return (NULL);
	return (*buf);
}

void
tailer_publish(struct tailer *t)
{
	struct metrics_file	*mf;
	struct tailer_file	*f;
	char			**names;
	size_t			 n = 0, i, j;

	if (t->p.metrics == NULL)
		return;
	/* Once per publish (at most a second), not per record. */
	tailer_publish_cut(t, t->stats.truncated, &t->truncated_seen,
	    METRICS_RECORDS_TRUNCATED,
	    "bytes cut with truncatedRecordTerminator");
	tailer_publish_cut(t, t->stats.runaway, &t->runaway_seen,
	    METRICS_RECORDS_RUNAWAY,
	    "bytes (the read buffer) cut there, the rest discarded");
	metrics_set(t->p.metrics, METRICS_LINES_SKIPPED,
	    t->stats.header_lines + t->stats.footers);
	for (f = t->files; f != NULL; f = f->next)
		n++;
	mf = xcalloc(n + t->nbaddirs, sizeof *mf);
	names = xcalloc(n == 0 ? 1 : n, sizeof *names);
	for (i = 0, f = t->files; f != NULL; f = f->next, i++) {
		mf[i].path = tailer_shown_name(f, &names[i]);
		mf[i].dev = f->dev;
		mf[i].ino = f->ino;
		mf[i].offset = tailer_shown_offset(t, f);
		mf[i].size = f->size;
		mf[i].last_read = f->last_read;
		mf[i].state = f->fd != -1 ? (f->matched ? "open" : "rotated") :
		    f->unreadable != NULL ? "unreadable" : f->waiting ?
		    "waiting" : "closed";
		mf[i].reason = f->unreadable != NULL ? f->unreadable :
		    tailer_wait_reason(t, f, &names[i]);
	}
	for (j = 0; j < t->nbaddirs; j++, i++, n++) {
		mf[i].path = t->baddirs[j].path;
		mf[i].state = "unreadable";
		mf[i].reason = t->baddirs[j].reason;
		mf[i].dir = 1;
	}
	metrics_set_files(t->p.metrics, mf, n);
	for (i = 0; i < n - t->nbaddirs; i++)
		free(names[i]);
	free(names);
	free(mf);
	metrics_set(t->p.metrics, METRICS_FILES_OPEN, t->nopen);
	metrics_set(t->p.metrics, METRICS_FILES_WAITING, t->nwaiting);
}

/*
 * Adopted state (state.c): the entries of the registry in dir join this
 * tailer's.  A file the tailer does not know comes with its offset, so
 * its bytes already read (whose records the adopt moved) are not read
 * again.  For a file it knows, its own entry stays: it matches what its
 * spool holds.  Only when no open file uses that entry, and the other
 * read further, does the larger offset win: those bytes' records came
 * with the adopted spool, so taking the smaller would send them twice.
 * An entry for the same inode with another fingerprint is skipped: the
 * inode was reused, and this tailer's view is the current one.
 */
int
tailer_merge_registry(struct tailer *t, const char *dir, char **cause)
{
	struct registry		*old;
	struct registry_entry	*e, *ne;
	struct tailer_file	*f;
	size_t			 i;

	if (t->reg == NULL) {
		xasprintf(cause, "flow %s has no registry to merge into",
		    t->flow);
		return (-1);
	}
	/* Its spool is not known here: its durable offsets only. */
	if ((old = registry_load(dir, t->flow, NULL, NULL, cause)) == NULL)
		return (-1);
	for (i = 0; i < registry_count(old); i++) {
		e = registry_entry_at(old, i);
		if ((ne = registry_find(t->reg, e->dev, e->ino)) == NULL) {
			ne = registry_add(t->reg, e->dev, e->ino, e->fp,
			    e->fplen, e->offset, e->size, e->path);
			registry_update(t->reg, ne, e->fp, e->fplen, e->offset,
			    e->size, e->state, e->path);
			registry_set_tail(t->reg, ne, e->tail, e->taillen,
			    e->tailend);
			continue;
		}
		if (ne->fp != e->fp || ne->fplen != e->fplen ||
		    e->offset <= ne->offset)
			continue;
		for (f = t->files; f != NULL && f->re != ne; f = f->next)
			;
		if (f == NULL) {
			registry_update(t->reg, ne, ne->fp, ne->fplen,
			    e->offset, e->size > ne->size ? e->size :
			    ne->size, ne->state, ne->path);
			registry_set_tail(t->reg, ne, e->tail, e->taillen,
			    e->tailend);
		}
	}
	registry_free(old);
	return (0);
}

int64_t
tailer_skip(struct tailer *t, const char *path, char **cause)
{
	struct tailer_file	*f;
	struct stat		 st;
	int64_t			 skipped = 0;
	int			 found = 0, unopened = 0;

	for (f = t->files; f != NULL; f = f->next) {
		if (path != NULL && strcmp(f->path, path) != 0)
			continue;
		/* Not opened: its offset is not its own (note_offsets). */
		if (!f->opened) {
			unopened = 1;
			continue;
		}
		found = 1;
		if (f->fd != -1 && fstat(f->fd, &st) == 0)
			f->size = st.st_size;
		if (f->size <= f->consumed)
			continue;
		/* As tailer_copy_start: a pending record goes too. */
		skipped += (int64_t)(f->size - f->consumed);
		framer_reset(f->framer, 0);
		f->consumed = f->read_off = f->size;
		f->taillen = 0;
		f->copycheck = 0;
	}
	if (!found && path != NULL) {
		if (unopened)
			xasprintf(cause, "flow %s has not opened %s yet (it "
			    "waits for a descriptor): try again once it is "
			    "read", t->flow, path);
		else
			xasprintf(cause, "flow %s tails no file %s (sluicectl "
			    "files lists them)", t->flow, path);
		return (-1);
	}
	return (skipped);
}
