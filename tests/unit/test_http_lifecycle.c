/* dcswarm serve: which actions a service or a stack takes in which state
 * (lifecycle.c, stackwrite.c).  The way out of a deploy gone wrong must
 * stay open: stop and terminate in every state but Terminated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http/model.h"
#include "translate/translate.h"

static const char *const live[] = {"Not running", "Starting",  "Running",
                                   "Partly running", "Redeploying", "Stopping",
                                   "Stopped", "Terminating", NULL};

static void test_way_out_of_every_service_state(void **state)
{
    struct dcs_error err = {0};

    (void)state;
    for (const char *const *s = live; *s; s++) {
        assert_int_equal(dcs_lifecycle_allowed("stop", *s, &err), DCS_OK);
        assert_int_equal(dcs_lifecycle_allowed("terminate", *s, &err), DCS_OK);
    }
    assert_int_equal(dcs_lifecycle_allowed("stop", "Scaling", &err), DCS_OK);
    assert_int_equal(dcs_lifecycle_allowed("terminate", "Terminated", &err), DCS_ERR);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.text, "cannot terminate a service in state Terminated");
    assert_int_equal(dcs_lifecycle_allowed("stop", "Terminated", &err), DCS_ERR);
}

/* A start whose tasks cannot run leaves the service Starting; a failed
 * redeploy leaves it Redeploying.  Trying again must be possible. */
static void test_retry_after_a_failed_action(void **state)
{
    static const char *const verbs[] = {"start", "redeploy", "scale", NULL};
    struct dcs_error err = {0};

    (void)state;
    for (const char *const *v = verbs; *v; v++) {
        assert_int_equal(dcs_lifecycle_allowed(*v, "Starting", &err), DCS_OK);
        assert_int_equal(dcs_lifecycle_allowed(*v, "Redeploying", &err), DCS_OK);
        assert_int_equal(dcs_lifecycle_allowed(*v, "Terminated", &err), DCS_ERR);
    }
    /* The reference's table still holds where it speaks. */
    assert_int_equal(dcs_lifecycle_allowed("start", "Running", &err), DCS_ERR);
    assert_string_equal(err.text, "cannot start a service in state Running");
    assert_int_equal(dcs_lifecycle_allowed("redeploy", "Not running", &err), DCS_ERR);
    assert_int_equal(dcs_lifecycle_allowed("start", NULL, &err), DCS_ERR);
    assert_string_equal(err.text, "cannot start a service in state unknown");
}

static void test_way_out_of_every_stack_state(void **state)
{
    struct dcs_error err = {0};

    (void)state;
    for (const char *const *s = live; *s; s++) {
        assert_int_equal(dcs_stack_allowed("stop", *s, &err), DCS_OK);
        assert_int_equal(dcs_stack_allowed("terminate", *s, &err), DCS_OK);
    }
    assert_int_equal(dcs_stack_allowed("redeploy", "Redeploying", &err), DCS_OK);
    assert_int_equal(dcs_stack_allowed("start", "Starting", &err), DCS_OK);
    assert_int_equal(dcs_stack_allowed("terminate", "Terminated", &err), DCS_ERR);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.text, "cannot terminate a stack in state Terminated");
    assert_int_equal(dcs_stack_allowed("start", "Running", &err), DCS_ERR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_way_out_of_every_service_state),
        cmocka_unit_test(test_retry_after_a_failed_action),
        cmocka_unit_test(test_way_out_of_every_stack_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
