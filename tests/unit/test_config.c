/*
 * test_config.c - unit tests of common/config.c.
 *
 * One test table that uses every option type parses: defaults, flags of
 * every form, a config file with flags overriding it, exact error messages
 * for bad values, unknown keys and out-of-range values, range limits, size
 * suffixes and formatting, positional arguments, --help, and a
 * --dump-config / --config round trip. Pure: no sockets; temporary config
 * files come from mkstemp() and are removed. Exit 0 pass, 1 fail.
 */
#include "common/config.h"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK_STR(a, b)                                                      \
	do {                                                                 \
		const char *a_ = (a), *b_ = (b);                             \
		if (!a_ || !b_ || strcmp(a_, b_)) {                          \
			fprintf(stderr,                                      \
				"%s:%d: CHECK_STR failed: %s\n  got:  %s\n"  \
				"  want: %s\n",                              \
				__FILE__, __LINE__, #a, a_ ? a_ : "(null)",  \
				b_ ? b_ : "(null)");                         \
			failures++;                                          \
		}                                                            \
	} while (0)

enum test_level { LEVEL_LOW, LEVEL_HIGH };

struct test_cfg {
	bool verbose;
	bool sync;
	int64_t stripe_count;
	uint64_t capacity;
	uint64_t chunk;
	char *fsname;
	int mode;
	enum test_level level;
	char *listen;
	char *dir;
	char *log_file;
	int untouched; /* not an option: the parser must leave it alone */
};

static const char *const test_modes[] = { "scratch", "persistent", NULL };
static const char *const test_levels[] = { "low", "high", NULL };

#define T struct test_cfg
static const struct config_option test_table[] = {
	{ CONFIG_OPT_BOOL(T, verbose, "verbose", "false", "log debug lines"),
	  .short_name = 'v' },
	{ CONFIG_OPT_BOOL(T, sync, "sync", "yes", "sync every commit") },
	{ CONFIG_OPT_INT64(T, stripe_count, "stripe-count", "1", -1, 2000,
			   "OSTs per file"),
	  .short_name = 'c' },
	{ CONFIG_OPT_SIZE(T, capacity, "capacity", "1T", CONFIG_MIB,
			  CONFIG_PIB, "OST capacity") },
	{ CONFIG_OPT_SIZE(T, chunk, "chunk-size", "64K", 0, 0,
			  "object chunk size"),
	  .short_name = 'S' },
	{ CONFIG_OPT_STRING(T, fsname, "fsname", "glint", "file system name") },
	{ CONFIG_OPT_ENUM(T, mode, "deployment-type", "scratch", test_modes,
			  "deployment type") },
	{ CONFIG_OPT_ENUM(T, level, "level", NULL, test_levels, "a level") },
	{ CONFIG_OPT_ADDRESS(T, listen, "listen", "0.0.0.0:1018",
			     "address to listen on") },
	{ CONFIG_OPT_PATH(T, dir, "dir", "/var/lib/glint", "backing dir") },
	{ CONFIG_OPT_PATH(T, log_file, "log-file", NULL, "log file") },
	CONFIG_END,
};
#undef T

/* Parse a NULL-terminated list of arguments after "glint-oss". */
static int parse(struct test_cfg *cfg, struct config_result *res,
		 unsigned flags, ...)
{
	char *argv[32] = { "glint-oss" };
	int argc = 1, rc;
	va_list ap;

	va_start(ap, flags);
	for (char *a; (a = va_arg(ap, char *)) && argc < 31;)
		argv[argc++] = a;
	va_end(ap);
	config_fini(test_table, cfg);
	memset(cfg, 0, sizeof(*cfg));
	cfg->untouched = 42;
	rc = config_parse_flags(test_table, cfg, argc, argv, flags, res);
	CHECK(cfg->untouched == 42);
	return rc;
}

/* Write text to a new temporary file; path receives its name. */
static void write_temp(char *path, size_t len, const char *text)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, len, "%s/glint-test-config-XXXXXX", dir ? dir : "/tmp");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

static void test_table_check(void)
{
	static const struct config_option bad_default[] = {
		{ CONFIG_OPT_INT64(struct test_cfg, stripe_count, "n", "5", 0, 4,
				   "") },
		CONFIG_END,
	};
	static const struct config_option dup[] = {
		{ CONFIG_OPT_BOOL(struct test_cfg, verbose, "a", NULL, "") },
		{ CONFIG_OPT_BOOL(struct test_cfg, sync, "a", NULL, "") },
		CONFIG_END,
	};
	static const struct config_option reserved[] = {
		{ CONFIG_OPT_PATH(struct test_cfg, dir, "config", NULL, "") },
		CONFIG_END,
	};
	static const struct config_option short_h[] = {
		{ CONFIG_OPT_BOOL(struct test_cfg, verbose, "x", NULL, ""),
		  .short_name = 'h' },
		CONFIG_END,
	};
	static const struct config_option bad_name[] = {
		{ CONFIG_OPT_BOOL(struct test_cfg, verbose, "Big_Name", NULL,
				  "") },
		CONFIG_END,
	};
	struct test_cfg cfg = { 0 };
	struct config_result res;
	char err[256];
	char *argv[] = { "prog", NULL };

	CHECK(config_table_check(test_table, err, sizeof(err)) == 0);
	CHECK(config_table_check(bad_default, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "option n: bad default \"5\": expected an integer "
		       "between 0 and 4");
	CHECK(config_table_check(dup, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "option a: duplicate name");
	CHECK(config_table_check(reserved, err, sizeof(err)) == -EINVAL);
	CHECK(config_table_check(short_h, err, sizeof(err)) == -EINVAL);
	CHECK(config_table_check(bad_name, err, sizeof(err)) == -EINVAL);

	/* A bad default is caught by config_parse() too. */
	CHECK(config_parse(bad_default, &cfg, 1, argv, &res) == -EINVAL);
	CHECK_STR(res.err, "prog: internal error: default of option n: bad "
			   "value \"5\" for n: expected an integer between 0 "
			   "and 4");
	config_result_fini(&res);
}

static void test_defaults(void)
{
	struct test_cfg cfg = { 0 };
	struct config_result res;

	CHECK(parse(&cfg, &res, 0, NULL) == 0);
	CHECK(res.action == CONFIG_ACTION_RUN);
	CHECK(res.nargs == 0 && res.args && res.args[0] == NULL);
	CHECK(res.config_file == NULL);
	CHECK_STR(res.program, "glint-oss");
	CHECK(cfg.verbose == false);
	CHECK(cfg.sync == true);
	CHECK(cfg.stripe_count == 1);
	CHECK(cfg.capacity == (UINT64_C(1) << 40));
	CHECK(cfg.chunk == 65536);
	CHECK_STR(cfg.fsname, "glint");
	CHECK(cfg.mode == 0);
	CHECK(cfg.level == LEVEL_LOW);
	CHECK_STR(cfg.listen, "0.0.0.0:1018");
	CHECK_STR(cfg.dir, "/var/lib/glint");
	CHECK(cfg.log_file == NULL);
	config_result_fini(&res);
	config_fini(test_table, &cfg);
	CHECK(cfg.fsname == NULL && cfg.listen == NULL && cfg.dir == NULL);
	config_fini(test_table, &cfg); /* twice is harmless */
}

static void test_flags_every_type(void)
{
	struct test_cfg cfg = { 0 };
	struct config_result res;
	char *argv[] = { "/usr/sbin/glint-oss", "pos1", "--verbose",
			 "--no-sync", "--stripe-count=-1", "--capacity", "2T",
			 "-S", "1M", "--fsname=scratch1",
			 "--deployment-type=PERSISTENT", "--level", "high",
			 "--listen=[::1]:988", "--dir", "/tmp/ost0",
			 "--log-file=", "pos2", "--", "--not-an-option", "-",
			 NULL };

	CHECK(config_parse(test_table, &cfg, 21, argv, &res) == 0);
	CHECK_STR(res.program, "glint-oss");
	CHECK(cfg.verbose == true);
	CHECK(cfg.sync == false);
	CHECK(cfg.stripe_count == -1);
	CHECK(cfg.capacity == 2 * (UINT64_C(1) << 40));
	CHECK(cfg.chunk == 1048576);
	CHECK_STR(cfg.fsname, "scratch1");
	CHECK(cfg.mode == 1);
	CHECK(cfg.level == LEVEL_HIGH);
	CHECK_STR(cfg.listen, "[::1]:988");
	CHECK_STR(cfg.dir, "/tmp/ost0");
	CHECK_STR(cfg.log_file, "");
	CHECK(res.nargs == 4);
	if (res.nargs == 4) {
		CHECK_STR(res.args[0], "pos1");
		CHECK_STR(res.args[1], "pos2");
		CHECK_STR(res.args[2], "--not-an-option");
		CHECK_STR(res.args[3], "-");
		CHECK(res.args[4] == NULL);
	}
	config_result_fini(&res);

	/* Short forms, explicit bools, underscores, last flag wins. */
	CHECK(parse(&cfg, &res, 0, "-v", "-c4", "--sync=no", "--sync=on",
		    "--stripe_count", "7", "-c", "-1", "--chunk_size=4k",
		    "--verbose=false", NULL) == 0);
	CHECK(cfg.verbose == false);
	CHECK(cfg.sync == true);
	CHECK(cfg.stripe_count == -1);
	CHECK(cfg.chunk == 4096);
	config_result_fini(&res);

	/* Addresses in every accepted form. */
	static const char *const good[] = { "0.0.0.0:988", "[::1]:988", ":988",
					    "mds1.example.com:0",
					    "localhost:65535", "[::]:1018" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char flag[64];

		snprintf(flag, sizeof(flag), "--listen=%s", good[i]);
		CHECK(parse(&cfg, &res, 0, flag, NULL) == 0);
		CHECK_STR(cfg.listen, good[i]);
		config_result_fini(&res);
	}
	config_fini(test_table, &cfg);
}

/* Parse one bad argument list and compare the message. */
static void check_error(const char *want, int want_rc, ...)
{
	struct test_cfg cfg = { 0 };
	struct config_result res;
	char *argv[16] = { "glint-oss" };
	int argc = 1, rc;
	va_list ap;

	va_start(ap, want_rc);
	for (char *a; (a = va_arg(ap, char *)) && argc < 15;)
		argv[argc++] = a;
	va_end(ap);
	rc = config_parse(test_table, &cfg, argc, argv, &res);
	if (rc != want_rc)
		fprintf(stderr, "rc %d, want %d for \"%s\"\n", rc, want_rc,
			want);
	CHECK(rc == want_rc);
	CHECK_STR(res.err, want);
	CHECK(res.args == NULL);
	config_result_fini(&res);
	config_fini(test_table, &cfg);
}

static void test_bad_values(void)
{
	check_error("glint-oss: bad value \"12X\" for --capacity: expected a "
		    "size in bytes (suffix K, M, G, T) between 1M and 1P",
		    -EINVAL, "--capacity=12X", NULL);
	check_error("glint-oss: bad value \"512K\" for --capacity: expected a "
		    "size in bytes (suffix K, M, G, T) between 1M and 1P",
		    -EINVAL, "--capacity", "512K", NULL);
	check_error("glint-oss: bad value \"-5\" for -S: expected a size in "
		    "bytes (suffix K, M, G, T)",
		    -EINVAL, "-S", "-5", NULL);
	check_error("glint-oss: bad value \"2001\" for --stripe-count: "
		    "expected an integer between -1 and 2000",
		    -EINVAL, "--stripe-count=2001", NULL);
	check_error("glint-oss: bad value \"four\" for -c: expected an "
		    "integer between -1 and 2000",
		    -EINVAL, "-cfour", NULL);
	check_error("glint-oss: bad value \"1.0\" for --stripe-count: "
		    "expected an integer between -1 and 2000",
		    -EINVAL, "--stripe-count=1.0", NULL);
	check_error("glint-oss: bad value \"maybe\" for --verbose: expected "
		    "yes/no, true/false, on/off or 1/0",
		    -EINVAL, "--verbose=maybe", NULL);
	check_error("glint-oss: bad value \"fast\" for --deployment-type: "
		    "expected one of: scratch, persistent",
		    -EINVAL, "--deployment-type", "fast", NULL);
	static const char *const bad_addr[] = {
		"::1:988", "host", "host:", "host:65536", "host:-1", "[::1]",
		"[::1", "[zz]:1", "a b:1", "988", "300.1.1.1:5", "",
	};
	for (size_t i = 0; i < sizeof(bad_addr) / sizeof(bad_addr[0]); i++) {
		char flag[64], want[256];

		snprintf(flag, sizeof(flag), "--listen=%s", bad_addr[i]);
		snprintf(want, sizeof(want),
			 "glint-oss: bad value \"%s\" for --listen: expected "
			 "HOST:PORT with a port from 0 to 65535 (e.g. "
			 "0.0.0.0:988, [::1]:988, :988)",
			 bad_addr[i]);
		check_error(want, -EINVAL, flag, NULL);
	}
	check_error("glint-oss: unknown option --bogus (see --help)", -EINVAL,
		    "--bogus=1", NULL);
	check_error("glint-oss: unknown option --no-capacity (see --help)",
		    -EINVAL, "--no-capacity", NULL);
	check_error("glint-oss: unknown option -x (see --help)", -EINVAL,
		    "-x", NULL);
	check_error("glint-oss: option --capacity needs a value (SIZE)",
		    -EINVAL, "--capacity", NULL);
	check_error("glint-oss: option -c needs a value (INT)", -EINVAL, "-c",
		    NULL);
	check_error("glint-oss: option --no-verbose takes no value", -EINVAL,
		    "--no-verbose=1", NULL);
	check_error("glint-oss: option -v takes no value (in -vx)", -EINVAL,
		    "-vx", NULL);
	check_error("glint-oss: option --config needs a value (FILE)", -EINVAL,
		    "--config", NULL);
}

static void test_range_limits(void)
{
	struct test_cfg cfg = { 0 };
	struct config_result res;

	CHECK(parse(&cfg, &res, 0, "--capacity=1M", "-c", "-1", NULL) == 0);
	CHECK(cfg.capacity == 1048576 && cfg.stripe_count == -1);
	config_result_fini(&res);
	CHECK(parse(&cfg, &res, 0, "--capacity=1P", "-c", "2000", NULL) == 0);
	CHECK(cfg.capacity == (UINT64_C(1) << 50) && cfg.stripe_count == 2000);
	config_result_fini(&res);
	CHECK(parse(&cfg, &res, 0, "--capacity=1048575", NULL) == -EINVAL);
	config_result_fini(&res);
	CHECK(parse(&cfg, &res, 0, "--capacity=1125899906842625", NULL) ==
	      -EINVAL);
	config_result_fini(&res);
	CHECK(parse(&cfg, &res, 0, "-c", "-2", NULL) == -EINVAL);
	config_result_fini(&res);
	/* Beyond int64 is out of range too, not wrapped. */
	CHECK(parse(&cfg, &res, 0, "-c", "99999999999999999999", NULL) ==
	      -EINVAL);
	config_result_fini(&res);
	/* Unbounded size takes anything up to UINT64_MAX. */
	CHECK(parse(&cfg, &res, 0, "-S", "18446744073709551615", NULL) == 0);
	CHECK(cfg.chunk == UINT64_MAX);
	config_result_fini(&res);
	CHECK(parse(&cfg, &res, 0, "-S", "0", NULL) == 0);
	CHECK(cfg.chunk == 0);
	config_result_fini(&res);
	config_fini(test_table, &cfg);
}

static void test_sizes(void)
{
	static const struct {
		const char *s;
		int rc;
		uint64_t v;
	} cases[] = {
		{ "0", 0, 0 },
		{ "1", 0, 1 },
		{ "512B", 0, 512 },
		{ "1K", 0, 1024 },
		{ "1k", 0, 1024 },
		{ "1KB", 0, 1024 },
		{ "1KiB", 0, 1024 },
		{ "64kib", 0, 65536 },
		{ "1M", 0, 1048576 },
		{ "1MiB", 0, 1048576 },
		{ "4G", 0, UINT64_C(4) << 30 },
		{ "1GiB", 0, UINT64_C(1) << 30 },
		{ "2T", 0, UINT64_C(2) << 40 },
		{ "1TiB", 0, UINT64_C(1) << 40 },
		{ "1P", 0, UINT64_C(1) << 50 },
		{ "15E", 0, UINT64_C(15) << 60 },
		{ "1.5G", 0, UINT64_C(1610612736) },
		{ "0.5K", 0, 512 },
		{ "0.1K", 0, 102 },
		{ "2.25M", 0, 2359296 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "16E", -ERANGE, 0 },
		{ "15.99999E", 0, UINT64_C(18446732544494505547) },
		{ "", -EINVAL, 0 },
		{ "K", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ "1.5", -EINVAL, 0 },
		{ "1.G", -EINVAL, 0 },
		{ ".5G", -EINVAL, 0 },
		{ "1 M", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "1X", -EINVAL, 0 },
		{ "1MM", -EINVAL, 0 },
		{ "1Mi", -EINVAL, 0 },
		{ "0x10", -EINVAL, 0 },
	};
	static const struct {
		uint64_t v;
		const char *human, *exact;
	} fmt[] = {
		{ 0, "0", "0" },
		{ 512, "512", "512" },
		{ 1023, "1023", "1023" },
		{ 1024, "1K", "1K" },
		{ 1536, "1.5K", "1536" },
		{ 1048576, "1M", "1M" },
		{ UINT64_C(1610612736), "1.5G", "1536M" },
		{ UINT64_C(3) << 30, "3G", "3G" },
		{ 1048575, "1.0M", "1048575" },
		{ (UINT64_C(10) << 40) + 1, "10.0T", "10995116277761" },
		{ UINT64_C(1) << 50, "1P", "1P" },
		{ UINT64_MAX, "16.0E", "18446744073709551615" },
	};
	char buf[32];
	uint64_t v;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		v = 0;
		rc = config_parse_size(cases[i].s, &v);
		if (rc != cases[i].rc || (rc == 0 && v != cases[i].v))
			fprintf(stderr, "size \"%s\": rc %d value %llu\n",
				cases[i].s, rc, (unsigned long long)v);
		CHECK(rc == cases[i].rc);
		CHECK(rc != 0 || v == cases[i].v);
	}
	for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		config_format_size(fmt[i].v, buf, sizeof(buf));
		CHECK_STR(buf, fmt[i].human);
		config_format_size_exact(fmt[i].v, buf, sizeof(buf));
		CHECK_STR(buf, fmt[i].exact);
		/* The exact form always reads back to the same number. */
		CHECK(config_parse_size(buf, &v) == 0 && v == fmt[i].v);
	}
	/* snprintf semantics on a short buffer. */
	CHECK(config_format_size(1536, buf, 3) == 4);
	CHECK_STR(buf, "1.");
}

static void test_positional(void)
{
	struct test_cfg cfg = { 0 };
	struct config_result res;

	/* Options and arguments mix freely by default. */
	CHECK(parse(&cfg, &res, 0, "setstripe", "-c", "4", "/mnt/dir", "-v",
		    NULL) == 0);
	CHECK(res.nargs == 2);
	CHECK_STR(res.args[0], "setstripe");
	CHECK_STR(res.args[1], "/mnt/dir");
	CHECK(cfg.stripe_count == 4 && cfg.verbose);
	config_result_fini(&res);

	/* STOP_ARG: options end at the first argument (sub-commands). */
	CHECK(parse(&cfg, &res, CONFIG_PARSE_STOP_ARG, "-v", "setstripe",
		    "-c", "4", "/mnt/dir", NULL) == 0);
	CHECK(res.nargs == 4);
	CHECK_STR(res.args[0], "setstripe");
	CHECK_STR(res.args[1], "-c");
	CHECK_STR(res.args[2], "4");
	CHECK_STR(res.args[3], "/mnt/dir");
	CHECK(cfg.stripe_count == 1 && cfg.verbose);
	config_result_fini(&res);

	/* NO_FILE: --config is not an option then. */
	CHECK(parse(&cfg, &res, CONFIG_PARSE_NO_FILE, "--config=x", NULL) ==
	      -EINVAL);
	CHECK_STR(res.err, "glint-oss: unknown option --config (see --help)");
	config_result_fini(&res);
	config_fini(test_table, &cfg);
}

static void test_file(void)
{
	struct test_cfg cfg = { 0 };
	struct config_result res;
	char path[256], flag[300];

	write_temp(path, sizeof(path),
		   "# Glint OSS test configuration\n"
		   "\n"
		   "   capacity = 2T   # two tebibytes\n"
		   "stripe-count 8\n"
		   "stripe_count=9\n"
		   "verbose\n"
		   "sync = off\r\n"
		   "fsname = \"a # b \\\"q\\\" \\\\ \"  # quoted\n"
		   "dir = /data/ost#0\n"
		   "deployment-type\tpersistent\n"
		   "listen = [::1]:1018\n"
		   "log-file = \n"
		   "\t# indented comment\n");
	snprintf(flag, sizeof(flag), "--config=%s", path);

	CHECK(parse(&cfg, &res, 0, flag, NULL) == 0);
	CHECK_STR(res.config_file, path);
	CHECK(cfg.capacity == UINT64_C(2) << 40);
	CHECK(cfg.stripe_count == 9);
	CHECK(cfg.verbose == true);
	CHECK(cfg.sync == false);
	CHECK_STR(cfg.fsname, "a # b \"q\" \\ ");
	CHECK_STR(cfg.dir, "/data/ost#0");
	CHECK(cfg.mode == 1);
	CHECK_STR(cfg.listen, "[::1]:1018");
	CHECK_STR(cfg.log_file, "");
	CHECK(cfg.chunk == 65536); /* not in the file: default */
	config_result_fini(&res);

	/* Flags override the file wherever --config appears. */
	CHECK(parse(&cfg, &res, 0, "--capacity=3T", "--no-verbose", "--config",
		    path, "-c", "2", NULL) == 0);
	CHECK(cfg.capacity == UINT64_C(3) << 40);
	CHECK(cfg.verbose == false);
	CHECK(cfg.stripe_count == 2);
	CHECK(cfg.mode == 1);
	config_result_fini(&res);
	unlink(path);

	/* Errors name the file and the line. */
	write_temp(path, sizeof(path), "verbose\ncapacity = 12X\n");
	snprintf(flag, sizeof(flag), "--config=%s", path);
	CHECK(parse(&cfg, &res, 0, flag, NULL) == -EINVAL);
	{
		char want[512];

		snprintf(want, sizeof(want),
			 "glint-oss: %s:2: bad value \"12X\" for capacity: "
			 "expected a size in bytes (suffix K, M, G, T) between "
			 "1M and 1P",
			 path);
		CHECK_STR(res.err, want);
	}
	config_result_fini(&res);
	unlink(path);

	write_temp(path, sizeof(path), "# c\n\nbogus = 1\n");
	snprintf(flag, sizeof(flag), "--config=%s", path);
	CHECK(parse(&cfg, &res, 0, flag, NULL) == -EINVAL);
	{
		char want[512];

		snprintf(want, sizeof(want),
			 "glint-oss: %s:3: unknown option \"bogus\"", path);
		CHECK_STR(res.err, want);
	}
	config_result_fini(&res);
	unlink(path);

	static const char *const bad_lines[] = {
		"fsname = \"open\n",
		"fsname = \"a\" b\n",
		"fsname = \"\\x\"\n",
		"capacity\n",
		"config = /etc/x\n",
	};
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		write_temp(path, sizeof(path), bad_lines[i]);
		snprintf(flag, sizeof(flag), "--config=%s", path);
		CHECK(parse(&cfg, &res, 0, flag, NULL) == -EINVAL);
		CHECK(strstr(res.err, ":1: ") != NULL);
		config_result_fini(&res);
		unlink(path);
	}

	/* A missing file is the file's errno. */
	CHECK(parse(&cfg, &res, 0, "--config", "/nonexistent/glint.conf",
		    NULL) == -ENOENT);
	CHECK_STR(res.err, "glint-oss: cannot read config file "
			   "/nonexistent/glint.conf: No such file or directory");
	config_result_fini(&res);
	config_fini(test_table, &cfg);
}

static void test_help(void)
{
	struct test_cfg cfg = { 0 };
	struct config_result res;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	/* --help wins over bad values (they are not even converted). */
	CHECK(parse(&cfg, &res, 0, "--capacity=12X", "--help", NULL) == 0);
	CHECK(res.action == CONFIG_ACTION_HELP);
	out = open_memstream(&text, &len);
	CHECK(config_print_action(test_table, &cfg, &res, "[OPTION]... DIR",
				  out) == 1);
	fclose(out);
	CHECK(strstr(text, "Usage: glint-oss [OPTION]... DIR\n") != NULL);
	CHECK(strstr(text, "  -v, --[no-]verbose") != NULL);
	CHECK(strstr(text, "  -c, --stripe-count=INT") != NULL);
	CHECK(strstr(text, "(default: 1; -1..2000)") != NULL);
	CHECK(strstr(text, "      --capacity=SIZE") != NULL);
	CHECK(strstr(text, "OST capacity") != NULL);
	CHECK(strstr(text, "(default: 1T; 1M..1P)") != NULL);
	CHECK(strstr(text, "(default: scratch; one of scratch|persistent)") !=
	      NULL);
	CHECK(strstr(text, "--listen=HOST:PORT") != NULL);
	CHECK(strstr(text, "(default: none)") != NULL);
	CHECK(strstr(text, "--config=FILE") != NULL);
	CHECK(strstr(text, "--dump-config") != NULL);
	CHECK(strstr(text, "  -h, --help") != NULL);
	if (failures)
		fputs(text, stderr);
	free(text);
	config_result_fini(&res);

	CHECK(parse(&cfg, &res, 0, "-h", NULL) == 0);
	CHECK(res.action == CONFIG_ACTION_HELP);
	config_result_fini(&res);

	/* Without a file, --config is not advertised. */
	text = NULL;
	out = open_memstream(&text, &len);
	config_usage(test_table, "glint", NULL, CONFIG_PARSE_NO_FILE, out);
	fclose(out);
	CHECK(strstr(text, "Usage: glint [OPTION]...\n") != NULL);
	CHECK(strstr(text, "--config") == NULL);
	free(text);
	config_fini(test_table, &cfg);
}

static void test_dump_round_trip(void)
{
	struct test_cfg a = { 0 }, b = { 0 };
	struct config_result res;
	char path[256], flag[300];
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	CHECK(parse(&a, &res, 0, "--verbose", "--no-sync", "-c", "-1",
		    "--capacity=1536M", "-S", "12345",
		    "--fsname= lead#ing \"x\" \\ tab\there\nnl ",
		    "--deployment-type=persistent", "--level=high",
		    "--listen=[::1]:988", "--dir=/a b/c", "--dump-config",
		    NULL) == 0);
	CHECK(res.action == CONFIG_ACTION_DUMP);
	config_result_fini(&res);

	out = open_memstream(&text, &len);
	config_dump(test_table, &a, out);
	fclose(out);
	CHECK(strstr(text, "\ncapacity = 1536M\n") != NULL);
	CHECK(strstr(text, "\nverbose = true\n") != NULL);
	CHECK(strstr(text, "\n# log-file is not set\n") != NULL);
	CHECK(strstr(text, "# OST capacity (SIZE 1M..1P, default 1T)\n") !=
	      NULL);
	write_temp(path, sizeof(path), text);
	if (failures)
		fputs(text, stderr);
	free(text);

	snprintf(flag, sizeof(flag), "--config=%s", path);
	memset(&b, 0, sizeof(b));
	CHECK(config_parse(test_table, &b, 2, (char *[]){ "x", flag, NULL },
			   &res) == 0);
	CHECK(res.action == CONFIG_ACTION_RUN);
	config_result_fini(&res);
	unlink(path);

	CHECK(a.verbose == b.verbose && a.sync == b.sync);
	CHECK(a.stripe_count == b.stripe_count && b.stripe_count == -1);
	CHECK(a.capacity == b.capacity && a.chunk == b.chunk);
	CHECK_STR(b.fsname, a.fsname);
	CHECK(a.mode == b.mode && a.level == b.level && b.level == LEVEL_HIGH);
	CHECK_STR(b.listen, a.listen);
	CHECK_STR(b.dir, a.dir);
	CHECK(b.log_file == NULL);
	config_fini(test_table, &a);
	config_fini(test_table, &b);
}

static void test_set(void)
{
	struct test_cfg cfg = { 0 };
	struct config_result res;
	char err[256];

	CHECK(parse(&cfg, &res, 0, NULL) == 0);
	config_result_fini(&res);
	CHECK(config_set(test_table, &cfg, "stripe_count", "3", err,
			 sizeof(err)) == 0);
	CHECK(cfg.stripe_count == 3);
	CHECK(config_set(test_table, &cfg, "verbose", NULL, err,
			 sizeof(err)) == 0);
	CHECK(cfg.verbose);
	CHECK(config_set(test_table, &cfg, "fsname", "other", err,
			 sizeof(err)) == 0);
	CHECK_STR(cfg.fsname, "other");
	CHECK(config_set(test_table, &cfg, "nope", "1", err, sizeof(err)) ==
	      -EINVAL);
	CHECK_STR(err, "unknown option \"nope\"");
	CHECK(config_set(test_table, &cfg, "capacity", "1", err,
			 sizeof(err)) == -EINVAL);
	CHECK_STR(err, "bad value \"1\" for capacity: expected a size in "
		       "bytes (suffix K, M, G, T) between 1M and 1P");
	CHECK(config_set(test_table, &cfg, "capacity", NULL, NULL, 0) ==
	      -EINVAL);
	config_fini(test_table, &cfg);
}

int main(void)
{
	test_table_check();
	test_defaults();
	test_flags_every_type();
	test_bad_values();
	test_range_limits();
	test_sizes();
	test_positional();
	test_file();
	test_help();
	test_dump_round_trip();
	test_set();
	if (failures) {
		fprintf(stderr, "test_config: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_config: all checks passed\n");
	return 0;
}
