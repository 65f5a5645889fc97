/*
 * utf8: how Java's UTF-8 decoder (JDK 8 sun.nio.cs.UTF_8, with REPLACE)
 * cuts bytes into characters and U+FFFD replacements.  The Kinesis Agent
 * decodes every record into a Java String before a regex sees it or
 * Jackson writes it, so sluice's regex matching (parsers/jregex.c) and JSON
 * output (parsers/json_out.c) both follow this one rule.
 */
#include <stddef.h>
#include <stdint.h>

#include "utf8.h"

int
utf8_java_seq(const uint8_t *p, size_t r)
{
	uint8_t		b1 = p[0];
	uint32_t	c;

#define CONT(b)	(((b) & 0xc0) == 0x80)
	if (b1 >= 0xc2 && b1 <= 0xdf)
		return (r >= 2 && CONT(p[1]) ? 2 : -1);
	if (b1 >= 0xe0 && b1 <= 0xef) {
		if (r >= 2 && ((b1 == 0xe0 && (p[1] & 0xe0) == 0x80) ||
		    !CONT(p[1])))
			return (-1);
		if (r < 3)
			return (-(int)r);
		if (!CONT(p[2]))
			return (-2);
		c = ((b1 & 0x0fU) << 12) | ((p[1] & 0x3fU) << 6) |
		    (p[2] & 0x3fU);
		/* A surrogate is rejected as a whole: one U+FFFD. */
		if (c >= 0xd800 && c <= 0xdfff)
			return (-3);
		return (3);
	}
	if (b1 >= 0xf0 && b1 <= 0xf4) {
		if (r >= 2 && ((b1 == 0xf0 && (p[1] < 0x90 || p[1] > 0xbf)) ||
		    (b1 == 0xf4 && (p[1] & 0xf0) != 0x80) || !CONT(p[1])))
			return (-1);
		if (r < 2)
			return (-1);
		if (r >= 3 && !CONT(p[2]))
			return (-2);
		if (r < 4)
			return (-(int)r);
		if (!CONT(p[3]))
			return (-3);
		return (4);
	}
#undef CONT
	return (-1);
}
