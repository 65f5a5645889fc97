/*
 * test_checkpoint: entries with awkward paths survive a save and a load
 * exactly; a missing file is empty; every kind of damage is reported as
 * "file:line: ..." and yields nothing; the fingerprint is FNV-1a over the
 * first CHECKPOINT_FP_MAX bytes and tells files apart.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "checkpoint.h"

static char	tmpdir[64];
static char	cpath[128];

static int
setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/sluice-test-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	snprintf(cpath, sizeof cpath, "%s/checkpoints", tmpdir);
	return (0);
}

static int
teardown(void **state)
{
	char	path[160];

	(void)state;
	unlink(cpath);
	snprintf(path, sizeof path, "%s/data", tmpdir);
	unlink(path);
	return (rmdir(tmpdir));
}

static void
write_file(const char *path, const char *data, size_t len)
{
	int	fd;

	fd = open(path, O_WRONLY|O_CREAT|O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void
test_round_trip(void **state)
{
	struct checkpoint_entry	 in[8], *out = NULL;
	char			 longpath[PATH_MAX - 1], *cause = NULL;
	size_t			 n, i;
	static const char	*paths[] = {
		"/var/log/plain.log",
		"/var/log/with space/and  two.log",
		"/tmp/new\nline\r\tand tab",
		"/tmp/100%25 literal % and %41",
		" leading and trailing ",
		"/tmp/utf8-\xc3\xa9t\xc3\xa9-\x7f-\x01-\xff",
		"end 3",
	};

	(void)state;
	memset(longpath, 'x', sizeof longpath - 1);
	longpath[0] = '/';
	longpath[sizeof longpath - 1] = '\0';
	for (i = 0; i < 8; i++) {
		in[i].dev = 0xfd01 + i;
		in[i].ino = UINT64_MAX - i;
		in[i].fp = 0x0123456789abcdefULL * (i + 1);
		in[i].fplen = i == 0 ? 0 : CHECKPOINT_FP_MAX - i;
		in[i].offset = (uint64_t)1 << (i * 8);
		in[i].updated = 1700000000 + i;
		in[i].path = (char *)(i < 7 ? paths[i] : longpath);
	}
	assert_int_equal(checkpoint_save(cpath, in, 8, &cause), 0);
	assert_int_equal(checkpoint_load(cpath, &out, &n, &cause), 0);
	assert_int_equal(n, 8);
	for (i = 0; i < 8; i++) {
		assert_int_equal(out[i].dev, in[i].dev);
		assert_true(out[i].ino == in[i].ino);
		assert_true(out[i].fp == in[i].fp);
		assert_int_equal(out[i].fplen, in[i].fplen);
		assert_true(out[i].offset == in[i].offset);
		assert_int_equal(out[i].updated, in[i].updated);
		assert_string_equal(out[i].path, in[i].path);
	}
	checkpoint_free_entries(out, n);

	/* An empty list is a valid file, and a rewrite replaces it. */
	assert_int_equal(checkpoint_save(cpath, in, 0, &cause), 0);
	assert_int_equal(checkpoint_load(cpath, &out, &n, &cause), 0);
	assert_int_equal(n, 0);
	checkpoint_free_entries(out, n);
}

static void
test_missing_file(void **state)
{
	struct checkpoint_entry	*out = (void *)1;
	char			*cause = NULL;
	size_t			 n = 99;

	(void)state;
	assert_int_equal(checkpoint_load(cpath, &out, &n, &cause), 0);
	assert_null(out);
	assert_int_equal(n, 0);
	assert_null(cause);
}

/* Loads text as a checkpoint file and expects "<file>:<line>: ...". */
static void
expect_corrupt(const char *text, int line)
{
	struct checkpoint_entry	*out = NULL;
	char			*cause = NULL, want[192];
	size_t			 n = 0;

	write_file(cpath, text, strlen(text));
	assert_int_equal(checkpoint_load(cpath, &out, &n, &cause), -1);
	assert_null(out);
	assert_int_equal(n, 0);
	assert_non_null(cause);
	snprintf(want, sizeof want, "%s:%d: ", cpath, line);
	if (strncmp(cause, want, strlen(want)) != 0)
		fail_msg("cause \"%s\" does not start with \"%s\"", cause,
		    want);
	free(cause);
}

static void
test_corrupt(void **state)
{
	struct checkpoint_entry	 e, *out = NULL;
	char			*cause = NULL, *text;
	size_t			 n;
	int			 fd;
	struct stat		 sb;

	(void)state;
	/* Start from a good file and damage it in several ways. */
	e.dev = 1;
	e.ino = 2;
	e.fp = 3;
	e.fplen = 4;
	e.offset = 5;
	e.updated = 6;
	e.path = (char *)"/a b";
	assert_int_equal(checkpoint_save(cpath, &e, 1, &cause), 0);
	assert_int_equal(stat(cpath, &sb), 0);
	text = calloc(1, sb.st_size + 1);
	assert_non_null(text);
	fd = open(cpath, O_RDONLY);
	assert_int_equal(read(fd, text, sb.st_size), sb.st_size);
	close(fd);
	assert_int_equal(checkpoint_load(cpath, &out, &n, &cause), 0);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].path, "/a b");
	checkpoint_free_entries(out, n);

	/* Empty, or cut short: no end line, then no newline. */
	expect_corrupt("", 0);
	expect_corrupt("sluice-checkpoints 1\n", 2);
	{
		char	*first = strchr(text, '\n') + 1;
		char	*second = strchr(first, '\n') + 1;
		char	 buf[512];

		snprintf(buf, sizeof buf, "%.*s", (int)(second - text), text);
		expect_corrupt(buf, 3);
		snprintf(buf, sizeof buf, "%.*s", (int)(second - text - 1),
		    text);
		expect_corrupt(buf, 2);
		/* The end line must count the entries. */
		snprintf(buf, sizeof buf, "%.*send 2\n", (int)(second - text),
		    text);
		expect_corrupt(buf, 3);
		/* Nothing may follow the end line. */
		snprintf(buf, sizeof buf, "%sx\n", text);
		expect_corrupt(buf, 4);
		/* Damaged entries. */
		snprintf(buf, sizeof buf, "%.*s1 2 3 4 5\nend 1\n",
		    (int)(first - text), text);
		expect_corrupt(buf, 2);
		snprintf(buf, sizeof buf, "%.*s1 2 xyz 4 5 6 /p\nend 1\n",
		    (int)(first - text), text);
		expect_corrupt(buf, 2);
		snprintf(buf, sizeof buf, "%.*s-1 2 3 4 5 6 /p\nend 1\n",
		    (int)(first - text), text);
		expect_corrupt(buf, 2);
		snprintf(buf, sizeof buf,
		    "%.*s1 2 3 4 99999999999999999999 6 /p\nend 1\n",
		    (int)(first - text), text);
		expect_corrupt(buf, 2);
		snprintf(buf, sizeof buf, "%.*s1 2 3 4096 5 6 /p\nend 1\n",
		    (int)(first - text), text);
		expect_corrupt(buf, 2);
		snprintf(buf, sizeof buf, "%.*s1 2 3 4 5 6 /p%%4\nend 1\n",
		    (int)(first - text), text);
		expect_corrupt(buf, 2);
		snprintf(buf, sizeof buf, "%.*s1 2 3 4 5 6 /p%%00\nend 1\n",
		    (int)(first - text), text);
		expect_corrupt(buf, 2);
		snprintf(buf, sizeof buf, "%.*s1 2 3 4 5 6 /p q\nend 1\n",
		    (int)(first - text), text);
		expect_corrupt(buf, 2);
		snprintf(buf, sizeof buf, "%.*s1 2 3 4 5 6 \nend 1\n",
		    (int)(first - text), text);
		expect_corrupt(buf, 2);
	}
	/* Wrong header or version. */
	expect_corrupt("sluice-checkpoints 2\nend 0\n", 1);
	expect_corrupt("something else\n", 1);
	expect_corrupt("\x89PNG\r\n\x1a\n", 1);
	free(text);
}

static void
test_fingerprint(void **state)
{
	char			 path[160], buf[3000];
	struct checkpoint_entry	 e;
	uint64_t		 fp, fp2;
	uint32_t		 len;
	struct stat		 sb;
	size_t			 i;
	int			 fd;

	(void)state;
	snprintf(path, sizeof path, "%s/data", tmpdir);

	/* FNV-1a 64 reference values. */
	write_file(path, "", 0);
	fd = open(path, O_RDONLY);
	assert_int_equal(checkpoint_fingerprint(fd, &fp, &len), 0);
	assert_true(fp == 0xcbf29ce484222325ULL);
	assert_int_equal(len, 0);
	close(fd);
	write_file(path, "a", 1);
	fd = open(path, O_RDONLY);
	assert_int_equal(checkpoint_fingerprint(fd, &fp, &len), 0);
	assert_true(fp == 0xaf63dc4c8601ec8cULL);
	assert_int_equal(len, 1);
	close(fd);
	write_file(path, "foobar", 6);
	fd = open(path, O_RDONLY);
	assert_int_equal(checkpoint_fingerprint(fd, &fp, &len), 0);
	assert_true(fp == 0x85944171f73967e8ULL);
	close(fd);

	/* Only the first CHECKPOINT_FP_MAX bytes count. */
	for (i = 0; i < sizeof buf; i++)
		buf[i] = 'a' + i % 26;
	write_file(path, buf, sizeof buf);
	fd = open(path, O_RDONLY);
	assert_int_equal(lseek(fd, 100, SEEK_SET), 100);
	assert_int_equal(checkpoint_fingerprint(fd, &fp, &len), 0);
	assert_int_equal(len, CHECKPOINT_FP_MAX);
	/* pread: the offset did not move. */
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 100);
	close(fd);
	buf[CHECKPOINT_FP_MAX + 10] = '!';
	write_file(path, buf, sizeof buf);
	fd = open(path, O_RDONLY);
	assert_int_equal(checkpoint_fingerprint(fd, &fp2, &len), 0);
	assert_true(fp2 == fp);

	/* The same file, known by identity and fingerprint. */
	assert_int_equal(fstat(fd, &sb), 0);
	e.dev = sb.st_dev;
	e.ino = sb.st_ino;
	assert_int_equal(checkpoint_fingerprint_n(fd, 500, &e.fp, &e.fplen),
	    0);
	assert_int_equal(e.fplen, 500);
	assert_int_equal(checkpoint_is_same_file(fd, &e), 1);
	close(fd);

	/* Same inode, rewritten content: another file. */
	buf[10] = '?';
	write_file(path, buf, sizeof buf);
	fd = open(path, O_RDONLY);
	assert_int_equal(checkpoint_fingerprint(fd, &fp2, &len), 0);
	assert_true(fp2 != fp);
	assert_int_equal(checkpoint_is_same_file(fd, &e), 0);
	close(fd);

	/* Shorter than the fingerprint length: another file. */
	write_file(path, buf, 100);
	fd = open(path, O_RDONLY);
	assert_int_equal(checkpoint_is_same_file(fd, &e), 0);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fingerprint, setup,
		    teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
