/*
 * json_out: a streaming JSON writer that produces the bytes the Kinesis
 * Agent's Jackson 2.x ObjectMapper produces, so that sluice's converters
 * and the agent's agree byte for byte (the agent's
 * processing/utils/SimpleJSONPrinter.java and PrettyJSONPrinter.java).
 *
 * Layout.  COMPACT is writeValueAsString: no white space at all.
 * PRETTYPRINT is writerWithDefaultPrettyPrinter(), Jackson's
 * DefaultPrettyPrinter with its defaults: objects use DefaultIndenter
 * ("\n" then two spaces per level) before each member and before the
 * closing brace, members are `"key" : value`, an empty object is "{ }";
 * arrays use FixedSpaceIndenter (a single space), so they stay on one line
 * as "[ 1, 2 ]", and an empty array is "[ ]".
 *
 * Strings.  Jackson's default CharacterEscapes (CharTypes.sOutputEscapes128)
 * escape '"' and '\\', write \b \t \n \f \r in short form and every other
 * control character below 0x20 as \u00XX with upper-case hex
 * (CharTypes.HC).  DEL, '/' and all non-ASCII characters are written as
 * they are.  The agent turns the record's bytes into a Java String first,
 * so invalid UTF-8 becomes U+FFFD there; json_out repeats Java's decoder
 * (see json_out.h for the exact rule).
 *
 * The hot path is json_out_put_quoted (inline, in json_out.h): plain text
 * is found 16 bytes at a time (SSE2, or 8 with word tricks elsewhere) and
 * copied as it is found; a 256-entry table classifies the bytes that need
 * a look.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "converter.h"
#include "json_out.h"
#include "log.h"
#include "utf8.h"

const char *const json_out_formats[] = { "COMPACT", "PRETTYPRINT", NULL };

/* What json_out_escape does with a byte. */
#define ESC_NONE	0	/* copied as is */
#define ESC_UNICODE	1	/* \u00XX */
#define ESC_HIGH	2	/* lead or stray byte of a UTF-8 sequence */
/* Any other value is the letter of a short escape: \" \\ \b \t \n \f \r. */

static const uint8_t json_out_class[256] = {
	/* 0x00-0x1f: control characters. */
	1, 1, 1, 1, 1, 1, 1, 1, 'b', 't', 'n', 1, 'f', 'r', 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x20-0x7f: printable ASCII and DEL; only '"' and '\\'. */
	0, 0, '"', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\\', 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x80-0xff: checked by utf8_java_seq. */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2
};

static const char json_out_hex[] = "0123456789ABCDEF";

/* The length of the run at p that is copied as it is. */
static inline size_t
json_out_plain(const uint8_t *p, size_t len)
{
	size_t		i = 0;
#ifdef __SSE2__
	unsigned	m;

	for (; len - i >= 16; i += 16) {
		m = json_out_mask16(_mm_loadu_si128((const void *)(p + i)));
		if (m != 0)
			return (i + (size_t)__builtin_ctz(m));
	}
#endif
	while (len - i >= 8 && !json_out_word_special(p + i))
		i += 8;
	while (i < len && json_out_class[p[i]] == ESC_NONE)
		i++;
	return (i);
}

/*
 * The escaping of p[0..len) written at w, which has room for 6 * len
 * bytes (\u00XX for a byte at most; U+FFFD is 3 bytes for 1 or more).
 * Returns the end of what was written.
 */
static char *
json_out_escape_raw(char *w, const uint8_t *p, size_t len)
{
	size_t		 i = 0, start;
	uint8_t		 cls;
	int		 n;

	while (i < len) {
		start = i;
		for (;;) {
			i += json_out_plain(p + i, len - i);
			if (i == len || json_out_class[p[i]] != ESC_HIGH)
				break;
			if ((n = utf8_java_seq(p + i, len - i)) < 0)
				break;
			i += n;
		}
		memcpy(w, p + start, i - start);
		w += i - start;
		if (i == len)
			break;
		cls = json_out_class[p[i]];
		if (cls == ESC_HIGH) {
			/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
			w[0] = (char)0xef;
			w[1] = (char)0xbf;
			w[2] = (char)0xbd;
			w += 3;
			i += -utf8_java_seq(p + i, len - i);
		} else if (cls == ESC_UNICODE) {
			memcpy(w, "\\u00", 4);
			w[4] = json_out_hex[p[i] >> 4];
			w[5] = json_out_hex[p[i] & 0xf];
			w += 6;
			i++;
		} else {
			w[0] = '\\';
			w[1] = (char)cls;
			w += 2;
			i++;
		}
	}
	return (w);
}

void
json_out_escape(struct buf *buf, const char *s, size_t len)
{
	char	*w;

	/* Never NULL afterwards, even for an empty string, unless failed. */
	if (buf_reserve(buf, 6 * len + 1) == -1)
		return;
	w = json_out_escape_raw(buf->data + buf->len, (const uint8_t *)s,
	    len);
	buf->len = w - buf->data;
}

char *
json_out_put_escaped(char *w, const char *s, size_t len, size_t done)
{
	w = json_out_escape_raw(w + done, (const uint8_t *)s + done,
	    len - done);
	*w++ = '"';
	return (w);
}

void
json_out_quoted(struct buf *buf, const char *s, size_t len)
{
	char	*w;

	if (buf_reserve(buf, JSON_OUT_QUOTED_MAX(len)) == -1)
		return;
	w = json_out_put_quoted(buf->data + buf->len, s, len);
	buf->len = w - buf->data;
}

size_t
json_out_prefix(struct buf *b, const char *key, size_t len, size_t *off)
{
	*off = b->len;
	buf_addc(b, b->len == 0 ? '{' : ',');
	json_out_quoted(b, key, len);
	buf_addc(b, ':');
	if (buf_reserve(b, 16) == -1 || buf_has_failed(b))
		fatalx("json_out: keys past %zu bytes", b->max);
	memset(b->data + b->len, 0, 16);
	return (b->len - *off);
}

void
json_out_init(struct json_out *j, struct buf *buf, int pretty)
{
	memset(j, 0, sizeof *j);
	j->buf = buf;
	j->pretty = pretty != 0;
	j->first[0] = 1;
}

/*
 * A new line and the indentation (DefaultIndenter) for the current
 * nesting.  Jackson counts only objects: FixedSpaceIndenter is "inline",
 * so an array does not add a level for the objects inside it.
 */
static void
json_out_newline(struct json_out *j)
{
	size_t	n = 1;
	int	i;

	for (i = 1; i <= j->depth; i++)
		if (!j->in_array[i])
			n += 2;

	if (buf_reserve(j->buf, n) == -1)
		return;
	j->buf->data[j->buf->len] = '\n';
	memset(j->buf->data + j->buf->len + 1, ' ', n - 1);
	j->buf->len += n;
}

/* What goes before any value: separators for array elements. */
static void
json_out_before_value(struct json_out *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->depth == 0 || !j->in_array[j->depth])
		return;
	if (j->first[j->depth]) {
		j->first[j->depth] = 0;
		if (j->pretty)
			buf_add(j->buf, " ", 1);
	} else if (j->pretty)
		buf_add(j->buf, ", ", 2);
	else
		buf_add(j->buf, ",", 1);
}

static void
json_out_open(struct json_out *j, char c, int array)
{
	json_out_before_value(j);
	buf_add(j->buf, &c, 1);
	j->depth++;
	j->first[j->depth] = 1;
	j->in_array[j->depth] = array;
}

void
json_out_object_begin(struct json_out *j)
{
	json_out_open(j, '{', 0);
}

void
json_out_object_end(struct json_out *j)
{
	int	empty = j->first[j->depth];

	j->depth--;
	if (j->pretty) {
		if (empty)
			buf_add(j->buf, " ", 1);
		else
			json_out_newline(j);
	}
	buf_add(j->buf, "}", 1);
}

void
json_out_array_begin(struct json_out *j)
{
	json_out_open(j, '[', 1);
}

void
json_out_array_end(struct json_out *j)
{
	/* FixedSpaceIndenter: one space whether or not there were values. */
	j->depth--;
	if (j->pretty)
		buf_add(j->buf, " ]", 2);
	else
		buf_add(j->buf, "]", 1);
}

void
json_out_key(struct json_out *j, const char *key, size_t len)
{
	if (j->first[j->depth])
		j->first[j->depth] = 0;
	else
		buf_add(j->buf, ",", 1);
	if (j->pretty)
		json_out_newline(j);
	json_out_quoted(j->buf, key, len);
	if (j->pretty)
		buf_add(j->buf, " : ", 3);
	else
		buf_add(j->buf, ":", 1);
	j->after_key = 1;
}

void
json_out_string(struct json_out *j, const char *s, size_t len)
{
	json_out_before_value(j);
	json_out_quoted(j->buf, s, len);
}

void
json_out_null(struct json_out *j)
{
	json_out_before_value(j);
	buf_add(j->buf, "null", 4);
}

void
json_out_bool(struct json_out *j, int v)
{
	json_out_before_value(j);
	if (v)
		buf_add(j->buf, "true", 4);
	else
		buf_add(j->buf, "false", 5);
}

void
json_out_raw(struct json_out *j, const char *s, size_t len)
{
	json_out_before_value(j);
	buf_add(j->buf, s, len);
}

void
json_out_int(struct json_out *j, int64_t v)
{
	char	 tmp[24], *p;

	json_out_before_value(j);
	p = json_out_utoa(tmp + sizeof tmp, v < 0 ? -(uint64_t)v :
	    (uint64_t)v);
	if (v < 0)
		*--p = '-';
	buf_add(j->buf, p, (size_t)(tmp + sizeof tmp - p));
}

/*
 * json_out_format_double's common case, without printf and strtod:
 * 1e-3 <= |v| < 1e7 (plain notation) and a decimal of k fraction digits
 * that reads back as v, found as m / 10^k with m = rint(|v| * 10^k).  The
 * division is exact-rounded as strtod is (m < 2^53 and 10^k exact), so
 * m / 10^k == |v| is the round trip.  The smallest such k gives the
 * fewest digits.  While 10^-k is at least twice the spacing of doubles at
 * v, the decimal grid has at most one point that reads back as v, so m
 * is the closest decimal, as Java picks it, and an error of rint in the
 * product (only near a half-way point, far from v) cannot hide it.  Past
 * that it returns 0 and the general code decides.
 */
static size_t
json_out_format_plain(char *out, double v)
{
	static const double	 pow10[] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
		1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17
	};
	char		 digits[24], *d, *o = out;
	double		 a = fabs(v), ulp2, m = 0;
	uint64_t	 bits;
	size_t		 k, nd, i;

	if (!(a >= 1e-3 && a < 1e7))
		return (0);
	memcpy(&bits, &a, sizeof bits);
	/* Twice the spacing of doubles at a (a normal number here). */
	ulp2 = ldexp(1.0, (int)((bits >> 52) & 0x7ff) - 1074);
	for (k = 0; k < sizeof pow10 / sizeof pow10[0]; k++) {
		if (pow10[k] * ulp2 > 1.0)
			return (0);
		m = rint(a * pow10[k]);
		if (m / pow10[k] == a)
			break;
	}
	if (k == sizeof pow10 / sizeof pow10[0])
		return (0);
	d = json_out_utoa(digits + sizeof digits, (uint64_t)m);
	nd = digits + sizeof digits - d;
	if (v < 0)
		*o++ = '-';
	if (nd <= k) {
		*o++ = '0';
		*o++ = '.';
		for (i = nd; i < k; i++)
			*o++ = '0';
		memcpy(o, d, nd);
		o += nd;
	} else {
		memcpy(o, d, nd - k);
		o += nd - k;
		*o++ = '.';
		if (k == 0)
			*o++ = '0';
		else {
			memcpy(o, d + nd - k, k);
			o += k;
		}
	}
	*o = '\0';
	return ((size_t)(o - out));
}

/*
 * Formats a finite double as Java's Double.toString: the shortest digit
 * string that reads back as the same double, the closest to it if there
 * are several (as JDK 19 and later choose it), in plain notation for
 * 1e-3 <= |v| < 1e7 and as d.dddE[-]n otherwise, always with a digit
 * after the point.
 */
static size_t
json_out_format_double(char *out, double v)
{
	char	 tmp[40], digits[20];
	char	*o = out, *e;
	size_t	 n;
	int	 prec, exp, nd, i;

	if (v == 0) {
		strcpy(out, signbit(v) ? "-0.0" : "0.0");
		return (strlen(out));
	}
	if ((n = json_out_format_plain(out, v)) != 0)
		return (n);
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	/*
	 * Java picks among one- and two-digit decimals the one closest to v
	 * (Double.MIN_VALUE is 4.9E-324, not 5.0E-324).
	 */
	if (prec == 1)
		snprintf(tmp, sizeof tmp, "%.1e", v);
	/* tmp is [-]d[.ddd]e[+-]nn */
	e = strchr(tmp, 'e');
	exp = atoi(e + 1);
	nd = 0;
	for (i = (tmp[0] == '-'); tmp + i < e; i++)
		if (tmp[i] != '.')
			digits[nd++] = tmp[i];
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (v < 0)
		*o++ = '-';
	if (exp >= -3 && exp < 7) {
		if (exp < 0) {
			*o++ = '0';
			*o++ = '.';
			for (i = -1; i > exp; i--)
				*o++ = '0';
			for (i = 0; i < nd; i++)
				*o++ = digits[i];
		} else {
			for (i = 0; i <= exp; i++)
				*o++ = i < nd ? digits[i] : '0';
			*o++ = '.';
			if (nd > exp + 1) {
				for (i = exp + 1; i < nd; i++)
					*o++ = digits[i];
			} else
				*o++ = '0';
		}
	} else {
		*o++ = digits[0];
		*o++ = '.';
		if (nd > 1) {
			for (i = 1; i < nd; i++)
				*o++ = digits[i];
		} else
			*o++ = '0';
		o += sprintf(o, "E%d", exp);
	}
	*o = '\0';
	return ((size_t)(o - out));
}

void
json_out_double(struct json_out *j, double v)
{
	char	tmp[48];
	size_t	n;

	json_out_before_value(j);
	/* Jackson's QUOTE_NON_NUMERIC_NUMBERS, on by default. */
	if (isnan(v)) {
		buf_add(j->buf, "\"NaN\"", 5);
		return;
	}
	if (isinf(v)) {
		if (v > 0)
			buf_add(j->buf, "\"Infinity\"", 10);
		else
			buf_add(j->buf, "\"-Infinity\"", 11);
		return;
	}
	n = json_out_format_double(tmp, v);
	buf_add(j->buf, tmp, n);
}

void
json_out_json(struct json_out *j, const json_t *v)
{
	void		*it;
	size_t		 i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (j->depth >= JSON_OUT_MAX_DEPTH - 1) {
			json_out_null(j);
			break;
		}
		json_out_object_begin(j);
		for (it = json_object_iter((json_t *)v); it != NULL;
		    it = json_object_iter_next((json_t *)v, it)) {
			json_out_key(j, json_object_iter_key(it),
			    json_object_iter_key_len(it));
			json_out_json(j, json_object_iter_value(it));
		}
		json_out_object_end(j);
		break;
	case JSON_ARRAY:
		if (j->depth >= JSON_OUT_MAX_DEPTH - 1) {
			json_out_null(j);
			break;
		}
		json_out_array_begin(j);
		for (i = 0; i < json_array_size(v); i++)
			json_out_json(j, json_array_get(v, i));
		json_out_array_end(j);
		break;
	case JSON_STRING:
		json_out_string(j, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		json_out_int(j, json_integer_value(v));
		break;
	case JSON_REAL:
		json_out_double(j, json_real_value(v));
		break;
	case JSON_TRUE:
		json_out_bool(j, 1);
		break;
	case JSON_FALSE:
		json_out_bool(j, 0);
		break;
	case JSON_NULL:
		json_out_null(j);
		break;
	}
}
