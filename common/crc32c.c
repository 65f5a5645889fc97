/*
 * crc32c: see crc32c.h.  The table implementation is slicing-by-8 (Intel's
 * "A Systematic Approach to Building High Performance Software-based CRC
 * Generators", Kounavis and Berry, 2005): eight 256-entry tables let one
 * step consume 8 bytes with 8 independent lookups.  The tables are built on
 * first use under pthread_once, and the implementation is chosen there too,
 * so crc32c() is safe to call from any thread.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include "crc32c.h"

#define CRC32C_POLY	0x82F63B78U	/* reflected 0x1EDC6F41 */

static uint32_t		crc32c_table[8][256];
static pthread_once_t	crc32c_once = PTHREAD_ONCE_INIT;
static int		crc32c_hw_ok;

static void
crc32c_init(void)
{
	uint32_t	c;
	int		i, j, k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		crc32c_table[0][i] = c;
	}
	for (i = 0; i < 256; i++) {
		c = crc32c_table[0][i];
		for (k = 1; k < 8; k++) {
			c = (c >> 8) ^ crc32c_table[0][c & 0xff];
			crc32c_table[k][i] = c;
		}
	}
#if defined(__x86_64__)
	__builtin_cpu_init();
	crc32c_hw_ok = __builtin_cpu_supports("sse4.2") ? 1 : 0;
#endif
}

int
crc32c_has_hw(void)
{
	pthread_once(&crc32c_once, crc32c_init);
	return (crc32c_hw_ok);
}

uint32_t
crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	uint32_t		 c, lo, hi;

	pthread_once(&crc32c_once, crc32c_init);
	c = ~crc;
	while (len > 0 && ((uintptr_t)p & 7) != 0) {
		c = (c >> 8) ^ crc32c_table[0][(c ^ *p++) & 0xff];
		len--;
	}
	while (len >= 8) {
		/* Little-endian assembly, so this is right on any host. */
		lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
		    (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
		c = crc32c_table[7][lo & 0xff] ^
		    crc32c_table[6][(lo >> 8) & 0xff] ^
		    crc32c_table[5][(lo >> 16) & 0xff] ^
		    crc32c_table[4][lo >> 24] ^
		    crc32c_table[3][hi & 0xff] ^
		    crc32c_table[2][(hi >> 8) & 0xff] ^
		    crc32c_table[1][(hi >> 16) & 0xff] ^
		    crc32c_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		c = (c >> 8) ^ crc32c_table[0][(c ^ *p++) & 0xff];
	return (~c);
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t
crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	uint64_t		 c, w;

	c = ~crc;
	while (len > 0 && ((uintptr_t)p & 7) != 0) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		len--;
	}
	while (len >= 8) {
		memcpy(&w, p, 8);
		c = _mm_crc32_u64(c, w);
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return (~(uint32_t)c);
}
#else
uint32_t
crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
	return (crc32c_sw(crc, buf, len));
}
#endif

uint32_t
crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&crc32c_once, crc32c_init);
	if (crc32c_hw_ok)
		return (crc32c_hw(crc, buf, len));
	return (crc32c_sw(crc, buf, len));
}
