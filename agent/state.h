/*
 * state: the layout of the state directory, and the state that no
 * configured flow claims (README.md, invariant 7: a flow's state belongs
 * to its name).
 *
 *   <stateDirectory>/lock              held by the running sluiced
 *   <stateDirectory>/flows/<name>/     one flow's state:
 *       spool/                         its spool (spool.h)
 *       registry                       its file registry (registry.h)
 *
 * <name> is the flow's identity (config.h): its `name`, else its stream,
 * else, for unnamed flows that share a stream, "STREAM@HASH".  Editing a
 * flow's pattern, converters, limits or (for a named flow) destination
 * therefore keeps its state, and spooled records go to the destination
 * as configured now.
 *
 * Migration: sluice 0.x named a flow's directory <stateDirectory>/
 * <kind>-<stream>-<hash> (state_old_dir_name).  At start, such a
 * directory of a configured flow is renamed to flows/<name> when that
 * does not exist yet (one rename, then fsync of both parents).
 *
 * Orphans: a directory under flows/, or an old-layout one, that no
 * configured flow claims is never deleted on its own.  It is reported at
 * start, then in a summary every log.statusReportingPeriodSeconds while
 * it lasts (STYLE rule 23), in `sluicectl status` and `sluicectl state`,
 * with its record count.  `sluicectl state adopt OLD NEW` appends OLD's
 * unsent records to flow NEW's spool (after what NEW holds), merges OLD's
 * file registry into NEW's and removes OLD; `sluicectl state discard OLD`
 * removes it.  A removal renames the directory to .discard-<name> beside
 * it first, so an interrupted one is finished at the next start and never
 * leaves half a state to be mistaken for an orphan.
 *
 * Threads: state_open and state_start run before the loops; state_add_flow,
 * state_refuse and the reload calls before them or on the ingest loop;
 * the adopt work runs on the ingest loop; state_ctl and
 * state_json run on the delivery thread.  A mutex guards what they share.
 */
#ifndef STATE_H
#define STATE_H

#include <jansson.h>

struct config;
struct config_flow;
struct flow;
struct loop;
struct state;

/* The directory that holds the flows' states, under the state directory. */
#define STATE_FLOWS_DIR		"flows"

/* The file a running sluiced holds flock'd, in the state directory. */
#define STATE_LOCK_FILE		"lock"

/*
 * Locks the state directory dir (flock on its STATE_LOCK_FILE, made if
 * missing): two daemons on one state directory would corrupt each
 * other's spools, so sluiced holds it for its whole life.  Returns the
 * descriptor, or -1 with *cause set (caller frees) and errno kept
 * (EWOULDBLOCK: another process holds it).
 */
int		 state_lock(const char *dir, char **cause);

/* Returns <statedir>/flows/<name> (caller frees). */
char		*state_flow_dir(const char *statedir, const char *name);

/*
 * Returns the directory name sluice 0.x gave fc's state: kind, stream
 * and a hash of kind, stream and pattern (caller frees).  Kept only to
 * find what to migrate.
 */
char		*state_old_dir_name(const struct config_flow *fc);

/*
 * Migrates the old-layout directory of every flow of cfg that has one,
 * finishes interrupted removals, and finds the orphans (counting their
 * records by opening their spools).  Problems are logged; nothing here
 * stops the daemon.  Returns the state (free with state_free).
 */
struct state	*state_open(const struct config *cfg);

/* A flow that runs: state adopt may move state into it. */
void		 state_add_flow(struct state *, struct flow *);

/*
 * A configured flow whose state could not be opened (cause is copied):
 * listed in status and `sluicectl state`, and its state is not an orphan.
 */
void		 state_refuse(struct state *, const char *name,
		    const char *cause);

/*
 * At a reload, on the ingest thread.  state_set_config: cfg is the
 * config now (it must outlive the state or the next call), and the
 * refused flows are forgotten (they are tried again).  state_remove_flow:
 * the flow stops running; an adopt into it stops, the orphan keeping what
 * was not moved.  state_claim: a flow of fc's name is configured now: its
 * old-layout directory is migrated, and state of its name is no longer
 * an orphan.  state_orphan: the state of a flow no longer configured,
 * whose spool is closed, is an orphan now, and reported as such.
 */
void		 state_set_config(struct state *, const struct config *cfg);
void		 state_remove_flow(struct state *, struct flow *);
void		 state_claim(struct state *, const struct config_flow *fc);
void		 state_orphan(struct state *, const char *name);

/*
 * Checks that dir, a flow's state directory (state_flow_dir), is a
 * directory inside statedir if it exists: a symbolic link out of the
 * state directory is refused, never followed.  Returns 0, or -1 with
 * *cause set (caller frees).
 */
int		 state_flow_dir_check(const char *statedir, const char *dir,
		    char **cause);

/*
 * Starts the adopt work and the orphan summaries on the ingest loop, and
 * logs each orphan once.
 */
void		 state_start(struct state *, struct loop *ingest);

/*
 * Runs a state command of the control socket (ctl.h's ctl_state_fn):
 * "state" (list), "adopt OLD NEW", "discard OLD".  Returns the reply
 * document (malloc'd JSON), or NULL with *cause set (caller frees).
 */
char		*state_ctl(void *st, const char *cmd, int argc, char **argv,
		    char **cause);

/*
 * Adds the orphans and the refused flows to the status document o, as
 * "orphanedState" and "refusedFlows" arrays.
 */
void		 state_status(struct state *, json_t *o);

/*
 * Stops the adopt work and frees the state: an orphan being adopted stays
 * an orphan, with the records not yet moved, for another adopt.  Call once the loops stopped.  NULL is
 * allowed.
 */
void		 state_free(struct state *);

#endif /* STATE_H */
