/*
 * fsync: see fsync.h.  Kept alone in this file: it is a link-time seam.
 */
#include <unistd.h>

#include "fsync.h"

int
fsync_data(int fd)
{
	return (fdatasync(fd));
}
