/*
 * test_loop: a callback that deletes another fd's entry in the same epoll
 * round (and adds a new fd, whose entry may take the freed address) never
 * gets the deleted fd's pending event delivered to anyone; deleting its
 * own fd from inside its callback is safe; fds and timers run their
 * callbacks; loop_free frees entries deleted during the last round.
 */
#include <sys/epoll.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"

#define TEST_ROUNDS	50

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale_event),
		cmocka_unit_test(test_delete_self),
		cmocka_unit_test(test_timer_fires),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
