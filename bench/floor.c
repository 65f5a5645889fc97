/*
 * floor: the lower bound that sluice's converters are measured against
 * (bench/README.md, "Targets").  It does the least work any log
 * shipper must do to turn a file into matched lines: read(2) in big chunks,
 * split lines with memchr, and run one PCRE2-JIT pattern over each line
 * with pcre2_jit_match and a match data block allocated once.  Nothing is
 * copied, converted or written.
 *
 * --memchr-only stops after the split (the floor for a flow with no
 * converter); --json parses each line with jansson instead of matching a
 * pattern (the floor for PARSEJSON).  The presets are the patterns the
 * benchmark gives sluice: COMBINEDAPACHELOG is the Kinesis Agent's regex
 * (processing/parsers/PatternConstants.java in awslabs/amazon-kinesis-agent)
 * with ".*" appended, matched whole as Java's
 * matches() does; REGEXTOJSON is bench/run.sh's named-group pattern, which
 * run.sh reads from here (--print-pattern) so the two cannot drift.
 *
 * A line is the bytes before "\n"; a last line without one counts.  A line
 * longer than the read buffer is matched in buffer-sized pieces, each
 * counted as a line: the benchmark's data has none.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <pcre2.h>

#define FLOOR_BUFSIZE	(4 * 1024 * 1024)	/* read buffer, max line */
#define FLOOR_JITSTACK	(1024 * 1024)		/* most JIT stack */

/* The Kinesis Agent's COMMONAPACHELOG (PatternConstants.java), expanded. */
#define FLOOR_COMMONAPACHELOG						\
	"^((?:(?:[\\w\\-]+)(?:\\.(?:[\\w\\-]+))*(?:\\.?|\\b)|"		\
	"(?:[\\d\\.]+))) "						\
	"((?:[a-zA-Z0-9._-]+)) ((?:[a-zA-Z0-9._-]+)) "			\
	"\\[((?:(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])/"		\
	"\\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|"	\
	"Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|Sep(?:tember)?|Oct(?:ober)?|"	\
	"Nov(?:ember)?|Dec(?:ember)?)\\b/(?:[1-9]\\d*):"		\
	"(?:(?:2[0123]|[01]?[0-9]):(?:[0-5][0-9]):"			\
	"(?:(?:[0-5]?[0-9]|60)(?:[:\\.,][0-9]+)?))"			\
	"\\s(?:[+-]?(?:[0-9]+))))\\] "					\
	"\"([^\"]+)\" ((?:[+-]?(?:[0-9]+))|\\-) ((?:[+-]?(?:[0-9]+))|\\-)"

struct floor_preset {
	const char	*name;
	const char	*pattern;
	int		 whole;		/* match the whole line (matches()) */
};

static const struct floor_preset floor_presets[] = {
	{ "COMBINEDAPACHELOG",
	  FLOOR_COMMONAPACHELOG " \"([^\"]+)\" \"([^\"]+)\".*", 1 },
	{ "COMMONAPACHELOG", FLOOR_COMMONAPACHELOG ".*", 1 },
	{ "REGEXTOJSON",
	  "^(?<host>\\S+) \\S+ (?<user>\\S+) \\[(?<time>[^\\]]+)\\] "
	  "\"(?<method>[A-Z]+) (?<path>[^ \"]*)[^\"]*\" (?<status>\\d{3}) "
	  "(?<bytes>\\d+|-) \"(?<referer>[^\"]*)\" \"(?<agent>[^\"]*)\"", 0 },
	{ NULL, NULL, 0 }
};

enum floor_mode {
	FLOOR_REGEX,
	FLOOR_MEMCHR,
	FLOOR_JSON
};

struct floor_state {
	enum floor_mode		 mode;
	pcre2_code		*code;
	pcre2_match_data	*md;
	pcre2_match_context	*mctx;
	pcre2_jit_stack		*stack;
	uint64_t		 lines;
	uint64_t		 matched;
	uint64_t		 errors;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: floor [-x] [--memchr-only | --json | -P preset | "
	    "pattern] file\n"
	    "       floor --print-pattern preset\n"
	    "presets:");
	for (size_t i = 0; floor_presets[i].name != NULL; i++)
		fprintf(stderr, " %s", floor_presets[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

static const struct floor_preset *
floor_preset_find(const char *name)
{
	size_t	i;

	for (i = 0; floor_presets[i].name != NULL; i++)
		if (strcmp(floor_presets[i].name, name) == 0)
			return (&floor_presets[i]);
	errx(2, "unknown preset %s", name);
}

static void
floor_compile(struct floor_state *st, const char *pattern, int whole)
{
	PCRE2_UCHAR	 msg[256];
	PCRE2_SIZE	 off;
	uint32_t	 opts = 0;
	int		 error;

	/* pcre2_jit_match takes anchoring only from compile time. */
	if (whole)
		opts |= PCRE2_ANCHORED | PCRE2_ENDANCHORED;
	st->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    opts, &error, &off, NULL);
	if (st->code == NULL) {
		pcre2_get_error_message(error, msg, sizeof msg);
		errx(2, "pattern at offset %zu: %s", (size_t)off, msg);
	}
	if ((error = pcre2_jit_compile(st->code, PCRE2_JIT_COMPLETE)) != 0) {
		pcre2_get_error_message(error, msg, sizeof msg);
		errx(2, "JIT: %s", msg);
	}
	st->md = pcre2_match_data_create_from_pattern(st->code, NULL);
	st->mctx = pcre2_match_context_create(NULL);
	st->stack = pcre2_jit_stack_create(32 * 1024, FLOOR_JITSTACK, NULL);
	if (st->md == NULL || st->mctx == NULL || st->stack == NULL)
		errx(2, "out of memory");
	pcre2_jit_stack_assign(st->mctx, NULL, st->stack);
}

static void
floor_line(struct floor_state *st, const char *p, size_t len)
{
	json_error_t	 jerr;
	json_t		*j;
	int		 rc;

	st->lines++;
	switch (st->mode) {
	case FLOOR_MEMCHR:
		break;
	case FLOOR_JSON:
		if ((j = json_loadb(p, len, 0, &jerr)) != NULL) {
			if (json_is_object(j))
				st->matched++;
			json_decref(j);
		}
		break;
	case FLOOR_REGEX:
		rc = pcre2_jit_match(st->code, (PCRE2_SPTR)p, len, 0, 0,
		    st->md, st->mctx);
		if (rc >= 0)
			st->matched++;
		else if (rc != PCRE2_ERROR_NOMATCH)
			st->errors++;
		break;
	}
}

/* Reads fd to its end, handing each line to floor_line; returns bytes. */
static uint64_t
floor_run(struct floor_state *st, int fd)
{
	char		*buf, *p, *end, *nl;
	size_t		 have = 0;
	ssize_t		 n;
	uint64_t	 bytes = 0;

	if ((buf = malloc(FLOOR_BUFSIZE)) == NULL)
		err(2, "malloc");
	for (;;) {
		n = read(fd, buf + have, FLOOR_BUFSIZE - have);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err(2, "read");
		}
		if (n == 0)
			break;
		bytes += n;
		have += n;
		p = buf;
		end = buf + have;
		while ((nl = memchr(p, '\n', end - p)) != NULL) {
			floor_line(st, p, nl - p);
			p = nl + 1;
		}
		if (p == buf && have == FLOOR_BUFSIZE) {
			/* No newline in a full buffer: a piece of a line. */
			floor_line(st, buf, have);
			have = 0;
			continue;
		}
		have = end - p;
		memmove(buf, p, have);
	}
	if (have > 0)
		floor_line(st, buf, have);
	free(buf);
	return (bytes);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "memchr-only",	no_argument,		NULL, 'm' },
		{ "json",		no_argument,		NULL, 'j' },
		{ "preset",		required_argument,	NULL, 'P' },
		{ "print-pattern",	required_argument,	NULL, 'p' },
		{ NULL,			0,			NULL, 0 }
	};
	const struct floor_preset	*preset = NULL;
	struct floor_state		 st;
	struct timespec			 t0, t1;
	const char			*pattern = NULL, *path, *modename;
	uint64_t			 bytes;
	double				 secs;
	int				 ch, fd, whole = 0;

	memset(&st, 0, sizeof st);
	st.mode = FLOOR_REGEX;
	while ((ch = getopt_long(argc, argv, "jmP:p:x", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'j':
			st.mode = FLOOR_JSON;
			break;
		case 'm':
			st.mode = FLOOR_MEMCHR;
			break;
		case 'P':
			preset = floor_preset_find(optarg);
			break;
		case 'p':
			printf("%s\n", floor_preset_find(optarg)->pattern);
			return (0);
		case 'x':
			whole = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	if (st.mode == FLOOR_REGEX && preset == NULL) {
		if (argc != 2)
			usage();
		pattern = argv[0];
		path = argv[1];
	} else {
		if (argc != 1)
			usage();
		path = argv[0];
	}
	if (preset != NULL) {
		pattern = preset->pattern;
		whole = preset->whole;
	}
	if (st.mode == FLOOR_REGEX)
		floor_compile(&st, pattern, whole);

	if ((fd = open(path, O_RDONLY)) == -1)
		err(2, "%s", path);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bytes = floor_run(&st, fd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(fd);

	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (secs <= 0)
		secs = 1e-9;
	switch (st.mode) {
	case FLOOR_MEMCHR:
		modename = "memchr";
		break;
	case FLOOR_JSON:
		modename = "json";
		break;
	default:
		modename = preset != NULL ? preset->name : "regex";
		break;
	}
	printf("floor: mode=%s lines=%" PRIu64 " matched=%" PRIu64
	    " errors=%" PRIu64 " bytes=%" PRIu64 " seconds=%.6f"
	    " lines/s=%.0f MB/s=%.1f\n", modename, st.lines, st.matched,
	    st.errors, bytes, secs, st.lines / secs, bytes / secs / 1e6);

	if (st.mode == FLOOR_REGEX) {
		pcre2_jit_stack_free(st.stack);
		pcre2_match_context_free(st.mctx);
		pcre2_match_data_free(st.md);
		pcre2_code_free(st.code);
	}
	return (st.errors != 0);
}
