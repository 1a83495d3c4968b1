/*
 * checksum.h - the data checksum of Glint: XXH3-64 (xxHash).
 *
 * One function, so the rest of the tree never includes xxhash.h and the
 * algorithm can be changed in one place. XXH3-64 runs at memory speed, so
 * it is computed over every stored chunk and verified on every read; it
 * detects corruption, it is not a cryptographic hash.
 *
 * Pure, allocation-free and thread-safe. The value is the same on every
 * host (xxHash defines a canonical result independent of endianness), so
 * it may be stored on disk and sent on the wire.
 */
#ifndef GLINT_COMMON_CHECKSUM_H
#define GLINT_COMMON_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* XXH3-64 of buf[0..len), seed 0. buf may be NULL when len is 0. */
uint64_t checksum_xxh3(const void *buf, size_t len);

#endif /* GLINT_COMMON_CHECKSUM_H */
