/*
 * main.c - glint-mds: the metadata server.
 *
 * Parses the option table (below), opens the metadata store (LMDB in the
 * --db directory) and the namespace over it, listens (default port 988, as
 * Lustre's LNet), and runs one libev loop until SIGTERM or SIGINT, then
 * commits what is queued, closes every connection and exits 0. Startup
 * failures (bad option, busy port, unusable directory or store) print one
 * clear line and exit 1.
 *
 * Memory: every metadata request runs in an LMDB child txn, and LMDB
 * mallocs about 3 MiB for each (its dirty page list and free page list).
 * With glibc's default thresholds those blocks go back and forth between
 * mmap and the heap top, each request paying brk/munmap, page faults and
 * TLB shootdowns; mds_tune keeps them in the heap (MDS_MMAP_THRESHOLD)
 * and keeps up to MDS_TRIM_THRESHOLD of free heap, so a child txn is a
 * plain free-list allocation.
 *
 * Durability: a persistent deployment syncs every group commit; a scratch
 * one opens the store without sync (DESIGN.md: it may skip syncs), so an
 * MDS crash may lose the last acknowledged changes, a clean stop none.
 *
 * The file system's default layout (--stripe-size, --stripe-count,
 * --compression: none, or lz4 as FSx's DataCompressionType) is
 * stored as the root directory's default layout, rewritten at every start
 * from the options: they are the source of truth, and a `glint setstripe`
 * on the root lasts until the next restart.
 */
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cluster.h"
#include "common/config.h"
#include "common/daemon.h"
#include "common/log.h"
#include "common/net.h"
#include "mds/destroyer.h"
#include "mds/inode.h"
#include "mds/mds_i.h"
#include "mds/reconcile.h"

static const char *const deploy_names[] = { "scratch", "persistent", NULL };
static const char *const compression_names[] = { "none", "lz4", NULL };
static const char *const level_names[] = { "debug", "info", "notice",
					   "warning", "error", NULL };

static const struct config_option mds_options[] = {
	{ CONFIG_OPT_ADDRESS(struct mds_config, listen, "listen", "0.0.0.0:988",
			     "address and port to serve on (port 0: any free port)") },
	{ CONFIG_OPT_PATH(struct mds_config, db, "db", "/var/lib/glint/mds",
			  "metadata directory (created if missing)") },
	{ CONFIG_OPT_SIZE(struct mds_config, map_size, "map-size", "4G",
			  16 * CONFIG_MIB, 1024 * CONFIG_GIB,
			  "most bytes of metadata the store may hold (LMDB map size)") },
	{ CONFIG_OPT_STRING(struct mds_config, fsname, "fsname", "fsx",
			    "file system name clients mount (HOST@tcp:/FSNAME)") },
	{ CONFIG_OPT_SIZE(struct mds_config, stripe_size, "stripe-size", "1M",
			  64 * CONFIG_KIB, 4 * CONFIG_GIB - 64 * CONFIG_KIB,
			  "default stripe size (multiple of 64K)") },
	{ CONFIG_OPT_INT64(struct mds_config, stripe_count, "stripe-count", "1",
			   -1, PROTO_MAX_OSTS,
			   "default stripe count (-1 = every OST)") },
	{ CONFIG_OPT_ENUM(struct mds_config, deployment, "deployment-type",
			  "scratch", deploy_names,
			  "scratch: one copy of each object; persistent: two") },
	{ CONFIG_OPT_ENUM(struct mds_config, compression, "compression",
			  "none", compression_names,
			  "data compression of new files (FSx's "
			  "DataCompressionType): none or lz4") },
	{ CONFIG_OPT_INT64(struct mds_config, reconcile_interval,
			   "reconcile-interval", "3600", 0, 30 * 86400,
			   "seconds between scans of each OST for objects no file references (0 = only when the OST registers)") },
	{ CONFIG_OPT_INT64(struct mds_config, reconcile_grace,
			   "reconcile-grace", "60", 0, 7 * 86400,
			   "seconds an object must stay unreferenced, seen by two scans, before it is destroyed") },
	{ CONFIG_OPT_INT64(struct mds_config, max_conns, "max-connections",
			   "4096", 16, 1000000,
			   "connections served at once; more are refused") },
	{ CONFIG_OPT_PATH(struct mds_config, port_file, "port-file", NULL,
			  "write the bound port here once listening") },
	{ CONFIG_OPT_ENUM(struct mds_config, log_level, "log-level", "info",
			  level_names, "least severe level logged") },
	{ CONFIG_OPT_PATH(struct mds_config, log_file, "log-file", NULL,
			  "log to this file instead of stderr") },
	CONFIG_END,
};

static void mds_on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	log_msg(LOG_NOTICE, "main", "signal %d: stopping", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

/* Create the metadata directory if needed and check we can write it. */
static int mds_check_db(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (stat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (access(dir, W_OK | X_OK))
		return -errno;
	return 0;
}

/* Write the options' default layout as the root's default layout. */
static int mds_set_fs_default(struct mds *m)
{
	static const struct ns_cred root = { 0 };
	struct layout *l = calloc(1, sizeof(*l));
	struct store_txn *txn = NULL;
	int rc = -ENOMEM;

	if (!l)
		goto out;
	l->stripe_size = (uint32_t)m->cfg.stripe_size;
	l->stripe_count = (int32_t)m->cfg.stripe_count;
	l->first_ost = LAYOUT_OST_ANY;
	/* The root's default is the top: "none" is explicit there too. */
	l->pattern = m->cfg.compression == 1 ? LAYOUT_PATTERN_LZ4 :
					       LAYOUT_PATTERN_NOCOMPR;
	rc = store_txn_begin(m->st, NULL, false, &txn);
	if (rc)
		goto out;
	rc = ns_set_dir_layout(m->ns, txn, &root, NS_ROOT_INO, l);
	if (rc) {
		store_txn_abort(txn);
		goto out;
	}
	rc = store_txn_commit(txn);
out:
	free(l);
	return rc;
}

/*
 * Begin (begin = true) or end the store's server session, durably: see
 * inode_session_begin() for why ids jump after an unclean stop.
 */
static int mds_store_session(struct mds *m, bool begin)
{
	struct store_txn *txn = NULL;
	bool was_clean;
	int rc;

	rc = store_txn_begin(m->st, NULL, false, &txn);
	if (rc)
		return rc;
	rc = begin ? inode_session_begin(txn, &was_clean) :
		     inode_session_end(txn);
	if (rc) {
		store_txn_abort(txn);
		return rc;
	}
	rc = store_txn_commit(txn);
	return rc ? rc : store_sync(m->st);
}

static int mds_open_store(struct mds *m)
{
	struct store_options opt = {
		.path = m->cfg.db,
		.map_size = m->cfg.map_size,
		.nosync = m->cfg.deployment == 0, /* scratch */
	};
	int rc;

	rc = store_open(&opt, &m->st);
	if (rc)
		return rc;
	rc = ns_open(m->st, &m->ns);
	if (rc)
		return rc;
	rc = mds_store_session(m, true);
	if (rc)
		return rc;
	m->store_session = true;
	return mds_set_fs_default(m);
}

static void mds_close_store(struct mds *m)
{
	int rc = m->store_session ? mds_store_session(m, false) : 0;

	if (rc)
		log_msg(LOG_ERROR, "main", "cannot record a clean stop: %s",
			strerror(-rc));
	m->store_session = false;
	ns_close(m->ns);
	m->ns = NULL;
	store_close(m->st);
	m->st = NULL;
}

static int mds_run(struct mds *m)
{
	struct conn_handlers handlers;
	struct netsrv_config ncfg = { 0 };
	char host[PROTO_HOST_MAX + 1];
	ev_signal sigterm, sigint;
	uint16_t port, bound = 0;
	int rc, status = 1;

	rc = net_parse_hostport(m->cfg.listen, 988, host, sizeof(host), &port);
	if (rc) {
		fprintf(stderr, "glint-mds: bad --listen '%s'\n", m->cfg.listen);
		return 1;
	}
	rc = mds_check_db(m->cfg.db);
	if (rc) {
		fprintf(stderr, "glint-mds: cannot use metadata directory %s: %s\n",
			m->cfg.db, strerror(-rc));
		return 1;
	}
	rc = mds_open_store(m);
	if (rc) {
		fprintf(stderr, "glint-mds: cannot open metadata store in %s: %s%s\n",
			m->cfg.db, strerror(-rc),
			rc == -EAGAIN || rc == -EBUSY ?
				" (is another MDS using it?)" : "");
		goto out_store;
	}
	m->loop = ev_default_loop(EVFLAG_AUTO);
	rc = lock_table_create(&m->locks);
	if (!rc)
		rc = group_commit_create(m->loop, m->st, &m->gc);
	if (!rc)
		rc = destroyer_create(m, &m->destroyer);
	if (!rc)
		rc = reconcile_create(m, &m->reconciler);
	if (rc) {
		fprintf(stderr, "glint-mds: cannot start: %s\n", strerror(-rc));
		goto out_mods;
	}
	mds_rpc_handlers(m, &handlers);
	ncfg.host = host;
	ncfg.port = port;
	ncfg.nthreads = 1;
	ncfg.max_conns = (unsigned)m->cfg.max_conns;
	ncfg.handlers = &handlers;
	rc = netsrv_start(m->loop, &ncfg, &m->srv, &bound);
	if (rc) {
		fprintf(stderr, "glint-mds: cannot listen on %s: %s%s\n",
			m->cfg.listen, strerror(-rc),
			rc == -EADDRINUSE ? " (is another server running?)" : "");
		goto out_mods;
	}
	rc = daemon_write_port_file(m->cfg.port_file, bound);
	if (rc) {
		fprintf(stderr, "glint-mds: cannot write port file %s: %s\n",
			m->cfg.port_file, strerror(-rc));
		goto out_srv;
	}
	log_msg(LOG_NOTICE, "main",
		"fsname=%s serving on %s:%u db=%s deployment=%s stripe_size=%llu stripe_count=%lld compression=%s",
		m->cfg.fsname, host, bound, m->cfg.db,
		deploy_names[m->cfg.deployment],
		(unsigned long long)m->cfg.stripe_size,
		(long long)m->cfg.stripe_count,
		compression_names[m->cfg.compression]);
	ev_signal_init(&sigterm, mds_on_signal, SIGTERM);
	ev_signal_init(&sigint, mds_on_signal, SIGINT);
	ev_signal_start(m->loop, &sigterm);
	ev_signal_start(m->loop, &sigint);
	ev_run(m->loop, 0);
	/* Commit and answer what arrived last, before the conns go. */
	group_commit_flush(m->gc);
	status = 0;
out_srv:
	reconcile_destroy(m->reconciler);
	m->reconciler = NULL;
	destroyer_destroy(m->destroyer);
	m->destroyer = NULL;
	netsrv_stop(m->srv); /* on_close drops locks and waiters */
	m->srv = NULL;
out_mods:
	reconcile_destroy(m->reconciler);
	m->reconciler = NULL;
	destroyer_destroy(m->destroyer);
	m->destroyer = NULL;
	group_commit_destroy(m->gc);
	m->gc = NULL;
	lock_table_destroy(m->locks);
	m->locks = NULL;
out_store:
	mds_close_store(m);
	if (!status)
		log_msg(LOG_NOTICE, "main", "stopped");
	return status;
}

#define MDS_MMAP_THRESHOLD (8u << 20)  /* LMDB's txn lists stay in the heap */
#define MDS_TRIM_THRESHOLD (64u << 20) /* free heap kept before giving back */

static void mds_tune(void)
{
	mallopt(M_MMAP_THRESHOLD, MDS_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, MDS_TRIM_THRESHOLD);
}

int main(int argc, char **argv)
{
	struct config_result res = { 0 };
	struct mds m = { 0 };
	int status = 1, rc;

	signal(SIGPIPE, SIG_IGN);
	mds_tune();
	rc = config_parse(mds_options, &m.cfg, argc, argv, &res);
	if (rc) {
		fprintf(stderr, "%s\n", res.err);
		goto out;
	}
	if (config_print_action(mds_options, &m.cfg, &res, NULL, stdout)) {
		status = 0;
		goto out;
	}
	if (res.nargs) {
		fprintf(stderr, "glint-mds: unexpected argument '%s' (see --help)\n",
			res.args[0]);
		goto out;
	}
	if (!m.cfg.fsname[0] || strlen(m.cfg.fsname) > 8 ||
	    strspn(m.cfg.fsname, "abcdefghijklmnopqrstuvwxyz0123456789_") !=
		    strlen(m.cfg.fsname)) {
		fprintf(stderr,
			"glint-mds: bad value \"%s\" for --fsname: expected 1 to 8 characters of a-z, 0-9, _\n",
			m.cfg.fsname);
		goto out;
	}
	if (m.cfg.stripe_size % (64 * 1024)) {
		fprintf(stderr,
			"glint-mds: bad value %llu for --stripe-size: expected a multiple of 64K\n",
			(unsigned long long)m.cfg.stripe_size);
		goto out;
	}
	if (m.cfg.stripe_count == 0) {
		fprintf(stderr,
			"glint-mds: bad value 0 for --stripe-count: expected -1 or 1 to %d\n",
			PROTO_MAX_OSTS);
		goto out;
	}
	rc = log_init("glint-mds", (enum log_level)m.cfg.log_level, m.cfg.log_file);
	if (rc) {
		fprintf(stderr, "glint-mds: cannot open log file %s: %s\n",
			m.cfg.log_file, strerror(-rc));
		goto out;
	}
	ost_map_init(&m.osts);
	status = mds_run(&m);
	ost_map_fini(&m.osts);
out:
	config_fini(mds_options, &m.cfg);
	config_result_fini(&res);
	return status;
}
