/*
 * checkpoint: see checkpoint.h for the file format.  The file is small (a
 * line per tailed file), so it is built and parsed whole in memory, within
 * CHECKPOINT_MAX_FILE.  Parsing is strict: a checkpoint that does not read
 * exactly as written is corrupt, and the caller decides what to do about
 * it rather than resume files from offsets that may be wrong.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "checkpoint.h"
#include "durable.h"
#include "xmalloc.h"

#define CHECKPOINT_TAG		"sluice-checkpoints"
#define CHECKPOINT_VERSION	1
#define CHECKPOINT_END		"end"
#define CHECKPOINT_MAX_FILE	(64 * 1024 * 1024)

#define FNV64_OFFSET		0xcbf29ce484222325ULL
#define FNV64_PRIME		0x100000001b3ULL

/* Bytes of a path that would break the line format are percent-encoded. */
static int
checkpoint_must_escape(unsigned char c)
{
	return (c == '%' || c <= ' ' || c == 0x7f);
}

void
checkpoint_put_path(struct buf *b, const char *path)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*s;
	char			*w;

	if (buf_reserve(b, strlen(path) * 3) == -1)
		return;
	w = b->data + b->len;
	for (s = (const unsigned char *)path; *s != '\0'; s++) {
		if (checkpoint_must_escape(*s)) {
			*w++ = '%';
			*w++ = hex[*s >> 4];
			*w++ = hex[*s & 0xf];
		} else
			*w++ = *s;
	}
	b->len = w - b->data;
}

int
checkpoint_save(const char *path, const struct checkpoint_entry *e,
    size_t n, char **cause)
{
	struct buf	b = BUF_INIT(CHECKPOINT_MAX_FILE);
	size_t		i;
	int		rc = -1;

	buf_printf(&b, "%s %d\n", CHECKPOINT_TAG, CHECKPOINT_VERSION);
	for (i = 0; i < n; i++) {
		buf_printf(&b, "%" PRIu64 " %" PRIu64 " %016" PRIx64
		    " %" PRIu32 " %" PRIu64 " %" PRId64 " ", e[i].dev,
		    e[i].ino, e[i].fp, e[i].fplen, e[i].offset,
		    e[i].updated < 0 ? 0 : e[i].updated);
		checkpoint_put_path(&b, e[i].path);
		buf_addc(&b, '\n');
	}
	buf_printf(&b, "%s %zu\n", CHECKPOINT_END, n);
	if (buf_has_failed(&b))
		xasprintf(cause, "%s: %zu entries would pass %d MiB", path, n,
		    CHECKPOINT_MAX_FILE / (1024 * 1024));
	else
		rc = durable_write_file(path, b.data, b.len, cause);
	buf_free(&b);
	return (rc);
}

/* Parses digits in base (10 or 16) up to a space; advances *s. */
static int
checkpoint_get_num(const char **s, const char *end, int base, uint64_t *v)
{
	const char	*p = *s;
	uint64_t	 x = 0;
	unsigned int	 d;

	if (p == end || *p == ' ')
		return (-1);
	for (; p < end && *p != ' '; p++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else
			return (-1);
		if (x > (UINT64_MAX - d) / base)
			return (-1);
		x = x * base + d;
	}
	if (p == end)
		return (-1);
	*s = p + 1;	/* the space */
	*v = x;
	return (0);
}

static int
checkpoint_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

char *
checkpoint_get_path(const char *s, const char *end)
{
	char	*out, *o;
	int	 hi, lo;

	if (s == end || end - s > PATH_MAX * 3)
		return (NULL);
	o = out = xmalloc(end - s + 1);
	while (s < end) {
		if (*s == '%') {
			if (end - s < 3 ||
			    (hi = checkpoint_hexval(s[1])) == -1 ||
			    (lo = checkpoint_hexval(s[2])) == -1 ||
			    (hi == 0 && lo == 0))
				goto bad;
			*o++ = hi << 4 | lo;
			s += 3;
		} else if (checkpoint_must_escape(*s))
			goto bad;
		else
			*o++ = *s++;
	}
	*o = '\0';
	if (o - out >= PATH_MAX)
		goto bad;
	return (out);
bad:
	free(out);
	return (NULL);
}

/* Reads the whole file; *data is NULL if it does not exist. */
static int
checkpoint_slurp(const char *path, char **data, size_t *len, char **cause)
{
	struct stat	 sb;
	ssize_t		 r;
	int		 fd, rc = -1;

	*data = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return (0);
		xasprintf(cause, "%s:0: open: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) == -1) {
		xasprintf(cause, "%s:0: stat: %s", path, strerror(errno));
		goto out;
	}
	if (sb.st_size > CHECKPOINT_MAX_FILE) {
		xasprintf(cause, "%s:0: file too large (%jd bytes)", path,
		    (intmax_t)sb.st_size);
		goto out;
	}
	*data = xmalloc(sb.st_size + 1);
	while (*len < (size_t)sb.st_size) {
		r = read(fd, *data + *len, sb.st_size - *len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			xasprintf(cause, "%s:0: read: %s", path,
			    strerror(errno));
			free(*data);
			*data = NULL;
			goto out;
		}
		if (r == 0)
			break;
		*len += r;
	}
	(*data)[*len] = '\0';
	rc = 0;
out:
	close(fd);
	return (rc);
}

int
checkpoint_load(const char *path, struct checkpoint_entry **out, size_t *n,
    char **cause)
{
	struct checkpoint_entry	*ents = NULL, *e;
	char			*data, *eol, *line, *endtag = NULL;
	const char		*s;
	const char		*why = NULL;
	uint64_t		 v[6], count;
	size_t			 len, nents = 0, lineno = 0, hlen;
	int			 rc = -1, i, ended = 0;

	*out = NULL;
	*n = 0;
	if (checkpoint_slurp(path, &data, &len, cause) != 0)
		return (-1);
	if (data == NULL)
		return (0);

	xasprintf(&endtag, "%s ", CHECKPOINT_END);
	line = data;
	while (line < data + len) {
		lineno++;
		if ((eol = memchr(line, '\n', data + len - line)) == NULL) {
			why = "line without a newline (file cut short?)";
			goto bad;
		}
		if (ended) {
			why = "data after the end line";
			goto bad;
		}
		/* A number ends at a space; so does the last on a line. */
		*eol = ' ';
		if (lineno == 1) {
			hlen = strlen(CHECKPOINT_TAG);
			if ((size_t)(eol - line) <= hlen + 1 ||
			    memcmp(line, CHECKPOINT_TAG " ", hlen + 1) != 0) {
				why = "not a sluice checkpoint file";
				goto bad;
			}
			s = line + hlen + 1;
			if (checkpoint_get_num(&s, eol + 1, 10, &v[0]) != 0 ||
			    s != eol + 1 || v[0] != CHECKPOINT_VERSION) {
				why = "unsupported checkpoint version";
				goto bad;
			}
			line = eol + 1;
			continue;
		}
		if ((size_t)(eol - line) > strlen(endtag) &&
		    memcmp(line, endtag, strlen(endtag)) == 0) {
			s = line + strlen(endtag);
			if (checkpoint_get_num(&s, eol + 1, 10, &count) != 0 ||
			    s != eol + 1 || count != nents) {
				why = "end line does not match the entries";
				goto bad;
			}
			ended = 1;
			line = eol + 1;
			continue;
		}
		s = line;
		for (i = 0; i < 6; i++) {
			if (checkpoint_get_num(&s, eol, i == 2 ? 16 : 10,
			    &v[i]) != 0) {
				why = "malformed entry";
				goto bad;
			}
		}
		if (v[3] > CHECKPOINT_FP_MAX || v[5] > INT64_MAX) {
			why = "value out of range";
			goto bad;
		}
		ents = xreallocarray(ents, nents + 1, sizeof *ents);
		e = &ents[nents];
		if ((e->path = checkpoint_get_path(s, eol)) == NULL) {
			why = "malformed path";
			goto bad;
		}
		nents++;
		e->dev = v[0];
		e->ino = v[1];
		e->fp = v[2];
		e->fplen = v[3];
		e->offset = v[4];
		e->updated = v[5];
		line = eol + 1;
	}
	if (lineno == 0) {
		why = "empty file";
		goto bad;
	}
	if (!ended) {
		lineno++;
		why = "no end line (file cut short?)";
		goto bad;
	}
	*out = ents;
	*n = nents;
	ents = NULL;
	nents = 0;
	rc = 0;
	goto out;
bad:
	xasprintf(cause, "%s:%zu: %s", path, lineno, why);
out:
	checkpoint_free_entries(ents, nents);
	free(endtag);
	free(data);
	return (rc);
}

void
checkpoint_free_entries(struct checkpoint_entry *e, size_t n)
{
	size_t	i;

	if (e == NULL)
		return;
	for (i = 0; i < n; i++)
		free(e[i].path);
	free(e);
}

int
checkpoint_fingerprint_n(int fd, uint32_t len, uint64_t *fp,
    uint32_t *fplen)
{
	unsigned char	buf[CHECKPOINT_FP_MAX];
	uint64_t	h = FNV64_OFFSET;
	size_t		got = 0, i;
	ssize_t		r;

	if (len > sizeof buf)
		len = sizeof buf;
	while (got < len) {
		r = pread(fd, buf + got, len - got, got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return (-1);
		if (r == 0)
			break;
		got += r;
	}
	for (i = 0; i < got; i++) {
		h ^= buf[i];
		h *= FNV64_PRIME;
	}
	*fp = h;
	*fplen = got;
	return (0);
}

int
checkpoint_fingerprint(int fd, uint64_t *fp, uint32_t *fplen)
{
	return (checkpoint_fingerprint_n(fd, CHECKPOINT_FP_MAX, fp, fplen));
}

int
checkpoint_is_same_file(int fd, const struct checkpoint_entry *e)
{
	struct stat	sb;
	uint64_t	fp;
	uint32_t	fplen;

	if (fstat(fd, &sb) == -1 || (uint64_t)sb.st_dev != e->dev ||
	    (uint64_t)sb.st_ino != e->ino)
		return (0);
	if (checkpoint_fingerprint_n(fd, e->fplen, &fp, &fplen) == -1)
		return (0);
	return (fplen == e->fplen && fp == e->fp);
}
