/*
 * bench_i.h - what the `glint bench` workloads share (internal to tools/).
 *
 * cmd_bench.c dispatches `glint bench WORKLOAD` and holds the helpers:
 * option parsing, a team of worker threads with shared counters, the
 * progress line, dropping caches, the scratch directory. Each workload
 * lives in its own bench_<name>.c and returns the exit status (0, 1 on a
 * failure already printed, 2 usage).
 *
 * Units: MB = 10^6 bytes, times in seconds (double) from CLOCK_MONOTONIC.
 * Everything here is called from the main thread except bench_team_add()
 * and bench_team_stopped(), which the workers call.
 */
#ifndef GLINT_TOOLS_BENCH_I_H
#define GLINT_TOOLS_BENCH_I_H

#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>

#include "tools/tool_i.h"

#define BENCH_DEFAULT_DIR "/mnt/fsx"
#define BENCH_LIST_MAX	  32 /* values in a --counts/--sizes/... list */
#define BENCH_MB	  1e6
/* The scratch directory's path is at most this long, so a file name
 * under it always fits in PATH_MAX. */
#define BENCH_WORK_MAX	  (PATH_MAX - 128)

int bench_stripes(const struct tool_opts *o, int argc, char **argv);
int bench_meta(const struct tool_opts *o, int argc, char **argv);
int bench_loader(const struct tool_opts *o, int argc, char **argv);

/* Seconds since an arbitrary point (CLOCK_MONOTONIC). */
double bench_now(void);

/* Parsing of flag values; 0 or -EINVAL. A size takes K/M/G suffixes. */
int bench_parse_size(const char *s, uint64_t *out);
int bench_parse_long(const char *s, long min, long max, long *out);
/* "a,b,c" -> out[0..*n); at most BENCH_LIST_MAX values, each in bounds. */
int bench_parse_size_list(const char *s, uint64_t min, uint64_t max,
			  uint64_t *out, int *n);
int bench_parse_long_list(const char *s, long min, long max, long *out,
			  int *n);
/*
 * Match argv[*i] against short_name ("-d", may be NULL) or long_name
 * ("--dir") with the value in the next argument, or "--dir=VALUE".
 * 1: matched, *val set, *i advanced past a separate value; 0: another
 * flag; -EINVAL: matched but the value is missing.
 */
int bench_opt(int argc, char **argv, int *i, const char *short_name,
	      const char *long_name, const char **val);

/*
 * A workload's flags as a table, parsed by bench_parse_flags(). A flag
 * with val takes a value (-d DIR, --dir DIR, --dir=DIR) stored as a
 * pointer into argv; one with set is a switch that stores 1. The table
 * ends with a zeroed entry.
 */
struct bench_flag {
	const char *short_name; /* "-d", or NULL */
	const char *long_name;	/* "--dir" */
	const char **val;
	int *set;
};

/* Parse argv[1..argc) against flags; -h/--help sets *help and stops.
 * 0, or -EINVAL after a message naming the workload and the flag. */
int bench_parse_flags(const char *workload, int argc, char **argv,
		      const struct bench_flag *flags, int *help);

/* Build a command line in buf (NUL-terminated, truncated at len): text
 * as printf, or " WORD" quoted for a POSIX shell when it needs it. */
void bench_cmd_append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void bench_cmd_append_word(char *buf, size_t len, const char *word);

/* The exact size ("64K", "1M", "1536") written into buf; returns buf. */
const char *bench_size_str(uint64_t bytes, char *buf, size_t len);

/*
 * Print what identifies a run: the command line that repeats it (argv
 * rebuilt by the workload from its resolved values), the host and the
 * time, on stdout.
 */
void bench_print_context(const char *repeat_cmd);

/*
 * Drop the page, dentry and inode caches: syncfs() the file system that
 * holds dir (only that one: a global sync could wait on an unrelated,
 * stuck mount), then "3" into /proc/sys/vm/drop_caches. 0 or -errno
 * (-EACCES when not root).
 */
int bench_drop_caches(const char *dir);

/*
 * The caches step of a workload: when enabled, drop them; on failure say
 * why once (later failures are silent) and return the error so the
 * workload can mark its results. enabled 0: do nothing, return 0.
 */
int bench_drop_caches_step(int enabled, const char *dir,
			   const char *workload);

/* How the caches step is described in a workload's parameters. */
#define BENCH_DROP_HOW "syncfs; echo 3 > /proc/sys/vm/drop_caches"

/* A scratch directory DIR/glint-bench.PID made for one run, into out
 * (BENCH_WORK_MAX bytes); removed with everything under it by
 * bench_workdir_remove(). 0 or -errno (printed). */
int bench_workdir_create(const char *dir, char out[BENCH_WORK_MAX]);
void bench_workdir_remove(const char *path);

/* The progress line on stderr: rewritten in place on a terminal
 * (bench_progress_tick), a plain line per step otherwise. */
void bench_progress_tick(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void bench_progress_step(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void bench_progress_clear(void);

/*
 * A team of n worker threads that start together (a barrier) and run
 * fn(team, idx, arg) for idx 0..n-1. The main thread calls tick(ctx, team,
 * elapsed) about 5 times a second until all are done. *elapsed_s is from
 * the start to the end of the last worker. Returns 0 or the first
 * worker's negative errno (the others see bench_team_stopped() and should
 * return early); -errno if threads cannot be started.
 */
struct bench_team;
typedef int (*bench_work_fn)(struct bench_team *t, int idx, void *arg);
typedef void (*bench_tick_fn)(void *ctx, const struct bench_team *t,
			      double elapsed_s);
int bench_team_run(int n, bench_work_fn fn, void *arg, bench_tick_fn tick,
		   void *ctx, double *elapsed_s);
void bench_team_add(struct bench_team *t, uint64_t bytes, uint64_t ops);
uint64_t bench_team_bytes(const struct bench_team *t);
uint64_t bench_team_ops(const struct bench_team *t);
int bench_team_stopped(struct bench_team *t);

/* Fill buf with pseudo-random bytes from *state (xorshift64*). */
void bench_fill_random(void *buf, size_t len, uint64_t *state);
uint64_t bench_random(uint64_t *state);

/* Open a CSV for writing; NULL and a message on failure. */
FILE *bench_csv_open(const char *path);
/* fclose with a check; 0 or -errno (printed). */
int bench_csv_close(FILE *f, const char *path);

#endif /* GLINT_TOOLS_BENCH_I_H */
