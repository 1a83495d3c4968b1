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

/* strerror of a negative errno, for messages. */
const char *tool_strerror(int neg_errno);

#endif /* GLINT_TOOLS_TOOL_I_H */
