/*
 * test_stripe.c - client/stripe.c against a brute-force model.
 *
 * The model deals a file out byte by byte: unit u = off / S goes to stripe
 * u % C and each stripe appends its units to its object in order. For
 * every small geometry (S 1..7, C 1..5) and every file offset, range and
 * size up to a few rows, each function must agree with the model. A few
 * large-offset cases check 64-bit arithmetic.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/stripe.h"
#include "tests/unit/check.h"

#define MAXB 256 /* bytes of file modelled */

struct model {
	uint32_t idx[MAXB];
	uint64_t obj[MAXB];
};

static void model_build(uint64_t S, uint32_t C, struct model *m)
{
	uint64_t fill[8] = { 0 };

	for (uint64_t off = 0; off < MAXB; off++) {
		uint32_t i = (uint32_t)((off / S) % C);

		m->idx[off] = i;
		m->obj[off] = fill[i]++;
	}
}

static void check_geom(uint64_t S, uint32_t C)
{
	struct stripe_geom g = { .size = S, .count = C };
	struct stripe_piece pieces[MAXB];
	struct model m;
	uint64_t limit = S * C * 4 + 3;

	if (limit > MAXB)
		limit = MAXB;
	model_build(S, C, &m);
	for (uint64_t off = 0; off < limit; off++) {
		uint32_t i;
		uint64_t o;

		stripe_locate(&g, off, &i, &o);
		CHECK(i == m.idx[off] && o == m.obj[off]);
		CHECK(stripe_file_off(&g, i, o) == off);
	}
	/* object sizes: count of the prefix's bytes in each stripe */
	for (uint64_t size = 0; size <= limit; size++) {
		for (uint32_t i = 0; i < C; i++) {
			uint64_t n = 0;

			for (uint64_t off = 0; off < size; off++)
				n += m.idx[off] == i;
			CHECK(stripe_object_size(&g, size, i) == n);
		}
		CHECK(stripe_object_size(&g, size, C) == 0);
	}
	/* ranges: split and extent */
	for (uint64_t off = 0; off < limit; off++) {
		for (uint64_t len = 0; off + len <= limit; len++) {
			size_t n = stripe_split(&g, off, len, NULL, 0);
			uint64_t at = off;

			CHECK(n <= MAXB);
			CHECK(stripe_split(&g, off, len, pieces, MAXB) == n);
			for (size_t k = 0; k < n && k < MAXB; k++) {
				struct stripe_piece *p = &pieces[k];

				CHECK(p->file_off == at && p->len >= 1 &&
				      p->len <= S);
				for (uint64_t b = 0; b < p->len; b++) {
					CHECK(m.idx[at + b] == p->stripe_idx);
					CHECK(m.obj[at + b] == p->obj_off + b);
				}
				/* a piece never crosses a unit boundary */
				CHECK(p->file_off / S ==
				      (p->file_off + p->len - 1) / S);
				at += p->len;
			}
			CHECK(at == off + len);
			for (uint32_t i = 0; i < C; i++) {
				uint64_t lo = UINT64_MAX, hi = 0, cnt = 0;
				uint64_t eo, el;

				for (uint64_t b = off; b < off + len; b++) {
					if (m.idx[b] != i)
						continue;
					cnt++;
					if (m.obj[b] < lo)
						lo = m.obj[b];
					if (m.obj[b] + 1 > hi)
						hi = m.obj[b] + 1;
				}
				stripe_extent(&g, off, len, i, &eo, &el);
				CHECK(el == cnt);
				if (cnt) {
					/* contiguous: hi - lo == cnt */
					CHECK(eo == lo && hi - lo == cnt);
				}
			}
		}
	}
}

static void check_large(void)
{
	struct stripe_geom g = { .size = 1 << 20, .count = 4 };
	uint64_t off = (1ull << 50) + 3 * (1 << 20) + 17;
	uint32_t i;
	uint64_t o, eo, el;

	stripe_locate(&g, off, &i, &o);
	CHECK(i == 3);
	CHECK(o == (1ull << 48) + 17);
	CHECK(stripe_file_off(&g, i, o) == off);
	CHECK(stripe_object_size(&g, off, 3) == (1ull << 48) + 17);
	CHECK(stripe_object_size(&g, off, 0) == (1ull << 48) + (1 << 20));
	/* 1 MiB read straddling two units: two stripes, one RPC each */
	stripe_extent(&g, off, 1 << 20, 3, &eo, &el);
	CHECK(eo == (1ull << 48) + 17 && el == (1 << 20) - 17);
	stripe_extent(&g, off, 1 << 20, 0, &eo, &el);
	CHECK(eo == (1ull << 48) + (1 << 20) && el == 17);
	stripe_extent(&g, off, 1 << 20, 1, &eo, &el);
	CHECK(el == 0);
	CHECK(stripe_split(&g, off, 1 << 20, NULL, 0) == 2);
	/* degenerate geometry: nothing, no division by zero */
	g.count = 0;
	CHECK(stripe_split(&g, 0, 100, NULL, 0) == 0);
	CHECK(stripe_object_size(&g, 100, 0) == 0);
}

int main(void)
{
	for (uint64_t S = 1; S <= 7; S++)
		for (uint32_t C = 1; C <= 5; C++)
			check_geom(S, C);
	check_large();
	if (failures) {
		fprintf(stderr, "test_stripe: %d failures\n", failures);
		return 1;
	}
	fprintf(stderr, "test_stripe: ok\n");
	return 0;
}
