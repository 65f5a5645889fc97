/*
 * conv_test: what the converter tests share.  They drive a converter
 * through its ops as a flow's chain does: create an instance from an option
 * mapping (written here as JSON text), then convert one record after
 * another into the same output buffer.  These helpers create an instance,
 * expect creation to fail on a given key, and convert a record and compare
 * the result and the bytes with what is wanted; on a mismatch they print
 * the record, what came out and what was wanted.
 *
 * A test of one converter defines CONV_TEST_OPS (its struct converter_ops)
 * and CONV_TEST_CTX (the struct conv_ctx its records come with) before it
 * includes this file, and gets the short forms make(), make_fails(),
 * check() and check_len() at the end, which name neither.
 *
 * Creating goes through conv_opts_create, the walker that checks the
 * option object against the converter's key table, then create, as a
 * flow's chain_add does.
 *
 * Only test programs include this.  Everything is static and marked unused
 * so that a program that does not use a helper is not warned about it (not
 * static inline: gcc's -Winline would warn of each it does not inline).  A
 * test group that converts through here passes conv_test_teardown() as its
 * group teardown, which frees the output buffer.
 */
#ifndef CONV_TEST_H
#define CONV_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "converter.h"

/* How much of a record or an output a mismatch prints. */
#define CONV_TEST_SHOW	400

/*
 * The buffer every conversion here writes into, kept from one record to
 * the next as the chain keeps its own: a converter must set its length.
 */
static struct buf	conv_test_out = BUF_INIT(CONV_BUF_MAX);

/* The name of a conversion result, for messages. */
static __attribute__((__unused__)) const char *
conv_test_result_name(enum conv_result r)
{
	switch (r) {
	case CONV_OK:
		return ("CONV_OK");
	case CONV_DROP:
		return ("CONV_DROP");
	case CONV_ERROR:
		return ("CONV_ERROR");
	}
	return ("?");
}

/* The printf precision that prints at most CONV_TEST_SHOW of len bytes. */
static __attribute__((__unused__)) int
conv_test_show(size_t len)
{
	return ((int)(len > CONV_TEST_SHOW ? CONV_TEST_SHOW : len));
}

/* What a failed create reported: every error, and the first one's key. */
struct conv_test_errors {
	char	*msgs;		/* one per line */
	char	*first_key;	/* "(none)" for the option as a whole */
	char	*first;		/* the first error */
	size_t	 n;
};

static __attribute__((__unused__)) void
conv_test_collect(void *arg, const char *key, enum conv_at at,
    const char *msg)
{
	struct conv_test_errors	*e = arg;
	size_t			 old = e->msgs != NULL ? strlen(e->msgs) : 0;

	(void)at;
	e->msgs = realloc(e->msgs, old + strlen(msg) + 2);
	assert_non_null(e->msgs);
	memcpy(e->msgs + old, msg, strlen(msg));
	memcpy(e->msgs + old + strlen(msg), "\n", 2);
	if (e->n++ == 0) {
		e->first_key = strdup(key != NULL ? key : "(none)");
		e->first = strdup(msg);
		assert_non_null(e->first_key);
		assert_non_null(e->first);
	}
}

static __attribute__((__unused__)) void
conv_test_errors_free(struct conv_test_errors *e)
{
	free(e->msgs);
	free(e->first_key);
	free(e->first);
	memset(e, 0, sizeof *e);
}

/*
 * Creates an instance of ops from opts (a JSON object) as a flow does:
 * the walker checks and fills the options struct, then create.  Returns
 * NULL with what was reported in *e.
 */
static __attribute__((__unused__)) void *
conv_test_create(const struct converter_ops *ops, const char *opts,
    struct conv_test_errors *e)
{
	json_error_t		 error;
	json_t			*j;
	struct conv_report	 r;
	void			*inst;

	memset(e, 0, sizeof *e);
	memset(&r, 0, sizeof r);
	r.fn = conv_test_collect;
	r.arg = e;
	if ((j = json_loads(opts, 0, &error)) == NULL)
		fail_msg("%s: options %s: %s", ops->name, opts, error.text);
	inst = conv_opts_create(ops, j, &r);
	json_decref(j);
	if ((inst == NULL) != (r.n != 0))
		fail_msg("%s: create %s: returned %p after %zu errors",
		    ops->name, opts, inst, r.n);
	return (inst);
}

/*
 * Creates an instance of ops from opts, a JSON object, and returns it; the
 * caller frees it with ops->free.  Fails the test if create fails.
 */
static __attribute__((__unused__)) void *
conv_test_make(const struct converter_ops *ops, const char *opts)
{
	struct conv_test_errors	 e;
	void			*inst;

	if ((inst = conv_test_create(ops, opts, &e)) == NULL) {
		print_error("%s: create %s:\n%s", ops->name, opts, e.msgs);
		conv_test_errors_free(&e);
		fail();
	}
	return (inst);
}

/*
 * Expects creating from opts to fail, the first error reported for badkey
 * (NULL: the option as a whole) and holding what (NULL: any message).
 */
static __attribute__((__unused__)) void
conv_test_make_fails(const struct converter_ops *ops, const char *opts,
    const char *badkey, const char *what)
{
	struct conv_test_errors	 e;
	void			*inst;

	if ((inst = conv_test_create(ops, opts, &e)) != NULL) {
		ops->free(inst);
		fail_msg("%s: create %s did not fail", ops->name, opts);
	}
	if (strcmp(e.first_key, badkey != NULL ? badkey : "(none)") != 0) {
		print_error("%s: create %s: blames key %s, want %s:\n%s",
		    ops->name, opts, e.first_key,
		    badkey != NULL ? badkey : "(none)", e.msgs);
		conv_test_errors_free(&e);
		fail();
	}
	if (what != NULL && strstr(e.first, what) == NULL) {
		print_error("%s: create %s: first error lacks \"%s\":\n%s",
		    ops->name, opts, what, e.msgs);
		conv_test_errors_free(&e);
		fail();
	}
	conv_test_errors_free(&e);
}

/*
 * Converts in[0..len) with cctx and expects want; with CONV_OK the output
 * must also be wantout[0..wantlen) to the byte.  Returns 0 if so, else
 * prints what differs and returns -1, for the caller to fail with what it
 * knows of the case.
 */
static __attribute__((__unused__)) int
conv_test_convert(const struct converter_ops *ops, void *inst,
    const struct conv_ctx *cctx, const char *in, size_t len,
    enum conv_result want, const char *wantout, size_t wantlen)
{
	struct buf		*out = &conv_test_out;
	enum conv_result	 r;

	r = ops->convert(inst, in, len, out, cctx);
	if (r != want) {
		print_error("%s: in [%.*s] (%zu)\ngot %s, want %s\n",
		    ops->name, conv_test_show(len), in, len,
		    conv_test_result_name(r), conv_test_result_name(want));
		return (-1);
	}
	if (want != CONV_OK)
		return (0);
	if (out->len != wantlen || (wantlen > 0 &&
	    memcmp(out->data, wantout, wantlen) != 0)) {
		print_error("%s: in [%.*s] (%zu)\ngot  [%.*s] (%zu)\n"
		    "want [%.*s] (%zu)\n", ops->name, conv_test_show(len), in,
		    len, conv_test_show(out->len), out->data, out->len,
		    conv_test_show(wantlen), wantout, wantlen);
		return (-1);
	}
	return (0);
}

/* As conv_test_convert, but fails the test on a mismatch. */
static __attribute__((__unused__)) void
conv_test_check(const struct converter_ops *ops, void *inst,
    const struct conv_ctx *cctx, const char *in, size_t len,
    enum conv_result want, const char *wantout, size_t wantlen)
{
	if (conv_test_convert(ops, inst, cctx, in, len, want, wantout,
	    wantlen) != 0)
		fail();
}

/*
 * Converts a line of n control characters (0x01) with inst, whose fields
 * keys[0..nkeys) all hold the whole line (nested groups), and expects the
 * COMPACT object with each value escaped to six times its length.
 */
static __attribute__((__unused__)) void
conv_test_nested(const struct converter_ops *ops, void *inst,
    const struct conv_ctx *cctx, const char *const *keys, size_t nkeys,
    size_t n)
{
	struct buf	 want = BUF_INIT(CONV_BUF_MAX);
	char		*line;
	size_t		 k, j;

	line = malloc(n + 1);
	assert_non_null(line);
	memset(line, 1, n);
	line[n] = '\n';
	for (k = 0; k < nkeys; k++) {
		buf_add(&want, k == 0 ? "{\"" : ",\"", 2);
		buf_add(&want, keys[k], strlen(keys[k]));
		buf_add(&want, "\":\"", 3);
		for (j = 0; j < n; j++)
			buf_add(&want, "\\u0001", 6);
		buf_add(&want, "\"", 1);
	}
	buf_add(&want, "}\n", 2);
	conv_test_check(ops, inst, cctx, line, n + 1, CONV_OK, want.data,
	    want.len);
	free(line);
	buf_free(&want);
}

/* A cmocka group teardown: frees conv_test_out. */
static __attribute__((__unused__)) int
conv_test_teardown(void **state)
{
	(void)state;
	buf_free(&conv_test_out);
	return (0);
}

#ifdef CONV_TEST_OPS
/* The short forms for a test of one converter: see the top of the file. */
static __attribute__((__unused__)) void *
make(const char *opts)
{
	return (conv_test_make(&CONV_TEST_OPS, opts));
}

static __attribute__((__unused__)) void
make_fails(const char *opts, const char *badkey, const char *what)
{
	conv_test_make_fails(&CONV_TEST_OPS, opts, badkey, what);
}

static __attribute__((__unused__)) void
check_len(void *inst, const char *in, size_t len, enum conv_result want,
    const char *wantout, size_t wantlen)
{
	conv_test_check(&CONV_TEST_OPS, inst, &CONV_TEST_CTX, in, len, want,
	    wantout, wantlen);
}

/* in and wantout are strings; wantout is NULL where want is not CONV_OK. */
static __attribute__((__unused__)) void
check(void *inst, const char *in, enum conv_result want, const char *wantout)
{
	check_len(inst, in, strlen(in), want, wantout,
	    wantout != NULL ? strlen(wantout) : 0);
}
#endif /* CONV_TEST_OPS */

#endif /* CONV_TEST_H */
