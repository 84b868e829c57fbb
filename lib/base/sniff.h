/*
 * sniff - what a file is, from its first bytes.
 *
 * A client's Content-Type for an upload is only its claim; the bytes say
 * more. This looks for the magic numbers of a few formats a web forum
 * takes (PNG, JPEG, GIF, WebP, BMP, PDF, ZIP, gzip) and recognises plain
 * UTF-8 text; anything else is "application/octet-stream". It guesses
 * nothing beyond that: no HTML, no scripts, nothing a browser could be
 * talked into running.
 */
#ifndef EDDY_SNIFF_H
#define EDDY_SNIFF_H

#include <stddef.h>

/* eddy_sniff_content_type - the media type of bytes[0..len), a static
 * string: "image/png", "image/jpeg", "image/gif", "image/webp",
 * "image/bmp", "application/pdf", "application/zip", "application/gzip",
 * "text/plain; charset=utf-8", or "application/octet-stream". Give it the
 * first 512 bytes or so; text is judged on what is given (a UTF-8
 * sequence cut at the end counts as text). */
const char *eddy_sniff_content_type(const void *bytes, size_t len);

/* eddy_sniff_extension - the usual file extension for a type this module
 * returns, with its dot (".png", ".txt"), or "" for octet-stream and
 * anything else. */
const char *eddy_sniff_extension(const char *type);

#endif
