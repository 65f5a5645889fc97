/*
 * json_out: writes JSON the way the Kinesis Agent's Jackson ObjectMapper
 * does, so that converters produce the agent's bytes: COMPACT
 * (writeValueAsString) or PRETTYPRINT (Jackson's DefaultPrettyPrinter).
 * Strings are escaped as Jackson escapes them: \" \\ \b \t \n \f \r, other
 * bytes below 0x20 as \u00XX (upper-case hex); DEL, '/' and non-ASCII are
 * written as they are.
 *
 * Input bytes that are not valid UTF-8 become U+FFFD, as Java's
 * new String(bytes, UTF_8) replaces them, so the output is always valid
 * JSON and valid UTF-8.  The rule is Unicode's "maximal subpart" rule (one
 * U+FFFD for the longest prefix of a well-formed sequence, or for one byte
 * if there is none), with Java's one difference: ED A0..BF 80..BF, a
 * surrogate encoded in UTF-8, is one U+FFFD (not three), and ED A0..BF
 * followed by a non-continuation byte is one U+FFFD for two bytes.  Thus:
 * a stray 80..BF, C0, C1, F5..FF: one each; E2 82 41: U+FFFD "A";
 * E0 80 80 (overlong): three; F0 9F 98 at the end: one.
 *
 * Doubles are written as Java's Double.toString (the shortest digits that
 * read back as the same double, as JDK 19+ chooses them): "1.5", "100.0",
 * "1.0E7", "1.0E-4"; NaN and infinities as the strings Jackson writes.
 * Values nested deeper than JSON_OUT_MAX_DEPTH - 1 levels are written by
 * json_out_json as null.
 */
#ifndef JSON_OUT_H
#define JSON_OUT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "converter.h"

#define JSON_OUT_MAX_DEPTH	64

struct json_out {
	struct conv_buf	*buf;
	int		 pretty;
	int		 depth;
	uint8_t		 first[JSON_OUT_MAX_DEPTH];	/* no member yet */
	uint8_t		 in_array[JSON_OUT_MAX_DEPTH];
	int		 after_key;	/* the next value follows a key */
};

/* Starts writing into buf (appending); pretty is 1 for PRETTYPRINT. */
void	json_out_init(struct json_out *, struct conv_buf *buf, int pretty);

void	json_out_object_begin(struct json_out *);
void	json_out_object_end(struct json_out *);
void	json_out_array_begin(struct json_out *);
void	json_out_array_end(struct json_out *);

/* A member's key (escaped like a string). */
void	json_out_key(struct json_out *, const char *key, size_t len);

/* Values. */
void	json_out_string(struct json_out *, const char *s, size_t len);
void	json_out_null(struct json_out *);
void	json_out_bool(struct json_out *, int);
void	json_out_int(struct json_out *, int64_t);
void	json_out_double(struct json_out *, double);
/* A jansson value (object, array or scalar), laid out the same way. */
void	json_out_json(struct json_out *, const json_t *);

/*
 * Appends the JSON string escaping of s (without quotes) to buf, repairing
 * invalid UTF-8.  Exposed for converters that build strings by hand.
 */
void	json_out_escape(struct conv_buf *buf, const char *s, size_t len);

/*
 * Appends s as a quoted JSON string, as json_out_string writes it, without
 * the layout state: for converters that write COMPACT objects by hand.
 * Plain ASCII, the common case, is found a word at a time and copied.
 */
void	json_out_quoted(struct conv_buf *buf, const char *s, size_t len);

#endif /* JSON_OUT_H */
