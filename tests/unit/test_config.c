/*
 * test_config: unit tests for agent/config.c.  Most inputs are files under
 * $SLUICE_TESTDATA/config (default tests/data/config, relative to the
 * current directory); the sample configs are found at
 * $SLUICE_TESTDATA/../../etc.  The processing option tests write their
 * short inputs to a temporary file (load_text), named t.yaml in messages,
 * and run the flow's chain on a record.  Warnings go to stderr, which the
 * tests that check them redirect into a temporary file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "converter.h"
#include "dest.h"
#include "log.h"
#include "xmalloc.h"

static char *
data_path(const char *name)
{
	const char	*dir;
	char		*path;

	if ((dir = getenv("SLUICE_TESTDATA")) == NULL)
		dir = "tests/data";
	xasprintf(&path, "%s/%s", dir, name);
	return (path);
}

/* The limits a loaded flow gets from its destination and keys. */
static struct dest_limits
limits_of(const struct config_flow *f)
{
	struct dest_limits	l;

	dest_limits(dest_find(f->dest), f, &l);
	return (l);
}

/* Loads a file that must be valid. */
static struct config *
load_ok(const char *name)
{
	struct config	*conf;
	char		*path, *errors = NULL;

	path = data_path(name);
	conf = config_load(path, &errors);
	if (conf == NULL)
		print_error("%s: unexpected errors:\n%s\n", name, errors);
	assert_non_null(conf);
	assert_null(errors);
	assert_string_equal(conf->path, path);
	free(path);
	return (conf);
}

/*
 * Loads a file that must fail; returns the errors with the directory part
 * of the path removed, so that messages can be compared whole.
 */
static char *
load_fail(const char *name)
{
	struct config	*conf;
	char		*path, *errors = NULL, *out, *p, *q;
	size_t		 dirlen;

	path = data_path(name);
	conf = config_load(path, &errors);
	assert_null(conf);
	assert_non_null(errors);
	dirlen = strlen(path) - strlen(name);
	out = malloc(strlen(errors) + 1);
	assert_non_null(out);
	for (p = errors, q = out; *p != '\0';) {
		if (strncmp(p, path, strlen(path)) == 0) {
			p += dirlen;
			continue;
		}
		*q++ = *p++;
	}
	*q = '\0';
	free(errors);
	free(path);
	return (out);
}

/*
 * Loads text from a temporary file.  Returns the config, or NULL with
 * *errors (the caller frees) holding the errors with the temporary path
 * replaced by name, so that messages can be compared whole.  The loader
 * tells JSON from YAML by the content, not by the name.
 */
static struct config *
load_text(const char *name, const char *text, char **errors)
{
	struct config	*conf;
	char		 tmpl[] = "/tmp/test_config.XXXXXX", *e = NULL;
	char		*out, *p, *q;
	size_t		 len = strlen(text), tlen = strlen(tmpl);
	int		 fd;

	fd = mkstemp(tmpl);
	assert_true(fd != -1);
	assert_true(write(fd, text, len) == (ssize_t)len);
	close(fd);
	conf = config_load(tmpl, &e);
	unlink(tmpl);
	*errors = NULL;
	if (e == NULL)
		return (conf);
	out = malloc(strlen(e) * (strlen(name) + 1) + 1);
	assert_non_null(out);
	for (p = e, q = out; *p != '\0';) {
		if (strncmp(p, tmpl, tlen) == 0) {
			memcpy(q, name, strlen(name));
			q += strlen(name);
			p += tlen;
			continue;
		}
		*q++ = *p++;
	}
	*q = '\0';
	free(e);
	*errors = out;
	return (conf);
}

/* Loads text that must be valid. */
static struct config *
load_text_ok(const char *text)
{
	struct config	*conf;
	char		*errors;

	conf = load_text("t.yaml", text, &errors);
	if (conf == NULL)
		print_error("unexpected errors:\n%s\n", errors);
	assert_non_null(conf);
	assert_null(errors);
	return (conf);
}

/* Loads text that must fail with exactly want (the file named t.yaml). */
static void
load_text_fails(const char *text, const char *want)
{
	struct config	*conf;
	char		*errors;

	conf = load_text("t.yaml", text, &errors);
	assert_null(conf);
	assert_non_null(errors);
	if (strcmp(errors, want) != 0) {
		print_error("errors:\n%s\nwant:\n%s\n", errors, want);
		free(errors);
		fail();
	}
	free(errors);
}

/* flow_run's output, kept from one record to the next as a flow does. */
static struct buf	flow_out = BUF_INIT(CONV_BUF_MAX);

/* Runs flow 0's chain on in; *out is valid until the next call. */
static enum conv_result
flow_run(struct config *c, const char *in, const char **out, size_t *outlen)
{
	static const struct conv_ctx	 ctx = { "f", "/var/log/a.log", "h",
					    0, NULL, NULL };
	enum conv_result		 rc;

	assert_true(c->nflows >= 1);
	assert_non_null(c->flows[0].chain);
	buf_reset(&flow_out);
	rc = chain_run_append(c->flows[0].chain, in, strlen(in), &flow_out,
	    &ctx);
	*out = flow_out.data != NULL ? flow_out.data : "";
	*outlen = flow_out.len;
	return (rc);
}

/* Runs flow 0's chain on in; the record must come out as want. */
static void
flow_converts(struct config *c, const char *in, const char *want)
{
	const char	*out;
	size_t		 outlen;

	assert_int_equal(flow_run(c, in, &out, &outlen), CONV_OK);
	if (outlen != strlen(want) || memcmp(out, want, outlen) != 0) {
		print_error("got  [%.*s]\nwant [%s]\n", (int)outlen, out,
		    want);
		fail();
	}
}

/* Runs flow 0's chain on in; the record must be dropped. */
static void
flow_drops(struct config *c, const char *in)
{
	const char	*out;
	size_t		 outlen;

	assert_int_equal(flow_run(c, in, &out, &outlen), CONV_DROP);
}

/* A flow with the processing options opts (YAML, indented 6). */
#define FLOW_YAML(opts)						\
	"flows:\n"						\
	"  - filePattern: /var/log/a.log\n"			\
	"    kinesisStream: s\n"					\
	"    dataProcessingOptions:\n"				\
	opts

static size_t
count_lines(const char *s)
{
	size_t	n = 1;

	for (; *s != '\0'; s++) {
		if (*s == '\n')
			n++;
	}
	return (n);
}

/* Runs config_load with stderr sent to a file; returns what was logged. */
static char *
load_capture(const char *name, struct config **confp)
{
	char	 tmpl[] = "/tmp/test_config.XXXXXX", *path, *errors = NULL;
	char	*buf;
	int	 fd, saved;
	ssize_t	 n;
	size_t	 len = 0;

	fd = mkstemp(tmpl);
	assert_true(fd != -1);
	unlink(tmpl);
	saved = dup(STDERR_FILENO);
	assert_true(saved != -1);
	assert_true(dup2(fd, STDERR_FILENO) != -1);
	path = data_path(name);
	*confp = config_load(path, &errors);
	assert_true(dup2(saved, STDERR_FILENO) != -1);
	close(saved);
	free(path);
	if (*confp == NULL)
		print_error("%s: unexpected errors:\n%s\n", name, errors);
	free(errors);

	buf = malloc(65536);
	assert_non_null(buf);
	assert_true(lseek(fd, 0, SEEK_SET) == 0);
	while ((n = read(fd, buf + len, 65535 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return (buf);
}

static void
test_full(void **state)
{
	struct config		*c;
	struct config_flow	*f;

	(void)state;
	c = load_ok("config/full.yaml");
	assert_string_equal(c->kinesis_endpoint,
	    "https://kinesis.eu-west-1.amazonaws.com");
	assert_string_equal(c->kinesis_region, "eu-west-1");
	assert_string_equal(c->firehose_endpoint,
	    "https://firehose.eu-west-1.amazonaws.com");
	assert_string_equal(c->firehose_region, "eu-west-1");
	assert_string_equal(c->aws_access_key_id, "AKIDEXAMPLE");
	assert_string_equal(c->aws_secret_access_key,
	    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
	assert_string_equal(c->state_directory, "/srv/sluice/state");
	assert_string_equal(c->control_socket, "/srv/sluice/ctl.sock");
	assert_int_equal(c->spool_max_bytes, 512 * 1024 * 1024);
	assert_int_equal(c->spool_fsync, CONFIG_FSYNC_ALWAYS);
	assert_int_equal(c->spool_fsync_interval_ms, 250);
	assert_int_equal(c->nflows, 2);

	f = &c->flows[0];
	assert_string_equal(f->file_pattern, "/var/log/nginx/access.log*");
	assert_int_equal(f->dest, CONFIG_DEST_KINESIS);
	assert_string_equal(f->stream, "web-access");
	assert_int_equal(f->initial_position, CONFIG_POSITION_START_OF_FILE);
	assert_int_equal(f->max_buffer_age_ms, 1000);
	assert_int_equal(f->max_buffer_size_records, 100);
	assert_int_equal(f->max_buffer_size_bytes, 1048576);
	assert_int_equal(f->retry_initial_backoff_ms, 50);
	assert_int_equal(f->retry_max_backoff_ms, 5000);
	assert_int_equal(f->line, 17);
	assert_int_equal(f->column, 5);

	f = &c->flows[1];
	assert_string_equal(f->file_pattern, "/var/log/app/*.log");
	assert_int_equal(f->dest, CONFIG_DEST_FIREHOSE);
	assert_string_equal(f->stream, "app-logs");
	assert_int_equal(f->line, 25);
	config_free(c);
}

static void
test_flat_nested(void **state)
{
	struct config	*a, *b;

	(void)state;
	a = load_ok("config/flat.yaml");
	b = load_ok("config/nested.yaml");
	assert_string_equal(a->kinesis_endpoint, "http://127.0.0.1:4567");
	assert_string_equal(b->kinesis_endpoint, a->kinesis_endpoint);
	assert_string_equal(a->kinesis_region, "us-east-1");
	assert_string_equal(b->kinesis_region, a->kinesis_region);
	assert_int_equal(a->spool_max_bytes, 100000000);
	assert_int_equal(b->spool_max_bytes, a->spool_max_bytes);
	assert_int_equal(a->spool_fsync, CONFIG_FSYNC_NEVER);
	assert_int_equal(b->spool_fsync, a->spool_fsync);
	assert_int_equal(a->nflows, 1);
	assert_int_equal(b->nflows, 1);
	assert_string_equal(b->flows[0].file_pattern, a->flows[0].file_pattern);
	assert_string_equal(b->flows[0].stream, a->flows[0].stream);
	assert_int_equal(b->flows[0].dest, a->flows[0].dest);
	config_free(a);
	config_free(b);
}

static void
test_agent_json(void **state)
{
	struct config	*c;
	char		*log;

	(void)state;
	log = load_capture("config/agent.json", &c);
	assert_non_null(c);
	/* "kinesis.endpoint": "" means not set. */
	assert_null(c->kinesis_endpoint);
	assert_string_equal(c->firehose_endpoint,
	    "https://firehose.us-east-1.amazonaws.com");
	assert_int_equal(c->nflows, 2);
	assert_int_equal(c->flows[0].dest, CONFIG_DEST_KINESIS);
	assert_string_equal(c->flows[0].stream, "yourkinesisstream");
	assert_string_equal(c->flows[0].file_pattern, "/tmp/app.log*");
	assert_int_equal(c->flows[0].max_buffer_age_ms, 1000);
	assert_int_equal(c->flows[0].max_buffer_size_records, 100);
	assert_int_equal(c->flows[0].line, 11);
	assert_int_equal(c->flows[0].column, 3);
	assert_int_equal(c->flows[1].dest, CONFIG_DEST_FIREHOSE);
	assert_string_equal(c->flows[1].stream, "yourdeliverystream");
	assert_int_equal(c->flows[1].initial_position,
	    CONFIG_POSITION_START_OF_FILE);
	/* Unset: the destination's. */
	assert_int_equal(c->flows[1].max_buffer_size_bytes, 0);
	assert_int_equal(limits_of(&c->flows[1]).max_request_bytes, 4194304);
	/* cloudwatch.* are acted on now (cloudwatch.h): no warning. */
	assert_null(strstr(log, "cloudwatch.emitMetrics"));
	assert_int_equal(c->cloudwatch_emit_metrics, 1);
	assert_string_equal(c->cloudwatch_namespace, "AWSKinesisAgent");
	assert_int_equal(c->cloudwatch_buffer_ms, 30000);
	assert_int_equal(c->cloudwatch_tag_instance, 0);
	/* partitionKeyOption is acted on now: no warning. */
	assert_null(strstr(log, "partitionKeyOption"));
	assert_int_equal(c->flows[0].partition_key, CONFIG_PARTITION_RANDOM);
	/* The commented-out checkpointFile is not seen at all. */
	assert_null(strstr(log, "checkpointFile"));
	free(log);
	config_free(c);
}

static void
test_json_comment_positions(void **state)
{
	char	*e;

	(void)state;
	e = load_fail("config/comment-pos.json");
	assert_string_equal(e, "config/comment-pos.json:6:28: key "
	    "\"maxBufferSizeRecords\": expected an integer, got \"lots\"");
	free(e);
}

static void
test_unknown_key(void **state)
{
	char	*e;

	(void)state;
	e = load_fail("config/unknown.yaml");
	assert_string_equal(e,
	    "config/unknown.yaml:3:3: unknown key \"kinesis.endpont\" "
	    "(did you mean \"kinesis.endpoint\"?)\n"
	    "config/unknown.yaml:4:1: unknown key \"frobnicate\"\n"
	    "config/unknown.yaml:5:1: unknown key \"filePattern\" "
	    "(it is a flow key)\n"
	    "config/unknown.yaml:7:5: unknown key \"filepatern\" in flow "
	    "(did you mean \"filePattern\"?)\n"
	    "config/unknown.yaml:7:5: flow has no filePattern (is "
	    "\"filepatern\" meant to be it?)\n"
	    "config/unknown.yaml:9:5: unknown key \"kinesis.region\" in flow "
	    "(it is a top-level key)");
	free(e);
}

static void
test_wrong_type(void **state)
{
	char	*e;

	(void)state;
	e = load_fail("config/badtype.yaml");
	assert_string_equal(e,
	    "config/badtype.yaml:4:25: key \"maxBufferAgeMillis\": expected "
	    "an integer (milliseconds), got \"abc\"\n"
	    "config/badtype.yaml:5:22: key \"initialPosition\": expected one "
	    "of END_OF_FILE, START_OF_FILE, got \"start_of_file\" (values "
	    "are case-sensitive: did you mean START_OF_FILE?)\n"
	    "config/badtype.yaml:6:27: key \"maxBufferSizeRecords\": expected "
	    "an integer, got a list\n"
	    "config/badtype.yaml:7:17: key \"spool.maxBytes\": expected a "
	    "size such as 512MiB, got \"12 parsecs\"\n"
	    "config/badtype.yaml:8:14: key \"spool.fsync\": expected one of "
	    "interval, always, never, got \"sometimes\"");
	free(e);
}

static void
test_bounds(void **state)
{
	char	*e;

	(void)state;
	e = load_fail("config/bounds.yaml");
	assert_string_equal(e,
	    "config/bounds.yaml:1:17: key \"spool.maxBytes\" must be between "
	    "1048576 and 1125899906842624, got 1000\n"
	    "config/bounds.yaml:2:28: key \"spool.fsyncIntervalMillis\" must "
	    "be between 1 and 60000, got 0\n"
	    "config/bounds.yaml:6:25: key \"maxBufferAgeMillis\" must be "
	    "between 10 and 900000, got 9\n"
	    "config/bounds.yaml:7:27: key \"maxBufferSizeRecords\" must be "
	    "between 1 and 10000, got 10001\n"
	    "config/bounds.yaml:10:25: key \"maxBufferSizeBytes\" must be "
	    "between 1 and 67108864, got 0\n"
	    "config/bounds.yaml:11:25: key \"maxRecordSizeBytes\" must be "
	    "between 8192 and 67108864, got 8191");
	free(e);
}

static void
test_syntax(void **state)
{
	char	*e;

	(void)state;
	e = load_fail("config/syntax.yaml");
	assert_string_equal(e, "config/syntax.yaml:4:4: did not find "
	    "expected '-' indicator (while parsing a block collection at "
	    "line 2 column 3)");
	free(e);
}

static void
test_several_errors(void **state)
{
	char	*e;

	(void)state;
	e = load_fail("config/several.yaml");
	assert_int_equal(count_lines(e), 6);
	assert_string_equal(e,
	    "config/several.yaml:1:17: awsAccessKeyId and awsSecretAccessKey "
	    "must be given together\n"
	    "config/several.yaml:3:18: key \"filePattern\" must be an "
	    "absolute path, got \"var/log/relative.log\"\n"
	    "config/several.yaml:5:18: key \"filePattern\" must not end in "
	    "\"/\", got \"/var/log/dir/\"\n"
	    "config/several.yaml:7:5: flow has no filePattern\n"
	    "config/several.yaml:8:5: flow has neither kinesisStream nor "
	    "deliveryStream\n"
	    "config/several.yaml:11:5: duplicate flow (same as the flow at "
	    "line 9 column 5)");
	free(e);
}

/*
 * A flow's identity (config.h) names its state: name, else stream, else
 * STREAM@HASH of the pattern when unnamed flows share a stream; never the
 * flow's place in the file.
 */
static void
test_flow_identity(void **state)
{
	struct config	*conf, *swapped;

	(void)state;
	conf = load_text_ok("flows:\n"
	    "  - {filePattern: /a.log, kinesisStream: s}\n"
	    "  - {filePattern: /b.log, kinesisStream: s}\n"
	    "  - {filePattern: /c.log, kinesisStream: t}\n"
	    "  - {name: web, filePattern: /d.log, kinesisStream: s}\n");
	/* FNV-1a 32 of "/a.log" and "/b.log". */
	assert_string_equal(conf->flows[0].name, "s@d026ec05");
	assert_string_equal(conf->flows[1].name, "s@ad4e2ca4");
	assert_string_equal(conf->flows[2].name, "t");
	assert_string_equal(conf->flows[3].name, "web");
	assert_int_equal(conf->flows[3].named, 1);
	assert_int_equal(conf->flows[0].named, 0);
	/* Reordered, each keeps its name. */
	swapped = load_text_ok("flows:\n"
	    "  - {filePattern: /b.log, kinesisStream: s}\n"
	    "  - {filePattern: /a.log, kinesisStream: s}\n");
	assert_string_equal(swapped->flows[0].name, conf->flows[1].name);
	assert_string_equal(swapped->flows[1].name, conf->flows[0].name);
	config_free(swapped);
	config_free(conf);

	load_text_fails("flows:\n"
	    "  - {name: x, filePattern: /a.log, kinesisStream: s}\n"
	    "  - {name: x, filePattern: /b.log, kinesisStream: t}\n",
	    "t.yaml:2:5: duplicate flow name \"x\" (also the flow at line 3 "
	    "column 5)\n"
	    "t.yaml:3:5: duplicate flow name \"x\" (also the flow at line 2 "
	    "column 5)");
	load_text_fails("flows:\n"
	    "  - {filePattern: /a.log, kinesisStream: s}\n"
	    "  - {name: s, filePattern: /b.log, kinesisStream: t}\n",
	    "t.yaml:2:5: duplicate flow name \"s\" (also the flow at line 3 "
	    "column 5); an unnamed flow goes by its stream: give it a name\n"
	    "t.yaml:3:5: duplicate flow name \"s\" (also the flow at line 2 "
	    "column 5); an unnamed flow goes by its stream: give it a name");
}

/* A name names a directory: one safe path component, bounded. */
static void
test_flow_name_checked(void **state)
{
	struct config	*conf;
	char		*text, *want, *longname;

	(void)state;
	load_text_fails("flows:\n"
	    "  - {name: a/b, filePattern: /a.log, kinesisStream: s}\n",
	    "t.yaml:2:12: key \"name\": a flow's name must not hold '/' (it "
	    "names its state directory)");
	load_text_fails("flows:\n"
	    "  - {name: .., filePattern: /a.log, kinesisStream: s}\n",
	    "t.yaml:2:12: key \"name\": a flow's name must not start with "
	    "'.' (it names its state directory)");
	load_text_fails("flows:\n"
	    "  - {name: '.', filePattern: /a.log, kinesisStream: s}\n",
	    "t.yaml:2:12: key \"name\": a flow's name must not start with "
	    "'.' (it names its state directory)");
	/* An empty string is unset, as the agent reads it: the stream. */
	conf = load_text_ok("flows:\n"
	    "  - {name: '', filePattern: /a.log, kinesisStream: s}\n");
	assert_string_equal(conf->flows[0].name, "s");
	config_free(conf);
	load_text_fails("flows:\n"
	    "  - {name: \"a\\0b\", filePattern: /a.log, kinesisStream: s}\n",
	    "t.yaml:2:12: key \"name\": value holds a NUL byte");
	load_text_fails("flows:\n"
	    "  - {name: \"a\\tb\", filePattern: /a.log, kinesisStream: s}\n",
	    "t.yaml:2:12: key \"name\": a flow's name holds only printable "
	    "ASCII, without spaces (sluicectl takes it as one word)");
	load_text_fails("flows:\n"
	    "  - {name: \"web access\", filePattern: /a.log, kinesisStream: s}"
	    "\n",
	    "t.yaml:2:12: key \"name\": a flow's name holds only printable "
	    "ASCII, without spaces (sluicectl takes it as one word)");
	longname = malloc(CONFIG_NAME_MAX + 2);
	assert_non_null(longname);
	memset(longname, 'n', CONFIG_NAME_MAX + 1);
	longname[CONFIG_NAME_MAX + 1] = '\0';
	xasprintf(&text, "flows:\n  - {name: %s, filePattern: /a.log, "
	    "kinesisStream: s}\n", longname);
	xasprintf(&want, "t.yaml:2:12: key \"name\": a flow's name is at "
	    "most %d bytes (it names its state directory)", CONFIG_NAME_MAX);
	load_text_fails(text, want);
	free(want);
	free(text);
	longname[CONFIG_NAME_MAX] = '\0';
	xasprintf(&text, "flows:\n  - {name: %s, filePattern: /a.log, "
	    "kinesisStream: s}\n", longname);
	config_free(load_text_ok(text));
	free(text);
	free(longname);
}

static void
test_duplicate_keys(void **state)
{
	char	*e;

	(void)state;
	e = load_fail("config/duplicate.yaml");
	assert_string_equal(e,
	    "config/duplicate.yaml:3:3: duplicate key \"kinesis.endpoint\" "
	    "(first at line 1 column 1)\n"
	    "config/duplicate.yaml:7:5: duplicate key \"kinesisStream\" "
	    "(first at line 6 column 5)");
	free(e);
}

static void
test_no_flows(void **state)
{
	struct config	*c;

	(void)state;

	/* Valid: the daemon starts, says so and waits (the sample config). */
	c = load_ok("config/noflows.yaml");
	assert_int_equal(c->nflows, 0);
	config_free(c);
}

static void
test_missing_file(void **state)
{
	char	*e;

	(void)state;
	e = load_fail("config/does-not-exist.yaml");
	assert_string_equal(e, "config/does-not-exist.yaml: cannot open: "
	    "No such file or directory");
	free(e);
}

static void
test_defaults(void **state)
{
	struct config		*c;
	struct config_flow	*f;

	(void)state;
	c = load_ok("config/minimal.yaml");
	assert_null(c->kinesis_endpoint);
	assert_null(c->kinesis_region);
	assert_null(c->firehose_endpoint);
	assert_null(c->firehose_region);
	assert_null(c->aws_access_key_id);
	assert_null(c->aws_secret_access_key);
	assert_string_equal(c->state_directory, SLUICE_STATE_DIR);
	assert_string_equal(c->control_socket, SLUICE_CONTROL_SOCKET);
	assert_int_equal(c->spool_max_bytes, 1024 * 1024 * 1024);
	assert_int_equal(c->spool_fsync, CONFIG_FSYNC_INTERVAL);
	assert_int_equal(c->spool_fsync_interval_ms, 1000);
	assert_int_equal(c->nflows, 1);
	f = &c->flows[0];
	assert_int_equal(f->dest, CONFIG_DEST_KINESIS);
	assert_int_equal(f->initial_position, CONFIG_POSITION_END_OF_FILE);
	/* sluice's default, not the agent's 60000 (DESIGN.md). */
	assert_int_equal(f->max_buffer_age_ms, 1000);
	/* The limits are unset: the destination's apply. */
	assert_int_equal(f->max_buffer_size_records, 0);
	assert_int_equal(f->max_buffer_size_bytes, 0);
	assert_int_equal(f->max_record_size_bytes, 0);
	assert_int_equal(limits_of(f).max_records, 500);
	assert_int_equal(limits_of(f).max_request_bytes, 5242880);
	assert_int_equal(limits_of(f).max_record_bytes, 1048576);
	assert_int_equal(f->retry_initial_backoff_ms, 100);
	assert_int_equal(f->retry_max_backoff_ms, 10000);
	assert_int_equal(f->line, 2);
	assert_int_equal(f->column, 5);
	config_free(c);
}

/*
 * maxBufferAgeMillis: sluice's default is 1000, not the agent's 60000,
 * also in an agent.json that does not set it; one that sets it keeps its
 * value, and values down to 10 are a sluice extension.
 */
static void
test_buffer_age(void **state)
{
	struct config	*c;

	(void)state;
	c = load_text_ok("{\n"
	    "  \"flows\": [\n"
	    "    { \"filePattern\": \"/tmp/a.log\",\n"
	    "      \"kinesisStream\": \"a\" },\n"
	    "    { \"filePattern\": \"/tmp/b.log\",\n"
	    "      \"kinesisStream\": \"b\",\n"
	    "      \"maxBufferAgeMillis\": \"60000\" },\n"
	    "    { \"filePattern\": \"/tmp/c.log\",\n"
	    "      \"kinesisStream\": \"c\",\n"
	    "      \"maxBufferAgeMillis\": 10 }\n"
	    "  ]\n"
	    "}\n");
	assert_int_equal(c->nflows, 3);
	assert_int_equal(c->flows[0].max_buffer_age_ms, 1000);
	assert_int_equal(c->flows[1].max_buffer_age_ms, 60000);
	assert_int_equal(c->flows[2].max_buffer_age_ms, 10);
	config_free(c);
}

static void
test_empty_strings(void **state)
{
	struct config	*c;

	(void)state;
	c = load_ok("config/empty-strings.json");
	assert_null(c->kinesis_endpoint);
	assert_null(c->kinesis_region);
	assert_string_equal(c->state_directory, SLUICE_STATE_DIR);
	assert_int_equal(c->flows[0].initial_position,
	    CONFIG_POSITION_END_OF_FILE);
	config_free(c);
}

static void
test_firehose(void **state)
{
	struct config	*c;
	char		*log;

	(void)state;
	log = load_capture("config/firehose.yaml", &c);
	assert_non_null(c);
	assert_int_equal(c->nflows, 2);
	assert_int_equal(c->flows[0].dest, CONFIG_DEST_FIREHOSE);
	assert_int_equal(limits_of(&c->flows[0]).max_request_bytes, 4194304);
	/* Both streams given: deliveryStream wins, with a warning. */
	assert_int_equal(c->flows[1].dest, CONFIG_DEST_FIREHOSE);
	assert_string_equal(c->flows[1].stream, "b-firehose");
	assert_int_equal(limits_of(&c->flows[1]).max_request_bytes, 4194304);
	assert_int_equal(limits_of(&c->flows[1]).max_record_bytes, 1024000);
	assert_non_null(strstr(log, "firehose.yaml:4:5: flow has both "
	    "kinesisStream and deliveryStream"));
	free(log);
	config_free(c);
}

/*
 * The limit keys replace the destination's limits, past the classic values
 * too (AWS has raised them); the walker checks their bounds.
 */
static void
test_limit_keys(void **state)
{
	struct config	*c;

	(void)state;
	c = load_text_ok("flows:\n"
	    "  - filePattern: /var/log/a.log\n"
	    "    kinesisStream: s\n"
	    "    maxBufferSizeRecords: 1000\n"
	    "    maxBufferSizeBytes: 10485760\n"
	    "    maxRecordSizeBytes: 10485760\n"
	    "  - filePattern: /var/log/b.log\n"
	    "    deliveryStream: f\n"
	    "    maxRecordSizeBytes: 8192\n");
	assert_int_equal(c->flows[0].max_buffer_size_records, 1000);
	assert_int_equal(c->flows[0].max_buffer_size_bytes, 10485760);
	assert_int_equal(c->flows[0].max_record_size_bytes, 10485760);
	assert_int_equal(limits_of(&c->flows[0]).max_records, 1000);
	assert_int_equal(limits_of(&c->flows[0]).max_record, 10485760 - 32);
	assert_int_equal(limits_of(&c->flows[1]).max_record, 8192);
	assert_int_equal(limits_of(&c->flows[1]).max_records, 500);
	assert_int_equal(limits_of(&c->flows[1]).max_request_bytes, 4194304);
	config_free(c);
	load_text_fails("flows:\n"
	    "  - filePattern: /var/log/a.log\n"
	    "    kinesisStream: s\n"
	    "    maxBufferSizeRecords: 0\n"
	    "    maxBufferSizeBytes: 67108865\n"
	    "    maxRecordSizeBytes: 0\n"
	    "  - filePattern: /var/log/b.log\n"
	    "    kinesisStream: s\n"
	    "    maxRecordSizeBytes: 67108865\n"
	    "    maxBufferSizeRecords: [500]\n",
	    "t.yaml:4:27: key \"maxBufferSizeRecords\" must be between 1 "
	    "and 10000, got 0\n"
	    "t.yaml:5:25: key \"maxBufferSizeBytes\" must be between 1 and "
	    "67108864, got 67108865\n"
	    "t.yaml:6:25: key \"maxRecordSizeBytes\" must be between 8192 "
	    "and 67108864, got 0\n"
	    "t.yaml:9:25: key \"maxRecordSizeBytes\" must be between 8192 "
	    "and 67108864, got 67108865\n"
	    "t.yaml:10:27: key \"maxBufferSizeRecords\": expected an "
	    "integer, got a list");
}

static void
test_bool_strings(void **state)
{
	struct config	*c;
	char		*log, *e;

	(void)state;
	log = load_capture("config/bools.yaml", &c);
	assert_non_null(c);
	assert_int_equal(c->nflows, 2);
	/* The agent's strings, read as booleans by a key sluice acts on. */
	assert_int_equal(c->cloudwatch_emit_metrics, 1);
	assert_int_equal(c->cloudwatch_tag_instance, 0);
	assert_non_null(strstr(log, "bools.yaml:15:7: key "
	    "\"log.emitInternalMetrics\" is a Kinesis Agent key"));
	free(log);
	config_free(c);

	e = load_fail("config/badbool.yaml");
	assert_string_equal(e,
	    "config/badbool.yaml:1:25: key \"cloudwatch.emitMetrics\": "
	    "expected a boolean, got \"maybe\"\n"
	    "config/badbool.yaml:2:14: key \"useHttpGzip\": expected a "
	    "boolean, got \"2\"");
	free(e);
}

static void
test_samples(void **state)
{
	struct config	*c;

	(void)state;
	/* The sample has no live flow (cli.sh checks its example flow). */
	c = load_ok("../../etc/sluice.yaml");
	assert_int_equal(c->nflows, 0);
	config_free(c);

	c = load_ok("../../etc/demo.yaml");
	assert_string_equal(c->kinesis_endpoint, "http://127.0.0.1:4567");
	assert_string_equal(c->kinesis_region, "us-east-1");
	assert_string_equal(c->state_directory, "/tmp/sluice-demo/state");
	assert_string_equal(c->control_socket, "/tmp/sluice-demo/sluice.sock");
	assert_string_equal(c->aws_access_key_id, "AKIDEXAMPLE");
	assert_int_equal(c->nflows, 1);
	assert_string_equal(c->flows[0].file_pattern,
	    "/tmp/sluice-demo/access.log");
	assert_string_equal(c->flows[0].stream, "sluice-demo");
	assert_int_equal(c->flows[0].dest, CONFIG_DEST_KINESIS);
	assert_int_equal(c->flows[0].initial_position,
	    CONFIG_POSITION_START_OF_FILE);
	assert_int_equal(c->flows[0].max_buffer_age_ms, 1000);
	config_free(c);
}

/*
 * A plain scalar is a number only in JSON's grammar: nan, inf, 0x10 and
 * the like stay strings.  A non-finite double once made the value NULL,
 * the option was dropped without an error and the flow had no chain:
 * sluiced -n said OK and the daemon crashed on the first record.
 */
static void
test_option_numbers(void **state)
{
	struct config	*c;

	(void)state;
	c = load_text_ok(FLOW_YAML(
	    "      - optionName: ADDMETADATA\n"
	    "        metadata: nan\n"));
	flow_converts(c, "x\n", "{\"metadata\":\"nan\",\"data\":\"x\"}\n");
	config_free(c);

	c = load_text_ok(FLOW_YAML(
	    "      - optionName: ADDMETADATA\n"
	    "        metadata: -infinity\n"));
	flow_converts(c, "x\n",
	    "{\"metadata\":\"-infinity\",\"data\":\"x\"}\n");
	config_free(c);

	/* In lists and mappings nothing disappears. */
	c = load_text_ok(FLOW_YAML(
	    "      - optionName: ADDMETADATA\n"
	    "        metadata: [inf, 1, .inf, -.inf, .nan, NaN, 0x10, 1_000,\n"
	    "          +5, 007, 1., .5, 1e5, -0, 1.5, -2.5E-3, 1e400, 1e-400,\n"
	    "          12345678901234567890, 9223372036854775807,\n"
	    "          -9223372036854775808, true, ~, null, '1', \"nan\"]\n"));
	flow_converts(c, "x\n", "{\"metadata\":[\"inf\",1,\".inf\",\"-.inf\","
	    "\".nan\",\"NaN\",\"0x10\",\"1_000\",\"+5\",\"007\",\"1.\","
	    "\".5\",100000.0,0,1.5,-0.0025,\"1e400\",0.0,"
	    "1.2345678901234567E19,9223372036854775807,"
	    "-9223372036854775808,true,null,null,\"1\",\"nan\"],"
	    "\"data\":\"x\"}\n");
	config_free(c);

	c = load_text_ok(FLOW_YAML(
	    "      - optionName: ADDMETADATA\n"
	    "        metadata: {a: inf, b: {c: nan, d: [0x1p3]}, e: 2}\n"));
	flow_converts(c, "x\n", "{\"metadata\":{\"a\":\"inf\",\"b\":{\"c\":"
	    "\"nan\",\"d\":[\"0x1p3\"]},\"e\":2},\"data\":\"x\"}\n");
	config_free(c);

	/* YAML's null, written any way, is null. */
	c = load_text_ok(FLOW_YAML(
	    "      - optionName: ADDMETADATA\n"
	    "        metadata: {a: , b: Null, c: ~, d: ''}\n"));
	flow_converts(c, "x\n", "{\"metadata\":{\"a\":null,\"b\":null,"
	    "\"c\":null,\"d\":\"\"},\"data\":\"x\"}\n");
	config_free(c);

	/* The same in an agent.json, where these are not even JSON. */
	c = load_text_ok("{ \"flows\": [ { \"filePattern\": \"/var/log/a.log\","
	    " \"kinesisStream\": \"s\", \"dataProcessingOptions\": [\n"
	    "  { \"optionName\": \"ADDMETADATA\", \"metadata\": {\"a\": NaN,"
	    " \"b\": [Infinity, -Infinity, 0x10, 1.5e1, 7]} } ] } ] }\n");
	flow_converts(c, "x\n", "{\"metadata\":{\"a\":\"NaN\",\"b\":"
	    "[\"Infinity\",\"-Infinity\",\"0x10\",15.0,7]},\"data\":\"x\"}\n");
	config_free(c);
	c = load_text_ok("{ \"flows\": [ { \"filePattern\": \"/var/log/a.log\","
	    " \"kinesisStream\": \"s\", \"dataProcessingOptions\": [\n"
	    "  { \"optionName\": \"ADDMETADATA\", \"metadata\": nan } ] } ]"
	    " }\n");
	flow_converts(c, "x\n", "{\"metadata\":\"nan\",\"data\":\"x\"}\n");
	config_free(c);
}

/* Where a number is required, anything else is an error in place. */
static void
test_option_number_errors(void **state)
{
	(void)state;
	load_text_fails(FLOW_YAML(
	    "      - optionName: ADDEC2METADATA\n"
	    "        logFormat: x\n"
	    "        metadataTTL: nan\n"
	    "      - optionName: ADDEC2METADATA\n"
	    "        logFormat: x\n"
	    "        metadataTTL: 0x10\n"
	    "      - optionName: ADDEC2METADATA\n"
	    "        logFormat: x\n"
	    "        metadataTTL: 1e3\n"
	    "      - optionName: ADDEC2METADATA\n"
	    "        logFormat: x\n"
	    "        metadataTTL: -.inf\n"),
	    "t.yaml:7:22: ADDEC2METADATA key \"metadataTTL\": expected an "
	    "integer, got \"nan\"\n"
	    "t.yaml:10:22: ADDEC2METADATA key \"metadataTTL\": expected an "
	    "integer, got \"0x10\"\n"
	    "t.yaml:13:22: ADDEC2METADATA key \"metadataTTL\": expected an "
	    "integer, got \"1e3\"\n"
	    "t.yaml:16:22: ADDEC2METADATA key \"metadataTTL\": expected an "
	    "integer, got \"-.inf\"");
	load_text_fails("flows:\n"
	    "  - filePattern: /var/log/a.log\n"
	    "    kinesisStream: s\n"
	    "    maxBufferAgeMillis: .inf\n"
	    "    maxBufferSizeRecords: 0x10\n",
	    "t.yaml:4:25: key \"maxBufferAgeMillis\": expected an integer "
	    "(milliseconds), got \".inf\"\n"
	    "t.yaml:5:27: key \"maxBufferSizeRecords\": expected an integer, "
	    "got \"0x10\"");
}

/*
 * Values that cannot be handed to a converter as they are written are
 * errors, never dropped: a key that is not a string (which also crashed
 * the option walk), a key given twice.
 */
static void
test_option_bad_values(void **state)
{
	(void)state;
	load_text_fails(FLOW_YAML(
	    "      - optionName: ADDMETADATA\n"
	    "        metadata: {[a]: 1, b: 2}\n"
	    "      - optionName: ADDMETADATA\n"
	    "        metadata: [1, {b: 2, b: 3}]\n"),
	    "t.yaml:6:20: ADDMETADATA key \"metadata\": a key must be a "
	    "string\n"
	    "t.yaml:8:30: ADDMETADATA key \"metadata\": duplicate key "
	    "\"b\"");
	load_text_fails(FLOW_YAML(
	    "      - {optionName: ADDMETADATA, [x]: 1}\n"
	    "      - {[x]: 1, optionName: ADDBRACKETS}\n"),
	    "t.yaml:5:35: ADDMETADATA: a key must be a string\n"
	    "t.yaml:6:10: ADDBRACKETS: a key must be a string");
	load_text_fails(FLOW_YAML(
	    "      - optionName: REGEXTOJSON\n"
	    "        pattern: '(?<a>x)'\n"
	    "        types: {[a]: int}\n"
	    "      - optionName: REGEXTOJSON\n"
	    "        pattern: '(?<a>x)'\n"
	    "        types: {a: int, a: float}\n"),
	    "t.yaml:7:17: REGEXTOJSON key \"types\": a key must be a "
	    "string\n"
	    "t.yaml:10:25: REGEXTOJSON key \"types\": duplicate key \"a\"");
	/* A NUL would cut a pattern short where the converter reads it. */
	load_text_fails(FLOW_YAML(
	    "      - optionName: LOGTOJSON\n"
	    "        logFormat: SYSLOG\n"
	    "        matchPattern: \"(a)\\0|(b)\"\n"
	    "        customFieldNames: [x]\n"),
	    "t.yaml:7:23: LOGTOJSON key \"matchPattern\": value holds a NUL "
	    "byte");
}

/*
 * Within one option every bad key is reported, each at its line and
 * column: an unknown key at the key, a bad type, value or bound at the
 * value, a missing required key at the optionName.  The converter's own
 * checks report each key too.
 */
static void
test_option_all_bad_keys(void **state)
{
	(void)state;
	load_text_fails(FLOW_YAML(
	    "      - optionName: CSVTOJSON\n"
	    "        delimeter: ','\n"
	    "        jsonFormat: UGLY\n"
	    "        ignoredFieldNames: x\n"
	    "      - optionName: REGEXTOJSON\n"
	    "        pattern: '(?<a>x)'\n"
	    "        types: {a: long, b: int}\n"
	    "        onMismatch: KEEP\n"
	    "        timeFormat: '%s'\n"
	    "      - optionName: SINGLELINE\n"
	    "        parseOptions: [NO_TRIM, TRIM]\n"
	    "      - optionName: ADDEC2METADATA\n"
	    "        metadataTTL: soon\n"
	    "        jsonFormat: [COMPACT]\n"),
	    "t.yaml:5:21: optionName CSVTOJSON needs key \"customFieldNames\"\n"
	    "t.yaml:6:9: unknown key \"delimeter\" for optionName CSVTOJSON "
	    "(did you mean \"delimiter\"?)\n"
	    "t.yaml:7:21: CSVTOJSON key \"jsonFormat\": expected one of "
	    "COMPACT, PRETTYPRINT, got \"UGLY\"\n"
	    "t.yaml:8:28: CSVTOJSON key \"ignoredFieldNames\": expected a "
	    "list of strings, got \"x\"\n"
	    "t.yaml:11:16: REGEXTOJSON key \"types\": \"a\": expected one of "
	    "string, int, float, bool, got \"long\"\n"
	    "t.yaml:12:21: REGEXTOJSON key \"onMismatch\": expected one of "
	    "DROP, RAW, WRAP, got \"KEEP\"\n"
	    "t.yaml:15:23: SINGLELINE key \"parseOptions\": an item: expected "
	    "one of NO_TRIM, ESCAPE_NEW_LINE, got \"TRIM\"\n"
	    "t.yaml:16:21: optionName ADDEC2METADATA needs key "
	    "\"logFormat\"\n"
	    "t.yaml:17:22: ADDEC2METADATA key \"metadataTTL\": expected an "
	    "integer, got \"soon\"\n"
	    "t.yaml:18:21: ADDEC2METADATA key \"jsonFormat\": expected one of "
	    "COMPACT, PRETTYPRINT, got a list");

	/* Past the walker, create reports each key it refuses. */
	load_text_fails(FLOW_YAML(
	    "      - optionName: REGEXTOJSON\n"
	    "        pattern: '(?<a>x)'\n"
	    "        types: {b: int}\n"
	    "        timeFormat: '%s'\n"
	    "      - optionName: PARSEJSON\n"
	    "        renameFields: {a: '', b: c}\n"
	    "        addFields: {x: '{{host}}'}\n"),
	    "t.yaml:7:16: types: \"b\" is not a named group of the pattern\n"
	    "t.yaml:8:21: timeFormat needs timeKey\n"
	    "t.yaml:10:23: renameFields: \"a\": the new name must be a "
	    "non-empty string\n"
	    "t.yaml:11:20: addFields: \"x\": unknown placeholder {{host}} "
	    "(expected {{hostname}}, {{file}}, {{flow}} or {{timestamp}})");
}

/*
 * A converter's create error names the key, as multiLineStartPattern's
 * does, at the key's value.
 */
static void
test_option_errors_name_key(void **state)
{
	char	*errors;

	(void)state;
	assert_null(load_text("t.yaml", FLOW_YAML(
	    "      - optionName: LOGTOJSON\n"
	    "        logFormat: SYSLOG\n"
	    "        matchPattern: '(?U)x'\n"
	    "        customFieldNames: [a]\n"
	    "      - optionName: CSVTOJSON\n"
	    "        customFieldNames: [a]\n"
	    "        delimiter: '('\n"), &errors));
	assert_non_null(errors);
	assert_int_equal(count_lines(errors), 2);
	if (strncmp(errors, "t.yaml:7:23: matchPattern: ", 27) != 0 ||
	    strstr(errors, "\nt.yaml:11:20: delimiter: ") == NULL) {
		print_error("errors:\n%s\n", errors);
		fail();
	}
	free(errors);
}

/*
 * A quoted empty string is a value for a string key: CSVTOJSON's
 * delimiter "" splits between characters, as String.split("") does.
 * YAML's null still means the default.
 */
static void
test_option_empty_string(void **state)
{
	struct config	*c;

	(void)state;
	c = load_text_ok(FLOW_YAML(
	    "      - optionName: CSVTOJSON\n"
	    "        customFieldNames: [a, b, c, d]\n"
	    "        delimiter: ''\n"));
	flow_converts(c, "x,\xc3\xa9\n",
	    "{\"a\":\"x\",\"b\":\",\",\"c\":\"\xc3\xa9\",\"d\":null}\n");
	config_free(c);

	c = load_text_ok("{\"flows\": [{\"filePattern\": \"/var/log/a.log\", "
	    "\"kinesisStream\": \"s\", \"dataProcessingOptions\": [{"
	    "\"optionName\": \"CSVTOJSON\", \"customFieldNames\": [\"a\", "
	    "\"b\"], \"delimiter\": \"\"}]}]}\n");
	flow_converts(c, "xy,z\n", "{\"a\":\"x\",\"b\":\"y\"}\n");
	config_free(c);

	c = load_text_ok(FLOW_YAML(
	    "      - optionName: CSVTOJSON\n"
	    "        customFieldNames: [a, b]\n"
	    "        delimiter:\n"));
	flow_converts(c, "xy,z\n", "{\"a\":\"xy\",\"b\":\"z\"}\n");
	config_free(c);

	/*
	 * The same for LOGTOJSON's matchPattern: "" matches the empty line
	 * only, as Pattern.compile("") does in the agent.
	 */
	c = load_text_ok(FLOW_YAML(
	    "      - optionName: LOGTOJSON\n"
	    "        logFormat: SYSLOG\n"
	    "        matchPattern: ''\n"
	    "        customFieldNames: []\n"));
	flow_converts(c, "\n", "{}\n");
	flow_drops(c, "Mar 12 12:10:00 h p: x\n");
	config_free(c);
}

static void
test_help(void **state)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	(void)state;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	config_print_help(f);
	fclose(f);
	assert_non_null(strstr(buf, "\n  maxBufferAgeMillis "));
	assert_non_null(strstr(buf, " duration-ms "));
	assert_non_null(strstr(buf, " 10..900000 "));
	assert_non_null(strstr(buf, "\n  spool.fsync "));
	assert_non_null(strstr(buf, " interval|always|never "));
	assert_non_null(strstr(buf, SLUICE_CONTROL_SOCKET));
	assert_non_null(strstr(buf, "cloudwatch.emitMetrics"));
	/* Top-level keys come before flow keys. */
	assert_true(strstr(buf, "\n  flows ") <
	    strstr(buf, "\n  filePattern "));
	free(buf);
}

static int
group_teardown(void **state)
{
	(void)state;
	buf_free(&flow_out);
	return (0);
}

/* Endpoints need a scheme and a host; stream names the APIs' pattern. */
static void
test_endpoint_and_stream_checks(void **state)
{
	struct config	*conf;

	(void)state;
	load_text_fails("kinesis.endpoint: 127.0.0.1:4567\n"
	    "flows:\n  - filePattern: /tmp/a.log\n    kinesisStream: s\n",
	    "t.yaml:1:19: key \"kinesis.endpoint\" must be a URL that "
	    "starts with http:// or https://, got \"127.0.0.1:4567\" (for a "
	    "local endpoint: \"http://127.0.0.1:4567\")");
	load_text_fails("firehose.endpoint: htp://example.com\n"
	    "flows:\n  - filePattern: /tmp/a.log\n    kinesisStream: s\n",
	    "t.yaml:1:20: key \"firehose.endpoint\" must use http:// or "
	    "https://, got \"htp://example.com\"");
	load_text_fails("kinesis.endpoint: \"http://\"\n"
	    "flows:\n  - filePattern: /tmp/a.log\n    kinesisStream: s\n",
	    "t.yaml:1:19: key \"kinesis.endpoint\" is not a URL (No host "
	    "part in the URL): \"http://\"");
	load_text_fails("flows:\n  - filePattern: /tmp/a.log\n"
	    "    kinesisStream: web access!\n",
	    "t.yaml:3:20: key \"kinesisStream\": stream names have only "
	    "letters, digits, \"_\", \".\" and \"-\", got \"web access!\"");
	load_text_fails("flows:\n  - filePattern: /tmp/a.log\n"
	    "    deliveryStream: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaa\n",
	    "t.yaml:3:21: key \"deliveryStream\" is a stream name of at most "
	    "64 characters, got 65");
	/* An empty endpoint is unset, as in the agent's documented file. */
	conf = load_text_ok("kinesis.endpoint: \"\"\n"
	    "flows:\n  - filePattern: /tmp/a.log\n"
	    "    kinesisStream: Web_1.log-x");
	assert_null(conf->kinesis_endpoint);
	config_free(conf);
	conf = load_text_ok("kinesis.endpoint: https://[::1]:8443/x\n"
	    "flows:\n  - filePattern: /tmp/a.log\n    kinesisStream: s");
	assert_string_equal(conf->kinesis_endpoint, "https://[::1]:8443/x");
	config_free(conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_flat_nested),
		cmocka_unit_test(test_agent_json),
		cmocka_unit_test(test_json_comment_positions),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_several_errors),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_flow_identity),
		cmocka_unit_test(test_flow_name_checked),
		cmocka_unit_test(test_no_flows),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_buffer_age),
		cmocka_unit_test(test_empty_strings),
		cmocka_unit_test(test_firehose),
		cmocka_unit_test(test_limit_keys),
		cmocka_unit_test(test_bool_strings),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_option_numbers),
		cmocka_unit_test(test_option_number_errors),
		cmocka_unit_test(test_option_bad_values),
		cmocka_unit_test(test_option_all_bad_keys),
		cmocka_unit_test(test_option_errors_name_key),
		cmocka_unit_test(test_option_empty_string),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_endpoint_and_stream_checks),
	};

	log_init("test_config", 0);
	return (cmocka_run_group_tests(tests, NULL, group_teardown));
}
