/*
 * framer: see framer.h.  Lines that lie whole inside the caller's buffer are
 * emitted in place, without a copy; only a line that spans two feeds is
 * gathered in the framer's own buffer, which is bounded by max_record.
 */
#include <stdlib.h>
#include <string.h>

#include "framer.h"
#include "xmalloc.h"

struct framer {
	size_t	 max_record;
	char	*term;
	size_t	 termlen;
	char	*part;		/* partial line, at most max_record bytes */
	size_t	 partlen;
	size_t	 partcap;
	size_t	 held;		/* bytes of the current line seen so far */
	int	 discarding;	/* line already emitted truncated */
};

struct framer *
framer_create(size_t max_record, const char *terminator)
{
	struct framer	*f;

	f = xcalloc(1, sizeof *f);
	f->term = xstrdup(terminator);
	f->termlen = strlen(terminator);
	if (max_record <= f->termlen)
		max_record = f->termlen + 1;
	f->max_record = max_record;
	return (f);
}

void
framer_free(struct framer *f)
{
	if (f == NULL)
		return;
	free(f->part);
	free(f->term);
	free(f);
}

size_t
framer_pending(struct framer *f)
{
	return (f->held);
}

void
framer_reset(struct framer *f)
{
	f->partlen = 0;
	f->held = 0;
	f->discarding = 0;
}

static void
framer_gather(struct framer *f, const char *p, size_t n)
{
	size_t	room;

	room = f->max_record - f->partlen;
	if (n > room)
		n = room;
	if (n == 0)
		return;
	if (f->partlen + n > f->partcap) {
		f->partcap = f->partlen + n;
		if (f->partcap < 4096)
			f->partcap = 4096;
		if (f->partcap > f->max_record)
			f->partcap = f->max_record;
		f->part = xrealloc(f->part, f->partcap);
	}
	memcpy(f->part + f->partlen, p, n);
	f->partlen += n;
}

/* Emits the gathered partial line, cut to max_record with the terminator. */
static int
framer_emit_part(struct framer *f, framer_emit_cb emit, void *arg,
    uint64_t *truncated, int cut)
{
	if (cut) {
		memcpy(f->part + f->max_record - f->termlen, f->term,
		    f->termlen);
		if (truncated != NULL)
			(*truncated)++;
	}
	return (emit(arg, f->part, f->partlen));
}

int64_t
framer_feed(struct framer *f, const char *buf, size_t len,
    framer_emit_cb emit, void *arg, uint64_t *truncated, int *stopped)
{
	const char	*p = buf, *end = buf + len, *nl;
	int64_t		 settled = 0;
	size_t		 n;

	while (p < end) {
		nl = memchr(p, '\n', end - p);
		if (nl == NULL) {
			/* A partial line: hold it, bounded. */
			n = end - p;
			if (!f->discarding) {
				framer_gather(f, p, n);
				if (f->held + n > f->max_record) {
					/* Too long already: emit it cut. */
					if (framer_emit_part(f, emit, arg,
					    truncated, 1) == -1)
						goto stop;
					f->discarding = 1;
					f->partlen = 0;
				}
			}
			f->held += n;
			break;
		}
		n = nl + 1 - p;
		if (f->discarding) {
			/* The tail of a line already emitted truncated. */
			settled += f->held + n;
			f->held = 0;
			f->discarding = 0;
		} else if (f->held == 0 && n <= f->max_record) {
			if (emit(arg, p, n) == -1)
				goto stop;
			settled += n;
		} else {
			framer_gather(f, p, n);
			if (framer_emit_part(f, emit, arg, truncated,
			    f->held + n > f->max_record) == -1)
				goto stop;
			settled += f->held + n;
			f->held = 0;
			f->partlen = 0;
		}
		p = nl + 1;
	}
	*stopped = 0;
	return (settled);
stop:
	*stopped = 1;
	return (settled);
}

int
framer_flush(struct framer *f, framer_emit_cb emit, void *arg)
{
	int	rv = 0;

	if (f->held > 0 && !f->discarding && f->partlen > 0)
		rv = emit(arg, f->part, f->partlen);
	if (rv == 0)
		framer_reset(f);
	return (rv);
}
