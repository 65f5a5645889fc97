/*
 * buf: the one growable byte buffer, with a maximum given at init (the
 * idea of curl's lib/dynbuf.c, curlx_dyn_init(s, toobig)).  Every buffer
 * whose size depends on input is one of these, so a huge line or a huge
 * response is refused by policy and never runs the process out of memory.
 *
 * An append that would take len past max fails: it returns -1, writes
 * nothing, and marks the buffer failed.  The mark is sticky until
 * buf_reset, so a writer that appends many pieces checks once, at the end
 * (buf_has_failed), instead of after every piece; what the buffer holds
 * then is not to be used.
 *
 * The fast path (room already there) is inline: one compare per append.
 * Growth is geometric, so appending byte by byte stays linear.
 *
 * A lent buffer (buf_lend) is a window into memory its owner keeps: it is
 * never freed, and growing it moves what it holds into memory of its own.
 */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct buf {
	char	*data;		/* NULL until the first append */
	size_t	 len;
	size_t	 cap;
	size_t	 max;		/* len never goes past this */
	int	 lent;		/* data is someone else's: never freed */
	int	 failed;	/* an append went past max */
};

/* A static initializer: struct buf b = BUF_INIT(1024 * 1024); */
#define BUF_INIT(max)	{ NULL, 0, 0, (max), 0, 0 }

/*
 * Makes b empty, with no memory, holding at most max bytes.  Inline, as
 * buf_lend: the chain makes a window for every record it converts.
 */
static inline void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->lent = 0;
	b->failed = 0;
}

/*
 * Makes room for more bytes after len (out of line; see buf_reserve).
 * Returns 0, or -1 if len + more would pass max: then b is marked failed
 * and is unchanged otherwise.
 */
int	buf_grow(struct buf *b, size_t more);

/*
 * Makes room for more bytes after len, so that the caller may write up to
 * b->data + b->len + more and then move len.  Returns 0, or -1 (write
 * nothing) if that would pass max.
 */
static inline int
buf_reserve(struct buf *b, size_t more)
{
	if (more > b->cap - b->len)
		return (buf_grow(b, more));
	return (0);
}

/* Appends len bytes at p.  Returns 0, or -1 (nothing appended). */
static inline int
buf_add(struct buf *b, const void *p, size_t len)
{
	if (len == 0)
		return (0);
	if (buf_reserve(b, len) == -1)
		return (-1);
	memcpy(b->data + b->len, p, len);
	b->len += len;
	return (0);
}

/* Appends one byte, or a NUL-terminated string.  0 or -1, as buf_add. */
int	buf_addc(struct buf *b, char c);
int	buf_adds(struct buf *b, const char *s);

/* Appends printf output.  0 or -1, as buf_add. */
int	buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

/* Returns 1 if an append went past max since the last reset, else 0. */
static inline int
buf_has_failed(const struct buf *b)
{
	return (b->failed);
}

/*
 * Returns the contents as a NUL-terminated string (the NUL is not counted
 * in len and may be one byte past max); "" when empty.  Valid until the
 * next change to b.
 */
const char *buf_cstr(struct buf *b);

/*
 * Returns the contents as a NUL-terminated string the caller frees, and
 * leaves b empty with no memory.  Never NULL: an empty buffer gives "".
 */
char	*buf_take(struct buf *b);

/* Empties b (len 0, not failed); keeps its memory for reuse. */
void	buf_reset(struct buf *b);

/*
 * Empties b, and frees its memory if it grew past keep bytes: a buffer
 * that one long record grew does not stay large for the short ones.
 */
void	buf_shrink(struct buf *b, size_t keep);

/* Frees b's memory (unless lent) and empties it; max is kept. */
void	buf_free(struct buf *b);

/*
 * Makes b a window of cap bytes at data, owned by the caller and holding
 * nothing yet (its last byte is kept for buf_cstr's NUL): appends write
 * there until they need more room, when the contents move to memory of
 * b's own.  Frees what b held before; max is kept.
 */
static inline void
buf_lend(struct buf *b, char *data, size_t cap)
{
	if (b->data != NULL)
		buf_free(b);
	b->len = 0;
	b->failed = 0;
	if (cap == 0)
		return;
	b->data = data;
	b->cap = cap - 1 < b->max ? cap - 1 : b->max;
	b->lent = 1;
}

#endif /* BUF_H */
