/*
 * test_sdnotify: the messages reach $NOTIFY_SOCKET (a path, or an abstract
 * name after '@'); RELOADING=1 carries MONOTONIC_USEC, the monotonic time
 * at the call; nothing is sent without $NOTIFY_SOCKET; the watchdog starts
 * only for this process's $WATCHDOG_PID.  notify.sh runs the daemon.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"
#include "sdnotify.h"

/* Binds a datagram socket at path ("@name": abstract) and sets it. */
static int
listener(const char *path)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	else
		unlink(path);
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(fd != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, len), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", path, 1), 0);
	return (fd);
}

/* The next datagram, or "" if none is waiting. */
static void
next(int fd, char *buf, size_t size)
{
	ssize_t	n;

	n = recv(fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

static uint64_t
mono_usec(void)
{
	struct timespec	ts;

	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

static void
test_send_path_and_abstract(void **state)
{
	char	path[64], buf[256];
	int	fd;

	(void)state;
	snprintf(path, sizeof path, "/tmp/test_sdnotify.%d", (int)getpid());
	fd = listener(path);
	sdnotify_send("READY=1");
	next(fd, buf, sizeof buf);
	assert_string_equal(buf, "READY=1");
	close(fd);
	unlink(path);

	snprintf(path, sizeof path, "@test_sdnotify.%d", (int)getpid());
	fd = listener(path);
	sdnotify_send("STOPPING=1");
	next(fd, buf, sizeof buf);
	assert_string_equal(buf, "STOPPING=1");

	/* Without NOTIFY_SOCKET, nothing. */
	unsetenv("NOTIFY_SOCKET");
	sdnotify_send("READY=1");
	next(fd, buf, sizeof buf);
	assert_string_equal(buf, "");
	close(fd);
}

static void
test_reloading(void **state)
{
	char			 path[64], buf[256];
	unsigned long long	 usec;
	uint64_t		 before, after;
	int			 fd;

	(void)state;
	snprintf(path, sizeof path, "@test_sdnotify_r.%d", (int)getpid());
	fd = listener(path);
	before = mono_usec();
	sdnotify_reloading();
	after = mono_usec();
	next(fd, buf, sizeof buf);
	assert_int_equal(sscanf(buf, "RELOADING=1\nMONOTONIC_USEC=%llu", &usec),
	    1);
	assert_true(usec >= before && usec <= after);
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

static void
test_watchdog_pid(void **state)
{
	struct sdnotify_watchdog	*w;
	struct loop			*l;
	char				 pid[32];

	(void)state;
	l = loop_create();
	assert_non_null(l);
	unsetenv("WATCHDOG_USEC");
	assert_null(sdnotify_watchdog_start(l));
	setenv("WATCHDOG_USEC", "2000000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	assert_null(sdnotify_watchdog_start(l));
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	w = sdnotify_watchdog_start(l);
	assert_non_null(w);
	sdnotify_watchdog_free(w);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "soon", 1);
	assert_null(sdnotify_watchdog_start(l));
	unsetenv("WATCHDOG_USEC");
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_path_and_abstract),
		cmocka_unit_test(test_reloading),
		cmocka_unit_test(test_watchdog_pid),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
