/*
 * test_framer: lines become records with their newline; partial lines wait;
 * over-long lines are cut with the terminator; a refused record stops the
 * framer with an exact settled count.
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

static void
test_lines(void **state)
{
	struct framer	*f = framer_create(100, "\n");
	struct sink	 s;
	uint64_t	 tr = 0;
	int		 stopped;

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(framer_feed(f, "a\nbc\n\nd", 7, sink_emit, &s, &tr,
	    &stopped), 6);
	assert_int_equal(stopped, 0);
	assert_int_equal(s.nrec, 3);
	assert_memory_equal(s.out, "a\n|bc\n|\n|", 9);
	assert_int_equal(framer_pending(f), 1);
	/* The partial line completes across feeds. */
	assert_int_equal(framer_feed(f, "ef\r\n", 4, sink_emit, &s, &tr,
	    &stopped), 5);
	assert_int_equal(s.nrec, 4);
	assert_memory_equal(s.out + 9, "def\r\n|", 6);
	assert_int_equal(framer_pending(f), 0);
	assert_int_equal(tr, 0);
	framer_free(f);
}

static void
test_truncate_inside_buffer(void **state)
{
	struct framer	*f = framer_create(8, "\n");
	struct sink	 s;
	uint64_t	 tr = 0;
	int		 stopped;

	(void)state;
	memset(&s, 0, sizeof s);
	/* 12-byte line: cut to 8 with "\n" in the last byte. */
	assert_int_equal(framer_feed(f, "0123456789A\nok\n", 15, sink_emit,
	    &s, &tr, &stopped), 15);
	assert_int_equal(s.nrec, 2);
	assert_memory_equal(s.out, "0123456\n|ok\n|", 13);
	assert_int_equal(tr, 1);
	/* Exactly max_record bytes is not truncated. */
	s.len = 0;
	s.nrec = 0;
	assert_int_equal(framer_feed(f, "1234567\n", 8, sink_emit, &s, &tr,
	    &stopped), 8);
	assert_memory_equal(s.out, "1234567\n|", 9);
	assert_int_equal(tr, 1);
	framer_free(f);
}

static void
test_truncate_across_feeds(void **state)
{
	struct framer	*f = framer_create(8, "<T>");
	struct sink	 s;
	uint64_t	 tr = 0;
	int64_t		 settled = 0;
	int		 stopped, i;

	(void)state;
	memset(&s, 0, sizeof s);
	/* A 1000-byte line fed 10 bytes at a time, then "x\n". */
	for (i = 0; i < 100; i++)
		settled += framer_feed(f, "abcdefghij", 10, sink_emit, &s,
		    &tr, &stopped);
	assert_int_equal(s.nrec, 1);
	assert_memory_equal(s.out, "abcde<T>|", 9);
	assert_int_equal(settled, 0);
	/* Held bytes are counted, but memory is bounded by max_record. */
	assert_int_equal(framer_pending(f), 1000);
	settled += framer_feed(f, "z\nx\n", 4, sink_emit, &s, &tr,
	    &stopped);
	assert_int_equal(settled, 1004);
	assert_int_equal(s.nrec, 2);
	assert_memory_equal(s.out + 9, "x\n|", 3);
	assert_int_equal(tr, 1);
	framer_free(f);
}

static void
test_stop_and_settled(void **state)
{
	struct framer	*f = framer_create(100, "\n");
	struct sink	 s;
	uint64_t	 tr = 0;
	int64_t		 n;
	int		 stopped;

	(void)state;
	memset(&s, 0, sizeof s);
	s.refuse_at = 3;
	n = framer_feed(f, "aa\nbbb\ncccc\ndd\n", 15, sink_emit, &s, &tr,
	    &stopped);
	assert_int_equal(stopped, 1);
	assert_int_equal(n, 7);		/* "aa\n" and "bbb\n" were taken */
	assert_int_equal(s.nrec, 2);
	framer_reset(f);
	s.refuse_at = 0;
	n = framer_feed(f, "cccc\ndd\n", 8, sink_emit, &s, &tr, &stopped);
	assert_int_equal(stopped, 0);
	assert_int_equal(n, 8);
	assert_memory_equal(s.out, "aa\n|bbb\n|cccc\n|dd\n|", 19);
	framer_free(f);
}

static void
test_flush_and_binary(void **state)
{
	struct framer	*f = framer_create(100, "\n");
	struct sink	 s;
	uint64_t	 tr = 0;
	const char	 bin[] = { 'a', '\0', (char)0xff, (char)0xc3, '\n',
	    'n', 'o', 'n', 'l' };
	int		 stopped;

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(framer_feed(f, bin, sizeof bin, sink_emit, &s, &tr,
	    &stopped), 5);
	assert_int_equal(s.nrec, 1);
	assert_int_equal(s.lens[0], 5);
	assert_memory_equal(s.out, bin, 5);
	assert_int_equal(framer_flush(f, sink_emit, &s), 0);
	assert_int_equal(s.nrec, 2);
	assert_memory_equal(s.out + 6, "nonl|", 5);
	assert_int_equal(framer_pending(f), 0);
	framer_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_truncate_inside_buffer),
		cmocka_unit_test(test_truncate_across_feeds),
		cmocka_unit_test(test_stop_and_settled),
		cmocka_unit_test(test_flush_and_binary),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
