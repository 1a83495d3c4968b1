/*
 * compress.c - LZ4 behind one file (compress.h).
 *
 * The only file that includes lz4.h. Uses LZ4's default (fast) level:
 * object data is compressed on the write path of the OSS, where speed
 * matters more than the last few percent of ratio.
 */
#include "common/compress.h"

#include <errno.h>
#include <lz4.h>

ssize_t compress_encode(const void *src, size_t src_len, void *dst,
			size_t dst_cap)
{
	int cap;
	int n;

	if (src_len == 0 || src_len > COMPRESS_MAX_INPUT)
		return -EINVAL;
	/* The output must be strictly smaller than the input. */
	if (dst_cap >= src_len)
		dst_cap = src_len - 1;
	if (dst_cap == 0)
		return 0;
	cap = (int)dst_cap;
	/* LZ4 returns 0 when the output does not fit in cap. */
	n = LZ4_compress_default(src, dst, (int)src_len, cap);
	if (n <= 0)
		return 0;
	return n;
}

int compress_decode(const void *src, size_t src_len, void *dst, size_t dst_len)
{
	int n;

	if (src_len == 0 || dst_len == 0 || src_len > COMPRESS_MAX_INPUT ||
	    dst_len > COMPRESS_MAX_INPUT)
		return -EINVAL;
	n = LZ4_decompress_safe(src, dst, (int)src_len, (int)dst_len);
	if (n < 0 || (size_t)n != dst_len)
		return -EBADMSG;
	return 0;
}
