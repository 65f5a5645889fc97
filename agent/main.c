/*
 * sluiced: tails log files and ships their lines to Amazon Kinesis Data
 * Streams or Firehose, at least once, through a disk spool.
 *
 * This file reads as the daemon's lifecycle: parse arguments, load the
 * config, create the flows (flow.c: each one's tailer, spool and sender),
 * open the control socket, start the delivery thread (senders and the
 * control socket), start tailing, run the ingest loop until a signal,
 * then shut down in reverse order.  The control socket and the state are
 * opened before any log file, so that files cannot take their
 * descriptors: a daemon that exits for want of one would restart into the
 * same state, forever.  The two
 * threads share only the spools (and the metrics, which are atomics and
 * mutexes); ADDEC2METADATA's fetcher (imds.c) has a thread of its own,
 * which hands out refcounted snapshots.
 */
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/epoll.h>

#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "cloudwatch.h"
#include "creds.h"
#include "ctl.h"
#include "ctl_proto.h"
#include "durable.h"
#include "flow.h"
#include "http.h"
#include "health.h"
#include "imds.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "prom.h"
#include "region.h"
#include "sdnotify.h"
#include "state.h"
#include "xmalloc.h"

#define nitems(a)	(sizeof (a) / sizeof (a)[0])

#ifndef SLUICE_VERSION
#define SLUICE_VERSION		"unknown"
#endif

/* What the command line asks for. */
struct args {
	const char	*conffile;
	const char	*pipe_name;	/* -p */
	int		 checkonly;	/* -n */
	int		 verbose;
};

static const struct option sluiced_longopts[] = {
	{ "help",	no_argument,	NULL,	'h' },
	{ "version",	no_argument,	NULL,	'V' },
	{ NULL,		0,		NULL,	0 }
};

/*
 * A reload (SIGHUP, sluicectl reload) in steps, each on the thread that
 * owns what it touches (flows: ingest; senders, the control socket and
 * the Prometheus endpoint: delivery).  A step ends by setting phase and
 * waking the other thread's eventfd; the atomic phase orders what the
 * step wrote before what the next one reads.
 */
enum sluiced_phase {
	RELOAD_IDLE,		/* ingest: start the next one, or stop */
	RELOAD_DRAIN,		/* delivery: drain the stopping senders */
	RELOAD_CREATE,		/* ingest: free them, create the new flows */
	RELOAD_SENDERS,		/* delivery: the new flows' senders */
	RELOAD_START,		/* ingest: start the new flows */
	RELOAD_REPLY		/* delivery: answer sluicectl */
};

struct sluiced_reload {
	pthread_mutex_t	  mtx;		/* the requests below */
	int		  requested;	/* SIGHUP or sluicectl */
	uint64_t	 *ids;		/* sluicectl's, waiting */
	size_t		  nids;

	int		  ingestfd;	/* eventfds that wake each side */
	int		  deliveryfd;
	_Atomic int	  phase;
	int		  running;
	int		  stop_after;	/* a signal came meanwhile */
	uint64_t	 *run_ids;	/* answered by this reload */
	size_t		  nrun_ids;
	struct config	 *new;
	int		  globals;	/* creds, HTTP, every flow */
	int		  prom_changed;
	int		  group_changed;
	gid_t		  gid;
	uint64_t	  deadline;	/* of the drain, loop_now_ms */
	struct flow	**stopping;
	int		 *removed;	/* stopping[i] is not configured */
	size_t		  nstopping;
	size_t		  ndrained;
	int		  drained;
	struct loop_timer *timer;	/* delivery: the drain's deadline */
	struct flow	**starting;
	char		**start_errors;	/* flow_create_sender's */
	size_t		  nstarting;
	json_t		 *reply;
	char		 *doc;		/* the reply, for RELOAD_REPLY */
	struct sluiced_paused *paused;	/* restarted flows' pauses */
	size_t		  npaused;
};

/*
 * `sluicectl files skip`, asked on the delivery thread (the control
 * socket's), done on the ingest thread (the tailers'), answered back on
 * the delivery thread: a queue each way, each with an eventfd.
 */
struct sluiced_skip {
	uint64_t	 id;		/* ctl_reply's */
	char		*flow;
	char		*path;		/* NULL: every file */
	char		*doc;		/* the reply, once done */
};

struct sluiced_skips {
	pthread_mutex_t		 mtx;	/* both queues */
	struct sluiced_skip	*todo;	/* for the ingest thread */
	size_t			 ntodo;
	struct sluiced_skip	*done;	/* for the delivery thread */
	size_t			 ndone;
	int			 ingestfd;
	int			 deliveryfd;
};

/* A restarted flow's pause, carried over a reload. */
struct sluiced_paused {
	char		*name;
	time_t		 since;
};

/*
 * The daemon's state.  There are no file-scope globals: signals arrive
 * through a signalfd on the ingest loop, not in a handler, so every
 * callback is given what it needs as its argument.
 */
struct sluiced {
	const char	 *conffile;
	struct config	 *cfg;		/* the one in force */
	struct config	**cfgs;		/* every one still in use */
	size_t		  ncfgs;
	struct config	 *creds_cfg;	/* the one creds reads */
	int		  creds_started;
	/* flows, flow_cfgs, nflows, cfg and creds: read by status_cb */
	pthread_mutex_t	  flows_mtx;
	struct config	**flow_cfgs;	/* each flow's */
	struct sluiced_reload rl;
	/*
	 * The last reload refused (its time, and its first error), until one
	 * is applied: the file on disk would fail the next start.
	 */
	time_t		  reload_refused;
	char		 *reload_error;
	struct loop	 *ingest;	/* tailers, spool appends, signals */
	struct loop	 *delivery;	/* senders, control socket */
	pthread_t	  delivery_thread;
	struct http	 *http;
	struct creds	 *creds;
	struct imds	 *imds;		/* ADDEC2METADATA's, started on use */
	struct cloudwatch *cw;		/* cloudwatch.emitMetrics */
	struct ctl	 *ctl;
	struct state	 *state;	/* layout, orphans, refused flows */
	struct prom	 *prom;		/* metrics.listen, or NULL */
	struct sdnotify_watchdog *watchdog;
	gid_t		  socket_gid;	/* controlSocketGroup's */
	struct flow	**flows;
	size_t		  nflows;
	struct sluiced_skips skips;
	size_t		  max_open;	/* log files per flow */
	time_t		  started;
	int		  sigfd;
	int		  lockfd;
	char		  hostname[256];

	/* The delivery thread's part of a stop (sluiced_drain_cb). */
	int		  drainfd;	/* an eventfd the ingest side wakes */
	struct loop_timer *drain_timer;	/* shutdownTimeoutMillis */
	struct loop_timer *sample_timer; /* metrics_sample, every 10 s */
	size_t		  ndrained;	/* flows with nothing in flight */
	int		  drain_done;
	uint64_t	  stop_ms;	/* the signal, loop_now_ms */
	_Atomic uint64_t  drain_deadline; /* for the delivery thread */
};

/*
 * Prints the usage, with the built-in paths, to stdout for -h and --help
 * (exit 0), or to stderr after a bad command line (exit 1).
 */
static __attribute__((noreturn)) void
usage(int asked)
{
	fprintf(asked ? stdout : stderr,
	    "usage: sluiced [-nvV] [-c file]\n"
	    "       sluiced [-c file] -p flow <input\n"
	    "       sluiced -h [config] | --help | --version\n");
	if (!asked)
		exit(1);
	printf("\n"
	    "  -c file    the configuration (default %s)\n"
	    "  -n         check the configuration and exit\n"
	    "  -p flow    run standard input through flow's converters to "
	    "standard output\n"
	    "  -v         log debugging messages too\n"
	    "  -V, --version\n"
	    "             print the version and exit\n"
	    "  -h, --help print this help and exit\n"
	    "  -h config  print every configuration key and exit\n"
	    "\n"
	    "Default paths (see sluiced(8)):\n"
	    "  configuration   %s\n"
	    "  stateDirectory  %s\n"
	    "  controlSocket   %s\n",
	    SLUICE_CONFIG_FILE, SLUICE_CONFIG_FILE, SLUICE_STATE_DIR,
	    SLUICE_CONTROL_SOCKET);
	exit(0);
}

/* The state directory's lock (state_lock), held for the daemon's life. */
static int
lock_state_directory(const char *dir)
{
	char	*cause = NULL;
	int	 lockfd;

	if ((lockfd = state_lock(dir, &cause)) == -1) {
		if (errno == EWOULDBLOCK)
			fatalx("another sluiced is using the state directory "
			    "%s", dir);
		fatalx("%s", cause);
	}
	return (lockfd);
}

/* -h alone is the usage; "-h config" (an operand, then) the key table. */
static void
parse_args(int argc, char *argv[], struct args *a)
{
	int	ch, help = 0;

	memset(a, 0, sizeof *a);
	a->conffile = SLUICE_CONFIG_FILE;
	while ((ch = getopt_long(argc, argv, "c:hnp:vV", sluiced_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			a->conffile = optarg;
			break;
		case 'h':
			help = 1;
			break;
		case 'n':
			a->checkonly = 1;
			break;
		case 'p':
			a->pipe_name = optarg;
			break;
		case 'v':
			a->verbose++;
			break;
		case 'V':
			printf("sluiced %s\n", SLUICE_VERSION);
			exit(0);
		default:
			usage(0);
		}
	}
	if (help && optind + 1 == argc && strcmp(argv[optind], "config") == 0) {
		config_print_help(stdout);
		exit(0);
	}
	if (help)
		usage(optind == argc);
	if (optind != argc)
		usage(0);
}

/*
 * Whether path is dir or under it.
 */
static int
sluiced_path_is_under(const char *path, const char *dir)
{
	size_t	len = strlen(dir);

	return (strncmp(path, dir, len) == 0 &&
	    (path[len] == '\0' || path[len] == '/'));
}

/*
 * One path sluiced must write (key's value), checked under systemd: the
 * nearest directory of it that exists must be writable here, or sluiced
 * could neither create nor use it.
 */
static void
sluiced_check_unit_path(const char *key, const char *path, int is_dir)
{
	struct statvfs	 sv;
	struct stat	 st;
	char		*dir, *slash;

	dir = xstrdup(path);
	if (!is_dir && (slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	while (stat(dir, &st) == -1 && (slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if ((statvfs(dir, &sv) == 0 && (sv.f_flag & ST_RDONLY)) ||
	    access(dir, W_OK) == -1)
		log_warnx("%s %s: %s is not writable under this unit (its "
		    "ReadWritePaths= has %s and %s): add the path to "
		    "ReadWritePaths= in a drop-in (systemctl edit sluiced; "
		    "see sluiced(8), SYSTEMD)", key, path, dir,
		    SLUICE_STATE_DIR, SLUICE_RUN_DIR);
	free(dir);
}

/*
 * Under systemd ($INVOCATION_ID), sluiced -n is the unit's ExecStartPre and
 * runs in its sandbox (ProtectSystem=strict, ReadWritePaths=).  systemd
 * cannot read the YAML, so a stateDirectory or controlSocket outside the
 * unit's paths needs a drop-in: say so here rather than fail at start.
 */
static void
sluiced_check_unit_paths(const struct config *cfg)
{
	const char	*s;

	if ((s = getenv("INVOCATION_ID")) == NULL || *s == '\0')
		return;
	if (!sluiced_path_is_under(cfg->state_directory, SLUICE_STATE_DIR))
		sluiced_check_unit_path("stateDirectory",
		    cfg->state_directory, 1);
	if (!sluiced_path_is_under(cfg->control_socket, SLUICE_RUN_DIR))
		sluiced_check_unit_path("controlSocket", cfg->control_socket,
		    0);
}

/*
 * sluiced -n and the start: a pattern whose directory is missing or cannot
 * be searched matches nothing, silently, until it is fixed (the daemon waits for it,
 * since an application may create it later).  Say so now: the directory
 * is the pattern's part before its first glob character.
 */
static void
sluiced_check_patterns(const struct config *cfg)
{
	const struct config_flow	*f;
	struct stat			 sb;
	char				*dir, *p;
	size_t				 i;

	for (i = 0; i < cfg->nflows; i++) {
		f = &cfg->flows[i];
		dir = xstrdup(f->file_pattern);
		dir[strcspn(dir, "*?[")] = '\0';
		if ((p = strrchr(dir, '/')) != NULL)
			p[p == dir ? 1 : 0] = '\0';
		if (stat(dir, &sb) == -1)
			log_warnx("flow=%s: %s: %s: no file matches %s until "
			    "it is fixed", f->name, dir, errno == ENOENT ?
			    "no such directory" : strerror(errno),
			    f->file_pattern);
		else if (!S_ISDIR(sb.st_mode))
			log_warnx("flow=%s: %s is not a directory: no file "
			    "matches %s", f->name, dir, f->file_pattern);
		free(dir);
	}
}

static void	sluiced_reload_request(struct sluiced *, uint64_t);
static void	sluiced_reload_init(struct sluiced *);

static void
signal_cb(int fd, uint32_t events, void *arg)
{
	struct sluiced		*sd = arg;
	struct signalfd_siginfo	 si;

	(void)events;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
		/* A logrotate postrotate "kill -HUP" reloads, never stops. */
		if (si.ssi_signo == SIGHUP) {
			log_info("received SIGHUP: reloading %s",
			    sd->conffile);
			sluiced_reload_request(sd, 0);
			continue;
		}
		log_info("received signal %d; shutting down",
		    (int)si.ssi_signo);
		if (sd->stop_ms == 0)
			sd->stop_ms = loop_now_ms();
		/* A reload's flows are half stopped: it ends first. */
		if (sd->rl.running) {
			log_info("stopping once the reload in progress ends");
			sd->rl.stop_after = 1;
			continue;
		}
		loop_stop(sd->ingest);
	}
}

/*
 * The end of a stop, on the delivery thread: every flow's requests were
 * answered, or shutdownTimeoutMillis passed.  Saves the acknowledgements
 * and stops the delivery loop.
 */
static void
sluiced_drain_end(struct sluiced *sd)
{
	size_t	i, abandoned = 0;

	if (sd->drain_done)
		return;
	sd->drain_done = 1;
	loop_timer_cancel(sd->drain_timer);
	for (i = 0; i < sd->nflows; i++)
		abandoned += flow_finish(sd->flows[i]);
	if (abandoned > 0)
		log_warnx("%zu request%s still unanswered after "
		    "shutdownTimeoutMillis (%lld ms): abandoned, their "
		    "records will be sent again", abandoned,
		    abandoned == 1 ? "" : "s",
		    (long long)sd->cfg->shutdown_timeout_ms);
	else
		log_info("every request in flight was answered");
	loop_stop(sd->delivery);
}

static void
sluiced_drained_cb(void *arg)
{
	struct sluiced	*sd = arg;

	if (++sd->ndrained == sd->nflows)
		sluiced_drain_end(sd);
}

static void
sluiced_drain_timer_cb(void *arg)
{
	sluiced_drain_end(arg);
}

/*
 * The start of a stop, on the delivery thread (woken by drainfd): no
 * request is started from now on, and those in flight have until
 * shutdownTimeoutMillis after the signal to be answered.
 */
static void
sluiced_drain_cb(int fd, uint32_t events, void *arg)
{
	struct sluiced	*sd = arg;
	uint64_t	 v, now, deadline;
	size_t		 i;

	(void)events;
	if (read(fd, &v, sizeof v) == -1 || sd->drain_done)
		return;
	loop_del_fd(sd->delivery, fd);
	now = loop_now_ms();
	deadline = atomic_load(&sd->drain_deadline);
	loop_timer_set(sd->drain_timer, deadline > now ? deadline - now : 0);
	if (sd->nflows == 0) {
		sluiced_drain_end(sd);
		return;
	}
	for (i = 0; i < sd->nflows && !sd->drain_done; i++)
		flow_drain(sd->flows[i], sluiced_drained_cb, sd);
}

/* Every running flow's metrics (caller frees); sd->flows_mtx is held. */
static struct metrics **
sluiced_metrics(struct sluiced *sd)
{
	struct metrics	**ms;
	size_t		  i;

	ms = xcalloc(sd->nflows + 1, sizeof *ms);
	for (i = 0; i < sd->nflows; i++)
		ms[i] = flow_metrics(sd->flows[i]);
	return (ms);
}

static char *
status_cb(void *arg)
{
	struct sluiced	 *sd = arg;
	struct metrics	**ms;
	json_t		 *o;
	char		 *s;

	/* A reload changes the flows on the ingest thread. */
	pthread_mutex_lock(&sd->flows_mtx);
	ms = sluiced_metrics(sd);
	s = metrics_status_json(ms, sd->nflows, sd->started);
	free(ms);
	/* State that does not run shows beside the flows that do. */
	if (s == NULL || (o = json_loads(s, 0, NULL)) == NULL)
		goto out;
	free(s);
	state_status(sd->state, o);
	json_object_set_new(o, "sluicedVersion", json_string(SLUICE_VERSION));
	json_object_set_new(o, "configFile", json_string(sd->cfg->path));
	s = creds_describe(sd->creds);
	json_object_set_new(o, "credentials", json_string(s));
	free(s);
	json_object_set_new(o, "spoolMaxBytes",
	    json_integer((json_int_t)sd->cfg->spool_max_bytes));
	if (sd->reload_refused != 0)
		json_object_set_new(o, "reloadRefused", json_pack("{s:I,s:s}",
		    "since", (json_int_t)sd->reload_refused, "error",
		    sd->reload_error));
	health_judge(o, (uint64_t)sd->cfg->spool_max_bytes,
	    creds_is_valid(sd->creds));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
out:
	pthread_mutex_unlock(&sd->flows_mtx);
	return (s);
}

/* The Prometheus text of every flow, for each scrape. */
static char *
prom_text_cb(void *arg)
{
	struct sluiced	 *sd = arg;
	struct metrics	**ms;
	struct buf	  b = BUF_INIT(PROM_TEXT_MAX);

	pthread_mutex_lock(&sd->flows_mtx);
	ms = sluiced_metrics(sd);
	prom_render(&b, ms, sd->nflows, sd->started);
	pthread_mutex_unlock(&sd->flows_mtx);
	free(ms);
	if (buf_has_failed(&b)) {
		buf_free(&b);
		return (NULL);
	}
	return (buf_take(&b));
}

/* Samples every flow's progress, for rates and lag in status. */
static void
sample_cb(void *arg)
{
	struct sluiced	*sd = arg;
	size_t		 i;

	pthread_mutex_lock(&sd->flows_mtx);
	for (i = 0; i < sd->nflows; i++)
		metrics_sample(flow_metrics(sd->flows[i]), loop_now_ms());
	pthread_mutex_unlock(&sd->flows_mtx);
	loop_timer_set(sd->sample_timer, METRICS_SAMPLE_MS);
}

/*
 * The running flow named name, or NULL; sd->flows_mtx is held, or this
 * is the ingest thread (the only one that changes the flows).
 */
static struct flow *
sluiced_flow_named(struct sluiced *sd, const char *name)
{
	size_t	i;

	for (i = 0; i < sd->nflows; i++)
		if (strcmp(flow_name(sd->flows[i]), name) == 0)
			return (sd->flows[i]);
	return (NULL);
}

static char *
sluiced_dump(json_t *j)
{
	char	*s;

	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (s == NULL)
		s = xstrdup("{\"error\":\"cannot encode the reply\"}");
	return (s);
}

/*
 * pause, resume and flush, on the delivery thread, where the senders
 * live: of the flow named argv[0], or of every flow.
 */
static char *
sluiced_flow_cmd(struct sluiced *sd, const char *cmd, int argc,
    char **argv, char **cause)
{
	struct flow	*fl;
	json_t		*a, *o;
	time_t		 now = time(NULL), since;
	size_t		 i;
	int		 changed;

	if (argc > 1) {
		xasprintf(cause, "usage: %s [FLOW]", cmd);
		return (NULL);
	}
	pthread_mutex_lock(&sd->flows_mtx);
	if (argc == 1 && sluiced_flow_named(sd, argv[0]) == NULL) {
		pthread_mutex_unlock(&sd->flows_mtx);
		xasprintf(cause, "no running flow named \"%s\"", argv[0]);
		return (NULL);
	}
	a = json_array();
	for (i = 0; i < sd->nflows; i++) {
		fl = sd->flows[i];
		if (argc == 1 && strcmp(flow_name(fl), argv[0]) != 0)
			continue;
		o = json_pack("{s:s}", "name", flow_name(fl));
		if (strcmp(cmd, CTL_CMD_FLUSH) == 0) {
			json_object_set_new(o, "requests",
			    json_integer((json_int_t)flow_flush(fl)));
			json_object_set_new(o, "paused",
			    json_boolean(flow_paused(fl) != 0));
		} else {
			changed = flow_pause(fl,
			    strcmp(cmd, CTL_CMD_PAUSE) == 0 ? now : 0);
			since = flow_paused(fl);
			json_object_set_new(o, "paused",
			    json_boolean(since != 0));
			if (since != 0)
				json_object_set_new(o, "pausedSince",
				    json_integer((json_int_t)since));
			json_object_set_new(o, "changed",
			    json_boolean(changed));
		}
		json_array_append_new(a, o);
	}
	pthread_mutex_unlock(&sd->flows_mtx);
	return (sluiced_dump(json_pack("{s:o}", "flows", a)));
}

/* skip, on the delivery thread: handed to the ingest thread. */
static char *
sluiced_skip_request(struct sluiced *sd, uint64_t id, int argc,
    char **argv, char **cause)
{
	struct sluiced_skips	*q = &sd->skips;
	struct sluiced_skip	*k;
	uint64_t		 one = 1;

	if (argc != 2) {
		xasprintf(cause, "usage: %s FLOW PATH|--all", CTL_CMD_SKIP);
		return (NULL);
	}
	pthread_mutex_lock(&q->mtx);
	q->todo = xreallocarray(q->todo, q->ntodo + 1, sizeof *q->todo);
	k = &q->todo[q->ntodo++];
	memset(k, 0, sizeof *k);
	k->id = id;
	k->flow = xstrdup(argv[0]);
	k->path = strcmp(argv[1], "--all") == 0 ? NULL : xstrdup(argv[1]);
	pthread_mutex_unlock(&q->mtx);
	if (write(q->ingestfd, &one, sizeof one) == -1)
		fatal("skip: waking the ingest thread");
	return (NULL);
}

/* One skip, on the ingest thread; returns its reply. */
static char *
sluiced_skip_run(struct sluiced *sd, struct sluiced_skip *k)
{
	struct flow	*fl;
	char		*cause = NULL, *doc;
	int64_t		 n;

	/* Only this thread changes the flows: no lock while it skips. */
	pthread_mutex_lock(&sd->flows_mtx);
	fl = sluiced_flow_named(sd, k->flow);
	pthread_mutex_unlock(&sd->flows_mtx);
	if (fl == NULL)
		xasprintf(&cause, "no running flow named \"%s\"", k->flow);
	else if ((n = flow_skip(fl, k->path, &cause)) != -1)
		return (sluiced_dump(json_pack("{s:s, s:s?, s:I}", "flow",
		    k->flow, "path", k->path, "bytesSkipped",
		    (json_int_t)n)));
	doc = sluiced_dump(json_pack("{s:s}", "error", cause));
	free(cause);
	return (doc);
}

static void
sluiced_skip_ingest_cb(int fd, uint32_t events, void *arg)
{
	struct sluiced		*sd = arg;
	struct sluiced_skips	*q = &sd->skips;
	struct sluiced_skip	 k;
	uint64_t		 v, one = 1;

	(void)events;
	(void)read(fd, &v, sizeof v);
	for (;;) {
		pthread_mutex_lock(&q->mtx);
		if (q->ntodo == 0) {
			pthread_mutex_unlock(&q->mtx);
			return;
		}
		k = q->todo[0];
		memmove(q->todo, q->todo + 1, --q->ntodo * sizeof *q->todo);
		pthread_mutex_unlock(&q->mtx);
		k.doc = sluiced_skip_run(sd, &k);
		pthread_mutex_lock(&q->mtx);
		q->done = xreallocarray(q->done, q->ndone + 1,
		    sizeof *q->done);
		q->done[q->ndone++] = k;
		pthread_mutex_unlock(&q->mtx);
		if (write(q->deliveryfd, &one, sizeof one) == -1)
			fatal("skip: waking the delivery thread");
	}
}

static void
sluiced_skip_delivery_cb(int fd, uint32_t events, void *arg)
{
	struct sluiced		*sd = arg;
	struct sluiced_skips	*q = &sd->skips;
	struct sluiced_skip	*done;
	size_t			 n, i;
	uint64_t		 v;

	(void)events;
	(void)read(fd, &v, sizeof v);
	pthread_mutex_lock(&q->mtx);
	done = q->done;
	n = q->ndone;
	q->done = NULL;
	q->ndone = 0;
	pthread_mutex_unlock(&q->mtx);
	for (i = 0; i < n; i++) {
		ctl_reply(sd->ctl, done[i].id, done[i].doc);
		free(done[i].flow);
		free(done[i].path);
	}
	free(done);
}

static char *
sluiced_flow_ctl(void *arg, uint64_t id, const char *cmd, int argc,
    char **argv, char **cause)
{
	if (strcmp(cmd, CTL_CMD_SKIP) == 0)
		return (sluiced_skip_request(arg, id, argc, argv, cause));
	return (sluiced_flow_cmd(arg, cmd, argc, argv, cause));
}

static void
sluiced_skips_init(struct sluiced *sd)
{
	struct sluiced_skips	*q = &sd->skips;

	pthread_mutex_init(&q->mtx, NULL);
	q->ingestfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->deliveryfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->ingestfd == -1 || q->deliveryfd == -1)
		fatal("eventfd");
	if (loop_add_fd(sd->ingest, q->ingestfd, EPOLLIN,
	    sluiced_skip_ingest_cb, sd) == -1 ||
	    loop_add_fd(sd->delivery, q->deliveryfd, EPOLLIN,
	    sluiced_skip_delivery_cb, sd) == -1)
		fatal("cannot watch the skip eventfds");
}

/* Once both loops stopped: what was not answered is dropped. */
static void
sluiced_skips_free(struct sluiced *sd)
{
	struct sluiced_skips	*q = &sd->skips;
	size_t			 i;

	for (i = 0; i < q->ntodo; i++) {
		free(q->todo[i].flow);
		free(q->todo[i].path);
	}
	for (i = 0; i < q->ndone; i++) {
		free(q->done[i].flow);
		free(q->done[i].path);
		free(q->done[i].doc);
	}
	free(q->todo);
	free(q->done);
	loop_del_fd(sd->ingest, q->ingestfd);
	loop_del_fd(sd->delivery, q->deliveryfd);
	close(q->ingestfd);
	close(q->deliveryfd);
	pthread_mutex_destroy(&q->mtx);
}

static void *
delivery_main(void *arg)
{
	struct sluiced	*sd = arg;

	if (loop_run(sd->delivery) == -1)
		log_warnx("delivery loop failed");
	return (NULL);
}

/*
 * Each tailed file holds a descriptor, so the soft limit (1024 by default)
 * is raised to the hard one.  maxOpenFiles, by default half of it, leaves
 * the rest to the spools, sockets and glob(3).  Returns how many files
 * each flow may hold open.
 */
static size_t
sluiced_raise_nofile(const struct config *cfg)
{
	struct rlimit	rl;
	rlim_t		was;
	uint64_t	max;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit");
		rl.rlim_cur = 1024;
	} else if (rl.rlim_cur < rl.rlim_max) {
		was = rl.rlim_cur;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_warn("setrlimit RLIMIT_NOFILE %llu",
			    (unsigned long long)rl.rlim_max);
			rl.rlim_cur = was;
		} else
			log_debug("open files limit raised from %llu to %llu",
			    (unsigned long long)was,
			    (unsigned long long)rl.rlim_cur);
	} else
		log_debug("open files limit %llu",
		    (unsigned long long)rl.rlim_cur);
	if (cfg->max_open_files > 0)
		max = (uint64_t)cfg->max_open_files;
	else if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > SIZE_MAX)
		max = SIZE_MAX / 2;
	else
		max = rl.rlim_cur / 2;
	max /= cfg->nflows > 0 ? cfg->nflows : 1;
	if (max == 0)
		max = 1;
	log_debug("maxOpenFiles: %llu log files per flow",
	    (unsigned long long)max);
	return ((size_t)max);
}

/*
 * The HTTP client's options from the config: the User-Agent is sluice's,
 * then userAgent, unless userAgentOverride replaces it; the CA bundle is
 * caFile, else AWS_CA_BUNDLE as the AWS SDKs read it.
 */
static void
sluiced_http_options(struct sluiced *sd, const struct config *cfg)
{
	struct http_options	 o;
	const char		*ca;
	char			*ua = NULL;

	memset(&o, 0, sizeof o);
	if (cfg->user_agent_override != NULL)
		o.user_agent = cfg->user_agent_override;
	else if (cfg->user_agent != NULL) {
		xasprintf(&ua, "sluice/%s %s", SLUICE_VERSION,
		    cfg->user_agent);
		o.user_agent = ua;
	}
	if ((ca = cfg->ca_file) == NULL &&
	    (ca = getenv("AWS_CA_BUNDLE")) != NULL && *ca == '\0')
		ca = NULL;
	o.ca_file = ca;
	o.connect_timeout_ms = (long)cfg->connection_timeout_ms;
	o.socket_timeout_ms = (long)cfg->socket_timeout_ms;
	http_set_options(sd->http, &o);
	free(ua);
}

/*
 * Sets up what the flows share: signals, the two loops, the locked state
 * directory, credentials and the HTTP client.
 */
static void
sluiced_init(struct sluiced *sd)
{
	sigset_t	 mask;
	char		*cause = NULL;

	/* Signals arrive through a signalfd on the ingest loop. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sd->started = time(NULL);
	sd->max_open = sluiced_raise_nofile(sd->cfg);

	if ((sd->ingest = loop_create()) == NULL ||
	    (sd->delivery = loop_create()) == NULL)
		fatal("cannot create event loops");
	sd->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sd->sigfd == -1)
		fatal("signalfd");
	loop_add_fd(sd->ingest, sd->sigfd, EPOLLIN, signal_cb, sd);
	sd->drainfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sd->drainfd == -1)
		fatal("eventfd");
	if (loop_add_fd(sd->delivery, sd->drainfd, EPOLLIN, sluiced_drain_cb,
	    sd) == -1)
		fatal("cannot watch the drain eventfd");
	sd->drain_timer = loop_timer_new(sd->delivery, sluiced_drain_timer_cb,
	    sd);
	/* The first sample is taken as soon as the delivery loop runs. */
	sd->sample_timer = loop_timer_new(sd->delivery, sample_cb, sd);
	loop_timer_set(sd->sample_timer, 0);
	sluiced_reload_init(sd);
	sluiced_skips_init(sd);
	if (durable_mkdirs(sd->cfg->state_directory, 0750, &cause) == -1)
		fatalx("%s", cause);
	sd->lockfd = lock_state_directory(sd->cfg->state_directory);
	sd->creds = creds_new(sd->cfg, sd->imds);
	sd->creds_cfg = sd->cfg;
	imds_set_creds(sd->imds, sd->creds);
	/*
	 * With none yet, the daemon spools and creds_start keeps looking.  A
	 * config with no flows sends nothing: the chain is not walked (until
	 * a reload adds flows).
	 */
	if (sd->cfg->nflows > 0) {
		(void)creds_load(sd->creds, &cause);
		free(cause);
		cause = NULL;
		creds_start(sd->creds);
		sd->creds_started = 1;
	}
	if ((sd->http = http_create(sd->delivery)) == NULL)
		fatalx("cannot initialise HTTP client");
	sluiced_http_options(sd, sd->cfg);
}

/*
 * Looks controlSocketGroup up, by name or number.  Returns 0, or -1 after
 * saying what is wrong.
 */
static int
sluiced_socket_group(const struct config *cfg, gid_t *gid, char **cause)
{
	const char	*name = cfg->control_socket_group;
	struct group	*gr;
	char		*end;
	unsigned long	 n;

	if (name == NULL)
		return (0);
	if ((gr = getgrnam(name)) != NULL) {
		*gid = gr->gr_gid;
		return (0);
	}
	errno = 0;
	n = strtoul(name, &end, 10);
	if (*name != '\0' && *end == '\0' && errno == 0 &&
	    n < (unsigned long)(gid_t)-1) {
		*gid = (gid_t)n;
		return (0);
	}
	xasprintf(cause, "%s: controlSocketGroup: no group \"%s\" on this "
	    "machine", cfg->path, name);
	return (-1);
}

/* What the flows share, as flow_create and flow_pipe take it. */
static void
sluiced_env(struct sluiced *sd, struct flow_env *env)
{
	memset(env, 0, sizeof *env);
	env->cfg = sd->cfg;
	env->ingest = sd->ingest;
	env->delivery = sd->delivery;
	env->http = sd->http;
	env->creds = sd->creds;
	env->hostname = sd->hostname;
	env->imds = sd->imds;
	env->max_open = sd->max_open;
}

/*
 * Finds the state (state.h: migrates the old layout, finds orphans), then
 * creates every flow, which opens no log file yet (sluiced_start_flows).
 * A flow whose state cannot be opened (a newer spool format, say) is
 * refused with the reason, shown in status, and the others run: one
 * flow's state must not stop them all.
 */
static void
sluiced_create_flows(struct sluiced *sd)
{
	const struct config_flow	*fc;
	struct flow_env			 env;
	struct flow			*fl;
	char				*cause = NULL;
	size_t				 i;

	sd->state = state_open(sd->cfg);
	sluiced_env(sd, &env);
	sd->flows = xcalloc(sd->cfg->nflows, sizeof *sd->flows);
	sd->flow_cfgs = xcalloc(sd->cfg->nflows, sizeof *sd->flow_cfgs);
	for (i = 0; i < sd->cfg->nflows; i++) {
		fc = &sd->cfg->flows[i];
		/* config.c made the names unique: they name the state. */
		if ((fl = flow_create(&env, fc, fc->name, &cause)) == NULL) {
			log_warnx("flow=%s: refused, the other flows run: %s",
			    fc->name, cause);
			state_refuse(sd->state, fc->name, cause);
			free(cause);
			cause = NULL;
			continue;
		}
		sd->flow_cfgs[sd->nflows] = sd->cfg;
		sd->flows[sd->nflows++] = fl;
		state_add_flow(sd->state, fl);
	}
	state_start(sd->state, sd->ingest);
}

/* Wakes the other side of a reload: fd is one of rl's eventfds. */
static void
sluiced_reload_wake(struct sluiced *sd, int fd, enum sluiced_phase phase)
{
	uint64_t	one = 1;

	atomic_store(&sd->rl.phase, (int)phase);
	if (write(fd, &one, sizeof one) == -1)
		fatal("reload: waking the other thread");
}

/*
 * A reload is asked for: by SIGHUP (id 0, on the ingest thread) or by
 * sluicectl (on the delivery thread, which waits for ctl_reply).  Requests
 * that come during a reload are served together by the next one.
 */
static void
sluiced_reload_request(struct sluiced *sd, uint64_t id)
{
	uint64_t	one = 1;

	pthread_mutex_lock(&sd->rl.mtx);
	sd->rl.requested = 1;
	if (id != 0) {
		sd->rl.ids = xreallocarray(sd->rl.ids, sd->rl.nids + 1,
		    sizeof *sd->rl.ids);
		sd->rl.ids[sd->rl.nids++] = id;
	}
	pthread_mutex_unlock(&sd->rl.mtx);
	if (write(sd->rl.ingestfd, &one, sizeof one) == -1)
		log_warn("reload: waking the ingest thread");
}

static void
sluiced_reload_ctl(void *arg, uint64_t id)
{
	sluiced_reload_request(arg, id);
}

static void
sluiced_reload_note(struct sluiced *sd, const char *array, const char *s)
{
	json_array_append_new(json_object_get(sd->rl.reply, array),
	    json_string(s));
}

static size_t
sluiced_reload_count(struct sluiced *sd, const char *array)
{
	return (json_array_size(json_object_get(sd->rl.reply, array)));
}

static int
sluiced_reload_has(struct sluiced *sd, const char *array, const char *s)
{
	json_t	*a = json_object_get(sd->rl.reply, array);
	size_t	 i;

	for (i = 0; i < json_array_size(a); i++)
		if (strcmp(json_string_value(json_array_get(a, i)), s) == 0)
			return (1);
	return (0);
}

/* The reply document, and the end of the reload for systemd. */
static void
sluiced_reload_reply(struct sluiced *sd)
{
	sd->rl.doc = sluiced_dump(sd->rl.reply);
	sd->rl.reply = NULL;
	sdnotify_send("READY=1");
	sluiced_reload_wake(sd, sd->rl.deliveryfd, RELOAD_REPLY);
}

/* The new config is refused: the old one stays in force. */
static void
sluiced_reload_refuse(struct sluiced *sd, char *errors)
{
	json_t	*lines;
	char	*p, *nl;

	log_warnx("reload: %s is not valid; still running on the "
	    "configuration in force:", sd->conffile);
	lines = json_array();
	for (p = errors; p != NULL && *p != '\0'; p = nl) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		log_warnx("reload: %s", p);
		json_array_append_new(lines, json_string(p));
	}
	pthread_mutex_lock(&sd->flows_mtx);
	sd->reload_refused = time(NULL);
	free(sd->reload_error);
	sd->reload_error = xstrdup(json_array_size(lines) > 0 ?
	    json_string_value(json_array_get(lines, 0)) : "?");
	pthread_mutex_unlock(&sd->flows_mtx);
	json_decref(sd->rl.reply);
	sd->rl.reply = json_pack("{s:s, s:o}", "error", "invalid "
	    "configuration: still running on the one in force", "errors",
	    lines);
	free(errors);
	sluiced_reload_reply(sd);
}

/*
 * stateDirectory and controlSocket cannot change while sluiced runs (the
 * lock and the socket are held): the old values stay in force in new,
 * and the reply and the log say a restart is needed.
 */
static void
sluiced_reload_keep(struct sluiced *sd, const char *key, char **newv,
    const char *oldv)
{
	char	*msg;

	if (strcmp(*newv, oldv) == 0)
		return;
	xasprintf(&msg, "%s changed from %s to %s: restart sluiced to apply "
	    "it; %s stays in use until then", key, oldv, *newv, oldv);
	log_warnx("reload: %s", msg);
	sluiced_reload_note(sd, "restartNeeded", key);
	sluiced_reload_note(sd, "messages", msg);
	free(msg);
	free(*newv);
	*newv = xstrdup(oldv);
}

/* The flow of new config cfg named name, or NULL. */
static const struct config_flow *
sluiced_find_flow(const struct config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->nflows; i++)
		if (strcmp(cfg->flows[i].name, name) == 0)
			return (&cfg->flows[i]);
	return (NULL);
}

/*
 * The first step, on the ingest thread: loads and checks the config,
 * compares it with the one in force, and stops the ingest side of each
 * flow that goes (removed, or changed: it is created again from its state
 * directory).  flow_stop makes what they read durable and saves their
 * offsets, as at a shutdown; their senders drain on the delivery thread.
 */
static void
sluiced_reload_begin(struct sluiced *sd)
{
	struct sluiced_reload		*rl = &sd->rl;
	const struct config_flow	*nfc, *ofc;
	const char			*changed[64];
	struct config			*new;
	char				*errors = NULL;
	size_t				 i, j, n;
	int				 keep;

	pthread_mutex_lock(&rl->mtx);
	rl->requested = 0;
	rl->run_ids = rl->ids;
	rl->nrun_ids = rl->nids;
	rl->ids = NULL;
	rl->nids = 0;
	pthread_mutex_unlock(&rl->mtx);
	rl->running = 1;
	sdnotify_reloading();
	rl->reply = json_pack("{s:b, s:s, s:[], s:[], s:[], s:[], s:[], "
	    "s:[], s:[], s:[], s:[]}", "reloaded", 1, "config", sd->conffile,
	    "files", "kept", "added", "removed", "restarted", "refused",
	    "changed", "restartNeeded", "messages");
	if (rl->reply == NULL)
		fatalx("reload: cannot build the reply");

	if ((new = config_load(sd->conffile, &errors)) == NULL) {
		sluiced_reload_refuse(sd, errors);
		return;
	}
	if (sluiced_socket_group(new, &rl->gid, &errors) == -1 ||
	    region_resolve(new, sd->imds, &errors) == -1) {
		config_free(new);
		sluiced_reload_refuse(sd, errors);
		return;
	}
	rl->new = new;
	for (i = 0; i < new->nfiles; i++)
		sluiced_reload_note(sd, "files", new->files[i]);
	sluiced_reload_keep(sd, "stateDirectory", &new->state_directory,
	    sd->cfg->state_directory);
	sluiced_reload_keep(sd, "controlSocket", &new->control_socket,
	    sd->cfg->control_socket);
	n = config_global_diff(sd->cfg, new, changed, nitems(changed));
	rl->globals = rl->prom_changed = rl->group_changed = 0;
	for (i = 0; i < n && i < nitems(changed); i++) {
		sluiced_reload_note(sd, "changed", changed[i]);
		if (strcmp(changed[i], "metrics.listen") == 0)
			rl->prom_changed = 1;
		else if (strcmp(changed[i], "controlSocketGroup") == 0)
			rl->group_changed = 1;
		else
			rl->globals = 1;
	}
	if (n > nitems(changed))
		rl->globals = 1;
	if (rl->globals)
		log_info("reload: top-level keys changed: every flow is "
		    "stopped and created again from its state");

	rl->deadline = loop_now_ms() + (uint64_t)new->shutdown_timeout_ms;
	rl->stopping = xcalloc(sd->nflows > 0 ? sd->nflows : 1,
	    sizeof *rl->stopping);
	rl->removed = xcalloc(sd->nflows > 0 ? sd->nflows : 1,
	    sizeof *rl->removed);
	rl->nstopping = rl->ndrained = 0;
	rl->drained = 0;
	pthread_mutex_lock(&sd->flows_mtx);
	for (i = j = 0; i < sd->nflows; i++) {
		nfc = sluiced_find_flow(new, flow_name(sd->flows[i]));
		ofc = sluiced_find_flow(sd->flow_cfgs[i],
		    flow_name(sd->flows[i]));
		keep = nfc != NULL && ofc != NULL && !rl->globals &&
		    config_flow_is_equal(ofc, nfc);
		if (keep) {
			sluiced_reload_note(sd, "kept", flow_name(sd->flows[i]));
			sd->flows[j] = sd->flows[i];
			sd->flow_cfgs[j++] = sd->flow_cfgs[i];
			continue;
		}
		if (nfc != NULL)
			sluiced_reload_note(sd, "restarted",
			    flow_name(sd->flows[i]));
		rl->removed[rl->nstopping] = nfc == NULL;
		rl->stopping[rl->nstopping++] = sd->flows[i];
	}
	sd->nflows = j;
	pthread_mutex_unlock(&sd->flows_mtx);

	for (i = 0; i < rl->nstopping; i++) {
		log_info("flow=%s: %s: stopping", flow_name(rl->stopping[i]),
		    rl->removed[i] ? "no longer configured" : "changed");
		state_remove_flow(sd->state, rl->stopping[i]);
		flow_stop(rl->stopping[i], rl->deadline);
		flow_close(rl->stopping[i]);
	}
	sluiced_reload_wake(sd, rl->deliveryfd, RELOAD_DRAIN);
}

/*
 * On the delivery thread: the stopping senders have answered what was in
 * flight (or the deadline passed).  Their acknowledgements are saved, so
 * that the flows created again send nothing twice.
 */
static void
sluiced_reload_drain_end(struct sluiced *sd)
{
	struct sluiced_reload	*rl = &sd->rl;
	size_t			 i, abandoned = 0;

	if (rl->drained)
		return;
	rl->drained = 1;
	loop_timer_cancel(rl->timer);
	for (i = 0; i < rl->nstopping; i++) {
		abandoned += flow_finish(rl->stopping[i]);
		flow_free_sender(rl->stopping[i]);
	}
	if (abandoned > 0)
		log_warnx("reload: %zu request%s unanswered after "
		    "shutdownTimeoutMillis: abandoned, their records will be "
		    "sent again", abandoned, abandoned == 1 ? "" : "s");
	/* No sender is left when top-level keys changed. */
	if (rl->globals)
		sluiced_http_options(sd, rl->new);
	sluiced_reload_wake(sd, rl->ingestfd, RELOAD_CREATE);
}

static void
sluiced_reload_drained_cb(void *arg)
{
	struct sluiced	*sd = arg;

	if (++sd->rl.ndrained == sd->rl.nstopping)
		sluiced_reload_drain_end(sd);
}

static void
sluiced_reload_timer_cb(void *arg)
{
	sluiced_reload_drain_end(arg);
}

static void
sluiced_reload_drain(struct sluiced *sd)
{
	struct sluiced_reload	*rl = &sd->rl;
	uint64_t		 now = loop_now_ms();
	size_t			 i, n = rl->nstopping;

	/* It reads the flows' metrics, which may go: made again later. */
	cloudwatch_free(sd->cw);
	sd->cw = NULL;
	if (n == 0) {
		sluiced_reload_drain_end(sd);
		return;
	}
	loop_timer_set(rl->timer, rl->deadline > now ? rl->deadline - now : 0);
	for (i = 0; i < n && !rl->drained; i++)
		flow_drain(rl->stopping[i], sluiced_reload_drained_cb, sd);
}

/* A new or changed flow that cannot run: the others do. */
static void
sluiced_reload_refuse_flow(struct sluiced *sd, const char *name,
    const char *cause)
{
	log_warnx("flow=%s: refused, the other flows run: %s", name, cause);
	state_refuse(sd->state, name, cause);
	json_array_append_new(json_object_get(sd->rl.reply, "refused"),
	    json_pack("{s:s, s:s}", "name", name, "error", cause));
}

/* Frees the configs that nothing uses any more. */
static void
sluiced_reload_gc(struct sluiced *sd)
{
	size_t	i, j, k;
	int	used;

	for (i = j = 0; i < sd->ncfgs; i++) {
		used = sd->cfgs[i] == sd->cfg || sd->cfgs[i] == sd->creds_cfg;
		for (k = 0; k < sd->nflows && !used; k++)
			used = sd->flow_cfgs[k] == sd->cfgs[i];
		if (used)
			sd->cfgs[j++] = sd->cfgs[i];
		else
			config_free(sd->cfgs[i]);
	}
	sd->ncfgs = j;
}

/*
 * On the ingest thread: frees the stopped flows (the removed ones' state
 * becomes orphaned state), puts the new config in force, and creates the
 * flows that are new or changed, without their senders yet.
 */
static void
sluiced_reload_create(struct sluiced *sd)
{
	struct sluiced_reload		*rl = &sd->rl;
	struct config			*new = rl->new;
	const struct config_flow	*fc;
	struct flow_env			 env;
	struct creds			*old;
	struct flow			*fl;
	char				*name, *cause = NULL;
	size_t				 i;

	for (i = 0; i < rl->nstopping; i++) {
		name = xstrdup(flow_name(rl->stopping[i]));
		/* A restarted flow stays paused: the operator's choice. */
		if (!rl->removed[i] && flow_paused(rl->stopping[i]) != 0) {
			rl->paused = xreallocarray(rl->paused, rl->npaused + 1,
			    sizeof *rl->paused);
			rl->paused[rl->npaused].name = xstrdup(name);
			rl->paused[rl->npaused++].since =
			    flow_paused(rl->stopping[i]);
		}
		flow_free(rl->stopping[i]);
		if (rl->removed[i]) {
			sluiced_reload_note(sd, "removed", name);
			state_orphan(sd->state, name);
		}
		free(name);
	}
	rl->nstopping = 0;

	sd->cfgs = xreallocarray(sd->cfgs, sd->ncfgs + 1, sizeof *sd->cfgs);
	sd->cfgs[sd->ncfgs++] = new;
	pthread_mutex_lock(&sd->flows_mtx);
	sd->cfg = new;
	if (rl->globals) {
		/* Every sender is gone: credentials follow the new keys. */
		old = sd->creds;
		sd->creds = creds_new(new, sd->imds);
		sd->creds_cfg = new;
		imds_set_creds(sd->imds, sd->creds);
		if (sd->creds_started)
			creds_stop(old);
		creds_free(old);
		sd->creds_started = 0;
	}
	pthread_mutex_unlock(&sd->flows_mtx);
	state_set_config(sd->state, new);
	if (new->nflows > 0 && !sd->creds_started) {
		(void)creds_load(sd->creds, &cause);
		free(cause);
		cause = NULL;
		creds_start(sd->creds);
		sd->creds_started = 1;
	}

	sd->max_open = sluiced_raise_nofile(new);
	sluiced_env(sd, &env);
	env.delivery = NULL;		/* sluiced_reload_senders */
	rl->starting = xcalloc(new->nflows > 0 ? new->nflows : 1,
	    sizeof *rl->starting);
	rl->start_errors = xcalloc(new->nflows > 0 ? new->nflows : 1,
	    sizeof *rl->start_errors);
	rl->nstarting = 0;
	for (i = 0; i < new->nflows; i++) {
		fc = &new->flows[i];
		if (sluiced_flow_named(sd, fc->name) != NULL)
			continue;
		if (!sluiced_reload_has(sd, "restarted", fc->name))
			sluiced_reload_note(sd, "added", fc->name);
		state_claim(sd->state, fc);
		if ((fl = flow_create(&env, fc, fc->name, &cause)) == NULL) {
			sluiced_reload_refuse_flow(sd, fc->name, cause);
			free(cause);
			cause = NULL;
			continue;
		}
		rl->starting[rl->nstarting++] = fl;
	}
	sluiced_reload_wake(sd, rl->deliveryfd, RELOAD_SENDERS);
}

/*
 * On the delivery thread: the CloudWatch sender, over the flows' metrics
 * as they are now (a reload frees it before it frees flows, and makes it
 * again after).  Metrics are not the data: without them, delivery goes
 * on.
 */
static void
sluiced_cloudwatch(struct sluiced *sd)
{
	struct metrics	**ms;
	char		 *cause = NULL;

	pthread_mutex_lock(&sd->flows_mtx);
	ms = sluiced_metrics(sd);
	if ((sd->cw = cloudwatch_create(sd->delivery, sd->http, sd->cfg,
	    sd->creds, sd->imds, sd->hostname, ms, sd->nflows, &cause)) ==
	    NULL && cause != NULL) {
		log_warnx("no CloudWatch metrics: %s", cause);
		free(cause);
	}
	pthread_mutex_unlock(&sd->flows_mtx);
	free(ms);
}

/*
 * On the delivery thread: the new flows' senders, and what else the
 * delivery thread owns (the Prometheus endpoint, the socket's group).
 */
static void
sluiced_reload_senders(struct sluiced *sd)
{
	struct sluiced_reload	*rl = &sd->rl;
	struct flow_env		 env;
	char			*cause = NULL;
	size_t			 i, k;

	sluiced_env(sd, &env);
	for (i = 0; i < rl->nstarting; i++)
		if (flow_create_sender(rl->starting[i], &env,
		    &rl->start_errors[i]) == -1 && rl->start_errors[i] == NULL)
			rl->start_errors[i] = xstrdup("cannot create its "
			    "sender");
	for (k = 0; k < rl->npaused; k++) {
		for (i = 0; i < rl->nstarting; i++)
			if (rl->start_errors[i] == NULL &&
			    strcmp(flow_name(rl->starting[i]),
			    rl->paused[k].name) == 0)
				(void)flow_pause(rl->starting[i],
				    rl->paused[k].since);
		free(rl->paused[k].name);
	}
	free(rl->paused);
	rl->paused = NULL;
	rl->npaused = 0;
	sluiced_cloudwatch(sd);
	if (rl->prom_changed) {
		prom_close(sd->prom);
		sd->prom = NULL;
		if (sd->cfg->metrics_listen != NULL && (sd->prom =
		    prom_open(sd->delivery, sd->cfg->metrics_listen,
		    prom_text_cb, sd, &cause)) == NULL) {
			log_warnx("reload: no Prometheus endpoint: %s", cause);
			free(cause);
			cause = NULL;
		}
	}
	if (rl->group_changed) {
		sd->socket_gid = rl->gid;
		if (sd->cfg->control_socket_group != NULL &&
		    ctl_set_group(sd->ctl, rl->gid, &cause) == -1) {
			log_warnx("reload: controlSocketGroup: %s", cause);
			free(cause);
			cause = NULL;
		}
	}
	sluiced_reload_wake(sd, rl->ingestfd, RELOAD_START);
}

/* On the ingest thread: the new flows run; the reply is sent. */
static void
sluiced_reload_start(struct sluiced *sd)
{
	struct sluiced_reload	*rl = &sd->rl;
	struct flow		*fl;
	size_t			 i;

	pthread_mutex_lock(&sd->flows_mtx);
	sd->flows = xreallocarray(sd->flows, sd->nflows + rl->nstarting + 1,
	    sizeof *sd->flows);
	sd->flow_cfgs = xreallocarray(sd->flow_cfgs, sd->nflows +
	    rl->nstarting + 1, sizeof *sd->flow_cfgs);
	for (i = 0; i < rl->nstarting; i++) {
		if (rl->start_errors[i] != NULL)
			continue;
		sd->flow_cfgs[sd->nflows] = sd->cfg;
		sd->flows[sd->nflows++] = rl->starting[i];
	}
	pthread_mutex_unlock(&sd->flows_mtx);
	for (i = 0; i < rl->nstarting; i++) {
		fl = rl->starting[i];
		if (rl->start_errors[i] != NULL) {
			sluiced_reload_refuse_flow(sd, flow_name(fl),
			    rl->start_errors[i]);
			free(rl->start_errors[i]);
			flow_free(fl);
			continue;
		}
		state_add_flow(sd->state, fl);
		flow_start(fl);
	}
	free(rl->starting);
	free(rl->start_errors);
	free(rl->stopping);
	free(rl->removed);
	rl->starting = rl->stopping = NULL;
	rl->start_errors = NULL;
	rl->removed = NULL;
	rl->nstarting = 0;
	rl->new = NULL;
	sluiced_reload_gc(sd);
	log_info("reloaded %s: %zu flow%s running; kept %zu, added %zu, "
	    "restarted %zu, removed %zu, refused %zu", sd->conffile,
	    sd->nflows, sd->nflows == 1 ? "" : "s",
	    sluiced_reload_count(sd, "kept"),
	    sluiced_reload_count(sd, "added"),
	    sluiced_reload_count(sd, "restarted"),
	    sluiced_reload_count(sd, "removed"),
	    sluiced_reload_count(sd, "refused"));
	if (sd->nflows == 0)
		log_info("no flows configured in %s: waiting", sd->conffile);
	/* As at the start: a flow added with a missing directory says so. */
	sluiced_check_patterns(sd->cfg);
	pthread_mutex_lock(&sd->flows_mtx);
	sd->reload_refused = 0;
	free(sd->reload_error);
	sd->reload_error = NULL;
	pthread_mutex_unlock(&sd->flows_mtx);
	sluiced_reload_reply(sd);
}

/* The ingest side's eventfd: a request, or the next step. */
static void
sluiced_reload_ingest_cb(int fd, uint32_t events, void *arg)
{
	struct sluiced	*sd = arg;
	uint64_t	 v;
	int		 requested;

	(void)events;
	(void)read(fd, &v, sizeof v);
	switch (atomic_load(&sd->rl.phase)) {
	case RELOAD_CREATE:
		sluiced_reload_create(sd);
		return;
	case RELOAD_START:
		sluiced_reload_start(sd);
		return;
	case RELOAD_IDLE:
		break;
	default:
		return;		/* a request, while a reload runs */
	}
	if (sd->rl.running) {
		sd->rl.running = 0;
		if (sd->rl.stop_after) {
			loop_stop(sd->ingest);
			return;
		}
	}
	pthread_mutex_lock(&sd->rl.mtx);
	requested = sd->rl.requested;
	pthread_mutex_unlock(&sd->rl.mtx);
	if (requested)
		sluiced_reload_begin(sd);
}

/* The delivery side's eventfd: the next step. */
static void
sluiced_reload_delivery_cb(int fd, uint32_t events, void *arg)
{
	struct sluiced	*sd = arg;
	uint64_t	 v;
	size_t		 i;

	(void)events;
	(void)read(fd, &v, sizeof v);
	switch (atomic_load(&sd->rl.phase)) {
	case RELOAD_DRAIN:
		sluiced_reload_drain(sd);
		break;
	case RELOAD_SENDERS:
		sluiced_reload_senders(sd);
		break;
	case RELOAD_REPLY:
		for (i = 0; i < sd->rl.nrun_ids; i++)
			ctl_reply(sd->ctl, sd->rl.run_ids[i],
			    xstrdup(sd->rl.doc));
		free(sd->rl.run_ids);
		sd->rl.run_ids = NULL;
		sd->rl.nrun_ids = 0;
		free(sd->rl.doc);
		sd->rl.doc = NULL;
		sluiced_reload_wake(sd, sd->rl.ingestfd, RELOAD_IDLE);
		break;
	default:
		break;
	}
}

static void
sluiced_reload_init(struct sluiced *sd)
{
	struct sluiced_reload	*rl = &sd->rl;

	pthread_mutex_init(&rl->mtx, NULL);
	atomic_store(&rl->phase, (int)RELOAD_IDLE);
	rl->ingestfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	rl->deliveryfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (rl->ingestfd == -1 || rl->deliveryfd == -1)
		fatal("eventfd");
	if (loop_add_fd(sd->ingest, rl->ingestfd, EPOLLIN,
	    sluiced_reload_ingest_cb, sd) == -1 ||
	    loop_add_fd(sd->delivery, rl->deliveryfd, EPOLLIN,
	    sluiced_reload_delivery_cb, sd) == -1)
		fatal("cannot watch the reload eventfds");
	rl->timer = loop_timer_new(sd->delivery, sluiced_reload_timer_cb, sd);
}

/* Once both loops stopped; no reload runs (signal_cb waits for its end). */
static void
sluiced_reload_free(struct sluiced *sd)
{
	struct sluiced_reload	*rl = &sd->rl;

	loop_timer_free(rl->timer);
	loop_del_fd(sd->ingest, rl->ingestfd);
	loop_del_fd(sd->delivery, rl->deliveryfd);
	close(rl->ingestfd);
	close(rl->deliveryfd);
	free(rl->ids);
	free(rl->run_ids);
	free(rl->doc);
	json_decref(rl->reply);
	pthread_mutex_destroy(&rl->mtx);
}

/*
 * A clean stop, once the ingest loop stopped (nothing is read any more).
 * The ingest side drains deleted files, makes the spools durable and saves
 * the file checkpoints; then the delivery thread is told to start nothing
 * new, and waited for (sluiced_drain_cb: at most
 * shutdownTimeoutMillis after the signal).  Then undoes sluiced_init and
 * sluiced_create_flows, in reverse order.
 */
static void
sluiced_shutdown(struct sluiced *sd)
{
	uint64_t	one = 1, deadline;
	size_t		i;

	if (sd->stop_ms == 0)
		sd->stop_ms = loop_now_ms();
	deadline = sd->stop_ms + (uint64_t)sd->cfg->shutdown_timeout_ms;
	/*
	 * The flows stop first, while delivery goes on as usual: a deleted
	 * file still held open is read to its end into the spool, which
	 * may need deliveries to free room (flow_stop).  Only then is the
	 * delivery thread told to start no new request.
	 */
	for (i = 0; i < sd->nflows; i++)
		flow_stop(sd->flows[i], deadline);
	atomic_store(&sd->drain_deadline, deadline);
	if (write(sd->drainfd, &one, sizeof one) == -1) {
		log_warn("waking the delivery thread; stopping it now");
		loop_stop(sd->delivery);
	}
	pthread_join(sd->delivery_thread, NULL);
	log_info("delivery stopped %llu ms after the signal",
	    (unsigned long long)(loop_now_ms() - sd->stop_ms));

	ctl_close(sd->ctl);
	state_free(sd->state);
	prom_close(sd->prom);
	cloudwatch_free(sd->cw);
	for (i = 0; i < sd->nflows; i++)
		flow_free(sd->flows[i]);
	free(sd->flows);
	free(sd->flow_cfgs);
	sluiced_reload_free(sd);
	sluiced_skips_free(sd);
	creds_stop(sd->creds);		/* its chain uses the imds client */
	imds_free(sd->imds);
	http_free(sd->http);
	creds_free(sd->creds);
	loop_del_fd(sd->ingest, sd->sigfd);
	close(sd->sigfd);
	loop_timer_free(sd->drain_timer);
	loop_timer_free(sd->sample_timer);
	loop_del_fd(sd->delivery, sd->drainfd);
	close(sd->drainfd);
	loop_free(sd->ingest);
	loop_free(sd->delivery);
	for (i = 0; i < sd->ncfgs; i++)
		config_free(sd->cfgs[i]);
	free(sd->cfgs);
	free(sd->reload_error);
	pthread_mutex_destroy(&sd->flows_mtx);
	close(sd->lockfd);
}

int
main(int argc, char *argv[])
{
	struct args	 args;
	struct sluiced	 sd;
	struct flow_env	 env;
	char		*errors = NULL, *cause = NULL;
	size_t		 i;
	int		 rv;

	log_init("sluiced", 0);
	parse_args(argc, argv, &args);
	log_init("sluiced", args.verbose);

	memset(&sd, 0, sizeof sd);
	sd.conffile = args.conffile;
	if ((sd.cfg = config_load(args.conffile, &errors)) == NULL) {
		fprintf(stderr, "%s\n", errors);
		free(errors);
		return (1);
	}
	if (sluiced_socket_group(sd.cfg, &sd.socket_gid, &cause) == -1) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		config_free(sd.cfg);
		return (1);
	}
	if (args.checkonly) {
		(void)region_resolve(sd.cfg, NULL, NULL);
		sluiced_check_unit_paths(sd.cfg);
		sluiced_check_patterns(sd.cfg);
		/* Each file that added flows, then the main one. */
		for (i = 1; i < sd.cfg->nfiles; i++)
			printf("%s: OK\n", sd.cfg->files[i]);
		printf("%s: configuration OK\n", args.conffile);
		config_free(sd.cfg);
		return (0);
	}
	if (gethostname(sd.hostname, sizeof sd.hostname) == -1)
		snprintf(sd.hostname, sizeof sd.hostname, "localhost");
	sd.hostname[sizeof sd.hostname - 1] = '\0';
	sd.imds = imds_create();
	if (args.pipe_name != NULL) {
		sluiced_env(&sd, &env);
		rv = flow_pipe(&env, args.pipe_name);
		imds_free(sd.imds);
		config_free(sd.cfg);
		return (rv);
	}

	if (region_resolve(sd.cfg, sd.imds, &cause) == -1)
		fatalx("%s", cause);
	sd.cfgs = xcalloc(1, sizeof *sd.cfgs);
	sd.cfgs[sd.ncfgs++] = sd.cfg;
	pthread_mutex_init(&sd.flows_mtx, NULL);
	sluiced_init(&sd);
	sluiced_create_flows(&sd);
	if ((sd.ctl = ctl_open(sd.delivery, sd.cfg->control_socket,
	    status_cb, &sd, &cause)) == NULL)
		fatalx("control socket: %s", cause);
	if (sd.cfg->control_socket_group != NULL &&
	    ctl_set_group(sd.ctl, sd.socket_gid, &cause) == -1)
		fatalx("controlSocketGroup: %s", cause);
	ctl_set_state(sd.ctl, state_ctl, sd.state);
	ctl_set_reload(sd.ctl, sluiced_reload_ctl, &sd);
	ctl_set_flow(sd.ctl, sluiced_flow_ctl, &sd);
	sluiced_cloudwatch(&sd);
	/* Shipping matters more than its metrics: a busy port is logged. */
	if (sd.cfg->metrics_listen != NULL && (sd.prom = prom_open(sd.delivery,
	    sd.cfg->metrics_listen, prom_text_cb, &sd, &cause)) == NULL) {
		log_warnx("no Prometheus endpoint: %s", cause);
		free(cause);
		cause = NULL;
	}
	if (pthread_create(&sd.delivery_thread, NULL, delivery_main,
	    &sd) != 0)
		fatalx("cannot start the delivery thread");
	/* Status answers while the first scans open the files. */
	for (i = 0; i < sd.nflows; i++)
		flow_start(sd.flows[i]);
	log_info("started (version %s, config %s, %zu flow%s)",
	    SLUICE_VERSION, args.conffile, sd.nflows,
	    sd.nflows == 1 ? "" : "s");
	if (sd.nflows == 0)
		log_info("no flows configured in %s: waiting", args.conffile);
	sluiced_check_patterns(sd.cfg);
	sdnotify_send("READY=1");
	/* On the ingest loop: if it stops turning, systemd restarts us. */
	sd.watchdog = sdnotify_watchdog_start(sd.ingest);

	loop_run(sd.ingest);

	sdnotify_send("STOPPING=1");
	sdnotify_watchdog_free(sd.watchdog);
	sluiced_shutdown(&sd);
	log_info("stopped");
	return (0);
}
