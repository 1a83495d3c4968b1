/*
 * stripe.h - RAID-0 striping math of the client: pure functions, no I/O.
 *
 * A file of stripe size S and stripe count C is cut into stripe units of S
 * bytes dealt round robin over its C objects: file offset off lives in
 * stripe (off / S) % C at object offset (off / (S*C)) * S + off % S.
 * Every object holds its units back to back, so the bytes of one
 * contiguous file range that fall into one stripe form one contiguous
 * object range (stripe_extent): a read or write needs one object RPC per
 * stripe it touches, whatever its length.
 *
 * Callers pass the real number of objects of a layout (its nstripes), not
 * the request's stripe_count (-1 = all). A geometry with size or count 0
 * is a programmer error: functions treat it as an empty file (no pieces,
 * object size 0). Offsets are assumed to fit: off + len <= UINT64_MAX.
 */
#ifndef GLINT_CLIENT_STRIPE_H
#define GLINT_CLIENT_STRIPE_H

#include <stddef.h>
#include <stdint.h>

struct stripe_geom {
	uint64_t size;	/* stripe size S in bytes */
	uint32_t count; /* number of objects C */
};

/* One stripe unit's part of a file range: contiguous in the file and in
 * its object. */
struct stripe_piece {
	uint32_t stripe_idx; /* which object, 0..count-1 */
	uint64_t obj_off;    /* offset in that object */
	uint64_t file_off;   /* offset in the file */
	uint64_t len;	     /* bytes, 1..S */
};

/* The stripe and object offset of file offset off. */
void stripe_locate(const struct stripe_geom *g, uint64_t off,
		   uint32_t *stripe_idx, uint64_t *obj_off);

/* The inverse: the file offset of object offset obj_off of stripe idx. */
uint64_t stripe_file_off(const struct stripe_geom *g, uint32_t stripe_idx,
			 uint64_t obj_off);

/*
 * Cut [off, off + len) at stripe unit boundaries into pieces in file
 * order. Writes at most max pieces to out (out may be NULL when max is 0)
 * and returns how many there are in all, so a caller can size its array
 * with a first call.
 */
size_t stripe_split(const struct stripe_geom *g, uint64_t off, uint64_t len,
		    struct stripe_piece *out, size_t max);

/*
 * The size of object stripe_idx when the file is file_size bytes long:
 * the bytes of [0, file_size) that fall into it. Truncating every object
 * to this size truncates the file.
 */
uint64_t stripe_object_size(const struct stripe_geom *g, uint64_t file_size,
			    uint32_t stripe_idx);

/*
 * The object range of stripe_idx that [off, off + len) covers:
 * [*obj_off, *obj_off + *obj_len), *obj_len 0 when the range misses it.
 */
void stripe_extent(const struct stripe_geom *g, uint64_t off, uint64_t len,
		   uint32_t stripe_idx, uint64_t *obj_off, uint64_t *obj_len);

#endif /* GLINT_CLIENT_STRIPE_H */
