/*
 * ctl: see ctl.h.  The listening socket and every client are nonblocking
 * fds in the delivery thread's loop.  A client goes through two phases:
 * reading its one request line into a fixed buffer of CTL_REQUEST_MAX
 * bytes, then writing the reply, after which it is closed.  The exchange
 * follows OpenSMTPD's control.c: a table of commands with a per-command
 * privilege flag checked against SO_PEERCRED.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* struct ucred, accept4 */
#endif

#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_proto.h"
#include "log.h"
#include "loop.h"
#include "xmalloc.h"

/* Tokens in a request: magic, version, command and its arguments. */
#define CTL_TOKENS_MAX		16
/* Connections taken per wake-up, so a flood cannot starve the loop. */
#define CTL_ACCEPT_BURST	16
/* After running out of fds, wait this long before accepting again. */
#define CTL_ACCEPT_PAUSE_MS	1000
/* Pending input read and dropped before close (see ctl_client_free). */
#define CTL_DRAIN_MAX		(64 * 1024)

struct ctl_client {
	struct ctl		*ctl;
	int			 fd;
	uid_t			 uid;		/* (uid_t)-1 if unknown */
	pid_t			 pid;
	char			 in[CTL_REQUEST_MAX];
	size_t			 inlen;
	char			*out;		/* NULL while reading */
	size_t			 outlen;
	size_t			 outoff;
	struct loop_timer	*timer;
	uint64_t		 pending;	/* a reload's id, or 0 */
	LIST_ENTRY(ctl_client)	 entry;
};

struct ctl {
	struct loop		*loop;
	int			 fd;
	char			*path;
	dev_t			 dev;		/* identify our socket file */
	ino_t			 ino;
	uid_t			 uid;		/* the daemon's */
	ctl_status_fn		 status;
	void			*arg;
	ctl_state_fn		 state;
	void			*state_arg;
	ctl_reload_fn		 reload;
	void			*reload_arg;
	ctl_flow_fn		 flow;
	void			*flow_arg;
	uint64_t		 last_id;	/* of a deferred reply */
	int			 deferred;	/* its reply comes later */
	LIST_HEAD(, ctl_client)	 clients;
	size_t			 nclients;
	struct loop_timer	*accept_timer;
};

/*
 * A handler returns the reply document (malloc'd JSON, no trailing newline),
 * or NULL with *cause set.
 */
struct ctl_command {
	const char	*name;
	int		 flags;		/* CTL_CMD_* */
	char		*(*fn)(struct ctl *, int, char **, char **);
};

static char	*ctl_cmd_status(struct ctl *, int, char **, char **);
static char	*ctl_cmd_state(struct ctl *, int, char **, char **);
static char	*ctl_cmd_adopt(struct ctl *, int, char **, char **);
static char	*ctl_cmd_discard(struct ctl *, int, char **, char **);
static char	*ctl_cmd_reload(struct ctl *, int, char **, char **);
static char	*ctl_cmd_replay(struct ctl *, int, char **, char **);
static char	*ctl_cmd_flow(struct ctl *, int, char **, char **);

static const struct ctl_command ctl_commands[] = {
	{ CTL_CMD_STATUS,	0,	ctl_cmd_status },
	{ CTL_CMD_STATE,	0,	ctl_cmd_state },
	{ CTL_CMD_ADOPT,	CTL_CMD_PRIVILEGED, ctl_cmd_adopt },
	{ CTL_CMD_DISCARD,	CTL_CMD_PRIVILEGED, ctl_cmd_discard },
	{ CTL_CMD_RELOAD,	CTL_CMD_PRIVILEGED, ctl_cmd_reload },
	{ CTL_CMD_REPLAY,	CTL_CMD_PRIVILEGED, ctl_cmd_replay },
	{ CTL_CMD_PAUSE,	CTL_CMD_PRIVILEGED, ctl_cmd_flow },
	{ CTL_CMD_RESUME,	CTL_CMD_PRIVILEGED, ctl_cmd_flow },
	{ CTL_CMD_FLUSH,	CTL_CMD_PRIVILEGED, ctl_cmd_flow },
	{ CTL_CMD_SKIP,		CTL_CMD_PRIVILEGED, ctl_cmd_flow },
	{ NULL,			0,	NULL }
};

static void	ctl_accept_cb(int, uint32_t, void *);
static void	ctl_client_cb(int, uint32_t, void *);
static void	ctl_client_reply(struct ctl_client *, char *);

int
ctl_peer_is_allowed(int flags, uid_t peer_uid, uid_t daemon_uid)
{
	if ((flags & CTL_CMD_PRIVILEGED) == 0)
		return (1);
	if (peer_uid == (uid_t)-1)
		return (0);
	return (peer_uid == 0 || peer_uid == daemon_uid);
}

/* Returns {"error":msg} as malloc'd JSON; never fails. */
static char *
ctl_error_json(const char *msg)
{
	json_t	*o;
	char	*s;

	/* msg is ASCII or comes from us; jansson refuses only bad UTF-8. */
	o = json_pack("{s:s}", "error", msg);
	s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (s == NULL)
		s = xstrdup("{\"error\":\"internal error\"}");
	return (s);
}

static char *
ctl_cmd_status(struct ctl *c, int argc, char **argv, char **cause)
{
	char	*doc;

	(void)argv;
	if (argc != 0) {
		xasprintf(cause, "command \"%s\" takes no arguments",
		    CTL_CMD_STATUS);
		return (NULL);
	}
	if ((doc = c->status(c->arg)) == NULL) {
		*cause = xstrdup("status unavailable");
		return (NULL);
	}
	return (doc);
}

static char *
ctl_state_call(struct ctl *c, const char *cmd, int argc, char **argv,
    char **cause)
{
	if (c->state == NULL) {
		*cause = xstrdup("no state to show yet");
		return (NULL);
	}
	return (c->state(c->state_arg, cmd, argc, argv, cause));
}

static char *
ctl_cmd_state(struct ctl *c, int argc, char **argv, char **cause)
{
	return (ctl_state_call(c, CTL_CMD_STATE, argc, argv, cause));
}

static char *
ctl_cmd_adopt(struct ctl *c, int argc, char **argv, char **cause)
{
	return (ctl_state_call(c, CTL_CMD_ADOPT, argc, argv, cause));
}

static char *
ctl_cmd_discard(struct ctl *c, int argc, char **argv, char **cause)
{
	return (ctl_state_call(c, CTL_CMD_DISCARD, argc, argv, cause));
}

/*
 * The reply comes with ctl_reply once the reload is over, which may take
 * shutdownTimeoutMillis: deferred (ctl_cmd_flow), so no timeout meanwhile.
 */
static char *
ctl_cmd_reload(struct ctl *c, int argc, char **argv, char **cause)
{
	(void)argv;
	if (argc != 0)
		xasprintf(cause, "command \"%s\" takes no arguments",
		    CTL_CMD_RELOAD);
	else if (c->reload == NULL)
		*cause = xstrdup("reload is not available yet");
	else {
		c->reload(c->reload_arg, c->last_id + 1);
		c->deferred = 1;
	}
	return (NULL);
}

void
ctl_set_reload(struct ctl *c, ctl_reload_fn fn, void *arg)
{
	c->reload = fn;
	c->reload_arg = arg;
}

void
ctl_reply(struct ctl *c, uint64_t id, char *doc)
{
	struct ctl_client	*cl;

	LIST_FOREACH(cl, &c->clients, entry) {
		if (cl->pending == id) {
			cl->pending = 0;
			loop_timer_set(cl->timer, CTL_CLIENT_TIMEOUT_MS);
			ctl_client_reply(cl, doc);
			return;
		}
	}
	free(doc);		/* the client has gone */
}

static char *
ctl_cmd_replay(struct ctl *c, int argc, char **argv, char **cause)
{
	return (ctl_state_call(c, CTL_CMD_REPLAY, argc, argv, cause));
}

/*
 * argv[-1] is the command (ctl_dispatch passes tok + 1).  A reply that
 * comes later, from the ingest thread, is marked deferred for
 * ctl_dispatch, under the id last_id + 1.
 */
static char *
ctl_cmd_flow(struct ctl *c, int argc, char **argv, char **cause)
{
	char	*doc;

	if (c->flow == NULL) {
		*cause = xstrdup("flows are not available yet");
		return (NULL);
	}
	doc = c->flow(c->flow_arg, c->last_id + 1, argv[-1], argc, argv,
	    cause);
	if (doc == NULL && *cause == NULL)
		c->deferred = 1;
	return (doc);
}

void
ctl_set_flow(struct ctl *c, ctl_flow_fn fn, void *arg)
{
	c->flow = fn;
	c->flow_arg = arg;
}

void
ctl_set_state(struct ctl *c, ctl_state_fn fn, void *arg)
{
	c->state = fn;
	c->state_arg = arg;
}

/*
 * Splits line (len bytes, NUL-terminated, without its newline) in place
 * into tokens separated by single spaces.  Returns the number of tokens, or
 * -1 if the line has a byte outside printable ASCII (a NUL included), an
 * empty token or too many.
 */
static int
ctl_tokenize(char *line, size_t len, char **tok, int maxtok)
{
	char	*p;
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && (line[i] < 0x21 || line[i] > 0x7e))
			return (-1);
	p = line;
	for (;;) {
		if (*p == '\0' || *p == ' ' || n == maxtok)
			return (-1);
		tok[n++] = p;
		if ((p = strchr(p, ' ')) == NULL)
			return (n);
		*p++ = '\0';
	}
}

/* Parses a protocol version: 1 to 9 decimal digits.  Returns it or -1. */
static long
ctl_parse_version(const char *s)
{
	size_t	len;

	len = strlen(s);
	if (len == 0 || len > 9 || strspn(s, "0123456789") != len)
		return (-1);
	return (strtol(s, NULL, 10));
}

int
ctl_parse_request(char *line, size_t len, char **argv, int maxargs,
    char **msg)
{
	char	*tok[CTL_TOKENS_MAX];
	long	 version;
	int	 n, i;

	*msg = NULL;
	n = ctl_tokenize(line, len, tok, CTL_TOKENS_MAX);
	if (n < 3 || strcmp(tok[0], CTL_PROTO_MAGIC) != 0 ||
	    (version = ctl_parse_version(tok[1])) == -1) {
		xasprintf(msg, "malformed request (expected \"%s <version> "
		    "<command>\")", CTL_PROTO_MAGIC);
		return (-1);
	}
	if (version != CTL_PROTO_VERSION) {
		xasprintf(msg, "protocol version mismatch: client %ld, "
		    "server %d", version, CTL_PROTO_VERSION);
		return (-1);
	}
	if (n - 2 > maxargs) {
		xasprintf(msg, "too many arguments");
		return (-1);
	}
	for (i = 2; i < n; i++)
		argv[i - 2] = tok[i];
	return (n - 2);
}

/*
 * Runs the request in line (len bytes in the client's buffer, its newline
 * replaced by NUL) and returns the reply document (malloc'd, no newline).
 */
static char *
ctl_dispatch(struct ctl_client *cl, char *line, size_t len)
{
	const struct ctl_command	*cmd;
	char				*tok[CTL_TOKENS_MAX];
	char				*reply, *cause = NULL, *msg = NULL;
	int				 n;

	if ((n = ctl_parse_request(line, len, tok, CTL_TOKENS_MAX,
	    &msg)) == -1)
		goto error;
	for (cmd = ctl_commands; cmd->name != NULL; cmd++)
		if (strcmp(cmd->name, tok[0]) == 0)
			break;
	if (cmd->name == NULL) {
		xasprintf(&msg, "unknown command \"%s\"", tok[0]);
		goto error;
	}
	if (!ctl_peer_is_allowed(cmd->flags, cl->uid, cl->ctl->uid)) {
		xasprintf(&msg, "permission denied: \"%s\" needs root or uid "
		    "%lu", cmd->name, (unsigned long)cl->ctl->uid);
		goto error;
	}
	log_debug("control: pid %ld uid %ld: %s", (long)cl->pid,
	    (long)cl->uid, cmd->name);
	if ((reply = cmd->fn(cl->ctl, n - 1, tok + 1, &cause)) != NULL)
		return (reply);
	if (cause == NULL && cl->ctl->deferred) {
		/* A reload's or a skip's: the other thread always answers. */
		cl->ctl->deferred = 0;
		cl->pending = ++cl->ctl->last_id;
		loop_timer_cancel(cl->timer);
		return (NULL);
	}
	msg = cause;
error:
	log_debug("control: pid %ld uid %ld: %s", (long)cl->pid,
	    (long)cl->uid, msg);
	reply = ctl_error_json(msg);
	free(msg);
	return (reply);
}

static void
ctl_client_free(struct ctl_client *cl)
{
	struct ctl	*c = cl->ctl;
	char		 scratch[4096];
	size_t		 drained = 0;
	ssize_t		 n;

	/*
	 * Closing a Unix stream socket with unread input makes the peer's
	 * next read fail with ECONNRESET instead of seeing EOF after our
	 * reply; read a bounded amount of what a client sent too much.
	 */
	while (drained < CTL_DRAIN_MAX &&
	    (n = read(cl->fd, scratch, sizeof scratch)) > 0)
		drained += n;

	LIST_REMOVE(cl, entry);
	c->nclients--;
	loop_del_fd(c->loop, cl->fd);
	close(cl->fd);
	loop_timer_free(cl->timer);
	free(cl->out);
	free(cl);
}

/*
 * Sends {"error":msg} if the socket takes it at once, for a client we are
 * about to drop; a client that does not read gets nothing.
 */
static void
ctl_send_error_now(int fd, const char *msg)
{
	char	*doc, *line;

	doc = ctl_error_json(msg);
	xasprintf(&line, "%s\n", doc);
	(void)send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	free(line);
	free(doc);
}

static void
ctl_client_timeout(void *arg)
{
	struct ctl_client	*cl = arg;

	log_debug("control: pid %ld: timed out", (long)cl->pid);
	if (cl->out == NULL)
		ctl_send_error_now(cl->fd, "timed out waiting for the "
		    "request");
	ctl_client_free(cl);
}

/* Writes what it can of the reply.  Returns 1 when done, 0 or -1. */
static int
ctl_client_write(struct ctl_client *cl)
{
	ssize_t	n;

	while (cl->outoff < cl->outlen) {
		n = send(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return (0);
			return (-1);
		}
		cl->outoff += n;
		loop_timer_set(cl->timer, CTL_CLIENT_TIMEOUT_MS);
	}
	return (1);
}

/* Queues the reply (takes ownership of doc) and starts writing it. */
static void
ctl_client_reply(struct ctl_client *cl, char *doc)
{
	size_t	len;

	len = strlen(doc);
	cl->out = xrealloc(doc, len + 1);
	cl->out[len] = '\n';
	cl->outlen = len + 1;
	cl->outoff = 0;
	switch (ctl_client_write(cl)) {
	case 0:
		if (loop_mod_fd(cl->ctl->loop, cl->fd, EPOLLOUT) == 0)
			break;
		log_warn("control: epoll");
		/* FALLTHROUGH */
	default:
		ctl_client_free(cl);
		break;
	}
}

/* Reads the request; once a full line is in, replies to it. */
static void
ctl_client_read(struct ctl_client *cl)
{
	ssize_t	 n;
	char	*nl, *msg, *doc;

	if (cl->pending != 0) {
		/* Waiting for ctl_reply: more input is dropped, EOF ends. */
		n = read(cl->fd, cl->in, sizeof cl->in);
		if (n == 0 || (n == -1 && errno != EINTR && errno != EAGAIN &&
		    errno != EWOULDBLOCK))
			ctl_client_free(cl);
		return;
	}
	n = read(cl->fd, cl->in + cl->inlen, sizeof cl->in - cl->inlen);
	if (n == -1) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		ctl_client_free(cl);
		return;
	}
	if (n == 0) {
		/* A bare connect, as ctl_open's probe does: not an error. */
		if (cl->inlen == 0)
			ctl_client_free(cl);
		else
			ctl_client_reply(cl, ctl_error_json("malformed "
			    "request (no newline before end of input)"));
		return;
	}
	nl = memchr(cl->in + cl->inlen, '\n', n);
	cl->inlen += n;
	if (nl != NULL) {
		/* Forgive a CR from people typing into socat or nc. */
		if (nl > cl->in && nl[-1] == '\r')
			nl--;
		*nl = '\0';
		if ((doc = ctl_dispatch(cl, cl->in, nl - cl->in)) != NULL)
			ctl_client_reply(cl, doc);
	} else if (cl->inlen == sizeof cl->in) {
		xasprintf(&msg, "request too long (the limit is %d bytes)",
		    CTL_REQUEST_MAX);
		ctl_client_reply(cl, ctl_error_json(msg));
		free(msg);
	}
}

static void
ctl_client_cb(int fd, uint32_t events, void *arg)
{
	struct ctl_client	*cl = arg;

	(void)fd;
	if (cl->out == NULL) {
		/* EPOLLHUP and EPOLLERR surface through read(). */
		ctl_client_read(cl);
		return;
	}
	if (events & EPOLLERR) {
		ctl_client_free(cl);
		return;
	}
	if (ctl_client_write(cl) != 0)
		ctl_client_free(cl);
}

static void
ctl_client_new(struct ctl *c, int fd)
{
	struct ctl_client	*cl;
	struct ucred		 cred;
	socklen_t		 len = sizeof cred;

	cl = xcalloc(1, sizeof *cl);
	cl->ctl = c;
	cl->fd = fd;
	cl->uid = (uid_t)-1;
	cl->pid = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    len == sizeof cred) {
		cl->uid = cred.uid;
		cl->pid = cred.pid;
	}
	if (loop_add_fd(c->loop, fd, EPOLLIN, ctl_client_cb, cl) == -1) {
		log_warn("control: epoll");
		close(fd);
		free(cl);
		return;
	}
	cl->timer = loop_timer_new(c->loop, ctl_client_timeout, cl);
	loop_timer_set(cl->timer, CTL_CLIENT_TIMEOUT_MS);
	LIST_INSERT_HEAD(&c->clients, cl, entry);
	c->nclients++;
}

static void
ctl_accept_resume(void *arg)
{
	struct ctl	*c = arg;

	if (loop_mod_fd(c->loop, c->fd, EPOLLIN) == -1)
		log_warn("control: epoll");
}

static void
ctl_accept_cb(int lfd, uint32_t events, void *arg)
{
	struct ctl	*c = arg;
	int		 fd, i;

	(void)events;
	for (i = 0; i < CTL_ACCEPT_BURST; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR || errno == ECONNABORTED)
				return;
			log_warn("control: accept on %s", c->path);
			/*
			 * Out of fds or memory: the listening socket stays
			 * readable, so stop watching it for a while rather
			 * than spin.
			 */
			if (loop_mod_fd(c->loop, lfd, 0) == 0)
				loop_timer_set(c->accept_timer,
				    CTL_ACCEPT_PAUSE_MS);
			return;
		}
		if (c->nclients >= CTL_CLIENTS_MAX) {
			log_debug("control: too many clients");
			ctl_send_error_now(fd, "too many clients");
			close(fd);
			continue;
		}
		ctl_client_new(c, fd);
	}
}

/* Creates the parent directory of path if it is missing. */
static int
ctl_make_parent(const char *path, char **cause)
{
	char	*dir, *slash;
	int	 rc = 0;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
			xasprintf(cause, "mkdir %s: %s: create its parent, "
			    "or set controlSocket elsewhere", dir,
			    strerror(errno));
			rc = -1;
		}
	}
	free(dir);
	return (rc);
}

/*
 * Checks what is at path: nothing, or a stale socket (removed), is fine;
 * a socket someone answers on, or anything that is not a socket, is not.
 * Returns 0 or -1 with *cause set.
 */
static int
ctl_probe(const char *path, const struct sockaddr_un *sun, char **cause)
{
	struct stat	st;
	int		fd = -1, rc = -1;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return (0);
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (!S_ISSOCK(st.st_mode)) {
		xasprintf(cause, "%s exists and is not a socket", path);
		return (-1);
	}
	/* Nonblocking: a live daemon with a full backlog gives EAGAIN. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		goto out;
	}
	if (connect(fd, (const struct sockaddr *)sun, sizeof *sun) == 0 ||
	    errno == EAGAIN || errno == EINPROGRESS) {
		xasprintf(cause, "another sluiced is running on %s", path);
		goto out;
	}
	if (errno != ECONNREFUSED && errno != ENOENT) {
		xasprintf(cause, "connect %s: %s", path, strerror(errno));
		goto out;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		xasprintf(cause, "unlink stale socket %s: %s", path,
		    strerror(errno));
		goto out;
	}
	log_info("removed stale control socket %s", path);
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	return (rc);
}

struct ctl *
ctl_open(struct loop *loop, const char *path, ctl_status_fn status,
    void *arg, char **cause)
{
	struct ctl		*c;
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 bound = 0;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "control socket path too long: %s", path);
		return (NULL);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);

	c = xcalloc(1, sizeof *c);
	c->loop = loop;
	c->fd = -1;
	c->path = xstrdup(path);
	c->uid = geteuid();
	c->status = status;
	c->arg = arg;
	LIST_INIT(&c->clients);

	if (ctl_make_parent(path, cause) == -1 ||
	    ctl_probe(path, &sun, cause) == -1)
		goto fail;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (c->fd == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		goto fail;
	}
	if (bind(c->fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		xasprintf(cause, "bind %s: %s", path, strerror(errno));
		goto fail;
	}
	bound = 1;
	/*
	 * The socket exists with the umask's mode until this chmod.  umask
	 * is process-wide, so changing it around bind would race the other
	 * thread; the brief window is harmless because privileged commands
	 * are checked with SO_PEERCRED, not by the file mode.
	 */
	if (chmod(path, 0660) == -1 || stat(path, &st) == -1) {
		xasprintf(cause, "chmod %s: %s", path, strerror(errno));
		goto fail;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if (listen(c->fd, CTL_CLIENTS_MAX) == -1) {
		xasprintf(cause, "listen %s: %s", path, strerror(errno));
		goto fail;
	}
	if (loop_add_fd(loop, c->fd, EPOLLIN, ctl_accept_cb, c) == -1) {
		xasprintf(cause, "epoll: %s", strerror(errno));
		goto fail;
	}
	c->accept_timer = loop_timer_new(loop, ctl_accept_resume, c);
	log_debug("control socket %s", path);
	return (c);

fail:
	if (bound)
		(void)unlink(path);
	if (c->fd != -1)
		close(c->fd);
	free(c->path);
	free(c);
	return (NULL);
}

int
ctl_set_group(struct ctl *c, gid_t gid, char **cause)
{
	if (chown(c->path, (uid_t)-1, gid) == -1) {
		xasprintf(cause, "chown %s to group %lu: %s", c->path,
		    (unsigned long)gid, strerror(errno));
		return (-1);
	}
	return (0);
}

void
ctl_close(struct ctl *c)
{
	struct stat	st;

	if (c == NULL)
		return;
	while (!LIST_EMPTY(&c->clients))
		ctl_client_free(LIST_FIRST(&c->clients));
	loop_timer_free(c->accept_timer);
	loop_del_fd(c->loop, c->fd);
	close(c->fd);
	/* A newer daemon may have replaced the file: leave its socket be. */
	if (stat(c->path, &st) == 0 && st.st_dev == c->dev &&
	    st.st_ino == c->ino)
		(void)unlink(c->path);
	free(c->path);
	free(c);
}
