/*
 * sluicectl: asks the running sluiced about its flows over the control
 * socket (protocol in ctl_proto.h) and prints the answer for people, or
 * as JSON with -j.  Like OpenSMTPD's smtpctl, it is a table of commands
 * mapped to small handlers.  Exit codes are part of the interface and are
 * documented in sluicectl(8): 0 success, 1 an error answer or bad usage,
 * 2 the daemon could not be reached.
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
#include <time.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "fmt.h"
#include "log.h"
#include "xmalloc.h"

#define EXIT_ANSWER		1	/* error answer, bad usage */
#define EXIT_UNREACHABLE	2	/* no daemon to talk to */

/* How long to wait for the daemon's whole reply. */
#define SLUICECTL_TIMEOUT_MS	10000

struct sluicectl_cmd {
	const char	*name;
	const char	*args;		/* for usage() */
	const char	*help;
	int		 (*fn)(const char *, int, char **);
};

static int	cmd_status(const char *, int, char **);
static int	cmd_files(const char *, int, char **);

static const struct sluicectl_cmd commands[] = {
	{ "status", "[-j]", "show flows, tailed files and delivery counters",
	    cmd_status },
	{ "files", "[-j]", "list each flow's files, and what cannot be read",
	    cmd_files },
	{ NULL, NULL, NULL, NULL }
};

static void
usage(FILE *f)
{
	const struct sluicectl_cmd	*c;

	fprintf(f, "usage: sluicectl [-h] [-s socket] command [argument ...]"
	    "\ncommands:\n");
	for (c = commands; c->name != NULL; c++)
		fprintf(f, "  %-6s %-8s %s\n", c->name, c->args, c->help);
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
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
	size_t			 len = 0, size = 0;
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

	deadline = now_ms() + SLUICECTL_TIMEOUT_MS;
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
			    SLUICECTL_TIMEOUT_MS / 1000);
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

/*
 * Prints one line per tailed file, in aligned columns: path, bytes read,
 * file size, how much of it was read, and its state unless it is open
 * ("closed" while idle, "waiting" for a descriptor, "unreadable" with the
 * reason and the fix).
 */
static void
print_files(json_t *files)
{
	struct row {
		char	*path;
		char	 read[FMT_BYTES_MAX];
		char	 size[FMT_BYTES_MAX];
		char	 pct[16];
		char	*state;
		char	*reason;
	}		*rows;
	json_t		*f;
	size_t		 i, n, wpath = 0, wread = 0, wsize = 0;
	int64_t		 off, sz;

	n = json_array_size(files);
	rows = xcalloc(n == 0 ? 1 : n, sizeof *rows);
	json_array_foreach(files, i, f) {
		rows[i].path = get_string(f, "path", "?");
		rows[i].state = get_string(f, "state", "open");
		rows[i].reason = get_string(f, "reason", NULL);
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
	}
	for (i = 0; i < n; i++) {
		printf("    ");
		print_padded(rows[i].path, wpath);
		printf("  %*s / %-*s  %6s", (int)wread, rows[i].read,
		    (int)wsize, rows[i].size, rows[i].pct);
		if (strcmp(rows[i].state, "open") != 0)
			printf("  %s", rows[i].state);
		if (rows[i].reason != NULL)
			printf(": %s", rows[i].reason);
		printf("\n");
		free(rows[i].reason);
		free(rows[i].state);
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

static void
print_flow(json_t *flow, time_t now)
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

	files = json_object_get(flow, "files");
	if (json_array_size(files) == 0)
		printf("  files       none match yet\n");
	else if (get_count(flow, "filesWaiting") > 0) {
		printf("  files       %s open, %s waiting for a descriptor\n",
		    show_count(b1, sizeof b1, flow, "filesOpen"),
		    show_count(b2, sizeof b2, flow, "filesWaiting"));
		print_files(files);
	} else {
		printf("  files\n");
		print_files(files);
	}
	print_bad_dirs(json_object_get(flow, "problems"));
	printf("  read        %s lines, ",
	    show_count(b1, sizeof b1, flow, "linesRead"));
	printf("%s, ", show_bytes(b1, sizeof b1, flow, "bytesRead"));
	printf("%s skipped (header, footer)\n",
	    show_count(b1, sizeof b1, flow, "linesSkipped"));
	printf("  records     %s spooled, %s sent, %s failed\n",
	    show_count(b1, sizeof b1, flow, "recordsSpooled"),
	    show_count(b2, sizeof b2, flow, "recordsSent"),
	    show_count(b3, sizeof b3, flow, "recordsFailed"));
	printf("  converted   %s dropped, %s sent unconverted, "
	    "%s truncated, %s over the read buffer\n",
	    show_count(b1, sizeof b1, flow, "recordsDropped"),
	    show_count(b2, sizeof b2, flow, "recordsUnconverted"),
	    show_count(b3, sizeof b3, flow, "recordsTruncated"),
	    show_count(b4, sizeof b4, flow, "recordsLargerThanBuffer"));
	printf("  requests    %s sent, %s failed\n",
	    show_count(b1, sizeof b1, flow, "requestsSent"),
	    show_count(b2, sizeof b2, flow, "requestsFailed"));
	printf("  spool       %s not yet sent\n",
	    show_bytes(b1, sizeof b1, flow, "spoolBytes"));
	printf("  lost        %s overwritten before read\n",
	    show_bytes(b1, sizeof b1, flow, "bytesLost"));

	/* lastError is null, or absent, until something fails. */
	lasterr = get_string(flow, "lastError", NULL);
	if (lasterr == NULL)
		printf("  last error  none\n");
	else if ((t = get_count(flow, "lastErrorTime")) > 0)
		printf("  last error  %s (%s)\n", lasterr,
		    fmt_age(age, sizeof age, (time_t)t, now));
	else
		printf("  last error  %s\n", lasterr);

	free(lasterr);
	free(pattern);
	free(stream);
	free(dest);
	free(name);
}

static void
print_status(json_t *st)
{
	json_t	*flows, *flow;
	char	 b[32], up[FMT_DURATION_MAX];
	int64_t	 secs;
	size_t	 i;
	time_t	 now;

	now = time(NULL);
	printf("sluiced pid %s", show_count(b, sizeof b, st, "pid"));
	if ((secs = get_count(st, "uptimeSeconds")) != -1)
		printf(", up %s", fmt_duration(up, sizeof up, secs));
	printf("\n");
	if (json_is_string(json_object_get(st, "credentials")))
		printf("credentials: %s\n", json_string_value(
		    json_object_get(st, "credentials")));

	flows = json_object_get(st, "flows");
	if (json_array_size(flows) == 0) {
		printf("no flows\n");
		return;
	}
	json_array_foreach(flows, i, flow) {
		printf("\n");
		if (json_is_object(flow))
			print_flow(flow, now);
		else
			printf("flow #%zu: not an object\n", i + 1);
	}
}

/*
 * A command's arguments: only -j (JSON).  Returns 0, or -1 after printing
 * the usage.
 */
static int
cmd_args_json(int argc, char **argv, int *json)
{
	int	ch;

	*json = 0;
	opterr = 0;
	while ((ch = getopt(argc, argv, "+j")) != -1) {
		switch (ch) {
		case 'j':
			*json = 1;
			break;
		default:
			warnx("%s: unknown option -%c", argv[0], optopt);
			usage(stderr);
			return (-1);
		}
	}
	if (optind != argc) {
		usage(stderr);
		return (-1);
	}
	return (0);
}

static int
cmd_status(const char *path, int argc, char **argv)
{
	json_t	*st;
	int	 json, rc;

	if (cmd_args_json(argc, argv, &json) == -1)
		return (EXIT_ANSWER);
	if ((rc = sluicectl_request(path, CTL_CMD_STATUS, &st)) != 0)
		return (rc);
	if (json) {
		if (json_dumpf(st, stdout, JSON_COMPACT) == 0)
			putchar('\n');
	} else
		print_status(st);
	json_decref(st);
	return (0);
}

/*
 * The files part of the status document: per flow, its files (as status
 * shows them) and what cannot be read.  With -j, {"flows": [{"name",
 * "filePattern", "files", "problems"}]}.
 */
static int
cmd_files(const char *path, int argc, char **argv)
{
	json_t	*st, *flows, *flow, *out, *oflows, *o;
	char	*name, *pattern;
	size_t	 i;
	int	 json, rc;

	if (cmd_args_json(argc, argv, &json) == -1)
		return (EXIT_ANSWER);
	if ((rc = sluicectl_request(path, CTL_CMD_STATUS, &st)) != 0)
		return (rc);
	flows = json_object_get(st, "flows");
	out = json_object();
	oflows = json_array();
	json_array_foreach(flows, i, flow) {
		if (!json_is_object(flow))
			continue;
		if (json) {
			o = json_object();
			json_object_set(o, "name",
			    json_object_get(flow, "name"));
			json_object_set(o, "filePattern",
			    json_object_get(flow, "filePattern"));
			json_object_set(o, "files",
			    json_object_get(flow, "files"));
			json_object_set(o, "problems",
			    json_object_get(flow, "problems"));
			json_array_append_new(oflows, o);
			continue;
		}
		name = get_string(flow, "name", "?");
		pattern = get_string(flow, "filePattern", "?");
		printf("%sflow %s (%s)\n", i > 0 ? "\n" : "", name, pattern);
		if (json_array_size(json_object_get(flow, "files")) == 0)
			printf("    none match yet\n");
		print_files(json_object_get(flow, "files"));
		print_bad_dirs(json_object_get(flow, "problems"));
		free(pattern);
		free(name);
	}
	json_object_set_new(out, "flows", oflows);
	if (json && json_dumpf(out, stdout, JSON_COMPACT) == 0)
		putchar('\n');
	json_decref(out);
	json_decref(st);
	return (0);
}

int
main(int argc, char **argv)
{
	const struct sluicectl_cmd	*c;
	const char			*path = SLUICE_CONTROL_SOCKET;
	int				 ch, rc;

	log_init("sluicectl", 0);
	/* "+": options after the command belong to the command. */
	while ((ch = getopt(argc, argv, "+hs:")) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return (0);
		case 's':
			path = optarg;
			break;
		default:
			usage(stderr);
			return (EXIT_ANSWER);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return (EXIT_ANSWER);
	}
	for (c = commands; c->name != NULL; c++)
		if (strcmp(c->name, argv[0]) == 0)
			break;
	if (c->name == NULL) {
		warnx("unknown command \"%s\"", argv[0]);
		usage(stderr);
		return (EXIT_ANSWER);
	}
	optind = 1;
	rc = c->fn(path, argc, argv);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("stdout");
		return (EXIT_ANSWER);
	}
	return (rc);
}
