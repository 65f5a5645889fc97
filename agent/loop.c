/*
 * loop: see loop.h.  One epoll instance per loop, an eventfd for loop_stop
 * from other threads and signal handlers, and a short unsorted list of
 * timers (each loop has a handful: one or two per flow).
 *
 * A round runs the timers that were due when it began, each once, in
 * deadline order, then polls the fds (without waiting while a timer is
 * due).  A timer that re-arms itself for 0 ms to come back for more work
 * (a tailer reading a backlog) therefore runs once a round, after every
 * timer whose deadline came first, and never keeps the loop from epoll:
 * signals, inotify, flushes and syncs all get their turn.
 *
 * An fd's entry is what epoll hands back with each event.  loop_del_fd
 * during a round of events moves it to a dead list and loop_run frees
 * that list after the round: an event already fetched for a deleted fd
 * then finds a dead entry, not freed memory, nor the entry of a new fd
 * that malloc placed at the same address.  Outside a round no event is
 * held, and the entry is freed at once.
 */
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "xmalloc.h"

#define LOOP_MAX_EVENTS	64

struct loop_fd {
	int		 fd;
	loop_fd_cb	 cb;
	void		*arg;
	struct loop_fd	*next;
};

struct loop_timer {
	struct loop	*loop;
	loop_timer_cb	 cb;
	void		*arg;
	int		 armed;
	uint64_t	 when;
	uint64_t	 round;		/* the round it was armed in */
	struct loop_timer *next;
};

struct loop {
	int		 epfd;
	int		 evfd;
	atomic_int	 stopping;	/* loop_stop, from any thread */
	int		 in_round;	/* loop_run dispatches events */
	uint64_t	 round;		/* rounds run, for loop_timer_set */
	struct loop_fd	*fds;
	struct loop_fd	*dead;		/* deleted, freed after the round */
	struct loop_timer *timers;
};

uint64_t
loop_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

struct loop *
loop_create(void)
{
	struct loop		*l;
	struct epoll_event	 ev;

	l = xcalloc(1, sizeof *l);
	l->epfd = l->evfd = -1;
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		goto fail;
	if ((l->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		goto fail;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;	/* NULL marks the eventfd */
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->evfd, &ev) == -1)
		goto fail;
	return (l);
fail:
	loop_free(l);
	return (NULL);
}

static void
loop_free_fds(struct loop_fd *f)
{
	struct loop_fd	*fn;

	for (; f != NULL; f = fn) {
		fn = f->next;
		free(f);
	}
}

void
loop_free(struct loop *l)
{
	struct loop_timer	*t;

	if (l == NULL)
		return;
	loop_free_fds(l->fds);
	loop_free_fds(l->dead);
	for (t = l->timers; t != NULL; t = t->next)
		t->loop = NULL;
	if (l->evfd != -1)
		close(l->evfd);
	if (l->epfd != -1)
		close(l->epfd);
	free(l);
}

static struct loop_fd *
loop_find_fd(struct loop *l, int fd)
{
	struct loop_fd	*f;

	for (f = l->fds; f != NULL; f = f->next)
		if (f->fd == fd)
			return (f);
	return (NULL);
}

int
loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb,
    void *arg)
{
	struct loop_fd		*f;
	struct epoll_event	 ev;

	if (loop_find_fd(l, fd) != NULL) {
		errno = EEXIST;
		return (-1);
	}
	f = xcalloc(1, sizeof *f);
	f->fd = fd;
	f->cb = cb;
	f->arg = arg;
	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.ptr = f;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		free(f);
		return (-1);
	}
	f->next = l->fds;
	l->fds = f;
	return (0);
}

int
loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct loop_fd		*f;
	struct epoll_event	 ev;

	if ((f = loop_find_fd(l, fd)) == NULL) {
		errno = ENOENT;
		return (-1);
	}
	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.ptr = f;
	return (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev));
}

void
loop_del_fd(struct loop *l, int fd)
{
	struct loop_fd	**pp, *f;

	for (pp = &l->fds; (f = *pp) != NULL; pp = &f->next) {
		if (f->fd != fd)
			continue;
		*pp = f->next;
		(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
		if (!l->in_round) {
			free(f);
			return;
		}
		/* Events already fetched for fd find it dead (loop_run). */
		f->cb = NULL;
		f->fd = -1;
		f->next = l->dead;
		l->dead = f;
		return;
	}
}

struct loop_timer *
loop_timer_new(struct loop *l, loop_timer_cb cb, void *arg)
{
	struct loop_timer	*t;

	t = xcalloc(1, sizeof *t);
	t->loop = l;
	t->cb = cb;
	t->arg = arg;
	t->next = l->timers;
	l->timers = t;
	return (t);
}

void
loop_timer_set(struct loop_timer *t, uint64_t ms)
{
	t->armed = 1;
	t->when = loop_now_ms() + ms;
	/* Armed from a callback of this round, it waits for the next. */
	t->round = t->loop != NULL ? t->loop->round : 0;
}

void
loop_timer_cancel(struct loop_timer *t)
{
	t->armed = 0;
}

int
loop_timer_is_armed(struct loop_timer *t)
{
	return (t->armed);
}

uint64_t
loop_timer_remaining(struct loop_timer *t)
{
	uint64_t	now = loop_now_ms();

	return (t->when > now ? t->when - now : 0);
}

void
loop_timer_free(struct loop_timer *t)
{
	struct loop_timer	**pp;

	if (t == NULL)
		return;
	if (t->loop != NULL) {
		for (pp = &t->loop->timers; *pp != NULL; pp = &(*pp)->next) {
			if (*pp == t) {
				*pp = t->next;
				break;
			}
		}
	}
	free(t);
}

void
loop_stop(struct loop *l)
{
	uint64_t	one = 1;

	atomic_store(&l->stopping, 1);
	if (write(l->evfd, &one, sizeof one) == -1)
		return;		/* the counter is already non-zero */
}

/* The armed timer with the earliest deadline, armed before this round. */
static struct loop_timer *
loop_next_timer(struct loop *l)
{
	struct loop_timer	*t, *first = NULL;

	for (t = l->timers; t != NULL; t = t->next) {
		if (!t->armed || t->round == l->round)
			continue;
		if (first == NULL || t->when < first->when)
			first = t;
	}
	return (first);
}

/*
 * Runs the timers that were due when the round began, once each and in
 * deadline order; returns the ms until the next one is due, or -1 for
 * none.
 */
static int
loop_run_timers(struct loop *l)
{
	struct loop_timer	*t;
	uint64_t		 now, next;

	now = loop_now_ms();
	l->round++;
	while (!atomic_load(&l->stopping)) {
		/* Callbacks may free or arm timers: look again each time. */
		if ((t = loop_next_timer(l)) == NULL || t->when > now)
			break;
		t->armed = 0;
		t->cb(t->arg);
	}

	next = UINT64_MAX;
	for (t = l->timers; t != NULL; t = t->next)
		if (t->armed && t->when < next)
			next = t->when;
	if (next == UINT64_MAX)
		return (-1);
	now = loop_now_ms();
	if (next <= now)
		return (0);
	if (next - now > 60000)
		return (60000);
	return ((int)(next - now));
}

int
loop_run(struct loop *l)
{
	struct epoll_event	 evs[LOOP_MAX_EVENTS];
	struct loop_fd		*f;
	uint64_t		 v;
	int			 i, n, timeout;

	while (!atomic_load(&l->stopping)) {
		timeout = loop_run_timers(l);
		if (atomic_load(&l->stopping))
			break;
		n = epoll_wait(l->epfd, evs, LOOP_MAX_EVENTS, timeout);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			return (-1);
		}
		l->in_round = 1;
		for (i = 0; i < n && !atomic_load(&l->stopping); i++) {
			if ((f = evs[i].data.ptr) == NULL) {
				if (read(l->evfd, &v, sizeof v) == -1 &&
				    errno != EAGAIN)
					log_warn("eventfd read");
				continue;
			}
			if (f->cb == NULL)
				continue;	/* deleted in this round */
			f->cb(f->fd, evs[i].events, f->arg);
		}
		l->in_round = 0;
		loop_free_fds(l->dead);
		l->dead = NULL;
	}
	return (0);
}
