/*
 * mds_i.h - the metadata server's shared state (internal to mds/).
 *
 * The MDS runs one libev loop on its main thread: every handler runs there,
 * so struct mds needs no locks. Handlers live in rpc.c, the OST map in
 * ost_map.c, configuration in main.c's option table.
 */
#ifndef GLINT_MDS_MDS_I_H
#define GLINT_MDS_MDS_I_H

#include <stdint.h>

#include "common/conn.h"
#include "mds/ost_map.h"

struct mds_config {
	char *listen;	     /* HOST:PORT to serve on */
	char *db;	     /* metadata directory (LMDB environment) */
	char *fsname;	     /* file system name, checked in every HELLO */
	uint64_t stripe_size; /* default stripe size in bytes */
	int64_t stripe_count; /* default stripe count; -1 = all OSTs */
	int deployment;	     /* 0 scratch, 1 persistent (option table index) */
	char *port_file;     /* where to write the bound port, or NULL */
	int log_level;	     /* enum log_level */
	char *log_file;	     /* NULL = stderr */
	int64_t max_conns;   /* connection cap */
};

struct mds {
	struct mds_config cfg;
	struct ev_loop *loop;
	struct netsrv *srv;
	struct ost_map osts;
	uint64_t started_ns; /* CLOCK_REALTIME at start */
};

/* The MDS's dispatch table; ctx must be the struct mds. */
void mds_rpc_handlers(struct mds *m, struct conn_handlers *h);

#endif /* GLINT_MDS_MDS_I_H */
