/*
 * log - levelled log lines with timestamps, for the library and its users.
 *
 * One line per call, written with a single write so lines from the loop
 * thread and the thread pool never interleave. The format follows
 * Tornado's: "[I 261127 13:45:01.123 server.c:42] message", the letter
 * being the level. The prefix is coloured only when the output is a
 * terminal (and NO_COLOR is unset), so redirected logs stay plain text.
 */
#ifndef EDDY_LOG_H
#define EDDY_LOG_H

typedef enum eddy_log_level {
    EDDY_LOG_DEBUG,
    EDDY_LOG_INFO,
    EDDY_LOG_WARNING,
    EDDY_LOG_ERROR,
    EDDY_LOG_NONE /* as a threshold: log nothing */
} eddy_log_level;

/* eddy_log_set_level - drop lines below level (default: INFO). */
void eddy_log_set_level(eddy_log_level level);
eddy_log_level eddy_log_get_level(void);

/* eddy_log_parse_level - "debug", "info", "warning", "error", "none"
 * (any case) to a level; -1 for anything else. */
int eddy_log_parse_level(const char *name, eddy_log_level *level);

/* eddy_log_set_fd - where lines go (default 2). Colour is re-decided. */
void eddy_log_set_fd(int fd);

/* eddy_log_set_color - 1 always, 0 never, -1 only on a terminal (default). */
void eddy_log_set_color(int mode);

void eddy_log_at(eddy_log_level level, const char *file, int line,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define eddy_debug(...) eddy_log_at(EDDY_LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__)
#define eddy_info(...) eddy_log_at(EDDY_LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define eddy_warn(...) eddy_log_at(EDDY_LOG_WARNING, __FILE__, __LINE__, __VA_ARGS__)
#define eddy_error(...) eddy_log_at(EDDY_LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)

#endif
