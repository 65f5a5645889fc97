/*
 * conv_opts: the one walker of converter options (converter.h).  A
 * converter declares its options struct and a key table with each field's
 * offset, as Fluent Bit's config_map does; this file is the only code that
 * reads an option object.  It applies the defaults, checks every key's
 * type, values and bounds, finds unknown and missing keys, reports each
 * error (not only the first, so that `sluiced -n` shows them all) and
 * fills the struct that create receives.
 *
 * The input is a json object.  The config loader builds it from YAML with
 * the text of every scalar kept as a string (only ANY keys get typed
 * values), so numbers and booleans written in strings are read here, as
 * the Kinesis Agent's Configuration reads them; the tests and fuzzers give
 * native json values, which are read too.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "converter.h"
#include "log.h"
#include "xmalloc.h"

/* Most keys in one converter's table. */
#define CONV_OPTS_MAX_KEYS	32
/* Longest "did you mean" distance. */
#define CONV_OPTS_MAX_SUGGEST	2

static const char *const conv_opts_expected[] = {
	[CONV_KEY_STRING] = "a string",
	[CONV_KEY_INT] = "an integer",
	[CONV_KEY_BOOL] = "a boolean",
	[CONV_KEY_ENUM] = "one of",
	[CONV_KEY_FLAGS] = "a list of",
	[CONV_KEY_STRINGS] = "a list of strings",
	[CONV_KEY_MAP] = "a mapping of strings",
	[CONV_KEY_ANY] = "any value"
};

static void
conv_opts_vreport(struct conv_report *r, const char *key, enum conv_at at,
    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

static void
conv_opts_vreport(struct conv_report *r, const char *key, enum conv_at at,
    const char *fmt, va_list ap)
{
	char	*msg;

	xvasprintf(&msg, fmt, ap);
	r->fn(r->arg, key, at, msg);
	r->n++;
	free(msg);
}

void
conv_opts_report(struct conv_report *r, const char *key, const char *fmt,
    ...)
{
	va_list	ap;

	va_start(ap, fmt);
	conv_opts_vreport(r, key, CONV_AT_VALUE, fmt, ap);
	va_end(ap);
}

static void
conv_opts_report_at(struct conv_report *r, const char *key, enum conv_at at,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
conv_opts_report_at(struct conv_report *r, const char *key, enum conv_at at,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	conv_opts_vreport(r, key, at, fmt, ap);
	va_end(ap);
}

char *
conv_opts_quote(const char *s, size_t n)
{
	char	 buf[48];
	size_t	 i, len;

	len = n < sizeof buf - 4 ? n : sizeof buf - 7;
	buf[0] = '"';
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		buf[i + 1] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (len < n) {
		memcpy(buf + len + 1, "...", 3);
		len += 3;
	}
	buf[len + 1] = '"';
	buf[len + 2] = '\0';
	return (xstrdup(buf));
}

/* What a value is, for "got ..." in a message.  The caller frees it. */
static char *
conv_opts_got(const json_t *v)
{
	char	*s;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return (conv_opts_quote(json_string_value(v),
		    json_string_length(v)));
	case JSON_OBJECT:
		return (xstrdup("a mapping"));
	case JSON_ARRAY:
		return (xstrdup("a list"));
	case JSON_INTEGER:
		xasprintf(&s, "%lld", (long long)json_integer_value(v));
		return (s);
	case JSON_REAL:
		if ((s = json_dumps(v, JSON_ENCODE_ANY)) == NULL)
			fatalx("json_dumps: out of memory");
		return (s);
	case JSON_TRUE:
		return (xstrdup("true"));
	case JSON_FALSE:
		return (xstrdup("false"));
	case JSON_NULL:
		break;
	}
	return (xstrdup("null"));
}

char *
conv_opts_join(const char *const *values, const char *sep)
{
	char	*out = NULL, *tmp;
	size_t	 i;

	for (i = 0; values != NULL && values[i] != NULL; i++) {
		xasprintf(&tmp, "%s%s%s", out != NULL ? out : "",
		    out != NULL ? sep : "", values[i]);
		free(out);
		out = tmp;
	}
	return (out != NULL ? out : xstrdup(""));
}

/* "KEY: expected TYPE, got VALUE" for key k of ops. */
static void
conv_opts_type_error(const struct converter_ops *ops,
    const struct conv_key *k, const char *what, const json_t *v,
    struct conv_report *r)
{
	const char	*hint = NULL;
	char		*names = NULL, *got;

	if (k->values != NULL && (what != NULL ||
	    k->type == CONV_KEY_ENUM || k->type == CONV_KEY_FLAGS))
		names = conv_opts_join(k->values, ", ");
	got = conv_opts_got(v);
	if (names != NULL && json_is_string(v))
		hint = conv_opts_case_hint(k->values, json_string_value(v));
	conv_opts_report(r, k->name, "%s key \"%s\": %s%sexpected %s%s%s, "
	    "got %s%s%s%s", ops->name, k->name, what != NULL ? what : "",
	    what != NULL ? ": " : "",
	    what != NULL ? "one of" : conv_opts_expected[k->type],
	    names != NULL ? " " : "", names != NULL ? names : "", got,
	    hint != NULL ? " (values are case-sensitive: did you mean " : "",
	    hint != NULL ? hint : "", hint != NULL ? "?)" : "");
	free(got);
	free(names);
}

int
conv_opts_lookup(const char *const *values, const char *s)
{
	int	i;

	for (i = 0; values[i] != NULL; i++)
		if (strcmp(values[i], s) == 0)
			return (i);
	return (-1);
}

const char *
conv_opts_case_hint(const char *const *values, const char *s)
{
	size_t	i;

	for (i = 0; values != NULL && values[i] != NULL; i++)
		if (strcasecmp(values[i], s) == 0)
			return (values[i]);
	return (NULL);
}

/* An integer as the agent's readInt takes it from a string: "+5", "007". */
int
conv_opts_parse_int(const char *s, int64_t *out)
{
	char		*end;
	long long	 v;

	if (!(*s >= '0' && *s <= '9') && *s != '-' && *s != '+')
		return (-1);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return (-1);
	*out = v;
	return (0);
}

/* Booleans as the agent's BooleanConverter reads them. */
int
conv_opts_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "true", "yes", "t", "y", "1" };
	static const char *const no[] = { "false", "no", "f", "n", "0" };
	size_t	i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return (0);
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return (0);
		}
	}
	return (-1);
}

/* Is v a string with no NUL byte, as a converter reads a C string? */
static int
conv_opts_is_cstring(const json_t *v)
{
	return (json_is_string(v) &&
	    strlen(json_string_value(v)) == json_string_length(v));
}

static void
conv_opts_free_field(const struct conv_key *k, void *field)
{
	struct conv_strings	*sl;
	struct conv_map		*m;
	size_t			 i;

	switch (k->type) {
	case CONV_KEY_STRING:
		free(*(char **)field);
		*(char **)field = NULL;
		break;
	case CONV_KEY_STRINGS:
		sl = field;
		for (i = 0; i < sl->n; i++)
			free(sl->v[i]);
		free(sl->v);
		memset(sl, 0, sizeof *sl);
		break;
	case CONV_KEY_MAP:
		m = field;
		for (i = 0; i < m->n; i++) {
			free(m->e[i].name);
			free(m->e[i].value);
		}
		free(m->e);
		memset(m, 0, sizeof *m);
		break;
	case CONV_KEY_ANY:
		json_decref(*(json_t **)field);
		*(json_t **)field = NULL;
		break;
	default:
		break;
	}
}

/* Stores the table's default, which is written as a file would write it. */
static void
conv_opts_default(const struct converter_ops *ops, const struct conv_key *k,
    void *field)
{
	int64_t	num;
	int	ival;

	if (k->def == NULL)
		return;
	switch (k->type) {
	case CONV_KEY_STRING:
		*(char **)field = xstrdup(k->def);
		return;
	case CONV_KEY_INT:
		if (conv_opts_parse_int(k->def, &num) != 0)
			break;
		memcpy(field, &num, sizeof num);
		return;
	case CONV_KEY_BOOL:
		if (conv_opts_parse_bool(k->def, &ival) != 0)
			break;
		memcpy(field, &ival, sizeof ival);
		return;
	case CONV_KEY_ENUM:
		if ((ival = conv_opts_lookup(k->values, k->def)) == -1)
			break;
		memcpy(field, &ival, sizeof ival);
		return;
	default:
		break;
	}
	fatalx("%s: bad default for key %s", ops->name, k->name);
}

/* A list: FLAGS (each one of values) or STRINGS. */
static int
conv_opts_list(const struct converter_ops *ops, const struct conv_key *k,
    const json_t *v, void *field, struct conv_report *r)
{
	struct conv_strings	*sl = field;
	const json_t		*e;
	unsigned int		 flags = 0;
	size_t			 i, before = r->n;
	int			 idx;

	json_array_foreach(v, i, e) {
		if (!json_is_string(e)) {
			conv_opts_type_error(ops, k, NULL, v, r);
			return (-1);
		}
	}
	if (k->min < k->max && json_array_size(v) > (size_t)k->max) {
		conv_opts_report(r, k->name, "%s key \"%s\": more than %lld "
		    "items", ops->name, k->name, (long long)k->max);
		return (-1);
	}
	if (k->type == CONV_KEY_FLAGS) {
		json_array_foreach(v, i, e) {
			idx = conv_opts_lookup(k->values, json_string_value(e));
			if (idx == -1)
				conv_opts_type_error(ops, k, "an item", e, r);
			else
				flags |= 1U << idx;
		}
		memcpy(field, &flags, sizeof flags);
		return (r->n == before ? 0 : -1);
	}
	json_array_foreach(v, i, e) {
		if (!conv_opts_is_cstring(e)) {
			conv_opts_report(r, k->name, "%s key \"%s\": item %zu "
			    "holds a NUL byte", ops->name, k->name, i + 1);
			return (-1);
		}
	}
	conv_opts_free_field(k, field);
	sl->n = json_array_size(v);
	sl->v = xcalloc(sl->n + 1, sizeof *sl->v);
	json_array_foreach(v, i, e)
		sl->v[i] = xstrdup(json_string_value(e));
	return (0);
}

/* A mapping of strings, each one of values if the key has them. */
static int
conv_opts_map(const struct converter_ops *ops, const struct conv_key *k,
    const json_t *v, void *field, struct conv_report *r)
{
	struct conv_map	*m = field;
	const char	*name;
	json_t		*e;
	size_t		 before = r->n;
	int		 idx;
	char		*what;

	json_object_foreach((json_t *)v, name, e) {
		if (!json_is_string(e)) {
			conv_opts_type_error(ops, k, NULL, v, r);
			return (-1);
		}
		if (!conv_opts_is_cstring(e)) {
			conv_opts_report(r, k->name, "%s key \"%s\": \"%s\": "
			    "value holds a NUL byte", ops->name, k->name,
			    name);
			return (-1);
		}
	}
	conv_opts_free_field(k, field);
	m->e = xcalloc(json_object_size(v) + 1, sizeof *m->e);
	json_object_foreach((json_t *)v, name, e) {
		idx = -1;
		if (k->values != NULL && (idx = conv_opts_lookup(k->values,
		    json_string_value(e))) == -1) {
			xasprintf(&what, "\"%s\"", name);
			conv_opts_type_error(ops, k, what, e, r);
			free(what);
			continue;
		}
		m->e[m->n].name = xstrdup(name);
		m->e[m->n].value = xstrdup(json_string_value(e));
		m->e[m->n].index = idx;
		m->n++;
	}
	return (r->n == before ? 0 : -1);
}

/* Checks v for key k and stores it.  Returns 0, or -1 after reporting. */
static int
conv_opts_set(const struct converter_ops *ops, const struct conv_key *k,
    const json_t *v, void *field, struct conv_report *r)
{
	int64_t	num;
	int	ival;

	switch (k->type) {
	case CONV_KEY_STRING:
		if (!json_is_string(v))
			break;
		if (!conv_opts_is_cstring(v)) {
			conv_opts_report(r, k->name, "%s key \"%s\": value "
			    "holds a NUL byte", ops->name, k->name);
			return (-1);
		}
		if (k->min < k->max && json_string_length(v) >
		    (size_t)k->max) {
			conv_opts_report(r, k->name, "%s key \"%s\": longer "
			    "than %lld bytes", ops->name, k->name,
			    (long long)k->max);
			return (-1);
		}
		conv_opts_free_field(k, field);
		*(char **)field = xstrdup(json_string_value(v));
		return (0);
	case CONV_KEY_INT:
		if (json_is_integer(v))
			num = json_integer_value(v);
		else if (!json_is_string(v) ||
		    conv_opts_parse_int(json_string_value(v), &num) != 0)
			break;
		if (k->min < k->max && (num < k->min || num > k->max)) {
			conv_opts_report(r, k->name, "%s key \"%s\" must be "
			    "between %lld and %lld, got %lld", ops->name,
			    k->name, (long long)k->min, (long long)k->max,
			    (long long)num);
			return (-1);
		}
		memcpy(field, &num, sizeof num);
		return (0);
	case CONV_KEY_BOOL:
		if (json_is_boolean(v))
			ival = json_is_true(v);
		else if (!json_is_string(v) ||
		    conv_opts_parse_bool(json_string_value(v), &ival) != 0)
			break;
		memcpy(field, &ival, sizeof ival);
		return (0);
	case CONV_KEY_ENUM:
		if (!json_is_string(v) || (ival = conv_opts_lookup(k->values,
		    json_string_value(v))) == -1)
			break;
		memcpy(field, &ival, sizeof ival);
		return (0);
	case CONV_KEY_FLAGS:
	case CONV_KEY_STRINGS:
		if (!json_is_array(v))
			break;
		return (conv_opts_list(ops, k, v, field, r));
	case CONV_KEY_MAP:
		if (!json_is_object(v))
			break;
		return (conv_opts_map(ops, k, v, field, r));
	case CONV_KEY_ANY:
		conv_opts_free_field(k, field);
		*(json_t **)field = json_deep_copy(v);
		return (0);
	}
	conv_opts_type_error(ops, k, NULL, v, r);
	return (-1);
}

const struct conv_key *
conv_opts_key(const struct converter_ops *ops, const char *name)
{
	const struct conv_key	*k;

	for (k = ops->keys; k != NULL && k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return (k);
	return (NULL);
}

size_t
conv_opts_distance(const char *a, const char *b)
{
	size_t	row[64], i, j, la = strlen(a), lb = strlen(b);
	size_t	diag, up, cost;

	if (la >= sizeof row / sizeof row[0] ||
	    lb >= sizeof row / sizeof row[0])
		return (SIZE_MAX);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			cost = a[i - 1] == b[j - 1] ? 0 : 1;
			row[j] = diag + cost;
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return (row[lb]);
}

static void
conv_opts_unknown(const struct converter_ops *ops, const char *name,
    struct conv_report *r)
{
	const struct conv_key	*k;
	const char		*hint = NULL;
	size_t			 d, best = CONV_OPTS_MAX_SUGGEST + 1;

	for (k = ops->keys; k != NULL && k->name != NULL; k++) {
		if ((d = conv_opts_distance(name, k->name)) < best) {
			best = d;
			hint = k->name;
		}
	}
	if (hint != NULL)
		conv_opts_report_at(r, name, CONV_AT_KEY, "unknown key \"%s\" "
		    "for optionName %s (did you mean \"%s\"?)", name,
		    ops->name, hint);
	else
		conv_opts_report_at(r, name, CONV_AT_KEY, "unknown key \"%s\" "
		    "for optionName %s", name, ops->name);
}

/* "Not set": null, and "" for a key that does not take a string. */
static int
conv_opts_is_unset(const struct conv_key *k, const json_t *v)
{
	if (k->type == CONV_KEY_ANY)
		return (0);
	if (json_is_null(v))
		return (1);
	return (k->type != CONV_KEY_STRING && json_is_string(v) &&
	    json_string_length(v) == 0);
}

/* An options struct the walker filled, and what its fields hold. */
static void
conv_opts_free(const struct converter_ops *ops, void *opts)
{
	const struct conv_key	*k;

	if (opts == NULL)
		return;
	for (k = ops->keys; k != NULL && k->name != NULL; k++)
		conv_opts_free_field(k, (char *)opts + k->offset);
	free(opts);
}

/*
 * The walker: checks obj against ops's key table (converter.h,
 * conv_opts_create) and returns the options struct, ops->opts_size bytes
 * with defaults applied (free with conv_opts_free), or NULL if an error
 * was reported.
 */
static void *
conv_opts_new(const struct converter_ops *ops, const json_t *obj,
    struct conv_report *r)
{
	const struct conv_key	*k;
	unsigned char		 given[CONV_OPTS_MAX_KEYS] = { 0 };
	const char		*name;
	json_t			*v;
	void			*opts;
	size_t			 i, before = r->n;

	opts = xcalloc(1, ops->opts_size != 0 ? ops->opts_size : 1);
	for (k = ops->keys, i = 0; k != NULL && k->name != NULL; k++, i++) {
		if (i >= CONV_OPTS_MAX_KEYS)
			fatalx("%s: more than %d keys", ops->name,
			    CONV_OPTS_MAX_KEYS);
		conv_opts_default(ops, k, (char *)opts + k->offset);
	}
	json_object_foreach((json_t *)obj, name, v) {
		if (strcmp(name, "optionName") == 0)
			continue;
		if ((k = conv_opts_key(ops, name)) == NULL) {
			conv_opts_unknown(ops, name, r);
			continue;
		}
		if (conv_opts_is_unset(k, v))
			continue;
		given[k - ops->keys] = 1;
		conv_opts_set(ops, k, v, (char *)opts + k->offset, r);
	}
	for (k = ops->keys; k != NULL && k->name != NULL; k++) {
		if (k->required && !given[k - ops->keys])
			conv_opts_report_at(r, k->name, CONV_AT_OPTION,
			    "optionName %s needs key \"%s\"", ops->name,
			    k->name);
	}
	if (r->n != before) {
		conv_opts_free(ops, opts);
		return (NULL);
	}
	return (opts);
}

void *
conv_opts_create(const struct converter_ops *ops, const json_t *obj,
    struct conv_report *r)
{
	void	*opts, *inst;
	size_t	 before = r->n;

	if ((opts = conv_opts_new(ops, obj, r)) == NULL)
		return (NULL);
	inst = ops->create(opts, r);
	conv_opts_free(ops, opts);
	/* create's contract: NULL exactly when it reported. */
	if (inst != NULL && r->n != before) {
		ops->free(inst);
		inst = NULL;
	} else if (inst == NULL && r->n == before)
		conv_opts_report_at(r, NULL, CONV_AT_OPTION, "%s: cannot "
		    "create the converter", ops->name);
	return (inst);
}
