/*
 * sdnotify: tells systemd about sluiced's state, over the datagram socket
 * named by $NOTIFY_SOCKET (the sd_notify(3) protocol, without libsystemd).
 * Without $NOTIFY_SOCKET every call does nothing: sluiced runs the same
 * under systemd, under another supervisor and in a terminal.
 */
#ifndef SDNOTIFY_H
#define SDNOTIFY_H

struct loop;
struct sdnotify_watchdog;

/* Sends state, such as "READY=1" or "STOPPING=1"; errors are ignored. */
void	sdnotify_send(const char *state);

/*
 * Tells systemd that a reload begins: "RELOADING=1" with MONOTONIC_USEC,
 * the CLOCK_MONOTONIC time, as Type=notify-reload wants.  Send "READY=1"
 * when the reload is over, applied or refused.
 */
void	sdnotify_reloading(void);

/*
 * When systemd asks for keep-alives ($WATCHDOG_USEC, and $WATCHDOG_PID is
 * unset or this process), sends "WATCHDOG=1" every half of that period
 * from a timer of loop, so that a loop that stops turning stops them.
 * Returns the timer's owner, to free with sdnotify_watchdog_free, or NULL
 * when no keep-alives are asked for.
 */
struct sdnotify_watchdog *sdnotify_watchdog_start(struct loop *loop);

/* Stops the keep-alives and frees w; NULL is allowed. */
void	sdnotify_watchdog_free(struct sdnotify_watchdog *w);

#endif /* SDNOTIFY_H */
