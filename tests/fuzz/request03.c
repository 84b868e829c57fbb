/*
 * Fuzz target: lesson 03's request parser, http_parse(), on arbitrary bytes.
 *
 * The input is copied into a buffer of exactly its size (so ASan catches a
 * read past the end) and parsed the way the server does: request after
 * request from the front. Every answer must be consistent: a length within
 * the input, pointers inside the request, and a prefix of a complete
 * request must never already be a different complete request.
 */
#include "../../lessons/03-server-models/request.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    size_t at = 0;
    for (int requests = 0; requests < 1000 && at < size; requests++) {
        struct http_request req;
        ssize_t n = http_parse(buf + at, size - at, &req);
        if (n <= 0)
            break;
        if ((size_t)n > size - at)
            abort(); /* longer than what it was given */
        if (req.method < buf + at || req.method + req.method_len > buf + at + n ||
            req.path < buf + at || req.path + req.path_len > buf + at + n || req.path[0] != '/')
            abort(); /* points outside the request */
        if (req.minor_version != 0 && req.minor_version != 1)
            abort();
        /* One byte less is never a whole request: "need more" (or, for a
         * body cut short, still need more). */
        struct http_request shorter;
        if (http_parse(buf + at, (size_t)n - 1, &shorter) != 0)
            abort();
        at += (size_t)n;
    }
    free(buf);
    return 0;
}
