/*
 * fuzz_converter: libFuzzer target for one converter of parsers/, chosen
 * at build time:
 *
 *	clang -fsanitize=fuzzer,address,undefined \
 *	    -DFUZZ_CONVERTER='"CSVTOJSON"' -DFUZZ_OPS=csvtojson_ops ...
 *
 * The converter is linked alone (not through registry.c, which needs all
 * of them), so its ops symbol (declared in converter.h) is named directly
 * and checked against the name; its options go through conv_opts_create,
 * the walker, as a flow's do.  The first input byte picks one of the
 * converter's option sets below (each instance is created once, as a flow
 * creates it) and whether the rest is one record or is cut into lines
 * that keep their "\n", as the framer cuts them.  Checked, besides the sanitizers: the result is a
 * known one, and for option sets whose every converted record is JSON, a
 * CONV_OK record is valid UTF-8 and valid JSON (jansson).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "converter.h"
#include "fuzz_utf8.h"

#ifndef FUZZ_CONVERTER
#error "build with -DFUZZ_CONVERTER='\"NAME\"' -DFUZZ_OPS=name_ops"
#endif

struct fuzz_opts {
	const char	*name;
	const char	*opts;		/* json object */
	int		 json;		/* CONV_OK output must be JSON */
};

static const struct fuzz_opts fuzz_table[] = {
	{ "SINGLELINE", "{}", 0 },
	{ "SINGLELINE", "{\"parseOptions\":[\"NO_TRIM\"]}", 0 },
	{ "SINGLELINE", "{\"parseOptions\":[\"ESCAPE_NEW_LINE\"]}", 0 },
	{ "SINGLELINE", "{\"parseOptions\":[\"NO_TRIM\",\"ESCAPE_NEW_LINE\"]}",
	    0 },
	{ "CSVTOJSON", "{\"customFieldNames\":[\"a\",\"b\",\"c\"]}", 1 },
	{ "CSVTOJSON", "{\"customFieldNames\":[\"a\",\"b\"],"
	    "\"delimiter\":\"\\\\t\"}", 1 },
	{ "CSVTOJSON", "{\"customFieldNames\":[\"x\",\"\\u00e9\",\"z\",\"w\"],"
	    "\"delimiter\":\",\\\\s*\",\"jsonFormat\":\"PRETTYPRINT\"}", 1 },
	{ "CSVTOJSON", "{\"customFieldNames\":[\"a\"],"
	    "\"delimiter\":\"\\\\|\"}", 1 },
	{ "LOGTOJSON", "{\"logFormat\":\"COMMONAPACHELOG\"}", 1 },
	{ "LOGTOJSON", "{\"logFormat\":\"COMBINEDAPACHELOG\"}", 1 },
	{ "LOGTOJSON", "{\"logFormat\":\"APACHEERRORLOG\"}", 1 },
	{ "LOGTOJSON", "{\"logFormat\":\"SYSLOG\"}", 1 },
	{ "LOGTOJSON", "{\"logFormat\":\"RFC3339SYSLOG\","
	    "\"jsonFormat\":\"PRETTYPRINT\"}", 1 },
	{ "LOGTOJSON", "{\"logFormat\":\"RFC5424SYSLOG\"}", 1 },
	{ "LOGTOJSON", "{\"logFormat\":\"NGINXERRORLOG\"}", 1 },
	{ "LOGTOJSON", "{\"logFormat\":\"LTSV\"}", 1 },
	{ "LOGTOJSON", "{\"logFormat\":\"LOGFMT\"}", 1 },
	{ "LOGTOJSON", "{\"logFormat\":\"COMMONAPACHELOG\","
	    "\"matchPattern\":\"^(\\\\S+) (\\\\d+) (.*)$\","
	    "\"customFieldNames\":[\"host\",\"n\",\"rest\"]}", 1 },
	{ "ADDMETADATA", "{\"metadata\":{\"k\":\"v\",\"n\":1,\"a\":[true,null]}}",
	    1 },
	{ "ADDMETADATA", "{\"metadata\":\"s\",\"timestamp\":true,"
	    "\"jsonFormat\":\"PRETTYPRINT\"}", 1 },
	{ "ADDBRACKETS", "{}", 0 },
	{ "REGEXTOJSON", "{\"pattern\":\"(?<ip>\\\\S+) (?<status>\\\\d+)"
	    " (?<rest>.*)\",\"types\":{\"status\":\"int\"}}", 1 },
	{ "REGEXTOJSON", "{\"pattern\":\"(?<a>[^,]*),(?<b>[^,]*),?(?<c>.*)\","
	    "\"types\":{\"a\":\"float\",\"b\":\"bool\"},"
	    "\"onMismatch\":\"WRAP\",\"jsonFormat\":\"PRETTYPRINT\"}", 1 },
	{ "REGEXTOJSON", "{\"pattern\":\"(?<t>\\\\S+ \\\\S+) (?<m>.*)\","
	    "\"timeKey\":\"t\",\"timeFormat\":\"%Y-%m-%d %H:%M:%S\","
	    "\"onMismatch\":\"WRAP\"}", 1 },
	{ "REGEXTOJSON", "{\"pattern\":\"(?<x>.)\",\"onMismatch\":\"RAW\"}",
	    0 },
	{ "PARSEJSON", "{}", 1 },
	{ "PARSEJSON", "{\"addFields\":{\"host\":\"{{hostname}}\","
	    "\"f\":\"{{file}}\",\"ts\":\"{{timestamp}}\"},"
	    "\"removeFields\":[\"a\",\"b\"],\"renameFields\":{\"c\":\"d\"},"
	    "\"onInvalid\":\"WRAP\"}", 1 },
	{ "PARSEJSON", "{\"onInvalid\":\"RAW\"}", 0 },
};

#define FUZZ_NOPTS	(sizeof fuzz_table / sizeof fuzz_table[0])
#define FUZZ_MAXSETS	16

static const struct fuzz_opts	*fuzz_sets[FUZZ_MAXSETS];
static void			*fuzz_inst[FUZZ_MAXSETS];
static size_t			 fuzz_nsets;
static struct buf		 fuzz_out = BUF_INIT(CONV_BUF_MAX);
static char			*fuzz_json;	/* copy for jansson */
static size_t			 fuzz_jcap;

/* A table option set must create: any error is a broken target. */
static void
fuzz_report(void *arg, const char *key, enum conv_at at, const char *msg)
{
	(void)at;
	fprintf(stderr, "fuzz: %s %s: %s (key %s)\n", FUZZ_CONVERTER,
	    (const char *)arg, msg, key != NULL ? key : "-");
	abort();
}

static void
fuzz_init(void)
{
	const struct fuzz_opts	*o;
	struct conv_report	 r;
	json_error_t		 jerr;
	json_t			*opts;
	size_t			 i;

	if (strcmp(FUZZ_OPS.name, FUZZ_CONVERTER) != 0) {
		fprintf(stderr, "fuzz: ops is %s, not %s\n", FUZZ_OPS.name,
		    FUZZ_CONVERTER);
		abort();
	}
	for (i = 0; i < FUZZ_NOPTS && fuzz_nsets < FUZZ_MAXSETS; i++) {
		o = &fuzz_table[i];
		if (strcmp(o->name, FUZZ_CONVERTER) != 0)
			continue;
		if ((opts = json_loads(o->opts, 0, &jerr)) == NULL) {
			fprintf(stderr, "fuzz: bad options %s: %s\n", o->opts,
			    jerr.text);
			abort();
		}
		memset(&r, 0, sizeof r);
		r.fn = fuzz_report;
		r.arg = (void *)o->opts;
		fuzz_inst[fuzz_nsets] = conv_opts_create(&FUZZ_OPS, opts, &r);
		if (fuzz_inst[fuzz_nsets] == NULL)
			abort();
		json_decref(opts);
		fuzz_sets[fuzz_nsets++] = o;
	}
	if (fuzz_nsets == 0) {
		fprintf(stderr, "fuzz: no option sets for %s\n",
		    FUZZ_CONVERTER);
		abort();
	}
}

static void
fuzz_record(size_t set, const char *rec, size_t len)
{
	static const struct conv_ctx	 ctx = {
		"fuzz", "/var/log/fuzz.log", "fuzzhost", 1700000000, NULL, NULL
	};
	enum conv_result		 r;
	json_error_t			 jerr;
	json_t				*j;
	size_t				 i;

	buf_reset(&fuzz_out);
	r = FUZZ_OPS.convert(fuzz_inst[set], rec, len, &fuzz_out, &ctx);
	if (r != CONV_OK && r != CONV_DROP && r != CONV_ERROR)
		abort();
	if (r != CONV_OK || !fuzz_sets[set]->json)
		return;
	if (fuzz_out.len > 0 && fuzz_out.data == NULL)
		abort();
	if (!fuzz_utf8_is_valid((const unsigned char *)fuzz_out.data,
	    fuzz_out.len)) {
		fprintf(stderr, "fuzz: output is not UTF-8\n");
		abort();
	}
	/*
	 * jansson takes "\u0000" in strings but not in object keys, which
	 * JSON allows.  Turning each "\u0000" into "\u0001" keeps the text
	 * valid or invalid alike (also where the backslash is the second of
	 * an escaped one), so jansson can judge it.
	 */
	if (fuzz_out.len > fuzz_jcap) {
		fuzz_jcap = fuzz_out.len;
		if ((fuzz_json = realloc(fuzz_json, fuzz_jcap)) == NULL)
			abort();
	}
	memcpy(fuzz_json, fuzz_out.data, fuzz_out.len);
	for (i = 0; i + 6 <= fuzz_out.len; i++)
		if (memcmp(fuzz_json + i, "\\u0000", 6) == 0)
			fuzz_json[i + 5] = '1';
	j = json_loadb(fuzz_json, fuzz_out.len, JSON_DECODE_ANY, &jerr);
	if (j == NULL) {
		fprintf(stderr, "fuzz: output is not JSON: %s: %.*s\n",
		    jerr.text, (int)(fuzz_out.len > 512 ? 512 : fuzz_out.len),
		    fuzz_out.data);
		abort();
	}
	json_decref(j);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p, *end, *nl;
	size_t		 set;

	if (fuzz_nsets == 0)
		fuzz_init();
	if (size < 1)
		return (0);
	set = (data[0] & 0x7f) % fuzz_nsets;
	p = (const char *)data + 1;
	end = (const char *)data + size;
	if (data[0] & 0x80) {
		fuzz_record(set, p, end - p);
		return (0);
	}
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		nl = nl != NULL ? nl + 1 : end;
		fuzz_record(set, p, nl - p);
		p = nl;
	}
	return (0);
}
