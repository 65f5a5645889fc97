/*
 * parsejson: PARSEJSON, sluice's own converter (not the Kinesis Agent's).
 * Each record is a JSON object, one per line; fields are removed, renamed
 * and added, and the object is written back as compact JSON and "\n":
 *
 *	removeFields: [password]
 *	renameFields: { msg: message }
 *	addFields: { host: "{{hostname}}", source: "{{flow}}:{{file}}" }
 *	{"msg":"hi","password":"x","n":1}
 *	-> {"message":"hi","n":1,"host":"web1","source":"web:/var/log/a"}
 *
 * The record, without its one trailing "\n", must be a single JSON object
 * (jansson: JSON_DECODE_ANY off, so a bare scalar fails, and an array is
 * refused here).  A "\r" before the "\n" is JSON white space, so CRLF lines
 * parse.  "\u0000" is allowed in string values (JSON_ALLOW_NUL), but not in
 * keys, which jansson refuses.  jansson also refuses invalid UTF-8, raw
 * control characters inside strings, an integer outside int64 and a
 * real that overflows a double; all of these make the record invalid.
 * Duplicate keys: the last value wins, at the first key's position.
 * Objects and arrays nested deeper than json_out can write
 * (JSON_OUT_MAX_DEPTH - 1 levels, the record itself included) make the
 * record invalid rather than lose the deep parts.
 * Numbers are written back from their parsed values: integers exactly, reals
 * as json_out writes a double (1.50 becomes 1.5).  Key order is kept
 * (jansson iterates objects in insertion order).
 *
 * Order of the edits:
 *  1. removeFields and renameFields name top-level fields of the input as
 *     it is (no dotted paths into nested objects).  A removed field is gone
 *     and so cannot be renamed.  A renamed field keeps its position, and
 *     replaces a field of the input that already had the new name; if two
 *     fields are renamed to one name, the later one in the record wins.
 *  2. addFields are appended, in the order configured, after the record's
 *     fields; a record field of the same name is replaced (removed from its
 *     position).  Values are strings, in which {{hostname}}, {{file}},
 *     {{flow}} and {{timestamp}} (conv_ctx's now, as YYYY-MM-DDTHH:MM:SSZ
 *     UTC) are expanded per record.  Any other {{name}} is a config error;
 *     a "{{" not closed by "}}", or followed by another "{{" before the
 *     "}}", is literal text.
 *
 * onInvalid: DROP (default) drops a record that is not a JSON object; RAW
 * passes it unchanged; WRAP makes it the object {"message":"<line>"}, to
 * which the edits above then apply like any other record.  json_out writes
 * invalid UTF-8 in a wrapped line as U+FFFD, so the output is valid JSON.
 *
 * Parsing with jansson allocates per record; everything else reuses
 * buffers owned by the instance.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* memmem */
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "converter.h"
#include "json_out.h"
#include "xmalloc.h"

enum parsejson_policy {
	PARSEJSON_DROP,
	PARSEJSON_RAW,
	PARSEJSON_WRAP
};

static const char *const parsejson_policies[] = {
	"DROP", "RAW", "WRAP", NULL
};

enum parsejson_seg_kind {
	PARSEJSON_LITERAL,
	PARSEJSON_HOSTNAME,
	PARSEJSON_FILE,
	PARSEJSON_FLOW,
	PARSEJSON_TIMESTAMP
};

/* Placeholder names, indexed by enum parsejson_seg_kind. */
static const char *const parsejson_placeholders[] = {
	NULL, "hostname", "file", "flow", "timestamp"
};

struct parsejson_seg {
	enum parsejson_seg_kind	 kind;
	size_t			 off;	/* a literal's, in value */
	size_t			 len;
};

struct parsejson_add {
	char			*name;
	size_t			 namelen;
	char			*value;
	size_t			 valuelen;
	struct parsejson_seg	*segs;	/* NULL: no placeholder */
	size_t			 nsegs;
};

/* seen and member are per record: "from" was found, as that member. */
struct parsejson_rename {
	char			*from;
	size_t			 fromlen;
	char			*to;
	size_t			 tolen;
	size_t			 member;
	int			 seen;
};

struct parsejson_name {
	char			*name;
	size_t			 len;
};

/* One field of the record being written. */
struct parsejson_member {
	const char		*name;
	size_t			 len;
	json_t			*value;		/* NULL: wrapped */
	struct parsejson_rename	*rename;	/* NULL: not renamed */
	int			 keep;
};

struct parsejson {
	struct parsejson_name	*removes;
	size_t			 nremoves;
	struct parsejson_rename	*renames;
	size_t			 nrenames;
	struct parsejson_add	*adds;
	size_t			 nadds;
	enum parsejson_policy	 policy;

	struct parsejson_member	*members;	/* reused per record */
	size_t			 membercap;
	struct buf		 scratch;	/* an add's value */
	time_t			 stamp_time;	/* of stamp */
	char			 stamp[32];
};

struct parsejson_opts {
	struct conv_map		 add;
	struct conv_strings	 remove;
	struct conv_map		 rename;
	int			 on_invalid;
};

#define O(f)	offsetof(struct parsejson_opts, f)

static const struct conv_key parsejson_keys[] = {
	{ .name = "addFields", .type = CONV_KEY_MAP, .offset = O(add),
	  .desc = "fields to add; values may hold {{hostname}} {{file}} "
	  "{{flow}} {{timestamp}}" },
	{ .name = "removeFields", .type = CONV_KEY_STRINGS, .offset = O(remove),
	  .desc = "top-level fields to remove" },
	{ .name = "renameFields", .type = CONV_KEY_MAP, .offset = O(rename),
	  .desc = "old: new, top-level fields to rename" },
	{ .name = "onInvalid", .type = CONV_KEY_ENUM, .offset = O(on_invalid),
	  .values = parsejson_policies, .def = "DROP",
	  .desc = "a line that is not a JSON object: DROP, RAW (unchanged) or "
	  "WRAP" },
	{ .name = NULL }
};

static void	 parsejson_free(void *);

static int
parsejson_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	return (alen == blen && memcmp(a, b, alen) == 0);
}

/* Splits an addFields value into literal text and placeholders. */
static int
parsejson_segments(struct parsejson_add *add, struct conv_report *r)
{
	const char	*v = add->value, *open, *close, *q;
	size_t		 pos = 0, len = add->valuelen, nlen, cap = 0;
	int		 k, found;

	for (;;) {
		open = memmem(v + pos, len - pos, "{{", 2);
		close = open == NULL ? NULL : memmem(open + 2,
		    len - (size_t)(open + 2 - v), "}}", 2);
		if (open == NULL || close == NULL)
			break;
		/* The innermost "{{": in "{{ {{flow}}" the first is text. */
		while ((q = memmem(open + 1, (size_t)(close - open - 1), "{{",
		    2)) != NULL)
			open = q;
		nlen = (size_t)(close - open - 2);
		found = 0;
		for (k = PARSEJSON_HOSTNAME; k <= PARSEJSON_TIMESTAMP; k++) {
			if (parsejson_eq(open + 2, nlen,
			    parsejson_placeholders[k],
			    strlen(parsejson_placeholders[k]))) {
				found = 1;
				break;
			}
		}
		if (!found) {
			conv_opts_report(r, "addFields", "addFields: \"%s\": "
			    "unknown placeholder {{%.*s}} (expected "
			    "{{hostname}}, {{file}}, {{flow}} or "
			    "{{timestamp}})", add->name, (int)nlen, open + 2);
			return (-1);
		}
		if (add->nsegs + 2 > cap) {
			cap = cap == 0 ? 4 : cap * 2;
			add->segs = xreallocarray(add->segs, cap,
			    sizeof *add->segs);
		}
		if (open > v + pos) {
			add->segs[add->nsegs].kind = PARSEJSON_LITERAL;
			add->segs[add->nsegs].off = pos;
			add->segs[add->nsegs].len = (size_t)(open - v) - pos;
			add->nsegs++;
		}
		add->segs[add->nsegs].kind = (enum parsejson_seg_kind)k;
		add->nsegs++;
		pos = (size_t)(close + 2 - v);
	}
	if (add->segs != NULL && pos < len) {
		if (add->nsegs + 1 > cap)
			add->segs = xreallocarray(add->segs, cap + 1,
			    sizeof *add->segs);
		add->segs[add->nsegs].kind = PARSEJSON_LITERAL;
		add->segs[add->nsegs].off = pos;
		add->segs[add->nsegs].len = len - pos;
		add->nsegs++;
	}
	return (0);
}

static void *
parsejson_create(const void *arg, struct conv_report *r)
{
	const struct parsejson_opts	*o = arg;
	struct parsejson		*pj;
	struct parsejson_add		*add;
	const struct conv_map_entry	*e;
	size_t				 i, before = r->n;

	pj = xcalloc(1, sizeof *pj);
	buf_init(&pj->scratch, CONV_BUF_MAX);
	pj->stamp_time = (time_t)-1;
	pj->policy = (enum parsejson_policy)o->on_invalid;

	pj->removes = xcalloc(o->remove.n + 1, sizeof *pj->removes);
	for (i = 0; i < o->remove.n; i++) {
		pj->removes[i].name = xstrdup(o->remove.v[i]);
		pj->removes[i].len = strlen(o->remove.v[i]);
		pj->nremoves++;
	}

	pj->renames = xcalloc(o->rename.n + 1, sizeof *pj->renames);
	for (i = 0; i < o->rename.n; i++) {
		e = &o->rename.e[i];
		if (*e->value == '\0') {
			conv_opts_report(r, "renameFields", "renameFields: "
			    "\"%s\": the new name must be a non-empty string",
			    e->name);
			continue;
		}
		pj->renames[pj->nrenames].from = xstrdup(e->name);
		pj->renames[pj->nrenames].fromlen = strlen(e->name);
		pj->renames[pj->nrenames].to = xstrdup(e->value);
		pj->renames[pj->nrenames].tolen = strlen(e->value);
		pj->nrenames++;
	}

	pj->adds = xcalloc(o->add.n + 1, sizeof *pj->adds);
	for (i = 0; i < o->add.n; i++) {
		e = &o->add.e[i];
		add = &pj->adds[pj->nadds++];
		add->name = xstrdup(e->name);
		add->namelen = strlen(e->name);
		add->value = xstrdup(e->value);
		add->valuelen = strlen(e->value);
		parsejson_segments(add, r);
	}
	if (r->n != before) {
		parsejson_free(pj);
		return (NULL);
	}
	return (pj);
}

static void
parsejson_free(void *inst)
{
	struct parsejson	*pj = inst;
	size_t			 i;

	if (pj == NULL)
		return;
	for (i = 0; i < pj->nremoves; i++)
		free(pj->removes[i].name);
	free(pj->removes);
	for (i = 0; i < pj->nrenames; i++) {
		free(pj->renames[i].from);
		free(pj->renames[i].to);
	}
	free(pj->renames);
	for (i = 0; i < pj->nadds; i++) {
		free(pj->adds[i].name);
		free(pj->adds[i].value);
		free(pj->adds[i].segs);
	}
	free(pj->adds);
	free(pj->members);
	buf_free(&pj->scratch);
	free(pj);
}

static void
parsejson_push(struct parsejson *pj, size_t *n, const char *name,
    size_t len, json_t *value)
{
	struct parsejson_member	*m;
	struct parsejson_rename	*r;
	size_t			 i;

	for (i = 0; i < pj->nremoves; i++)
		if (parsejson_eq(name, len, pj->removes[i].name,
		    pj->removes[i].len))
			return;
	if (*n == pj->membercap) {
		pj->membercap = pj->membercap == 0 ? 16 : pj->membercap * 2;
		pj->members = xreallocarray(pj->members, pj->membercap,
		    sizeof *pj->members);
	}
	m = &pj->members[*n];
	m->name = name;
	m->len = len;
	m->value = value;
	m->rename = NULL;
	m->keep = 1;
	for (i = 0; i < pj->nrenames; i++) {
		r = &pj->renames[i];
		if (parsejson_eq(name, len, r->from, r->fromlen)) {
			m->rename = r;
			m->name = r->to;
			m->len = r->tolen;
			r->seen = 1;
			r->member = *n;
			break;
		}
	}
	(*n)++;
}

/* Marks the members that a rename or an added field replaces. */
static void
parsejson_resolve(struct parsejson *pj, size_t n)
{
	struct parsejson_member	*m;
	struct parsejson_rename	*r;
	size_t			 i, j;

	for (i = 0; i < n; i++) {
		m = &pj->members[i];
		for (j = 0; j < pj->nrenames && m->keep; j++) {
			r = &pj->renames[j];
			if (!r->seen || r == m->rename ||
			    !parsejson_eq(m->name, m->len, r->to, r->tolen))
				continue;
			/* A renamed field beats one that had the name. */
			if (m->rename == NULL || r->member > i)
				m->keep = 0;
		}
		for (j = 0; j < pj->nadds && m->keep; j++)
			if (parsejson_eq(m->name, m->len, pj->adds[j].name,
			    pj->adds[j].namelen))
				m->keep = 0;
	}
}

/* Returns 1 if v nests containers more than max levels deep. */
static int
parsejson_too_deep(json_t *v, int max)
{
	void	*iter;
	size_t	 i;

	if (json_is_object(v)) {
		if (max == 0)
			return (1);
		for (iter = json_object_iter(v); iter != NULL;
		    iter = json_object_iter_next(v, iter))
			if (parsejson_too_deep(json_object_iter_value(iter),
			    max - 1))
				return (1);
	} else if (json_is_array(v)) {
		if (max == 0)
			return (1);
		for (i = 0; i < json_array_size(v); i++)
			if (parsejson_too_deep(json_array_get(v, i), max - 1))
				return (1);
	}
	return (0);
}

/*
 * Writes an addFields value with its placeholders expanded.  Returns 0, or
 * -1 if the value passed the scratch buffer's maximum.
 */
static int
parsejson_add_value(struct parsejson *pj, const struct parsejson_add *add,
    struct json_out *jo, const struct conv_ctx *ctx)
{
	const struct parsejson_seg	*seg;
	const char			*s;
	struct tm			 tm;
	time_t				 now;
	size_t				 i;

	if (add->segs == NULL) {
		json_out_string(jo, add->value, add->valuelen);
		return (0);
	}
	buf_reset(&pj->scratch);
	for (i = 0; i < add->nsegs; i++) {
		seg = &add->segs[i];
		s = NULL;
		switch (seg->kind) {
		case PARSEJSON_LITERAL:
			buf_add(&pj->scratch, add->value + seg->off,
			    seg->len);
			continue;
		case PARSEJSON_HOSTNAME:
			s = ctx != NULL ? ctx->hostname : NULL;
			break;
		case PARSEJSON_FILE:
			s = ctx != NULL ? ctx->file : NULL;
			break;
		case PARSEJSON_FLOW:
			s = ctx != NULL ? ctx->flow : NULL;
			break;
		case PARSEJSON_TIMESTAMP:
			now = ctx != NULL ? ctx->now : time(NULL);
			if (now != pj->stamp_time) {
				memset(&tm, 0, sizeof tm);
				gmtime_r(&now, &tm);
				strftime(pj->stamp, sizeof pj->stamp,
				    "%Y-%m-%dT%H:%M:%SZ", &tm);
				pj->stamp_time = now;
			}
			s = pj->stamp;
			break;
		}
		if (s != NULL)
			buf_add(&pj->scratch, s, strlen(s));
	}
	if (buf_has_failed(&pj->scratch))
		return (-1);
	json_out_string(jo, pj->scratch.data != NULL ? pj->scratch.data : "",
	    pj->scratch.len);
	return (0);
}

static enum conv_result
parsejson_convert(void *inst, const char *in, size_t len,
    struct buf *out, const struct conv_ctx *ctx)
{
	struct parsejson	*pj = inst;
	struct parsejson_member	*m;
	struct json_out		 jo;
	json_error_t		 error;
	json_t			*root;
	void			*iter;
	size_t			 i, n = 0, linelen = len;

	out->len = 0;
	if (in == NULL)
		in = "";
	if (linelen > 0 && in[linelen - 1] == '\n')
		linelen--;
	for (i = 0; i < pj->nrenames; i++)
		pj->renames[i].seen = 0;

	root = json_loadb(in, linelen, JSON_ALLOW_NUL, &error);
	if (root != NULL && json_is_object(root) &&
	    !parsejson_too_deep(root, JSON_OUT_MAX_DEPTH - 1)) {
		iter = json_object_iter(root);
		while (iter != NULL) {
			parsejson_push(pj, &n, json_object_iter_key(iter),
			    json_object_iter_key_len(iter),
			    json_object_iter_value(iter));
			iter = json_object_iter_next(root, iter);
		}
	} else {
		json_decref(root);
		root = NULL;
		switch (pj->policy) {
		case PARSEJSON_DROP:
			return (CONV_DROP);
		case PARSEJSON_RAW:
			buf_add(out, in, len);
			return (CONV_OK);
		case PARSEJSON_WRAP:
			parsejson_push(pj, &n, "message", 7, NULL);
			break;
		}
	}
	parsejson_resolve(pj, n);

	json_out_init(&jo, out, 0);
	json_out_object_begin(&jo);
	for (i = 0; i < n; i++) {
		m = &pj->members[i];
		if (!m->keep)
			continue;
		json_out_key(&jo, m->name, m->len);
		if (m->value == NULL)
			json_out_string(&jo, in, linelen);
		else
			json_out_json(&jo, m->value);
	}
	for (i = 0; i < pj->nadds; i++) {
		json_out_key(&jo, pj->adds[i].name, pj->adds[i].namelen);
		if (parsejson_add_value(pj, &pj->adds[i], &jo, ctx) == -1) {
			json_decref(root);
			return (CONV_ERROR);
		}
	}
	json_out_object_end(&jo);
	buf_add(out, "\n", 1);
	json_decref(root);
	return (CONV_OK);
}

const struct converter_ops parsejson_ops = {
	.name = "PARSEJSON",
	.extension = 1,
	.keys = parsejson_keys,
	.opts_size = sizeof (struct parsejson_opts),
	.desc = "parses JSON object lines; adds, removes and renames fields",
	.create = parsejson_create,
	.convert = parsejson_convert,
	.free = parsejson_free
};
