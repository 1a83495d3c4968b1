/*
 * lock.h - flock and POSIX (fcntl) byte-range locks granted by the MDS.
 *
 * The MDS holds every lock, so locks are exclusive across clients. A lock
 * belongs to a holder: (session, owner), where session names the client
 * connection (the RPC layer passes the conn pointer) and owner is the
 * client's lock owner (FUSE's lock_owner: one per open file description
 * for flock, one per process's file table for POSIX locks). Two locks
 * conflict when their holders differ, their ranges overlap and one of them
 * is a write lock. flock locks and POSIX locks live apart and never
 * conflict with each other, as on Linux. A flock lock is a lock of the
 * whole range [0, UINT64_MAX].
 *
 * POSIX semantics per holder: setting a range replaces that holder's locks
 * in it (splitting a lock that extends past either end), and adjacent or
 * overlapping ranges of the same type merge; unlocking a range cuts it out
 * of that holder's locks. Ranges are inclusive: [start, end], end
 * UINT64_MAX = to EOF.
 *
 * Blocking requests (SETW) wait in a FIFO per inode. Whenever locks of an
 * inode are released, the waiters are retried in order and each granted
 * one's callback runs (from inside the releasing call); a waiter is never
 * granted over a conflicting lock. No deadlock detection.
 *
 * Pure bookkeeping: no I/O, no time; the loop thread only. Memory: the
 * table owns its locks and waiters; a waiter's arg is borrowed until its
 * grant or cancel callback ran.
 */
#ifndef GLINT_MDS_LOCK_H
#define GLINT_MDS_LOCK_H

#include <stddef.h>
#include <stdint.h>

#define LOCK_KIND_FLOCK 1 /* = PROTO_LOCK_FLOCK */
#define LOCK_KIND_POSIX 2 /* = PROTO_LOCK_POSIX */
#define LOCK_TYPE_RD 0 /* = PROTO_LOCK_RD, F_RDLCK */
#define LOCK_TYPE_WR 1 /* = PROTO_LOCK_WR, F_WRLCK */
#define LOCK_TYPE_UN 2 /* = PROTO_LOCK_UN, F_UNLCK */

struct lock_table; /* opaque */

/* One lock, or a request for one. */
struct lock_desc {
	uint64_t ino;
	uint8_t kind;	  /* LOCK_KIND_* */
	uint8_t type;	  /* LOCK_TYPE_RD, LOCK_TYPE_WR, LOCK_TYPE_UN */
	uint64_t session; /* the holder's connection */
	uint64_t owner;	  /* the holder's lock owner */
	uint32_t pid;	  /* for F_GETLK replies only */
	uint64_t start;	  /* first byte */
	uint64_t end;	  /* last byte, inclusive */
};

/* A blocked request was granted (result 0) or dropped (-EINTR: its session
 * went away, -ECANCELED: the table is destroyed). arg is the waiter's. */
typedef void (*lock_wake_fn)(void *arg, const struct lock_desc *req,
			     int result);

int lock_table_create(struct lock_table **out);
/* Cancels every waiter (wake with -ECANCELED) and frees. NULL is fine. */
void lock_table_destroy(struct lock_table *t);

/*
 * F_GETLK: 0 and *conflict = the first lock that blocks req, or 0 and
 * conflict->type = LOCK_TYPE_UN when none does.
 */
int lock_test(struct lock_table *t, const struct lock_desc *req,
	      struct lock_desc *conflict);

/*
 * F_SETLK (and flock LOCK_NB): set or (type LOCK_TYPE_UN) release req's range
 * for its holder. 0, -EAGAIN when a lock of another holder conflicts
 * (nothing changed), -EINVAL for a bad range/kind/type, -ENOMEM.
 */
int lock_set(struct lock_table *t, const struct lock_desc *req);

/*
 * F_SETLKW: like lock_set; when it would fail with -EAGAIN, queue req and
 * return 1: wake(arg, req, 0) runs once it is granted (the lock is then
 * held), or with an error when dropped. 0 when granted at once.
 */
int lock_set_wait(struct lock_table *t, const struct lock_desc *req,
		  lock_wake_fn wake, void *arg);

/* Release every lock and waiter of session (its connection closed):
 * waiters of the session get wake(-EINTR); others are retried. */
void lock_drop_session(struct lock_table *t, uint64_t session);

/* Locks held (all inodes, all holders), and queued waiters: for tests. */
size_t lock_count(const struct lock_table *t);
size_t lock_waiters(const struct lock_table *t);

#endif /* GLINT_MDS_LOCK_H */
