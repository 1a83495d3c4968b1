/*
 * bench_meta.c - `glint bench meta`: metadata operations per second.
 *
 * For each entry of --dirs (default 1 and 4): N files in all, spread
 * evenly over that many directories, one thread per directory. Three
 * phases, each timed from the common start to the last thread's end:
 * create (open O_CREAT|O_EXCL, close), stat, unlink. Caches are dropped
 * before stat and before unlink, so those go to the file system rather
 * than the kernel's attribute and dentry caches (--no-drop keeps them).
 *
 * Works on any directory: nothing here is Glint-specific, so the same
 * command measures a local file system for comparison. If a phase fails,
 * the phases after it are skipped for that directory count; the row says
 * why and the exit status is 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/bench_i.h"

#define META_MAX_DIRS 64
#define META_MAX_N    100000000L
#define META_CMD_MAX  (PATH_MAX + 512)

enum meta_phase { META_CREATE, META_STAT, META_UNLINK, META_NPHASES };

static const char *const meta_phase_names[META_NPHASES] = {
	"create", "stat", "unlink"
};

struct meta_params {
	const char *dir;
	long n;			/* files in all */
	long dirs[BENCH_LIST_MAX];
	int ndirs;
	int drop;
	const char *csv;	/* NULL: none */
};

struct meta_result {
	long dirs;
	int phase;
	double seconds;
	double ops_s;
	int dropped;		/* caches dropped before the phase */
	int rc;			/* 0, the error, or -ECANCELED (skipped) */
};

/* One directory count in progress, shared by its workers. */
struct meta_run {
	const struct meta_params *p;
	const char *work;
	long dirs;
	int phase;
	int idx, total;
};

static long meta_files_of(const struct meta_run *run, int idx)
{
	return run->p->n / run->dirs + (idx < run->p->n % run->dirs);
}

static int meta_worker(struct bench_team *t, int idx, void *arg)
{
	struct meta_run *run = arg;
	long files = meta_files_of(run, idx);
	char path[PATH_MAX];
	struct stat st;
	int rc = 0, fd;

	for (long i = 0; i < files && !bench_team_stopped(t); i++) {
		snprintf(path, sizeof(path), "%s/d%ld.%d/f%08ld", run->work,
			 run->dirs, idx, i);
		switch (run->phase) {
		case META_CREATE:
			fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC,
				  0644);
			if (fd < 0 || close(fd))
				rc = -errno;
			break;
		case META_STAT:
			if (stat(path, &st))
				rc = -errno;
			break;
		default:
			if (unlink(path))
				rc = -errno;
			break;
		}
		if (rc) {
			bench_progress_clear();
			fprintf(stderr, "glint bench meta: %s: %s: %s\n", path,
				meta_phase_names[run->phase],
				tool_strerror(rc));
			return rc;
		}
		bench_team_add(t, 0, 1);
	}
	return 0;
}

static void meta_tick(void *ctx, const struct bench_team *t,
		      double elapsed_s)
{
	const struct meta_run *run = ctx;
	uint64_t ops = bench_team_ops(t);

	bench_progress_tick("[%d/%d] %ld dir%s: %s %.0f%% %.0f ops/s",
			    run->idx, run->total, run->dirs,
			    run->dirs == 1 ? "" : "s",
			    meta_phase_names[run->phase],
			    100.0 * (double)ops / (double)run->p->n,
			    elapsed_s > 0 ? (double)ops / elapsed_s : 0);
}

/* The three phases for one directory count; res[0..2] get the rows. */
static void meta_run_dirs(const struct meta_params *p, const char *work,
			  long dirs, int idx, int total,
			  struct meta_result *res)
{
	struct meta_run run = { .p = p, .work = work, .dirs = dirs,
				.idx = idx, .total = total };
	char path[PATH_MAX];
	int rc = 0, made = 0;

	for (int ph = 0; ph < META_NPHASES; ph++) {
		res[ph].dirs = dirs;
		res[ph].phase = ph;
		res[ph].rc = -ECANCELED;
	}
	for (; made < dirs; made++) {
		snprintf(path, sizeof(path), "%s/d%ld.%d", work, dirs, made);
		if (mkdir(path, 0755)) {
			rc = -errno;
			fprintf(stderr, "glint bench meta: %s: %s\n", path,
				tool_strerror(rc));
			res[0].rc = rc;
			goto out;
		}
	}
	for (int ph = 0; ph < META_NPHASES; ph++) {
		struct meta_result *r = &res[ph];

		if (ph > 0)
			r->dropped = p->drop &&
				     !bench_drop_caches_step(p->drop, work,
							       "meta");
		run.phase = ph;
		r->rc = bench_team_run((int)dirs, meta_worker, &run, meta_tick,
				       &run, &r->seconds);
		if (r->rc)
			goto out;
		r->ops_s = r->seconds > 0 ? (double)p->n / r->seconds : 0;
		bench_progress_step("[%d/%d] %ld dir%s, %ld thread%s: %s "
				    "%.0f ops/s", idx, total, dirs,
				    dirs == 1 ? "" : "s", dirs,
				    dirs == 1 ? "" : "s",
				    meta_phase_names[ph], r->ops_s);
	}
out:
	for (int i = 0; i < made; i++) {
		snprintf(path, sizeof(path), "%s/d%ld.%d", work, dirs, i);
		bench_workdir_remove(path);
	}
}

static void meta_print_table(const struct meta_params *p,
			     const struct meta_result *res, int n)
{
	printf("\n%5s %7s %9s %-7s %11s %9s\n", "dirs", "threads", "files",
	       "phase", "ops/s", "seconds");
	for (int i = 0; i < n; i++) {
		const struct meta_result *r = &res[i];

		printf("%5ld %7ld %9ld %-7s ", r->dirs, r->dirs, p->n,
		       meta_phase_names[r->phase]);
		if (r->rc == -ECANCELED)
			printf("skipped (an earlier phase failed)\n");
		else if (r->rc)
			printf("failed: %s\n", tool_strerror(r->rc));
		else
			printf("%11.1f %9.3f\n", r->ops_s, r->seconds);
	}
}

static int meta_write_csv(const struct meta_params *p,
			  const struct meta_result *res, int n)
{
	FILE *f = bench_csv_open(p->csv);

	if (!f)
		return -EIO;
	fprintf(f, "dirs,threads,files,phase,ops_s,seconds,caches_dropped,"
		   "error\n");
	for (int i = 0; i < n; i++) {
		const struct meta_result *r = &res[i];

		fprintf(f, "%ld,%ld,%ld,%s,", r->dirs, r->dirs, p->n,
			meta_phase_names[r->phase]);
		if (r->rc)
			fprintf(f, ",,%d,%s\n", r->dropped,
				tool_strerror(r->rc));
		else
			fprintf(f, "%.3f,%.6f,%d,\n", r->ops_s, r->seconds,
				r->dropped);
	}
	return bench_csv_close(f, p->csv);
}

static void meta_usage(FILE *out)
{
	fprintf(out,
		"usage: glint bench meta [-d DIR] [-n N] [--dirs LIST] "
		"[--csv FILE] [--no-drop] [--quick]\n"
		"  -d, --dir DIR     a directory on the mount (" BENCH_DEFAULT_DIR
		")\n"
		"  -n, --files N     files in all, spread over the directories "
		"(10000)\n"
		"  --dirs LIST       directory counts, one thread each (1,4)\n"
		"  --csv FILE        also write the rows as CSV\n"
		"  --no-drop         do not drop caches before stat and unlink\n"
		"  --quick           small preset: -n 500\n");
}

static int meta_parse(int argc, char **argv, struct meta_params *p,
		      int *help)
{
	const char *n = NULL, *dirs = "1,4", *bad = NULL;
	int quick = 0, no_drop = 0;

	memset(p, 0, sizeof(*p));
	p->dir = BENCH_DEFAULT_DIR;
	const struct bench_flag flags[] = {
		{ "-d", "--dir", &p->dir, NULL },
		{ "-n", "--files", &n, NULL },
		{ NULL, "--dirs", &dirs, NULL },
		{ NULL, "--csv", &p->csv, NULL },
		{ NULL, "--no-drop", NULL, &no_drop },
		{ NULL, "--quick", NULL, &quick },
		{ 0 },
	};

	if (bench_parse_flags("meta", argc, argv, flags, help))
		return -EINVAL;
	if (*help)
		return 0;
	p->drop = !no_drop;
	if (!n)
		n = quick ? "500" : "10000";
	if (bench_parse_long(n, 1, META_MAX_N, &p->n))
		bad = "-n: a number of files from 1 to 100000000";
	else if (bench_parse_long_list(dirs, 1, META_MAX_DIRS, p->dirs,
				       &p->ndirs))
		bad = "--dirs: a list of directory counts from 1 to 64";
	else if (!*p->dir || (p->csv && !*p->csv))
		bad = "-d and --csv need a non-empty value";
	for (int i = 0; !bad && i < p->ndirs; i++)
		if (p->dirs[i] > p->n)
			bad = "--dirs: more directories than files";
	if (bad) {
		fprintf(stderr, "glint bench meta: %s\n", bad);
		return -EINVAL;
	}
	return 0;
}

int bench_meta(const struct tool_opts *o, int argc, char **argv)
{
	struct meta_result *res = NULL;
	struct meta_params p;
	char work[BENCH_WORK_MAX], cmd[META_CMD_MAX];
	int help = 0, rows, status = 1, failed = 0;

	(void)o;
	if (meta_parse(argc, argv, &p, &help)) {
		meta_usage(stderr);
		return 2;
	}
	if (help) {
		meta_usage(stdout);
		return 0;
	}
	rows = p.ndirs * META_NPHASES;
	res = calloc((size_t)rows, sizeof(*res));
	if (!res)
		return 1;
	if (bench_workdir_create(p.dir, work))
		goto out;
	cmd[0] = '\0';
	bench_cmd_append(cmd, sizeof(cmd), "glint bench meta -d");
	bench_cmd_append_word(cmd, sizeof(cmd), p.dir);
	bench_cmd_append(cmd, sizeof(cmd), " -n %ld --dirs", p.n);
	for (int i = 0; i < p.ndirs; i++)
		bench_cmd_append(cmd, sizeof(cmd), "%s%ld", i ? "," : " ",
				 p.dirs[i]);
	if (!p.drop)
		bench_cmd_append(cmd, sizeof(cmd), " --no-drop");
	printf("glint bench meta\n");
	bench_print_context(cmd);
	printf("directory:  %s (scratch %s, removed at the end)\n", p.dir,
	       work);
	printf("each run:   %ld files in all, spread evenly over D "
	       "directories, one thread per directory;\n"
	       "            phases create (open O_CREAT|O_EXCL + close), "
	       "stat, unlink; %s\n", p.n,
	       p.drop ? "caches dropped before stat and before unlink\n"
			"            (" BENCH_DROP_HOW ")" :
			"caches NOT dropped (--no-drop)");
	printf("            D in {");
	for (int i = 0; i < p.ndirs; i++)
		printf("%s%ld", i ? "," : "", p.dirs[i]);
	printf("}; ops/s = files / time from the common start to the last "
	       "thread's end\n");
	fflush(stdout);
	for (int i = 0; i < p.ndirs; i++) {
		meta_run_dirs(&p, work, p.dirs[i], i + 1, p.ndirs,
			      &res[i * META_NPHASES]);
		for (int ph = 0; ph < META_NPHASES; ph++)
			failed += res[i * META_NPHASES + ph].rc != 0;
	}
	bench_progress_clear();
	bench_workdir_remove(work);
	meta_print_table(&p, res, rows);
	if (p.csv) {
		if (meta_write_csv(&p, res, rows))
			failed++;
		else
			printf("\ncsv:        %s\n", p.csv);
	}
	status = failed ? 1 : 0;
out:
	free(res);
	return status;
}
