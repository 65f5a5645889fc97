/*
 * utf8: Java's UTF-8 decoding rule, shared by the regex and JSON code, the
 * framer and the converters that repair a record as the agent's decoder
 * does.  These run on every line, so each scans the bytes once.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Looks at the sequence at p (r >= 1 bytes left, p[0] >= 0x80).  Returns
 * its length if it is a valid UTF-8 character, or minus the number of
 * bytes that Java's decoder turns into one U+FFFD (the maximal-subpart
 * rule, except that a surrogate encoded in UTF-8 is one U+FFFD for its
 * three bytes, as Java rejects the decoded surrogate as a whole).
 */
int	utf8_java_seq(const uint8_t *p, size_t r);

/* Returns 1 if every byte of s[0..len) is below 0x80. */
int	utf8_is_ascii(const char *s, size_t len);

/*
 * Returns 1 if s[0..len) is valid UTF-8 (shortest forms, no surrogates,
 * at most U+10FFFF), the bytes Java decodes without replacement.
 */
int	utf8_is_valid(const char *s, size_t len);

/*
 * Writes s[0..len) to dst with every malformed sequence replaced by U+FFFD
 * as Java's UTF-8 decoder (sun.nio.cs.UTF_8 with REPLACE) does, so that
 * matching the result is matching the agent's String.  dst must hold
 * UTF8_REPAIR_MAX(len) bytes.  Returns the length written.
 */
#define UTF8_REPAIR_MAX(len)	((len) * 3)
size_t	utf8_repair(char *dst, const char *s, size_t len);

/*
 * Writes code point cp (at most U+10FFFF, no surrogate: the caller checks)
 * as UTF-8 at dst, which has room for 4 bytes.  Returns the length.
 */
size_t	utf8_encode(char *dst, uint32_t cp);

/*
 * The slow half of utf8_repair_buf: empties scratch and writes the repair
 * of s[0..*len) there.  Returns scratch's data with *len set to the
 * repaired length, or NULL (scratch marked failed) if
 * UTF8_REPAIR_MAX(*len) bytes would pass scratch's maximum.
 */
const char *utf8_repair_copy(struct buf *scratch, const char *s,
	    size_t *len);

/*
 * s[0..*len) as Java decodes it: s itself when it is valid UTF-8 (the
 * common case, one scan and no copy), else its repair in scratch, as
 * utf8_repair_copy.  Returns NULL only if the repair passes scratch's
 * maximum.  What it returns in scratch stays there until scratch changes.
 */
static inline const char *
utf8_repair_buf(struct buf *scratch, const char *s, size_t *len)
{
	if (utf8_is_valid(s, *len))
		return (s);
	return (utf8_repair_copy(scratch, s, len));
}

#endif /* UTF8_H */
