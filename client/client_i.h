/*
 * client_i.h - shared state of glint-client, the FUSE client (internal).
 *
 * Modules: mount.c (spec and option parsing, mounting, the session loop),
 * inode.c (the table of inodes the kernel knows, with the per-inode state
 * of open files), md.c (metadata RPCs to the MDS), io.c (striped object
 * I/O fanned out to the OSTs in parallel), ops_node.c and ops_file.c (the
 * FUSE low-level operations: do_x() returns 0 or -errno, op_x() replies
 * exactly once), stripe.c (pure striping math).
 *
 * Inode numbers are the MDS's: ids are never reused and the root is 1 =
 * FUSE_ROOT_ID, so the kernel's nodeid is the MDS ino with no mapping.
 *
 * Size and mtime: the MDS keeps a file's size and mtime, but a client
 * writing to it knows better until it reports them with CLOSE (on flush,
 * fsync and release). A cinode with dirty set overrides the MDS's size
 * (max of both) and mtime in every attribute it hands to the kernel.
 * With write-behind (io.c) a write counts in size once the OSTs took it;
 * until then its end counts in what the kernel is told (wb_end).
 *
 * Threading: FUSE worker threads call everything, except that a read is
 * answered (and its inode reference dropped) by the OST client's loop
 * thread that brought its last reply (io.c); each cinode has a mutex
 * for its fields; the table has one for its hash and reference counts.
 * Lock order: table lock, then a cinode's mutex. I/O is never done with
 * either held: callers snapshot what they need (layout, size) first.
 */
#ifndef GLINT_CLIENT_CLIENT_I_H
#define GLINT_CLIENT_CLIENT_I_H

#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "common/cluster.h"
#include "proto/msg.h"
#include "proto/msg_fs.h"

#define CLIENT_DEFAULT_TIMEOUT_S 10
#define CLIENT_MAX_IO		 (1u << 20) /* max_read, max_write */
#define CLIENT_MDS_PORT		 988

/* Mount options (mount.c's fuse_opt table fills it). */
struct client_config {
	char *spec;	      /* HOST[:PORT]@tcp:/FSNAME as given */
	char mds[PROTO_HOST_MAX + 8]; /* HOST[:PORT] from spec */
	char fsname[PROTO_FSNAME_MAX + 1];
	char *mountpoint;
	int foreground;	      /* -f: no daemon */
	int debug;	      /* -d: libfuse debug output, implies -f */
	int flock;	      /* -o flock: locks through the MDS */
	int localflock;	      /* -o localflock: locks local to this node */
	unsigned timeout_s;   /* -o timeout=: every RPC */
	double attr_timeout;  /* -o attr_timeout= (kernel attribute cache) */
	double entry_timeout; /* -o entry_timeout= */
	char *log_path;	      /* -o log=: log file (daemon: else silent) */
	char *log_level;      /* -o log_level= */
	unsigned max_threads; /* -o max_threads= of the session loop */
	unsigned readahead_kb; /* -o readahead_kb=: the mount's read-ahead */
	unsigned max_dirty_mb; /* -o max_dirty_mb=: write-behind bound */
	unsigned max_read_ahead_mb; /* -o max_read_ahead_mb=: reads bound */
	unsigned max_rpcs_in_flight; /* -o max_rpcs_in_flight=: per OST */
	unsigned max_cached_mb; /* -o max_cached_mb=: the read cache */
	unsigned localio;     /* -o localio=: 1 read this host's OSTs' files
				 (localio.h), 0 never */
	unsigned localio_direct; /* -o localio_direct=: 1 cold ranges with
				    O_DIRECT (localio.c), 0 buffered */
};

struct io_wb; /* io.c: one write in flight in the background */
struct io_ard; /* io.c: one read in flight, answered by a loop thread */

struct cinode {
	struct cinode *next;	      /* hash chain */
	uint64_t ino;
	uint64_t nlookup;	      /* kernel references (lookup/forget) */
	unsigned refs;		      /* operations in progress; table lock */

	/* Held across every MDS call that sets the size: CLOSE (md_close,
	 * which reports ci->size) and truncates (setattr, O_TRUNC open),
	 * each from its snapshot to its reply. Without it a CLOSE whose
	 * snapshot predates a truncate could reach the MDS after it and grow
	 * the file back (the MDS keeps the larger of a CLOSE's size and its
	 * own): a release runs on its own FUSE thread, after the file was
	 * already opened and truncated again. Taken before mu. */
	pthread_mutex_t size_mu;
	pthread_mutex_t mu;	      /* guards everything below */
	uint32_t mode;		      /* type and permission bits */
	struct msg_layout *layout;    /* regular files: last seen; owned */
	int have_attr;		      /* mds_size/mds_mtime are valid */
	uint64_t mds_size;	      /* last size the MDS reported */
	struct msg_time mds_mtime;    /* last mtime the MDS reported */
	struct msg_time mds_ctime;    /* last ctime the MDS reported */
	int nocaps;		      /* the MDS said security.capability is
					 absent while ctime was nocaps_ctime */
	struct msg_time nocaps_ctime;
	uint64_t xattr_gen;	      /* bumped by this client's xattr changes */
	uint64_t size;		      /* our size: mds_size, or ours if dirty */
	struct msg_time mtime;	      /* our mtime when dirty */
	int dirty;		      /* size/mtime not yet sent with CLOSE */
	uint64_t wgen;		      /* bumped by every write */
	_Atomic uint64_t cgen;	      /* the read cache's generation of the
					 data (rcache.h); inode_data_changed
					 gives it a new one, lock-free */
	uint32_t nopen;		      /* open file handles */
	int posix_locked;	      /* a POSIX lock was taken here (flush
					 then releases the owner's locks) */
	int silly;		      /* unlinked while open: renamed to
					 CLIENT_SILLY_FMT in silly_parent,
					 removed at the last release */
	uint64_t silly_parent;
	struct msg_attr dir_attr;     /* directories: from a reply's
					 dir_attrs (md.c, md_dir_attr_get) */
	uint64_t dir_attr_ns;	      /* CLOCK_MONOTONIC arrival; 0 none */
	int attr_changed;	      /* an MDS reply changed size or mtime
					 since the last open (keep_cache) */
	uint64_t lookup_ns;	      /* CLOCK_MONOTONIC of the last LOOKUP
					 reply; 0 none or used by an open */
	pid_t lookup_tid;	      /* the thread that asked it */

	/* Write-behind (io.c), guarded by mu like the rest: */
	struct io_wb *wb_head;	      /* writes in flight, not yet answered */
	uint64_t wb_end;	      /* max end of those (0 when none) */
	pthread_cond_t wb_cond;	      /* broadcast when one of them ends */
	int werr;		      /* first failed background write, not
					 yet reported (-errno) */
};

/* The name an open file is renamed to when unlinked (NFS's "silly
 * rename"): the MDS frees a file's objects at its last unlink, so the
 * client keeps an open file alive under this name until it is closed. */
#define CLIENT_SILLY_FMT ".glint-unlinked-%llx"

struct inode_table {
	pthread_mutex_t mu;
	struct cinode **buckets;
	size_t nbuckets;	      /* power of two */
	size_t count;
};

struct client {
	struct client_config *cfg;
	struct cluster *cl;	      /* MDS connection, OST map, OST clients */
	struct fuse_session *se;
	struct inode_table itab;
	struct rcache *rcache;	      /* small reads' chunks; NULL when off */
	struct iobuf_pool *iobufs;    /* 1 MiB read results (iobuf.h) */
	struct localio *localio;      /* this host's OSTs' files; NULL off */
	atomic_uchar localio_off[PROTO_MAX_OSTS]; /* per ost_idx modulo
						     PROTO_MAX_OSTS: its OSS
						     refused OBJ_READ_L */
	uint32_t timeout_ms;	      /* every RPC */
	atomic_uint nopen_files;      /* open regular files (all inodes) */
	atomic_int init_done;	      /* FUSE INIT answered (op_init ran) */
	atomic_int ra_done;	      /* readahead_kb written (or given up) */
	atomic_uint md_async;	      /* md_call_entry_async calls whose done
					 has not returned */
	pthread_mutex_t ra_mu;	      /* one writer of it at a time */
	pthread_mutex_t refresh_mu;   /* guards last_refresh_ms */
	uint64_t last_refresh_ms;     /* OST map refresh rate limit */

	/* Write-behind (io.c): */
	uint64_t max_dirty;	      /* bytes of writes in flight, at most */
	pthread_mutex_t wb_mu;	      /* guards the fields below */
	pthread_cond_t wb_cond;	      /* broadcast when wb_dirty drops */
	pthread_cond_t wb_retry_cond; /* wakes the retry thread */
	pthread_cond_t wb_slot_cond;  /* broadcast when a wb_rpcs drops */
	unsigned max_rpcs;	      /* write-behind RPCs per OST, at most */
	unsigned wb_rpcs[PROTO_MAX_OSTS]; /* in flight, per ost_idx modulo
					     PROTO_MAX_OSTS */
	uint64_t wb_dirty;	      /* bytes of writes in flight */
	unsigned wb_count;	      /* writes in flight */
	struct io_wb *wb_retry;	      /* writes whose OST was lost: the
					 retry thread resends them */
	unsigned ard_count;	      /* asynchronous reads in flight */
	uint64_t ard_bytes;	      /* their bytes */
	uint64_t max_read;	      /* bound on ard_bytes (a read alone may
					 pass it) */
	struct io_ard *ard_retry;     /* reads whose OST was lost */
	int wb_stop;		      /* the retry thread should end */
	int wb_thread_started;
	pthread_t wb_thread;	      /* io_wb_retry_main */
};

/* --- mount.c --- */

/* Write -o readahead_kb to the mount's /sys/class/bdi entry once, after
 * FUSE INIT (which caps read-ahead at 128 KiB) was processed by the
 * kernel: any request but INIT proves it was. Any thread. */
void client_readahead_apply(struct client *c);

/* --- inode.c --- */

int inode_table_init(struct inode_table *t);
void inode_table_fini(struct inode_table *t);

/* The cinode of ino with a reference (inode_put), created empty if the
 * table has none (nlookup 0). NULL only when out of memory. */
struct cinode *inode_get(struct client *c, uint64_t ino);
void inode_put(struct client *c, struct cinode *ci);

/* An entry handed to the kernel: nlookup + 1, attributes taken from e.
 * Returns the cinode with a reference (inode_put), NULL without memory. */
struct cinode *inode_remember(struct client *c, const struct msg_entry *e);

/* FUSE forget: nlookup - n; the cinode goes when nothing holds it. */
void inode_forget(struct client *c, uint64_t ino, uint64_t n);

/*
 * Take the MDS's attributes and layout in e into ci (locks ci->mu).
 * Returns 1 when the size or mtime differ from what the MDS reported
 * before, 0 otherwise; a change also sets ci->attr_changed (another
 * client changed the file: cached pages are stale) until the next open
 * takes it. inode_update_own is for the replies to this client's own
 * changes (CLOSE, SETATTR), which do not make its pages stale.
 */
int inode_update(struct cinode *ci, const struct msg_entry *e);
int inode_update_own(struct cinode *ci, const struct msg_entry *e);

/*
 * Open without a GETATTR. The kernel looks a name up (LOOKUP) during the
 * open(2) that resolves it when it has no valid entry, and sends OPEN
 * right after: the attributes that LOOKUP brought are as fresh as a
 * GETATTR would be (close-to-open holds). inode_looked_up records a LOOKUP
 * reply and the thread it was for; inode_open_fresh returns 1 (once) when
 * the OPEN comes from that thread within CLIENT_OPEN_FRESH_MS of it, with
 * the MDS's size in *size, else 0: then open asks the MDS. Saves one MDS
 * round trip per open of a file not in the kernel's entry cache (the ML
 * loader pattern: open, read, close of many files).
 * inode_take_changed returns and clears ci->attr_changed.
 */
#define CLIENT_OPEN_FRESH_MS 20
void inode_looked_up(struct cinode *ci, pid_t tid);
int inode_open_fresh(struct cinode *ci, pid_t tid, uint64_t *size);
int inode_take_changed(struct cinode *ci);

/*
 * The kernel asks for security.capability before every write and truncate
 * (to drop file capabilities, as for suid bits); FUSE file systems cannot
 * opt out. The answer is cached per inode: "absent" stays true while the
 * MDS's ctime of the file is the one seen when it was asked (every xattr
 * change bumps ctime), so it is as fresh as the attributes the kernel
 * already uses for the suid bits. inode_nocaps_get: 1 when known absent,
 * else 0 and *snap is what to pass to inode_nocaps_set after the MDS said
 * ENODATA (ignored if this client changed the xattrs meanwhile: it calls
 * inode_nocaps_clear before changing them).
 */
struct nocaps_snap {
	struct msg_time ctime;
	uint64_t xattr_gen;
};

int inode_nocaps_get(struct cinode *ci, struct nocaps_snap *snap);
void inode_nocaps_set(struct cinode *ci, const struct nocaps_snap *snap);
void inode_nocaps_clear(struct cinode *ci);

/* st from the MDS's attributes a, nothing else (st_blksize 4096). */
void attr_to_stat(const struct msg_attr *a, struct stat *st);

/* Fill st from e's attributes, overridden by ci's own size and mtime while
 * it is dirty (ci may be NULL). */
void inode_stat(struct cinode *ci, const struct msg_entry *e, struct stat *st);

/* A copy of ci's layout (malloc'd, caller frees) and its current size
 * (with the end of writes in flight, which the kernel counts: a short
 * read would make it cut its size); -EIO when the file has no layout,
 * -ENOMEM. */
int inode_snapshot(struct cinode *ci, struct msg_layout **layout,
		   uint64_t *size);

/* Another reference to ci, which the caller holds already. */
void inode_hold(struct client *c, struct cinode *ci);

/* After a successful size change ending at file offset end: size, mtime,
 * dirty. */
void inode_wrote(struct cinode *ci, uint64_t end);

/* ci's data may have changed (a write, truncate or punch of this client
 * about to be sent, or another client's change seen in an MDS reply): a
 * new generation, so the read cache's entries of ci are stale (rcache.h).
 * Lock-free; also done for every new cinode. */
void inode_data_changed(struct cinode *ci);

/* --- md.c: metadata RPCs --- */

/* The caller's uid, gid and supplementary groups. */
void md_cred(fuse_req_t req, struct msg_cred *cred);

/*
 * Encode m for opcode, call the MDS, return the status (0 or -errno;
 * transport failures as -EIO). *reply (malloc'd, caller frees) may be NULL
 * when the caller wants no payload.
 */
int md_call(struct client *c, uint16_t opcode, const struct msg_md_req *m,
	    uint8_t **reply, size_t *reply_len);

/* md_call for the operations that answer with an entry. e is caller memory
 * (large: it holds a layout). */
int md_call_entry(struct client *c, uint16_t opcode,
		  const struct msg_md_req *m, struct msg_entry *e);

/*
 * md_call_entry without waiting: done(arg, rc, e) runs once on the MDS
 * client's loop thread with the status and, for 0, the decoded entry
 * (borrowed until done returns). done must not block or call the MDS
 * synchronously (fuse_reply_* is fine). Returns 0 (done will run) or
 * -errno (it will not).
 */
typedef void (*md_entry_fn)(void *arg, int rc, const struct msg_entry *e);
int md_call_entry_async(struct client *c, uint16_t opcode,
			const struct msg_md_req *m, md_entry_fn done,
			void *arg);
/* md_call_dirs the same way: done(arg, rc) after the reply's directory
 * attributes are kept. */
typedef void (*md_status_fn)(void *arg, int rc);
int md_call_dirs_async(struct client *c, uint16_t opcode,
		       const struct msg_md_req *m, md_status_fn done,
		       void *arg);

/* Wait until no md_call_*_async call is in flight (unmount: before
 * the FUSE session that their done callbacks answer goes away). */
void md_async_drain(struct client *c);

/* GETATTR of ino with the cred of req (NULL: root's). */
int md_getattr(struct client *c, fuse_req_t req, uint64_t ino,
	       struct msg_entry *e);

/* UNLINK, RMDIR or RENAME: md_call, keeping the reply's directory
 * attributes for md_dir_attr_get. */
int md_call_dirs(struct client *c, uint16_t opcode,
		 const struct msg_md_req *m);

/*
 * Directory attributes from the dir_attrs of this client's own replies
 * (CREATE, MKDIR, SYMLINK, LINK through md_call_entry; md_call_dirs):
 * md_dir_attr_get fills st and *timeout (what is left of attr_timeout
 * since they arrived) and returns 1 while they are younger than
 * attr_timeout, else 0. md_dir_attr_drop forgets them (this client is
 * changing the directory by a request whose reply carries none, or
 * fresher attributes of it came from the MDS).
 */
int md_dir_attr_get(struct client *c, struct cinode *ci, struct stat *st,
		    double *timeout);
void md_dir_attr_drop(struct cinode *ci);

/* Report ci's size and mtime with CLOSE if dirty; clears dirty when no
 * write came meanwhile. 0 or -errno. */
int md_close(struct client *c, fuse_req_t req, struct cinode *ci);

/* Map a local RPC failure (timeout, lost or refused connection, a reply
 * that does not decode) to -EIO; server statuses pass unchanged. */
int md_errno(int rc);

/* --- io.c: striped object I/O --- */

/* Read up to len bytes at off (clipped at the file's size; holes and
 * short objects read as zeros) and answer req with them or the error
 * (fuse_reply_buf/err), now or from an OST client's loop thread when the
 * replies are in: the FUSE thread does not wait. Takes over the caller's
 * reference to ci. cache: the read may use and fill c->rcache (a read
 * smaller than a chunk, within one: rcache.h); 0 for O_DIRECT files. */
void io_read_async(struct client *c, fuse_req_t req, struct cinode *ci,
		   uint64_t off, size_t len, int cache);

/*
 * Write buf to [off, off + len), every stripe in parallel (data copied
 * into the requests: buf is free again on return). With sync 0 this is
 * write-behind: it returns once the requests are sent, the replies are
 * collected in the background and a failure is kept in ci->werr for
 * io_wb_error; with sync 1 it waits and returns the write's own status.
 * Either way it first returns (and clears) a kept error of an earlier
 * write instead of writing. ci's mtime/dirty are set at once, its size
 * when the write succeeded.
 */
int io_write(struct client *c, struct cinode *ci, const uint8_t *buf,
	     size_t len, uint64_t off, int sync);

/* Wait until no write of ci in flight overlaps [off, off + len) (len 0:
 * to the end). Takes ci->mu; call with no lock held. */
void io_wb_wait(struct cinode *ci, uint64_t off, uint64_t len);

/* Wait for all writes of ci in flight. */
static inline void io_wb_drain(struct cinode *ci)
{
	io_wb_wait(ci, 0, 0);
}

/* The first error of ci's background writes not yet reported (and clear
 * it), or 0. Call after io_wb_drain to see every write's outcome. */
int io_wb_error(struct cinode *ci);

/* Start/stop write-behind of c (the retry thread); stop waits for every
 * write in flight first. Start after fork (daemonizing). 0 or -errno. */
int io_wb_start(struct client *c);
void io_wb_stop(struct client *c);

/* Truncate every object of layout to its share of a file of size bytes. */
int io_truncate(struct client *c, const struct msg_layout *layout,
		uint64_t size);

/* Punch [off, off + len): each object's part becomes a hole. */
int io_punch(struct client *c, const struct msg_layout *layout, uint64_t off,
	     uint64_t len);

/* OBJ_SYNC every stripe (as Lustre's fsync: what other clients or an
 * earlier open wrote is made durable too). */
int io_sync(struct client *c, const struct msg_layout *layout);

/* Space of all OSTs (those that answer) and files of the MDS. */
int io_statfs(struct client *c, struct statvfs *st);

/* --- ops_node.c, ops_file.c --- */

/* Fill ops with every operation glint-client serves. */
void ops_node_init(struct fuse_lowlevel_ops *ops);
void ops_file_init(struct fuse_lowlevel_ops *ops);

/* The client of a request. */
static inline struct client *client_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* Fill a FUSE entry from an MDS entry and remember the inode. */
void ops_make_entry(struct client *c, const struct msg_entry *e,
		    struct fuse_entry_param *ep);

/* --- mount.c --- */

/*
 * Parse "HOST[:PORT]@tcp[N]:/FSNAME" (Lustre's form; a list of NIDs
 * "a@tcp:b@tcp:/fs" uses the first) into mds ("HOST[:PORT]") and fsname.
 * 0 or -EINVAL.
 */
int mount_parse_spec(const char *spec, char *mds, size_t mds_len,
		     char *fsname, size_t fsname_len);

/* main(): glint-client or, called as mount.glint, the mount(8) helper. */
int mount_main(int argc, char **argv);

#endif /* GLINT_CLIENT_CLIENT_I_H */
