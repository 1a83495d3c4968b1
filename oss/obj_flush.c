/*
 * obj_flush.c - background data syncs of objects being streamed to
 * (obj_flush.h says why).
 *
 * Streamed bytes are counted for the whole OST; each OBJ_FLUSH_BYTES
 * queues a reopened descriptor of the data file the last write went to
 * (at most OBJ_FLUSH_QUEUE wait; more are dropped: a missed background
 * sync only costs time at the final fsync), and the flusher thread
 * fdatasyncs each through its own ring, then closes it. The reopen (open
 * of /proc/self/fd/N) runs in the caller, while its descriptor is
 * certainly the object's.
 */
#include "oss/obj_flush.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/ring.h"

#define OBJ_FLUSH_QUEUE 16 /* syncs waiting at most */

struct obj_flusher {
	pthread_mutex_t mu; /* guards everything below but done */
	pthread_cond_t cond;
	uint64_t bytes;	    /* streamed since the last queued sync */
	int queue[OBJ_FLUSH_QUEUE]; /* reopened data files, FIFO */
	unsigned qhead, qlen;
	bool stop;
	bool ready; /* the thread has its ring (or gave up on one) */
	pthread_t tid;
	atomic_uint_fast64_t done;
};

static void *flusher_main(void *arg)
{
	struct obj_flusher *f = arg;
	struct ring *ring = NULL;
	int rc = ring_create(4, &ring);

	if (rc)
		log_msg(LOG_WARNING, "oss", "background syncs off: ring: %s",
			strerror(-rc));
	pthread_mutex_lock(&f->mu);
	f->ready = true;
	pthread_cond_broadcast(&f->cond);
	for (;;) {
		struct ring_op op;
		int fd;

		while (!f->stop && !f->qlen)
			pthread_cond_wait(&f->cond, &f->mu);
		if (f->stop)
			break;
		fd = f->queue[f->qhead];
		f->qhead = (f->qhead + 1) % OBJ_FLUSH_QUEUE;
		f->qlen--;
		pthread_mutex_unlock(&f->mu);
		rc = -ENOSYS;
		if (ring) {
			ring_op_fdatasync(&op, fd);
			rc = ring_run(ring, &op, 1);
			if (rc == 0 && op.res < 0)
				rc = (int)op.res;
			if (rc)
				LOG_RATELIMITED(LOG_WARNING, "oss",
						"background fdatasync: %s (the "
						"next OBJ_SYNC reports it)",
						strerror(-rc));
		}
		close(fd);
		if (!rc)
			atomic_fetch_add(&f->done, 1); /* after the close */
		pthread_mutex_lock(&f->mu);
	}
	pthread_mutex_unlock(&f->mu);
	ring_destroy(ring);
	return NULL;
}

int obj_flusher_start(struct obj_flusher **out)
{
	struct obj_flusher *f = calloc(1, sizeof(*f));
	int rc;

	*out = NULL;
	if (!f)
		return -ENOMEM;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cond, NULL);
	rc = pthread_create(&f->tid, NULL, flusher_main, f);
	if (rc) {
		pthread_cond_destroy(&f->cond);
		pthread_mutex_destroy(&f->mu);
		free(f);
		return -rc;
	}
	/* Its ring's descriptors exist once this returns (tests count). */
	pthread_mutex_lock(&f->mu);
	while (!f->ready)
		pthread_cond_wait(&f->cond, &f->mu);
	pthread_mutex_unlock(&f->mu);
	*out = f;
	return 0;
}

void obj_flusher_stop(struct obj_flusher *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->tid, NULL);
	for (; f->qlen; f->qlen--) {
		close(f->queue[f->qhead]);
		f->qhead = (f->qhead + 1) % OBJ_FLUSH_QUEUE;
	}
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

void obj_flusher_note(struct obj_flusher *f, int dat_fd, uint64_t bytes)
{
	char path[32];
	bool due;
	int fd;

	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	f->bytes += bytes;
	due = f->bytes >= OBJ_FLUSH_BYTES && f->qlen < OBJ_FLUSH_QUEUE;
	if (due)
		f->bytes = 0;
	pthread_mutex_unlock(&f->mu);
	if (!due)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dat_fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* no /proc: the final sync does it all */
	pthread_mutex_lock(&f->mu);
	if (f->qlen < OBJ_FLUSH_QUEUE && !f->stop) {
		f->queue[(f->qhead + f->qlen) % OBJ_FLUSH_QUEUE] = fd;
		f->qlen++;
		fd = -1;
		pthread_cond_signal(&f->cond);
	}
	pthread_mutex_unlock(&f->mu);
	if (fd >= 0)
		close(fd);
}

uint64_t obj_flusher_done(struct obj_flusher *f)
{
	return f ? atomic_load(&f->done) : 0;
}
