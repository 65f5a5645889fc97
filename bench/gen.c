/*
 * gen: writes the benchmark's input to standard output, the same bytes for
 * the same seed on every machine (its own PRNG, no locale, UTC).
 *
 *   gen [-s seed] apache N   N Apache combined log lines: IPv4 clients and
 *                            a few crawler host names, a clock that moves
 *                            forward, weighted methods, paths with query
 *                            strings, statuses, sizes ("-" for 304),
 *                            referers and real user agents.  Every line
 *                            matches the Kinesis Agent's COMBINEDAPACHELOG.
 *   gen [-s seed] json N     N JSON objects, one a line, for PARSEJSON:
 *                            nested objects, arrays, numbers, booleans,
 *                            nulls, optional keys, escaped quotes and
 *                            backslashes, \u escapes and raw UTF-8.
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GEN_MAXLINES	100000000ULL	/* a bound on N: 100M lines */
#define nitems(a)	(sizeof (a) / sizeof (a)[0])

static uint64_t	gen_state;

/* splitmix64 (Steele, Lea, Flood 2014): tiny, fast, good enough here. */
static uint64_t
gen_next(void)
{
	uint64_t	z;

	z = (gen_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

/* A number in [0, n). */
static uint32_t
gen_below(uint32_t n)
{
	return ((uint32_t)(((gen_next() >> 32) * n) >> 32));
}

struct gen_weighted {
	const char	*s;
	uint32_t	 w;	/* weight, out of the total of the table */
};

static const char *
gen_pick(const struct gen_weighted *t, size_t n)
{
	uint32_t	total = 0, r;
	size_t		i;

	for (i = 0; i < n; i++)
		total += t[i].w;
	r = gen_below(total);
	for (i = 0; i < n - 1; i++) {
		if (r < t[i].w)
			break;
		r -= t[i].w;
	}
	return (t[i].s);
}

static const struct gen_weighted gen_methods[] = {
	{ "GET", 80 }, { "POST", 12 }, { "HEAD", 4 }, { "PUT", 2 },
	{ "DELETE", 1 }, { "OPTIONS", 1 }
};

static const struct gen_weighted gen_protocols[] = {
	{ "HTTP/1.1", 85 }, { "HTTP/2.0", 10 }, { "HTTP/1.0", 5 }
};

static const struct gen_weighted gen_statuses[] = {
	{ "200", 70 }, { "304", 8 }, { "404", 7 }, { "302", 4 },
	{ "301", 3 }, { "201", 2 }, { "500", 2 }, { "403", 1 },
	{ "401", 1 }, { "503", 1 }, { "206", 1 }
};

static const char *const gen_words[] = {
	"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
	"hotel", "india", "juliet", "kilo", "lima", "mike", "november",
	"oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform",
	"victor", "whiskey", "xray", "yankee", "zulu", "shoes", "laptop",
	"garden", "coffee", "kettle", "camera", "bicycle", "umbrella"
};

static const char *const gen_users[] = {
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
	"ivan", "judy", "mallory", "oscar", "peggy", "trent", "walter"
};

static const char *const gen_crawlers[] = {
	"crawl-66-249-66-1.googlebot.com", "msnbot-157-55-39-12.search.msn.com",
	"baiduspider-180-76-15-5.crawl.baidu.com", "localhost",
	"proxy-7.corp.example.net"
};

static const char *const gen_agents[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
	    "(KHTML, like Gecko) Version/17.3 Safari/605.1.15",
	"Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 "
	    "Firefox/123.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) "
	    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 "
	    "Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/122.0.6261.90 Mobile Safari/537.36",
	"Mozilla/5.0 (compatible; Googlebot/2.1; "
	    "+http://www.google.com/bot.html)",
	"Mozilla/5.0 (compatible; bingbot/2.0; "
	    "+http://www.bing.com/bingbot.htm)",
	"curl/7.88.1",
	"python-requests/2.31.0",
	"Go-http-client/1.1",
	"Wget/1.21.3",
	"ELB-HealthChecker/2.0"
};

static const char *const gen_services[] = {
	"checkout", "cart", "search", "auth", "catalog", "payments", "email"
};

static const char *const gen_levels[] = {
	"debug", "info", "info", "info", "info", "warn", "error"
};

static const char *const gen_messages[] = {
	"request completed",
	"cache miss for key",
	"upstream timed out after 3 retries",
	"user \\\"admin\\\" logged in from C:\\\\Users\\\\admin",
	"caf\\u00e9 order placed",
	"r\xc3\xa9sum\xc3\xa9 uploaded \xe2\x9c\x93",
	"line one\\nline two\\ttabbed",
	"payment declined: insufficient funds"
};

static const char *
gen_word(void)
{
	return (gen_words[gen_below(nitems(gen_words))]);
}

/* Writes a random request path, with a query string now and then. */
static void
gen_path(FILE *f)
{
	const char	*w = gen_word();

	switch (gen_below(10)) {
	case 0:
		fputs("/", f);
		break;
	case 1:
		fprintf(f, "/static/js/app.%08" PRIx32 ".js",
		    (uint32_t)gen_next());
		break;
	case 2:
		fprintf(f, "/images/%s/%u.png", w, gen_below(100000));
		break;
	case 3:
	case 4:
		fprintf(f, "/api/v1/users/%u/orders", gen_below(1000000));
		break;
	case 5:
		fprintf(f, "/products/%s-%s", w, gen_word());
		fprintf(f, "?page=%u&sort=price", gen_below(20));
		break;
	case 6:
		fprintf(f, "/search?q=%s+%s&lang=en", w, gen_word());
		break;
	case 7:
		fputs("/wp-login.php", f);
		break;
	default:
		fprintf(f, "/blog/%u", 2015 + gen_below(10));
		fprintf(f, "/%02u/%s.html", 1 + gen_below(12), w);
		break;
	}
}

/*
 * Writes an IPv4 address: first octet in [first, first + n1), two middle
 * octets below n2 (10.0.x.y for the busy clients), the last in [1, n4].
 * Each draw is its own statement: argument order is unspecified in C,
 * and the output must not depend on the compiler.
 */
static void
gen_ipv4(FILE *f, uint32_t first, uint32_t n1, uint32_t n2, uint32_t n4)
{
	uint32_t	a, b, c, d;

	a = first + (n1 > 1 ? gen_below(n1) : 0);
	b = first == 10 ? 0 : gen_below(n2);
	c = gen_below(n2);
	d = 1 + gen_below(n4);
	fprintf(f, "%u.%u.%u.%u", a, b, c, d);
}

static void
gen_apache(FILE *f, uint64_t n)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t		 t = 1710028800;	/* 2024-03-10T00:00:00Z */
	struct tm	 tm;
	const char	*status, *user;
	uint64_t	 i;
	uint32_t	 r;

	for (i = 0; i < n; i++) {
		if (gen_below(4) == 0)
			t++;
		gmtime_r(&t, &tm);
		r = gen_below(100);
		if (r < 3)
			fputs(gen_crawlers[gen_below(nitems(gen_crawlers))], f);
		else if (r < 50)	/* a few busy clients */
			gen_ipv4(f, 10, 1, 4, 20);
		else
			gen_ipv4(f, 1, 223, 256, 254);
		user = "-";
		if (gen_below(10) == 0)
			user = gen_users[gen_below(nitems(gen_users))];
		fprintf(f, " - %s [%02d/%s/%04d:%02d:%02d:%02d +0000] \"%s ",
		    user, tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
		    tm.tm_hour, tm.tm_min, tm.tm_sec,
		    gen_pick(gen_methods, nitems(gen_methods)));
		gen_path(f);
		status = gen_pick(gen_statuses, nitems(gen_statuses));
		fprintf(f, " %s\" %s ",
		    gen_pick(gen_protocols, nitems(gen_protocols)), status);
		if (strcmp(status, "304") == 0 || gen_below(50) == 0)
			fputs("-", f);
		else if (gen_below(4) == 0)
			fprintf(f, "%u", 10000 + gen_below(2000000));
		else
			fprintf(f, "%u", 100 + gen_below(20000));
		r = gen_below(10);
		if (r < 4)
			fputs(" \"-\"", f);
		else if (r < 6)
			fprintf(f, " \"https://www.google.com/search?q=%s\"",
			    gen_word());
		else {
			fputs(" \"https://www.example.com", f);
			gen_path(f);
			fputs("\"", f);
		}
		fprintf(f, " \"%s\"\n",
		    gen_agents[gen_below(nitems(gen_agents))]);
	}
}

static void
gen_trace_id(FILE *f)
{
	uint64_t	hi, lo;

	hi = gen_next();
	lo = gen_next();
	fprintf(f, "\"trace_id\":\"%016" PRIx64 "%016" PRIx64 "\"", hi, lo);
}

static void
gen_jsonl(FILE *f, uint64_t n)
{
	uint64_t	ms = 1710028800000ULL;
	time_t		t;
	struct tm	tm;
	uint64_t	i;
	uint32_t	k;

	for (i = 0; i < n; i++) {
		ms += gen_below(400);
		t = (time_t)(ms / 1000);
		gmtime_r(&t, &tm);
		fprintf(f, "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03uZ\",",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
		fprintf(f, "\"level\":\"%s\",",
		    gen_levels[gen_below(nitems(gen_levels))]);
		fprintf(f, "\"service\":\"%s\",",
		    gen_services[gen_below(nitems(gen_services))]);
		fprintf(f, "\"host\":\"web-%02u\",", gen_below(40));
		fprintf(f, "\"msg\":\"%s\",",
		    gen_messages[gen_below(nitems(gen_messages))]);
		fprintf(f, "\"method\":\"%s\",\"path\":\"",
		    gen_pick(gen_methods, nitems(gen_methods)));
		gen_path(f);
		fprintf(f, "\",\"status\":%s,",
		    gen_pick(gen_statuses, nitems(gen_statuses)));
		fprintf(f, "\"duration_ms\":%u", gen_below(2000));
		fprintf(f, ".%03u,", gen_below(1000));
		fprintf(f, "\"bytes\":%u,", gen_below(5000000));
		if (gen_below(3) != 0) {
			k = gen_below(nitems(gen_users));
			fprintf(f, "\"user\":{\"id\":%u,",
			    100000 + gen_below(900000));
			fprintf(f, "\"name\":\"%s\",\"roles\":[\"user\"%s],",
			    gen_users[k], k % 4 == 0 ? ",\"admin\"" : "");
			fprintf(f, "\"verified\":%s},",
			    gen_below(2) ? "true" : "false");
		} else
			fputs("\"user\":null,", f);
		gen_trace_id(f);
		fprintf(f, ",\"cached\":%s", gen_below(5) == 0 ? "true" :
		    "false");
		if (gen_below(4) == 0) {
			fprintf(f, ",\"tags\":[\"%s\",", gen_word());
			fprintf(f, "\"%s\",", gen_word());
			fprintf(f, "%u]", gen_below(100));
		}
		if (gen_below(10) == 0) {
			fprintf(f, ",\"error\":{\"code\":%d,",
			    -1 - (int)gen_below(100));
			fprintf(f, "\"retryable\":%s}",
			    gen_below(2) ? "true" : "false");
		}
		fputs("}\n", f);
	}
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: gen [-s seed] apache|json lines\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static char	 obuf[1024 * 1024];
	uint64_t	 n;
	char		*end;
	int		 ch;

	gen_state = 1;
	while ((ch = getopt(argc, argv, "s:")) != -1) {
		switch (ch) {
		case 's':
			gen_state = strtoull(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0')
				errx(2, "bad seed: %s", optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	n = strtoull(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || n > GEN_MAXLINES)
		errx(2, "lines: 0..%llu", GEN_MAXLINES);

	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	if (strcmp(argv[0], "apache") == 0)
		gen_apache(stdout, n);
	else if (strcmp(argv[0], "json") == 0)
		gen_jsonl(stdout, n);
	else
		usage();
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "stdout");
	return (0);
}
