/*
 * crc32c: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the
 * checksum of every spool record.  It runs on the SSE4.2 crc32 instruction
 * when the CPU has it and on a slicing-by-8 table otherwise; both give the
 * same result, so a spool written on one machine reads on another.
 */
#ifndef CRC32C_H
#define CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * Returns the CRC-32C of len bytes at buf, continuing from crc: start with
 * 0, and crc32c(crc32c(0, a, n), b, m) is the CRC of a followed by b.  The
 * check value, crc32c(0, "123456789", 9), is 0xE3069283.
 */
uint32_t	crc32c(uint32_t crc, const void *buf, size_t len);

/* The same, always with the table (portable) implementation. */
uint32_t	crc32c_sw(uint32_t crc, const void *buf, size_t len);

/*
 * The same, always with the SSE4.2 instruction.  Call it only when
 * crc32c_has_hw() returns 1.
 */
uint32_t	crc32c_hw(uint32_t crc, const void *buf, size_t len);

/* Returns 1 if this CPU has the SSE4.2 crc32 instruction, 0 otherwise. */
int		crc32c_has_hw(void);

#endif /* CRC32C_H */
