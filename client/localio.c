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
 * next to a read of up to 1 MiB. The kernel still reads ahead across
 * opens, from the pages a sequential reader left cached.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	atomic_uint_fast64_t reads, bytes, again;
	pthread_t threads[];
};

/* Read and check job j on this thread: 0 or LOCALIO_AGAIN. */
static int localio_read(const struct localio_job *j)
{
	uint32_t want = j->head.data_len;
	uint64_t got = 0;
	struct stat st;
	int fd;

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
	/* Piece by piece, each checked while it is still in the CPU's cache
	 * (a 1 MiB read then a 1 MiB pass over it would fetch it twice). */
	for (uint32_t i = 0; got < want; i++) {
		uint64_t piece = want - got < PROTO_ZCHUNK_SIZE ? want - got :
								 PROTO_ZCHUNK_SIZE;
		uint64_t have = 0;

		while (have < piece) {
			ssize_t n = pread(fd, j->dst + got + have, piece - have,
					  (off_t)(j->off + got + have));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			have += (uint64_t)n;
		}
		if (have < piece) { /* cut short since the reply */
			close(fd);
			return LOCALIO_AGAIN;
		}
		if (frame_checksum(j->dst + got, piece) != j->head.csum[i]) {
			LOG_RATELIMITED(LOG_WARNING, "localio",
					"%s offset %llu: data failed its "
					"checksum; reading it again over the "
					"network", j->path,
					(unsigned long long)(j->off + got));
			close(fd);
			return LOCALIO_AGAIN;
		}
		got += piece;
	}
	close(fd);
	return 0;
}

static void *localio_main(void *arg)
{
	struct localio *l = arg;
	struct localio_job *j;
	int rc;

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
		rc = localio_read(j);
		if (rc == 0) {
			atomic_fetch_add(&l->reads, 1);
			atomic_fetch_add(&l->bytes, j->head.data_len);
		} else {
			atomic_fetch_add(&l->again, 1);
		}
		j->done(j->arg, rc);
		free(j->path);
		free(j);
	}
}

int localio_start(struct localio **out, unsigned nthreads)
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
		"localio: %llu reads, %llu MiB, %llu read again over the "
		"network",
		(unsigned long long)atomic_load(&l->reads),
		(unsigned long long)(atomic_load(&l->bytes) >> 20),
		(unsigned long long)atomic_load(&l->again));
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
