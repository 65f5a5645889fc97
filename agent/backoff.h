/*
 * backoff: the retry delay of one destination, as the Kinesis Agent's
 * AsyncPublisherThrottler computes it: capped exponential growth with
 * jitter, min(max, initial * 2^(n - 1)) * (1 +- 0.3), where n is the
 * rounded failure count.  A partial failure adds the failed fraction of
 * the batch to n, so a batch with a few throttled records backs off more
 * gently than one that failed outright.  Success resets n.  The sender
 * keeps one per flow and arms a loop timer with the delay.
 */
#ifndef BACKOFF_H
#define BACKOFF_H

#include <stdint.h>

/* The jitter, in percent either side of the computed delay. */
#define BACKOFF_JITTER_PCT	30

struct backoff;

/*
 * Creates a backoff that starts at initial_ms and never exceeds max_ms
 * before jitter (max_ms is raised to initial_ms if smaller; 0 becomes 1).
 * seed feeds the jitter's PRNG (any value).  Free with backoff_free.
 */
struct backoff	*backoff_create(uint64_t initial_ms, uint64_t max_ms,
		    uint64_t seed);

/* Frees b; NULL is allowed. */
void		 backoff_free(struct backoff *b);

/*
 * Records a failure of the given weight (1 for a whole request, the failed
 * fraction of a batch for a partial failure; clamped to 0..1) and returns
 * the delay in milliseconds before the next attempt.
 */
uint64_t	 backoff_failure(struct backoff *b, double weight);

/* Records a success: the next failure starts from the initial delay. */
void		 backoff_reset(struct backoff *b);

/* The current failure count (the n above, before rounding). */
double		 backoff_failures(const struct backoff *b);

#endif /* BACKOFF_H */
