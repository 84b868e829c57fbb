/*
 * app_dir - where an app's own folders are (see app_dir.h).
 */
#include <eddy/web/app_dir.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* at - out = "<base>/<name>" (base the first base_len bytes), and whether
 * that is a folder; a path that does not fit is not one. */
static bool at(const char *base, int base_len, const char *name, char *out, size_t size)
{
    struct stat st;
    int n = snprintf(out, size, "%.*s/%s", base_len, base, name);
    return n > 0 && (size_t)n < size && stat(out, &st) == 0 && S_ISDIR(st.st_mode);
}

bool eddy_find_app_dir(const char *given, const char *source_file, const char *app_dir,
                       const char *name, char *out, size_t size)
{
    if (given && *given)
        return at(given, (int)strlen(given), name, out, size);
    const char *slash = source_file ? strrchr(source_file, '/') : NULL;
    if (at(slash ? source_file : ".", slash ? (int)(slash - source_file) : 1, name, out, size))
        return true;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    char rel[PATH_MAX];
    snprintf(rel, sizeof rel, "%s/%s", app_dir, name);
    for (int up = 0; up < 6; up++) {
        char *cut = strrchr(exe, '/');
        if (!cut)
            break;
        *cut = '\0';
        if (at(exe, (int)strlen(exe), rel, out, size))
            return true;
    }
    return false;
}
