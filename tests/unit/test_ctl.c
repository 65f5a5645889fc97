/*
 * test_ctl: the control socket served from a real loop running in its own
 * thread, driven by plain blocking clients: the status exchange, every
 * error reply, input split across writes, slow and vanished readers, the
 * client cap and idle timeout, and the socket file's lifecycle (mode,
 * parent directory, a live daemon refused, a stale socket replaced).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
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

#include "ctl.h"
#include "ctl_proto.h"
#include "loop.h"
#include "xmalloc.h"

/* No single read or write of a test waits longer than this. */
#define TEST_IO_TIMEOUT_MS	(CTL_CLIENT_TIMEOUT_MS + 5000)

struct fixture {
	char		 dir[64];
	char		 rundir[96];
	char		 path[128];
	struct loop	*loop;
	struct ctl	*ctl;
	pthread_t	 thread;
	pthread_mutex_t	 mtx;
	char		*doc;		/* what the status callback returns */
	int		 calls;
};

static char *
status_cb(void *arg)
{
	struct fixture	*f = arg;
	char		*s;

	pthread_mutex_lock(&f->mtx);
	f->calls++;
	s = f->doc != NULL ? xstrdup(f->doc) : NULL;
	pthread_mutex_unlock(&f->mtx);
	return (s);
}

static void
set_doc(struct fixture *f, const char *doc)
{
	pthread_mutex_lock(&f->mtx);
	free(f->doc);
	f->doc = doc != NULL ? xstrdup(doc) : NULL;
	pthread_mutex_unlock(&f->mtx);
}

static void *
loop_thread(void *arg)
{
	struct fixture	*f = arg;

	loop_run(f->loop);
	return (NULL);
}

/* A temp dir and paths, without a server. */
static struct fixture *
fixture_new(void)
{
	struct fixture	*f;

	f = xcalloc(1, sizeof *f);
	strcpy(f->dir, "/tmp/test_ctl.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->rundir, sizeof f->rundir, "%s/run", f->dir);
	snprintf(f->path, sizeof f->path, "%s/sluice.sock", f->rundir);
	pthread_mutex_init(&f->mtx, NULL);
	f->loop = loop_create();
	assert_non_null(f->loop);
	return (f);
}

static void
fixture_start(struct fixture *f)
{
	char	*cause = NULL;

	f->ctl = ctl_open(f->loop, f->path, status_cb, f, &cause);
	if (f->ctl == NULL)
		fail_msg("ctl_open: %s", cause);
	assert_int_equal(pthread_create(&f->thread, NULL, loop_thread, f), 0);
}

static void
fixture_free(struct fixture *f)
{
	struct stat	st;

	if (f->ctl != NULL) {
		loop_stop(f->loop);
		pthread_join(f->thread, NULL);
		ctl_close(f->ctl);
		/* ctl_close removes its socket. */
		assert_int_equal(lstat(f->path, &st), -1);
		assert_int_equal(errno, ENOENT);
	}
	loop_free(f->loop);
	(void)unlink(f->path);
	(void)rmdir(f->rundir);
	assert_int_equal(rmdir(f->dir), 0);
	pthread_mutex_destroy(&f->mtx);
	free(f->doc);
	free(f);
}

static int
setup(void **state)
{
	struct fixture	*f;

	f = fixture_new();
	set_doc(f, "{\"version\":1,\"pid\":42,\"flows\":[]}");
	fixture_start(f);
	*state = f;
	return (0);
}

static int
teardown(void **state)
{
	fixture_free(*state);
	return (0);
}

static int
client_connect(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd != -1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1)
		fail_msg("connect %s: %s", path, strerror(errno));
	return (fd);
}

static void
client_send(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n == -1)
			fail_msg("send: %s", strerror(errno));
		buf += n;
		len -= n;
	}
}

/*
 * Reads until EOF and returns what came, NUL-terminated.  ECONNRESET after
 * the server closed counts as EOF (it means we sent more than it read).
 */
static char *
client_read_all(int fd, size_t *lenp)
{
	struct pollfd	 pfd;
	char		*buf = NULL;
	size_t		 len = 0, size = 0;
	ssize_t		 n;

	for (;;) {
		if (size - len < 65536) {
			size += 65536 * 4;
			buf = xrealloc(buf, size + 1);
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, TEST_IO_TIMEOUT_MS) != 1)
			fail_msg("no reply from the server");
		n = read(fd, buf + len, size - len);
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			break;
		if (n == -1)
			fail_msg("read: %s", strerror(errno));
		len += n;
	}
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return (buf);
}

/* One whole exchange: sends len bytes of req and returns the reply. */
static char *
exchange(const char *path, const char *req, size_t len)
{
	char	*reply;
	int	 fd;

	fd = client_connect(path);
	client_send(fd, req, len);
	reply = client_read_all(fd, NULL);
	close(fd);
	return (reply);
}

static char *
request(const char *path, const char *req)
{
	return (exchange(path, req, strlen(req)));
}

static void
assert_status_works(struct fixture *f)
{
	char	*reply, *want;

	pthread_mutex_lock(&f->mtx);
	xasprintf(&want, "%s\n", f->doc);
	pthread_mutex_unlock(&f->mtx);
	reply = request(f->path, "SLUICECTL 1 status\n");
	assert_string_equal(reply, want);
	free(reply);
	free(want);
}

/* Asserts reply is one line holding {"error": <something>}. */
static void
assert_error_reply(const char *reply)
{
	size_t	len = strlen(reply);

	assert_true(len > 2);
	assert_int_equal(reply[len - 1], '\n');
	assert_null(memchr(reply, '\n', len - 1));
	assert_true(strncmp(reply, "{\"error\":\"", 10) == 0);
	assert_true(strcmp(reply + len - 3, "\"}\n") == 0);
}

static void
test_status(void **state)
{
	struct fixture	*f = *state;

	assert_status_works(f);
	set_doc(f, "{\"version\":1,\"flows\":[{\"name\":\"web\"}]}");
	assert_status_works(f);
	assert_int_equal(f->calls, 2);
}

static void
test_status_unavailable(void **state)
{
	struct fixture	*f = *state;
	char		*reply;

	set_doc(f, NULL);
	reply = request(f->path, "SLUICECTL 1 status\n");
	assert_string_equal(reply, "{\"error\":\"status unavailable\"}\n");
	free(reply);
}

static void
test_version_mismatch(void **state)
{
	struct fixture	*f = *state;
	char		*reply;

	reply = request(f->path, "SLUICECTL 2 status\n");
	assert_string_equal(reply, "{\"error\":\"protocol version mismatch: "
	    "client 2, server 1\"}\n");
	free(reply);
	/* The version is checked first: a newer client's command is moot. */
	reply = request(f->path, "SLUICECTL 7 frobnicate\n");
	assert_string_equal(reply, "{\"error\":\"protocol version mismatch: "
	    "client 7, server 1\"}\n");
	free(reply);
	assert_int_equal(f->calls, 0);
}

static void
test_unknown_command(void **state)
{
	struct fixture	*f = *state;
	char		*reply;

	reply = request(f->path, "SLUICECTL 1 foo\n");
	assert_string_equal(reply,
	    "{\"error\":\"unknown command \\\"foo\\\"\"}\n");
	free(reply);
	/* Quotes in the name are escaped, so the reply stays valid JSON. */
	reply = request(f->path, "SLUICECTL 1 a\"b\\c\n");
	assert_string_equal(reply,
	    "{\"error\":\"unknown command \\\"a\\\"b\\\\c\\\"\"}\n");
	free(reply);
	reply = request(f->path, "SLUICECTL 1 status extra\n");
	assert_string_equal(reply, "{\"error\":\"command \\\"status\\\" takes "
	    "no arguments\"}\n");
	free(reply);
	assert_int_equal(f->calls, 0);
}

static void
test_crlf(void **state)
{
	struct fixture	*f = *state;
	char		*reply;

	reply = request(f->path, "SLUICECTL 1 status\r\n");
	assert_string_equal(reply, "{\"version\":1,\"pid\":42,\"flows\":[]}\n");
	free(reply);
}

static void
test_malformed(void **state)
{
	static const struct {
		const char	*req;
		size_t		 len;
	} cases[] = {
#define C(s)	{ s, sizeof s - 1 }
		C("\n"),
		C("hello\n"),
		C("SLUICECTL\n"),
		C("SLUICECTL 1\n"),
		C("sluicectl 1 status\n"),
		C("SLUICECTL x status\n"),
		C("SLUICECTL -1 status\n"),
		C("SLUICECTL 1234567890 status\n"),
		C("SLUICECTL  1 status\n"),
		C(" SLUICECTL 1 status\n"),
		C("SLUICECTL 1 status \n"),
		C("SLUICECTL 1\tstatus\n"),
		C("SLUICECTL 1 st\x00tus\n"),
		C("SLUICECTL 1 st\xc3\xa9tus\n"),
		C("\xff\xfe\x00\x01\x02\n"),
		C("SLUICECTL 1 a b c d e f g h i j k l m n o p q\n"),
		C("GET / HTTP/1.0\r\n\r\n"),
#undef C
	};
	struct fixture	*f = *state;
	char		*reply;
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		reply = exchange(f->path, cases[i].req, cases[i].len);
		assert_error_reply(reply);
		assert_non_null(strstr(reply, "malformed request"));
		free(reply);
		assert_status_works(f);
	}
	assert_int_equal(f->calls, (int)i);
}

static void
test_no_newline(void **state)
{
	struct fixture	*f = *state;
	char		*reply;
	int		 fd;

	/* The request ends at EOF without its newline. */
	fd = client_connect(f->path);
	client_send(fd, "SLUICECTL 1 status", 18);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	reply = client_read_all(fd, NULL);
	close(fd);
	assert_error_reply(reply);
	assert_non_null(strstr(reply, "no newline"));
	free(reply);

	/* A bare connect and close gets nothing, and harms nothing. */
	fd = client_connect(f->path);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	reply = client_read_all(fd, NULL);
	close(fd);
	assert_string_equal(reply, "");
	free(reply);
	assert_status_works(f);
}

static void
test_overlong(void **state)
{
	struct fixture	*f = *state;
	char		*buf, *reply;
	size_t		 n;

	buf = xmalloc(3 * CTL_REQUEST_MAX);
	/* Megabytes of garbage with no newline. */
	memset(buf, 'A', 3 * CTL_REQUEST_MAX);
	reply = exchange(f->path, buf, 3 * CTL_REQUEST_MAX);
	assert_string_equal(reply, "{\"error\":\"request too long (the limit "
	    "is 4096 bytes)\"}\n");
	free(reply);
	assert_status_works(f);

	/* Exactly CTL_REQUEST_MAX bytes with the newline: read whole. */
	n = strlen("SLUICECTL 1 ");
	memcpy(buf, "SLUICECTL 1 ", n);
	memset(buf + n, 'x', CTL_REQUEST_MAX - n - 1);
	buf[CTL_REQUEST_MAX - 1] = '\n';
	reply = exchange(f->path, buf, CTL_REQUEST_MAX);
	assert_error_reply(reply);
	assert_non_null(strstr(reply, "unknown command \\\"xxx"));
	free(reply);

	/* One byte more is refused. */
	buf[CTL_REQUEST_MAX - 1] = 'x';
	buf[CTL_REQUEST_MAX] = '\n';
	reply = exchange(f->path, buf, CTL_REQUEST_MAX + 1);
	assert_error_reply(reply);
	assert_non_null(strstr(reply, "request too long"));
	free(reply);
	free(buf);
	assert_status_works(f);
}

static void
test_split_request(void **state)
{
	static const char	*parts[] = { "SLU", "ICECTL 1", " sta", "tus",
				    "\n" };
	struct fixture		*f = *state;
	struct timespec		 ts = { 0, 30 * 1000 * 1000 };
	char			*reply;
	size_t			 i;
	int			 fd;

	fd = client_connect(f->path);
	for (i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		client_send(fd, parts[i], strlen(parts[i]));
		nanosleep(&ts, NULL);
	}
	reply = client_read_all(fd, NULL);
	close(fd);
	assert_string_equal(reply, "{\"version\":1,\"pid\":42,\"flows\":[]}\n");
	free(reply);
}

/* A JSON document of about size bytes. */
static char *
big_doc(size_t size)
{
	char	*doc;
	size_t	 i;

	doc = xmalloc(size + 1);
	memcpy(doc, "{\"pad\":\"", 8);
	for (i = 8; i < size - 2; i++)
		doc[i] = 'a' + i % 26;
	memcpy(doc + size - 2, "\"}", 3);
	return (doc);
}

static void
test_slow_reader(void **state)
{
	struct fixture	*f = *state;
	struct timespec	 ts = { 0, 300 * 1000 * 1000 };
	char		*doc, *reply;
	size_t		 len, size = 4 * 1024 * 1024;
	int		 fd;

	doc = big_doc(size);
	set_doc(f, doc);
	/* Far more than a socket buffer: the server must wait for us. */
	fd = client_connect(f->path);
	client_send(fd, "SLUICECTL 1 status\n", 19);
	nanosleep(&ts, NULL);

	/* Meanwhile other clients are served. */
	reply = request(f->path, "SLUICECTL 1 nope\n");
	assert_error_reply(reply);
	free(reply);

	reply = client_read_all(fd, &len);
	close(fd);
	assert_int_equal(len, size + 1);
	assert_memory_equal(reply, doc, size);
	assert_int_equal(reply[size], '\n');
	free(reply);
	free(doc);
}

static void
test_reader_vanishes(void **state)
{
	struct fixture	*f = *state;
	struct timespec	 ts = { 0, 100 * 1000 * 1000 };
	char		*doc;
	int		 fd, i;

	doc = big_doc(1024 * 1024);
	set_doc(f, doc);
	free(doc);
	/*
	 * Ask for a big reply and hang up, before the server writes or while
	 * it waits to write more: it must not die of SIGPIPE.
	 */
	for (i = 0; i < 4; i++) {
		fd = client_connect(f->path);
		client_send(fd, "SLUICECTL 1 status\n", 19);
		if (i % 2 == 1)
			nanosleep(&ts, NULL);
		close(fd);
	}
	set_doc(f, "{\"ok\":true}");
	assert_status_works(f);
}

/* Returns 1 if fd becomes readable within timeout_ms, else 0. */
static int
is_readable(int fd, int timeout_ms)
{
	struct pollfd	pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	return (poll(&pfd, 1, timeout_ms) == 1);
}

static void
test_client_cap_and_timeout(void **state)
{
	struct fixture	*f = *state;
	int		 fds[CTL_CLIENTS_MAX], fd, i;
	char		*reply;
	uint64_t	 start, elapsed;

	start = loop_now_ms();
	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		fds[i] = client_connect(f->path);
	/* Half of them start a request and never finish it. */
	for (i = 0; i < CTL_CLIENTS_MAX; i += 2)
		client_send(fds[i], "SLUICECTL 1 sta", 15);

	/* One more than the cap is told so, at once. */
	fd = client_connect(f->path);
	reply = client_read_all(fd, NULL);
	close(fd);
	assert_string_equal(reply, "{\"error\":\"too many clients\"}\n");
	free(reply);

	/* The idle ones are held, then told and dropped after the timeout. */
	assert_false(is_readable(fds[0], 0));
	assert_false(is_readable(fds[1], 0));
	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		reply = client_read_all(fds[i], NULL);
		assert_string_equal(reply, "{\"error\":\"timed out waiting "
		    "for the request\"}\n");
		free(reply);
		close(fds[i]);
	}
	elapsed = loop_now_ms() - start;
	assert_true(elapsed >= CTL_CLIENT_TIMEOUT_MS - 100);
	assert_status_works(f);
}

static void
test_second_open_refused(void **state)
{
	struct fixture	*f = *state;
	struct loop	*l2;
	struct ctl	*c2;
	char		*cause = NULL, *want;

	l2 = loop_create();
	assert_non_null(l2);
	c2 = ctl_open(l2, f->path, status_cb, f, &cause);
	assert_null(c2);
	xasprintf(&want, "another sluiced is running on %s", f->path);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	loop_free(l2);
	/* The running server and its socket are untouched. */
	assert_status_works(f);
}

static void
test_socket_file(void **state)
{
	struct fixture	*f = *state;
	struct stat	 st;

	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	/* The missing parent was created. */
	assert_int_equal(stat(f->rundir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
}

static void
test_stale_socket_replaced(void **state)
{
	struct fixture		*f;
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd;

	(void)state;
	f = fixture_new();
	assert_int_equal(mkdir(f->rundir, 0700), 0);
	/* A socket file nobody listens on, as a killed daemon leaves. */
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, f->path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	close(fd);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));

	set_doc(f, "{\"stale\":false}");
	fixture_start(f);
	assert_status_works(f);
	/* An existing parent keeps its mode. */
	assert_int_equal(stat(f->rundir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	fixture_free(f);
}

static void
test_not_a_socket(void **state)
{
	struct fixture	*f;
	struct stat	 st;
	char		*cause = NULL, *want;
	int		 fd;

	(void)state;
	f = fixture_new();
	assert_int_equal(mkdir(f->rundir, 0755), 0);
	fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd != -1);
	close(fd);
	assert_null(ctl_open(f->loop, f->path, status_cb, f, &cause));
	xasprintf(&want, "%s exists and is not a socket", f->path);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	/* Left alone. */
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	fixture_free(f);
}

static void
test_bad_paths(void **state)
{
	struct fixture	*f;
	char		 longpath[200], *cause = NULL;

	(void)state;
	f = fixture_new();
	memset(longpath, 'p', sizeof longpath - 1);
	longpath[0] = '/';
	longpath[sizeof longpath - 1] = '\0';
	assert_null(ctl_open(f->loop, longpath, status_cb, f, &cause));
	assert_non_null(strstr(cause, "path too long"));
	free(cause);
	cause = NULL;

	/* Only the parent is created, not a whole tree. */
	snprintf(longpath, sizeof longpath, "%s/a/b/sluice.sock", f->dir);
	assert_null(ctl_open(f->loop, longpath, status_cb, f, &cause));
	assert_non_null(strstr(cause, "mkdir"));
	assert_non_null(strstr(cause, "No such file or directory"));
	free(cause);
	fixture_free(f);
}

static void
test_peer_is_allowed(void **state)
{
	(void)state;
	/* Read-only commands: anyone who could connect. */
	assert_int_equal(ctl_peer_is_allowed(0, 1000, 999), 1);
	assert_int_equal(ctl_peer_is_allowed(0, 0, 999), 1);
	assert_int_equal(ctl_peer_is_allowed(0, (uid_t)-1, 999), 1);
	/* Privileged: root or the daemon's uid only. */
	assert_int_equal(ctl_peer_is_allowed(CTL_CMD_PRIVILEGED, 0, 999), 1);
	assert_int_equal(ctl_peer_is_allowed(CTL_CMD_PRIVILEGED, 999, 999), 1);
	assert_int_equal(ctl_peer_is_allowed(CTL_CMD_PRIVILEGED, 1000, 999), 0);
	assert_int_equal(ctl_peer_is_allowed(CTL_CMD_PRIVILEGED, 998, 999), 0);
	assert_int_equal(ctl_peer_is_allowed(CTL_CMD_PRIVILEGED, 0, 0), 1);
	assert_int_equal(ctl_peer_is_allowed(CTL_CMD_PRIVILEGED, 5, 0), 0);
	/* Unknown credentials never pass, even against a uid of -1. */
	assert_int_equal(ctl_peer_is_allowed(CTL_CMD_PRIVILEGED, (uid_t)-1,
	    999), 0);
	assert_int_equal(ctl_peer_is_allowed(CTL_CMD_PRIVILEGED, (uid_t)-1,
	    (uid_t)-1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_unavailable,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_mismatch,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_command,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_crlf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_newline, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_overlong, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_split_request, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_slow_reader, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reader_vanishes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_client_cap_and_timeout,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_open_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_file, setup,
		    teardown),
		cmocka_unit_test(test_stale_socket_replaced),
		cmocka_unit_test(test_not_a_socket),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_peer_is_allowed),
	};

	umask(022);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
