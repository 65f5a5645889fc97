/*
 * drive: the benchmark's clock and load, next to tests/fakeaws.
 *
 *	drive wait STATS N TIMEOUT
 *	drive latency LOG OUT RATE SECONDS [SIZE]
 *	drive spray SRC DIR NFILES
 *
 * wait: follows fakeaws's -S file (rewritten by a rename after each
 * request; inotify on its directory, plus a look every 50 ms) until
 * records_accepted reaches N, then prints the wall-clock times (seconds
 * since the epoch, as bash's $EPOCHREALTIME) at which it first exceeded 0,
 * 10% and 90% of N and reached N, and the last counters:
 * "first=T t10=T t90=T done=T requests=R records=N bytes=B".  Exit 1 on
 * timeout.  N counts from the file's value at the start.
 *
 * latency: appends RATE lines a second to LOG for SECONDS, one write(2)
 * per line, each line starting with its write time (CLOCK_MONOTONIC, ns)
 * and its sequence number, padded to SIZE bytes (default 200) with the
 * newline.  A second thread follows fakeaws's -o file OUT (one base64
 * record a line, flushed before fakeaws answers, so a line there is a
 * record the sink has acknowledged) and takes each record's arrival time
 * when it reads it.  It prints "lines=N got=N lost=N dup=N p50_ms=X
 * p99_ms=X max_ms=X", waiting at most 60 s after the last write.
 *
 * spray: cuts SRC (lines) into NFILES contiguous parts and writes part i
 * to DIR/fI.log, 4 KiB of whole lines at a time, every file in turn, so
 * that all the files grow at once.
 */

#define _GNU_SOURCE

#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
drive_die(const char *what)
{
	fprintf(stderr, "drive: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double
drive_epoch(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static uint64_t
drive_mono_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/* --- wait ---------------------------------------------------------------- */

struct drive_stats {
	uint64_t	requests;
	uint64_t	records;
	uint64_t	bytes;
};

static int
drive_stats_read(const char *path, struct drive_stats *st)
{
	char		 buf[4096], *p;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return (-1);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return (-1);
	buf[n] = '\0';
	if ((p = strstr(buf, "requests=")) != NULL)
		st->requests = strtoull(p + 9, NULL, 10);
	if ((p = strstr(buf, "records_accepted=")) != NULL)
		st->records = strtoull(p + 17, NULL, 10);
	if ((p = strstr(buf, "bytes_accepted=")) != NULL)
		st->bytes = strtoull(p + 15, NULL, 10);
	return (0);
}

static int
drive_wait(const char *stats, uint64_t n, double timeout)
{
	struct drive_stats	 st = { 0, 0, 0 };
	struct pollfd		 pfd;
	char			 ev[4096], *dir, *copy;
	double			 t, start, first = 0, t10 = 0, t90 = 0;
	uint64_t		 base, got;

	copy = strdup(stats);
	dir = dirname(copy);
	if ((pfd.fd = inotify_init1(IN_NONBLOCK)) == -1)
		drive_die("inotify_init1");
	if (inotify_add_watch(pfd.fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE) ==
	    -1)
		drive_die(dir);
	pfd.events = POLLIN;
	(void)drive_stats_read(stats, &st);
	base = st.records;
	start = drive_epoch();
	for (;;) {
		t = drive_epoch();
		if (drive_stats_read(stats, &st) == 0) {
			got = st.records - base;
			if (got > 0 && first == 0)
				first = t;
			if (got * 10 >= n && t10 == 0)
				t10 = t;
			if (got * 10 >= n * 9 && t90 == 0)
				t90 = t;
			if (got >= n)
				break;
		}
		if (t - start > timeout) {
			fprintf(stderr, "drive: %" PRIu64 " of %" PRIu64
			    " records in %.0f s\n", st.records - base, n,
			    timeout);
			return (1);
		}
		if (poll(&pfd, 1, 50) > 0)
			while (read(pfd.fd, ev, sizeof ev) > 0)
				;
	}
	printf("first=%.6f t10=%.6f t90=%.6f done=%.6f requests=%" PRIu64
	    " records=%" PRIu64 " bytes=%" PRIu64 "\n", first, t10, t90, t,
	    st.requests, st.records, st.bytes);
	free(copy);
	return (0);
}

/* --- latency ------------------------------------------------------------- */

struct drive_lat {
	const char	*out;
	uint64_t	 lines;
	uint64_t	*lat_ns;	/* per sequence number; 0: not yet */
	uint64_t	 got;
	uint64_t	 dup;
	volatile int	 writer_done;
	uint64_t	 writer_end_ns;
};

static int
drive_b64(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

/* One -o line: base64 of a record that starts "TIMESTAMP SEQ ". */
static void
drive_lat_line(struct drive_lat *l, const char *p, size_t len, uint64_t now)
{
	unsigned char	 dec[48];
	size_t		 i, nd = 0;
	uint64_t	 ts, seq;
	char		*end;
	int		 v[4], j;

	for (i = 0; i + 4 <= len && nd + 3 < sizeof dec; i += 4) {
		for (j = 0; j < 4; j++)
			if ((v[j] = drive_b64(p[i + j])) < 0)
				return;
		dec[nd++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		dec[nd++] = (unsigned char)(v[1] << 4 | v[2] >> 2);
		dec[nd++] = (unsigned char)(v[2] << 6 | v[3]);
	}
	dec[nd] = '\0';
	ts = strtoull((char *)dec, &end, 10);
	if (*end != ' ')
		return;
	seq = strtoull(end + 1, &end, 10);
	if (*end != ' ' || seq >= l->lines)
		return;
	if (l->lat_ns[seq] != 0) {
		l->dup++;
		return;
	}
	l->lat_ns[seq] = now > ts ? now - ts : 1;
	l->got++;
}

static void *
drive_lat_reader(void *arg)
{
	struct drive_lat	*l = arg;
	struct pollfd		 pfd;
	char			*buf, ev[4096], *nl;
	size_t			 have = 0, cap = 1 << 20, off;
	ssize_t			 n;
	uint64_t		 now;
	int			 fd;

	if ((buf = malloc(cap)) == NULL)
		drive_die("malloc");
	if ((pfd.fd = inotify_init1(IN_NONBLOCK)) == -1)
		drive_die("inotify_init1");
	if (inotify_add_watch(pfd.fd, l->out, IN_MODIFY) == -1)
		drive_die(l->out);
	pfd.events = POLLIN;
	if ((fd = open(l->out, O_RDONLY)) == -1)
		drive_die(l->out);
	(void)lseek(fd, 0, SEEK_END);
	while (l->got < l->lines) {
		if (l->writer_done &&
		    drive_mono_ns() - l->writer_end_ns > 60000000000ULL)
			break;
		if (poll(&pfd, 1, 100) > 0)
			while (read(pfd.fd, ev, sizeof ev) > 0)
				;
		while ((n = read(fd, buf + have, cap - have)) > 0) {
			now = drive_mono_ns();
			have += (size_t)n;
			off = 0;
			while ((nl = memchr(buf + off, '\n', have - off)) !=
			    NULL) {
				drive_lat_line(l, buf + off,
				    (size_t)(nl - (buf + off)), now);
				off = (size_t)(nl - buf) + 1;
			}
			memmove(buf, buf + off, have - off);
			have -= off;
			if (have == cap)
				have = 0;	/* a line longer than 1 MiB */
		}
	}
	close(fd);
	close(pfd.fd);
	free(buf);
	return (NULL);
}

static int
drive_u64cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

static int
drive_latency(const char *log, const char *out, uint64_t rate,
    uint64_t seconds, size_t size)
{
	struct drive_lat	 l;
	struct timespec		 due;
	pthread_t		 t;
	char			 line[4096];
	uint64_t		 i, t0, when, *v, k;
	int			 fd, len;

	if (size < 40 || size > sizeof line)
		size = 200;
	memset(&l, 0, sizeof l);
	l.out = out;
	l.lines = rate * seconds;
	if ((l.lat_ns = calloc(l.lines, sizeof *l.lat_ns)) == NULL)
		drive_die("calloc");
	if ((fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644)) == -1)
		drive_die(log);
	if (pthread_create(&t, NULL, drive_lat_reader, &l) != 0)
		drive_die("pthread_create");
	memset(line, 'x', sizeof line);
	t0 = drive_mono_ns() + 100000000ULL;
	for (i = 0; i < l.lines; i++) {
		when = t0 + i * 1000000000ULL / rate;
		due.tv_sec = (time_t)(when / 1000000000ULL);
		due.tv_nsec = (long)(when % 1000000000ULL);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due,
		    NULL) == EINTR)
			;
		len = snprintf(line, sizeof line, "%019" PRIu64 " %09" PRIu64
		    " ", drive_mono_ns(), i);
		line[len] = 'x';
		line[size - 1] = '\n';
		if (write(fd, line, size) != (ssize_t)size)
			drive_die(log);
	}
	close(fd);
	l.writer_end_ns = drive_mono_ns();
	l.writer_done = 1;
	pthread_join(t, NULL);

	if ((v = malloc((l.got + 1) * sizeof *v)) == NULL)
		drive_die("malloc");
	for (i = 0, k = 0; i < l.lines; i++)
		if (l.lat_ns[i] != 0)
			v[k++] = l.lat_ns[i];
	qsort(v, k, sizeof *v, drive_u64cmp);
	if (k == 0)
		printf("lines=%" PRIu64 " got=0 lost=%" PRIu64 " dup=%" PRIu64
		    " p50_ms=n/a p99_ms=n/a max_ms=n/a\n", l.lines, l.lines,
		    l.dup);
	else
		printf("lines=%" PRIu64 " got=%" PRIu64 " lost=%" PRIu64
		    " dup=%" PRIu64 " p50_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
		    l.lines, k, l.lines - k, l.dup, v[k / 2] / 1e6,
		    v[(k * 99) / 100] / 1e6, v[k - 1] / 1e6);
	free(v);
	free(l.lat_ns);
	return (k == l.lines ? 0 : 1);
}

/* --- spray --------------------------------------------------------------- */

static int
drive_spray(const char *src, const char *dir, int nfiles)
{
	struct stat	  sb;
	char		 *data, path[4096], *end;
	size_t		 *pos, *stop, per, n;
	int		 *fds, fd, i, left;

	if ((fd = open(src, O_RDONLY)) == -1 || fstat(fd, &sb) == -1)
		drive_die(src);
	if ((data = malloc((size_t)sb.st_size + 1)) == NULL)
		drive_die("malloc");
	if (read(fd, data, (size_t)sb.st_size) != (ssize_t)sb.st_size)
		drive_die(src);
	close(fd);
	fds = calloc((size_t)nfiles, sizeof *fds);
	pos = calloc((size_t)nfiles, sizeof *pos);
	stop = calloc((size_t)nfiles, sizeof *stop);
	if (fds == NULL || pos == NULL || stop == NULL)
		drive_die("calloc");
	/* Part i starts at the first line that begins at or after i * per. */
	per = (size_t)sb.st_size / (size_t)nfiles;
	for (i = 0; i < nfiles; i++) {
		n = (size_t)i * per;
		while (n > 0 && n < (size_t)sb.st_size && data[n - 1] != '\n')
			n++;
		pos[i] = n;
		if (i > 0)
			stop[i - 1] = n;
		snprintf(path, sizeof path, "%s/f%04d.log", dir, i);
		if ((fds[i] = open(path, O_WRONLY | O_APPEND | O_CREAT,
		    0644)) == -1)
			drive_die(path);
	}
	stop[nfiles - 1] = (size_t)sb.st_size;
	do {
		left = 0;
		for (i = 0; i < nfiles; i++) {
			if (pos[i] >= stop[i])
				continue;
			n = stop[i] - pos[i];
			if (n > 4096) {
				/* Whole lines: back to the last newline. */
				end = memrchr(data + pos[i], '\n', 4096);
				n = end != NULL ?
				    (size_t)(end - (data + pos[i])) + 1 : n;
			}
			if (write(fds[i], data + pos[i], n) != (ssize_t)n)
				drive_die("write");
			pos[i] += n;
			left += pos[i] < stop[i];
		}
	} while (left > 0);
	for (i = 0; i < nfiles; i++)
		close(fds[i]);
	free(data);
	free(fds);
	free(pos);
	free(stop);
	return (0);
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "wait") == 0)
		return (drive_wait(argv[2], strtoull(argv[3], NULL, 10),
		    atof(argv[4])));
	if ((argc == 6 || argc == 7) && strcmp(argv[1], "latency") == 0)
		return (drive_latency(argv[2], argv[3],
		    strtoull(argv[4], NULL, 10), strtoull(argv[5], NULL, 10),
		    argc == 7 ? (size_t)atoi(argv[6]) : 200));
	if (argc == 5 && strcmp(argv[1], "spray") == 0)
		return (drive_spray(argv[2], argv[3], atoi(argv[4])));
	fprintf(stderr, "usage: drive wait STATS N TIMEOUT\n"
	    "       drive latency LOG OUT RATE SECONDS [SIZE]\n"
	    "       drive spray SRC DIR NFILES\n");
	return (2);
}
