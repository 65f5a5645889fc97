/*
 * buf: the bounded growable byte buffer (see buf.h).  The inline fast path
 * lives in the header; this file grows, formats and hands memory over.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xmalloc.h"

/* Smallest allocation: one typical log line and its JSON. */
#define BUF_MIN	1024

/*
 * Gives b cap bytes of its own memory, keeping its contents, plus one for
 * the NUL of buf_cstr and vsnprintf, which cap does not count: cap never
 * passes max, so the inline fast path needs no check of max.
 */
static void
buf_resize(struct buf *b, size_t cap)
{
	char	*p;

	if (b->lent) {
		p = xmalloc(cap + 1);
		if (b->len > 0)
			memcpy(p, b->data, b->len);
		b->data = p;
		b->lent = 0;
	} else
		b->data = xrealloc(b->data, cap + 1);
	b->cap = cap;
}

int
buf_grow(struct buf *b, size_t more)
{
	size_t	need, cap;

	if (more > b->max || b->len > b->max - more) {
		b->failed = 1;
		return (-1);
	}
	need = b->len + more;
	if (need <= b->cap)
		return (0);
	cap = b->cap < BUF_MIN ? BUF_MIN : b->cap;
	while (cap < need && cap <= SIZE_MAX / 2)
		cap *= 2;
	/* Never more than b may ever hold (need is at most max). */
	if (cap < need || cap > b->max)
		cap = b->max;
	buf_resize(b, cap);
	return (0);
}

int
buf_addc(struct buf *b, char c)
{
	return (buf_add(b, &c, 1));
}

int
buf_adds(struct buf *b, const char *s)
{
	return (buf_add(b, s, strlen(s)));
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list	ap2;
	int	n;

	va_copy(ap2, ap);
	n = vsnprintf(b->data == NULL ? NULL : b->data + b->len,
	    b->data == NULL ? 0 : b->cap - b->len + 1, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->failed = 1;
		return (-1);
	}
	if (n == 0 || (b->data != NULL && (size_t)n <= b->cap - b->len)) {
		b->len += n;		/* it fitted the first time */
		return (0);
	}
	if (buf_reserve(b, (size_t)n) == -1)
		return (-1);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += n;
	return (0);
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return (rc);
}

const char *
buf_cstr(struct buf *b)
{
	if (b->data == NULL)
		return ("");
	b->data[b->len] = '\0';
	return (b->data);
}

char *
buf_take(struct buf *b)
{
	char	*s;

	if (b->data == NULL || b->lent) {
		/* A copy of all len bytes: the contents may hold NULs. */
		s = xmalloc(b->len + 1);
		if (b->len > 0)
			memcpy(s, b->data, b->len);
		s[b->len] = '\0';
		buf_free(b);
		return (s);
	}
	buf_cstr(b);
	s = b->data;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = 0;
	return (s);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
}

void
buf_shrink(struct buf *b, size_t keep)
{
	if (b->cap > keep)
		buf_free(b);
	else
		buf_reset(b);
}

void
buf_free(struct buf *b)
{
	if (!b->lent)
		free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->lent = 0;
	b->failed = 0;
}
