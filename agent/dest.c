/*
 * dest: the registry and what Kinesis and Firehose share: the body
 * buffer, JSON string escaping, the response parser (both answer with an
 * array of per-record entries that carry ErrorCode/ErrorMessage on
 * failure), error descriptions and the endpoint, region and Host header.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* memmem */
#endif

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <curl/curl.h>
#include <jansson.h>

#include "base64.h"
#include "dest.h"
#include "json_out.h"
#include "log.h"
#include "utf8.h"
#include "xmalloc.h"


const struct dest_ops *dest_registry[] = {
	&dest_kinesis_ops,
	&dest_firehose_ops,
	NULL
};

ssize_t
dest_entry_data(const char *entry, size_t len, void *out)
{
	static const char	 key[] = "{\"Data\":\"";
	const char		*p, *q;

	if (len < sizeof key - 1 || memcmp(entry, key, sizeof key - 1) != 0)
		return (-1);
	p = entry + sizeof key - 1;
	if ((q = memchr(p, '"', len - (size_t)(p - entry))) == NULL)
		return (-1);
	return (base64_decode(out, p, (size_t)(q - p)));
}

const struct dest_ops *
dest_find(enum config_dest kind)
{
	const struct dest_ops	**d;

	for (d = dest_registry; *d != NULL; d++)
		if ((*d)->kind == kind)
			return (*d);
	return (NULL);
}

void
dest_limits(const struct dest_ops *ops, const struct config_flow *flow,
    struct dest_limits *l)
{
	memset(l, 0, sizeof *l);
	l->max_records = ops->max_records;
	l->max_request_bytes = ops->max_request_bytes;
	l->max_record_bytes = ops->max_record_bytes;
	if (flow != NULL && flow->max_buffer_size_records > 0)
		l->max_records = (size_t)flow->max_buffer_size_records;
	if (flow != NULL && flow->max_buffer_size_bytes > 0)
		l->max_request_bytes = (size_t)flow->max_buffer_size_bytes;
	if (flow != NULL && flow->max_record_size_bytes > 0)
		l->max_record_bytes = (size_t)flow->max_record_size_bytes;
	/*
	 * Kinesis counts the partition key in a record's size: a record's
	 * data gets what our longest key leaves (the agent subtracts the
	 * length of the key it drew).
	 */
	l->max_record = l->max_record_bytes - ops->key_max;
	/* A raised record limit is not undercut by the read buffer. */
	l->read_buffer = ops->read_buffer > l->max_record ? ops->read_buffer :
	    l->max_record;
}

size_t
dest_body_max(const struct dest_ops *ops, const struct dest_limits *l,
    const char *stream)
{
	size_t	n, data;

	/* Escaping makes a byte at most 6 ("\u00XX"); 64 covers the keys. */
	n = 64 + 6 * strlen(stream);
	/*
	 * Each record's base64 is at most 4/3 of its bytes plus 4 (padding),
	 * and records share the request's byte limit (or are one record).
	 */
	data = l->max_request_bytes > l->max_record_bytes ?
	    l->max_request_bytes : l->max_record_bytes;
	n += base64_encoded_len(data);
	n += l->max_records * (ops->entry_overhead + 1 + 4);
	return (n + 16);
}

void
dest_body_reserve(struct buf *b, size_t n)
{
	if (buf_reserve(b, n) == -1)
		fatalx("dest: request body over its %zu byte maximum", b->max);
}

void
dest_body_json_string(struct buf *b, const char *s)
{
	size_t	n = strlen(s);

	dest_body_reserve(b, JSON_OUT_QUOTED_MAX(n));
	b->len = (size_t)(json_out_put_quoted(b->data + b->len, s, n) -
	    b->data);
}

/* Copies the first bytes of s[0..len) into buf, printable only. */
static void
dest_printable(char *buf, size_t size, const char *s, size_t len)
{
	size_t	i;

	if (len > size - 1)
		len = size - 1;
	for (i = 0; i < len; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = '\0';
}

/* Copies a JSON string member (or "") into buf, bounded, printable only. */
static void
dest_copy_member(json_t *obj, const char *key, char *buf, size_t len)
{
	json_t		*v;
	const char	*s = "";

	if ((v = json_object_get(obj, key)) != NULL && json_is_string(v))
		s = json_string_value(v);
	dest_printable(buf, len, s, strlen(s));
}

/* Counts one failed entry under its code (printable) in res->codes. */
static void
dest_count_code(struct dest_result *res, const char *c)
{
	size_t	i;

	for (i = 0; i < res->ncodes; i++) {
		if (strcmp(res->codes[i].code, c) == 0) {
			res->codes[i].n++;
			return;
		}
	}
	if (res->ncodes == DEST_NCODES) {
		snprintf(res->codes[DEST_NCODES - 1].code, DEST_CODE_MAX,
		    "(other)");
		res->codes[DEST_NCODES - 1].n++;
		return;
	}
	snprintf(res->codes[res->ncodes].code, DEST_CODE_MAX, "%s", c);
	res->codes[res->ncodes++].n = 1;
}

/*
 * The answer parse, in one pass over the bytes with no allocation: the
 * delivery thread parses an answer of up to 500 entries per request, and a
 * jansson tree of them cost a third of its time (issue 12).  It accepts
 * exactly what json_loadb(JSON_REJECT_DUPLICATES) accepted: RFC 8259 JSON,
 * valid UTF-8 in strings, no duplicate key in any object (compared after
 * unescaping), nothing after the value; and it checks the answer's shape.
 */
#define DEST_SCAN_DEPTH		32	/* nesting, as no answer needs */
#define DEST_SCAN_KEYS		32	/* keys of one object, checked */
#define DEST_SCAN_KEY_MAX	128	/* longer keys compare by prefix+len */

/*
 * The bytes that a JSON string holds as they are and that need no UTF-8
 * check: printable ASCII but '"' and '\\'.
 */
static const unsigned char dest_plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* A byte of eight in every place, for the word-at-a-time scan. */
#define DEST_ONES	0x0101010101010101ULL
#define DEST_HIGHS	0x8080808080808080ULL

/*
 * 1 if one of the eight bytes of w is not dest_plain: 0x80 or more, a
 * control character, '"' or '\\'.  With no high bit set, a byte less than
 * n borrows into its own high bit when n is subtracted from every byte
 * (the "has a byte less than n" test; the answer "any" is exact), and a
 * byte equal to c is a zero byte of w ^ c.
 */
static int
dest_word_is_special(uint64_t w)
{
	uint64_t	q = w ^ (DEST_ONES * '"'), b = w ^ (DEST_ONES * '\\');

	if ((w & DEST_HIGHS) != 0)
		return (1);
	return ((((w - DEST_ONES * 0x20) | (q - DEST_ONES) |
	    (b - DEST_ONES)) & DEST_HIGHS) != 0);
}

struct dest_scan {
	const char	*p;
	const char	*end;
	const char	*start;
	const char	*why;
	int		 depth;
};

struct dest_scan_key {
	char	 k[DEST_SCAN_KEY_MAX];
	size_t	 len;
};

static int	dest_scan_value(struct dest_scan *);

static int
dest_scan_fail(struct dest_scan *sc, const char *why)
{
	if (sc->why == NULL)
		sc->why = why;
	return (-1);
}

/* 1 if c is JSON whitespace. */
static int
dest_is_ws(char c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r');
}

static void
dest_scan_ws(struct dest_scan *sc)
{
	while (sc->p < sc->end && dest_is_ws(*sc->p))
		sc->p++;
}

static int
dest_scan_hex4(struct dest_scan *sc, unsigned *v)
{
	int	i;
	char	c;

	*v = 0;
	if (sc->end - sc->p < 4)
		return (dest_scan_fail(sc, "short \\u escape"));
	for (i = 0; i < 4; i++) {
		c = *sc->p++;
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return (dest_scan_fail(sc, "bad \\u escape"));
	}
	return (0);
}

/* Appends code point cp, as UTF-8, to out (at most max bytes kept). */
static void
dest_scan_put(char *out, size_t max, size_t *n, unsigned cp)
{
	char	b[4];
	size_t	k, i;

	k = utf8_encode(b, cp);
	for (i = 0; i < k; i++, (*n)++)
		if (out != NULL && *n < max)
			out[*n] = b[i];
}

/*
 * Scans a string at sc->p (its opening quote).  With out, writes its
 * unescaped bytes (the first max of them) and sets *len to their total.
 */
static int
dest_scan_string(struct dest_scan *sc, char *out, size_t max, size_t *len)
{
	const unsigned char	*u;
	const char		*q;
	uint64_t		 w;
	unsigned		 cp, lo;
	size_t			 n = 0, k;
	int			 seq;
	char			 c;

	sc->p++;
	for (;;) {
		if (sc->p >= sc->end)
			return (dest_scan_fail(sc, "unterminated string"));
		c = *sc->p;
		if (c == '"') {
			sc->p++;
			break;
		}
		if ((unsigned char)c < 0x20)
			return (dest_scan_fail(sc, "control character in "
			    "string"));
		if (dest_plain[(unsigned char)c]) {
			/*
			 * A run of printable ASCII at once: sequence numbers,
			 * shard and record ids are nothing else.
			 */
			q = sc->p;
			while (sc->end - q >= 8) {
				memcpy(&w, q, sizeof w);
				if (dest_word_is_special(w))
					break;
				q += 8;
			}
			while (q < sc->end && dest_plain[(unsigned char)*q])
				q++;
			k = (size_t)(q - sc->p);
			if (out != NULL && n < max)
				memcpy(out + n, sc->p, k < max - n ? k :
				    max - n);
			n += k;
			sc->p = q;
			continue;
		}
		if (c != '\\') {
			/* Not plain ASCII: c is 0x80 or more (utf8_java_seq). */
			u = (const unsigned char *)sc->p;
			if ((seq = utf8_java_seq(u,
			    (size_t)(sc->end - sc->p))) < 0)
				return (dest_scan_fail(sc, "invalid UTF-8"));
			k = (size_t)seq;
			for (; k > 0; k--, n++)
				if (out != NULL && n < max)
					out[n] = *sc->p++;
				else
					sc->p++;
			continue;
		}
		if (++sc->p >= sc->end)
			return (dest_scan_fail(sc, "unterminated string"));
		c = *sc->p++;
		switch (c) {
		case '"': case '\\': case '/':
			cp = (unsigned char)c;
			break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if (dest_scan_hex4(sc, &cp) == -1)
				return (-1);
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return (dest_scan_fail(sc, "lone surrogate"));
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (sc->end - sc->p < 2 || sc->p[0] != '\\' ||
				    sc->p[1] != 'u')
					return (dest_scan_fail(sc,
					    "lone surrogate"));
				sc->p += 2;
				if (dest_scan_hex4(sc, &lo) == -1)
					return (-1);
				if (lo < 0xdc00 || lo > 0xdfff)
					return (dest_scan_fail(sc,
					    "lone surrogate"));
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			/* jansson refuses U+0000 in strings. */
			if (cp == 0)
				return (dest_scan_fail(sc, "\\u0000 in string"));
			break;
		default:
			return (dest_scan_fail(sc, "bad escape"));
		}
		dest_scan_put(out, max, &n, cp);
	}
	if (len != NULL)
		*len = n;
	return (0);
}

static int
dest_scan_digits(struct dest_scan *sc)
{
	const char	*p = sc->p;

	while (sc->p < sc->end && *sc->p >= '0' && *sc->p <= '9')
		sc->p++;
	return (sc->p > p ? 0 : dest_scan_fail(sc, "bad number"));
}

static int
dest_scan_number(struct dest_scan *sc)
{
	if (*sc->p == '-')
		sc->p++;
	if (sc->p < sc->end && *sc->p == '0')
		sc->p++;
	else if (dest_scan_digits(sc) == -1)
		return (-1);
	if (sc->p < sc->end && *sc->p == '.') {
		sc->p++;
		if (dest_scan_digits(sc) == -1)
			return (-1);
	}
	if (sc->p < sc->end && (*sc->p == 'e' || *sc->p == 'E')) {
		sc->p++;
		if (sc->p < sc->end && (*sc->p == '+' || *sc->p == '-'))
			sc->p++;
		if (dest_scan_digits(sc) == -1)
			return (-1);
	}
	return (0);
}

static int
dest_scan_literal(struct dest_scan *sc, const char *lit)
{
	size_t	n = strlen(lit);

	if ((size_t)(sc->end - sc->p) < n || memcmp(sc->p, lit, n) != 0)
		return (dest_scan_fail(sc, "invalid token"));
	sc->p += n;
	return (0);
}

/*
 * Scans a key of an object whose keys so far are keys[0..*nkeys) into
 * keys[*nkeys] (room for DEST_SCAN_KEYS + 1), where the caller finds it,
 * and refuses a duplicate.
 */
static int
dest_scan_key(struct dest_scan *sc, struct dest_scan_key *keys,
    size_t *nkeys)
{
	struct dest_scan_key	*key = &keys[*nkeys];
	size_t			 i, cmp;

	if (sc->p >= sc->end || *sc->p != '"')
		return (dest_scan_fail(sc, "object key is not a string"));
	if (dest_scan_string(sc, key->k, sizeof key->k, &key->len) == -1)
		return (-1);
	cmp = key->len < sizeof key->k ? key->len : sizeof key->k;
	for (i = 0; i < *nkeys; i++)
		if (keys[i].len == key->len && memcmp(keys[i].k, key->k,
		    cmp) == 0)
			return (dest_scan_fail(sc, "duplicate object key"));
	if (*nkeys == DEST_SCAN_KEYS)
		return (dest_scan_fail(sc, "too many object keys"));
	(*nkeys)++;
	dest_scan_ws(sc);
	if (sc->p >= sc->end || *sc->p != ':')
		return (dest_scan_fail(sc, "':' expected"));
	sc->p++;
	dest_scan_ws(sc);
	return (0);
}

/*
 * Scans an object or an array member by member; fn, when not NULL, is
 * called at each member's value (key NULL in arrays) and scans it, else
 * dest_scan_value does.
 */
static int
dest_scan_container(struct dest_scan *sc, int (*fn)(struct dest_scan *,
    const struct dest_scan_key *, void *), void *arg)
{
	struct dest_scan_key	 keys[DEST_SCAN_KEYS + 1];
	size_t			 nkeys = 0;
	char			 close = *sc->p == '{' ? '}' : ']';
	int			 obj = close == '}', first = 1;

	if (++sc->depth > DEST_SCAN_DEPTH)
		return (dest_scan_fail(sc, "nested too deep"));
	sc->p++;
	for (;;) {
		dest_scan_ws(sc);
		if (sc->p >= sc->end)
			return (dest_scan_fail(sc, "unexpected end"));
		if (*sc->p == close)
			break;
		if (!first) {
			if (*sc->p != ',')
				return (dest_scan_fail(sc, "',' expected"));
			sc->p++;
			dest_scan_ws(sc);
		}
		first = 0;
		if (obj && dest_scan_key(sc, keys, &nkeys) == -1)
			return (-1);
		if (sc->p >= sc->end)
			return (dest_scan_fail(sc, "unexpected end"));
		if (fn != NULL) {
			if (fn(sc, obj ? &keys[nkeys - 1] : NULL, arg) == -1)
				return (-1);
		} else if (dest_scan_value(sc) == -1)
			return (-1);
	}
	sc->p++;
	sc->depth--;
	return (0);
}

static int
dest_scan_value(struct dest_scan *sc)
{
	dest_scan_ws(sc);
	if (sc->p >= sc->end)
		return (dest_scan_fail(sc, "unexpected end"));
	switch (*sc->p) {
	case '{':
	case '[':
		return (dest_scan_container(sc, NULL, NULL));
	case '"':
		return (dest_scan_string(sc, NULL, 0, NULL));
	case 't':
		return (dest_scan_literal(sc, "true"));
	case 'f':
		return (dest_scan_literal(sc, "false"));
	case 'n':
		return (dest_scan_literal(sc, "null"));
	default:
		if (*sc->p == '-' || (*sc->p >= '0' && *sc->p <= '9'))
			return (dest_scan_number(sc));
		return (dest_scan_fail(sc, "invalid token"));
	}
}

/* What the parse of one answer gathers. */
struct dest_scan_answer {
	const char		*array_key;
	size_t			 n;
	uint8_t			*failed;
	struct dest_result	*res;
	size_t			 nentries;
	int			 has_array;
	int			 entry_failed;	/* the entry being scanned */
	char			 code[DEST_CODE_MAX];
	char			 message[DEST_MESSAGE_MAX];
};

/* A member of an entry: ErrorCode and ErrorMessage matter. */
static int
dest_scan_entry_member(struct dest_scan *sc, const struct dest_scan_key *key,
    void *arg)
{
	struct dest_scan_answer	*a = arg;
	char			 v[DEST_MESSAGE_MAX];
	size_t			 len;
	int			 code;

	code = key->len == 9 && memcmp(key->k, "ErrorCode", 9) == 0;
	if (!code && !(key->len == 12 && memcmp(key->k, "ErrorMessage",
	    12) == 0))
		return (dest_scan_value(sc));
	if (*sc->p == 'n')			/* null: no error */
		return (dest_scan_literal(sc, "null"));
	if (*sc->p != '"') {
		if (code) {
			a->entry_failed = 1;
			snprintf(a->code, sizeof a->code, "(invalid)");
		}
		return (dest_scan_value(sc));
	}
	if (dest_scan_string(sc, v, sizeof v, &len) == -1)
		return (-1);
	if (code) {
		a->entry_failed = 1;
		dest_printable(a->code, sizeof a->code, v, len);
	} else
		dest_printable(a->message, sizeof a->message, v, len);
	return (0);
}

/* An entry of the array: an object. */
static int
dest_scan_entry(struct dest_scan *sc, const struct dest_scan_key *key,
    void *arg)
{
	struct dest_scan_answer	*a = arg;
	struct dest_result	*res = a->res;
	size_t			 i = a->nentries++;

	(void)key;
	if (*sc->p != '{') {
		/* Still scanned: the error names the entry. */
		if (dest_scan_value(sc) == -1)
			return (-1);
		return (dest_scan_fail(sc, "an entry is not an object"));
	}
	a->entry_failed = 0;
	a->code[0] = a->message[0] = '\0';
	if (dest_scan_container(sc, dest_scan_entry_member, a) == -1)
		return (-1);
	if (i >= a->n)
		return (0);	/* too many: refused at the end */
	a->failed[i] = (uint8_t)a->entry_failed;
	if (!a->entry_failed)
		return (0);
	dest_count_code(res, a->code);
	if (res->nfailed++ == 0) {
		snprintf(res->code, sizeof res->code, "%s", a->code);
		snprintf(res->message, sizeof res->message, "%s", a->message);
	}
	return (0);
}

/* A member of the answer: the entries' array matters. */
static int
dest_scan_member(struct dest_scan *sc, const struct dest_scan_key *key,
    void *arg)
{
	struct dest_scan_answer	*a = arg;

	if (key->len != strlen(a->array_key) ||
	    memcmp(key->k, a->array_key, key->len) != 0)
		return (dest_scan_value(sc));
	if (*sc->p != '[')
		return (dest_scan_value(sc));	/* not an array: no array */
	a->has_array = 1;
	return (dest_scan_container(sc, dest_scan_entry, a));
}

/*
 * The quick look at an answer that says that nothing failed (the issue's
 * "when FailedRecordCount is 0, read only what is needed").  The full scan
 * costs about 40 ns an entry; this reads the answer 32 bytes at a time
 * where the CPU has AVX2 (a byte at a time elsewhere).
 *
 * It takes the answer only in the compact shape both services write:
 * {"<count_key>":0, members with no object, array or escape, then
 * "<array_key>":[ and n objects ]} with the array last; in the array no
 * whitespace, '\\', '[' or ']', no object within an entry, and no key
 * that starts with 'E' ({"E or ,"E: ErrorCode, ErrorMessage).  Without
 * whitespace or escapes a key is written as it is and follows '{' or
 * ',', so no entry of an answer taken here carries an ErrorCode: a count
 * of 0 that lies is still caught, by the full scan.  Anything else, a
 * short or long array, a second count or array, goes to the full scan,
 * which takes or refuses it and says why.  What the entries hold beyond
 * that is not read.
 */

/* Counts of the array's bytes (dest_quick_scan). */
struct dest_quick {
	size_t		open;		/* '{' */
	size_t		close;		/* '}' */
	int		bad;		/* a byte refused */
};

#define DEST_QUICK_KEYSTART	1	/* '{' or ',' */
#define DEST_QUICK_QUOTE	2	/* '"' */

/* What c is for the ErrorCode test: DEST_QUICK_KEYSTART, _QUOTE or 0. */
static unsigned
dest_quick_class(unsigned char c)
{
	if (c == '{' || c == ',')
		return (DEST_QUICK_KEYSTART);
	return (c == '"' ? DEST_QUICK_QUOTE : 0);
}

/* One byte, as the vector loop reads 32; b1 and b2 class the two before. */
static void
dest_quick_byte(struct dest_quick *q, unsigned char c, unsigned *b1,
    unsigned *b2)
{
	if (c == '{')
		q->open++;
	else if (c == '}')
		q->close++;
	else if (c <= ' ' || c == '[' || c == ']' || c == '\\')
		q->bad = 1;
	else if (c == 'E' && *b1 == DEST_QUICK_QUOTE &&
	    *b2 == DEST_QUICK_KEYSTART)
		q->bad = 1;
	*b2 = *b1;
	*b1 = dest_quick_class(c);
}

#if defined(__x86_64__)
/*
 * dest_quick_byte for 32 bytes at a time while 32 remain, up to the first
 * block with a refused byte; returns the bytes read.  Bit i of each mask
 * is byte i's test.
 */
__attribute__((target("avx2,popcnt"))) static size_t
dest_quick_scan_avx2(struct dest_quick *q, const unsigned char *p,
    size_t len)
{
	const __m256i	lbrace = _mm256_set1_epi8('{');
	const __m256i	rbrace = _mm256_set1_epi8('}');
	const __m256i	comma = _mm256_set1_epi8(',');
	const __m256i	quote = _mm256_set1_epi8('"');
	const __m256i	e = _mm256_set1_epi8('E');
	const __m256i	space = _mm256_set1_epi8(' ');
	const __m256i	lbrack = _mm256_set1_epi8('[');
	const __m256i	rbrack = _mm256_set1_epi8(']');
	const __m256i	bslash = _mm256_set1_epi8('\\');
	__m256i		v;
	uint32_t	mo, mc, mk, mq, me, mb, pk = 0, pq = 0;
	size_t		i;

	for (i = 0; len - i >= 32; i += 32) {
		v = _mm256_loadu_si256((const void *)(p + i));
		mo = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v,
		    lbrace));
		mc = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v,
		    rbrace));
		mk = mo | (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v,
		    comma));
		mq = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v,
		    quote));
		me = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, e));
		/* max(v, ' ') == ' ' is v <= ' ', unsigned. */
		mb = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(
		    _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_max_epu8(v,
		    space), space), _mm256_cmpeq_epi8(v, bslash)),
		    _mm256_or_si256(_mm256_cmpeq_epi8(v, lbrack),
		    _mm256_cmpeq_epi8(v, rbrack))));
		/* 'E' after '"' after '{' or ',', across blocks too. */
		if ((mb | (me & ((mq << 1) | pq) & ((mk << 2) | pk))) != 0) {
			q->bad = 1;	/* the full scan reads it */
			break;
		}
		q->open += (size_t)__builtin_popcount(mo);
		q->close += (size_t)__builtin_popcount(mc);
		pq = mq >> 31;
		pk = mk >> 30;
	}
	return (i);
}
#endif

static void
dest_quick_scan(struct dest_quick *q, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned		 b1 = 0, b2 = 0;
	size_t			 i = 0;

#if defined(__x86_64__)
	if (len >= 32 && __builtin_cpu_supports("avx2")) {
		i = dest_quick_scan_avx2(q, p, len);
		if (q->bad)
			return;
		/* The tail goes on from the last two bytes. */
		b1 = dest_quick_class(p[i - 1]);
		b2 = dest_quick_class(p[i - 2]);
	}
#endif
	for (; i < len && !q->bad; i++)
		dest_quick_byte(q, p[i], &b1, &b2);
}

/* Skips whitespace, then the byte c, or returns -1. */
static int
dest_quick_punct(struct dest_scan *sc, char c)
{
	dest_scan_ws(sc);
	if (sc->p == sc->end || *sc->p != c)
		return (-1);
	sc->p++;
	return (0);
}

/* The members between the count and the array: a few, in real answers. */
#define DEST_QUICK_HEAD		256

int
dest_answer_quick(const char *body, size_t len, const char *count_key,
    const char *array_key, size_t n)
{
	struct dest_quick	 q;
	struct dest_scan	 sc;
	const char		*head, *arr;
	char			 key[DEST_SCAN_KEY_MAX + 8];
	size_t			 klen, lim;
	int			 plen;

	memset(&sc, 0, sizeof sc);
	sc.p = body;
	sc.end = body + len;
	dest_scan_ws(&sc);
	while (sc.end > sc.p && dest_is_ws(sc.end[-1]))
		sc.end--;
	if (sc.end - sc.p < 2 || *sc.p != '{' || sc.end[-1] != '}')
		return (0);
	/* {"<count_key>":0, */
	klen = (size_t)snprintf(key, sizeof key, "\"%s\"", count_key);
	sc.p++;
	dest_scan_ws(&sc);
	if ((size_t)(sc.end - sc.p) < klen || memcmp(sc.p, key, klen) != 0)
		return (0);
	sc.p += klen;
	if (dest_quick_punct(&sc, ':') == -1 ||
	    dest_quick_punct(&sc, '0') == -1)
		return (0);
	dest_scan_ws(&sc);
	if (sc.p == sc.end || *sc.p != ',')
		return (0);
	head = sc.p;
	/* Members of no object, array or escape, then "<array_key>":[ */
	lim = (size_t)(sc.end - head) < DEST_QUICK_HEAD ?
	    (size_t)(sc.end - head) : DEST_QUICK_HEAD;
	if (memmem(head, lim, key, klen) != NULL)
		return (0);	/* the count twice */
	plen = snprintf(key, sizeof key, "\"%s\":[", array_key);
	if ((arr = memmem(head, lim, key, (size_t)plen)) == NULL ||
	    memchr(head, '{', (size_t)(arr - head)) != NULL ||
	    memchr(head, '[', (size_t)(arr - head)) != NULL ||
	    memchr(head, '\\', (size_t)(arr - head)) != NULL)
		return (0);
	arr += plen;
	/* The array last, then n entries in it. */
	if (sc.end - arr < 2 || sc.end[-2] != ']')
		return (0);
	memset(&q, 0, sizeof q);
	dest_quick_scan(&q, arr, (size_t)(sc.end - 2 - arr));
	return (!q.bad && q.open == n && q.close == n);
}

int
dest_parse_entries(const char *body, size_t len, const char *count_key,
    const char *array_key, size_t n, uint8_t *failed, struct dest_result *res,
    char **cause)
{
	struct dest_scan	 sc;
	struct dest_scan_answer	 a;

	if (dest_answer_quick(body, len, count_key, array_key, n)) {
		memset(res, 0, sizeof *res);
		memset(failed, 0, n);
		return (0);
	}
	memset(res, 0, sizeof *res);
	memset(&sc, 0, sizeof sc);
	memset(&a, 0, sizeof a);
	sc.p = sc.start = body;
	sc.end = body + len;
	a.array_key = array_key;
	a.n = n;
	a.failed = failed;
	a.res = res;
	dest_scan_ws(&sc);
	if (sc.p < sc.end && *sc.p != '{') {
		if (dest_scan_value(&sc) == 0) {
			dest_scan_ws(&sc);
			if (sc.p == sc.end) {
				xasprintf(cause, "response is not a JSON "
				    "object");
				return (-1);
			}
			dest_scan_fail(&sc, "end of input expected");
		}
		goto bad;
	}
	if (sc.p >= sc.end) {
		dest_scan_fail(&sc, "empty response");
		goto bad;
	}
	if (dest_scan_container(&sc, dest_scan_member, &a) == -1)
		goto bad;
	dest_scan_ws(&sc);
	if (sc.p != sc.end) {
		dest_scan_fail(&sc, "end of input expected");
		goto bad;
	}
	if (!a.has_array) {
		memset(res, 0, sizeof *res);
		xasprintf(cause, "response has no %s array", array_key);
		return (-1);
	}
	if (a.nentries != n) {
		memset(res, 0, sizeof *res);
		xasprintf(cause, "response has %zu entries for %zu records",
		    a.nentries, n);
		return (-1);
	}
	return (0);
bad:
	memset(res, 0, sizeof *res);
	xasprintf(cause, "invalid JSON response: %s (offset %zu)",
	    sc.why != NULL ? sc.why : "syntax error",
	    (size_t)(sc.p - sc.start));
	return (-1);
}

void
dest_error_fields(const char *error_type, const char *body, size_t body_len,
    char *type, char *msg)
{
	json_t		*root;
	json_error_t	 jerr;
	char		*hash;

	type[0] = msg[0] = '\0';
	if (error_type != NULL)
		snprintf(type, DEST_CODE_MAX, "%s", error_type);
	root = json_loadb(body, body_len, 0, &jerr);
	if (root != NULL && json_is_object(root)) {
		if (type[0] == '\0') {
			/* "__type": "com.amazon.coral.service#Code" */
			dest_copy_member(root, "__type", type, DEST_CODE_MAX);
			if ((hash = strrchr(type, '#')) != NULL)
				memmove(type, hash + 1, strlen(hash));
		}
		dest_copy_member(root, "message", msg, DEST_MESSAGE_MAX);
		if (msg[0] == '\0')
			dest_copy_member(root, "Message", msg,
			    DEST_MESSAGE_MAX);
	}
	json_decref(root);
}

void
dest_describe_error(long status, const char *error_type, const char *body,
    size_t body_len, char *buf, size_t len)
{
	char	type[DEST_CODE_MAX], msg[DEST_MESSAGE_MAX];

	dest_error_fields(error_type, body, body_len, type, msg);
	snprintf(buf, len, "HTTP %ld%s%s%s%s", status,
	    type[0] != '\0' ? " " : "", type,
	    msg[0] != '\0' ? ": " : "", msg);
}

/* 1 if code is one of the NULL-terminated names, or starts with a prefix* */
static int
dest_code_in(const char *code, const char *const *names)
{
	size_t	n;

	for (; *names != NULL; names++) {
		n = strlen(*names);
		if (n > 0 && (*names)[n - 1] == '*') {
			if (strncmp(code, *names, n - 1) == 0)
				return (1);
		} else if (strcmp(code, *names) == 0)
			return (1);
	}
	return (0);
}

/*
 * The codes come from the Kinesis and Firehose API references ("Errors")
 * and the AWS common errors; an unknown 4xx is an operator's, since
 * retrying it fast cannot help and retrying it slowly loses nothing.
 */
static const char *const dest_throttled[] = {
	"ThrottlingException", "Throttling", "LimitExceededException",
	"ProvisionedThroughputExceededException", "KMSThrottlingException",
	"RequestLimitExceeded", "TooManyRequestsException", "SlowDown", NULL
};
static const char *const dest_expired[] = {
	"ExpiredToken", "ExpiredTokenException", NULL
};
static const char *const dest_skewed[] = {
	"RequestExpired", "RequestTimeTooSkewed", "RequestInTheFuture", NULL
};
static const char *const dest_content[] = {
	"ValidationException", "SerializationException",
	"InvalidArgumentException", "RequestEntityTooLarge", NULL
};

enum dest_class
dest_classify(long status, const char *type, const char *message)
{
	if (type == NULL)
		type = "";
	if (message == NULL)
		message = "";
	if (status == 0)
		return (DEST_RETRY);
	if (dest_code_in(type, dest_throttled))
		return (DEST_THROTTLED);
	if (dest_code_in(type, dest_expired))
		return (DEST_EXPIRED);
	if (dest_code_in(type, dest_skewed) ||
	    (strcmp(type, "InvalidSignatureException") == 0 &&
	    strstr(message, "Signature expired") != NULL))
		return (DEST_SKEWED);
	if (status == 413 || dest_code_in(type, dest_content))
		return (DEST_CONTENT);
	if (status >= 500 || status == 408 || status == 429)
		return (status == 429 ? DEST_THROTTLED : DEST_RETRY);
	if (status >= 400)
		return (DEST_OPERATOR);
	return (DEST_RETRY);
}

static const char *const dest_creds_codes[] = {
	"UnrecognizedClient*", "InvalidSignature*", "IncompleteSignature*",
	"MissingAuthenticationToken*", "InvalidClientTokenId",
	"InvalidAccessKeyId", "SignatureDoesNotMatch", NULL
};

void
dest_fix(const struct dest_ops *ops, const char *type, const char *stream,
    const char *region, char *buf, size_t len)
{
	int	fh = ops->kind == CONFIG_DEST_FIREHOSE;

	if (strncmp(type, "AccessDenied", 12) == 0 ||
	    strcmp(type, "NotAuthorized") == 0)
		snprintf(buf, len, "grant %s:%s on arn:aws:%s:%s:*:%s/%s to "
		    "the credentials in use (sluicectl status shows them)",
		    ops->service, ops->api, ops->service, region,
		    fh ? "deliverystream" : "stream", stream);
	else if (strncmp(type, "ResourceNotFound", 16) == 0)
		snprintf(buf, len, "create the %s %s in %s, or fix %s (and "
		    "the region)", fh ? "Firehose stream" : "stream", stream,
		    region, fh ? "deliveryStream" : "kinesisStream");
	else if (strncmp(type, "KMS", 3) == 0 ||
	    strncmp(type, "InvalidKMS", 10) == 0)
		snprintf(buf, len, "check the stream's KMS key: it must "
		    "exist and be enabled, and its key policy must allow the "
		    "credentials in use kms:GenerateDataKey");
	else if (dest_code_in(type, dest_creds_codes))
		snprintf(buf, len, "check the credentials in use (sluicectl "
		    "status shows their source) and the region, %s", region);
	else if (dest_code_in(type, dest_content))
		snprintf(buf, len, "every record of a request is refused "
		    "alone: check %s, the endpoint and the record limits",
		    fh ? "deliveryStream" : "kinesisStream");
	else if (strcmp(type, "UnknownHost") == 0)
		snprintf(buf, len, "check the region, %s, and the endpoint: "
		    "the host name does not resolve", region);
	else
		snprintf(buf, len, "check the endpoint, the region (%s) and "
		    "the stream name", region);
}

/* A region looks like "us-east-1" or "cn-north-1": a dash, ends in a digit. */
static int
dest_is_region(const char *s, size_t len)
{
	if (len < 4 || memchr(s, '-', len) == NULL)
		return (0);
	return (isdigit((unsigned char)s[len - 1]) != 0);
}

char *
dest_region_from_host(const char *host)
{
	static const char	*suffixes[] = {
		".amazonaws.com", ".amazonaws.com.cn", NULL
	};
	const char		**s;
	char			*h, *p, *end = NULL, *start, *region = NULL;
	size_t			 hl, sl;

	h = xstrdup(host);
	for (p = h; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if ((p = strchr(h, ':')) != NULL)	/* drop a port */
		*p = '\0';
	hl = strlen(h);
	if (hl > 0 && h[hl - 1] == '.')		/* absolute name */
		h[--hl] = '\0';
	for (s = suffixes; *s != NULL; s++) {
		sl = strlen(*s);
		if (hl > sl && strcmp(h + hl - sl, *s) == 0)
			end = h + hl - sl;
	}
	while (end != NULL && end > h) {
		for (start = end; start > h && start[-1] != '.'; start--)
			;
		/* vpce-1-x.kinesis.us-east-1.vpce.amazonaws.com */
		if (end - start == 4 && strncmp(start, "vpce", 4) == 0) {
			end = start > h ? start - 1 : NULL;
			continue;
		}
		if (dest_is_region(start, (size_t)(end - start)))
			region = xstrndup(start, (size_t)(end - start));
		break;
	}
	free(h);
	return (region);
}

void
dest_endpoint_clear(struct dest_endpoint *ep)
{
	free(ep->url);
	free(ep->host);
	free(ep->path);
	free(ep->region);
	memset(ep, 0, sizeof *ep);
}

int
dest_endpoint_make(struct dest_endpoint *ep, const struct dest_ops *ops,
    const char *endpoint, const char *region, char **cause)
{
	CURLU		*u = NULL;
	CURLUcode	 uc;
	char		*url = NULL, *scheme = NULL, *host = NULL;
	char		*port = NULL;
	char		*path = NULL;
	int		 rv = -1;

	memset(ep, 0, sizeof *ep);
	if (region != NULL && *region == '\0')
		region = NULL;
	if (endpoint != NULL && *endpoint != '\0')
		url = xstrdup(endpoint);
	else {
		if (region == NULL) {
			xasprintf(cause, "%s: no region, and no endpoint",
			    ops->name);
			goto out;
		}
		xasprintf(&url, "https://%s.%s.amazonaws.com%s", ops->service,
		    region, strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
	}

	if ((u = curl_url()) == NULL)
		fatalx("dest: curl_url");
	uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc != CURLUE_OK) {
		xasprintf(cause, "endpoint %s: %s", url, curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		xasprintf(cause, "endpoint %s: no host", url);
		goto out;
	}
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
		xasprintf(cause, "endpoint %s: scheme is not http or https",
		    url);
		goto out;
	}
	/*
	 * libcurl leaves the port out of Host when it is the scheme's
	 * default; the signature covers Host, so do exactly the same.
	 */
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;
	if (port != NULL && ((strcmp(scheme, "https") == 0 &&
	    strcmp(port, "443") == 0) || (strcmp(scheme, "http") == 0 &&
	    strcmp(port, "80") == 0))) {
		curl_free(port);
		port = NULL;
	}
	if (port != NULL)
		xasprintf(&ep->host, "%s:%s", host, port);
	else
		ep->host = xstrdup(host);
	ep->path = xstrdup(path[0] != '\0' ? path : "/");
	free(url);
	if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
		fatalx("dest: curl_url_get");
	ep->url = xstrdup(url);
	curl_free(url);
	url = NULL;

	if (region != NULL)
		ep->region = xstrdup(region);
	else if ((ep->region = dest_region_from_host(host)) == NULL) {
		xasprintf(cause, "endpoint %s: no region to sign for: set "
		    "the region", ep->url);
		goto out;
	}
	rv = 0;
out:
	if (rv == -1)
		dest_endpoint_clear(ep);
	free(url);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return (rv);
}

const char *
dest_endpoint_url(enum config_dest kind, const struct config *cfg)
{
	const char	*url, *env;

	url = kind == CONFIG_DEST_FIREHOSE ? cfg->firehose_endpoint :
	    cfg->kinesis_endpoint;
	if (url != NULL && *url != '\0')
		return (url);
	env = kind == CONFIG_DEST_FIREHOSE ? "AWS_ENDPOINT_URL_FIREHOSE" :
	    "AWS_ENDPOINT_URL_KINESIS";
	if ((url = getenv(env)) != NULL && *url != '\0')
		return (url);
	if ((url = getenv("AWS_ENDPOINT_URL")) != NULL && *url != '\0')
		return (url);
	return (NULL);
}

int
dest_endpoint_init(struct dest_endpoint *ep, const struct dest_ops *ops,
    const struct config *cfg, char **cause)
{
	if (ops->kind == CONFIG_DEST_FIREHOSE)
		return (dest_endpoint_make(ep, ops,
		    dest_endpoint_url(ops->kind, cfg), cfg->firehose_region,
		    cause));
	return (dest_endpoint_make(ep, ops, dest_endpoint_url(ops->kind, cfg),
	    cfg->kinesis_region, cause));
}
