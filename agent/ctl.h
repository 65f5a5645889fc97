/*
 * ctl: the server side of the control socket (protocol in ctl_proto.h).
 *
 * It lives in the delivery thread's loop.  Every client socket is
 * nonblocking with its own bounded buffers, a client that stays idle for
 * CTL_CLIENT_TIMEOUT_MS is dropped, and at most CTL_CLIENTS_MAX clients are
 * served at once, so no client can stall or exhaust the daemon.
 *
 * Who may run what is decided per command from the peer's SO_PEERCRED:
 * read-only commands are open to anyone who can connect (the socket is mode
 * 0660, so its group), while commands flagged CTL_CMD_PRIVILEGED need root
 * or the daemon's own uid.
 */
#ifndef CTL_H
#define CTL_H

#include <sys/types.h>

#include <stdint.h>

struct ctl;
struct loop;

/*
 * A client that has not sent its whole request this long after connecting,
 * or that has taken none of its reply for this long, is disconnected.
 */
#define CTL_CLIENT_TIMEOUT_MS	3000
/* Clients served at once; more are answered with an error and closed. */
#define CTL_CLIENTS_MAX		32

/* Command flag: the command changes state and needs root or our uid. */
#define CTL_CMD_PRIVILEGED	0x1

/*
 * Returns the status document: NUL-terminated JSON allocated with malloc,
 * which ctl frees.  NULL is reported to the client as an error.
 */
typedef char	*(*ctl_status_fn)(void *arg);

/*
 * Runs a state command (state.h's state_ctl): cmd is CTL_CMD_STATE,
 * CTL_CMD_ADOPT or CTL_CMD_DISCARD, argv its arguments.  Returns the
 * reply (malloc'd JSON, which ctl frees), or NULL with *cause set.
 */
typedef char	*(*ctl_state_fn)(void *arg, const char *cmd, int argc,
		    char **argv, char **cause);

/*
 * Starts a reload (CTL_CMD_RELOAD), on the loop's thread.  The client
 * waits for ctl_reply with the same id, which must come, applied or not,
 * and later than fn returns.
 */
typedef void	(*ctl_reload_fn)(void *arg, uint64_t id);

/*
 * Runs a flow command on the loop's thread: cmd is CTL_CMD_PAUSE,
 * CTL_CMD_RESUME, CTL_CMD_FLUSH or CTL_CMD_SKIP, argv its arguments.
 * Returns the reply (malloc'd JSON, which ctl frees), or NULL with *cause
 * set, or NULL with *cause NULL when the reply comes later through
 * ctl_reply with id, which must come.
 */
typedef char	*(*ctl_flow_fn)(void *arg, uint64_t id, const char *cmd,
		    int argc, char **argv, char **cause);

/*
 * Creates the control socket at socket_path and serves it in loop (call it
 * on the loop's thread, or before the loop runs).  The parent directory is
 * created with mode 0755 if missing.  If a daemon already answers on the
 * path, it fails ("another sluiced is running on PATH"); a stale socket
 * left by a dead daemon is replaced; any other kind of file is left alone
 * and is an error.  The socket gets mode 0660.  status(arg) is called on
 * the loop's thread for each "status" request.  Returns the server, or
 * NULL with *cause set (caller frees).
 */
struct ctl	*ctl_open(struct loop *, const char *socket_path,
		    ctl_status_fn status, void *arg, char **cause);

/*
 * Serves the state commands with fn(arg, ...) on the loop's thread; until
 * then they answer that there is no state to show.  Call before the loop
 * runs.
 */
void		 ctl_set_state(struct ctl *, ctl_state_fn fn, void *arg);

/*
 * Serves "reload" with fn(arg, id) on the loop's thread; until then it
 * answers that reload is not available.  Call before the loop runs.
 */
void		 ctl_set_reload(struct ctl *, ctl_reload_fn fn, void *arg);

/*
 * Serves the flow commands with fn(arg, ...) on the loop's thread; until
 * then they answer that flows are not available.  Call before the loop
 * runs.
 */
void		 ctl_set_flow(struct ctl *, ctl_flow_fn fn, void *arg);

/*
 * Sends doc (malloc'd JSON, which ctl takes) as the reply to the reload
 * or flow request id, on the loop's thread; dropped if the client has gone.
 */
void		 ctl_reply(struct ctl *, uint64_t id, char *doc);

/*
 * Gives the socket to group gid (controlSocketGroup), whose members may
 * then run the read-only commands.  Returns 0, or -1 with *cause set.
 */
int		 ctl_set_group(struct ctl *, gid_t gid, char **cause);

/*
 * Disconnects every client, stops listening and unlinks the socket if it
 * is still the one ctl_open created.  Call it on the loop's thread or
 * after the loop stopped.  NULL is accepted.
 */
void		 ctl_close(struct ctl *);

/*
 * Parses one request (line is len bytes, NUL-terminated, without its
 * newline; it is split in place): checks the magic and the version, and
 * sets argv[0] to the command and the rest to its arguments.  Returns the
 * number of them (at least 1), or -1 with *msg set (the caller frees it)
 * to the error the client is told.  Exposed for the fuzzer.
 */
int		 ctl_parse_request(char *line, size_t len, char **argv,
		    int maxargs, char **msg);

/*
 * Returns 1 if a peer with uid peer_uid may run a command with the given
 * CTL_CMD_* flags on a daemon running as daemon_uid, 0 if not.
 */
int		 ctl_peer_is_allowed(int flags, uid_t peer_uid,
		    uid_t daemon_uid);

#endif /* CTL_H */
