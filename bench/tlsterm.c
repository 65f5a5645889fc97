/*
 * tlsterm: a TLS terminator for the benchmark, in front of tests/fakeaws.
 *
 *	tlsterm cert.pem key.pem upstream-port port-file
 *
 * It listens on 127.0.0.1 (a free port, written to port-file through a
 * temporary file and a rename), and relays the bytes of each TLS
 * connection to a plain TCP connection to 127.0.0.1:upstream-port, and
 * back.  One thread per connection: sluiced keeps a few connections alive
 * (one per request in flight), and a thread that only moves bytes is the
 * cheapest relay to get right.  OpenSSL's own s_server cannot relay, and
 * tests/regress/httppeer.py (Python's http.server) re-parses each request
 * and tops out far below the rates measured here.  run.sh reports the
 * sink's CPU (fakeaws and tlsterm) so that a reader can see whether the
 * sink, rather than sluiced, was the bottleneck.
 *
 * Benchmark code: it exits on any setup error and drops a connection on
 * any I/O error.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define TLSTERM_BUF	(256 * 1024)

static SSL_CTX	*tlsterm_ctx;
static int	 tlsterm_upstream;

struct tlsterm_half {
	char	*buf;
	size_t	 off;
	size_t	 len;
};

static void
tlsterm_die(const char *what)
{
	fprintf(stderr, "tlsterm: %s: %s\n", what, strerror(errno));
	ERR_print_errors_fp(stderr);
	exit(1);
}

static void
tlsterm_nonblock(int fd)
{
	int	flags, one = 1;

	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		tlsterm_die("fcntl");
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int
tlsterm_connect(void)
{
	struct sockaddr_in	 sin;
	int			 fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)tlsterm_upstream);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * Moves bytes both ways until either side closes.  Each direction has one
 * buffer: it is filled only when empty, so a slow side stops the reads of
 * the other (back pressure) instead of growing memory.  SSL_read and
 * SSL_write may each want to read or write on the socket (TLS 1.3 tickets,
 * key updates): what they asked for is what poll waits for.
 */
static void *
tlsterm_conn(void *arg)
{
	struct tlsterm_half	 up = { NULL, 0, 0 }, down = { NULL, 0, 0 };
	struct pollfd		 pfd[2];
	SSL			*ssl = NULL;
	ssize_t			 n;
	int			 cfd = (int)(intptr_t)arg, ufd = -1, r, e;
	int			 progress;
	short			 want_c, want_u;

	up.buf = malloc(TLSTERM_BUF);
	down.buf = malloc(TLSTERM_BUF);
	if (up.buf == NULL || down.buf == NULL)
		goto out;
	if ((ufd = tlsterm_connect()) == -1)
		goto out;
	tlsterm_nonblock(cfd);
	tlsterm_nonblock(ufd);
	if ((ssl = SSL_new(tlsterm_ctx)) == NULL || SSL_set_fd(ssl, cfd) != 1)
		goto out;
	SSL_set_accept_state(ssl);
	for (;;) {
		want_c = want_u = 0;
		progress = 0;
		/* client -> upstream */
		if (up.len == 0) {
			r = SSL_read(ssl, up.buf, TLSTERM_BUF);
			if (r > 0) {
				up.off = 0;
				up.len = (size_t)r;
				progress = 1;
			} else if ((e = SSL_get_error(ssl, r)) ==
			    SSL_ERROR_WANT_READ)
				want_c |= POLLIN;
			else if (e == SSL_ERROR_WANT_WRITE)
				want_c |= POLLOUT;
			else
				goto out;
		}
		if (up.len > 0) {
			n = write(ufd, up.buf + up.off, up.len);
			if (n > 0) {
				up.off += (size_t)n;
				up.len -= (size_t)n;
				progress = 1;
			} else if (n == -1 && errno == EAGAIN)
				want_u |= POLLOUT;
			else
				goto out;
		}
		/* upstream -> client */
		if (down.len == 0) {
			n = read(ufd, down.buf, TLSTERM_BUF);
			if (n > 0) {
				down.off = 0;
				down.len = (size_t)n;
				progress = 1;
			} else if (n == -1 && errno == EAGAIN)
				want_u |= POLLIN;
			else
				goto out;
		}
		if (down.len > 0) {
			r = SSL_write(ssl, down.buf + down.off, (int)down.len);
			if (r > 0) {
				down.off += (size_t)r;
				down.len -= (size_t)r;
				progress = 1;
			} else if ((e = SSL_get_error(ssl, r)) ==
			    SSL_ERROR_WANT_READ)
				want_c |= POLLIN;
			else if (e == SSL_ERROR_WANT_WRITE)
				want_c |= POLLOUT;
			else
				goto out;
		}
		/*
		 * Poll only when nothing moved: then each direction is
		 * blocked on something it asked for, and TLS holds no
		 * decrypted bytes that poll would not see.
		 */
		if (progress || (up.len == 0 && SSL_pending(ssl) > 0))
			continue;
		pfd[0].fd = cfd;
		pfd[0].events = want_c;
		pfd[1].fd = ufd;
		pfd[1].events = want_u;
		if (poll(pfd, 2, -1) == -1 && errno != EINTR)
			goto out;
		if ((pfd[0].revents | pfd[1].revents) & (POLLERR | POLLNVAL))
			goto out;
	}
out:
	if (ssl != NULL)
		SSL_free(ssl);
	if (ufd != -1)
		close(ufd);
	close(cfd);
	free(up.buf);
	free(down.buf);
	return (NULL);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof sin;
	pthread_attr_t		 attr;
	pthread_t		 t;
	FILE			*f;
	char			 tmp[4096];
	int			 lfd, cfd, one = 1;

	if (argc != 5) {
		fprintf(stderr, "usage: tlsterm cert.pem key.pem "
		    "upstream-port port-file\n");
		return (2);
	}
	signal(SIGPIPE, SIG_IGN);
	tlsterm_upstream = atoi(argv[3]);
	if ((tlsterm_ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		tlsterm_die("SSL_CTX_new");
	if (SSL_CTX_use_certificate_chain_file(tlsterm_ctx, argv[1]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(tlsterm_ctx, argv[2],
	    SSL_FILETYPE_PEM) != 1)
		tlsterm_die("certificate or key");
	SSL_CTX_set_mode(tlsterm_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		tlsterm_die("socket");
	(void)setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(lfd, 128) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) == -1)
		tlsterm_die("listen");
	snprintf(tmp, sizeof tmp, "%s.tmp", argv[4]);
	if ((f = fopen(tmp, "w")) == NULL)
		tlsterm_die(tmp);
	fprintf(f, "%d\n", ntohs(sin.sin_port));
	if (fclose(f) != 0 || rename(tmp, argv[4]) == -1)
		tlsterm_die(argv[4]);

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		if ((cfd = accept(lfd, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			tlsterm_die("accept");
		}
		if (pthread_create(&t, &attr, tlsterm_conn,
		    (void *)(intptr_t)cfd) != 0)
			close(cfd);
	}
}
