/*
 * logtojson: LOGTOJSON, the Kinesis Agent's log parser
 * (LogToJSONDataConverter with ApacheLogParser and SysLogParser), plus
 * formats of sluice's own.
 *
 * Agent formats (processing/parsers/PatternConstants.java, with
 * BaseLogParser.java): the record minus one trailing
 * "\n" is decoded as Java does (invalid UTF-8 becomes U+FFFD) and must
 * match the format's Java regex as a whole (Matcher.matches()).  The
 * groups become string fields, in order; a line that does not match, or
 * whose group count differs from the field count, is dropped.  The
 * Apache formats turn a "-" value into null; in all formats a group that
 * did not take part in the match is null.  A "\r" before the "\n" stays in
 * the line, where "." cannot match it: as in the agent, CRLF lines of the
 * built-in formats are dropped.  matchPattern (a Java regex, translated by
 * jregex) with customFieldNames replaces the format's pattern and fields;
 * logFormat then only chooses the "-" rule.  customFieldNames alone
 * renames the default fields and must have as many names.  Repeated names
 * behave like the agent's LinkedHashMap: the first position, the last
 * value.  Output: {"field":"value",...} and "\n", COMPACT or PRETTYPRINT.
 *
 * Extensions (not in the agent).  Each strips one "\n" and then one "\r";
 * a line that does not parse is dropped; values are strings.
 * - RFC5424SYSLOG, RFC 5424 §6: "<PRI>VERSION TIMESTAMP HOSTNAME APP-NAME
 *   PROCID MSGID STRUCTURED-DATA [MSG]" gives pri, version, timestamp,
 *   hostname, appname, procid, msgid, structuredData, message.  A "-"
 *   (NILVALUE) is null, and so is an absent MSG.  structuredData is an
 *   object {"SD-ID":{"PARAM":"value",...},...} with the §6.3.3 escapes
 *   \" \\ \] undone; a repeated PARAM keeps its first position and last
 *   value; a repeated SD-ID makes the line invalid (§6.3.2).  A UTF-8 BOM
 *   at the start of MSG is removed.  TIMESTAMP must be §6.2.3's form,
 *   and a date and time that exist (its ranges: 2003-02-30 or 25:00 make
 *   the line invalid, as a malformed header does).
 * - NGINXERRORLOG: "YYYY/MM/DD HH:MM:SS [level] PID#TID: [*CID ]text"
 *   gives timestamp, severity, pid, tid, connection (null without
 *   "*CID"), message, then the context nginx appends to the text, in its
 *   order, each only when present: client, server, login, request,
 *   subrequest, upstream, host, referrer (quotes removed).  An unquoted
 *   value ends at the next ", "; a quoted one at a quote followed by more
 *   context or the end.  Text that is not all context stays in message.
 *   customFieldNames renames the first six.
 * - LTSV (ltsv.org): "label:value" fields separated by TAB; an empty field
 *   is skipped; a field without ":" or with an empty label makes the line
 *   invalid.
 * - LOGFMT: "key=value key=\"quoted \\\" value\" flag", separated by
 *   spaces or tabs.  A key alone is JSON true; "key=" is "".  Quoted
 *   values undo \" \\ \/ \b \f \n \r \t and \uXXXX; an unterminated quote
 *   makes the line invalid.
 * LTSV and LOGFMT keys keep their order; a repeated key keeps its first
 * position and last value.  A line with more than LOGTOJSON_MAX_PAIRS
 * pairs (or SD params) is dropped, which bounds the duplicate check.
 * customFieldNames applies to RFC5424SYSLOG and NGINXERRORLOG only, and
 * matchPattern to the agent's formats only.
 *
 * Per record: at most one JIT match and the JSON written straight into
 * the output buffer; match data, JIT stack and scratch space belong to the
 * instance, so nothing is allocated per record once buffers have grown.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "converter.h"
#include "jregex.h"
#include "json_out.h"
#include "log.h"
#include "utf8.h"
#include "xmalloc.h"

#define LOGTOJSON_MAX_PAIRS		512
#define LOGTOJSON_JIT_STACK_MIN		(32 * 1024)
#define LOGTOJSON_JIT_STACK_MAX		(32 * 1024 * 1024)
/* What COMPACT reserves at most to write a line with no check per value. */
#define LOGTOJSON_ROOM_MAX		(64 * 1024)

/* PatternConstants.java, piece by piece, as the agent concatenates it. */
#define P_INT		"(?:[+-]?(?:[0-9]+))"
#define P_POSINT	"(?:[1-9][0-9]*)"
#define P_NONNEGINT	"(?:[0-9]+)"
#define P_ANYDATA	".*"
#define P_WORD		"\\w+"
#define P_NOQUOTE	"[^\"]+"
#define P_IP		"(?:[\\d\\.]+)"
#define P_HOSTNAME	"(?:[\\w\\-]+)(?:\\.(?:[\\w\\-]+))*(?:\\.?|\\b)"
#define P_IPORHOST	"(?:" P_HOSTNAME "|" P_IP ")"
#define P_URIHOST	"(?:" P_IPORHOST "(?::" P_POSINT ")?)"
#define P_USER		"(?:[a-zA-Z0-9._-]+)"
#define P_MONTHDAY	"(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])"
#define P_DAY		"(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|" \
			"Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)"
#define P_MONTH		"\\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|" \
			"Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|" \
			"Sep(?:tember)?|Oct(?:ober)?|Nov(?:ember)?|" \
			"Dec(?:ember)?)\\b"
#define P_YEAR		"(?:[1-9]\\d*)"
#define P_HOUR		"(?:2[0123]|[01]?[0-9])"
#define P_MINUTE	"(?:[0-5][0-9])"
#define P_SECOND	"(?:(?:[0-5]?[0-9]|60)(?:[:\\.,][0-9]+)?)"
#define P_TIME		"(?:" P_HOUR ":" P_MINUTE ":" P_SECOND ")"
#define P_HTTPDATE	"(?:" P_MONTHDAY "/" P_MONTH "/" P_YEAR ":" P_TIME \
			"\\s" P_INT ")"
#define P_ERRORTS	"(?:" P_DAY "\\s+" P_MONTH "\\s+" P_MONTHDAY "\\s+" \
			P_TIME "\\s+" P_YEAR ")"
#define P_SYSLOGTS	"(?:" P_MONTH "\\s+" P_MONTHDAY "\\s+" P_TIME ")"
#define P_RFC3339	"(?:\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}" \
			"(?:\\.\\d+)?)(?:Z|(?:[-+]\\d{2}:\\d{2}))"
#define P_FACILITY	"<" P_NONNEGINT "." P_NONNEGINT ">"
#define P_PROG		"([\\w\\._/%-]+)"
#define P_SYSLOGPROG	P_PROG "(?:\\[(" P_POSINT ")\\])?"

#define P_COMMON	"^(" P_IPORHOST ") (" P_USER ") (" P_USER ") " \
			"\\[(" P_HTTPDATE ")\\] \"(" P_NOQUOTE ")\" " \
			"(" P_INT "|\\-) (" P_INT "|\\-)"
#define P_COMBINED	P_COMMON " \"(" P_NOQUOTE ")\" \"(" P_NOQUOTE ")\""
#define P_APACHEERROR	"^\\[(" P_ERRORTS ")\\] \\[(?:(" P_WORD "):)?(" \
			P_WORD ")\\] \\[pid (" P_NONNEGINT ")(?::tid (" \
			P_NONNEGINT "))?\\] \\[client (" P_URIHOST ")\\] (" \
			P_ANYDATA ")"
#define P_SYSLOG	"^(" P_SYSLOGTS ") (?:" P_FACILITY " )?(" P_USER \
			") " P_SYSLOGPROG ": (" P_ANYDATA ")"
#define P_RFC3339SYSLOG	"^(" P_RFC3339 ") (?:" P_FACILITY " )?(" P_USER \
			") " P_SYSLOGPROG ": (" P_ANYDATA ")"

/* sluice's own: the part of an nginx error line before its context. */
#define P_NGINXERROR	"(\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2}) " \
			"\\[(\\w+)\\] (\\d+)#(\\d+): (?:\\*(\\d+) )?((?s:.*))"

enum logtojson_format {
	LOGTOJSON_COMMONAPACHELOG,
	LOGTOJSON_COMBINEDAPACHELOG,
	LOGTOJSON_APACHEERRORLOG,
	LOGTOJSON_SYSLOG,
	LOGTOJSON_RFC3339SYSLOG,
	LOGTOJSON_RFC5424SYSLOG,
	LOGTOJSON_NGINXERRORLOG,
	LOGTOJSON_LTSV,
	LOGTOJSON_LOGFMT
};

static const char *const logtojson_format_names[] = {
	"COMMONAPACHELOG", "COMBINEDAPACHELOG", "APACHEERRORLOG", "SYSLOG",
	"RFC3339SYSLOG", "RFC5424SYSLOG", "NGINXERRORLOG", "LTSV", "LOGFMT",
	NULL
};

static const char *const logtojson_common_fields[] = {
	"host", "ident", "authuser", "datetime", "request", "response",
	"bytes", NULL
};
static const char *const logtojson_combined_fields[] = {
	"host", "ident", "authuser", "datetime", "request", "response",
	"bytes", "referer", "agent", NULL
};
static const char *const logtojson_error_fields[] = {
	"timestamp", "module", "severity", "processid", "threadid", "client",
	"message", NULL
};
static const char *const logtojson_syslog_fields[] = {
	"timestamp", "hostname", "program", "processid", "message", NULL
};
static const char *const logtojson_rfc5424_fields[] = {
	"pri", "version", "timestamp", "hostname", "appname", "procid",
	"msgid", "structuredData", "message", NULL
};
static const char *const logtojson_nginx_fields[] = {
	"timestamp", "severity", "pid", "tid", "connection", "message", NULL
};

/* nginx's error context keys (ngx_http_log_error and friends). */
static const char *const logtojson_nginx_context[] = {
	"client", "server", "login", "request", "subrequest", "upstream",
	"host", "referrer", NULL
};

static const struct {
	const char		*pattern;
	const char *const	*fields;
	int			 dash_null;
} logtojson_builtin[] = {
	{ P_COMMON ".*", logtojson_common_fields, 1 },
	{ P_COMBINED ".*", logtojson_combined_fields, 1 },
	{ P_APACHEERROR, logtojson_error_fields, 1 },
	{ P_SYSLOG, logtojson_syslog_fields, 0 },
	{ P_RFC3339SYSLOG, logtojson_syslog_fields, 0 },
	{ NULL, logtojson_rfc5424_fields, 0 },
	{ P_NGINXERROR, logtojson_nginx_fields, 0 },
	{ NULL, NULL, 0 },
	{ NULL, NULL, 0 }
};

struct logtojson_opts {
	int			 log_format;
	char			*pattern;
	struct conv_strings	 names;
	int			 json_format;
};

#define O(f)	offsetof(struct logtojson_opts, f)

static const struct conv_key logtojson_keys[] = {
	{ .name = "logFormat", .type = CONV_KEY_ENUM, .offset = O(log_format),
	  .required = 1, .values = logtojson_format_names,
	  .desc = "the log format (RFC5424SYSLOG, NGINXERRORLOG, LTSV, LOGFMT: "
	  "sluice's own)" },
	{ .name = "matchPattern", .type = CONV_KEY_STRING, .offset = O(pattern),
	  .desc = "Java regex matched against the whole line (needs "
	  "customFieldNames)" },
	{ .name = "customFieldNames", .type = CONV_KEY_STRINGS,
	  .offset = O(names),
	  .desc = "field names: one per group of matchPattern, or renames the "
	  "format's fields" },
	JSON_OUT_FORMAT_KEY(O(json_format)),
	{ .name = NULL }
};

#define KEY_PATTERN	(logtojson_keys[1].name)
#define KEY_FIELDS	(logtojson_keys[2].name)

/* An output field: its name and the group (or field index) it shows. */
struct logtojson_key {
	char		*name;
	size_t		 len;
	uint32_t	 src;
};

/* A key of the COMPACT writer: its prefix in cpre, and its group. */
struct logtojson_ckey {
	const char	*pre;		/* cpre.data + off: {"name": */
	size_t		 len;
	size_t		 off;
	uint32_t	 g;
};

enum logtojson_vkind {
	LOGTOJSON_V_LINE,	/* value at line + off */
	LOGTOJSON_V_SCRATCH,	/* value at scratch + off (unescaped) */
	LOGTOJSON_V_TRUE,
	LOGTOJSON_V_NULL
};

/* A key/value found by a hand-written parser; offsets survive realloc. */
struct logtojson_pair {
	const char		*key;
	size_t			 klen;
	size_t			 off;
	size_t			 len;
	enum logtojson_vkind	 kind;
	int			 group;		/* SD element, or -1 */
	int			 dup;		/* shown by an earlier pair */
};

struct logtojson {
	enum logtojson_format	 format;
	int			 pretty;
	int			 dash_null;
	pcre2_code		*re;
	pcre2_match_data	*md;
	pcre2_match_context	*mctx;
	pcre2_jit_stack		*stack;
	int			 jit;
	uint32_t		 ngroups;
	size_t			 nfields;	/* names given or default */
	struct logtojson_key	*keys;		/* in output order */
	size_t			 nkeys;
	struct buf		 scratch;	/* repaired or unescaped text */
	struct logtojson_pair	 pairs[LOGTOJSON_MAX_PAIRS];
	size_t			 npairs;
	/*
	 * COMPACT output of the regex formats, the hot path: each key's
	 * '{"name":' or ',"name":' is escaped once and kept here.
	 */
	struct buf		 cpre;
	pcre2_code		*re_ascii;	/* byte-mode twin of re */
	struct logtojson_ckey	*ckeys;		/* nkeys, into cpre */
};

static void	logtojson_free(void *);

/*
 * Builds the output keys from field names, as LinkedHashMap.put would
 * order them: a repeated name keeps its first position, its value comes
 * from its last occurrence.  src is the 1-based group (field) number.
 */
static void
logtojson_set_keys(struct logtojson *lj, const char *const *names,
    size_t n)
{
	size_t	i, j;

	lj->keys = xcalloc(n == 0 ? 1 : n, sizeof *lj->keys);
	lj->nfields = n;
	for (i = 0; i < n; i++) {
		for (j = 0; j < lj->nkeys; j++)
			if (strcmp(lj->keys[j].name, names[i]) == 0)
				break;
		if (j == lj->nkeys) {
			lj->keys[j].name = xstrdup(names[i]);
			lj->keys[j].len = strlen(names[i]);
			lj->nkeys++;
		}
		lj->keys[j].src = (uint32_t)(i + 1);
	}
}

/*
 * Empties scratch and makes room for need bytes there.  Returns its
 * memory, or NULL if need passes its maximum.
 */
static char *
logtojson_scratch(struct logtojson *lj, size_t need)
{
	buf_reset(&lj->scratch);
	if (buf_reserve(&lj->scratch, need) == -1)
		return (NULL);
	return (lj->scratch.data);
}

/*
 * matchPattern with customFieldNames: compiles the pattern, whose groups
 * are the fields.  Returns the Java pattern, or NULL after reporting.
 */
static const char *
logtojson_match_pattern(struct logtojson *lj, const struct logtojson_opts *o,
    struct conv_report *r)
{
	char	*why = NULL;

	if (lj->format > LOGTOJSON_RFC3339SYSLOG) {
		conv_opts_report(r, KEY_PATTERN, "matchPattern applies to the "
		    "Kinesis Agent's formats only (SYSLOG keeps values, "
		    "COMMONAPACHELOG makes \"-\" null)");
		return (NULL);
	}
	if (o->names.v == NULL) {
		conv_opts_report(r, KEY_PATTERN, "matchPattern requires "
		    "customFieldNames");
		return (NULL);
	}
	lj->re = jregex_compile(o->pattern, PCRE2_ANCHORED | PCRE2_ENDANCHORED,
	    &why);
	if (lj->re == NULL) {
		conv_opts_report(r, KEY_PATTERN, "%s: %s", KEY_PATTERN, why);
		free(why);
		return (NULL);
	}
	logtojson_set_keys(lj, (const char *const *)o->names.v, o->names.n);
	return (o->pattern);
}

/*
 * The format's own fields, renamed by customFieldNames if given, and its
 * pattern, compiled, whose Java text goes in *java (NULL for the
 * hand-written parsers).  Returns 0, or -1 after reporting.
 */
static int
logtojson_format_fields(struct logtojson *lj, const struct logtojson_opts *o,
    const char **java, struct conv_report *r)
{
	const char *const	*names = (const char *const *)o->names.v;
	const char		*fmt = logtojson_format_names[lj->format];
	char			*cause = NULL;
	size_t			 n = o->names.n, ndefault = 0;
	int			 f = lj->format;

	*java = NULL;
	if (logtojson_builtin[f].fields != NULL)
		while (logtojson_builtin[f].fields[ndefault] != NULL)
			ndefault++;
	if (names != NULL && ndefault == 0) {
		conv_opts_report(r, KEY_FIELDS, "customFieldNames does not "
		    "apply to logFormat %s", fmt);
		return (-1);
	}
	if (names != NULL && n != ndefault) {
		/* The agent's BaseLogParser refuses this too. */
		conv_opts_report(r, KEY_FIELDS, "customFieldNames has %zu "
		    "names but logFormat %s has %zu fields; give %zu names or "
		    "a matchPattern", n, fmt, ndefault, ndefault);
		return (-1);
	}
	if (ndefault > 0)
		logtojson_set_keys(lj, names != NULL ? names :
		    logtojson_builtin[f].fields, ndefault);
	if (ndefault > 0 && lj->nkeys != ndefault &&
	    lj->format > LOGTOJSON_RFC3339SYSLOG) {
		conv_opts_report(r, KEY_FIELDS, "customFieldNames must be "
		    "distinct for logFormat %s", fmt);
		return (-1);
	}
	if (logtojson_builtin[f].pattern != NULL) {
		*java = logtojson_builtin[f].pattern;
		lj->re = jregex_compile(*java, PCRE2_ANCHORED |
		    PCRE2_ENDANCHORED, &cause);
		if (lj->re == NULL)
			fatalx("logtojson: built-in pattern: %s", cause);
	}
	return (0);
}

/* Match data, JIT stack and byte-mode twin of the compiled pattern. */
static void
logtojson_prepare(struct logtojson *lj, const char *java)
{
	uint32_t	ng = 0;

	pcre2_pattern_info(lj->re, PCRE2_INFO_CAPTURECOUNT, &lj->ngroups);
	lj->re_ascii = jregex_compile_ascii(java, PCRE2_ANCHORED |
	    PCRE2_ENDANCHORED);
	if (lj->re_ascii != NULL) {
		pcre2_pattern_info(lj->re_ascii, PCRE2_INFO_CAPTURECOUNT, &ng);
		if (ng != lj->ngroups || !jregex_is_jit(lj->re_ascii)) {
			pcre2_code_free(lj->re_ascii);
			lj->re_ascii = NULL;
		}
	}
	if (lj->format <= LOGTOJSON_RFC3339SYSLOG &&
	    lj->ngroups != lj->nfields)
		log_warnx("LOGTOJSON: matchPattern has %u groups but "
		    "customFieldNames has %zu names: every line will be "
		    "dropped, as the Kinesis Agent does", lj->ngroups,
		    lj->nfields);
	lj->md = pcre2_match_data_create_from_pattern(lj->re, NULL);
	lj->mctx = pcre2_match_context_create(NULL);
	if (lj->md == NULL || lj->mctx == NULL)
		fatalx("logtojson: pcre2 match data");
	lj->jit = jregex_is_jit(lj->re);
	if (lj->jit) {
		lj->stack = pcre2_jit_stack_create(LOGTOJSON_JIT_STACK_MIN,
		    LOGTOJSON_JIT_STACK_MAX, NULL);
		if (lj->stack == NULL)
			fatalx("logtojson: pcre2_jit_stack_create");
		pcre2_jit_stack_assign(lj->mctx, NULL, lj->stack);
	}
}

/*
 * COMPACT output of the regex formats, the hot path: each key's
 * '{"name":' or ',"name":' is escaped once, here.
 */
static void
logtojson_compact_keys(struct logtojson *lj)
{
	size_t	i;

	lj->ckeys = xcalloc(lj->nkeys + 1, sizeof *lj->ckeys);
	for (i = 0; i < lj->nkeys; i++) {
		lj->ckeys[i].len = json_out_prefix(&lj->cpre,
		    lj->keys[i].name, lj->keys[i].len, &lj->ckeys[i].off);
		lj->ckeys[i].g = lj->keys[i].src;
	}
	/* Pointers, now that cpre is complete: one load less per key. */
	for (i = 0; i < lj->nkeys; i++)
		lj->ckeys[i].pre = lj->cpre.data + lj->ckeys[i].off;
}

static void *
logtojson_create(const void *arg, struct conv_report *r)
{
	const struct logtojson_opts	*o = arg;
	struct logtojson		*lj;
	const char			*java = NULL;

	lj = xcalloc(1, sizeof *lj);
	buf_init(&lj->cpre, CONV_BUF_MAX);
	buf_init(&lj->scratch, CONV_BUF_MAX);
	lj->format = (enum logtojson_format)o->log_format;
	lj->dash_null = logtojson_builtin[o->log_format].dash_null;
	lj->pretty = o->json_format;
	if (o->pattern != NULL) {
		if ((java = logtojson_match_pattern(lj, o, r)) == NULL)
			goto fail;
	} else if (logtojson_format_fields(lj, o, &java, r) == -1)
		goto fail;
	if (lj->re != NULL)
		logtojson_prepare(lj, java);
	if (!lj->pretty && lj->format <= LOGTOJSON_RFC3339SYSLOG)
		logtojson_compact_keys(lj);
	return (lj);
fail:
	logtojson_free(lj);
	return (NULL);
}

static void
logtojson_free(void *arg)
{
	struct logtojson	*lj = arg;
	size_t			 i;

	if (lj == NULL)
		return;
	for (i = 0; i < lj->nkeys; i++)
		free(lj->keys[i].name);
	free(lj->keys);
	buf_free(&lj->cpre);
	free(lj->ckeys);
	if (lj->stack != NULL)
		pcre2_jit_stack_free(lj->stack);
	if (lj->mctx != NULL)
		pcre2_match_context_free(lj->mctx);
	if (lj->md != NULL)
		pcre2_match_data_free(lj->md);
	if (lj->re != NULL)
		pcre2_code_free(lj->re);
	if (lj->re_ascii != NULL)
		pcre2_code_free(lj->re_ascii);
	buf_free(&lj->scratch);
	free(lj);
}

/*
 * Matches the whole subject.  Returns the pcre2 result: > 0 matched,
 * PCRE2_ERROR_NOMATCH, or another error.
 */
/* ascii: the caller knows s is all ASCII (most log lines are). */
static int
logtojson_match(struct logtojson *lj, const char *s, size_t len, int ascii)
{
	/* The byte-mode twin is faster, and the same on ASCII text. */
	if (ascii && lj->re_ascii != NULL && lj->jit)
		return (pcre2_jit_match(lj->re_ascii, (PCRE2_SPTR)s, len, 0,
		    0, lj->md, lj->mctx));
	if (lj->jit)
		return (pcre2_jit_match(lj->re, (PCRE2_SPTR)s, len, 0, 0,
		    lj->md, lj->mctx));
	return (pcre2_match(lj->re, (PCRE2_SPTR)s, len, 0,
	    PCRE2_NO_UTF_CHECK, lj->md, lj->mctx));
}

static int
logtojson_is_set(const PCRE2_SIZE *ov, int rc, uint32_t g)
{
	return ((int)g < rc && ov[2 * g] != PCRE2_UNSET);
}

/*
 * Writes the members of a COMPACT object at the end of out and returns
 * where they end.  With checked 0, out must have room for every value as
 * long as the line; with checked 1, room for each value is made as it
 * comes.  Inlined with checked a constant, so the common case has no
 * check.  Writes through w may alias anything, so what the loop needs is
 * in locals.
 */
static inline __attribute__((always_inline)) char *
logtojson_members(const struct logtojson *lj, const char *s,
    const PCRE2_SIZE *ov, int rc, struct buf *out, size_t slack,
    int checked)
{
	const struct logtojson_ckey	*k, *kend;
	const char			*v;
	char				*w, *end;
	size_t				 vlen;
	int				 dash_null = lj->dash_null;

	w = out->data + out->len;
	end = out->data + out->cap;
	kend = lj->ckeys + lj->nkeys;
	for (k = lj->ckeys; k < kend; k++) {
		w = json_out_put16(w, k->pre, k->len);
		if ((int)k->g >= rc || ov[2 * k->g] == PCRE2_UNSET) {
			memcpy(w, "null", 4);
			w += 4;
			continue;
		}
		v = s + ov[2 * k->g];
		vlen = ov[2 * k->g + 1] - ov[2 * k->g];
		if (dash_null && vlen == 1 && v[0] == '-') {
			memcpy(w, "null", 4);
			w += 4;
			continue;
		}
		if (checked &&
		    (size_t)(end - w) < JSON_OUT_QUOTED_MAX(vlen) + slack) {
			out->len = w - out->data;
			if (buf_reserve(out, JSON_OUT_QUOTED_MAX(vlen) +
			    slack) == -1)
				return (NULL);
			w = out->data + out->len;
			end = out->data + out->cap;
		}
		w = json_out_put_quoted(w, v, vlen);
	}
	return (w);
}

/*
 * The same bytes json_out writes in COMPACT mode, with each key's prefix
 * written once at create (json_out_prefix): a converted line then costs
 * the match, one reservation, one move per key and one copy-and-check
 * per value.
 */
static void
logtojson_compact(struct logtojson *lj, const char *s, size_t len,
    const PCRE2_SIZE *ov, int rc, struct buf *out)
{
	char	*w;
	size_t	 slack, all;

	/*
	 * Room for the prefixes, "null"s, "}\n" and 16 spare bytes (slack).
	 * Values can be no longer than the line, but groups can nest: when
	 * every key holding the whole line fits in a modest reservation, it
	 * is made once and the loop need not check; else room for one line's
	 * worth is made, and more as values need it.
	 */
	slack = lj->cpre.len + 18 + 6 * lj->nkeys;
	all = lj->nkeys * JSON_OUT_QUOTED_MAX(len);
	if (all <= LOGTOJSON_ROOM_MAX) {
		if (buf_reserve(out, slack + all) == -1)
			return;
		w = logtojson_members(lj, s, ov, rc, out, slack, 0);
	} else {
		if (buf_reserve(out, slack + JSON_OUT_QUOTED_MAX(len)) == -1)
			return;
		/* NULL: out passed its maximum (a failure that sticks). */
		if ((w = logtojson_members(lj, s, ov, rc, out, slack,
		    1)) == NULL)
			return;
	}
	*w++ = '}';
	out->len = w - out->data;
}

static enum conv_result
logtojson_regex(struct logtojson *lj, const char *line, size_t len,
    struct buf *out)
{
	struct json_out	 jo;
	const PCRE2_SIZE *ov;
	const char	*s = line, *v;
	size_t		 i, vlen;
	uint32_t	 g;
	int		 rc, ascii;

	/* Java matches the decoded String: repair as its decoder does. */
	ascii = utf8_is_ascii(line, len);
	if (!ascii && (s = utf8_repair_buf(&lj->scratch, line, &len)) == NULL)
		return (CONV_ERROR);
	rc = logtojson_match(lj, s, len, ascii);
	if (rc == PCRE2_ERROR_NOMATCH)
		return (CONV_DROP);
	if (rc < 0)
		return (CONV_ERROR);
	if (lj->ngroups != lj->nfields)
		return (CONV_DROP);
	ov = pcre2_get_ovector_pointer(lj->md);
	if (!lj->pretty && lj->nkeys > 0) {
		logtojson_compact(lj, s, len, ov, rc, out);
		return (CONV_OK);
	}
	json_out_init(&jo, out, lj->pretty);
	json_out_object_begin(&jo);
	for (i = 0; i < lj->nkeys; i++) {
		json_out_key(&jo, lj->keys[i].name, lj->keys[i].len);
		g = lj->keys[i].src;
		if (!logtojson_is_set(ov, rc, g)) {
			json_out_null(&jo);
			continue;
		}
		v = s + ov[2 * g];
		vlen = ov[2 * g + 1] - ov[2 * g];
		if (lj->dash_null && vlen == 1 && v[0] == '-')
			json_out_null(&jo);
		else
			json_out_string(&jo, v, vlen);
	}
	json_out_object_end(&jo);
	return (CONV_OK);
}

static int
logtojson_add_pair(struct logtojson *lj, const char *key, size_t klen,
    enum logtojson_vkind kind, size_t off, size_t len, int group)
{
	struct logtojson_pair	*p;

	if (lj->npairs == LOGTOJSON_MAX_PAIRS)
		return (-1);
	p = &lj->pairs[lj->npairs++];
	p->key = key;
	p->klen = klen;
	p->kind = kind;
	p->off = off;
	p->len = len;
	p->group = group;
	p->dup = 0;
	return (0);
}

/*
 * Writes pairs[from..to) as members of the current object: a repeated key
 * at its first position with its last value.
 */
static void
logtojson_emit_pairs(struct logtojson *lj, struct json_out *jo,
    const char *line, size_t from, size_t to)
{
	struct logtojson_pair	*p, *q, *last;
	size_t			 i, j;

	for (i = from; i < to; i++) {
		p = &lj->pairs[i];
		if (p->dup)
			continue;
		last = p;
		for (j = i + 1; j < to; j++) {
			q = &lj->pairs[j];
			if (!q->dup && q->klen == p->klen &&
			    memcmp(q->key, p->key, p->klen) == 0) {
				q->dup = 1;
				last = q;
			}
		}
		json_out_key(jo, p->key, p->klen);
		switch (last->kind) {
		case LOGTOJSON_V_LINE:
			json_out_string(jo, line + last->off, last->len);
			break;
		case LOGTOJSON_V_SCRATCH:
			json_out_string(jo, lj->scratch.data + last->off,
			    last->len);
			break;
		case LOGTOJSON_V_TRUE:
			json_out_bool(jo, 1);
			break;
		case LOGTOJSON_V_NULL:
			json_out_null(jo);
			break;
		}
	}
}

/* LTSV and LOGFMT: the pairs found, as one object; none is a drop. */
static enum conv_result
logtojson_pairs_object(struct logtojson *lj, const char *line,
    struct buf *out)
{
	struct json_out	jo;

	if (lj->npairs == 0)
		return (CONV_DROP);
	json_out_init(&jo, out, lj->pretty);
	json_out_object_begin(&jo);
	logtojson_emit_pairs(lj, &jo, line, 0, lj->npairs);
	json_out_object_end(&jo);
	return (CONV_OK);
}

static enum conv_result
logtojson_ltsv(struct logtojson *lj, const char *line, size_t len,
    struct buf *out)
{
	const char	*f, *end = line + len, *tab, *colon;

	lj->npairs = 0;
	for (f = line; f <= end; f = tab + 1) {
		if ((tab = memchr(f, '\t', end - f)) == NULL)
			tab = end;
		if (tab == f)
			continue;
		colon = memchr(f, ':', tab - f);
		if (colon == NULL || colon == f)
			return (CONV_DROP);
		if (logtojson_add_pair(lj, f, colon - f, LOGTOJSON_V_LINE,
		    colon + 1 - line, tab - colon - 1, -1) == -1)
			return (CONV_DROP);
	}
	return (logtojson_pairs_object(lj, line, out));
}

static int
logtojson_hex4(const char *p)
{
	int	i, v = 0, h;

	for (i = 0; i < 4; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			h = p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			h = p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			h = p[i] - 'A' + 10;
		else
			return (-1);
		v = v * 16 + h;
	}
	return (v);
}

/*
 * A logfmt quoted value at *pp (after the opening quote), unescaped into
 * scratch at *woff.  The unescaped text is never longer than the source.
 * Returns 0 with *pp after the closing quote, or -1 if unterminated.
 */
static int
logtojson_logfmt_quoted(struct logtojson *lj, const char **pp,
    const char *end, size_t *woff)
{
	const char	*p = *pp;
	char		*w = lj->scratch.data + *woff;
	int		 c, lo;

	while (p < end && *p != '"') {
		if (*p != '\\' || p + 1 == end) {
			*w++ = *p++;
			continue;
		}
		switch (p[1]) {
		case '"': case '\\': case '/':
			*w++ = p[1];
			break;
		case 'b':
			*w++ = '\b';
			break;
		case 'f':
			*w++ = '\f';
			break;
		case 'n':
			*w++ = '\n';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case 't':
			*w++ = '\t';
			break;
		case 'u':
			if (end - p < 6 || (c = logtojson_hex4(p + 2)) < 0) {
				*w++ = *p++;
				continue;
			}
			p += 4;
			if (c >= 0xd800 && c <= 0xdbff && end - p >= 8 &&
			    p[2] == '\\' && p[3] == 'u' &&
			    (lo = logtojson_hex4(p + 4)) >= 0xdc00 &&
			    lo <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) +
				    (lo - 0xdc00);
				p += 6;
			} else if (c >= 0xd800 && c <= 0xdfff)
				c = 0xfffd;
			w += utf8_encode(w, (uint32_t)c);
			break;
		default:
			/* Unknown escapes are kept as they are. */
			*w++ = p[0];
			*w++ = p[1];
			break;
		}
		p += 2;
	}
	if (p == end)
		return (-1);
	*pp = p + 1;
	*woff = w - lj->scratch.data;
	return (0);
}

static enum conv_result
logtojson_logfmt(struct logtojson *lj, const char *line, size_t len,
    struct buf *out)
{
	const char	*p = line, *end = line + len, *k;
	size_t		 klen, woff = 0, start;

	lj->npairs = 0;
	if (logtojson_scratch(lj, len + 1) == NULL)
		return (CONV_ERROR);
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end)
			break;
		k = p;
		while (p < end && (unsigned char)*p > ' ' && *p != '=' &&
		    *p != '"')
			p++;
		if ((klen = p - k) == 0)
			return (CONV_DROP);
		if (p == end || *p != '=') {
			if (p < end && *p == '"')
				return (CONV_DROP);
			if (logtojson_add_pair(lj, k, klen, LOGTOJSON_V_TRUE,
			    0, 0, -1) == -1)
				return (CONV_DROP);
			continue;
		}
		p++;
		if (p < end && *p == '"') {
			p++;
			start = woff;
			if (logtojson_logfmt_quoted(lj, &p, end, &woff) == -1)
				return (CONV_DROP);
			if (p < end && *p != ' ' && *p != '\t')
				return (CONV_DROP);
			if (logtojson_add_pair(lj, k, klen,
			    LOGTOJSON_V_SCRATCH, start, woff - start, -1) == -1)
				return (CONV_DROP);
			continue;
		}
		start = p - line;
		while (p < end && (unsigned char)*p > ' ' && *p != '"')
			p++;
		if (p < end && *p == '"')
			return (CONV_DROP);
		if (logtojson_add_pair(lj, k, klen, LOGTOJSON_V_LINE, start,
		    (p - line) - start, -1) == -1)
			return (CONV_DROP);
	}
	return (logtojson_pairs_object(lj, line, out));
}

/* RFC 5424 §6: PRINTUSASCII = %d33-126. */
static int
logtojson_is_print(char c)
{
	return ((unsigned char)c >= 33 && (unsigned char)c <= 126);
}

/* A header field of 1..max PRINTUSASCII ending in SP; "-" is nil. */
static int
logtojson_token(const char **pp, const char *end, size_t max,
    const char **tok, size_t *len)
{
	const char	*p = *pp;

	*tok = p;
	while (p < end && logtojson_is_print(*p))
		p++;
	*len = p - *tok;
	if (*len == 0 || *len > max || p == end || *p != ' ')
		return (-1);
	*pp = p + 1;
	return (0);
}

static int
logtojson_digits(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return (0);
	return (1);
}

/* The value of n digits at p, which logtojson_digits has checked. */
static int
logtojson_num(const char *p, size_t n)
{
	int	v = 0;

	while (n-- > 0)
		v = v * 10 + (*p++ - '0');
	return (v);
}

/*
 * RFC 5424 §6.2.3: FULL-DATE "T" PARTIAL-TIME [.1*6DIGIT] TIME-OFFSET,
 * with its ranges: month 01-12, day 01-28/29/30/31 by month and year,
 * hour 00-23, minute and second 00-59 (§6.2.3.1: no leap seconds), and
 * an offset's hour and minute likewise.
 */
static int
logtojson_is_timestamp(const char *t, size_t len)
{
	static const int mdays[] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	size_t	i = 19, f;
	int	year, month, day;

	if (len < 20 || !logtojson_digits(t, 4) || t[4] != '-' ||
	    !logtojson_digits(t + 5, 2) || t[7] != '-' ||
	    !logtojson_digits(t + 8, 2) || t[10] != 'T' ||
	    !logtojson_digits(t + 11, 2) || t[13] != ':' ||
	    !logtojson_digits(t + 14, 2) || t[16] != ':' ||
	    !logtojson_digits(t + 17, 2))
		return (0);
	year = logtojson_num(t, 4);
	month = logtojson_num(t + 5, 2);
	day = logtojson_num(t + 8, 2);
	if (month < 1 || month > 12 || day < 1 || day > mdays[month - 1] ||
	    (month == 2 && day == 29 && !(year % 4 == 0 &&
	    (year % 100 != 0 || year % 400 == 0))))
		return (0);
	if (logtojson_num(t + 11, 2) > 23 || logtojson_num(t + 14, 2) > 59 ||
	    logtojson_num(t + 17, 2) > 59)
		return (0);
	if (t[i] == '.') {
		for (f = i + 1; f < len && t[f] >= '0' && t[f] <= '9'; f++)
			;
		if (f == i + 1 || f - i - 1 > 6)
			return (0);
		i = f;
	}
	if (i + 1 == len && t[i] == 'Z')
		return (1);
	return (i + 6 == len && (t[i] == '+' || t[i] == '-') &&
	    logtojson_digits(t + i + 1, 2) && t[i + 3] == ':' &&
	    logtojson_digits(t + i + 4, 2) &&
	    logtojson_num(t + i + 1, 2) <= 23 &&
	    logtojson_num(t + i + 4, 2) <= 59);
}

/* SD-NAME: 1*32 PRINTUSASCII except '=', SP, ']', '"'. */
static size_t
logtojson_sd_name(const char *p, const char *end)
{
	const char	*s = p;

	while (p < end && logtojson_is_print(*p) && *p != '=' &&
	    *p != ']' && *p != '"')
		p++;
	return (p - s <= 32 ? (size_t)(p - s) : 0);
}

/*
 * STRUCTURED-DATA at *pp (not "-"): SD elements into pairs, one pair per
 * element (kind NULL, group -1) followed by its params.  Values are
 * unescaped into scratch.
 */
static int
logtojson_sd(struct logtojson *lj, const char **pp, const char *end)
{
	const char	*p = *pp, *id, *name;
	size_t		 idlen, nlen, woff = 0, start, i;
	char		*w;

	while (p < end && *p == '[') {
		p++;
		id = p;
		if ((idlen = logtojson_sd_name(p, end)) == 0)
			return (-1);
		p += idlen;
		/* §6.3.2: the same SD-ID must not appear twice. */
		for (i = 0; i < lj->npairs; i++)
			if (lj->pairs[i].group == -1 &&
			    lj->pairs[i].klen == idlen &&
			    memcmp(lj->pairs[i].key, id, idlen) == 0)
				return (-1);
		if (logtojson_add_pair(lj, id, idlen, LOGTOJSON_V_NULL, 0, 0,
		    -1) == -1)
			return (-1);
		while (p < end && *p == ' ') {
			p++;
			name = p;
			if ((nlen = logtojson_sd_name(p, end)) == 0)
				return (-1);
			p += nlen;
			if (end - p < 2 || p[0] != '=' || p[1] != '"')
				return (-1);
			p += 2;
			start = woff;
			w = lj->scratch.data + woff;
			while (p < end && *p != '"') {
				if (*p == '\\' && p + 1 < end &&
				    (p[1] == '"' || p[1] == '\\' ||
				    p[1] == ']')) {
					*w++ = p[1];
					p += 2;
				} else
					*w++ = *p++;
			}
			if (p == end)
				return (-1);
			p++;
			woff = w - lj->scratch.data;
			if (logtojson_add_pair(lj, name, nlen,
			    LOGTOJSON_V_SCRATCH, start, woff - start,
			    (int)lj->npairs) == -1)
				return (-1);
		}
		if (p == end || *p != ']')
			return (-1);
		p++;
	}
	*pp = p;
	return (0);
}

static void
logtojson_nilable(struct json_out *jo, const char *s, size_t len)
{
	if (len == 1 && s[0] == '-')
		json_out_null(jo);
	else
		json_out_string(jo, s, len);
}

static enum conv_result
logtojson_rfc5424(struct logtojson *lj, const char *line, size_t len,
    struct buf *out)
{
	struct json_out	 jo;
	const char	*p = line, *end = line + len, *pri, *ver;
	const char	*tok[5], *msg = NULL;
	size_t		 toklen[5], prilen, verlen, i, j, msglen = 0;
	size_t		 max[5] = { 64, 255, 48, 128, 32 };
	int		 nil_sd = 0, prival;

	lj->npairs = 0;
	if (logtojson_scratch(lj, len + 1) == NULL)
		return (CONV_ERROR);
	if (p == end || *p++ != '<')
		return (CONV_DROP);
	pri = p;
	while (p < end && *p >= '0' && *p <= '9' && p - pri < 4)
		p++;
	prilen = p - pri;
	if (prilen == 0 || prilen > 3 || p == end || *p != '>')
		return (CONV_DROP);
	for (prival = 0, i = 0; i < prilen; i++)
		prival = prival * 10 + (pri[i] - '0');
	if (prival > 191 || (prilen > 1 && pri[0] == '0'))
		return (CONV_DROP);
	ver = ++p;
	while (p < end && *p >= '0' && *p <= '9' && p - ver < 4)
		p++;
	verlen = p - ver;
	if (verlen == 0 || verlen > 3 || ver[0] == '0' || p == end ||
	    *p++ != ' ')
		return (CONV_DROP);
	for (i = 0; i < 5; i++)
		if (logtojson_token(&p, end, max[i], &tok[i], &toklen[i]) == -1)
			return (CONV_DROP);
	if (!(toklen[0] == 1 && tok[0][0] == '-') &&
	    !logtojson_is_timestamp(tok[0], toklen[0]))
		return (CONV_DROP);
	if (p < end && *p == '-') {
		nil_sd = 1;
		p++;
	} else if (logtojson_sd(lj, &p, end) == -1 || lj->npairs == 0)
		return (CONV_DROP);
	if (p < end) {
		if (*p++ != ' ')
			return (CONV_DROP);
		msg = p;
		msglen = end - p;
		/* §6.4: MSG-UTF8 starts with a BOM. */
		if (msglen >= 3 && memcmp(msg, "\xef\xbb\xbf", 3) == 0) {
			msg += 3;
			msglen -= 3;
		}
	}

	json_out_init(&jo, out, lj->pretty);
	json_out_object_begin(&jo);
	json_out_key(&jo, lj->keys[0].name, lj->keys[0].len);
	json_out_string(&jo, pri, prilen);
	json_out_key(&jo, lj->keys[1].name, lj->keys[1].len);
	json_out_string(&jo, ver, verlen);
	for (i = 0; i < 5; i++) {
		json_out_key(&jo, lj->keys[2 + i].name, lj->keys[2 + i].len);
		logtojson_nilable(&jo, tok[i], toklen[i]);
	}
	json_out_key(&jo, lj->keys[7].name, lj->keys[7].len);
	if (nil_sd)
		json_out_null(&jo);
	else {
		json_out_object_begin(&jo);
		for (i = 0; i < lj->npairs; i = j) {
			for (j = i + 1; j < lj->npairs &&
			    lj->pairs[j].group != -1; j++)
				;
			json_out_key(&jo, lj->pairs[i].key,
			    lj->pairs[i].klen);
			json_out_object_begin(&jo);
			logtojson_emit_pairs(lj, &jo, line, i + 1, j);
			json_out_object_end(&jo);
		}
		json_out_object_end(&jo);
	}
	json_out_key(&jo, lj->keys[8].name, lj->keys[8].len);
	if (msg == NULL)
		json_out_null(&jo);
	else
		json_out_string(&jo, msg, msglen);
	json_out_object_end(&jo);
	return (CONV_OK);
}

/* The index of a known nginx context key at p ("key: "), or -1. */
static int
logtojson_nginx_key(const char *p, const char *end, size_t *klen)
{
	size_t	i, n;

	for (i = 0; logtojson_nginx_context[i] != NULL; i++) {
		n = strlen(logtojson_nginx_context[i]);
		if ((size_t)(end - p) >= n + 2 &&
		    memcmp(p, logtojson_nginx_context[i], n) == 0 &&
		    p[n] == ':' && p[n + 1] == ' ') {
			*klen = n;
			return ((int)i);
		}
	}
	return (-1);
}

/* At p: ", key: " with a key of the context, or the end. */
static int
logtojson_nginx_next(const char *p, const char *end)
{
	size_t	klen;

	if (p == end)
		return (1);
	return (end - p > 2 && p[0] == ',' && p[1] == ' ' &&
	    logtojson_nginx_key(p + 2, end, &klen) != -1);
}

/*
 * Parses ", key: value" pairs from p to end into pairs (values relative
 * to line).  Returns 0 if all of it is context, -1 otherwise.
 */
static int
logtojson_nginx_context_parse(struct logtojson *lj, const char *p,
    const char *end, const char *line)
{
	const char	*v;
	size_t		 klen;
	int		 k, seen = 0;

	lj->npairs = 0;
	while (p < end) {
		if (end - p < 2 || p[0] != ',' || p[1] != ' ')
			return (-1);
		p += 2;
		if ((k = logtojson_nginx_key(p, end, &klen)) == -1 ||
		    (seen & (1 << k)))
			return (-1);
		seen |= 1 << k;
		v = p + klen + 2;
		if (v < end && *v == '"') {
			/* It ends at a quote before more context. */
			for (p = v + 1; p < end; p++)
				if (*p == '"' && logtojson_nginx_next(p + 1,
				    end))
					break;
			if (p == end)
				return (-1);
			if (logtojson_add_pair(lj, logtojson_nginx_context[k],
			    klen, LOGTOJSON_V_LINE, v + 1 - line, p - v - 1,
			    -1) == -1)
				return (-1);
			p++;
		} else {
			/* Addresses and names hold no ", ". */
			for (p = v; p < end && !(p[0] == ',' && p + 1 < end &&
			    p[1] == ' '); p++)
				;
			if (!logtojson_nginx_next(p, end))
				return (-1);
			if (logtojson_add_pair(lj, logtojson_nginx_context[k],
			    klen, LOGTOJSON_V_LINE, v - line, p - v, -1) == -1)
				return (-1);
		}
	}
	return (0);
}

static enum conv_result
logtojson_nginx(struct logtojson *lj, const char *line, size_t len,
    struct buf *out)
{
	struct json_out	 jo;
	const PCRE2_SIZE *ov;
	const char	*msg, *end, *ctx;
	size_t		 i, msglen;
	uint32_t	 g;
	int		 rc;

	if ((line = utf8_repair_buf(&lj->scratch, line, &len)) == NULL)
		return (CONV_ERROR);
	rc = logtojson_match(lj, line, len, utf8_is_ascii(line, len));
	if (rc == PCRE2_ERROR_NOMATCH)
		return (CONV_DROP);
	if (rc < 0)
		return (CONV_ERROR);
	ov = pcre2_get_ovector_pointer(lj->md);
	msg = line + ov[12];
	end = line + ov[13];
	msglen = end - msg;
	/* The context starts at the first ", client: " (or other key) that
	 * is followed by nothing but context. */
	lj->npairs = 0;
	for (ctx = msg; ctx < end; ctx++) {
		if (*ctx != ',' || !logtojson_nginx_next(ctx, end))
			continue;
		if (logtojson_nginx_context_parse(lj, ctx, end, line) == 0) {
			msglen = ctx - msg;
			break;
		}
		lj->npairs = 0;
	}
	json_out_init(&jo, out, lj->pretty);
	json_out_object_begin(&jo);
	for (i = 0; i < lj->nkeys; i++) {
		json_out_key(&jo, lj->keys[i].name, lj->keys[i].len);
		g = lj->keys[i].src;
		if (g == 6)
			json_out_string(&jo, msg, msglen);
		else if (!logtojson_is_set(ov, rc, g))
			json_out_null(&jo);
		else
			json_out_string(&jo, line + ov[2 * g],
			    ov[2 * g + 1] - ov[2 * g]);
	}
	logtojson_emit_pairs(lj, &jo, line, 0, lj->npairs);
	json_out_object_end(&jo);
	return (CONV_OK);
}

static enum conv_result
logtojson_convert(void *arg, const char *in, size_t len,
    struct buf *out, const struct conv_ctx *ctx)
{
	struct logtojson	*lj = arg;
	enum conv_result	 r;

	(void)ctx;
	out->len = 0;
	/* LogToJSONDataConverter strips one "\n", and no "\r". */
	if (len > 0 && in[len - 1] == '\n')
		len--;
	if (lj->format > LOGTOJSON_RFC3339SYSLOG && len > 0 &&
	    in[len - 1] == '\r')
		len--;
	switch (lj->format) {
	case LOGTOJSON_RFC5424SYSLOG:
		r = logtojson_rfc5424(lj, in, len, out);
		break;
	case LOGTOJSON_NGINXERRORLOG:
		r = logtojson_nginx(lj, in, len, out);
		break;
	case LOGTOJSON_LTSV:
		r = logtojson_ltsv(lj, in, len, out);
		break;
	case LOGTOJSON_LOGFMT:
		r = logtojson_logfmt(lj, in, len, out);
		break;
	default:
		r = logtojson_regex(lj, in, len, out);
		break;
	}
	if (r == CONV_OK)
		buf_add(out, "\n", 1);
	else
		out->len = 0;
	return (r);
}

const struct converter_ops logtojson_ops = {
	.name = "LOGTOJSON",
	.extension = 0,
	.keys = logtojson_keys,
	.opts_size = sizeof (struct logtojson_opts),
	.desc = "parses Apache, syslog (and RFC 5424, nginx, LTSV, logfmt) "
	"lines into JSON",
	.create = logtojson_create,
	.convert = logtojson_convert,
	.free = logtojson_free
};
