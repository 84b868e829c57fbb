/*
 * Tests of lib/buf: what a caller sees after appends, printf, consume,
 * detach and the size limit.
 */
#include <eddy/base/buf.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

Test(buf, starts_empty_and_appends_bytes)
{
    eddy_buf b = EDDY_BUF_INIT;
    cr_assert_eq(b.len, 0);
    cr_assert_eq(eddy_buf_append(&b, "abc", 3), 0);
    cr_assert_eq(eddy_buf_append_str(&b, "def"), 0);
    cr_assert_eq(eddy_buf_append_char(&b, '!'), 0);
    cr_assert_eq(b.len, 7);
    cr_assert_str_eq(b.data, "abcdef!", "the bytes are NUL-terminated for C string use");
    eddy_buf_free(&b);
    cr_assert_null(b.data);
}

Test(buf, empty_appends_to_a_fresh_buffer_leave_an_empty_string)
{
    eddy_buf b = EDDY_BUF_INIT;
    cr_assert_eq(eddy_buf_append(&b, "", 0), 0);
    cr_assert_not_null(b.data);
    cr_assert_str_eq(b.data, "");
    eddy_buf_free(&b);
    cr_assert_eq(eddy_buf_append_str(&b, ""), 0);
    cr_assert_eq(eddy_buf_printf(&b, "%s", ""), 0);
    cr_assert_eq(b.len, 0);
    cr_assert_str_eq(b.data, "");
    eddy_buf_free(&b);
}

Test(buf, keeps_binary_bytes_including_nul)
{
    eddy_buf b = EDDY_BUF_INIT;
    cr_assert_eq(eddy_buf_append(&b, "a\0b", 3), 0);
    cr_assert_eq(b.len, 3);
    cr_assert(memcmp(b.data, "a\0b", 3) == 0);
    eddy_buf_free(&b);
}

Test(buf, grows_through_many_appends)
{
    eddy_buf b = EDDY_BUF_INIT;
    for (int i = 0; i < 100000; i++)
        cr_assert_eq(eddy_buf_append_char(&b, (char)('a' + i % 26)), 0);
    cr_assert_eq(b.len, 100000);
    for (int i = 0; i < 100000; i += 9973)
        cr_assert_eq(b.data[i], (char)('a' + i % 26));
    cr_assert_eq(b.data[b.len], '\0');
    eddy_buf_free(&b);
}

Test(buf, printf_appends_short_and_long_text)
{
    eddy_buf b = EDDY_BUF_INIT;
    cr_assert_eq(eddy_buf_printf(&b, "%d-%s", 42, "x"), 0);
    char big[1000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cr_assert_eq(eddy_buf_printf(&b, "[%s]", big), 0);
    cr_assert_eq(b.len, 4 + 1001);
    cr_assert_eq(strncmp(b.data, "42-x[zzz", 8), 0);
    cr_assert_eq(b.data[b.len - 1], ']');
    eddy_buf_free(&b);
}

Test(buf, consume_works_as_a_queue_without_unbounded_growth)
{
    eddy_buf b = EDDY_BUF_INIT;
    size_t biggest = 0;
    for (int round = 0; round < 10000; round++) {
        cr_assert_eq(eddy_buf_printf(&b, "message %05d\n", round), 0);
        if (b.len > 200) {
            cr_assert_eq(strncmp(b.data, "message ", 8), 0);
            eddy_buf_consume(&b, 14);
        }
        if (b.cap + b.front > biggest)
            biggest = b.cap + b.front;
    }
    cr_assert_lt(biggest, 1024, "a queue of ~200 bytes grew its storage to %zu", biggest);
    eddy_buf_consume(&b, b.len + 5);
    cr_assert_eq(b.len, 0);
    cr_assert_str_eq(b.data, "");
    eddy_buf_free(&b);
}

Test(buf, clear_keeps_storage_for_reuse)
{
    eddy_buf b = EDDY_BUF_INIT;
    eddy_buf_append_str(&b, "hello world");
    eddy_buf_consume(&b, 6);
    size_t room = b.cap + b.front;
    eddy_buf_clear(&b);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.cap, room);
    eddy_buf_append_str(&b, "again");
    cr_assert_str_eq(b.data, "again");
    eddy_buf_free(&b);
}

Test(buf, truncate_keeps_a_prefix_and_the_trailing_nul)
{
    eddy_buf b = EDDY_BUF_INIT;
    eddy_buf_truncate(&b, 0); /* nothing to cut: harmless */
    eddy_buf_append_str(&b, "kept, dropped");
    eddy_buf_truncate(&b, 4);
    cr_assert_eq(b.len, 4);
    cr_assert_str_eq(b.data, "kept");
    eddy_buf_truncate(&b, 10); /* longer than it is: unchanged */
    cr_assert_str_eq(b.data, "kept");
    eddy_buf_append_str(&b, "!");
    cr_assert_str_eq(b.data, "kept!");
    eddy_buf_free(&b);
}

Test(buf, detach_hands_over_the_text)
{
    eddy_buf b = EDDY_BUF_INIT;
    size_t len = 99;
    char *empty = eddy_buf_detach(&b, &len);
    cr_assert_str_eq(empty, "");
    cr_assert_eq(len, 0);
    free(empty);

    eddy_buf_append_str(&b, "xxhello");
    eddy_buf_consume(&b, 2);
    char *s = eddy_buf_detach(&b, &len);
    cr_assert_str_eq(s, "hello");
    cr_assert_eq(len, 5);
    cr_assert_null(b.data);
    free(s);
}

Test(buf, limit_refuses_growth_past_it_and_keeps_contents)
{
    eddy_buf b = EDDY_BUF_INIT;
    b.limit = 10;
    cr_assert_eq(eddy_buf_append_str(&b, "0123456789"), 0);
    errno = 0;
    cr_assert_eq(eddy_buf_append_char(&b, 'x'), -1);
    cr_assert_eq(errno, EMSGSIZE);
    cr_assert_eq(eddy_buf_printf(&b, "%s", "more"), -1);
    cr_assert_str_eq(b.data, "0123456789", "a refused append changes nothing");
    eddy_buf_free(&b);
}
