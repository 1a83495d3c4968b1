/*
 * mount.c - command line, mount options and the FUSE session of
 * glint-client, also serving as mount(8)'s helper mount.glint.
 *
 *   glint-client [-f] [-d] [-o OPTS] MDSHOST[:PORT]@tcp:/FSNAME MOUNTPOINT
 *   mount.glint SPEC DIR [-fnsv] [-o OPTS]   (what mount -t glint runs)
 *
 * The spec is Lustre's (the MDS's NID and the file system name); the port
 * defaults to 988. Glint's options come from one fuse_opt table:
 *   flock         locks granted by the MDS, coherent across clients
 *   localflock    locks kept by each node's kernel (not across clients)
 *   noflock       (default) flock(2)/fcntl(2) locks fail with ENOSYS
 *   timeout=S     seconds before any RPC fails (default 10): EIO
 *   attr_timeout=S, entry_timeout=S  kernel cache lifetimes (default 1)
 *   log=PATH, log_level=LEVEL        where a daemon logs (else nowhere)
 *   max_threads=N FUSE worker threads (default 16)
 *   readahead_kb=N  the mount's read-ahead (default 4096: four 1 MiB
 *                 stripes; FUSE's INIT caps it at 128 KiB, so it is set
 *                 through /sys/class/bdi after INIT, before the first
 *                 open is answered: client_readahead_apply; root only)
 *   max_dirty_mb=N  write-behind: MiB of written data in flight to the
 *                 OSTs, not yet answered (default 64, 1..2048; Lustre's
 *                 osc name). A WRITE is answered once sent; a writer past
 *                 the bound waits for replies. The client's memory grows
 *                 by up to twice this under a streaming write.
 *   max_rpcs_in_flight=N  write-behind requests in flight per OST
 *                 (default 8, 1..256; Lustre's osc name and default)
 *   max_read_ahead_mb=N  MiB of reads in flight to the OSTs (the kernel's
 *                 read-ahead and the readers', which FUSE threads do not
 *                 wait for), default 64, 1..2048 (Lustre's llite name and
 *                 default); a read past it waits for replies
 *   max_cached_mb=N  the read cache (rcache.h): MiB of 64 KiB chunks that
 *                 small reads brought, kept for the next small read of
 *                 them (default 256, 0 off, at most 65536; Lustre's
 *                 llite name). Not dropped by drop_caches: set the
 *                 xattr trusted.glint.drop_read_cache on any file of the
 *                 mount (ops_node.c; root), or mount with 0, to measure
 *                 cold small reads. Hits and misses are logged at unmount.
 *   localio=0|1   (default 1) large reads of OSTs served on this host are
 *                 read by the client from the OSS's files (localio.h),
 *                 checked end to end as network replies are; 0 reads
 *                 them over the network. Counts logged at unmount.
 *   localio_direct=0|1  (default 1) localio reads a range none of whose
 *                 pages is cached with O_DIRECT, straight into the reply
 *                 (localio.c); 0 reads it through the page cache.
 * mount(8)'s own options (_netdev, nofail, auto, noauto, user, users,
 * defaults, comment=, x-*) are dropped; all others (ro, noatime, nosuid,
 * allow_other, ...) go to libfuse and the kernel. The mount always gets
 * default_permissions (the kernel checks modes), fsname=SPEC and
 * subtype=glint (it shows as "SPEC on DIR type fuse.glint"), max_read of
 * 1 MiB, and allow_other when mounted by root, so that every user can
 * reach the file system, as with Lustre.
 *
 * Start-up: the MDS is asked for the file system before mounting, so a
 * wrong address or name fails the mount command itself. Then the process
 * mounts, daemonizes (fuse_daemonize; not with -f or -d; always as
 * mount.glint) and serves until unmounted (umount, fusermount3 -u) or
 * stopped by SIGTERM/SIGINT/SIGHUP, which unmount lazily. The check
 * connection is closed before the fork (a forked child has no threads),
 * the daemon connects again.
 *
 * Memory: every 1 MiB read or write allocates and frees buffers of its
 * size (the result, the encoded request, the reply payload); malloc keeps
 * those up to MOUNT_MMAP_THRESHOLD in its heap instead of mapping and
 * unmapping each (a page fault and a zeroed page per 4 KiB, every time),
 * and gives heap back past MOUNT_TRIM_THRESHOLD per arena. What is kept is
 * bounded by the I/O in flight at the busiest moment (max_threads
 * requests of at most 1 MiB each, a few buffers apiece; reads, which FUSE
 * threads do not wait for, up to max_read_ahead_mb; write-behind:
 * max_dirty_mb of requests kept for resending, and up to as much again
 * queued on the OST connections, which copy what they send). Buffers are
 * allocated by FUSE threads and freed by the OST clients' loop threads;
 * with glibc's default of one arena per thread each kept its own heap
 * (measured: 4 writers with max_dirty_mb=64 reached 290 MiB RSS, with
 * MOUNT_ARENA_MAX arenas 160 MiB).
 */
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/client_i.h"
#include "client/iobuf.h"
#include "client/localio.h"
#include "client/rcache.h"
#include "common/log.h"
#include "common/net.h"

#define MOUNT_DEFAULT_THREADS 16
#define MOUNT_DEFAULT_DIRTY_MB 64
#define MOUNT_MAX_DIRTY_MB     2048
#define MOUNT_DEFAULT_READ_MB  64
#define MOUNT_MAX_READ_MB      2048
#define MOUNT_DEFAULT_RPCS     8
#define MOUNT_MAX_RPCS	       256
#define MOUNT_DEFAULT_CACHED_MB 256
#define MOUNT_MAX_CACHED_MB    65536

enum {
	KEY_HELP,
	KEY_VERSION,
	KEY_FOREGROUND,
	KEY_DEBUG,
	KEY_DROP,
};

#define CLIENT_OPT(t, field, v) { t, offsetof(struct client_config, field), v }

static const struct fuse_opt mount_opts[] = {
	CLIENT_OPT("flock", flock, 1),
	CLIENT_OPT("noflock", flock, 0),
	CLIENT_OPT("localflock", localflock, 1),
	CLIENT_OPT("timeout=%u", timeout_s, 0),
	CLIENT_OPT("attr_timeout=%lf", attr_timeout, 0),
	CLIENT_OPT("entry_timeout=%lf", entry_timeout, 0),
	CLIENT_OPT("log=%s", log_path, 0),
	CLIENT_OPT("log_level=%s", log_level, 0),
	CLIENT_OPT("max_threads=%u", max_threads, 0),
	CLIENT_OPT("readahead_kb=%u", readahead_kb, 0),
	CLIENT_OPT("max_dirty_mb=%u", max_dirty_mb, 0),
	CLIENT_OPT("max_read_ahead_mb=%u", max_read_ahead_mb, 0),
	CLIENT_OPT("max_rpcs_in_flight=%u", max_rpcs_in_flight, 0),
	CLIENT_OPT("max_cached_mb=%u", max_cached_mb, 0),
	CLIENT_OPT("localio=%u", localio, 0),
	CLIENT_OPT("localio_direct=%u", localio_direct, 0),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_KEY("-f", KEY_FOREGROUND),
	FUSE_OPT_KEY("-d", KEY_DEBUG),
	FUSE_OPT_KEY("debug", KEY_DEBUG),
	FUSE_OPT_KEY("_netdev", KEY_DROP),
	FUSE_OPT_KEY("nofail", KEY_DROP),
	FUSE_OPT_KEY("auto", KEY_DROP),
	FUSE_OPT_KEY("noauto", KEY_DROP),
	FUSE_OPT_KEY("user", KEY_DROP),
	FUSE_OPT_KEY("nouser", KEY_DROP),
	FUSE_OPT_KEY("users", KEY_DROP),
	FUSE_OPT_KEY("defaults", KEY_DROP),
	FUSE_OPT_KEY("relatime", KEY_DROP),
	FUSE_OPT_END,
};

/* fuse_opt_parse's data: the table's offsets are into cfg, which must
 * therefore come first; the rest is for mount_opt_proc. */
struct mount_parse {
	struct client_config cfg;
	int help, version;
	int npos;	/* positional arguments seen */
};

static int mount_opt_proc(void *data, const char *arg, int key,
			  struct fuse_args *outargs)
{
	struct mount_parse *p = data;

	switch (key) {
	case KEY_HELP:
		p->help = 1;
		return 0;
	case KEY_VERSION:
		p->version = 1;
		return 0;
	case KEY_FOREGROUND:
		p->cfg.foreground = 1;
		return 0;
	case KEY_DEBUG:
		p->cfg.debug = 1;
		p->cfg.foreground = 1;
		return 1; /* libfuse prints requests with "debug" */
	case KEY_DROP:
		return 0;
	case FUSE_OPT_KEY_OPT:
		if (!strncmp(arg, "x-", 2) || !strncmp(arg, "comment=", 8))
			return 0;
		return 1;
	case FUSE_OPT_KEY_NONOPT:
		if (p->npos == 0) {
			p->cfg.spec = strdup(arg);
		} else if (p->npos == 1) {
			p->cfg.mountpoint = realpath(arg, NULL);
			if (!p->cfg.mountpoint) {
				fprintf(stderr, "glint-client: %s: %s\n", arg,
					strerror(errno));
				return -1;
			}
		} else {
			fprintf(stderr, "glint-client: extra argument '%s'\n",
				arg);
			return -1;
		}
		p->npos++;
		return 0;
	default:
		return 1;
	}
}

int mount_parse_spec(const char *spec, char *mds, size_t mds_len,
		     char *fsname, size_t fsname_len)
{
	const char *sep = NULL, *at, *fs, *net;
	char host[PROTO_HOST_MAX + 1];
	uint16_t port;
	size_t n;

	/* The file system name follows the last ":/" and has no '/'. */
	for (const char *s = strstr(spec, ":/"); s; s = strstr(s + 1, ":/"))
		sep = s;
	if (!sep)
		return -EINVAL;
	fs = sep + 2;
	n = strlen(fs);
	if (!n || n >= fsname_len || n > PROTO_FSNAME_MAX || strchr(fs, '/'))
		return -EINVAL;
	/* The first NID: HOST[:PORT]@NET, NET = tcp or tcpN. */
	at = memchr(spec, '@', (size_t)(sep - spec));
	if (!at || at == spec)
		return -EINVAL;
	net = at + 1;
	if (strncmp(net, "tcp", 3))
		return -EINVAL;
	for (net += 3; *net >= '0' && *net <= '9'; net++)
		;
	if (net != sep && *net != ':' && *net != ',')
		return -EINVAL;
	n = (size_t)(at - spec);
	if (n >= mds_len || n > PROTO_HOST_MAX + 6)
		return -EINVAL;
	memcpy(mds, spec, n);
	mds[n] = '\0';
	if (net_parse_hostport(mds, CLIENT_MDS_PORT, host, sizeof(host), &port))
		return -EINVAL;
	memcpy(fsname, fs, strlen(fs) + 1);
	return 0;
}

static void mount_usage(const char *prog, FILE *out)
{
	fprintf(out,
		"usage: %s [-f] [-d] [-o OPTIONS] MDSHOST[:PORT]@tcp:/FSNAME MOUNTPOINT\n"
		"       mount -t glint MDSHOST@tcp:/FSNAME MOUNTPOINT [-o OPTIONS]\n"
		"\n"
		"Mount a Glint file system with FUSE.\n"
		"  -f                    stay in the foreground\n"
		"  -d                    FUSE debug output (implies -f)\n"
		"  -o flock              flock/fcntl locks through the MDS (cluster-wide)\n"
		"  -o localflock         locks local to this node\n"
		"  -o noflock            lock calls fail with ENOSYS (default)\n"
		"  -o timeout=SECONDS    RPC timeout; a server that does not answer\n"
		"                        gives EIO after it (default %u)\n"
		"  -o attr_timeout=S     kernel attribute cache (default 1)\n"
		"  -o entry_timeout=S    kernel name cache (default 1)\n"
		"  -o log=PATH           log file (a daemon logs nowhere else)\n"
		"  -o log_level=LEVEL    debug, info, notice, warning (default), error\n"
		"  -o max_threads=N      FUSE worker threads (default %u)\n"
		"  -o readahead_kb=N     read-ahead of the mount (default 4096)\n"
		"  -o max_dirty_mb=N     MiB of writes in flight, answered to the\n"
		"                        application before the OSTs (default %u,\n"
		"                        1..%u); errors show at the next write,\n"
		"                        fsync or close\n"
		"  -o max_rpcs_in_flight=N  of those, requests per OST (default\n"
		"                        %u, 1..%u)\n"
		"  -o max_read_ahead_mb=N  MiB of reads in flight (default %u,\n"
		"                        1..%u)\n"
		"  -o max_cached_mb=N    MiB of read cache for small reads, kept\n"
		"                        past drop_caches (default %u, 0 off,\n"
		"                        at most %u)\n"
		"  -o localio=0|1        read OSTs on this host from their files\n"
		"                        (default 1)\n"
		"  -o localio_direct=0|1 read uncached ranges of them with\n"
		"                        O_DIRECT (default 1)\n"
		"Other -o options (ro, noatime, nosuid, allow_other, ...) go to FUSE.\n",
		prog, CLIENT_DEFAULT_TIMEOUT_S, MOUNT_DEFAULT_THREADS,
		MOUNT_DEFAULT_DIRTY_MB, MOUNT_MAX_DIRTY_MB, MOUNT_DEFAULT_RPCS,
		MOUNT_MAX_RPCS, MOUNT_DEFAULT_READ_MB, MOUNT_MAX_READ_MB,
		MOUNT_DEFAULT_CACHED_MB, MOUNT_MAX_CACHED_MB);
}

/*
 * mount(8) runs "mount.glint SPEC DIR [-sfnv] [-N NS] [-o OPTS] [-t TYPE]":
 * -f means fake there. Rewrite into glint-client's syntax in out (argv
 * pointers borrowed); *fake set for -f.
 */
static int mount_helper_args(int argc, char **argv, char **out, int *outc,
			     int *fake)
{
	int n = 0;

	out[n++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-o") || !strcmp(a, "-t") || !strcmp(a, "-N")) {
			if (i + 1 >= argc)
				return -EINVAL;
			if (!strcmp(a, "-o")) {
				out[n++] = argv[i];
				out[n++] = argv[i + 1];
			}
			i++;
		} else if (a[0] == '-' && a[1] && a[1] != '-' &&
			   strspn(a + 1, "sfnvi") == strlen(a + 1)) {
			if (strchr(a, 'f'))
				*fake = 1;
		} else if (!strncmp(a, "-o", 2)) {
			out[n++] = argv[i];
		} else {
			out[n++] = argv[i];
		}
	}
	out[n] = NULL;
	*outc = n;
	return 0;
}

static int mount_log_init(const struct client_config *cfg, const char *prog)
{
	enum log_level level = LOG_WARNING;

	if (cfg->log_level && log_level_parse(cfg->log_level, &level)) {
		fprintf(stderr, "%s: log_level=%s: want debug, info, notice, "
			"warning or error\n", prog, cfg->log_level);
		return -EINVAL;
	}
	if (cfg->debug && level > LOG_DEBUG)
		level = LOG_DEBUG;
	return log_init("glint-client", level, cfg->log_path);
}

/* Add the options every Glint mount has. */
static int mount_fixed_opts(struct fuse_args *args,
			    const struct client_config *cfg)
{
	char buf[PROTO_HOST_MAX + PROTO_FSNAME_MAX + 128];

	snprintf(buf, sizeof(buf),
		 "-odefault_permissions,subtype=glint,max_read=%u,fsname=%s",
		 CLIENT_MAX_IO, cfg->spec);
	if (fuse_opt_add_arg(args, buf))
		return -ENOMEM;
	if (geteuid() == 0 && fuse_opt_add_arg(args, "-oallow_other"))
		return -ENOMEM;
	return 0;
}

/* The "MAJ:MIN" of the mount at path, from /proc/self/mountinfo (a stat
 * of our own mount point would wait for ourselves). 0 or -ENOENT. */
static int mount_dev(const char *path, char *dev, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char *line = NULL, mp[4096], id[64];
	size_t cap = 0;
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (rc && getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%*u %*u %63s %*s %4095s", id, mp) == 2 &&
		    !strcmp(mp, path) && strlen(id) < len) {
			strcpy(dev, id);
			rc = 0; /* the last match is the top mount: go on */
		}
	}
	free(line);
	fclose(f);
	return rc;
}

/* client_i.h: raise the mount's read-ahead through sysfs once, after INIT
 * (which caps it). Best effort: a failure is logged and not retried. */
void client_readahead_apply(struct client *c)
{
	char dev[64], path[128];
	FILE *f;
	int ok;

	if (atomic_load(&c->ra_done))
		return;
	pthread_mutex_lock(&c->ra_mu);
	if (atomic_load(&c->ra_done) || mount_dev(c->cfg->mountpoint, dev,
						   sizeof(dev))) {
		atomic_store(&c->ra_done, 1);
		pthread_mutex_unlock(&c->ra_mu);
		return;
	}
	snprintf(path, sizeof(path), "/sys/class/bdi/%s/read_ahead_kb", dev);
	f = fopen(path, "w");
	ok = f && fprintf(f, "%u\n", c->cfg->readahead_kb) > 0;
	if (f && fclose(f))
		ok = 0;
	if (ok)
		log_msg(LOG_INFO, "client", "read_ahead_kb=%u (%s)",
			c->cfg->readahead_kb, path);
	else
		log_msg(LOG_INFO, "client", "cannot set %s: %s", path,
			strerror(errno));
	atomic_store(&c->ra_done, 1);
	pthread_mutex_unlock(&c->ra_mu);
}

/*
 * Sets readahead_kb when no open comes first (op_open and op_create do it
 * before they answer: the kernel sizes an open file's read-ahead window
 * after the open returns, so a file opened just after mounting gets the
 * full window too).
 */
static void *mount_readahead_main(void *arg)
{
	struct client *c = arg;

	for (int i = 0; i < 200 && !atomic_load(&c->init_done); i++)
		usleep(25000);
	usleep(100000); /* the INIT reply is processed after op_init */
	client_readahead_apply(c);
	return NULL;
}

#define MOUNT_MMAP_THRESHOLD (4u << 20)
#define MOUNT_TRIM_THRESHOLD (32u << 20)
#define MOUNT_ARENA_MAX	     2

static int mount_serve(struct client *c)
{
	struct fuse_loop_config *lc = fuse_loop_cfg_create();
	pthread_t ra;
	int rc, ra_started;

	if (!lc)
		return -ENOMEM;
	rc = io_wb_start(c);
	if (rc) {
		fuse_loop_cfg_destroy(lc);
		return rc;
	}
	mallopt(M_MMAP_THRESHOLD, MOUNT_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, MOUNT_TRIM_THRESHOLD);
	mallopt(M_ARENA_MAX, MOUNT_ARENA_MAX);
	fuse_loop_cfg_set_max_threads(lc, c->cfg->max_threads);
	fuse_loop_cfg_set_clone_fd(lc, 0);
	pthread_mutex_init(&c->ra_mu, NULL);
	atomic_store(&c->ra_done, !c->cfg->readahead_kb);
	ra_started = c->cfg->readahead_kb &&
		     !pthread_create(&ra, NULL, mount_readahead_main, c);
	rc = fuse_session_loop_mt(c->se, lc);
	io_wb_stop(c); /* every write in flight reaches its OST first */
	md_async_drain(c); /* no lookup answers a destroyed session */
	if (ra_started)
		pthread_join(ra, NULL);
	fuse_loop_cfg_destroy(lc);
	return rc;
}

/* The read cache's figures, for the log at unmount. */
static void mount_log_rcache(struct client *c)
{
	struct rcache_stats st;

	if (!c->rcache)
		return;
	rcache_stats_get(c->rcache, &st);
	log_msg(LOG_NOTICE, "client", "read cache: %llu hits, %llu misses, "
		"%llu inserts, %llu evictions, %llu stale, %llu entries, "
		"%llu KiB, %llu ghosts", (unsigned long long)st.hits,
		(unsigned long long)st.misses, (unsigned long long)st.inserts,
		(unsigned long long)st.evictions, (unsigned long long)st.stale,
		(unsigned long long)st.entries,
		(unsigned long long)(st.bytes >> 10),
		(unsigned long long)st.ghosts_held);
}

/* The read buffers' figures (iobuf.h), for the log at unmount. */
static void mount_log_iobufs(struct client *c)
{
	struct iobuf_stats st;

	iobuf_stats_get(c->iobufs, &st);
	log_msg(LOG_NOTICE, "client", "read buffers: %llu regions of 2 MiB "
		"mapped, %llu given back, %llu held",
		(unsigned long long)st.maps, (unsigned long long)st.unmaps,
		(unsigned long long)st.regions);
}

int mount_main(int argc, char **argv)
{
	struct mount_parse p = {
		.cfg = { .timeout_s = CLIENT_DEFAULT_TIMEOUT_S,
			 .attr_timeout = 1.0,
			 .entry_timeout = 1.0,
			 .max_threads = MOUNT_DEFAULT_THREADS,
			 .readahead_kb = 4096,
			 .max_dirty_mb = MOUNT_DEFAULT_DIRTY_MB,
			 .max_read_ahead_mb = MOUNT_DEFAULT_READ_MB,
			 .max_rpcs_in_flight = MOUNT_DEFAULT_RPCS,
			 .max_cached_mb = MOUNT_DEFAULT_CACHED_MB,
			 .localio = 1,
			 .localio_direct = 1 },
	};
	struct fuse_lowlevel_ops ops;
	struct client c;
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 :
						    argv[0];
	int helper = !strncmp(prog, "mount.", 6), fake = 0, status = 1;
	char **hargv = NULL;
	int hargc = argc, rc, mounted = 0, itab = 0;
	struct fuse_args args;

	memset(&c, 0, sizeof(c));
	memset(&ops, 0, sizeof(ops));
	c.cfg = &p.cfg;
	if (helper) {
		hargv = calloc((size_t)argc + 2, sizeof(*hargv));
		if (!hargv || mount_helper_args(argc, argv, hargv, &hargc,
						&fake)) {
			mount_usage(prog, stderr);
			goto out_free;
		}
	}
	args = (struct fuse_args)FUSE_ARGS_INIT(hargc, helper ? hargv : argv);
	if (fuse_opt_parse(&args, &p, mount_opts, mount_opt_proc) == -1 ||
	    p.help || p.version || p.npos != 2) {
		if (p.version)
			printf("glint-client (FUSE %s)\n", fuse_pkgversion());
		else
			mount_usage(prog, p.help ? stdout : stderr);
		status = p.help || p.version ? 0 : 1;
		goto out_args;
	}
	if (helper)
		p.cfg.foreground = 0;
	if (mount_parse_spec(p.cfg.spec, p.cfg.mds, sizeof(p.cfg.mds), p.cfg.fsname,
			     sizeof(p.cfg.fsname))) {
		fprintf(stderr, "%s: bad file system '%s': want "
			"MDSHOST[:PORT]@tcp:/FSNAME\n", prog, p.cfg.spec);
		goto out_args;
	}
	if (!p.cfg.timeout_s || p.cfg.timeout_s > 3600 || p.cfg.attr_timeout < 0 ||
	    p.cfg.entry_timeout < 0 || !p.cfg.max_threads ||
	    p.cfg.max_threads > 1024) {
		fprintf(stderr, "%s: timeout must be 1..3600 s, max_threads "
			"1..1024, cache timeouts >= 0\n", prog);
		goto out_args;
	}
	if (!p.cfg.max_dirty_mb || p.cfg.max_dirty_mb > MOUNT_MAX_DIRTY_MB) {
		fprintf(stderr, "%s: max_dirty_mb=%u: want 1..%u (MiB of writes "
			"in flight)\n", prog, p.cfg.max_dirty_mb,
			MOUNT_MAX_DIRTY_MB);
		goto out_args;
	}
	if (!p.cfg.max_read_ahead_mb ||
	    p.cfg.max_read_ahead_mb > MOUNT_MAX_READ_MB) {
		fprintf(stderr, "%s: max_read_ahead_mb=%u: want 1..%u (MiB of "
			"reads in flight)\n", prog, p.cfg.max_read_ahead_mb,
			MOUNT_MAX_READ_MB);
		goto out_args;
	}
	if (!p.cfg.max_rpcs_in_flight ||
	    p.cfg.max_rpcs_in_flight > MOUNT_MAX_RPCS) {
		fprintf(stderr, "%s: max_rpcs_in_flight=%u: want 1..%u (write "
			"requests in flight per OST)\n", prog,
			p.cfg.max_rpcs_in_flight, MOUNT_MAX_RPCS);
		goto out_args;
	}
	if (p.cfg.max_cached_mb > MOUNT_MAX_CACHED_MB) {
		fprintf(stderr, "%s: max_cached_mb=%u: want 0..%u (MiB of read "
			"cache, 0 for none)\n", prog, p.cfg.max_cached_mb,
			MOUNT_MAX_CACHED_MB);
		goto out_args;
	}
	if (p.cfg.localio > 1) {
		fprintf(stderr, "%s: localio=%u: want 0 or 1 (read OSTs on this "
			"host from their files)\n", prog, p.cfg.localio);
		goto out_args;
	}
	if (p.cfg.localio_direct > 1) {
		fprintf(stderr, "%s: localio_direct=%u: want 0 or 1 (read "
			"uncached ranges with O_DIRECT)\n", prog,
			p.cfg.localio_direct);
		goto out_args;
	}
	if (mount_log_init(&p.cfg, prog))
		goto out_args;
	c.timeout_ms = p.cfg.timeout_s * 1000;

	/* Ask the MDS before mounting: a bad address fails the command. */
	rc = cluster_connect(p.cfg.mds, p.cfg.fsname, PROTO_ROLE_CLIENT,
			     c.timeout_ms, &c.cl);
	if (rc) {
		fprintf(stderr, "%s: cannot reach file system %s at %s: %s\n",
			prog, p.cfg.fsname, p.cfg.mds,
			rc == -ENODEV ? "no such file system" : strerror(-rc));
		goto out_args;
	}
	if (fake) {
		status = 0;
		goto out_cluster;
	}
	if (!p.cfg.foreground) {
		cluster_destroy(c.cl); /* no threads across fork */
		c.cl = NULL;
	}
	if (mount_fixed_opts(&args, &p.cfg) || inode_table_init(&c.itab))
		goto out_cluster;
	itab = 1;
	pthread_mutex_init(&c.refresh_mu, NULL);
	ops_node_init(&ops);
	ops_file_init(&ops);
	c.se = fuse_session_new(&args, &ops, sizeof(ops), &c);
	if (!c.se)
		goto out_cluster; /* libfuse said why */
	if (fuse_set_signal_handlers(c.se))
		goto out_session;
	if (fuse_session_mount(c.se, p.cfg.mountpoint))
		goto out_signals;
	mounted = 1;
	if (fuse_daemonize(p.cfg.foreground))
		goto out_unmount;
	if (!c.cl) {
		rc = cluster_connect(p.cfg.mds, p.cfg.fsname, PROTO_ROLE_CLIENT,
				     c.timeout_ms, &c.cl);
		if (rc) {
			log_msg(LOG_ERROR, "client", "mds=%s fsname=%s: %s",
				p.cfg.mds, p.cfg.fsname, strerror(-rc));
			goto out_unmount;
		}
	}
	c.rcache = rcache_create((uint64_t)p.cfg.max_cached_mb << 20);
	if (p.cfg.max_cached_mb && !c.rcache) {
		log_msg(LOG_ERROR, "client", "max_cached_mb=%u: out of memory",
			p.cfg.max_cached_mb);
		goto out_unmount;
	}
	c.iobufs = iobuf_pool_create();
	if (!c.iobufs) {
		log_msg(LOG_ERROR, "client", "read buffers: out of memory");
		goto out_unmount;
	}
	if (p.cfg.localio) {
		rc = localio_start(&c.localio, LOCALIO_THREADS,
				   (int)p.cfg.localio_direct);
		if (rc) {
			log_msg(LOG_ERROR, "client", "localio: %s",
				strerror(-rc));
			goto out_unmount;
		}
	}
	log_msg(LOG_NOTICE, "client", "mounted %s on %s (osts=%u flock=%s "
		"max_cached_mb=%u localio=%u localio_direct=%u)", p.cfg.spec,
		p.cfg.mountpoint, c.cl->nosts,
		p.cfg.flock ? "mds" : p.cfg.localflock ? "local" : "off",
		p.cfg.max_cached_mb, p.cfg.localio, p.cfg.localio_direct);
	rc = mount_serve(&c);
	status = rc < 0 ? 1 : 0;
	mount_log_rcache(&c);
	mount_log_iobufs(&c);
	log_msg(LOG_NOTICE, "client", "unmounted %s", p.cfg.mountpoint);
out_unmount:
	if (mounted)
		fuse_session_unmount(c.se);
out_signals:
	fuse_remove_signal_handlers(c.se);
out_session:
	fuse_session_destroy(c.se);
out_cluster:
	localio_stop(c.localio); /* no read in flight: io_wb_stop waited */
	cluster_destroy(c.cl);
	rcache_destroy(c.rcache);
	iobuf_pool_destroy(c.iobufs); /* every read answered: io_wb_stop */
	if (itab) {
		inode_table_fini(&c.itab);
		pthread_mutex_destroy(&c.refresh_mu);
	}
out_args:
	fuse_opt_free_args(&args);
out_free:
	free(hargv);
	free(p.cfg.spec);
	free(p.cfg.mountpoint);
	free(p.cfg.log_path);
	free(p.cfg.log_level);
	return status;
}
