/*
 * log.h - the one logging API of every Glint program.
 *
 * Each line is self-contained: ISO time with milliseconds, level, program
 * name and pid, module, then the printf-formatted message, which carries the
 * ids that matter (peer, req_id, ino, ost_idx) as key=value pairs:
 *
 *   2026-11-24T05:50:30.123Z notice glint-oss[123] net: peer=127.0.0.1:4242 closed: bad header checksum
 *
 * Lines go to stderr (or the file given to log_init), one write(2) each, so
 * lines from several threads never interleave. Thread-safe.
 *
 * log_ratelimited() is for anything a peer can trigger (bad frames, floods):
 * each call site (identified by its static state) lets LOG_BURST lines
 * through per LOG_INTERVAL_MS and then counts what it suppressed, reporting
 * the count with the next line it lets through.
 */
#ifndef GLINT_COMMON_LOG_H
#define GLINT_COMMON_LOG_H

#include <stdint.h>

enum log_level {
	LOG_DEBUG,
	LOG_INFO,
	LOG_NOTICE,
	LOG_WARNING,
	LOG_ERROR,
};

#define LOG_BURST	10
#define LOG_INTERVAL_MS 5000

/* Per-call-site state of log_ratelimited(); zeroed is valid. */
struct log_ratelimit {
	uint64_t window_start_ms; /* start of the current interval */
	uint32_t printed;	  /* lines let through in this interval */
	uint32_t suppressed;	  /* lines dropped since the last one printed */
};

/*
 * Set the program name shown on every line, the minimum level, and an
 * optional log file (NULL = stderr). Returns 0 or -errno if the file cannot
 * be opened. May be called again (e.g. after config parsing).
 */
int log_init(const char *program, enum log_level min_level, const char *path);

/* Parse "debug", "info", "notice", "warning", "error"; -EINVAL otherwise. */
int log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level level);

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void log_ratelimited(struct log_ratelimit *rl, enum log_level level,
		     const char *module, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Convenience: a static rate limiter per call site. */
#define LOG_RATELIMITED(level, module, ...)                                  \
	do {                                                                 \
		static struct log_ratelimit log_rl_;                         \
		log_ratelimited(&log_rl_, (level), (module), __VA_ARGS__);   \
	} while (0)

#endif /* GLINT_COMMON_LOG_H */
