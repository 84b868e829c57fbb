/*
 * log - levelled log lines; see log.h.
 *
 * Each line is built in a fixed stack buffer and written with one write(2):
 * no allocation, no stdio lock, and a line never mixes with another
 * thread's. A message too long for the buffer is cut and ends with "...".
 */
#include <eddy/base/log.h>

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum { LINE_MAX_BYTES = 4096 };

static _Atomic int threshold = EDDY_LOG_INFO;
static _Atomic int out_fd = 2;
static _Atomic int color_mode = -1;
static _Atomic int use_color = -1; /* -1: not decided yet */

static const struct {
    const char *name;
    char letter;
    const char *color; /* ANSI colour of the prefix */
} levels[] = {
    [EDDY_LOG_DEBUG] = {"debug", 'D', "\033[34m"},
    [EDDY_LOG_INFO] = {"info", 'I', "\033[32m"},
    [EDDY_LOG_WARNING] = {"warning", 'W', "\033[33m"},
    [EDDY_LOG_ERROR] = {"error", 'E', "\033[31m"},
    [EDDY_LOG_NONE] = {"none", '-', ""},
};

void eddy_log_set_level(eddy_log_level level) { threshold = (int)level; }

eddy_log_level eddy_log_get_level(void) { return (eddy_log_level)threshold; }

int eddy_log_parse_level(const char *name, eddy_log_level *level)
{
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        if (strcasecmp(name, levels[i].name) == 0) {
            *level = (eddy_log_level)i;
            return 0;
        }
    }
    if (strcasecmp(name, "warn") == 0) {
        *level = EDDY_LOG_WARNING;
        return 0;
    }
    return -1;
}

static int decide_color(void)
{
    if (color_mode >= 0)
        return color_mode;
    const char *term = getenv("TERM");
    return isatty(out_fd) && !getenv("NO_COLOR") && term && strcmp(term, "dumb") != 0;
}

void eddy_log_set_fd(int fd)
{
    out_fd = fd;
    use_color = -1;
}

void eddy_log_set_color(int mode)
{
    color_mode = mode;
    use_color = -1;
}

/* base_name - "lib/http/server.c" -> "server.c": the directory is noise in a log. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void eddy_log_at(eddy_log_level level, const char *file, int line, const char *fmt, ...)
{
    if ((int)level < threshold || level >= EDDY_LOG_NONE)
        return;
    int saved_errno = errno; /* callers often log right before using errno */
    if (use_color < 0)
        use_color = decide_color();

    struct timeval now;
    gettimeofday(&now, NULL);
    struct tm tm;
    localtime_r(&now.tv_sec, &tm);

    char out[LINE_MAX_BYTES];
    const int room = (int)sizeof out - 5; /* keeps space for "...\n" */
    int n = snprintf(out, (size_t)room, "%s[%c %02d%02d%02d %02d:%02d:%02d.%03d %s:%d]%s ",
                     use_color ? levels[level].color : "", levels[level].letter,
                     tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (int)(now.tv_usec / 1000), base_name(file), line,
                     use_color ? "\033[0m" : "");
    if (n < 0)
        n = 0;
    if (n < room) {
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(out + n, (size_t)(room - n), fmt, ap);
        va_end(ap);
        if (m > 0)
            n += m;
    }
    if (n >= room) {
        n = room - 1;
        memcpy(out + n, "...", 3);
        n += 3;
    }
    while (n > 0 && out[n - 1] == '\n')
        n--; /* one line per call, whatever the message ends with */
    out[n++] = '\n';

    for (const char *p = out; n > 0;) {
        ssize_t w = write(out_fd, p, (size_t)n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* nowhere else to report a failed log write */
        p += w;
        n -= (int)w;
    }
    errno = saved_errno;
}
