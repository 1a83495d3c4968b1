/*
 * test_ost_map.c - the MDS's OST map (mds/ost_map.h): registration, the
 * usage reports OSSes append to their PINGs, the "full" threshold
 * (max(1 MiB, 0.1% of capacity)), and what placement may use
 * (mds_placement_osts: full OSTs skipped unless every UP OST is full).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mds/layout.h"
#include "mds/mds_i.h"
#include "mds/ost_map.h"
#include "tests/unit/check.h"

#define MiB (1ull << 20)

/* Connections are only compared by the map: any distinct addresses do. */
static int conn_a, conn_b, conn_c;
#define A ((struct conn *)&conn_a)
#define B ((struct conn *)&conn_b)
#define C ((struct conn *)&conn_c)

static struct msg_statfs report(uint32_t idx, uint64_t total, uint64_t avail)
{
	return (struct msg_statfs){ .target = PROTO_TARGET_OST,
				    .target_idx = idx, .bytes_total = total,
				    .bytes_used = total - avail,
				    .bytes_avail = avail };
}

static int usage(struct ost_map *m, struct conn *c, uint32_t idx,
		 uint64_t total, uint64_t avail)
{
	struct msg_statfs s = report(idx, total, avail);

	return ost_map_usage(m, c, &s);
}

static void test_threshold(void)
{
	struct ost_map m;
	struct ost_entry *e;
	uint64_t v;

	ost_map_init(&m);
	CHECK(ost_map_register(&m, 0, "h", 1, A) == 0);
	e = ost_map_find(&m, 0);
	v = m.version;
	CHECK(e && !e->full && ost_map_usable(e, false)); /* no report yet */
	/* 1 GiB: 0.1% is 1073741 bytes, more than 1 MiB */
	CHECK(usage(&m, A, 0, 1ull << 30, 10 * MiB) == 0 && !e->full);
	CHECK(usage(&m, A, 0, 1ull << 30, 1073741) == 0 && !e->full);
	CHECK(usage(&m, A, 0, 1ull << 30, 1073740) == 0 && e->full);
	CHECK(!ost_map_usable(e, false) && ost_map_usable(e, true));
	CHECK(e->bytes_total == 1ull << 30 && e->bytes_avail == 1073740);
	/* 4 MiB: 1 MiB is the floor */
	CHECK(usage(&m, A, 0, 4 * MiB, MiB) == 0 && !e->full);
	CHECK(usage(&m, A, 0, 4 * MiB, MiB - 1) == 0 && e->full);
	/* 10 TiB: 0.1% is about 10 GiB */
	CHECK(usage(&m, A, 0, 10ull << 40, 5ull << 30) == 0 && e->full);
	CHECK(usage(&m, A, 0, 10ull << 40, 11ull << 30) == 0 && !e->full);
	CHECK(m.version == v); /* clients do not see "full" */
	ost_map_fini(&m);
}

static void test_reports_checked(void)
{
	struct ost_map m;
	struct msg_statfs s;
	struct ost_entry *e;

	ost_map_init(&m);
	CHECK(ost_map_register(&m, 0, "h", 1, A) == 0);
	CHECK(ost_map_register(&m, 1, "h", 2, B) == 0);
	e = ost_map_find(&m, 0);
	/* only over the connection the OST registered on */
	CHECK(usage(&m, B, 0, 4 * MiB, 0) == -ENOENT && !e->full);
	CHECK(usage(&m, NULL, 0, 4 * MiB, 0) == -ENOENT && !e->full);
	CHECK(usage(&m, A, 7, 4 * MiB, 0) == -ENOENT);
	s = report(0, 4 * MiB, 0);
	s.target = PROTO_TARGET_MDT;
	CHECK(ost_map_usage(&m, A, &s) == -ENOENT && !e->full);
	/* full, then down: unusable even when full ones are allowed */
	CHECK(usage(&m, A, 0, 4 * MiB, 0) == 0 && e->full);
	ost_map_conn_closed(&m, A);
	CHECK(!ost_map_usable(e, true));
	CHECK(usage(&m, A, 0, 4 * MiB, 0) == -ENOENT);
	/* registered again: not full until its first report says so */
	CHECK(ost_map_register(&m, 0, "h", 3, C) == 0);
	CHECK(!e->full && ost_map_usable(e, false));
	ost_map_fini(&m);
}

static void test_placement(void)
{
	static struct mds md;
	struct layout_ost osts[PROTO_MAX_OSTS];
	size_t n;

	ost_map_init(&md.osts);
	CHECK(ost_map_register(&md.osts, 0, "h", 1, A) == 0);
	CHECK(ost_map_register(&md.osts, 1, "h", 2, B) == 0);
	CHECK(ost_map_register(&md.osts, 2, "h", 3, C) == 0);
	CHECK(usage(&md.osts, A, 0, 4 * MiB, 0) == 0);
	n = mds_placement_osts(&md, osts);
	CHECK(n == 3 && !osts[0].usable && osts[1].usable && osts[2].usable);
	ost_map_conn_closed(&md.osts, C);
	CHECK(usage(&md.osts, B, 1, 4 * MiB, 100) == 0);
	/* every UP OST full: the full ones are used, the DOWN one is not */
	n = mds_placement_osts(&md, osts);
	CHECK(n == 3 && osts[0].usable && osts[1].usable && !osts[2].usable);
	CHECK(usage(&md.osts, B, 1, 4 * MiB, 2 * MiB) == 0);
	n = mds_placement_osts(&md, osts);
	CHECK(n == 3 && !osts[0].usable && osts[1].usable && !osts[2].usable);
	ost_map_fini(&md.osts);
}

int main(void)
{
	test_threshold();
	test_reports_checked();
	test_placement();
	if (failures) {
		fprintf(stderr, "test_ost_map: %d checks failed\n", failures);
		return 1;
	}
	return 0;
}
