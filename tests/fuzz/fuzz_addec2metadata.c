/*
 * fuzz_addec2metadata: libFuzzer target for the ADDEC2METADATA converter
 * (parsers/addec2metadata.c), fed by the agent's metadata client
 * (agent/imds.c) as sluiced feeds it, and for the client's DescribeTags
 * parser.
 *
 * The client needs an instance metadata service, so LLVMFuzzerInitialize
 * starts the real tests/fakeimds/fakeimds (IMDSv2 and DescribeTags on an
 * ephemeral port of 127.0.0.1; its path is built in with -DFUZZ_FAKEIMDS,
 * or taken from $FAKEIMDS) and points the AWS SDK environment variables at
 * it, as the unit and regress tests do, with no credentials or proxies
 * from the environment: nothing here can reach AWS.  The fake never outlives
 * the fuzzer: it is killed at exit, and the kernel kills it
 * (PR_SET_PDEATHSIG) when the fuzzer dies any other way (a crash, or
 * libFuzzer's _Exit on a timeout or out of memory).
 *
 * Two instances are made, as a flow makes them, each with a client of its
 * own, and each is checked to add the fake's identity and tags: COMPACT
 * with metadataTTL 1, so that the fetcher replaces the snapshot every
 * second while records are converted, and PRETTYPRINT with the default
 * TTL, whose snapshot never changes.  The
 * first input byte b picks what the rest is:
 *   (b & 0x7f) % 3 == 0 or 1  records for COMPACT or PRETTYPRINT: one
 *                             record if b & 0x80, else cut into lines that
 *                             keep their "\n" (as fuzz_converter does);
 *   (b & 0x7f) % 3 == 2       a DescribeTags response, for
 *                             imds_parse_tags.
 *
 * Checked for a record, besides the sanitizers: the result is CONV_OK or
 * CONV_ERROR; an output other than the record itself (the pass-through when
 * there is no metadata) is valid UTF-8 and one JSON object and a "\n",
 * holding the fake's identity and tags and a well-formed metadataTimestamp;
 * a record that jansson reads as an object (with the converter's flags) is
 * converted, into its members in their order with equal values (containers
 * nested deeper than json_out writes become null), then the metadata keys
 * it lacked, in the converter's order; a record that fails is not an object.  The
 * refreshing instance may lose its tags, or all its metadata, to a refresh
 * that fails under load; the other may not.  For DescribeTags: either an
 * object of at most IMDS_MAX_TAGS strings whose keys hold no ASCII upper
 * case, which reads back the same when written as a response again, and no
 * cause; or NULL and a cause.
 *
 * The identity document is parsed inside imds's fetch, which has no
 * parser of its own to call, so it is not fuzzed here.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* pipe2 */
#endif

#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "converter.h"
#include "fuzz_utf8.h"
#include "imds.h"
#include "json_out.h"

#ifndef FUZZ_FAKEIMDS
#error "build with -DFUZZ_FAKEIMDS='\"/path/to/fakeimds\"'"
#endif

/* How long the fake may take to start, and the metadata to arrive. */
#define FUZZ_START_MS		10000
#define FUZZ_FETCH_MS		20000

/* What addec2metadata_convert gives json_loadb. */
#define FUZZ_LOAD_FLAGS		(JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL)

struct fuzz_inst {
	const char	*opts;
	int		 refreshes;	/* metadataTTL 1 */
	void		*inst;
	struct imds	*imds;		/* its metadata */
};

static struct fuzz_inst fuzz_insts[] = {
	{ "{\"logFormat\":\"RFC3339SYSLOG\",\"metadataTTL\":1}", 1, NULL,
	  NULL },
	{ "{\"logFormat\":\"RFC3339SYSLOG\",\"jsonFormat\":\"PRETTYPRINT\"}",
	  0, NULL, NULL },
};
#define FUZZ_NINSTS	(sizeof fuzz_insts / sizeof fuzz_insts[0])

/* The keys the converter adds, in its order (addec2metadata.c). */
static const char *const fuzz_meta_keys[] = {
	"privateIp", "availabilityZone", "instanceId", "instanceType",
	"accountId", "amiId", "region", "metadataTimestamp", "tags"
};
#define FUZZ_NMETA	(sizeof fuzz_meta_keys / sizeof fuzz_meta_keys[0])

/* From tests/fakeimds/fakeimds.c's defaults. */
#define FUZZ_INSTANCE_ID	"i-0fake1234567890ab"
#define FUZZ_TAG_KEY		"name"
#define FUZZ_TAG_VALUE		"web-1"

static pid_t		 fuzz_fake_pid = -1;
static json_t		*fuzz_meta;	/* what "{}" becomes */
static struct buf	 fuzz_out = BUF_INIT(CONV_BUF_MAX);
static struct buf	 fuzz_xml = BUF_INIT(CONV_BUF_MAX);

static void fuzz_fail(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
fuzz_fail(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "fuzz: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/* Kills the fake; an atexit handler. */
static void
fuzz_fake_stop(void)
{
	if (fuzz_fake_pid > 0) {
		kill(fuzz_fake_pid, SIGKILL);
		waitpid(fuzz_fake_pid, NULL, 0);
		fuzz_fake_pid = -1;
	}
}

/*
 * Starts the fake on an ephemeral port of 127.0.0.1 (fakeimds binds only
 * the loopback address) and returns the port it prints.
 */
static int
fuzz_fake_start(void)
{
	struct pollfd	 pfd;
	const char	*bin;
	char		*argv[4], buf[32];
	size_t		 have = 0;
	ssize_t		 n;
	pid_t		 parent = getpid();
	int		 fds[2], port, waited = 0;

	if ((bin = getenv("FAKEIMDS")) == NULL || *bin == '\0')
		bin = FUZZ_FAKEIMDS;
	if (access(bin, X_OK) != 0)
		fuzz_fail("%s: %s (build it, or set FAKEIMDS)", bin,
		    strerror(errno));
	if (pipe2(fds, O_CLOEXEC) == -1)
		fuzz_fail("pipe2: %s", strerror(errno));
	argv[0] = (char *)bin;
	argv[1] = (char *)"-p";
	argv[2] = (char *)"0";
	argv[3] = NULL;
	switch (fuzz_fake_pid = fork()) {
	case -1:
		fuzz_fail("fork: %s", strerror(errno));
	case 0:
		/* Only async-signal-safe calls until exec. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
		    getppid() != parent)
			_exit(127);
		if (dup2(fds[1], STDOUT_FILENO) == -1)
			_exit(127);
		execv(bin, argv);
		_exit(127);
	}
	atexit(fuzz_fake_stop);
	close(fds[1]);

	/* The port, then "\n", once it listens. */
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (memchr(buf, '\n', have) == NULL) {
		if (have == sizeof buf - 1 || waited >= FUZZ_START_MS)
			fuzz_fail("fakeimds did not print its port");
		if ((n = poll(&pfd, 1, 100)) == -1 && errno != EINTR)
			fuzz_fail("poll: %s", strerror(errno));
		waited += 100;
		if (n <= 0)
			continue;
		if ((n = read(fds[0], buf + have, sizeof buf - 1 - have)) <= 0)
			fuzz_fail("fakeimds exited before printing its port");
		have += n;
	}
	close(fds[0]);
	buf[have] = '\0';
	port = atoi(buf);
	if (port < 1 || port > 65535)
		fuzz_fail("fakeimds printed a bad port: %s", buf);
	return (port);
}

/* Frees the instances (stopping their threads); an atexit handler. */
static void
fuzz_free(void)
{
	size_t	i;

	for (i = 0; i < FUZZ_NINSTS; i++) {
		addec2metadata_ops.free(fuzz_insts[i].inst);
		fuzz_insts[i].inst = NULL;
		imds_free(fuzz_insts[i].imds);
		fuzz_insts[i].imds = NULL;
	}
	json_decref(fuzz_meta);
	fuzz_meta = NULL;
	buf_free(&fuzz_out);
	buf_free(&fuzz_xml);
}

/* "yyyy-MM-dd'T'HH:mm:ssZ", e.g. "2024-05-01T12:00:00+0000". */
static int
fuzz_is_timestamp(const json_t *v)
{
	static const char	 pat[] = "dddd-dd-ddTdd:dd:dd+dddd";
	const char		*s;
	size_t			 i;

	if (!json_is_string(v) || json_string_length(v) != sizeof pat - 1)
		return (0);
	s = json_string_value(v);
	for (i = 0; i < sizeof pat - 1; i++) {
		if (pat[i] == 'd') {
			if (s[i] < '0' || s[i] > '9')
				return (0);
		} else if (pat[i] == '+') {
			if (s[i] != '+' && s[i] != '-')
				return (0);
		} else if (s[i] != pat[i])
			return (0);
	}
	return (1);
}

static int
fuzz_is_meta_key(const char *key, size_t len)
{
	size_t	i;

	for (i = 0; i < FUZZ_NMETA; i++)
		if (strlen(fuzz_meta_keys[i]) == len &&
		    memcmp(fuzz_meta_keys[i], key, len) == 0)
			return (1);
	return (0);
}

/*
 * Whether b is a as json_out writes it and jansson reads it back: equal,
 * in the same member order, except that a container nested depth levels
 * deep is null once json_out stops there.
 */
static int
fuzz_same(const json_t *a, const json_t *b, int depth)
{
	void	*ia, *ib;
	size_t	 i, la, lb;

	if ((json_is_object(a) || json_is_array(a)) &&
	    depth >= JSON_OUT_MAX_DEPTH - 1)
		return (json_is_null(b));
	if (json_typeof(a) != json_typeof(b))
		return (0);
	switch (json_typeof(a)) {
	case JSON_OBJECT:
		if (json_object_size(a) != json_object_size(b))
			return (0);
		ia = json_object_iter((json_t *)a);
		ib = json_object_iter((json_t *)b);
		for (; ia != NULL && ib != NULL;
		    ia = json_object_iter_next((json_t *)a, ia),
		    ib = json_object_iter_next((json_t *)b, ib)) {
			la = json_object_iter_key_len(ia);
			lb = json_object_iter_key_len(ib);
			if (la != lb || memcmp(json_object_iter_key(ia),
			    json_object_iter_key(ib), la) != 0)
				return (0);
			if (!fuzz_same(json_object_iter_value(ia),
			    json_object_iter_value(ib), depth + 1))
				return (0);
		}
		return (ia == NULL && ib == NULL);
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return (0);
		for (i = 0; i < json_array_size(a); i++)
			if (!fuzz_same(json_array_get(a, i),
			    json_array_get(b, i), depth + 1))
				return (0);
		return (1);
	case JSON_STRING:
		return (json_string_length(a) == json_string_length(b) &&
		    memcmp(json_string_value(a), json_string_value(b),
		    json_string_length(a)) == 0);
	case JSON_INTEGER:
		return (json_integer_value(a) == json_integer_value(b));
	case JSON_REAL:
		return (json_real_value(a) == json_real_value(b));
	default:
		return (1);	/* true, false, null */
	}
}

/*
 * Checks the metadata members of out, a converted record (in is the record
 * as jansson read it, or NULL).
 */
static void
fuzz_check_meta(const struct fuzz_inst *fi, const json_t *in,
    const json_t *out)
{
	const json_t	*v, *want;
	size_t		 i;

	for (i = 0; i < FUZZ_NMETA; i++) {
		v = json_object_get(out, fuzz_meta_keys[i]);
		want = json_object_get(fuzz_meta, fuzz_meta_keys[i]);
		if (strcmp(fuzz_meta_keys[i], "metadataTimestamp") == 0) {
			if (!fuzz_is_timestamp(v))
				fuzz_fail("bad metadataTimestamp");
			continue;
		}
		if (json_equal((json_t *)v, (json_t *)want))
			continue;
		/*
		 * A refresh whose DescribeTags failed leaves tags out, so the
		 * record keeps its own, if any.
		 */
		if (strcmp(fuzz_meta_keys[i], "tags") == 0 && fi->refreshes &&
		    (v == NULL || in == NULL || json_equal((json_t *)v,
		    json_object_get(in, "tags"))))
			continue;
		fuzz_fail("%s: not the fake's", fuzz_meta_keys[i]);
	}
}

/*
 * Checks that out holds in's members, in order and unchanged (metadata
 * keys excepted, fuzz_check_meta checks them), then the metadata keys in
 * lacked, in order.
 */
static void
fuzz_check_members(const json_t *in, const json_t *out)
{
	void		*ii, *io;
	const char	*k;
	size_t		 i, len;

	io = json_object_iter((json_t *)out);
	for (ii = json_object_iter((json_t *)in); ii != NULL;
	    ii = json_object_iter_next((json_t *)in, ii)) {
		k = json_object_iter_key(ii);
		len = json_object_iter_key_len(ii);
		if (io == NULL || json_object_iter_key_len(io) != len ||
		    memcmp(json_object_iter_key(io), k, len) != 0)
			fuzz_fail("member %.*s moved or lost", (int)len, k);
		if (!fuzz_is_meta_key(k, len) &&
		    !fuzz_same(json_object_iter_value(ii),
		    json_object_iter_value(io), 1))
			fuzz_fail("member %.*s changed", (int)len, k);
		io = json_object_iter_next((json_t *)out, io);
	}
	for (i = 0; i < FUZZ_NMETA; i++) {
		if (json_object_get(in, fuzz_meta_keys[i]) != NULL)
			continue;
		if (io == NULL) {
			/* Checked by fuzz_check_meta. */
			if (strcmp(fuzz_meta_keys[i], "tags") == 0)
				break;
			fuzz_fail("%s missing", fuzz_meta_keys[i]);
		}
		if (strcmp(json_object_iter_key(io), fuzz_meta_keys[i]) != 0)
			fuzz_fail("%s: not in its place", fuzz_meta_keys[i]);
		io = json_object_iter_next((json_t *)out, io);
	}
	if (io != NULL)
		fuzz_fail("an extra member %s", json_object_iter_key(io));
}

/* The context sluiced gives a record: the instance's client feeds it. */
static struct conv_ctx
fuzz_ctx(struct fuzz_inst *fi)
{
	struct conv_ctx	ctx = {
		"fuzz", "/var/log/fuzz.log", "fuzzhost", 1700000000,
		imds_conv_get, NULL
	};

	ctx.ec2_arg = fi->imds;
	return (ctx);
}

static void
fuzz_record(struct fuzz_inst *fi, const char *rec, size_t len)
{
	struct conv_ctx			 ctx = fuzz_ctx(fi);
	enum conv_result		 r;
	json_error_t			 jerr;
	json_t				*in, *out;
	size_t				 n = len;
	int				 badutf8;

	buf_reset(&fuzz_out);
	r = addec2metadata_ops.convert(fi->inst, rec, len, &fuzz_out, &ctx);
	if (r != CONV_OK && r != CONV_ERROR)
		fuzz_fail("result %d", (int)r);

	if (n > 0 && rec[n - 1] == '\n')
		n--;
	in = json_loadb(rec, n, FUZZ_LOAD_FLAGS, &jerr);
	badutf8 = in == NULL &&
	    json_error_code(&jerr) == json_error_invalid_utf8;
	if (r == CONV_ERROR) {
		if (json_is_object(in))
			fuzz_fail("an object failed");
		json_decref(in);
		return;
	}
	/* Passed through: there was no metadata. */
	if (fuzz_out.len == len && (len == 0 ||
	    memcmp(fuzz_out.data, rec, len) == 0)) {
		json_decref(in);
		return;
	}
	if (!json_is_object(in) && !badutf8)
		fuzz_fail("not an object, yet converted");

	if (fuzz_out.len < 2 || fuzz_out.data[fuzz_out.len - 1] != '\n')
		fuzz_fail("output does not end in \"}\\n\"");
	if (!fuzz_utf8_is_valid((const unsigned char *)fuzz_out.data,
	    fuzz_out.len))
		fuzz_fail("output is not UTF-8");
	/* Object keys come from jansson, so none holds a NUL. */
	out = json_loadb(fuzz_out.data, fuzz_out.len - 1, JSON_ALLOW_NUL,
	    &jerr);
	if (!json_is_object(out))
		fuzz_fail("output is not a JSON object: %s: %.*s",
		    out == NULL ? jerr.text : "not an object",
		    (int)(fuzz_out.len > 512 ? 512 : fuzz_out.len),
		    fuzz_out.data);
	fuzz_check_meta(fi, in, out);
	if (in != NULL)
		fuzz_check_members(in, out);
	json_decref(out);
	json_decref(in);
}

/* Appends s[0..len) with XML's specials escaped. */
static void
fuzz_xml_escape(struct buf *b, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			buf_add(b, "&amp;", 5);
			break;
		case '<':
			buf_add(b, "&lt;", 4);
			break;
		case '>':
			buf_add(b, "&gt;", 4);
			break;
		default:
			buf_add(b, s + i, 1);
			break;
		}
	}
}

static void
fuzz_tags(const char *xml, size_t len)
{
	static const char	 head[] = "<DescribeTagsResponse><tagSet>";
	static const char	 tail[] = "</tagSet></DescribeTagsResponse>";
	json_t			*t, *again, *v;
	const char		*k;
	char			*cause = NULL;
	size_t			 i;

	if ((t = imds_parse_tags(xml, len, &cause)) == NULL) {
		if (cause == NULL)
			fuzz_fail("NULL without a cause");
		free(cause);
		return;
	}
	if (cause != NULL)
		fuzz_fail("tags and a cause: %s", cause);
	if (!json_is_object(t) || json_object_size(t) > IMDS_MAX_TAGS)
		fuzz_fail("not an object of at most %d tags",
		    IMDS_MAX_TAGS);

	buf_reset(&fuzz_xml);
	buf_add(&fuzz_xml, head, sizeof head - 1);
	json_object_foreach(t, k, v) {
		if (!json_is_string(v))
			fuzz_fail("tag %s: not a string", k);
		for (i = 0; k[i] != '\0'; i++)
			if (k[i] >= 'A' && k[i] <= 'Z')
				fuzz_fail("tag %s: not lower-cased", k);
		buf_add(&fuzz_xml, "<item><key>", 11);
		fuzz_xml_escape(&fuzz_xml, k, strlen(k));
		buf_add(&fuzz_xml, "</key><value>", 13);
		fuzz_xml_escape(&fuzz_xml, json_string_value(v),
		    json_string_length(v));
		buf_add(&fuzz_xml, "</value></item>", 15);
	}
	buf_add(&fuzz_xml, tail, sizeof tail - 1);
	if ((again = imds_parse_tags(fuzz_xml.data, fuzz_xml.len,
	    &cause)) == NULL)
		fuzz_fail("written again, the tags fail: %s", cause);
	if (!fuzz_same(t, again, 0))
		fuzz_fail("written again, the tags differ: %.*s",
		    (int)(fuzz_xml.len > 512 ? 512 : fuzz_xml.len),
		    fuzz_xml.data);
	json_decref(again);
	json_decref(t);
}

static int
fuzz_is_string(const json_t *v, const char *s)
{
	return (json_is_string(v) && strcmp(json_string_value(v), s) == 0);
}

/*
 * Converts "{}" until the fetcher has delivered the fake's identity and
 * tags, and returns what it became.
 */
static json_t *
fuzz_first_meta(struct fuzz_inst *fi)
{
	struct conv_ctx			 ctx = fuzz_ctx(fi);
	json_error_t			 jerr;
	json_t				*out = NULL, *tags = NULL;
	int				 waited;

	for (waited = 0; waited < FUZZ_FETCH_MS; waited += 100) {
		buf_reset(&fuzz_out);
		if (addec2metadata_ops.convert(fi->inst, "{}\n", 3, &fuzz_out,
		    &ctx) != CONV_OK)
			fuzz_fail("%s: \"{}\" failed", fi->opts);
		out = json_loadb(fuzz_out.data, fuzz_out.len, 0, &jerr);
		tags = json_object_get(out, "tags");
		if (json_object_size(out) == FUZZ_NMETA && tags != NULL)
			break;
		json_decref(out);
		out = NULL;
		/* A fixed snapshot without tags stays so: no use waiting. */
		if (!fi->refreshes && fuzz_out.len != 3)
			break;
		usleep(100000);
	}
	if (out == NULL)
		fuzz_fail("%s: no metadata with tags from fakeimds: %.*s",
		    fi->opts, (int)fuzz_out.len, fuzz_out.data);
	if (!json_is_object(tags) ||
	    !fuzz_is_string(json_object_get(out, "instanceId"),
	    FUZZ_INSTANCE_ID) ||
	    !fuzz_is_string(json_object_get(tags, FUZZ_TAG_KEY),
	    FUZZ_TAG_VALUE))
		fuzz_fail("%s: not the fake's metadata: %.*s", fi->opts,
		    (int)fuzz_out.len, fuzz_out.data);
	return (out);
}

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The table's option sets must create. */
static void
fuzz_report(void *arg, const char *key, enum conv_at at, const char *msg)
{
	(void)at;
	fuzz_fail("%s: %s (key %s)", (const char *)arg, msg,
	    key != NULL ? key : "-");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const unset[] = {
		"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY",
		"AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
		"AWS_EC2_METADATA_DISABLED", "AWS_ENDPOINT_URL",
		"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
		"ALL_PROXY", "all_proxy"
	};
	struct conv_report	 r;
	json_error_t		 jerr;
	json_t			*opts, *meta;
	char			 endpoint[64];
	size_t			 i;

	(void)argc;
	(void)argv;
	snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d",
	    fuzz_fake_start());
	for (i = 0; i < sizeof unset / sizeof unset[0]; i++)
		unsetenv(unset[i]);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint, 1);
	setenv("AWS_ENDPOINT_URL_EC2", endpoint, 1);
	setenv("TZ", "UTC", 1);
	tzset();

	/*
	 * Exit handlers run last registered first.  Initializing libcurl
	 * (and so OpenSSL, whose cleanup it registers) before fuzz_free is
	 * registered makes the fetchers stop before OpenSSL frees its
	 * thread-local state, and before the fake is killed.
	 */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fuzz_fail("curl_global_init failed");
	atexit(fuzz_free);
	for (i = 0; i < FUZZ_NINSTS; i++) {
		if ((opts = json_loads(fuzz_insts[i].opts, 0, &jerr)) == NULL)
			fuzz_fail("bad options %s: %s", fuzz_insts[i].opts,
			    jerr.text);
		memset(&r, 0, sizeof r);
		r.fn = fuzz_report;
		r.arg = (void *)fuzz_insts[i].opts;
		fuzz_insts[i].inst = conv_opts_create(&addec2metadata_ops,
		    opts, &r);
		if (fuzz_insts[i].inst == NULL)
			fuzz_fail("%s: no instance", fuzz_insts[i].opts);
		json_decref(opts);
		fuzz_insts[i].imds = imds_create();
		meta = fuzz_first_meta(&fuzz_insts[i]);
		if (fuzz_meta == NULL) {
			fuzz_meta = meta;
			continue;
		}
		/* Replaced in place: the order stays. */
		json_object_set(meta, "metadataTimestamp",
		    json_object_get(fuzz_meta, "metadataTimestamp"));
		if (!fuzz_same(fuzz_meta, meta, 0))
			fuzz_fail("%s: other metadata", fuzz_insts[i].opts);
		json_decref(meta);
	}
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_inst	*fi;
	const char		*p, *end, *nl;
	unsigned int		 sel;

	if (size < 1)
		return (0);
	sel = (data[0] & 0x7f) % 3;
	p = (const char *)data + 1;
	end = (const char *)data + size;
	if (sel == 2) {
		fuzz_tags(p, end - p);
		return (0);
	}
	fi = &fuzz_insts[sel];
	if (data[0] & 0x80) {
		fuzz_record(fi, p, end - p);
		return (0);
	}
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		nl = nl != NULL ? nl + 1 : end;
		fuzz_record(fi, p, nl - p);
		p = nl;
	}
	return (0);
}
