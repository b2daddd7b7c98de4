/*
 * A stackfile read from a source (struct dcs_text_source): each service kept
 * as where its text is, and loaded again when it is translated.  The specs
 * must be those of the text loaded in memory; a text that changed in
 * between, or cannot be read, is an error saying so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "translate/translate.h"

static const char stack_text[] =
    "# a comment before the first service\n"
    "db:\n"
    "  image: mongo:4\n"
    "  volumes: [/data/db]\n"
    "  environment: [ROOT=yes]\n"
    "web:\n"
    "  image: nginx\n"
    "  links: [\"db:database\"]\n"
    "  volumes_from: [db]\n"
    "  ports: [\"80:80\"]\n"
    "  labels:\n"
    "    z.last: one\n"
    "    a.first: two\n"
    "worker:\n"
    "  image: busybox\n"
    "  command: sleep 1000\n";

struct memory_source {
    char text[sizeof(stack_text)];
    int fail;   /* reads fail */
    int reads;
};

static int memory_read(void *ctx, size_t at, size_t len, char *into, struct dcs_error *err)
{
    struct memory_source *m = ctx;

    m->reads++;
    if (m->fail || at + len > sizeof(m->text) - 1)
        return dcs_error_set(err, NULL, "cannot read 'in.yml': broken disk");
    memcpy(into, m->text + at, len);
    return 0;
}

struct fixture {
    struct memory_source mem;
    struct dcs_text_source src;
    struct dcs_translate_opts opts;
    json_t *warnings;
    struct dcs_error err;
};

static void fixture_init(struct fixture *f, int threads)
{
    memset(f, 0, sizeof(*f));
    memcpy(f->mem.text, stack_text, sizeof(stack_text));
    f->src = (struct dcs_text_source){sizeof(stack_text) - 1, memory_read, &f->mem};
    f->opts.source = "in.yml";
    f->opts.stack = "app";
    f->opts.lean = 1;
    f->opts.threads = threads;
    f->opts.text_source = &f->src;
    f->warnings = json_array();
    dcs_error_clear(&f->err);
}

/* The same stack loaded from memory and translated. */
static json_t *specs_from_memory(int threads)
{
    struct dcs_translate_opts opts = {.source = "in.yml", .stack = "app", .lean = 1,
                                      .threads = threads};
    json_t *warnings = json_array(), *entries, *out;
    struct dcs_error err;

    dcs_error_clear(&err);
    entries = dcs_load_services(stack_text, sizeof(stack_text) - 1, &opts, warnings, &err);
    assert_non_null(entries);
    out = dcs_forward(entries, &opts, NULL, warnings, &err);
    assert_non_null(out);
    json_decref(entries);
    json_decref(warnings);
    return out;
}

static void same_specs_as_in_memory(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 2; threads++) {
        struct fixture f;
        json_t *entries, *out, *want;
        size_t i;
        json_t *e;

        fixture_init(&f, threads);
        entries = dcs_load_services_source(&f.opts, f.warnings, &f.err);
        assert_non_null(entries);
        assert_int_equal(json_array_size(entries), 3);
        /* Kept as where the text is, not as the text: [refs, where]. */
        json_array_foreach(entries, i, e)
            assert_true(json_is_array(e) && json_is_integer(json_array_get(e, 1)));
        assert_int_equal(dcs_forward_check(entries, &f.opts, &f.err), DCS_OK);
        out = dcs_forward(entries, &f.opts, NULL, f.warnings, &f.err);
        assert_non_null(out);
        want = specs_from_memory(threads);

        assert_true(json_equal(out, want));
        json_decref(want);
        json_decref(out);
        json_decref(entries);
        json_decref(f.warnings);
    }
}

/* "web" becomes "wex" (the same length) between loading and translating. */
static void changed_text_is_an_error(void **state)
{
    struct fixture f;
    json_t *entries, *out;
    char *web;

    (void)state;
    fixture_init(&f, 1);
    entries = dcs_load_services_source(&f.opts, f.warnings, &f.err);
    assert_non_null(entries);
    web = strstr(f.mem.text, "\nweb:") + 1;
    memcpy(web, "wex", 3);
    out = dcs_forward(entries, &f.opts, NULL, f.warnings, &f.err);
    assert_null(out);
    assert_non_null(strstr(f.err.text, "changed while it was translated"));
    json_decref(entries);
    json_decref(f.warnings);
}

static void read_error_is_reported(void **state)
{
    struct fixture f;
    json_t *entries, *out;

    (void)state;
    fixture_init(&f, 2);
    f.mem.fail = 1;
    assert_null(dcs_load_services_source(&f.opts, f.warnings, &f.err));
    assert_string_equal(f.err.text, "cannot read 'in.yml': broken disk");
    json_decref(f.warnings);

    /* Loaded, then the disk breaks: translating says so. */
    fixture_init(&f, 1);
    entries = dcs_load_services_source(&f.opts, f.warnings, &f.err);
    assert_non_null(entries);
    f.mem.fail = 1;
    out = dcs_forward(entries, &f.opts, NULL, f.warnings, &f.err);
    assert_null(out);
    assert_string_equal(f.err.text, "cannot read 'in.yml': broken disk");
    json_decref(entries);
    json_decref(f.warnings);
}

/* An anchor: not cut, read whole, and kept as text as in memory. */
static void anchored_text_is_read_whole(void **state)
{
    struct fixture f;
    json_t *entries, *e;
    char *db;
    size_t i;

    (void)state;
    fixture_init(&f, 1);
    db = strstr(f.mem.text, "  environment: [ROOT=yes]");
    memcpy(db, "  environment: &e [ROOTY]", 25); /* an anchor, same length */
    entries = dcs_load_services_source(&f.opts, f.warnings, &f.err);
    assert_non_null(entries);
    json_array_foreach(entries, i, e)
        assert_true(json_is_string(json_object_get(e, "service")));
    json_decref(entries);
    json_decref(f.warnings);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_specs_as_in_memory),
        cmocka_unit_test(changed_text_is_an_error),
        cmocka_unit_test(read_error_is_reported),
        cmocka_unit_test(anchored_text_is_read_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
