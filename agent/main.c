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
#include <sys/file.h>

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
#include "durable.h"
#include "flow.h"
#include "http.h"
#include "imds.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "prom.h"
#include "region.h"
#include "sdnotify.h"
#include "state.h"
#include "xmalloc.h"

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
 * The daemon's state.  There are no file-scope globals: signals arrive
 * through a signalfd on the ingest loop, not in a handler, so every
 * callback is given what it needs as its argument.
 */
struct sluiced {
	struct config	 *cfg;
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
	size_t		  max_open;	/* log files per flow */
	time_t		  started;
	int		  sigfd;
	int		  lockfd;
	char		  hostname[256];

	/* The delivery thread's part of a stop (sluiced_drain_cb). */
	int		  drainfd;	/* an eventfd the ingest side wakes */
	struct loop_timer *drain_timer;	/* shutdownTimeoutMillis */
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

/*
 * Two daemons on one state directory would corrupt each other's spools, so
 * the first holds a lock on it for its whole life.
 */
static int
lock_state_directory(const char *dir)
{
	char	*path;
	int	 lockfd;

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

static void
signal_cb(int fd, uint32_t events, void *arg)
{
	struct sluiced		*sd = arg;
	struct signalfd_siginfo	 si;

	(void)events;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
		/*
		 * A logrotate postrotate "kill -HUP" must not stop shipping:
		 * until reload exists, SIGHUP changes nothing.
		 */
		if (si.ssi_signo == SIGHUP) {
			log_warnx("received SIGHUP: reload is not supported "
			    "yet; going on with the configuration read at "
			    "start (restart sluiced to apply changes)");
			continue;
		}
		log_info("received signal %d; shutting down",
		    (int)si.ssi_signo);
		if (sd->stop_ms == 0)
			sd->stop_ms = loop_now_ms();
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

static char *
status_cb(void *arg)
{
	struct sluiced	 *sd = arg;
	struct metrics	**ms;
	json_t		 *o;
	char		 *s;
	size_t		  i;

	ms = xcalloc(sd->nflows > 0 ? sd->nflows : 1, sizeof *ms);
	for (i = 0; i < sd->nflows; i++)
		ms[i] = flow_metrics(sd->flows[i]);
	s = metrics_status_json(ms, sd->nflows, sd->started);
	free(ms);
	/* State that does not run shows beside the flows that do. */
	if (s == NULL || (o = json_loads(s, 0, NULL)) == NULL)
		return (s);
	free(s);
	state_status(sd->state, o);
	json_object_set_new(o, "sluicedVersion", json_string(SLUICE_VERSION));
	json_object_set_new(o, "configFile", json_string(sd->cfg->path));
	s = creds_describe(sd->creds);
	json_object_set_new(o, "credentials", json_string(s));
	free(s);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return (s);
}

/* The Prometheus text of every flow, for each scrape. */
static char *
prom_text_cb(void *arg)
{
	struct sluiced	 *sd = arg;
	struct metrics	**ms;
	struct buf	  b = BUF_INIT(PROM_TEXT_MAX);
	size_t		  i;

	ms = xcalloc(sd->nflows, sizeof *ms);
	for (i = 0; i < sd->nflows; i++)
		ms[i] = flow_metrics(sd->flows[i]);
	prom_render(&b, ms, sd->nflows, sd->started);
	free(ms);
	if (buf_has_failed(&b)) {
		buf_free(&b);
		return (NULL);
	}
	return (buf_take(&b));
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
sluiced_http_options(struct sluiced *sd)
{
	const struct config	*cfg = sd->cfg;
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
	if (durable_mkdirs(sd->cfg->state_directory, 0750, &cause) == -1)
		fatalx("%s", cause);
	sd->lockfd = lock_state_directory(sd->cfg->state_directory);
	sd->creds = creds_new(sd->cfg, sd->imds);
	imds_set_creds(sd->imds, sd->creds);
	/*
	 * With none yet, the daemon spools and creds_start keeps looking.  A
	 * config with no flows sends nothing: the chain is not walked.
	 */
	if (sd->cfg->nflows > 0) {
		(void)creds_load(sd->creds, &cause);
		free(cause);
		cause = NULL;
		creds_start(sd->creds);
	}
	if ((sd->http = http_create(sd->delivery)) == NULL)
		fatalx("cannot initialise HTTP client");
	sluiced_http_options(sd);
}

/*
 * Looks controlSocketGroup up, by name or number.  Returns 0, or -1 after
 * saying what is wrong.
 */
static int
sluiced_socket_group(const struct config *cfg, gid_t *gid)
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
	fprintf(stderr, "%s: controlSocketGroup: no group \"%s\" on this "
	    "machine\n", cfg->path, name);
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
		sd->flows[sd->nflows++] = fl;
		state_add_flow(sd->state, fl);
	}
	state_start(sd->state, sd->ingest);
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
	creds_stop(sd->creds);		/* its chain uses the imds client */
	imds_free(sd->imds);
	http_free(sd->http);
	creds_free(sd->creds);
	loop_del_fd(sd->ingest, sd->sigfd);
	close(sd->sigfd);
	loop_timer_free(sd->drain_timer);
	loop_del_fd(sd->delivery, sd->drainfd);
	close(sd->drainfd);
	loop_free(sd->ingest);
	loop_free(sd->delivery);
	config_free(sd->cfg);
	close(sd->lockfd);
}

int
main(int argc, char *argv[])
{
	struct args	 args;
	struct sluiced	 sd;
	struct flow_env	 env;
	struct metrics	**ms;
	char		*errors = NULL, *cause = NULL;
	size_t		 i;
	int		 rv;

	log_init("sluiced", 0);
	parse_args(argc, argv, &args);
	log_init("sluiced", args.verbose);

	memset(&sd, 0, sizeof sd);
	if ((sd.cfg = config_load(args.conffile, &errors)) == NULL) {
		fprintf(stderr, "%s\n", errors);
		free(errors);
		return (1);
	}
	if (sluiced_socket_group(sd.cfg, &sd.socket_gid) == -1) {
		config_free(sd.cfg);
		return (1);
	}
	if (args.checkonly) {
		(void)region_resolve(sd.cfg, NULL, NULL);
		sluiced_check_unit_paths(sd.cfg);
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
	sluiced_init(&sd);
	sluiced_create_flows(&sd);
	if ((sd.ctl = ctl_open(sd.delivery, sd.cfg->control_socket,
	    status_cb, &sd, &cause)) == NULL)
		fatalx("control socket: %s", cause);
	if (sd.cfg->control_socket_group != NULL &&
	    ctl_set_group(sd.ctl, sd.socket_gid, &cause) == -1)
		fatalx("controlSocketGroup: %s", cause);
	ctl_set_state(sd.ctl, state_ctl, sd.state);
	/* Metrics are not the data: without them, delivery goes on. */
	ms = xcalloc(sd.nflows + 1, sizeof *ms);
	for (i = 0; i < sd.nflows; i++)
		ms[i] = flow_metrics(sd.flows[i]);
	if ((sd.cw = cloudwatch_create(sd.delivery, sd.http, sd.cfg, sd.creds,
	    sd.imds, sd.hostname, ms, sd.nflows, &cause)) == NULL &&
	    cause != NULL) {
		log_warnx("no CloudWatch metrics: %s", cause);
		free(cause);
		cause = NULL;
	}
	free(ms);
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
