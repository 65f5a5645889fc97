/*
 * test_spool: the spool's delivery promise.  Records come back byte for
 * byte and in order, across segments and reopens; a torn or corrupt tail is
 * cut at the last good record; a full spool refuses with ENOSPC until an
 * acknowledgement frees space; a process killed at once loses nothing it
 * synced; and one writer thread and one reader thread agree on 200,000
 * records.  Each test works in its own directory under /tmp, removed after.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "crc32c.h"
#include "fsync.h"
#include "spool.h"

#define MiB		(1024 * 1024)
#define BIG		(64ULL * MiB)

static char	tmpdir[64];

/* Removes the test directory; a spool directory is flat. */
static int
rm_tmpdir(void)
{
	DIR		*d;
	struct dirent	*de;

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

static int
setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/sluice-test-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	return (rm_tmpdir());
}

/* The length and content of record i are a function of i alone. */
static size_t
rec_len(uint64_t i, size_t mod)
{
	return (i * 7919 % mod);
}

static void
rec_fill(unsigned char *buf, uint64_t i, size_t len)
{
	size_t	j;

	for (j = 0; j < len; j++)
		buf[j] = (unsigned char)(i * 131 + j * 7 + (j >> 8));
}

static int
rec_check(const unsigned char *buf, uint64_t i, size_t len)
{
	size_t	j;

	for (j = 0; j < len; j++) {
		if (buf[j] != (unsigned char)(i * 131 + j * 7 + (j >> 8)))
			return (0);
	}
	return (1);
}

static struct spool *
open_spool(uint64_t max_bytes, uint64_t segment_bytes)
{
	struct spool	*sp;
	char		*cause = NULL;

	sp = spool_open(tmpdir, max_bytes, segment_bytes, CONFIG_FSYNC_ALWAYS,
	    &cause);
	if (sp == NULL)
		fail_msg("spool_open: %s", cause);
	return (sp);
}

/* Appends records first..last-1, each of rec_len(i, mod) bytes. */
static void
append_range(struct spool *sp, uint64_t first, uint64_t last, size_t mod)
{
	unsigned char	*buf;
	uint64_t	 i;
	size_t		 len;

	buf = malloc(mod);
	assert_non_null(buf);
	for (i = first; i < last; i++) {
		len = rec_len(i, mod);
		rec_fill(buf, i, len);
		assert_int_equal(spool_append(sp, buf, len), 0);
	}
	free(buf);
}

/*
 * Reads from *pos and checks records first..last-1, leaving *pos after
 * them; then, if at_end, checks that nothing more is visible.
 */
static void
read_range(struct spool *sp, struct spool_pos *pos, uint64_t first,
    uint64_t last, size_t mod, int at_end)
{
	const void		*data;
	size_t			 len;
	struct spool_pos	 next;
	uint64_t		 i;

	for (i = first; i < last; i++) {
		if (spool_read(sp, pos, &data, &len, &next) != SPOOL_RECORD)
			fail_msg("record %llu missing", (unsigned long long)i);
		assert_int_equal(len, rec_len(i, mod));
		assert_true(rec_check(data, i, len));
		*pos = next;
	}
	if (at_end)
		assert_int_equal(spool_read(sp, pos, &data, &len, &next),
		    SPOOL_EMPTY);
}

static int
count_segments(void)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 l;
	int		 n = 0;

	d = opendir(tmpdir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l > 4 && strcmp(de->d_name + l - 4, ".seg") == 0)
			n++;
	}
	closedir(d);
	return (n);
}

/* Path of the n-th segment file in name order (0 = oldest). */
static void
segment_path(int nth, char *out, size_t size)
{
	struct dirent	**list;
	int		  n, i, k = 0;

	n = scandir(tmpdir, &list, NULL, alphasort);
	assert_true(n > 0);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		size_t l = strlen(list[i]->d_name);

		if (l > 4 && strcmp(list[i]->d_name + l - 4, ".seg") == 0 &&
		    k++ == nth)
			snprintf(out, size, "%s/%s", tmpdir, list[i]->d_name);
		free(list[i]);
	}
	free(list);
	assert_true(out[0] != '\0');
}

/* Segments moved aside. */
static int
count_aside(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	d = opendir(tmpdir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".seg.corrupt.") != NULL)
			n++;
	}
	closedir(d);
	return (n);
}

static off_t
file_size(const char *path)
{
	struct stat	sb;

	assert_int_equal(stat(path, &sb), 0);
	return (sb.st_size);
}

static void
test_round_trip(void **state)
{
	struct spool		*sp;
	struct spool_pos	 pos;
	unsigned char		*big;
	const void		*data;
	size_t			 len, i;
	struct spool_pos	 next;
	static const size_t	 sizes[] = { 0, 1, 7, 8, 9, 255, 4096,
	    256 * 1024 - 8, 256 * 1024, MiB - 3, 0, 65536 };
	size_t			 nsizes = sizeof sizes / sizeof sizes[0];

	(void)state;
	sp = open_spool(BIG, BIG);
	big = malloc(MiB);
	assert_non_null(big);
	/* A buffered record is not visible before a flush. */
	assert_int_equal(spool_append(sp, big, 0), 0);
	spool_cursor(sp, &pos);
	assert_int_equal(spool_read(sp, &pos, &data, &len, &next), SPOOL_EMPTY);
	assert_int_equal(spool_flush(sp), 0);
	assert_int_equal(spool_read(sp, &pos, &data, &len, &next),
	    SPOOL_RECORD);
	assert_int_equal(len, 0);
	pos = next;
	for (i = 0; i < nsizes; i++) {
		rec_fill(big, i, sizes[i]);
		assert_int_equal(spool_append(sp, big, sizes[i]), 0);
	}
	assert_int_equal(spool_flush(sp), 0);

	for (i = 0; i < nsizes; i++) {
		assert_int_equal(spool_read(sp, &pos, &data, &len, &next),
		    SPOOL_RECORD);
		assert_int_equal(len, sizes[i]);
		assert_true(rec_check(data, i, len));
		pos = next;
	}
	assert_int_equal(spool_read(sp, &pos, &data, &len, &next), SPOOL_EMPTY);

	/* Many small records after the big ones, in the same segment. */
	append_range(sp, 1000, 6000, 3000);
	assert_int_equal(spool_sync(sp), 0);
	read_range(sp, &pos, 1000, 6000, 3000, 1);

	assert_true(spool_pending_bytes(sp) > 0);
	assert_int_equal(spool_ack(sp, &pos), 0);
	assert_int_equal(spool_pending_bytes(sp), 0);

	/* Too big is refused, and changes nothing. */
	big = realloc(big, SPOOL_MAX_RECORD + 1);
	assert_non_null(big);
	errno = 0;
	assert_int_equal(spool_append(sp, big, SPOOL_MAX_RECORD + 1), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(spool_pending_bytes(sp), 0);
	free(big);
	spool_close(sp);
}

static void
test_rotation_and_deletion(void **state)
{
	struct spool		*sp;
	struct spool_pos	 pos, mid, first;
	int			 nseg;

	(void)state;
	sp = open_spool(BIG, 4096);
	append_range(sp, 0, 2000, 200);
	assert_int_equal(spool_flush(sp), 0);
	nseg = count_segments();
	assert_true(nseg > 50);

	spool_cursor(sp, &pos);
	first = pos;
	read_range(sp, &pos, 0, 1000, 200, 0);
	mid = pos;
	assert_int_equal(spool_ack(sp, &mid), 0);
	assert_true(count_segments() < nseg - 20);
	assert_true(count_segments() > 1);

	/* A position that was deleted cannot be read. */
	pos = first;
	{
		const void		*data;
		size_t			 len;
		struct spool_pos	 next;

		assert_int_equal(spool_read(sp, &pos, &data, &len, &next),
		    SPOOL_ERROR);
		assert_int_equal(errno, EINVAL);
	}

	pos = mid;
	read_range(sp, &pos, 1000, 2000, 200, 1);
	assert_int_equal(spool_ack(sp, &pos), 0);
	/* Only the active segment is left. */
	assert_int_equal(count_segments(), 1);
	assert_int_equal(spool_pending_bytes(sp), 0);

	/* Appending continues in new segments after all that. */
	append_range(sp, 2000, 2100, 200);
	assert_int_equal(spool_flush(sp), 0);
	read_range(sp, &pos, 2000, 2100, 200, 1);
	spool_close(sp);
}

static void
test_reopen_resumes_at_cursor(void **state)
{
	struct spool		*sp;
	struct spool_pos	 pos;
	char			 leftover[128];
	int			 fd;

	(void)state;
	sp = open_spool(BIG, 8192);
	append_range(sp, 0, 300, 500);
	assert_int_equal(spool_sync(sp), 0);
	spool_cursor(sp, &pos);
	read_range(sp, &pos, 0, 120, 500, 0);
	assert_int_equal(spool_ack(sp, &pos), 0);
	spool_close(sp);

	sp = open_spool(BIG, 8192);
	spool_cursor(sp, &pos);
	read_range(sp, &pos, 120, 300, 500, 1);
	/* New records follow the old ones. */
	append_range(sp, 300, 400, 500);
	assert_int_equal(spool_flush(sp), 0);
	read_range(sp, &pos, 300, 400, 500, 1);
	spool_close(sp);

	/* Nothing acknowledged since: everything after 120 comes again. */
	sp = open_spool(BIG, 8192);
	spool_cursor(sp, &pos);
	read_range(sp, &pos, 120, 400, 500, 1);
	assert_int_equal(spool_ack(sp, &pos), 0);
	spool_close(sp);

	/* A cursor file left half-written by a crash is cleaned up. */
	snprintf(leftover, sizeof leftover, "%s/cursor.tmp.12345", tmpdir);
	fd = open(leftover, O_WRONLY|O_CREAT, 0600);
	assert_true(fd != -1);
	close(fd);
	sp = open_spool(BIG, 8192);
	assert_int_equal(access(leftover, F_OK), -1);
	spool_cursor(sp, &pos);
	read_range(sp, &pos, 0, 0, 500, 1);
	assert_int_equal(spool_pending_bytes(sp), 0);
	assert_int_equal(count_segments(), 1);
	spool_close(sp);
}

static void
test_creates_directories(void **state)
{
	struct spool		*sp;
	struct spool_pos	 pos;
	char			 dir[128], *cause = NULL;

	(void)state;
	snprintf(dir, sizeof dir, "%s/a/b//c/", tmpdir);
	sp = spool_open(dir, BIG, BIG, CONFIG_FSYNC_NEVER, &cause);
	if (sp == NULL)
		fail_msg("spool_open: %s", cause);
	append_range(sp, 0, 10, 50);
	assert_int_equal(spool_sync(sp), 0);
	spool_cursor(sp, &pos);
	read_range(sp, &pos, 0, 10, 50, 1);
	spool_close(sp);

	/* A file in the way is an error with a cause. */
	snprintf(dir, sizeof dir, "%s/a/b/c/cursor.slot/x", tmpdir);
	assert_null(spool_open(dir, BIG, BIG, CONFIG_FSYNC_NEVER, &cause));
	assert_non_null(strstr(cause, "not a directory"));
	free(cause);

	/* Clean up what rm_tmpdir cannot (it is flat). */
	strcpy(tmpdir + strlen(tmpdir), "/a/b/c");
	assert_int_equal(rm_tmpdir(), 0);
	tmpdir[strlen(tmpdir) - 2] = '\0';
	assert_int_equal(rmdir(tmpdir), 0);
	tmpdir[strlen(tmpdir) - 2] = '\0';
	assert_int_equal(rmdir(tmpdir), 0);
	tmpdir[strlen(tmpdir) - 2] = '\0';
}

/*
 * Writes 40 records of 100..139 bytes to a fresh spool.  ends[i] is where
 * record i starts in the segment file and ends[40] where the last ends,
 * measured rather than computed, so the test does not repeat the format.
 */
static void
make_forty(off_t *ends)
{
	struct spool	*sp;
	unsigned char	 buf[200];
	char		 path[256];
	int		 i;

	sp = open_spool(BIG, BIG);
	segment_path(0, path, sizeof path);
	ends[0] = file_size(path);
	for (i = 0; i < 40; i++) {
		rec_fill(buf, i, 100 + i);
		assert_int_equal(spool_append(sp, buf, 100 + i), 0);
		assert_int_equal(spool_flush(sp), 0);
		ends[i + 1] = file_size(path);
	}
	assert_int_equal(spool_sync(sp), 0);
	spool_close(sp);
}

static void
read_forty(struct spool *sp, int n)
{
	struct spool_pos	 pos, next;
	const void		*data;
	size_t			 len;
	int			 i;

	spool_cursor(sp, &pos);
	for (i = 0; i < n; i++) {
		assert_int_equal(spool_read(sp, &pos, &data, &len, &next),
		    SPOOL_RECORD);
		assert_int_equal(len, 100 + i);
		assert_true(rec_check(data, i, len));
		pos = next;
	}
	assert_int_equal(spool_read(sp, &pos, &data, &len, &next), SPOOL_EMPTY);
}

static void
test_torn_tail(void **state)
{
	struct spool	*sp;
	char		 path[256];
	off_t		 ends[41];

	(void)state;
	make_forty(ends);
	segment_path(0, path, sizeof path);
	assert_int_equal(file_size(path), ends[40]);
	/* Cut mid-way through the last record's data. */
	assert_int_equal(truncate(path, ends[39] + 20), 0);

	sp = open_spool(BIG, BIG);
	assert_int_equal(file_size(path), ends[39]);
	read_forty(sp, 39);
	spool_close(sp);

	/* Cut inside a frame header. */
	assert_int_equal(truncate(path, ends[30] + 5), 0);
	sp = open_spool(BIG, BIG);
	assert_int_equal(file_size(path), ends[30]);
	read_forty(sp, 30);
	spool_close(sp);

	/*
	 * Even the header did not land: the segment is reset to empty, and
	 * then, holding nothing to deliver, deleted with the other empty
	 * ones the reopens above left.
	 */
	assert_int_equal(truncate(path, 0), 0);
	sp = open_spool(BIG, BIG);
	read_forty(sp, 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(count_segments(), 1);
	spool_close(sp);
}

/* Reads the forty records but those in skip[] (ended by -1). */
static void
read_forty_but(struct spool *sp, const int *skip)
{
	struct spool_pos	 pos, next;
	const void		*data;
	size_t			 len;
	int			 i, k = 0;

	spool_cursor(sp, &pos);
	for (i = 0; i < 40; i++) {
		if (skip[k] == i) {
			k++;
			continue;
		}
		if (spool_read(sp, &pos, &data, &len, &next) != SPOOL_RECORD)
			fail_msg("record %d missing", i);
		if (len != (size_t)(100 + i) || !rec_check(data, i, len))
			fail_msg("record %d is not record %d", i, i);
		pos = next;
	}
	assert_int_equal(spool_read(sp, &pos, &data, &len, &next), SPOOL_EMPTY);
}

static void
poke(const char *path, off_t off, const void *data, size_t len)
{
	int	fd;

	fd = open(path, O_RDWR);
	assert_true(fd != -1);
	assert_int_equal(pwrite(fd, data, len, off), (ssize_t)len);
	close(fd);
}

static void
flip(const char *path, off_t off)
{
	unsigned char	c;
	int		fd;

	fd = open(path, O_RDWR);
	assert_true(fd != -1);
	assert_int_equal(pread(fd, &c, 1, off), 1);
	c ^= 0x10;
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

/* One flipped bit costs its record alone: recovery resyncs after it. */
static void
test_corrupt_crc(void **state)
{
	struct spool		*sp;
	struct spool_stats	 st;
	char			 path[256];
	off_t			 ends[41];
	int			 skip[] = { 25, -1 };

	(void)state;
	make_forty(ends);
	segment_path(0, path, sizeof path);
	flip(path, ends[25] + 50);

	sp = open_spool(BIG, BIG);
	assert_int_equal(file_size(path), ends[40]);
	spool_stats(sp, &st);
	assert_int_equal(st.skipped_bytes, ends[26] - ends[25]);
	assert_int_equal(st.pending_records, 40);
	read_forty_but(sp, skip);
	spool_close(sp);
}

/* A bad length, and garbage between frames, cost what they hit. */
static void
test_resync(void **state)
{
	struct spool		*sp;
	struct spool_stats	 st;
	char			 path[256];
	off_t			 ends[41];
	unsigned char		 big[4] = { 0xff, 0xff, 0xff, 0x0f };
	unsigned char		 small[4] = { 1, 0, 0, 0 };
	int			 skip[] = { 3, 10, 20, 33, -1 };
	int			 fd;

	(void)state;
	make_forty(ends);
	segment_path(0, path, sizeof path);
	/* The length of 3 too large, of 10 too small; 20's marker gone. */
	poke(path, ends[3] + 4, big, 4);
	poke(path, ends[10] + 4, small, 4);
	flip(path, ends[20]);
	/* Garbage in the place of 33, the frames after it moved on. */
	fd = open(path, O_RDWR);
	assert_true(fd != -1);
	assert_int_equal(pwrite(fd, "garbage\xf1\x1c\xe0\x5c!", 12,
	    ends[33]), 12);
	close(fd);
	flip(path, ends[33] + 20);

	sp = open_spool(BIG, BIG);
	spool_stats(sp, &st);
	assert_int_equal(st.skipped_bytes, (ends[4] - ends[3]) +
	    (ends[11] - ends[10]) + (ends[21] - ends[20]) +
	    (ends[34] - ends[33]));
	read_forty_but(sp, skip);
	spool_close(sp);

	/* Reopening finds the same, and the same again after acks. */
	sp = open_spool(BIG, BIG);
	read_forty_but(sp, skip);
	spool_close(sp);
}

/*
 * spool_is_intact_to: what spool_open found whole is trusted up to the
 * first damage, cut or end, and what was acknowledged always is.
 */
static void
test_intact(void **state)
{
	struct spool		*sp;
	struct spool_pos	 tails[40], far;
	unsigned char		 buf[200];
	char			 path[256];
	int			 i;

	(void)state;
	sp = open_spool(BIG, BIG);
	segment_path(0, path, sizeof path);
	for (i = 0; i < 40; i++) {
		rec_fill(buf, i, 100 + i);
		assert_int_equal(spool_append(sp, buf, 100 + i), 0);
		assert_int_equal(spool_flush(sp), 0);
		spool_tail(sp, &tails[i]);
		assert_true(tails[i].off == (uint64_t)file_size(path));
	}
	/* A SIGKILL: no close, no sync; the page cache keeps it all. */
	spool_close(sp);

	sp = open_spool(BIG, BIG);
	for (i = 0; i < 40; i++)
		assert_int_equal(spool_is_intact_to(sp, &tails[i]), 1);
	far = tails[39];
	far.off++;
	assert_int_equal(spool_is_intact_to(sp, &far), 0);
	far.seg += 5;
	far.off = 16;
	assert_int_equal(spool_is_intact_to(sp, &far), 0);
	spool_close(sp);

	/* One damaged record: trusted up to it, not past it. */
	flip(path, tails[20].off + 30);
	sp = open_spool(BIG, BIG);
	assert_int_equal(spool_is_intact_to(sp, &tails[20]), 1);
	assert_int_equal(spool_is_intact_to(sp, &tails[21]), 0);
	assert_int_equal(spool_is_intact_to(sp, &tails[39]), 0);
	/* Acknowledged past the damage: what follows it is whole. */
	assert_int_equal(spool_ack(sp, &tails[30]), 0);
	spool_close(sp);
	sp = open_spool(BIG, BIG);
	assert_int_equal(spool_is_intact_to(sp, &tails[25]), 1);
	assert_int_equal(spool_is_intact_to(sp, &tails[39]), 1);
	spool_close(sp);

	/* A tail cut inside record 35: up to 34 only. */
	assert_int_equal(truncate(path, (off_t)tails[35].off - 10), 0);
	sp = open_spool(BIG, BIG);
	assert_int_equal(spool_is_intact_to(sp, &tails[34]), 1);
	assert_int_equal(spool_is_intact_to(sp, &tails[35]), 0);
	spool_close(sp);
}

static void
test_zero_filled_tail(void **state)
{
	struct spool	*sp;
	char		 path[256];
	off_t		 ends[41];

	(void)state;
	make_forty(ends);
	segment_path(0, path, sizeof path);
	/* What a power loss leaves: the size grew, the data did not land. */
	assert_int_equal(truncate(path, ends[40] + 4096), 0);
	sp = open_spool(BIG, BIG);
	assert_int_equal(file_size(path), ends[40]);
	read_forty(sp, 40);
	spool_close(sp);
}

static void
test_absurd_length(void **state)
{
	struct spool	*sp;
	char		 path[256];
	off_t		 ends[41];
	unsigned char	 junk[8] = { 0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4 };
	int		 fd;

	(void)state;
	make_forty(ends);
	segment_path(0, path, sizeof path);
	fd = open(path, O_WRONLY|O_APPEND);
	assert_true(fd != -1);
	assert_int_equal(write(fd, junk, sizeof junk), sizeof junk);
	close(fd);
	sp = open_spool(BIG, BIG);
	assert_int_equal(file_size(path), ends[40]);
	read_forty(sp, 40);
	spool_close(sp);
}

static void
test_bad_segment_refused(void **state)
{
	struct spool	*sp;
	char		 path[256], *cause = NULL;
	off_t		 ends[41];
	int		 fd;

	(void)state;
	make_forty(ends);
	segment_path(0, path, sizeof path);
	/* A newer version is refused, naming both, and left alone. */
	fd = open(path, O_WRONLY);
	assert_true(fd != -1);
	assert_int_equal(pwrite(fd, "\3\0\0\0", 4, 8), 4);
	close(fd);
	sp = spool_open(tmpdir, BIG, BIG, CONFIG_FSYNC_ALWAYS, &cause);
	assert_null(sp);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "is format 3; this sluiced reads up "
	    "to 2"));
	assert_non_null(strstr(cause, "draining first"));
	free(cause);
	assert_int_equal(file_size(path), ends[40]);

	/* A bad magic: moved aside, never deleted; the spool opens. */
	poke(path, 0, "JUNK", 4);
	sp = open_spool(BIG, BIG);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(count_aside(), 1);
	read_forty(sp, 0);
	spool_close(sp);
}

static int
fd_is_readable(int fd)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };

	return (poll(&pfd, 1, 0) == 1);
}

static void
test_full_spool(void **state)
{
	struct spool		*sp;
	struct spool_pos	 pos, next;
	unsigned char		 buf[100];
	const void		*data;
	size_t			 len;
	uint64_t		 frame;
	int			 i;

	(void)state;
	memset(buf, 'x', sizeof buf);
	/* Learn the size of a 100-byte record's frame. */
	sp = open_spool(BIG, 4096);
	assert_int_equal(spool_append(sp, buf, 100), 0);
	frame = spool_pending_bytes(sp);
	assert_true(frame >= 100);
	spool_close(sp);
	assert_int_equal(rm_tmpdir(), 0);
	assert_int_equal(mkdir(tmpdir, 0700), 0);

	sp = open_spool(10 * frame, 4096);
	for (i = 0; i < 10; i++)
		assert_int_equal(spool_append(sp, buf, 100), 0);
	assert_int_equal(spool_pending_bytes(sp), 10 * frame);
	errno = 0;
	assert_int_equal(spool_append(sp, buf, 100), -1);
	assert_int_equal(errno, ENOSPC);
	/* Even an empty record needs room for its frame. */
	errno = 0;
	assert_int_equal(spool_append(sp, buf, 0), -1);
	assert_int_equal(errno, ENOSPC);
	assert_false(fd_is_readable(spool_space_fd(sp)));

	assert_int_equal(spool_flush(sp), 0);
	spool_cursor(sp, &pos);
	for (i = 0; i < 3; i++) {
		assert_int_equal(spool_read(sp, &pos, &data, &len, &next),
		    SPOOL_RECORD);
		pos = next;
	}
	assert_int_equal(spool_ack(sp, &pos), 0);
	assert_int_equal(spool_pending_bytes(sp), 7 * frame);
	assert_true(fd_is_readable(spool_space_fd(sp)));
	spool_drain_space_fd(sp);
	assert_false(fd_is_readable(spool_space_fd(sp)));

	for (i = 0; i < 3; i++)
		assert_int_equal(spool_append(sp, buf, 100), 0);
	assert_int_equal(spool_append(sp, buf, 100), -1);
	assert_int_equal(errno, ENOSPC);
	spool_close(sp);

	/* The limit holds across a reopen, which counts what is pending. */
	sp = open_spool(10 * frame, 4096);
	assert_int_equal(spool_pending_bytes(sp), 10 * frame);
	assert_int_equal(spool_append(sp, buf, 100), -1);
	assert_int_equal(errno, ENOSPC);
	spool_close(sp);

	/* An empty spool takes a record bigger than the limit. */
	sp = open_spool(10, 4096);
	spool_cursor(sp, &pos);
	while (spool_read(sp, &pos, &data, &len, &next) == SPOOL_RECORD)
		pos = next;
	assert_int_equal(spool_ack(sp, &pos), 0);
	assert_int_equal(spool_append(sp, buf, 100), 0);
	assert_int_equal(spool_append(sp, buf, 1), -1);
	assert_int_equal(errno, ENOSPC);
	spool_close(sp);
}

/*
 * A child appends and syncs 500 records, acknowledges 200 in steps of 10
 * with no other call, appends more without syncing, and is killed by
 * SIGKILL.  The parent must find every synced record after the cursor, in
 * order, and none before it: every ack wrote the cursor.
 */
static void
test_kill9(void **state)
{
	struct spool		*sp;
	struct spool_pos	 pos, next;
	const void		*data;
	size_t			 len;
	pid_t			 pid;
	int			 status;
	uint64_t		 i;

	(void)state;
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		char	*cause = NULL;

		sp = spool_open(tmpdir, BIG, 16384, CONFIG_FSYNC_INTERVAL,
		    &cause);
		if (sp == NULL)
			_exit(2);
		for (i = 0; i < 500; i++) {
			unsigned char	buf[400];

			rec_fill(buf, i, rec_len(i, 400));
			if (spool_append(sp, buf, rec_len(i, 400)) != 0)
				_exit(3);
		}
		if (spool_sync(sp) != 0)
			_exit(4);
		spool_cursor(sp, &pos);
		for (i = 0; i < 200; i++) {
			if (spool_read(sp, &pos, &data, &len, &next) !=
			    SPOOL_RECORD)
				_exit(5);
			pos = next;
			if (i % 10 == 9 && spool_ack(sp, &pos) != 0)
				_exit(6);
		}
		for (i = 500; i < 520; i++) {
			unsigned char	buf[400];

			rec_fill(buf, i, rec_len(i, 400));
			if (spool_append(sp, buf, rec_len(i, 400)) != 0)
				_exit(7);
		}
		raise(SIGKILL);
		_exit(8);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);

	sp = open_spool(BIG, 16384);
	spool_cursor(sp, &pos);
	/* Buffered, never flushed records died with the process. */
	read_range(sp, &pos, 200, 500, 400, 1);
	spool_close(sp);
}

/* The concurrent test: a writer and a reader thread. */
#define CONC_RECORDS	200000
#define CONC_MOD	301

struct conc {
	struct spool	*sp;
	int		 fail;
	uint64_t	 enospc;
	_Atomic int	 full;		/* the writer saw the spool full */
};

/* The fsync seam (fsync.h): this test's own, failing on demand. */
static int	fsync_fails;

int
fsync_data(int fd)
{
	if (fsync_fails) {
		errno = EIO;
		return (-1);
	}
	return (fdatasync(fd));
}

/*
 * A failed fdatasync is never trusted: the next sync fails too, although
 * the kernel would report success, and appends stop.  Reading and
 * acknowledging what is spooled goes on.
 */
static void
test_fsync_failure_sticky(void **state)
{
	struct spool		*sp;
	struct spool_stats	 st;
	struct spool_pos	 pos;
	unsigned char		 buf[100];

	(void)state;
	sp = open_spool(BIG, BIG);
	append_range(sp, 0, 10, 100);
	assert_int_equal(spool_sync(sp), 0);
	append_range(sp, 10, 20, 100);
	fsync_fails = 1;
	assert_int_equal(spool_sync(sp), -1);
	fsync_fails = 0;
	assert_int_equal(spool_sync(sp), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(spool_has_failed(sp), 1);
	rec_fill(buf, 20, 10);
	assert_int_equal(spool_append(sp, buf, 10), -1);
	assert_int_equal(errno, EIO);
	spool_stats(sp, &st);
	assert_int_equal(st.sync_failed, 1);
	assert_int_equal(st.pending_records, 20);
	spool_cursor(sp, &pos);
	read_range(sp, &pos, 0, 20, 100, 1);
	assert_int_equal(spool_ack(sp, &pos), 0);
	spool_stats(sp, &st);
	assert_int_equal(st.pending_records, 0);
	spool_close(sp);
}

/* Writes a version 1 segment by hand: records first..last-1 of mod. */
static void
write_v1_segment(uint64_t num, uint64_t first, uint64_t last, size_t mod,
    off_t *offs)
{
	unsigned char	 hdr[16] = "SLUICESG\1\0\0\0\0\0\0\0";
	unsigned char	 fr[8], *buf;
	char		 path[256];
	uint32_t	 crc;
	size_t		 len;
	uint64_t	 i;
	off_t		 off = 16;
	int		 fd, k;

	snprintf(path, sizeof path, "%s/%016llx.seg", tmpdir,
	    (unsigned long long)num);
	fd = open(path, O_WRONLY|O_CREAT|O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, hdr, 16), 16);
	buf = malloc(mod);
	for (i = first; i < last; i++) {
		len = rec_len(i, mod);
		rec_fill(buf, i, len);
		for (k = 0; k < 4; k++)
			fr[k] = (uint32_t)len >> (8 * k);
		crc = crc32c(crc32c(0, fr, 4), buf, len);
		for (k = 0; k < 4; k++)
			fr[4 + k] = crc >> (8 * k);
		if (offs != NULL)
			offs[i - first] = off;
		assert_int_equal(write(fd, fr, 8), 8);
		assert_int_equal(write(fd, buf, len), (ssize_t)len);
		off += 8 + len;
	}
	free(buf);
	close(fd);
}

/*
 * Migration: version 1 segments and the text cursor of earlier versions
 * are read; new records go to a version 2 segment after them.
 */
static void
test_v1_migration(void **state)
{
	struct spool		*sp;
	struct spool_stats	 st;
	struct spool_pos	 pos;
	char			 path[256], line[128];
	off_t			 offs[50];
	FILE			*fp;

	(void)state;
	write_v1_segment(1, 0, 50, 300, offs);
	write_v1_segment(2, 50, 80, 300, NULL);
	snprintf(path, sizeof path, "%s/cursor", tmpdir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	snprintf(line, sizeof line, "sluice-spool-cursor 1 1 %lld\n",
	    (long long)offs[20]);
	fputs(line, fp);
	fclose(fp);

	sp = open_spool(BIG, BIG);
	assert_int_equal(access(path, F_OK), -1);
	strcat(path, ".migrated");
	assert_int_equal(access(path, F_OK), 0);
	spool_stats(sp, &st);
	assert_true(st.pending_records >= 55 && st.pending_records <= 65);
	assert_true(st.oldest_ms > 0);
	append_range(sp, 80, 90, 300);
	assert_int_equal(spool_sync(sp), 0);
	spool_cursor(sp, &pos);
	read_range(sp, &pos, 20, 90, 300, 1);
	assert_int_equal(spool_ack(sp, &pos), 0);
	spool_stats(sp, &st);
	assert_int_equal(st.pending_records, 0);
	assert_int_equal(st.pending_bytes, 0);
	spool_close(sp);

	/* The slot cursor holds: nothing is delivered again. */
	sp = open_spool(BIG, BIG);
	spool_cursor(sp, &pos);
	read_range(sp, &pos, 0, 0, 300, 1);
	assert_int_equal(count_segments(), 1);
	spool_close(sp);
}

/* Stats are right from spool_open: records, bytes, the oldest's age. */
static void
test_stats_after_open(void **state)
{
	struct spool		*sp;
	struct spool_stats	 st;
	struct spool_pos	 pos, next;
	const void		*data;
	size_t			 len;
	uint64_t		 before, bytes;
	int			 i;

	(void)state;
	before = (uint64_t)time(NULL) * 1000;
	sp = open_spool(BIG, 8192);
	spool_stats(sp, &st);
	assert_int_equal(st.pending_records, 0);
	assert_int_equal(st.oldest_ms, 0);
	append_range(sp, 0, 100, 200);
	assert_int_equal(spool_sync(sp), 0);
	spool_cursor(sp, &pos);
	for (i = 0; i < 30; i++) {
		assert_int_equal(spool_read(sp, &pos, &data, &len, &next),
		    SPOOL_RECORD);
		pos = next;
	}
	assert_int_equal(spool_ack(sp, &pos), 0);
	bytes = spool_pending_bytes(sp);
	spool_close(sp);

	sp = open_spool(BIG, 8192);
	spool_stats(sp, &st);
	assert_int_equal(st.pending_records, 70);
	assert_int_equal(st.pending_bytes, bytes);
	assert_true(st.oldest_ms >= before);
	/*
	 * time() reads the coarse clock, which may lag the spool's
	 * CLOCK_REALTIME by a tick across a second's boundary: 2 s of room.
	 */
	assert_true(st.oldest_ms <= (uint64_t)time(NULL) * 1000 + 2000);
	assert_int_equal(st.skipped_bytes, 0);
	assert_int_equal(st.disk_full, 0);
	spool_close(sp);
}

/*
 * A write that fails half-way (here EFBIG past RLIMIT_FSIZE, standing in
 * for ENOSPC) is cut back to the last whole frame, and the records stay
 * buffered: a later flush writes them all, once.
 */
static void
test_write_cut_back(void **state)
{
	struct spool		*sp;
	struct spool_pos	 pos;
	struct rlimit		 old, lim;
	char			 path[256];
	off_t			 size;

	(void)state;
	sp = open_spool(BIG, BIG);
	append_range(sp, 0, 10, 300);
	assert_int_equal(spool_flush(sp), 0);
	segment_path(0, path, sizeof path);
	size = file_size(path);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = size + 1000;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	append_range(sp, 10, 40, 300);
	assert_int_equal(spool_flush(sp), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(file_size(path), size);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(spool_sync(sp), 0);
	spool_cursor(sp, &pos);
	read_range(sp, &pos, 0, 40, 300, 1);
	spool_close(sp);
	sp = open_spool(BIG, BIG);
	spool_cursor(sp, &pos);
	read_range(sp, &pos, 0, 40, 300, 1);
	spool_close(sp);
}

static void *
conc_writer(void *arg)
{
	struct conc	*c = arg;
	struct pollfd	 pfd;
	unsigned char	 buf[CONC_MOD];
	uint64_t	 i;
	size_t		 len;

	pfd.fd = spool_space_fd(c->sp);
	pfd.events = POLLIN;
	for (i = 0; i < CONC_RECORDS; i++) {
		len = rec_len(i, CONC_MOD);
		rec_fill(buf, i, len);
		while (spool_append(c->sp, buf, len) != 0) {
			if (errno != ENOSPC) {
				c->fail = 1;
				return (NULL);
			}
			c->enospc++;
			atomic_store(&c->full, 1);
			/* What the reader has is all there is: let it see. */
			if (spool_flush(c->sp) != 0 ||
			    poll(&pfd, 1, 5000) != 1) {
				c->fail = 2;
				return (NULL);
			}
			spool_drain_space_fd(c->sp);
		}
		if (i % 1000 == 999 && spool_flush(c->sp) != 0) {
			c->fail = 3;
			return (NULL);
		}
	}
	if (spool_sync(c->sp) != 0)
		c->fail = 4;
	return (NULL);
}

static void *
conc_reader(void *arg)
{
	struct conc		*c = arg;
	struct pollfd		 pfd;
	struct spool_pos	 pos, next;
	const void		*data;
	size_t			 len;
	uint64_t		 i = 0;
	enum spool_read_result	 rc;

	pfd.fd = spool_fd(c->sp);
	pfd.events = POLLIN;
	spool_cursor(c->sp, &pos);
	/*
	 * The reader starts once the writer found the spool full, so that
	 * the full-spool path runs however the threads are scheduled; from
	 * then on both run at once.
	 */
	for (i = 0; !atomic_load(&c->full); i++) {
		if (i == 20000) {
			c->fail = 16;
			return (NULL);
		}
		usleep(1000);
	}
	i = 0;
	while (i < CONC_RECORDS) {
		spool_drain_fd(c->sp);
		while ((rc = spool_read(c->sp, &pos, &data, &len,
		    &next)) == SPOOL_RECORD) {
			if (len != rec_len(i, CONC_MOD) ||
			    !rec_check(data, i, len)) {
				c->fail = 10;
				return (NULL);
			}
			pos = next;
			if (++i % 500 == 0 && spool_ack(c->sp, &pos) != 0) {
				c->fail = 11;
				return (NULL);
			}
		}
		if (rc == SPOOL_ERROR) {
			c->fail = 12;
			return (NULL);
		}
		/* Acknowledge the partial batch too: the writer may wait. */
		if (spool_ack(c->sp, &pos) != 0) {
			c->fail = 13;
			return (NULL);
		}
		if (i < CONC_RECORDS && poll(&pfd, 1, 5000) != 1) {
			c->fail = 14;
			return (NULL);
		}
	}
	if (spool_read(c->sp, &pos, &data, &len, &next) != SPOOL_EMPTY)
		c->fail = 15;
	return (NULL);
}

static void
test_concurrent(void **state)
{
	struct conc	c = { NULL, 0, 0, 0 };
	pthread_t	w, r;

	(void)state;
	/* Small enough to fill and rotate many times. */
	c.sp = open_spool(512 * 1024, 128 * 1024);
	assert_int_equal(pthread_create(&r, NULL, conc_reader, &c), 0);
	assert_int_equal(pthread_create(&w, NULL, conc_writer, &c), 0);
	assert_int_equal(pthread_join(w, NULL), 0);
	assert_int_equal(pthread_join(r, NULL), 0);
	assert_int_equal(c.fail, 0);
	assert_true(c.enospc > 0);
	assert_int_equal(spool_pending_bytes(c.sp), 0);
	spool_close(c.sp);
	assert_int_equal(count_segments(), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rotation_and_deletion,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_resumes_at_cursor,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_creates_directories,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_crc, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_resync, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_intact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_filled_tail, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_absurd_length, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_segment_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_spool, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kill9, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsync_failure_sticky,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_migration, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stats_after_open, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_cut_back, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup,
		    teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
