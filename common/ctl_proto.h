/*
 * ctl_proto: the control protocol between sluicectl and sluiced, in one
 * place so that the two programs cannot disagree about it.
 *
 * The transport is a Unix stream socket (SLUICE_CONTROL_SOCKET, mode 0660).
 * One connection carries one exchange:
 *
 *	client -> server	"SLUICECTL <version> <command>[ <arg>...]\n"
 *	server -> client	one JSON document, then "\n", then EOF
 *
 * The request is ASCII: tokens are separated by single spaces, and each is
 * made of printable characters other than space.  <version> is a decimal
 * integer.  A request longer than CTL_REQUEST_MAX bytes (newline included)
 * is refused.  Any failure is reported as {"error":"<message>"}; a
 * successful reply never has a top-level "error" member.
 *
 * The server checks the version before the command, so a newer client gets
 * "protocol version mismatch: client N, server M" rather than a confusing
 * "unknown command".
 *
 * Commands of version 1:
 *	status	takes no argument; replies with the daemon's status document
 *		(see metrics_status_json in agent/metrics.h), with the
 *		"orphanedState" and "refusedFlows" arrays of state.h.
 *	state	takes no argument; replies {"orphanedState": [{"name",
 *		"path", "records", "bytes", "oldLayout", "error"?,
 *		"adoptingInto"?}], "refusedFlows": [{"name", "error"}]}.
 *	adopt OLD NEW	(privileged) starts moving orphaned state OLD into
 *		the running flow NEW; replies {"adopting", "into",
 *		"records"}.  Progress shows in "state".
 *	discard OLD	(privileged) removes orphaned state OLD; replies
 *		{"discarded", "path", "records"}.
 *	reload	(privileged) re-reads the config, as SIGHUP does, and replies
 *		once it is applied: {"reloaded": true, "config", "files": [],
 *		"kept": [], "added": [], "removed": [], "restarted": [],
 *		"refused": [{"name", "error"}], "changed": [keys],
 *		"restartNeeded": [keys], "messages": []}; or, when the new
 *		config is invalid and the old one stays in force,
 *		{"error", "errors": [lines]}.
 *	replay FLOW	(privileged) sends the dead letters of the running
 *		flow FLOW again: they are appended to its spool; replies
 *		{"replaying", "records"}.  "state" and "status" list dead
 *		letters in "deadLetters": [{"flow", "path", "records",
 *		"bytes", "replaying"}].
 *
 * Bump CTL_PROTO_VERSION whenever the request syntax, the meaning of an
 * existing command or the shape of an existing reply changes in a way an
 * older peer would misread.  Adding a new command or a new member to a
 * reply object does not need a bump: old clients never send the former
 * and ignore the latter.
 */
#ifndef CTL_PROTO_H
#define CTL_PROTO_H

#define CTL_PROTO_VERSION	1

/* First token of every request. */
#define CTL_PROTO_MAGIC		"SLUICECTL"

/* Longest request, newline included. */
#define CTL_REQUEST_MAX		4096

/* Longest reply a client accepts (the status of thousands of files). */
#define CTL_REPLY_MAX		(64 * 1024 * 1024)

/* Commands of version 1. */
#define CTL_CMD_STATUS		"status"
#define CTL_CMD_STATE		"state"
#define CTL_CMD_ADOPT		"adopt"
#define CTL_CMD_DISCARD		"discard"
#define CTL_CMD_RELOAD		"reload"
#define CTL_CMD_REPLAY		"replay"
#define CTL_CMD_PAUSE		"pause"
#define CTL_CMD_RESUME		"resume"
#define CTL_CMD_FLUSH		"flush"
#define CTL_CMD_SKIP		"skip"

#endif /* CTL_PROTO_H */
