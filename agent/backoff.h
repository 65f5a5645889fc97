/*
 * backoff: the retry delay of one destination: capped exponential growth
 * with full jitter, a delay drawn uniformly in [0, min(max, initial *
 * 2^(n - 1))], where n is the rounded failure count.  Full jitter is what
 * the AWS SDKs use ("Exponential Backoff And Jitter", AWS Architecture
 * Blog, 2015): of the schemes compared there it spreads the retries of
 * many senders best and finishes the work soonest; the Kinesis Agent's
 * +-30% keeps retries of hosts that failed together bunched.  A partial
 * failure adds the failed fraction of the batch to n, so a batch with a
 * few throttled records backs off more gently than one that failed
 * outright.  Success resets n.  The sender keeps one per flow and arms a
 * loop timer with the delay.
 */
#ifndef BACKOFF_H
#define BACKOFF_H

#include <stdint.h>

struct backoff;

/*
 * Creates a backoff that starts at initial_ms and never exceeds max_ms (max_ms is raised to initial_ms if smaller; 0 becomes 1).
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

/*
 * The delay for errors an operator must fix (access denied, a missing
 * stream): near the maximum, uniform in [max / 2, max], so that retrying
 * forever costs little and many hosts fixed at once do not retry in step.
 * Does not change the failure count.
 */
uint64_t	 backoff_max_delay(struct backoff *b);

/* Records a success: the next failure starts from the initial delay. */
void		 backoff_reset(struct backoff *b);

/* The current failure count (the n above, before rounding). */
double		 backoff_failures(const struct backoff *b);

#endif /* BACKOFF_H */
