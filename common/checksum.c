/*
 * checksum.c - XXH3-64 behind one function (checksum.h).
 *
 * The only file of common/ that includes xxhash.h. (proto/frame.c hashes
 * frame headers itself because proto/ sits below common/.)
 */
#include "common/checksum.h"

#include <xxhash.h>

uint64_t checksum_xxh3(const void *buf, size_t len)
{
	if (len == 0)
		return XXH3_64bits("", 0);
	return XXH3_64bits(buf, len);
}
