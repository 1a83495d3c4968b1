/*
 * tool_i.h - shared state of the glint tool's subcommands (internal).
 *
 * `glint [GLOBAL OPTIONS] COMMAND [ARGS]`, in the spirit of Lustre's lfs.
 * main.c parses the global options and dispatches through a table of
 * commands; each command lives in its own cmd_<name>.c and returns the
 * process exit status: 0 success, 1 failure (message already printed),
 * 2 usage error.
 */
#ifndef GLINT_TOOLS_TOOL_I_H
#define GLINT_TOOLS_TOOL_I_H

#include <stdint.h>

struct tool_opts {
	const char *mds;     /* MDS address, HOST[:PORT] */
	const char *fsname;  /* file system name */
	uint32_t timeout_ms; /* per-RPC timeout */
};

int cmd_ping(const struct tool_opts *o, int argc, char **argv);
int cmd_df(const struct tool_opts *o, int argc, char **argv);
/* cmd_stripe.c: work on a path of a mounted Glint file system. */
int cmd_setstripe(const struct tool_opts *o, int argc, char **argv);
int cmd_getstripe(const struct tool_opts *o, int argc, char **argv);
/* cmd_bench.c (and bench_*.c): benchmarks on a mounted directory. */
int cmd_bench(const struct tool_opts *o, int argc, char **argv);

/*
 * cmd_stripe.c, for other commands. path is on a mounted Glint file
 * system; each call connects to its MDS and disconnects. Errors are printed
 * as "glint CMD: PATH: why" and returned as -errno.
 *
 * stripe_set_path: what `glint setstripe -c count -S size -i first_ost
 * path` does: a new path becomes an empty file with that layout, an
 * existing empty file or a directory gets it (0 = inherit, count -1 = all
 * OSTs, first_ost -1 = the MDS chooses).
 * stripe_get_path: a file's stripe count and size as allocated (for a
 * directory: its default, -1 = all).
 * stripe_describe_path: the file system that holds path.
 */
#define STRIPE_ADDR_MAX 300
struct stripe_fs_info {
	char mds[STRIPE_ADDR_MAX]; /* HOST[:PORT] from the mount's spec */
	char fsname[80];
	uint32_t nosts;		   /* OSTs in the map */
	uint32_t stripe_size;	   /* file system default */
	int32_t stripe_count;	   /* file system default, -1 = all */
};
int stripe_set_path(const struct tool_opts *o, const char *cmd,
		    const char *path, int32_t count, uint32_t size,
		    int32_t first_ost);
/* stripe_set_path with a layout pattern too: PROTO_PATTERN_LZ4 or
 * PROTO_PATTERN_NOCOMPR (setstripe -Z), 0 = inherit. */
int stripe_set_path_z(const struct tool_opts *o, const char *cmd,
		      const char *path, int32_t count, uint32_t size,
		      int32_t first_ost, uint32_t pattern);
int stripe_get_path(const struct tool_opts *o, const char *cmd,
		    const char *path, uint32_t *nstripes,
		    uint32_t *stripe_size);
int stripe_describe_path(const struct tool_opts *o, const char *cmd,
			 const char *path, struct stripe_fs_info *info);

/* strerror of a negative errno, for messages. */
const char *tool_strerror(int neg_errno);

#endif /* GLINT_TOOLS_TOOL_I_H */
