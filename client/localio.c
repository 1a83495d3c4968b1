/*
 * localio.c - large reads of this host's OSTs, straight from their files
 * (localio.h has the why).
 *
 * One FIFO of jobs under one mutex, LOCALIO_THREADS threads taking them.
 * A job opens its file read-only (O_NOFOLLOW: the last component must not
 * be a link), insists on a regular file, reads its range with pread and
 * checks it piece by piece against the checksums the OSS sent. The file
 * is opened for every job and closed after it: a descriptor kept open
 * could outlive the object (destroyed, replaced) and an open costs little
 * next to a read of up to 1 MiB.
 *
 * A range none of whose pages is in the page cache (cachestat(2), Linux
 * 6.5) is read with O_DIRECT, when it and its buffer are LOCALIO_ALIGN
 * aligned: the disk writes straight into the result buffer. A buffered
 * read of a cold range would have the kernel read it into the page cache
 * and then copy it out, a copy of every byte that costs as much CPU as
 * the copy into the kernel's FUSE pages that follows, on a machine whose
 * cores the application and the servers share; and the pages it leaves
 * behind only double the FUSE page cache, which keeps the file's data for
 * the next reader already (keep_cache). Any page of the range cached
 * (just written through the OSS, dirty or not; read over the network
 * before) and the read is buffered, as is every read when cachestat or
 * O_DIRECT is not there (an older kernel, a file system without it): a
 * direct read would not be wrong then (the kernel writes dirty pages back
 * before it reads around them) but would go to the disk for bytes that
 * are in memory. The check is the same either way: a range that changed
 * between the cachestat and the read fails its checksum and is read
 * again over the network.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "client/localio.h"
#include "common/log.h"
#include "proto/frame.h"

/* One queued localio_submit: freed after its done ran. */
struct localio_job {
	struct localio_job *next; /* queue link */
	struct msg_readc_head head;
	char *path;		  /* malloc'd, NUL-terminated; freed */
	uint64_t off;
	uint8_t *dst;
	void (*done)(void *arg, int rc);
	void *arg;
};

struct localio {
	pthread_mutex_t mu;
	pthread_cond_t cond;	   /* jobs queued, or stopping */
	struct localio_job *head;  /* FIFO */
	struct localio_job **tail;
	int stopping;
	unsigned nthreads;
	int direct_ok;		   /* O_DIRECT for cold ranges (localio_start) */
	atomic_uint_fast64_t reads, bytes, again, direct;
	pthread_t threads[];
};

/* cachestat(2) (Linux 6.5; the number is the same on every architecture)
 * and its structures, which Debian 12's kernel headers do not have. */
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif
struct localio_cs_range {
	uint64_t off, len;
};
struct localio_cs {
	uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted,
		nr_recently_evicted;
};

/* Whether none of [off, off + len) of fd is in the page cache. 0 when
 * that cannot be told. */
static int localio_cold(int fd, uint64_t off, uint64_t len)
{
	struct localio_cs_range r = { off, len };
	struct localio_cs cs;

	if (syscall(__NR_cachestat, fd, &r, &cs, 0))
		return 0;
	return cs.nr_cache == 0;
}

/* Check piece i of j, at [got, got + piece) of the range: 0 or
 * LOCALIO_AGAIN (logged). */
static int localio_check(const struct localio_job *j, uint64_t got,
			 uint64_t piece, uint32_t i)
{
	if (frame_checksum(j->dst + got, piece) == j->head.csum[i])
		return 0;
	LOG_RATELIMITED(LOG_WARNING, "localio",
			"%s offset %llu: data failed its checksum; reading it "
			"again over the network", j->path,
			(unsigned long long)(j->off + got));
	return LOCALIO_AGAIN;
}

/* pread all of [from, to) of j's range into its place: what was read (less
 * at the end of the file), or -errno (none read yet). */
static int64_t localio_pread(int fd, const struct localio_job *j,
			     uint64_t from, uint64_t to)
{
	uint64_t got = from;

	while (got < to) {
		ssize_t n = pread(fd, j->dst + got, to - got,
				  (off_t)(j->off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && got == from)
			return -errno;
		if (n <= 0)
			break;
		got += (uint64_t)n;
	}
	return (int64_t)(got - from);
}

/* Read job j's range with O_DIRECT when it is cold and aligned (the
 * header comment), unchecked: 0 when all of it was read so, LOCALIO_AGAIN
 * when it was cut short, -1 when it is to be read the buffered way (fd's
 * flags as they were). */
static int localio_read_direct(const struct localio *l,
			       const struct localio_job *j, int fd, int flags)
{
	uint32_t want = j->head.data_len;
	int64_t n;

	if (!want || want % LOCALIO_ALIGN || j->off % LOCALIO_ALIGN ||
	    (uintptr_t)j->dst % LOCALIO_ALIGN || !l->direct_ok ||
	    !localio_cold(fd, j->off, want) ||
	    fcntl(fd, F_SETFL, flags | O_DIRECT))
		return -1;
	n = localio_pread(fd, j, 0, want);
	if (n < 0) { /* EINVAL: an alignment the file system wants larger */
		if (fcntl(fd, F_SETFL, flags))
			return LOCALIO_AGAIN;
		return -1;
	}
	if ((uint64_t)n < want) /* cut short since the reply */
		return LOCALIO_AGAIN;
	return 0;
}

/* Read and check job j on this thread: 0 or LOCALIO_AGAIN. *direct is set
 * when it was read with O_DIRECT. */
static int localio_read(const struct localio *l, const struct localio_job *j,
			int *direct)
{
	uint32_t want = j->head.data_len;
	uint64_t got = 0;
	struct stat st;
	int fd, flags, rc;

	*direct = 0;
	fd = open(j->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		LOG_RATELIMITED(LOG_WARNING, "localio",
				"%s: %s; reading it over the network", j->path,
				strerror(errno));
		return LOCALIO_AGAIN;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		LOG_RATELIMITED(LOG_WARNING, "localio",
				"%s: not a regular file; reading it over the "
				"network", j->path);
		close(fd);
		return LOCALIO_AGAIN;
	}
	flags = fcntl(fd, F_GETFL);
	rc = flags >= 0 ? localio_read_direct(l, j, fd, flags) : -1;
	*direct = rc >= 0;
	if (rc < 0)
		rc = 0;
	/* Piece by piece, each checked; a buffered read reads each piece
	 * just before, so it is checked while it is still in the CPU's cache
	 * (a 1 MiB read then a 1 MiB pass over it would fetch it twice). */
	for (uint32_t i = 0; !rc && got < want; i++) {
		uint64_t piece = want - got < PROTO_ZCHUNK_SIZE ? want - got :
								 PROTO_ZCHUNK_SIZE;
		int64_t n = *direct ? (int64_t)piece :
				      localio_pread(fd, j, got, got + piece);

		if (n < 0 || (uint64_t)n < piece) /* cut short since the reply */
			rc = LOCALIO_AGAIN;
		else
			rc = localio_check(j, got, piece, i);
		got += piece;
	}
	close(fd);
	return rc;
}

static void *localio_main(void *arg)
{
	struct localio *l = arg;
	struct localio_job *j;
	int rc, direct;

	for (;;) {
		pthread_mutex_lock(&l->mu);
		while (!l->head && !l->stopping)
			pthread_cond_wait(&l->cond, &l->mu);
		j = l->head;
		if (j) {
			l->head = j->next;
			if (!l->head)
				l->tail = &l->head;
		}
		pthread_mutex_unlock(&l->mu);
		if (!j)
			return NULL; /* stopping, and nothing left */
		rc = localio_read(l, j, &direct);
		if (rc == 0) {
			atomic_fetch_add(&l->reads, 1);
			atomic_fetch_add(&l->bytes, j->head.data_len);
			atomic_fetch_add(&l->direct, (unsigned)direct);
		} else {
			atomic_fetch_add(&l->again, 1);
		}
		j->done(j->arg, rc);
		free(j->path);
		free(j);
	}
}

int localio_start(struct localio **out, unsigned nthreads, int direct)
{
	struct localio *l;
	int rc;

	*out = NULL;
	l = calloc(1, sizeof(*l) + nthreads * sizeof(l->threads[0]));
	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cond, NULL);
	l->tail = &l->head;
	l->direct_ok = direct;
	for (; l->nthreads < nthreads; l->nthreads++) {
		rc = pthread_create(&l->threads[l->nthreads], NULL,
				    localio_main, l);
		if (rc) {
			localio_stop(l);
			return -rc;
		}
	}
	*out = l;
	return 0;
}

void localio_stop(struct localio *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	l->stopping = 1;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->mu);
	for (unsigned i = 0; i < l->nthreads; i++)
		pthread_join(l->threads[i], NULL);
	log_msg(LOG_NOTICE, "localio",
		"%llu reads, %llu MiB, %llu read again over the "
		"network; %llu of the reads with O_DIRECT",
		(unsigned long long)atomic_load(&l->reads),
		(unsigned long long)(atomic_load(&l->bytes) >> 20),
		(unsigned long long)atomic_load(&l->again),
		(unsigned long long)atomic_load(&l->direct));
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

int localio_submit(struct localio *l, const struct msg_readl *m, uint64_t off,
		   uint8_t *dst, void (*done)(void *arg, int rc), void *arg)
{
	struct localio_job *j = calloc(1, sizeof(*j));

	if (!j)
		return -ENOMEM;
	j->path = malloc((size_t)m->path_len + 1);
	if (!j->path) {
		free(j);
		return -ENOMEM;
	}
	memcpy(j->path, m->path, m->path_len);
	j->path[m->path_len] = '\0';
	j->head = m->head;
	j->off = off;
	j->dst = dst;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&l->mu);
	*l->tail = j;
	l->tail = &j->next;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->mu);
	return 0;
}
