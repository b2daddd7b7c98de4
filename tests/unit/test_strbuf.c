/* The one growable buffer (util/strbuf.c): the NUL invariant, the cap, and
 * a failure that stays until the buffer is cleared. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "util/error.h"
#include "util/strbuf.h"

static void test_grows_and_stays_a_c_string(void **state)
{
    struct dcs_strbuf b = {0};
    char big[10000];

    (void)state;
    assert_int_equal(dcs_strbuf_append(&b, "", 0), DCS_OK);
    assert_string_equal(b.data, "");
    memset(big, 'x', sizeof(big));
    assert_int_equal(dcs_strbuf_append(&b, big, sizeof(big)), DCS_OK);
    assert_int_equal(dcs_strbuf_append(&b, "yz", 2), DCS_OK);
    assert_int_equal(b.len, sizeof(big) + 2);
    assert_int_equal(b.data[b.len], '\0');
    assert_string_equal(b.data + sizeof(big), "yz");
    dcs_strbuf_consume(&b, sizeof(big));
    assert_string_equal(b.data, "yz");
    dcs_strbuf_release(&b);
    assert_null(b.data);
}

static void test_cap_refuses_and_keeps_what_was_there(void **state)
{
    struct dcs_strbuf b;

    (void)state;
    dcs_strbuf_init(&b, 5);
    assert_int_equal(dcs_strbuf_append(&b, "abc", 3), DCS_OK);
    errno = 0;
    assert_int_equal(dcs_strbuf_append(&b, "def", 3), DCS_ERR);
    assert_int_equal(errno, EFBIG);
    assert_string_equal(b.data, "abc");
    assert_true(b.failed);
    /* Failed stays failed: a writer looks once at the end. */
    assert_int_equal(dcs_strbuf_append(&b, "d", 1), DCS_ERR);
    assert_false(dcs_strbuf_reserve(&b, 1));
    dcs_strbuf_clear(&b);
    assert_false(b.failed);
    assert_int_equal(dcs_strbuf_append(&b, "12345", 5), DCS_OK);
    assert_int_equal(dcs_strbuf_append(&b, "6", 1), DCS_ERR);
    dcs_strbuf_release(&b);
    assert_int_equal(b.max, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grows_and_stays_a_c_string),
        cmocka_unit_test(test_cap_refuses_and_keeps_what_was_there),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
