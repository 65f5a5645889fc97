/*
 * test_util: small helpers the unit tests share: count a string in a
 * file, capture stderr into a file, and wait for a fake server's port
 * file.  Only test programs include this; the helpers are static and may
 * go unused.
 */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define TEST_UNUSED	__attribute__((__unused__))

/* How often needle occurs in the first 64 KiB of the file at path. */
static TEST_UNUSED int
test_count(const char *path, const char *needle)
{
	char	 buf[65536];
	FILE	*fp;
	size_t	 n;
	int	 c = 0;
	char	*p;

	if ((fp = fopen(path, "r")) == NULL)
		return (0);
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	for (p = buf; (p = strstr(p, needle)) != NULL; p++)
		c++;
	return (c);
}

/* Sends stderr to path (emptied) until test_stderr_restore. */
static TEST_UNUSED int
test_stderr_capture(const char *path)
{
	int	saved, fd;

	saved = dup(STDERR_FILENO);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	return (saved);
}

static TEST_UNUSED void
test_stderr_restore(int saved)
{
	dup2(saved, STDERR_FILENO);
	close(saved);
}

/*
 * Waits up to 5 s for a fake server (started with -P portfile) to write
 * its port.  Returns the port, or 0.
 */
static TEST_UNUSED int
test_wait_port(const char *portfile)
{
	FILE	*fp;
	int	 i, port = 0;

	for (i = 0; i < 500 && port == 0; i++) {
		if ((fp = fopen(portfile, "r")) != NULL) {
			if (fscanf(fp, "%d", &port) != 1)
				port = 0;
			fclose(fp);
		}
		if (port == 0)
			usleep(10000);
	}
	return (port);
}

#endif /* TEST_UTIL_H */
