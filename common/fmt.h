/*
 * fmt: numbers and times written for people, as sluicectl prints them:
 * sizes in binary units ("12.3 MiB"), durations ("1h5m") and ages
 * ("3s ago").  Each function writes into a caller's buffer and returns it;
 * FMT_*_MAX is always big enough.
 */
#ifndef FMT_H
#define FMT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define FMT_BYTES_MAX		16	/* "1023.9 KiB", "16.0 EiB" */
#define FMT_DURATION_MAX	32	/* "213503982334601d23h" */
#define FMT_AGE_MAX		40

/*
 * Writes n bytes as "512 B" below 1 KiB, else with one decimal in the
 * largest binary unit that keeps the number under 1024 ("1.5 KiB",
 * "12.3 MiB").  Returns buf.
 */
char	*fmt_bytes(char *buf, size_t len, uint64_t n);

/*
 * Writes secs as at most two units: "0s", "59s", "1m30s", "2h5m", "3d4h";
 * a lower unit that is zero is left out ("2h").  Returns buf.
 */
char	*fmt_duration(char *buf, size_t len, uint64_t secs);

/*
 * Writes how long before now the instant then was: "3s ago", "1m30s ago".
 * An instant in the future (clock steps) is written "just now".
 * Returns buf.
 */
char	*fmt_age(char *buf, size_t len, time_t then, time_t now);

/*
 * Returns a copy of s (caller frees) that is safe to print on a terminal:
 * control characters, DEL and bytes of invalid UTF-8 become "\xNN",
 * and a backslash becomes "\\".  Valid UTF-8 is kept as is.
 */
char	*fmt_escape(const char *s);

/*
 * Returns how many columns s takes on a terminal, counting one per
 * character of UTF-8 (good enough for file names and messages).
 */
size_t	 fmt_width(const char *s);

#endif /* FMT_H */
