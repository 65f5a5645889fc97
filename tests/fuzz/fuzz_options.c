/*
 * fuzz_options: libFuzzer target for what a config file hands the
 * converters: Java regexes (parsers/jregex.c) and option objects (each
 * converter's create).
 *
 * The first input byte picks the mode.  Below 0x80, the rest is a Java
 * pattern, a NUL, and a line: the pattern is translated and compiled as
 * find(), lookingAt() or matches() (the byte's low bits), and, if PCRE2
 * takes it, matched once against the line (repaired first if it is not
 * UTF-8, as the converters do).  Where a byte-mode twin exists
 * (jregex_compile_ascii) and the line is ASCII, the twin must give the
 * same result and the same groups: jregex.h promises that.  From 0x80 up,
 * the rest is a JSON object, a NUL, and a line: the object is cut down to
 * what the config loader would let through for the converter the low bits
 * pick (its table's keys with values of the declared types), create gets
 * it, and an instance converts the line once.  Checked, besides the
 * sanitizers: create sets a cause (and a badkey of the table, or none)
 * exactly when it fails, and convert returns a known result.
 *
 * ADDEC2METADATA is left out: it talks to IMDS (fuzz_addec2metadata.c).
 * Converters are declared weak, so the target builds when one of them is
 * not there yet, as run.sh builds only what exists.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "converter.h"
#include "jregex.h"
#include "utf8.h"

#define FUZZ_MATCH_LIMIT	100000
#define FUZZ_DEPTH_LIMIT	10000

extern const struct converter_ops singleline_ops __attribute__((weak));
extern const struct converter_ops csvtojson_ops __attribute__((weak));
extern const struct converter_ops logtojson_ops __attribute__((weak));
extern const struct converter_ops addmetadata_ops __attribute__((weak));
extern const struct converter_ops addbrackets_ops __attribute__((weak));
extern const struct converter_ops regextojson_ops __attribute__((weak));
extern const struct converter_ops parsejson_ops __attribute__((weak));

static const struct converter_ops	*fuzz_ops[8];
static size_t				 fuzz_nops;
static pcre2_match_context		*fuzz_mctx;
static struct conv_buf			 fuzz_out;

static void
fuzz_init(void)
{
	const struct converter_ops *const all[] = {
		&singleline_ops, &csvtojson_ops, &logtojson_ops,
		&addmetadata_ops, &addbrackets_ops, &regextojson_ops,
		&parsejson_ops
	};
	size_t	i;

	for (i = 0; i < sizeof all / sizeof all[0]; i++)
		if (all[i] != NULL)
			fuzz_ops[fuzz_nops++] = all[i];
	/* Bounded matching: a backtracking pattern is not a finding. */
	if ((fuzz_mctx = pcre2_match_context_create(NULL)) == NULL)
		abort();
	pcre2_set_match_limit(fuzz_mctx, FUZZ_MATCH_LIMIT);
	pcre2_set_depth_limit(fuzz_mctx, FUZZ_DEPTH_LIMIT);
}

static int
fuzz_match(const pcre2_code *re, const char *s, size_t len,
    pcre2_match_data *md)
{
	if (jregex_is_jit(re))
		return (pcre2_jit_match(re, (PCRE2_SPTR)s, len, 0, 0, md,
		    fuzz_mctx));
	return (pcre2_match(re, (PCRE2_SPTR)s, len, 0, PCRE2_NO_UTF_CHECK,
	    md, fuzz_mctx));
}

static void
fuzz_regex(uint8_t sel, const char *pat, const char *line, size_t len)
{
	static const uint32_t	 flags[] = {
		0, PCRE2_ANCHORED, PCRE2_ANCHORED | PCRE2_ENDANCHORED
	};
	pcre2_code		*re, *twin;
	pcre2_match_data	*md, *md2;
	PCRE2_SIZE		*ov, *ov2;
	uint32_t		 f, ng = 0, ng2 = 0;
	char			*cause = NULL, *fixed = NULL;
	int			 rc, rc2, i;

	f = flags[sel % 3];
	if ((re = jregex_compile(pat, f, &cause)) == NULL) {
		if (cause == NULL || *cause == '\0')
			abort();
		free(cause);
		return;
	}
	if (cause != NULL)
		abort();
	if (!utf8_is_valid(line, len)) {
		if ((fixed = malloc(UTF8_REPAIR_MAX(len) + 1)) == NULL)
			abort();
		len = utf8_repair(fixed, line, len);
		if (!utf8_is_valid(fixed, len))
			abort();
		line = fixed;
	}
	if ((md = pcre2_match_data_create_from_pattern(re, NULL)) == NULL)
		abort();
	rc = fuzz_match(re, line, len, md);

	twin = utf8_is_ascii(line, len) ? jregex_compile_ascii(pat, f) :
	    NULL;
	if (twin != NULL) {
		pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &ng);
		pcre2_pattern_info(twin, PCRE2_INFO_CAPTURECOUNT, &ng2);
		if (ng != ng2)
			abort();
		md2 = pcre2_match_data_create_from_pattern(twin, NULL);
		if (md2 == NULL)
			abort();
		rc2 = fuzz_match(twin, line, len, md2);
		/* Limits are counted differently; only outcomes compare. */
		if ((rc >= 0 || rc == PCRE2_ERROR_NOMATCH) &&
		    (rc2 >= 0 || rc2 == PCRE2_ERROR_NOMATCH)) {
			if (rc != rc2) {
				fprintf(stderr, "fuzz: %s: UTF %d, ASCII %d\n",
				    pat, rc, rc2);
				abort();
			}
			ov = pcre2_get_ovector_pointer(md);
			ov2 = pcre2_get_ovector_pointer(md2);
			for (i = 0; i < 2 * rc; i++)
				if (ov[i] != ov2[i]) {
					fprintf(stderr, "fuzz: %s: group %d "
					    "differs\n", pat, i / 2);
					abort();
				}
		}
		pcre2_match_data_free(md2);
		pcre2_code_free(twin);
	}
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	free(fixed);
}

/* Does v have the type the config loader gives key k? */
static int
fuzz_fits(const struct conv_key *k, const json_t *v)
{
	const char	*name;
	json_t		*e;
	size_t		 i;

	switch (k->type) {
	case CONV_KEY_STRING:
		/* The loader refuses a NUL in a string value. */
		return (json_is_string(v) &&
		    strlen(json_string_value(v)) == json_string_length(v));
	case CONV_KEY_INT:
		return (json_is_integer(v));
	case CONV_KEY_BOOL:
		return (json_is_boolean(v));
	case CONV_KEY_ENUM:
		if (!json_is_string(v))
			return (0);
		for (i = 0; k->values[i] != NULL; i++)
			if (strcmp(k->values[i], json_string_value(v)) == 0)
				return (1);
		return (0);
	case CONV_KEY_STRINGS:
		if (!json_is_array(v))
			return (0);
		json_array_foreach(v, i, e)
			if (!json_is_string(e))
				return (0);
		return (1);
	case CONV_KEY_MAP:
		if (!json_is_object(v))
			return (0);
		json_object_foreach((json_t *)v, name, e)
			if (!json_is_string(e))
				return (0);
		return (1);
	case CONV_KEY_ANY:
		return (1);
	}
	return (0);
}

static void
fuzz_options(uint8_t sel, const char *text, size_t tlen, const char *line,
    size_t len)
{
	static const struct conv_ctx	 ctx = {
		"fuzz", "/var/log/fuzz.log", "fuzzhost", 1700000000, NULL, NULL
	};
	const struct converter_ops	*ops;
	const struct conv_key		*k;
	json_t				*in, *opts, *v;
	const char			*badkey = "(not set)";
	char				*cause = NULL;
	enum conv_result		 r;
	void				*inst;

	if (fuzz_nops == 0)
		return;
	ops = fuzz_ops[sel % fuzz_nops];
	in = json_loadb(text, tlen, 0, NULL);
	if (!json_is_object(in)) {
		json_decref(in);
		return;
	}
	opts = json_object();
	for (k = ops->keys; k != NULL && k->name != NULL; k++) {
		v = json_object_get(in, k->name);
		/* null is "not set", except for ANY (metadata: null). */
		if (v != NULL && (!json_is_null(v) ||
		    k->type == CONV_KEY_ANY) && fuzz_fits(k, v))
			json_object_set(opts, k->name, v);
	}
	json_decref(in);
	inst = ops->create(opts, &cause, &badkey);
	json_decref(opts);
	if (inst == NULL) {
		if (cause == NULL || *cause == '\0')
			abort();
		if (badkey != NULL) {
			for (k = ops->keys; k != NULL && k->name != NULL; k++)
				if (strcmp(k->name, badkey) == 0)
					break;
			if (k == NULL || k->name == NULL) {
				fprintf(stderr, "fuzz: %s blames \"%s\"\n",
				    ops->name, badkey);
				abort();
			}
		}
		free(cause);
		return;
	}
	if (cause != NULL)
		abort();
	fuzz_out.len = 0;
	r = ops->convert(inst, line, len, &fuzz_out, &ctx);
	if (r != CONV_OK && r != CONV_DROP && r != CONV_ERROR)
		abort();
	if (r == CONV_OK && fuzz_out.len > 0 && fuzz_out.data == NULL)
		abort();
	ops->free(inst);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p, *end, *nul;
	char		*head;

	if (fuzz_mctx == NULL)
		fuzz_init();
	if (size < 1)
		return (0);
	p = (const char *)data + 1;
	end = (const char *)data + size;
	if ((nul = memchr(p, '\0', end - p)) == NULL)
		nul = end;
	if ((head = malloc(nul - p + 1)) == NULL)
		abort();
	memcpy(head, p, nul - p);
	head[nul - p] = '\0';
	if (nul < end)
		nul++;
	if (data[0] < 0x80)
		fuzz_regex(data[0], head, nul, end - nul);
	else
		fuzz_options(data[0] & 0x7f, head, strlen(head), nul,
		    end - nul);
	free(head);
	return (0);
}
