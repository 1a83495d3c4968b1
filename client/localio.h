/*
 * localio.h - large reads of this host's OSTs, straight from their files.
 *
 * When an OSS runs on the client's own host, a large read need not cross
 * a socket: the OSS answers OBJ_READ_L (proto/msg_zio.h) with the path of
 * the object's data file and the stored checksums of the range, and the
 * client reads the range from that file itself, one copy from the page
 * cache, and checks every 64 KiB piece end to end as it would a network
 * reply. That saves the OSS's read or sendfile, both socket copies and
 * the TCP work of loopback: on a machine whose cores the client, the
 * servers and the application share, most of a sequential read's cost.
 * The name and the idea are Linux NFS's LOCALIO (client and server on one
 * host bypass the network).
 *
 * The reading is done here, by a few threads of its own (LOCALIO_THREADS):
 * it may wait for a disk, which the OST clients' loop threads that get the
 * replies must not. A job that cannot give good data (the file cannot be
 * opened or is not a regular file, it is short, a piece does not match its
 * checksum: a racing write, a file replaced since the reply, bytes bad on
 * disk) ends with LOCALIO_AGAIN, and io.c reads the range again with
 * OBJ_READ, which the OSS verifies itself.
 *
 * A range not in the page cache is read with O_DIRECT, straight into the
 * result (localio.c says when and why; -o localio_direct=0 turns it off).
 *
 * Turned off per mount with -o localio=0; an OSS started with --localio off
 * refuses it (io.c then stops asking that OST).
 */
#ifndef GLINT_CLIENT_LOCALIO_H
#define GLINT_CLIENT_LOCALIO_H

#include <stdint.h>

#include "proto/msg_zio.h"

/* Threads: a cold range is read with O_DIRECT, a thread waiting on the
 * disk for each; eight keep 8 MiB in flight. Measured on the 2-vCPU VM,
 * four readers of 64 MiB files cold: 4 threads 1.2-1.3 GB/s, 8 threads
 * 1.3-1.7, 16 threads 1.1-1.7. */
#define LOCALIO_THREADS 8
/* O_DIRECT wants the range and the buffer aligned to the file system's
 * block (4096 or less for the disks we know): io.c allocates read
 * results so. */
#define LOCALIO_ALIGN	4096u
#define LOCALIO_AGAIN	1 /* a job's result: read it the other way */

struct localio;

/* Start nthreads readers; direct: read cold ranges with O_DIRECT
 * (localio.c; -o localio_direct). 0 or -errno. */
int localio_start(struct localio **out, unsigned nthreads, int direct);
/* Stop after the queued jobs are done, join, free, and log the counts at
 * notice level. NULL is fine. */
void localio_stop(struct localio *l);
/* Queue the read of m's range (head.data_len bytes at file offset off of
 * m's path) into dst, checked against m's checksums (m and its path are
 * copied). done(arg, rc) runs on a localio thread when it is done, with 0
 * or LOCALIO_AGAIN. Returns 0, or -ENOMEM: nothing queued, done not
 * called. */
int localio_submit(struct localio *l, const struct msg_readl *m, uint64_t off,
		   uint8_t *dst, void (*done)(void *arg, int rc), void *arg);

#endif /* GLINT_CLIENT_LOCALIO_H */
