/*
 * json_out: writes JSON the way the Kinesis Agent's Jackson ObjectMapper
 * does, so that converters produce the agent's bytes: COMPACT
 * (writeValueAsString) or PRETTYPRINT (Jackson's DefaultPrettyPrinter).
 * Strings are escaped as Jackson escapes them: \" \\ \b \t \n \f \r, other
 * bytes below 0x20 as \u00XX (upper-case hex); DEL, '/' and non-ASCII are
 * written as they are.
 *
 * Input bytes that are not valid UTF-8 become U+FFFD, as Java's
 * new String(bytes, UTF_8) replaces them, so the output is always valid
 * JSON and valid UTF-8.  The rule is Unicode's "maximal subpart" rule (one
 * U+FFFD for the longest prefix of a well-formed sequence, or for one byte
 * if there is none), with Java's one difference: ED A0..BF 80..BF, a
 * surrogate encoded in UTF-8, is one U+FFFD (not three), and ED A0..BF
 * followed by a non-continuation byte is one U+FFFD for two bytes.  Thus:
 * a stray 80..BF, C0, C1, F5..FF: one each; E2 82 41: U+FFFD "A";
 * E0 80 80 (overlong): three; F0 9F 98 at the end: one.
 *
 * Doubles are written as Java's Double.toString (the shortest digits that
 * read back as the same double, as JDK 19+ chooses them): "1.5", "100.0",
 * "1.0E7", "1.0E-4"; NaN and infinities as the strings Jackson writes.
 * Values nested deeper than JSON_OUT_MAX_DEPTH - 1 levels are written by
 * json_out_json as null.
 */
#ifndef JSON_OUT_H
#define JSON_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <jansson.h>

#include "converter.h"

#define JSON_OUT_MAX_DEPTH	64

/*
 * The jsonFormat values, "COMPACT" and "PRETTYPRINT": the index is the
 * pretty flag of json_out_init.  Converters that take jsonFormat put
 * JSON_OUT_FORMAT_KEY in their key table, with the offset of an int.
 */
extern const char *const json_out_formats[];

#define JSON_OUT_FORMAT_KEY(off) {					\
	.name = "jsonFormat", .type = CONV_KEY_ENUM, .offset = (off),	\
	.values = json_out_formats, .def = "COMPACT",			\
	.desc = "COMPACT or PRETTYPRINT"				\
}

struct json_out {
	struct buf	*buf;
	int		 pretty;
	int		 depth;
	uint8_t		 first[JSON_OUT_MAX_DEPTH];	/* no member yet */
	uint8_t		 in_array[JSON_OUT_MAX_DEPTH];
	int		 after_key;	/* the next value follows a key */
};

/* Starts writing into buf (appending); pretty is 1 for PRETTYPRINT. */
void	json_out_init(struct json_out *, struct buf *buf, int pretty);

void	json_out_object_begin(struct json_out *);
void	json_out_object_end(struct json_out *);
void	json_out_array_begin(struct json_out *);
void	json_out_array_end(struct json_out *);

/* A member's key (escaped like a string). */
void	json_out_key(struct json_out *, const char *key, size_t len);

/* Values. */
void	json_out_string(struct json_out *, const char *s, size_t len);
void	json_out_null(struct json_out *);
void	json_out_bool(struct json_out *, int);
void	json_out_int(struct json_out *, int64_t);
void	json_out_double(struct json_out *, double);
/*
 * A value that is already JSON text (a number kept as the input wrote
 * it), written as it is: the separators and layout, then s[0..len).
 */
void	json_out_raw(struct json_out *, const char *s, size_t len);
/* A jansson value (object, array or scalar), laid out the same way. */
void	json_out_json(struct json_out *, const json_t *);

/*
 * Writes the decimal digits of u so that they end at end (20 bytes at
 * most) and returns where they start.
 */
static inline char *
json_out_utoa(char *end, uint64_t u)
{
	do {
		*--end = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	return (end);
}

/*
 * Appends the JSON string escaping of s (without quotes) to buf, repairing
 * invalid UTF-8.  Exposed for converters that build strings by hand.
 */
void	json_out_escape(struct buf *buf, const char *s, size_t len);

/*
 * Appends s as a quoted JSON string, as json_out_string writes it, without
 * the layout state: for converters that write COMPACT objects by hand.
 * It is json_out_put_quoted after one reservation.
 */
void	json_out_quoted(struct buf *buf, const char *s, size_t len);

/*
 * For converters that write COMPACT objects by hand, copying each key's
 * prefix with json_out_put16: appends the next member's prefix to the
 * table b, '{"key":' if b is empty (the first member) and ',"key":' after
 * it, escaped as json_out_key does.  b always keeps 16 zero bytes after
 * its contents for json_out_put16 to read.  Sets *off to where the prefix
 * starts in b->data and returns its length.  Keys come from the
 * configuration, so going past b's maximum is fatal.
 */
size_t	json_out_prefix(struct buf *b, const char *key, size_t len,
	    size_t *off);

/* The most bytes json_out_put_quoted writes for len input bytes. */
#define JSON_OUT_QUOTED_MAX(len)	(6 * (size_t)(len) + 2)

/*
 * The slow part of json_out_put_quoted: s[0..done) is plain and already
 * at w (after the opening quote); writes the escaping of the rest and the
 * closing quote, and returns the end.
 */
char	*json_out_put_escaped(char *w, const char *s, size_t len,
	    size_t done);

/*
 * Non-zero if any of the 8 bytes of w is below 0x20, '"', '\\' or 0x80
 * and above.  SWAR: (x - 0x01..) & ~x & 0x80.. is non-zero exactly when
 * some byte of x is zero (and (x - n..) & ~x & 0x80.. when some byte is
 * below n).
 */
static inline uint64_t
json_out_special64(uint64_t w)
{
	const uint64_t	ones = 0x0101010101010101ULL;
	const uint64_t	high = 0x8080808080808080ULL;
	uint64_t	q, b;

	q = w ^ (ones * '"');
	b = w ^ (ones * '\\');
	return ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) |
	    ((b - ones) & ~b) | w) & high);
}

/* The same for the 8 bytes at p. */
static inline uint64_t
json_out_word_special(const void *p)
{
	uint64_t	w;

	memcpy(&w, p, sizeof w);
	return (json_out_special64(w));
}

#ifdef __SSE2__
/*
 * One bit per byte of v that needs a look.  _mm_cmpgt_epi8 compares signed
 * bytes, so "below 0x20" also catches 0x80 and above.
 */
static inline unsigned
json_out_mask16(__m128i v)
{
	__m128i	c;

	c = _mm_cmpgt_epi8(_mm_set1_epi8(0x20), v);
	c = _mm_or_si128(c, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
	c = _mm_or_si128(c, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
	return ((unsigned)_mm_movemask_epi8(c));
}
#endif

/*
 * json_out_quoted for a writer that reserved room for the whole record:
 * writes s quoted at w, which must have room for JSON_OUT_QUOTED_MAX(len)
 * bytes, and returns the end of what it wrote.  Plain text, the common
 * case, is copied while it is checked: 16 bytes at a time with SSE2 (the
 * last 16 overlapping what was copied, so that nothing past s + len is
 * read), in two overlapping words for 4 to 15 bytes, and below that as
 * its first, middle and last bytes.  The first byte that needs a look
 * sends the rest to json_out_put_escaped.  Inlined (always): a call per
 * value would cost as much as the copy of a short one.
 */
static inline __attribute__((always_inline)) char *
json_out_put_quoted(char *w, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0;
	uint32_t		 a, b;
#ifdef __SSE2__
	__m128i			 v;
	unsigned		 m;
#endif

	*w++ = '"';
#ifdef __SSE2__
	if (len >= 16) {
		for (; len - i > 16; i += 16) {
			v = _mm_loadu_si128((const void *)(p + i));
			_mm_storeu_si128((void *)(w + i), v);
			if ((m = json_out_mask16(v)) != 0)
				return (json_out_put_escaped(w, s, len,
				    i + (size_t)__builtin_ctz(m)));
		}
		v = _mm_loadu_si128((const void *)(p + len - 16));
		_mm_storeu_si128((void *)(w + len - 16), v);
		m = json_out_mask16(v) >> (i - (len - 16));
		if (m != 0)
			return (json_out_put_escaped(w, s, len,
			    i + (size_t)__builtin_ctz(m)));
		w += len;
		*w++ = '"';
		return (w);
	}
#else
	for (; len - i >= 16; i += 8)
		if (json_out_word_special(p + i))
			return (json_out_put_escaped(w, s, len, 0));
#endif
	if (len >= 8) {
		if (json_out_word_special(p + i) |
		    json_out_word_special(p + len - 8))
			return (json_out_put_escaped(w, s, len, 0));
		if (len < 16) {
			memcpy(w, p, 8);
			memcpy(w + len - 8, p + len - 8, 8);
		} else
			memcpy(w, p, len);
	} else if (len >= 4) {
		memcpy(&a, p, 4);
		memcpy(&b, p + len - 4, 4);
		if (json_out_special64(a | (uint64_t)b << 32))
			return (json_out_put_escaped(w, s, len, 0));
		memcpy(w, &a, 4);
		memcpy(w + len - 4, &b, 4);
	} else if (len > 0) {
		/* 1 to 3 bytes: the first, middle and last cover them. */
		a = p[0] | (uint32_t)p[len >> 1] << 8 |
		    (uint32_t)p[len - 1] << 16 | (uint32_t)0x20 << 24;
		if (json_out_special64(a | (uint64_t)0x20202020 << 32))
			return (json_out_put_escaped(w, s, len, 0));
		w[0] = (char)p[0];
		w[len >> 1] = (char)p[len >> 1];
		w[len - 1] = (char)p[len - 1];
	}
	w += len;
	*w++ = '"';
	return (w);
}

/*
 * Copies n bytes from s to w for a record writer: when n <= 16, as one
 * 16-byte move, so s must have 16 readable bytes and w room for 16 (the
 * bytes after n are overwritten by what follows).  Key prefixes kept with
 * 16 bytes of padding are written this way without a call.  Returns w + n.
 */
static inline char *
json_out_put16(char *w, const char *s, size_t n)
{
	if (n <= 16)
		memcpy(w, s, 16);
	else
		memcpy(w, s, n);
	return (w + n);
}

#endif /* JSON_OUT_H */
