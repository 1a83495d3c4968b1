/*
 * mds_i.h - the metadata server's shared state (internal to mds/).
 *
 * The MDS runs one libev loop on its main thread: every handler runs there,
 * so struct mds needs no locks. HELLO/PING/STATFS and the dispatch table
 * live in rpc.c, metadata handlers in md_rpc.c (they go through the group
 * commit of group_commit.c), locks in lock.c, the destroyer of unlinked
 * files' objects in destroyer.c, the reconciler that finds objects no file
 * references in reconcile.c, the OST map in ost_map.c, configuration in
 * main.c's option table.
 */
#ifndef GLINT_MDS_MDS_I_H
#define GLINT_MDS_MDS_I_H

#include <stdbool.h>
#include <stdint.h>

#include "common/conn.h"
#include "mds/group_commit.h"
#include "mds/layout.h"
#include "mds/lock.h"
#include "mds/namespace.h"
#include "mds/ost_map.h"
#include "mds/store.h"

struct destroyer;
struct reconciler;

struct mds_config {
	char *listen;	     /* HOST:PORT to serve on */
	char *db;	     /* metadata directory (LMDB environment) */
	char *fsname;	     /* file system name, checked in every HELLO */
	uint64_t stripe_size; /* default stripe size in bytes */
	int64_t stripe_count; /* default stripe count; -1 = all OSTs */
	int deployment;	     /* 0 scratch, 1 persistent (option table index) */
	int compression;     /* 0 none, 1 lz4: the file system default */
	char *port_file;     /* where to write the bound port, or NULL */
	int log_level;	     /* enum log_level */
	char *log_file;	     /* NULL = stderr */
	int64_t max_conns;   /* connection cap */
	uint64_t map_size;   /* LMDB map size: most bytes of metadata */
	int64_t reconcile_interval; /* s between scans of an OST; 0 = only
				       when it registers (reconcile.h) */
	int64_t reconcile_grace; /* s an object stays unreferenced before
				    it is reclaimed */
};

struct mds {
	struct mds_config cfg;
	struct ev_loop *loop;
	struct netsrv *srv;
	struct ost_map osts;
	uint64_t started_ns; /* CLOCK_REALTIME at start */
	struct store *st;    /* the LMDB environment in cfg.db */
	bool store_session;   /* inode_session_begin() done, end it at close */
	struct ns *ns;	     /* the namespace over st */
	struct group_commit *gc; /* batches metadata requests */
	struct lock_table *locks; /* flock and POSIX locks */
	struct destroyer *destroyer; /* destroys orphaned objects */
	struct reconciler *reconciler; /* finds unreferenced objects */
};

/* A peer's role once its HELLO was accepted (conn_user), 0 before. */
static inline uintptr_t mds_peer_role(struct conn *c)
{
	return (uintptr_t)conn_user(c);
}

/* The MDS's dispatch table; ctx must be the struct mds. */
void mds_rpc_handlers(struct mds *m, struct conn_handlers *h);

/* Fill h with the metadata and LOCK handlers (md_rpc.c). */
void mds_md_handlers(struct conn_handlers *h);

/* A connection closed: drop its locks and wake its waiters (md_rpc.c). */
void mds_md_conn_closed(struct mds *m, struct conn *c);

/*
 * The OSTs placement may use: out[i] for each map entry, usable when UP.
 * out has room for PROTO_MAX_OSTS. Returns the number of entries.
 */
size_t mds_placement_osts(const struct mds *m, struct layout_ost *out);

#endif /* GLINT_MDS_MDS_I_H */
