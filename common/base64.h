/*
 * base64: RFC 4648 section 4 base64 (standard alphabet, with padding).
 *
 * Kinesis PutRecords and Firehose PutRecordBatch carry each record's Data
 * as a base64 string inside the JSON body, so the encoder runs once for
 * every byte shipped and is written for speed.  The decoder is strict
 * (padding required, no whitespace, no non-zero pad bits): it serves the
 * tests and the fake endpoint, where accepting sloppy input would hide
 * bugs in the encoder.
 */
#ifndef BASE64_H
#define BASE64_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Returns the number of characters base64_encode writes for n input bytes:
 * 4 * ceil(n / 3).  Callers bound n (record size limits), so this does not
 * overflow.
 */
size_t	base64_encoded_len(size_t n);

/*
 * Returns the largest number of bytes base64_decode can write for n input
 * characters (n / 4 * 3); the exact number is smaller by the padding.
 */
size_t	base64_decoded_len_max(size_t n);

/*
 * Encodes n bytes of src into dst, which must have room for
 * base64_encoded_len(n) characters.  No NUL is written.  Returns the number
 * of characters written.
 */
size_t	base64_encode(char *dst, const void *src, size_t n);

/*
 * Decodes the n characters at src into dst, which must have room for
 * base64_decoded_len_max(n) bytes.  Returns the number of bytes written,
 * or -1 if src is not canonical base64: a length that is not a multiple of
 * 4, a character outside the alphabet (whitespace included), misplaced or
 * missing padding, or non-zero bits in the last character before the
 * padding.  On -1, dst may have been partly written.
 */
ssize_t	base64_decode(void *dst, const char *src, size_t n);

#endif /* BASE64_H */
