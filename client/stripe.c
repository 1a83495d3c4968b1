/*
 * stripe.c - RAID-0 striping math (stripe.h).
 *
 * Everything derives from two maps: stripe_locate (file -> object) and
 * stripe_object_size (how many bytes of a file prefix an object holds).
 * Because an object stores its units back to back, the bytes of a prefix
 * [0, x) in stripe i are exactly the object prefix [0, object_size(x, i)),
 * so the part of [a, b) in stripe i is [object_size(a, i),
 * object_size(b, i)): that is stripe_extent. tests/unit/test_stripe.c
 * checks each function against a byte-by-byte model.
 */
#include "client/stripe.h"

static int stripe_geom_ok(const struct stripe_geom *g)
{
	return g->size && g->count;
}

void stripe_locate(const struct stripe_geom *g, uint64_t off,
		   uint32_t *stripe_idx, uint64_t *obj_off)
{
	uint64_t unit;

	if (!stripe_geom_ok(g)) {
		*stripe_idx = 0;
		*obj_off = off;
		return;
	}
	unit = off / g->size;
	*stripe_idx = (uint32_t)(unit % g->count);
	*obj_off = (unit / g->count) * g->size + off % g->size;
}

uint64_t stripe_file_off(const struct stripe_geom *g, uint32_t stripe_idx,
			 uint64_t obj_off)
{
	if (!stripe_geom_ok(g))
		return obj_off;
	return (obj_off / g->size) * g->size * g->count +
	       (uint64_t)stripe_idx * g->size + obj_off % g->size;
}

size_t stripe_split(const struct stripe_geom *g, uint64_t off, uint64_t len,
		    struct stripe_piece *out, size_t max)
{
	size_t n = 0;

	if (!stripe_geom_ok(g))
		return 0;
	while (len) {
		uint64_t in_unit = g->size - off % g->size;
		uint64_t chunk = len < in_unit ? len : in_unit;

		if (n < max) {
			struct stripe_piece *p = &out[n];

			stripe_locate(g, off, &p->stripe_idx, &p->obj_off);
			p->file_off = off;
			p->len = chunk;
		}
		n++;
		off += chunk;
		len -= chunk;
	}
	return n;
}

uint64_t stripe_object_size(const struct stripe_geom *g, uint64_t file_size,
			    uint32_t stripe_idx)
{
	uint64_t row, rows, rem, start;

	if (!stripe_geom_ok(g) || stripe_idx >= g->count)
		return 0;
	row = g->size * g->count;
	rows = file_size / row;
	rem = file_size % row;
	start = (uint64_t)stripe_idx * g->size;
	if (rem <= start)
		rem = 0;
	else if (rem - start > g->size)
		rem = g->size;
	else
		rem -= start;
	return rows * g->size + rem;
}

void stripe_extent(const struct stripe_geom *g, uint64_t off, uint64_t len,
		   uint32_t stripe_idx, uint64_t *obj_off, uint64_t *obj_len)
{
	uint64_t a = stripe_object_size(g, off, stripe_idx);
	uint64_t b = stripe_object_size(g, off + len, stripe_idx);

	*obj_off = a;
	*obj_len = b - a;
}
