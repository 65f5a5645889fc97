/*
 * test_jregex: Java regex semantics under PCRE2.  Each expectation is what
 * java.util.regex (JDK 8) answers for Pattern.matches() or find() on the
 * same pattern and input; the rejected constructs must say why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jregex.h"

enum mode { MATCHES, FIND };

static int
run(const char *pat, const char *subject, size_t len, enum mode mode)
{
	pcre2_code		*code;
	pcre2_match_data	*md;
	char			*cause = NULL;
	int			 rc;

	code = jregex_compile(pat, mode == MATCHES ? PCRE2_ANCHORED |
	    PCRE2_ENDANCHORED : 0, &cause);
	if (code == NULL)
		fail_msg("pattern %s: %s", pat, cause);
	md = pcre2_match_data_create_from_pattern(code, NULL);
	rc = pcre2_match(code, (PCRE2_SPTR)subject, len, 0, 0, md, NULL);
	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
		fail_msg("pattern %s: match error %d", pat, rc);
	pcre2_match_data_free(md);
	pcre2_code_free(code);
	return (rc > 0);
}

/* Pattern.matches(pat, s) == want */
static void
m(const char *pat, const char *s, int want)
{
	if (run(pat, s, strlen(s), MATCHES) != want)
		fail_msg("matches(\"%s\", \"%s\") should be %s", pat, s,
		    want ? "true" : "false");
}

/* Pattern.compile(pat).matcher(s).find() == want */
static void
f(const char *pat, const char *s, int want)
{
	if (run(pat, s, strlen(s), FIND) != want)
		fail_msg("find(\"%s\", \"%s\") should be %s", pat, s,
		    want ? "true" : "false");
}

static void
rejected(const char *pat, const char *why)
{
	char	*cause = NULL;

	assert_null(jregex_compile(pat, 0, &cause));
	assert_non_null(cause);
	if (strstr(cause, why) == NULL)
		fail_msg("pattern %s: cause \"%s\" lacks \"%s\"", pat, cause,
		    why);
	free(cause);
}

static void
test_dot(void **state)
{
	(void)state;
	m(".", "a", 1);
	m(".", "\n", 0);
	m(".", "\r", 0);
	m(".", "\xc2\x85", 0);		/* U+0085 */
	m(".", "\xe2\x80\xa8", 0);	/* U+2028 */
	m(".", "\xe2\x80\xa9", 0);	/* U+2029 */
	m(".", "\x0b", 1);		/* not a Java line terminator */
	m(".", "\f", 1);
	m(".", "\xf0\x9f\x98\x80", 1);	/* one code point */
	m("(?s).", "\n", 1);
	m("(?d).", "\r", 1);
	m("(?d).", "\n", 0);
	m("(?d).", "\xe2\x80\xa8", 1);
	m("a.*", "abc\r", 0);		/* why CRLF Apache lines drop */
	m("(?s:.)(.)", "\nx", 1);
	m("(?s:.).", "\n\n", 0);
}

static void
test_anchors(void **state)
{
	(void)state;
	f("a$", "a\n", 1);
	f("a$", "a\r\n", 1);
	f("a$", "a\r", 1);
	f("a$", "a\xe2\x80\xa8", 1);
	f("a$", "a\n\n", 0);
	f("a$\n", "a\r\n", 0);		/* no $ between \r and \n */
	f("(?d)a$", "a\r\n", 0);
	f("(?d)a$", "a\n", 1);
	f("(?m)a$", "a\nb", 1);
	f("(?m)a$", "a\r\nb", 1);
	f("(?m)^b", "a\nb", 1);
	f("(?m)^b", "a\r\nb", 1);
	f("(?m)^b", "a\xc2\x85" "b", 1);
	f("(?m)^\\n", "\r\n", 0);	/* \r\n is one terminator */
	f("(?m)^", "", 0);		/* never at the end of input */
	f("(?m)^", "a\n", 1);
	f("(?m)^$", "a\n", 0);
	f("(?d)(?m)^b", "a\rb", 0);
	f("^b", "a\nb", 0);
	f("a\\Z", "a\n", 1);
	f("a\\Z", "a\n\n", 0);
	f("a\\z", "a\n", 0);
	f("\\Aa", "ba", 0);
	m("^abc$", "abc", 1);
	m("x^*y", "xy", 1);		/* Java quantifies an anchor */
}

static void
test_boundaries(void **state)
{
	(void)state;
	/* Java 8's \b counts Unicode letters and digits as word chars. */
	f("\\b\xc3\xa9", " \xc3\xa9", 1);
	f("a\\b", "a\xc3\xa9", 0);
	f("a\\B", "a\xc3\xa9", 1);
	f("\\bfoo\\b", "a foo.", 1);
	f("\\bfoo\\b", "afoo", 0);
	f("x\\b", "x_", 0);
	rejected("\\b{g}", "\\b{...}");
}

static void
test_classes(void **state)
{
	(void)state;
	m("\\w", "\xc3\xa9", 0);	/* \w is ASCII in Java */
	m("\\W", "\xc3\xa9", 1);
	m("\\d", "\xd9\xa3", 0);	/* ARABIC-INDIC DIGIT THREE */
	m("\\s", "\x0b", 1);
	m("\\s", "\xc2\xa0", 0);
	m("\\h", "\xc2\xa0", 1);
	m("\\v", "\xe2\x80\xa8", 1);
	m("\\R", "\r\n", 1);
	m("\\R", "\xe2\x80\xa9", 1);
	m("\\X", "e\xcc\x81", 1);
	m("[]a]", "]", 1);
	m("[^]a]", "b", 1);
	m("[^]a]", "]", 0);
	m("[a-]", "-", 1);
	m("[-a]", "-", 1);
	m("[\\w-.]+", "a-.", 1);
	m("[^^]", "^", 0);
	m("[a^]", "^", 1);
	m("[a-d[m-p]]+", "amp", 1);
	m("[a-d[m-p]]", "e", 0);
	m("[\\Q]\\E]", "]", 1);
	m("[\\x{1F600}]", "\xf0\x9f\x98\x80", 1);
	m("[\xc3\xa9-\xc3\xab]", "\xc3\xaa", 1);
	rejected("[a-z&&[^aeiou]]", "intersection");
	rejected("[^a[b]]", "negated");
	rejected("[a[^b]]", "negated");
	rejected("[z-a]", "Illegal character range");
	rejected("[a-\\d]", "Illegal character range");
	rejected("[\\b]", "Illegal/unsupported escape");
	rejected("[a", "Unclosed character class");
	rejected("[]", "Unclosed character class");
}

static void
test_properties(void **state)
{
	(void)state;
	m("\\p{Lower}+", "abc", 1);
	m("\\p{Lower}", "\xc3\xa9", 0);	/* POSIX classes are ASCII */
	m("\\p{Upper}\\p{Alpha}\\p{Digit}\\p{Alnum}", "AbZ9", 0);
	m("\\p{Upper}\\p{Alpha}\\p{Digit}\\p{Alnum}", "Ab9Z", 1);
	m("\\p{Punct}", "!", 1);
	m("\\p{Punct}", "\xc2\xa1", 0);
	m("\\p{Graph}\\p{Print}\\p{Blank}\\p{Cntrl}\\p{XDigit}\\p{Space}",
	    "~ \t\x7f" "f\x0b", 1);
	m("\\p{ASCII}", "\x7f", 1);
	m("\\P{Digit}", "a", 1);
	m("[\\P{Digit}]", "1", 0);
	m("\\p{L}+", "\xc3\xa9" "a", 1);
	m("\\pL", "\xc3\xa9", 1);
	m("\\p{IsL}", "a", 1);
	m("\\p{Lu}", "\xc3\x89", 1);
	m("\\p{IsLu}", "\xc3\xa9", 0);
	m("\\p{gc=Nd}", "\xd9\xa3", 1);
	m("\\p{general_category=Lu}", "A", 1);
	m("\\p{LC}", "a", 1);
	m("\\p{IsLatin}", "\xc3\xa9", 1);
	m("\\p{IsGreek}", "\xc3\xa9", 0);
	m("\\p{script=Greek}", "\xce\xb1", 1);
	m("\\p{sc=Grek}", "\xce\xb1", 1);
	m("\\p{IsPunct}", "!", 1);
	rejected("\\p{InGreek}", "blocks");
	rejected("\\p{block=Greek}", "blocks");
	rejected("\\p{javaLowerCase}", "java");
	rejected("\\p{IsAlphabetic}", "binary");
	rejected("\\p{Nope}", "Unknown character property");
	rejected("\\p{lower}", "Unknown character property");
}

static void
test_escapes(void **state)
{
	(void)state;
	m("\\ca", "!", 1);		/* 'a' ^ 64, not Ctrl-A */
	m("\\cA", "\x01", 1);
	m("\\0101", "A", 1);
	m("\\0377", "\xc3\xbf", 1);
	m("\\0400", " 0", 1);		/* \040 then "0" */
	m("\\x41\\x{1F600}", "A\xf0\x9f\x98\x80", 1);
	m("\\u00e9", "\xc3\xa9", 1);
	m("\\uD83D\\uDE00", "\xf0\x9f\x98\x80", 1);
	m("\\t\\n\\r\\f\\a\\e", "\t\n\r\f\a\x1b", 1);
	m("\\<\\>\\#", "<>#", 1);
	m("\\Q.*+\\E", ".*+", 1);
	m("\\Q.*+\\E", "ab", 0);
	m("\\Qab\\E+", "abb", 1);
	m("\\Qa\\\\E", "a\\", 1);
	m("\\Q(x", "(x", 1);
	rejected("\\uD800", "surrogate");
	rejected("\\x{DC00}", "surrogate");
	rejected("\\y", "Illegal/unsupported escape");
	rejected("\\N{LATIN SMALL LETTER A}", "\\N");
	rejected("\\08", "Illegal octal");
	rejected("\\x4", "hexadecimal");
	rejected("\\E", "Illegal/unsupported escape");
}

static void
test_quantifiers(void **state)
{
	(void)state;
	m("a{2,3}", "aaa", 1);
	m("a{2,3}", "aaaa", 0);
	m("a{2,}", "aaaa", 1);
	m("a{2}", "aa", 1);
	m("a*+a", "aaa", 0);		/* possessive */
	m("(?>a*)a", "aaa", 0);		/* atomic */
	m("a+?b", "aab", 1);
	m("x}]", "x}]", 1);		/* literal in Java */
	m("{2}a", "a", 1);		/* an empty atom, repeated */
	rejected("a{", "Illegal repetition");
	rejected("{", "Illegal repetition");
	rejected("a{,3}", "Illegal repetition");
	rejected("a{3,2}", "Illegal repetition range");
	rejected("a{2", "Unclosed counted closure");
	rejected("a{70000}", "65535");
	rejected("*a", "Dangling meta character");
	rejected("a**", "Dangling meta character");
	rejected("(?i)*", "Dangling meta character");
}

static void
test_groups(void **state)
{
	(void)state;
	m("(a)\\1", "aa", 1);
	m("(a)\\11", "aa1", 1);		/* group 11 does not exist */
	m("(?<year>\\d{4})-\\k<year>", "2024-2024", 1);
	m("(?<year>\\d{4})-\\k<year>", "2024-2025", 0);
	m("(?:ab)+", "abab", 1);
	f("(?<=a)b", "ab", 1);
	f("(?<!a)b", "ab", 0);
	f("a(?=b)", "ab", 1);
	f("a(?!b)", "ab", 0);
	rejected("(a)\\2", "does not exist");
	rejected("\\k<nope>", "does not exist");
	rejected("(?<a>x)(?<a>y)", "already defined");
	rejected("(?<1a>x)", "Latin letter");
	rejected("(a", "Unclosed group");
	rejected("a)", "Unmatched closing ')'");
	rejected("(?<=a+)b", "PCRE2");
	rejected("(?|a)", "Unknown inline modifier");
	rejected("(?#c)", "Unknown inline modifier");
	rejected("(*UTF)a", "Dangling meta character");
}

static void
test_flags(void **state)
{
	(void)state;
	m("(?i)abc", "ABC", 1);
	m("(?i)k", "\xe2\x84\xaa", 0);	/* KELVIN SIGN: ASCII folding only */
	m("(?iu)k", "\xe2\x84\xaa", 1);
	m("(?i)\xc3\xa9", "\xc3\x89", 0);
	m("(?iu)\xc3\xa9", "\xc3\x89", 1);
	m("(?i)[a-c]", "B", 1);
	m("(?i)[^a]", "A", 0);
	m("(?i)[X-c]", "x", 1);
	m("(?i)[X-c]", "C", 1);
	m("(?i)[X-c]", "d", 0);
	m("(?i)(a)\\1", "aA", 1);
	m("(?i)a(?-i)b", "Ab", 1);
	m("(?i)a(?-i)b", "AB", 0);
	m("((?i)a)b", "Ab", 1);
	m("((?i)a)b", "AB", 0);		/* flags end with the group */
	m("(?i:a)b", "AB", 0);
	m("a(?i)b|c", "C", 1);		/* later alternatives too */
	m("(?x) a b # comment\n c", "abc", 1);
	m("(?x)[a b]", " ", 0);		/* white space in classes too */
	m("(?x)[a b]", "b", 1);
	m("(?x)a\\ b", "a b", 1);
	m("(?x)a\\Q b\\E", "a b", 1);
	m("(?x)a{2 , 3}", "aaa", 1);
	m("(?d)(?-d).", "\r", 0);
	m("(?m)(?s)a.b", "a\nb", 1);
	rejected("(?U)\\w", "ungreedy");
	rejected("(?-U)a", "ungreedy");
	rejected("(?q)a", "Unknown inline modifier");
}

static void
test_translate(void **state)
{
	char	*cause = NULL, *t;

	(void)state;
	/* The output is ASCII and does not depend on PCRE2's options. */
	t = jregex_translate("a.\xc3\xa9", &cause);
	assert_non_null(t);
	assert_string_equal(t, "a[^\\n\\r\\x{85}\\x{2028}\\x{2029}]\\x{e9}");
	free(t);
	t = jregex_translate("(?i)a[b-c]\\d", &cause);
	assert_non_null(t);
	assert_string_equal(t, "[aA][b-cB-C]\\d");
	free(t);
	assert_null(jregex_translate("a\xff", &cause));
	assert_non_null(strstr(cause, "UTF-8"));
	free(cause);
}

static void
check_repair(const char *in, size_t len, const char *want, int valid)
{
	char	out[64];
	size_t	n;

	assert_int_equal(jregex_utf8_is_valid(in, len), valid);
	n = jregex_utf8_repair(out, in, len);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
}

#define RC	"\xef\xbf\xbd"

static void
test_utf8(void **state)
{
	(void)state;
	check_repair("abc\xc3\xa9\xf0\x9f\x98\x80", 9,
	    "abc\xc3\xa9\xf0\x9f\x98\x80", 1);
	check_repair("a\xff" "b", 3, "a" RC "b", 0);
	check_repair("a\xe2\x82", 3, "a" RC, 0);	/* truncated: one */
	check_repair("\xe2\x82" "a", 3, RC "a", 0);
	check_repair("\xed\xa0\x80", 3, RC, 0);		/* surrogate: one */
	check_repair("\xed\xa0" "A", 3, RC "A", 0);
	check_repair("\xe0\x80\x80", 3, RC RC RC, 0);	/* overlong */
	check_repair("\xc0\xaf", 2, RC RC, 0);
	check_repair("\xf0\x90\x80", 3, RC, 0);
	check_repair("\xf0\x90\x41", 3, RC "A", 0);
	check_repair("\xf4\x90\x80\x80", 4, RC RC RC RC, 0);
	check_repair("\xf8\x88\x80\x80\x80", 5, RC RC RC RC RC, 0);
	check_repair("12345678\x80", 9, "12345678" RC, 0);
	/* A repaired subject matches as Java's String would. */
	assert_int_equal(run("a.b", "a" RC "b", 5, MATCHES), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dot),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_properties),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_quantifiers),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_translate),
		cmocka_unit_test(test_utf8),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
