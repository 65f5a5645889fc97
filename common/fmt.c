/*
 * fmt: see fmt.h.  Sizes use binary units because the daemon's limits
 * (spool.maxBytes, record sizes) are powers of two.
 */
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "xmalloc.h"

char *
fmt_bytes(char *buf, size_t len, uint64_t n)
{
	static const char	*units[] = { "KiB", "MiB", "GiB", "TiB", "PiB",
				    "EiB" };
	double			 v;
	uint64_t		 tenths;
	size_t			 i;

	if (n < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)n);
		return (buf);
	}
	v = (double)n;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		v /= 1024;
		tenths = (uint64_t)(v * 10 + 0.5);
		/* 1023.96 KiB would print as "1024.0 KiB": use MiB. */
		if (tenths < 10240 || i == sizeof units / sizeof units[0] - 1)
			break;
	}
	snprintf(buf, len, "%llu.%llu %s", (unsigned long long)(tenths / 10),
	    (unsigned long long)(tenths % 10), units[i]);
	return (buf);
}

char *
fmt_duration(char *buf, size_t len, uint64_t secs)
{
	unsigned long long	d, h, m, s;

	d = secs / 86400;
	h = secs / 3600 % 24;
	m = secs / 60 % 60;
	s = secs % 60;
	if (d > 0)
		snprintf(buf, len, h > 0 ? "%llud%lluh" : "%llud", d, h);
	else if (h > 0)
		snprintf(buf, len, m > 0 ? "%lluh%llum" : "%lluh", h, m);
	else if (m > 0)
		snprintf(buf, len, s > 0 ? "%llum%llus" : "%llum", m, s);
	else
		snprintf(buf, len, "%llus", s);
	return (buf);
}

char *
fmt_age(char *buf, size_t len, time_t then, time_t now)
{
	char	d[FMT_DURATION_MAX];

	if (then > now) {
		snprintf(buf, len, "just now");
		return (buf);
	}
	snprintf(buf, len, "%s ago",
	    fmt_duration(d, sizeof d, (uint64_t)now - (uint64_t)then));
	return (buf);
}

/*
 * Returns the length of the valid UTF-8 sequence at s that is safe to
 * print (not a C1 control), or 0.  RFC 3629 section 4 gives the ranges.
 */
static size_t
fmt_utf8_len(const unsigned char *s)
{
	unsigned int	cp, min;
	size_t		n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
		min = 0xa0;	/* U+0080..U+009F are C1 controls */
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else
		return (0);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return (0);
	return (n);
}

char *
fmt_escape(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*out, *o;
	size_t			 n;

	/* At worst every byte becomes four. */
	out = o = xreallocarray(NULL, strlen(s) + 1, 4);
	while (*p != '\0') {
		if (*p == '\\') {
			*o++ = '\\';
			*o++ = '\\';
			p++;
		} else if (*p >= 0x20 && *p < 0x7f)
			*o++ = *p++;
		else if ((n = fmt_utf8_len(p)) > 0) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			snprintf(o, 5, "\\x%02x", *p++);
			o += 4;
		}
	}
	*o = '\0';
	return (out);
}

size_t
fmt_width(const char *s)
{
	size_t	w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return (w);
}
