/*
 * cmd_bench.c - `glint bench WORKLOAD`: benchmarks on a mounted directory.
 *
 *   glint bench stripes [-d DIR] ...   throughput by stripe layout
 *   glint bench meta [-d DIR] ...      create/stat/unlink operations/s
 *   glint bench loader [-d DIR] ...    an ML data loader's random reads
 *
 * This file dispatches to bench_<workload>.c and holds what they share
 * (bench_i.h): parsing of flag values and lists, a team of worker threads
 * started together with shared byte/operation counters, the progress line
 * (on stderr, so stdout holds only the report), dropping caches, and the
 * scratch directory DIR/glint-bench.PID that every workload works in and
 * removes at the end. The workloads use plain POSIX calls on the mount, so
 * they measure what an application sees through the FUSE client; meta and
 * loader run on any directory (handy for comparing with a local disk),
 * stripes needs Glint to set layouts.
 *
 * Not done: no cleanup on SIGINT (an interrupted run leaves its scratch
 * directory behind; its name says which run it was).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "tools/bench_i.h"

/* --- values and lists --- */

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bench_parse_size(const char *s, uint64_t *out)
{
	return config_parse_size(s, out) ? -EINVAL : 0;
}

int bench_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Split s at commas; call one(item, i) for each. At most BENCH_LIST_MAX. */
static int bench_parse_list(const char *s, int *n,
			    int (*one)(const char *item, int i, void *ctx),
			    void *ctx)
{
	char item[64];
	int count = 0;

	if (!s || !*s)
		return -EINVAL;
	for (const char *p = s;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (!len || len >= sizeof(item) || count == BENCH_LIST_MAX)
			return -EINVAL;
		memcpy(item, p, len);
		item[len] = '\0';
		if (one(item, count++, ctx))
			return -EINVAL;
		if (!comma)
			break;
		p = comma + 1;
	}
	*n = count;
	return 0;
}

struct bench_list_ctx {
	uint64_t umin, umax;
	long lmin, lmax;
	uint64_t *u;
	long *l;
};

static int bench_one_size(const char *item, int i, void *p)
{
	struct bench_list_ctx *c = p;
	uint64_t v;

	if (bench_parse_size(item, &v) || v < c->umin || v > c->umax)
		return -EINVAL;
	c->u[i] = v;
	return 0;
}

static int bench_one_long(const char *item, int i, void *p)
{
	struct bench_list_ctx *c = p;

	return bench_parse_long(item, c->lmin, c->lmax, &c->l[i]);
}

int bench_parse_size_list(const char *s, uint64_t min, uint64_t max,
			  uint64_t *out, int *n)
{
	struct bench_list_ctx c = { .umin = min, .umax = max, .u = out };

	return bench_parse_list(s, n, bench_one_size, &c);
}

int bench_parse_long_list(const char *s, long min, long max, long *out,
			  int *n)
{
	struct bench_list_ctx c = { .lmin = min, .lmax = max, .l = out };

	return bench_parse_list(s, n, bench_one_long, &c);
}

int bench_opt(int argc, char **argv, int *i, const char *short_name,
	      const char *long_name, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(long_name);

	if (!strncmp(a, long_name, n) && a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (strcmp(a, long_name) && (!short_name || strcmp(a, short_name)))
		return 0;
	if (*i + 1 >= argc)
		return -EINVAL;
	*val = argv[++*i];
	return 1;
}

int bench_parse_flags(const char *workload, int argc, char **argv,
		      const struct bench_flag *flags, int *help)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct bench_flag *f;
		int m = 0;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			*help = 1;
			return 0;
		}
		for (f = flags; f->long_name; f++) {
			if (f->set) {
				m = !strcmp(a, f->long_name) ||
				    (f->short_name && !strcmp(a, f->short_name));
				if (m)
					*f->set = 1;
			} else {
				m = bench_opt(argc, argv, &i, f->short_name,
					      f->long_name, f->val);
			}
			if (m)
				break;
		}
		if (!m) {
			fprintf(stderr, "glint bench %s: unknown option '%s'\n",
				workload, a);
			return -EINVAL;
		}
		if (m < 0) {
			fprintf(stderr, "glint bench %s: %s needs a value\n",
				workload, a);
			return -EINVAL;
		}
	}
	return 0;
}

void bench_cmd_append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

void bench_cmd_append_word(char *buf, size_t len, const char *word)
{
	const char *safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789/._-+,:=@%";

	if (*word && strspn(word, safe) == strlen(word)) {
		bench_cmd_append(buf, len, " %s", word);
		return;
	}
	bench_cmd_append(buf, len, " '");
	for (const char *p = word; *p; p++) {
		if (*p == '\'')
			bench_cmd_append(buf, len, "'\\''");
		else
			bench_cmd_append(buf, len, "%c", *p);
	}
	bench_cmd_append(buf, len, "'");
}

const char *bench_size_str(uint64_t bytes, char *buf, size_t len)
{
	config_format_size_exact(bytes, buf, len);
	return buf;
}

void bench_print_context(const char *repeat_cmd)
{
	struct utsname u;
	char when[64] = "?";
	time_t now = time(NULL);
	struct tm tm;

	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (uname(&u))
		memset(&u, 0, sizeof(u));
	printf("repeat:     %s\n", repeat_cmd);
	printf("host:       %s, %s %s, %ld CPUs, %s\n", u.nodename, u.sysname,
	       u.release, sysconf(_SC_NPROCESSORS_ONLN), when);
}

/* --- caches --- */

int bench_drop_caches(const char *dir)
{
	int fd, rc = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syncfs(fd))
		rc = -errno;
	close(fd);
	if (rc)
		return rc;
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "3\n", 2) != 2)
		rc = errno ? -errno : -EIO;
	close(fd);
	return rc;
}

int bench_drop_caches_step(int enabled, const char *dir,
			   const char *workload)
{
	static int warned;
	int rc;

	if (!enabled)
		return 0;
	rc = bench_drop_caches(dir);
	if (rc && !warned) {
		warned = 1;
		bench_progress_clear();
		fprintf(stderr, "glint bench %s: caches not dropped (%s%s): "
			"reads may come from the page cache\n", workload,
			tool_strerror(rc),
			geteuid() ? "; needs root for "
				    "/proc/sys/vm/drop_caches" : "");
	}
	return rc;
}

/* --- scratch directory --- */

int bench_workdir_create(const char *dir, char out[BENCH_WORK_MAX])
{
	struct stat st;
	int rc;

	if (stat(dir, &st)) {
		rc = -errno;
		goto fail;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = -ENOTDIR;
		goto fail;
	}
	if ((size_t)snprintf(out, BENCH_WORK_MAX, "%s/glint-bench.%ld", dir,
			     (long)getpid()) >= BENCH_WORK_MAX) {
		rc = -ENAMETOOLONG;
		goto fail;
	}
	if (mkdir(out, 0755)) {
		rc = -errno;
		dir = out;
		goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "glint bench: %s: %s\n", dir, tool_strerror(rc));
	return rc;
}

static int bench_remove_one(const char *path, const struct stat *st,
			    int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (remove(path) && errno != ENOENT)
		fprintf(stderr, "glint bench: cannot remove %s: %s\n", path,
			strerror(errno));
	return 0;
}

void bench_workdir_remove(const char *path)
{
	nftw(path, bench_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* --- progress line --- */

static int bench_tty = -1;	/* stderr is a terminal (-1: not checked) */
static int bench_line_shown;	/* a partial line is on the terminal */

static int bench_is_tty(void)
{
	if (bench_tty < 0)
		bench_tty = isatty(STDERR_FILENO);
	return bench_tty;
}

static void bench_vprogress(int step, const char *fmt, va_list ap)
{
	if (bench_is_tty()) {
		fputs("\r\033[K", stderr);
		vfprintf(stderr, fmt, ap);
		bench_line_shown = 1;
	} else if (step) {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	fflush(stderr);
}

void bench_progress_tick(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bench_vprogress(0, fmt, ap);
	va_end(ap);
}

void bench_progress_step(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bench_vprogress(1, fmt, ap);
	va_end(ap);
}

void bench_progress_clear(void)
{
	if (bench_is_tty() && bench_line_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		bench_line_shown = 0;
	}
}

/* --- a team of workers --- */

struct bench_worker {
	struct bench_team *team;
	int idx;
	int rc;			/* what fn returned */
	double end;		/* bench_now() when fn returned */
	pthread_t tid;
	int started;		/* tid is valid */
};

struct bench_team {
	bench_work_fn fn;
	void *arg;
	pthread_mutex_t lock;	/* guards go */
	pthread_cond_t cond;	/* go changed */
	int go;			/* workers may start */
	atomic_int stop;	/* a worker failed (or startup did) */
	atomic_int running;	/* workers not yet done */
	atomic_uint_fast64_t bytes, ops;
};

static void *bench_worker_main(void *p)
{
	struct bench_worker *w = p;
	struct bench_team *t = w->team;

	pthread_mutex_lock(&t->lock);
	while (!t->go)
		pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
	if (!atomic_load(&t->stop))
		w->rc = t->fn(t, w->idx, t->arg);
	if (w->rc)
		atomic_store(&t->stop, 1);
	w->end = bench_now();
	atomic_fetch_sub(&t->running, 1);
	return NULL;
}

int bench_team_run(int n, bench_work_fn fn, void *arg, bench_tick_fn tick,
		   void *ctx, double *elapsed_s)
{
	struct bench_team t = { .fn = fn, .arg = arg };
	struct bench_worker *w = calloc((size_t)n, sizeof(*w));
	double t0, last_tick, end = 0;
	int rc = 0;

	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&t.lock, NULL);
	pthread_cond_init(&t.cond, NULL);
	atomic_init(&t.stop, 0);
	atomic_init(&t.running, n);
	atomic_init(&t.bytes, 0);
	atomic_init(&t.ops, 0);
	for (int i = 0; i < n; i++) {
		w[i].team = &t;
		w[i].idx = i;
		rc = -pthread_create(&w[i].tid, NULL, bench_worker_main, &w[i]);
		if (rc) {
			/* The ones started see stop and return at once. */
			atomic_store(&t.stop, 1);
			atomic_fetch_sub(&t.running, n - i);
			break;
		}
		w[i].started = 1;
	}
	t0 = bench_now();
	last_tick = t0;
	pthread_mutex_lock(&t.lock);
	t.go = 1;
	pthread_cond_broadcast(&t.cond);
	pthread_mutex_unlock(&t.lock);
	while (atomic_load(&t.running) > 0) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		double now;

		nanosleep(&ts, NULL);
		now = bench_now();
		if (tick && now - last_tick >= 0.2) {
			tick(ctx, &t, now - t0);
			last_tick = now;
		}
	}
	for (int i = 0; i < n; i++) {
		if (!w[i].started)
			continue;
		pthread_join(w[i].tid, NULL);
		if (w[i].end > end)
			end = w[i].end;
		if (!rc && w[i].rc)
			rc = w[i].rc;
	}
	*elapsed_s = end > t0 ? end - t0 : 0;
	pthread_cond_destroy(&t.cond);
	pthread_mutex_destroy(&t.lock);
	free(w);
	return rc;
}

void bench_team_add(struct bench_team *t, uint64_t bytes, uint64_t ops)
{
	if (bytes)
		atomic_fetch_add_explicit(&t->bytes, bytes,
					  memory_order_relaxed);
	if (ops)
		atomic_fetch_add_explicit(&t->ops, ops, memory_order_relaxed);
}

uint64_t bench_team_bytes(const struct bench_team *t)
{
	return atomic_load_explicit(&((struct bench_team *)t)->bytes,
				    memory_order_relaxed);
}

uint64_t bench_team_ops(const struct bench_team *t)
{
	return atomic_load_explicit(&((struct bench_team *)t)->ops,
				    memory_order_relaxed);
}

int bench_team_stopped(struct bench_team *t)
{
	return atomic_load_explicit(&t->stop, memory_order_relaxed);
}

/* --- data and files --- */

uint64_t bench_random(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

void bench_fill_random(void *buf, size_t len, uint64_t *state)
{
	uint8_t *p = buf;

	while (len >= 8) {
		uint64_t v = bench_random(state);

		memcpy(p, &v, 8);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t v = bench_random(state);

		memcpy(p, &v, len);
	}
}

FILE *bench_csv_open(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		fprintf(stderr, "glint bench: %s: %s\n", path,
			strerror(errno));
	return f;
}

int bench_csv_close(FILE *f, const char *path)
{
	int rc = ferror(f) ? -EIO : 0;

	if (fclose(f) && !rc)
		rc = -errno;
	if (rc)
		fprintf(stderr, "glint bench: %s: %s\n", path,
			tool_strerror(rc));
	return rc;
}

/* --- dispatch --- */

static void bench_usage(FILE *out)
{
	fprintf(out,
		"usage: glint bench WORKLOAD [OPTIONS]   (on a mounted directory, "
		"default " BENCH_DEFAULT_DIR ")\n"
		"  stripes [-d DIR] [--size SIZE] [--counts LIST] [--sizes LIST]\n"
		"          [--threads LIST] [--bs SIZE] [--direct] [--csv FILE]\n"
		"          [--png FILE] [--no-drop] [--quick]\n"
		"      sequential write then read per stripe layout, in MB/s\n"
		"  meta [-d DIR] [-n N] [--dirs LIST] [--csv FILE] [--no-drop] "
		"[--quick]\n"
		"      create, stat and unlink N files in 1 and in 4 directories\n"
		"  loader [-d DIR] [-n N] [-s SIZE] [-w READERS] [-c COUNT] "
		"[-S SIZE]\n"
		"         [--seed N] [--csv FILE] [--no-drop] [--quick]\n"
		"      N files of SIZE read whole in random order by READERS\n"
		"'glint bench WORKLOAD --help' lists a workload's options.\n");
}

int cmd_bench(const struct tool_opts *o, int argc, char **argv)
{
	if (argc < 2) {
		bench_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "stripes"))
		return bench_stripes(o, argc - 1, argv + 1);
	if (!strcmp(argv[1], "meta"))
		return bench_meta(o, argc - 1, argv + 1);
	if (!strcmp(argv[1], "loader"))
		return bench_loader(o, argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		bench_usage(stdout);
		return 0;
	}
	fprintf(stderr, "glint bench: unknown workload '%s'\n", argv[1]);
	bench_usage(stderr);
	return 2;
}
