/*
 * health: whether the daemon is healthy or degraded, judged from its own
 * status document, so that `sluicectl status` (and its exit status), the
 * JSON and monitoring that reads either agree.
 *
 * Degraded means any of: a current delivery problem (a flow's "health"
 * array, problem.h), no credentials, a file or directory that cannot be
 * read, a spool over HEALTH_SPOOL_PCT percent of spool.maxBytes, a spool
 * that cannot be written (spoolState other than "ok"), a lag that has
 * grown for METRICS_LAG_DEGRADED_S, dead letters, orphaned state, a
 * refused flow, or a configuration file whose reload was refused
 * ("reloadRefused": the running config is fine, the next start is not).
 */
#ifndef HEALTH_H
#define HEALTH_H

#include <stdint.h>

#include <jansson.h>

#define HEALTH_SPOOL_PCT	80

/*
 * Adds to doc (the status document: "flows", "orphanedState",
 * "refusedFlows") the members "healthy" (a boolean) and "degraded" (an
 * array of reasons, one sentence each, problems first), and to each flow
 * "degraded" (a boolean).  spool_max is spool.maxBytes; creds_ok is 0
 * when delivery has no credentials.
 */
void		 health_judge(json_t *doc, uint64_t spool_max, int creds_ok);

#endif /* HEALTH_H */
