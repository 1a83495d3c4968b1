/*
 * bench_loader.c - `glint bench loader`: the read pattern of an ML data
 * loader.
 *
 * Setup (not timed): N files of SIZE bytes of pseudo-random data in one
 * directory, written by the readers' threads; with -c/-S the directory
 * first gets that default layout (Glint only), else files inherit. Then
 * the caches are dropped and W reader threads take the files in one
 * random order (a shuffle seeded by --seed, so a run can be repeated),
 * each reading its file whole: open, read to EOF in --bs calls, close.
 * The time of each file, open to close, is its latency.
 *
 * Reports files/s and MB/s (10^6 bytes) over the time from the common
 * start to the last reader's end, and the p50, p99 and max latency
 * (nearest rank). A file that reads back shorter or longer than SIZE is
 * an error. Works on any directory unless -c/-S is given.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/bench_i.h"

#define LOADER_MAX_READERS 256
#define LOADER_MAX_N	   10000000L
#define LOADER_CMD_MAX	   (PATH_MAX + 512)

struct loader_params {
	const char *dir;
	long n;			/* files */
	uint64_t file_size;
	long readers;
	uint64_t bs;		/* bytes per read call */
	long seed;
	long stripe_count;	/* -c; 0 with stripe_size 0 = inherit */
	uint64_t stripe_size;	/* -S */
	int layout;		/* -c or -S given */
	int drop;
	const char *csv;	/* NULL: none */
};

struct loader_run {
	const struct loader_params *p;
	char data[BENCH_WORK_MAX + 16]; /* the directory of the files */
	uint32_t *order;	/* file numbers in reading order */
	double *lat_s;		/* per file, by file number */
	atomic_long next;	/* next position in order */
	int reading;		/* 0: setup, 1: the timed reads */
};

static void loader_path(const struct loader_run *run, long i, char *buf,
			size_t len)
{
	snprintf(buf, len, "%s/sample%08ld", run->data, i);
}

/* Setup: worker idx writes files idx, idx + W, ... */
static int loader_write_files(struct bench_team *t, int idx,
			      struct loader_run *run, void *buf)
{
	const struct loader_params *p = run->p;
	uint64_t seed = 0x10adull + (uint64_t)idx;
	char path[PATH_MAX];
	int rc = 0;

	for (long i = idx; i < p->n && !bench_team_stopped(t);
	     i += p->readers) {
		uint64_t off = 0;
		int fd;

		loader_path(run, i, path, sizeof(path));
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0) {
			rc = -errno;
			goto fail;
		}
		while (off < p->file_size) {
			size_t n = p->file_size - off < p->bs ?
					   (size_t)(p->file_size - off) : p->bs;
			ssize_t done;

			bench_fill_random(buf, n, &seed);
			done = write(fd, buf, n);
			if (done < 0 && errno == EINTR)
				continue;
			if (done <= 0) {
				rc = done < 0 ? -errno : -EIO;
				close(fd);
				goto fail;
			}
			off += (uint64_t)done;
		}
		if (close(fd)) {
			rc = -errno;
			goto fail;
		}
		bench_team_add(t, p->file_size, 1);
	}
	return 0;
fail:
	bench_progress_clear();
	fprintf(stderr, "glint bench loader: %s: write: %s\n", path,
		tool_strerror(rc));
	return rc;
}

/* The timed phase: take the next file of the shuffled order, read it. */
static int loader_read_files(struct bench_team *t, struct loader_run *run,
			     void *buf)
{
	const struct loader_params *p = run->p;
	char path[PATH_MAX];
	int rc = 0;

	while (!bench_team_stopped(t)) {
		long pos = atomic_fetch_add(&run->next, 1);
		uint64_t got = 0;
		double t0;
		uint32_t i;
		int fd;

		if (pos >= p->n)
			break;
		i = run->order[pos];
		loader_path(run, i, path, sizeof(path));
		t0 = bench_now();
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
			goto fail;
		}
		for (;;) {
			ssize_t done = read(fd, buf, p->bs);

			if (done < 0 && errno == EINTR)
				continue;
			if (done < 0) {
				rc = -errno;
				close(fd);
				goto fail;
			}
			if (done == 0)
				break;
			got += (uint64_t)done;
		}
		if (close(fd)) {
			rc = -errno;
			goto fail;
		}
		run->lat_s[i] = bench_now() - t0;
		if (got != p->file_size) {
			rc = -EIO;
			bench_progress_clear();
			fprintf(stderr, "glint bench loader: %s: read %llu "
				"bytes, expected %llu\n", path,
				(unsigned long long)got,
				(unsigned long long)p->file_size);
			return rc;
		}
		bench_team_add(t, got, 1);
	}
	return 0;
fail:
	bench_progress_clear();
	fprintf(stderr, "glint bench loader: %s: read: %s\n", path,
		tool_strerror(rc));
	return rc;
}

static int loader_worker(struct bench_team *t, int idx, void *arg)
{
	struct loader_run *run = arg;
	void *buf = malloc(run->p->bs);
	int rc;

	if (!buf)
		return -ENOMEM;
	rc = run->reading ? loader_read_files(t, run, buf) :
			    loader_write_files(t, idx, run, buf);
	free(buf);
	return rc;
}

static void loader_tick(void *ctx, const struct bench_team *t,
			double elapsed_s)
{
	const struct loader_run *run = ctx;
	uint64_t ops = bench_team_ops(t);

	bench_progress_tick("%s: %llu/%ld files, %.0f files/s, %.1f MB/s",
			    run->reading ? "read" : "setup (not timed)",
			    (unsigned long long)ops, run->p->n,
			    elapsed_s > 0 ? (double)ops / elapsed_s : 0,
			    elapsed_s > 0 ? (double)bench_team_bytes(t) /
						    elapsed_s / BENCH_MB :
					    0);
}

static int loader_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least q of the values at or
 * below it. sorted has n >= 1 values. */
static double loader_quantile(const double *sorted, long n, double q)
{
	double want = q * (double)n;
	long rank = (long)want;

	if ((double)rank < want)
		rank++;

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static void loader_usage(FILE *out)
{
	fprintf(out,
		"usage: glint bench loader [-d DIR] [-n N] [-s SIZE] "
		"[-w READERS] [-c COUNT] [-S SIZE]\n"
		"         [--bs SIZE] [--seed N] [--csv FILE] [--no-drop] "
		"[--quick]\n"
		"  -d, --dir DIR       a directory on the mount (" BENCH_DEFAULT_DIR
		")\n"
		"  -n, --files N       files (1000)\n"
		"  -s, --size SIZE     bytes per file (128K)\n"
		"  -w, --readers W     parallel readers (8)\n"
		"  -c, --stripe-count  layout of the files (Glint; default: "
		"inherit)\n"
		"  -S, --stripe-size   stripe size of the files (Glint)\n"
		"  --bs SIZE           bytes per read call (1M)\n"
		"  --seed N            seed of the random order (1)\n"
		"  --csv FILE          also write the result as CSV\n"
		"  --no-drop           do not drop caches before reading\n"
		"  --quick             small preset: -n 200 -w 4\n");
}

static int loader_parse(int argc, char **argv, struct loader_params *p,
			int *help)
{
	const char *n = NULL, *w = NULL, *size = "128K", *bs = "1M",
		   *seed = "1", *sc = NULL, *ss = NULL, *bad = NULL;
	int quick = 0, no_drop = 0;

	memset(p, 0, sizeof(*p));
	p->dir = BENCH_DEFAULT_DIR;
	const struct bench_flag flags[] = {
		{ "-d", "--dir", &p->dir, NULL },
		{ "-n", "--files", &n, NULL },
		{ "-s", "--size", &size, NULL },
		{ "-w", "--readers", &w, NULL },
		{ "-c", "--stripe-count", &sc, NULL },
		{ "-S", "--stripe-size", &ss, NULL },
		{ NULL, "--bs", &bs, NULL },
		{ NULL, "--seed", &seed, NULL },
		{ NULL, "--csv", &p->csv, NULL },
		{ NULL, "--no-drop", NULL, &no_drop },
		{ NULL, "--quick", NULL, &quick },
		{ 0 },
	};

	if (bench_parse_flags("loader", argc, argv, flags, help))
		return -EINVAL;
	if (*help)
		return 0;
	p->drop = !no_drop;
	if (!n)
		n = quick ? "200" : "1000";
	if (!w)
		w = quick ? "4" : "8";
	p->layout = sc || ss;
	if (bench_parse_long(n, 1, LOADER_MAX_N, &p->n))
		bad = "-n: a number of files from 1 to 10000000";
	else if (bench_parse_size(size, &p->file_size) ||
		 p->file_size > (1ull << 40))
		bad = "-s: a file size in bytes (K, M, G suffixes)";
	else if (bench_parse_long(w, 1, LOADER_MAX_READERS, &p->readers))
		bad = "-w: a number of readers from 1 to 256";
	else if (bench_parse_size(bs, &p->bs) || !p->bs ||
		 p->bs > (256u << 20))
		bad = "--bs: a size from 1 byte to 256M";
	else if (bench_parse_long(seed, 0, LONG_MAX, &p->seed))
		bad = "--seed: a number from 0";
	else if (sc && bench_parse_long(sc, -1, 256, &p->stripe_count))
		bad = "-c: a stripe count from -1 (all) to 256";
	else if (ss && (bench_parse_size(ss, &p->stripe_size) ||
			p->stripe_size % (64 << 10) ||
			p->stripe_size > UINT32_MAX))
		bad = "-S: a stripe size, a multiple of 64K below 4G";
	else if (!*p->dir || (p->csv && !*p->csv))
		bad = "-d and --csv need a non-empty value";
	if (bad) {
		fprintf(stderr, "glint bench loader: %s\n", bad);
		return -EINVAL;
	}
	return 0;
}

static void loader_print_params(const struct loader_params *p,
				const char *work, const char *layout)
{
	char cmd[LOADER_CMD_MAX], s[32], b[32];

	cmd[0] = '\0';
	bench_cmd_append(cmd, sizeof(cmd), "glint bench loader -d");
	bench_cmd_append_word(cmd, sizeof(cmd), p->dir);
	bench_cmd_append(cmd, sizeof(cmd), " -n %ld -s %s -w %ld", p->n,
			 bench_size_str(p->file_size, s, sizeof(s)),
			 p->readers);
	if (p->layout)
		bench_cmd_append(cmd, sizeof(cmd), " -c %ld -S %s",
				 p->stripe_count,
				 bench_size_str(p->stripe_size, s, sizeof(s)));
	bench_cmd_append(cmd, sizeof(cmd), " --bs %s --seed %ld",
			 bench_size_str(p->bs, b, sizeof(b)), p->seed);
	if (!p->drop)
		bench_cmd_append(cmd, sizeof(cmd), " --no-drop");
	printf("glint bench loader\n");
	bench_print_context(cmd);
	printf("directory:  %s (scratch %s, removed at the end)\n", p->dir,
	       work);
	printf("files:      %ld of %s, pseudo-random data, layout %s\n", p->n,
	       bench_size_str(p->file_size, s, sizeof(s)), layout);
	printf("each run:   setup not timed; %s; %ld readers take the files "
	       "in one random order (seed %ld),\n"
	       "            each read whole (open, read to EOF in %s calls, "
	       "close) = one latency sample; MB = 10^6 bytes\n",
	       p->drop ? "caches dropped (" BENCH_DROP_HOW ")" :
			 "caches NOT dropped (--no-drop)",
	       p->readers, p->seed, bench_size_str(p->bs, b, sizeof(b)));
	fflush(stdout);
}

int bench_loader(const struct tool_opts *o, int argc, char **argv)
{
	struct loader_params p;
	struct loader_run *run = NULL;
	double setup_s, read_s, *sorted = NULL;
	char work[BENCH_WORK_MAX], layout[128], s[32];
	int help = 0, status = 1, dropped, rc;
	uint64_t seed;

	if (loader_parse(argc, argv, &p, &help)) {
		loader_usage(stderr);
		return 2;
	}
	if (help) {
		loader_usage(stdout);
		return 0;
	}
	run = calloc(1, sizeof(*run));
	if (!run)
		return 1;
	run->p = &p;
	run->order = malloc((size_t)p.n * sizeof(*run->order));
	run->lat_s = calloc((size_t)p.n, sizeof(*run->lat_s));
	sorted = malloc((size_t)p.n * sizeof(*sorted));
	if (!run->order || !run->lat_s || !sorted) {
		fprintf(stderr, "glint bench loader: out of memory\n");
		goto out;
	}
	if (bench_workdir_create(p.dir, work))
		goto out;
	if ((size_t)snprintf(run->data, sizeof(run->data), "%s/loader",
			     work) >= sizeof(run->data)) {
		fprintf(stderr, "glint bench loader: %s: %s\n", work,
			strerror(ENAMETOOLONG));
		goto out_work;
	}
	if (mkdir(run->data, 0755)) {
		fprintf(stderr, "glint bench loader: %s: %s\n", run->data,
			strerror(errno));
		goto out_work;
	}
	if (p.layout) {
		if (stripe_set_path(o, "bench loader", run->data,
				    (int32_t)p.stripe_count,
				    (uint32_t)p.stripe_size, -1))
			goto out_work;
		snprintf(layout, sizeof(layout), "stripe_count %ld stripe_size "
			 "%s (0 = inherit), set on the directory",
			 p.stripe_count,
			 bench_size_str(p.stripe_size, s, sizeof(s)));
	} else {
		snprintf(layout, sizeof(layout), "inherited from %s", p.dir);
	}
	loader_print_params(&p, work, layout);

	rc = bench_team_run((int)p.readers, loader_worker, run, loader_tick,
			    run, &setup_s);
	if (rc)
		goto out_work;
	bench_progress_step("setup: %ld files of %s written in %.2f s", p.n,
			    bench_size_str(p.file_size, s, sizeof(s)), setup_s);
	dropped = p.drop &&
		  !bench_drop_caches_step(p.drop, run->data, "loader");

	/* Fisher-Yates with the seed: the same order every time. */
	seed = (uint64_t)p.seed * 0x9e3779b97f4a7c15ull + 1;
	for (long i = 0; i < p.n; i++)
		run->order[i] = (uint32_t)i;
	for (long i = p.n - 1; i > 0; i--) {
		long j = (long)(bench_random(&seed) % (uint64_t)(i + 1));
		uint32_t tmp = run->order[i];

		run->order[i] = run->order[j];
		run->order[j] = tmp;
	}
	atomic_init(&run->next, 0);
	run->reading = 1;
	rc = bench_team_run((int)p.readers, loader_worker, run, loader_tick,
			    run, &read_s);
	bench_progress_clear();
	if (rc)
		goto out_work;

	memcpy(sorted, run->lat_s, (size_t)p.n * sizeof(*sorted));
	qsort(sorted, (size_t)p.n, sizeof(*sorted), loader_cmp_double);
	{
		double files_s = read_s > 0 ? (double)p.n / read_s : 0;
		double mb_s = read_s > 0 ? (double)p.n * (double)p.file_size /
						   read_s / BENCH_MB : 0;
		double p50 = loader_quantile(sorted, p.n, 0.50) * 1e3;
		double p99 = loader_quantile(sorted, p.n, 0.99) * 1e3;
		double max = sorted[p.n - 1] * 1e3;

		printf("\n%9s %9s %7s %11s %9s %9s %9s %9s %9s\n", "files",
		       "size", "readers", "files/s", "MB/s", "p50 ms",
		       "p99 ms", "max ms", "seconds");
		printf("%9ld %9s %7ld %11.1f %9.1f %9.3f %9.3f %9.3f %9.3f%s\n",
		       p.n, bench_size_str(p.file_size, s, sizeof(s)),
		       p.readers, files_s, mb_s, p50, p99, max, read_s,
		       dropped ? "" : " (read from cache?)");
		status = 0;
		if (p.csv) {
			FILE *f = bench_csv_open(p.csv);

			if (!f) {
				status = 1;
				goto out_work;
			}
			fprintf(f, "files,file_size,readers,bs,seed,files_s,"
				   "mb_s,p50_ms,p99_ms,max_ms,seconds,"
				   "caches_dropped\n");
			fprintf(f, "%ld,%llu,%ld,%llu,%ld,%.3f,%.3f,%.6f,%.6f,"
				   "%.6f,%.6f,%d\n", p.n,
				(unsigned long long)p.file_size, p.readers,
				(unsigned long long)p.bs, p.seed, files_s,
				mb_s, p50, p99, max, read_s, dropped);
			if (bench_csv_close(f, p.csv))
				status = 1;
			else
				printf("\ncsv:        %s\n", p.csv);
		}
	}
out_work:
	bench_progress_clear();
	bench_workdir_remove(work);
out:
	free(sorted);
	if (run) {
		free(run->order);
		free(run->lat_s);
	}
	free(run);
	return status;
}
