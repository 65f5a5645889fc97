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
#include "utf8.h"

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

#define nitems(a)	(sizeof (a) / sizeof (a)[0])

/*
 * Pattern.matches(pat, s) == want, for mode MATCHES;
 * Pattern.compile(pat).matcher(s).find() == want, for FIND.
 */
struct match_case {
	enum mode	 mode;
	const char	*pat;
	const char	*s;
	int		 want;
};

#define M(pat, s, want)	{ MATCHES, (pat), (s), (want) }
#define F(pat, s, want)	{ FIND, (pat), (s), (want) }

/* A pattern that must not compile, with a word of why. */
struct reject_case {
	const char	*pat;
	const char	*why;
};

static void
run_matches(const struct match_case *c, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (run(c[i].pat, c[i].s, strlen(c[i].s), c[i].mode) !=
		    c[i].want)
			fail_msg("cases[%zu]: %s(\"%s\", \"%s\") should be %s",
			    i, c[i].mode == MATCHES ? "matches" : "find",
			    c[i].pat, c[i].s, c[i].want ? "true" : "false");
	}
}

static void
run_rejects(const struct reject_case *c, size_t n)
{
	pcre2_code	*code;
	char		*cause;
	size_t		 i;

	for (i = 0; i < n; i++) {
		cause = NULL;
		if ((code = jregex_compile(c[i].pat, 0, &cause)) != NULL) {
			pcre2_code_free(code);
			fail_msg("rejects[%zu]: pattern %s compiles", i,
			    c[i].pat);
		}
		if (cause == NULL)
			fail_msg("rejects[%zu]: pattern %s: no cause", i,
			    c[i].pat);
		if (strstr(cause, c[i].why) == NULL)
			fail_msg("rejects[%zu]: pattern %s: cause \"%s\" lacks "
			    "\"%s\"", i, c[i].pat, cause, c[i].why);
		free(cause);
	}
}

static const struct match_case dot_cases[] = {
	M(".", "a", 1),
	M(".", "\n", 0),
	M(".", "\r", 0),
	M(".", "\xc2\x85", 0),		/* U+0085 */
	M(".", "\xe2\x80\xa8", 0),	/* U+2028 */
	M(".", "\xe2\x80\xa9", 0),	/* U+2029 */
	M(".", "\x0b", 1),		/* not a Java line terminator */
	M(".", "\f", 1),
	M(".", "\xf0\x9f\x98\x80", 1),	/* one code point */
	M("(?s).", "\n", 1),
	M("(?d).", "\r", 1),
	M("(?d).", "\n", 0),
	M("(?d).", "\xe2\x80\xa8", 1),
	M("a.*", "abc\r", 0),		/* why CRLF Apache lines drop */
	M("(?s:.)(.)", "\nx", 1),
	M("(?s:.).", "\n\n", 0),
};

static void
test_dot(void **state)
{
	(void)state;
	run_matches(dot_cases, nitems(dot_cases));
}

static const struct match_case anchors_cases[] = {
	F("a$", "a\n", 1),
	F("a$", "a\r\n", 1),
	F("a$", "a\r", 1),
	F("a$", "a\xe2\x80\xa8", 1),
	F("a$", "a\n\n", 0),
	F("a$\n", "a\r\n", 0),		/* no $ between \r and \n */
	F("(?d)a$", "a\r\n", 0),
	F("(?d)a$", "a\n", 1),
	F("(?m)a$", "a\nb", 1),
	F("(?m)a$", "a\r\nb", 1),
	F("(?m)^b", "a\nb", 1),
	F("(?m)^b", "a\r\nb", 1),
	F("(?m)^b", "a\xc2\x85" "b", 1),
	F("(?m)^\\n", "\r\n", 0),	/* \r\n is one terminator */
	F("(?m)^", "", 0),		/* never at the end of input */
	F("(?m)^", "a\n", 1),
	F("(?m)^$", "a\n", 0),
	F("(?d)(?m)^b", "a\rb", 0),
	F("^b", "a\nb", 0),
	F("a\\Z", "a\n", 1),
	F("a\\Z", "a\n\n", 0),
	F("a\\z", "a\n", 0),
	F("\\Aa", "ba", 0),
	M("^abc$", "abc", 1),
	M("x^*y", "xy", 1),		/* Java quantifies an anchor */
};

static void
test_anchors(void **state)
{
	(void)state;
	run_matches(anchors_cases, nitems(anchors_cases));
}

static const struct match_case boundaries_cases[] = {
	/* Java 8's \b counts Unicode letters and digits as word chars. */
	F("\\b\xc3\xa9", " \xc3\xa9", 1),
	F("a\\b", "a\xc3\xa9", 0),
	F("a\\B", "a\xc3\xa9", 1),
	F("\\bfoo\\b", "a foo.", 1),
	F("\\bfoo\\b", "afoo", 0),
	F("x\\b", "x_", 0),
};

static const struct reject_case boundaries_rejects[] = {
	{ "\\b{g}", "\\b{...}" },
};

static void
test_boundaries(void **state)
{
	(void)state;
	run_matches(boundaries_cases, nitems(boundaries_cases));
	run_rejects(boundaries_rejects, nitems(boundaries_rejects));
}

static const struct match_case classes_cases[] = {
	M("\\w", "\xc3\xa9", 0),	/* \w is ASCII in Java */
	M("\\W", "\xc3\xa9", 1),
	M("\\d", "\xd9\xa3", 0),	/* ARABIC-INDIC DIGIT THREE */
	M("\\s", "\x0b", 1),
	M("\\s", "\xc2\xa0", 0),
	M("\\h", "\xc2\xa0", 1),
	M("\\v", "\xe2\x80\xa8", 1),
	M("\\R", "\r\n", 1),
	M("\\R", "\xe2\x80\xa9", 1),
	M("\\X", "e\xcc\x81", 1),
	M("[]a]", "]", 1),
	M("[^]a]", "b", 1),
	M("[^]a]", "]", 0),
	M("[a-]", "-", 1),
	M("[-a]", "-", 1),
	M("[\\w-.]+", "a-.", 1),
	M("[^^]", "^", 0),
	M("[a^]", "^", 1),
	M("[a-d[m-p]]+", "amp", 1),
	M("[a-d[m-p]]", "e", 0),
	M("[\\Q]\\E]", "]", 1),
	M("[\\x{1F600}]", "\xf0\x9f\x98\x80", 1),
	M("[\xc3\xa9-\xc3\xab]", "\xc3\xaa", 1),
};

static const struct reject_case classes_rejects[] = {
	{ "[a-z&&[^aeiou]]", "intersection" },
	{ "[^a[b]]", "negated" },
	{ "[a[^b]]", "negated" },
	{ "[z-a]", "Illegal character range" },
	{ "[a-\\d]", "Illegal character range" },
	{ "[\\b]", "Illegal/unsupported escape" },
	{ "[a", "Unclosed character class" },
	{ "[]", "Unclosed character class" },
};

static void
test_classes(void **state)
{
	(void)state;
	run_matches(classes_cases, nitems(classes_cases));
	run_rejects(classes_rejects, nitems(classes_rejects));
}

static const struct match_case properties_cases[] = {
	M("\\p{Lower}+", "abc", 1),
	M("\\p{Lower}", "\xc3\xa9", 0),	/* POSIX classes are ASCII */
	M("\\p{Upper}\\p{Alpha}\\p{Digit}\\p{Alnum}", "AbZ9", 0),
	M("\\p{Upper}\\p{Alpha}\\p{Digit}\\p{Alnum}", "Ab9Z", 1),
	M("\\p{Punct}", "!", 1),
	M("\\p{Punct}", "\xc2\xa1", 0),
	M("\\p{Graph}\\p{Print}\\p{Blank}\\p{Cntrl}\\p{XDigit}\\p{Space}",
	    "~ \t\x7f" "f\x0b", 1),
	M("\\p{ASCII}", "\x7f", 1),
	M("\\P{Digit}", "a", 1),
	M("[\\P{Digit}]", "1", 0),
	M("\\p{L}+", "\xc3\xa9" "a", 1),
	M("\\pL", "\xc3\xa9", 1),
	M("\\p{IsL}", "a", 1),
	M("\\p{Lu}", "\xc3\x89", 1),
	M("\\p{IsLu}", "\xc3\xa9", 0),
	M("\\p{gc=Nd}", "\xd9\xa3", 1),
	M("\\p{general_category=Lu}", "A", 1),
	M("\\p{LC}", "a", 1),
	M("\\p{IsLatin}", "\xc3\xa9", 1),
	M("\\p{IsGreek}", "\xc3\xa9", 0),
	M("\\p{script=Greek}", "\xce\xb1", 1),
	M("\\p{sc=Grek}", "\xce\xb1", 1),
	M("\\p{IsPunct}", "!", 1),
};

static const struct reject_case properties_rejects[] = {
	{ "\\p{InGreek}", "blocks" },
	{ "\\p{block=Greek}", "blocks" },
	{ "\\p{javaLowerCase}", "java" },
	{ "\\p{IsAlphabetic}", "binary" },
	{ "\\p{Nope}", "Unknown character property" },
	{ "\\p{lower}", "Unknown character property" },
};

static void
test_properties(void **state)
{
	(void)state;
	run_matches(properties_cases, nitems(properties_cases));
	run_rejects(properties_rejects, nitems(properties_rejects));
}

static const struct match_case escapes_cases[] = {
	M("\\ca", "!", 1),		/* 'a' ^ 64, not Ctrl-A */
	M("\\cA", "\x01", 1),
	M("\\0101", "A", 1),
	M("\\0377", "\xc3\xbf", 1),
	M("\\0400", " 0", 1),		/* \040 then "0" */
	M("\\x41\\x{1F600}", "A\xf0\x9f\x98\x80", 1),
	M("\\u00e9", "\xc3\xa9", 1),
	M("\\uD83D\\uDE00", "\xf0\x9f\x98\x80", 1),
	M("\\t\\n\\r\\f\\a\\e", "\t\n\r\f\a\x1b", 1),
	M("\\<\\>\\#", "<>#", 1),
	M("\\Q.*+\\E", ".*+", 1),
	M("\\Q.*+\\E", "ab", 0),
	M("\\Qab\\E+", "abb", 1),
	M("\\Qa\\\\E", "a\\", 1),
	M("\\Q(x", "(x", 1),
};

static const struct reject_case escapes_rejects[] = {
	{ "\\uD800", "surrogate" },
	{ "\\x{DC00}", "surrogate" },
	{ "\\y", "Illegal/unsupported escape" },
	{ "\\N{LATIN SMALL LETTER A}", "\\N" },
	{ "\\08", "Illegal octal" },
	{ "\\x4", "hexadecimal" },
	{ "\\E", "Illegal/unsupported escape" },
};

static void
test_escapes(void **state)
{
	(void)state;
	run_matches(escapes_cases, nitems(escapes_cases));
	run_rejects(escapes_rejects, nitems(escapes_rejects));
}

static const struct match_case quantifiers_cases[] = {
	M("a{2,3}", "aaa", 1),
	M("a{2,3}", "aaaa", 0),
	M("a{2,}", "aaaa", 1),
	M("a{2}", "aa", 1),
	M("a*+a", "aaa", 0),		/* possessive */
	M("(?>a*)a", "aaa", 0),		/* atomic */
	M("a+?b", "aab", 1),
	M("x}]", "x}]", 1),		/* literal in Java */
	M("{2}a", "a", 1),		/* an empty atom, repeated */
};

static const struct reject_case quantifiers_rejects[] = {
	{ "a{", "Illegal repetition" },
	{ "{", "Illegal repetition" },
	{ "a{,3}", "Illegal repetition" },
	{ "a{3,2}", "Illegal repetition range" },
	{ "a{2", "Unclosed counted closure" },
	{ "a{70000}", "65535" },
	{ "*a", "Dangling meta character" },
	{ "a**", "Dangling meta character" },
	{ "(?i)*", "Dangling meta character" },
};

static void
test_quantifiers(void **state)
{
	(void)state;
	run_matches(quantifiers_cases, nitems(quantifiers_cases));
	run_rejects(quantifiers_rejects, nitems(quantifiers_rejects));
}

static const struct match_case groups_cases[] = {
	M("(a)\\1", "aa", 1),
	M("(a)\\11", "aa1", 1),		/* group 11 does not exist */
	M("(?<year>\\d{4})-\\k<year>", "2024-2024", 1),
	M("(?<year>\\d{4})-\\k<year>", "2024-2025", 0),
	M("(?:ab)+", "abab", 1),
	F("(?<=a)b", "ab", 1),
	F("(?<!a)b", "ab", 0),
	F("a(?=b)", "ab", 1),
	F("a(?!b)", "ab", 0),
};

static const struct reject_case groups_rejects[] = {
	{ "(a)\\2", "does not exist" },
	{ "\\k<nope>", "does not exist" },
	{ "(?<a>x)(?<a>y)", "already defined" },
	{ "(?<1a>x)", "Latin letter" },
	{ "(a", "Unclosed group" },
	{ "a)", "Unmatched closing ')'" },
	{ "(?<=a+)b", "PCRE2" },
	{ "(?|a)", "Unknown inline modifier" },
	{ "(?#c)", "Unknown inline modifier" },
	{ "(*UTF)a", "Dangling meta character" },
};

static void
test_groups(void **state)
{
	(void)state;
	run_matches(groups_cases, nitems(groups_cases));
	run_rejects(groups_rejects, nitems(groups_rejects));
}

static const struct match_case flags_cases[] = {
	M("(?i)abc", "ABC", 1),
	/* KELVIN SIGN: ASCII folding only. */
	M("(?i)k", "\xe2\x84\xaa", 0),
	M("(?iu)k", "\xe2\x84\xaa", 1),
	M("(?i)\xc3\xa9", "\xc3\x89", 0),
	M("(?iu)\xc3\xa9", "\xc3\x89", 1),
	M("(?i)[a-c]", "B", 1),
	M("(?i)[^a]", "A", 0),
	M("(?i)[X-c]", "x", 1),
	M("(?i)[X-c]", "C", 1),
	M("(?i)[X-c]", "d", 0),
	M("(?i)(a)\\1", "aA", 1),
	M("(?i)a(?-i)b", "Ab", 1),
	M("(?i)a(?-i)b", "AB", 0),
	M("((?i)a)b", "Ab", 1),
	M("((?i)a)b", "AB", 0),		/* flags end with the group */
	M("(?i:a)b", "AB", 0),
	M("a(?i)b|c", "C", 1),		/* later alternatives too */
	M("(?x) a b # comment\n c", "abc", 1),
	M("(?x)[a b]", " ", 0),		/* white space in classes too */
	M("(?x)[a b]", "b", 1),
	M("(?x)a\\ b", "a b", 1),
	M("(?x)a\\Q b\\E", "a b", 1),
	M("(?x)a{2 , 3}", "aaa", 1),
	M("(?d)(?-d).", "\r", 0),
	M("(?m)(?s)a.b", "a\nb", 1),
};

static const struct reject_case flags_rejects[] = {
	{ "(?U)\\w", "ungreedy" },
	{ "(?-U)a", "ungreedy" },
	{ "(?q)a", "Unknown inline modifier" },
};

static void
test_flags(void **state)
{
	(void)state;
	run_matches(flags_cases, nitems(flags_cases));
	run_rejects(flags_rejects, nitems(flags_rejects));
}

static void
test_translate(void **state)
{
	char	*cause = NULL, *t;

	(void)state;
	/* The output is ASCII and does not depend on PCRE2's options. */
	t = jregex_translate("a.\xc3\xa9", &cause);
	assert_non_null(t);
	assert_string_equal(t,
	    "a[^\\n\\r\\x{0085}\\x{2028}\\x{2029}]\\x{e9}");
	free(t);
	t = jregex_translate("(?i)a[b-c]\\d", &cause);
	assert_non_null(t);
	assert_string_equal(t, "[aA][b-cB-C]\\d");
	free(t);
	assert_null(jregex_translate("a\xff", &cause));
	assert_non_null(strstr(cause, "UTF-8"));
	free(cause);
}

/*
 * The byte-mode twin matches what the UTF pattern does on ASCII lines.
 * It drops the translator's own U+0085 U+2028 U+2029 class items, and
 * once also dropped the same characters written in the pattern, which
 * then matched anything (found by fuzz_options).
 */
static void
test_ascii_twin(void **state)
{
	static const struct {
		const char	*pat;
		const char	*subject;
		int		 match;
	} cases[] = {
		{ "\\x{85}\\x{2028}\\x{2029}", "abc", 0 },
		{ "a\\u0085\\u2028\\u2029b", "ab", 0 },
		{ "[\\x{85}\\x{2028}\\x{2029}]", "a", 0 },
		{ "\\n\\r\\x{85}\\x{2028}\\x{2029}", "\n\r", 0 },
		{ "a.b", "a\rb", 0 },
		{ "a.b", "axb", 1 },
		{ "(?m)^b", "a\rb", 1 },
		{ "a$", "a\r", 1 },
		{ "\\bx\\b", "a x b", 1 },
	};
	pcre2_code		*utf, *twin;
	pcre2_match_data	*md;
	size_t			 i;
	int			 a, b;
	char			*cause = NULL;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		utf = jregex_compile(cases[i].pat, 0, &cause);
		if (utf == NULL)
			fail_msg("pattern %s: %s", cases[i].pat, cause);
		twin = jregex_compile_ascii(cases[i].pat, 0);
		md = pcre2_match_data_create_from_pattern(utf, NULL);
		a = pcre2_match(utf, (PCRE2_SPTR)cases[i].subject,
		    strlen(cases[i].subject), 0, 0, md, NULL) > 0;
		b = twin == NULL ? a : pcre2_match(twin,
		    (PCRE2_SPTR)cases[i].subject, strlen(cases[i].subject), 0,
		    0, md, NULL) > 0;
		if (a != cases[i].match || b != cases[i].match)
			fail_msg("pattern %s on \"%s\": UTF %d, ASCII %d, want "
			    "%d", cases[i].pat, cases[i].subject, a, b,
			    cases[i].match);
		pcre2_match_data_free(md);
		pcre2_code_free(twin);
		pcre2_code_free(utf);
	}
}

#define RC	"\xef\xbf\xbd"

/* in[0..len) is valid UTF-8 or not, and repairs to the string want. */
struct repair_case {
	const char	*in;
	size_t		 len;
	const char	*want;
	int		 valid;
};

static const struct repair_case utf8_repairs[] = {
	{ "abc\xc3\xa9\xf0\x9f\x98\x80", 9, "abc\xc3\xa9\xf0\x9f\x98\x80", 1 },
	{ "a\xff" "b", 3, "a" RC "b", 0 },
	{ "a\xe2\x82", 3, "a" RC, 0 },		/* truncated: one */
	{ "\xe2\x82" "a", 3, RC "a", 0 },
	{ "\xed\xa0\x80", 3, RC, 0 },		/* surrogate: one */
	{ "\xed\xa0" "A", 3, RC "A", 0 },
	{ "\xe0\x80\x80", 3, RC RC RC, 0 },	/* overlong */
	{ "\xc0\xaf", 2, RC RC, 0 },
	{ "\xf0\x90\x80", 3, RC, 0 },
	{ "\xf0\x90\x41", 3, RC "A", 0 },
	{ "\xf4\x90\x80\x80", 4, RC RC RC RC, 0 },
	{ "\xf8\x88\x80\x80\x80", 5, RC RC RC RC RC, 0 },
	{ "12345678\x80", 9, "12345678" RC, 0 },
};

static void
test_utf8(void **state)
{
	const struct repair_case	*c;
	struct buf			 scratch = BUF_INIT(64);
	struct buf			 small = BUF_INIT(8);
	const char			*p;
	char				 out[64];
	size_t				 i, n;

	(void)state;
	for (i = 0; i < nitems(utf8_repairs); i++) {
		c = &utf8_repairs[i];
		if (utf8_is_valid(c->in, c->len) != c->valid)
			fail_msg("utf8_repairs[%zu]: valid should be %d", i,
			    c->valid);
		n = utf8_repair(out, c->in, c->len);
		if (n != strlen(c->want) || memcmp(out, c->want, n) != 0)
			fail_msg("utf8_repairs[%zu]: got [%.*s] (%zu), want "
			    "[%s] (%zu)", i, (int)n, out, n, c->want,
			    strlen(c->want));
		/* The same through scratch; valid text is not copied. */
		n = c->len;
		if ((p = utf8_repair_buf(&scratch, c->in, &n)) == NULL)
			fail_msg("utf8_repairs[%zu]: utf8_repair_buf NULL", i);
		if (n != strlen(c->want) || memcmp(p, c->want, n) != 0)
			fail_msg("utf8_repairs[%zu]: utf8_repair_buf got "
			    "[%.*s]", i, (int)n, p);
		if ((p == c->in) != c->valid)
			fail_msg("utf8_repairs[%zu]: copied %d", i,
			    p != c->in);
	}
	/* Past the scratch's maximum (3 bytes a byte, worst case): NULL. */
	n = 3;
	assert_ptr_equal(utf8_repair_buf(&small, "\xff\xff\xff", &n), NULL);
	assert_int_equal(n, 3);
	assert_true(buf_has_failed(&small));
	n = 2;
	p = utf8_repair_buf(&small, "\xffz", &n);
	assert_non_null(p);
	assert_int_equal(n, 4);
	assert_memory_equal(p, RC "z", 4);
	buf_free(&small);
	buf_free(&scratch);

	/* utf8_encode at each length's edges. */
	assert_int_equal(utf8_encode(out, 0x41), 1);
	assert_memory_equal(out, "A", 1);
	assert_int_equal(utf8_encode(out, 0x7f), 1);
	assert_memory_equal(out, "\x7f", 1);
	assert_int_equal(utf8_encode(out, 0x80), 2);
	assert_memory_equal(out, "\xc2\x80", 2);
	assert_int_equal(utf8_encode(out, 0xe9), 2);
	assert_memory_equal(out, "\xc3\xa9", 2);
	assert_int_equal(utf8_encode(out, 0x7ff), 2);
	assert_memory_equal(out, "\xdf\xbf", 2);
	assert_int_equal(utf8_encode(out, 0x800), 3);
	assert_memory_equal(out, "\xe0\xa0\x80", 3);
	assert_int_equal(utf8_encode(out, 0xfffd), 3);
	assert_memory_equal(out, RC, 3);
	assert_int_equal(utf8_encode(out, 0x10000), 4);
	assert_memory_equal(out, "\xf0\x90\x80\x80", 4);
	assert_int_equal(utf8_encode(out, 0x1f600), 4);
	assert_memory_equal(out, "\xf0\x9f\x98\x80", 4);
	assert_int_equal(utf8_encode(out, 0x10ffff), 4);
	assert_memory_equal(out, "\xf4\x8f\xbf\xbf", 4);
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
		cmocka_unit_test(test_ascii_twin),
		cmocka_unit_test(test_utf8),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
