/*
 * agentimport: the cutover from the Kinesis Agent.  Reads the agent's
 * checkpoint database (SQLite, table FILE_CHECKPOINTS) and writes each
 * file's offset into the registry of the sluice flow that has the agent
 * flow's id, so that sluiced starts where the agent stopped: no line is
 * skipped and none is shipped twice.
 *
 * It runs while sluiced is stopped, holding the state directory's lock
 * (the one sluiced takes), so that a running daemon's registry is never
 * written behind its back: the daemon owns the registry whenever it runs.
 * The agent's database is opened read-only and immutable: nothing is ever
 * written to it, not even a journal.
 */
#ifndef AGENTIMPORT_H
#define AGENTIMPORT_H

#include <jansson.h>

struct config;

/* The version of the JSON report below; bump it when the report changes. */
#define AGENTIMPORT_REPORT_VERSION	1

/*
 * Imports every row of the agent's database dbfile into the registries of
 * cfg's flows.  Returns the report (caller json_decref's):
 *
 *   {"version": 1, "database": PATH, "stateDirectory": DIR,
 *    "imported": N, "unchanged": N, "skipped": N, "markedRead": N,
 *    "rows": [{"agentFlow", "path", "fileId", "offset", "flow" (or
 *              null), "file" (where it is now, or null), "result",
 *              "reason" (unless imported)}, ...],
 *    "markedReadFiles": [{"flow", "file", "offset"}, ...]}
 *
 * result is "imported", "unchanged" (sluice already had the file at that
 * offset or further) or "skipped" (reason says why: no flow, bad row,
 * gone, truncated).  Returns NULL with *cause set (caller frees) when
 * nothing could be imported: the database cannot be read, or sluiced is
 * running (*running is then 1).
 */
json_t	*agentimport_run(const struct config *cfg, const char *dbfile,
	    int *running, char **cause);

#endif /* AGENTIMPORT_H */
