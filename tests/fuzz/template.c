/*
 * Fuzz target: lib/template on arbitrary bytes.
 *
 * The input is split at its first NUL: the first part is the page, the
 * rest is both "base.html" (for extends) and "part.html" (for include and
 * for the module M, which renders it as its fragment and declares CSS and
 * JS; its keyword arguments become the fragment's names). The first byte
 * picks debug or production mode, whether the page is .html (whitespace
 * single) or .txt, and the loader's defaults (no autoescape, whitespace
 * oneline). The helper echo(x[, k=]) returns x. The page is rendered twice
 * with a context holding every kind of value. Besides what ASan and UBSan
 * catch: a render either succeeds or fails with a message; a syntax error
 * message has its caret line; the second render (from the cache) gives
 * exactly the first one's bytes.
 */
#include <eddy/base/log.h>
#include <eddy/web/template.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int module_m(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    eddy_template_css_file(t, "m.css");
    eddy_template_js(t, "m();");
    json_t *ctx = eddy_template_kwargs(t);
    if (!ctx)
        return -1;
    if (argc)
        json_object_set(ctx, "arg", argv[0]);
    int rc = eddy_template_render_part(t, "part.html", ctx);
    json_decref(ctx);
    return rc;
}

static json_t *echo(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    json_t *p[2];
    if (eddy_template_params(t, argc, argv, "x k", 1, p) < 0)
        return NULL;
    return json_incref(p[1] ? p[1] : p[0]);
}

static int render(eddy_template_loader *l, const char *name, json_t *ctx, eddy_buf *out)
{
    out->limit = 1 << 20; /* loops can multiply output; the limit fails them */
    int rc = eddy_template_render(l, name, ctx, NULL, out);
    if (rc < 0 && !eddy_template_loader_error(l)[0])
        abort();
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eddy_log_set_level(EDDY_LOG_NONE);
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    const char *src = (const char *)data + 1;
    size_t len = size - 1;
    const char *nul = memchr(src, '\0', len);
    size_t page_len = nul ? (size_t)(nul - src) : len;
    const char *rest = nul ? nul + 1 : "";
    size_t rest_len = nul ? len - page_len - 1 : 0;
    const char *page = flags & 2 ? "page.html" : "page.txt";

    eddy_template_loader *l = eddy_template_loader_new(NULL, flags & 1);
    if (!l)
        return 0;
    eddy_template_set_max_iterations(l, 2000);
    if ((flags & 4 && eddy_template_set_autoescape(l, NULL) < 0) ||
        (flags & 8 && eddy_template_set_whitespace(l, "oneline") < 0))
        abort();
    eddy_template_module(l, "M", module_m);
    eddy_template_helper(l, "echo", echo);
    if (eddy_template_add(l, page, src, page_len) < 0 ||
        eddy_template_add(l, "base.html", rest, rest_len) < 0 ||
        eddy_template_add(l, "part.html", rest, rest_len) < 0)
        abort();
    json_t *ctx = json_pack("{s:s,s:i,s:f,s:[i,s,n],s:{s:s,s:[]},s:b,s:n}", "s", "<x>&'\"", "n", 3,
                            "r", 1.5, "a", 1, "b", "o", "k", "v", "e", "t", 1, "z");
    eddy_buf first = EDDY_BUF_INIT, second = EDDY_BUF_INIT;
    int rc1 = render(l, page, ctx, &first);
    if (rc1 < 0) {
        const char *e = eddy_template_loader_error(l);
        /* a syntax error in the page names it and shows a caret */
        if (strncmp(e, page, strlen(page)) == 0 && e[strlen(page)] == ':' && !strstr(e, "^"))
            abort();
    }
    int rc2 = render(l, page, ctx, &second);
    if (rc1 != rc2 || (rc1 == 0 && (first.len != second.len ||
                                    (first.len && memcmp(first.data, second.data, first.len)))))
        abort();
    eddy_buf_free(&first);
    eddy_buf_free(&second);
    json_decref(ctx);
    eddy_template_loader_free(l);
    return 0;
}
