/*
 * checksum.c - XXH3-64 behind one function (checksum.h).
 *
 * The only file of common/ that includes xxhash.h. (proto/frame.c hashes
 * frame headers itself because proto/ sits below common/.) Where libxxhash
 * has its run-time dispatch (GLINT_HAVE_XXH_DISPATCH, CMake), XXH3 runs
 * the AVX2/AVX-512 code the CPU has: same values, several times faster.
 */
#include "common/checksum.h"

#include <xxhash.h>
#ifdef GLINT_HAVE_XXH_DISPATCH
#include <xxh_x86dispatch.h> /* the CPU's vector code, same values */
#endif

uint64_t checksum_xxh3(const void *buf, size_t len)
{
	if (len == 0)
		return XXH3_64bits("", 0);
	return XXH3_64bits(buf, len);
}
