/*
 * log.c - formatted, leveled, self-contained log lines (log.h).
 *
 * Each line is formatted into a stack buffer and written with one write(2),
 * so concurrent threads never interleave within a line. A line longer than
 * the buffer is truncated and ends in "...". The rate limiter's state is
 * per call site; one mutex guards all of them (logging that is being rate
 * limited is by definition not on a fast path).
 */
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

static const char *const log_names[] = {
	[LOG_DEBUG] = "debug",	   [LOG_INFO] = "info",	  [LOG_NOTICE] = "notice",
	[LOG_WARNING] = "warning", [LOG_ERROR] = "error",
};

static struct {
	char program[64];	/* shown on every line */
	enum log_level min;	/* lines below this level are dropped */
	int fd;			/* where lines go; 2 = stderr */
	pthread_mutex_t rl_lock; /* guards every struct log_ratelimit */
} log_state = {
	.program = "glint",
	.min = LOG_INFO,
	.fd = 2,
	.rl_lock = PTHREAD_MUTEX_INITIALIZER,
};

int log_init(const char *program, enum log_level min_level, const char *path)
{
	int fd = 2;

	if (path && *path) {
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
	}
	if (log_state.fd != 2)
		close(log_state.fd);
	log_state.fd = fd;
	if (program)
		snprintf(log_state.program, sizeof(log_state.program), "%s",
			 program);
	log_state.min = min_level;
	return 0;
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (!strcmp(s, log_names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level >= sizeof(log_names) / sizeof(log_names[0]))
		return "?";
	return log_names[level];
}

static uint64_t log_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void log_vwrite(enum log_level level, const char *module,
		       const char *suffix, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	size_t n;
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	r = snprintf(line, sizeof(line),
		     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s[%d] %s: ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		     log_level_name(level), log_state.program, (int)getpid(),
		     module);
	n = r < 0 ? 0 : (size_t)r;
	if (n < sizeof(line)) {
		r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		n += r < 0 ? 0 : (size_t)r;
	}
	if (n < sizeof(line) && suffix) {
		r = snprintf(line + n, sizeof(line) - n, "%s", suffix);
		n += r < 0 ? 0 : (size_t)r;
	}
	if (n >= sizeof(line) - 1) {
		n = sizeof(line) - 1;
		memcpy(line + n - 3, "...", 3);
	}
	line[n++] = '\n';
	if (write(log_state.fd, line, n) < 0) {
		/* Nowhere left to report a failed log write. */
	}
}

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
	va_list ap;

	if (level < log_state.min)
		return;
	va_start(ap, fmt);
	log_vwrite(level, module, NULL, fmt, ap);
	va_end(ap);
}

void log_ratelimited(struct log_ratelimit *rl, enum log_level level,
		     const char *module, const char *fmt, ...)
{
	char suffix[64] = "";
	uint64_t now = log_now_ms();
	uint32_t suppressed = 0;
	int pass;
	va_list ap;

	if (level < log_state.min)
		return;
	pthread_mutex_lock(&log_state.rl_lock);
	if (now - rl->window_start_ms >= LOG_INTERVAL_MS) {
		rl->window_start_ms = now;
		rl->printed = 0;
	}
	pass = rl->printed < LOG_BURST;
	if (pass) {
		rl->printed++;
		suppressed = rl->suppressed;
		rl->suppressed = 0;
	} else {
		rl->suppressed++;
	}
	pthread_mutex_unlock(&log_state.rl_lock);
	if (!pass)
		return;
	if (suppressed)
		snprintf(suffix, sizeof(suffix), " (%u similar lines suppressed)",
			 suppressed);
	va_start(ap, fmt);
	log_vwrite(level, module, suppressed ? suffix : NULL, fmt, ap);
	va_end(ap);
}
