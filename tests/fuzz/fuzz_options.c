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
 * the rest is a JSON object, a NUL, and a line: the object goes whole
 * through conv_opts_create (the walker, then create) for the converter
 * the low bits pick, and an instance converts the line once.  Checked,
 * besides the sanitizers: an error is reported exactly when there is no
 * instance, each names a key of the table or of the object (or none),
 * and convert returns a known result.
 *
 * ADDEC2METADATA is left out: it talks to IMDS (fuzz_addec2metadata.c).
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

static const struct converter_ops	*fuzz_ops[8];
static size_t				 fuzz_nops;
static pcre2_match_context		*fuzz_mctx;
static struct buf			 fuzz_out = BUF_INIT(CONV_BUF_MAX);

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

/* What one object's errors must look like. */
struct fuzz_check {
	const struct converter_ops	*ops;
	const json_t			*obj;
};

/*
 * Each error names a key of the table, one of the object's (an unknown
 * key), "optionName" or none, and says something.
 */
static void
fuzz_report(void *arg, const char *key, enum conv_at at, const char *msg)
{
	const struct fuzz_check	*fc = arg;

	if (msg == NULL || *msg == '\0')
		abort();
	if ((unsigned int)at > CONV_AT_OPTION)
		abort();
	if (key == NULL || conv_opts_key(fc->ops, key) != NULL ||
	    json_object_get(fc->obj, key) != NULL)
		return;
	fprintf(stderr, "fuzz: %s blames \"%s\": %s\n", fc->ops->name, key,
	    msg);
	abort();
}

static void
fuzz_options(uint8_t sel, const char *text, size_t tlen, const char *line,
    size_t len)
{
	static const struct conv_ctx	 ctx = {
		"fuzz", "/var/log/fuzz.log", "fuzzhost", 1700000000, NULL, NULL
	};
	struct fuzz_check		 fc;
	struct conv_report		 r;
	json_t				*in;
	enum conv_result		 res;
	void				*inst;

	if (fuzz_nops == 0)
		return;
	in = json_loadb(text, tlen, 0, NULL);
	if (!json_is_object(in)) {
		json_decref(in);
		return;
	}
	fc.ops = fuzz_ops[sel % fuzz_nops];
	fc.obj = in;
	memset(&r, 0, sizeof r);
	r.fn = fuzz_report;
	r.arg = &fc;
	inst = conv_opts_create(fc.ops, in, &r);
	json_decref(in);
	/* An instance exactly when nothing was reported. */
	if ((inst == NULL) != (r.n != 0))
		abort();
	if (inst == NULL)
		return;
	buf_reset(&fuzz_out);
	res = fc.ops->convert(inst, line, len, &fuzz_out, &ctx);
	if (res != CONV_OK && res != CONV_DROP && res != CONV_ERROR)
		abort();
	if (res == CONV_OK && fuzz_out.len > 0 && fuzz_out.data == NULL)
		abort();
	fc.ops->free(inst);
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
