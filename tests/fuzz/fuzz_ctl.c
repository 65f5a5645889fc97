/*
 * fuzz_ctl: libFuzzer target for the control socket's request parser
 * (ctl_parse_request, agent/ctl.c): what any local user who can connect
 * may send.  The input is one request line without its newline.  Checked,
 * besides the sanitizers: an error is reported exactly when no command is
 * returned, and every token returned is a non-empty run of printable
 * ASCII without spaces that lies inside the line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_proto.h"

#define FUZZ_MAXARGS	8

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*line, *argv[FUZZ_MAXARGS], *msg = NULL;
	size_t	 i;
	int	 n, j;

	if (size > CTL_REQUEST_MAX)
		return (0);
	line = malloc(size + 1);
	if (line == NULL)
		abort();
	memcpy(line, data, size);
	line[size] = '\0';
	n = ctl_parse_request(line, size, argv, FUZZ_MAXARGS, &msg);
	if ((n == -1) != (msg != NULL) || n == 0 || n > FUZZ_MAXARGS)
		abort();
	for (j = 0; j < n; j++) {
		if (argv[j] < line || argv[j] >= line + size ||
		    argv[j][0] == '\0')
			abort();
		for (i = 0; argv[j][i] != '\0'; i++)
			if (argv[j][i] < 0x21 || argv[j][i] > 0x7e)
				abort();
	}
	free(msg);
	free(line);
	return (0);
}
