/*
 * Tests of lib/http/multipart: the parts that come out of a body, fed
 * whole and split at every byte position (one split, then three pieces),
 * the boundary in the Content-Type, the syntax RFC 2046 allows and
 * refuses, each limit's status, and Tornado parsing the same bodies the
 * same way.
 */
#include <eddy/base/buf.h>
#include <eddy/http/multipart.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A transcript of the callbacks: "[name|filename|type]" per part begun
 * (filename "-" when there is no filename parameter), its bytes as
 * they came, and "." at its end. */
static int on_begin(void *arg, const eddy_multipart_part *p)
{
    eddy_buf_printf(arg, "[%.*s|%.*s|%.*s]", (int)p->name.len, p->name.p,
                    p->has_filename ? (int)p->filename.len : 1,
                    p->has_filename ? p->filename.p : "-", (int)p->content_type.len,
                    p->content_type.p);
    return 0;
}

static int on_data(void *arg, const char *d, size_t n) { return eddy_buf_append(arg, d, n); }

static int on_end(void *arg) { return eddy_buf_append_str(arg, "."); }

/* parse - feed body in the pieces cut at the given offsets (ascending,
 * count of them); the transcript, or "ERROR <status>". Freed by caller. */
static char *parse(const char *ctype, const char *body, size_t len, const size_t *cuts,
                   size_t ncuts, const eddy_multipart_limits *lim)
{
    static eddy_multipart m;
    eddy_buf out = EDDY_BUF_INIT;
    eddy_str boundary;
    eddy_str type = {ctype, strlen(ctype)};
    cr_assert_eq(eddy_multipart_boundary(type, &boundary), 0, "boundary of %s", ctype);
    eddy_multipart_callbacks cb = {on_begin, on_data, on_end, &out};
    cr_assert_eq(eddy_multipart_init(&m, boundary, lim, &cb), 0);
    size_t at = 0;
    int rc = 0;
    for (size_t i = 0; i <= ncuts && rc == 0; i++) {
        size_t end = i < ncuts ? cuts[i] : len;
        rc = eddy_multipart_feed(&m, body + at, end - at);
        at = end;
    }
    if (rc == 0)
        rc = eddy_multipart_finish(&m);
    if (rc < 0) {
        eddy_buf_clear(&out);
        eddy_buf_printf(&out, "ERROR %d", m.error_status);
    }
    eddy_buf_append(&out, "", 1);
    return out.data;
}

static char *parse_whole(const char *ctype, const char *body, size_t len)
{
    return parse(ctype, body, len, NULL, 0, NULL);
}

#define CT "multipart/form-data; boundary=XyZ"

/* A body with the traps: a preamble, a CR and a CRLF inside content, a
 * near-miss of the delimiter, an empty part, a binary byte, padding after
 * a delimiter, and an epilogue. */
static const char tricky[] =
    "this preamble is ignored\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"title\"\r\n"
    "\r\n"
    "Hello\rworld\r\n--XyQ not the end\r\n-\r\n--X\r\n"
    "--XyZ  \t\r\n"
    "Content-Disposition: form-data; name=\"empty\"\r\n"
    "\r\n"
    "\r\n"
    "--XyZ\r\n"
    "content-disposition: form-data; filename=\"a b.png\"; name=file\r\n"
    "Content-Type: image/png\r\n"
    "\r\n"
    "\x89PNG\r\n\x1a\n\x00\xff\r\n"
    "--XyZ--\r\n"
    "epilogue, ignored too";

static const char tricky_parts[] =
    "[title|-|]Hello\rworld\r\n--XyQ not the end\r\n-\r\n--X."
    "[empty|-|]."
    "[file|a b.png|image/png]\x89PNG\r\n\x1a\n";

Test(multipart, parts_of_a_whole_body)
{
    char *got = parse_whole(CT, tricky, sizeof tricky - 1);
    eddy_buf want = EDDY_BUF_INIT;
    eddy_buf_append_str(&want, tricky_parts);
    eddy_buf_append(&want, "\x00\xff.", 3);
    cr_assert_eq(memcmp(got, want.data, want.len), 0, "got %s", got);
    free(got);
    eddy_buf_free(&want);
}

Test(multipart, every_split_point_gives_the_same_parts)
{
    size_t len = sizeof tricky - 1;
    char *whole = parse_whole(CT, tricky, len);
    size_t whole_len = strlen(tricky_parts) + 3;
    for (size_t cut = 0; cut <= len; cut++) {
        char *got = parse(CT, tricky, len, &cut, 1, NULL);
        cr_assert_eq(memcmp(got, whole, whole_len), 0, "split at %zu: %s", cut, got);
        free(got);
    }
    /* and in three pieces: every pair of cut points */
    for (size_t a = 0; a <= len; a += 3)
        for (size_t b = a; b <= len; b += 5) {
            size_t cuts[2] = {a, b};
            char *got = parse(CT, tricky, len, cuts, 2, NULL);
            cr_assert_eq(memcmp(got, whole, whole_len), 0, "split at %zu,%zu", a, b);
            free(got);
        }
    free(whole);
}

Test(multipart, byte_by_byte)
{
    size_t len = sizeof tricky - 1;
    size_t *cuts = malloc(len * sizeof *cuts);
    for (size_t i = 0; i < len; i++)
        cuts[i] = i + 1;
    char *whole = parse_whole(CT, tricky, len);
    char *got = parse(CT, tricky, len, cuts, len - 1, NULL);
    cr_assert_eq(memcmp(got, whole, strlen(tricky_parts) + 3), 0);
    free(got);
    free(whole);
    free(cuts);
}

Test(multipart, boundary_from_the_content_type)
{
    eddy_str b;
    const char *ok[][2] = {
        {"multipart/form-data; boundary=abc", "abc"},
        {"Multipart/Form-Data;boundary=\"a b:c\"", "a b:c"},
        {"multipart/form-data; charset=utf-8; boundary=----WebKitFormBoundary7MA4YWxk", "----WebKitFormBoundary7MA4YWxk"},
        {"multipart/form-data; BOUNDARY=x; other=\"q;uoted\"", "x"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        cr_assert_eq(eddy_multipart_boundary((eddy_str){ok[i][0], strlen(ok[i][0])}, &b), 0,
                     "%s", ok[i][0]);
        cr_assert_eq(b.len, strlen(ok[i][1]));
        cr_assert_eq(memcmp(b.p, ok[i][1], b.len), 0, "%s", ok[i][0]);
    }
    const char *bad[] = {
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=\"\"",
        "multipart/form-data; boundary=\"unterminated",
        "multipart/form-data; boundary=\"ends in space \"",
        "multipart/form-data; boundary=has\"quote",
        "multipart/mixed; boundary=abc",
        "multipart/form-datax; boundary=abc",
        "text/plain; boundary=abc",
        "multipart/form-data; boundary=01234567890123456789012345678901234567890123456789012345678901234567890",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(eddy_multipart_boundary((eddy_str){bad[i], strlen(bad[i])}, &b), -1, "%s",
                     bad[i]);
}

Test(multipart, quoted_parameters_are_unescaped)
{
    const char body[] = "--b\r\nContent-Disposition: form-data; name=\"a\\\"q\"; "
                        "filename=\"C:\\\\dir\\\\x;y.txt\"\r\n\r\nv\r\n--b--";
    char *got = parse_whole("multipart/form-data; boundary=b", body, sizeof body - 1);
    cr_assert_str_eq(got, "[a\"q|C:\\dir\\x;y.txt|]v.");
    free(got);
}

static void expect_error(const char *body, int status, const eddy_multipart_limits *lim)
{
    char *got = parse("multipart/form-data; boundary=b", body, strlen(body), NULL, 0, lim);
    char want[32];
    snprintf(want, sizeof want, "ERROR %d", status);
    cr_assert_str_eq(got, want, "body %s", body);
    free(got);
}

Test(multipart, malformed_bodies_are_400)
{
    expect_error("", 400, NULL);                                 /* nothing */
    expect_error("--b\r\n", 400, NULL);                          /* ends in the headers */
    expect_error("--b\r\nContent-Disposition: form-data; name=a\r\n\r\nv", 400, NULL); /* no close */
    expect_error("--b\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--b", 400, NULL);
    expect_error("--bx\r\n", 400, NULL);                         /* junk after a boundary */
    expect_error("--b-x", 400, NULL);                            /* a single dash */
    expect_error("--b\rx", 400, NULL);                           /* CR without LF */
    expect_error("--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--", 400, NULL); /* no disposition */
    expect_error("--b\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--b--", 400, NULL);
    expect_error("--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b--", 400, NULL); /* no name */
    expect_error("--b\r\nContent-Disposition: form-data; name=a\n\r\nv\r\n--b--", 400, NULL);
}

Test(multipart, preamble_only_and_empty_forms)
{
    char *got = parse_whole("multipart/form-data; boundary=b", "--b--", 5);
    cr_assert_str_eq(got, "");
    free(got);
    got = parse_whole("multipart/form-data; boundary=b", "junk\r\n--b--\r\n", 13);
    cr_assert_str_eq(got, "");
    free(got);
}

Test(multipart, each_limit_is_413)
{
    const char *two = "--b\r\nContent-Disposition: form-data; name=a\r\n\r\n12345\r\n"
                      "--b\r\nContent-Disposition: form-data; name=c\r\n\r\n6\r\n--b--";
    eddy_multipart_limits lim = {1, 100, 1000, 1000};
    expect_error(two, 413, &lim); /* parts */
    lim = (eddy_multipart_limits){10, 4, 1000, 1000};
    expect_error(two, 413, &lim); /* one part's bytes */
    lim = (eddy_multipart_limits){10, 100, 40, 1000};
    expect_error(two, 413, &lim); /* a part's header block */
    lim = (eddy_multipart_limits){10, 100, 1000, 60};
    expect_error(two, 413, &lim); /* the whole body */
    lim = (eddy_multipart_limits){2, 5, 46, 200};
    char *got = parse("multipart/form-data; boundary=b", two, strlen(two), NULL, 0, &lim);
    cr_assert_str_eq(got, "[a|-|]12345.[c|-|]6.", "exactly at every limit passes");
    free(got);
}

static int refuse(void *arg, const char *d, size_t n)
{
    (void)d, (void)n;
    eddy_multipart_fail(arg, 415, "not this");
    return -1;
}

Test(multipart, a_callback_stops_the_parse)
{
    static eddy_multipart m;
    eddy_multipart_callbacks cb = {NULL, refuse, NULL, &m};
    cr_assert_eq(eddy_multipart_init(&m, (eddy_str){"b", 1}, NULL, &cb), 0);
    const char body[] = "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--b--";
    cr_assert_eq(eddy_multipart_feed(&m, body, sizeof body - 1), -1);
    cr_assert_eq(m.error_status, 415);
    cr_assert_str_eq(m.error_reason, "not this");
    cr_assert_eq(eddy_multipart_feed(&m, "x", 1), -1, "stays failed");
}

/* ------------------------------------------------------------ Tornado */

/* Tornado's parse_multipart_form_data on the same body: its transcript
 * in the format above (text fields have no filename; files' bodies). */
static const char tornado_script[] =
    "import sys\n"
    "from tornado.httputil import parse_multipart_form_data\n"
    "body = open(sys.argv[1], 'rb').read()\n"
    "args, files = {}, {}\n"
    "parse_multipart_form_data(sys.argv[2].encode(), body, args, files)\n"
    "out = sys.stdout.buffer\n"
    "for k, vs in args.items():\n"
    "    for v in vs: out.write(b'[' + k.encode() + b'|-|]' + v + b'.')\n"
    "for k, fs in files.items():\n"
    "    for f in fs: out.write(('[%s|%s|%s]' % (k, f.filename, f.content_type)).encode() + f.body + b'.')\n";

/* run_tornado - the transcript, or NULL when python3/tornado is missing. */
static char *run_tornado(const char *boundary, const char *body, size_t len)
{
    if (access("/usr/bin/python3", X_OK) != 0 ||
        system("/usr/bin/python3 -c 'import tornado' >/dev/null 2>&1") != 0)
        return NULL;
    char path[] = "/tmp/eddy-multipart-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, body, len), (ssize_t)len);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c \"$EDDY_TORNADO_SCRIPT\" %s '%s'", path,
             boundary);
    setenv("EDDY_TORNADO_SCRIPT", tornado_script, 1);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    eddy_buf out = EDDY_BUF_INIT;
    char block[4096];
    size_t n;
    while ((n = fread(block, 1, sizeof block, p)) > 0)
        eddy_buf_append(&out, block, n);
    cr_assert_eq(pclose(p), 0, "tornado failed");
    unlink(path);
    eddy_buf_append(&out, "", 1);
    return out.data;
}

Test(multipart, tornado_parses_the_same_bodies_the_same_way)
{
    /* Text fields first, then files: the order Tornado's dicts give back.
     * No preamble: Tornado 6 refuses one (RFC 2046 allows it; ours skips it). */
    static const char body[] =
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
        "Hello\rworld\r\n--XyQ\r\n-\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"tag\"\r\n\r\n"
        "a\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"tag\"\r\n\r\n"
        "b\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "line one\r\nline two\r\n\r\n"
        "--XyZ--\r\n";
    char *ours = parse_whole(CT, body, sizeof body - 1);
    char *theirs = run_tornado("XyZ", body, sizeof body - 1);
    if (!theirs) {
        free(ours);
        cr_skip_test("python3 with tornado is not installed: no cross-check");
    }
    cr_assert_str_eq(ours, theirs);
    free(ours);
    free(theirs);
}
