/*
 * prom: the optional Prometheus endpoint (metrics.listen).  A small HTTP/1.1
 * server on the delivery thread's loop answers GET /metrics with the text
 * exposition format (version 0.0.4) and closes each connection.  As the
 * control socket, it bounds what a client may cost: a request larger than
 * PROM_REQUEST_MAX, a client silent for PROM_CLIENT_TIMEOUT_MS, or more
 * than PROM_CLIENTS_MAX clients at once are refused, and nothing blocks.
 *
 * Names follow the Prometheus conventions: the prefix sluice_, base units,
 * _total for counters, one label set per flow (flow, destination, stream).
 */
#ifndef PROM_H
#define PROM_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

struct loop;
struct metrics;
struct prom;

#define PROM_REQUEST_MAX	8192
#define PROM_CLIENT_TIMEOUT_MS	3000
#define PROM_CLIENTS_MAX	16
/* The largest exposition text: thousands of flows fit. */
#define PROM_TEXT_MAX		(8U * 1024 * 1024)

/*
 * Returns the exposition text, NUL-terminated, allocated with malloc (prom
 * frees it), or NULL for a 500.  Called on the loop's thread per scrape.
 */
typedef char	*(*prom_text_fn)(void *arg);

/*
 * Parses "HOST:PORT" ("[V6]:PORT" for IPv6; HOST a numeric address or a
 * name) into *host (allocated) and *port.  Returns 0, or -1 with *cause.
 */
int		 prom_parse_listen(const char *spec, char **host, int *port,
		    char **cause);

/*
 * Listens on addr (as prom_parse_listen reads it) and serves scrapes in
 * loop with text(arg).  Returns the server, or NULL with *cause set.
 */
struct prom	*prom_open(struct loop *, const char *addr, prom_text_fn text,
		    void *arg, char **cause);

/* Closes every connection and the listener.  NULL is allowed. */
void		 prom_close(struct prom *);

/*
 * Appends the metrics of n flows to b in the exposition format: build
 * info, start time, then each family with one sample per flow.
 */
void		 prom_render(struct buf *b, struct metrics **, size_t n,
		    time_t started);

#endif /* PROM_H */
