/*
 * fuzz_utf8.h: the fuzz targets' own UTF-8 check, written apart from
 * common/utf8.c so that it can judge what the converters write.
 */
#ifndef FUZZ_UTF8_H
#define FUZZ_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Strict UTF-8: shortest forms, no surrogates, at most U+10FFFF. */
static int
fuzz_utf8_is_valid(const unsigned char *s, size_t len)
{
	size_t		i = 0, n, k;
	uint32_t	c, min;

	while (i < len) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			c &= 0x07;
			min = 0x10000;
		} else
			return (0);
		if (len - i <= n)
			return (0);
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			c = c << 6 | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return (0);
		i += n + 1;
	}
	return (1);
}

#endif /* FUZZ_UTF8_H */
