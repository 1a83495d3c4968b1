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
 * Turned off per mount with -o localio=0; an OSS started with --localio off
 * refuses it (io.c then stops asking that OST).
 */
#ifndef GLINT_CLIENT_LOCALIO_H
#define GLINT_CLIENT_LOCALIO_H

#include <stdint.h>

#include "proto/msg_zio.h"

#define LOCALIO_THREADS 4
#define LOCALIO_AGAIN	1 /* a job's result: read it the other way */

struct localio;

/* Start nthreads readers. 0 or -errno. */
int localio_start(struct localio **out, unsigned nthreads);
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
