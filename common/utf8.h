/*
 * utf8: Java's UTF-8 decoding rule, shared by the regex and JSON code.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Looks at the sequence at p (r >= 1 bytes left, p[0] >= 0x80).  Returns
 * its length if it is a valid UTF-8 character, or minus the number of
 * bytes that Java's decoder turns into one U+FFFD (the maximal-subpart
 * rule, except that a surrogate encoded in UTF-8 is one U+FFFD for its
 * three bytes, as Java rejects the decoded surrogate as a whole).
 */
int	utf8_java_seq(const uint8_t *p, size_t r);

#endif /* UTF8_H */
