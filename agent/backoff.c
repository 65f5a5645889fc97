/*
 * backoff: see backoff.h.  The PRNG is xorshift64*: the jitter only needs
 * to spread retries of many flows and hosts apart, not to be unguessable.
 */
#include <stdlib.h>

#include "backoff.h"
#include "xmalloc.h"

/*
 * Past this many doublings the delay is at the cap for any sane initial
 * value; stopping here keeps the shift defined however long AWS fails.
 */
#define BACKOFF_MAX_SHIFT	40

struct backoff {
	uint64_t	initial;
	uint64_t	max;
	double		failures;
	uint64_t	rng;
};

static uint64_t
backoff_random(struct backoff *b)
{
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return (b->rng * 0x2545f4914f6cdd1dULL);
}

struct backoff *
backoff_create(uint64_t initial_ms, uint64_t max_ms, uint64_t seed)
{
	struct backoff	*b;

	b = xcalloc(1, sizeof *b);
	b->initial = initial_ms == 0 ? 1 : initial_ms;
	b->max = max_ms < b->initial ? b->initial : max_ms;
	/* xorshift must not start at zero; mix the seed (splitmix64). */
	seed += 0x9e3779b97f4a7c15ULL;
	seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ULL;
	seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebULL;
	seed ^= seed >> 31;
	b->rng = seed == 0 ? 1 : seed;
	return (b);
}

void
backoff_free(struct backoff *b)
{
	free(b);
}

/* Uniform in [0, 1), from the top 53 bits. */
static double
backoff_uniform(struct backoff *b)
{
	return ((double)(backoff_random(b) >> 11) / 9007199254740992.0);
}

uint64_t
backoff_failure(struct backoff *b, double weight)
{
	double		base;
	long		n;

	if (!(weight > 0))	/* also catches NaN */
		weight = 0;
	if (weight > 1)
		weight = 1;
	b->failures += weight;

	/* initial * 2^(n - 1); n = 0 (a small partial failure) halves it. */
	n = (long)(b->failures + 0.5);
	if (n > BACKOFF_MAX_SHIFT)
		n = BACKOFF_MAX_SHIFT;
	if (n == 0)
		base = (double)b->initial / 2;
	else
		base = (double)b->initial * (double)(1ULL << (n - 1));
	if (base > (double)b->max)
		base = (double)b->max;

	/* Full jitter; 1 ms at least, so a retry is never a busy loop. */
	base *= backoff_uniform(b);
	return (base < 1 ? 1 : (uint64_t)base);
}

uint64_t
backoff_max_delay(struct backoff *b)
{
	double	d;

	d = (double)b->max * (0.5 + backoff_uniform(b) / 2);
	return (d < 1 ? 1 : (uint64_t)d);
}

void
backoff_reset(struct backoff *b)
{
	b->failures = 0;
}

double
backoff_failures(const struct backoff *b)
{
	return (b->failures);
}
