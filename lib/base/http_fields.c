/*
 * http_fields - the syntax of HTTP header values (see http_fields.h).
 */
#include <eddy/base/http_fields.h>

#include <eddy/base/calendar.h>
#include <eddy/base/str.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ status reasons */

const char *eddy_status_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "";
    }
}

/* ------------------------------------------------------------ dates */

/* Names, not strftime: the locale a program sets must not reach the wire. */
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void eddy_http_date_format(time_t t, char out[EDDY_HTTP_DATE_SIZE])
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    /* Years 0000 to 9999: what four digits can say. */
    const int64_t first = -62167219200, last = 253402300799;
    int64_t secs = t < first ? first : t > last ? last : (int64_t)t;
    eddy_civil c;
    eddy_civil_from_us(secs * 1000000, &c);
    char *p = out;
    memcpy(p, days[c.weekday], 3), p += 3, *p++ = ',', *p++ = ' ';
    p = eddy_put_digits(p, (uint32_t)c.day, 2), *p++ = ' ';
    memcpy(p, months[c.month - 1], 3), p += 3, *p++ = ' ';
    p = eddy_put_digits(p, (uint32_t)c.year, 4), *p++ = ' ';
    p = eddy_put_digits(p, (uint32_t)c.hour, 2), *p++ = ':';
    p = eddy_put_digits(p, (uint32_t)c.minute, 2), *p++ = ':';
    p = eddy_put_digits(p, (uint32_t)c.second, 2);
    memcpy(p, " GMT", 5); /* with the NUL: 29 characters in all */
}

static int month_index(const char *m)
{
    for (int i = 0; i < 12; i++)
        if (strcasecmp(m, months[i]) == 0)
            return i;
    return -1;
}

int eddy_parse_http_date(const char *s, time_t *t)
{
    char mon[4] = "";
    int day = 0, year = 0, h = 0, m = 0, sec = 0, end = 0; /* end > 0: all of a form matched */
    int n = sscanf(s, "%*3s, %2d %3s %4d %2d:%2d:%2d GMT%n", &day, mon, &year, &h, &m, &sec, &end);
    if (n != 6 || !end) {
        end = 0;
        n = sscanf(s, "%*[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d GMT%n", &day, mon, &year, &h, &m, &sec,
                   &end);
        if (n == 6 && end)
            year += year < 70 ? 2000 : 1900;
    }
    if (n != 6 || !end) {
        end = 0;
        n = sscanf(s, "%*3s %3s %2d %2d:%2d:%2d %4d%n", mon, &day, &h, &m, &sec, &year, &end);
    }
    if (n != 6 || !end)
        return -1;
    int month = month_index(mon);
    if (month < 0 || day < 1 || day > 31 || h > 23 || m > 59 || sec > 60)
        return -1;
    eddy_civil c = {.year = year, .month = month + 1, .day = day, .hour = h, .minute = m,
                    .second = sec};
    *t = (time_t)(eddy_us_from_civil(&c) / 1000000);
    return 0;
}

int eddy_etag_list_matches(const char *list, const char *etag)
{
    size_t elen = strlen(etag);
    for (const char *p = list; *p;) {
        p += strspn(p, " \t,");
        if (!*p)
            break;
        if (*p == '*')
            return 1;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        const char *q = p;
        if (*q == '"') {
            const char *close = strchr(q + 1, '"');
            q = close ? close + 1 : q + strlen(q);
        } else {
            q += strcspn(q, ", \t");
        }
        if ((size_t)(q - p) == elen && strncmp(p, etag, elen) == 0)
            return 1;
        p = q;
    }
    return 0;
}

/* digits - a decimal number at *p, saturating at UINT64_MAX; 0 if none. */
static int digits(const char **p, uint64_t *v)
{
    const char *s = *p;
    *v = 0;
    while (*s >= '0' && *s <= '9') {
        unsigned d = (unsigned)(*s++ - '0');
        *v = *v > (UINT64_MAX - d) / 10 ? UINT64_MAX : *v * 10 + d;
    }
    if (s == *p)
        return 0;
    *p = s;
    return 1;
}

int eddy_parse_range(const char *h, uint64_t size, uint64_t *first, uint64_t *last)
{
    const char *p = h + strspn(h, " \t");
    if (strncasecmp(p, "bytes=", 6) != 0)
        return 0;
    p += 6;
    p += strspn(p, " \t");
    if (strchr(p, ','))
        return 0;
    uint64_t a, b;
    if (*p == '-') { /* the last b bytes */
        p++;
        if (!digits(&p, &b) || p[strspn(p, " \t")])
            return 0;
        if (b == 0 || size == 0)
            return -1;
        *first = b >= size ? 0 : size - b;
        *last = size - 1;
        return 1;
    }
    if (!digits(&p, &a) || *p++ != '-')
        return 0;
    int has_b = digits(&p, &b);
    if (p[strspn(p, " \t")] || (has_b && b < a))
        return 0;
    if (a >= size)
        return -1;
    *first = a;
    *last = has_b && b < size - 1 ? b : size - 1;
    return 1;
}

/* ------------------------------------------------------------ content types */

static const struct {
    const char *ext, *type;
} content_types[] = {
    {"html", "text/html; charset=UTF-8"},
    {"htm", "text/html; charset=UTF-8"},
    {"css", "text/css; charset=UTF-8"},
    {"js", "text/javascript; charset=UTF-8"},
    {"mjs", "text/javascript; charset=UTF-8"},
    {"json", "application/json; charset=UTF-8"},
    {"map", "application/json; charset=UTF-8"},
    {"txt", "text/plain; charset=UTF-8"},
    {"xml", "application/xml; charset=UTF-8"},
    {"svg", "image/svg+xml; charset=UTF-8"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"pdf", "application/pdf"},
    {"wasm", "application/wasm"},
};

const char *eddy_content_type_for_path(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    const char *dot = strrchr(name, '.');
    if (dot && dot != name)
        for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++)
            if (strcasecmp(dot + 1, content_types[i].ext) == 0)
                return content_types[i].type;
    return "application/octet-stream";
}
