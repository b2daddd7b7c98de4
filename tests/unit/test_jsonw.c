/*
 * dcs_json_write gives the bytes json_dumps gives with JSON_SORT_KEYS
 * (indented and compact), on random documents whose objects have from 0 to
 * 300 members: each way of sorting members (in order already, up to 128,
 * more) is taken; and dcs_json_write_members puts members given as text
 * where they go among those given as values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/jsonw.h"

static unsigned long long rng = 88172645463325252ull;

static unsigned next(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static json_t *random_value(int depth);

static json_t *random_object(int depth)
{
    json_t *o = json_object();
    unsigned n = next(4) == 0 ? next(300) : next(20);
    char key[16];

    for (unsigned i = 0; i < n; i++) {
        int len = (int)next(9), k = 0; /* the empty key too */
        if (len && next(16) == 0) {    /* and a first byte past ASCII */
            key[k++] = (char)0xc3;
            key[k++] = (char)0xa9;
            len += 2;
        }
        for (; k < len; k++)
            key[k] = (char)('a' + next(next(2) ? 3 : 26)); /* shared prefixes too */
        key[len] = 0;
        json_object_set_new(o, key, random_value(depth + 1));
    }
    return o;
}

static json_t *random_value(int depth)
{
    static const char *const strings[] = {"", "x", "a\"b\\c", "tab\there", "é ü", "\x01"};
    json_t *a;

    switch (depth > 3 ? 2 + next(3) : next(5)) {
    case 0:
        return random_object(depth);
    case 1:
        a = json_array();
        for (unsigned i = next(5); i > 0; i--)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    case 2:
        return json_string(strings[next(6)]);
    case 3:
        return json_integer((json_int_t)next(100000) - 50000);
    default:
        return next(2) ? json_true() : json_null();
    }
}

static void same_as_jansson(json_t *v, int indent)
{
    size_t flags = JSON_SORT_KEYS | (indent ? JSON_INDENT(2) : JSON_COMPACT);
    char *want = dcs_json_dumps(v, flags);
    struct dcs_strbuf got = {0};

    dcs_json_write(&got, v, indent, 0);
    assert_non_null(want);
    assert_non_null(got.data);
    assert_string_equal(got.data, want);
    free(want);
    dcs_strbuf_release(&got);
}

static void test_random_documents(void **state)
{
    (void)state;
    for (int i = 0; i < 400; i++) {
        json_t *v = random_object(0);
        same_as_jansson(v, 2);
        same_as_jansson(v, 0);
        json_decref(v);
    }
}

/* Raw members among an object's own: as if they were its values. */
static void test_raw_members(void **state)
{
    (void)state;
    for (int i = 0; i < 200; i++) {
        json_t *v = random_object(0), *whole = json_deep_copy(v);
        json_t *r1 = random_value(1), *r2 = random_value(1);
        struct dcs_strbuf t1 = {0}, t2 = {0}, got = {0}, want = {0};
        struct dcs_json_member m[320];
        size_t n = 0;
        const char *key;
        json_t *value;

        json_object_del(v, "zz_raw");
        json_object_del(v, "aa_raw");
        json_object_del(whole, "zz_raw");
        json_object_del(whole, "aa_raw");
        json_object_set(whole, "zz_raw", r1);
        json_object_set(whole, "aa_raw", r2);
        /* A member's value sits at depth 1: written at base indent. */
        dcs_json_write(&t1, r1, 2, 2);
        dcs_json_write(&t2, r2, 2, 2);
        json_object_foreach(v, key, value)
            m[n++] = (struct dcs_json_member){key, value, NULL, 0};
        m[n++] = (struct dcs_json_member){"zz_raw", NULL, t1.data, t1.len};
        m[n++] = (struct dcs_json_member){"aa_raw", NULL, t2.data, t2.len};
        dcs_json_write_members(&got, m, n, 2, 0);
        dcs_json_write(&want, whole, 2, 0);
        assert_string_equal(got.data, want.data);
        dcs_strbuf_release(&t1);
        dcs_strbuf_release(&t2);
        dcs_strbuf_release(&got);
        dcs_strbuf_release(&want);
        json_decref(r1);
        json_decref(r2);
        json_decref(v);
        json_decref(whole);
    }
}

/* dcs_json_plain_prefix stops where a naive walk stops: at the first
 * quote, backslash or byte below 0x20, wherever it falls in a word. */
static void test_plain_prefix(void **state)
{
    static const char special[] = {'"', '\\', 0x01, 0x1f, 0x00, 0x7f, ' ', (char)0xc3};
    char s[40];

    (void)state;
    for (int i = 0; i < 20000; i++) {
        size_t n = next(sizeof(s)), want = 0;
        for (size_t k = 0; k < n; k++)
            s[k] = next(4) ? (char)('a' + next(26)) : special[next(sizeof(special))];
        while (want < n && s[want] != '"' && s[want] != '\\' && (unsigned char)s[want] >= 0x20)
            want++;
        assert_int_equal(dcs_json_plain_prefix(s, n), want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_documents),
        cmocka_unit_test(test_raw_members),
        cmocka_unit_test(test_plain_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
