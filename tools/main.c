/*
 * main.c - glint: the user and admin tool, in the spirit of Lustre's lfs.
 *
 *   glint [--mds HOST:PORT] [--fsname NAME] [--timeout MS] COMMAND [ARGS]
 *
 * Global options come from one option table; the MDS address defaults to
 * $GLINT_MDS, else 127.0.0.1:988. Commands are dispatched through a table
 * (name, function, synopsis); each returns the exit status.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/log.h"
#include "tools/tool_i.h"

struct tool_config {
	char *mds;
	char *fsname;
	int64_t timeout_ms;
	int log_level;
};

static const char *const level_names[] = { "debug", "info", "notice",
					   "warning", "error", NULL };

static const struct config_option tool_options[] = {
	{ CONFIG_OPT_ADDRESS(struct tool_config, mds, "mds", "127.0.0.1:988",
			     "MDS address (default: $GLINT_MDS, else 127.0.0.1:988)") },
	{ CONFIG_OPT_STRING(struct tool_config, fsname, "fsname", "fsx",
			    "file system name") },
	{ CONFIG_OPT_INT64(struct tool_config, timeout_ms, "timeout", "10000",
			   100, 3600000, "RPC timeout in milliseconds") },
	{ CONFIG_OPT_ENUM(struct tool_config, log_level, "log-level", "warning",
			  level_names, "least severe level logged to stderr") },
	CONFIG_END,
};

struct tool_cmd {
	const char *name;
	int (*fn)(const struct tool_opts *o, int argc, char **argv);
	const char *synopsis;
};

static const struct tool_cmd tool_cmds[] = {
	{ "df", cmd_df, "df [-h] [-i]            space (or inodes) per MDT/OST and total" },
	{ "ping", cmd_ping, "ping HOST:PORT [-c N]   HELLO and PING a Glint server" },
	{ "setstripe", cmd_setstripe,
	  "setstripe [-c COUNT] [-S SIZE] [-i INDEX] PATH\n"
	  "                          create PATH with a layout, or set a directory's default" },
	{ "getstripe", cmd_getstripe,
	  "getstripe [-c|-S|-i] [-d] PATH\n"
	  "                          show the layout of a file or a directory's default" },
	{ "bench", cmd_bench,
	  "bench stripes|meta|loader [-d DIR] [OPTIONS]\n"
	  "                          benchmarks on a mounted directory "
	  "(glint bench --help)" },
	{ NULL, NULL, NULL },
};

const char *tool_strerror(int neg_errno)
{
	return strerror(neg_errno < 0 ? -neg_errno : neg_errno);
}

static void tool_usage(FILE *out)
{
	config_usage(tool_options, "glint", "[OPTION]... COMMAND [ARG]...",
		     CONFIG_PARSE_NO_FILE | CONFIG_PARSE_STOP_ARG, out);
	fprintf(out, "\nCommands:\n");
	for (const struct tool_cmd *c = tool_cmds; c->name; c++)
		fprintf(out, "  %s\n", c->synopsis);
}

int main(int argc, char **argv)
{
	struct config_result res = { 0 };
	struct tool_config cfg = { 0 };
	struct tool_opts o;
	const char *env = getenv("GLINT_MDS");
	int status = 2, rc;

	rc = config_parse_flags(tool_options, &cfg, argc, argv,
				CONFIG_PARSE_NO_FILE | CONFIG_PARSE_STOP_ARG,
				&res);
	if (rc) {
		fprintf(stderr, "%s\n", res.err);
		goto out;
	}
	if (res.action == CONFIG_ACTION_HELP) {
		tool_usage(stdout);
		status = 0;
		goto out;
	}
	if (env && *env) {
		/* $GLINT_MDS only replaces the built-in default. */
		int given = 0;

		for (int i = 1; i < argc && argv[i] != res.args[0]; i++)
			given |= !strncmp(argv[i], "--mds", 5);
		if (!given && config_set(tool_options, &cfg, "mds", env, res.err,
					 sizeof(res.err))) {
			fprintf(stderr, "glint: $GLINT_MDS: %s\n", res.err);
			goto out;
		}
	}
	if (!res.nargs) {
		tool_usage(stderr);
		goto out;
	}
	log_init("glint", (enum log_level)cfg.log_level, NULL);
	o.mds = cfg.mds;
	o.fsname = cfg.fsname;
	o.timeout_ms = (uint32_t)cfg.timeout_ms;
	for (const struct tool_cmd *c = tool_cmds; c->name; c++) {
		if (!strcmp(c->name, res.args[0])) {
			status = c->fn(&o, res.nargs, res.args);
			goto out;
		}
	}
	fprintf(stderr, "glint: unknown command '%s' (see glint --help)\n",
		res.args[0]);
out:
	config_fini(tool_options, &cfg);
	config_result_fini(&res);
	return status;
}
