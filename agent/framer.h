/*
 * framer: cuts a file's bytes into records.  A record is one line with its
 * trailing "\n", as the Kinesis Agent sends it; a final line without a
 * newline waits until the newline arrives.  A line longer than the maximum
 * record size is cut to that size, its last bytes overwritten with the
 * terminator (the Kinesis Agent's truncatedRecordTerminator), and the rest
 * of the line is discarded.  The framer never holds more than one maximum
 * record of a partial line, so memory stays bounded whatever the input.
 */
#ifndef FRAMER_H
#define FRAMER_H

#include <stddef.h>
#include <stdint.h>

struct framer;

/*
 * Called once per record.  Returns 0 when the record was taken, or -1 to
 * make the framer stop before it (the record is not consumed and will be
 * offered again after framer_reset and a re-read from the consumed offset).
 */
typedef int	(*framer_emit_cb)(void *arg, const char *rec, size_t len);

/*
 * Creates a framer.  max_record is the largest record (> terminator's
 * length); terminator is copied.  Free with framer_free.
 */
struct framer	*framer_create(size_t max_record, const char *terminator);
void		 framer_free(struct framer *);

/*
 * Feeds len bytes that follow what was fed before.  Calls emit for each
 * complete record.  Returns the number of input bytes now settled: those of
 * emitted records and discarded tails, counted from the start of this call
 * plus any partial line carried in (so a caller adds it to its consumed
 * offset); the rest is held as a partial line.  When emit refuses a
 * record, *stopped is set to 1 and the bytes settled before it are
 * returned: the caller adds them, calls framer_reset and later re-reads
 * from its consumed offset.  *truncated is incremented per truncated record.
 */
int64_t		 framer_feed(struct framer *, const char *buf, size_t len,
		    framer_emit_cb emit, void *arg, uint64_t *truncated,
		    int *stopped);

/* Bytes held as a partial line (not yet settled). */
size_t		 framer_pending(struct framer *);

/* Forgets any partial line, e.g. after a stop or a truncated file. */
void		 framer_reset(struct framer *);

/*
 * Emits a held partial line as a final record (end of input in -p mode).
 * Returns 0, or -1 if emit refused it.
 */
int		 framer_flush(struct framer *, framer_emit_cb emit, void *arg);

#endif /* FRAMER_H */
