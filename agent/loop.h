/*
 * loop: a small epoll event loop.  sluiced runs two of them, one per thread
 * (ingest and delivery).  Callbacks do bounded work and return; nothing in a
 * loop blocks.  Timers are few per loop, so they live in a short list.
 */
#ifndef LOOP_H
#define LOOP_H

#include <stdint.h>

struct loop;
struct loop_timer;

typedef void	(*loop_fd_cb)(int fd, uint32_t events, void *arg);
typedef void	(*loop_timer_cb)(void *arg);

/* Creates a loop.  Returns NULL on failure (errno set). */
struct loop	*loop_create(void);

/* Frees the loop; registered fds are not closed. */
void		 loop_free(struct loop *);

/* Watches fd for events (EPOLLIN, EPOLLOUT...).  Returns 0 or -1. */
int		 loop_add_fd(struct loop *, int fd, uint32_t events,
		    loop_fd_cb, void *arg);
/* Changes the events watched on fd.  Returns 0 or -1. */
int		 loop_mod_fd(struct loop *, int fd, uint32_t events);
/*
 * Stops watching fd.  Safe to call from any fd or timer callback, its own
 * included: an event already fetched for fd in this round is dropped.
 */
void		 loop_del_fd(struct loop *, int fd);

/* Creates a disarmed timer.  Free it with loop_timer_free. */
struct loop_timer *loop_timer_new(struct loop *, loop_timer_cb, void *arg);
/*
 * Arms the timer to fire once, ms milliseconds from now (re-arms).  Due
 * timers fire in deadline order, each at most once a round, and between
 * rounds the loop polls its fds.  So a callback that re-arms its own timer
 * for 0 ms to do more work (a bounded part of a backlog per turn) starves
 * neither fds nor other timers: all get their turn in every round.
 */
void		 loop_timer_set(struct loop_timer *, uint64_t ms);
void		 loop_timer_cancel(struct loop_timer *);
int		 loop_timer_is_armed(struct loop_timer *);
/* Milliseconds until an armed timer fires (0 if due). */
uint64_t	 loop_timer_remaining(struct loop_timer *);
void		 loop_timer_free(struct loop_timer *);

/* Runs until loop_stop is called.  Returns 0, or -1 on an epoll error. */
int		 loop_run(struct loop *);
/* Makes loop_run return.  Safe from any thread and from signal handlers. */
void		 loop_stop(struct loop *);

/* Monotonic milliseconds. */
uint64_t	 loop_now_ms(void);

#endif /* LOOP_H */
