/*
 * sluiced: tails log files and ships their lines to Amazon Kinesis Data
 * Streams or Firehose, at least once, through a disk spool.
 *
 * This file reads as the daemon's lifecycle: parse arguments, load the
 * config, open each flow's spool and tailer, start the delivery thread
 * (senders and the control socket), run the ingest loop until a signal,
 * then shut down in reverse order.  The two threads share only the spools
 * (and the metrics, which are atomics and mutexes).
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/epoll.h>
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "config.h"
#include "converter.h"
#include "creds.h"
#include "ctl.h"
#include "durable.h"
#include "framer.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "sender.h"
#include "spool.h"
#include "tailer.h"
#include "xmalloc.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION		"unknown"
#endif

#define MAIN_SEGMENT_BYTES	(64ULL * 1024 * 1024)
#define MAIN_PIPE_BUF		(1024 * 1024)	/* -p reads and writes */
/*
 * The largest record the framer makes.  Kinesis counts the partition key
 * in its 1 MiB limit; ours is at most 64 bytes, so records stay under it.
 */
#define MAIN_MAX_RECORD_KINESIS		(1048576 - 64)
#define MAIN_MAX_RECORD_FIREHOSE	1024000
/*
 * The agent's parser read buffer: with converters, a record may be this long
 * before it is converted, and the record limit is applied after.
 */
#define MAIN_READ_BUFFER_KINESIS	(5 * 1024 * 1024)
#define MAIN_READ_BUFFER_FIREHOSE	(4 * 1024 * 1024)
/* A flow's conversion buffer is freed after a record that grew it past this. */
#define MAIN_OUT_KEEP			(256 * 1024)

struct flow {
	const struct config_flow *cfg;
	char			*name;
	char			*dir;
	struct spool		*spool;
	struct metrics		*metrics;
	struct tailer		*tailer;
	struct sender		*sender;
	size_t			 max_record;
	struct conv_buf		 out;		/* the record being spooled */
	uint64_t		 truncated;	/* after conversion */
	uint64_t		 truncated_logged;
	const char		*cur_path;	/* file being framed */
	uint64_t		 failed_seen;	/* chain_failed, counted */
	int			 appended;	/* since the last flush */
	int			 unsynced;	/* since the last sync */
};

static struct config	*cfg;
static struct flow	*flows;
static size_t		 nflows;
static struct metrics	**all_metrics;
static struct loop	*ingest_loop, *delivery_loop;
static struct loop_timer *flush_timer, *sync_timer;
static struct http	*http;
static struct creds	*creds;
static struct ctl	*ctl;
static time_t		 started;
static int		 sigfd = -1;
static int		 lockfd = -1;
static char		 hostname[256];

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr,
	    "usage: sluiced [-nvV] [-c file]\n"
	    "       sluiced [-c file] -p flow <input\n"
	    "       sluiced -h config\n");
	exit(1);
}

/* Tells systemd about our state (sd_notify(3) protocol, without libsystemd). */
static void
notify(const char *state)
{
	struct sockaddr_un	 sun;
	const char		*path;
	socklen_t		 len;
	int			 fd;

	if ((path = getenv("NOTIFY_SOCKET")) == NULL || *path == '\0')
		return;
	if (strlen(path) >= sizeof sun.sun_path)
		return;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';		/* abstract namespace */
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	(void)sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len);
	close(fd);
}

/*
 * Two daemons on one state directory would corrupt each other's spools, so
 * the first holds a lock on it for its whole life.
 */
static void
lock_state_directory(const char *dir)
{
	char	*path;

	xasprintf(&path, "%s/lock", dir);
	lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (lockfd == -1)
		fatal("%s", path);
	if (flock(lockfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			fatalx("another sluiced is using the state directory "
			    "%s", dir);
		fatal("flock %s", path);
	}
	free(path);
}

/* A stable directory name for a flow: its destination, stream and pattern. */
static char *
flow_dir_name(const struct config_flow *fc)
{
	const char	*kind, *s;
	char		*id, *name, *clean, *p;
	uint32_t	 h = 2166136261u;

	kind = fc->dest == CONFIG_DEST_FIREHOSE ? "fh" : "kinesis";
	xasprintf(&id, "%s:%s:%s", kind, fc->stream, fc->file_pattern);
	for (s = id; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	clean = xstrdup(fc->stream);
	for (p = clean; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.'))
			*p = '_';
	xasprintf(&name, "%s-%s-%08x", kind, clean, h);
	free(clean);
	free(id);
	return (name);
}

static size_t
flow_max_record(const struct config_flow *fc)
{
	return (fc->dest == CONFIG_DEST_FIREHOSE ? MAIN_MAX_RECORD_FIREHOSE :
	    MAIN_MAX_RECORD_KINESIS);
}

/* What a record is, for this flow's framer (framer.h). */
static void
flow_framer_params(const struct config_flow *fc, struct framer_params *fp)
{
	memset(fp, 0, sizeof *fp);
	fp->max_record = flow_max_record(fc);
	fp->terminator = fc->truncated_record_terminator;
	/*
	 * The agent converts a record before it truncates it, and holds up to
	 * its read buffer of a record: a longer one is cut there, the rest
	 * discarded (a runaway record).  flow_convert then truncates.
	 */
	if (!chain_is_empty(fc->chain)) {
		fp->max_record = fc->dest == CONFIG_DEST_FIREHOSE ?
		    MAIN_READ_BUFFER_FIREHOSE : MAIN_READ_BUFFER_KINESIS;
		fp->runaway = 1;
	}
	fp->start_pattern = fc->multiline_start_pattern;
	fp->flush_ms = (uint64_t)fc->multiline_flush_ms;
	fp->max_lines = (uint64_t)fc->multiline_max_lines;
	fp->skip_header = (uint64_t)fc->skip_header_lines;
	fp->footer_pattern = fc->file_footer_pattern;
	fp->at_start = 1;
}

/*
 * Runs a framed record through the flow's converters and appends the
 * result to dst, then cuts it to the destination's record limit: the agent
 * converts before it truncates.  Returns CONV_DROP for a record a converter
 * filtered out (dst is unchanged).
 */
static enum conv_result
flow_convert(struct flow *fl, const char *rec, size_t len, const char *file,
    struct conv_buf *dst)
{
	struct conv_ctx	 ctx;
	const char	*term;
	size_t		 start = dst->len, tlen;

	ctx.flow = fl->name;
	ctx.file = file;
	ctx.hostname = hostname;
	ctx.now = time(NULL);
	if (chain_run_append(fl->cfg->chain, rec, len, dst, &ctx) ==
	    CONV_DROP)
		return (CONV_DROP);
	if (dst->len - start > fl->max_record) {
		term = fl->cfg->truncated_record_terminator;
		tlen = strlen(term);
		dst->len = start + fl->max_record - tlen;
		conv_buf_add(dst, term, tlen);
		fl->truncated++;
		if (fl->metrics != NULL)
			metrics_add(fl->metrics, METRICS_RECORDS_TRUNCATED, 1);
	}
	return (CONV_OK);
}

/* The framer's callback: one record into the flow's spool. */
static int
flow_emit(void *arg, const char *rec, size_t len)
{
	struct flow	*fl = arg;
	const char	*out = rec;
	size_t		 outlen = len;
	uint64_t	 failed;

	/* With no converters the framer has already cut the record. */
	if (!chain_is_empty(fl->cfg->chain)) {
		fl->out.len = 0;
		if (flow_convert(fl, rec, len, fl->cur_path, &fl->out) ==
		    CONV_DROP) {
			metrics_add(fl->metrics, METRICS_LINES_READ, 1);
			metrics_add(fl->metrics, METRICS_RECORDS_DROPPED, 1);
			return (0);
		}
		if ((failed = chain_failed(fl->cfg->chain)) !=
		    fl->failed_seen) {
			metrics_add(fl->metrics, METRICS_RECORDS_UNCONVERTED,
			    failed - fl->failed_seen);
			fl->failed_seen = failed;
		}
		out = fl->out.data;
		outlen = fl->out.len;
	}
	if (spool_append(fl->spool, out, outlen) == -1) {
		if (errno != ENOSPC)
			log_warn("flow=%s: spool append", fl->name);
		return (-1);	/* pause reading; nothing is lost */
	}
	/* A long record's buffer is not kept for the next short one. */
	if (fl->out.cap > MAIN_OUT_KEEP)
		conv_buf_free(&fl->out);
	metrics_add(fl->metrics, METRICS_LINES_READ, 1);
	metrics_add(fl->metrics, METRICS_RECORDS_SPOOLED, 1);
	if (!fl->appended) {
		fl->appended = 1;
		if (!loop_timer_is_armed(flush_timer))
			loop_timer_set(flush_timer, 0);
	}
	return (0);
}

/* Makes a flow's records durable, then moves its file checkpoints. */
static void
flow_sync(struct flow *fl)
{
	int	rv;

	if (!fl->unsynced)
		return;
	if (cfg->spool_fsync == CONFIG_FSYNC_NEVER)
		rv = spool_flush(fl->spool);
	else
		rv = spool_sync(fl->spool);
	if (rv == -1) {
		log_warn("flow=%s: spool sync", fl->name);
		metrics_set_error(fl->metrics, "spool sync: %s",
		    strerror(errno));
		return;		/* checkpoints stay where they were */
	}
	fl->unsynced = 0;
	if (fl->truncated != fl->truncated_logged) {
		log_warnx("flow=%s: %llu converted record%s longer than %zu "
		    "bytes cut with truncatedRecordTerminator", fl->name,
		    (unsigned long long)(fl->truncated - fl->truncated_logged),
		    fl->truncated - fl->truncated_logged == 1 ? "" : "s",
		    fl->max_record);
		fl->truncated_logged = fl->truncated;
	}
	tailer_checkpoint(fl->tailer);
	tailer_publish(fl->tailer);
}

static void
flush_cb(void *arg)
{
	size_t	i;

	(void)arg;
	for (i = 0; i < nflows; i++) {
		if (!flows[i].appended)
			continue;
		flows[i].appended = 0;
		flows[i].unsynced = 1;
		if (spool_flush(flows[i].spool) == -1)
			log_warn("flow=%s: spool flush", flows[i].name);
		/* The sender updates it on acks; appends grow it here. */
		metrics_set(flows[i].metrics, METRICS_SPOOL_BYTES,
		    spool_pending_bytes(flows[i].spool));
		if (cfg->spool_fsync == CONFIG_FSYNC_ALWAYS)
			flow_sync(&flows[i]);
	}
	if (!loop_timer_is_armed(sync_timer))
		loop_timer_set(sync_timer, cfg->spool_fsync_interval_ms);
}

static void
sync_cb(void *arg)
{
	size_t	i;

	(void)arg;
	for (i = 0; i < nflows; i++)
		flow_sync(&flows[i]);
}

static void
signal_cb(int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo	si;

	(void)events;
	(void)arg;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
		log_info("received signal %d; shutting down",
		    (int)si.ssi_signo);
		loop_stop(ingest_loop);
	}
}

static char *
status_cb(void *arg)
{
	(void)arg;
	return (metrics_status_json(all_metrics, nflows, started));
}

static void *
delivery_main(void *arg)
{
	(void)arg;
	if (loop_run(delivery_loop) == -1)
		log_warnx("delivery loop failed");
	return (NULL);
}

static void
flows_open(void)
{
	struct flow		*fl;
	struct tailer_params	 tp;
	char			*cause = NULL, *dirname, *spooldir, *ckpt;
	size_t			 i, j;

	flows = xcalloc(cfg->nflows, sizeof *flows);
	all_metrics = xcalloc(cfg->nflows, sizeof *all_metrics);
	nflows = cfg->nflows;
	for (i = 0; i < nflows; i++) {
		fl = &flows[i];
		fl->cfg = &cfg->flows[i];
		fl->name = xstrdup(fl->cfg->name);
		for (j = 0; j < i; j++) {
			if (strcmp(flows[j].name, fl->name) == 0) {
				free(fl->name);
				xasprintf(&fl->name, "%s#%zu",
				    fl->cfg->name, i + 1);
				break;
			}
		}
		fl->max_record = flow_max_record(fl->cfg);
		dirname = flow_dir_name(fl->cfg);
		xasprintf(&fl->dir, "%s/%s", cfg->state_directory, dirname);
		free(dirname);
		xasprintf(&spooldir, "%s/spool", fl->dir);
		if (durable_mkdirs(spooldir, 0750, &cause) == -1)
			fatalx("flow=%s: %s", fl->name, cause);
		fl->spool = spool_open(spooldir, (uint64_t)cfg->spool_max_bytes,
		    MAIN_SEGMENT_BYTES, cfg->spool_fsync, &cause);
		if (fl->spool == NULL)
			fatalx("flow=%s: %s", fl->name, cause);
		free(spooldir);
		fl->metrics = metrics_create(fl->name,
		    fl->cfg->dest == CONFIG_DEST_FIREHOSE ? "firehose" :
		    "kinesis", fl->cfg->stream, fl->cfg->file_pattern);
		all_metrics[i] = fl->metrics;

		xasprintf(&ckpt, "%s/checkpoints", fl->dir);
		memset(&tp, 0, sizeof tp);
		tp.flow = fl->name;
		tp.pattern = fl->cfg->file_pattern;
		tp.start_at_end = fl->cfg->initial_position ==
		    CONFIG_POSITION_END_OF_FILE;
		tp.checkpoint_path = ckpt;
		flow_framer_params(fl->cfg, &tp.framer);
		tp.emit = flow_emit;
		tp.arg = fl;
		tp.cur_path = &fl->cur_path;
		tp.metrics = fl->metrics;
		fl->tailer = tailer_create(ingest_loop, &tp, &cause);
		if (fl->tailer == NULL)
			fatalx("flow=%s: %s", fl->name, cause);
		free(ckpt);

		fl->sender = sender_create(delivery_loop, http, cfg, fl->cfg,
		    fl->spool, creds, fl->metrics, &cause);
		if (fl->sender == NULL)
			fatalx("flow=%s: %s", fl->name, cause);
		log_info("flow=%s: %s stream %s, files %s, state %s",
		    fl->name, metrics_dest(fl->metrics), fl->cfg->stream,
		    fl->cfg->file_pattern, fl->dir);
	}
}

static void
flows_close(void)
{
	struct flow	*fl;
	size_t		 i;

	for (i = 0; i < nflows; i++) {
		fl = &flows[i];
		sender_free(fl->sender);
		tailer_free(fl->tailer);
		spool_close(fl->spool);
		metrics_free(fl->metrics);
		conv_buf_free(&fl->out);
		free(fl->dir);
		free(fl->name);
	}
	free(flows);
	free(all_metrics);
}

struct pipe_out {
	struct flow	*fl;
	struct conv_buf	 buf;		/* records not yet written */
	uint64_t	 records;
	uint64_t	 dropped;
	int		 failed;	/* writing stdout failed */
};

/* Writes out what -p has collected; -1 when stdout fails. */
static int
pipe_write(struct pipe_out *po)
{
	const char	*p = po->buf.data;
	size_t		 left = po->buf.len;
	ssize_t		 n;

	po->buf.len = 0;
	while (left > 0) {
		if ((n = write(STDOUT_FILENO, p, left)) == -1) {
			if (errno == EINTR)
				continue;
			po->failed = 1;
			return (-1);
		}
		p += n;
		left -= n;
	}
	return (0);
}

/*
 * -p: a record goes to standard output exactly as it would be sent.  The
 * converters write records one after the other into one buffer, which is
 * written out a megabyte at a time.
 */
static int
pipe_emit(void *arg, const char *rec, size_t len)
{
	struct pipe_out	*po = arg;

	if (flow_convert(po->fl, rec, len, "-", &po->buf) == CONV_DROP) {
		po->dropped++;
		return (0);
	}
	po->records++;
	if (po->buf.len >= MAIN_PIPE_BUF)
		return (pipe_write(po));
	return (0);
}

/*
 * sluiced -p FLOW: reads standard input as a file of that flow, from its
 * start, through the flow's framer and converters, so an operator can try
 * a pattern before deploying it.
 */
static int
pipe_flow(const char *name)
{
	struct config_flow	*fc = NULL;
	struct flow		 fl;
	struct pipe_out		 po;
	struct framer		*fr;
	struct framer_params	 fp;
	char			*buf, *cause = NULL;
	ssize_t			 n;
	size_t			 i;
	int			 stopped, rv = 0;

	/* An unnamed flow's name is its stream's (config.c). */
	for (i = 0; i < cfg->nflows; i++) {
		if (strcmp(cfg->flows[i].name, name) != 0)
			continue;
		if (fc != NULL) {
			log_warnx("%s: more than one unnamed flow sends to "
			    "\"%s\": give them names to pick one", cfg->path,
			    name);
			return (1);
		}
		fc = &cfg->flows[i];
	}
	if (fc == NULL) {
		log_warnx("no flow named \"%s\" in %s (an unnamed flow goes "
		    "by its stream)", name, cfg->path);
		return (1);
	}
	memset(&fl, 0, sizeof fl);
	fl.cfg = fc;
	fl.name = fc->name;
	fl.max_record = flow_max_record(fc);
	memset(&po, 0, sizeof po);
	po.fl = &fl;
	flow_framer_params(fc, &fp);
	if ((fr = framer_create(&fp, &cause)) == NULL) {
		log_warnx("flow=%s: %s", fc->name, cause);
		free(cause);
		return (1);
	}
	conv_buf_reserve(&po.buf, 2 * MAIN_PIPE_BUF);
	buf = xmalloc(MAIN_PIPE_BUF);
	for (;;) {
		n = read(STDIN_FILENO, buf, MAIN_PIPE_BUF);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("standard input");
			rv = 1;
			break;
		}
		if (n == 0) {
			if (framer_flush(fr, pipe_emit, &po) == -1)
				rv = 1;
			break;
		}
		/*
		 * Input is read as fast as it comes, so a multi-line record
		 * is only complete at its next start line or at the end.
		 */
		framer_feed(fr, buf, n, 0, pipe_emit, &po, &stopped);
		if (stopped) {
			rv = 1;
			break;
		}
	}
	if (!po.failed)
		pipe_write(&po);
	if (po.failed) {
		log_warn("standard output");
		rv = 1;
	}
	if (framer_stats(fr)->runaway > 0)
		log_warnx("%llu record%s longer than the %zu-byte read buffer "
		    "cut there, the rest discarded",
		    (unsigned long long)framer_stats(fr)->runaway,
		    framer_stats(fr)->runaway == 1 ? "" : "s", fp.max_record);
	fprintf(stderr, "records=%llu dropped=%llu failed=%llu "
	    "truncated=%llu\n", (unsigned long long)po.records,
	    (unsigned long long)po.dropped,
	    (unsigned long long)chain_failed(fc->chain),
	    (unsigned long long)(framer_stats(fr)->truncated + fl.truncated));
	free(buf);
	framer_free(fr);
	conv_buf_free(&fl.out);
	conv_buf_free(&po.buf);
	return (rv);
}

int
main(int argc, char *argv[])
{
	const char	*conffile = SLUICE_CONFIG_FILE;
	char		*errors = NULL, *cause = NULL;
	sigset_t	 mask;
	pthread_t	 delivery;
	size_t		 i;
	const char	*pipe_name = NULL;
	int		 ch, checkonly = 0, verbose = 0, rv;

	log_init("sluiced", 0);
	while ((ch = getopt(argc, argv, "c:h:np:vV")) != -1) {
		switch (ch) {
		case 'c':
			conffile = optarg;
			break;
		case 'h':
			if (strcmp(optarg, "config") != 0)
				usage();
			config_print_help(stdout);
			return (0);
		case 'n':
			checkonly = 1;
			break;
		case 'p':
			pipe_name = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("sluiced %s\n", SLUICE_VERSION);
			return (0);
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("sluiced", verbose);

	if ((cfg = config_load(conffile, &errors)) == NULL) {
		fprintf(stderr, "%s\n", errors);
		free(errors);
		return (1);
	}
	if (checkonly) {
		printf("configuration OK\n");
		config_free(cfg);
		return (0);
	}
	if (gethostname(hostname, sizeof hostname) == -1)
		snprintf(hostname, sizeof hostname, "localhost");
	hostname[sizeof hostname - 1] = '\0';
	if (pipe_name != NULL) {
		rv = pipe_flow(pipe_name);
		config_free(cfg);
		return (rv);
	}

	/* Signals arrive through a signalfd on the ingest loop. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	started = time(NULL);

	if ((ingest_loop = loop_create()) == NULL ||
	    (delivery_loop = loop_create()) == NULL)
		fatal("cannot create event loops");
	if ((sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	loop_add_fd(ingest_loop, sigfd, EPOLLIN, signal_cb, NULL);
	if (durable_mkdirs(cfg->state_directory, 0750, &cause) == -1)
		fatalx("%s", cause);
	lock_state_directory(cfg->state_directory);
	if ((creds = creds_create(cfg, &cause)) == NULL)
		fatalx("credentials: %s", cause);
	if ((http = http_create(delivery_loop)) == NULL)
		fatalx("cannot initialise HTTP client");
	flush_timer = loop_timer_new(ingest_loop, flush_cb, NULL);
	sync_timer = loop_timer_new(ingest_loop, sync_cb, NULL);
	flows_open();
	if ((ctl = ctl_open(delivery_loop, cfg->control_socket, status_cb,
	    NULL, &cause)) == NULL)
		fatalx("control socket: %s", cause);

	if (pthread_create(&delivery, NULL, delivery_main, NULL) != 0)
		fatalx("cannot start the delivery thread");
	log_info("started (version %s, config %s, %zu flow%s)",
	    SLUICE_VERSION, conffile, nflows, nflows == 1 ? "" : "s");
	notify("READY=1");

	loop_run(ingest_loop);

	notify("STOPPING=1");
	for (i = 0; i < nflows; i++) {
		flows[i].unsynced = 1;
		flow_sync(&flows[i]);
	}
	for (i = 0; i < nflows; i++)
		sender_shutdown(flows[i].sender);
	loop_stop(delivery_loop);
	pthread_join(delivery, NULL);

	ctl_close(ctl);
	flows_close();
	http_free(http);
	creds_free(creds);
	loop_timer_free(flush_timer);
	loop_timer_free(sync_timer);
	loop_del_fd(ingest_loop, sigfd);
	close(sigfd);
	loop_free(ingest_loop);
	loop_free(delivery_loop);
	config_free(cfg);
	close(lockfd);
	log_info("stopped");
	return (0);
}
