/*
 * framer: cuts a file's bytes into records, as the Kinesis Agent does
 * (tailing/AbstractParser.java, SingleLineSplitter.java and
 * RegexSplitter.java in awslabs/amazon-kinesis-agent, under
 * src/com/amazon/kinesis/streaming/agent/), and says exactly which input
 * bytes are settled
 * so that the tailer can checkpoint an offset from which a restart loses
 * no record.
 *
 * Lines end at "\n", which stays part of the record; CR, NUL and invalid
 * UTF-8 are plain bytes.  A final line without "\n" waits for it (or for
 * framer_flush at end of input).
 *
 * Without multiLineStartPattern a record is one line.  With it, a record
 * starts at a line that the pattern matches at its beginning (Java
 * lookingAt(), tried on the line with its "\n") and runs until the next
 * such line.  Lines at the beginning of a file before any matching line
 * form records of their own by the same rule: a record is a run of lines
 * of which only the first may match.  Our extensions: a record of
 * multiLineMaxLines lines is complete, and the next line begins a new
 * record; and a pending record is complete after multiLineFlushMillis
 * without new bytes (framer_deadline, framer_expire).  The agent instead
 * emits whatever lines it has whenever its read ends on "\n", which cuts
 * events in two whenever the writer is slower than the reader; we wait for
 * the next start line, the line cap or the quiet period.
 *
 * skipHeaderLines: when reading starts at offset 0, that many lines are
 * skipped and counted.  They are settled only once all of them are seen,
 * so that a restart from 0 skips them again.
 *
 * fileFooterPattern: a complete line whose bytes, trimmed as Java's
 * String.trim() does (bytes <= 0x20 at both ends), the pattern matches
 * whole (matches(), MULTILINE) ends the file: a pending multi-line record
 * is completed, the footer line is dropped and counted, and everything
 * after it is ignored and counted as discarded until framer_reset.  The
 * agent discards only the rest of its read buffer and would go on with
 * the next read; the footer's stated purpose is to stop reading the file,
 * so we stop for good.  The footer is tried on each line, also in
 * multi-line mode, where the agent would glue it onto the previous record
 * unless it also matched the start pattern.  Lines longer than the
 * maximum record are never footers.  The footer line and what follows are
 * never settled: a restart re-reads from the footer and finds it again,
 * rather than shipping what follows it.
 *
 * Records longer than max_record (data only; the caller subtracts the
 * Kinesis partition key) are cut to max_record bytes with their last bytes
 * overwritten by the terminator (truncatedRecordTerminator), emitted as
 * soon as they overflow, counted, and the rest of the record is discarded
 * up to its end.  Start patterns see at most max_record bytes of a line.
 * In runaway mode (a flow with converters, where max_record is the agent's
 * read buffer and the record limit is applied after conversion) such a
 * record is cut with no terminator and counted as a runaway instead: the
 * agent's "record larger than buffer size".
 * Memory is at most two max_record buffers whatever the input, plus, when
 * a pattern meets a line that is not valid UTF-8, room for its repaired
 * copy (three times the line); a buffer grown past 256 KiB is freed once
 * a feed leaves it empty.
 */
#ifndef FRAMER_H
#define FRAMER_H

#include <stddef.h>
#include <stdint.h>

struct framer;

/*
 * Called once per record.  Returns 0 when the record was taken, or -1 to
 * make the framer stop before it (the record is not settled and will be
 * offered again after framer_reset and a re-read from the consumed offset).
 * rec is valid only during the call.
 */
typedef int	(*framer_emit_cb)(void *arg, const char *rec, size_t len);

/* Counters; a caller may share one among the framers of a flow. */
struct framer_stats {
	uint64_t	records;	/* records taken by emit */
	uint64_t	truncated;	/* of which cut to max_record */
	uint64_t	runaway;	/* or so cut, in runaway mode */
	uint64_t	header_lines;	/* skipped by skipHeaderLines */
	uint64_t	footers;	/* lines dropped by fileFooterPattern */
	uint64_t	discarded_bytes; /* cut off records, or after a footer */
};

#define FRAMER_DEFAULT_FLUSH_MS		1000
#define FRAMER_DEFAULT_MAX_LINES	500

/* What a record is, for every file of a flow. */
struct framer_params {
	size_t		 max_record;	/* > strlen(terminator) */
	const char	*terminator;	/* truncatedRecordTerminator; NULL: "\n" */
	int		 runaway;	/* 1: cuts are runaways, unterminated */
	const char	*start_pattern;	/* multiLineStartPattern, or NULL */
	uint64_t	 flush_ms;	/* multiLineFlushMillis; 0: no timeout */
	uint64_t	 max_lines;	/* multiLineMaxLines; 0: no cap */
	uint64_t	 skip_header;	/* skipHeaderLines */
	const char	*footer_pattern; /* fileFooterPattern, or NULL */
};

/*
 * A flow's framing rules with its patterns compiled, shared read-only by
 * the framers of all its files (a pattern is compiled once per flow, not
 * once per file).
 */
struct framer_conf;

/*
 * Copies the strings of params and compiles the patterns (Java syntax).
 * Returns NULL with *cause set (caller frees) if a pattern does not
 * compile.  Release with framer_conf_free.
 */
struct framer_conf *framer_conf_create(const struct framer_params *,
		    char **cause);

/*
 * Releases the caller's reference: the conf is freed once the framers
 * made from it are freed too.  NULL is allowed.  A conf and its framers
 * belong to one thread (the count is not atomic).
 */
void		 framer_conf_free(struct framer_conf *);

/* The largest record (after framer_conf_create raised a too small one). */
size_t		 framer_conf_max_record(const struct framer_conf *);

/*
 * Creates a framer for one file; it holds a reference on conf.  at_start
 * says whether the first byte fed is offset 0 (header lines are skipped).
 * stats are counters to add to (a flow may share one among its framers),
 * or NULL for the framer's own.  Free with framer_free.
 */
struct framer	*framer_create(struct framer_conf *, int at_start,
		    struct framer_stats *stats);
void		 framer_free(struct framer *);

/*
 * Feeds len bytes that follow what was fed before, at monotonic time
 * now_ms.  Calls emit for each complete record.  Returns the number of
 * input bytes newly settled (emitted, dropped or discarded), counted from
 * the first unsettled byte, which may have been fed by an earlier call:
 * the caller adds it to its consumed offset.  The rest is held.  When emit
 * refuses a record, *stopped is set to 1 and the bytes settled before it
 * are returned; the caller must then call framer_reset and later re-read
 * from its consumed offset.  Otherwise *stopped is 0.
 */
int64_t		 framer_feed(struct framer *, const char *buf, size_t len,
		    uint64_t now_ms, framer_emit_cb emit, void *arg,
		    int *stopped);

/*
 * Returns the monotonic time in ms at which the pending multi-line record
 * is due (multiLineFlushMillis after the last byte fed), or 0 if none is.
 */
uint64_t	 framer_deadline(struct framer *);

/*
 * Completes the pending multi-line record if now_ms has reached its
 * deadline (a partial last line stays held).  Returns the bytes newly
 * settled (0 if nothing was due), or -1 if emit refused it; the framer is
 * then unchanged and the call may be repeated.
 */
int64_t		 framer_expire(struct framer *, uint64_t now_ms,
		    framer_emit_cb emit, void *arg);

/*
 * End of input (-p, or a rotated file read to its end): a partial last
 * line is taken as a whole line and the pending record is emitted.
 * Returns the bytes newly settled, or -1 if emit refused a record: the
 * caller then calls framer_reset and re-reads from its consumed offset,
 * as after a stop.
 */
int64_t		 framer_flush(struct framer *, framer_emit_cb emit, void *arg);

/* Bytes fed but not settled (pending record, partial line, footer tail). */
uint64_t	 framer_pending(struct framer *);

/* Returns 1 once a footer line was seen (the rest of the file is ignored). */
int		 framer_is_finished(struct framer *);

/*
 * Forgets everything held, as for a new file: after a stop, or when the
 * file was truncated.  at_start says whether the next byte fed is offset
 * 0 (header lines are then skipped again).  Counters are kept.
 */
void		 framer_reset(struct framer *, int at_start);

/* The counters (the shared ones if framer_create was given some). */
const struct framer_stats *framer_stats(struct framer *);

#endif /* FRAMER_H */
