/*
 * test_registry: a file is known by (device, inode) and the fingerprint of
 * its head, so a reused inode is a new file and a copy is found by its
 * head; entries survive a save and a load exactly, in the slot file; the
 * version 1 text registry and the checkpoint file before it are imported
 * once; a damaged registry is moved aside with one log line and the flow
 * starts empty; a newer one is refused and left alone; the flushed offsets
 * are used only when they follow the durable save and the spool holds
 * their records; a registry that cannot grow keeps the old one, and saves
 * that fit need no new block; finished entries are pruned after their time
 * to live.  The tail (the last bytes read) is saved with the offset and
 * forgotten when the offset moves without one; version 2 registries, which
 * had none, are read.  Entries are found by identity through an index that
 * follows adds, prunes and loads.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "checkpoint.h"
#include "crc32c.h"
#include "registry.h"
#include "slots.h"

static char	tmpdir[64];
static char	rpath[128];	/* the version 1 text registry */
static char	spath[128];	/* the registry's slot file */
static char	fpath[128];	/* the flushed one */
static char	cpath[128];	/* the old checkpoint file */

static int
setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/sluice-test-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	snprintf(rpath, sizeof rpath, "%s/registry", tmpdir);
	snprintf(spath, sizeof spath, "%s/registry.slot", tmpdir);
	snprintf(fpath, sizeof fpath, "%s/registry-flushed.slot", tmpdir);
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

	r = registry_load(tmpdir, "t", NULL, NULL, &cause);
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
	char			*before, *after;
	size_t			 i, blen, alen;
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
		/* Entry 0 (offset 1) cannot have 2 bytes before it. */
		registry_set_tail(r, e, 0xfedcba9876543210ULL - i, 9 * i + 2,
		    e->offset + (i == 0 ? 0 : i));
		if (i == 0)
			assert_int_equal(e->taillen, 0);
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
		assert_int_equal(e->taillen, i == 0 ? 0 : 9 * i + 2);
		assert_true(e->tail == (i == 0 ? 0 :
		    0xfedcba9876543210ULL - i));
		assert_true(e->tailend == (i == 0 ? 0 : e->offset + i));
		assert_string_equal(e->path, i < 6 ? paths[i] : longpath);
	}
	assert_null(registry_entry_at(r, 7));

	/* Nothing changed: nothing is written. */
	before = read_file(spath, &blen);
	save_ok(r);
	/* An update that changes nothing is not a change either. */
	e = registry_entry_at(r, 1);
	registry_update(r, e, e->fp, e->fplen, e->offset, e->size, e->state,
	    e->path);
	save_ok(r);
	after = read_file(spath, &alen);
	assert_true(alen == blen && memcmp(before, after, blen) == 0);
	free(after);
	/* A tail past REGISTRY_TAIL_MAX is none. */
	registry_set_tail(r, e, 1, REGISTRY_TAIL_MAX + 1, e->offset);
	assert_int_equal(e->taillen, 0);
	registry_set_tail(r, e, 0xfedcba9876543210ULL - 1, 10, e->offset);
	/* The tail of the old offset is forgotten with it. */
	registry_update(r, e, e->fp, e->fplen, e->offset + 1, e->size,
	    e->state, e->path);
	assert_true(e->updated > 1700000001);
	assert_int_equal(e->taillen, 0);
	assert_true(e->tail == 0 && e->tailend == 0);
	save_ok(r);
	after = read_file(spath, &alen);
	assert_true(alen == blen && memcmp(before, after, blen) != 0);
	free(after);
	free(before);
	registry_free(r);
	/* Never the text file of version 1. */
	assert_int_equal(access(rpath, F_OK), -1);

	/* An empty registry is a registry: not a first start. */
	assert_int_equal(unlink(spath), 0);
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
	assert_int_equal(unlink(spath), 0);
	write_file(cpath, "sluice-checkpoints 1\n1 2", 24);
	r = load_ok();
	assert_int_equal(registry_is_new(r), 0);
	assert_int_equal(registry_count(r), 0);
	assert_int_equal(access(cpath, F_OK), -1);
	assert_int_equal(count_names("checkpoints.corrupt."), 1);
	registry_free(r);
}

/*
 * Loads a damaged registry (the text given, written at path) and expects
 * it moved aside to a name starting with aside, one log line naming it,
 * and an empty registry that is not new.
 */
static void
expect_corrupt_at(const char *path, const char *aside, const char *text,
    size_t len)
{
	struct registry	*r;
	char		 log[160], *logged;
	size_t		 loglen;
	int		 saved, fd;

	if (text != NULL)
		write_file(path, text, len);
	snprintf(log, sizeof log, "%s/stderr", tmpdir);
	saved = dup(STDERR_FILENO);
	assert_true((fd = open(log, O_WRONLY|O_CREAT|O_TRUNC, 0600)) >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	r = registry_load(tmpdir, "t", NULL, NULL, NULL);
	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_non_null(r);
	assert_int_equal(registry_is_new(r), 0);
	assert_int_equal(registry_count(r), 0);
	registry_free(r);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(count_names(aside), 1);
	logged = read_file(log, &loglen);
	assert_non_null(strstr(logged, "flow=t: "));
	assert_non_null(strstr(logged, "corrupt"));
	assert_non_null(strstr(logged, aside));
	assert_ptr_equal(strchr(logged, '\n'), logged + loglen - 1);
	free(logged);
	unlink(log);
	/* Clear the way for the next case. */
	teardown(NULL);
	assert_int_equal(mkdir(tmpdir, 0700), 0);
}

static void
expect_corrupt(const char *text, size_t len)
{
	expect_corrupt_at(rpath, "registry.corrupt.", text, len);
}

/* A version 1 text registry of two entries, as sluice wrote it. */
static size_t
v1_text(char *buf, size_t size)
{
	const char	*body = "sluice-registry 1\n"
	    "1 2 0000000000000003 4 5 6 active 1700000000 /a\n"
	    "7 8 0000000000000009 10 11 12 rotated 1700000001 /c\n";

	return (snprintf(buf, size, "%send 2 %08x\n", body,
	    (unsigned int)crc32c(0, body, strlen(body))));
}

/* Writes payload into a new slot file at path with tag. */
static void
write_slot(const char *path, const char *tag, const char *payload)
{
	struct slots	*sl;
	void		*data;
	size_t		 len;
	char		*cause = NULL;

	sl = slots_open(path, tag, 64, "test", &data, &len, &cause);
	assert_non_null(sl);
	free(data);
	assert_int_equal(slots_write(sl, payload, strlen(payload), &cause),
	    0);
	slots_close(sl);
}

/*
 * A version 2 registry (no tail) is read, its entries without a tail, and
 * written back as version 3; a version 3 entry line without the tail
 * fields is corrupt.
 */
static void
test_v2(void **state)
{
	struct registry		*r;
	struct registry_entry	*e;
	const char		*body;
	char			 payload[256], *after;
	size_t			 len;

	(void)state;
	body = "sluice-registry 2 7\n"
	    "2049 1234 0123456789abcdef 1024 5000 6000 active 1700000000 "
	    "/var/log/a.log\n";
	snprintf(payload, sizeof payload, "%send 1 %08x\n", body,
	    (unsigned int)crc32c(0, body, strlen(body)));
	write_slot(spath, "REGY", payload);
	r = load_ok();
	assert_int_equal(registry_count(r), 1);
	e = registry_entry_at(r, 0);
	assert_true(e->offset == 5000 && e->size == 6000);
	assert_int_equal(e->taillen, 0);
	assert_string_equal(e->path, "/var/log/a.log");
	registry_set_tail(r, e, registry_tail_hash("line\n", 5), 5, 5003);
	save_ok(r);
	registry_free(r);
	after = read_file(spath, &len);
	assert_non_null(memmem(after, len, "sluice-registry 3 8\n", 20));
	free(after);
	r = load_ok();
	e = registry_entry_at(r, 0);
	assert_int_equal(e->taillen, 5);
	assert_true(e->tailend == 5003);
	assert_true(e->tail == registry_tail_hash("line\n", 5));
	registry_free(r);

	/* Version 3 needs the tail fields. */
	body = "sluice-registry 3 7\n"
	    "2049 1234 0123456789abcdef 1024 5000 6000 active 1700000000 "
	    "/var/log/a.log\n";
	snprintf(payload, sizeof payload, "%send 1 %08x\n", body,
	    (unsigned int)crc32c(0, body, strlen(body)));
	write_slot(spath, "REGY", payload);
	r = load_ok();
	assert_int_equal(registry_count(r), 0);
	registry_free(r);
	assert_int_equal(count_names("registry.slot.corrupt."), 1);
}

static void
test_v1_migration(void **state)
{
	struct registry		*r;
	struct registry_entry	*e;
	char			 text[512], moved[160];

	(void)state;
	write_file(rpath, text, v1_text(text, sizeof text));
	r = load_ok();
	assert_int_equal(registry_is_new(r), 0);
	assert_int_equal(registry_count(r), 2);
	e = registry_entry_at(r, 1);
	assert_true(e->dev == 7 && e->ino == 8 && e->fp == 9);
	assert_int_equal(e->fplen, 10);
	assert_true(e->offset == 11 && e->size == 12);
	assert_int_equal(e->state, REGISTRY_ROTATED);
	assert_string_equal(e->path, "/c");
	/* The text file stays until the slot file is durable. */
	assert_int_equal(access(rpath, F_OK), 0);
	save_ok(r);
	registry_free(r);
	assert_int_equal(access(rpath, F_OK), -1);
	snprintf(moved, sizeof moved, "%s.migrated", rpath);
	assert_int_equal(access(moved, F_OK), 0);
	assert_int_equal(access(spath, F_OK), 0);

	/* Imported once: the slot file wins over a text file. */
	write_file(rpath, "sluice-registry 1\nend 0 00000000\n", 33);
	r = load_ok();
	assert_int_equal(registry_count(r), 2);
	assert_string_equal(registry_entry_at(r, 0)->path, "/a");
	registry_free(r);
}

static void
test_corrupt(void **state)
{
	struct registry	*r;
	char		 good[512], bad[512], *cause = NULL, *left;
	size_t		 len, i;

	(void)state;
	len = v1_text(good, sizeof good);

	/* Version 1 text: one flipped digit anywhere; the CRC sees it. */
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

	/* The slot file: every slot bad, moved aside by slots. */
	memset(bad, 0xaa, sizeof bad);
	expect_corrupt_at(spath, "registry.slot.corrupt.", bad, sizeof bad);
	/* Slots whole, a payload that is not a registry. */
	write_slot(spath, "REGY", "sluice-registry 2 1\n1 2 3\nend 1 0\n");
	expect_corrupt_at(spath, "registry.slot.corrupt.", NULL, 0);
	/* A spool position belongs to the flushed file only. */
	write_slot(spath, "REGY", "sluice-registry 2 1 4 5\nend 0 00000000\n");
	expect_corrupt_at(spath, "registry.slot.corrupt.", NULL, 0);

	/* A newer version is refused and left as it is, both named. */
	write_file(rpath, "sluice-registry 4\nwhatever\n", 27);
	assert_null(registry_load(tmpdir, "t", NULL, NULL, &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "version 4"));
	assert_non_null(strstr(cause, "version 3"));
	free(cause);
	cause = NULL;
	left = read_file(rpath, &len);
	assert_string_equal(left, "sluice-registry 4\nwhatever\n");
	free(left);
	assert_int_equal(unlink(rpath), 0);
	write_slot(spath, "REGY", "sluice-registry 4 1\nwhatever\n");
	assert_null(registry_load(tmpdir, "t", NULL, NULL, &cause));
	assert_non_null(strstr(cause, "version 4"));
	assert_non_null(strstr(cause, "version 3"));
	free(cause);
	assert_int_equal(access(spath, F_OK), 0);
	assert_int_equal(count_names("registry.corrupt."), 0);
	assert_int_equal(count_names("registry.slot.corrupt."), 0);
	/* And nothing else was written beside it. */
	r = NULL;
	(void)r;
}

static uint64_t	intact_seg, intact_off;
static int	intact_calls;

static int
intact_yes(void *arg, uint64_t seg, uint64_t off)
{
	(void)arg;
	intact_seg = seg;
	intact_off = off;
	intact_calls++;
	return (1);
}

static int
intact_no(void *arg, uint64_t seg, uint64_t off)
{
	(void)arg;
	(void)seg;
	(void)off;
	intact_calls++;
	return (0);
}

static struct registry *
load_with(registry_intact_cb cb)
{
	struct registry	*r;
	char		*cause = NULL;

	r = registry_load(tmpdir, "t", cb, NULL, &cause);
	if (r == NULL)
		fail_msg("registry_load: %s", cause);
	return (r);
}

static void
test_flushed(void **state)
{
	struct registry		*r;
	struct registry_entry	*e;
	char			*cause = NULL;

	(void)state;
	r = load_ok();
	e = registry_add(r, 1, 2, 3, 4, 100, 100, "/a");
	save_ok(r);
	/* Read and spooled since, not synced: then a SIGKILL. */
	registry_update(r, e, 3, 4, 200, 200, REGISTRY_ACTIVE, "/a");
	registry_add(r, 5, 6, 7, 8, 50, 50, "/b");
	assert_int_equal(registry_flushed_is_due(r), 1);
	assert_int_equal(registry_save_flushed(r, 3, 4096, &cause), 0);
	/* Rate-bounded: not again at once. */
	assert_int_equal(registry_flushed_is_due(r), 0);
	registry_free(r);

	/* The spool holds the records: the flushed offsets stand. */
	r = load_with(intact_yes);
	assert_true(intact_seg == 3 && intact_off == 4096);
	assert_int_equal(registry_count(r), 2);
	assert_true(registry_entry_at(r, 0)->offset == 200);
	assert_string_equal(registry_entry_at(r, 1)->path, "/b");
	registry_free(r);
	/* It does not (a power loss): the durable ones. */
	r = load_with(intact_no);
	assert_int_equal(registry_count(r), 1);
	assert_true(registry_entry_at(r, 0)->offset == 100);
	registry_free(r);
	r = load_with(NULL);
	assert_int_equal(registry_count(r), 1);
	registry_free(r);

	/* A durable save after it makes it stale: not even asked. */
	r = load_with(intact_no);
	e = registry_entry_at(r, 0);
	registry_update(r, e, 3, 4, 150, 150, REGISTRY_ACTIVE, "/a");
	save_ok(r);
	registry_free(r);
	intact_calls = 0;
	r = load_with(intact_yes);
	assert_int_equal(intact_calls, 0);
	assert_int_equal(registry_count(r), 1);
	assert_true(registry_entry_at(r, 0)->offset == 150);
	/* Nothing changed: no flushed write. */
	usleep(20000);
	assert_int_equal(registry_save_flushed(r, 9, 9, &cause), 0);
	registry_free(r);
	intact_calls = 0;
	r = load_with(intact_yes);
	assert_int_equal(intact_calls, 0);
	registry_free(r);

	/* A damaged flushed file is only ignored. */
	write_file(fpath, "garbage", 7);
	r = load_with(intact_yes);
	assert_int_equal(registry_count(r), 1);
	registry_free(r);
}

/*
 * A save that fits the slots writes no new block: under a file size limit
 * at the file's size (what a full disk does to a file that would grow),
 * saves go on; one that must grow the file fails, the old registry stays
 * readable, and the save succeeds once there is room.
 */
static void
test_no_new_blocks(void **state)
{
	struct registry		*r, *r2;
	struct registry_entry	*e;
	struct rlimit		 old, lim;
	struct stat		 sb;
	char			*cause = NULL, path[64];
	int			 i;

	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	r = load_ok();
	e = registry_add(r, 1, 2, 3, 4, 100, 100, "/a");
	save_ok(r);
	assert_int_equal(stat(spath, &sb), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = sb.st_size;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (i = 0; i < 10; i++) {
		registry_update(r, e, 3, 4, 200 + i, 200 + i,
		    REGISTRY_ACTIVE, "/a");
		save_ok(r);
	}
	for (i = 0; i < 200; i++) {
		snprintf(path, sizeof path, "/var/log/a-rather-long-name-%d",
		    i);
		registry_add(r, 10 + i, 20 + i, 30, 40, 50, 60, path);
	}
	assert_int_equal(registry_save(r, &cause), -1);
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	r2 = load_ok();
	assert_int_equal(registry_count(r2), 1);
	assert_true(registry_entry_at(r2, 0)->offset == 209);
	registry_free(r2);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	save_ok(r);
	registry_free(r);
	r = load_ok();
	assert_int_equal(registry_count(r), 201);
	registry_free(r);
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

/*
 * registry_find and registry_add go through an index by (device, inode):
 * with thousands of entries each identity is found, an add of a known
 * identity replaces its entry in place, and the index follows a prune and
 * a load.
 */
static void
test_index(void **state)
{
	struct registry		*r;
	struct registry_entry	*e;
	char			 path[32];
	uint64_t		 i, n = 5000;

	(void)state;
	r = load_ok();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "/f%llu", (unsigned long long)i);
		/* Two devices, dense inodes: the common shape. */
		e = registry_add(r, 1 + i % 2, 1000 + i / 2, 0, 0, i, i, path);
		assert_ptr_equal(registry_find(r, 1 + i % 2, 1000 + i / 2), e);
	}
	assert_int_equal(registry_count(r), n);
	for (i = 0; i < n; i++) {
		e = registry_find(r, 1 + i % 2, 1000 + i / 2);
		assert_non_null(e);
		assert_true(e->offset == i);
	}
	assert_null(registry_find(r, 3, 1000));
	assert_null(registry_find(r, 1, 1000 + n));
	/* A reused inode: the entry is replaced, not added. */
	e = registry_add(r, 2, 1000, 0, 0, 7, 7, "/reused");
	assert_int_equal(registry_count(r), n);
	assert_ptr_equal(registry_find(r, 2, 1000), e);
	assert_ptr_equal(registry_entry_at(r, 1), e);
	/* Every other entry finished long ago: pruned, the rest found. */
	for (i = 0; i < n; i += 2) {
		e = registry_find(r, 1, 1000 + i / 2);
		registry_update(r, e, 0, 0, e->offset, e->size,
		    REGISTRY_FINISHED, e->path);
		e->updated = 1;
	}
	assert_int_equal(registry_prune(r, time(NULL), 86400), n / 2);
	assert_null(registry_find(r, 1, 1000));
	e = registry_find(r, 2, 1000);
	assert_non_null(e);
	assert_string_equal(e->path, "/reused");
	e = registry_add(r, 1, 1000, 0, 0, 3, 3, "/again");
	assert_int_equal(registry_count(r), n / 2 + 1);
	assert_ptr_equal(registry_find(r, 1, 1000), e);
	save_ok(r);
	registry_free(r);
	r = load_ok();
	assert_int_equal(registry_count(r), n / 2 + 1);
	for (i = 1; i < n; i += 2) {
		e = registry_find(r, 2, 1000 + i / 2);
		assert_non_null(e);
		assert_true(e->offset == (i == 1 ? 7 : i));
	}
	assert_string_equal(registry_find(r, 1, 1000)->path, "/again");
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
		cmocka_unit_test_setup_teardown(test_v2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_migration, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_flushed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_new_blocks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
