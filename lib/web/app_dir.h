/*
 * app_dir - where an app's own folders (templates/, static/) are.
 *
 * Tornado apps find them with os.path.dirname(__file__). A C program has
 * no module path at run time, so this looks in the places a program built
 * from a source tree can be started from: the folder an option named,
 * the folder of the source file as the compiler saw it (right when the
 * program runs from where it was built, as `make` does), and else the
 * same folder below any of the executable's parent folders (a binary in
 * build/lessons/NN/ run from anywhere).
 */
#ifndef EDDY_WEB_APP_DIR_H
#define EDDY_WEB_APP_DIR_H

#include <stdbool.h>
#include <stddef.h>

/* eddy_find_app_dir - the folder name of an app into out[size], and true
 * when it is there:
 *   - given/name, when given (e.g. a --root option) is not empty: it
 *     alone is tried, so a wrong option is an error, not a fallback;
 *   - else the folder of source_file (pass __FILE__), then name;
 *   - else ANCESTOR/app_dir/name for the executable's parent folders,
 *     nearest first, six levels up at most (app_dir is the source
 *     folder relative to the tree's root, e.g. "lessons/16-async-db").
 * On false, out holds the last path tried. */
bool eddy_find_app_dir(const char *given, const char *source_file, const char *app_dir,
                       const char *name, char *out, size_t size);

#endif
