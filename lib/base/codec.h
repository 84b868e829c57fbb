/*
 * codec - bytes as text and back: base64 (RFC 4648 section 4), base64url
 * without padding (section 5, what JWTs and tokens in URLs and cookies
 * use) and lower-case hex.
 *
 * Encoders append to a buffer and fail only when memory runs out.
 * Decoders are strict, because their input usually comes from a client:
 * a character outside the alphabet, a wrong length or non-zero bits left
 * over after the last byte make them fail, so one value has exactly one
 * spelling and a tampered token cannot hide behind a second one.
 */
#ifndef EDDY_CODEC_H
#define EDDY_CODEC_H

#include <eddy/base/buf.h>

#include <stddef.h>

/* eddy_base64_encode - append data as base64 with '=' padding. 0 or -1. */
int eddy_base64_encode(eddy_buf *out, const void *data, size_t n);

/* eddy_base64_decode - append the bytes that base64 text s (n chars,
 * padded) stands for. 0, or -1 when s is not canonical base64 (out then
 * holds what it held before). */
int eddy_base64_decode(eddy_buf *out, const char *s, size_t n);

/* eddy_base64url_encode / _decode - the URL- and cookie-safe alphabet
 * ('-' and '_'), never padded. */
int eddy_base64url_encode(eddy_buf *out, const void *data, size_t n);
int eddy_base64url_decode(eddy_buf *out, const char *s, size_t n);

/* eddy_hex_encode - append data as lower-case hex. 0 or -1. */
int eddy_hex_encode(eddy_buf *out, const void *data, size_t n);

/* eddy_hex_decode - append the bytes of hex text s (either case, even
 * length). 0, or -1 when s is not hex. */
int eddy_hex_decode(eddy_buf *out, const char *s, size_t n);

#endif
