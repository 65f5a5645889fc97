/*
 * test_slots: the state file overwritten in place.  A write survives a
 * reopen; a torn write leaves the previous state; a file whose slots are
 * all bad is moved aside, never deleted; the sequence number may wrap; a
 * newer version is refused naming both; a payload that outgrows its slot
 * moves to a larger file.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
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

#include "crc32c.h"
#include "slots.h"

static char	tmpdir[64];
static char	path[128];

static int
setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/sluice-test-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	snprintf(path, sizeof path, "%s/state.slot", tmpdir);
	return (0);
}

static int
teardown(void **state)
{
	DIR		*d;
	struct dirent	*de;

	(void)state;
	if ((d = opendir(tmpdir)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
	return (rmdir(tmpdir));
}

/* Opens path and returns its payload as a string ("" if none). */
static char *
reopen(struct slots **out)
{
	struct slots	*sl;
	void		*data;
	size_t		 len;
	char		*cause = NULL;

	sl = slots_open(path, "TEST", 100, "test", &data, &len, &cause);
	if (sl == NULL)
		fail_msg("slots_open: %s", cause);
	if (out != NULL)
		*out = sl;
	else
		slots_close(sl);
	return (data == NULL ? strdup("") : data);
}

static void
put(struct slots *sl, const char *s)
{
	char	*cause = NULL;

	if (slots_write(sl, s, strlen(s), &cause) != 0)
		fail_msg("slots_write: %s", cause);
}

static off_t
fsize(const char *p)
{
	struct stat	sb;

	assert_int_equal(stat(p, &sb), 0);
	return (sb.st_size);
}

static void
test_write_reopen(void **state)
{
	struct slots	*sl;
	char		*s;
	off_t		 size;
	int		 i;

	(void)state;
	s = reopen(&sl);
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(access(path, F_OK), -1);	/* made by a write */
	put(sl, "one");
	size = fsize(path);
	assert_true(size >= 2 * 4096);
	for (i = 0; i < 5; i++)
		put(sl, i % 2 ? "odd" : "even");
	assert_int_equal(slots_sync(sl), 0);
	slots_close(sl);
	/* Overwritten in place: the file did not grow. */
	assert_int_equal(fsize(path), size);
	s = reopen(NULL);
	assert_string_equal(s, "even");
	free(s);
}

/* A torn write: the slot written last is garbage; the other one wins. */
static void
test_torn_slot(void **state)
{
	struct slots	*sl;
	char		*s;
	int		 fd;

	(void)state;
	s = reopen(&sl);
	free(s);
	put(sl, "first");	/* slot 0 */
	put(sl, "second");	/* slot 1 */
	put(sl, "third");	/* slot 0 */
	slots_close(sl);
	fd = open(path, O_RDWR);
	assert_true(fd != -1);
	assert_int_equal(pwrite(fd, "XX", 2, 41), 2);	/* in "third" */
	close(fd);
	s = reopen(&sl);
	assert_string_equal(s, "second");
	free(s);
	/* The next write goes over the torn one, not over "second". */
	put(sl, "fourth");
	slots_close(sl);
	fd = open(path, O_RDWR);
	assert_true(fd != -1);
	assert_int_equal(pwrite(fd, "XX", 2, 4096 + 41), 2);
	close(fd);
	s = reopen(NULL);
	assert_string_equal(s, "fourth");
	free(s);
}

static void
test_all_bad(void **state)
{
	struct slots	*sl;
	DIR		*d;
	struct dirent	*de;
	char		*s;
	int		 fd, aside = 0;

	(void)state;
	s = reopen(&sl);
	free(s);
	put(sl, "a");
	put(sl, "b");
	slots_close(sl);
	fd = open(path, O_RDWR);
	assert_true(fd != -1);
	assert_int_equal(pwrite(fd, "JUNK", 4, 0), 4);
	assert_int_equal(pwrite(fd, "JUNK", 4, 4096), 4);
	close(fd);
	s = reopen(&sl);
	assert_string_equal(s, "");
	free(s);
	d = opendir(tmpdir);
	while ((de = readdir(d)) != NULL)
		aside += strstr(de->d_name, "state.slot.corrupt.") != NULL;
	closedir(d);
	assert_int_equal(aside, 1);
	/* And the state starts again. */
	put(sl, "fresh");
	slots_close(sl);
	s = reopen(NULL);
	assert_string_equal(s, "fresh");
	free(s);
}

/* Sets slot i's sequence number to seq, with a matching CRC. */
static void
set_seq(int i, uint64_t seq, uint32_t version)
{
	unsigned char	h[40 + 16];
	uint32_t	crc, len;
	int		fd, k;

	fd = open(path, O_RDWR);
	assert_true(fd != -1);
	assert_int_equal(pread(fd, h, sizeof h, i * 4096), (ssize_t)sizeof h);
	for (k = 0; k < 4; k++)
		h[8 + k] = version >> (8 * k);
	for (k = 0; k < 8; k++)
		h[16 + k] = seq >> (8 * k);
	len = h[28] | h[29] << 8;
	assert_true(len <= 16);
	crc = crc32c(crc32c(0, h, 32), h + 36, 4 + len);
	for (k = 0; k < 4; k++)
		h[32 + k] = crc >> (8 * k);
	assert_int_equal(pwrite(fd, h, sizeof h, i * 4096), (ssize_t)sizeof h);
	close(fd);
}

static void
test_seq_wrap(void **state)
{
	struct slots	*sl;
	char		*s;

	(void)state;
	s = reopen(&sl);
	free(s);
	put(sl, "old");		/* slot 0 */
	put(sl, "new");		/* slot 1 */
	slots_close(sl);
	/* Slot 1 wrapped past zero: it is still the newer one. */
	set_seq(0, UINT64_MAX, 1);
	set_seq(1, 0, 1);
	s = reopen(&sl);
	assert_string_equal(s, "new");
	free(s);
	put(sl, "newer");	/* seq 1, slot 0 */
	slots_close(sl);
	s = reopen(NULL);
	assert_string_equal(s, "newer");
	free(s);
}

static void
test_newer_refused(void **state)
{
	struct slots	*sl;
	void		*data;
	size_t		 len;
	char		*s, *cause = NULL;

	(void)state;
	s = reopen(&sl);
	free(s);
	put(sl, "a");
	put(sl, "b");
	slots_close(sl);
	set_seq(1, 3, 7);
	sl = slots_open(path, "TEST", 100, "test", &data, &len, &cause);
	assert_null(sl);
	assert_non_null(strstr(cause, "is format 7; this sluiced reads up "
	    "to 1"));
	free(cause);
	assert_true(fsize(path) > 0);	/* left as it is */
}

static void
test_grow(void **state)
{
	struct slots	*sl;
	char		*s, *big;
	off_t		 size;

	(void)state;
	s = reopen(&sl);
	free(s);
	put(sl, "small");
	size = fsize(path);
	big = malloc(3 * size);
	memset(big, 'x', 3 * size - 1);
	big[3 * size - 1] = '\0';
	put(sl, big);
	assert_true(fsize(path) > size);
	put(sl, "small again");
	slots_close(sl);
	s = reopen(NULL);
	assert_string_equal(s, "small again");
	free(s);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_reopen, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_torn_slot, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_all_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_wrap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_newer_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_grow, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
