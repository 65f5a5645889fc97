/*
 * utf8: how Java's UTF-8 decoder (JDK 8 sun.nio.cs.UTF_8, with REPLACE)
 * cuts bytes into characters and U+FFFD replacements.  The Kinesis Agent
 * decodes every record into a Java String before a regex sees it or
 * Jackson writes it, so sluice's regex matching (parsers/jregex.c) and JSON
 * output (parsers/json_out.c) both follow this one rule.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "buf.h"
#include "utf8.h"

int
utf8_java_seq(const uint8_t *p, size_t r)
{
	uint8_t		b1 = p[0];
	uint32_t	c;

#define CONT(b)	(((b) & 0xc0) == 0x80)
	if (b1 >= 0xc2 && b1 <= 0xdf)
		return (r >= 2 && CONT(p[1]) ? 2 : -1);
	if (b1 >= 0xe0 && b1 <= 0xef) {
		if (r >= 2 && ((b1 == 0xe0 && (p[1] & 0xe0) == 0x80) ||
		    !CONT(p[1])))
			return (-1);
		if (r < 3)
			return (-(int)r);
		if (!CONT(p[2]))
			return (-2);
		c = ((b1 & 0x0fU) << 12) | ((p[1] & 0x3fU) << 6) |
		    (p[2] & 0x3fU);
		/* A surrogate is rejected as a whole: one U+FFFD. */
		if (c >= 0xd800 && c <= 0xdfff)
			return (-3);
		return (3);
	}
	if (b1 >= 0xf0 && b1 <= 0xf4) {
		if (r >= 2 && ((b1 == 0xf0 && (p[1] < 0x90 || p[1] > 0xbf)) ||
		    (b1 == 0xf4 && (p[1] & 0xf0) != 0x80) || !CONT(p[1])))
			return (-1);
		if (r < 2)
			return (-1);
		if (r >= 3 && !CONT(p[2]))
			return (-2);
		if (r < 4)
			return (-(int)r);
		if (!CONT(p[3]))
			return (-3);
		return (4);
	}
#undef CONT
	return (-1);
}

/*
 * ORs the bytes together and looks at the top bits once: 64 bytes per step
 * with SSE2, 8 otherwise; the tail is read in overlapping words, never
 * past s + len.
 */
int
utf8_is_ascii(const char *s, size_t len)
{
	const uint8_t	*p = (const uint8_t *)s;
	uint64_t	 w, acc = 0;
	size_t		 i = 0;
#ifdef __SSE2__
	__m128i		 v;

	if (len >= 16) {
		v = _mm_setzero_si128();
		for (; len - i >= 64; i += 64) {
			v = _mm_or_si128(v, _mm_or_si128(
			    _mm_or_si128(_mm_loadu_si128(
			    (const void *)(p + i)), _mm_loadu_si128(
			    (const void *)(p + i + 16))),
			    _mm_or_si128(_mm_loadu_si128(
			    (const void *)(p + i + 32)), _mm_loadu_si128(
			    (const void *)(p + i + 48)))));
		}
		for (; len - i >= 16; i += 16)
			v = _mm_or_si128(v, _mm_loadu_si128(
			    (const void *)(p + i)));
		if (i < len)
			v = _mm_or_si128(v, _mm_loadu_si128(
			    (const void *)(p + len - 16)));
		return (_mm_movemask_epi8(v) == 0);
	}
#endif
	for (; len - i >= 8; i += 8) {
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	if (i < len && len >= 8) {
		memcpy(&w, p + len - 8, 8);
		acc |= w;
	} else
		for (; i < len; i++)
			acc |= p[i];
	return ((acc & 0x8080808080808080ULL) == 0);
}

int
utf8_is_valid(const char *s, size_t len)
{
	const uint8_t	*p = (const uint8_t *)s;
	size_t		 i = 0;
	uint64_t	 w;
	int		 n;

	while (i < len) {
		/* Eight ASCII bytes at a time: the common case. */
		if (len - i >= 8) {
			memcpy(&w, p + i, 8);
			if ((w & 0x8080808080808080ULL) == 0) {
				i += 8;
				continue;
			}
		}
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_java_seq(p + i, len - i)) < 0)
			return (0);
		i += n;
	}
	return (1);
}

size_t
utf8_repair(char *dst, const char *s, size_t len)
{
	const uint8_t	*p = (const uint8_t *)s;
	size_t		 i = 0, o = 0;
	int		 n;

	while (i < len) {
		if (p[i] < 0x80) {
			dst[o++] = (char)p[i++];
			continue;
		}
		if ((n = utf8_java_seq(p + i, len - i)) > 0) {
			memcpy(dst + o, p + i, (size_t)n);
			o += n;
			i += n;
			continue;
		}
		dst[o++] = (char)0xef;
		dst[o++] = (char)0xbf;
		dst[o++] = (char)0xbd;
		i += -n;
	}
	return (o);
}

size_t
utf8_encode(char *dst, uint32_t cp)
{
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return (1);
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xc0 | (cp >> 6));
		dst[1] = (char)(0x80 | (cp & 0x3f));
		return (2);
	}
	if (cp < 0x10000) {
		dst[0] = (char)(0xe0 | (cp >> 12));
		dst[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		dst[2] = (char)(0x80 | (cp & 0x3f));
		return (3);
	}
	dst[0] = (char)(0xf0 | (cp >> 18));
	dst[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	dst[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	dst[3] = (char)(0x80 | (cp & 0x3f));
	return (4);
}

const char *
utf8_repair_copy(struct buf *scratch, const char *s, size_t *len)
{
	buf_reset(scratch);
	if (buf_reserve(scratch, UTF8_REPAIR_MAX(*len)) == -1)
		return (NULL);
	scratch->len = utf8_repair(scratch->data, s, *len);
	*len = scratch->len;
	return (scratch->data);
}
