/*
 * ops_file.c - FUSE operations on open files: open, create, read, write,
 * flush, release, fsync, fallocate and locks; and the session's init.
 *
 * Consistency is close-to-open, as on NFS: open asks the MDS for fresh
 * attributes; when size or mtime changed since this client last heard
 * from the MDS, the kernel's cached attributes and pages of the file are
 * dropped (keep_cache only when nothing changed). Writes go straight to
 * the OSTs (no writeback cache in the kernel, so shared writable mmap
 * works through the page cache and its writeback); the new size and mtime
 * are kept in the cinode and sent with CLOSE on flush, fsync and release.
 *
 * Write-behind (io.c): a WRITE is answered once its object requests are
 * sent; -o max_dirty_mb bounds the bytes in flight. O_DIRECT, O_SYNC and
 * O_DSYNC writes wait for their replies. flush, fsync and release wait
 * for every write of the file in flight first; the first failure of a
 * background write is returned by the next write, flush (close(2)) or
 * fsync of the file, once (like a failed writeback on a local file
 * system). CLOSE reports only the size of writes that succeeded. Reads
 * wait for the writes in flight they overlap; truncate (here and in
 * setattr), fallocate and lock calls wait for all of the file's.
 *
 * Locks (-o flock): flock(2) and fcntl(2) locks are granted by the MDS's
 * LOCK RPC, so they hold across clients. FUSE forwards lock calls only
 * when the filesystem implements them (libfuse then negotiates
 * FUSE_POSIX_LOCKS / FUSE_FLOCK_LOCKS); if it does not, the kernel keeps
 * locks locally on each node (Lustre's "localflock": mount with
 * -o localflock for that). Without either option the calls are forwarded
 * and answered ENOSYS, which the kernel passes to flock(2) and fcntl(2):
 * Lustre's default ("noflock"). A blocking request (F_SETLKW, flock
 * without LOCK_NB) is polled with SET and a growing pause, so no RPC waits
 * past its timeout and an interrupting signal ends the wait with EINTR.
 * flush drops the POSIX locks of the closing owner, release the flock
 * lock of the file, as the kernel expects. Read-only opens get noflush
 * (FOPEN_NOFLUSH: close(2) sends no FLUSH) unless -o flock is on.
 *
 * Unlink of an open file: the MDS frees a file's objects at its last
 * unlink, so unlink renames a file that is open here to CLIENT_SILLY_FMT
 * in its directory (NFS's silly rename; ops_node.c) and the last release
 * removes it. Such names show in listings while the file stays open;
 * another client does not know the file is open and removes it at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "client/client_i.h"
#include "common/log.h"

#define LOCK_POLL_MIN_US 5000
#define LOCK_POLL_MAX_US 200000

/* Truncate ci to size (O_TRUNC at open): MDS, then the objects. */
static int do_truncate_open(fuse_req_t req, struct cinode *ci)
{
	struct client *c = client_of(req);
	struct msg_md_req m;
	struct msg_entry *e = malloc(sizeof(*e));
	struct msg_layout *l = NULL;
	uint64_t old_size = 0;
	int rc;

	if (!e)
		return -ENOMEM;
	io_wb_drain(ci);
	pthread_mutex_lock(&ci->size_mu); /* no CLOSE in between */
	rc = inode_snapshot(ci, &l, &old_size);
	if (rc && rc != -EIO)
		goto out;
	memset(&m, 0, sizeof(m));
	md_cred(req, &m.cred);
	m.ino = ci->ino;
	m.valid = PROTO_SET_SIZE | PROTO_SET_FROM_OPEN;
	m.size = 0;
	rc = md_call_entry(c, PROTO_OP_SETATTR, &m, e);
	if (rc)
		goto out;
	if (l && old_size) {
		inode_data_changed(ci);
		rc = io_truncate(c, l, 0);
		inode_data_changed(ci); /* also reads sent meanwhile */
		if (rc)
			goto out;
	}
	pthread_mutex_lock(&ci->mu);
	ci->size = 0;
	ci->mtime = e->attr.mtime;
	pthread_mutex_unlock(&ci->mu);
	inode_update_own(ci, e);
out:
	pthread_mutex_unlock(&ci->size_mu);
	free(l);
	free(e);
	return rc;
}

/* What open and create share: O_TRUNC, O_DIRECT, counting opens. */
static int open_finish(fuse_req_t req, struct cinode *ci,
		       struct fuse_file_info *fi, uint64_t size)
{
	int rc = 0;

	if ((fi->flags & O_TRUNC) && S_ISREG(ci->mode) && size) {
		rc = do_truncate_open(req, ci);
		if (rc)
			return rc;
	}
	if (fi->flags & O_DIRECT)
		fi->direct_io = 1;
	/* A read-only open has nothing for flush to wait for or report (no
	 * writes through it), so its close(2) need not ask us: one FUSE round
	 * trip less per file for a reader of many small files. With -o flock
	 * the flush drops the closing owner's POSIX locks, which a read-only
	 * descriptor can hold (F_RDLCK): kept then. */
	fi->noflush = (fi->flags & O_ACCMODE) == O_RDONLY &&
		      !client_of(req)->cfg->flock;
	fi->fh = 0;
	pthread_mutex_lock(&ci->mu);
	ci->nopen++;
	pthread_mutex_unlock(&ci->mu);
	atomic_fetch_add(&client_of(req)->nopen_files, 1);
	return 0;
}

static int do_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct client *c = client_of(req);
	struct msg_entry *e = NULL;
	struct cinode *ci = NULL;
	uint64_t size;
	int rc = -ENOMEM, changed;

	ci = inode_get(c, ino);
	if (!ci)
		goto out;
	if (!inode_open_fresh(ci, fuse_req_ctx(req)->pid, &size)) {
		e = malloc(sizeof(*e));
		if (!e)
			goto out;
		rc = md_getattr(c, req, ino, e);
		if (rc)
			goto out;
		inode_update(ci, e);
		size = e->attr.size;
	} else {
		log_msg(LOG_DEBUG, "ops",
			"open ino=%llu: attributes from this thread's LOOKUP",
			(unsigned long long)ino);
	}
	/* Changed by another client since our last open (seen now or by a
	 * LOOKUP since): cached pages are stale. */
	changed = inode_take_changed(ci);
	if (changed) {
		/* The kernel's size and mtime are stale too (pages go with
		 * keep_cache = 0). Only the attributes: safe to do from
		 * within a request. */
		fuse_lowlevel_notify_inval_inode(c->se, ino, -1, 0);
	}
	fi->keep_cache = !changed;
	rc = open_finish(req, ci, fi, size);
out:
	inode_put(c, ci);
	free(e);
	return rc;
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int rc = do_open(req, ino, fi);

	client_readahead_apply(client_of(req)); /* before the kernel sizes
						   this file's window */
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_open(req, fi);
}

static int do_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, struct fuse_file_info *fi,
		     struct fuse_entry_param *ep)
{
	struct client *c = client_of(req);
	struct msg_md_req m;
	struct msg_entry *e = malloc(sizeof(*e));
	struct cinode *ci = NULL;
	size_t n = strlen(name);
	int rc = -ENOMEM;

	if (!e)
		goto out;
	rc = n > PROTO_NAME_MAX ? -ENAMETOOLONG : 0;
	if (rc)
		goto out;
	memset(&m, 0, sizeof(m));
	md_cred(req, &m.cred);
	m.ino = parent;
	m.name.p = (const uint8_t *)name;
	m.name.len = (uint32_t)n;
	m.mode = S_IFREG | (mode & 07777);
	m.flags = (fi->flags & O_EXCL) ? PROTO_CREATE_EXCL : 0;
	m.layout.first_ost = -1; /* everything inherited */
	rc = md_call_entry(c, PROTO_OP_CREATE, &m, e);
	if (rc)
		goto out;
	ops_make_entry(c, e, ep);
	ci = inode_get(c, e->attr.ino);
	if (!ci) {
		rc = -ENOMEM;
		goto out;
	}
	fi->keep_cache = 0;
	rc = open_finish(req, ci, fi, e->attr.size);
	if (!rc && (fi->flags & O_TRUNC)) {
		/* An existing file was returned and truncated. */
		ep->attr.st_size = 0;
		ep->attr.st_blocks = 0;
	}
out:
	inode_put(c, ci);
	free(e);
	return rc;
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct fuse_entry_param ep;
	int rc = do_create(req, parent, name, mode, fi, &ep);

	client_readahead_apply(client_of(req));
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_create(req, &ep, fi);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct client *c = client_of(req);
	struct cinode *ci = inode_get(c, ino);

	if (!ci)
		fuse_reply_err(req, ENOMEM);
	else
		io_read_async(c, req, ci, (uint64_t)off, size,
			      !(fi->flags & O_DIRECT));
}

/* Write-behind (io_write) unless the file is O_DIRECT, O_SYNC or
 * O_DSYNC (O_SYNC includes the O_DSYNC bit). mmap's writeback
 * (fi->writepage) is write-behind too. */
static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct client *c = client_of(req);
	struct cinode *ci = inode_get(c, ino);
	int sync = !!(fi->flags & (O_DIRECT | O_DSYNC));
	int rc = ci ? io_write(c, ci, (const uint8_t *)buf, size,
			       (uint64_t)off, sync) :
		      -ENOMEM;

	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_write(req, size);
	inode_put(c, ci);
}

/* --- locks --- */

/* Before a lock changes hands, the data written under it is on the OSTs
 * (as Lustre flushes dirty pages when a lock is cancelled). */
static void lock_drain(struct client *c, fuse_ino_t ino)
{
	struct cinode *ci = inode_get(c, ino);

	if (ci) {
		io_wb_drain(ci);
		inode_put(c, ci);
	}
}

/* One LOCK RPC; *out (may be NULL) gets the reply. */
static int lock_call(fuse_req_t req, fuse_ino_t ino, uint8_t kind,
		     uint8_t cmd, uint8_t type, uint64_t owner, uint32_t pid,
		     uint64_t start, uint64_t end, struct msg_lock *out)
{
	struct msg_md_req m;
	uint8_t *reply = NULL;
	size_t len = 0;
	struct cursor cur;
	int rc;

	memset(&m, 0, sizeof(m));
	md_cred(req, &m.cred);
	m.ino = ino;
	m.lk_owner = owner;
	m.lk_pid = pid;
	m.lk_kind = kind;
	m.lk_cmd = cmd;
	m.lk_type = type;
	m.lk_start = start;
	m.lk_end = end;
	rc = md_call(client_of(req), PROTO_OP_LOCK, &m, &reply, &len);
	if (!rc && out) {
		cursor_init(&cur, reply, len);
		if (msg_lock_decode(&cur, out))
			rc = -EIO;
	}
	free(reply);
	return rc;
}

/* SET, or for a blocking request SET polled until granted or the caller
 * is interrupted. */
static int lock_set(fuse_req_t req, fuse_ino_t ino, uint8_t kind,
		    uint8_t type, uint64_t owner, uint32_t pid, uint64_t start,
		    uint64_t end, int wait)
{
	unsigned pause_us = LOCK_POLL_MIN_US;
	int rc;

	for (;;) {
		rc = lock_call(req, ino, kind, PROTO_LOCK_SET, type, owner, pid,
			       start, end, NULL);
		if (rc != -EAGAIN || !wait)
			return rc;
		if (fuse_req_interrupted(req))
			return -EINTR;
		usleep(pause_us);
		if (pause_us < LOCK_POLL_MAX_US)
			pause_us *= 2;
	}
}

static int lock_type(short l_type, uint8_t *type)
{
	switch (l_type) {
	case F_RDLCK:
		*type = PROTO_LOCK_RD;
		return 0;
	case F_WRLCK:
		*type = PROTO_LOCK_WR;
		return 0;
	case F_UNLCK:
		*type = PROTO_LOCK_UN;
		return 0;
	default:
		return -EINVAL;
	}
}

/* struct flock (l_start, l_len 0 = to EOF) -> inclusive [start, end]. */
static void lock_range(const struct flock *lk, uint64_t *start, uint64_t *end)
{
	*start = (uint64_t)lk->l_start;
	*end = lk->l_len ? (uint64_t)(lk->l_start + lk->l_len - 1) : UINT64_MAX;
}

static void op_getlk(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi, struct flock *lock)
{
	struct msg_lock r;
	uint64_t start, end;
	uint8_t type;
	int rc;

	if (!client_of(req)->cfg->flock) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	lock_drain(client_of(req), ino);
	rc = lock_type(lock->l_type, &type);
	lock_range(lock, &start, &end);
	if (!rc)
		rc = lock_call(req, ino, PROTO_LOCK_POSIX, PROTO_LOCK_GET, type,
			       fi->lock_owner, (uint32_t)lock->l_pid, start,
			       end, &r);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	if (r.type == PROTO_LOCK_UN) {
		lock->l_type = F_UNLCK;
	} else {
		lock->l_type = r.type == PROTO_LOCK_RD ? F_RDLCK : F_WRLCK;
		lock->l_start = (off_t)r.start;
		lock->l_len = r.end == UINT64_MAX ? 0 :
						    (off_t)(r.end - r.start + 1);
		lock->l_pid = (pid_t)r.pid;
	}
	fuse_reply_lock(req, lock);
}

static void op_setlk(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi, struct flock *lock, int sleep)
{
	struct client *c = client_of(req);
	uint64_t start, end;
	uint8_t type;
	int rc;

	if (!c->cfg->flock) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	lock_drain(c, ino);
	rc = lock_type(lock->l_type, &type);
	lock_range(lock, &start, &end);
	if (!rc)
		rc = lock_set(req, ino, PROTO_LOCK_POSIX, type, fi->lock_owner,
			      (uint32_t)lock->l_pid, start, end, sleep);
	if (!rc && type != PROTO_LOCK_UN) {
		struct cinode *ci = inode_get(c, ino);

		if (ci) {
			pthread_mutex_lock(&ci->mu);
			ci->posix_locked = 1;
			pthread_mutex_unlock(&ci->mu);
			inode_put(c, ci);
		}
	}
	fuse_reply_err(req, -rc);
}

static void op_flock(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi, int op)
{
	uint8_t type;
	int rc = 0;

	if (!client_of(req)->cfg->flock) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	switch (op & ~LOCK_NB) {
	case LOCK_SH:
		type = PROTO_LOCK_RD;
		break;
	case LOCK_EX:
		type = PROTO_LOCK_WR;
		break;
	case LOCK_UN:
		type = PROTO_LOCK_UN;
		break;
	default:
		rc = -EINVAL;
		break;
	}
	lock_drain(client_of(req), ino);
	if (!rc)
		rc = lock_set(req, ino, PROTO_LOCK_FLOCK, type, fi->lock_owner,
			      0, 0, UINT64_MAX, !(op & LOCK_NB));
	fuse_reply_err(req, -rc);
}

/* --- flush, release, fsync --- */

static int do_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct client *c = client_of(req);
	struct cinode *ci = inode_get(c, ino);
	int rc, werr, locked;

	if (!ci)
		return -ENOMEM;
	/* close(2) returns what the background writes met. */
	io_wb_drain(ci);
	werr = io_wb_error(ci);
	rc = md_close(c, req, ci);
	if (werr)
		rc = werr;
	pthread_mutex_lock(&ci->mu);
	locked = ci->posix_locked;
	pthread_mutex_unlock(&ci->mu);
	if (locked && c->cfg->flock) {
		/* close(2) drops the POSIX locks of the closing owner. */
		int lrc = lock_call(req, ino, PROTO_LOCK_POSIX, PROTO_LOCK_SET,
				    PROTO_LOCK_UN, fi->lock_owner, 0, 0,
				    UINT64_MAX, NULL);

		if (!rc)
			rc = lrc;
	}
	inode_put(c, ci);
	return rc;
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, -do_flush(req, ino, fi));
}

/* The last close of a file unlinked while open: remove it for real. */
static void release_silly(fuse_req_t req, struct cinode *ci)
{
	struct msg_md_req m;
	char name[64];
	int rc;

	snprintf(name, sizeof(name), CLIENT_SILLY_FMT,
		 (unsigned long long)ci->ino);
	memset(&m, 0, sizeof(m));
	md_cred(req, &m.cred);
	m.ino = ci->silly_parent;
	m.name.p = (const uint8_t *)name;
	m.name.len = (uint32_t)strlen(name);
	rc = md_call(client_of(req), PROTO_OP_UNLINK, &m, NULL, NULL);
	if (rc && rc != -ENOENT)
		log_msg(LOG_WARNING, "ops", "ino=%llu unlink of %s: %s",
			(unsigned long long)ci->ino, name, strerror(-rc));
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct client *c = client_of(req);
	struct cinode *ci = inode_get(c, ino);

	if (ci) {
		int last, werr = 0;

		/* Writes from mmap may come after the last flush. */
		io_wb_drain(ci);
		md_close(c, req, ci);
		pthread_mutex_lock(&ci->mu);
		if (ci->nopen)
			ci->nopen--;
		last = !ci->nopen && ci->silly;
		if (last)
			ci->silly = 0;
		if (!ci->nopen) {
			/* Nobody is left to report it to. */
			werr = ci->werr;
			ci->werr = 0;
		}
		pthread_mutex_unlock(&ci->mu);
		if (werr)
			log_msg(LOG_WARNING, "ops",
				"ino=%llu: a background write failed after "
				"the last flush: %s",
				(unsigned long long)ci->ino, strerror(-werr));
		atomic_fetch_sub(&c->nopen_files, 1);
		if (last)
			release_silly(req, ci);
		inode_put(c, ci);
	}
	if (fi->flock_release && c->cfg->flock)
		lock_call(req, ino, PROTO_LOCK_FLOCK, PROTO_LOCK_SET,
			  PROTO_LOCK_UN, fi->lock_owner, 0, 0, UINT64_MAX,
			  NULL);
	fuse_reply_err(req, 0);
}

static int do_fsync(fuse_req_t req, fuse_ino_t ino, int datasync)
{
	struct client *c = client_of(req);
	struct cinode *ci = inode_get(c, ino);
	struct msg_layout *l = NULL;
	uint64_t size;
	int rc, werr;

	if (!ci)
		return -ENOMEM;
	io_wb_drain(ci);
	werr = io_wb_error(ci);
	rc = inode_snapshot(ci, &l, &size);
	if (rc == -EIO) {
		rc = 0; /* no objects: nothing to sync */
		goto close;
	}
	if (rc)
		goto out;
	rc = io_sync(c, l);
	if (rc)
		goto out;
close:
	rc = md_close(c, req, ci);
out:
	free(l);
	inode_put(c, ci);
	return werr ? werr : rc;
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	fuse_reply_err(req, -do_fsync(req, ino, datasync));
}

/*
 * fallocate: PUNCH_HOLE|KEEP_SIZE punches every object's part of the
 * range; mode 0 extends the size without reserving space (objects are
 * sparse; a later write may still fail with ENOSPC); KEEP_SIZE alone does
 * nothing. Other modes: EOPNOTSUPP.
 */
static int do_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off,
			off_t len)
{
	struct client *c = client_of(req);
	struct cinode *ci;
	struct msg_layout *l = NULL;
	uint64_t size;
	int rc;

	if (off < 0 || len <= 0)
		return -EINVAL;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	ci = inode_get(c, ino);
	if (!ci)
		return -ENOMEM;
	io_wb_drain(ci);
	rc = inode_snapshot(ci, &l, &size);
	if (rc == -EIO)
		rc = 0;
	if (rc)
		goto out;
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		if (l && (uint64_t)off < size) {
			inode_data_changed(ci);
			rc = io_punch(c, l, (uint64_t)off, (uint64_t)len);
			inode_data_changed(ci); /* also reads sent meanwhile */
		}
	} else if (!(mode & FALLOC_FL_KEEP_SIZE) &&
		   (uint64_t)(off + len) > size) {
		inode_wrote(ci, (uint64_t)(off + len));
		inode_data_changed(ci); /* a cached end of file moved */
	}
out:
	free(l);
	inode_put(c, ci);
	return rc;
}

static void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off,
			 off_t len, struct fuse_file_info *fi)
{
	fuse_reply_err(req, -do_fallocate(req, ino, mode, off, len));
}

/* --- session init --- */

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct client *c = userdata;

	conn->max_write = CLIENT_MAX_IO;
	conn->max_read = CLIENT_MAX_IO;
	if (conn->max_readahead > CLIENT_MAX_IO)
		conn->max_readahead = CLIENT_MAX_IO;
	conn->time_gran = 1;
	/* Read-ahead and asynchronous reads are FUSE background requests, of
	 * which the kernel keeps 12 in flight by default: 12 MiB for a whole
	 * mount, fewer than four sequential readers' read-ahead windows ask
	 * for. Let -o max_read_ahead_mb (in 1 MiB requests, which io.c holds
	 * the reads in flight to anyway) set it; the kernel marks the mount
	 * congested at three quarters. Measured on 2 vCPUs, four readers:
	 * 12 in flight 1.0-1.2 GB/s cold, 1.4-1.5 hot; 48: 1.4-1.5 and
	 * 1.9-2.2. */
	conn->max_background = c->cfg->max_read_ahead_mb < 12 ?
				       12 :
				       c->cfg->max_read_ahead_mb;
	conn->congestion_threshold = conn->max_background * 3 / 4;
	/* Write-through: size and data go to the servers on each write. */
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	/* The kernel clears setuid/setgid on write and chown itself. */
	conn->want &= ~(FUSE_CAP_HANDLE_KILLPRIV);
	if (c->cfg->localflock)
		conn->want &= ~(FUSE_CAP_POSIX_LOCKS | FUSE_CAP_FLOCK_LOCKS);
	log_msg(LOG_INFO, "client", "fuse init: proto %u.%u max_write=%u",
		conn->proto_major, conn->proto_minor, conn->max_write);
	atomic_store(&c->init_done, 1);
}

void ops_file_init(struct fuse_lowlevel_ops *ops)
{
	ops->init = op_init;
	ops->open = op_open;
	ops->create = op_create;
	ops->read = op_read;
	ops->write = op_write;
	ops->flush = op_flush;
	ops->release = op_release;
	ops->fsync = op_fsync;
	ops->getlk = op_getlk;
	ops->setlk = op_setlk;
	ops->flock = op_flock;
	ops->fallocate = op_fallocate;
}
