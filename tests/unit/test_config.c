/*
 * test_config: unit tests for agent/config.c.  Every input is a file under
 * $SLUICE_TESTDATA/config (default tests/data/config, relative to the
 * current directory); the sample configs are found at
 * $SLUICE_TESTDATA/../../etc.  Warnings go to stderr, which the tests that
 * check them redirect into a temporary file.
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
	assert_int_equal(c->flows[1].max_buffer_size_bytes, 4194304);
	assert_non_null(strstr(log, "agent.json:6:2: key "
	    "\"cloudwatch.emitMetrics\" is a Kinesis Agent key that sluice "
	    "ignores\n"));
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
	    "config/unknown.yaml:7:5: flow has no filePattern\n"
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
	    "of END_OF_FILE, START_OF_FILE, got \"start_of_file\"\n"
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
	    "between 1000 and 900000, got 999\n"
	    "config/bounds.yaml:7:27: key \"maxBufferSizeRecords\" must be "
	    "between 1 and 500, got 501\n"
	    "config/bounds.yaml:10:25: key \"maxBufferSizeBytes\" must be "
	    "between 1 and 4194304 for Firehose, got 5000000");
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
	char	*e;

	(void)state;
	e = load_fail("config/noflows.yaml");
	assert_string_equal(e,
	    "config/noflows.yaml:3:1: There are no flows configured");
	free(e);
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
	assert_string_equal(c->state_directory, "/var/lib/sluice");
	assert_string_equal(c->control_socket, "/run/sluice/sluice.sock");
	assert_int_equal(c->spool_max_bytes, 1024 * 1024 * 1024);
	assert_int_equal(c->spool_fsync, CONFIG_FSYNC_INTERVAL);
	assert_int_equal(c->spool_fsync_interval_ms, 1000);
	assert_int_equal(c->nflows, 1);
	f = &c->flows[0];
	assert_int_equal(f->dest, CONFIG_DEST_KINESIS);
	assert_int_equal(f->initial_position, CONFIG_POSITION_END_OF_FILE);
	assert_int_equal(f->max_buffer_age_ms, 60000);
	assert_int_equal(f->max_buffer_size_records, 500);
	assert_int_equal(f->max_buffer_size_bytes, 5242880);
	assert_int_equal(f->retry_initial_backoff_ms, 100);
	assert_int_equal(f->retry_max_backoff_ms, 10000);
	assert_int_equal(f->line, 2);
	assert_int_equal(f->column, 5);
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
	assert_string_equal(c->state_directory, "/var/lib/sluice");
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
	assert_int_equal(c->flows[0].max_buffer_size_bytes, 4194304);
	/* Both streams given: deliveryStream wins, with a warning. */
	assert_int_equal(c->flows[1].dest, CONFIG_DEST_FIREHOSE);
	assert_string_equal(c->flows[1].stream, "b-firehose");
	assert_int_equal(c->flows[1].max_buffer_size_bytes, 4194304);
	assert_non_null(strstr(log, "firehose.yaml:4:5: flow has both "
	    "kinesisStream and deliveryStream"));
	free(log);
	config_free(c);
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
	assert_non_null(strstr(log, "bools.yaml:2:1: key "
	    "\"cloudwatch.emitMetrics\" is a Kinesis Agent key"));
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
	c = load_ok("../../etc/sluice.yaml");
	assert_true(c->nflows >= 1);
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
	assert_non_null(strstr(buf, " 1000..900000 "));
	assert_non_null(strstr(buf, "\n  spool.fsync "));
	assert_non_null(strstr(buf, " interval|always|never "));
	assert_non_null(strstr(buf, "/run/sluice/sluice.sock"));
	assert_non_null(strstr(buf, "cloudwatch.emitMetrics"));
	/* Top-level keys come before flow keys. */
	assert_true(strstr(buf, "\n  flows ") <
	    strstr(buf, "\n  filePattern "));
	free(buf);
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
		cmocka_unit_test(test_no_flows),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_strings),
		cmocka_unit_test(test_firehose),
		cmocka_unit_test(test_bool_strings),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_help),
	};

	log_init("test_config", 0);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
