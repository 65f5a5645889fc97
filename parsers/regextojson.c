/*
 * regextojson: REGEXTOJSON, sluice's own converter (not the Kinesis
 * Agent's).  A PCRE2 pattern with named groups turns a line into a JSON
 * object whose fields are the group names, in group-number order:
 *
 *	pattern: '(?<ip>\S+) (?<status>\d+) (?<ms>[\d.]+)'
 *	types: { status: int, ms: float }
 *	"1.2.3.4 200 0.25\n"  ->  {"ip":"1.2.3.4","status":200,"ms":0.25}\n
 *
 * The pattern is PCRE2 syntax, not Java's (LOGTOJSON's matchPattern goes
 * through jregex because the agent's patterns are Java regexes; this
 * converter has no Java heritage to keep).  It is compiled once, with the
 * JIT, and matched against bytes, not UTF-8 characters: "." is one byte,
 * and a line holding invalid UTF-8 matches like any other (json_out turns
 * such bytes into U+FFFD in the output).  In UTF mode PCRE2 could never
 * match across an invalid byte, so a bad byte would turn a line into a
 * mismatch.  A pattern may still opt in with (*UTF); a line that is not
 * valid UTF-8 is then a mismatch.  \d and \w are ASCII, which is what "int"
 * conversion wants.  The pattern must match the whole line
 * (PCRE2_ANCHORED | PCRE2_ENDANCHORED), which is the record without its one
 * trailing "\n"; a "\r" before it is part of the line, as in the agent's
 * LOGTOJSON, so a pattern for CRLF files ends in "\r?".
 *
 * Unnamed groups are not output; a named group that did not take part in
 * the match is null.  The "types" conversions never lose data: text that
 * is not a valid value of the type stays a JSON string.
 *	int	[+-]?[0-9]+ within int64, written canonically (+007 -> 7)
 *	float	[+-]?[0-9]+(.[0-9]+)?([eE][+-]?[0-9]+)?, written as that
 *		text without the "+" and redundant leading zeros
 *	bool	true/false, yes/no, 1/0 (any case) -> true/false
 *	string	the default
 *
 * timeKey names a field whose text is parsed with strptime(3) and
 * timeFormat, and rewritten as "YYYY-MM-DDTHH:MM:SSZ" (UTC).  The parse
 * must consume the whole text.  With %z (glibc accepts +hhmm, +hh:mm and
 * Z) the parsed offset applies; without it the time is taken as UTC.
 * Parts the format lacks default to the record's day in UTC (conv_ctx's
 * now) at 00:00:00, so "%b %d %H:%M:%S" gets the current year.  Text that
 * does not parse, or that is not a real date and time, is kept as it is:
 * strptime takes 2024-02-30 and second 61, which would roll over into
 * another time (March 1st, the next minute), and they are not converted.
 * So is an offset of 24 hours or more.  A leap second (:60) is taken only
 * where one can be, at 23:59:60 UTC, and is written as the next second,
 * 00:00:00 of the next day, as POSIX time counts it.
 *
 * onMismatch: DROP (default) drops the record; RAW passes it unchanged;
 * WRAP sends {"message":"<line>"}.  A match that fails for a reason other
 * than not matching (the JIT stack limit, reached by a pattern that
 * backtracks through a group per character of a long line) is a
 * conversion error: the chain sends the raw record and counts it.
 *
 * Per record the cost is one JIT match and the JSON written straight into
 * the output buffer: the match data is made once per instance and
 * nothing is allocated per record.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* strptime */
#endif

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "converter.h"
#include "json_out.h"
#include "log.h"
#include "xmalloc.h"

/* The longest timeKey text handed to strptime; longer never parses. */
#define REGEXTOJSON_TIME_MAX	128

/*
 * The most a COMPACT record reserves up front so that every value can be
 * as long as the line (escaped) with no check per value: ordinary lines.
 */
#define REGEXTOJSON_ROOM_MAX	(64 * 1024)

/*
 * The JIT stack a match gets when PCRE2's default 32 KiB is not enough.  A
 * group repeated once per character, like (?:x|y)*, costs 8 to 32 bytes of
 * stack per iteration, so 32 MiB lets such a group run over a whole 1 MiB
 * record.  It is made only for a pattern that needed it, the first time
 * it did, so a host with strict overcommit does not reserve 32 MiB per
 * flow; the kernel commits only the pages a match touches.
 */
#define REGEXTOJSON_JIT_STACK_MIN	(32 * 1024)
#define REGEXTOJSON_JIT_STACK_MAX	(32 * 1024 * 1024)

enum regextojson_type {
	REGEXTOJSON_STRING,
	REGEXTOJSON_INT,
	REGEXTOJSON_FLOAT,
	REGEXTOJSON_BOOL
};

static const char *const regextojson_type_names[] = {
	"string", "int", "float", "bool", NULL
};

enum regextojson_policy {
	REGEXTOJSON_DROP,
	REGEXTOJSON_RAW,
	REGEXTOJSON_WRAP
};

static const char *const regextojson_policies[] = {
	"DROP", "RAW", "WRAP", NULL
};

struct regextojson_field {
	char			*name;
	size_t			 namelen;
	uint32_t		 group;
	enum regextojson_type	 type;
	int			 is_time;
	int			 plain;		/* a string, not the timeKey */
	size_t			 keyoff;	/* in keys: {"name": */
	size_t			 keylen;
};

struct regextojson {
	pcre2_code			*re;
	pcre2_match_data		*md;
	pcre2_match_context		*mctx;
	pcre2_jit_stack			*stack;
	int				 jit;
	struct regextojson_field	*fields;
	size_t				 nfields;
	enum regextojson_policy		 policy;
	int				 pretty;
	char				*timefmt;	/* or NULL */
	struct buf			 keys;	/* for COMPACT */
};

struct regextojson_opts {
	char		*pattern;
	struct conv_map	 types;
	int		 on_mismatch;
	char		*time_key;
	char		*time_format;
	int		 json_format;
};

#define O(f)	offsetof(struct regextojson_opts, f)

static const struct conv_key regextojson_keys[] = {
	{ .name = "pattern", .type = CONV_KEY_STRING, .offset = O(pattern),
	  .required = 1,
	  .desc = "PCRE2 pattern with named groups, matched against the whole "
	  "line" },
	{ .name = "types", .type = CONV_KEY_MAP, .offset = O(types),
	  .values = regextojson_type_names,
	  .desc = "field: int | float | bool | string" },
	{ .name = "onMismatch", .type = CONV_KEY_ENUM, .offset = O(on_mismatch),
	  .values = regextojson_policies, .def = "DROP",
	  .desc = "a line that does not match: DROP, RAW (unchanged) or WRAP" },
	{ .name = "timeKey", .type = CONV_KEY_STRING, .offset = O(time_key),
	  .desc = "field rewritten to ISO 8601 UTC (needs timeFormat)" },
	{ .name = "timeFormat", .type = CONV_KEY_STRING,
	  .offset = O(time_format),
	  .desc = "strptime(3) format of the timeKey field" },
	JSON_OUT_FORMAT_KEY(O(json_format)),
	{ .name = NULL }
};

static void	 regextojson_free(void *);

static struct regextojson_field *
regextojson_field(struct regextojson *rj, const char *name)
{
	size_t	i;

	for (i = 0; i < rj->nfields; i++)
		if (strcmp(rj->fields[i].name, name) == 0)
			return (&rj->fields[i]);
	return (NULL);
}

static int
regextojson_field_cmp(const void *a, const void *b)
{
	const struct regextojson_field	*fa = a, *fb = b;

	return (fa->group < fb->group ? -1 : fa->group > fb->group);
}

/* Compiles the pattern and collects its named groups. */
static int
regextojson_compile(struct regextojson *rj, const char *pattern,
    char **cause)
{
	PCRE2_UCHAR	 msg[256];
	PCRE2_SIZE	 erroff;
	PCRE2_SPTR	 table, entry;
	uint32_t	 count, size, i, j;
	int		 error;

	rj->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_ANCHORED | PCRE2_ENDANCHORED, &error, &erroff, NULL);
	if (rj->re == NULL) {
		pcre2_get_error_message(error, msg, sizeof msg);
		xasprintf(cause, "pattern: %s at offset %zu", (char *)msg,
		    (size_t)erroff);
		return (-1);
	}
	pcre2_pattern_info(rj->re, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(rj->re, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(rj->re, PCRE2_INFO_NAMETABLE, &table);
	if (count == 0) {
		xasprintf(cause, "pattern has no named group such as "
		    "(?<name>...)");
		return (-1);
	}
	rj->fields = xcalloc(count, sizeof *rj->fields);
	for (i = 0; i < count; i++) {
		entry = table + (size_t)i * size;
		/* Entries are sorted by name: a duplicate is adjacent. */
		if (i > 0 && strcmp((const char *)entry + 2,
		    rj->fields[i - 1].name) == 0) {
			xasprintf(cause, "pattern: group name \"%s\" is used "
			    "twice", (const char *)entry + 2);
			return (-1);
		}
		rj->fields[i].group = ((uint32_t)entry[0] << 8) | entry[1];
		rj->fields[i].name = xstrdup((const char *)entry + 2);
		rj->fields[i].namelen = strlen(rj->fields[i].name);
		rj->nfields++;
	}
	qsort(rj->fields, rj->nfields, sizeof *rj->fields,
	    regextojson_field_cmp);
	for (j = 0; j < rj->nfields; j++)
		rj->fields[j].keylen = json_out_prefix(&rj->keys,
		    rj->fields[j].name, rj->fields[j].namelen,
		    &rj->fields[j].keyoff);

	/* Out of memory is fatal, as with xmalloc. */
	rj->md = pcre2_match_data_create_from_pattern(rj->re, NULL);
	rj->mctx = pcre2_match_context_create(NULL);
	if (rj->md == NULL || rj->mctx == NULL)
		fatalx("pcre2: out of memory");
	/* Without the JIT (not built for this CPU) pcre2_match is used. */
	rj->jit = pcre2_jit_compile(rj->re, PCRE2_JIT_COMPLETE) == 0;
	return (0);
}

/* Sets the types and the timeKey; reports each error. */
static void
regextojson_fields(struct regextojson *rj, const struct regextojson_opts *o,
    struct conv_report *r)
{
	struct regextojson_field	*f;
	size_t				 i;

	for (i = 0; i < o->types.n; i++) {
		if ((f = regextojson_field(rj, o->types.e[i].name)) == NULL)
			conv_opts_report(r, "types", "types: \"%s\" is not a "
			    "named group of the pattern", o->types.e[i].name);
		else
			f->type = (enum regextojson_type)o->types.e[i].index;
	}
	if (o->time_key != NULL) {
		if ((f = regextojson_field(rj, o->time_key)) == NULL)
			conv_opts_report(r, "timeKey", "timeKey: \"%s\" is not "
			    "a named group of the pattern", o->time_key);
		else if (f->type != REGEXTOJSON_STRING)
			conv_opts_report(r, "types", "types: \"%s\" is the "
			    "timeKey, which is always a string", f->name);
		else
			f->is_time = 1;
		if (o->time_format == NULL || *o->time_format == '\0')
			conv_opts_report(r, "timeFormat", "timeFormat is "
			    "required with timeKey");
		else
			rj->timefmt = xstrdup(o->time_format);
	} else if (o->time_format != NULL)
		conv_opts_report(r, "timeFormat", "timeFormat needs timeKey");
}

static void *
regextojson_create(const void *arg, struct conv_report *r)
{
	const struct regextojson_opts	*o = arg;
	struct regextojson		*rj;
	char				*cause = NULL;
	size_t				 j, before = r->n;

	rj = xcalloc(1, sizeof *rj);
	buf_init(&rj->keys, CONV_BUF_MAX);
	rj->policy = (enum regextojson_policy)o->on_mismatch;
	rj->pretty = o->json_format;
	if (regextojson_compile(rj, o->pattern, &cause) == -1) {
		conv_opts_report(r, "pattern", "%s", cause);
		free(cause);
		goto fail;
	}
	regextojson_fields(rj, o, r);
	if (r->n != before)
		goto fail;
	/* The common field, written without regextojson_classify. */
	for (j = 0; j < rj->nfields; j++)
		rj->fields[j].plain = !rj->fields[j].is_time &&
		    rj->fields[j].type == REGEXTOJSON_STRING;
	return (rj);
fail:
	regextojson_free(rj);
	return (NULL);
}

static void
regextojson_free(void *inst)
{
	struct regextojson	*rj = inst;
	size_t			 i;

	if (rj == NULL)
		return;
	free(rj->timefmt);
	for (i = 0; i < rj->nfields; i++)
		free(rj->fields[i].name);
	free(rj->fields);
	buf_free(&rj->keys);
	pcre2_jit_stack_free(rj->stack);
	pcre2_match_context_free(rj->mctx);
	pcre2_match_data_free(rj->md);
	pcre2_code_free(rj->re);
	free(rj);
}

/* A field's value, classified before it is written. */
enum regextojson_kind {
	REGEXTOJSON_V_NULL,
	REGEXTOJSON_V_STRING,	/* text, escaped and quoted */
	REGEXTOJSON_V_LITERAL	/* a number or true/false, written as is */
};

struct regextojson_val {
	enum regextojson_kind	 kind;
	const char		*s;
	size_t			 len;
	int			 neg;	/* a literal: "-" first */
	char			 tmp[32];	/* digits or a time */
};

/* [+-]?[0-9]+ within int64; 0 and *v set, or -1. */
static int
regextojson_parse_int(const char *s, size_t len, int64_t *v)
{
	uint64_t	acc = 0, lim, d;
	size_t		i = 0;
	int		neg = 0;

	if (len > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == len)
		return (-1);
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		d = (uint64_t)(s[i] - '0');
		if (acc > (lim - d) / 10)
			return (-1);
		acc = acc * 10 + d;
	}
	if (neg)
		*v = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(int64_t)acc;
	else
		*v = (int64_t)acc;
	return (0);
}

static size_t
regextojson_digits(const char *s, size_t i, size_t len)
{
	size_t	start = i;

	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return (i - start);
}

/*
 * If s is [+-]?D+(.D+)?([eE][+-]?D+)?, points v at it without its sign
 * and redundant leading zeros (JSON allows neither "+" nor "007"), sets
 * v->neg for a "-" and returns 0.  Otherwise returns -1.
 */
static int
regextojson_float(const char *s, size_t len, struct regextojson_val *v)
{
	char	text[64];
	size_t	i = 0, n, start;
	int	neg = 0;

	if (len > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if ((n = regextojson_digits(s, i, len)) == 0)
		return (-1);
	start = i;
	while (n > 1 && s[start] == '0') {
		start++;
		n--;
	}
	i = start + n;
	if (i < len && s[i] == '.') {
		if ((n = regextojson_digits(s, i + 1, len)) == 0)
			return (-1);
		i += 1 + n;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if ((n = regextojson_digits(s, i, len)) == 0)
			return (-1);
		i += n;
	}
	if (i != len)
		return (-1);
	/*
	 * A number most JSON readers cannot hold (an integer beyond 64 bits,
	 * a real beyond a double) stays a string, so no consumer chokes.
	 */
	if (len >= sizeof text)
		return (-1);
	memcpy(text, s, len);
	text[len] = '\0';
	errno = 0;
	if (strpbrk(text, ".eE") == NULL) {
		(void)strtoll(text, NULL, 10);
		if (errno == ERANGE)
			return (-1);
	} else if (isinf(strtod(text, NULL)))
		return (-1);
	v->kind = REGEXTOJSON_V_LITERAL;
	v->neg = neg;
	v->s = s + start;
	v->len = len - start;
	return (0);
}

/* true/false, yes/no, 1/0 in any case; 1, 0 or -1 if none. */
static int
regextojson_parse_bool(const char *s, size_t len)
{
	static const struct {
		const char	*text;
		int		 value;
	} words[] = {
		{ "true", 1 }, { "false", 0 }, { "yes", 1 }, { "no", 0 },
		{ "1", 1 }, { "0", 0 }
	};
	size_t	i;

	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strlen(words[i].text) == len &&
		    strncasecmp(words[i].text, s, len) == 0)
			return (words[i].value);
	return (-1);
}

/*
 * Is tm, as strptime left it, a date and time that exists?  glibc takes
 * day 31 of any month, second 61 and a %z offset up to 99 hours, and
 * timegm would roll them over into another time (2024-02-30 into March
 * 1st).  The round trip through timegm must give back every field; only
 * a leap second, 60, is let through, and the caller checks where it
 * falls.  An offset must be less than 24 hours (RFC 3339 §5.6).  Sets *t
 * to timegm's result (for 59 seconds when the second is 60).
 */
static int
regextojson_tm_is_valid(const struct tm *tm, time_t *t)
{
	struct tm	chk = *tm;

	if (tm->tm_gmtoff <= -86400 || tm->tm_gmtoff >= 86400)
		return (0);
	if (tm->tm_sec == 60)
		chk.tm_sec = 59;
	errno = 0;
	if ((*t = timegm(&chk)) == (time_t)-1 && errno == EOVERFLOW)
		return (0);
	return (chk.tm_year == tm->tm_year && chk.tm_mon == tm->tm_mon &&
	    chk.tm_mday == tm->tm_mday && chk.tm_hour == tm->tm_hour &&
	    chk.tm_min == tm->tm_min &&
	    chk.tm_sec == (tm->tm_sec == 60 ? 59 : tm->tm_sec));
}

/*
 * Parses s with the timeFormat and writes it as YYYY-MM-DDTHH:MM:SSZ into
 * iso (21 bytes).  Returns -1 if s does not parse as a whole or is not a
 * real date and time.
 */
static int
regextojson_time(const struct regextojson *rj, const char *s, size_t len,
    time_t now, char *iso, size_t isolen)
{
	char		 text[REGEXTOJSON_TIME_MAX];
	struct tm	 tm, today;
	const char	*end;
	time_t		 t;
	long		 gmtoff;
	int		 leap, n;

	if (len >= sizeof text)
		return (-1);
	memcpy(text, s, len);
	text[len] = '\0';
	memset(&today, 0, sizeof today);
	gmtime_r(&now, &today);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = today.tm_year;
	tm.tm_mon = today.tm_mon;
	tm.tm_mday = today.tm_mday;
	/* glibc's %z (and %s) set tm_gmtoff; otherwise it stays 0: UTC. */
	end = strptime(text, rj->timefmt, &tm);
	if (end == NULL || end != text + len ||
	    !regextojson_tm_is_valid(&tm, &t))
		return (-1);
	gmtoff = tm.tm_gmtoff;
	leap = tm.tm_sec == 60;
	t -= gmtoff;
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900)
		return (-1);
	if (leap) {
		/*
		 * A leap second is inserted at the end of a UTC day only
		 * (23:59:60Z).  POSIX time has no room for it: like timegm,
		 * it becomes the first second of the next day.
		 */
		if (tm.tm_hour != 23 || tm.tm_min != 59)
			return (-1);
		t++;
		if (gmtime_r(&t, &tm) == NULL || tm.tm_year > 9999 - 1900)
			return (-1);
	}
	n = snprintf(iso, isolen, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	return (n > 0 && (size_t)n < isolen ? 0 : -1);
}

/* Decides what a matched field is written as. */
static void
regextojson_classify(const struct regextojson *rj,
    const struct regextojson_field *f, const char *s, size_t len,
    time_t now, struct regextojson_val *v)
{
	int64_t	 iv;
	char	*p, *end = v->tmp + sizeof v->tmp;
	int	 b;

	v->kind = REGEXTOJSON_V_STRING;
	v->s = s;
	v->len = len;
	v->neg = 0;
	switch (f->type) {
	case REGEXTOJSON_INT:
		if (regextojson_parse_int(s, len, &iv) == 0) {
			v->kind = REGEXTOJSON_V_LITERAL;
			p = json_out_utoa(end, iv < 0 ? -(uint64_t)iv :
			    (uint64_t)iv);
			if (iv < 0)
				*--p = '-';
			v->s = p;
			v->len = (size_t)(end - p);
		}
		break;
	case REGEXTOJSON_FLOAT:
		(void)regextojson_float(s, len, v);
		break;
	case REGEXTOJSON_BOOL:
		if ((b = regextojson_parse_bool(s, len)) != -1) {
			v->kind = REGEXTOJSON_V_LITERAL;
			v->s = b ? "true" : "false";
			v->len = b ? 4 : 5;
		}
		break;
	case REGEXTOJSON_STRING:
		if (f->is_time && regextojson_time(rj, s, len, now, v->tmp,
		    sizeof v->tmp) == 0) {
			v->s = v->tmp;
			v->len = strlen(v->tmp);
		}
		break;
	}
}

/*
 * Writes the members of a COMPACT object at w and returns the end.  With
 * checked 0, out must already have room for every value as long as the
 * line; with checked 1, the room for each value is made as it comes.
 * Inlined with checked a constant, so the common case has no check.
 */
static inline __attribute__((always_inline)) char *
regextojson_members(const struct regextojson *rj, const char *in,
    const PCRE2_SIZE *ov, int rc, struct buf *out, char *w,
    size_t slack, time_t now, int checked)
{
	const struct regextojson_field	*f, *fend;
	struct regextojson_val		 v;
	const char			*s, *keys;
	char				*end;
	size_t				 len;
	uint32_t			 g;

	end = out->data + out->cap;
	keys = rj->keys.data;
	fend = rj->fields + rj->nfields;
	for (f = rj->fields; f < fend; f++) {
		w = json_out_put16(w, keys + f->keyoff, f->keylen);
		g = f->group;
		if (g >= (uint32_t)rc || ov[2 * g] == PCRE2_UNSET) {
			memcpy(w, "null", 4);
			w += 4;
			continue;
		}
		s = in + ov[2 * g];
		len = ov[2 * g + 1] - ov[2 * g];
		if (checked &&
		    (size_t)(end - w) < JSON_OUT_QUOTED_MAX(len) + slack) {
			out->len = w - out->data;
			if (buf_reserve(out, JSON_OUT_QUOTED_MAX(len) +
			    slack) == -1)
				return (NULL);
			w = out->data + out->len;
			end = out->data + out->cap;
		}
		if (f->plain) {
			w = json_out_put_quoted(w, s, len);
			continue;
		}
		regextojson_classify(rj, f, s, len, now, &v);
		if (v.kind == REGEXTOJSON_V_LITERAL) {
			if (v.neg)
				*w++ = '-';
			memcpy(w, v.s, v.len);
			w += v.len;
		} else
			w = json_out_put_quoted(w, v.s, v.len);
	}
	return (w);
}

/*
 * COMPACT, the hot path: the object is written straight into out with the
 * keys escaped once at create time (and followed by 16 bytes of padding,
 * for json_out_put16).  Growing out once up front to the worst case (a
 * value byte escapes to at most 6 bytes, as \u00XX) leaves one move per
 * key and one copy-and-check per value.  The bytes are those json_out
 * writes.
 */
static void
regextojson_compact(const struct regextojson *rj, const char *in,
    size_t linelen, const PCRE2_SIZE *ov, int rc, struct buf *out,
    time_t now)
{
	struct regextojson_val	 v;
	size_t			 slack, all;
	char			*w;

	/*
	 * Room for the keys, literals or "null"s, "}\n" and 16 spare bytes
	 * (slack).  Values can be no longer than the line, but groups can
	 * nest: when every field holding the whole line fits in a modest
	 * reservation, it is made once and the loop need not check; else
	 * room for one line's worth is made, and more as values need it.
	 */
	slack = rj->keys.len + 18 + rj->nfields * (sizeof v.tmp + 2);
	all = rj->nfields * JSON_OUT_QUOTED_MAX(linelen);
	if (all <= REGEXTOJSON_ROOM_MAX) {
		if (buf_reserve(out, slack + all) == -1)
			return;
		w = regextojson_members(rj, in, ov, rc, out,
		    out->data + out->len, slack, now, 0);
	} else {
		if (buf_reserve(out, slack + JSON_OUT_QUOTED_MAX(linelen)) ==
		    -1)
			return;
		/* NULL: out passed its maximum (a failure that sticks). */
		if ((w = regextojson_members(rj, in, ov, rc, out,
		    out->data + out->len, slack, now, 1)) == NULL)
			return;
	}
	memcpy(w, "}\n", 2);
	out->len = w + 2 - out->data;
}

/* PRETTYPRINT through json_out; a literal is written as its text. */
static void
regextojson_pretty(const struct regextojson *rj, const char *in,
    const PCRE2_SIZE *ov, int rc, struct buf *out, time_t now)
{
	const struct regextojson_field	*f;
	struct regextojson_val		 v;
	struct json_out			 jo;
	size_t				 i;

	json_out_init(&jo, out, 1);
	json_out_object_begin(&jo);
	for (i = 0; i < rj->nfields; i++) {
		f = &rj->fields[i];
		json_out_key(&jo, f->name, f->namelen);
		if (f->group >= (uint32_t)rc ||
		    ov[2 * f->group] == PCRE2_UNSET) {
			json_out_null(&jo);
			continue;
		}
		regextojson_classify(rj, f, in + ov[2 * f->group],
		    ov[2 * f->group + 1] - ov[2 * f->group], now, &v);
		if (v.kind == REGEXTOJSON_V_LITERAL && v.neg) {
			/* Apart in the line: "-007.5" is written -7.5. */
			json_out_raw(&jo, "-", 1);
			buf_add(out, v.s, v.len);
		} else if (v.kind == REGEXTOJSON_V_LITERAL)
			json_out_raw(&jo, v.s, v.len);
		else
			json_out_string(&jo, v.s, v.len);
	}
	json_out_object_end(&jo);
	buf_add(out, "\n", 1);
}

/* Matches the line, growing the JIT stack once if the default was short. */
static int
regextojson_match(struct regextojson *rj, const char *in, size_t len)
{
	int	rc;

	if (!rj->jit)
		return (pcre2_match(rj->re, (PCRE2_SPTR)in, len, 0, 0, rj->md,
		    rj->mctx));
	rc = pcre2_jit_match(rj->re, (PCRE2_SPTR)in, len, 0, 0, rj->md,
	    rj->mctx);
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT && rj->stack == NULL) {
		rj->stack = pcre2_jit_stack_create(REGEXTOJSON_JIT_STACK_MIN,
		    REGEXTOJSON_JIT_STACK_MAX, NULL);
		if (rj->stack == NULL)
			fatalx("pcre2: out of memory");
		pcre2_jit_stack_assign(rj->mctx, NULL, rj->stack);
		rc = pcre2_jit_match(rj->re, (PCRE2_SPTR)in, len, 0, 0,
		    rj->md, rj->mctx);
	}
	return (rc);
}

static enum conv_result
regextojson_convert(void *inst, const char *in, size_t len,
    struct buf *out, const struct conv_ctx *ctx)
{
	struct regextojson		*rj = inst;
	struct json_out			 jo;
	size_t				 linelen = len;
	time_t				 now;
	int				 rc;

	out->len = 0;
	now = ctx != NULL ? ctx->now : time(NULL);
	if (in == NULL)
		in = "";
	if (linelen > 0 && in[linelen - 1] == '\n')
		linelen--;
	rc = regextojson_match(rj, in, linelen);
	/* Under (*UTF), a line that is not UTF-8 cannot match. */
	if (rc == PCRE2_ERROR_NOMATCH || (rc <= PCRE2_ERROR_UTF8_ERR1 &&
	    rc >= PCRE2_ERROR_UTF8_ERR21)) {
		switch (rj->policy) {
		case REGEXTOJSON_DROP:
			return (CONV_DROP);
		case REGEXTOJSON_RAW:
			buf_add(out, in, len);
			return (CONV_OK);
		case REGEXTOJSON_WRAP:
			json_out_init(&jo, out, rj->pretty);
			json_out_object_begin(&jo);
			json_out_key(&jo, "message", 7);
			json_out_string(&jo, in, linelen);
			json_out_object_end(&jo);
			buf_add(out, "\n", 1);
			return (CONV_OK);
		}
	}
	if (rc < 0)
		return (CONV_ERROR);
	if (rj->pretty)
		regextojson_pretty(rj, in, pcre2_get_ovector_pointer(rj->md),
		    rc, out, now);
	else
		regextojson_compact(rj, in, linelen,
		    pcre2_get_ovector_pointer(rj->md), rc, out, now);
	return (CONV_OK);
}

const struct converter_ops regextojson_ops = {
	.name = "REGEXTOJSON",
	.extension = 1,
	.keys = regextojson_keys,
	.opts_size = sizeof (struct regextojson_opts),
	.desc = "named groups of a PCRE2 pattern become JSON fields",
	.create = regextojson_create,
	.convert = regextojson_convert,
	.free = regextojson_free
};
