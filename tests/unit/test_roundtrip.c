/*
 * For every golden case that translates: forward, then reverse, must give
 * back every Docker Cloud field that went in (the canonical form of it);
 * and the object written by dcs_reverse_write is the one dcs_reverse makes.
 * Reverse may add attributes (defaults, read-only ones, port names); it
 * may not change or drop what the user set.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "translate/translate.h"
#include "util/jsonw.h"

#define GOLDEN "tests/golden"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        *len = (size_t)n;
    }
    return buf;
}

/* Is every part of `want` in `got`?  Objects: keys of want; arrays: same
 * length, item by item. */
static bool subset(const json_t *want, const json_t *got)
{
    const char *k;
    json_t *v;
    size_t i;

    if (json_is_object(want)) {
        if (!json_is_object(got))
            return false;
        json_object_foreach((json_t *)want, k, v)
            if (!subset(v, json_object_get(got, k)))
                return false;
        return true;
    }
    if (json_is_array(want)) {
        if (!json_is_array(got) || json_array_size(want) != json_array_size(got))
            return false;
        json_array_foreach(want, i, v)
            if (!subset(v, json_array_get(got, i)))
                return false;
        return true;
    }
    return json_equal(want, got);
}

/* The `args` and `env` files of a case. */
static void case_options(const char *dir, struct dcs_translate_opts *o,
                         char *stack, char *ns, json_t *env)
{
    char path[512], line[4096], *p;
    FILE *f;

    snprintf(path, sizeof(path), "%s/args", dir);
    if ((f = fopen(path, "r"))) {
        if (fgets(line, sizeof(line), f)) {
            if ((p = strstr(line, "--stack ")) && sscanf(p + 8, "%127s", stack) == 1)
                o->stack = stack;
            if ((p = strstr(line, "--namespace ")) && sscanf(p + 12, "%127s", ns) == 1)
                o->namespace_ = ns;
        }
        fclose(f);
    }
    snprintf(path, sizeof(path), "%s/env", dir);
    if ((f = fopen(path, "r"))) {
        while (fgets(line, sizeof(line), f)) {
            char *eq = strchr(line, '=');
            if (!eq || line[0] == '#')
                continue;
            *eq = 0;
            line[strcspn(eq + 1, "\n") + (size_t)(eq + 1 - line)] = 0;
            json_object_set_new(env, line, json_string(eq + 1));
        }
        fclose(f);
    }
    o->env = env;
}

/* dcs_reverse_write writes what dcs_json_write writes of dcs_reverse's
 * object, in every style (the last: deeper than its prepared pieces). */
static int written_alike(const char *name, const json_t *eng, const json_t *obj,
                         const struct dcs_reverse_ctx *ctx)
{
    static const int style[][2] = {{2, 4}, {0, 0}, {2, 0}, {2, 60}};
    int bad = 0;

    for (size_t k = 0; k < sizeof(style) / sizeof(style[0]); k++) {
        struct dcs_strbuf want = {0}, got = {0};
        dcs_json_write(&want, obj, style[k][0], style[k][1]);
        assert_int_equal(dcs_reverse_write(&got, eng, ctx, style[k][0], style[k][1], NULL),
                         DCS_OK);
        if (want.len != got.len || memcmp(want.data, got.data, want.len)) {
            print_error("%s: dcs_reverse_write differs (indent %d, base %d)\n", name,
                        style[k][0], style[k][1]);
            bad++;
        }
        dcs_strbuf_release(&want);
        dcs_strbuf_release(&got);
    }
    return bad;
}

/* One service: returns the number of fields that did not come back. */
static int check_service(const char *name, const json_t *entry, const json_t *spec,
                         const struct dcs_translate_opts *o)
{
    const json_t *svc = json_object_get(entry, "service");
    struct dcs_reverse_ctx ctx = {"/api/app/v1/", o->namespace_, NULL, NULL, NULL, NULL};
    json_t *eng = json_pack("{s:O}", "Spec", spec), *obj, *v;
    const char *field;
    int bad = 0;

    obj = dcs_reverse(eng, &ctx, NULL);
    assert_non_null(obj);
    bad += written_alike(name, eng, obj, &ctx);
    json_object_foreach((json_t *)svc, field, v) {
        const char *out = !strcmp(field, "image") ? "image_name" : field;
        if (subset(v, json_object_get(obj, out)))
            continue;
        char *a = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        char *b = json_dumps(json_object_get(obj, out), JSON_ENCODE_ANY | JSON_COMPACT);
        print_error("%s: %s: in %s, back %s\n", name, field, a, b ? b : "(missing)");
        free(a);
        free(b);
        bad++;
    }
    json_decref(obj);
    json_decref(eng);
    return bad;
}

static int check_case(const char *name)
{
    char dir[512], path[600], stack[128], ns[128];
    struct dcs_translate_opts o = {0};
    json_t *env = json_object(), *entries, *result, *e;
    size_t len, i;
    char *text = NULL;
    int bad = 0;

    snprintf(dir, sizeof(dir), GOLDEN "/%s", name);
    snprintf(path, sizeof(path), "%s/expected.json", dir);
    if (access(path, R_OK)) {
        json_decref(env);
        return -1; /* an error case */
    }
    snprintf(path, sizeof(path), "%s/input.yml", dir);
    if (!(text = slurp(path, &len))) {
        snprintf(path, sizeof(path), "%s/input.json", dir);
        text = slurp(path, &len);
    }
    assert_non_null(text);
    case_options(dir, &o, stack, ns, env);
    entries = dcs_load_services(text, len, &o, NULL, NULL);
    assert_non_null(entries);
    result = dcs_forward(entries, &o, NULL, NULL, NULL);
    assert_non_null(result);
    json_array_foreach(entries, i, e) {
        if (!json_object_get(json_object_get(e, "service"), "image"))
            continue; /* a PATCH body: a fragment, not a service */
        bad += check_service(name,
                             e, json_array_get(json_object_get(result, "services"), i), &o);
    }
    json_decref(result);
    json_decref(entries);
    json_decref(env);
    free(text);
    return bad;
}

static void test_every_golden_case_round_trips(void **state)
{
    DIR *d = opendir(GOLDEN);
    struct dirent *de;
    int checked = 0, failed = 0, rc;

    (void)state;
    assert_non_null(d);
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        rc = check_case(de->d_name);
        if (rc < 0)
            continue;
        checked++;
        failed += rc > 0;
    }
    closedir(d);
    print_message("round trip: %d golden cases checked\n", checked);
    assert_true(checked >= 50);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_golden_case_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
