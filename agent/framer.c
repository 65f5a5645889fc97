/*
 * framer: see framer.h.
 *
 * Every line is handed to framer_line whole.  A line that lies inside the
 * caller's buffer is used in place, and so is a record made of such lines,
 * so the common case copies nothing.  A line that spans two feeds is
 * gathered in lbuf, and a record still pending when a feed ends is copied
 * into part; both are bounded by max_record.  A line longer than that is
 * decided on its first max_record bytes (framer_line_head) and the rest is
 * only counted.
 *
 * Settling: unsettled counts the bytes fed since the start of the oldest
 * thing still held (header lines not all seen, the pending record, the
 * partial line, a footer and its tail).  A record settles its input bytes
 * when it is complete, so the consumed offset always lies on the first
 * byte of a record (or header line), and restarting there with a fresh
 * framer makes the same records from then on: the rule "a record is a run
 * of lines of which only the first may match, at most max_lines long"
 * needs no memory of what came before.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "framer.h"
#include "jregex.h"
#include "log.h"
#include "utf8.h"
#include "xmalloc.h"

/* A buffer grown past this is freed once it is empty again. */
#define FRAMER_KEEP	(256 * 1024)

/* Read-only once made, and shared by every framer of the flow. */
struct framer_conf {
	int			 refs;		/* creator and framers */
	size_t			 max_record;
	char			*term;
	size_t			 termlen;
	int			 runaway;	/* framer_params.runaway */
	pcre2_code		*start;		/* multiLineStartPattern */
	pcre2_code		*footer;	/* fileFooterPattern */
	uint64_t		 flush_ms;
	uint64_t		 max_lines;	/* 1 without a start pattern */
	uint64_t		 skip_header;
};

struct framer {
	struct framer_conf	*conf;		/* the flow's, shared */
	pcre2_match_data	*md;
	struct buf		 fix;		/* a line repaired to UTF-8 */
	struct framer_stats	 own;
	struct framer_stats	*stats;

	uint64_t		 unsettled;
	uint64_t		 skip_left;	/* header lines still to skip */
	uint64_t		 hdr_bytes;	/* of the header lines seen */
	uint64_t		 hdr_ln;	/* of a partial header line */
	int			 finished;	/* a footer was seen */

	int			 rec_open;
	int			 rec_cut;	/* emitted truncated */
	uint64_t		 rec_lines;
	uint64_t		 rec_bytes;	/* input bytes of the record */
	const char		*rec_ptr;	/* record in the caller's buffer */
	size_t			 rec_len;
	struct buf		 part;		/* or gathered, <= max_record */
	uint64_t		 deadline;

	struct buf		 lbuf;		/* partial line, <= max_record */
	uint64_t		 ln_len;	/* bytes of the partial line */
	int			 ln_long;	/* longer than max_record */

	/* For the duration of one call. */
	framer_emit_cb		 emit;
	void			*arg;
	int64_t			 settled;
};

/*
 * Matches a line as the agent does: decoded from UTF-8 into a String
 * (malformed bytes become U+FFFD), so a line that is not valid UTF-8 is
 * matched in its repaired form.  Returns 1 on a match; a matching error
 * (a resource limit) counts as no match.
 */
static int
framer_match(struct framer *f, pcre2_code *re, const char *s, size_t len)
{
	int	rc;

	/* A line is at most max_record, which fix's maximum allows. */
	if ((s = utf8_repair_buf(&f->fix, s, &len)) == NULL)
		return (0);
	if (jregex_is_jit(re))
		rc = pcre2_jit_match(re, (PCRE2_SPTR)s, len, 0, 0, f->md,
		    NULL);
	else
		rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0,
		    PCRE2_NO_UTF_CHECK, f->md, NULL);
	return (rc >= 0);
}

/* Java's String.trim() drops chars <= U+0020 at both ends, then matches(). */
static int
framer_is_footer(struct framer *f, const char *p, size_t len)
{
	while (len > 0 && (unsigned char)p[len - 1] <= ' ')
		len--;
	while (len > 0 && (unsigned char)*p <= ' ') {
		p++;
		len--;
	}
	return (framer_match(f, f->conf->footer, p, len));
}

struct framer_conf *
framer_conf_create(const struct framer_params *fp, char **cause)
{
	struct framer_conf	*c;
	const char		*term;
	char			*java, *why = NULL;

	c = xcalloc(1, sizeof *c);
	c->refs = 1;
	term = fp->runaway ? "" : fp->terminator != NULL ? fp->terminator :
	    "\n";
	c->runaway = fp->runaway;
	c->term = xstrdup(term);
	c->termlen = strlen(term);
	c->max_record = fp->max_record;
	if (c->max_record <= c->termlen)
		c->max_record = c->termlen + 1;
	if (fp->start_pattern != NULL) {
		/* lookingAt(): anchored at the start only. */
		c->start = jregex_compile(fp->start_pattern, PCRE2_ANCHORED,
		    &why);
		if (c->start == NULL) {
			xasprintf(cause, "multiLineStartPattern: %s", why);
			goto fail;
		}
		c->flush_ms = fp->flush_ms;
		c->max_lines = fp->max_lines;
	} else
		c->max_lines = 1;
	if (fp->footer_pattern != NULL) {
		/* Pattern.compile(p, MULTILINE), then matches(). */
		xasprintf(&java, "(?m)%s", fp->footer_pattern);
		c->footer = jregex_compile(java, PCRE2_ANCHORED |
		    PCRE2_ENDANCHORED, &why);
		free(java);
		if (c->footer == NULL) {
			xasprintf(cause, "fileFooterPattern: %s", why);
			goto fail;
		}
	}
	c->skip_header = fp->skip_header;
	return (c);

fail:
	free(why);
	framer_conf_free(c);
	return (NULL);
}

void
framer_conf_free(struct framer_conf *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	pcre2_code_free(c->footer);
	pcre2_code_free(c->start);
	free(c->term);
	free(c);
}

size_t
framer_conf_max_record(const struct framer_conf *c)
{
	return (c->max_record);
}

struct framer *
framer_create(struct framer_conf *c, int at_start, struct framer_stats *stats)
{
	struct framer	*f;

	f = xcalloc(1, sizeof *f);
	c->refs++;
	f->conf = c;
	buf_init(&f->part, f->conf->max_record);
	buf_init(&f->lbuf, f->conf->max_record);
	buf_init(&f->fix, UTF8_REPAIR_MAX(f->conf->max_record));
	/* Matching writes to its match data: one per framer. */
	f->md = pcre2_match_data_create(1, NULL);
	if (f->md == NULL)
		fatalx("pcre2_match_data_create");
	f->stats = stats != NULL ? stats : &f->own;
	framer_reset(f, at_start);
	return (f);
}

void
framer_free(struct framer *f)
{
	if (f == NULL)
		return;
	pcre2_match_data_free(f->md);
	buf_free(&f->fix);
	buf_free(&f->lbuf);
	buf_free(&f->part);
	framer_conf_free(f->conf);
	free(f);
}

/* Forgets the record being built (emitted, cut or abandoned). */
static void
framer_rec_clear(struct framer *f)
{
	f->rec_open = 0;
	f->rec_cut = 0;
	f->rec_lines = 0;
	f->rec_bytes = 0;
	f->rec_ptr = NULL;
	f->rec_len = 0;
	f->part.len = 0;
	f->deadline = 0;
}

void
framer_reset(struct framer *f, int at_start)
{
	f->unsettled = 0;
	f->skip_left = at_start ? f->conf->skip_header : 0;
	f->hdr_bytes = 0;
	f->hdr_ln = 0;
	f->finished = 0;
	framer_rec_clear(f);
	f->lbuf.len = 0;
	f->ln_len = 0;
	f->ln_long = 0;
}

uint64_t
framer_pending(struct framer *f)
{
	return (f->unsettled);
}

int
framer_is_finished(struct framer *f)
{
	return (f->finished);
}

const struct framer_stats *
framer_stats(struct framer *f)
{
	return (f->stats);
}

uint64_t
framer_deadline(struct framer *f)
{
	/* A long line inside the record must end before the record can. */
	if (!f->rec_open || f->ln_long)
		return (0);
	return (f->deadline);
}

/* Appends to part or lbuf (at most max_record bytes); the excess is dropped. */
static void
framer_append(struct buf *b, const char *p, size_t n)
{
	if (n > b->max - b->len)
		n = b->max - b->len;
	buf_add(b, p, n);
}

static void
framer_settle(struct framer *f, uint64_t n)
{
	f->settled += n;
	f->unsettled -= n;
}

/* Moves a record held in place into part, before the buffer goes away. */
static void
framer_rec_unplace(struct framer *f)
{
	if (f->rec_ptr == NULL)
		return;
	f->part.len = 0;
	framer_append(&f->part, f->rec_ptr, f->rec_len);
	f->rec_ptr = NULL;
	f->rec_len = 0;
}

/* Emits the record cut: part holds max_record bytes of it. */
static int
framer_rec_cut(struct framer *f)
{
	const struct framer_conf	*c = f->conf;

	memcpy(f->part.data + c->max_record - c->termlen, c->term, c->termlen);
	if (f->emit(f->arg, f->part.data, c->max_record) == -1)
		return (-1);
	f->stats->records++;
	if (f->conf->runaway)
		f->stats->runaway++;
	else
		f->stats->truncated++;
	f->rec_cut = 1;
	f->part.len = 0;
	return (0);
}

/* Adds n bytes of a line (in the caller's buffer if inplace). */
static int
framer_rec_add(struct framer *f, const char *p, size_t n, int inplace)
{
	size_t	stored;

	if (!f->rec_open) {
		f->rec_open = 1;
		f->rec_cut = 0;
		f->rec_lines = 0;
		f->rec_bytes = 0;
	}
	f->rec_bytes += n;
	if (f->rec_cut)
		return (0);
	stored = f->rec_ptr != NULL ? f->rec_len : f->part.len;
	if (stored + n <= f->conf->max_record) {
		if (inplace && stored == 0) {
			f->rec_ptr = p;
			f->rec_len = n;
			return (0);
		}
		if (inplace && f->rec_ptr != NULL &&
		    f->rec_ptr + f->rec_len == p) {
			f->rec_len += n;
			return (0);
		}
		framer_rec_unplace(f);
		framer_append(&f->part, p, n);
		return (0);
	}
	framer_rec_unplace(f);
	framer_append(&f->part, p, n);
	return (framer_rec_cut(f));
}

/*
 * The pending record is complete: emits it (unless it went out cut) and
 * settles its bytes.  On refusal nothing changes.
 */
static int
framer_rec_finish(struct framer *f)
{
	const char	*data;
	size_t		 len;

	if (!f->rec_open)
		return (0);
	if (!f->rec_cut) {
		data = f->rec_ptr != NULL ? f->rec_ptr : f->part.data;
		len = f->rec_ptr != NULL ? f->rec_len : f->part.len;
		if (f->emit(f->arg, data, len) == -1)
			return (-1);
		f->stats->records++;
	} else
		f->stats->discarded_bytes += f->rec_bytes -
		    (f->conf->max_record - f->conf->termlen);
	framer_settle(f, f->rec_bytes);
	framer_rec_clear(f);
	return (0);
}

/* A whole line of len <= max_record bytes. */
static int
framer_line(struct framer *f, const char *p, size_t len, int inplace)
{
	if (f->conf->footer != NULL && framer_is_footer(f, p, len)) {
		if (framer_rec_finish(f) == -1)
			return (-1);
		/* The footer and what follows stay unsettled: see framer.h. */
		f->stats->footers++;
		f->finished = 1;
		return (0);
	}
	if (f->conf->start != NULL && f->rec_open &&
	    framer_match(f, f->conf->start, p, len)) {
		if (framer_rec_finish(f) == -1)
			return (-1);
	}
	if (framer_rec_add(f, p, len, inplace) == -1)
		return (-1);
	f->rec_lines++;
	if (f->conf->max_lines != 0 && f->rec_lines >= f->conf->max_lines)
		return (framer_rec_finish(f));
	return (0);
}

/*
 * The first max_record bytes of a longer line, whose end is still to
 * come.  It cannot be a footer; it may start a record, which overflows.
 */
static int
framer_line_head(struct framer *f, const char *p, size_t len)
{
	if (f->conf->start != NULL && f->rec_open &&
	    framer_match(f, f->conf->start, p, len)) {
		if (framer_rec_finish(f) == -1)
			return (-1);
	}
	if (framer_rec_add(f, p, len, 0) == -1)
		return (-1);
	f->rec_lines++;
	if (!f->rec_cut) {
		framer_rec_unplace(f);
		if (framer_rec_cut(f) == -1)
			return (-1);
	}
	f->ln_long = 1;
	return (0);
}

/* The end of a long line has come. */
static int
framer_line_long_end(struct framer *f)
{
	f->ln_long = 0;
	f->ln_len = 0;
	if (f->conf->max_lines != 0 && f->rec_lines >= f->conf->max_lines)
		return (framer_rec_finish(f));
	return (0);
}

/* n bytes of a line that spans feeds or is too long; nl: they end it. */
static int
framer_line_part(struct framer *f, const char *p, size_t n, int nl)
{
	size_t	len;

	if (f->ln_long) {
		f->rec_bytes += n;
		f->ln_len += n;
		return (nl ? framer_line_long_end(f) : 0);
	}
	framer_append(&f->lbuf, p, n);
	f->ln_len += n;
	if (nl && f->ln_len <= f->conf->max_record) {
		len = f->lbuf.len;
		f->lbuf.len = 0;
		f->ln_len = 0;
		return (framer_line(f, f->lbuf.data, len, 0));
	}
	if (f->lbuf.len < f->conf->max_record)
		return (0);
	/* max_record bytes without an end: the line is longer. */
	f->lbuf.len = 0;
	if (framer_line_head(f, f->lbuf.data, f->conf->max_record) == -1)
		return (-1);
	f->rec_bytes += f->ln_len - f->conf->max_record;
	return (nl ? framer_line_long_end(f) : 0);
}

/*
 * Frees the buffers a long record or line grew once they are empty again,
 * so that one long line does not pin megabytes per file (up to five times
 * the read buffer with converters).
 */
static void
framer_trim(struct framer *f)
{
	if (f->part.len == 0)
		buf_shrink(&f->part, FRAMER_KEEP);
	if (f->lbuf.len == 0)
		buf_shrink(&f->lbuf, FRAMER_KEEP);
	buf_shrink(&f->fix, FRAMER_KEEP);
}

int64_t
framer_feed(struct framer *f, const char *buf, size_t len, uint64_t now_ms,
    framer_emit_cb emit, void *arg, int *stopped)
{
	const char	*p = buf, *end = buf + len, *nl, *q;
	size_t		 n;

	f->emit = emit;
	f->arg = arg;
	f->settled = 0;
	f->unsettled += len;
	while (p < end) {
		/*
		 * The common case, one record per line and nothing pending:
		 * each whole line goes straight out, as framer_line would
		 * send it.
		 */
		if (f->conf->start == NULL && f->conf->footer == NULL &&
		    f->skip_left == 0 && f->ln_len == 0 && !f->rec_open) {
			while (p < end) {
				if ((nl = memchr(p, '\n', end - p)) == NULL)
					break;
				n = nl + 1 - p;
				if (n > f->conf->max_record)
					break;
				if (emit(arg, p, n) == -1) {
					/* Held as framer_rec_finish
					 * leaves it. */
					f->rec_open = 1;
					f->rec_lines = 1;
					f->rec_bytes = n;
					f->rec_ptr = p;
					f->rec_len = n;
					goto stop;
				}
				f->stats->records++;
				f->settled += n;
				f->unsettled -= n;
				p = nl + 1;
			}
			if (p == end)
				break;
		}
		if (f->finished) {
			f->stats->discarded_bytes += end - p;
			break;
		}
		nl = memchr(p, '\n', end - p);
		q = nl != NULL ? nl + 1 : end;
		n = q - p;
		if (f->skip_left > 0) {
			f->hdr_bytes += n;
			f->hdr_ln = nl != NULL ? 0 : f->hdr_ln + n;
			if (nl != NULL) {
				f->stats->header_lines++;
				if (--f->skip_left == 0) {
					framer_settle(f, f->hdr_bytes);
					f->hdr_bytes = 0;
				}
			}
		} else if (f->ln_len == 0 && nl != NULL &&
		    n <= f->conf->max_record) {
			if (framer_line(f, p, n, 1) == -1)
				goto stop;
		} else if (framer_line_part(f, p, n, nl != NULL) == -1)
			goto stop;
		p = q;
	}
	/* Nothing may point into buf after this call. */
	framer_rec_unplace(f);
	if (f->rec_open && f->conf->start != NULL && f->conf->flush_ms != 0 && len > 0)
		f->deadline = now_ms + f->conf->flush_ms;
	framer_trim(f);
	*stopped = 0;
	return (f->settled);

stop:
	*stopped = 1;
	return (f->settled);
}

int64_t
framer_expire(struct framer *f, uint64_t now_ms, framer_emit_cb emit,
    void *arg)
{
	uint64_t	deadline;

	deadline = framer_deadline(f);
	if (deadline == 0 || now_ms < deadline)
		return (0);
	f->emit = emit;
	f->arg = arg;
	f->settled = 0;
	if (framer_rec_finish(f) == -1)
		return (-1);
	return (f->settled);
}

int64_t
framer_flush(struct framer *f, framer_emit_cb emit, void *arg)
{
	size_t	len;

	f->emit = emit;
	f->arg = arg;
	f->settled = 0;
	if (f->finished)
		return (0);
	if (f->skip_left > 0) {
		/* The whole input was header. */
		if (f->hdr_ln > 0) {
			f->stats->header_lines++;
			f->skip_left--;
			f->hdr_ln = 0;
		}
		framer_settle(f, f->hdr_bytes);
		f->hdr_bytes = 0;
		return (f->settled);
	}
	if (f->ln_long) {
		if (framer_line_long_end(f) == -1)
			return (-1);
	} else if (f->ln_len > 0) {
		len = f->lbuf.len;
		f->lbuf.len = 0;
		f->ln_len = 0;
		if (framer_line(f, f->lbuf.data, len, 0) == -1)
			return (-1);
	}
	if (framer_rec_finish(f) == -1)
		return (-1);
	return (f->settled);
}
