/*
 * config.h - one option table per program drives parsing, validation,
 * --help and the effective-config dump (model: Redis static_configs[]).
 *
 * A program declares its settings once, as a table of struct config_option
 * whose offsets point into its own config struct (struct mds_config, ...),
 * and config_parse() fills that struct: first every default, then the
 * --config FILE if one was given, then the command-line flags, which win.
 * The same names work in both places: "stripe-size = 4M" in the file is
 * --stripe-size=4M on the command line ('-' and '_' match each other).
 *
 * Errors: nothing here prints unless asked to, and nothing exits. A bad
 * value, a value out of range or an unknown key returns -EINVAL and leaves
 * one line in res->err naming the key, the value and what is accepted:
 *   glint-oss: bad value "12X" for --capacity: expected a size in bytes
 *   (suffix K, M, G, T) between 1M and 1P
 * The caller prints it to stderr and exits non-zero. --help and
 * --dump-config come back in res->action; config_print_action() prints.
 *
 * Memory: string, path and address values are malloc'd copies owned by the
 * config struct until config_fini(). Not thread-safe; call from main before
 * threads start. Not here: cross-option checks (the program does them after
 * parsing) and reloading a running server's configuration.
 */
#ifndef GLINT_COMMON_CONFIG_H
#define GLINT_COMMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Option types, with the C type of the field each one writes. */
enum config_type {
	CONFIG_BOOL,	/* bool: yes/no, true/false, on/off, 1/0 */
	CONFIG_INT64,	/* int64_t: decimal, within [min, max] */
	CONFIG_SIZE,	/* uint64_t bytes: "4096", "1M", "1.5G", "64KiB" */
	CONFIG_STRING,	/* char *: any text, malloc'd */
	CONFIG_ENUM,	/* int: index of the name in values[] */
	CONFIG_ADDRESS, /* char *: "HOST:PORT", "[::1]:988", ":988", malloc'd */
	CONFIG_PATH,	/* char *: a file or directory path, malloc'd */
};

/*
 * One option. A table is an array of these ended by an entry whose name is
 * NULL (CONFIG_END). Declare entries with the CONFIG_OPT_* macros below, which
 * also check at compile time that the field has the C type the option writes.
 */
struct config_option {
	const char *name;	   /* key: [a-z0-9-], e.g. "stripe-size" */
	char short_name;	   /* -x alias on the command line; 0: none */
	enum config_type type;	   /* how the value is parsed and stored */
	const char *default_value; /* parsed like user input; NULL: 0, false,
				      first enum value, or NULL string */
	int64_t min;		   /* CONFIG_INT64 inclusive bounds; */
	int64_t max;		   /* min == max == 0: any int64 */
	uint64_t size_min;	   /* CONFIG_SIZE inclusive bounds in bytes; */
	uint64_t size_max;	   /* size_max == 0: no upper bound */
	const char *const *values; /* CONFIG_ENUM: NULL-terminated names */
	const char *help;	   /* one line for --help and the dump */
	size_t offset;		   /* offsetof() of the field in the config */
};

/*
 * Entry macros: they expand to designated initializers without braces, so an
 * entry can add fields: { CONFIG_OPT_INT64(...), .short_name = 'c' },
 * A field of the wrong C type fails to compile ("negative size array").
 */
#define CONFIG_TYPECHECK_(T, f, ctype)                                       \
	(0 * sizeof(char[_Generic(((T *)0)->f, ctype: 1, default: -1)]))
#define CONFIG_INTCHECK_(T, f)                                               \
	(0 * sizeof(char[sizeof(((T *)0)->f) == sizeof(int) ? 1 : -1]))

#define CONFIG_OPT_BOOL(T, f, name_, def, help_)                             \
	.name = (name_), .type = CONFIG_BOOL, .default_value = (def),        \
	.help = (help_), .offset = offsetof(T, f) + CONFIG_TYPECHECK_(T, f, bool)
#define CONFIG_OPT_INT64(T, f, name_, def, min_, max_, help_)                \
	.name = (name_), .type = CONFIG_INT64, .default_value = (def),       \
	.min = (min_), .max = (max_), .help = (help_),                       \
	.offset = offsetof(T, f) + CONFIG_TYPECHECK_(T, f, int64_t)
#define CONFIG_OPT_SIZE(T, f, name_, def, min_, max_, help_)                 \
	.name = (name_), .type = CONFIG_SIZE, .default_value = (def),        \
	.size_min = (min_), .size_max = (max_), .help = (help_),             \
	.offset = offsetof(T, f) + CONFIG_TYPECHECK_(T, f, uint64_t)
#define CONFIG_OPT_STRING(T, f, name_, def, help_)                           \
	.name = (name_), .type = CONFIG_STRING, .default_value = (def),      \
	.help = (help_), .offset = offsetof(T, f) + CONFIG_TYPECHECK_(T, f, char *)
#define CONFIG_OPT_PATH(T, f, name_, def, help_)                             \
	.name = (name_), .type = CONFIG_PATH, .default_value = (def),        \
	.help = (help_), .offset = offsetof(T, f) + CONFIG_TYPECHECK_(T, f, char *)
#define CONFIG_OPT_ADDRESS(T, f, name_, def, help_)                          \
	.name = (name_), .type = CONFIG_ADDRESS, .default_value = (def),     \
	.help = (help_), .offset = offsetof(T, f) + CONFIG_TYPECHECK_(T, f, char *)
/* The field is an int or an enum type of the same size. */
#define CONFIG_OPT_ENUM(T, f, name_, def, values_, help_)                    \
	.name = (name_), .type = CONFIG_ENUM, .default_value = (def),        \
	.values = (values_), .help = (help_),                                \
	.offset = offsetof(T, f) + CONFIG_INTCHECK_(T, f)
#define CONFIG_END { .name = NULL }

/* Handy bounds for CONFIG_OPT_SIZE. */
#define CONFIG_KIB (UINT64_C(1) << 10)
#define CONFIG_MIB (UINT64_C(1) << 20)
#define CONFIG_GIB (UINT64_C(1) << 30)
#define CONFIG_TIB (UINT64_C(1) << 40)
#define CONFIG_PIB (UINT64_C(1) << 50)

/* What the program should do after a successful config_parse(). */
enum config_action {
	CONFIG_ACTION_RUN,  /* normal start */
	CONFIG_ACTION_HELP, /* --help/-h: print config_usage(), exit 0 */
	CONFIG_ACTION_DUMP, /* --dump-config: print config_dump(), exit 0 */
};

#define CONFIG_ERR_MAX 512

/*
 * Output of config_parse(). Zeroed is a valid empty state; release with
 * config_result_fini() whatever config_parse() returned.
 */
struct config_result {
	enum config_action action; /* see above */
	unsigned flags;		   /* CONFIG_PARSE_* given to the parse */
	const char *program;	   /* basename of argv[0]; borrowed */
	const char *config_file;   /* the --config FILE read, or NULL; borrowed
				      from argv */
	int nargs;		   /* number of positional arguments */
	char **args;		   /* positional arguments in order, NULL-
				      terminated; the array is owned by the
				      result, the strings are argv's */
	char err[CONFIG_ERR_MAX];  /* one-line message when parsing failed */
};

/* Flags for config_parse_flags(). */
#define CONFIG_PARSE_NO_FILE  0x1 /* no --config and --dump-config (tools) */
#define CONFIG_PARSE_STOP_ARG 0x2 /* options end at the first positional
				     argument ("glint [opts] cmd [args]") */

/*
 * Command line:  --key=value, --key value, -k value, -kvalue (short_name);
 *                bool: --key (true), --no-key (false), --key=yes|no, -k;
 *                --config FILE, --dump-config, -h/--help; "--" ends options;
 *                anything else ("-" included) is a positional argument,
 *                returned in order in res->args.
 * Config file:   "key = value" or "key value" per line; '#' at the start of
 *                a line or after white space starts a comment (so a path
 *                like /a#b survives); blank lines are skipped; a value may be
 *                "double quoted" with \" \\ \n \t escapes; a bool key alone
 *                on a line means true; a later line overrides an earlier one;
 *                CRLF line ends are accepted.
 *
 * Fill cfg from defaults, the --config file and the flags in argv[1..argc)
 * (argv[0] is the program name, used in messages). cfg must be zeroed (or
 * config_fini()ed) and res may hold anything: both are overwritten.
 *
 * Returns 0 (then see res->action and res->args), or a negative errno with
 * the message in res->err:
 *   -EINVAL  unknown option, missing or bad value, value out of range, bad
 *            config file line, or a bad default in the table (a bug)
 *   -ENOENT, -EACCES, ... the config file cannot be read
 *   -ENOMEM
 * On every return cfg holds only valid or NULL strings, so config_fini()
 * is always safe, and res must be released with config_result_fini().
 */
int config_parse(const struct config_option *table, void *cfg, int argc,
		 char **argv, struct config_result *res);
int config_parse_flags(const struct config_option *table, void *cfg, int argc,
		       char **argv, unsigned flags, struct config_result *res);

/* Free res->args; res stays reusable. Safe on a zeroed result. */
void config_result_fini(struct config_result *res);

/* Free every string the parser stored in cfg and set those fields to NULL. */
void config_fini(const struct config_option *table, void *cfg);

/*
 * Set one option by name ('-' and '_' alike), as a file line or a mount -o
 * option would. Strings are copied. Returns 0, -EINVAL (unknown name or bad
 * value; err gets e.g. 'bad value "x" for capacity: expected ...') or
 * -ENOMEM. err may be NULL.
 */
int config_set(const struct config_option *table, void *cfg, const char *name,
	       const char *value, char *err, size_t err_len);

/*
 * Print a usage text generated from the table to out: "Usage: PROGRAM
 * SYNOPSIS" (synopsis NULL: "[OPTION]..."), then each option with its value
 * type, help, default and accepted range or values. flags as for
 * config_parse_flags() (they decide whether --config is listed).
 */
void config_usage(const struct config_option *table, const char *program,
		  const char *synopsis, unsigned flags, FILE *out);

/*
 * Print the configuration in cfg as a config file that config_parse() reads
 * back to the same values: a comment with each option's help and range,
 * then "name = value". Unset (NULL) strings are written as comments.
 */
void config_dump(const struct config_option *table, const void *cfg,
		 FILE *out);

/*
 * After config_parse() returned 0: for CONFIG_ACTION_HELP print the usage,
 * for CONFIG_ACTION_DUMP print the dump, to out, and return 1 (the program
 * then exits 0); for CONFIG_ACTION_RUN return 0. A main() reads:
 *
 *	rc = config_parse(oss_options, &cfg, argc, argv, &res);
 *	if (rc) {
 *		fprintf(stderr, "%s\n", res.err);
 *		ret = 2;
 *	} else if (config_print_action(oss_options, &cfg, &res, NULL, stdout)) {
 *		ret = 0;
 *	} else {
 *		ret = oss_run(&cfg, res.args, res.nargs);
 *	}
 *	config_result_fini(&res);
 *	config_fini(oss_options, &cfg);
 */
int config_print_action(const struct config_option *table, const void *cfg,
			const struct config_result *res, const char *synopsis,
			FILE *out);

/*
 * Check a table: names well formed and unique, no clash with the built-in
 * options, short names unique, every default valid and within range, enums
 * with values. Meant for each program's unit test. Returns 0, or -EINVAL
 * with the first problem in err.
 */
int config_table_check(const struct config_option *table, char *err,
		       size_t err_len);

/*
 * Parse a size in bytes: decimal digits with an optional fraction and an
 * optional binary suffix, case-insensitive: B, K/KB/KiB, M/MB/MiB, G, T, P,
 * E (all powers of 1024, as in Lustre: 1K = 1024). "1.5G" = 1610612736;
 * a fraction needs a suffix, and a fraction of a byte left over is
 * truncated ("0.1K" = 102). No sign, no spaces. Returns 0, -EINVAL (syntax)
 * or -ERANGE (more than UINT64_MAX).
 */
int config_parse_size(const char *s, uint64_t *out);

/*
 * Human-readable size for tools, like "lfs df -h": "512", "4K", "1.5G",
 * "9.1T" (one decimal, rounded, dropped when the value is exact). Always
 * NUL-terminates; returns the length it needed (snprintf semantics).
 */
int config_format_size(uint64_t bytes, char *buf, size_t len);

/*
 * Exact size: the largest suffix that divides the value ("1M", "1536",
 * "3G"), so config_parse_size() reads back the same number. snprintf
 * semantics as above.
 */
int config_format_size_exact(uint64_t bytes, char *buf, size_t len);

#endif /* GLINT_COMMON_CONFIG_H */
