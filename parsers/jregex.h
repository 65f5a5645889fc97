/*
 * jregex: java.util.regex patterns run by PCRE2 with Java's meaning.
 *
 * The Kinesis Agent's options (LOGTOJSON matchPattern, CSVTOJSON
 * delimiter, multiLineStartPattern) are Java regexes, matched against the
 * record decoded from UTF-8 into a Java String.  jregex translates such a
 * pattern into a PCRE2 pattern (UTF mode, no UCP) that matches the same
 * strings, and rejects at config time, with a message, the Java syntax it
 * cannot render exactly.  Subjects must be valid UTF-8: a caller first
 * checks with utf8_is_valid() and, if not, repairs the record with
 * utf8_repair() (common/utf8.h), which is what Java's decoder does before
 * matching.
 */
#ifndef JREGEX_H
#define JREGEX_H

#include <stddef.h>
#include <stdint.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

/* Longest pattern accepted, in bytes; bounds the translation too. */
#define JREGEX_PATTERN_MAX	(64 * 1024)

/*
 * Translates a Java pattern into PCRE2 syntax for a pattern compiled with
 * PCRE2_UTF (and without PCRE2_UCP or PCRE2_CASELESS).  Returns the new
 * pattern (caller frees), or NULL with *cause set (caller frees) naming
 * the construct and its offset in the Java pattern.
 */
char		*jregex_translate(const char *java, char **cause);

/*
 * Translates and compiles a Java pattern, and JIT-compiles it when the
 * JIT is available.  extra_flags are PCRE2 compile options added to
 * PCRE2_UTF; PCRE2_ANCHORED | PCRE2_ENDANCHORED gives Java's matches()
 * and PCRE2_ANCHORED alone lookingAt() (as compile options the JIT keeps
 * them; at match time it would not).  Returns the code (free with
 * pcre2_code_free), or NULL with *cause set (caller frees).  Subjects
 * must be valid UTF-8 and may be matched with PCRE2_NO_UTF_CHECK.
 */
pcre2_code	*jregex_compile(const char *java, uint32_t extra_flags,
		    char **cause);

/* Returns 1 if the code was JIT-compiled (pcre2_jit_match may be used). */
int		 jregex_is_jit(const pcre2_code *);

/*
 * A twin of jregex_compile(java) for lines that are all ASCII, in PCRE2's
 * byte mode: on such lines it matches exactly what the UTF pattern does,
 * faster (Java's Unicode \b and line terminators reduce to ASCII ones).
 * Returns NULL when no such twin can be made (the pattern uses Unicode
 * properties, caseless matching, \R...); the caller then uses the UTF one.
 */
pcre2_code	*jregex_compile_ascii(const char *java, uint32_t extra_flags);

#endif /* JREGEX_H */
