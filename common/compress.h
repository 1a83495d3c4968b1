/*
 * compress.h - LZ4 block compression of one chunk.
 *
 * The block format is raw LZ4 (no frame, no stored sizes): the caller
 * stores the compressed length and the decompressed length next to the
 * data (the object store keeps both in its chunk table) and passes them
 * back on decode.
 *
 * compress_encode() only succeeds when the output is smaller than the
 * input *and* fits the caller's budget, so "did not shrink" is simply a
 * return of 0 and the caller stores the chunk raw. compress_decode()
 * checks that the input decodes to exactly the expected number of bytes:
 * corrupt input is -EBADMSG, never a crash or an overrun (LZ4's safe
 * decoder never reads or writes outside the given buffers).
 *
 * Pure, allocation-free, thread-safe (no shared state; LZ4's encoder state
 * lives on the stack of each call).
 */
#ifndef GLINT_COMMON_COMPRESS_H
#define GLINT_COMMON_COMPRESS_H

#include <stddef.h>
#include <sys/types.h>

/* Largest input either function accepts (LZ4's limit, about 2 GB). */
#define COMPRESS_MAX_INPUT 0x7E000000u

/*
 * Compress src[0..src_len) into dst, which has room for dst_cap bytes.
 * Returns the compressed size n with 0 < n < src_len and n <= dst_cap;
 * 0 when the data does not shrink below min(src_len, dst_cap + 1) bytes
 * (store it raw); -EINVAL when src_len is 0 or above COMPRESS_MAX_INPUT.
 * dst_cap = src_len - 1 accepts any gain; a smaller dst_cap demands more
 * (e.g. "save at least one disk block").
 */
ssize_t compress_encode(const void *src, size_t src_len, void *dst,
			size_t dst_cap);

/*
 * Decompress src[0..src_len) into dst, which must receive exactly dst_len
 * bytes. Returns 0, or -EBADMSG when the input is malformed or decodes to
 * any other length (dst may then hold garbage), -EINVAL for sizes above
 * COMPRESS_MAX_INPUT or zero.
 */
int compress_decode(const void *src, size_t src_len, void *dst, size_t dst_len);

#endif /* GLINT_COMMON_COMPRESS_H */
