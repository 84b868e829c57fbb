/*
 * Fuzz target: lesson 00's line reader on arbitrary bytes.
 *
 * The bytes go through a pipe in one piece; the reader must return lines
 * that are exactly the input's lines (no byte lost, none invented) and stop
 * cleanly, whatever the input holds.
 */
#include "../../lessons/00-toolchain/lineio.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 60000)
        return 0; /* stays below the pipe's capacity: one write, no thread */
    int fds[2];
    if (pipe(fds) < 0)
        abort();
    if (size && write(fds[1], data, size) != (ssize_t)size)
        abort();
    close(fds[1]);

    struct line_reader r;
    line_reader_init(&r, fds[0]);
    char line[128];
    size_t consumed = 0;
    for (;;) {
        ssize_t n = line_read(&r, line, sizeof line);
        if (n < 0) {
            if (errno == 0 && consumed < size)
                abort(); /* claimed the end before the input ran out */
            break;
        }
        if ((size_t)n >= sizeof line || strlen(line) > (size_t)n)
            abort();
        if (memcmp(line, data + consumed, (size_t)n) != 0)
            abort(); /* a line that is not what was sent */
        consumed += (size_t)n;
        if (consumed < size && data[consumed] == '\n')
            consumed++;
    }
    close(fds[0]);
    return 0;
}
