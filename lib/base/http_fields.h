/*
 * http_fields - the syntax of HTTP header values, with no connection.
 *
 * Status reasons, HTTP dates both ways, ETag lists (If-None-Match), byte
 * ranges (Range) and Content-Types by file extension: the server writes
 * them, static files read and write them, and the HTTP client and uploads
 * will too. They are pure functions over strings, so they live on the
 * ground floor and are fuzzed and tested on their own.
 */
#ifndef EDDY_HTTP_FIELDS_H
#define EDDY_HTTP_FIELDS_H

#include <stdint.h>
#include <time.h>

/* eddy_status_reason - "Not Found" for 404, "" for an unknown code. */
const char *eddy_status_reason(int status);

/* An HTTP date is always 29 characters: "Sun, 06 Nov 1994 08:49:37 GMT". */
enum { EDDY_HTTP_DATE_SIZE = 30 };

/* eddy_http_date_format - t as an IMF-fixdate, in English whatever the
 * locale, NUL-terminated. */
void eddy_http_date_format(time_t t, char out[EDDY_HTTP_DATE_SIZE]);

/* eddy_parse_http_date - the three forms RFC 9110 asks a recipient to
 * accept ("Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37
 * GMT", "Sun Nov  6 08:49:37 1994") to *t; 0, or -1. */
int eddy_parse_http_date(const char *text, time_t *t);

/* eddy_etag_list_matches - an If-None-Match list holds etag (the weak
 * comparison RFC 9110 asks for there: a W/ prefix is ignored) or is "*". */
int eddy_etag_list_matches(const char *list, const char *etag);

/* eddy_parse_range - a Range header against a body of size bytes: 1 with
 * the inclusive span [*first, *last] (first <= last < size); -1 when it
 * cannot be satisfied (416); 0 to ignore it and send everything
 * (malformed, another unit, or several ranges: RFC 9110 allows either, and
 * Tornado does the same). */
int eddy_parse_range(const char *header, uint64_t size, uint64_t *first, uint64_t *last);

/* eddy_content_type_for_path - the Content-Type for a file name, from its
 * extension: "text/css; charset=UTF-8", ..., "application/octet-stream". */
const char *eddy_content_type_for_path(const char *path);

#endif
