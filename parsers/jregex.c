/*
 * jregex: translates java.util.regex patterns into PCRE2 patterns with the
 * same meaning, so that the Kinesis Agent's regex options behave as they
 * do in the agent (jregex.h).
 *
 * The translator is a recursive descent parser shaped like Pattern.java
 * (JDK 8): \Q...\E quoting is removed first, as RemoveQEQuoting does, then
 * expr/sequence/atom/closure/clazz/range/escape/family walk the pattern
 * with Java's flag scoping, and every construct is written out in PCRE2
 * syntax whose meaning does not depend on PCRE2's options.  The output is
 * ASCII: every literal that is not a letter or digit is written \x{...}.
 *
 * What differs between the two engines, and what is done about it:
 * - "." in Java excludes \n \r U+0085 U+2028 U+2029 (only \n with (?d));
 *   PCRE2's depends on its newline setting.  "." is written as a class.
 * - "^" "$" "\Z" follow Java's line terminators, its rule that \r\n is
 *   one terminator, and that multiline "^" never matches at the end of
 *   input.  They are written as lookarounds.
 * - (?i) in Java folds ASCII only (Unicode with (?u)); PCRE2 in UTF mode
 *   folds Unicode (and "k" matches U+212A KELVIN SIGN).  ASCII folding is
 *   written out ([kK]); with (?iu) PCRE2's caseless mode is used.
 * - (?x) in Java also ignores white space inside classes: done here.
 * - \b and \B in Java 8 to 18 count Unicode letters and digits as word
 *   characters while \w is ASCII; they are written as lookarounds over
 *   [\p{L}\p{Nd}_].  (Java's extra rule for non-spacing marks is not.)
 * - \cX is X ^ 64 in Java (PCRE2 upper-cases X first); octal is \0mnn;
 *   \uhhhh exists; "{" that is not a quantifier is an error in Java.
 * - \p{Lower} and the other POSIX names are ASCII classes; \p{Lu},
 *   \p{IsLu}, \p{gc=Lu}, \p{IsLatin}, \p{sc=Latin} map to PCRE2.
 * Rejected with a message: (?U) (UNICODE_CHARACTER_CLASS; in PCRE2 (?U)
 * means ungreedy), class intersection (&&), nested classes in negated
 * classes (Java 8 and 9 differ), Unicode blocks (\p{InGreek}), Unicode
 * binary properties (\p{IsAlphabetic}), \p{javaLowerCase} and the other
 * java* properties, back references to groups that do not exist, lone
 * surrogates, \N{...}, \b{g}, and repeat counts above 65535.  Variable
 * length lookbehind, which Java allows when bounded, is rejected by PCRE2
 * 10.42 with its own message.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jregex.h"
#include "utf8.h"
#include "log.h"
#include "xmalloc.h"

/* Java's flags (java.util.regex.Pattern), as letters in (?...). */
#define JX_I	0x01	/* CASE_INSENSITIVE */
#define JX_D	0x02	/* UNIX_LINES */
#define JX_M	0x04	/* MULTILINE */
#define JX_S	0x08	/* DOTALL */
#define JX_U	0x10	/* UNICODE_CASE */
#define JX_X	0x20	/* COMMENTS */

/* Deepest group nesting accepted; the parser recurses per group. */
#define JX_MAX_DEPTH	200
/* PCRE2's largest repeat count. */
#define JX_MAX_REPEAT	65535

/* Java's word characters for \b (Character.isLetterOrDigit, or '_'). */
#define JX_WORD		"[\\p{L}\\p{Nd}_]"
/*
 * Java's line terminators beyond \n and \r, as class items.  U+0085 is
 * spelt \x{0085}, which jx_put_cp never writes for a literal of the
 * pattern (it writes \x{85}): jregex_compile_ascii removes exactly these
 * class items, and must not touch what the pattern itself says.
 */
#define JX_TERM_WIDE	"\\x{0085}\\x{2028}\\x{2029}"
/* Java's line terminators, as the body of a class. */
#define JX_TERM		"\\n\\r" JX_TERM_WIDE

/*
 * A translation grows a pattern (a case-insensitive class lists both
 * cases, a line terminator becomes a class), but never by this much.
 */
#define JX_OUT_MAX	(64 * JREGEX_PATTERN_MAX)

struct jx {
	int32_t		*t;		/* the pattern, code points */
	size_t		 n;
	size_t		 c;		/* cursor */
	unsigned	 flags;
	struct buf	 out;
	int		 ngroups;	/* capturing groups opened so far */
	int		 total;		/* in the whole pattern, or -1 */
	char		**names;	/* named groups so far */
	size_t		 nnames;
	char		*err;
	int		 depth;
};

static int	jx_expr(struct jx *);

/* Records the first error, with the offset in code points. */
static int
jx_error(struct jx *x, const char *msg)
{
	if (x->err == NULL)
		xasprintf(&x->err, "%s near index %zu", msg, x->c);
	return (-1);
}

static int
jx_is_space(int32_t ch)
{
	return (ch == ' ' || ch == '\t' || ch == '\n' || ch == 0x0b ||
	    ch == '\f' || ch == '\r');
}

static int
jx_is_line_sep(struct jx *x, int32_t ch)
{
	if (x->flags & JX_D)
		return (ch == '\n');
	return (ch == '\n' || ch == '\r' || ch == 0x85 || ch == 0x2028 ||
	    ch == 0x2029);
}

static int32_t
jx_raw(struct jx *x, size_t at)
{
	return (at < x->n ? x->t[at] : -1);
}

/* Java's peek(): in COMMENTS mode white space and #-comments are skipped. */
static int32_t
jx_peek(struct jx *x)
{
	int32_t	ch;

	if (x->flags & JX_X) {
		for (;;) {
			ch = jx_raw(x, x->c);
			if (ch >= 0 && jx_is_space(ch))
				x->c++;
			else if (ch == '#') {
				while (x->c < x->n &&
				    !jx_is_line_sep(x, x->t[x->c]))
					x->c++;
			} else
				break;
		}
	}
	return (jx_raw(x, x->c));
}

static int32_t
jx_read(struct jx *x)
{
	int32_t	ch;

	ch = jx_peek(x);
	if (ch >= 0)
		x->c++;
	return (ch);
}

static int
jx_is_digit(int32_t ch)
{
	return (ch >= '0' && ch <= '9');
}

static int
jx_is_alpha(int32_t ch)
{
	return ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'));
}

static int
jx_hexval(int32_t ch)
{
	if (ch >= '0' && ch <= '9')
		return (ch - '0');
	if (ch >= 'a' && ch <= 'f')
		return (ch - 'a' + 10);
	if (ch >= 'A' && ch <= 'F')
		return (ch - 'A' + 10);
	return (-1);
}

/* A code point as an item of a PCRE2 class or as a literal. */
static void
jx_put_cp(struct buf *b, int32_t cp)
{
	char	c;

	if (cp < 0x80 && (jx_is_alpha(cp) || jx_is_digit(cp))) {
		c = (char)cp;
		buf_add(b, &c, 1);
	} else
		buf_printf(b, "\\x{%x}", (unsigned)cp);
}

static int32_t
jx_swapcase(int32_t cp)
{
	if (cp >= 'a' && cp <= 'z')
		return (cp - 'a' + 'A');
	if (cp >= 'A' && cp <= 'Z')
		return (cp - 'A' + 'a');
	return (cp);
}

/* A literal outside a class, with Java's case folding. */
static void
jx_emit_literal(struct jx *x, int32_t cp)
{
	if ((x->flags & JX_I) && (x->flags & JX_U)) {
		buf_adds(&x->out, "(?i:");
		jx_put_cp(&x->out, cp);
		buf_adds(&x->out, ")");
	} else if ((x->flags & JX_I) && jx_swapcase(cp) != cp) {
		buf_adds(&x->out, "[");
		jx_put_cp(&x->out, cp);
		jx_put_cp(&x->out, jx_swapcase(cp));
		buf_adds(&x->out, "]");
	} else
		jx_put_cp(&x->out, cp);
}

/* A range as class items; with ASCII folding the other case is added. */
static void
jx_class_range(struct jx *x, struct buf *b, int32_t lo, int32_t hi)
{
	int32_t	a, z;

	jx_put_cp(b, lo);
	if (hi != lo) {
		buf_adds(b, "-");
		jx_put_cp(b, hi);
	}
	if (!(x->flags & JX_I) || (x->flags & JX_U))
		return;
	/* Java's ASCII CIRange: ch, toUpper(ch) or toLower(ch) in range. */
	a = lo > 'a' ? lo : 'a';
	z = hi < 'z' ? hi : 'z';
	if (a <= z)
		buf_printf(b, "%c-%c", (char)jx_swapcase(a),
		    (char)jx_swapcase(z));
	a = lo > 'A' ? lo : 'A';
	z = hi < 'Z' ? hi : 'Z';
	if (a <= z)
		buf_printf(b, "%c-%c", (char)jx_swapcase(a),
		    (char)jx_swapcase(z));
}

/*
 * Java's POSIX character classes (ASCII; Pattern's CharPropertyNames) and
 * Unicode general categories, as PCRE2 class items.
 */
static const struct {
	const char	*java;
	const char	*posix;
} jx_posix[] = {
	{ "Lower", "lower" }, { "Upper", "upper" }, { "ASCII", "ascii" },
	{ "Alpha", "alpha" }, { "Digit", "digit" }, { "Alnum", "alnum" },
	{ "Punct", "punct" }, { "Graph", "graph" }, { "Print", "print" },
	{ "Blank", "blank" }, { "Cntrl", "cntrl" }, { "XDigit", "xdigit" },
	{ "Space", "space" }
};

static const char *const jx_categories[] = {
	"Cn", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Me", "Mc", "Nd", "Nl",
	"No", "Zs", "Zl", "Zp", "Cc", "Cf", "Co", "Cs", "Pd", "Ps", "Pe",
	"Pc", "Po", "Sm", "Sc", "Sk", "So", "Pi", "Pf", "L", "M", "N", "Z",
	"C", "P", "S"
};

/* java.lang.Character.UnicodeProp names, reachable as \p{IsName}. */
static const char *const jx_binprops[] = {
	"ALPHABETIC", "LETTER", "IDEOGRAPHIC", "LOWERCASE", "UPPERCASE",
	"TITLECASE", "WHITESPACE", "WHITE_SPACE", "CONTROL", "PUNCTUATION",
	"HEXDIGIT", "HEX_DIGIT", "ASSIGNED", "NONCHARACTERCODEPOINT",
	"NONCHARACTER_CODE_POINT", "DIGIT", "ALNUM", "BLANK", "GRAPH",
	"PRINT", "WORD", "JOINCONTROL", "JOIN_CONTROL"
};

/* Category or POSIX name to class items; returns 0, or -1 if unknown. */
static int
jx_charprop(const char *name, int neg, struct buf *b)
{
	size_t	i;

	for (i = 0; i < sizeof jx_posix / sizeof jx_posix[0]; i++) {
		if (strcmp(name, jx_posix[i].java) == 0) {
			buf_printf(b, "[:%s%s:]", neg ? "^" : "",
			    jx_posix[i].posix);
			return (0);
		}
	}
	for (i = 0; i < sizeof jx_categories / sizeof jx_categories[0]; i++) {
		if (strcmp(name, jx_categories[i]) == 0) {
			buf_printf(b, "\\%c{%s}", neg ? 'P' : 'p', name);
			return (0);
		}
	}
	if (strcmp(name, "LC") == 0) {
		buf_printf(b, "\\%c{L&}", neg ? 'P' : 'p');
		return (0);
	}
	return (-1);
}

static int
jx_script(struct jx *x, const char *name, int neg, struct buf *b)
{
	size_t	i;

	/* PCRE2 rejects a script it does not know, with its own message. */
	for (i = 0; name[i] != '\0'; i++) {
		if (!jx_is_alpha(name[i]) && !jx_is_digit(name[i]) &&
		    name[i] != '_' && name[i] != ' ' && name[i] != '-')
			return (jx_error(x, "Unknown character script name"));
	}
	if (i == 0)
		return (jx_error(x, "Unknown character script name"));
	buf_printf(b, "\\%c{sc:", neg ? 'P' : 'p');
	buf_adds(b, name);
	buf_adds(b, "}");
	return (0);
}

/*
 * Java's family(): \p or \P has been read.  Appends class items to b.
 */
static int
jx_family(struct jx *x, int neg, struct buf *b)
{
	char	 name[64], key[64], up[64];
	char	*eq;
	size_t	 len = 0, i;
	int32_t	 ch;

	ch = jx_raw(x, x->c++);
	if (ch < 0)
		return (jx_error(x, "Illegal character property"));
	if (ch != '{') {
		if (ch >= 0x80)
			return (jx_error(x, "Unknown character property name"));
		name[0] = (char)ch;
		name[1] = '\0';
	} else {
		while ((ch = jx_raw(x, x->c)) >= 0 && ch != '}') {
			if (ch >= 0x80 || len + 1 >= sizeof name)
				return (jx_error(x,
				    "Unknown character property name"));
			name[len++] = (char)ch;
			x->c++;
		}
		if (ch != '}')
			return (jx_error(x, "Unclosed character family"));
		x->c++;
		name[len] = '\0';
		if (len == 0)
			return (jx_error(x, "Empty character family"));
	}
	if ((eq = strchr(name, '=')) != NULL) {
		*eq = '\0';
		for (i = 0; name[i] != '\0'; i++)
			key[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ?
			    name[i] - 'A' + 'a' : name[i]);
		key[i] = '\0';
		if (strcmp(key, "gc") == 0 ||
		    strcmp(key, "general_category") == 0) {
			if (jx_charprop(eq + 1, neg, b) == -1 ||
			    strlen(eq + 1) > 2 || eq[1] < 'A' || eq[1] > 'Z')
				return (jx_error(x,
				    "Unknown Unicode property {name=<gc>}"));
			return (0);
		}
		if (strcmp(key, "sc") == 0 || strcmp(key, "script") == 0)
			return (jx_script(x, eq + 1, neg, b));
		if (strcmp(key, "blk") == 0 || strcmp(key, "block") == 0)
			return (jx_error(x, "Unicode blocks (\\p{block=...}) "
			    "are not supported by PCRE2"));
		return (jx_error(x, "Unknown Unicode property"));
	}
	if (strncmp(name, "In", 2) == 0)
		return (jx_error(x, "Unicode blocks (\\p{In...}) are not "
		    "supported by PCRE2"));
	if (strncmp(name, "java", 4) == 0)
		return (jx_error(x, "java.lang.Character properties "
		    "(\\p{java...}) are not supported"));
	if (strncmp(name, "Is", 2) == 0 && name[2] != '\0') {
		for (i = 0; name[i + 2] != '\0'; i++)
			up[i] = (char)(name[i + 2] >= 'a' &&
			    name[i + 2] <= 'z' ? name[i + 2] - 'a' + 'A' :
			    name[i + 2]);
		up[i] = '\0';
		for (i = 0; i < sizeof jx_binprops / sizeof jx_binprops[0];
		    i++) {
			if (strcmp(up, jx_binprops[i]) == 0)
				return (jx_error(x, "Unicode binary "
				    "properties (\\p{Is...}) are not "
				    "supported"));
		}
		if (jx_charprop(name + 2, neg, b) == 0)
			return (0);
		return (jx_script(x, name + 2, neg, b));
	}
	if (jx_charprop(name, neg, b) == 0)
		return (0);
	return (jx_error(x, "Unknown character property name"));
}

/* Java's o(): \0 then 1 to 3 octal digits (the first <= 3 if three). */
static int32_t
jx_octal(struct jx *x)
{
	int32_t	n, m, o;

	n = jx_raw(x, x->c);
	if (n < '0' || n > '7')
		return (jx_error(x, "Illegal octal escape sequence"));
	x->c++;
	m = jx_raw(x, x->c);
	if (m < '0' || m > '7')
		return (n - '0');
	x->c++;
	o = jx_raw(x, x->c);
	if (o >= '0' && o <= '7' && n <= '3') {
		x->c++;
		return ((n - '0') * 64 + (m - '0') * 8 + (o - '0'));
	}
	return ((n - '0') * 8 + (m - '0'));
}

static int32_t
jx_hex4(struct jx *x)
{
	int32_t	v = 0;
	int	i, h;

	for (i = 0; i < 4; i++) {
		if ((h = jx_hexval(jx_raw(x, x->c))) < 0)
			return (jx_error(x, "Illegal Unicode escape sequence"));
		v = v * 16 + h;
		x->c++;
	}
	return (v);
}

static int32_t
jx_hex(struct jx *x)
{
	int32_t	v = 0;
	int	h, h2;

	if (jx_raw(x, x->c) == '{') {
		x->c++;
		if (jx_raw(x, x->c) == '}')
			return (jx_error(x, "Illegal hexadecimal escape "
			    "sequence"));
		while ((h = jx_hexval(jx_raw(x, x->c))) >= 0) {
			v = v * 16 + h;
			if (v > 0x10ffff)
				return (jx_error(x, "Hexadecimal codepoint is "
				    "too big"));
			x->c++;
		}
		if (jx_raw(x, x->c) != '}')
			return (jx_error(x, "Unclosed hexadecimal escape "
			    "sequence"));
		x->c++;
		return (v);
	}
	h = jx_hexval(jx_raw(x, x->c));
	h2 = jx_hexval(jx_raw(x, x->c + 1));
	if (h < 0 || h2 < 0)
		return (jx_error(x, "Illegal hexadecimal escape sequence"));
	x->c += 2;
	return (h * 16 + h2);
}

static int32_t
jx_unicode(struct jx *x)
{
	int32_t	hi, lo;

	if ((hi = jx_hex4(x)) < 0)
		return (-1);
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return (jx_error(x, "A lone surrogate never matches UTF-8 "
		    "input"));
	if (hi < 0xd800 || hi > 0xdbff)
		return (hi);
	/* Java joins \uD83D\uDE00 into one code point. */
	if (jx_raw(x, x->c) != '\\' || jx_raw(x, x->c + 1) != 'u')
		return (jx_error(x, "A lone surrogate never matches UTF-8 "
		    "input"));
	x->c += 2;
	if ((lo = jx_hex4(x)) < 0)
		return (-1);
	if (lo < 0xdc00 || lo > 0xdfff)
		return (jx_error(x, "A lone surrogate never matches UTF-8 "
		    "input"));
	return (0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00));
}

static void
jx_emit_dollar(struct jx *x, int multiline)
{
	if (x->flags & JX_D) {
		/* Java's UnixDollar. */
		buf_adds(&x->out, multiline ? "(?=\\n|\\z)" : "(?=\\n?\\z)");
		return;
	}
	/* Java's Dollar: no match between \r and \n. */
	if (multiline)
		buf_adds(&x->out, "(?:(?=[" JX_TERM "])(?!(?<=\\r)\\n)|\\z)");
	else
		buf_adds(&x->out, "(?:(?=\\r\\n\\z)|(?<!\\r)(?=\\n\\z)|"
		    "(?=[\\r" JX_TERM_WIDE "]\\z)|\\z)");
}

static void
jx_emit_caret(struct jx *x)
{
	if (!(x->flags & JX_M))
		buf_adds(&x->out, "\\A");
	else if (x->flags & JX_D)
		buf_adds(&x->out, "(?:(?<![^\\n])(?!\\z))");
	else
		buf_adds(&x->out, "(?:(?<![^" JX_TERM "])(?!(?<=\\r)\\n)"
		    "(?!\\z))");
}

static int
jx_name_known(struct jx *x, const char *name)
{
	size_t	i;

	for (i = 0; i < x->nnames; i++)
		if (strcmp(x->names[i], name) == 0)
			return (1);
	return (0);
}

/* A group name: Java accepts [a-zA-Z][a-zA-Z0-9]*. */
static int
jx_group_name(struct jx *x, char *name, size_t size)
{
	size_t	len = 0;
	int32_t	ch;

	ch = jx_raw(x, x->c);
	if (!jx_is_alpha(ch))
		return (jx_error(x, "capturing group name does not start "
		    "with a Latin letter"));
	while (jx_is_alpha(ch = jx_raw(x, x->c)) || jx_is_digit(ch)) {
		if (len + 1 >= size)
			return (jx_error(x, "capturing group name too long"));
		name[len++] = (char)ch;
		x->c++;
	}
	name[len] = '\0';
	if (ch != '>')
		return (jx_error(x, "named capturing group is missing "
		    "trailing '>'"));
	x->c++;
	return (0);
}

/*
 * A back reference \<digits> whose first digit, first, has been read:
 * written to b.
 */
static int
jx_escape_backref(struct jx *x, int32_t first, struct buf *b)
{
	int32_t	 ref, d;

	ref = first - '0';
	/* Java takes more digits while the group exists so far. */
	while (jx_is_digit(d = jx_peek(x))) {
		if (x->ngroups < ref * 10 + (d - '0'))
			break;
		ref = ref * 10 + (d - '0');
		x->c++;
	}
	if (x->total >= 0 && ref > x->total)
		return (jx_error(x, "back reference to a group that "
		    "does not exist"));
	if (x->flags & JX_I)
		buf_printf(b, "(?i:\\g{%d})", ref);
	else
		buf_printf(b, "\\g{%d}", ref);
	return (0);
}

/* A named back reference \k<name>, the k read: written to b. */
static int
jx_escape_named(struct jx *x, struct buf *b)
{
	char	 name[64];

	if (jx_raw(x, x->c++) != '<')
		return (jx_error(x, "\\k is not followed by '<' for "
		    "named capturing group"));
	if (jx_group_name(x, name, sizeof name) == -1)
		return (-1);
	if (!jx_name_known(x, name))
		return (jx_error(x, "named capturing group does not "
		    "exist"));
	if (x->flags & JX_I)
		buf_printf(b, "(?i:\\k<%s>)", name);
	else
		buf_printf(b, "\\k<%s>", name);
	return (0);
}

/*
 * An escape that stands for one character, ch read (0 a e f n r t c u x):
 * the character in *cp, return 1.
 */
static int
jx_escape_char(struct jx *x, int32_t ch, int32_t *cp)
{
	switch (ch) {
	case '0':
		if ((*cp = jx_octal(x)) < 0)
			return (-1);
		return (1);
	case 'a':
		*cp = 0x07;
		return (1);
	case 'e':
		*cp = 0x1b;
		return (1);
	case 'f':
		*cp = '\f';
		return (1);
	case 'n':
		*cp = '\n';
		return (1);
	case 'r':
		*cp = '\r';
		return (1);
	case 't':
		*cp = '\t';
		return (1);
	case 'c':
		if ((ch = jx_raw(x, x->c++)) < 0)
			return (jx_error(x, "Illegal control escape "
			    "sequence"));
		*cp = ch ^ 64;
		return (1);
	case 'u':
		if ((*cp = jx_unicode(x)) < 0)
			return (-1);
		return (1);
	default:	/* 'x' */
		if ((*cp = jx_hex(x)) < 0)
			return (-1);
		if (*cp >= 0xd800 && *cp <= 0xdfff)
			return (jx_error(x, "A lone surrogate never matches "
			    "UTF-8 input"));
		return (1);
	}
}

/*
 * Java's escape(): the backslash has been read.  A single character is
 * returned in *cp (return 1).  Otherwise the construct is written to b
 * (class items when inclass, else a pattern atom) and 0 is returned.
 */
static int
jx_escape(struct jx *x, int inclass, struct buf *b, int32_t *cp)
{
	int32_t	 ch;

	ch = jx_raw(x, x->c++);
	switch (ch) {
	case -1:
		return (jx_error(x, "Unexpected internal error"));
	case '0': case 'a': case 'e': case 'f': case 'n': case 'r':
	case 't': case 'c': case 'u': case 'x':
		return (jx_escape_char(x, ch, cp));
	case '1': case '2': case '3': case '4': case '5':
	case '6': case '7': case '8': case '9':
		if (inclass)
			break;
		return (jx_escape_backref(x, ch, b));
	case 'A': case 'G': case 'R': case 'X': case 'z':
		/* The same in PCRE2. */
		if (inclass)
			break;
		buf_printf(b, "\\%c", (char)ch);
		return (0);
	case 'B':
		if (inclass)
			break;
		buf_adds(b, "(?:(?<=" JX_WORD ")(?=" JX_WORD ")|(?<!" JX_WORD
		    ")(?!" JX_WORD "))");
		return (0);
	case 'b':
		if (inclass)
			break;
		if (jx_raw(x, x->c) == '{')
			return (jx_error(x, "\\b{...} is not supported"));
		buf_adds(b, "(?:(?<=" JX_WORD ")(?!" JX_WORD ")|(?<!" JX_WORD
		    ")(?=" JX_WORD "))");
		return (0);
	case 'D': case 'd': case 'S': case 's': case 'W': case 'w':
	case 'H': case 'h': case 'V': case 'v':
		/* Java 8's meanings equal PCRE2's in UTF mode without UCP. */
		buf_printf(b, "\\%c", (char)ch);
		return (0);
	case 'Z':
		if (inclass)
			break;
		jx_emit_dollar(x, 0);
		return (0);
	case 'k':
		if (inclass)
			break;
		return (jx_escape_named(x, b));
	case 'N':
		return (jx_error(x, "\\N{...} is not supported"));
	default:
		if (ch < 0x80 && (jx_is_alpha(ch) || jx_is_digit(ch)))
			break;
		*cp = ch;
		return (1);
	}
	return (jx_error(x, "Illegal/unsupported escape sequence"));
}

/*
 * Java's range(): one class member (a character, a range, an escape).
 */
static int
jx_range(struct jx *x, struct buf *b)
{
	int32_t	ch, m, endr;
	int	r;

	ch = jx_peek(x);
	if (ch == '\\') {
		x->c++;
		ch = jx_raw(x, x->c);
		if (ch == 'p' || ch == 'P') {
			x->c++;
			return (jx_family(x, ch == 'P', b));
		}
		if ((r = jx_escape(x, 1, b, &ch)) <= 0)
			return (r);
	} else
		x->c++;
	if (jx_peek(x) == '-') {
		endr = jx_raw(x, x->c + 1);
		if (endr != '[' && endr != ']' && endr >= 0) {
			x->c++;
			m = jx_peek(x);
			if (m == '\\') {
				x->c++;
				if ((r = jx_escape(x, 1, b, &m)) < 0)
					return (-1);
				if (r == 0)
					return (jx_error(x, "Illegal character "
					    "range"));
			} else if (m < 0)
				return (jx_error(x, "Unclosed character "
				    "class"));
			else
				x->c++;
			if (m < ch)
				return (jx_error(x, "Illegal character range"));
			jx_class_range(x, b, ch, m);
			return (0);
		}
	}
	jx_class_range(x, b, ch, ch);
	return (0);
}

/*
 * Java's clazz(): at '['.  Writes the class items to b and sets *neg.
 * Nested classes are unions; they are flattened, which is exact only when
 * neither class is negated.
 */
static int
jx_class_body(struct jx *x, struct buf *b, int *neg)
{
	int	first = 1, items = 0, nneg;
	int32_t	ch;

	*neg = 0;
	x->c++;		/* '[' */
	for (;;) {
		ch = jx_peek(x);
		switch (ch) {
		case -1:
			return (jx_error(x, "Unclosed character class"));
		case '[':
			first = 0;
			if (*neg)
				return (jx_error(x, "a nested class inside a "
				    "negated class is not supported (Java 8 "
				    "and 9 differ)"));
			if (x->depth++ > JX_MAX_DEPTH)
				return (jx_error(x, "classes nested too "
				    "deeply"));
			if (jx_class_body(x, b, &nneg) == -1)
				return (-1);
			x->depth--;
			if (nneg)
				return (jx_error(x, "a negated class inside a "
				    "class is not supported"));
			items++;
			continue;
		case '&':
			first = 0;
			if (jx_raw(x, x->c + 1) == '&')
				return (jx_error(x, "character class "
				    "intersection (&&) is not supported"));
			break;
		case '^':
			if (first && jx_raw(x, x->c - 1) == '[') {
				x->c++;
				*neg = !*neg;
				continue;
			}
			break;
		case ']':
			first = 0;
			if (items > 0) {
				x->c++;
				return (0);
			}
			break;
		default:
			first = 0;
			break;
		}
		if (jx_range(x, b) == -1)
			return (-1);
		items++;
	}
}

static int
jx_class(struct jx *x)
{
	struct buf	b = BUF_INIT(JX_OUT_MAX);
	int		neg, rv = -1;

	if (jx_class_body(x, &b, &neg) == -1)
		goto out;
	if ((x->flags & JX_I) && (x->flags & JX_U))
		buf_adds(&x->out, "(?i:");
	buf_adds(&x->out, neg ? "[^" : "[");
	buf_add(&x->out, b.data, b.len);
	buf_adds(&x->out, "]");
	if ((x->flags & JX_I) && (x->flags & JX_U))
		buf_adds(&x->out, ")");
	rv = 0;
out:
	buf_free(&b);
	return (rv);
}

/*
 * Java's closure(): an optional quantifier after an atom that starts at
 * out offset start.  Assertions are wrapped in a group so PCRE2 accepts
 * the quantifier as Java does.
 */
static int
jx_closure(struct jx *x, size_t start, int wrap)
{
	long	cmin, cmax;
	int32_t	ch;
	char	q[64];

	ch = jx_peek(x);
	if (ch == '?' || ch == '*' || ch == '+') {
		x->c++;
		q[0] = (char)ch;
		q[1] = '\0';
	} else if (ch == '{') {
		ch = jx_raw(x, x->c + 1);
		if (!jx_is_digit(ch))
			return (jx_error(x, "Illegal repetition"));
		x->c++;
		cmin = 0;
		while (jx_is_digit(ch = jx_read(x))) {
			cmin = cmin * 10 + (ch - '0');
			if (cmin > JX_MAX_REPEAT)
				return (jx_error(x, "repeat count above 65535 "
				    "is not supported by PCRE2"));
		}
		cmax = cmin;
		if (ch == ',') {
			ch = jx_read(x);
			cmax = -1;
			if (ch != '}') {
				cmax = 0;
				while (jx_is_digit(ch)) {
					cmax = cmax * 10 + (ch - '0');
					if (cmax > JX_MAX_REPEAT)
						return (jx_error(x, "repeat "
						    "count above 65535 is not "
						    "supported by PCRE2"));
					ch = jx_read(x);
				}
			}
		}
		if (ch != '}')
			return (jx_error(x, "Unclosed counted closure"));
		if (cmax != -1 && cmax < cmin)
			return (jx_error(x, "Illegal repetition range"));
		if (cmax == -1)
			snprintf(q, sizeof q, "{%ld,}", cmin);
		else if (cmax == cmin)
			snprintf(q, sizeof q, "{%ld}", cmin);
		else
			snprintf(q, sizeof q, "{%ld,%ld}", cmin, cmax);
	} else
		return (0);
	if (wrap) {
		/* Grow by three bytes, then move the atom up behind "(?:". */
		if (buf_add(&x->out, "(?:", 3) == -1)
			return (jx_error(x, "pattern too large once translated"));
		memmove(x->out.data + start + 3, x->out.data + start,
		    x->out.len - 3 - start);
		memcpy(x->out.data + start, "(?:", 3);
		buf_adds(&x->out, ")");
	}
	buf_adds(&x->out, q);
	ch = jx_peek(x);
	if (ch == '?' || ch == '+') {
		x->c++;
		buf_adds(&x->out, ch == '?' ? "?" : "+");
	}
	return (0);
}

/* Parses Java's inline flags "idmsuxU-..." up to ')' or ':'. */
static int
jx_flags(struct jx *x)
{
	int	on = 1;
	int32_t	ch;
	unsigned f;

	for (;;) {
		ch = jx_raw(x, x->c);
		switch (ch) {
		case 'i':
			f = JX_I;
			break;
		case 'd':
			f = JX_D;
			break;
		case 'm':
			f = JX_M;
			break;
		case 's':
			f = JX_S;
			break;
		case 'u':
			f = JX_U;
			break;
		case 'x':
			f = JX_X;
			break;
		case 'U':
			return (jx_error(x, "(?U) UNICODE_CHARACTER_CLASS is "
			    "not supported (in PCRE2 (?U) means ungreedy)"));
		case 'c':
			return (jx_error(x, "CANON_EQ is not supported"));
		case '-':
			if (!on)
				return (jx_error(x, "Unknown inline modifier"));
			on = 0;
			x->c++;
			continue;
		default:
			return (0);
		}
		if (on)
			x->flags |= f;
		else
			x->flags &= ~f;
		x->c++;
	}
}

/*
 * Java's group0(): at '('.  Returns 1 for a flags-only group, which takes
 * no quantifier, 0 for a group, -1 on error.
 */
static int
jx_group(struct jx *x)
{
	unsigned	 save = x->flags;
	char		 name[64];
	int32_t		 ch;

	if (x->depth++ > JX_MAX_DEPTH)
		return (jx_error(x, "groups nested too deeply"));
	x->c++;		/* '(' */
	if (jx_raw(x, x->c) == '?') {
		x->c++;
		ch = jx_raw(x, x->c);
		switch (ch) {
		case ':': case '=': case '!': case '>':
			x->c++;
			buf_printf(&x->out, "(?%c", (char)ch);
			break;
		case '<':
			x->c++;
			ch = jx_raw(x, x->c);
			if (ch == '=' || ch == '!') {
				x->c++;
				buf_printf(&x->out, "(?<%c", (char)ch);
				break;
			}
			if (jx_group_name(x, name, sizeof name) == -1)
				return (-1);
			if (jx_name_known(x, name))
				return (jx_error(x, "Named capturing group is "
				    "already defined"));
			x->names = xreallocarray(x->names, x->nnames + 1,
			    sizeof *x->names);
			x->names[x->nnames++] = xstrdup(name);
			x->ngroups++;
			buf_printf(&x->out, "(?<%s>", name);
			break;
		case '$': case '@':
			return (jx_error(x, "Unknown group type"));
		default:
			if (jx_flags(x) == -1)
				return (-1);
			ch = jx_raw(x, x->c++);
			if (ch == ')') {
				/* Inline flags last to the enclosing end. */
				x->depth--;
				return (1);
			}
			if (ch != ':')
				return (jx_error(x, "Unknown inline modifier"));
			buf_adds(&x->out, "(?:");
			break;
		}
	} else {
		x->ngroups++;
		buf_adds(&x->out, "(");
	}
	if (jx_expr(x) == -1)
		return (-1);
	if (jx_read(x) != ')')
		return (jx_error(x, "Unclosed group"));
	buf_adds(&x->out, ")");
	x->flags = save;
	x->depth--;
	return (0);
}

/* Java's sequence(): atoms up to '|', ')' or the end. */
static int
jx_sequence(struct jx *x)
{
	size_t	start;
	int32_t	ch, cp;
	int	r, wrap;

	for (;;) {
		ch = jx_peek(x);
		start = x->out.len;
		wrap = 0;
		switch (ch) {
		case -1:
		case '|':
		case ')':
			return (0);
		case '(':
			if ((r = jx_group(x)) == -1)
				return (-1);
			if (r == 1)
				continue;
			break;
		case '[':
			if (jx_class(x) == -1)
				return (-1);
			break;
		case '\\':
			x->c++;
			ch = jx_raw(x, x->c);
			if (ch == 'p' || ch == 'P') {
				struct buf	b = BUF_INIT(JX_OUT_MAX);

				x->c++;
				if (jx_family(x, ch == 'P', &b) == -1) {
					buf_free(&b);
					return (-1);
				}
				buf_adds(&x->out, "[");
				buf_add(&x->out, b.data, b.len);
				buf_adds(&x->out, "]");
				buf_free(&b);
				break;
			}
			/* Assertions are wrapped if quantified. */
			wrap = ch > 0 && ch < 0x80 &&
			    strchr("ABbGZz", ch) != NULL;
			if ((r = jx_escape(x, 0, &x->out, &cp)) == -1)
				return (-1);
			if (r == 1)
				jx_emit_literal(x, cp);
			break;
		case '^':
			x->c++;
			jx_emit_caret(x);
			wrap = 1;
			break;
		case '$':
			x->c++;
			jx_emit_dollar(x, (x->flags & JX_M) != 0);
			wrap = 1;
			break;
		case '.':
			x->c++;
			if (x->flags & JX_S)
				buf_adds(&x->out, "(?s:.)");
			else if (x->flags & JX_D)
				buf_adds(&x->out, "[^\\n]");
			else
				buf_adds(&x->out, "[^" JX_TERM "]");
			break;
		case '?':
		case '*':
		case '+':
			return (jx_error(x, "Dangling meta character"));
		case '{':
			/* Java quantifies an empty atom, or fails. */
			if (!jx_is_digit(jx_raw(x, x->c + 1)))
				return (jx_error(x, "Illegal repetition"));
			buf_adds(&x->out, "(?:)");
			break;
		default:
			x->c++;
			jx_emit_literal(x, ch);
			break;
		}
		if (jx_closure(x, start, wrap) == -1)
			return (-1);
	}
}

/* Java's expr(): alternatives. */
static int
jx_expr(struct jx *x)
{
	for (;;) {
		if (jx_sequence(x) == -1)
			return (-1);
		if (jx_peek(x) != '|')
			return (0);
		x->c++;
		buf_adds(&x->out, "|");
	}
}

/* Decodes the pattern's UTF-8 into code points. */
static int32_t *
jx_decode(const char *s, size_t *np)
{
	const uint8_t	*p = (const uint8_t *)s;
	size_t		 len = strlen(s), i = 0, n = 0;
	int32_t		*t;
	int32_t		 cp;
	int		 k, need;

	if (!utf8_is_valid(s, len))
		return (NULL);
	t = xreallocarray(NULL, len + 1, sizeof *t);
	while (i < len) {
		if (p[i] < 0x80) {
			t[n++] = p[i++];
			continue;
		}
		need = p[i] >= 0xf0 ? 3 : p[i] >= 0xe0 ? 2 : 1;
		cp = p[i] & (0x3f >> need);
		for (k = 1; k <= need; k++)
			cp = (cp << 6) | (p[i + k] & 0x3f);
		t[n++] = cp;
		i += need + 1;
	}
	*np = n;
	return (t);
}

/*
 * Java's RemoveQEQuoting: \Q...\E becomes escaped characters before the
 * pattern is parsed (even inside a class or a comment, as in Java).
 */
static int32_t *
jx_unquote(int32_t *t, size_t *np)
{
	size_t	 n = *np, i = 0, j = 0;
	int32_t	*o, c;
	int	 inq = 0;

	o = xreallocarray(NULL, n * 4 + 1, sizeof *o);
	while (i < n) {
		c = t[i];
		if (!inq) {
			if (c == '\\' && i + 1 < n && t[i + 1] == 'Q') {
				inq = 1;
				i += 2;
				continue;
			}
			o[j++] = c;
			i++;
			if (c == '\\' && i < n)
				o[j++] = t[i++];
			continue;
		}
		if (c == '\\' && i + 1 < n && t[i + 1] == 'E') {
			inq = 0;
			i += 2;
			continue;
		}
		i++;
		if (c >= 0x80 || jx_is_alpha(c))
			o[j++] = c;
		else if (jx_is_digit(c)) {
			/* \x3N: a digit here must not extend a \N before. */
			o[j++] = '\\';
			o[j++] = 'x';
			o[j++] = '3';
			o[j++] = c;
		} else {
			o[j++] = '\\';
			o[j++] = c;
		}
	}
	free(t);
	*np = j;
	return (o);
}

static char *
jx_run(int32_t *t, size_t n, int total, int *ngroups, char **cause)
{
	struct jx	 x;
	size_t		 i;
	char		*rv = NULL;

	memset(&x, 0, sizeof x);
	buf_init(&x.out, JX_OUT_MAX);
	x.t = t;
	x.n = n;
	x.total = total;
	if (jx_expr(&x) == 0) {
		if (x.c < x.n)
			jx_error(&x, "Unmatched closing ')'");
		else if (buf_has_failed(&x.out))
			jx_error(&x, "pattern too large once translated");
		else {
			*ngroups = x.ngroups;
			rv = buf_take(&x.out);
		}
	}
	if (rv == NULL)
		*cause = x.err != NULL ? x.err : xstrdup("invalid pattern");
	else
		free(x.err);
	for (i = 0; i < x.nnames; i++)
		free(x.names[i]);
	free(x.names);
	buf_free(&x.out);
	return (rv);
}

char *
jregex_translate(const char *java, char **cause)
{
	int32_t	*t;
	size_t	 n;
	char	*first, *rv = NULL;
	int	 ngroups = 0;

	*cause = NULL;
	if (strlen(java) > JREGEX_PATTERN_MAX) {
		xasprintf(cause, "pattern longer than %d bytes",
		    JREGEX_PATTERN_MAX);
		return (NULL);
	}
	if ((t = jx_decode(java, &n)) == NULL) {
		xasprintf(cause, "pattern is not valid UTF-8");
		return (NULL);
	}
	t = jx_unquote(t, &n);
	/* Two passes: the second knows how many groups exist. */
	if ((first = jx_run(t, n, -1, &ngroups, cause)) != NULL) {
		free(first);
		rv = jx_run(t, n, ngroups, &ngroups, cause);
	}
	free(t);
	return (rv);
}

pcre2_code *
jregex_compile(const char *java, uint32_t extra_flags, char **cause)
{
	pcre2_compile_context	*cctx;
	pcre2_code		*code = NULL;
	PCRE2_UCHAR		 msg[256];
	PCRE2_SIZE		 off;
	char			*pat;
	int			 error;

	if ((pat = jregex_translate(java, cause)) == NULL)
		return (NULL);
	cctx = pcre2_compile_context_create(NULL);
	if (cctx == NULL)
		fatalx("pcre2_compile_context_create");
	/* Java's \R is any Unicode line break. */
	pcre2_set_bsr(cctx, PCRE2_BSR_UNICODE);
	pcre2_set_newline(cctx, PCRE2_NEWLINE_LF);
	code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C | extra_flags, &error, &off,
	    cctx);
	if (code == NULL) {
		pcre2_get_error_message(error, msg, sizeof msg);
		xasprintf(cause, "PCRE2 rejects the translated pattern: %s",
		    (char *)msg);
	} else
		(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	pcre2_compile_context_free(cctx);
	free(pat);
	return (code);
}

/* Replaces every occurrence of from in *s by to. */
static void
jx_replace_all(char **s, const char *from, const char *to)
{
	char	*p, *out;
	size_t	 flen = strlen(from), tlen = strlen(to), n = 0, olen;

	for (p = *s; (p = strstr(p, from)) != NULL; p += flen)
		n++;
	if (n == 0)
		return;
	olen = strlen(*s) - n * flen + n * tlen;
	out = xmalloc(olen + 1);
	olen = 0;
	for (p = *s;;) {
		char	*q = strstr(p, from);

		if (q == NULL) {
			memcpy(out + olen, p, strlen(p) + 1);
			break;
		}
		memcpy(out + olen, p, q - p);
		olen += q - p;
		memcpy(out + olen, to, tlen);
		olen += tlen;
		p = q + flen;
	}
	free(*s);
	*s = out;
}

pcre2_code *
jregex_compile_ascii(const char *java, uint32_t extra_flags)
{
	pcre2_compile_context	*cctx;
	pcre2_code		*code;
	PCRE2_SIZE		 off;
	char			*pat, *cause = NULL;
	int			 error;

	if ((pat = jregex_translate(java, &cause)) == NULL) {
		free(cause);
		return (NULL);
	}
	/*
	 * On ASCII text Java's Unicode word boundary is PCRE2's ASCII one,
	 * and the line terminators beyond \n and \r cannot occur.
	 */
	jx_replace_all(&pat, "(?:(?<=" JX_WORD ")(?!" JX_WORD ")|(?<!"
	    JX_WORD ")(?=" JX_WORD "))", "\\b");
	jx_replace_all(&pat, "(?:(?<=" JX_WORD ")(?=" JX_WORD ")|(?<!"
	    JX_WORD ")(?!" JX_WORD "))", "\\B");
	jx_replace_all(&pat, JX_WORD, "\\w");
	jx_replace_all(&pat, JX_TERM_WIDE, "");
	cctx = pcre2_compile_context_create(NULL);
	if (cctx == NULL)
		fatalx("pcre2_compile_context_create");
	pcre2_set_newline(cctx, PCRE2_NEWLINE_LF);
	/* Anything still beyond ASCII (a \p class...) fails here: no twin. */
	code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
	    PCRE2_NEVER_BACKSLASH_C | PCRE2_NEVER_UCP | extra_flags, &error,
	    &off, cctx);
	if (code != NULL && (strstr(pat, "\\p") != NULL ||
	    strstr(pat, "\\P") != NULL || strstr(pat, "\\X") != NULL ||
	    strstr(pat, "\\R") != NULL || strstr(pat, "(?i") != NULL)) {
		/* Properties, \R and caseless matching differ: keep UTF. */
		pcre2_code_free(code);
		code = NULL;
	}
	if (code != NULL)
		(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	pcre2_compile_context_free(cctx);
	free(pat);
	return (code);
}

int
jregex_is_jit(const pcre2_code *code)
{
	size_t	size = 0;

	if (pcre2_pattern_info(code, PCRE2_INFO_JITSIZE, &size) != 0)
		return (0);
	return (size > 0);
}
