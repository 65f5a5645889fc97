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
#include <sys/resource.h>
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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "creds.h"
#include "ctl.h"
#include "durable.h"
#include "flow.h"
#include "http.h"
#include "imds.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "region.h"
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
	struct ctl	 *ctl;
	struct flow	**flows;
	size_t		  nflows;
	size_t		  max_open;	/* log files per flow */
	time_t		  started;
	int		  sigfd;
	int		  lockfd;
	char		  hostname[256];
};

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

static void
parse_args(int argc, char *argv[], struct args *a)
{
	int	ch;

	memset(a, 0, sizeof *a);
	a->conffile = SLUICE_CONFIG_FILE;
	while ((ch = getopt(argc, argv, "c:h:np:vV")) != -1) {
		switch (ch) {
		case 'c':
			a->conffile = optarg;
			break;
		case 'h':
			if (strcmp(optarg, "config") != 0)
				usage();
			config_print_help(stdout);
			exit(0);
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
			usage();
		}
	}
	if (optind != argc)
		usage();
}

static void
signal_cb(int fd, uint32_t events, void *arg)
{
	struct sluiced		*sd = arg;
	struct signalfd_siginfo	 si;

	(void)events;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
		log_info("received signal %d; shutting down",
		    (int)si.ssi_signo);
		loop_stop(sd->ingest);
	}
}

/* Adds "credentials" (creds_describe) to the status JSON s, which it frees. */
static char *
sluiced_status_creds(struct sluiced *sd, char *s)
{
	json_t	*doc;
	char	*d, *out;

	if ((doc = json_loads(s, 0, NULL)) == NULL || !json_is_object(doc)) {
		json_decref(doc);
		return (s);
	}
	d = creds_describe(sd->creds);
	json_object_set_new(doc, "credentials", json_string(d));
	free(d);
	if ((out = json_dumps(doc, JSON_COMPACT)) == NULL) {
		json_decref(doc);
		return (s);
	}
	json_decref(doc);
	free(s);
	return (out);
}

static char *
status_cb(void *arg)
{
	struct sluiced	 *sd = arg;
	struct metrics	**ms;
	char		 *s;
	size_t		  i;

	ms = xcalloc(sd->nflows, sizeof *ms);
	for (i = 0; i < sd->nflows; i++)
		ms[i] = flow_metrics(sd->flows[i]);
	s = metrics_status_json(ms, sd->nflows, sd->started);
	free(ms);
	return (sluiced_status_creds(sd, s));
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
	if (durable_mkdirs(sd->cfg->state_directory, 0750, &cause) == -1)
		fatalx("%s", cause);
	sd->lockfd = lock_state_directory(sd->cfg->state_directory);
	/* With none yet, the daemon spools and creds_start keeps looking. */
	sd->creds = creds_new(sd->cfg, sd->imds);
	(void)creds_load(sd->creds, &cause);
	free(cause);
	cause = NULL;
	imds_set_creds(sd->imds, sd->creds);
	creds_start(sd->creds);
	if ((sd->http = http_create(sd->delivery)) == NULL)
		fatalx("cannot initialise HTTP client");
	sluiced_http_options(sd);
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
 * Creates every flow, which opens no log file yet (sluiced_start_flows).
 * Two unnamed flows to one stream share a name, so the later one is told
 * apart by its place in the file ("s#2").
 */
static void
sluiced_create_flows(struct sluiced *sd)
{
	const struct config_flow	*fc;
	struct flow_env			 env;
	char				*name, *cause = NULL;
	size_t				 i, j;

	sluiced_env(sd, &env);
	sd->flows = xcalloc(sd->cfg->nflows, sizeof *sd->flows);
	for (i = 0; i < sd->cfg->nflows; i++) {
		fc = &sd->cfg->flows[i];
		name = xstrdup(fc->name);
		for (j = 0; j < i; j++) {
			if (strcmp(flow_name(sd->flows[j]), name) == 0) {
				free(name);
				xasprintf(&name, "%s#%zu", fc->name, i + 1);
				break;
			}
		}
		if ((sd->flows[i] = flow_create(&env, fc, name, &cause)) ==
		    NULL)
			fatalx("flow=%s: %s", name, cause);
		sd->nflows++;
		free(name);
	}
}

/* Undoes sluiced_init and sluiced_create_flows, in reverse order. */
static void
sluiced_shutdown(struct sluiced *sd)
{
	size_t	i;

	for (i = 0; i < sd->nflows; i++)
		flow_stop(sd->flows[i]);
	loop_stop(sd->delivery);
	pthread_join(sd->delivery_thread, NULL);

	ctl_close(sd->ctl);
	for (i = 0; i < sd->nflows; i++)
		flow_free(sd->flows[i]);
	free(sd->flows);
	creds_stop(sd->creds);		/* its chain uses the imds client */
	imds_free(sd->imds);
	http_free(sd->http);
	creds_free(sd->creds);
	loop_del_fd(sd->ingest, sd->sigfd);
	close(sd->sigfd);
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
	if (args.checkonly) {
		(void)region_resolve(sd.cfg, NULL, NULL);
		printf("configuration OK\n");
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
	if (pthread_create(&sd.delivery_thread, NULL, delivery_main,
	    &sd) != 0)
		fatalx("cannot start the delivery thread");
	/* Status answers while the first scans open the files. */
	for (i = 0; i < sd.nflows; i++)
		flow_start(sd.flows[i]);
	log_info("started (version %s, config %s, %zu flow%s)",
	    SLUICE_VERSION, args.conffile, sd.nflows,
	    sd.nflows == 1 ? "" : "s");
	notify("READY=1");

	loop_run(sd.ingest);

	notify("STOPPING=1");
	sluiced_shutdown(&sd);
	log_info("stopped");
	return (0);
}
