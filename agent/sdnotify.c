/*
 * sdnotify: see sdnotify.h.  The protocol is sd_notify(3): one datagram of
 * newline-separated VARIABLE=value assignments to the AF_UNIX socket in
 * $NOTIFY_SOCKET, a path or, after '@', an abstract name.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "sdnotify.h"
#include "xmalloc.h"

struct sdnotify_watchdog {
	struct loop_timer	*timer;
	uint64_t		 interval_ms;
};

void
sdnotify_send(const char *state)
{
	struct sockaddr_un	 sun;
	const char		*path;
	socklen_t		 len;
	size_t			 n;
	int			 fd;

	if ((path = getenv("NOTIFY_SOCKET")) == NULL || *path == '\0')
		return;
	if ((path[0] != '/' && path[0] != '@') ||
	    (n = strlen(path)) >= sizeof sun.sun_path)
		return;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, n);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';		/* abstract namespace */
	len = offsetof(struct sockaddr_un, sun_path) + n;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len) == -1)
		log_debug("sd_notify %s: %s", state, strerror(errno));
	close(fd);
}

void
sdnotify_reloading(void)
{
	struct timespec	 ts;
	char		 msg[64];

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return;
	snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
	    (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
	sdnotify_send(msg);
}

static void
sdnotify_watchdog_cb(void *arg)
{
	struct sdnotify_watchdog	*w = arg;

	sdnotify_send("WATCHDOG=1");
	loop_timer_set(w->timer, w->interval_ms);
}

/*
 * The period in microseconds that systemd asks for, or 0.  $WATCHDOG_PID
 * names the process meant, which a child that inherited the environment
 * is not.
 */
static uint64_t
sdnotify_watchdog_usec(void)
{
	const char		*s;
	char			*end;
	unsigned long long	 v;

	if ((s = getenv("WATCHDOG_PID")) != NULL && *s != '\0') {
		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno != 0 || *end != '\0' || v != (unsigned long long)
		    getpid())
			return (0);
	}
	if ((s = getenv("WATCHDOG_USEC")) == NULL || *s == '\0')
		return (0);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || s[0] == '-') {
		log_warnx("WATCHDOG_USEC=%s is not a number: no watchdog "
		    "keep-alives", s);
		return (0);
	}
	return (v);
}

struct sdnotify_watchdog *
sdnotify_watchdog_start(struct loop *loop)
{
	struct sdnotify_watchdog	*w;
	uint64_t			 usec;

	if ((usec = sdnotify_watchdog_usec()) == 0)
		return (NULL);
	w = xcalloc(1, sizeof *w);
	w->interval_ms = usec / 2000;
	if (w->interval_ms == 0)
		w->interval_ms = 1;
	w->timer = loop_timer_new(loop, sdnotify_watchdog_cb, w);
	log_debug("watchdog: WATCHDOG=1 every %" PRIu64 " ms", w->interval_ms);
	sdnotify_send("WATCHDOG=1");
	loop_timer_set(w->timer, w->interval_ms);
	return (w);
}

void
sdnotify_watchdog_free(struct sdnotify_watchdog *w)
{
	if (w == NULL)
		return;
	loop_timer_free(w->timer);
	free(w);
}
