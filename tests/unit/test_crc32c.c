/*
 * test_crc32c: the check value and published vectors (RFC 3720 appendix
 * B.4), the table and SSE4.2 paths against each other on random data at
 * every alignment, and chaining.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crc32c.h"

static uint64_t	rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (rng_state);
}

/* Checks one vector against crc32c, crc32c_sw and, if present, the CPU. */
static void
check(const void *buf, size_t len, uint32_t want)
{
	assert_int_equal(crc32c(0, buf, len), want);
	assert_int_equal(crc32c_sw(0, buf, len), want);
	if (crc32c_has_hw())
		assert_int_equal(crc32c_hw(0, buf, len), want);
}

static void
test_vectors(void **state)
{
	unsigned char	buf[48];
	/* RFC 3720 B.4: an iSCSI SCSI Read (10) command PDU. */
	static const unsigned char pdu[48] = {
		0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
		0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
	};
	int		i;

	(void)state;
	check("123456789", 9, 0xE3069283);
	check("", 0, 0);
	check("a", 1, 0xC1D04330);
	memset(buf, 0, 32);
	check(buf, 32, 0x8A9136AA);
	memset(buf, 0xff, 32);
	check(buf, 32, 0x62A8AB43);
	for (i = 0; i < 32; i++)
		buf[i] = i;
	check(buf, 32, 0x46DD794E);
	for (i = 0; i < 32; i++)
		buf[i] = 31 - i;
	check(buf, 32, 0x113FDB5C);
	check(pdu, sizeof pdu, 0xD9963A56);
}

static void
test_paths_agree(void **state)
{
	unsigned char	*buf;
	size_t		 size = 70000, off, len, i;
	uint32_t	 sw;
	int		 round;

	(void)state;
	buf = malloc(size);
	assert_non_null(buf);
	for (i = 0; i < size; i++)
		buf[i] = rng();
	for (round = 0; round < 2000; round++) {
		off = rng() % 16;
		len = round < 600 ? (size_t)round : rng() % (size - 16);
		sw = crc32c_sw(0, buf + off, len);
		assert_int_equal(crc32c(0, buf + off, len), sw);
		if (crc32c_has_hw())
			assert_int_equal(crc32c_hw(0, buf + off, len), sw);
	}
	free(buf);
}

static void
test_chaining(void **state)
{
	unsigned char	buf[4096];
	size_t		i, cut;
	uint32_t	whole;

	(void)state;
	for (i = 0; i < sizeof buf; i++)
		buf[i] = rng();
	whole = crc32c(0, buf, sizeof buf);
	for (cut = 0; cut <= sizeof buf; cut += 97) {
		assert_int_equal(crc32c(crc32c(0, buf, cut), buf + cut,
		    sizeof buf - cut), whole);
		assert_int_equal(crc32c_sw(crc32c_sw(0, buf, cut), buf + cut,
		    sizeof buf - cut), whole);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_paths_agree),
		cmocka_unit_test(test_chaining),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
