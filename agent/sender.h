/*
 * sender: delivers one flow's spooled records to its destination, on the
 * delivery thread's loop.
 *
 * It reads records from the spool from its cursor, encodes them straight
 * into a request body (dest.h) until the flow's buffer limits or the API's
 * would be passed, and sends the batch when it is full, or when its oldest
 * record has waited maxBufferAgeMillis.  Requests are signed (sigv4.h) and
 * posted with http.h.  Entries the destination accepted are acknowledged;
 * only the failed ones are sent again, after a capped exponential backoff
 * (backoff.h).  A failed request (HTTP error, network, garbled answer) is
 * retried whole, forever: nothing is dropped (README.md, invariant 3).  The
 * spool cursor moves only over the prefix of batches whose every record
 * was acknowledged, so a crash resends, and never loses.
 */
#ifndef SENDER_H
#define SENDER_H

#include <stdint.h>

struct loop;
struct http;
struct config;
struct config_flow;
struct spool;
struct creds;
struct metrics;
struct sender;

/*
 * Requests in flight (or waiting to be retried) per flow, at most, when
 * maxSendingThreads is not set; below it the window adapts (sender.c).
 */
#define SENDER_MAX_INFLIGHT	32

/*
 * Creates the sender for flow, which delivers the records of spool to the
 * flow's destination (endpoint and region from cfg; see
 * dest_endpoint_init).  The flow's name for messages is metrics->name.
 * Every argument must outlive the sender.  Reading starts on the loop's
 * next turn, so this may be called before the loop's thread runs.
 * Returns NULL with *cause set (caller frees) for a bad endpoint.
 */
struct sender	*sender_create(struct loop *loop, struct http *http,
		    const struct config *cfg, const struct config_flow *flow,
		    struct spool *spool, struct creds *creds,
		    struct metrics *metrics, char **cause);

/*
 * Stops starting requests (new batches and retries).  Safe from any
 * thread.  Responses that still arrive are processed and acknowledged;
 * requests cut short by sender_free were never acknowledged, so their
 * records are sent again after a restart.
 */
void		 sender_shutdown(struct sender *);

/*
 * A clean stop, on the loop's thread: starts no new batch and calls
 * drained(arg) once no request is in flight or waiting to retry entries
 * the destination refused, which may be at once.  Responses that arrive
 * meanwhile are acknowledged as usual, and refused entries (throttling)
 * are retried after their backoff, so that a restart sends nothing twice.
 * A request that failed whole (an outage) is not retried.
 */
void		 sender_drain(struct sender *, void (*drained)(void *),
		    void *arg);

/*
 * After sender_drain, on the loop's thread: stops retrying and writes the
 * spool cursor.  Logs the requests whose records were not acknowledged
 * (they are sent again after a restart), and returns how many of them
 * sender_drain was still waiting for.
 */
size_t		 sender_finish(struct sender *);

/*
 * For `sluicectl state replay`, on the loop's thread: moves the flow's
 * dead-letter file aside (deadletter_take) for the ingest thread to append
 * its records to the spool (state.c), and starts a new one.  Returns the
 * records moved, or -1 with *cause set (caller frees).
 */
int64_t		 sender_replay(struct sender *, char **cause);

/*
 * For `sluicectl pause` and `resume`, on the loop's thread: while paused,
 * no new batch is sent.  Requests in flight, and their retries after a
 * backoff, go on until acknowledged: a pause never costs a duplicate.
 * Records go on filling batches until their slots are full.  A resume
 * starts what waited.
 */
void		 sender_pause(struct sender *, int paused);
int		 sender_is_paused(struct sender *);

/*
 * For `sluicectl flush`, on the loop's thread: reads what the spool holds
 * now and starts its batches without waiting for maxBufferAgeMillis, as
 * many as the window allows; a batch the window holds back goes out as
 * soon as a slot frees.  Nothing starts while paused or stopping.
 * Returns the requests started.
 */
size_t		 sender_flush(struct sender *);

/*
 * Frees the sender, abandoning requests in flight.  Call it on the loop's
 * thread or once that thread stopped.  NULL is allowed.
 */
void		 sender_free(struct sender *);

#endif /* SENDER_H */
