/*
 * durable: see durable.h.  Why each step: the fsync of the temporary file
 * puts its data on disk before the rename can be, so a crash never leaves a
 * renamed but empty file (ext4 and XFS may reorder them otherwise); the
 * fsync of the directory makes the rename itself durable, because a rename
 * is a change to the directory, not to the file.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "durable.h"
#include "xmalloc.h"

#define DURABLE_TMP	".tmp."		/* path.tmp.<pid> */

/* Returns a copy of the directory part of path (caller frees). */
static char *
durable_dirname(const char *path)
{
	char	*copy, *dir;

	copy = xstrdup(path);
	dir = xstrdup(dirname(copy));
	free(copy);
	return (dir);
}

int
durable_fsync_dir(const char *dir, char **cause)
{
	int	fd, rc = -1;

	if ((fd = open(dir, O_RDONLY|O_DIRECTORY|O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: open: %s", dir, strerror(errno));
		goto out;
	}
	/*
	 * Some filesystems cannot fsync a directory and say so with EINVAL;
	 * there is nothing more to do on those, so it is not an error.
	 */
	if (fsync(fd) == -1 && errno != EINVAL) {
		xasprintf(cause, "%s: fsync: %s", dir, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	return (rc);
}

int
durable_write_file(const char *path, const void *data, size_t len,
    char **cause)
{
	const char	*p = data;
	char		*tmp = NULL, *dir = NULL;
	ssize_t		 n;
	int		 fd = -1, rc = -1;

	xasprintf(&tmp, "%s%s%ld", path, DURABLE_TMP, (long)getpid());
	fd = open(tmp, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0600);
	if (fd == -1) {
		xasprintf(cause, "%s: open: %s", tmp, strerror(errno));
		goto out;
	}
	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			xasprintf(cause, "%s: write: %s", tmp, strerror(errno));
			goto out;
		}
		p += n;
		len -= n;
	}
	if (fsync(fd) == -1) {
		xasprintf(cause, "%s: fsync: %s", tmp, strerror(errno));
		goto out;
	}
	/* close can report a delayed write error (NFS). */
	n = close(fd);
	fd = -1;
	if (n == -1) {
		xasprintf(cause, "%s: close: %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, path) == -1) {
		xasprintf(cause, "%s: rename to %s: %s", tmp, path,
		    strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	dir = durable_dirname(path);
	if (durable_fsync_dir(dir, cause) != 0)
		goto out;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(dir);
	return (rc);
}

int
durable_mkdirs(const char *path, mode_t mode, char **cause)
{
	struct stat	 sb;
	char		*copy, *p, *parent = NULL;
	int		 rc = -1, last;

	copy = xstrdup(path);
	/* Create each component in turn, from the root down. */
	p = copy;
	while (*p == '/')
		p++;
	for (;;) {
		p += strcspn(p, "/");
		last = (*p == '\0');
		*p = '\0';
		if (*copy == '\0')
			goto next;
		/*
		 * mode is for path itself, as mkdir -p -m: a parent made
		 * 0750 by root would keep the daemon's own user out of it.
		 */
		if (mkdir(copy, last ? mode : 0755) == 0) {
			parent = durable_dirname(copy);
			if (durable_fsync_dir(parent, cause) != 0)
				goto out;
			free(parent);
			parent = NULL;
		} else if (errno != EEXIST) {
			xasprintf(cause, "%s: mkdir: %s", copy,
			    strerror(errno));
			goto out;
		}
		if (stat(copy, &sb) == -1) {
			xasprintf(cause, "%s: stat: %s", copy, strerror(errno));
			goto out;
		}
		if (!S_ISDIR(sb.st_mode)) {
			xasprintf(cause, "%s: not a directory", copy);
			goto out;
		}
next:
		if (last)
			break;
		*p++ = '/';
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
	}
	rc = 0;
out:
	free(parent);
	free(copy);
	return (rc);
}

int
durable_is_leftover(const char *name, const char *base)
{
	size_t	 blen = strlen(base), tlen = strlen(DURABLE_TMP);
	const char *p;

	if (strncmp(name, base, blen) != 0 ||
	    strncmp(name + blen, DURABLE_TMP, tlen) != 0)
		return (0);
	p = name + blen + tlen;
	if (*p == '\0')
		return (0);
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return (0);
	}
	return (1);
}

void
durable_remove_leftovers(const char *path)
{
	struct dirent	*de;
	char		*dcopy, *bcopy, *dir, *base;
	DIR		*d;
	int		 dfd;

	dcopy = xstrdup(path);
	bcopy = xstrdup(path);
	dir = dirname(dcopy);
	base = basename(bcopy);
	if ((d = opendir(dir)) != NULL) {
		dfd = dirfd(d);
		while ((de = readdir(d)) != NULL)
			if (durable_is_leftover(de->d_name, base))
				(void)unlinkat(dfd, de->d_name, 0);
		closedir(d);
	}
	free(bcopy);
	free(dcopy);
}
