/*
 * fuzz_framer: libFuzzer target for agent/framer.c.
 *
 * The first bytes of the input choose the parameters (maximum record,
 * terminator, one of a few start and footer patterns, line cap, header
 * lines) and seed the choices of the run: how the rest is split into
 * feeds, when time passes and records expire, and which records the
 * callback refuses (the framer is then reset and fed again from the
 * consumed offset, as the tailer does).  Checked: no record is empty or
 * longer than the maximum; settled bytes never exceed the bytes fed, and
 * settled plus pending always equals them; at the end everything is
 * settled unless a footer was seen; without expiries the records are
 * exactly those of one feed of the whole input, refusals or not; and a
 * fresh framer started at a consumed offset makes the records still to
 * come.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "framer.h"

#define FUZZ_HDR	8

static const char *const fuzz_terms[] = { "\n", "<TRUNCATED>\n", "", "\r\n" };
static const char *const fuzz_starts[] = {
	NULL, "\\d{4}-\\d\\d-\\d\\d", "[^ \\t]", "(a|b)+c", "\\s*at ",
	"\\[", "(?i)error|warn", ".*x$"
};
static const char *const fuzz_footers[] = {
	NULL, "END", "-+ end -+", ".*\\$"
};
static const uint64_t fuzz_lines[] = { 0, 1, 2, 7, 500 };

struct fuzz_recs {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	*ends;
	size_t	 n;
	size_t	 ncap;
	size_t	 max_record;
	uint32_t *rng;		/* refusals, or NULL */
	int	 refusals;	/* left to make */
};

static uint32_t
fuzz_rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return (*x);
}

static int
fuzz_emit(void *arg, const char *rec, size_t len)
{
	struct fuzz_recs	*r = arg;

	if (len == 0 || len > r->max_record)
		abort();
	if (r->rng != NULL && r->refusals > 0 && fuzz_rnd(r->rng) % 8 == 0) {
		r->refusals--;
		return (-1);
	}
	if (r->len + len > r->cap) {
		r->cap = (r->len + len) * 2;
		if ((r->data = realloc(r->data, r->cap)) == NULL)
			abort();
	}
	memcpy(r->data + r->len, rec, len);
	r->len += len;
	if (r->n == r->ncap) {
		r->ncap = r->ncap * 2 + 16;
		r->ends = realloc(r->ends, r->ncap * sizeof *r->ends);
		if (r->ends == NULL)
			abort();
	}
	r->ends[r->n++] = r->len;
	return (0);
}

static size_t
fuzz_start(const struct fuzz_recs *r, size_t i)
{
	return (i == 0 ? 0 : r->ends[i - 1]);
}

/* Aborts unless a[ai..] equals b[bi..] record for record. */
static void
fuzz_same_tail(const struct fuzz_recs *a, size_t ai,
    const struct fuzz_recs *b, size_t bi)
{
	size_t	alen, blen;

	if (a->n - ai != b->n - bi)
		abort();
	alen = a->len - fuzz_start(a, ai);
	blen = b->len - fuzz_start(b, bi);
	if (alen != blen || (alen > 0 && memcmp(a->data + fuzz_start(a, ai),
	    b->data + fuzz_start(b, bi), alen) != 0))
		abort();
	for (; ai < a->n; ai++, bi++)
		if (a->ends[ai] - fuzz_start(a, ai) !=
		    b->ends[bi] - fuzz_start(b, bi))
			abort();
}

static struct framer *
fuzz_framer(const struct framer_params *fp, int at_start)
{
	struct framer_conf	*c;
	struct framer		*f;
	char			*cause = NULL;

	if ((c = framer_conf_create(fp, &cause)) == NULL)
		abort();	/* the patterns are fixed and valid */
	f = framer_create(c, at_start, NULL);
	framer_conf_free(c);
	return (f);
}

/* One feed of in[from..len) and a flush, into out. */
static void
fuzz_whole(const struct framer_params *fp, int at_start, const char *in,
    size_t len, size_t from, struct fuzz_recs *out)
{
	struct framer	*f;
	int		 stopped;

	f = fuzz_framer(fp, at_start && from == 0);
	if (framer_feed(f, in + from, len - from, 0, fuzz_emit, out,
	    &stopped) < 0 || stopped)
		abort();
	if (framer_flush(f, fuzz_emit, out) < 0)
		abort();
	framer_free(f);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct framer_params	 fp;
	struct framer		*f;
	struct fuzz_recs	 whole, split, again;
	const char		*in;
	uint64_t		 now = 1, consumed = 0, off = 0, n, k;
	int64_t			 settled;
	uint32_t		 rng, refuse_rng;
	size_t			 len;
	int			 stopped, expiring, at_start, checks = 0;

	if (size < FUZZ_HDR)
		return (0);
	memset(&fp, 0, sizeof fp);
	fp.max_record = 1 + (data[0] | (size_t)(data[1] & 0x0f) << 8);
	fp.terminator = fuzz_terms[data[2] % 4];
	/* framer_create raises a maximum that leaves no room. */
	if (fp.max_record <= strlen(fp.terminator))
		fp.max_record = strlen(fp.terminator) + 1;
	fp.start_pattern = fuzz_starts[data[3] % 8];
	fp.max_lines = fuzz_lines[(data[4] & 0x0f) % 5];
	fp.skip_header = (data[4] >> 4) % 4;
	fp.footer_pattern = fuzz_footers[data[5] % 4];
	at_start = (data[5] >> 2) & 1;
	fp.flush_ms = (data[5] >> 3) & 1 ? 0 : 1000;
	expiring = (data[5] >> 4) & 1;
	rng = ((uint32_t)data[6] << 8 | data[7]) * 2654435761u | 1;
	refuse_rng = rng ^ 0x5bd1e995;
	in = (const char *)data + FUZZ_HDR;
	len = size - FUZZ_HDR;

	memset(&whole, 0, sizeof whole);
	whole.max_record = fp.max_record;
	if (!expiring)
		fuzz_whole(&fp, at_start, in, len, 0, &whole);

	memset(&split, 0, sizeof split);
	split.max_record = fp.max_record;
	split.rng = (data[5] >> 5) & 1 ? &refuse_rng : NULL;
	split.refusals = 32;
	f = fuzz_framer(&fp, at_start);
	while (off < len) {
		n = 1 + fuzz_rnd(&rng) % (rng & 1 ? 16 : 4096);
		if (n > len - off)
			n = len - off;
		now += fuzz_rnd(&rng) % 1500;
		settled = framer_feed(f, in + off, n, now, fuzz_emit, &split,
		    &stopped);
		if (settled < 0)
			abort();
		consumed += settled;
		if (consumed > off + n)
			abort();
		if (stopped) {
			framer_reset(f, at_start && consumed == 0);
			off = consumed;
			continue;
		}
		off += n;
		if (consumed + framer_pending(f) != off)
			abort();
		if (framer_deadline(f) != 0 && framer_deadline(f) <= now)
			abort();
		if (expiring && fuzz_rnd(&rng) % 4 == 0) {
			now += fuzz_rnd(&rng) % 3000;
			settled = framer_expire(f, now, fuzz_emit, &split);
			if (settled >= 0) {
				consumed += settled;
				if (framer_deadline(f) != 0 &&
				    framer_deadline(f) <= now)
					abort();
			}
		}
		/* A restart at the consumed offset, a few times per input. */
		if (!expiring && checks < 4 && fuzz_rnd(&rng) % 16 == 0) {
			checks++;
			memset(&again, 0, sizeof again);
			again.max_record = fp.max_record;
			fuzz_whole(&fp, at_start, in, len, consumed,
			    &again);
			if (again.n > whole.n)
				abort();
			k = whole.n - again.n;
			fuzz_same_tail(&whole, k, &again, 0);
			if (k != split.n && k + 1 != split.n)
				abort();
			free(again.data);
			free(again.ends);
		}
	}
	split.rng = NULL;
	settled = framer_flush(f, fuzz_emit, &split);
	if (settled < 0)
		abort();
	consumed += settled;
	if (!framer_is_finished(f) && (framer_pending(f) != 0 ||
	    consumed != len))
		abort();
	if (!expiring)
		fuzz_same_tail(&whole, 0, &split, 0);
	framer_free(f);
	free(whole.data);
	free(whole.ends);
	free(split.data);
	free(split.ends);
	return (0);
}
