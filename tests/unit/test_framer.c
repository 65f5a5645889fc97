/*
 * test_framer: lines become records with their newline; partial lines
 * wait; over-long records are cut with the terminator; multi-line records
 * end at the next start line, at the line cap or after the quiet period;
 * header lines are skipped at offset 0 only; a footer ends the file; and
 * the settled counts are exact: a property test restarts a fresh framer
 * from every consumed offset of randomly split feeds and checks that it
 * makes exactly the records that were still to come.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "framer.h"

struct sink {
	char	 out[1 << 16];
	size_t	 len;
	int	 nrec;
	int	 refuse_at;	/* refuse the record with this index (1-based) */
	size_t	 lens[64];
};

static int
sink_emit(void *arg, const char *rec, size_t len)
{
	struct sink	*s = arg;

	if (s->refuse_at != 0 && s->nrec + 1 == s->refuse_at)
		return (-1);
	assert_true(s->len + len + 1 <= sizeof s->out);
	memcpy(s->out + s->len, rec, len);
	s->len += len;
	s->out[s->len++] = '|';		/* record boundary marker */
	if (s->nrec < 64)
		s->lens[s->nrec] = len;
	s->nrec++;
	return (0);
}

/* A framer for params; it holds the only reference on its conf. */
static struct framer *
mkp(const struct framer_params *fp, int at_start)
{
	struct framer_conf	*c;
	struct framer		*f;
	char			*cause = NULL;

	c = framer_conf_create(fp, &cause);
	assert_non_null(c);
	assert_null(cause);
	f = framer_create(c, at_start, NULL);
	framer_conf_free(c);
	return (f);
}

static struct framer *
mk(size_t max_record, const char *term, const char *start, uint64_t lines,
    uint64_t skip, const char *footer, int at_start)
{
	struct framer_params	 fp;

	memset(&fp, 0, sizeof fp);
	fp.max_record = max_record;
	fp.terminator = term;
	fp.start_pattern = start;
	fp.flush_ms = FRAMER_DEFAULT_FLUSH_MS;
	fp.max_lines = lines;
	fp.skip_header = skip;
	fp.footer_pattern = footer;
	return (mkp(&fp, at_start));
}

static struct framer *
mk_lines(size_t max_record, const char *term)
{
	return (mk(max_record, term, NULL, 0, 0, NULL, 1));
}

static int64_t
feed(struct framer *f, const char *s, size_t len, uint64_t now,
    struct sink *sk)
{
	int64_t	n;
	int	stopped;

	n = framer_feed(f, s, len, now, sink_emit, sk, &stopped);
	assert_int_equal(stopped, 0);
	return (n);
}

#define FEED(f, str, now, sk)	feed((f), (str), sizeof (str) - 1, (now), (sk))

static void
test_lines(void **state)
{
	struct framer	*f = mk_lines(100, "\n");
	struct sink	 s;

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(FEED(f, "a\nbc\n\nd", 0, &s), 6);
	assert_int_equal(s.nrec, 3);
	assert_memory_equal(s.out, "a\n|bc\n|\n|", 9);
	assert_int_equal(framer_pending(f), 1);
	assert_int_equal(framer_deadline(f), 0);
	/* The partial line completes across feeds; CR is a plain byte. */
	assert_int_equal(FEED(f, "ef\r\n", 0, &s), 5);
	assert_int_equal(s.nrec, 4);
	assert_memory_equal(s.out + 9, "def\r\n|", 6);
	assert_int_equal(framer_pending(f), 0);
	assert_int_equal(framer_stats(f)->records, 4);
	assert_int_equal(framer_stats(f)->truncated, 0);
	framer_free(f);
}

static void
test_truncate_inside_buffer(void **state)
{
	struct framer	*f = mk_lines(8, "\n");
	struct sink	 s;

	(void)state;
	memset(&s, 0, sizeof s);
	/* 12-byte line: cut to 8 with "\n" in the last byte. */
	assert_int_equal(FEED(f, "0123456789A\nok\n", 0, &s), 15);
	assert_int_equal(s.nrec, 2);
	assert_memory_equal(s.out, "0123456\n|ok\n|", 13);
	assert_int_equal(framer_stats(f)->truncated, 1);
	/* 12 input bytes, 7 of them sent. */
	assert_int_equal(framer_stats(f)->discarded_bytes, 5);
	/* Exactly max_record bytes is not truncated. */
	s.len = 0;
	s.nrec = 0;
	assert_int_equal(FEED(f, "1234567\n", 0, &s), 8);
	assert_memory_equal(s.out, "1234567\n|", 9);
	assert_int_equal(framer_stats(f)->truncated, 1);
	framer_free(f);
}

static void
test_truncate_across_feeds(void **state)
{
	struct framer	*f = mk_lines(8, "<T>");
	struct sink	 s;
	int64_t		 settled = 0;
	int		 i;

	(void)state;
	memset(&s, 0, sizeof s);
	/* A 1000-byte line fed 10 bytes at a time, then "x\n". */
	for (i = 0; i < 100; i++)
		settled += FEED(f, "abcdefghij", 0, &s);
	assert_int_equal(s.nrec, 1);
	assert_memory_equal(s.out, "abcde<T>|", 9);
	assert_int_equal(settled, 0);
	/* Held bytes are counted, but memory is bounded by max_record. */
	assert_int_equal(framer_pending(f), 1000);
	settled += FEED(f, "z\nx\n", 0, &s);
	assert_int_equal(settled, 1004);
	assert_int_equal(s.nrec, 2);
	assert_memory_equal(s.out + 9, "x\n|", 3);
	assert_int_equal(framer_stats(f)->truncated, 1);
	assert_int_equal(framer_stats(f)->records, 2);
	framer_free(f);
}

/*
 * Runaway mode (a flow with converters): a record longer than max_record
 * is cut there with no terminator, the rest discarded, and counted as a
 * runaway, not as truncated; within one feed and across feeds.
 */
static void
test_runaway(void **state)
{
	struct framer_params	 fp;
	struct framer		*f;
	struct sink		 s;
	int			 i;

	(void)state;
	memset(&fp, 0, sizeof fp);
	fp.max_record = 8;
	fp.terminator = "<T>";		/* not written in runaway mode */
	fp.runaway = 1;
	f = mkp(&fp, 1);
	memset(&s, 0, sizeof s);
	assert_int_equal(FEED(f, "0123456789A\nok\n", 0, &s), 15);
	assert_int_equal(s.nrec, 2);
	assert_memory_equal(s.out, "01234567|ok\n|", 13);
	for (i = 0; i < 100; i++)
		FEED(f, "abcdefghij", 0, &s);
	FEED(f, "z\n12345678\n", 0, &s);
	/* "12345678\n" is 9 bytes: a runaway too. */
	assert_int_equal(s.nrec, 4);
	assert_memory_equal(s.out + 13, "abcdefgh|12345678|", 18);
	/* Exactly max_record bytes, newline included, is whole. */
	FEED(f, "1234567\n", 0, &s);
	assert_int_equal(s.nrec, 5);
	assert_memory_equal(s.out + 31, "1234567\n|", 9);
	assert_int_equal(s.len, 40);
	assert_int_equal(framer_stats(f)->runaway, 3);
	assert_int_equal(framer_stats(f)->truncated, 0);
	assert_int_equal(framer_stats(f)->records, 5);
	framer_free(f);
}

static void
test_stop_and_settled(void **state)
{
	struct framer	*f = mk_lines(100, "\n");
	struct sink	 s;
	int64_t		 n;
	int		 stopped;

	(void)state;
	memset(&s, 0, sizeof s);
	s.refuse_at = 3;
	n = framer_feed(f, "aa\nbbb\ncccc\ndd\n", 15, 0, sink_emit, &s,
	    &stopped);
	assert_int_equal(stopped, 1);
	assert_int_equal(n, 7);		/* "aa\n" and "bbb\n" were taken */
	assert_int_equal(s.nrec, 2);
	framer_reset(f, 0);
	s.refuse_at = 0;
	assert_int_equal(FEED(f, "cccc\ndd\n", 0, &s), 8);
	assert_memory_equal(s.out, "aa\n|bbb\n|cccc\n|dd\n|", 19);
	framer_free(f);
}

static void
test_flush_and_binary(void **state)
{
	struct framer	*f = mk_lines(100, "\n");
	struct sink	 s;
	const char	 bin[] = { 'a', '\0', (char)0xff, (char)0xc3, '\n',
	    'n', 'o', '\0', (char)0xfe };

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(feed(f, bin, sizeof bin, 0, &s), 5);
	assert_int_equal(s.nrec, 1);
	assert_int_equal(s.lens[0], 5);
	assert_memory_equal(s.out, bin, 5);
	/* No final newline: the last line goes out as it is at the end. */
	assert_int_equal(framer_flush(f, sink_emit, &s), 4);
	assert_int_equal(s.nrec, 2);
	assert_int_equal(s.lens[1], 4);
	assert_memory_equal(s.out + 6, bin + 5, 4);
	assert_int_equal(framer_pending(f), 0);
	/* Nothing held: flushing again does nothing. */
	assert_int_equal(framer_flush(f, sink_emit, &s), 0);
	assert_int_equal(s.nrec, 2);
	framer_free(f);
}

static void
test_crlf_no_final_newline(void **state)
{
	struct framer	*f = mk_lines(100, "\n");
	struct sink	 s;

	(void)state;
	memset(&s, 0, sizeof s);
	/* A lone CR does not end a line; CRLF keeps its CR. */
	assert_int_equal(FEED(f, "a\r\nb\rc\r\nlast\r", 0, &s), 8);
	assert_memory_equal(s.out, "a\r\n|b\rc\r\n|", 10);
	assert_int_equal(framer_pending(f), 5);
	assert_int_equal(framer_flush(f, sink_emit, &s), 5);
	assert_memory_equal(s.out + 10, "last\r|", 6);
	framer_free(f);
}

#define DATE	"\\d{4}-\\d\\d-\\d\\d "

static void
test_multiline(void **state)
{
	struct framer	*f = mk(1000, "\n", DATE, 500, 0, NULL, 1);
	struct sink	 s;

	(void)state;
	memset(&s, 0, sizeof s);
	/*
	 * Leading lines before any start line are a record of their own;
	 * a record runs until the next start line.
	 */
	assert_int_equal(FEED(f, "x1\nx2\n2024-01-01 a\n at b\n", 10, &s),
	    6);
	assert_int_equal(s.nrec, 1);
	assert_memory_equal(s.out, "x1\nx2\n|", 7);
	/* Ending on "\n" does not end the record (unlike the agent). */
	assert_int_equal(framer_pending(f), 19);
	assert_int_equal(framer_deadline(f), 1010);
	/* A start line ends the record only once it is whole. */
	assert_int_equal(FEED(f, " at c\n2024-01-02 d", 20, &s), 0);
	assert_int_equal(s.nrec, 1);
	assert_int_equal(framer_deadline(f), 1020);
	assert_int_equal(FEED(f, "\n\tmore\n", 30, &s), 25);
	assert_int_equal(s.nrec, 2);
	assert_memory_equal(s.out + 7, "2024-01-01 a\n at b\n at c\n|", 26);
	assert_int_equal(framer_deadline(f), 1030);
	assert_int_equal(framer_flush(f, sink_emit, &s), 19);
	assert_int_equal(s.nrec, 3);
	assert_memory_equal(s.out + 33, "2024-01-02 d\n\tmore\n|", 20);
	assert_int_equal(framer_pending(f), 0);
	assert_int_equal(framer_deadline(f), 0);
	framer_free(f);
}

static void
test_multiline_expire(void **state)
{
	struct framer	*f = mk(1000, "\n", DATE, 500, 0, NULL, 1);
	struct sink	 s;

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(FEED(f, "2024-01-01 a\n b\n", 5000, &s), 0);
	assert_int_equal(framer_deadline(f), 6000);
	/* More bytes, even of a partial line, push the deadline. */
	assert_int_equal(FEED(f, " c", 5500, &s), 0);
	assert_int_equal(framer_deadline(f), 6500);
	assert_int_equal(framer_expire(f, 6499, sink_emit, &s), 0);
	assert_int_equal(s.nrec, 0);
	/* Due: the complete lines go; the partial line stays held. */
	assert_int_equal(framer_expire(f, 6500, sink_emit, &s), 16);
	assert_int_equal(s.nrec, 1);
	assert_memory_equal(s.out, "2024-01-01 a\n b\n|", 17);
	assert_int_equal(framer_pending(f), 2);
	assert_int_equal(framer_deadline(f), 0);
	assert_int_equal(framer_expire(f, 9999, sink_emit, &s), 0);
	/* A late continuation starts a record of its own. */
	assert_int_equal(FEED(f, "\n d\n2024-01-02 e\n", 7000, &s), 6);
	assert_int_equal(s.nrec, 2);
	assert_memory_equal(s.out + 17, " c\n d\n|", 7);
	/* A refused expiry changes nothing and can be repeated. */
	s.refuse_at = 3;
	assert_int_equal(framer_expire(f, 8000, sink_emit, &s), -1);
	assert_int_equal(framer_deadline(f), 8000);
	s.refuse_at = 0;
	assert_int_equal(framer_expire(f, 8000, sink_emit, &s), 13);
	assert_memory_equal(s.out + 24, "2024-01-02 e\n|", 14);
	framer_free(f);
}

static void
test_multiline_invalid_utf8(void **state)
{
	struct framer	*f = mk(100, "\n", "\\uFFFD|\\d", 500, 0, "\\uFFFD+",
	    1);
	struct sink	 s;

	(void)state;
	memset(&s, 0, sizeof s);
	/*
	 * The agent matches the line decoded into a String, where a
	 * malformed byte is U+FFFD; the record keeps the original bytes.
	 */
	assert_int_equal(FEED(f, "1a\n\xff" "b\n c\n2\n", 0, &s), 9);
	assert_int_equal(s.nrec, 2);
	assert_memory_equal(s.out, "1a\n|\xff" "b\n c\n|", 11);
	/* A footer made only of malformed bytes, trimmed. */
	assert_int_equal(FEED(f, " \xc3\xfe\x80\r\n3\n", 0, &s), 2);
	assert_true(framer_is_finished(f));
	assert_memory_equal(s.out + 11, "2\n|", 3);
	framer_free(f);
}

static void
test_multiline_no_timeout(void **state)
{
	struct framer_params	 fp;
	struct framer		*f;
	struct sink		 s;

	(void)state;
	memset(&s, 0, sizeof s);
	memset(&fp, 0, sizeof fp);
	fp.max_record = 100;
	fp.start_pattern = "[A-Z]";
	fp.flush_ms = 0;
	f = mkp(&fp, 0);
	assert_int_equal(FEED(f, "A\nb\n", 1, &s), 0);
	assert_int_equal(framer_deadline(f), 0);
	assert_int_equal(framer_expire(f, UINT64_MAX, sink_emit, &s), 0);
	assert_int_equal(s.nrec, 0);
	/* max_lines 0: no cap on lines. */
	assert_int_equal(FEED(f, "c\nd\ne\nF\n", 2, &s), 10);
	assert_memory_equal(s.out, "A\nb\nc\nd\ne\n|", 11);
	framer_free(f);
}

static void
test_multiline_max_lines(void **state)
{
	struct framer	*f = mk(1000, "\n", "S", 3, 0, NULL, 1);
	struct sink	 s;

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(FEED(f, "S1\na\nb\nc\nd\nS2\ne\n", 0, &s), 11);
	/* Three lines make a record; the next line begins a new one. */
	assert_int_equal(s.nrec, 2);
	assert_memory_equal(s.out, "S1\na\nb\n|c\nd\n|", 14);
	assert_int_equal(framer_flush(f, sink_emit, &s), 5);
	assert_memory_equal(s.out + 13, "S2\ne\n|", 6);
	framer_free(f);
}

static void
test_multiline_truncate(void **state)
{
	struct framer	*f = mk(10, "<T>", "S", 500, 0, NULL, 1);
	struct sink	 s;
	int64_t		 settled;

	(void)state;
	memset(&s, 0, sizeof s);
	/* 4 + 4 + 4 bytes: over 10, cut and sent as soon as it overflows. */
	settled = FEED(f, "S12\nabc\ndef\nghi\n", 0, &s);
	assert_int_equal(settled, 0);
	assert_int_equal(s.nrec, 1);
	assert_memory_equal(s.out, "S12\nabc<T>|", 11);
	assert_int_equal(framer_stats(f)->truncated, 1);
	/* The rest of the record is discarded up to the next start line. */
	settled = FEED(f, "jkl\nS2\n", 0, &s);
	assert_int_equal(settled, 20);
	assert_int_equal(s.nrec, 1);
	assert_int_equal(framer_stats(f)->discarded_bytes, 20 - 7);
	assert_int_equal(framer_flush(f, sink_emit, &s), 3);
	assert_memory_equal(s.out + 11, "S2\n|", 4);
	/* A long start line: decided on its first max_record bytes. */
	settled = FEED(f, "S0123456789abcdef", 0, &s);
	assert_int_equal(s.nrec, 3);
	assert_memory_equal(s.out + 15, "S012345<T>|", 11);
	assert_int_equal(framer_deadline(f), 0);
	settled += FEED(f, "gh\nmore\nS3\n", 0, &s);
	assert_int_equal(settled, 25);
	assert_int_equal(framer_stats(f)->truncated, 2);
	assert_int_equal(framer_stats(f)->records, 3);
	framer_free(f);
}

/*
 * One conf (the patterns compiled once) serves the framers of every file
 * of a flow: each keeps its own record and shares the counters it is
 * given, and the conf lives until its last framer is freed.
 */
static void
test_shared_conf(void **state)
{
	struct framer_params	 fp;
	struct framer_conf	*c;
	struct framer_stats	 st;
	struct framer		*f, *g;
	struct sink		 a, b;
	char			*cause = NULL;

	(void)state;
	memset(&fp, 0, sizeof fp);
	fp.max_record = 100;
	fp.start_pattern = "[A-Z]";
	fp.footer_pattern = "END";
	c = framer_conf_create(&fp, &cause);
	assert_non_null(c);
	memset(&st, 0, sizeof st);
	f = framer_create(c, 1, &st);
	g = framer_create(c, 1, &st);
	framer_conf_free(c);		/* the framers keep it */
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	assert_int_equal(FEED(f, "A\nb\n", 0, &a), 0);
	assert_int_equal(FEED(g, "C\nd\nE\n", 0, &b), 4);
	assert_int_equal(FEED(f, "F\n", 0, &a), 4);
	assert_memory_equal(a.out, "A\nb\n|", 5);
	assert_memory_equal(b.out, "C\nd\n|", 5);
	assert_int_equal(FEED(g, "END\n", 0, &b), 2);
	assert_true(framer_is_finished(g));
	assert_false(framer_is_finished(f));
	assert_memory_equal(b.out, "C\nd\n|E\n|", 8);
	assert_int_equal(st.records, 3);
	assert_int_equal(st.footers, 1);
	framer_free(g);
	assert_int_equal(FEED(f, "G\n", 0, &a), 2);
	assert_memory_equal(a.out + 5, "F\n|", 3);
	framer_free(f);
}

static void
test_header(void **state)
{
	struct framer	*f, *g;
	struct sink	 s;

	(void)state;
	memset(&s, 0, sizeof s);
	/* At offset 0: two lines skipped, settled only once both are seen. */
	f = mk(100, "\n", NULL, 0, 2, NULL, 1);
	assert_int_equal(FEED(f, "h1\nh", 0, &s), 0);
	assert_int_equal(FEED(f, "2\r\nrow\n", 0, &s), 11);
	assert_int_equal(s.nrec, 1);
	assert_memory_equal(s.out, "row\n|", 5);
	assert_int_equal(framer_stats(f)->header_lines, 2);
	/* Not at offset 0 (a checkpoint): nothing is skipped. */
	g = mk(100, "\n", NULL, 0, 2, NULL, 0);
	assert_int_equal(FEED(g, "a\nb\n", 0, &s), 4);
	assert_int_equal(s.nrec, 3);
	assert_int_equal(framer_stats(g)->header_lines, 0);
	/* A reset at the start (truncated file) skips them again. */
	framer_reset(g, 1);
	assert_int_equal(FEED(g, "h\nh\nc\n", 0, &s), 6);
	assert_int_equal(s.nrec, 4);
	assert_memory_equal(s.out + 5, "a\n|b\n|c\n|", 9);
	/* A file that is all header, without a final newline. */
	framer_reset(g, 1);
	assert_int_equal(FEED(g, "h\nh", 0, &s), 0);
	assert_int_equal(framer_flush(g, sink_emit, &s), 3);
	assert_int_equal(s.nrec, 4);
	assert_int_equal(framer_stats(g)->header_lines, 4);
	framer_free(g);
	framer_free(f);
}

static void
test_footer(void **state)
{
	struct framer	*f;
	struct sink	 s;

	(void)state;
	memset(&s, 0, sizeof s);
	f = mk(100, "\n", NULL, 0, 0, "END \\d+", 1);
	/* Not a footer: matches() needs the whole (trimmed) line. */
	assert_int_equal(FEED(f, "a\nEND 1x\n", 0, &s), 9);
	assert_int_equal(s.nrec, 2);
	/* Trimmed like String.trim(): spaces, tabs, CR, NUL. */
	assert_int_equal(FEED(f, "b\n \tEND 42\r\nc\nd", 0, &s), 2);
	assert_int_equal(s.nrec, 3);
	assert_true(framer_is_finished(f));
	assert_int_equal(framer_stats(f)->footers, 1);
	/* The rest is ignored, counted, and never settled. */
	assert_int_equal(FEED(f, "e\n", 0, &s), 0);
	assert_int_equal(framer_flush(f, sink_emit, &s), 0);
	assert_int_equal(s.nrec, 3);
	assert_int_equal(framer_stats(f)->discarded_bytes, 5);
	assert_int_equal(framer_pending(f), 15);
	assert_memory_equal(s.out, "a\n|END 1x\n|b\n|", 14);
	/* A new file (truncation) is read again. */
	framer_reset(f, 1);
	assert_false(framer_is_finished(f));
	assert_int_equal(FEED(f, "f\n", 0, &s), 2);
	assert_int_equal(s.nrec, 4);
	framer_free(f);

	/* Multi-line: the pending record is completed first. */
	memset(&s, 0, sizeof s);
	f = mk(100, "\n", "S", 500, 0, "-- end --", 1);
	assert_int_equal(FEED(f, "S1\n a\n-- end --\nS2\n", 0, &s), 6);
	assert_int_equal(s.nrec, 1);
	assert_memory_equal(s.out, "S1\n a\n|", 7);
	assert_int_equal(framer_deadline(f), 0);
	framer_free(f);
}

static void
test_bad_pattern(void **state)
{
	struct framer_params	 fp;
	char			*cause = NULL;

	(void)state;
	memset(&fp, 0, sizeof fp);
	fp.max_record = 100;
	fp.start_pattern = "([a-z";
	assert_null(framer_conf_create(&fp, &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "multiLineStartPattern"));
	free(cause);
	cause = NULL;
	fp.start_pattern = NULL;
	fp.footer_pattern = "*";
	assert_null(framer_conf_create(&fp, &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "fileFooterPattern"));
	free(cause);
}

/*
 * Property test.  A list of records, kept as lengths into one buffer.
 */
struct recs {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	*ends;
	size_t	 n;
	size_t	 ncap;
	int	 refuse_pct;	/* refuse this share of records */
	uint64_t *rng;
};

static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (*x);
}

static int
recs_emit(void *arg, const char *rec, size_t len)
{
	struct recs	*r = arg;

	if (r->refuse_pct != 0 && (int)(rnd(r->rng) % 100) < r->refuse_pct)
		return (-1);
	if (r->len + len > r->cap) {
		r->cap = (r->len + len) * 2;
		r->data = realloc(r->data, r->cap);
		assert_non_null(r->data);
	}
	memcpy(r->data + r->len, rec, len);
	r->len += len;
	if (r->n == r->ncap) {
		r->ncap = r->ncap * 2 + 16;
		r->ends = realloc(r->ends, r->ncap * sizeof *r->ends);
		assert_non_null(r->ends);
	}
	r->ends[r->n++] = r->len;
	return (0);
}

static size_t
recs_start(const struct recs *r, size_t i)
{
	return (i == 0 ? 0 : r->ends[i - 1]);
}

/* 1 if a[ai..] equals b[bi..] record for record. */
static int
recs_tail_equal(const struct recs *a, size_t ai, const struct recs *b,
    size_t bi)
{
	size_t	alen, blen;

	if (a->n - ai != b->n - bi)
		return (0);
	alen = a->len - recs_start(a, ai);
	blen = b->len - recs_start(b, bi);
	if (alen != blen || (alen > 0 && memcmp(a->data + recs_start(a, ai),
	    b->data + recs_start(b, bi), alen) != 0))
		return (0);
	for (; ai < a->n; ai++, bi++)
		if (a->ends[ai] - recs_start(a, ai) !=
		    b->ends[bi] - recs_start(b, bi))
			return (0);
	return (1);
}

static void
recs_free(struct recs *r)
{
	free(r->data);
	free(r->ends);
}

/* Random input: start lines, continuations, long lines, CRLF, binary. */
static size_t
gen_input(uint64_t *x, char *buf, size_t cap)
{
	size_t	len = 0, n, i;
	int	lines = rnd(x) % 40, kind;

	while (lines-- > 0 && len + 200 < cap) {
		kind = rnd(x) % 9;
		switch (kind) {
		case 0:
		case 1:
			len += snprintf(buf + len, cap - len, "2024-01-0%d %s",
			    (int)(rnd(x) % 9) + 1, "ev");
			break;
		case 2:
			len += snprintf(buf + len, cap - len, "  at x.y");
			break;
		case 3:
			break;		/* empty line */
		case 4:
			len += snprintf(buf + len, cap - len, "crlf\r");
			break;
		case 5:
			n = rnd(x) % 120;
			for (i = 0; i < n; i++)
				buf[len++] = 'a' + (rnd(x) % 26);
			break;
		case 6:
			n = rnd(x) % 20;
			for (i = 0; i < n; i++) {
				buf[len] = (char)(rnd(x) % 256);
				if (buf[len] != '\n')
					len++;
			}
			break;
		case 7:
			len += snprintf(buf + len, cap - len, " END ");
			break;
		default:
			len += snprintf(buf + len, cap - len, "2024-01-01 %s",
			    "long-long-long-long-long-long-long-long-long");
			break;
		}
		buf[len++] = '\n';
	}
	/* Sometimes no final newline. */
	if (len > 0 && rnd(x) % 3 == 0)
		len--;
	return (len);
}

static void
gen_params(uint64_t *x, struct framer_params *fp)
{
	static const char *const terms[] = { "\n", "<T>", "" };
	static const uint64_t lines[] = { 0, 1, 2, 3, 500 };

	memset(fp, 0, sizeof *fp);
	fp->max_record = 4 + rnd(x) % 80;
	fp->terminator = terms[rnd(x) % 3];
	if (rnd(x) % 2)
		fp->start_pattern = rnd(x) % 2 ? "\\d{4}-" : "[^ ]";
	fp->max_lines = lines[rnd(x) % 5];
	fp->skip_header = rnd(x) % 3 == 0 ? rnd(x) % 4 : 0;
	if (rnd(x) % 3 == 0)
		fp->footer_pattern = "END";
	fp->flush_ms = 1000;
}

/* Runs input[from..) through a fresh framer in one feed and a flush. */
static void
run_whole(const struct framer_params *base, const char *in, size_t len,
    size_t from, struct recs *out)
{
	struct framer		*f;
	int			 stopped;

	f = mkp(base, from == 0);
	framer_feed(f, in + from, len - from, 0, recs_emit, out, &stopped);
	assert_int_equal(stopped, 0);
	assert_true(framer_flush(f, recs_emit, out) >= 0);
	framer_free(f);
}

static void
test_property_restart(void **state)
{
	struct framer_params	 fp;
	struct framer		*f;
	struct recs		 whole, split, again;
	char			 in[8192];
	uint64_t		 x = 0x9e3779b97f4a7c15ULL, x2;
	size_t			 len, off, consumed, n, k;
	int64_t			 settled;
	int			 iter, stopped;

	(void)state;
	for (iter = 0; iter < 3000; iter++) {
		len = gen_input(&x, in, sizeof in);
		gen_params(&x, &fp);
		memset(&whole, 0, sizeof whole);
		run_whole(&fp, in, len, 0, &whole);

		/* The same input in random pieces, with random refusals. */
		memset(&split, 0, sizeof split);
		x2 = x | 1;
		split.rng = &x2;
		split.refuse_pct = iter % 2 ? 10 : 0;
		f = mkp(&fp, 1);
		consumed = off = 0;
		while (off < len) {
			n = 1 + rnd(&x) % (iter % 3 == 0 ? 4 : 200);
			if (n > len - off)
				n = len - off;
			settled = framer_feed(f, in + off, n, 0, recs_emit,
			    &split, &stopped);
			assert_true(settled >= 0);
			consumed += settled;
			assert_true(consumed <= off + n);
			if (stopped) {
				framer_reset(f, consumed == 0);
				off = consumed;
				continue;
			}
			off += n;
			assert_int_equal(consumed + framer_pending(f), off);
			/*
			 * Restarting here makes the records still to come,
			 * or one more: a truncated record already sent.
			 */
			memset(&again, 0, sizeof again);
			run_whole(&fp, in, len, consumed, &again);
			assert_true(again.n <= whole.n);
			k = whole.n - again.n;
			assert_true(recs_tail_equal(&whole, k, &again, 0));
			assert_true(k == split.n || k + 1 == split.n);
			recs_free(&again);
		}
		split.refuse_pct = 0;
		assert_true(framer_flush(f, recs_emit, &split) >= 0);
		/* Refused records came again; none was lost or doubled. */
		assert_true(recs_tail_equal(&whole, 0, &split, 0));
		for (k = 0; k < whole.n; k++)
			assert_true(whole.ends[k] - recs_start(&whole, k) <=
			    fp.max_record);
		framer_free(f);
		recs_free(&whole);
		recs_free(&split);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_truncate_inside_buffer),
		cmocka_unit_test(test_truncate_across_feeds),
		cmocka_unit_test(test_runaway),
		cmocka_unit_test(test_stop_and_settled),
		cmocka_unit_test(test_flush_and_binary),
		cmocka_unit_test(test_crlf_no_final_newline),
		cmocka_unit_test(test_multiline),
		cmocka_unit_test(test_multiline_expire),
		cmocka_unit_test(test_multiline_invalid_utf8),
		cmocka_unit_test(test_multiline_no_timeout),
		cmocka_unit_test(test_multiline_max_lines),
		cmocka_unit_test(test_multiline_truncate),
		cmocka_unit_test(test_shared_conf),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_footer),
		cmocka_unit_test(test_bad_pattern),
		cmocka_unit_test(test_property_restart),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
