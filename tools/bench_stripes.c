/*
 * bench_stripes.c - `glint bench stripes`: throughput by stripe layout.
 *
 * For each stripe count x stripe size x thread count (a "run"), each
 * thread gets its own file, created empty with that layout the way `glint
 * setstripe -c COUNT -S SIZE` does (stripe_set_path()), writes it
 * sequentially in --bs requests and fsyncs it (the fsync is timed); then
 * the caches are dropped and each thread reads its file back the same
 * way. Throughput is all bytes over the time from the common start to the
 * last thread's end, in MB/s (10^6 bytes). Files are removed after each
 * run, so runs do not share OST space.
 *
 * Report: the parameters and the command that repeats the whole
 * benchmark first (stdout), a progress line while it runs (stderr), then
 * a table, a CSV, a PNG chart drawn by gnuplot from a generated script
 * (no gnuplot: said, the CSV is still written), and the best layout for
 * write and for read with the command that repeats just that layout.
 *
 * The data is pseudo-random, so a compressing file system cannot shrink
 * it. A failed run is reported in its row and makes the exit status 1;
 * the other runs still happen.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tools/bench_i.h"

#define STRIPES_MAX_THREADS 64
#define STRIPES_MAX_COUNT   256	      /* PROTO_MAX_STRIPES */
#define STRIPES_UNIT	    (64 << 10) /* stripe sizes are multiples */
#define STRIPES_CMD_MAX	    8192

struct stripes_params {
	const char *dir;
	uint64_t file_size;		/* per thread */
	long counts[BENCH_LIST_MAX];	/* -1 = all OSTs */
	int ncounts;
	uint64_t sizes[BENCH_LIST_MAX];
	int nsizes;
	long threads[BENCH_LIST_MAX];
	int nthreads;
	uint64_t bs;			/* bytes per read/write call */
	int direct;			/* O_DIRECT */
	int drop;			/* drop caches before reading */
	const char *csv, *png;
};

struct stripes_result {
	long count;		/* requested stripe count */
	uint64_t stripe_size;
	long threads;
	uint32_t nstripes;	/* stripes the files got */
	double write_s, read_s;
	double write_mbs, read_mbs;
	int dropped;		/* caches were dropped before the read */
	int rc;			/* 0, or why the run failed */
};

/* One run in progress, shared by its workers. */
struct stripes_run {
	const struct stripes_params *p;
	char (*paths)[PATH_MAX]; /* one file per thread */
	int writing;		/* 1: write phase, 0: read phase */
	int idx, total;		/* run number, for the progress line */
	const struct stripes_result *r;
};

static const char *stripes_count_str(long count, char *buf, size_t len)
{
	if (count == -1)
		snprintf(buf, len, "all");
	else
		snprintf(buf, len, "%ld", count);
	return buf;
}

static void stripes_repeat_cmd(const struct stripes_params *p,
			       const struct stripes_result *only, char *buf,
			       size_t len)
{
	char s[32];

	buf[0] = '\0';
	bench_cmd_append(buf, len, "glint bench stripes -d");
	bench_cmd_append_word(buf, len, p->dir);
	bench_cmd_append(buf, len, " --size %s",
			 bench_size_str(p->file_size, s, sizeof(s)));
	if (only) {
		bench_cmd_append(buf, len, " --counts %ld", only->count);
		bench_cmd_append(buf, len, " --sizes %s",
				 bench_size_str(only->stripe_size, s,
						sizeof(s)));
		bench_cmd_append(buf, len, " --threads %ld", only->threads);
	} else {
		bench_cmd_append(buf, len, " --counts");
		for (int i = 0; i < p->ncounts; i++)
			bench_cmd_append(buf, len, "%s%ld", i ? "," : " ",
					 p->counts[i]);
		bench_cmd_append(buf, len, " --sizes");
		for (int i = 0; i < p->nsizes; i++)
			bench_cmd_append(buf, len, "%s%s", i ? "," : " ",
					 bench_size_str(p->sizes[i], s,
							sizeof(s)));
		bench_cmd_append(buf, len, " --threads");
		for (int i = 0; i < p->nthreads; i++)
			bench_cmd_append(buf, len, "%s%ld", i ? "," : " ",
					 p->threads[i]);
	}
	bench_cmd_append(buf, len, " --bs %s",
			 bench_size_str(p->bs, s, sizeof(s)));
	if (p->direct)
		bench_cmd_append(buf, len, " --direct");
	if (!p->drop)
		bench_cmd_append(buf, len, " --no-drop");
}

/* --- the workers --- */

static int stripes_worker(struct bench_team *t, int idx, void *arg)
{
	struct stripes_run *run = arg;
	const struct stripes_params *p = run->p;
	const char *path = run->paths[idx];
	uint64_t seed = 0x5eed0000u + (uint64_t)idx, off = 0;
	int flags = run->writing ? O_WRONLY : O_RDONLY;
	void *buf = NULL;
	int fd = -1, rc;

	if (p->direct)
		flags |= O_DIRECT;
	rc = -posix_memalign(&buf, 4096, p->bs);
	if (rc)
		goto out;
	if (run->writing)
		bench_fill_random(buf, p->bs, &seed);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	while (off < p->file_size && !bench_team_stopped(t)) {
		size_t n = p->file_size - off < p->bs ?
				   (size_t)(p->file_size - off) : p->bs;
		ssize_t done;

		if (run->writing) {
			/* Each block differs, so nothing can dedupe it. */
			memcpy(buf, &off, sizeof(off));
			done = write(fd, buf, n);
		} else {
			done = read(fd, buf, n);
		}
		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0) {
			rc = -errno;
			goto out;
		}
		if (done == 0) {
			rc = -EIO; /* short file */
			goto out;
		}
		off += (uint64_t)done;
		bench_team_add(t, (uint64_t)done, 1);
	}
	if (run->writing && fsync(fd))
		rc = -errno;
out:
	if (rc) {
		bench_progress_clear();
		fprintf(stderr, "glint bench stripes: %s: %s: %s\n", path,
			run->writing ? "write" : "read",
			rc == -EIO && off < p->file_size ?
				"file shorter than written" :
				tool_strerror(rc));
	}
	if (fd >= 0 && close(fd) && !rc)
		rc = -errno;
	free(buf);
	return rc;
}

static void stripes_tick(void *ctx, const struct bench_team *t,
			 double elapsed_s)
{
	const struct stripes_run *run = ctx;
	const struct stripes_result *r = run->r;
	uint64_t total = run->p->file_size * (uint64_t)r->threads;
	uint64_t bytes = bench_team_bytes(t);
	char c[16], s[32];

	bench_progress_tick("[%d/%d] stripe_count %s, stripe_size %s, "
			    "%ld thread%s: %s %.0f%% %.1f MB/s",
			    run->idx, run->total,
			    stripes_count_str(r->count, c, sizeof(c)),
			    bench_size_str(r->stripe_size, s, sizeof(s)),
			    r->threads, r->threads == 1 ? "" : "s",
			    run->writing ? "write" : "read",
			    total ? 100.0 * (double)bytes / (double)total : 0,
			    elapsed_s > 0 ? (double)bytes / elapsed_s / BENCH_MB :
					    0);
}

/* One layout: create, write, drop caches, read, remove. r->rc says how
 * it went. */
static void stripes_run_one(const struct tool_opts *o,
			    const struct stripes_params *p, const char *work,
			    int idx, int total, struct stripes_result *r)
{
	struct stripes_run run = { .p = p, .idx = idx, .total = total,
				   .r = r };
	uint64_t bytes = p->file_size * (uint64_t)r->threads;
	uint32_t got_size = 0;
	char c[16], s[32];
	int created = 0, rc;

	run.paths = calloc((size_t)r->threads, sizeof(*run.paths));
	if (!run.paths) {
		rc = -ENOMEM;
		goto out;
	}
	for (; created < r->threads; created++) {
		snprintf(run.paths[created], PATH_MAX, "%s/c%ld_S%s_t%ld.%d",
			 work, r->count,
			 bench_size_str(r->stripe_size, s, sizeof(s)),
			 r->threads, created);
		rc = stripe_set_path(o, "bench stripes", run.paths[created],
				     (int32_t)r->count,
				     (uint32_t)r->stripe_size, -1);
		if (rc)
			goto out;
	}
	rc = stripe_get_path(o, "bench stripes", run.paths[0], &r->nstripes,
			     &got_size);
	if (rc)
		goto out;
	run.writing = 1;
	rc = bench_team_run((int)r->threads, stripes_worker, &run,
			    stripes_tick, &run, &r->write_s);
	if (rc)
		goto out;
	r->write_mbs = r->write_s > 0 ? (double)bytes / r->write_s / BENCH_MB :
					0;
	r->dropped = p->drop && !bench_drop_caches_step(p->drop, work,
								   "stripes");
	run.writing = 0;
	rc = bench_team_run((int)r->threads, stripes_worker, &run,
			    stripes_tick, &run, &r->read_s);
	if (rc)
		goto out;
	r->read_mbs = r->read_s > 0 ? (double)bytes / r->read_s / BENCH_MB : 0;
	bench_progress_step("[%d/%d] stripe_count %s (%u stripe%s), "
			    "stripe_size %s, %ld thread%s: write %.1f MB/s, "
			    "read %.1f MB/s",
			    idx, total,
			    stripes_count_str(r->count, c, sizeof(c)),
			    r->nstripes, r->nstripes == 1 ? "" : "s",
			    bench_size_str(r->stripe_size, s, sizeof(s)),
			    r->threads, r->threads == 1 ? "" : "s",
			    r->write_mbs, r->read_mbs);
out:
	for (int i = 0; i < created; i++)
		unlink(run.paths[i]);
	free(run.paths);
	r->rc = rc;
	if (rc)
		bench_progress_step("[%d/%d] stripe_count %s, stripe_size %s, "
				    "%ld threads: failed: %s", idx, total,
				    stripes_count_str(r->count, c, sizeof(c)),
				    bench_size_str(r->stripe_size, s,
						   sizeof(s)),
				    r->threads, tool_strerror(rc));
}

/* --- the report --- */

static void stripes_print_table(const struct stripes_result *res, int n)
{
	char s[32];

	printf("\n%12s %8s %11s %7s %11s %11s\n", "stripe_count", "stripes",
	       "stripe_size", "threads", "write MB/s", "read MB/s");
	for (int i = 0; i < n; i++) {
		const struct stripes_result *r = &res[i];

		printf("%12ld %8u %11s %7ld ", r->count, r->nstripes,
		       bench_size_str(r->stripe_size, s, sizeof(s)),
		       r->threads);
		if (r->rc)
			printf("failed: %s\n", tool_strerror(r->rc));
		else
			printf("%11.1f %11.1f%s\n", r->write_mbs, r->read_mbs,
			       r->dropped ? "" : " (read from cache?)");
	}
}

static int stripes_write_csv(const struct stripes_params *p,
			     const struct stripes_result *res, int n)
{
	FILE *f = bench_csv_open(p->csv);

	if (!f)
		return -EIO;
	fprintf(f, "stripe_count,stripes,stripe_size,threads,file_size,bs,"
		   "direct,write_mb_s,read_mb_s,write_s,read_s,caches_dropped,"
		   "error\n");
	for (int i = 0; i < n; i++) {
		const struct stripes_result *r = &res[i];

		fprintf(f, "%ld,%u,%llu,%ld,%llu,%llu,%d,", r->count,
			r->nstripes, (unsigned long long)r->stripe_size,
			r->threads, (unsigned long long)p->file_size,
			(unsigned long long)p->bs, p->direct);
		if (r->rc)
			fprintf(f, ",,,,%d,%s\n", r->dropped,
				tool_strerror(r->rc));
		else
			fprintf(f, "%.3f,%.3f,%.6f,%.6f,%d,\n", r->write_mbs,
				r->read_mbs, r->write_s, r->read_s,
				r->dropped);
	}
	return bench_csv_close(f, p->csv);
}

/* Is prog an executable in $PATH? */
static int stripes_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char dir[PATH_MAX], full[PATH_MAX + 64];

	for (const char *p = path ? path : ""; *p;) {
		size_t n = strcspn(p, ":");

		if (n && n < sizeof(dir)) {
			memcpy(dir, p, n);
			dir[n] = '\0';
			snprintf(full, sizeof(full), "%s/%s", dir, prog);
			if (!access(full, X_OK))
				return 1;
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return 0;
}

/* A gnuplot double-quoted string (\ and " escaped; a newline kept as
 * \n, which gnuplot turns back into a line break in a title). */
static void stripes_gp_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static int stripes_write_script(FILE *f, const struct stripes_params *p,
				const struct stripes_result *res, int n)
{
	char c[16], s[32], b[32];
	int width = 160 + 56 * n;

	fprintf(f, "set terminal pngcairo size %d,600 noenhanced font "
		   "'sans,9'\n", width < 800 ? 800 : width);
	fprintf(f, "set output ");
	stripes_gp_quoted(f, p->png);
	fprintf(f, "\nset title ");
	{
		char title[PATH_MAX + 128];

		snprintf(title, sizeof(title),
			 "glint bench stripes: %s per thread, %s "
			 "calls%s, caches %s before reads\n%s",
			 bench_size_str(p->file_size, s, sizeof(s)),
			 bench_size_str(p->bs, b, sizeof(b)),
			 p->direct ? ", O_DIRECT" : "",
			 p->drop ? "dropped" : "kept", p->dir);
		stripes_gp_quoted(f, title);
	}
	fprintf(f, "\nset ylabel 'MB/s (10^6 bytes/s)'\n"
		   "set xlabel 'layout: stripe_count (c), stripe_size, "
		   "threads (t)'\n"
		   "set style data histograms\n"
		   "set style histogram clustered gap 1\n"
		   "set style fill solid 0.85 border -1\n"
		   "set boxwidth 0.9\n"
		   "set xtics rotate by 30 right scale 0\n"
		   "set grid ytics\n"
		   "set yrange [0:*]\n"
		   "set key top left\n"
		   "$data << EOD\n");
	for (int i = 0; i < n; i++) {
		const struct stripes_result *r = &res[i];

		fprintf(f, "\"c=%s %s t=%ld\" %.3f %.3f\n",
			stripes_count_str(r->count, c, sizeof(c)),
			bench_size_str(r->stripe_size, s, sizeof(s)),
			r->threads, r->rc ? 0.0 : r->write_mbs,
			r->rc ? 0.0 : r->read_mbs);
	}
	fprintf(f, "EOD\n"
		   "plot $data using 2:xtic(1) title 'write' lc rgb "
		   "'#d95f02', '' using 3 title 'read' lc rgb '#1b9e77'\n");
	return ferror(f) ? -EIO : 0;
}

/* Write the chart with gnuplot. 0, -ENOENT (no gnuplot), -EIO (gnuplot
 * failed), -errno; said on stderr. */
static int stripes_plot(const struct stripes_params *p,
			const struct stripes_result *res, int n)
{
	char script[] = "/tmp/glint-bench-XXXXXX.gp";
	FILE *f;
	pid_t pid;
	int fd, status, rc;

	if (!stripes_in_path("gnuplot")) {
		fprintf(stderr, "glint bench stripes: gnuplot not found in "
			"PATH (Debian: apt-get install gnuplot-nox): no chart "
			"written, the CSV has the figures\n");
		return -ENOENT;
	}
	fd = mkstemps(script, 3);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		goto err_script;
	}
	rc = stripes_write_script(f, p, res, n);
	if (fclose(f) && !rc)
		rc = -errno;
	if (rc)
		goto err_script;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto err_script;
	}
	if (pid == 0) {
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			rc = -errno;
			goto err_script;
		}
	}
	unlink(script);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "glint bench stripes: gnuplot failed (status "
			"%d): no chart\n", WIFEXITED(status) ?
			WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return -EIO;
	}
	return 0;
err_script:
	unlink(script);
fail:
	fprintf(stderr, "glint bench stripes: chart: %s\n", tool_strerror(rc));
	return rc;
}

static void stripes_print_best(const struct stripes_params *p,
			       const struct stripes_result *res, int n,
			       int reads)
{
	const struct stripes_result *best = NULL;
	char cmd[STRIPES_CMD_MAX], c[16], s[32];

	for (int i = 0; i < n; i++) {
		double v = reads ? res[i].read_mbs : res[i].write_mbs,
		       bv = !best ? -1 : reads ? best->read_mbs :
						 best->write_mbs;

		if (!res[i].rc && v > bv)
			best = &res[i];
	}
	if (!best) {
		printf("best %s:  none (every run failed)\n",
		       reads ? "read" : "write");
		return;
	}
	stripes_repeat_cmd(p, best, cmd, sizeof(cmd));
	printf("best %s:%s stripe_count %s (%u stripe%s), stripe_size %s, "
	       "%ld thread%s: %.1f MB/s\n",
	       reads ? "read" : "write", reads ? " " : "",
	       stripes_count_str(best->count, c, sizeof(c)), best->nstripes,
	       best->nstripes == 1 ? "" : "s",
	       bench_size_str(best->stripe_size, s, sizeof(s)), best->threads,
	       best->threads == 1 ? "" : "s",
	       reads ? best->read_mbs : best->write_mbs);
	printf("  layout:   glint setstripe -c %ld -S %s FILE\n", best->count,
	       s);
	printf("  repeat:   %s\n", cmd);
}

/* --- options --- */

static void stripes_usage(FILE *out)
{
	fprintf(out,
		"usage: glint bench stripes [-d DIR] [--size SIZE] "
		"[--counts LIST]\n"
		"         [--sizes LIST] [--threads LIST] [--bs SIZE] "
		"[--direct]\n"
		"         [--csv FILE] [--png FILE] [--no-drop] [--quick]\n"
		"  -d, --dir DIR     a directory on a mounted Glint file system "
		"(" BENCH_DEFAULT_DIR ")\n"
		"  --size SIZE       bytes per file; one file per thread (1G)\n"
		"  --counts LIST     stripe counts, -1 = all OSTs (1,2,4,-1)\n"
		"  --sizes LIST      stripe sizes, multiples of 64K "
		"(64K,1M,4M)\n"
		"  --threads LIST    threads, each with its own file (1,4)\n"
		"  --bs SIZE         bytes per read/write call (1M)\n"
		"  --direct          open with O_DIRECT\n"
		"  --csv FILE        CSV output (glint-bench-stripes.csv)\n"
		"  --png FILE        chart, by gnuplot (glint-bench-stripes.png)\n"
		"  --no-drop         do not drop caches before reading\n"
		"  --quick           small preset: --size 8M --counts 1,-1 "
		"--sizes 64K,1M\n"
		"                    --threads 1,2 (flags given still win)\n");
}

static int stripes_parse(int argc, char **argv, struct stripes_params *p,
			 int *help)
{
	const char *size = NULL, *counts = NULL, *sizes = NULL,
		   *threads = NULL, *bs = "1M", *bad = NULL;
	int quick = 0, no_drop = 0, direct = 0;

	memset(p, 0, sizeof(*p));
	p->dir = BENCH_DEFAULT_DIR;
	p->csv = "glint-bench-stripes.csv";
	p->png = "glint-bench-stripes.png";
	const struct bench_flag flags[] = {
		{ "-d", "--dir", &p->dir, NULL },
		{ NULL, "--size", &size, NULL },
		{ NULL, "--counts", &counts, NULL },
		{ NULL, "--sizes", &sizes, NULL },
		{ NULL, "--threads", &threads, NULL },
		{ NULL, "--bs", &bs, NULL },
		{ NULL, "--csv", &p->csv, NULL },
		{ NULL, "--png", &p->png, NULL },
		{ NULL, "--direct", NULL, &direct },
		{ NULL, "--no-drop", NULL, &no_drop },
		{ NULL, "--quick", NULL, &quick },
		{ 0 },
	};

	if (bench_parse_flags("stripes", argc, argv, flags, help))
		return -EINVAL;
	if (*help)
		return 0;
	p->drop = !no_drop;
	p->direct = direct;
	if (!size)
		size = quick ? "8M" : "1G";
	if (!counts)
		counts = quick ? "1,-1" : "1,2,4,-1";
	if (!sizes)
		sizes = quick ? "64K,1M" : "64K,1M,4M";
	if (!threads)
		threads = quick ? "1,2" : "1,4";
	if (bench_parse_size(size, &p->file_size) || !p->file_size)
		bad = "--size: a size in bytes above 0 (K, M, G suffixes)";
	else if (bench_parse_size(bs, &p->bs) || p->bs < 4096 ||
		 p->bs > (256u << 20) || p->bs % 4096)
		bad = "--bs: a multiple of 4K from 4K to 256M";
	else if (bench_parse_long_list(counts, -1, STRIPES_MAX_COUNT,
				       p->counts, &p->ncounts))
		bad = "--counts: a list of stripe counts, -1 (all) to 256";
	else if (bench_parse_size_list(sizes, STRIPES_UNIT,
				       UINT32_MAX - STRIPES_UNIT + 1,
				       p->sizes, &p->nsizes))
		bad = "--sizes: a list of stripe sizes from 64K below 4G";
	else if (bench_parse_long_list(threads, 1, STRIPES_MAX_THREADS,
				       p->threads, &p->nthreads))
		bad = "--threads: a list of thread counts from 1 to 64";
	else if (p->direct && p->file_size % 4096)
		bad = "--size: a multiple of 4K with --direct";
	else if (!*p->csv || !*p->png || !*p->dir)
		bad = "-d, --csv and --png need a non-empty value";
	for (int i = 0; !bad && i < p->nsizes; i++)
		if (p->sizes[i] % STRIPES_UNIT)
			bad = "--sizes: stripe sizes are multiples of 64K";
	if (bad) {
		fprintf(stderr, "glint bench stripes: %s\n", bad);
		return -EINVAL;
	}
	return 0;
}

/* --- the benchmark --- */

static void stripes_print_params(const struct stripes_params *p,
				 const struct stripe_fs_info *fs,
				 const char *work, int total)
{
	char cmd[STRIPES_CMD_MAX], s[32], b[32];

	stripes_repeat_cmd(p, NULL, cmd, sizeof(cmd));
	printf("glint bench stripes\n");
	bench_print_context(cmd);
	printf("fs:         %s at %s, %u OSTs, default stripe_count %d "
	       "stripe_size %s\n", fs->fsname, fs->mds, fs->nosts,
	       fs->stripe_count,
	       bench_size_str(fs->stripe_size, s, sizeof(s)));
	printf("directory:  %s (scratch %s, removed at the end)\n", p->dir,
	       work);
	printf("layouts:    stripe_count {");
	for (int i = 0; i < p->ncounts; i++)
		printf("%s%ld", i ? "," : "", p->counts[i]);
	printf("} x stripe_size {");
	for (int i = 0; i < p->nsizes; i++)
		printf("%s%s", i ? "," : "",
		       bench_size_str(p->sizes[i], s, sizeof(s)));
	printf("} x threads {");
	for (int i = 0; i < p->nthreads; i++)
		printf("%s%ld", i ? "," : "", p->threads[i]);
	printf("} = %d run%s; stripe_count -1 = all OSTs, first OST "
	       "chosen by the MDS\n", total, total == 1 ? "" : "s");
	printf("each run:   per thread one file of %s, created as by "
	       "'glint setstripe -c COUNT -S SIZE -i -1';\n"
	       "            sequential write in %s calls%s, fsync timed; "
	       "%s; sequential read in %s calls\n",
	       bench_size_str(p->file_size, s, sizeof(s)),
	       bench_size_str(p->bs, b, sizeof(b)),
	       p->direct ? " with O_DIRECT" : "",
	       p->drop ? "caches dropped (" BENCH_DROP_HOW ")" :
			 "caches NOT dropped (--no-drop)",
	       b);
	printf("data:       pseudo-random (incompressible); MB = 10^6 "
	       "bytes; time from the common start to the last thread's "
	       "end\n");
	fflush(stdout);
}

int bench_stripes(const struct tool_opts *o, int argc, char **argv)
{
	struct stripes_result *res = NULL;
	struct stripe_fs_info fs;
	struct stripes_params p;
	char work[BENCH_WORK_MAX];
	int help = 0, total, k = 0, status = 1, failed = 0, rc;

	if (stripes_parse(argc, argv, &p, &help)) {
		stripes_usage(stderr);
		return 2;
	}
	if (help) {
		stripes_usage(stdout);
		return 0;
	}
	if (stripe_describe_path(o, "bench stripes", p.dir, &fs))
		return 1;
	total = p.ncounts * p.nsizes * p.nthreads;
	res = calloc((size_t)total, sizeof(*res));
	if (!res)
		return 1;
	if (bench_workdir_create(p.dir, work))
		goto out;
	stripes_print_params(&p, &fs, work, total);
	for (int c = 0; c < p.ncounts; c++) {
		for (int s = 0; s < p.nsizes; s++) {
			for (int t = 0; t < p.nthreads; t++) {
				struct stripes_result *r = &res[k++];

				r->count = p.counts[c];
				r->stripe_size = p.sizes[s];
				r->threads = p.threads[t];
				stripes_run_one(o, &p, work, k, total, r);
				failed += r->rc != 0;
			}
		}
	}
	bench_progress_clear();
	bench_workdir_remove(work);
	status = 0;
	stripes_print_table(res, total);
	printf("\n");
	stripes_print_best(&p, res, total, 0);
	stripes_print_best(&p, res, total, 1);
	printf("\n");
	if (stripes_write_csv(&p, res, total))
		status = 1;
	else
		printf("csv:        %s\n", p.csv);
	fflush(stdout);
	rc = stripes_plot(&p, res, total);
	if (!rc)
		printf("chart:      %s\n", p.png);
	else if (rc != -ENOENT)
		status = 1; /* no gnuplot: said, and not a failure */
	if (failed)
		fprintf(stderr, "glint bench stripes: %d of %d runs failed\n",
			failed, total);
	if (failed)
		status = 1;
out:
	free(res);
	return status;
}
