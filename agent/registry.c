/*
 * registry: see registry.h for the file format.  The payload is small (a
 * line per file a flow knows), so it is built and parsed whole in memory,
 * within REGISTRY_MAX_FILE.  Entries are allocated one by one so that the
 * tailer can hold a pointer to its file's entry while others come and go.
 *
 * Lookups by identity (registry_find, registry_lookup, registry_add) go
 * through a hash index (registry_idx_build); the search by fingerprint
 * is linear: it runs when a file is opened, not per line.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "checkpoint.h"
#include "crc32c.h"
#include "durable.h"
#include "log.h"
#include "loop.h"
#include "registry.h"
#include "slots.h"
#include "xmalloc.h"

#define REGISTRY_SLOT_FILE	"registry.slot"
#define REGISTRY_SLOT_TAG	"REGY"
#define REGISTRY_FLUSHED_FILE	"registry-flushed.slot"
#define REGISTRY_FLUSHED_TAG	"REGF"
#define REGISTRY_SLOT_CAP	4000	/* a first slot of one page */
#define REGISTRY_FILE		"registry"	/* version 1, text */
#define REGISTRY_OLD_FILE	"checkpoints"	/* checkpoint.h */
#define REGISTRY_MIGRATED	".migrated"
#define REGISTRY_CORRUPT	".corrupt."	/* registry.corrupt.<time> */
#define REGISTRY_TAG		"sluice-registry"
#define REGISTRY_VERSION	3
#define REGISTRY_VERSION_NOTAIL	2	/* read: no tail */
#define REGISTRY_VERSION_TEXT	1
#define FNV64_OFFSET		0xcbf29ce484222325ULL
#define FNV64_PRIME		0x100000001b3ULL
#define REGISTRY_END		"end"
#define REGISTRY_MAX_FILE	(64 * 1024 * 1024)
/* Flushed offsets are written at most every this many ms per unit. */
#define REGISTRY_FLUSHED_MS	10
#define REGISTRY_FLUSHED_UNIT	(64 * 1024)

struct registry {
	char			 *flow;
	char			 *who;		/* "flow=NAME", for slots */
	char			 *path;		/* <dir>/registry.slot */
	char			 *text_path;	/* <dir>/registry, version 1 */
	char			 *old_path;	/* imported, to rename on save */
	struct slots		 *slots;
	struct slots		 *fslots;	/* flushed; NULL: not written */
	uint64_t		  gen;		/* of the last durable save */
	struct registry_entry	**v;
	size_t			  n;
	size_t			  cap;		/* of v */
	size_t			 *idx;		/* see registry_find */
	size_t			  nidx;		/* a power of two, or 0 */
	int			  idx_ok;	/* idx holds every entry */
	int			  is_new;
	int			  dirty;
	int			  fdirty;	/* since the last flushed write */
	uint64_t		  flushed_ms;	/* its time, monotonic */
	size_t			  flushed_len;	/* and its size */
};

/* What a payload's version line says besides the version. */
struct registry_head {
	uint64_t	version;
	uint64_t	gen;
	int		has_pos;	/* flushed: the spool position */
	uint64_t	seg;
	uint64_t	off;
};

static const char *const registry_state_names[] = {
	"active", "rotated", "finished", NULL
};

/* What parsing found, when the file is not a registry this code reads. */
enum registry_parse {
	REGISTRY_PARSE_OK,
	REGISTRY_PARSE_CORRUPT,
	REGISTRY_PARSE_NEWER
};

static void
registry_entry_free(struct registry_entry *e)
{
	if (e == NULL)
		return;
	free(e->path);
	free(e);
}

/* Appends e; the index is built again at its next use. */
static void
registry_append(struct registry *r, struct registry_entry *e)
{
	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 16 : r->cap * 2;
		r->v = xreallocarray(r->v, r->cap, sizeof *r->v);
	}
	r->v[r->n++] = e;
	r->idx_ok = 0;
}

/*
 * The index of the entries by device and inode, so that registry_add and
 * registry_find cost the same with 10 files as with 10,000 (a first start
 * with 10,000 files would otherwise compare 50 million pairs): open
 * addressing, linear probing, each slot the position in v plus one (0:
 * empty), at most half full.  Built again from v after anything but
 * registry_add changed v (a load, a prune), the first entry of an
 * identity winning, as a walk of v would find it.
 */
static uint64_t
registry_hash_id(uint64_t dev, uint64_t ino)
{
	uint64_t	h = ino ^ (dev * 0x9e3779b97f4a7c15ULL);

	/* The splitmix64 finalizer: inode numbers are dense. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return (h ^ (h >> 31));
}

/* The slot of (dev, ino) in the index, or the empty one it would take. */
static size_t *
registry_idx_slot(struct registry *r, uint64_t dev, uint64_t ino)
{
	struct registry_entry	*e;
	size_t			 i, mask = r->nidx - 1;

	for (i = registry_hash_id(dev, ino) & mask;; i = (i + 1) & mask) {
		if (r->idx[i] == 0)
			return (&r->idx[i]);
		e = r->v[r->idx[i] - 1];
		if (e->dev == dev && e->ino == ino)
			return (&r->idx[i]);
	}
}

static void
registry_idx_build(struct registry *r)
{
	size_t	*s, i, size = 64;

	while (size < 2 * (r->n + 1))
		size *= 2;
	if (size != r->nidx) {
		free(r->idx);
		r->idx = xcalloc(size, sizeof *r->idx);
		r->nidx = size;
	} else
		memset(r->idx, 0, size * sizeof *r->idx);
	for (i = 0; i < r->n; i++) {
		s = registry_idx_slot(r, r->v[i]->dev, r->v[i]->ino);
		if (*s == 0)
			*s = i + 1;
	}
	r->idx_ok = 1;
}

/* Reads the whole file; *data is NULL if it does not exist. */
static int
registry_slurp(const char *path, char **data, size_t *len, char **cause)
{
	struct stat	 sb;
	ssize_t		 r;
	int		 fd, rc = -1;

	*data = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return (0);
		xasprintf(cause, "open: %s", strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) == -1) {
		xasprintf(cause, "stat: %s", strerror(errno));
		goto out;
	}
	if (sb.st_size > REGISTRY_MAX_FILE) {
		xasprintf(cause, "too large (%jd bytes)", (intmax_t)sb.st_size);
		goto out;
	}
	*data = xmalloc(sb.st_size + 1);
	while (*len < (size_t)sb.st_size) {
		r = read(fd, *data + *len, sb.st_size - *len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			xasprintf(cause, "read: %s", strerror(errno));
			free(*data);
			*data = NULL;
			goto out;
		}
		if (r == 0)
			break;
		*len += r;
	}
	(*data)[*len] = '\0';
	rc = 0;
out:
	close(fd);
	return (rc);
}

/*
 * Parses digits in base (10 or 16) up to a space or end; advances *s past
 * the space, or to end.
 */
static int
registry_get_num(const char **s, const char *end, int base, uint64_t *v)
{
	const char	*p = *s;
	uint64_t	 x = 0;
	unsigned int	 d;

	if (p == end || *p == ' ')
		return (-1);
	for (; p < end && *p != ' '; p++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else
			return (-1);
		if (x > (UINT64_MAX - d) / base)
			return (-1);
		x = x * base + d;
	}
	*s = p < end ? p + 1 : p;
	*v = x;
	return (0);
}

static int
registry_get_state(const char **s, const char *end, enum registry_state *st)
{
	size_t	len;
	int	i;

	for (i = 0; registry_state_names[i] != NULL; i++) {
		len = strlen(registry_state_names[i]);
		if ((size_t)(end - *s) > len &&
		    memcmp(*s, registry_state_names[i], len) == 0 &&
		    (*s)[len] == ' ') {
			*s += len + 1;
			*st = i;
			return (0);
		}
	}
	return (-1);
}

/*
 * Parses one entry line, s to eol (the newline); tail says the line has
 * the tail fields (version 3).
 */
static struct registry_entry *
registry_parse_entry(const char *s, const char *eol, int tail)
{
	struct registry_entry	*e;
	enum registry_state	 st;
	uint64_t		 v[9], updated;
	int			 i, n = tail ? 9 : 6;

	v[6] = v[7] = v[8] = 0;
	for (i = 0; i < n; i++) {
		if (registry_get_num(&s, eol, i == 2 || i == 6 ? 16 : 10,
		    &v[i]) != 0)
			return (NULL);
	}
	if (registry_get_state(&s, eol, &st) != 0 ||
	    registry_get_num(&s, eol, 10, &updated) != 0)
		return (NULL);
	if (v[3] > CHECKPOINT_FP_MAX || v[7] > REGISTRY_TAIL_MAX ||
	    v[7] > v[8] || updated > INT64_MAX)
		return (NULL);
	e = xcalloc(1, sizeof *e);
	if ((e->path = checkpoint_get_path(s, eol)) == NULL) {
		free(e);
		return (NULL);
	}
	e->dev = v[0];
	e->ino = v[1];
	e->fp = v[2];
	e->fplen = v[3];
	e->offset = v[4];
	e->size = v[5];
	e->tail = v[6];
	e->taillen = v[7];
	e->tailend = v[8];
	e->state = st;
	e->updated = updated;
	return (e);
}

/*
 * Parses data (len bytes, NUL-terminated) into r's entries.  text says the
 * data is a version 1 file, not a slot's payload.  On REGISTRY_PARSE_NEWER,
 * h->version is the data's; on REGISTRY_PARSE_CORRUPT, *why says what is
 * wrong.
 */
static enum registry_parse
registry_parse(struct registry *r, char *data, size_t len, int text,
    struct registry_head *h, const char **why)
{
	struct registry_entry	*e;
	const char		*s, *endtag = REGISTRY_END " ";
	char			*line, *eol;
	uint64_t		 count, crc;
	size_t			 hlen = strlen(REGISTRY_TAG);

	line = data;
	if ((eol = memchr(line, '\n', len)) == NULL ||
	    (size_t)(eol - line) <= hlen + 1 ||
	    memcmp(line, REGISTRY_TAG " ", hlen + 1) != 0) {
		*why = "not a sluice registry";
		return (REGISTRY_PARSE_CORRUPT);
	}
	s = line + hlen + 1;
	memset(h, 0, sizeof *h);
	if (registry_get_num(&s, eol, 10, &h->version) != 0) {
		*why = "bad version line";
		return (REGISTRY_PARSE_CORRUPT);
	}
	if (h->version > REGISTRY_VERSION)
		return (REGISTRY_PARSE_NEWER);
	if (text ? h->version != REGISTRY_VERSION_TEXT :
	    h->version != REGISTRY_VERSION &&
	    h->version != REGISTRY_VERSION_NOTAIL) {
		*why = "unknown version";
		return (REGISTRY_PARSE_CORRUPT);
	}
	if (!text && registry_get_num(&s, eol, 10, &h->gen) != 0) {
		*why = "bad version line";
		return (REGISTRY_PARSE_CORRUPT);
	}
	if (!text && s != eol) {
		if (registry_get_num(&s, eol, 10, &h->seg) != 0 ||
		    registry_get_num(&s, eol, 10, &h->off) != 0) {
			*why = "bad version line";
			return (REGISTRY_PARSE_CORRUPT);
		}
		h->has_pos = 1;
	}
	if (s != eol) {
		*why = "bad version line";
		return (REGISTRY_PARSE_CORRUPT);
	}
	for (line = eol + 1; line < data + len; line = eol + 1) {
		if ((eol = memchr(line, '\n', data + len - line)) == NULL) {
			*why = "line without a newline (file cut short?)";
			return (REGISTRY_PARSE_CORRUPT);
		}
		if ((size_t)(eol - line) > strlen(endtag) &&
		    memcmp(line, endtag, strlen(endtag)) == 0)
			break;
		if ((e = registry_parse_entry(line, eol,
		    h->version >= REGISTRY_VERSION)) == NULL) {
			*why = "malformed entry";
			return (REGISTRY_PARSE_CORRUPT);
		}
		registry_append(r, e);
	}
	if (line >= data + len) {
		*why = "no end line (file cut short?)";
		return (REGISTRY_PARSE_CORRUPT);
	}
	s = line + strlen(endtag);
	if (registry_get_num(&s, eol, 10, &count) != 0 || s == eol ||
	    registry_get_num(&s, eol, 16, &crc) != 0 || s != eol ||
	    eol + 1 != data + len) {
		*why = "malformed end line";
		return (REGISTRY_PARSE_CORRUPT);
	}
	if (crc != crc32c(0, data, line - data)) {
		*why = "checksum mismatch";
		return (REGISTRY_PARSE_CORRUPT);
	}
	if (count != r->n) {
		*why = "end line does not match the entries";
		return (REGISTRY_PARSE_CORRUPT);
	}
	return (REGISTRY_PARSE_OK);
}

static void
registry_clear(struct registry *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		registry_entry_free(r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
	r->idx_ok = 0;
}

/* Renames a damaged state file out of the way, with one log line. */
static void
registry_move_aside(struct registry *r, const char *path, const char *why)
{
	char	*aside;

	xasprintf(&aside, "%s%s%lld", path, REGISTRY_CORRUPT,
	    (long long)time(NULL));
	if (rename(path, aside) == -1)
		log_warnx("flow=%s: %s is corrupt (%s) and cannot be moved "
		    "aside (%s); starting with an empty registry: files are "
		    "read from their start", r->flow, path, why,
		    strerror(errno));
	else
		log_warnx("flow=%s: %s is corrupt (%s); moved to %s; starting "
		    "with an empty registry: files are read from their start",
		    r->flow, path, why, aside);
	free(aside);
	registry_clear(r);
	r->dirty = 1;
}

/* Imports the checkpoint file of earlier versions, if there is one. */
static void
registry_migrate(struct registry *r, const char *old)
{
	struct checkpoint_entry	*ce = NULL;
	struct registry_entry	*e;
	struct stat		 sb;
	char			*cause = NULL;
	size_t			 n = 0, i;

	if (stat(old, &sb) == -1) {
		r->is_new = 1;
		r->dirty = 1;
		return;
	}
	if (checkpoint_load(old, &ce, &n, &cause) == -1) {
		registry_move_aside(r, old, cause);
		free(cause);
		return;
	}
	for (i = 0; i < n; i++) {
		e = xcalloc(1, sizeof *e);
		e->dev = ce[i].dev;
		e->ino = ce[i].ino;
		e->fp = ce[i].fp;
		e->fplen = ce[i].fplen;
		e->offset = ce[i].offset;
		e->size = ce[i].offset;		/* not recorded there */
		e->state = REGISTRY_ACTIVE;
		e->updated = ce[i].updated;
		e->path = ce[i].path;
		ce[i].path = NULL;
		registry_append(r, e);
	}
	checkpoint_free_entries(ce, n);
	r->old_path = xstrdup(old);
	r->dirty = 1;
	log_info("flow=%s: imported %zu file offset%s from %s", r->flow, n,
	    n == 1 ? "" : "s", old);
}

/* Refuses a registry written by a newer sluiced, naming both versions. */
static void
registry_newer(const char *path, uint64_t version, char **cause)
{
	xasprintf(cause, "%s has version %llu, and this sluiced reads "
	    "version %d at most: not reading this flow's files, and leaving "
	    "the file as it is (run the newer sluiced, or move the file away "
	    "to start afresh)", path, (unsigned long long)version,
	    REGISTRY_VERSION);
}

/*
 * Reads the version 1 text registry, or else the checkpoint file before
 * it, or else this is the flow's first start.  Returns -1 (*cause set) for
 * a newer file.
 */
static int
registry_load_text(struct registry *r, const char *old, char **cause)
{
	struct registry_head	 h;
	enum registry_parse	 rv;
	const char		*why = NULL;
	char			*data = NULL, *err = NULL;
	size_t			 len;
	int			 rc = 0;

	if (registry_slurp(r->text_path, &data, &len, &err) == -1) {
		registry_move_aside(r, r->text_path, err);
		goto out;
	}
	if (data == NULL) {
		registry_migrate(r, old);
		goto out;
	}
	rv = registry_parse(r, data, len, 1, &h, &why);
	if (rv == REGISTRY_PARSE_NEWER) {
		registry_newer(r->text_path, h.version, cause);
		rc = -1;
	} else if (rv == REGISTRY_PARSE_CORRUPT)
		registry_move_aside(r, r->text_path, why);
	else {
		r->old_path = xstrdup(r->text_path);
		r->dirty = 1;
		log_info("flow=%s: imported %zu file offset%s from %s",
		    r->flow, r->n, r->n == 1 ? "" : "s", r->text_path);
	}
out:
	free(err);
	free(data);
	return (rc);
}

/*
 * Takes the offsets of the flushed file instead of the durable ones when
 * they follow the durable save that is on disk and the spool still holds
 * every record they count (intact).  Opens the flushed file for writing
 * either way; one that cannot be had is only logged: it saves duplicates,
 * not lines.
 */
static void
registry_load_flushed(struct registry *r, const char *dir,
    registry_intact_cb intact, void *arg)
{
	struct registry		*f;
	struct registry_head	 h;
	const char		*why = NULL;
	char			*path, *err = NULL;
	void			*data = NULL;
	size_t			 len;

	xasprintf(&path, "%s/%s", dir, REGISTRY_FLUSHED_FILE);
	r->fslots = slots_open(path, REGISTRY_FLUSHED_TAG, REGISTRY_SLOT_CAP,
	    r->who, &data, &len, &err);
	if (r->fslots == NULL) {
		log_warnx("flow=%s: %s; offsets are saved only when the spool "
		    "is synced", r->flow, err);
		free(err);
		goto out;
	}
	if (data == NULL)
		goto out;
	f = xcalloc(1, sizeof *f);
	if (registry_parse(f, data, len, 0, &h, &why) != REGISTRY_PARSE_OK ||
	    !h.has_pos) {
		log_warnx("flow=%s: %s: %s; ignored", r->flow, path,
		    why != NULL ? why : "no spool position");
	} else if (h.gen != r->gen)
		log_debug("flow=%s: %s is older than the registry", r->flow,
		    path);
	else if (intact == NULL)
		log_debug("flow=%s: %s: no spool to check it against",
		    r->flow, path);
	else if (!intact(arg, h.seg, h.off))
		log_warnx("flow=%s: the spool lost records written before "
		    "the stop (a power loss?): files are read again from "
		    "the offsets of the last sync", r->flow);
	else {
		registry_clear(r);
		r->v = f->v;
		r->n = f->n;
		r->cap = f->cap;
		f->v = NULL;
		f->n = f->cap = 0;
		r->dirty = 1;
		r->is_new = 0;
		log_info("flow=%s: resuming from the offsets of %zu file%s "
		    "whose records reached the spool (up to %llu:%llu)",
		    r->flow, r->n, r->n == 1 ? "" : "s",
		    (unsigned long long)h.seg, (unsigned long long)h.off);
	}
	registry_free(f);
out:
	free(data);
	free(path);
}

struct registry *
registry_load(const char *dir, const char *flow, registry_intact_cb intact,
    void *arg, char **cause)
{
	struct registry		*r;
	struct registry_head	 h;
	struct stat		 sb;
	enum registry_parse	 rv;
	const char		*why = NULL;
	char			*err = NULL, *old;
	void			*data = NULL;
	size_t			 len;
	int			 existed;

	r = xcalloc(1, sizeof *r);
	r->flow = xstrdup(flow);
	xasprintf(&r->who, "flow=%s", flow);
	xasprintf(&r->path, "%s/%s", dir, REGISTRY_SLOT_FILE);
	xasprintf(&r->text_path, "%s/%s", dir, REGISTRY_FILE);
	xasprintf(&old, "%s/%s", dir, REGISTRY_OLD_FILE);
	durable_remove_leftovers(r->text_path);
	durable_remove_leftovers(old);
	existed = stat(r->path, &sb) == 0;
	r->slots = slots_open(r->path, REGISTRY_SLOT_TAG, REGISTRY_SLOT_CAP,
	    r->who, &data, &len, &err);
	if (r->slots == NULL) {
		/* Newer, or unreadable: overwriting it could lose offsets. */
		xasprintf(cause, "%s: not reading this flow's files", err);
		goto refuse;
	}
	if (data != NULL) {
		rv = registry_parse(r, data, len, 0, &h, &why);
		if (rv == REGISTRY_PARSE_NEWER) {
			registry_newer(r->path, h.version, cause);
			goto refuse;
		}
		if (rv == REGISTRY_PARSE_CORRUPT || h.has_pos) {
			/* Its slots are whole: a bug wrote it, not a crash. */
			slots_close(r->slots);
			registry_move_aside(r, r->path, why != NULL ? why :
			    "a spool position in the registry");
			free(data);
			data = NULL;
			r->slots = slots_open(r->path, REGISTRY_SLOT_TAG,
			    REGISTRY_SLOT_CAP, r->who, &data, &len, &err);
			if (r->slots == NULL) {
				xasprintf(cause, "%s", err);
				goto refuse;
			}
		} else
			r->gen = h.gen;
		/* Written before the text one was retired. */
		if (stat(r->text_path, &sb) == 0)
			r->old_path = xstrdup(r->text_path);
	} else if (existed)
		r->dirty = 1;	/* corrupt, moved aside by slots_open */
	else if (registry_load_text(r, old, cause) == -1)
		goto refuse;
	registry_load_flushed(r, dir, intact, arg);
	goto out;

refuse:
	registry_free(r);
	r = NULL;
out:
	free(err);
	free(old);
	free(data);
	return (r);
}

/* Writes the entries as a payload whose version line ends with extra. */
static int
registry_encode(struct registry *r, struct buf *b, const char *extra,
    char **cause)
{
	struct registry_entry	*e;
	size_t			 i, head;

	buf_printf(b, "%s %d %s\n", REGISTRY_TAG, REGISTRY_VERSION, extra);
	for (i = 0; i < r->n; i++) {
		e = r->v[i];
		buf_printf(b, "%" PRIu64 " %" PRIu64 " %016" PRIx64
		    " %" PRIu32 " %" PRIu64 " %" PRIu64 " %016" PRIx64
		    " %" PRIu32 " %" PRIu64 " %s %" PRId64 " ",
		    e->dev, e->ino, e->fp, e->fplen, e->offset, e->size,
		    e->tail, e->taillen, e->tailend,
		    registry_state_names[e->state],
		    e->updated < 0 ? 0 : e->updated);
		checkpoint_put_path(b, e->path);
		buf_addc(b, '\n');
	}
	head = b->len;
	if (!buf_has_failed(b))
		buf_printf(b, "%s %zu %08" PRIx32 "\n", REGISTRY_END, r->n,
		    crc32c(0, b->data, head));
	if (buf_has_failed(b)) {
		xasprintf(cause, "%s: %zu entries would pass %d MiB", r->path,
		    r->n, REGISTRY_MAX_FILE / (1024 * 1024));
		return (-1);
	}
	return (0);
}

int
registry_save(struct registry *r, char **cause)
{
	struct buf	 b = BUF_INIT(REGISTRY_MAX_FILE);
	char		*moved, extra[32];
	int		 rc = -1;

	if (!r->dirty)
		return (0);
	snprintf(extra, sizeof extra, "%llu", (unsigned long long)r->gen + 1);
	if (registry_encode(r, &b, extra, cause) == -1)
		goto out;
	if (slots_write(r->slots, b.data, b.len, cause) == -1)
		goto out;
	if (slots_sync(r->slots) == -1) {
		xasprintf(cause, "%s: sync: %s", r->path, strerror(errno));
		goto out;
	}
	r->gen++;
	r->dirty = 0;
	if (r->old_path != NULL) {
		/* The registry is durable: the old file is history now. */
		xasprintf(&moved, "%s%s", r->old_path, REGISTRY_MIGRATED);
		if (rename(r->old_path, moved) == -1)
			log_warn("flow=%s: rename %s to %s", r->flow,
			    r->old_path, moved);
		free(moved);
		free(r->old_path);
		r->old_path = NULL;
	}
	rc = 0;
out:
	buf_free(&b);
	return (rc);
}

int
registry_flushed_is_due(struct registry *r)
{
	uint64_t	wait;

	if (r->fslots == NULL)
		return (0);
	/* A large registry is written less often: its cost stays bounded. */
	wait = REGISTRY_FLUSHED_MS * (1 + r->flushed_len /
	    REGISTRY_FLUSHED_UNIT);
	return (loop_now_ms() - r->flushed_ms >= wait);
}

int
registry_save_flushed(struct registry *r, uint64_t seg, uint64_t off,
    char **cause)
{
	struct buf	 b = BUF_INIT(REGISTRY_MAX_FILE);
	char		 extra[80];
	int		 rc = -1;

	if (r->fslots == NULL || !r->fdirty)
		return (0);
	snprintf(extra, sizeof extra, "%llu %llu %llu",
	    (unsigned long long)r->gen, (unsigned long long)seg,
	    (unsigned long long)off);
	if (registry_encode(r, &b, extra, cause) == -1)
		goto out;
	if (slots_write(r->fslots, b.data, b.len, cause) == -1)
		goto out;
	r->fdirty = 0;
	r->flushed_ms = loop_now_ms();
	r->flushed_len = b.len;
	rc = 0;
out:
	buf_free(&b);
	return (rc);
}

void
registry_free(struct registry *r)
{
	if (r == NULL)
		return;
	registry_clear(r);
	free(r->idx);
	slots_close(r->slots);
	slots_close(r->fslots);
	free(r->old_path);
	free(r->text_path);
	free(r->path);
	free(r->who);
	free(r->flow);
	free(r);
}

int
registry_is_new(struct registry *r)
{
	return (r->is_new);
}

size_t
registry_count(struct registry *r)
{
	return (r->n);
}

struct registry_entry *
registry_entry_at(struct registry *r, size_t i)
{
	return (i < r->n ? r->v[i] : NULL);
}

int
registry_entry_is_file(const struct registry_entry *e, int fd, int same_id)
{
	struct stat	sb;
	uint64_t	fp;
	uint32_t	fplen;

	if (same_id && (fstat(fd, &sb) == -1 ||
	    (uint64_t)sb.st_dev != e->dev || (uint64_t)sb.st_ino != e->ino))
		return (0);
	if (checkpoint_fingerprint_n(fd, e->fplen, &fp, &fplen) == -1)
		return (0);
	return (fplen == e->fplen && fp == e->fp);
}

struct registry_entry *
registry_lookup(struct registry *r, int fd)
{
	struct registry_entry	*e;
	struct stat		 sb;

	if (fstat(fd, &sb) == -1 ||
	    (e = registry_find(r, sb.st_dev, sb.st_ino)) == NULL)
		return (NULL);
	/* One entry per inode: another head is another file. */
	return (registry_entry_is_file(e, fd, 0) ? e : NULL);
}

struct registry_entry *
registry_find(struct registry *r, uint64_t dev, uint64_t ino)
{
	size_t	*s;

	if (!r->idx_ok)
		registry_idx_build(r);
	s = registry_idx_slot(r, dev, ino);
	return (*s != 0 ? r->v[*s - 1] : NULL);
}

struct registry_entry *
registry_lookup_fp(struct registry *r, int fd)
{
	struct registry_entry	*e;
	uint64_t		 fp = 0;
	uint32_t		 fplen = 0, want = UINT32_MAX;
	size_t			 i;

	for (i = 0; i < r->n; i++) {
		e = r->v[i];
		if (e->fplen == 0)
			continue;
		/* Most entries hash CHECKPOINT_FP_MAX bytes: hash once. */
		if (e->fplen != want) {
			want = e->fplen;
			if (checkpoint_fingerprint_n(fd, want, &fp,
			    &fplen) == -1)
				return (NULL);
		}
		if (fplen == e->fplen && fp == e->fp)
			return (e);
	}
	return (NULL);
}

struct registry_entry *
registry_add(struct registry *r, uint64_t dev, uint64_t ino, uint64_t fp,
    uint32_t fplen, uint64_t offset, uint64_t size, const char *path)
{
	struct registry_entry	*e;
	size_t			*s;

	e = xcalloc(1, sizeof *e);
	e->dev = dev;
	e->ino = ino;
	e->fp = fp;
	e->fplen = fplen;
	e->offset = offset;
	e->size = size;
	e->state = REGISTRY_ACTIVE;
	e->updated = time(NULL);
	e->path = xstrdup(path);
	r->dirty = r->fdirty = 1;
	if (!r->idx_ok)
		registry_idx_build(r);
	s = registry_idx_slot(r, dev, ino);
	if (*s != 0) {
		registry_entry_free(r->v[*s - 1]);
		r->v[*s - 1] = e;
		return (e);
	}
	registry_append(r, e);
	/* Kept at most half full: else built again, larger. */
	if (2 * (r->n + 1) > r->nidx)
		registry_idx_build(r);
	else {
		*s = r->n;
		r->idx_ok = 1;
	}
	return (e);
}

void
registry_update(struct registry *r, struct registry_entry *e, uint64_t fp,
    uint32_t fplen, uint64_t offset, uint64_t size, enum registry_state st,
    const char *path)
{
	if (e->fp == fp && e->fplen == fplen && e->offset == offset &&
	    e->size == size && e->state == st && strcmp(e->path, path) == 0)
		return;
	if (e->offset != offset)
		/* The tail of the old offset. */
		e->tail = e->taillen = e->tailend = 0;
	e->fp = fp;
	e->fplen = fplen;
	e->offset = offset;
	e->size = size;
	e->state = st;
	if (strcmp(e->path, path) != 0) {
		free(e->path);
		e->path = xstrdup(path);
	}
	e->updated = time(NULL);
	r->dirty = r->fdirty = 1;
}

void
registry_set_tail(struct registry *r, struct registry_entry *e,
    uint64_t tail, uint32_t taillen, uint64_t tailend)
{
	if (taillen > REGISTRY_TAIL_MAX || taillen > tailend)
		taillen = 0;
	if (taillen == 0)
		tail = tailend = 0;
	if (e->tail == tail && e->taillen == taillen && e->tailend == tailend)
		return;
	e->tail = tail;
	e->taillen = taillen;
	e->tailend = tailend;
	r->dirty = r->fdirty = 1;
}

uint64_t
registry_tail_hash(const void *p, size_t len)
{
	const unsigned char	*s = p;
	uint64_t		 h = FNV64_OFFSET;
	size_t			 i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= FNV64_PRIME;
	}
	return (h);
}

size_t
registry_prune(struct registry *r, int64_t now, int64_t ttl)
{
	size_t	i, kept = 0, removed;

	for (i = 0; i < r->n; i++) {
		if (r->v[i]->state == REGISTRY_FINISHED &&
		    now - r->v[i]->updated >= ttl) {
			registry_entry_free(r->v[i]);
			continue;
		}
		r->v[kept++] = r->v[i];
	}
	removed = r->n - kept;
	r->n = kept;
	if (removed > 0) {
		r->dirty = r->fdirty = 1;
		r->idx_ok = 0;
	}
	return (removed);
}
