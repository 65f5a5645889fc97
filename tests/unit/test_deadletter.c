/*
 * test_deadletter: records and errors come back in order, byte for byte;
 * the bound is kept; a torn tail (a crash while appending) is cut when the
 * file is opened; a take moves the file aside and starts an empty one.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "deadletter.h"

struct seen {
	size_t	n;
	char	err[8][64];
	char	data[8][64];
	size_t	len[8];
};

static int
collect(const char *error, const void *data, size_t len, void *arg)
{
	struct seen	*s = arg;

	if (s->n == 8 || len >= 64)
		return (-1);
	snprintf(s->err[s->n], sizeof s->err[0], "%s", error);
	memcpy(s->data[s->n], data, len);
	s->len[s->n++] = len;
	return (0);
}

static void
mkdir_tmp(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/test_deadletter.XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void
rm_dir(const char *dir)
{
	char	path[512];

	snprintf(path, sizeof path, "%s/" DEADLETTER_FILE, dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/" DEADLETTER_REPLAY, dir);
	unlink(path);
	rmdir(dir);
}

static void
test_roundtrip_and_bound(void **state)
{
	struct deadletter	*dl;
	struct seen		 s;
	char			 dir[64], path[128], *cause = NULL;
	uint64_t		 records, bytes;

	(void)state;
	mkdir_tmp(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/" DEADLETTER_FILE, dir);
	dl = deadletter_open(dir, 100, &cause);
	assert_non_null(dl);
	/* Nothing is created until a record comes. */
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(deadletter_add(dl, "E1", "a\0b", 3),
	    DEADLETTER_ADDED);
	assert_int_equal(deadletter_add(dl, "ValidationException", "rec two",
	    7), DEADLETTER_ADDED);
	assert_int_equal(deadletter_sync(dl), 0);
	deadletter_count(dl, &records, &bytes);
	assert_int_equal(records, 2);
	assert_int_equal(bytes, 2 * DEADLETTER_HEADER + 2 + 3 + 19 + 7);
	/* 100 bytes at most: this one would pass it. */
	assert_int_equal(deadletter_add(dl, "E3", "0123456789012345678901234",
	    25), DEADLETTER_FULL);
	deadletter_close(dl);

	memset(&s, 0, sizeof s);
	assert_int_equal(deadletter_foreach(path, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.err[0], "E1");
	assert_int_equal(s.len[0], 3);
	assert_memory_equal(s.data[0], "a\0b", 3);
	assert_string_equal(s.err[1], "ValidationException");
	assert_memory_equal(s.data[1], "rec two", 7);
	assert_int_equal(deadletter_stat(path, &records, &bytes), 0);
	assert_int_equal(records, 2);
	rm_dir(dir);
}

static void
test_torn_tail(void **state)
{
	struct deadletter	*dl;
	struct seen		 s;
	struct stat		 sb;
	char			 dir[64], path[128], *cause = NULL;
	uint64_t		 records, bytes;
	int			 fd;

	(void)state;
	mkdir_tmp(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/" DEADLETTER_FILE, dir);
	dl = deadletter_open(dir, 1 << 20, &cause);
	assert_non_null(dl);
	assert_int_equal(deadletter_add(dl, "E", "whole", 5),
	    DEADLETTER_ADDED);
	deadletter_close(dl);
	/* Half an entry, as a crash while appending leaves it. */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "DLR1\0\0\0\0\1\0\0\0\x40\0", 14), 14);
	close(fd);
	dl = deadletter_open(dir, 1 << 20, &cause);
	assert_non_null(dl);
	deadletter_count(dl, &records, &bytes);
	assert_int_equal(records, 1);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal((uint64_t)sb.st_size, bytes);
	/* Appends go after the whole entry. */
	assert_int_equal(deadletter_add(dl, "F", "next", 4),
	    DEADLETTER_ADDED);
	deadletter_close(dl);
	memset(&s, 0, sizeof s);
	assert_int_equal(deadletter_foreach(path, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_memory_equal(s.data[1], "next", 4);
	rm_dir(dir);
}

static void
test_take(void **state)
{
	struct deadletter	*dl;
	struct seen		 s;
	char			 dir[64], path[128], replay[128];
	char			*cause = NULL;
	uint64_t		 records, bytes;

	(void)state;
	mkdir_tmp(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/" DEADLETTER_FILE, dir);
	snprintf(replay, sizeof replay, "%s/" DEADLETTER_REPLAY, dir);
	dl = deadletter_open(dir, 1 << 20, &cause);
	assert_non_null(dl);
	assert_int_equal(deadletter_take(dl, &cause), -1);
	assert_non_null(strstr(cause, "no dead letters"));
	free(cause);
	cause = NULL;
	assert_int_equal(deadletter_add(dl, "E", "one", 3), DEADLETTER_ADDED);
	assert_int_equal(deadletter_take(dl, &cause), 1);
	deadletter_count(dl, &records, &bytes);
	assert_int_equal(records, 0);
	/* A new file starts; the replay file holds the record. */
	assert_int_equal(deadletter_add(dl, "E", "two", 3), DEADLETTER_ADDED);
	assert_int_equal(deadletter_take(dl, &cause), -1);
	assert_non_null(strstr(cause, "in progress"));
	free(cause);
	memset(&s, 0, sizeof s);
	assert_int_equal(deadletter_foreach(replay, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_memory_equal(s.data[0], "one", 3);
	memset(&s, 0, sizeof s);
	assert_int_equal(deadletter_foreach(path, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_memory_equal(s.data[0], "two", 3);
	deadletter_close(dl);
	rm_dir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_and_bound),
		cmocka_unit_test(test_torn_tail),
		cmocka_unit_test(test_take),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
