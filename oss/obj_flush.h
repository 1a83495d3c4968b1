/*
 * obj_flush.h - background data syncs of objects being streamed to.
 *
 * A long sequential write leaves its data written but not flushed: the
 * OSS starts writeback as it goes (obj_writeout), yet the disk's own cache
 * and the file system's journal hold it until the next fdatasync, which
 * then pays for all of it at once (measured on this project's test
 * machine: four 200 MiB objects, written and written back, took 0.4-0.6 s
 * to fdatasync; 14-18 ms when each had been fdatasync'd in the background
 * every 32 MiB, with no loss of write speed). So after every
 * OBJ_FLUSH_BYTES of streaming writes to the OST (each at least
 * OBJSTORE_WRITEOUT_MIN, to any objects), the object the last one went
 * to gets an fdatasync in the background: that commits the file system's
 * journal and flushes the disk's cache for every object written so far
 * (their data was already sent to the disk by obj_writeout), and the
 * client's final fsync (OBJ_SYNC) finds little left to do. Counting per
 * OST, not per object, covers many files written at once (four writers
 * of 64 MiB over four OSTs put 16 MiB in each object).
 *
 * This is a hint, never a guarantee: OBJ_SYNC still syncs everything, and
 * a sync that finds the queue full is dropped. The background
 * sync runs on a file descriptor of its own (a reopen of the object's
 * data file, not a dup): Linux reports a writeback error once per open
 * file, and the one the client's OBJ_SYNC asks about must still see it.
 */
#ifndef GLINT_OSS_OBJ_FLUSH_H
#define GLINT_OSS_OBJ_FLUSH_H

#include <stdint.h>

#define OBJ_FLUSH_BYTES (32ull << 20) /* written between background syncs */

struct obj_flusher;

/* Start the flusher's thread (with an io_uring of its own). 0 or -errno. */
int obj_flusher_start(struct obj_flusher **out);

/* Stop and join it; syncs still queued are dropped. NULL is fine. */
void obj_flusher_stop(struct obj_flusher *f);

/*
 * bytes were just written to the object whose data file is open as dat_fd
 * (valid for the duration of the call). Every OBJ_FLUSH_BYTES (over all
 * objects) an fdatasync of it is queued. Thread-safe; never blocks on the
 * disk.
 */
void obj_flusher_note(struct obj_flusher *f, int dat_fd, uint64_t bytes);

/* Background syncs done so far (for stats and tests). */
uint64_t obj_flusher_done(struct obj_flusher *f);

#endif /* GLINT_OSS_OBJ_FLUSH_H */
