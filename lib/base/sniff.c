/*
 * sniff - magic numbers and a UTF-8 check; see sniff.h.
 *
 * The signatures are the fixed bytes each format's specification puts at
 * the start of a file. Text is the fallback only when every byte given is
 * valid UTF-8 and no control byte other than tab, line feed, carriage
 * return and form feed appears: a binary file almost never passes that.
 */
#include <eddy/base/sniff.h>

#include <string.h>

static const char OCTETS[] = "application/octet-stream";
static const char TEXT[] = "text/plain; charset=utf-8";

static const struct {
    const char *magic;
    size_t len, at; /* the bytes, and where in the file they stand */
    const char *type, *ext;
} signatures[] = {
    {"\x89PNG\r\n\x1a\n", 8, 0, "image/png", ".png"},
    {"\xff\xd8\xff", 3, 0, "image/jpeg", ".jpg"},
    {"GIF87a", 6, 0, "image/gif", ".gif"},
    {"GIF89a", 6, 0, "image/gif", ".gif"},
    {"WEBP", 4, 8, "image/webp", ".webp"}, /* after "RIFF" and a size */
    {"BM", 2, 0, "image/bmp", ".bmp"},
    {"%PDF-", 5, 0, "application/pdf", ".pdf"},
    {"PK\x03\x04", 4, 0, "application/zip", ".zip"},
    {"PK\x05\x06", 4, 0, "application/zip", ".zip"}, /* an empty archive */
    {"\x1f\x8b\x08", 3, 0, "application/gzip", ".gz"},
};

/* utf8_text - every byte is UTF-8 and no control byte but whitespace. */
static int utf8_text(const unsigned char *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f)
                return 0;
            i++;
            continue;
        }
        size_t need;
        unsigned min;
        unsigned cp;
        if (c >= 0xc2 && c <= 0xdf)
            need = 1, min = 0x80, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
            need = 2, min = 0x800, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
            need = 3, min = 0x10000, cp = c & 0x07;
        else
            return 0;
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= len)
                return 1; /* cut at the end of what was given: judged on the rest */
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += need + 1;
    }
    return 1;
}

const char *eddy_sniff_content_type(const void *bytes, size_t len)
{
    const unsigned char *p = bytes;
    for (size_t i = 0; i < sizeof signatures / sizeof signatures[0]; i++) {
        size_t at = signatures[i].at, n = signatures[i].len;
        if (len >= at + n && memcmp(p + at, signatures[i].magic, n) == 0 &&
            (at == 0 || memcmp(p, "RIFF", 4) == 0))
            return signatures[i].type;
    }
    if (len && utf8_text(p, len))
        return TEXT;
    return OCTETS;
}

const char *eddy_sniff_extension(const char *type)
{
    if (!type)
        return "";
    if (strcmp(type, TEXT) == 0)
        return ".txt";
    for (size_t i = 0; i < sizeof signatures / sizeof signatures[0]; i++)
        if (strcmp(type, signatures[i].type) == 0)
            return signatures[i].ext;
    return "";
}
