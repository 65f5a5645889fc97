/*
 * conv_buf: the growable output buffer converters write records into.  A
 * buffer lives as long as its chain and is reused from record to record,
 * so after the first few records no conversion allocates.  Growth is
 * geometric so appending byte by byte stays linear.  The size of a record
 * is bounded before it reaches a converter (the framer's maximum record
 * size), so the buffer is bounded by a small multiple of that.
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
	size_t	need, cap;

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
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void
conv_buf_free(struct conv_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}
