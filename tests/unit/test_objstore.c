/*
 * test_objstore.c - unit tests of oss/objstore.c, on temporary directories
 * under /tmp that are removed afterwards:
 *   refusal of unusable directories and of another OST's directory;
 *   thousands of random writes/reads/truncates/punches against a shadow
 *   buffer; holes (zeros, no disk); LZ4 on text saves disk, random data is
 *   stored raw; a flipped byte on disk (data, LZ4 data, table) is -EIO and
 *   counted; ENOSPC leaves the object unchanged and space comes back after a
 *   destroy; truncate and punch free disk; reopen keeps data, usage and the
 *   object list; worker threads with their own rings in parallel;
 *   client-compressed chunks: stored as sent, read back as stored, partial
 *   pieces merged, bad chunks (checksum, length, garbage) refused with
 *   nothing changed, damaged ones on disk -EIO; the OST's data totals; the
 *   fd cache of open objects (a small bound from RLIMIT_NOFILE): eviction,
 *   destroy and re-create of a cached object, objstore_size;
 *   objstore_read_span: raw chunks handed out as a dup of the data file with
 *   their checksums (the bytes objstore_read gives, readable after destroy
 *   and close), -EAGAIN for anything else stored or asked; drop-behind:
 *   writes larger than writethrough_max_io leave at most OBJSTORE_DROP_LAG of a
 *   stream in the page cache (mincore), smaller ones and an unbounded
 *   store keep it all, and the data reads back either way; such writes
 *   with aligned data go with O_DIRECT and leave nothing cached, their
 *   short last chunk and unaligned ones go through the cache.
 * Skips (77) when io_uring is unavailable.
 */
#include "oss/objstore.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/checksum.h"
#include "common/compress.h"
#include "common/log.h"
#include "common/ring.h"
#include "oss/obj_flush.h"
#include "oss/ost_dir.h"
#include "proto/codec.h"
#include "tests/unit/check.h"

#define CHUNK OBJSTORE_CHUNK_SIZE
#define MiB   (1024ull * 1024)
#define GiB   (1024ull * MiB)

static char base[] = "/tmp/glint_test_objstore.XXXXXX";
static const struct objstore_options opts0 = {.fsname = "testfs", .ost_idx = 0};

static uint64_t rng_state = 0x243F6A8885A308D3ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_text(uint8_t *buf, size_t len)
{
	static const char *words[] = {"stripe ",     "object ", "lustre ",
				      "checkpoint ", "glint ",	"the ",
				      "metadata ",   "server\n"};
	size_t pos = 0;

	while (pos < len) {
		const char *w = words[rng() % 8];
		size_t n = strlen(w);

		if (n > len - pos)
			n = len - pos;
		memcpy(buf + pos, w, n);
		pos += n;
	}
}

static void fill_random(uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)rng();
}

static void path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", base, name);
}

/* Find an object's data or table file by scanning the hashed dirs. */
static int object_file(const char *dir, uint64_t fid, uint32_t idx,
		       const char *ext, char *out, size_t len)
{
	struct stat st;
	int i;

	for (i = 0; i < 256; i++) {
		snprintf(out, len,
			 "%s/objects/%02x/%016" PRIx64 ".%08" PRIx32 ".%s", dir,
			 i, fid, idx, ext);
		if (stat(out, &st) == 0)
			return 0;
	}
	return -ENOENT;
}

static uint64_t file_blocks_bytes(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return UINT64_MAX;
	return (uint64_t)st.st_blocks * 512;
}

static int rm_cb(const char *path, const struct stat *st, int flag,
		 struct FTW *ftw)
{
	return remove(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* --- refusals --- */

static void test_refusals(void)
{
	struct objstore_options o = opts0;
	struct objstore *os = NULL;
	char p[256], q[512];
	int fd;

	path_of(p, sizeof(p), "missing");
	CHECK(objstore_open(p, GiB, &opts0, &os) == -ENOENT && !os);

	path_of(p, sizeof(p), "afile");
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK(objstore_open(p, GiB, &opts0, &os) == -ENOTDIR);

	path_of(p, sizeof(p), "notempty");
	mkdir(p, 0755);
	snprintf(q, sizeof(q), "%s/precious", p);
	fd = open(q, O_CREAT | O_WRONLY, 0644);
	close(fd);
	CHECK(objstore_open(p, GiB, &opts0, &os) == -ENOTEMPTY);
	CHECK(access(q, F_OK) == 0);

	path_of(p, sizeof(p), "ost_refuse");
	mkdir(p, 0755);
	CHECK(objstore_open(p, 0, &opts0, &os) == -EINVAL);
	o.fsname = "";
	CHECK(objstore_open(p, GiB, &o, &os) == -EINVAL);
	o.fsname = "a/b";
	CHECK(objstore_open(p, GiB, &o, &os) == -EINVAL);
	o.fsname = NULL;
	CHECK(objstore_open(p, GiB, &o, &os) == -EINVAL);

	CHECK(objstore_open(p, GiB, &opts0, &os) == 0 && os);
	objstore_close(os);
	os = NULL;
	o = opts0;
	o.fsname = "otherfs";
	CHECK(objstore_open(p, GiB, &o, &os) == -EEXIST && !os);
	o = opts0;
	o.ost_idx = 1;
	CHECK(objstore_open(p, GiB, &o, &os) == -EEXIST && !os);
	CHECK(objstore_open(p, GiB, &opts0, &os) == 0);
	objstore_close(os);
	os = NULL;

	/* A damaged superblock is refused, not rewritten. */
	snprintf(q, sizeof(q), "%s/%s", p, OST_DIR_SUPERBLOCK);
	fd = open(q, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, "X", 1, 30) == 1);
	close(fd);
	CHECK(objstore_open(p, GiB, &opts0, &os) == -EUCLEAN && !os);

	if (geteuid() != 0) {
		path_of(p, sizeof(p), "readonly");
		mkdir(p, 0500);
		CHECK(objstore_open(p, GiB, &opts0, &os) == -EACCES);
	} else {
		printf("running as root: skipping the not-writable check\n");
	}
}

/* --- random operations against a shadow buffer --- */

#define SHADOW_MAX (3 * MiB)

static int compare_all(struct objstore *os, struct ring *r, uint64_t fid,
		       const uint8_t *shadow, uint64_t size, uint8_t *tmp)
{
	ssize_t n = objstore_read(os, r, fid, 0, 0, SHADOW_MAX, tmp);

	if (n != (ssize_t)size) {
		fprintf(stderr, "full read: %zd, want %" PRIu64 "\n", n, size);
		return -1;
	}
	if (memcmp(tmp, shadow, size)) {
		fprintf(stderr, "full read: content differs\n");
		return -1;
	}
	return 0;
}

static void test_random(struct objstore *os, struct ring *r)
{
	const uint64_t fid = 0x1000;
	uint8_t *shadow = calloc(1, SHADOW_MAX);
	uint8_t *data = malloc(SHADOW_MAX);
	uint8_t *tmp = malloc(SHADOW_MAX);
	struct objstore_attr attr;
	uint64_t size = 0;
	bool exists = false;
	int counts[4] = {0};
	int i;

	CHECK(shadow && data && tmp);
	if (!shadow || !data || !tmp)
		goto out;
	CHECK(objstore_read(os, r, fid, 0, 0, 10, tmp) == -ENOENT);
	CHECK(objstore_getattr(os, r, fid, 0, &attr) == -ENOENT);
	CHECK(objstore_punch(os, r, fid, 0, 0, 10) == -ENOENT);
	for (i = 0; i < 4000 && !failures; i++) {
		unsigned kind = (unsigned)(rng() % 10);
		uint64_t off, len;
		ssize_t n;

		/* Offsets near chunk boundaries are the interesting ones. */
		if (rng() % 3 == 0)
			off = (rng() % 40) * CHUNK + (rng() % 3) - 1;
		else
			off = rng() % (SHADOW_MAX - 1);
		if (off >= SHADOW_MAX)
			off = 0;
		len =
		    rng() % 4 == 0 ? rng() % (2 * CHUNK + 7) : rng() % 4096 + 1;
		if (rng() % 50 == 0)
			len = rng() % (1 * MiB);
		if (len > SHADOW_MAX - off)
			len = SHADOW_MAX - off;

		if (kind < 4) {
			/* write */
			switch (rng() % 3) {
			case 0:
				fill_text(data, len);
				break;
			case 1:
				fill_random(data, len);
				break;
			default:
				memset(data, 0, len);
			}
			n = objstore_write(os, r, fid, 0, off, data, len,
					   rng() % 2 ? OBJSTORE_WRITE_COMPRESS
						     : 0);
			CHECK(n == (ssize_t)len);
			memcpy(shadow + off, data, len);
			if (len && off + len > size)
				size = off + len;
			exists = exists || len;
			counts[0]++;
		} else if (kind < 8) {
			/* read */
			uint64_t want =
			    off >= size ? 0
					: (len < size - off ? len : size - off);

			n = objstore_read(os, r, fid, 0, off, len, tmp);
			if (!exists)
				CHECK(n == -ENOENT);
			else
				CHECK(n == (ssize_t)want);
			if (n > 0 && memcmp(tmp, shadow + off, (size_t)n)) {
				fprintf(stderr,
					"op %d: read off=%" PRIu64
					" len=%" PRIu64 " differs\n",
					i, off, len);
				failures++;
			}
			counts[1]++;
		} else if (kind == 8) {
			/* truncate */
			uint64_t ns = rng() % 2 ? rng() % SHADOW_MAX
						: (rng() % 48) * CHUNK;

			if (ns > SHADOW_MAX)
				ns = SHADOW_MAX;
			CHECK(objstore_truncate(os, r, fid, 0, ns) == 0);
			if (ns < size)
				memset(shadow + ns, 0, size - ns);
			size = ns;
			exists = true;
			counts[2]++;
		} else {
			/* punch */
			int rc = objstore_punch(os, r, fid, 0, off, len);

			if (!exists)
				CHECK(rc == -ENOENT);
			else
				CHECK(rc == 0);
			if (off < size)
				memset(shadow + off, 0,
				       len < size - off ? len : size - off);
			counts[3]++;
		}
		if (i % 250 == 0 && size) {
			CHECK(compare_all(os, r, fid, shadow, size, tmp) == 0);
			CHECK(objstore_getattr(os, r, fid, 0, &attr) == 0);
			CHECK(attr.size == size);
			CHECK(attr.stored_bytes <= attr.logical_bytes);
		}
	}
	CHECK(compare_all(os, r, fid, shadow, size, tmp) == 0);
	CHECK(objstore_sync(os, r, fid, 0) == 0);
	printf("random: %d writes, %d reads, %d truncates, %d punches, "
	       "final size %" PRIu64 "\n",
	       counts[0], counts[1], counts[2], counts[3], size);
	CHECK(objstore_destroy(os, r, fid, 0) == 0);
	CHECK(objstore_destroy(os, r, fid, 0) == -ENOENT);
out:
	free(shadow);
	free(data);
	free(tmp);
}

/* --- holes, compression, raw storage --- */

static void test_holes(struct objstore *os, struct ring *r, const char *dir)
{
	const uint64_t fid = 0x2000;
	uint8_t *buf = malloc(MiB);
	struct objstore_attr attr;
	char path[512];
	uint64_t i;
	bool zeros = true;

	CHECK(buf != NULL);
	if (!buf)
		return;
	memset(buf, 0xAB, 4096);
	CHECK(objstore_write(os, r, fid, 3, 10 * MiB, buf, 4096, 0) == 4096);
	CHECK(objstore_read(os, r, fid, 3, 5 * MiB, MiB, buf) == (ssize_t)MiB);
	for (i = 0; i < MiB; i++)
		zeros = zeros && buf[i] == 0;
	CHECK(zeros);
	CHECK(objstore_getattr(os, r, fid, 3, &attr) == 0);
	CHECK(attr.size == 10 * MiB + 4096);
	CHECK(attr.chunks_stored == 1);
	CHECK(object_file(dir, fid, 3, "dat", path, sizeof(path)) == 0);
	CHECK(file_blocks_bytes(path) <= 8192);
	CHECK(attr.disk_bytes <= 4 * 4096);

	/* Writing zeros stores nothing; truncating up adds only a hole. */
	memset(buf, 0, MiB);
	CHECK(objstore_write(os, r, fid, 3, 0, buf, MiB, 0) == (ssize_t)MiB);
	CHECK(objstore_truncate(os, r, fid, 3, 100 * GiB) == 0);
	CHECK(objstore_getattr(os, r, fid, 3, &attr) == 0);
	CHECK(attr.size == 100 * GiB && attr.chunks_stored == 1);
	CHECK(file_blocks_bytes(path) <= 8192);
	CHECK(objstore_read(os, r, fid, 3, 100 * GiB - 10, 100, buf) == 10);
	CHECK(objstore_read(os, r, fid, 3, 100 * GiB, 100, buf) == 0);
	CHECK(objstore_read(os, r, fid, 3, 10 * MiB + 4090, 10, buf) == 10);
	CHECK(buf[5] == 0xAB && buf[6] == 0);
	CHECK(objstore_destroy(os, r, fid, 3) == 0);
	free(buf);
}

static void test_compression(struct objstore *os, struct ring *r)
{
	const size_t len = 4 * MiB;
	uint8_t *text = malloc(len), *rnd = malloc(len), *back = malloc(len);
	struct objstore_attr a, b, c;
	struct ring *tiny = NULL;

	CHECK(text && rnd && back);
	if (!text || !rnd || !back)
		goto out;
	fill_text(text, len);
	fill_random(rnd, len);

	CHECK(objstore_write(os, r, 0x3000, 0, 0, text, len,
			     OBJSTORE_WRITE_COMPRESS) == (ssize_t)len);
	CHECK(objstore_write(os, r, 0x3001, 0, 0, text, len, 0) ==
	      (ssize_t)len);
	CHECK(objstore_write(os, r, 0x3002, 0, 0, rnd, len,
			     OBJSTORE_WRITE_COMPRESS) == (ssize_t)len);
	CHECK(objstore_getattr(os, r, 0x3000, 0, &a) == 0);
	CHECK(objstore_getattr(os, r, 0x3001, 0, &b) == 0);
	CHECK(objstore_getattr(os, r, 0x3002, 0, &c) == 0);
	printf("4 MiB text: compressed disk %" PRIu64 " stored %" PRIu64
	       ", raw disk %" PRIu64 "; random with LZ4 flag: disk %" PRIu64
	       "\n",
	       a.disk_bytes, a.stored_bytes, b.disk_bytes, c.disk_bytes);
	CHECK(a.chunks_compressed == len / CHUNK);
	CHECK(a.logical_bytes == len && a.stored_bytes < len / 2);
	CHECK(a.disk_bytes < b.disk_bytes / 2);
	CHECK(b.chunks_compressed == 0 && b.stored_bytes == len);
	CHECK(c.chunks_compressed == 0 && c.stored_bytes == len);
	CHECK(b.disk_bytes >= len);

	CHECK(objstore_read(os, r, 0x3000, 0, 0, len, back) == (ssize_t)len);
	CHECK(memcmp(back, text, len) == 0);
	CHECK(objstore_read(os, r, 0x3002, 0, 0, len, back) == (ssize_t)len);
	CHECK(memcmp(back, rnd, len) == 0);
	/* A tiny ring runs the same 64-chunk batches in rounds. */
	CHECK(ring_create(2, &tiny) == 0);
	if (tiny) {
		memset(back, 0, len);
		CHECK(objstore_read(os, tiny, 0x3000, 0, 0, len, back) ==
		      (ssize_t)len);
		CHECK(memcmp(back, text, len) == 0);
		CHECK(objstore_write(os, tiny, 0x3003, 0, 1, text, len,
				     OBJSTORE_WRITE_COMPRESS) == (ssize_t)len);
		CHECK(objstore_read(os, tiny, 0x3003, 0, 1, len, back) ==
		      (ssize_t)len);
		CHECK(memcmp(back, text, len) == 0);
		CHECK(objstore_destroy(os, tiny, 0x3003, 0) == 0);
		ring_destroy(tiny);
	}
	/* Unaligned partial read of compressed chunks. */
	CHECK(objstore_read(os, r, 0x3000, 0, CHUNK - 3, CHUNK + 10, back) ==
	      (ssize_t)(CHUNK + 10));
	CHECK(memcmp(back, text + CHUNK - 3, CHUNK + 10) == 0);
	/* Rewriting raw over compressed grows; back to compressed shrinks. */
	CHECK(objstore_write(os, r, 0x3000, 0, 0, text, len, 0) ==
	      (ssize_t)len);
	CHECK(objstore_getattr(os, r, 0x3000, 0, &b) == 0);
	CHECK(b.disk_bytes >= len && b.chunks_compressed == 0);
	CHECK(objstore_write(os, r, 0x3000, 0, 0, text, len,
			     OBJSTORE_WRITE_COMPRESS) == (ssize_t)len);
	CHECK(objstore_getattr(os, r, 0x3000, 0, &b) == 0);
	CHECK(b.disk_bytes == a.disk_bytes);
	CHECK(objstore_destroy(os, r, 0x3000, 0) == 0);
	CHECK(objstore_destroy(os, r, 0x3001, 0) == 0);
	CHECK(objstore_destroy(os, r, 0x3002, 0) == 0);
out:
	free(text);
	free(rnd);
	free(back);
}

/* --- corruption --- */

static void flip_byte(const char *path, off_t off)
{
	uint8_t b;
	int fd = open(path, O_RDWR);

	CHECK(fd >= 0);
	CHECK(pread(fd, &b, 1, off) == 1);
	b ^= 0x40;
	CHECK(pwrite(fd, &b, 1, off) == 1);
	close(fd);
}

static void test_corruption(struct objstore *os, struct ring *r,
			    const char *dir)
{
	const uint64_t fid = 0x4000;
	const size_t len = 4 * CHUNK;
	uint8_t *data = malloc(len), *back = malloc(len);
	struct objstore_stats s0, s1;
	char dat[512], tab[512];

	CHECK(data && back);
	if (!data || !back)
		goto out;
	fill_random(data, len);
	CHECK(objstore_write(os, r, fid, 0, 0, data, len, 0) == (ssize_t)len);
	CHECK(object_file(dir, fid, 0, "dat", dat, sizeof(dat)) == 0);
	CHECK(object_file(dir, fid, 0, "tab", tab, sizeof(tab)) == 0);

	objstore_stats(os, &s0);
	flip_byte(dat, CHUNK + 1000);
	CHECK(objstore_read(os, r, fid, 0, 0, CHUNK, back) == (ssize_t)CHUNK);
	CHECK(memcmp(back, data, CHUNK) == 0);
	CHECK(objstore_read(os, r, fid, 0, CHUNK + 5000, 10, back) == -EIO);
	CHECK(objstore_read(os, r, fid, 0, 0, len, back) == -EIO);
	objstore_stats(os, &s1);
	CHECK(s1.checksum_errors == s0.checksum_errors + 2);
	/* A partial write onto the bad chunk fails and changes nothing. */
	CHECK(objstore_write(os, r, fid, 0, CHUNK + 10, data, 10, 0) == -EIO);
	/* A full overwrite heals it. */
	CHECK(objstore_write(os, r, fid, 0, CHUNK, data + CHUNK, CHUNK, 0) ==
	      (ssize_t)CHUNK);
	CHECK(objstore_read(os, r, fid, 0, 0, len, back) == (ssize_t)len);
	CHECK(memcmp(back, data, len) == 0);

	/* A damaged chunk table entry (chunk 2) is -EIO, never a hole. The
	 * store keeps small tables with its open files (test_tab_copy): it
	 * finds the damage when it reads the file again. */
	flip_byte(tab, 64 + 2 * 32 + 9);
	objstore_drop_cache(os);
	objstore_stats(os, &s0);
	CHECK(objstore_read(os, r, fid, 0, 2 * CHUNK, 100, back) == -EIO);
	objstore_stats(os, &s1);
	CHECK(s1.checksum_errors == s0.checksum_errors + 1);
	flip_byte(tab, 64 + 2 * 32 + 9);
	objstore_drop_cache(os);
	CHECK(objstore_read(os, r, fid, 0, 2 * CHUNK, 100, back) == 100);

	/* A damaged header. */
	flip_byte(tab, 17);
	objstore_drop_cache(os);
	CHECK(objstore_read(os, r, fid, 0, 0, 100, back) == -EIO);
	flip_byte(tab, 17);

	/* A damaged LZ4 chunk. */
	fill_text(data, len);
	CHECK(objstore_write(os, r, fid, 0, 0, data, len,
			     OBJSTORE_WRITE_COMPRESS) == (ssize_t)len);
	flip_byte(dat, 3 * CHUNK + 20);
	objstore_stats(os, &s0);
	CHECK(objstore_read(os, r, fid, 0, 3 * CHUNK, 10, back) == -EIO);
	CHECK(objstore_read(os, r, fid, 0, 2 * CHUNK, 10, back) == 10);
	objstore_stats(os, &s1);
	CHECK(s1.checksum_errors == s0.checksum_errors + 1);
	CHECK(objstore_destroy(os, r, fid, 0) == 0);
out:
	free(data);
	free(back);
}

/*
 * Table copies (obj_cache.c): a read of a small cached object takes its
 * chunk table from memory (damage to the file after the copy was made
 * goes unseen until objstore_drop_cache), every change drops the copy (a
 * stale one would fail the new data's checksums or give the old size),
 * and a table of more than OBJ_TAB_COPY_MAX bytes is read every time.
 */
static void test_tab_copy(struct objstore *os, struct ring *r,
			  const char *dir)
{
	const uint64_t fid = 0x4100, big = 0x4101;
	const size_t len = 4 * CHUNK, big_len = 130 * CHUNK;
	uint8_t *data = malloc(big_len), *back = malloc(big_len);
	char tab[512], big_tab[512];
	uint64_t size;

	CHECK(data && back);
	if (!data || !back)
		goto out;
	fill_random(data, big_len);
	CHECK(objstore_write(os, r, fid, 0, 0, data, len, 0) == (ssize_t)len);
	CHECK(object_file(dir, fid, 0, "tab", tab, sizeof(tab)) == 0);
	CHECK(objstore_read(os, r, fid, 0, 0, len, back) == (ssize_t)len);

	/* Kept: the damaged file is not read again... */
	flip_byte(tab, 64 + 1 * 32 + 9);
	CHECK(objstore_read(os, r, fid, 0, CHUNK, 100, back) == 100);
	CHECK(memcmp(back, data + CHUNK, 100) == 0);
	/* ...until the copy goes. */
	objstore_drop_cache(os);
	CHECK(objstore_read(os, r, fid, 0, CHUNK, 100, back) == -EIO);
	flip_byte(tab, 64 + 1 * 32 + 9);
	CHECK(objstore_read(os, r, fid, 0, 0, len, back) == (ssize_t)len);
	CHECK(memcmp(back, data, len) == 0);

	/* Changes drop it: new data, a shorter and a longer size. */
	CHECK(objstore_write(os, r, fid, 0, CHUNK, data + len, CHUNK, 0) ==
	      (ssize_t)CHUNK);
	CHECK(objstore_read(os, r, fid, 0, 0, len, back) == (ssize_t)len);
	CHECK(memcmp(back, data, CHUNK) == 0);
	CHECK(memcmp(back + CHUNK, data + len, CHUNK) == 0);
	CHECK(objstore_truncate(os, r, fid, 0, CHUNK + 10) == 0);
	CHECK(objstore_read(os, r, fid, 0, 0, len, back) ==
	      (ssize_t)(CHUNK + 10));
	CHECK(objstore_write(os, r, fid, 0, 3 * CHUNK, data, 10, 0) == 10);
	CHECK(objstore_size(os, r, fid, 0, &size) == 0 &&
	      size == 3 * CHUNK + 10);
	CHECK(objstore_read(os, r, fid, 0, 3 * CHUNK, CHUNK, back) == 10);
	CHECK(memcmp(back, data, 10) == 0);
	CHECK(objstore_punch(os, r, fid, 0, 0, CHUNK) == 0);
	CHECK(objstore_read(os, r, fid, 0, 0, 10, back) == 10);
	CHECK(back[0] == 0 && back[9] == 0);

	/* A big table is read every time. */
	CHECK(objstore_write(os, r, big, 0, 0, data, big_len, 0) ==
	      (ssize_t)big_len);
	CHECK(object_file(dir, big, 0, "tab", big_tab, sizeof(big_tab)) == 0);
	CHECK(objstore_read(os, r, big, 0, 0, 100, back) == 100);
	flip_byte(big_tab, 64 + 1 * 32 + 9);
	CHECK(objstore_read(os, r, big, 0, CHUNK, 100, back) == -EIO);
	flip_byte(big_tab, 64 + 1 * 32 + 9);
	CHECK(objstore_read(os, r, big, 0, 0, big_len, back) ==
	      (ssize_t)big_len);
	CHECK(memcmp(back, data, big_len) == 0);
	CHECK(objstore_destroy(os, r, fid, 0) == 0);
	CHECK(objstore_destroy(os, r, big, 0) == 0);
out:
	free(data);
	free(back);
}

/* objstore_read_nowait: the same bytes and checks as objstore_read for an
 * object in the fd cache whose bytes are in the page cache; -EAGAIN, never
 * -ENOENT, for one that is not open. */
static void test_nowait(struct objstore *os, struct ring *r, const char *dir)
{
	const uint64_t fid = 0x9000;
	const size_t len = 3 * CHUNK + 777;
	uint8_t *data = malloc(6 * CHUNK), *back = malloc(6 * CHUNK);
	struct objstore_stats s0, s1;
	char dat[512];

	CHECK(data && back);
	if (!data || !back)
		goto out;
	fill_random(data, len);
	CHECK(objstore_write(os, r, fid, 0, 0, data, len, 0) == (ssize_t)len);
	/* Chunk 4 stays a hole, chunk 5 has data. */
	CHECK(objstore_write(os, r, fid, 0, 5 * CHUNK, data, 100, 0) == 100);
	memset(back, 0xee, 6 * CHUNK);
	CHECK(objstore_read_nowait(os, fid, 0, 0, len, back) == (ssize_t)len);
	CHECK(memcmp(back, data, len) == 0);
	CHECK(objstore_read_nowait(os, fid, 0, CHUNK + 4096, 4096, back) ==
	      4096);
	CHECK(memcmp(back, data + CHUNK + 4096, 4096) == 0);
	memset(back, 0xee, 6 * CHUNK);
	CHECK(objstore_read_nowait(os, fid, 0, 3 * CHUNK, 2 * CHUNK, back) ==
	      2 * CHUNK);
	CHECK(memcmp(back, data + 3 * CHUNK, 777) == 0);
	for (size_t i = 777; i < 2 * CHUNK; i++)
		if (back[i]) {
			CHECK(i == 2 * CHUNK); /* a hole reads as zeros */
			break;
		}
	CHECK(objstore_read_nowait(os, fid, 0, 5 * CHUNK + 50, 4096, back) ==
	      50);
	CHECK(memcmp(back, data + 50, 50) == 0);
	CHECK(objstore_read_nowait(os, fid, 0, 6 * CHUNK, 10, back) == 0);
	CHECK(objstore_read_nowait(os, fid + 1, 0, 0, 10, back) == -EAGAIN);

	/* A bad chunk is -EIO and counted, as on the ring path. */
	CHECK(object_file(dir, fid, 0, "dat", dat, sizeof(dat)) == 0);
	objstore_stats(os, &s0);
	flip_byte(dat, CHUNK + 10);
	CHECK(objstore_read_nowait(os, fid, 0, CHUNK, 4096, back) == -EIO);
	objstore_stats(os, &s1);
	CHECK(s1.checksum_errors == s0.checksum_errors + 1);
	CHECK(objstore_read_nowait(os, fid, 0, 0, 4096, back) == 4096);
	CHECK(objstore_destroy(os, r, fid, 0) == 0);
	CHECK(objstore_read_nowait(os, fid, 0, 0, 10, back) == -EAGAIN);
out:
	free(data);
	free(back);
}

/* --- client-compressed chunks (objstore_write_chunks / read_chunks) --- */

/* Encode [off, off + len) of data (object bytes from 0) as a client does:
 * pieces split at chunk boundaries, LZ4 for pieces that start a chunk and
 * save 4 KiB, raw otherwise. Returns the count; cbuf holds LZ4 output. */
static size_t zencode(const uint8_t *data, uint64_t off, uint64_t len,
		      struct objstore_zchunk *z, uint8_t *cbuf)
{
	size_t n = 0, cpos = 0;
	uint64_t pos = off;

	while (pos < off + len) {
		uint64_t end = (pos / CHUNK + 1) * CHUNK;
		uint32_t raw;
		ssize_t c = 0;

		if (end > off + len)
			end = off + len;
		raw = (uint32_t)(end - pos);
		z[n] = (struct objstore_zchunk){
			.off = pos, .raw_len = raw, .stored_len = raw,
			.kind = OBJSTORE_Z_RAW, .data = data + pos,
			.csum = checksum_xxh3(data + pos, raw) };
		if (pos % CHUNK == 0 && raw > 4096)
			c = compress_encode(data + pos, raw, cbuf + cpos,
					    raw - 4096);
		if (c > 0) {
			z[n].kind = OBJSTORE_Z_LZ4;
			z[n].stored_len = (uint32_t)c;
			z[n].data = cbuf + cpos;
			cpos += (size_t)c;
		}
		n++;
		pos = end;
	}
	return n;
}

/* Decode what objstore_read_chunks returned into out (object bytes from
 * 0); checks the csum of the bytes handed out. Returns the span's end. */
static uint64_t zdecode(const struct objstore_zchunk *z, size_t n,
			uint8_t *out)
{
	uint64_t end = 0;

	for (size_t i = 0; i < n; i++) {
		if (i)
			CHECK(z[i].off == z[i - 1].off + z[i - 1].raw_len);
		switch (z[i].kind) {
		case OBJSTORE_Z_ZERO:
			CHECK(z[i].stored_len == 0);
			memset(out + z[i].off, 0, z[i].raw_len);
			break;
		case OBJSTORE_Z_RAW:
			CHECK(z[i].stored_len == z[i].raw_len);
			CHECK(checksum_xxh3(z[i].data, z[i].stored_len) ==
			      z[i].csum);
			memcpy(out + z[i].off, z[i].data, z[i].raw_len);
			break;
		case OBJSTORE_Z_LZ4:
			CHECK(z[i].off % CHUNK == 0);
			CHECK(checksum_xxh3(z[i].data, z[i].stored_len) ==
			      z[i].csum);
			CHECK(compress_decode(z[i].data, z[i].stored_len,
					      out + z[i].off,
					      z[i].raw_len) == 0);
			break;
		default:
			CHECK(0);
		}
		end = z[i].off + z[i].raw_len;
	}
	return end;
}

static void test_zchunks(struct objstore *os, struct ring *r,
			 const char *dir)
{
	const uint64_t fid = 0x6000, len = 16 * CHUNK;
	const size_t zcap = OBJSTORE_ZREAD_CHUNKS(len);
	uint8_t *text = malloc(len), *rnd = malloc(len), *cbuf = malloc(len);
	uint8_t *back = calloc(1, len + 2 * CHUNK);
	uint8_t *rbuf = malloc(OBJSTORE_ZREAD_BUF(len));
	struct objstore_zchunk *z = calloc(zcap, sizeof(*z));
	struct objstore_attr a;
	struct objstore_statfs s0, s1;
	uint64_t clen = 0;
	size_t n, stored;
	ssize_t got;
	char dat[512];

	CHECK(text && rnd && cbuf && back && rbuf && z);
	if (!text || !rnd || !cbuf || !back || !rbuf || !z)
		goto out;
	fill_text(text, len);
	fill_random(rnd, len);
	objstore_statfs(os, &s0);

	/* Whole chunks compressed by the client are stored as they are. */
	n = zencode(text, 0, len, z, cbuf);
	CHECK(n == len / CHUNK);
	for (size_t i = 0; i < n; i++) {
		CHECK(z[i].kind == OBJSTORE_Z_LZ4);
		clen += z[i].stored_len;
	}
	CHECK(objstore_write_chunks(os, r, fid, 0, z, n, 0) == (ssize_t)len);
	CHECK(objstore_getattr(os, r, fid, 0, &a) == 0);
	CHECK(a.size == len && a.chunks_compressed == n);
	CHECK(a.logical_bytes == len && a.stored_bytes == clen);
	CHECK(a.disk_bytes < len / 2);
	objstore_statfs(os, &s1);
	CHECK(s1.data_logical_bytes == s0.data_logical_bytes + len);
	CHECK(s1.data_stored_bytes == s0.data_stored_bytes + clen);
	CHECK(objstore_read(os, r, fid, 0, 0, len, back) == (ssize_t)len);
	CHECK(memcmp(back, text, len) == 0);

	/* Read back as stored: the client's bytes, compressed. */
	got = objstore_read_chunks(os, r, fid, 0, 0, len, z, zcap, rbuf,
				   OBJSTORE_ZREAD_BUF(len), &stored);
	CHECK(got == (ssize_t)(len / CHUNK) && stored == clen);
	memset(back, 0xaa, len);
	CHECK(got > 0 && zdecode(z, (size_t)got, back) == len);
	CHECK(memcmp(back, text, len) == 0);
	/* Unaligned: whole LZ4 chunks around the range. */
	got = objstore_read_chunks(os, r, fid, 0, CHUNK + 100, 2 * CHUNK, z,
				   zcap, rbuf, OBJSTORE_ZREAD_BUF(len),
				   &stored);
	CHECK(got == 3 && z[0].off == CHUNK && z[0].kind == OBJSTORE_Z_LZ4);
	memset(back, 0xaa, len);
	CHECK(got > 0 && zdecode(z, (size_t)got, back) == 4 * CHUNK);
	CHECK(memcmp(back + CHUNK, text + CHUNK, 3 * CHUNK) == 0);
	/* Too little room is refused. */
	CHECK(objstore_read_chunks(os, r, fid, 0, 0, len, z, zcap - 1, rbuf,
				   OBJSTORE_ZREAD_BUF(len), &stored) ==
	      -EINVAL);

	/* A partial piece is merged and compressed by the OSS. */
	memcpy(text + 100, "PARTIAL", 7);
	n = zencode(text, 100, 7, z, cbuf);
	CHECK(n == 1 && z[0].kind == OBJSTORE_Z_RAW);
	CHECK(objstore_write_chunks(os, r, fid, 0, z, n,
				    OBJSTORE_WRITE_COMPRESS) == 7);
	CHECK(objstore_getattr(os, r, fid, 0, &a) == 0);
	CHECK(a.chunks_compressed == len / CHUNK);
	CHECK(objstore_read(os, r, fid, 0, 0, len, back) == (ssize_t)len);
	CHECK(memcmp(back, text, len) == 0);

	/* Incompressible chunks are stored raw; slices are handed out. */
	n = zencode(rnd, 0, len, z, cbuf);
	for (size_t i = 0; i < n; i++)
		CHECK(z[i].kind == OBJSTORE_Z_RAW);
	CHECK(objstore_write_chunks(os, r, fid, 1, z, n,
				    OBJSTORE_WRITE_COMPRESS) == (ssize_t)len);
	CHECK(objstore_getattr(os, r, fid, 1, &a) == 0);
	CHECK(a.chunks_compressed == 0 && a.stored_bytes == len);
	got = objstore_read_chunks(os, r, fid, 1, 1000, 3 * CHUNK, z, zcap,
				   rbuf, OBJSTORE_ZREAD_BUF(len), &stored);
	CHECK(got == 4 && z[0].off == 1000 && stored == 3 * CHUNK);
	memset(back, 0, len);
	CHECK(got > 0 && zdecode(z, (size_t)got, back) == 1000 + 3 * CHUNK);
	CHECK(memcmp(back + 1000, rnd + 1000, 3 * CHUNK) == 0);

	/* A short last chunk, holes and zeros: ZERO entries. */
	n = zencode(text, 5 * CHUNK, CHUNK / 2, z, cbuf);
	CHECK(n == 1 && z[0].kind == OBJSTORE_Z_LZ4);
	CHECK(objstore_write_chunks(os, r, fid, 2, z, n, 0) ==
	      (ssize_t)(CHUNK / 2));
	got = objstore_read_chunks(os, r, fid, 2, 0, len, z, zcap, rbuf,
				   OBJSTORE_ZREAD_BUF(len), &stored);
	CHECK(got == 6 && z[5].kind == OBJSTORE_Z_LZ4);
	CHECK(got > 0 && zdecode(z, (size_t)got, back) == 5 * CHUNK +
							       CHUNK / 2);
	CHECK(memcmp(back + 5 * CHUNK, text + 5 * CHUNK, CHUNK / 2) == 0);
	got = objstore_read_chunks(os, r, fid, 2, 6 * CHUNK, CHUNK, z, zcap,
				   rbuf, OBJSTORE_ZREAD_BUF(len), &stored);
	CHECK(got == 0);
	z[0] = (struct objstore_zchunk){ .off = 5 * CHUNK, .raw_len = 10,
					 .kind = OBJSTORE_Z_ZERO };
	CHECK(objstore_write_chunks(os, r, fid, 2, z, 1,
				    OBJSTORE_WRITE_COMPRESS) == 10);
	CHECK(objstore_read(os, r, fid, 2, 5 * CHUNK, CHUNK / 2, back) ==
	      (ssize_t)(CHUNK / 2));
	CHECK(back[0] == 0 && back[9] == 0 &&
	      memcmp(back + 10, text + 5 * CHUNK + 10, CHUNK / 2 - 10) == 0);

	/* A client's bad chunk is refused and nothing changes. */
	objstore_statfs(os, &s0);
	n = zencode(text, 0, 2 * CHUNK, z, cbuf);
	z[1].csum ^= 1; /* checksum of the raw bytes */
	CHECK(objstore_write_chunks(os, r, fid, 0, z, n, 0) == -EBADMSG);
	z[1].csum ^= 1;
	z[1].raw_len = CHUNK - 1; /* decodes to another length */
	CHECK(objstore_write_chunks(os, r, fid, 0, z, n, 0) == -EBADMSG);
	z[1].raw_len = CHUNK;
	cbuf[z[1].data - cbuf + 7] ^= 0x55; /* garbage LZ4 bytes */
	CHECK(objstore_write_chunks(os, r, fid, 0, z, n, 0) == -EBADMSG);
	memcpy(rbuf, rnd, CHUNK); /* raw bytes not matching */
	z[1] = (struct objstore_zchunk){ .off = CHUNK, .raw_len = CHUNK,
					 .stored_len = CHUNK,
					 .kind = OBJSTORE_Z_RAW, .data = rbuf,
					 .csum = checksum_xxh3(text, CHUNK) };
	CHECK(objstore_write_chunks(os, r, fid, 0, z, n, 0) == -EBADMSG);
	CHECK(objstore_read(os, r, fid, 0, 0, len, back) == (ssize_t)len);
	CHECK(memcmp(back, text, len) == 0);
	/* No chunk of a fresh object created either. */
	CHECK(objstore_write_chunks(os, r, fid + 1, 0, z, n, 0) == -EBADMSG);
	CHECK(objstore_getattr(os, r, fid + 1, 0, &a) == -ENOENT);
	objstore_statfs(os, &s1);
	CHECK(s1.data_logical_bytes == s0.data_logical_bytes);
	/* Lists breaking the rules. */
	n = zencode(text, 0, 2 * CHUNK, z, cbuf);
	z[1].off++;
	CHECK(objstore_write_chunks(os, r, fid, 0, z, n, 0) == -EINVAL);
	z[1].off--;
	z[0].kind = 7;
	CHECK(objstore_write_chunks(os, r, fid, 0, z, n, 0) == -EINVAL);

	/* A damaged compressed chunk on disk is -EIO, counted. */
	CHECK(object_file(dir, fid, 0, "dat", dat, sizeof(dat)) == 0);
	flip_byte(dat, 3 * CHUNK + 50);
	CHECK(objstore_read_chunks(os, r, fid, 0, 3 * CHUNK, 10, z, zcap,
				   rbuf, OBJSTORE_ZREAD_BUF(len),
				   &stored) == -EIO);
	CHECK(objstore_read_chunks(os, r, fid, 0, 2 * CHUNK, 10, z, zcap,
				   rbuf, OBJSTORE_ZREAD_BUF(len),
				   &stored) == 1);

	/* Destroy and truncate keep the OST's totals right. */
	CHECK(objstore_truncate(os, r, fid, 1, CHUNK + 10) == 0);
	CHECK(objstore_getattr(os, r, fid, 1, &a) == 0);
	CHECK(a.logical_bytes == CHUNK + 10);
	CHECK(objstore_destroy(os, r, fid, 0) == 0);
	CHECK(objstore_destroy(os, r, fid, 1) == 0);
	CHECK(objstore_destroy(os, r, fid, 2) == 0);
out:
	free(text);
	free(rnd);
	free(cbuf);
	free(back);
	free(rbuf);
	free(z);
}

/* --- truncate and punch free space --- */

static void test_truncate_punch(struct objstore *os, struct ring *r)
{
	const uint64_t fid = 0x5000;
	const size_t len = 8 * CHUNK;
	uint8_t *data = malloc(len), *back = malloc(len);
	struct objstore_attr a0, a1;
	size_t i;
	bool ok = true;

	CHECK(data && back);
	if (!data || !back)
		goto out;
	fill_random(data, len);
	CHECK(objstore_write(os, r, fid, 0, 0, data, len, 0) == (ssize_t)len);
	CHECK(objstore_getattr(os, r, fid, 0, &a0) == 0);

	/* Punch chunks 1-2 wholly and part of 3. */
	CHECK(objstore_punch(os, r, fid, 0, CHUNK, 2 * CHUNK + 100) == 0);
	CHECK(objstore_getattr(os, r, fid, 0, &a1) == 0);
	CHECK(a1.size == len);
	CHECK(a1.chunks_stored == 6);
	CHECK(a1.disk_bytes + 2 * CHUNK <= a0.disk_bytes);
	memset(data + CHUNK, 0, 2 * CHUNK + 100);
	CHECK(objstore_read(os, r, fid, 0, 0, len, back) == (ssize_t)len);
	CHECK(memcmp(back, data, len) == 0);
	/* Punching past the end changes nothing. */
	CHECK(objstore_punch(os, r, fid, 0, len + 10, 100) == 0);

	/* Down to the middle of chunk 5, then up again: tail reads zeros. */
	CHECK(objstore_truncate(os, r, fid, 0, 5 * CHUNK + 123) == 0);
	CHECK(objstore_getattr(os, r, fid, 0, &a0) == 0);
	CHECK(a0.size == 5 * CHUNK + 123 && a0.chunks_stored == 4);
	CHECK(a0.disk_bytes < a1.disk_bytes);
	CHECK(objstore_read(os, r, fid, 0, 0, len, back) ==
	      (ssize_t)(5 * CHUNK + 123));
	CHECK(objstore_truncate(os, r, fid, 0, len) == 0);
	CHECK(objstore_read(os, r, fid, 0, 0, len, back) == (ssize_t)len);
	CHECK(memcmp(back, data, 5 * CHUNK + 123) == 0);
	for (i = 5 * CHUNK + 123; i < len; i++)
		ok = ok && back[i] == 0;
	CHECK(ok);
	CHECK(objstore_truncate(os, r, fid, 0, 0) == 0);
	CHECK(objstore_getattr(os, r, fid, 0, &a0) == 0);
	CHECK(a0.size == 0 && a0.chunks_stored == 0);
	CHECK(a0.disk_bytes <= 8192);
	CHECK(objstore_read(os, r, fid, 0, 0, 10, back) == 0);

	/* Truncate creates; create refuses an existing object. */
	CHECK(objstore_truncate(os, r, 0x5001, 0, 12345) == 0);
	CHECK(objstore_getattr(os, r, 0x5001, 0, &a0) == 0 && a0.size == 12345);
	CHECK(objstore_create(os, r, 0x5001, 0) == -EEXIST);
	CHECK(objstore_create(os, r, 0x5002, 0) == 0);
	CHECK(objstore_getattr(os, r, 0x5002, 0, &a0) == 0 && a0.size == 0);
	CHECK(objstore_write(os, r, fid, 0, OBJSTORE_MAX_OBJECT_SIZE, data, 1,
			     0) == -EFBIG);
	CHECK(objstore_write(os, r, fid, 0, 0, data, OBJSTORE_MAX_IO + 1, 0) ==
	      -EINVAL);
	CHECK(objstore_destroy(os, r, fid, 0) == 0);
	CHECK(objstore_destroy(os, r, 0x5001, 0) == 0);
	CHECK(objstore_destroy(os, r, 0x5002, 0) == 0);
out:
	free(data);
	free(back);
}

/* --- capacity --- */

static void test_enospc(struct ring *r)
{
	struct objstore *os = NULL;
	struct objstore_statfs st;
	struct objstore_attr a;
	uint8_t *data = malloc(MiB), *back = malloc(MiB);
	char dir[512];

	CHECK(data && back);
	if (!data || !back)
		goto out;
	path_of(dir, sizeof(dir), "ost_small");
	mkdir(dir, 0755);
	CHECK(objstore_open(dir, MiB, &opts0, &os) == 0);
	if (!os)
		goto out;
	fill_random(data, MiB);
	CHECK(objstore_write(os, r, 1, 0, 0, data, MiB / 2, 0) ==
	      (ssize_t)(MiB / 2));
	objstore_statfs(os, &st);
	CHECK(st.used_bytes >= MiB / 2 && st.used_bytes < MiB / 2 + 64 * 1024);
	CHECK(st.avail_bytes == MiB - st.used_bytes && st.objects == 1);

	/* A new object that does not fit is not created. */
	CHECK(objstore_write(os, r, 2, 0, 0, data, 3 * MiB / 4, 0) == -ENOSPC);
	CHECK(objstore_getattr(os, r, 2, 0, &a) == -ENOENT);
	objstore_statfs(os, &st);
	CHECK(st.objects == 1);
	/* An existing object that would grow past capacity is unchanged. */
	CHECK(objstore_write(os, r, 1, 0, 100, data, MiB - 100, 0) == -ENOSPC);
	CHECK(objstore_getattr(os, r, 1, 0, &a) == 0 && a.size == MiB / 2);
	CHECK(objstore_read(os, r, 1, 0, 0, MiB, back) == (ssize_t)(MiB / 2));
	CHECK(memcmp(back, data, MiB / 2) == 0);
	/* Growing by truncate allocates nothing: no ENOSPC. */
	CHECK(objstore_truncate(os, r, 1, 0, 100 * MiB) == 0);
	CHECK(objstore_truncate(os, r, 1, 0, MiB / 2) == 0);
	CHECK(objstore_read(os, r, 1, 0, 0, MiB, back) == (ssize_t)(MiB / 2));
	CHECK(memcmp(back, data, MiB / 2) == 0);
	/* Overwrites that allocate nothing new still work when full-ish. */
	CHECK(objstore_write(os, r, 1, 0, 0, data, MiB / 2, 0) ==
	      (ssize_t)(MiB / 2));

	CHECK(objstore_destroy(os, r, 1, 0) == 0);
	objstore_statfs(os, &st);
	CHECK(st.used_bytes == 0 && st.objects == 0);
	CHECK(objstore_write(os, r, 2, 0, 0, data, 3 * MiB / 4, 0) ==
	      (ssize_t)(3 * MiB / 4));
	CHECK(objstore_read(os, r, 2, 0, 0, MiB, back) ==
	      (ssize_t)(3 * MiB / 4));
	CHECK(memcmp(back, data, 3 * MiB / 4) == 0);
	objstore_close(os);
out:
	free(data);
	free(back);
}

/* --- reopen --- */

struct seen {
	uint64_t fids[16];
	uint32_t idxs[16];
	int n;
};

static int collect(uint64_t fid, uint32_t idx, void *arg)
{
	struct seen *s = arg;

	if (s->n < 16) {
		s->fids[s->n] = fid;
		s->idxs[s->n] = idx;
	}
	s->n++;
	return 0;
}

static int stop_at_first(uint64_t fid, uint32_t idx, void *arg)
{
	return 42;
}

static void test_reopen(struct ring *r)
{
	struct objstore *os = NULL;
	struct objstore_statfs st0, st1;
	uint8_t *data = malloc(MiB), *back = malloc(MiB);
	struct seen seen = {0};
	char dir[512];
	int i, found = 0;

	CHECK(data && back);
	if (!data || !back)
		goto out;
	path_of(dir, sizeof(dir), "ost_reopen");
	mkdir(dir, 0755);
	CHECK(objstore_open(dir, GiB, &opts0, &os) == 0);
	if (!os)
		goto out;
	fill_text(data, MiB);
	CHECK(objstore_write(os, r, 7, 0, 0, data, MiB,
			     OBJSTORE_WRITE_COMPRESS) == (ssize_t)MiB);
	CHECK(objstore_write(os, r, 7, 1, 5000, data, 70000, 0) == 70000);
	CHECK(objstore_write(os, r, 0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFFu, 0, data,
			     10, 0) == 10);
	CHECK(objstore_sync(os, r, 7, 0) == 0);
	CHECK(objstore_sync(os, r, 8, 0) == -ENOENT);
	objstore_statfs(os, &st0);
	CHECK(st0.objects == 3);
	objstore_close(os);
	os = NULL;

	CHECK(objstore_open(dir, GiB, &opts0, &os) == 0);
	if (!os)
		goto out;
	objstore_statfs(os, &st1);
	printf("reopen: used %" PRIu64 " before, %" PRIu64 " after scan\n",
	       st0.used_bytes, st1.used_bytes);
	CHECK(st1.objects == 3);
	/* The data totals are scanned from the chunk tables. */
	/* chunk 0 of 7:1 holds its 5000 leading zeros too */
	CHECK(st0.data_logical_bytes == MiB + 5000 + 70000 + 10);
	CHECK(st0.data_stored_bytes < st0.data_logical_bytes / 2);
	CHECK(st1.data_logical_bytes == st0.data_logical_bytes);
	CHECK(st1.data_stored_bytes == st0.data_stored_bytes);
	/* Writeback may add a metadata block or two per file; no more. */
	CHECK(st1.used_bytes + 6 * 4096 >= st0.used_bytes &&
	      st1.used_bytes <= st0.used_bytes + 6 * 4096);
	CHECK(objstore_read(os, r, 7, 0, 0, MiB, back) == (ssize_t)MiB);
	CHECK(memcmp(back, data, MiB) == 0);
	CHECK(objstore_read(os, r, 7, 1, 5000, 70000, back) == 70000);
	CHECK(memcmp(back, data, 70000) == 0);
	CHECK(objstore_iterate(os, collect, &seen) == 0);
	CHECK(seen.n == 3);
	for (i = 0; i < seen.n && i < 16; i++)
		if ((seen.fids[i] == 7 && seen.idxs[i] <= 1) ||
		    (seen.fids[i] == 0xFFFFFFFFFFFFFFFFull &&
		     seen.idxs[i] == 0xFFFFFFFFu))
			found++;
	CHECK(found == 3);
	CHECK(objstore_iterate(os, stop_at_first, NULL) == 42);
	objstore_close(os);
out:
	free(data);
	free(back);
}

/* --- threads: each with its own ring --- */

struct worker {
	struct objstore *os;
	int id;
	int bad;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct ring *r = NULL;
	uint8_t *buf = malloc(4 * CHUNK), *back = malloc(4 * CHUNK);
	ssize_t n, j;
	int i;

	if (!buf || !back || ring_create(32, &r) < 0) {
		w->bad++;
		goto out;
	}
	for (i = 0; i < 100; i++) {
		size_t len =
		    1 + (size_t)(i * 7919 + w->id * 104729) % (4 * CHUNK);
		uint64_t off = (uint64_t)((i * 31 + w->id) % 5) * 1000;

		memset(buf, (w->id * 16 + i) & 0xff, len);
		/* Own object: write then read back. */
		if (objstore_write(w->os, r, 0x6000 + w->id, 0, off, buf, len,
				   i % 2 ? OBJSTORE_WRITE_COMPRESS : 0) !=
		    (ssize_t)len)
			w->bad++;
		if (objstore_read(w->os, r, 0x6000 + w->id, 0, off, len,
				  back) != (ssize_t)len ||
		    memcmp(buf, back, len))
			w->bad++;
		/* Shared object: own chunk, so the outcome is known. */
		memset(buf, w->id + 1, CHUNK);
		if (objstore_write(w->os, r, 0x6100, 0, (uint64_t)w->id * CHUNK,
				   buf, CHUNK, 0) != (ssize_t)CHUNK)
			w->bad++;
		/* Readers see each chunk whole: one value throughout. */
		n = objstore_read(w->os, r, 0x6100, 0, 0, 4 * CHUNK, back);
		if (n < (ssize_t)CHUNK || n % CHUNK)
			w->bad++;
		for (j = 0; j < n; j += 512)
			if (back[j] != back[j / CHUNK * CHUNK])
				w->bad++;
	}
out:
	ring_destroy(r);
	free(buf);
	free(back);
	return NULL;
}

static void test_threads(struct objstore *os, struct ring *r)
{
	enum { N = 4 };
	struct worker w[N];
	pthread_t t[N];
	uint8_t *back = malloc(N * CHUNK);
	int i, j;

	CHECK(back != NULL);
	if (!back)
		return;
	for (i = 0; i < N; i++) {
		w[i] = (struct worker){.os = os, .id = i};
		CHECK(pthread_create(&t[i], NULL, worker_main, &w[i]) == 0);
	}
	for (i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		CHECK(w[i].bad == 0);
	}
	CHECK(objstore_read(os, r, 0x6100, 0, 0, N * CHUNK, back) ==
	      (ssize_t)(N * CHUNK));
	for (i = 0; i < N; i++)
		for (j = 0; j < (int)CHUNK; j += 4096)
			CHECK(back[i * CHUNK + j] == i + 1);
	for (i = 0; i < N; i++)
		CHECK(objstore_destroy(os, r, 0x6000 + i, 0) == 0);
	CHECK(objstore_destroy(os, r, 0x6100, 0) == 0);
	free(back);
}

/* Open fds of this process. */
static int count_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/*
 * With RLIMIT_NOFILE 128 the store keeps at most 16 objects open: 40
 * objects written and read back keep their data, the fds stay bounded, a
 * destroyed object that was cached comes back empty when re-created (its
 * old files are not used), and objstore_size follows writes and truncates.
 */
static void test_fd_cache(struct ring *r)
{
	enum { N = 40 };
	struct objstore *os = NULL;
	struct objstore_statfs st;
	struct rlimit old, low;
	uint8_t buf[256], back[256];
	uint64_t size;
	char dir[512];
	int fds0, i;

	CHECK(getrlimit(RLIMIT_NOFILE, &old) == 0);
	low = old;
	low.rlim_cur = 128;
	CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
	path_of(dir, sizeof(dir), "ostcache");
	mkdir(dir, 0755);
	CHECK(objstore_open(dir, GiB, &opts0, &os) == 0);
	CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);
	if (!os)
		return;
	fds0 = count_fds();
	for (i = 0; i < N; i++) {
		memset(buf, i + 1, sizeof(buf));
		CHECK(objstore_write(os, r, 0x7000 + i, 1, 100, buf,
				     sizeof(buf), 0) == sizeof(buf));
	}
	CHECK(count_fds() <= fds0 + 2 * 16);
	for (i = N - 1; i >= 0; i--) {
		CHECK(objstore_read(os, r, 0x7000 + i, 1, 100, sizeof(back),
				    back) == sizeof(back));
		CHECK(back[0] == i + 1 && back[sizeof(back) - 1] == i + 1);
		CHECK(objstore_size(os, r, 0x7000 + i, 1, &size) == 0);
		CHECK(size == 100 + sizeof(buf));
	}
	CHECK(count_fds() <= fds0 + 2 * 16);
	/* Object 0 is cached (read last): destroy and re-create it. */
	CHECK(objstore_destroy(os, r, 0x7000, 1) == 0);
	CHECK(objstore_read(os, r, 0x7000, 1, 0, 10, back) == -ENOENT);
	CHECK(objstore_size(os, r, 0x7000, 1, &size) == -ENOENT);
	CHECK(objstore_create(os, r, 0x7000, 1) == 0);
	CHECK(objstore_read(os, r, 0x7000, 1, 100, 10, back) == 0);
	CHECK(objstore_truncate(os, r, 0x7000, 1, 12345) == 0);
	CHECK(objstore_size(os, r, 0x7000, 1, &size) == 0 && size == 12345);
	CHECK(objstore_truncate(os, r, 0x7001, 1, 50) == 0);
	CHECK(objstore_size(os, r, 0x7001, 1, &size) == 0 && size == 50);
	for (i = 0; i < N; i++)
		CHECK(objstore_destroy(os, r, 0x7000 + i, 1) == 0);
	objstore_statfs(os, &st);
	CHECK(st.objects == 0 && st.used_bytes == 0);
	CHECK(count_fds() == fds0);
	objstore_close(os);
}

/*
 * Background syncs (obj_flush.h): OBJ_FLUSH_BYTES streamed to the OST in
 * writes of OBJSTORE_WRITEOUT_MIN or more bring an fdatasync, on a
 * descriptor that is closed after it, also when they go to many objects;
 * small writes count for nothing.
 */
static void test_bg_sync(struct ring *r)
{
	enum { BIG = 1 << 20, SMALL = 128 << 10 };
	struct objstore *os = NULL;
	struct objstore_stats st;
	uint8_t *buf = malloc(BIG), back[64];
	char dir[512];
	uint64_t off;
	int fds0, i;

	path_of(dir, sizeof(dir), "ostflush");
	mkdir(dir, 0755);
	CHECK(objstore_open(dir, 4 * GiB, &opts0, &os) == 0);
	if (!os || !buf)
		goto out;
	fds0 = count_fds();
	memset(buf, 0x3c, BIG);
	for (off = 0; off < OBJ_FLUSH_BYTES + 4 * SMALL; off += SMALL)
		CHECK(objstore_write(os, r, 0x8001, 0, off, buf, SMALL, 0) ==
		      SMALL);
	usleep(300000);
	objstore_stats(os, &st);
	CHECK(st.bg_syncs == 0);
	for (off = 0; off < OBJ_FLUSH_BYTES + 4 * BIG; off += BIG)
		CHECK(objstore_write(os, r, 0x8002, 0, off, buf, BIG, 0) ==
		      BIG);
	for (i = 0; i < 1000; i++) {
		objstore_stats(os, &st);
		if (st.bg_syncs)
			break;
		usleep(10000);
	}
	CHECK(st.bg_syncs == 1);
	/* 8 objects of a quarter of OBJ_FLUSH_BYTES each: two more. */
	for (i = 0; i < 8; i++)
		for (off = 0; off < OBJ_FLUSH_BYTES / 4; off += BIG)
			CHECK(objstore_write(os, r, 0x8100 + i, 0, off, buf,
					     BIG, 0) == BIG);
	for (i = 0; i < 1000; i++) {
		objstore_stats(os, &st);
		if (st.bg_syncs >= 3)
			break;
		usleep(10000);
	}
	CHECK(st.bg_syncs == 3);
	for (i = 0; i < 8; i++)
		CHECK(objstore_destroy(os, r, 0x8100 + i, 0) == 0);
	CHECK(objstore_read(os, r, 0x8002, 0, OBJ_FLUSH_BYTES, sizeof(back),
			    back) == sizeof(back));
	CHECK(back[0] == 0x3c && back[sizeof(back) - 1] == 0x3c);
	CHECK(objstore_destroy(os, r, 0x8001, 0) == 0);
	CHECK(objstore_destroy(os, r, 0x8002, 0) == 0);
	CHECK(count_fds() == fds0); /* the sync's own descriptor too */
out:
	objstore_close(os);
	free(buf);
}

/* --- objstore_read_span: a range as it lies in the data file --- */

#define SPAN_CSUMS (OBJSTORE_MAX_IO / CHUNK + 1) /* room for any len */

/*
 * Checks a span handed out for [off, off + want_n) of an object whose
 * bytes from 0 are data: *n, pread of fd at the same offsets (the bytes
 * are left in tmp) and csums[i], XXH3 of chunk i (the last one perhaps
 * short). Does not close fd.
 */
static void check_span(int fd, uint64_t n, const uint64_t *csums,
		       const uint8_t *data, uint64_t off, uint64_t want_n,
		       uint8_t *tmp)
{
	uint64_t i, clen;

	CHECK(fd >= 0);
	CHECK(n == want_n);
	if (fd < 0 || n != want_n)
		return;
	memset(tmp, 0xee, n);
	CHECK(pread(fd, tmp, n, (off_t)off) == (ssize_t)n);
	CHECK(memcmp(tmp, data + off, n) == 0);
	for (i = 0; i * CHUNK < n; i++) {
		clen = n - i * CHUNK < CHUNK ? n - i * CHUNK : CHUNK;
		CHECK(csums[i] == checksum_xxh3(data + off + i * CHUNK, clen));
	}
}

static void close_span(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * objstore_read_span hands out raw whole chunks (and the object's short
 * last one) with their checksums, the same bytes objstore_read gives;
 * -EAGAIN for an unaligned off, a range ending inside a stored chunk, a
 * hole, a partially written chunk, LZ4 chunks; 0 with no fd past the end;
 * -ENOENT, -EINVAL; no descriptor is left open by any of them.
 */
static void test_read_span(struct objstore *os, struct ring *r)
{
	const uint64_t fid = 0xA000, size = 3 * CHUNK + CHUNK / 2;
	uint8_t *data = malloc(4 * CHUNK), *text = malloc(4 * CHUNK);
	uint8_t *back = malloc(4 * CHUNK), *tmp = malloc(4 * CHUNK);
	uint64_t csums[SPAN_CSUMS], n;
	struct objstore_attr a;
	int fd = -1, fds0 = count_fds();

	CHECK(data && text && back && tmp);
	if (!data || !text || !back || !tmp)
		goto out;
	fill_random(data, 4 * CHUNK);
	fill_text(text, 4 * CHUNK);
	CHECK(objstore_write(os, r, fid, 0, 0, data, size, 0) == (ssize_t)size);

	/* The whole object, asked with room to spare: 3.5 chunks. */
	memset(csums, 0, sizeof(csums));
	CHECK(objstore_read_span(os, r, fid, 0, 0, 4 * CHUNK, &fd, &n, csums) ==
	      0);
	check_span(fd, n, csums, data, 0, size, tmp);
	CHECK(objstore_read(os, r, fid, 0, 0, 4 * CHUNK, back) ==
	      (ssize_t)size);
	CHECK(memcmp(back, tmp, size) == 0);
	close_span(&fd);
	/* Aligned, inside the object. */
	memset(csums, 0, sizeof(csums));
	CHECK(objstore_read_span(os, r, fid, 0, CHUNK, 2 * CHUNK, &fd, &n,
				 csums) == 0);
	check_span(fd, n, csums, data, CHUNK, 2 * CHUNK, tmp);
	CHECK(objstore_read(os, r, fid, 0, CHUNK, 2 * CHUNK, back) ==
	      (ssize_t)(2 * CHUNK));
	CHECK(memcmp(back, tmp, 2 * CHUNK) == 0);
	close_span(&fd);
	/* The short last chunk alone; len OBJSTORE_MAX_IO is allowed. */
	memset(csums, 0, sizeof(csums));
	CHECK(objstore_read_span(os, r, fid, 0, 3 * CHUNK, OBJSTORE_MAX_IO, &fd,
				 &n, csums) == 0);
	check_span(fd, n, csums, data, 3 * CHUNK, CHUNK / 2, tmp);
	close_span(&fd);

	/* Unaligned off; a range ending inside a whole stored chunk. */
	CHECK(objstore_read_span(os, r, fid, 0, 1, CHUNK, &fd, &n, csums) ==
	      -EAGAIN);
	CHECK(objstore_read_span(os, r, fid, 0, CHUNK + 4096, CHUNK, &fd, &n,
				 csums) == -EAGAIN);
	CHECK(objstore_read_span(os, r, fid, 0, 0, CHUNK + 100, &fd, &n,
				 csums) == -EAGAIN);
	/* At and past the end: nothing, and no descriptor. */
	fd = 12345;
	n = 777;
	CHECK(objstore_read_span(os, r, fid, 0, 4 * CHUNK, CHUNK, &fd, &n,
				 csums) == 0);
	CHECK(n == 0 && fd == -1);
	fd = 12345;
	n = 777;
	CHECK(objstore_read_span(os, r, fid, 0, 100 * CHUNK, CHUNK, &fd, &n,
				 csums) == 0);
	CHECK(n == 0 && fd == -1);
	fd = -1;
	CHECK(objstore_read_span(os, r, fid + 1, 0, 0, CHUNK, &fd, &n, csums) ==
	      -ENOENT);
	CHECK(objstore_read_span(os, r, fid, 1, 0, CHUNK, &fd, &n, csums) ==
	      -ENOENT);
	CHECK(objstore_read_span(os, r, fid, 0, 0, OBJSTORE_MAX_IO + 1, &fd, &n,
				 csums) == -EINVAL);

	/* A hole: chunks 0 and 2 written, chunk 1 not. */
	CHECK(objstore_write(os, r, fid + 2, 0, 0, data, CHUNK, 0) ==
	      (ssize_t)CHUNK);
	CHECK(objstore_write(os, r, fid + 2, 0, 2 * CHUNK, data + 2 * CHUNK,
			     CHUNK, 0) == (ssize_t)CHUNK);
	CHECK(objstore_read_span(os, r, fid + 2, 0, 0, 3 * CHUNK, &fd, &n,
				 csums) == -EAGAIN);
	CHECK(objstore_read_span(os, r, fid + 2, 0, CHUNK, CHUNK, &fd, &n,
				 csums) == -EAGAIN);
	CHECK(objstore_read_span(os, r, fid + 2, 0, 0, CHUNK, &fd, &n, csums) ==
	      0);
	check_span(fd, n, csums, data, 0, CHUNK, tmp);
	close_span(&fd);
	CHECK(objstore_read_span(os, r, fid + 2, 0, 2 * CHUNK, CHUNK, &fd, &n,
				 csums) == 0);
	check_span(fd, n, csums, data, 2 * CHUNK, CHUNK, tmp);
	close_span(&fd);

	/* A partially written chunk inside the object. */
	CHECK(objstore_write(os, r, fid + 3, 0, 0, data, 10 * 1024, 0) ==
	      10 * 1024);
	CHECK(objstore_write(os, r, fid + 3, 0, 2 * CHUNK, data + 2 * CHUNK,
			     CHUNK, 0) == (ssize_t)CHUNK);
	CHECK(objstore_read_span(os, r, fid + 3, 0, 0, CHUNK, &fd, &n, csums) ==
	      -EAGAIN);
	CHECK(objstore_read_span(os, r, fid + 3, 0, 2 * CHUNK, CHUNK, &fd, &n,
				 csums) == 0);
	check_span(fd, n, csums, data, 2 * CHUNK, CHUNK, tmp);
	close_span(&fd);

	/* LZ4 chunks; incompressible data under the LZ4 flag is raw. */
	CHECK(objstore_write(os, r, fid + 4, 0, 0, text, 4 * CHUNK,
			     OBJSTORE_WRITE_COMPRESS) == (ssize_t)(4 * CHUNK));
	CHECK(objstore_getattr(os, r, fid + 4, 0, &a) == 0 &&
	      a.chunks_compressed == 4);
	CHECK(objstore_read_span(os, r, fid + 4, 0, 0, 4 * CHUNK, &fd, &n,
				 csums) == -EAGAIN);
	CHECK(objstore_read_span(os, r, fid + 4, 0, CHUNK, CHUNK, &fd, &n,
				 csums) == -EAGAIN);
	CHECK(objstore_write(os, r, fid + 5, 0, 0, data, 2 * CHUNK,
			     OBJSTORE_WRITE_COMPRESS) == (ssize_t)(2 * CHUNK));
	CHECK(objstore_read_span(os, r, fid + 5, 0, 0, 2 * CHUNK, &fd, &n,
				 csums) == 0);
	check_span(fd, n, csums, data, 0, 2 * CHUNK, tmp);
	close_span(&fd);

	/* Out of descriptors (the lowest free one is over the limit): -EAGAIN,
	 * so that the OSS reads the range the ordinary way. */
	{
		struct rlimit old, low;
		int probe = open("/dev/null", O_RDONLY);

		CHECK(probe >= 0);
		if (probe >= 0)
			close(probe);
		CHECK(getrlimit(RLIMIT_NOFILE, &old) == 0);
		low = old;
		low.rlim_cur = (rlim_t)probe;
		CHECK(probe < 0 || setrlimit(RLIMIT_NOFILE, &low) == 0);
		CHECK(objstore_read_span(os, r, fid + 5, 0, 0, 2 * CHUNK, &fd,
					 &n, csums) == -EAGAIN);
		CHECK(fd == -1);
		CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);
	}

	CHECK(objstore_destroy(os, r, fid, 0) == 0);
	for (uint64_t f = fid + 2; f <= fid + 5; f++)
		CHECK(objstore_destroy(os, r, f, 0) == 0);
	CHECK(count_fds() == fds0);
out:
	free(data);
	free(text);
	free(back);
	free(tmp);
}

/* objstore_read_local, and without waiting (ring NULL: a loop thread). */
static void test_read_local(struct objstore *os, struct ring *r)
{
	const uint64_t fid = 0xA100, size = 2 * CHUNK + CHUNK / 2;
	static char path[OBJSTORE_LOCAL_PATH_MAX], path2[OBJSTORE_LOCAL_PATH_MAX];
	uint64_t csums[SPAN_CSUMS], csums2[SPAN_CSUMS], n = 0, n2 = 0;
	uint8_t *data = malloc(size), *back = malloc(size);
	int fd;

	CHECK(data && back);
	if (!data || !back)
		goto out;
	fill_random(data, size);
	CHECK(objstore_write(os, r, fid, 0, 0, data, size, 0) == (ssize_t)size);
	CHECK(objstore_read_local(os, r, fid, 0, 0, 4 * CHUNK, path, &n,
				  csums) == 0);
	CHECK(n == size && path[0] == '/');
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && pread(fd, back, size, 0) == (ssize_t)size);
	CHECK(memcmp(back, data, size) == 0);
	if (fd >= 0)
		close(fd);
	for (uint64_t i = 0; i < 3; i++)
		CHECK(csums[i] == checksum_xxh3(data + i * CHUNK,
						size - i * CHUNK < CHUNK ?
							size - i * CHUNK : CHUNK));
	/* Open and its table at hand: the same answer without waiting. */
	CHECK(objstore_read_local(os, NULL, fid, 0, 0, 4 * CHUNK, path2, &n2,
				  csums2) == 0);
	CHECK(n2 == n && strcmp(path2, path) == 0 &&
	      memcmp(csums2, csums, 3 * sizeof(csums[0])) == 0);
	/* Not open: it would wait, so -EAGAIN; a waiting call opens it. */
	objstore_drop_cache(os);
	CHECK(objstore_read_local(os, NULL, fid, 0, 0, 4 * CHUNK, path2, &n2,
				  csums2) == -EAGAIN);
	CHECK(objstore_read_local(os, r, fid, 0, CHUNK, CHUNK, path2, &n2,
				  csums2) == 0 && n2 == CHUNK);
	CHECK(objstore_read_local(os, NULL, fid, 0, CHUNK, CHUNK, path2, &n2,
				  csums2) == 0 && n2 == CHUNK &&
	      csums2[0] == csums[1]);
	/* Not chunk-aligned: the caller reads it the ordinary way. */
	CHECK(objstore_read_local(os, NULL, fid, 0, 100, CHUNK, path2, &n2,
				  csums2) == -EAGAIN);
	CHECK(objstore_destroy(os, r, fid, 0) == 0);
out:
	free(data);
	free(back);
}

/*
 * A span's descriptor is the caller's own: it reads the same bytes after
 * the object is destroyed (its cached files closed, its files unlinked)
 * and after the store is closed.
 */
static void test_read_span_fd(struct ring *r)
{
	struct objstore *os = NULL;
	uint8_t *data = malloc(4 * CHUNK), *tmp = malloc(2 * CHUNK);
	uint64_t csums[3][SPAN_CSUMS], n[3];
	int fd[3] = {-1, -1, -1}, i;
	char dir[512];

	CHECK(data && tmp);
	if (!data || !tmp)
		goto out;
	path_of(dir, sizeof(dir), "ostspan");
	mkdir(dir, 0755);
	CHECK(objstore_open(dir, GiB, &opts0, &os) == 0);
	if (!os)
		goto out;
	fill_random(data, 4 * CHUNK);
	for (i = 0; i < 2; i++) {
		CHECK(objstore_write(os, r, 1 + i, 0, 0, data + i * 2 * CHUNK,
				     2 * CHUNK, 0) == (ssize_t)(2 * CHUNK));
		CHECK(objstore_read_span(os, r, 1 + i, 0, 0, 2 * CHUNK, &fd[i],
					 &n[i], csums[i]) == 0);
	}
	/* A second span of object 1 while the first is open. */
	CHECK(objstore_read_span(os, r, 1, 0, CHUNK, CHUNK, &fd[2], &n[2],
				 csums[2]) == 0);
	CHECK(fd[0] != fd[2]);
	close_span(&fd[2]);

	CHECK(objstore_destroy(os, r, 1, 0) == 0);
	CHECK(objstore_read(os, r, 1, 0, 0, CHUNK, tmp) == -ENOENT);
	check_span(fd[0], n[0], csums[0], data, 0, 2 * CHUNK, tmp);
	objstore_close(os);
	os = NULL;
	check_span(fd[1], n[1], csums[1], data + 2 * CHUNK, 0, 2 * CHUNK, tmp);
out:
	for (i = 0; i < 3; i++)
		close_span(&fd[i]);
	objstore_close(os);
	free(data);
	free(tmp);
}

/* ost_dir_object_paths: the names snprintf would give, for edge values. */
static void test_object_paths(void)
{
	static const uint64_t fids[] = { 0, 1, 0xabcdef, UINT64_MAX,
					 0x0123456789abcdefull };
	static const uint32_t idxs[] = { 0, 7, 0xfffffffeu, UINT32_MAX };

	for (size_t i = 0; i < sizeof(fids) / sizeof(fids[0]); i++) {
		for (size_t j = 0; j < sizeof(idxs) / sizeof(idxs[0]); j++) {
			char sub[4], tab[OST_DIR_PATH_LEN],
				dat[OST_DIR_PATH_LEN], want[64];
			uint8_t key[12];
			unsigned h;

			ost_dir_object_paths(fids[i], idxs[j], sub, tab, dat);
			CHECK(sscanf(sub, "%2x", &h) == 1 && strlen(sub) == 2);
			snprintf(want, sizeof(want),
				 "%02x/%016" PRIx64 ".%08" PRIx32 ".tab", h,
				 fids[i], idxs[j]);
			CHECK(strcmp(tab, want) == 0);
			memcpy(want + strlen(want) - 3, "dat", 3);
			CHECK(strcmp(dat, want) == 0);
			le64_store(key, fids[i]);
			le32_store(key + 8, idxs[j]);
			CHECK(h == checksum_xxh3(key, sizeof(key)) %
					   OST_DIR_SUBDIRS);
		}
	}
}

/* --- drop-behind: large writes leave the page cache once on disk --- */

/* Bytes of [0, size) of fd's file in the page cache (mincore), or -1. */
static int64_t cached_bytes(int fd, uint64_t size)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t pages = (size + (uint64_t)pg - 1) / (uint64_t)pg;
	unsigned char *vec = malloc(pages ? pages : 1);
	void *map;
	int64_t n = 0;

	if (!vec || !size)
		goto out;
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		n = -1;
		goto out;
	}
	if (mincore(map, size, vec) == 0) {
		for (size_t i = 0; i < pages; i++)
			n += vec[i] & 1;
		n *= pg;
	} else {
		n = -1;
	}
	munmap(map, size);
out:
	free(vec);
	return n;
}

/* Writes len bytes to (fid, 0) in pieces of piece, reads them back and
 * returns how much of the data file is cached (-1: unknown). */
static int64_t stream_cached(struct objstore *os, struct ring *r, uint64_t fid,
			     uint64_t len, uint64_t piece, uint8_t *buf)
{
	uint64_t csums[SPAN_CSUMS], n = 0, off;
	int64_t cached;
	int fd = -1;

	for (off = 0; off < len; off += piece) {
		memset(buf, (int)(off / piece % 255 + 1), piece); /* no zeros:
								     not holes */
		CHECK(objstore_write(os, r, fid, 0, off, buf, piece, 0) ==
		      (ssize_t)piece);
	}
	CHECK(objstore_read_span(os, r, fid, 0, 0, CHUNK, &fd, &n, csums) ==
	      0);
	if (fd < 0)
		return -1;
	cached = cached_bytes(fd, len);
	close(fd);
	/* The data, dropped or not, reads back. */
	for (off = 0; off < len; off += 7 * piece + 4096) {
		uint8_t b = 0;

		CHECK(objstore_read(os, r, fid, 0, off, 1, &b) == 1);
		CHECK(b == (uint8_t)(off / piece % 255 + 1));
	}
	return cached;
}

static void test_drop_behind(struct ring *r)
{
	enum { BIG = 1 << 20, SMALL = 128 << 10 };
	const uint64_t len = 3 * OBJSTORE_DROP_LAG;
	struct objstore_options o = opts0;
	struct objstore *os = NULL;
	uint8_t *mem = malloc(BIG + 64), *buf = mem ? mem + 16 : NULL;
	struct statfs sfs;
	char dir[512];
	int64_t c;

	/* buf is not aligned for O_DIRECT (test_direct_write): these writes
	 * go through the page cache and are dropped behind. */
	if (buf && (uintptr_t)buf % 512 == 0)
		buf += 16;
	path_of(dir, sizeof(dir), "ostdrop");
	mkdir(dir, 0755);
	if (statfs(dir, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC) {
		fprintf(stderr, "drop-behind: %s is tmpfs (pages cannot be "
				"dropped): skipped\n", dir);
		free(mem);
		return;
	}
	o.writethrough_max_io = 256 << 10;
	CHECK(objstore_open(dir, 4 * GiB, &o, &os) == 0);
	if (!os || !buf)
		goto out;
	/* 1 MiB writes, larger than the bound: only the last OBJSTORE_DROP_LAG
	 * (and the piece being written) may stay. */
	c = stream_cached(os, r, 0x9001, len, BIG, buf);
	CHECK(c >= 0 && (uint64_t)c <= OBJSTORE_DROP_LAG + BIG);
	/* 128 KiB writes, below it: all kept. */
	c = stream_cached(os, r, 0x9002, len, SMALL, buf);
	CHECK(c >= 0 && (uint64_t)c >= len - BIG);
	objstore_close(os);
	os = NULL;
	/* Unbounded (0): 1 MiB writes are kept too. */
	o.writethrough_max_io = 0;
	CHECK(objstore_open(dir, 4 * GiB, &o, &os) == 0);
	if (!os)
		goto out;
	c = stream_cached(os, r, 0x9003, len, BIG, buf);
	CHECK(c >= 0 && (uint64_t)c >= len - BIG);
	for (uint64_t fid = 0x9001; fid <= 0x9003; fid++)
		CHECK(objstore_destroy(os, r, fid, 0) == 0);
out:
	objstore_close(os);
	free(mem);
}

/*
 * Direct writes: a write of more than writethrough_max_io whose data is
 * aligned goes to disk with O_DIRECT (counted in direct_write_bytes) and
 * leaves nothing in the page cache; its short last chunk goes through the
 * page cache; the same write from an unaligned buffer, or one at or below
 * the bound, is not direct; an O_DIRECT write over cached pages of the
 * object (a small write just before) reads back as the new data.
 */
static void test_direct_write(struct ring *r)
{
	enum { BIG = 1 << 20 };
	struct objstore_options o = opts0;
	struct objstore_stats st0, st;
	struct objstore *os = NULL;
	uint8_t *mem = NULL, *back = malloc(BIG + CHUNK);
	uint64_t csums[SPAN_CSUMS], n = 0;
	struct statfs sfs;
	char dir[512];
	int fd = -1;

	path_of(dir, sizeof(dir), "ostdirect");
	mkdir(dir, 0755);
	if (statfs(dir, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC) {
		fprintf(stderr, "direct writes: %s is tmpfs: skipped\n", dir);
		free(back);
		return;
	}
	o.writethrough_max_io = 256 << 10;
	CHECK(objstore_open(dir, 4 * GiB, &o, &os) == 0);
	CHECK(posix_memalign((void **)&mem, 4096, 2 * BIG) == 0);
	if (!os || !mem || !back)
		goto out;
	fill_random(mem, 2 * BIG);

	/* Aligned, 1 MiB + 4196 bytes: the 16 whole chunks direct, the short
	 * last one through the page cache. */
	objstore_stats(os, &st0);
	CHECK(objstore_write(os, r, 0xd001, 0, 0, mem, BIG + 4196, 0) ==
	      BIG + 4196);
	objstore_stats(os, &st);
	CHECK(st.direct_write_bytes - st0.direct_write_bytes == BIG);
	CHECK(objstore_read_span(os, r, 0xd001, 0, 0, CHUNK, &fd, &n, csums) ==
	      0);
	CHECK(fd >= 0);
	if (fd >= 0) {
		int64_t c = cached_bytes(fd, BIG);

		CHECK(c == 0);
		close(fd);
	}
	CHECK(objstore_read(os, r, 0xd001, 0, 0, BIG + CHUNK, back) ==
	      BIG + 4196);
	CHECK(memcmp(back, mem, BIG + 4196) == 0);

	/* Unaligned data, and a write at the bound: not direct. */
	objstore_stats(os, &st0);
	CHECK(objstore_write(os, r, 0xd002, 0, 0, mem + 16, BIG, 0) == BIG);
	CHECK(objstore_write(os, r, 0xd003, 0, 0, mem, 256 << 10, 0) ==
	      256 << 10);
	objstore_stats(os, &st);
	CHECK(st.direct_write_bytes == st0.direct_write_bytes);
	CHECK(objstore_read(os, r, 0xd002, 0, 0, BIG, back) == BIG);
	CHECK(memcmp(back, mem + 16, BIG) == 0);

	/* Cached pages under a direct write: read and written through the
	 * cache first, then overwritten around it. */
	CHECK(objstore_write(os, r, 0xd001, 0, CHUNK, mem + BIG, 2 * CHUNK,
			     0) == 2 * CHUNK);
	CHECK(objstore_read(os, r, 0xd001, 0, 0, BIG, back) == BIG);
	objstore_stats(os, &st0);
	CHECK(objstore_write(os, r, 0xd001, 0, 0, mem + BIG, BIG, 0) == BIG);
	objstore_stats(os, &st);
	CHECK(st.direct_write_bytes - st0.direct_write_bytes == BIG);
	CHECK(objstore_read(os, r, 0xd001, 0, 0, BIG + CHUNK, back) ==
	      BIG + 4196);
	CHECK(memcmp(back, mem + BIG, BIG) == 0);
	CHECK(memcmp(back + BIG, mem + BIG, 4196) == 0);
	for (uint64_t fid = 0xd001; fid <= 0xd003; fid++)
		CHECK(objstore_destroy(os, r, fid, 0) == 0);
out:
	objstore_close(os);
	free(mem);
	free(back);
}

int main(void)
{
	struct objstore *os = NULL;
	struct objstore_statfs st;
	struct ring *r = NULL;
	char dir[512];
	int rc;

	log_init("test_objstore", LOG_WARNING, NULL);
	rc = ring_create(64, &r);
	if (rc == -ENOSYS || rc == -EPERM) {
		fprintf(stderr, "io_uring unavailable: skip\n");
		return 77;
	}
	if (rc < 0 || !mkdtemp(base)) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	test_refusals();
	test_object_paths();

	path_of(dir, sizeof(dir), "ost0");
	mkdir(dir, 0755);
	CHECK(objstore_open(dir, 64 * GiB, &opts0, &os) == 0);
	if (os) {
		test_random(os, r);
		test_holes(os, r, dir);
		test_compression(os, r);
		test_corruption(os, r, dir);
		test_tab_copy(os, r, dir);
		test_nowait(os, r, dir);
		test_truncate_punch(os, r);
		test_threads(os, r);
		test_zchunks(os, r, dir);
		test_read_span(os, r);
		test_read_local(os, r);
		objstore_statfs(os, &st);
		CHECK(st.objects == 0);
		CHECK(st.used_bytes == 0);
		CHECK(st.data_logical_bytes == 0 && st.data_stored_bytes == 0);
		objstore_close(os);
	}
	test_enospc(r);
	test_reopen(r);
	test_fd_cache(r);
	test_bg_sync(r);
	test_read_span_fd(r);
	test_drop_behind(r);
	test_direct_write(r);

	ring_destroy(r);
	rm_rf(base);
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("test_objstore: ok\n");
	return 0;
}
