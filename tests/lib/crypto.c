/*
 * Tests of the pure security helpers: base64, base64url and hex against
 * RFC 4648's vectors and malformed input, HMAC-SHA256 against RFC 4231,
 * signed values (secure_cookie's format) and JWTs, each attack a forged
 * value could try, and password hashes that describe their parameters.
 */
#include <eddy/base/codec.h>
#include <eddy/base/crypto.h>
#include <eddy/web/jwt.h>
#include <eddy/web/password.h>
#include <eddy/web/secure_cookie.h>

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef int (*codec_fn)(eddy_buf *, const void *, size_t);
typedef int (*decode_fn)(eddy_buf *, const char *, size_t);

static char *run_codec(codec_fn fn, const char *in)
{
    static eddy_buf b;
    eddy_buf_free(&b);
    b = (eddy_buf)EDDY_BUF_INIT;
    cr_assert_eq(fn(&b, in, strlen(in)), 0);
    return b.data;
}

/* decoded - the text s decodes to, or NULL when the decoder refuses it. */
static char *decoded(decode_fn fn, const char *s)
{
    static eddy_buf b;
    eddy_buf_free(&b);
    b = (eddy_buf)EDDY_BUF_INIT;
    if (fn(&b, s, strlen(s)) < 0)
        return NULL;
    return b.data ? b.data : "";
}

Test(codec, base64_matches_rfc4648_vectors_both_ways)
{
    const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    const char *url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (int i = 1; i < 7; i++) {
        cr_assert_str_eq(run_codec(eddy_base64_encode, plain[i]), coded[i]);
        cr_assert_str_eq(decoded(eddy_base64_decode, coded[i]), plain[i]);
        cr_assert_str_eq(run_codec(eddy_base64url_encode, plain[i]), url[i]);
        cr_assert_str_eq(decoded(eddy_base64url_decode, url[i]), plain[i]);
    }
    cr_assert_str_eq(run_codec(eddy_base64_encode, "\xfb\xff"), "+/8=");
    cr_assert_str_eq(run_codec(eddy_base64url_encode, "\xfb\xff"), "-_8");
}

Test(codec, decoders_refuse_anything_but_the_one_spelling)
{
    cr_assert_null(decoded(eddy_base64_decode, "Zg="));     /* short */
    cr_assert_null(decoded(eddy_base64_decode, "Zh=="));    /* unused bits set */
    cr_assert_null(decoded(eddy_base64_decode, "Z g="));    /* a space */
    cr_assert_null(decoded(eddy_base64_decode, "Zg==Zg=="));/* padding inside */
    cr_assert_null(decoded(eddy_base64_decode, "-_8="));    /* the other alphabet */
    cr_assert_null(decoded(eddy_base64url_decode, "Zg=="));  /* url form has no padding */
    cr_assert_null(decoded(eddy_base64url_decode, "Z"));     /* six bits: no byte */
    cr_assert_null(decoded(eddy_base64url_decode, "+/8"));
    cr_assert_str_eq(run_codec(eddy_hex_encode, "\x01\xab"), "01ab");
    cr_assert_str_eq(decoded(eddy_hex_decode, "4a4B"), "JK");
    cr_assert_null(decoded(eddy_hex_decode, "4a4"));
    cr_assert_null(decoded(eddy_hex_decode, "zz"));
}

Test(crypto, hmac_sha256_matches_rfc4231_and_compares_in_constant_time)
{
    unsigned char mac[EDDY_SHA256_LEN];
    const char *data = "what do ya want for nothing?";
    cr_assert_eq(eddy_hmac_sha256("Jefe", 4, data, strlen(data), mac), 0);
    eddy_buf hex = EDDY_BUF_INIT;
    eddy_hex_encode(&hex, mac, sizeof mac);
    cr_assert_str_eq(hex.data,
                     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    eddy_buf_free(&hex);
    cr_assert(eddy_str_equal_ct("abc", 3, "abc", 3));
    cr_assert_not(eddy_str_equal_ct("abc", 3, "abd", 3));
    cr_assert_not(eddy_str_equal_ct("abc", 3, "abcd", 4));
}

/* mac_is - eddy_hmac_sha256 of data with key is hex (no assertion: the
 * threads below call it, and a failed assertion must be the test's). */
static bool mac_is(const void *key, size_t key_len, const char *data, const char *hex)
{
    unsigned char mac[EDDY_SHA256_LEN];
    if (eddy_hmac_sha256(key, key_len, data, strlen(data), mac) != 0)
        return false;
    eddy_buf text = EDDY_BUF_INIT;
    eddy_hex_encode(&text, mac, sizeof mac);
    bool same = text.data && strcmp(text.data, hex) == 0;
    eddy_buf_free(&text);
    return same;
}

/* rfc4231_in_turn - RFC 4231's cases 2 (a short key; then another of
 * its length, Python's MAC), 6 (131 bytes:
 * longer than a block) and 1 (20 bytes of 0x0b, twice in a row), asked
 * for in turn, 50 rounds: how many came out wrong. A key kept set
 * between calls must never sign with the one before. */
static void *rfc4231_in_turn(void *unused)
{
    (void)unused;
    unsigned char long_key[131], key1[20];
    memset(long_key, 0xaa, sizeof long_key);
    memset(key1, 0x0b, sizeof key1);
    intptr_t wrong = 0;
    for (int round = 0; round < 50; round++) {
        wrong += !mac_is("Jefe", 4, "what do ya want for nothing?",
                         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        wrong += !mac_is("Jeff", 4, "what do ya want for nothing?", /* the same length */
                         "b756ec8c1f600eb277ee3f04163f581bd1c7e361f34a0727ad79c844ffc4bb83");
        wrong += !mac_is(long_key, sizeof long_key, "Test Using Larger Than Block-Size Key - Hash Key First",
                         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
        for (int twice = 0; twice < 2; twice++)
            wrong += !mac_is(key1, sizeof key1, "Hi There",
                             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    }
    return (void *)wrong;
}

Test(crypto, hmac_sha256_is_right_for_keys_in_turn_on_several_threads)
{
    cr_assert_null(rfc4231_in_turn(NULL), "wrong MACs on the test's own thread");
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, rfc4231_in_turn, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *wrong;
        pthread_join(th[i], &wrong);
        cr_assert_null(wrong, "thread %d: %zd wrong MACs", i, (intptr_t)wrong);
    }
    /* an empty key is a key (Python: hmac.new(b"", b"", "sha256")) */
    cr_assert(mac_is("", 0, "", "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"));
    cr_assert(mac_is("Jefe", 4, "what do ya want for nothing?",
                     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
              "after the empty key");
}

Test(crypto, random_tokens_are_fresh_each_time)
{
    eddy_buf a = EDDY_BUF_INIT, b = EDDY_BUF_INIT;
    cr_assert_eq(eddy_random_token(&a, 32), 0);
    cr_assert_eq(eddy_random_token(&b, 32), 0);
    cr_assert_eq(a.len, 43); /* 32 bytes in base64url, unpadded */
    cr_assert_str_neq(a.data, b.data);
    eddy_buf_free(&a);
    eddy_buf_free(&b);
}

/* Small draws come from a per-thread pool of random bytes: no two
 * draws repeat across several refills, every length works, and a child
 * process never hands out the bytes its parent will (a pool copied by
 * fork would give both the same next bytes). */
Test(crypto, random_bytes_never_repeat_across_refills_and_forks)
{
    enum { DRAWS = 200, LEN = 16 };
    static unsigned char seen[DRAWS][LEN];
    for (int i = 0; i < DRAWS; i++) {
        cr_assert_eq(eddy_random_bytes(seen[i], LEN), 0);
        for (int j = 0; j < i; j++)
            cr_assert(memcmp(seen[i], seen[j], LEN) != 0, "draw %d repeats draw %d", i, j);
    }
    for (size_t n = 1; n <= 200; n += 7) {
        unsigned char a[200] = {0}, b[200] = {0};
        cr_assert_eq(eddy_random_bytes(a, n), 0);
        cr_assert_eq(eddy_random_bytes(b, n), 0);
        cr_assert(n < 4 || memcmp(a, b, n) != 0, "two draws of %zu bytes", n);
    }
    unsigned char primed[LEN], mine[LEN], childs[LEN];
    cr_assert_eq(eddy_random_bytes(primed, LEN), 0); /* the pool holds unread bytes now */
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        unsigned char b[LEN];
        _exit(eddy_random_bytes(b, LEN) == 0 && write(fds[1], b, LEN) == LEN ? 0 : 1);
    }
    close(fds[1]);
    cr_assert_eq(read(fds[0], childs, LEN), LEN);
    close(fds[0]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cr_assert_eq(eddy_random_bytes(mine, LEN), 0);
    cr_assert(memcmp(mine, childs, LEN) != 0, "parent and child drew the same bytes");
}

/* ------------------------------------------------------------ signed values */

static const char *const keys_now[] = {"a current secret, 32 bytes long!", "an older secret, still accepted"};

static const char *verify(const char *const *keys, size_t n, const char *name, const char *v,
                          long long now, const char **reason)
{
    static eddy_buf out;
    eddy_buf_free(&out);
    out = (eddy_buf)EDDY_BUF_INIT;
    if (eddy_secure_value_verify(&out, keys, n, name, v, now, 3600, reason) < 0)
        return NULL;
    return out.data ? out.data : "";
}

Test(secure_value, round_trip_and_every_tampering_refused)
{
    eddy_buf s = EDDY_BUF_INIT;
    const char *reason = NULL;
    cr_assert_eq(eddy_secure_value_sign(&s, keys_now[0], "user", "42", 1000000), 0);
    cr_assert_str_eq(verify(keys_now, 2, "user", s.data, 1000010, &reason), "42");

    /* Another value under the same MAC: "42" is "NDI" in base64url. */
    char *forged = strdup(s.data);
    memcpy(strstr(forged, "NDI"), "NDM", 3); /* "43" */
    cr_assert_null(verify(keys_now, 2, "user", forged, 1000010, &reason));
    cr_assert_str_eq(reason, "bad signature");
    /* A later timestamp to dodge the max age. */
    char later[256];
    snprintf(later, sizeof later, "1|1000900%s", strchr(s.data + 2, '|'));
    cr_assert_null(verify(keys_now, 2, "user", later, 1000010, &reason));
    cr_assert_str_eq(reason, "bad signature");
    /* The same cookie under another name. */
    cr_assert_null(verify(keys_now, 2, "admin", s.data, 1000010, &reason));
    /* Too old, or from the future. */
    cr_assert_null(verify(keys_now, 2, "user", s.data, 1000000 + 3601, &reason));
    cr_assert_str_eq(reason, "expired");
    cr_assert_null(verify(keys_now, 2, "user", s.data, 1000000 - 3600, &reason));
    cr_assert_str_eq(reason, "signed in the future");
    cr_assert_null(verify(keys_now, 2, "user", "42", 1000010, &reason));
    cr_assert_null(verify(keys_now, 2, "user", "1|1000000|NDI|", 1000010, &reason));
    free(forged);
    eddy_buf_free(&s);
}

Test(secure_value, rotated_keys_still_verify_until_dropped)
{
    eddy_buf s = EDDY_BUF_INIT;
    const char *reason = NULL;
    cr_assert_eq(eddy_secure_value_sign(&s, keys_now[1], "user", "7", 5000), 0);
    cr_assert_str_eq(verify(keys_now, 2, "user", s.data, 5001, &reason), "7");
    cr_assert_null(verify(keys_now, 1, "user", s.data, 5001, &reason));
    eddy_buf_free(&s);
}

/* What a value claims can be read without its key (a guess a page may
 * start from); only the shape is checked, never the signature. */
Test(secure_value, a_claim_is_read_without_the_key_and_only_by_its_shape)
{
    eddy_buf s = EDDY_BUF_INIT, out = EDDY_BUF_INIT;
    cr_assert_eq(eddy_secure_value_sign(&s, keys_now[0], "user", "42", 1000000), 0);
    cr_assert_eq(eddy_secure_value_claim(&out, s.data), 0);
    cr_assert_str_eq(out.data, "42");
    eddy_buf_clear(&out);
    cr_assert_eq(eddy_secure_value_claim(&out, "1|1000000|NDM|not-a-mac"), 0, "forged: still a claim");
    cr_assert_str_eq(out.data, "43");
    static const char *const shapeless[] = {"42", "2|1000000|NDI|x", "1||NDI|x", "1|10|NDI",
                                            "1|10|NDI|x|y", "1|10|N!I|x"};
    for (size_t i = 0; i < sizeof shapeless / sizeof *shapeless; i++)
        cr_assert_eq(eddy_secure_value_claim(&out, shapeless[i]), -1, "%s", shapeless[i]);
    eddy_buf_free(&s);
    eddy_buf_free(&out);
}

/* ------------------------------------------------------------ JWT */

static const eddy_jwt_config jwt_cfg = {
    .secret = "a JWT secret of at least 32 bytes, for HS256",
    .issuer = "eddy-tests",
    .audience = "api",
    .lifetime_s = 600,
};

static char *b64url(const char *s)
{
    eddy_buf b = EDDY_BUF_INIT;
    eddy_base64url_encode(&b, s, strlen(s));
    return eddy_buf_detach(&b, NULL);
}

Test(jwt, round_trip_with_registered_claims)
{
    json_t *claims = json_pack("{s:i}", "id", 3);
    char *t = eddy_jwt_encode(&jwt_cfg, claims, 1000);
    const char *reason;
    json_t *back = eddy_jwt_decode(&jwt_cfg, t, 1100, &reason);
    cr_assert_not_null(back, "refused: %s", reason);
    cr_assert_eq(json_integer_value(json_object_get(back, "id")), 3);
    cr_assert_eq(json_integer_value(json_object_get(back, "exp")), 1600);
    cr_assert_str_eq(json_string_value(json_object_get(back, "iss")), "eddy-tests");
    json_decref(back);
    json_decref(claims);
    free(t);
}

static const char *refusal(const char *token, const eddy_jwt_config *c, long long now)
{
    const char *reason = NULL;
    json_t *v = eddy_jwt_decode(c, token, now, &reason);
    cr_assert_null(v, "accepted %s", token);
    return reason;
}

Test(jwt, each_attack_is_refused_with_its_reason)
{
    json_t *claims = json_pack("{s:i}", "id", 3);
    char *good = eddy_jwt_encode(&jwt_cfg, claims, 1000);
    char *dot = strchr(good, '.'), *dot2 = strchr(dot + 1, '.');
    char payload[512];
    snprintf(payload, sizeof payload, "%.*s", (int)(dot2 - dot - 1), dot + 1);

    cr_assert_str_eq(refusal(good, &jwt_cfg, 1600), "expired");
    cr_assert_str_eq(refusal(good, &jwt_cfg, 900), "not valid yet (nbf)");

    char *none_h = b64url("{\"alg\":\"none\",\"typ\":\"JWT\"}");
    char forged[1024];
    snprintf(forged, sizeof forged, "%s.%s.", none_h, payload);
    cr_assert_str_eq(refusal(forged, &jwt_cfg, 1100), "unsigned token (alg none)");
    char *none_caps = b64url("{\"alg\":\"NONE\"}");
    snprintf(forged, sizeof forged, "%s.%s.", none_caps, payload);
    cr_assert_str_eq(refusal(forged, &jwt_cfg, 1100), "unsigned token (alg none)");

    char *rs = b64url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
    snprintf(forged, sizeof forged, "%s.%s.%s", rs, payload, dot2 + 1);
    cr_assert_str_eq(refusal(forged, &jwt_cfg, 1100), "algorithm other than HS256");

    /* Claims changed (id 1) under the original signature. */
    char *admin = b64url("{\"id\":1,\"exp\":99999,\"iss\":\"eddy-tests\",\"aud\":\"api\"}");
    snprintf(forged, sizeof forged, "%.*s.%s.%s", (int)(dot - good), good, admin, dot2 + 1);
    cr_assert_str_eq(refusal(forged, &jwt_cfg, 1100), "bad signature");
    /* Signed with another secret. */
    eddy_jwt_config other = jwt_cfg;
    other.secret = "somebody else's secret, also 32 bytes long";
    char *theirs = eddy_jwt_encode(&other, claims, 1000);
    cr_assert_str_eq(refusal(theirs, &jwt_cfg, 1100), "bad signature");
    /* Right key, wrong issuer or audience. */
    other = jwt_cfg;
    other.audience = "admin";
    char *aud = eddy_jwt_encode(&other, claims, 1000);
    cr_assert_str_eq(refusal(aud, &jwt_cfg, 1100), "wrong audience");

    cr_assert_str_eq(refusal("abc", &jwt_cfg, 1100), "malformed (not three parts)");
    cr_assert_str_eq(refusal("a.b.c.d", &jwt_cfg, 1100), "malformed (not three parts)");
    cr_assert_str_eq(refusal("!!.e30.", &jwt_cfg, 1100), "malformed header");
    cr_assert_str_eq(refusal("", &jwt_cfg, 1100), "no token");

    free(good), free(none_h), free(none_caps), free(rs), free(admin), free(theirs), free(aud);
    json_decref(claims);
}

/* ------------------------------------------------------------ passwords */

static const eddy_password_params cheap = {10, 8, 1};

Test(password, hash_names_its_parameters_and_checks)
{
    char *h = eddy_password_hash_blocking("correct horse", &cheap);
    cr_assert_not_null(h);
    cr_assert_eq(strncmp(h, "$scrypt$ln=10,r=8,p=1$", 22), 0, "%s", h);
    cr_assert_eq(eddy_password_check_blocking("correct horse", h), 1);
    cr_assert_eq(eddy_password_check_blocking("correct horsE", h), 0);
    cr_assert_eq(eddy_password_check_blocking("correct horse", "$2b$12$bcrypt..."), -1);
    char *again = eddy_password_hash_blocking("correct horse", &cheap);
    cr_assert_str_neq(h, again, "each hash has its own salt");
    cr_assert_not(eddy_password_needs_rehash(h, &cheap));
    eddy_password_params stronger = {11, 8, 1};
    cr_assert(eddy_password_needs_rehash(h, &stronger));
    /* A hash that claims cheaper work than the module allows is not read. */
    char weak[256];
    snprintf(weak, sizeof weak, "$scrypt$ln=1,r=8,p=1$%s", strchr(h + 22, '$') ? h + 22 : "");
    cr_assert_eq(eddy_password_check_blocking("correct horse", weak), -1);
    free(h);
    free(again);
}

Test(password, verify_outside_a_task_rehashes_to_raised_parameters)
{
    char *h = eddy_password_hash_blocking("pw", &cheap);
    eddy_password_params stronger = {11, 8, 1};
    bool ok = false;
    char *rehashed = NULL;
    cr_assert_eq(eddy_password_verify("pw", h, &stronger, &ok, &rehashed), 0);
    cr_assert(ok);
    cr_assert_not_null(rehashed);
    cr_assert_eq(strncmp(rehashed, "$scrypt$ln=11,", 14), 0);
    cr_assert_eq(eddy_password_check_blocking("pw", rehashed), 1);
    free(rehashed);
    cr_assert_eq(eddy_password_verify("nope", h, &stronger, &ok, &rehashed), 0);
    cr_assert_not(ok);
    cr_assert_null(rehashed);
    cr_assert_eq(eddy_password_verify("pw", NULL, &cheap, &ok, &rehashed), 0);
    cr_assert_not(ok, "no stored hash never matches");
    free(h);
}
