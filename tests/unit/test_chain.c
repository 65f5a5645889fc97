/*
 * test_chain: a flow's converter chain (parsers/chain.c) and its buffers
 * (common/buf.h): records appended in place with chain_run_append, a
 * converter that outgrows the room it was lent, drops and failures, a
 * conversion that passes the chain's maximum, and chains of several
 * converters.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "converter.h"

/* A chain option's error: prints it, and fails the test. */
static void
chain_report(void *arg, const char *key, enum conv_at at, const char *msg)
{
	(void)at;
	print_error("chain %s: %s: %s\n", (const char *)arg,
	    key != NULL ? key : "-", msg);
	fail();
}

/* A chain of options, a JSON array of option objects, as a flow adds it. */
static struct chain *
chain_from(const char *options)
{
	json_t			*o;
	json_error_t		 err;
	struct chain		*c;
	struct conv_report	 r;
	size_t			 i;

	o = json_loads(options, 0, &err);
	assert_non_null(o);
	memset(&r, 0, sizeof r);
	r.fn = chain_report;
	r.arg = (void *)options;
	c = chain_new();
	for (i = 0; i < json_array_size(o); i++)
		assert_int_equal(chain_add(c, json_array_get(o, i), &r), 0);
	json_decref(o);
	return (c);
}

static const struct conv_ctx ctx = { "flow", "/var/log/x.log", "host", 0,
				    NULL, NULL };

static void
assert_buf(const struct buf *b, const char *want)
{
	if (b->len != strlen(want) || memcmp(b->data, want, b->len) != 0)
		print_error("got %zu bytes, want %zu: got ends \"%.*s\"\n",
		    b->len, strlen(want), (int)(b->len < 40 ? b->len : 40),
		    b->data + (b->len < 40 ? 0 : b->len - 40));
	assert_int_equal(b->len, strlen(want));
	assert_memory_equal(b->data, want, b->len);
}

/* Records follow what dst held, each written where it stays. */
static void
test_append_in_place(void **state)
{
	struct chain	*c;
	struct buf	 dst = BUF_INIT(CONV_BUF_MAX);

	(void)state;
	c = chain_from("[{\"optionName\":\"ADDBRACKETS\"}]");
	buf_add(&dst, "head|", 5);
	assert_int_equal(chain_run_append(c, "{\"a\":1}\n", 8, &dst, &ctx),
	    CONV_OK);
	assert_int_equal(chain_run_append(c, "{\"b\":2}", 7, &dst, &ctx),
	    CONV_OK);
	assert_buf(&dst, "head|{{\"a\":1}\n}{{\"b\":2}}");
	assert_false(dst.lent);
	buf_free(&dst);
	chain_free(c);
}

/*
 * A record longer than the room chain_run_append makes (twice the input
 * plus 4 KiB): the converter's window moves into a buffer of its own and
 * the record still lands after what dst held, whole.
 */
static void
test_window_outgrown(void **state)
{
	struct chain	*c;
	struct buf	 dst = BUF_INIT(CONV_BUF_MAX);
	char		*opts, *big, *want;
	size_t		 n = 20000;

	(void)state;
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'm', n);
	big[n] = '\0';
	assert_true(asprintf(&opts, "[{\"optionName\":\"ADDMETADATA\","
	    "\"metadata\":{\"k\":\"%s\"}}]", big) > 0);
	assert_true(asprintf(&want,
	    "x{\"metadata\":{\"k\":\"%s\"},\"data\":\"1\"}\n", big) > 0);
	c = chain_from(opts);
	buf_add(&dst, "x", 1);
	assert_int_equal(chain_run_append(c, "1", 1, &dst, &ctx), CONV_OK);
	assert_buf(&dst, want);
	assert_false(dst.lent);
	/* And once more, now that dst has grown. */
	dst.len = 1;
	assert_int_equal(chain_run_append(c, "1", 1, &dst, &ctx), CONV_OK);
	assert_buf(&dst, want);
	buf_free(&dst);
	chain_free(c);
	free(opts);
	free(want);
	free(big);
}

/* A drop leaves dst as it was. */
static void
test_drop(void **state)
{
	struct chain	*c;
	struct buf	 dst = BUF_INIT(CONV_BUF_MAX);

	(void)state;
	c = chain_from("[{\"optionName\":\"REGEXTOJSON\","
	    "\"pattern\":\"^(?<n>\\\\d+)$\",\"onMismatch\":\"DROP\"},"
	    "{\"optionName\":\"ADDBRACKETS\"}]");
	buf_add(&dst, "keep", 4);
	assert_int_equal(chain_run_append(c, "abc\n", 4, &dst, &ctx),
	    CONV_DROP);
	assert_buf(&dst, "keep");
	assert_int_equal(chain_run_append(c, "42\n", 3, &dst, &ctx), CONV_OK);
	assert_buf(&dst, "keep{{\"n\":\"42\"}\n}");
	chain_free(c);
	buf_free(&dst);
}

/*
 * A converter that fails (here REGEXTOJSON out of JIT stack on a 1 MiB
 * line, as in test_regextojson) makes the chain append the raw record, as
 * the agent sends it, and say so (CONV_ERROR, for the caller to count);
 * the converters after it do not run.
 */
static void
test_failure_sends_raw(void **state)
{
	struct chain	*c;
	struct buf	 dst = BUF_INIT(CONV_BUF_MAX);
	size_t		 n = 1024 * 1024;
	char		*line;

	(void)state;
	line = malloc(n + 1);
	assert_non_null(line);
	memset(line, 'x', n);
	line[n] = 'z';
	c = chain_from("[{\"optionName\":\"SINGLELINE\"},"
	    "{\"optionName\":\"REGEXTOJSON\",\"pattern\":\"(?<a>(x|y)*)z\","
	    "\"onMismatch\":\"RAW\"},{\"optionName\":\"ADDBRACKETS\"}]");
	buf_add(&dst, "h", 1);
	assert_int_equal(chain_run_append(c, line, n + 1, &dst, &ctx),
	    CONV_ERROR);
	assert_int_equal(dst.len, 1 + n + 1);
	assert_memory_equal(dst.data, "h", 1);
	assert_memory_equal(dst.data + 1, line, n + 1);
	chain_free(c);
	buf_free(&dst);
	free(line);
}

/* An empty chain appends the record as it is. */
static void
test_empty_chain(void **state)
{
	struct chain	*c;
	struct buf	 dst = BUF_INIT(CONV_BUF_MAX);

	(void)state;
	c = chain_from("[]");
	assert_true(chain_is_empty(c));
	assert_int_equal(chain_run_append(c, "raw\n", 4, &dst, &ctx), CONV_OK);
	assert_buf(&dst, "raw\n");
	assert_int_equal(chain_run_append(c, "raw\n", 4, &dst, &ctx), CONV_OK);
	assert_buf(&dst, "raw\nraw\n");
	chain_free(c);
	buf_free(&dst);
}

/*
 * A record whose conversion passes the chain's maximum is sent raw and
 * reported as failed (CONV_ERROR), whether the converter that passes it
 * writes into the caller's buffer (the last) or into one of the chain's
 * (not the last); the next record converts as usual.
 */
static void
test_max_sends_raw(void **state)
{
	struct chain	*c;
	struct buf	 dst = BUF_INIT(CONV_BUF_MAX);
	char		 line[1001];
	const char	*chains[] = {
		"[{\"optionName\":\"CSVTOJSON\",\"customFieldNames\":"
		    "[\"f\"]}]",
		"[{\"optionName\":\"CSVTOJSON\",\"customFieldNames\":"
		    "[\"f\"]},{\"optionName\":\"ADDBRACKETS\"}]",
	};
	size_t		 i;

	(void)state;
	/* 1000 control characters escape to 6000 bytes: past 4096. */
	memset(line, 1, sizeof line - 1);
	line[sizeof line - 1] = '\n';
	for (i = 0; i < sizeof chains / sizeof chains[0]; i++) {
		c = chain_from(chains[i]);
		chain_set_max(c, 4096);
		buf_add(&dst, "h", 1);
		assert_int_equal(chain_run_append(c, line, sizeof line, &dst,
		    &ctx), CONV_ERROR);
		assert_int_equal(dst.len, 1 + sizeof line);
		assert_memory_equal(dst.data + 1, line, sizeof line);
		assert_false(buf_has_failed(&dst));
		buf_reset(&dst);
		assert_int_equal(chain_run_append(c, "a\n", 2, &dst, &ctx),
		    CONV_OK);
		assert_buf(&dst, i == 0 ? "{\"f\":\"a\"}\n" :
		    "{{\"f\":\"a\"}\n}");
		chain_free(c);
		buf_reset(&dst);
	}
	buf_free(&dst);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_append_in_place),
		cmocka_unit_test(test_window_outgrown),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_failure_sends_raw),
		cmocka_unit_test(test_empty_chain),
		cmocka_unit_test(test_max_sends_raw),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
