/*
 * utf8 - UTF-8 validation, whole or a piece at a time.
 *
 * A WebSocket text message may arrive in fragments cut anywhere, even in
 * the middle of a character, and must be refused (close code 1007) as
 * soon as it cannot be valid any more. So the validator keeps the state
 * of a character in progress between calls: feed the pieces in order,
 * and ask at the end whether the last character was complete. Valid means
 * RFC 3629: no overlong forms, no surrogates (U+D800..U+DFFF), nothing
 * above U+10FFFF.
 *
 *     eddy_utf8 v;
 *     eddy_utf8_init(&v);
 *     if (eddy_utf8_feed(&v, piece, n) < 0) ... invalid already
 *     ...
 *     if (!eddy_utf8_complete(&v)) ... ends inside a character
 */
#ifndef EDDY_UTF8_H
#define EDDY_UTF8_H

#include <stddef.h>
#include <stdint.h>

typedef struct eddy_utf8 {
    uint8_t need;    /* continuation bytes still expected */
    uint8_t lo, hi;  /* bounds of the next continuation byte (overlong/surrogate rules) */
    uint8_t invalid; /* set once the input cannot be valid */
} eddy_utf8;

/* eddy_utf8_init - ready for the first byte of a text. */
void eddy_utf8_init(eddy_utf8 *v);

/* eddy_utf8_feed - check the next len bytes; 0 while the text may still
 * be valid, -1 once it cannot be (and on every later call). */
int eddy_utf8_feed(eddy_utf8 *v, const void *data, size_t len);

/* eddy_utf8_complete - 1 when no character is left half-way (and nothing
 * invalid was seen). */
int eddy_utf8_complete(const eddy_utf8 *v);

/* eddy_ascii_prefix - how many of data[0..len)'s first bytes are ASCII
 * (below 0x80): len when all are. A word at a time. */
size_t eddy_ascii_prefix(const void *data, size_t len);

/* eddy_utf8_valid - the whole of data[0..len) is valid UTF-8: 1 or 0. */
int eddy_utf8_valid(const void *data, size_t len);

#endif
