/*
 * conv_buf: the growable output buffer converters write records into.  A
 * buffer lives as long as its chain and is reused from record to record,
 * so after the first few records no conversion allocates.  Growth is
 * geometric so appending byte by byte stays linear.  The size of a record
 * is bounded before it reaches a converter (the framer's maximum record
 * size), so the buffer is bounded by a small multiple of that.
 *
 * A borrowed buffer is a window into memory its owner keeps (the chain
 * lends a converter the free end of its caller's buffer, so the record is
 * written where it will be sent from): it is never freed, and growing it
 * moves what it holds into a buffer of its own.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "converter.h"
#include "log.h"
#include "xmalloc.h"

/* Smallest allocation: one typical log line and its JSON. */
#define CONV_BUF_MIN	1024

void
conv_buf_grow(struct conv_buf *b, size_t more)
{
	size_t	 need, cap;
	char	*p;

	if (more > SIZE_MAX - b->len)
		fatalx("conv_buf_grow: size overflow");
	need = b->len + more;
	if (need <= b->cap)
		return;
	cap = b->cap < CONV_BUF_MIN ? CONV_BUF_MIN : b->cap;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	if (b->borrowed) {
		/* A window into a caller's buffer: move out, don't realloc. */
		p = xmalloc(cap);
		memcpy(p, b->data, b->len);
		b->data = p;
		b->borrowed = 0;
	} else
		b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void
conv_buf_free(struct conv_buf *b)
{
	if (!b->borrowed)
		free(b->data);
	b->borrowed = 0;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}
