/*
 * sluicectl: asks the running sluiced about its flows over the control
 * socket (protocol in ctl_proto.h) and prints the answer for people, or
 * as JSON with -j.  Like OpenSMTPD's smtpctl, it is a table of commands
 * mapped to small handlers.  Exit codes are part of the interface and are
 * documented in sluicectl(8): 0 success, 1 an error answer, 2 the daemon
 * could not be reached, 64 (EX_USAGE) bad usage.
 *
 * The socket is the first of: -s, $SLUICE_SOCKET, the controlSocket of
 * the config (-c, else the installed default), the built-in default.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "agentimport.h"
#include "config.h"
#include "ctl_proto.h"
#include "fmt.h"
#include "health.h"
#include "log.h"
#include "xmalloc.h"

#define EXIT_ANSWER		1	/* error answer */
#define EXIT_DEGRADED		1	/* status: the daemon is degraded */
#define EXIT_UNREACHABLE	2	/* no daemon to talk to */
#define EXIT_USAGE		EX_USAGE /* 64: bad usage */

#ifndef SLUICE_VERSION
#define SLUICE_VERSION		"unknown"
#endif

/* -j before the command: every command prints JSON. */
static int	json_all;

/* How long to wait for the daemon's whole reply. */
#define SLUICECTL_TIMEOUT_MS	10000
/*
 * A reload answers once flows that changed have stopped, which takes up
 * to shutdownTimeoutMillis (10 s by default) when requests are in flight.
 */
#define SLUICECTL_RELOAD_TIMEOUT_MS	300000

static int	timeout_ms = SLUICECTL_TIMEOUT_MS;

/*
 * A flow with no file: a typo in the pattern, or a directory that does
 * not exist yet, which sluiced waits for without a problem to report
 * (sluiced -n and the daemon's start log say which).
 */
#define NO_MATCH_HINT	"check the pattern, and that its directory exists " \
	"(sluiced -n says)"

/* -c, else the installed config: what import-agent-checkpoints reads. */
static const char *conf_file = SLUICE_CONFIG_FILE;

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* The string v safe for a terminal (caller frees), or "?" if v is none. */
static char *
show_string(json_t *v)
{
	return (fmt_escape(json_is_string(v) ? json_string_value(v) : "?"));
}

/*
 * Sends command to the daemon at path and parses its reply into *reply.
 * Returns 0, or an exit code after printing why.
 */
static int
sluicectl_request(const char *path, const char *command, json_t **reply)
{
	struct sockaddr_un	 sun;
	struct pollfd		 pfd;
	json_error_t		 jerr;
	json_t			*j, *e;
	char			*req = NULL, *buf = NULL;
	size_t			 len = 0, size = 0, i;
	ssize_t			 n;
	int64_t			 deadline, left;
	int			 fd = -1, rc = EXIT_UNREACHABLE, r;

	*reply = NULL;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		warnx("cannot connect to %s: %s", path, strerror(ENAMETOOLONG));
		goto out;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		warn("socket");
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		warnx("cannot connect to %s: %s (%s)", path, strerror(errno),
		    errno == EACCES ? "are you in the socket's group?" :
		    "is sluiced running?");
		goto out;
	}

	xasprintf(&req, "%s %d %s\n", CTL_PROTO_MAGIC, CTL_PROTO_VERSION,
	    command);
	/* Far below any socket buffer: one send does it. */
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req)) {
		warn("sending to %s", path);
		goto out;
	}

	deadline = now_ms() + timeout_ms;
	for (;;) {
		if (size - len < 4096) {
			if (size > CTL_REPLY_MAX) {
				warnx("reply from sluiced is too large (over "
				    "%d bytes)", CTL_REPLY_MAX);
				rc = EXIT_ANSWER;
				goto out;
			}
			size = size == 0 ? 65536 : size * 2;
			buf = xrealloc(buf, size + 1);
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		left = deadline - now_ms();
		r = left <= 0 ? 0 : poll(&pfd, 1, (int)left);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			warn("poll");
			goto out;
		}
		if (r == 0) {
			warnx("no reply from sluiced on %s within %ds", path,
			    timeout_ms / 1000);
			goto out;
		}
		if ((n = read(fd, buf + len, size - len)) == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			warn("reading from %s", path);
			goto out;
		}
		len += n;
	}
	if (len == 0) {
		warnx("sluiced on %s closed the connection without a reply",
		    path);
		goto out;
	}

	rc = EXIT_ANSWER;
	if ((j = json_loadb(buf, len, 0, &jerr)) == NULL) {
		warnx("malformed reply from sluiced: %s", jerr.text);
		goto out;
	}
	if (!json_is_object(j)) {
		warnx("malformed reply from sluiced: not an object");
		json_decref(j);
		goto out;
	}
	if ((e = json_object_get(j, "error")) != NULL) {
		if (json_is_string(e)) {
			char	*msg = fmt_escape(json_string_value(e));

			warnx("%s", msg);
			free(msg);
		} else
			warnx("sluiced answered with an error");
		/* A reload's: every error of the config, one a line. */
		e = json_object_get(j, "errors");
		for (i = 0; i < json_array_size(e); i++) {
			char	*msg = show_string(json_array_get(e, i));

			fprintf(stderr, "  %s\n", msg);
			free(msg);
		}
		json_decref(j);
		goto out;
	}
	*reply = j;
	rc = 0;
out:
	free(buf);
	free(req);
	if (fd != -1)
		close(fd);
	return (rc);
}

/* Returns the member as a count, or -1 if it is missing or not one. */
static int64_t
get_count(json_t *o, const char *key)
{
	json_t	*v;

	v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return (-1);
	return (json_integer_value(v));
}

/* Writes a count, or "-" when unknown, into buf and returns buf. */
static char *
show_count(char *buf, size_t len, json_t *o, const char *key)
{
	int64_t	n;

	if ((n = get_count(o, key)) == -1)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld", (long long)n);
	return (buf);
}

/* "s" unless the member counts exactly one: "1 record", "2 records". */
static const char *
plural(json_t *o, const char *key)
{
	return (get_count(o, key) == 1 ? "" : "s");
}

/* Writes a size in human units, or "-", into buf and returns buf. */
static char *
show_bytes(char *buf, size_t len, json_t *o, const char *key)
{
	int64_t	n;

	if ((n = get_count(o, key)) == -1) {
		snprintf(buf, len, "-");
		return (buf);
	}
	return (fmt_bytes(buf, len, (uint64_t)n));
}

/*
 * Returns the member as a string safe for a terminal (caller frees), or a
 * copy of missing if it is absent, empty or not a string (NULL stays NULL).
 */
static char *
get_string(json_t *o, const char *key, const char *missing)
{
	json_t	*v;

	v = json_object_get(o, key);
	if (!json_is_string(v) || json_string_length(v) == 0)
		return (missing != NULL ? xstrdup(missing) : NULL);
	return (fmt_escape(json_string_value(v)));
}

/* Prints s and pads it with spaces to width columns. */
static void
print_padded(const char *s, size_t width)
{
	size_t	w;

	fputs(s, stdout);
	for (w = fmt_width(s); w < width; w++)
		putchar(' ');
}

/* What a file's state is called on the screen. */
static const char *
file_state_name(const char *state)
{
	if (strcmp(state, "open") == 0)
		return ("tailing");
	if (strcmp(state, "rotated") == 0)
		return ("draining rotated");
	return (state);
}

/*
 * Prints one line per tailed file, in aligned columns: path, bytes read,
 * file size, how much of it was read, and its state unless it is open
 * ("closed" while idle, "waiting" for a descriptor, "unreadable" with the
 * reason and the fix).  With details (sluicectl files), also its identity
 * (dev:ino) and its last read, and the state always.
 */
static void
print_files(json_t *files, int details)
{
	struct row {
		char	*path;
		char	 read[FMT_BYTES_MAX];
		char	 size[FMT_BYTES_MAX];
		char	 pct[16];
		char	*ident;
		char	 last[FMT_AGE_MAX];
		char	*state;
		char	*reason;
	}		*rows;
	json_t		*f;
	size_t		 i, n, wpath = 0, wread = 0, wsize = 0, wid = 0;
	size_t		 wlast = 0;
	int64_t		 off, sz, t;
	time_t		 now = time(NULL);

	n = json_array_size(files);
	rows = xcalloc(n == 0 ? 1 : n, sizeof *rows);
	json_array_foreach(files, i, f) {
		rows[i].path = get_string(f, "path", "?");
		rows[i].state = get_string(f, "state", "open");
		rows[i].reason = get_string(f, "reason", NULL);
		rows[i].ident = get_string(f, "identity", "?");
		if ((t = get_count(f, "lastRead")) > 0)
			fmt_age(rows[i].last, sizeof rows[i].last, (time_t)t,
			    now);
		else
			strcpy(rows[i].last, "not since start");
		show_bytes(rows[i].read, sizeof rows[i].read, f, "offset");
		show_bytes(rows[i].size, sizeof rows[i].size, f, "size");
		off = get_count(f, "offset");
		sz = get_count(f, "size");
		if (off == -1 || sz <= 0)
			strcpy(rows[i].pct, "-");
		else if (off >= sz)
			strcpy(rows[i].pct, "100.0%");
		else
			/* Rounded down: 100% means all of it. */
			snprintf(rows[i].pct, sizeof rows[i].pct, "%.1f%%",
			    (double)(uint64_t)(off * 1000.0 / sz) / 10);
		if (fmt_width(rows[i].path) > wpath)
			wpath = fmt_width(rows[i].path);
		if (strlen(rows[i].read) > wread)
			wread = strlen(rows[i].read);
		if (strlen(rows[i].size) > wsize)
			wsize = strlen(rows[i].size);
		if (fmt_width(rows[i].ident) > wid)
			wid = fmt_width(rows[i].ident);
		if (strlen(rows[i].last) > wlast)
			wlast = strlen(rows[i].last);
	}
	for (i = 0; i < n; i++) {
		printf("    ");
		print_padded(rows[i].path, wpath);
		printf("  %*s / %-*s  %6s", (int)wread, rows[i].read,
		    (int)wsize, rows[i].size, rows[i].pct);
		if (details) {
			printf("  ");
			print_padded(rows[i].ident, wid);
			printf("  %-*s  %s", (int)wlast, rows[i].last,
			    file_state_name(rows[i].state));
		} else if (strcmp(rows[i].state, "open") != 0)
			printf("  %s", file_state_name(rows[i].state));
		if (rows[i].reason != NULL)
			printf(": %s", rows[i].reason);
		printf("\n");
		free(rows[i].reason);
		free(rows[i].state);
		free(rows[i].ident);
		free(rows[i].path);
	}
	free(rows);
}

/* Prints the directories of the pattern that cannot be read. */
static void
print_bad_dirs(json_t *problems)
{
	json_t	*p;
	char	*type, *path, *reason;
	size_t	 i;

	json_array_foreach(problems, i, p) {
		type = get_string(p, "type", "?");
		if (strcmp(type, "directory") == 0) {
			path = get_string(p, "path", "?");
			reason = get_string(p, "reason", "?");
			printf("    %s/  unreadable directory: %s\n", path,
			    reason);
			free(reason);
			free(path);
		}
		free(type);
	}
}

/*
 * The flow's problems that last (STYLE rule 23: problem.h), one line each
 * with how long and how often, or "healthy".  An older daemon sends no
 * "health": nothing is printed then.
 */
static void
print_health(json_t *health)
{
	json_t	*p;
	char	*what, *detail, d[FMT_DURATION_MAX], w[64];
	int64_t	 secs, count, waiting;
	size_t	 i;

	if (!json_is_array(health))
		return;
	if (json_array_size(health) == 0) {
		printf("  health      healthy\n");
		return;
	}
	json_array_foreach(health, i, p) {
		what = get_string(p, "what", "?");
		detail = get_string(p, "detail", "");
		secs = get_count(p, "seconds");
		count = get_count(p, "count");
		w[0] = '\0';
		if ((waiting = get_count(p, "waiting")) != -1 &&
		    json_is_string(json_object_get(p, "waitingUnit")))
			snprintf(w, sizeof w, ", %lld %s", (long long)waiting,
			    json_string_value(json_object_get(p,
			    "waitingUnit")));
		printf("  %-11s %s for %s (%lld time%s%s): %s\n",
		    i == 0 ? "health" : "", what,
		    fmt_duration(d, sizeof d, secs > 0 ? (uint64_t)secs : 0),
		    (long long)count, count == 1 ? "" : "s", w, detail);
		free(detail);
		free(what);
	}
}

/*
 * How the flow keeps up: bytes of its files not read yet, records sent per
 * second over the last minute, the oldest unsent record's age, and for how
 * long it has been falling behind.
 */
static void
print_progress(json_t *flow, time_t now)
{
	char	b[FMT_BYTES_MAX], age[FMT_AGE_MAX], d[FMT_DURATION_MAX];
	json_t	*rate;
	int64_t	 t;

	printf("  progress    %s behind", show_bytes(b, sizeof b, flow,
	    "bytesBehind"));
	rate = json_object_get(flow, "recordsPerSecond");
	/* A trickle shows as such, not as 0. */
	if (json_is_number(rate))
		printf(", %.*f records/s sent (last minute)",
		    json_number_value(rate) < 9.95 ? 1 : 0,
		    json_number_value(rate));
	if ((t = get_count(flow, "spoolOldestRecordMillis")) > 0)
		printf(", oldest unsent %s", fmt_age(age, sizeof age,
		    (time_t)(t / 1000), now));
	if ((t = get_count(flow, "lagGrowingSeconds")) >= 60)
		printf(", falling behind for %s", fmt_duration(d, sizeof d,
		    (uint64_t)t));
	printf("\n");
}

/*
 * One flow of the status document; spool_max is the daemon's
 * spoolMaxBytes (-1 if it sent none).
 */
static void
print_flow(json_t *flow, time_t now, int64_t spool_max)
{
	char	*name, *dest, *stream, *pattern, *lasterr;
	char	 b1[32], b2[32], b3[32], b4[32], age[FMT_AGE_MAX];
	json_t	*files;
	int64_t	 t;

	name = get_string(flow, "name", "?");
	dest = get_string(flow, "destination", "?");
	stream = get_string(flow, "stream", "?");
	pattern = get_string(flow, "filePattern", "?");
	printf("flow %s: %s:%s (%s)\n", name, dest, stream, pattern);
	if (json_object_get(flow, "paused") == json_true()) {
		printf("  PAUSED      no request starts (sluicectl resume)");
		if ((t = get_count(flow, "pausedSince")) > 0)
			printf(", since %s", fmt_age(age, sizeof age,
			    (time_t)t, now));
		printf("\n");
	}
	print_progress(flow, now);

	files = json_object_get(flow, "files");
	if (json_array_size(files) == 0)
		printf("  files       none match yet: %s\n", NO_MATCH_HINT);
	else if (get_count(flow, "filesWaiting") > 0) {
		printf("  files       %s open, %s waiting for a descriptor\n",
		    show_count(b1, sizeof b1, flow, "filesOpen"),
		    show_count(b2, sizeof b2, flow, "filesWaiting"));
		print_files(files, 0);
	} else {
		printf("  files\n");
		print_files(files, 0);
	}
	print_bad_dirs(json_object_get(flow, "problems"));
	printf("  spool       %s in %s record%s not yet sent",
	    show_bytes(b1, sizeof b1, flow, "spoolBytes"),
	    show_count(b2, sizeof b2, flow, "spoolRecords"),
	    plural(flow, "spoolRecords"));
	if ((t = get_count(flow, "spoolOldestRecordMillis")) > 0)
		printf(", oldest %s", fmt_age(age, sizeof age,
		    (time_t)(t / 1000), now));
	if (get_count(flow, "spoolCorruptBytes") > 0)
		printf(", %s corrupt skipped", show_bytes(b3, sizeof b3, flow,
		    "spoolCorruptBytes"));
	lasterr = get_string(flow, "spoolState", NULL);
	if (lasterr != NULL && strcmp(lasterr, "ok") != 0)
		printf(", %s", lasterr);
	free(lasterr);
	/* As health.c judges it: over HEALTH_SPOOL_PCT is degraded. */
	if (spool_max > 0 && (t = get_count(flow, "spoolBytes")) > 0 &&
	    t * 100 > spool_max * HEALTH_SPOOL_PCT)
		printf(", %lld%% of spool.maxBytes (full: reading waits for "
		    "delivery, nothing is dropped)",
		    (long long)(t * 100 / spool_max));
	printf("\n");
	print_health(json_object_get(flow, "health"));

	/* lastError is null, or absent, until something fails. */
	lasterr = get_string(flow, "lastError", NULL);
	if (lasterr == NULL)
		printf("  last error  none\n");
	else if ((t = get_count(flow, "lastErrorTime")) > 0)
		printf("  last error  %s (%s)\n", lasterr,
		    fmt_age(age, sizeof age, (time_t)t, now));
	else
		printf("  last error  %s\n", lasterr);

	/* The counters start at 0 with the daemon. */
	printf("  since start\n");
	printf("    read        %s line%s, ",
	    show_count(b1, sizeof b1, flow, "linesRead"),
	    plural(flow, "linesRead"));
	printf("%s, ", show_bytes(b1, sizeof b1, flow, "bytesRead"));
	printf("%s skipped (header, footer)\n",
	    show_count(b1, sizeof b1, flow, "linesSkipped"));
	printf("    records     %s spooled, %s sent, %s failed\n",
	    show_count(b1, sizeof b1, flow, "recordsSpooled"),
	    show_count(b2, sizeof b2, flow, "recordsSent"),
	    show_count(b3, sizeof b3, flow, "recordsFailed"));
	printf("    converted   %s dropped, %s sent unconverted, "
	    "%s truncated, %s over the read buffer\n",
	    show_count(b1, sizeof b1, flow, "recordsDropped"),
	    show_count(b2, sizeof b2, flow, "recordsUnconverted"),
	    show_count(b3, sizeof b3, flow, "recordsTruncated"),
	    show_count(b4, sizeof b4, flow, "recordsLargerThanBuffer"));
	printf("    requests    %s sent, %s failed\n",
	    show_count(b1, sizeof b1, flow, "requestsSent"),
	    show_count(b2, sizeof b2, flow, "requestsFailed"));
	printf("    lost        %s overwritten before read, %s skipped "
	    "(sluicectl files skip)\n",
	    show_bytes(b1, sizeof b1, flow, "bytesLost"),
	    show_bytes(b2, sizeof b2, flow, "bytesSkipped"));

	free(lasterr);
	free(pattern);
	free(stream);
	free(dest);
	free(name);
}

/*
 * Dead letters: records a flow's destination refused for their content
 * (deadletter.h), which `state replay FLOW` sends again.
 */
static void
print_deadletters(json_t *dead)
{
	json_t	*o;
	char	 r[32], b[32], rr[32], *name, *path;
	size_t	 i;

	if (json_array_size(dead) == 0)
		return;
	printf("dead letters (refused for their content; `sluicectl state "
	    "replay FLOW` sends them again):\n");
	json_array_foreach(dead, i, o) {
		name = get_string(o, "flow", "?");
		path = get_string(o, "path", "?");
		printf("  flow %s: %s records, %s at %s", name,
		    show_count(r, sizeof r, o, "records"),
		    show_bytes(b, sizeof b, o, "bytes"), path);
		if (get_count(o, "replaying") > 0)
			printf(" (%s being replayed)",
			    show_count(rr, sizeof rr, o, "replaying"));
		printf("\n");
		free(path);
		free(name);
	}
}

/*
 * Orphaned state and refused flows (state.h): what does not run, in
 * aligned columns.  Prints nothing when there is none, unless always.
 */
static void
print_state(json_t *st, int always)
{
	json_t	*orphans, *refused, *o;
	char	 r[32], b[32], *name, *path, *err, *into;
	size_t	 i, w = 4;

	orphans = json_object_get(st, "orphanedState");
	refused = json_object_get(st, "refusedFlows");
	if (json_array_size(orphans) == 0 && always)
		printf("no orphaned state\n");
	json_array_foreach(orphans, i, o) {
		name = get_string(o, "name", "?");
		if (fmt_width(name) > w)
			w = fmt_width(name);
		free(name);
	}
	if (json_array_size(orphans) > 0) {
		printf("orphaned state (no configured flow claims it):\n  ");
		print_padded("NAME", w + 2);
		printf("%-10s %-10s %s\n", "RECORDS", "BYTES", "PATH");
	}
	json_array_foreach(orphans, i, o) {
		name = get_string(o, "name", "?");
		path = get_string(o, "path", "?");
		err = get_string(o, "error", NULL);
		into = get_string(o, "adoptingInto", NULL);
		printf("  ");
		print_padded(name, w + 2);
		printf("%-10s %-10s %s", show_count(r, sizeof r, o, "records"),
		    show_bytes(b, sizeof b, o, "bytes"), path);
		if (into != NULL)
			printf(" (being adopted by flow %s)", into);
		if (err != NULL)
			printf(" (unreadable: %s)", err);
		printf("\n");
		free(into);
		free(err);
		free(path);
		free(name);
	}
	json_array_foreach(refused, i, o) {
		name = get_string(o, "name", "?");
		err = get_string(o, "error", "?");
		printf("refused flow %s: %s\n", name, err);
		free(err);
		free(name);
	}
	print_deadletters(json_object_get(st, "deadLetters"));
}

static void
print_status(json_t *st)
{
	json_t	*flows, *flow, *r;
	char	 b[32], up[FMT_DURATION_MAX], *v, *conf;
	int64_t	 secs;
	size_t	 i;
	time_t	 now;
	int	 pass, bad;

	now = time(NULL);
	v = get_string(st, "sluicedVersion", "?");
	conf = get_string(st, "configFile", "?");
	printf("sluiced %s, pid %s", v, show_count(b, sizeof b, st, "pid"));
	if ((secs = get_count(st, "uptimeSeconds")) != -1)
		printf(", up %s", fmt_duration(up, sizeof up, secs));
	printf(", config %s\n", conf);
	free(conf);
	free(v);
	if (json_is_string(json_object_get(st, "credentials")))
		printf("credentials: %s\n", json_string_value(
		    json_object_get(st, "credentials")));
	/* The verdict first: what makes the daemon degraded, if anything. */
	if (json_object_get(st, "healthy") == json_true())
		printf("healthy\n");
	else if (json_is_array(json_object_get(st, "degraded"))) {
		printf("DEGRADED:\n");
		json_array_foreach(json_object_get(st, "degraded"), i, r) {
			v = show_string(r);
			printf("  ! %s\n", v);
			free(v);
		}
	}

	flows = json_object_get(st, "flows");
	if (json_array_size(flows) == 0) {
		printf("no flows configured\n");
		return;
	}
	/* Flows with a problem first, marked; then the others. */
	for (pass = 0; pass < 2; pass++)
		json_array_foreach(flows, i, flow) {
			bad = json_object_get(flow, "degraded") == json_true();
			if (bad != (pass == 0))
				continue;
			printf("\n%s", bad ? "! " : "");
			if (json_is_object(flow))
				print_flow(flow, now, get_count(st,
				    "spoolMaxBytes"));
			else
				printf("flow #%zu: not an object\n", i + 1);
		}
	if (json_array_size(json_object_get(st, "orphanedState")) > 0 ||
	    json_array_size(json_object_get(st, "refusedFlows")) > 0)
		printf("\n");
	print_state(st, 0);
}

/*
 * The commands.  Each is one row of commands[] below: its name (and the
 * word of a subcommand), how many arguments it takes after its options
 * (only -j, JSON), how they are checked, the request they make, the JSON
 * it prints with -j, the text it prints otherwise and its exit status.
 * sluicectl_run() does the rest, the same way for every command: parse,
 * check, ask, print.
 */
struct sluicectl_cmd {
	const char	*name;
	const char	*sub;		/* a subcommand's word, or NULL */
	const char	*args;		/* for usage(); NULL: not listed */
	const char	*help;
	const char	*request;	/* protocol command (ctl_proto.h) */
	int		 minargs;	/* arguments after the options */
	int		 maxargs;
	/* Returns 0, or -1 after saying why an argument cannot be sent. */
	int		 (*check)(int, char **);
	/* Runs here instead of asking the daemon; returns the exit status. */
	int		 (*run)(int, char **, int);
	/* What -j prints (a new reference); NULL: the whole reply. */
	json_t		*(*json)(json_t *);
	void		 (*print)(const struct sluicectl_cmd *, json_t *);
	/* The exit status of a reply; NULL: 0. */
	int		 (*status)(json_t *);
	int		 flags;
#define CMD_SLOW	0x1	/* a reload: waits SLUICECTL_RELOAD_TIMEOUT_MS */
#define CMD_ALWAYS	0x2	/* prints, with a NULL reply, if none came */
};

/* Whether s can go in a request as one token. */
static int
is_token(const char *s)
{
	const char	*p;

	if (*s == '\0')
		return (0);
	for (p = s; *p != '\0'; p++)
		if (*p < 0x21 || *p > 0x7e)
			return (0);
	return (1);
}

/* files skip FLOW PATH|--all: both go in the request as tokens. */
static int
check_skip(int argc, char **argv)
{
	(void)argc;
	if (!is_token(argv[0]) || !is_token(argv[1])) {
		warnx("a flow name or path with a space or a non-ASCII byte "
		    "cannot be sent; use --all");
		return (-1);
	}
	return (0);
}

/* state adopt, discard and replay: names without blanks. */
static int
check_state_names(int argc, char **argv)
{
	int	i;

	for (i = 0; i < argc; i++) {
		if (argv[i][0] == '\0' || strpbrk(argv[i], " \t\n") != NULL) {
			warnx("bad state name \"%s\"", argv[i]);
			return (-1);
		}
	}
	return (0);
}

/* pause, resume and flush [FLOW]. */
static int
check_flow_name(int argc, char **argv)
{
	if (argc == 1 && !is_token(argv[0])) {
		warnx("bad flow name \"%s\"", argv[0]);
		return (-1);
	}
	return (0);
}

/* status: degraded is exit status 1, for scripts and monitoring. */
static int
status_degraded(json_t *st)
{
	return (json_object_get(st, "healthy") == json_false() ?
	    EXIT_DEGRADED : 0);
}

static void
print_status_cmd(const struct sluicectl_cmd *c, json_t *st)
{
	(void)c;
	print_status(st);
}

/*
 * Per flow, the members keys of the status document's flow:
 * {"flows": [{...}]}.  A member the daemon did not send is left out.
 */
static json_t *
select_flows(json_t *st, const char *const *keys)
{
	json_t		*out, *oflows, *flow, *o;
	const char	*const *k;
	size_t		 i;

	out = json_object();
	oflows = json_array();
	json_array_foreach(json_object_get(st, "flows"), i, flow) {
		if (!json_is_object(flow))
			continue;
		o = json_object();
		for (k = keys; *k != NULL; k++)
			if (json_object_get(flow, *k) != NULL)
				json_object_set(o, *k,
				    json_object_get(flow, *k));
		json_array_append_new(oflows, o);
	}
	json_object_set_new(out, "flows", oflows);
	return (out);
}

/*
 * files: per flow, its files (path, identity, offset, size, state, last
 * read) and what cannot be read.  With -j, {"flows": [{"name",
 * "filePattern", "files", "problems"}]}.
 */
static json_t *
json_files(json_t *st)
{
	static const char *const keys[] = {
		"name", "filePattern", "files", "problems", NULL
	};

	return (select_flows(st, keys));
}

static void
print_files_cmd(const struct sluicectl_cmd *c, json_t *st)
{
	json_t	*flow;
	char	*name, *pattern;
	size_t	 i;

	(void)c;
	json_array_foreach(json_object_get(st, "flows"), i, flow) {
		if (!json_is_object(flow))
			continue;
		name = get_string(flow, "name", "?");
		pattern = get_string(flow, "filePattern", "?");
		printf("%sflow %s (%s)\n", i > 0 ? "\n" : "", name, pattern);
		if (json_array_size(json_object_get(flow, "files")) == 0)
			printf("    none match yet: %s\n", NO_MATCH_HINT);
		print_files(json_object_get(flow, "files"), 1);
		print_bad_dirs(json_object_get(flow, "problems"));
		free(pattern);
		free(name);
	}
}

/*
 * files skip FLOW PATH|--all: the daemon moves the offset of FLOW's file
 * PATH, or of each of its files, to its end, and replies {"flow", "path"
 * (null for --all), "bytesSkipped"} once the offsets are saved.
 */
static void
print_skip(const struct sluicectl_cmd *c, json_t *r)
{
	char	 b[FMT_BYTES_MAX], *flow, *file;

	(void)c;
	flow = get_string(r, "flow", "?");
	file = get_string(r, "path", NULL);
	printf("flow %s: %s skipped in %s; they will not be sent\n", flow,
	    show_bytes(b, sizeof b, r, "bytesSkipped"),
	    file != NULL ? file : "every file");
	free(file);
	free(flow);
}

/*
 * flows: one line per flow.  With -j, {"flows": [{"name", "destination",
 * "stream", "filePattern", "filesOpen", "spoolBytes", "lastError"}]}.
 */
static json_t *
json_flows(json_t *st)
{
	static const char *const keys[] = {
		"name", "destination", "stream", "filePattern", "filesOpen",
		"spoolBytes", "lastError", NULL
	};

	return (select_flows(st, keys));
}

static void
print_flows(const struct sluicectl_cmd *c, json_t *st)
{
	json_t	*flows, *flow;
	char	*name, *dest, *stream, *pattern, *err, *to;
	char	 b1[32], b2[FMT_BYTES_MAX];
	size_t	 i, wname = 0, wto = 0, wpat = 0;
	int	 pass;

	(void)c;
	flows = json_object_get(st, "flows");
	if (json_array_size(flows) == 0)
		printf("no flows\n");
	/* Aligned columns: widths first, then the lines. */
	for (pass = 0; pass < 2; pass++)
		json_array_foreach(flows, i, flow) {
			if (!json_is_object(flow))
				continue;
			name = get_string(flow, "name", "?");
			dest = get_string(flow, "destination", "?");
			stream = get_string(flow, "stream", "?");
			pattern = get_string(flow, "filePattern", "?");
			xasprintf(&to, "%s:%s", dest, stream);
			if (pass == 0) {
				if (fmt_width(name) > wname)
					wname = fmt_width(name);
				if (fmt_width(to) > wto)
					wto = fmt_width(to);
				if (fmt_width(pattern) > wpat)
					wpat = fmt_width(pattern);
			} else {
				err = get_string(flow, "lastError", NULL);
				print_padded(name, wname + 2);
				print_padded(to, wto + 2);
				print_padded(pattern, wpat + 2);
				printf("(%s file%s open, %s not yet sent)%s%s\n",
				    show_count(b1, sizeof b1, flow,
				    "filesOpen"), plural(flow, "filesOpen"),
				    show_bytes(b2, sizeof b2, flow,
				    "spoolBytes"), err != NULL ?
				    "  last error: " : "", err != NULL ?
				    err : "");
				free(err);
			}
			free(to);
			free(pattern);
			free(stream);
			free(dest);
			free(name);
		}
}

/* state: orphaned state, refused flows and dead letters. */
static void
print_state_cmd(const struct sluicectl_cmd *c, json_t *st)
{
	(void)c;
	print_state(st, 1);
}

/*
 * state adopt OLD NEW: the daemon moves OLD's records and file offsets
 * into flow NEW while it runs; state shows the progress.
 */
static void
print_adopt(const struct sluicectl_cmd *c, json_t *st)
{
	char	r[32], *name, *into;

	(void)c;
	name = get_string(st, "adopting", "?");
	into = get_string(st, "into", "?");
	printf("adopting state %s into flow %s: %s records to move "
	    "(sluicectl state shows the progress)\n", name, into,
	    show_count(r, sizeof r, st, "records"));
	free(into);
	free(name);
}

/* state discard OLD: the daemon removes OLD and its unsent records. */
static void
print_discard(const struct sluicectl_cmd *c, json_t *st)
{
	char	r[32], *name, *p;

	(void)c;
	name = get_string(st, "discarded", "?");
	p = get_string(st, "path", "?");
	printf("discarded state %s (%s records) at %s\n", name,
	    show_count(r, sizeof r, st, "records"), p);
	free(p);
	free(name);
}

/* state replay FLOW: the dead letters go back to FLOW's spool. */
static void
print_replay(const struct sluicectl_cmd *c, json_t *st)
{
	char	r[32], *name;

	(void)c;
	name = get_string(st, "replaying", "?");
	printf("replaying %s dead letters of flow %s: they go to its "
	    "spool, then to its destination\n",
	    show_count(r, sizeof r, st, "records"), name);
	free(name);
}

/*
 * import-agent-checkpoints FILE: no daemon is asked; the import runs here,
 * with sluiced stopped (agentimport.h).  Exit 0 when every row was
 * imported or already known, 1 when rows were skipped (each says why),
 * 2 when nothing was imported: sluiced runs, or the database or the
 * config cannot be read.
 */
static int
run_import(int argc, char **argv, int json)
{
	struct config	*cfg;
	json_t		*r, *rows, *row;
	size_t		 i;
	char		*errors = NULL, *cause = NULL, *a, *b, *c, *d, *e;
	int		 running, rc;

	(void)argc;
	if ((cfg = config_load(conf_file, &errors)) == NULL) {
		warnx("%s", errors != NULL ? errors : conf_file);
		free(errors);
		return (EXIT_UNREACHABLE);
	}
	r = agentimport_run(cfg, argv[0], &running, &cause);
	config_free(cfg);
	if (r == NULL) {
		warnx("%s", cause);
		free(cause);
		return (EXIT_UNREACHABLE);
	}
	rc = json_integer_value(json_object_get(r, "skipped")) > 0 ?
	    EXIT_ANSWER : 0;
	if (json) {
		if (json_dumpf(r, stdout, JSON_COMPACT) == 0)
			putchar('\n');
		json_decref(r);
		return (rc);
	}
	rows = json_object_get(r, "rows");
	json_array_foreach(rows, i, row) {
		a = get_string(row, "flow", "-");
		b = get_string(row, "path", "?");
		c = get_string(row, "reason", "");
		d = get_string(row, "agentFlow", "?");
		e = get_string(row, "file", "");
		printf("%-9s flow=%s agentFlow=%s file=%s offset=%"
		    JSON_INTEGER_FORMAT "%s%s%s%s%s\n",
		    json_string_value(json_object_get(row, "result")), a, d, b,
		    json_integer_value(json_object_get(row, "offset")),
		    *e != '\0' && strcmp(e, b) != 0 ? " (now " : "",
		    *e != '\0' && strcmp(e, b) != 0 ? e : "",
		    *e != '\0' && strcmp(e, b) != 0 ? ")" : "",
		    *c != '\0' ? ": " : "", c);
		free(e);
		free(d);
		free(c);
		free(b);
		free(a);
	}
	rows = json_object_get(r, "markedReadFiles");
	json_array_foreach(rows, i, row) {
		a = get_string(row, "flow", "?");
		b = get_string(row, "file", "?");
		printf("read      flow=%s file=%s offset=%" JSON_INTEGER_FORMAT
		    ": older than the agent's file, which the agent finished\n",
		    a, b, json_integer_value(json_object_get(row, "offset")));
		free(b);
		free(a);
	}
	printf("%" JSON_INTEGER_FORMAT " imported, %" JSON_INTEGER_FORMAT
	    " unchanged, %" JSON_INTEGER_FORMAT " skipped, %"
	    JSON_INTEGER_FORMAT " older files marked read\n",
	    json_integer_value(json_object_get(r, "imported")),
	    json_integer_value(json_object_get(r, "unchanged")),
	    json_integer_value(json_object_get(r, "skipped")),
	    json_integer_value(json_object_get(r, "markedRead")));
	json_decref(r);
	return (rc);
}

/*
 * pause, resume and flush [FLOW]: of FLOW, or of every flow.  The replies
 * are {"flows": [{"name", "paused", "pausedSince"?, "changed"}]} and, for
 * flush, {"flows": [{"name", "requests", "paused"}]}.
 */
static void
print_delivery(const struct sluicectl_cmd *c, json_t *r)
{
	json_t	*f;
	char	*name, b[32];
	size_t	 i;
	int	 flush, pause;

	flush = strcmp(c->request, CTL_CMD_FLUSH) == 0;
	pause = strcmp(c->request, CTL_CMD_PAUSE) == 0;
	if (json_array_size(json_object_get(r, "flows")) == 0)
		printf("no flows configured\n");
	json_array_foreach(json_object_get(r, "flows"), i, f) {
		name = get_string(f, "name", "?");
		if (flush)
			printf("flow %s: %s request%s started%s\n", name,
			    show_count(b, sizeof b, f, "requests"),
			    get_count(f, "requests") == 1 ? "" : "s",
			    json_object_get(f, "paused") == json_true() ?
			    " (paused: the batches wait for resume)" : "");
		else
			printf("flow %s: %s%s\n", name, pause ? "paused" :
			    "resumed", json_object_get(f, "changed") ==
			    json_false() ? " (already)" : "");
		free(name);
	}
}

/* Prints "label: a b c" when the reply's array key is not empty. */
static void
print_names(json_t *o, const char *key, const char *label)
{
	json_t	*a = json_object_get(o, key), *v;
	size_t	 i;
	char	*s, *e;

	if (json_array_size(a) == 0)
		return;
	printf("  %s:", label);
	json_array_foreach(a, i, v) {
		if (json_is_object(v)) {
			s = show_string(json_object_get(v, "name"));
			e = show_string(json_object_get(v, "error"));
			printf(" %s (%s)", s, e);
			free(e);
		} else {
			s = show_string(v);
			printf(" %s", s);
		}
		free(s);
	}
	putchar('\n');
}

/*
 * reload: the daemon re-reads its config.  Exit 0 when it is applied, 1
 * with the errors (sluicectl_request prints them) when it is invalid: the
 * old one stays in force.
 */
static void
print_reload(const struct sluicectl_cmd *c, json_t *r)
{
	json_t	*v;
	size_t	 i;
	char	*s;

	(void)c;
	s = get_string(r, "config", "?");
	printf("reloaded %s\n", s);
	free(s);
	print_names(r, "kept", "kept");
	print_names(r, "added", "added");
	print_names(r, "restarted", "restarted (changed)");
	print_names(r, "removed", "removed (state kept, orphaned)");
	print_names(r, "refused", "refused");
	print_names(r, "changed", "top-level keys changed");
	json_array_foreach(json_object_get(r, "messages"), i, v) {
		s = show_string(v);
		printf("  %s\n", s);
		free(s);
	}
}

/*
 * version: sluicectl's, then the daemon's with its pid, uptime and
 * config.  With -j, {"sluicectl", "sluiced", "pid", "uptimeSeconds",
 * "configFile", "protocol"}.  A daemon that cannot be reached (st NULL)
 * still gets sluicectl's version printed.
 */
static json_t *
json_version(json_t *st)
{
	json_t	*out;

	out = json_pack("{s:s,s:i}", "sluicectl", SLUICE_VERSION,
	    "protocol", CTL_PROTO_VERSION);
	if (st != NULL) {
		json_object_set(out, "sluiced",
		    json_object_get(st, "sluicedVersion"));
		json_object_set(out, "pid", json_object_get(st, "pid"));
		json_object_set(out, "uptimeSeconds",
		    json_object_get(st, "uptimeSeconds"));
		json_object_set(out, "configFile",
		    json_object_get(st, "configFile"));
	}
	return (out);
}

static void
print_version(const struct sluicectl_cmd *c, json_t *st)
{
	char	*v, *conf, b[32], up[FMT_DURATION_MAX];
	int64_t	 secs;

	(void)c;
	printf("sluicectl %s (control protocol %d)\n", SLUICE_VERSION,
	    CTL_PROTO_VERSION);
	if (st == NULL)
		return;
	v = get_string(st, "sluicedVersion", "?");
	conf = get_string(st, "configFile", "?");
	printf("sluiced %s, pid %s", v, show_count(b, sizeof b, st, "pid"));
	if ((secs = get_count(st, "uptimeSeconds")) != -1)
		printf(", up %s", fmt_duration(up, sizeof up, secs));
	printf(", config %s\n", conf);
	free(conf);
	free(v);
}

/* The base commands first, in usage() order; then the subcommands. */
static const struct sluicectl_cmd commands[] = {
	{ "status", NULL, "[-j]",
	    "show flows, tailed files and delivery counters",
	    CTL_CMD_STATUS, 0, 0, NULL, NULL, NULL, print_status_cmd,
	    status_degraded, 0 },
	{ "files", NULL, "[-j] [skip FLOW PATH|--all]",
	    "list each flow's files; skip a file's backlog (it is never sent)",
	    CTL_CMD_STATUS, 0, 0, NULL, NULL, json_files, print_files_cmd,
	    NULL, 0 },
	{ "flows", NULL, "[-j]", "list the flows: destination, files, spool",
	    CTL_CMD_STATUS, 0, 0, NULL, NULL, json_flows, print_flows, NULL,
	    0 },
	{ "state", NULL, "[-j] [adopt OLD NEW | discard OLD | replay FLOW]",
	    "list state no flow claims and dead letters; move, remove, replay",
	    CTL_CMD_STATE, 0, 0, NULL, NULL, NULL, print_state_cmd, NULL, 0 },
	{ "version", NULL, "[-j]", "print sluicectl's and sluiced's versions",
	    CTL_CMD_STATUS, 0, 0, NULL, NULL, json_version, print_version,
	    NULL, CMD_ALWAYS },
	{ "reload", NULL, "[-j]", "re-read the configuration, as SIGHUP does",
	    CTL_CMD_RELOAD, 0, 0, NULL, NULL, NULL, print_reload, NULL,
	    CMD_SLOW },
	{ "import-agent-checkpoints", NULL, "[-j] file",
	    "with sluiced stopped, start where the Kinesis Agent stopped",
	    NULL, 1, 1, NULL, run_import, NULL, NULL, NULL, 0 },
	{ "pause", NULL, "[-j] [FLOW]", "pause delivery (reading goes on)",
	    CTL_CMD_PAUSE, 0, 1, check_flow_name, NULL, NULL, print_delivery,
	    NULL, 0 },
	{ "resume", NULL, "[-j] [FLOW]", "resume paused delivery",
	    CTL_CMD_RESUME, 0, 1, check_flow_name, NULL, NULL,
	    print_delivery, NULL, 0 },
	{ "flush", NULL, "[-j] [FLOW]", "send what is buffered now",
	    CTL_CMD_FLUSH, 0, 1, check_flow_name, NULL, NULL, print_delivery,
	    NULL, 0 },
	{ "files", "skip", NULL, NULL, CTL_CMD_SKIP, 2, 2, check_skip, NULL,
	    NULL, print_skip, NULL, 0 },
	{ "state", "adopt", NULL, NULL, CTL_CMD_ADOPT, 2, 2,
	    check_state_names, NULL, NULL, print_adopt, NULL, 0 },
	{ "state", "discard", NULL, NULL, CTL_CMD_DISCARD, 1, 1,
	    check_state_names, NULL, NULL, print_discard, NULL, 0 },
	{ "state", "replay", NULL, NULL, CTL_CMD_REPLAY, 1, 1,
	    check_state_names, NULL, NULL, print_replay, NULL, 0 },
	{ NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, 0 }
};

static void
usage(FILE *f)
{
	const struct sluicectl_cmd	*c;

	fprintf(f, "usage: sluicectl [-hj] [-c config] [-s socket] "
	    "[command [argument ...]]\ncommands (status when none):\n");
	for (c = commands; c->name != NULL; c++) {
		if (c->args == NULL)
			continue;
		if (strlen(c->args) > 8)	/* its help on a line of its own */
			fprintf(f, "  %-6s %s\n  %-6s %-8s %s\n", c->name,
			    c->args, "", "", c->help);
		else
			fprintf(f, "  %-6s %-8s %s\n", c->name, c->args,
			    c->help);
	}
}

/* The command named name, with the subcommand sub (NULL: the base). */
static const struct sluicectl_cmd *
sluicectl_find(const char *name, const char *sub)
{
	const struct sluicectl_cmd	*c;

	for (c = commands; c->name != NULL; c++) {
		if (strcmp(c->name, name) != 0)
			continue;
		if (sub == NULL ? c->sub == NULL :
		    c->sub != NULL && strcmp(c->sub, sub) == 0)
			return (c);
	}
	return (NULL);
}

/*
 * Parses a command's options (only -j) from argv, whose argv[0] is the
 * command's (or subcommand's) word.  Returns the index of the first
 * argument, or -1 after printing the usage.
 */
static int
sluicectl_options(int argc, char **argv, int *json)
{
	int	ch;

	opterr = 0;
	optind = 1;
	while ((ch = getopt(argc, argv, "+j")) != -1) {
		if (ch != 'j') {
			warnx("%s: unknown option -%c", argv[0], optopt);
			usage(stderr);
			return (-1);
		}
		*json = 1;
	}
	return (optind);
}

/*
 * Runs the command argv[0] (found in commands[] by the caller) against the
 * daemon at path: options, then a subcommand's word, its options, the
 * arguments, the request, the reply printed.  Returns the exit status.
 */
static int
sluicectl_run(const struct sluicectl_cmd *c, const char *path, int argc,
    char **argv)
{
	const struct sluicectl_cmd	*sub;
	json_t				*r = NULL, *out;
	char				*req, *p;
	int				 json = json_all, i, rc;

	if ((i = sluicectl_options(argc, argv, &json)) == -1)
		return (EXIT_USAGE);
	argc -= i;
	argv += i;
	/* "files skip ...", "state adopt ...": options may follow again. */
	if (argc > 0 && (sub = sluicectl_find(c->name, argv[0])) != NULL) {
		c = sub;
		if ((i = sluicectl_options(argc, argv, &json)) == -1)
			return (EXIT_USAGE);
		argc -= i;
		argv += i;
	}
	if (argc < c->minargs || argc > c->maxargs) {
		usage(stderr);
		return (EXIT_USAGE);
	}
	if (c->check != NULL && c->check(argc, argv) == -1)
		return (EXIT_USAGE);
	if (c->run != NULL)
		return (c->run(argc, argv, json));

	req = xstrdup(c->request);
	for (i = 0; i < argc; i++) {
		xasprintf(&p, "%s %s", req, argv[i]);
		free(req);
		req = p;
	}
	if (c->flags & CMD_SLOW)
		timeout_ms = SLUICECTL_RELOAD_TIMEOUT_MS;
	rc = sluicectl_request(path, req, &r);
	free(req);
	if (rc != 0 && !(c->flags & CMD_ALWAYS))
		return (rc);
	if (json) {
		out = c->json != NULL ? c->json(r) : json_incref(r);
		if (json_dumpf(out, stdout, JSON_COMPACT) == 0)
			putchar('\n');
		json_decref(out);
	} else
		c->print(c, r);
	if (rc == 0 && c->status != NULL)
		rc = c->status(r);
	json_decref(r);
	return (rc);
}

/*
 * The socket: -s, else $SLUICE_SOCKET, else the config's controlSocket
 * (-c, else the installed config when it can be read), else the built-in
 * default.  An explicit -c that cannot be read is reported.
 */
static char *
sluicectl_socket(const char *sflag, const char *cflag)
{
	const char	*env, *conf;
	char		*v = NULL, *errors = NULL;

	if (sflag != NULL)
		return (xstrdup(sflag));
	if ((env = getenv("SLUICE_SOCKET")) != NULL && *env != '\0')
		return (xstrdup(env));
	conf = cflag != NULL ? cflag : SLUICE_CONFIG_FILE;
	switch (config_peek(conf, "controlSocket", &v, &errors)) {
	case 1:
		return (v);
	case -1:
		if (cflag != NULL)
			warnx("%s (using %s)", errors, SLUICE_CONTROL_SOCKET);
		free(errors);
		break;
	}
	return (xstrdup(SLUICE_CONTROL_SOCKET));
}

int
main(int argc, char **argv)
{
	const struct sluicectl_cmd	*c;
	const char			*sflag = NULL, *cflag = NULL;
	static char			 status[] = "status";
	char				*path, *dflt[] = { status, NULL };
	int				 ch, rc;

	log_init("sluicectl", 0);
	/* "+": options after the command belong to the command. */
	while ((ch = getopt(argc, argv, "+c:hjs:")) != -1) {
		switch (ch) {
		case 'c':
			cflag = conf_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return (0);
		case 'j':
			json_all = 1;
			break;
		case 's':
			sflag = optarg;
			break;
		default:
			usage(stderr);
			return (EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		argc = 1;
		argv = dflt;
	}
	if ((c = sluicectl_find(argv[0], NULL)) == NULL) {
		warnx("unknown command \"%s\"", argv[0]);
		usage(stderr);
		return (EXIT_USAGE);
	}
	path = sluicectl_socket(sflag, cflag);
	rc = sluicectl_run(c, path, argc, argv);
	free(path);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("stdout");
		return (EXIT_ANSWER);
	}
	return (rc);
}
