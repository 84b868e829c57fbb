/*
 * Fuzz target: the date-time text reader (eddy_db_parse_time in
 * lib/data/db.h), which reads SQLite's stored times and form fields, on
 * arbitrary bytes.
 *
 * Besides what ASan and UBSan catch: whatever it accepts has digits where
 * "YYYY-MM-DD", " HH:MM:SS" and a fraction have them (the time is read a
 * word at a time, so a stray byte must still be refused), and formats
 * back to a text that parses to the same instant; a time with a six-digit
 * fraction formats back to its own text (with 'T' and 'Z' when it had
 * them).
 */
#include <eddy/data/db.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

/* shaped - whether s looks like what the reader may accept: the date,
 * then optionally the time with its separators and a fraction of
 * digits, then optionally 'Z'. */
static bool shaped(const char *s, size_t len)
{
    static const char date[] = "dddd-dd-dd", time[] = "?dd:dd:dd";
    if (len < 10)
        return false;
    for (size_t i = 0; i < 10; i++)
        if (date[i] == 'd' ? !digit(s[i]) : s[i] != date[i])
            return false;
    if (len == 10)
        return true;
    if (len < 19)
        return false;
    for (size_t i = 1; i < 9; i++)
        if (time[i] == 'd' ? !digit(s[10 + i]) : s[10 + i] != time[i])
            return false;
    if (s[10] != ' ' && s[10] != 'T')
        return false;
    size_t i = 19;
    if (i < len && s[i] == '.')
        for (i++; i < len && digit(s[i]); i++)
            ;
    if (i < len && s[i] == 'Z')
        i++;
    return i == len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int64_t us, again;
    if (eddy_db_parse_time(s, size, &us) != 0)
        return 0;
    if (!shaped(s, size))
        abort();
    char out[32];
    size_t n = eddy_db_format_time(us, ' ', out);
    if (n != strlen(out) || eddy_db_parse_time(out, n, &again) != 0 || again != us)
        abort();
    /* A time with a six-digit fraction is written back as it was read
     * when its date was a real day (the reader takes February 31st as
     * March 3rd) and its second not a leap one; a fraction of zeros is
     * left out when written. */
    bool six = size >= 26 && s[19] == '.' && (size == 26 || !digit(s[26])) &&
               memcmp(s + 20, "000000", 6) != 0 && memcmp(out, s, 10) == 0 && s[17] != '6';
    for (size_t i = 20; six && i < 26; i++)
        six = digit(s[i]);
    if (six && s[10] == 'T' && size == 27) {
        n = eddy_db_format_time(us, 'T', out);
        if (n != 27 || memcmp(out, s, 27) != 0)
            abort();
    } else if (six && s[10] == ' ' && size == 26) {
        if (n != 26 || memcmp(out, s, 26) != 0)
            abort();
    }
    return 0;
}
