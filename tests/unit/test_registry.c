/*
 * test_registry: a file is known by (device, inode) and the fingerprint of
 * its head, so a reused inode is a new file and a copy is found by its
 * head; entries survive a save and a load exactly; today's checkpoint file
 * is imported once; a damaged registry is moved aside with one log line
 * and the flow starts empty; a newer one is refused and left alone;
 * finished entries are pruned after their time to live.
 */
#include <sys/stat.h>

#include <dirent.h>
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "checkpoint.h"
#include "registry.h"

static char	tmpdir[64];
static char	rpath[128];	/* the registry */
static char	cpath[128];	/* the old checkpoint file */

static int
setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/sluice-test-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	snprintf(rpath, sizeof rpath, "%s/registry", tmpdir);
	snprintf(cpath, sizeof cpath, "%s/checkpoints", tmpdir);
	return (0);
}

static int
teardown(void **state)
{
	char		 path[PATH_MAX];
	DIR		*d;
	struct dirent	*de;

	(void)state;
	if ((d = opendir(tmpdir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", tmpdir,
			    de->d_name);
			unlink(path);
		}
		closedir(d);
	}
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

static char *
read_file(const char *path, size_t *len)
{
	struct stat	 sb;
	char		*data;
	int		 fd;

	assert_int_equal(stat(path, &sb), 0);
	data = calloc(1, sb.st_size + 1);
	assert_non_null(data);
	fd = open(path, O_RDONLY);
	assert_true(fd != -1);
	assert_int_equal(read(fd, data, sb.st_size), sb.st_size);
	close(fd);
	*len = sb.st_size;
	return (data);
}

/* How many names in tmpdir start with prefix. */
static int
count_names(const char *prefix)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	assert_non_null(d = opendir(tmpdir));
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return (n);
}

/* Adds the file at path, as the tailer does when it opens it. */
static struct registry_entry *
add_file(struct registry *r, const char *path, uint64_t offset)
{
	struct registry_entry	*e;
	struct stat		 sb;
	uint64_t		 fp;
	uint32_t		 fplen;
	int			 fd;

	assert_true((fd = open(path, O_RDONLY)) != -1);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(checkpoint_fingerprint(fd, &fp, &fplen), 0);
	e = registry_add(r, sb.st_dev, sb.st_ino, fp, fplen, offset,
	    sb.st_size, path);
	close(fd);
	return (e);
}

static struct registry *
load_ok(void)
{
	struct registry	*r;
	char		*cause = NULL;

	r = registry_load(tmpdir, "t", &cause);
	if (r == NULL)
		fail_msg("registry_load: %s", cause);
	return (r);
}

static void
save_ok(struct registry *r)
{
	char	*cause = NULL;

	if (registry_save(r, &cause) != 0)
		fail_msg("registry_save: %s", cause);
}

static void
test_identity(void **state)
{
	struct registry		*r;
	struct registry_entry	*e, *e2;
	char			 a[160], b[160], head[2000];
	struct stat		 sb;
	uint64_t		 fp;
	uint32_t		 fplen;
	int			 fd;

	(void)state;
	snprintf(a, sizeof a, "%s/a.log", tmpdir);
	snprintf(b, sizeof b, "%s/b.log", tmpdir);
	memset(head, 'x', sizeof head);
	write_file(a, "first line of a\n", 16);
	r = load_ok();
	assert_int_equal(registry_is_new(r), 1);
	assert_int_equal(registry_count(r), 0);
	e = add_file(r, a, 16);
	assert_int_equal(e->fplen, 16);

	/* The same file, grown past its old fingerprint: still found. */
	assert_true((fd = open(a, O_WRONLY|O_APPEND)) != -1);
	assert_int_equal(write(fd, head, sizeof head), (ssize_t)sizeof head);
	close(fd);
	assert_true((fd = open(a, O_RDONLY)) != -1);
	assert_ptr_equal(registry_lookup(r, fd), e);
	assert_int_equal(registry_entry_is_file(e, fd, 1), 1);
	close(fd);

	/* A copy (another inode) is not the file, but carries its head. */
	write_file(b, "first line of a\n", 16);
	assert_true((fd = open(b, O_RDONLY)) != -1);
	assert_null(registry_lookup(r, fd));
	assert_int_equal(registry_entry_is_file(e, fd, 1), 0);
	assert_int_equal(registry_entry_is_file(e, fd, 0), 1);
	assert_ptr_equal(registry_lookup_fp(r, fd), e);
	close(fd);

	/*
	 * Inode reuse: an entry with b's identity but another head is
	 * another file, and adding b replaces that entry.
	 */
	assert_int_equal(stat(b, &sb), 0);
	e2 = registry_add(r, sb.st_dev, sb.st_ino, 0x1234, 16, 99, 200,
	    "/old/deleted.log");
	assert_int_equal(registry_count(r), 2);
	assert_true((fd = open(b, O_RDONLY)) != -1);
	assert_null(registry_lookup(r, fd));
	assert_int_equal(checkpoint_fingerprint(fd, &fp, &fplen), 0);
	close(fd);
	e2 = registry_add(r, sb.st_dev, sb.st_ino, fp, fplen, 0, 16, b);
	assert_int_equal(registry_count(r), 2);
	assert_true((fd = open(b, O_RDONLY)) != -1);
	assert_ptr_equal(registry_lookup(r, fd), e2);
	close(fd);

	/* An empty head matches nothing by fingerprint alone. */
	write_file(b, "", 0);
	assert_true((fd = open(b, O_RDONLY)) != -1);
	assert_null(registry_lookup_fp(r, fd));
	close(fd);
	registry_free(r);
}

static void
test_round_trip(void **state)
{
	struct registry		*r;
	struct registry_entry	*e;
	char			 longpath[PATH_MAX - 1], *cause = NULL;
	size_t			 i;
	static const char	*paths[] = {
		"/var/log/plain.log",
		"/var/log/with space/and  two.log",
		"/tmp/new\nline\r\tand tab",
		"/tmp/100%25 literal % and %41",
		"/tmp/utf8-\xc3\xa9t\xc3\xa9-\x7f-\x01-\xff",
		"end 3 0",
	};

	(void)state;
	memset(longpath, 'x', sizeof longpath - 1);
	longpath[0] = '/';
	longpath[sizeof longpath - 1] = '\0';
	r = load_ok();
	assert_int_equal(registry_is_new(r), 1);
	for (i = 0; i < 7; i++) {
		e = registry_add(r, 0xfd01 + i, UINT64_MAX - i,
		    0x0123456789abcdefULL * (i + 1),
		    i == 0 ? 0 : CHECKPOINT_FP_MAX - i, (uint64_t)1 << (i * 8),
		    ((uint64_t)1 << (i * 8)) + i,
		    i < 6 ? paths[i] : longpath);
		registry_update(r, e, e->fp, e->fplen, e->offset, e->size,
		    (enum registry_state)(i % 3), e->path);
		e->updated = 1700000000 + i;
	}
	save_ok(r);
	registry_free(r);

	r = load_ok();
	assert_int_equal(registry_is_new(r), 0);
	assert_int_equal(registry_count(r), 7);
	for (i = 0; i < 7; i++) {
		e = registry_entry_at(r, i);
		assert_true(e->dev == 0xfd01 + i);
		assert_true(e->ino == UINT64_MAX - i);
		assert_true(e->fp == 0x0123456789abcdefULL * (i + 1));
		assert_int_equal(e->fplen, i == 0 ? 0 : CHECKPOINT_FP_MAX - i);
		assert_true(e->offset == (uint64_t)1 << (i * 8));
		assert_true(e->size == ((uint64_t)1 << (i * 8)) + i);
		assert_int_equal(e->state, (enum registry_state)(i % 3));
		assert_int_equal(e->updated, 1700000000 + i);
		assert_string_equal(e->path, i < 6 ? paths[i] : longpath);
	}
	assert_null(registry_entry_at(r, 7));

	/* Nothing changed: nothing is written. */
	assert_int_equal(unlink(rpath), 0);
	save_ok(r);
	assert_int_equal(access(rpath, F_OK), -1);
	/* An update that changes nothing is not a change either. */
	e = registry_entry_at(r, 1);
	registry_update(r, e, e->fp, e->fplen, e->offset, e->size, e->state,
	    e->path);
	save_ok(r);
	assert_int_equal(access(rpath, F_OK), -1);
	registry_update(r, e, e->fp, e->fplen, e->offset + 1, e->size,
	    e->state, e->path);
	assert_true(e->updated > 1700000001);
	save_ok(r);
	assert_int_equal(access(rpath, F_OK), 0);
	registry_free(r);

	/* An empty registry is a registry: not a first start. */
	assert_int_equal(unlink(rpath), 0);
	r = load_ok();
	assert_int_equal(registry_is_new(r), 1);
	save_ok(r);
	registry_free(r);
	r = load_ok();
	assert_int_equal(registry_is_new(r), 0);
	assert_int_equal(registry_count(r), 0);
	registry_free(r);
	(void)cause;
}

static void
test_migration(void **state)
{
	struct checkpoint_entry	 ce[2];
	struct registry		*r;
	struct registry_entry	*e;
	char			*cause = NULL, moved[160];

	(void)state;
	ce[0].dev = 10;
	ce[0].ino = 20;
	ce[0].fp = 0xabcdef;
	ce[0].fplen = 1024;
	ce[0].offset = 4096;
	ce[0].updated = 1700000000;
	ce[0].path = (char *)"/var/log/app.log";
	ce[1] = ce[0];
	ce[1].ino = 21;
	ce[1].fplen = 7;
	ce[1].offset = 7;
	ce[1].path = (char *)"/var/log/with space";
	assert_int_equal(checkpoint_save(cpath, ce, 2, &cause), 0);

	r = load_ok();
	assert_int_equal(registry_is_new(r), 0);
	assert_int_equal(registry_count(r), 2);
	e = registry_entry_at(r, 1);
	assert_true(e->dev == 10 && e->ino == 21 && e->fp == 0xabcdef);
	assert_int_equal(e->fplen, 7);
	assert_true(e->offset == 7);
	assert_int_equal(e->state, REGISTRY_ACTIVE);
	assert_int_equal(e->updated, 1700000000);
	assert_string_equal(e->path, "/var/log/with space");
	/* Until the registry is durable, the old file stays. */
	assert_int_equal(access(cpath, F_OK), 0);
	save_ok(r);
	registry_free(r);
	assert_int_equal(access(cpath, F_OK), -1);
	snprintf(moved, sizeof moved, "%s.migrated", cpath);
	assert_int_equal(access(moved, F_OK), 0);

	/* Imported once: the registry is read, not the old file. */
	assert_int_equal(checkpoint_save(cpath, ce, 1, &cause), 0);
	r = load_ok();
	assert_int_equal(registry_count(r), 2);
	assert_string_equal(registry_entry_at(r, 0)->path,
	    "/var/log/app.log");
	registry_free(r);

	/* A corrupt old file is moved aside too, and nothing imported. */
	assert_int_equal(unlink(rpath), 0);
	write_file(cpath, "sluice-checkpoints 1\n1 2", 24);
	r = load_ok();
	assert_int_equal(registry_is_new(r), 0);
	assert_int_equal(registry_count(r), 0);
	assert_int_equal(access(cpath, F_OK), -1);
	assert_int_equal(count_names("checkpoints.corrupt."), 1);
	registry_free(r);
}

/*
 * Loads a damaged registry (the text given) and expects it moved aside,
 * one log line naming it, and an empty registry that is not new.
 */
static void
expect_corrupt(const char *text, size_t len)
{
	struct registry	*r;
	char		 log[160], *logged;
	size_t		 loglen;
	int		 saved, fd;

	write_file(rpath, text, len);
	snprintf(log, sizeof log, "%s/stderr", tmpdir);
	saved = dup(STDERR_FILENO);
	assert_true((fd = open(log, O_WRONLY|O_CREAT|O_TRUNC, 0600)) >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	r = registry_load(tmpdir, "t", NULL);
	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_non_null(r);
	assert_int_equal(registry_is_new(r), 0);
	assert_int_equal(registry_count(r), 0);
	registry_free(r);
	assert_int_equal(access(rpath, F_OK), -1);
	assert_int_equal(count_names("registry.corrupt."), 1);
	logged = read_file(log, &loglen);
	assert_non_null(strstr(logged, "flow=t: "));
	assert_non_null(strstr(logged, "is corrupt"));
	assert_non_null(strstr(logged, "registry.corrupt."));
	assert_ptr_equal(strchr(logged, '\n'), logged + loglen - 1);
	free(logged);
	unlink(log);
	/* Clear the way for the next case. */
	teardown(NULL);
	assert_int_equal(mkdir(tmpdir, 0700), 0);
}

static void
test_corrupt(void **state)
{
	struct registry	*r;
	char		*good, *bad, *cause = NULL;
	size_t		 len, i;

	(void)state;
	r = load_ok();
	registry_add(r, 1, 2, 3, 4, 5, 6, "/a b");
	registry_add(r, 7, 8, 9, 10, 11, 12, "/c");
	save_ok(r);
	registry_free(r);
	good = read_file(rpath, &len);
	bad = malloc(len + 1);
	assert_non_null(bad);

	/* One flipped digit anywhere in an entry: the CRC sees it. */
	memcpy(bad, good, len);
	bad[strlen("sluice-registry 1\n")] ^= 1;
	expect_corrupt(bad, len);
	/* Cut short at every length but the whole. */
	for (i = 0; i < len; i += 7)
		expect_corrupt(good, i);
	/* Garbage, and an empty file. */
	expect_corrupt("\x89PNG\r\n\x1a\n", 8);
	expect_corrupt("", 0);
	/* An old (unknown) version. */
	expect_corrupt("sluice-registry 0\nend 0 00000000\n", 33);

	/* A newer version is refused and left as it is. */
	write_file(rpath, "sluice-registry 2\nwhatever\n", 27);
	assert_null(registry_load(tmpdir, "t", &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "version 2"));
	assert_non_null(strstr(cause, "version 1"));
	free(cause);
	free(bad);
	bad = read_file(rpath, &len);
	assert_string_equal(bad, "sluice-registry 2\nwhatever\n");
	assert_int_equal(count_names("registry.corrupt."), 0);
	free(bad);
	free(good);
}

static void
test_prune(void **state)
{
	struct registry		*r;
	struct registry_entry	*old, *young, *active, *rotated;
	int64_t			 now = time(NULL), day = 86400;

	(void)state;
	r = load_ok();
	old = registry_add(r, 1, 1, 0, 0, 5, 5, "/old");
	young = registry_add(r, 1, 2, 0, 0, 5, 5, "/young");
	active = registry_add(r, 1, 3, 0, 0, 5, 5, "/active");
	rotated = registry_add(r, 1, 4, 0, 0, 5, 9, "/rotated");
	registry_update(r, old, 0, 0, 5, 5, REGISTRY_FINISHED, "/old");
	registry_update(r, young, 0, 0, 5, 5, REGISTRY_FINISHED, "/young");
	registry_update(r, rotated, 0, 0, 5, 9, REGISTRY_ROTATED,
	    "/rotated");
	old->updated = now - 8 * day;
	young->updated = now - 6 * day;
	active->updated = now - 30 * day;	/* idle, but not finished */
	rotated->updated = now - 30 * day;	/* unread bytes remain */
	save_ok(r);
	assert_int_equal(registry_prune(r, now, 7 * day), 1);
	assert_int_equal(registry_count(r), 3);
	assert_string_equal(young->path, "/young");
	assert_string_equal(active->path, "/active");
	assert_string_equal(rotated->path, "/rotated");
	assert_int_equal(registry_prune(r, now, 7 * day), 0);
	save_ok(r);
	registry_free(r);
	r = load_ok();
	assert_int_equal(registry_count(r), 3);
	assert_int_equal(registry_prune(r, now + 2 * day, 7 * day), 1);
	assert_int_equal(registry_count(r), 2);
	registry_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migration, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
