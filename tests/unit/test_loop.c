/*
 * test_loop: a callback that deletes another fd's entry in the same epoll
 * round (and adds a new fd, whose entry may take the freed address) never
 * gets the deleted fd's pending event delivered to anyone; deleting its
 * own fd from inside its callback is safe; fds and timers run their
 * callbacks; loop_free frees entries deleted during the last round.  A
 * timer that re-arms itself for 0 ms (a tailer with a backlog) starves
 * neither an fd nor another timer, two such timers take turns, and due
 * timers fire in deadline order.
 */
#include <sys/epoll.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"

#define TEST_ROUNDS	50
#define TEST_BUSY_TURNS	2000	/* 0.4 s of work at least */

struct test_fd {
	int		 p[2];		/* a pipe; p[0] is watched */
	int		 calls;
	int		 lastfd;
	struct test_loop *t;
};

struct test_loop {
	struct loop		*loop;
	struct loop_timer	*stop;
	struct test_fd		 a, b, c;
};

static void
test_pipe(struct test_fd *f, struct test_loop *t, int readable)
{
	assert_int_equal(pipe(f->p), 0);
	f->calls = 0;
	f->lastfd = -1;
	f->t = t;
	if (readable)
		assert_int_equal(write(f->p[1], "x", 1), 1);
}

static void
test_close(struct test_fd *f)
{
	close(f->p[0]);
	close(f->p[1]);
}

static void
test_stop_cb(void *arg)
{
	loop_stop(arg);
}

static void
test_new_cb(int fd, uint32_t events, void *arg)
{
	struct test_fd	*f = arg;

	(void)events;
	f->calls++;
	f->lastfd = fd;
}

/*
 * Whichever of a and b runs first deletes the other, then watches c (an
 * empty pipe: any call for it is a stale event) and stops the loop at
 * the start of the next round.
 */
static void
test_first_cb(int fd, uint32_t events, void *arg)
{
	struct test_fd		*f = arg, *other;
	struct test_loop	*t = f->t;

	(void)events;
	f->calls++;
	f->lastfd = fd;
	other = f == &t->a ? &t->b : &t->a;
	if (other->calls != 0)
		return;
	loop_del_fd(t->loop, other->p[0]);
	assert_int_equal(loop_add_fd(t->loop, t->c.p[0], EPOLLIN,
	    test_new_cb, &t->c), 0);
	loop_timer_set(t->stop, 0);
}

static void
test_stale_event(void **state)
{
	struct test_loop	 t;
	int			 i;

	(void)state;
	/* Many rounds, so that malloc reusing the address is likely. */
	for (i = 0; i < TEST_ROUNDS; i++) {
		assert_non_null(t.loop = loop_create());
		t.stop = loop_timer_new(t.loop, test_stop_cb, t.loop);
		test_pipe(&t.a, &t, 1);
		test_pipe(&t.b, &t, 1);
		test_pipe(&t.c, &t, 0);
		assert_int_equal(loop_add_fd(t.loop, t.a.p[0], EPOLLIN,
		    test_first_cb, &t.a), 0);
		assert_int_equal(loop_add_fd(t.loop, t.b.p[0], EPOLLIN,
		    test_first_cb, &t.b), 0);
		assert_int_equal(loop_run(t.loop), 0);

		/* One of a and b ran, once; the other's event was dropped. */
		assert_int_equal(t.a.calls + t.b.calls, 1);
		if (t.a.calls == 1)
			assert_int_equal(t.a.lastfd, t.a.p[0]);
		else
			assert_int_equal(t.b.lastfd, t.b.p[0]);
		/* c is empty: it must not have had the deleted fd's event. */
		assert_int_equal(t.c.calls, 0);

		loop_timer_free(t.stop);
		loop_free(t.loop);
		test_close(&t.a);
		test_close(&t.b);
		test_close(&t.c);
	}
}

/* Deletes its own fd and stops the loop. */
static void
test_self_cb(int fd, uint32_t events, void *arg)
{
	struct test_fd	*f = arg;

	(void)events;
	f->calls++;
	f->lastfd = fd;
	loop_del_fd(f->t->loop, fd);
	loop_timer_set(f->t->stop, 0);
}

static void
test_delete_self(void **state)
{
	struct test_loop	 t;

	(void)state;
	assert_non_null(t.loop = loop_create());
	t.stop = loop_timer_new(t.loop, test_stop_cb, t.loop);
	test_pipe(&t.a, &t, 1);
	assert_int_equal(loop_add_fd(t.loop, t.a.p[0], EPOLLIN,
	    test_self_cb, &t.a), 0);
	assert_int_equal(loop_run(t.loop), 0);
	assert_int_equal(t.a.calls, 1);
	assert_int_equal(t.a.lastfd, t.a.p[0]);
	/* The entry is gone: it can be added again. */
	assert_int_equal(loop_add_fd(t.loop, t.a.p[0], EPOLLIN,
	    test_self_cb, &t.a), 0);
	loop_del_fd(t.loop, t.a.p[0]);
	/* Freed by loop_free although no round followed (LSan checks). */
	loop_timer_free(t.stop);
	loop_free(t.loop);
	test_close(&t.a);
}

static void
test_timer_fires(void **state)
{
	struct loop		*l;
	struct loop_timer	*stop;
	uint64_t		 start;

	(void)state;
	assert_non_null(l = loop_create());
	stop = loop_timer_new(l, test_stop_cb, l);
	assert_int_equal(loop_timer_is_armed(stop), 0);
	start = loop_now_ms();
	loop_timer_set(stop, 20);
	assert_int_equal(loop_timer_is_armed(stop), 1);
	assert_true(loop_timer_remaining(stop) <= 20);
	assert_int_equal(loop_run(l), 0);
	assert_true(loop_now_ms() - start >= 20);
	assert_int_equal(loop_timer_is_armed(stop), 0);
	loop_timer_free(stop);
	loop_free(l);
}

/* Always has more work: re-arms itself for 0 ms, like a backlog. */
struct test_busy {
	struct loop		*loop;
	struct loop_timer	*busy, *other, *stop;
	struct test_fd		 fd;
	int			 turns;
	int			 turns_at_fd;	/* when the fd's callback ran */
	int			 turns_at_other;
	uint64_t		 start;		/* ms, when the loop ran */
	int			 turns_at_due;	/* turns done when a turn first */
					/* saw the other timer due */
	uint64_t		 other_at;	/* when the other timer ran */
};

static void
test_busy_check_done(struct test_busy *b)
{
	if (b->turns_at_fd != -1 && b->turns_at_other != -1 &&
	    !loop_timer_is_armed(b->stop))
		loop_timer_set(b->stop, 0);
}

static void
test_busy_cb(void *arg)
{
	struct test_busy	*b = arg;
	struct timespec		 ts = { 0, 200 * 1000 };	/* 0.2 ms */

	if (b->turns_at_due == -1 && loop_now_ms() - b->start >= 20)
		b->turns_at_due = b->turns;
	b->turns++;
	nanosleep(&ts, NULL);		/* a bounded slice of work */
	/* A loop that starves the others fails the test, not hangs it. */
	if (b->turns == TEST_BUSY_TURNS) {
		loop_stop(b->loop);
		return;
	}
	loop_timer_set(b->busy, 0);
}

static void
test_busy_fd_cb(int fd, uint32_t events, void *arg)
{
	struct test_busy	*b = arg;
	char			 c;

	(void)events;
	assert_int_equal(read(fd, &c, 1), 1);
	b->fd.calls++;
	b->turns_at_fd = b->turns;
	test_busy_check_done(b);
}

static void
test_busy_other_cb(void *arg)
{
	struct test_busy	*b = arg;

	b->other_at = loop_now_ms();
	b->turns_at_other = b->turns;
	test_busy_check_done(b);
}

static void
test_busy_starves_nothing(void **state)
{
	struct test_busy	 b;
	uint64_t		 start;

	(void)state;
	b.turns = 0;
	b.turns_at_fd = b.turns_at_other = b.turns_at_due = -1;
	assert_non_null(b.loop = loop_create());
	b.busy = loop_timer_new(b.loop, test_busy_cb, &b);
	b.other = loop_timer_new(b.loop, test_busy_other_cb, &b);
	b.stop = loop_timer_new(b.loop, test_stop_cb, b.loop);
	test_pipe(&b.fd, NULL, 1);
	assert_int_equal(loop_add_fd(b.loop, b.fd.p[0], EPOLLIN,
	    test_busy_fd_cb, &b), 0);
	start = b.start = loop_now_ms();
	loop_timer_set(b.busy, 0);
	loop_timer_set(b.other, 20);
	assert_int_equal(loop_run(b.loop), 0);

	/* The readable fd ran after the first turn, not after the work. */
	assert_int_equal(b.fd.calls, 1);
	assert_in_range(b.turns_at_fd, 0, 1);
	/*
	 * The 20 ms timer ran on time, between turns: not early, after the
	 * work that was due first, and at the latest in the round after a
	 * turn saw it due.  Counted in turns, not in milliseconds, so that
	 * a loaded machine (a process descheduled for 20 ms) cannot fail it
	 * while a loop that starves timers still does.
	 */
	assert_true(b.other_at - start >= 20);
	assert_true(b.turns_at_other >= 1);
	if (b.turns_at_due != -1)
		assert_true(b.turns_at_other <= b.turns_at_due + 1);
	assert_true(b.turns_at_other < TEST_BUSY_TURNS);
	/* Work was still pending: the stop timer got its turn, too. */
	assert_true(loop_timer_is_armed(b.busy));
	loop_timer_free(b.busy);
	loop_timer_free(b.other);
	loop_timer_free(b.stop);
	loop_free(b.loop);
	test_close(&b.fd);
}

/* Two flows' tailers, each with a backlog. */
struct test_pair {
	struct loop		*loop;
	struct loop_timer	*t[2];
	int			 turns[2];
};

static void
test_pair_turn(struct test_pair *p, int i)
{
	p->turns[i]++;
	if (p->turns[0] + p->turns[1] >= 100) {
		loop_stop(p->loop);
		return;
	}
	loop_timer_set(p->t[i], 0);
}

static void
test_pair_cb0(void *arg)
{
	test_pair_turn(arg, 0);
}

static void
test_pair_cb1(void *arg)
{
	test_pair_turn(arg, 1);
}

static void
test_busy_take_turns(void **state)
{
	struct test_pair	p;

	(void)state;
	p.turns[0] = p.turns[1] = 0;
	assert_non_null(p.loop = loop_create());
	p.t[0] = loop_timer_new(p.loop, test_pair_cb0, &p);
	p.t[1] = loop_timer_new(p.loop, test_pair_cb1, &p);
	loop_timer_set(p.t[0], 0);
	loop_timer_set(p.t[1], 0);
	assert_int_equal(loop_run(p.loop), 0);
	/* Each had a turn in every round. */
	assert_true(p.turns[0] - p.turns[1] <= 1);
	assert_true(p.turns[1] - p.turns[0] <= 1);
	loop_timer_free(p.t[0]);
	loop_timer_free(p.t[1]);
	loop_free(p.loop);
}

/* Records the order in which timers fire. */
struct test_order {
	int	 fired[3];
	int	 n;
};

struct test_order_timer {
	struct test_order	*o;
	int			 id;
};

static void
test_order_cb(void *arg)
{
	struct test_order_timer	*ot = arg;

	ot->o->fired[ot->o->n++] = ot->id;
}

static void
test_deadline_order(void **state)
{
	struct test_order	 o = { { 0, 0, 0 }, 0 };
	struct test_order_timer	 ot[3];
	struct loop		*l;
	struct loop_timer	*t[3], *stop;
	struct timespec		 ts = { 0, 40 * 1000 * 1000 };
	int			 i;

	(void)state;
	assert_non_null(l = loop_create());
	/* Created in one order, armed in another, all due at the start. */
	for (i = 0; i < 3; i++) {
		ot[i].o = &o;
		ot[i].id = i;
		t[i] = loop_timer_new(l, test_order_cb, &ot[i]);
	}
	loop_timer_set(t[1], 30);
	loop_timer_set(t[2], 1);
	loop_timer_set(t[0], 15);
	stop = loop_timer_new(l, test_stop_cb, l);
	loop_timer_set(stop, 35);
	nanosleep(&ts, NULL);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(o.n, 3);
	assert_int_equal(o.fired[0], 2);
	assert_int_equal(o.fired[1], 0);
	assert_int_equal(o.fired[2], 1);
	for (i = 0; i < 3; i++)
		loop_timer_free(t[i]);
	loop_timer_free(stop);
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale_event),
		cmocka_unit_test(test_delete_self),
		cmocka_unit_test(test_timer_fires),
		cmocka_unit_test(test_busy_starves_nothing),
		cmocka_unit_test(test_busy_take_turns),
		cmocka_unit_test(test_deadline_order),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
