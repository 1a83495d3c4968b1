/*
 * config.c - table-driven configuration: defaults, config file, flags,
 * --help and --dump-config (config.h).
 *
 * Design: every value, whether a table default, a file line or a flag, goes
 * through the same two steps: config_convert() parses and range-checks text
 * into a union config_value (or explains what it expected), then
 * config_store() writes it into the caller's struct at opt->offset. So a
 * default is validated exactly like user input, and config_table_check() can
 * prove a table's defaults valid in a unit test.
 *
 * config_parse() first scans argv into a list of (option, value) pairs and
 * positional arguments without applying anything, because the --config file
 * must be applied before the flags even when --config comes last. Then:
 * defaults, file, flags, in that order; last writer wins.
 *
 * Invariant: at every return, each string field of cfg is NULL or a malloc'd
 * string, so config_fini() is always safe. Nothing here prints except
 * config_usage() and config_dump(), to the FILE they are given, and nothing
 * exits: errors go to the caller as -errno plus one line of text.
 */
#include "common/config.h"

#include "common/net.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A converted value, before it is written into the config struct. */
union config_value {
	bool b;
	int64_t i;
	uint64_t u;
	int e;
	const char *s; /* borrowed from the input text */
};

/* One option found on the command line, applied after the config file. */
struct config_flag {
	const struct config_option *opt;
	const char *value; /* borrowed from argv, or a literal "true"/"false" */
	bool short_form;   /* given as -x rather than --name */
};

#define CONFIG_USAGE_COL 30

static void *config_field(const struct config_option *opt, void *cfg)
{
	return (char *)cfg + opt->offset;
}

static const void *config_cfield(const struct config_option *opt,
				 const void *cfg)
{
	return (const char *)cfg + opt->offset;
}

static bool config_is_string(enum config_type type)
{
	return type == CONFIG_STRING || type == CONFIG_PATH ||
	       type == CONFIG_ADDRESS;
}

/* Does table name equal s[0..len), with '-' and '_' the same? */
static bool config_name_eq(const char *name, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char a = name[i] == '_' ? '-' : name[i];
		char b = s[i] == '_' ? '-' : s[i];

		if (a == '\0' || a != b)
			return false;
	}
	return name[i] == '\0';
}

static const struct config_option *
config_find(const struct config_option *table, const char *s, size_t len)
{
	for (const struct config_option *opt = table; opt->name; opt++)
		if (config_name_eq(opt->name, s, len))
			return opt;
	return NULL;
}

static const struct config_option *
config_find_short(const struct config_option *table, char c)
{
	for (const struct config_option *opt = table; opt->name; opt++)
		if (opt->short_name && opt->short_name == c)
			return opt;
	return NULL;
}

/* ---- sizes ---------------------------------------------------------- */

static const struct {
	const char *suffix;
	unsigned shift;
} config_size_suffixes[] = {
    {"", 0},	 {"b", 0},    {"k", 10},   {"kb", 10},	{"kib", 10},
    {"m", 20},	 {"mb", 20},  {"mib", 20}, {"g", 30},	{"gb", 30},
    {"gib", 30}, {"t", 40},   {"tb", 40},  {"tib", 40}, {"p", 50},
    {"pb", 50},	 {"pib", 50}, {"e", 60},   {"eb", 60},	{"eib", 60},
};

int config_parse_size(const char *s, uint64_t *out)
{
	uint64_t whole = 0, frac = 0, frac_div = 1, mult = 0, base;
	unsigned __int128 part;
	const char *p = s;
	bool has_frac = false;

	if (!s || !isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (whole > (UINT64_MAX - d) / 10)
			return -ERANGE;
		whole = whole * 10 + d;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		has_frac = true;
		for (; isdigit((unsigned char)*p); p++) {
			if (frac_div >= UINT64_C(1000000000000000000))
				continue; /* digits past 1e-18 cannot matter */
			frac = frac * 10 + (uint64_t)(*p - '0');
			frac_div *= 10;
		}
	}
	for (size_t i = 0;
	     i < sizeof(config_size_suffixes) / sizeof(config_size_suffixes[0]);
	     i++) {
		if (!strcasecmp(p, config_size_suffixes[i].suffix)) {
			mult = UINT64_C(1) << config_size_suffixes[i].shift;
			break;
		}
	}
	if (mult == 0 || (has_frac && mult == 1))
		return -EINVAL;
	if (whole > UINT64_MAX / mult)
		return -ERANGE;
	base = whole * mult;
	part = (unsigned __int128)frac * mult / frac_div;
	if (part > UINT64_MAX - base)
		return -ERANGE;
	*out = base + (uint64_t)part;
	return 0;
}

static const char config_units[] = "KMGTPE";

int config_format_size_exact(uint64_t bytes, char *buf, size_t len)
{
	for (int i = 5; i >= 0; i--) {
		uint64_t unit = UINT64_C(1) << (10 * (i + 1));

		if (bytes && bytes % unit == 0)
			return snprintf(buf, len, "%" PRIu64 "%c", bytes / unit,
					config_units[i]);
	}
	return snprintf(buf, len, "%" PRIu64, bytes);
}

int config_format_size(uint64_t bytes, char *buf, size_t len)
{
	char tmp[32];
	int i = 0;
	double v;

	if (bytes < 1024)
		return snprintf(buf, len, "%" PRIu64, bytes);
	while (i < 5 && bytes >= UINT64_C(1) << (10 * (i + 2)))
		i++;
	if (bytes % (UINT64_C(1) << (10 * (i + 1))) == 0)
		return snprintf(buf, len, "%" PRIu64 "%c",
				bytes >> (10 * (i + 1)), config_units[i]);
	v = (double)bytes / (double)(UINT64_C(1) << (10 * (i + 1)));
	snprintf(tmp, sizeof(tmp), "%.1f", v);
	if (strtod(tmp, NULL) >= 1024.0 && i < 5) {
		/* 1023.96K rounds to "1024.0K": show "1.0M" instead. */
		i++;
		v /= 1024.0;
	}
	return snprintf(buf, len, "%.1f%c", v, config_units[i]);
}

/* ---- conversion ----------------------------------------------------- */

static int config_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int config_parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)s[0]) &&
	    !((s[0] == '-' || s[0] == '+') && isdigit((unsigned char)s[1])))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

static bool config_int_bounded(const struct config_option *opt)
{
	return opt->min != 0 || opt->max != 0;
}

static uint64_t config_size_max(const struct config_option *opt)
{
	return opt->size_max ? opt->size_max : UINT64_MAX;
}

/* Append printf output to buf at *pos, never overflowing. */
static void config_appendf(char *buf, size_t len, size_t *pos, const char *fmt,
			   ...) __attribute__((format(printf, 4, 5)));

static void config_appendf(char *buf, size_t len, size_t *pos, const char *fmt,
			   ...)
{
	va_list ap;
	int n;

	if (*pos >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos = *pos + (size_t)n < len ? *pos + (size_t)n : len - 1;
}

/*
 * Write "PROGRAM: message" into res->err. vsnprintf, not snprintf, so a
 * message quoting another message truncates quietly at CONFIG_ERR_MAX.
 */
static void config_errf(struct config_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void config_errf(struct config_result *res, const char *fmt, ...)
{
	size_t pos = 0;
	va_list ap;

	config_appendf(res->err, sizeof(res->err), &pos, "%s: ", res->program);
	va_start(ap, fmt);
	vsnprintf(res->err + pos, sizeof(res->err) - pos, fmt, ap);
	va_end(ap);
}

/* Describe what an option accepts: "expected ..." (or "" for strings). */
static void config_expected(const struct config_option *opt, char *buf,
			    size_t len)
{
	char lo[32], hi[32];
	size_t pos = 0;

	buf[0] = '\0';
	switch (opt->type) {
	case CONFIG_BOOL:
		config_appendf(buf, len, &pos,
			       "expected yes/no, true/false, on/off or 1/0");
		break;
	case CONFIG_INT64:
		config_appendf(buf, len, &pos, "expected an integer");
		if (!config_int_bounded(opt))
			break;
		if (opt->max == INT64_MAX)
			config_appendf(buf, len, &pos, " of at least %" PRId64,
				       opt->min);
		else if (opt->min == INT64_MIN)
			config_appendf(buf, len, &pos, " of at most %" PRId64,
				       opt->max);
		else
			config_appendf(buf, len, &pos,
				       " between %" PRId64 " and %" PRId64,
				       opt->min, opt->max);
		break;
	case CONFIG_SIZE:
		config_appendf(buf, len, &pos,
			       "expected a size in bytes (suffix K, M, G, T)");
		config_format_size_exact(opt->size_min, lo, sizeof(lo));
		config_format_size_exact(config_size_max(opt), hi, sizeof(hi));
		if (opt->size_min && opt->size_max)
			config_appendf(buf, len, &pos, " between %s and %s", lo,
				       hi);
		else if (opt->size_min)
			config_appendf(buf, len, &pos, " of at least %s", lo);
		else if (opt->size_max)
			config_appendf(buf, len, &pos, " of at most %s", hi);
		break;
	case CONFIG_ENUM:
		config_appendf(buf, len, &pos, "expected one of:");
		for (size_t i = 0; opt->values && opt->values[i]; i++)
			config_appendf(buf, len, &pos, "%s %s", i ? "," : "",
				       opt->values[i]);
		break;
	case CONFIG_ADDRESS:
		config_appendf(buf, len, &pos,
			       "expected HOST:PORT with a port from 0 to 65535 "
			       "(e.g. 0.0.0.0:988, [::1]:988, :988)");
		break;
	case CONFIG_STRING:
	case CONFIG_PATH:
		break;
	}
}

/*
 * Parse and range-check text for one option. value NULL means the type's
 * zero (used for a NULL default). Returns 0, or -EINVAL when the text is not
 * acceptable (say so with config_expected()).
 */
static int config_convert(const struct config_option *opt, const char *value,
			  union config_value *out)
{
	char host[NET_HOST_MAX];
	uint16_t port;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	switch (opt->type) {
	case CONFIG_BOOL:
		if (value)
			rc = config_parse_bool(value, &out->b);
		break;
	case CONFIG_INT64:
		if (value)
			rc = config_parse_int64(value, &out->i);
		if (!rc && config_int_bounded(opt) &&
		    (out->i < opt->min || out->i > opt->max))
			rc = -EINVAL;
		break;
	case CONFIG_SIZE:
		if (value)
			rc = config_parse_size(value, &out->u);
		if (!rc &&
		    (out->u < opt->size_min || out->u > config_size_max(opt)))
			rc = -EINVAL;
		break;
	case CONFIG_ENUM:
		rc = -EINVAL;
		for (int i = 0; opt->values && opt->values[i]; i++) {
			if (!value || !strcasecmp(value, opt->values[i])) {
				out->e = i;
				rc = 0;
				break;
			}
		}
		break;
	case CONFIG_ADDRESS:
		if (value &&
		    net_parse_hostport(value, -1, host, sizeof(host), &port))
			rc = -EINVAL;
		out->s = value;
		break;
	case CONFIG_STRING:
	case CONFIG_PATH:
		out->s = value;
		break;
	default:
		rc = -EINVAL;
		break;
	}
	return rc ? -EINVAL : 0;
}

/* Write a converted value into cfg. Returns 0 or -ENOMEM. */
static int config_store(const struct config_option *opt, void *cfg,
			const union config_value *v)
{
	void *field = config_field(opt, cfg);
	char **sp, *dup = NULL;

	switch (opt->type) {
	case CONFIG_BOOL:
		*(bool *)field = v->b;
		break;
	case CONFIG_INT64:
		*(int64_t *)field = v->i;
		break;
	case CONFIG_SIZE:
		*(uint64_t *)field = v->u;
		break;
	case CONFIG_ENUM:
		*(int *)field = v->e;
		break;
	case CONFIG_STRING:
	case CONFIG_PATH:
	case CONFIG_ADDRESS:
		if (v->s) {
			dup = strdup(v->s);
			if (!dup)
				return -ENOMEM;
		}
		sp = field;
		free(*sp);
		*sp = dup;
		break;
	}
	return 0;
}

/*
 * Convert and store; on failure write 'bad value "V" for KEY: expected ...'
 * (or "out of memory") into err. key is how the user wrote the option
 * ("--capacity", "-c", "capacity").
 */
static int config_apply(const struct config_option *opt, void *cfg,
			const char *key, const char *value, char *err,
			size_t err_len)
{
	union config_value v;
	char expected[256];
	int rc;

	rc = config_convert(opt, value, &v);
	if (rc) {
		config_expected(opt, expected, sizeof(expected));
		if (err)
			snprintf(err, err_len, "bad value \"%s\" for %s: %s",
				 value ? value : "", key, expected);
		return rc;
	}
	rc = config_store(opt, cfg, &v);
	if (rc && err)
		snprintf(err, err_len, "out of memory setting %s", key);
	return rc;
}

int config_set(const struct config_option *table, void *cfg, const char *name,
	       const char *value, char *err, size_t err_len)
{
	const struct config_option *opt =
	    config_find(table, name, strlen(name));

	if (!opt) {
		if (err)
			snprintf(err, err_len, "unknown option \"%s\"", name);
		return -EINVAL;
	}
	if (!value && opt->type == CONFIG_BOOL)
		value = "true";
	if (!value) {
		if (err)
			snprintf(err, err_len, "option %s needs a value", name);
		return -EINVAL;
	}
	return config_apply(opt, cfg, opt->name, value, err, err_len);
}

void config_fini(const struct config_option *table, void *cfg)
{
	for (const struct config_option *opt = table; opt->name; opt++) {
		if (config_is_string(opt->type)) {
			char **sp = config_field(opt, cfg);

			free(*sp);
			*sp = NULL;
		}
	}
}

void config_result_fini(struct config_result *res)
{
	free(res->args);
	res->args = NULL;
	res->nargs = 0;
}

/* ---- config file ---------------------------------------------------- */

/*
 * Split one line in place into key and value. Returns 1 for a blank or
 * comment line, 0 with *key and *value set (*value NULL when the line is a
 * key alone), or -EINVAL with *why set.
 */
static int config_split_line(char *line, char **key, char **value,
			     const char **why)
{
	char *p = line, *end, *w;
	size_t n = strlen(line);
	bool eq = false;

	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 1;
	*key = p;
	while (*p && !isspace((unsigned char)*p) && *p != '=')
		p++;
	if (*p == '=')
		eq = true;
	if (*p)
		*p++ = '\0';
	while (isspace((unsigned char)*p))
		p++;
	if (!eq && *p == '=') {
		eq = true;
		p++;
		while (isspace((unsigned char)*p))
			p++;
	}
	if (*p == '"') {
		/* Quoted: unescape in place, then allow only a comment. */
		w = *value = ++p;
		for (;; p++) {
			if (*p == '\0') {
				*why = "unterminated quoted value";
				return -EINVAL;
			}
			if (*p == '"')
				break;
			if (*p == '\\') {
				p++;
				if (*p == 'n')
					*w++ = '\n';
				else if (*p == 't')
					*w++ = '\t';
				else if (*p == '\\' || *p == '"')
					*w++ = *p;
				else {
					*why = "bad escape in quoted value "
					       "(use \\\" \\\\ \\n \\t)";
					return -EINVAL;
				}
				continue;
			}
			*w++ = *p;
		}
		*w = '\0';
		p++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '\0' && *p != '#') {
			*why = "text after the closing quote";
			return -EINVAL;
		}
		return 0;
	}
	/* Unquoted: up to a '#' at the start or after white space. */
	*value = p;
	for (end = p; *end; end++) {
		if (*end == '#' &&
		    (end == p || isspace((unsigned char)end[-1])))
			break;
	}
	*end = '\0';
	while (end > p && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (*p == '\0' && !eq)
		*value = NULL;
	return 0;
}

static int config_read_file(const struct config_option *table, void *cfg,
			    const char *path, struct config_result *res)
{
	const struct config_option *opt;
	char *line = NULL, *key, *value;
	const char *why = NULL;
	char msg[CONFIG_ERR_MAX];
	size_t cap = 0;
	unsigned lineno = 0;
	FILE *f;
	int rc = 0;

	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		config_errf(res, "cannot read config file %s: %s", path,
			    strerror(-rc));
		return rc;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		rc = config_split_line(line, &key, &value, &why);
		if (rc == 1) {
			rc = 0;
			continue;
		}
		if (rc) {
			config_errf(res, "%s:%u: %s", path, lineno, why);
			goto out;
		}
		opt = config_find(table, key, strlen(key));
		if (!opt) {
			rc = -EINVAL;
			config_errf(res, "%s:%u: unknown option \"%s\"", path,
				    lineno, key);
			goto out;
		}
		if (!value && opt->type == CONFIG_BOOL)
			value = "true";
		if (!value) {
			rc = -EINVAL;
			config_errf(res, "%s:%u: option %s needs a value", path,
				    lineno, opt->name);
			goto out;
		}
		rc = config_apply(opt, cfg, opt->name, value, msg, sizeof(msg));
		if (rc) {
			config_errf(res, "%s:%u: %s", path, lineno, msg);
			goto out;
		}
	}
	if (ferror(f)) {
		rc = -EIO;
		config_errf(res, "error reading config file %s", path);
	}
out:
	free(line);
	fclose(f);
	return rc;
}

/* ---- command line --------------------------------------------------- */

static const char *config_meta(const struct config_option *opt)
{
	switch (opt->type) {
	case CONFIG_BOOL:
		return "";
	case CONFIG_INT64:
		return "INT";
	case CONFIG_SIZE:
		return "SIZE";
	case CONFIG_STRING:
		return "STRING";
	case CONFIG_ENUM:
		return "NAME";
	case CONFIG_ADDRESS:
		return "HOST:PORT";
	case CONFIG_PATH:
		return "PATH";
	}
	return "VALUE";
}

/* Printable name of a flag for messages: "--name" or "-x". */
static void config_flag_name(const struct config_flag *fl, char *buf,
			     size_t len)
{
	if (fl->short_form)
		snprintf(buf, len, "-%c", fl->opt->short_name);
	else
		snprintf(buf, len, "--%s", fl->opt->name);
}

struct config_scan {
	struct config_flag *flags; /* options to apply, in argv order */
	int nflags;
	bool help;		 /* --help or -h seen */
	bool dump;		 /* --dump-config seen */
	const char *config_file; /* last --config value */
};

/*
 * Take the value of an option that needs one: the text after '=' (inline),
 * or the next argument. Returns 0 or -EINVAL with res->err set.
 */
static int config_take_value(const char *inline_value, int argc, char **argv,
			     int *i, const char *flag, const char *meta,
			     const char **value, struct config_result *res)
{
	if (inline_value) {
		*value = inline_value;
		return 0;
	}
	if (*i + 1 >= argc) {
		config_errf(res, "option %s needs a value (%s)", flag, meta);
		return -EINVAL;
	}
	*value = argv[++*i];
	return 0;
}

/* Handle a "--..." argument at argv[*i]. */
static int config_scan_long(const struct config_option *table, int argc,
			    char **argv, int *i, unsigned flags,
			    struct config_scan *sc, struct config_result *res)
{
	const char *arg = argv[*i], *name = arg + 2;
	const char *eq = strchr(name, '=');
	size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
	const char *value = eq ? eq + 1 : NULL;
	const struct config_option *opt;
	struct config_flag *fl;
	bool negated = false;
	char flag[80];

	if (config_name_eq("help", name, nlen) && !value) {
		sc->help = true;
		return 0;
	}
	if (!(flags & CONFIG_PARSE_NO_FILE)) {
		if (config_name_eq("dump-config", name, nlen) && !value) {
			sc->dump = true;
			return 0;
		}
		if (config_name_eq("config", name, nlen))
			return config_take_value(value, argc, argv, i,
						 "--config", "FILE",
						 &sc->config_file, res);
	}
	opt = config_find(table, name, nlen);
	if (!opt && nlen > 3 &&
	    (!strncmp(name, "no-", 3) || !strncmp(name, "no_", 3))) {
		opt = config_find(table, name + 3, nlen - 3);
		if (opt && opt->type != CONFIG_BOOL)
			opt = NULL;
		negated = opt != NULL;
	}
	if (!opt) {
		config_errf(res, "unknown option --%.*s (see --help)",
			    (int)nlen, name);
		return -EINVAL;
	}
	snprintf(flag, sizeof(flag), "--%.*s", (int)nlen, name);
	if (negated && value) {
		config_errf(res, "option %s takes no value", flag);
		return -EINVAL;
	}
	if (opt->type == CONFIG_BOOL) {
		if (!value)
			value = negated ? "false" : "true";
	} else if (config_take_value(value, argc, argv, i, flag,
				     config_meta(opt), &value, res)) {
		return -EINVAL;
	}
	fl = &sc->flags[sc->nflags++];
	fl->opt = opt;
	fl->value = value;
	fl->short_form = false;
	return 0;
}

/* Handle a "-x..." argument at argv[*i]. */
static int config_scan_short(const struct config_option *table, int argc,
			     char **argv, int *i, struct config_scan *sc,
			     struct config_result *res)
{
	const char *arg = argv[*i];
	const struct config_option *opt;
	struct config_flag *fl;
	const char *value = NULL;
	char flag[3] = {'-', arg[1], '\0'};

	if (arg[1] == 'h' && arg[2] == '\0') {
		sc->help = true;
		return 0;
	}
	opt = config_find_short(table, arg[1]);
	if (!opt) {
		config_errf(res, "unknown option %s (see --help)", arg);
		return -EINVAL;
	}
	if (opt->type == CONFIG_BOOL) {
		if (arg[2] != '\0') {
			config_errf(res, "option %s takes no value (in %s)",
				    flag, arg);
			return -EINVAL;
		}
		value = "true";
	} else if (config_take_value(arg[2] ? arg + 2 : NULL, argc, argv, i,
				     flag, config_meta(opt), &value, res)) {
		return -EINVAL;
	}
	fl = &sc->flags[sc->nflags++];
	fl->opt = opt;
	fl->value = value;
	fl->short_form = true;
	return 0;
}

/* Sort argv into flags and positional arguments; nothing is applied. */
static int config_scan_argv(const struct config_option *table, int argc,
			    char **argv, unsigned flags, struct config_scan *sc,
			    struct config_result *res)
{
	bool opts_done = false;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (opts_done || arg[0] != '-' || arg[1] == '\0') {
			res->args[res->nargs++] = argv[i];
			if (flags & CONFIG_PARSE_STOP_ARG)
				opts_done = true;
			continue;
		}
		if (!strcmp(arg, "--")) {
			opts_done = true;
			continue;
		}
		if (arg[1] == '-')
			rc = config_scan_long(table, argc, argv, &i, flags, sc,
					      res);
		else
			rc = config_scan_short(table, argc, argv, &i, sc, res);
		if (rc)
			return rc;
	}
	res->args[res->nargs] = NULL;
	return 0;
}

static int config_set_defaults(const struct config_option *table, void *cfg,
			       struct config_result *res)
{
	char msg[CONFIG_ERR_MAX];
	int rc;

	for (const struct config_option *opt = table; opt->name; opt++) {
		rc = config_apply(opt, cfg, opt->name, opt->default_value, msg,
				  sizeof(msg));
		if (rc) {
			config_errf(res,
				    "internal error: default of option %s: %s",
				    opt->name, msg);
			return rc;
		}
	}
	return 0;
}

int config_parse_flags(const struct config_option *table, void *cfg, int argc,
		       char **argv, unsigned flags, struct config_result *res)
{
	struct config_scan sc = {0};
	char msg[CONFIG_ERR_MAX], name[80];
	const char *slash;
	int rc;

	memset(res, 0, sizeof(*res));
	res->flags = flags;
	res->program = "glint";
	if (argc > 0 && argv[0] && argv[0][0]) {
		slash = strrchr(argv[0], '/');
		res->program = slash && slash[1] ? slash + 1 : argv[0];
	}
	if (argc < 1)
		argc = 1; /* nothing but the program name */
	rc = config_set_defaults(table, cfg, res);
	if (rc)
		return rc;
	res->args = calloc((size_t)argc + 1, sizeof(*res->args));
	sc.flags = calloc((size_t)argc, sizeof(*sc.flags));
	if (!res->args || !sc.flags) {
		rc = -ENOMEM;
		config_errf(res, "out of memory");
		goto err;
	}
	rc = config_scan_argv(table, argc, argv, flags, &sc, res);
	if (rc)
		goto err;
	if (sc.help) {
		res->action = CONFIG_ACTION_HELP;
		goto out;
	}
	if (sc.config_file) {
		res->config_file = sc.config_file;
		rc = config_read_file(table, cfg, sc.config_file, res);
		if (rc)
			goto err;
	}
	for (int i = 0; i < sc.nflags; i++) {
		config_flag_name(&sc.flags[i], name, sizeof(name));
		rc = config_apply(sc.flags[i].opt, cfg, name, sc.flags[i].value,
				  msg, sizeof(msg));
		if (rc) {
			config_errf(res, "%s", msg);
			goto err;
		}
	}
	if (sc.dump)
		res->action = CONFIG_ACTION_DUMP;
out:
	free(sc.flags);
	return 0;
err:
	free(sc.flags);
	config_result_fini(res);
	return rc;
}

int config_parse(const struct config_option *table, void *cfg, int argc,
		 char **argv, struct config_result *res)
{
	return config_parse_flags(table, cfg, argc, argv, 0, res);
}

/* ---- usage and dump ------------------------------------------------- */

/* The default as --help shows it. */
static const char *config_default_text(const struct config_option *opt)
{
	if (opt->default_value)
		return opt->default_value;
	switch (opt->type) {
	case CONFIG_BOOL:
		return "false";
	case CONFIG_INT64:
	case CONFIG_SIZE:
		return "0";
	case CONFIG_ENUM:
		return opt->values && opt->values[0] ? opt->values[0] : "?";
	default:
		return "none";
	}
}

/* The range part of --help and dump comments: "1M..1P", "-1..2000", "". */
static void config_range_text(const struct config_option *opt, char *buf,
			      size_t len)
{
	char lo[32], hi[32];
	size_t pos = 0;

	buf[0] = '\0';
	if (opt->type == CONFIG_INT64 && config_int_bounded(opt)) {
		if (opt->max == INT64_MAX)
			config_appendf(buf, len, &pos, ">= %" PRId64, opt->min);
		else if (opt->min == INT64_MIN)
			config_appendf(buf, len, &pos, "<= %" PRId64, opt->max);
		else
			config_appendf(buf, len, &pos, "%" PRId64 "..%" PRId64,
				       opt->min, opt->max);
	} else if (opt->type == CONFIG_SIZE &&
		   (opt->size_min || opt->size_max)) {
		config_format_size_exact(opt->size_min, lo, sizeof(lo));
		if (opt->size_max) {
			config_format_size_exact(opt->size_max, hi, sizeof(hi));
			config_appendf(buf, len, &pos, "%s..%s", lo, hi);
		} else {
			config_appendf(buf, len, &pos, ">= %s", lo);
		}
	} else if (opt->type == CONFIG_ENUM) {
		for (size_t i = 0; opt->values && opt->values[i]; i++)
			config_appendf(buf, len, &pos, "%s%s", i ? "|" : "",
				       opt->values[i]);
	}
}

static void config_usage_line(FILE *out, const char *left, const char *help,
			      const char *detail)
{
	int n = fprintf(out, "%s", left);

	if (n >= CONFIG_USAGE_COL - 1) {
		fputc('\n', out);
		n = 0;
	}
	fprintf(out, "%*s%s\n", CONFIG_USAGE_COL - n, "", help ? help : "");
	if (detail && detail[0])
		fprintf(out, "%*s%s\n", CONFIG_USAGE_COL, "", detail);
}

void config_usage(const struct config_option *table, const char *program,
		  const char *synopsis, unsigned flags, FILE *out)
{
	char left[128], range[256], detail[512];

	fprintf(out, "Usage: %s %s\n\n", program ? program : "glint",
		synopsis ? synopsis : "[OPTION]...");
	fprintf(out, "Options:\n");
	for (const struct config_option *opt = table; opt->name; opt++) {
		const char *meta = config_meta(opt);
		int n;

		if (opt->short_name)
			n = snprintf(left, sizeof(left), "  -%c, ",
				     opt->short_name);
		else
			n = snprintf(left, sizeof(left), "      ");
		if (opt->type == CONFIG_BOOL)
			snprintf(left + n, sizeof(left) - (size_t)n,
				 "--[no-]%s", opt->name);
		else
			snprintf(left + n, sizeof(left) - (size_t)n, "--%s=%s",
				 opt->name, meta);
		config_range_text(opt, range, sizeof(range));
		snprintf(detail, sizeof(detail), "(default: %s%s%s%s)",
			 config_default_text(opt), range[0] ? "; " : "",
			 opt->type == CONFIG_ENUM && range[0] ? "one of " : "",
			 range);
		config_usage_line(out, left, opt->help, detail);
	}
	if (!(flags & CONFIG_PARSE_NO_FILE)) {
		config_usage_line(out, "      --config=FILE",
				  "read settings from FILE; flags override it",
				  NULL);
		config_usage_line(out, "      --dump-config",
				  "print the effective settings and exit",
				  NULL);
	}
	config_usage_line(out, "  -h, --help", "print this help and exit",
			  NULL);
}

/* Does a string need quotes to survive a trip through a config file? */
static bool config_needs_quotes(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || isspace((unsigned char)s[0]) ||
	    isspace((unsigned char)s[n - 1]) || s[0] == '"')
		return true;
	for (const char *p = s; *p; p++)
		if (*p == '#' || *p == '\n' || *p == '\\' || *p == '"' ||
		    *p == '\r' || *p == '\t')
			return true;
	return false;
}

static void config_write_string(FILE *out, const char *s)
{
	if (!config_needs_quotes(s)) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

void config_dump(const struct config_option *table, const void *cfg, FILE *out)
{
	char range[256], buf[32];

	fprintf(out, "# Glint configuration (as printed by --dump-config).\n"
		     "# \"name = value\" per line; command-line flags "
		     "override this file.\n");
	for (const struct config_option *opt = table; opt->name; opt++) {
		const void *field = config_cfield(opt, cfg);

		config_range_text(opt, range, sizeof(range));
		fprintf(out, "\n# %s (%s%s%s, default %s)\n",
			opt->help ? opt->help : opt->name,
			opt->type == CONFIG_BOOL ? "yes/no" : config_meta(opt),
			range[0] ? " " : "", range, config_default_text(opt));
		switch (opt->type) {
		case CONFIG_BOOL:
			fprintf(out, "%s = %s\n", opt->name,
				*(const bool *)field ? "true" : "false");
			break;
		case CONFIG_INT64:
			fprintf(out, "%s = %" PRId64 "\n", opt->name,
				*(const int64_t *)field);
			break;
		case CONFIG_SIZE:
			config_format_size_exact(*(const uint64_t *)field, buf,
						 sizeof(buf));
			fprintf(out, "%s = %s\n", opt->name, buf);
			break;
		case CONFIG_ENUM: {
			int e = *(const int *)field;
			int count = 0;

			while (opt->values && opt->values[count])
				count++;
			if (e >= 0 && e < count)
				fprintf(out, "%s = %s\n", opt->name,
					opt->values[e]);
			else
				fprintf(out, "# %s = (invalid value %d)\n",
					opt->name, e);
			break;
		}
		case CONFIG_STRING:
		case CONFIG_PATH:
		case CONFIG_ADDRESS: {
			const char *s = *(char *const *)field;

			if (!s) {
				fprintf(out, "# %s is not set\n", opt->name);
				break;
			}
			fprintf(out, "%s = ", opt->name);
			config_write_string(out, s);
			fputc('\n', out);
			break;
		}
		}
	}
}

int config_print_action(const struct config_option *table, const void *cfg,
			const struct config_result *res, const char *synopsis,
			FILE *out)
{
	switch (res->action) {
	case CONFIG_ACTION_HELP:
		config_usage(table, res->program, synopsis, res->flags, out);
		return 1;
	case CONFIG_ACTION_DUMP:
		config_dump(table, cfg, out);
		return 1;
	default:
		return 0;
	}
}

/* ---- table check ---------------------------------------------------- */

static bool config_name_ok(const char *name)
{
	if (!name[0] || name[0] == '-')
		return false;
	for (const char *p = name; *p; p++)
		if (!islower((unsigned char)*p) &&
		    !isdigit((unsigned char)*p) && *p != '-')
			return false;
	return true;
}

int config_table_check(const struct config_option *table, char *err,
		       size_t err_len)
{
	static const char *const reserved[] = {"help", "config", "dump-config"};
	char expected[256];
	union config_value v;
	const struct config_option *opt, *o2;

	for (opt = table; opt->name; opt++) {
		const char *why = NULL;

		if (!config_name_ok(opt->name))
			why = "name must be [a-z0-9-]";
		else if (!strncmp(opt->name, "no-", 3))
			why = "name must not start with \"no-\"";
		for (size_t i = 0;
		     !why && i < sizeof(reserved) / sizeof(reserved[0]); i++)
			if (!strcmp(opt->name, reserved[i]))
				why = "name is reserved for a built-in option";
		for (o2 = table; !why && o2 != opt; o2++) {
			if (!strcmp(o2->name, opt->name))
				why = "duplicate name";
			else if (opt->short_name &&
				 o2->short_name == opt->short_name)
				why = "duplicate short name";
		}
		if (!why && opt->short_name &&
		    (opt->short_name == 'h' ||
		     !isalnum((unsigned char)opt->short_name)))
			why = "short name must be a letter or digit other "
			      "than h";
		if (!why && opt->type == CONFIG_ENUM &&
		    (!opt->values || !opt->values[0]))
			why = "enum without values";
		if (!why && opt->type == CONFIG_INT64 && opt->min > opt->max)
			why = "min > max";
		if (!why && opt->type == CONFIG_SIZE && opt->size_max &&
		    opt->size_min > opt->size_max)
			why = "size_min > size_max";
		if (!why && opt->type > CONFIG_PATH)
			why = "unknown type";
		if (!why && config_convert(opt, opt->default_value, &v)) {
			config_expected(opt, expected, sizeof(expected));
			if (err)
				snprintf(err, err_len,
					 "option %s: bad default \"%s\": %s",
					 opt->name,
					 opt->default_value ? opt->default_value
							    : "(null)",
					 expected);
			return -EINVAL;
		}
		if (why) {
			if (err)
				snprintf(err, err_len, "option %s: %s",
					 opt->name, why);
			return -EINVAL;
		}
	}
	return 0;
}
