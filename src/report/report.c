/*
 * report.c - the report's data (dcswarm.report/v1): each stackfile is
 * translated as `translate` would, and each field a service sets becomes a
 * row: its class is what translating it warned (the warning's words are the
 * reason), or, without a warning, exact.  Totals, verdicts and the list of
 * what behaves differently are made from the rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "translate/fields.h"
#include "translate/yaml_load.h"
#include "util/ids.h"

struct dcs_report {
    char *version, *generated;
    json_t *stacks;
};

static const char *const verdicts[] = {"ready", "review", "attention", "refused"};

static int class_rank(const char *c)
{
    return !strcmp(c, "kept") ? 2 : !strcmp(c, "approximate") ? 1 : 0;
}

struct dcs_report *dcs_report_new(const char *version, const char *generated)
{
    struct dcs_report *r = calloc(1, sizeof(*r));

    if (!r)
        return NULL;
    r->version = strdup(version);
    r->generated = strdup(generated);
    r->stacks = json_array();
    if (!r->version || !r->generated || !r->stacks) {
        dcs_report_free(r);
        return NULL;
    }
    return r;
}

void dcs_report_free(struct dcs_report *r)
{
    if (!r)
        return;
    free(r->version);
    free(r->generated);
    json_decref(r->stacks);
    free(r);
}

/* ---- the field table's row of a key --------------------------------- */

static bool key_in_list(const char *list, const char *key)
{
    size_t n = strlen(key);

    for (const char *p = list; (p = strstr(p, key)); p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == 0 || p[n] == ','))
            return true;
    return false;
}

/* A stackfile key or an API name (and the API's other names of the image). */
static const struct dcs_field *row_of(const char *key)
{
    if (!strcmp(key, "image_name") || !strcmp(key, "image_tag"))
        key = "image";
    for (const struct dcs_field *f = dcs_fields; f->api; f++)
        if (!strcmp(f->api, key) || (f->stackfile && key_in_list(f->stackfile, key)))
            return f;
    return NULL;
}

/* ---- the services as written ------------------------------------------ */

/* name -> the service as the file has it (before interpolation). */
static json_t *as_written(const char *text, size_t len, const struct dcs_translate_opts *o)
{
    json_t *doc = dcs_json_parse(text, len, JSON_DECODE_ANY, NULL), *out = json_object(), *list,
           *s;
    size_t i;

    if (!doc) {
        doc = dcs_yaml_load(text, len, o->limits, NULL);
        if (json_is_object(doc))
            json_object_update(out, doc);
        json_decref(doc);
        return out;
    }
    list = json_is_array(doc) ? doc : json_object_get(doc, "services");
    if (!list)
        list = json_object_get(doc, "objects");
    if (!json_is_array(list) && json_is_object(doc))
        json_object_set(out, json_string_value(json_object_get(doc, "name")) ? json_string_value(json_object_get(doc, "name")) : "", doc);
    json_array_foreach(list, i, s)
        if (json_string_value(json_object_get(s, "name")))
            json_object_set(out, json_string_value(json_object_get(s, "name")), s);
    json_decref(doc);
    return out;
}

/* ---- warnings by service and field ------------------------------------ */

/* service -> field (its first segment) -> [warnings] */
static json_t *warnings_by_field(const json_t *warnings)
{
    json_t *by = json_object(), *w, *svc, *list;
    size_t i;

    json_array_foreach(warnings, i, w) {
        const char *s = json_string_value(json_object_get(w, "service"));
        const char *f = json_string_value(json_object_get(w, "field"));
        char top[128];
        if (!s || !f)
            continue;
        snprintf(top, sizeof(top), "%.*s", (int)strcspn(f, ".["), f);
        if (!(svc = json_object_get(by, s)))
            json_object_set_new(by, s, svc = json_object());
        if (!(list = json_object_get(svc, top)))
            json_object_set_new(svc, top, list = json_array());
        json_array_append(list, w);
    }
    return by;
}

/* The warnings of this field, under its key, its API name or a stackfile
 * key of its row. */
static json_t *field_warnings(const json_t *of_service, const char *key,
                              const struct dcs_field *f)
{
    json_t *all = json_array(), *v;
    const char *k;

    json_object_foreach((json_t *)of_service, k, v)
        if (!strcmp(k, key) || !strcmp(k, f->api) ||
            (f->stackfile && key_in_list(f->stackfile, k)))
            json_array_extend(all, v);
    return all;
}

/* ---- one field, one service ------------------------------------------- */

static json_t *field_row(const char *key, const json_t *value, const struct dcs_field *f,
                         const json_t *warned)
{
    const char *cls = "exact", *c;
    json_t *reasons = json_array(), *w, *row;
    char doc[96];
    size_t i;

    json_array_foreach(warned, i, w) {
        c = json_string_value(json_object_get(w, "class"));
        if (c && class_rank(c) > class_rank(cls))
            cls = c;
        json_array_append(reasons, json_object_get(w, "message"));
    }
    if (!json_array_size(reasons) && f->note[0])
        json_array_append_new(reasons, json_string(class_rank(f->class_) ?
                              "as set here, nothing differs on swarm" : f->note));
    snprintf(doc, sizeof(doc), "docs/mapping.md#%s", f->api);
    row = json_pack("{s:s, s:s, s:O, s:s, s:s, s:o, s:s}", "key", key, "field", f->api,
                    "value", value, "class", cls, "swarm", f->swarm, "reasons", reasons,
                    "doc", doc);
    json_object_set_new(row, "advice", class_rank(cls) && dcs_report_advice(f->api)
                        ? json_string(dcs_report_advice(f->api)) : json_null());
    return row;
}

/* Kept first, then approximate, then exact, each in the file's order. */
static json_t *ordered(json_t *rows)
{
    json_t *out = json_array(), *row;
    size_t i;

    for (int rank = 2; rank >= 0; rank--)
        json_array_foreach(rows, i, row)
            if (class_rank(json_string_value(json_object_get(row, "class"))) == rank)
                json_array_append(out, row);
    json_decref(rows);
    return out;
}

static json_t *service_report(const char *name, const json_t *written, const json_t *warned)
{
    json_t *rows = json_array(), *v, *counts = json_pack("{s:i, s:i, s:i}", "exact", 0,
                                                         "approximate", 0, "kept", 0);
    const struct dcs_field *f;
    const char *key, *cls;
    int worst = 0;

    json_object_foreach((json_t *)written, key, v) {
        json_t *w, *row;
        if (!(f = row_of(key)))
            continue; /* read-only fields of an API object */
        w = field_warnings(warned, key, f);
        row = field_row(key, v, f, w);
        json_decref(w);
        cls = json_string_value(json_object_get(row, "class"));
        worst = class_rank(cls) > worst ? class_rank(cls) : worst;
        json_object_set_new(counts, cls, json_integer(json_integer_value(
                                                  json_object_get(counts, cls)) + 1));
        json_array_append_new(rows, row);
    }
    return json_pack("{s:s, s:s, s:o, s:o}", "name", name, "verdict", verdicts[worst],
                     "counts", counts, "fields", ordered(rows));
}

/* ---- one stackfile ------------------------------------------------------ */

static json_t *stack_base(const char *file, const char *text, size_t len)
{
    char hex[65];

    dcs_sha256_hex(text ? text : "", text ? len : 0, hex);
    return json_pack("{s:s, s:s, s:s, s:n, s:[], s:{s:i, s:i, s:i, s:i}, s:n}", "file", file,
                     "sha256", hex, "verdict", "refused", "refused", "services", "counts",
                     "services", 0, "exact", 0, "approximate", 0, "kept", 0, "top");
}

static void refuse(json_t *stack, const struct dcs_error *e)
{
    json_t *why = json_pack("{s:s}", "message", e->text);

    if (e->path[0])
        json_object_set_new(why, "field", json_string(e->path));
    if (e->line > 0)
        json_object_set_new(why, "line", json_integer(e->line));
    if (e->column > 0)
        json_object_set_new(why, "column", json_integer(e->column));
    json_object_set_new(stack, "refused", why);
}

static void count_into(json_t *counts, const json_t *add)
{
    const char *k;
    json_t *v;

    json_object_foreach((json_t *)add, k, v)
        json_object_set_new(counts, k, json_integer(json_integer_value(
                                               json_object_get(counts, k)) +
                                           json_integer_value(v)));
}

/* The field most services of the stack do not have exactly. */
static json_t *top_reason(const json_t *services)
{
    json_t *tally = json_object(), *s, *row, *best = NULL;
    const char *k, *best_key = NULL;
    json_int_t best_n = 0;
    size_t i, j;

    json_array_foreach(services, i, s)
        json_array_foreach(json_object_get(s, "fields"), j, row) {
            char key[160];
            const char *cls = json_string_value(json_object_get(row, "class"));
            if (!class_rank(cls))
                continue;
            snprintf(key, sizeof(key), "%s: %s", json_string_value(json_object_get(row, "key")),
                     cls);
            json_object_set_new(tally, key, json_integer(
                json_integer_value(json_object_get(tally, key)) + 1 + 1000 * class_rank(cls)));
        }
    json_object_foreach(tally, k, row)
        if (json_integer_value(row) > best_n) {
            best_n = json_integer_value(row);
            best_key = k;
        }
    if (best_key) {
        char text[200];
        json_int_t n = best_n % 1000;
        snprintf(text, sizeof(text), "%s (%lld service%s)", best_key, (long long)n,
                 n == 1 ? "" : "s");
        best = json_string(text);
    }
    json_decref(tally);
    return best ? best : json_null();
}

static void fill_stack(json_t *stack, const json_t *entries, const json_t *written,
                       const json_t *warnings)
{
    json_t *by = warnings_by_field(warnings), *services = json_object_get(stack, "services"),
           *counts = json_object_get(stack, "counts"), *e, *svc;
    const json_t *empty = json_object();
    int worst = 0;
    size_t i;

    json_array_foreach(entries, i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        const json_t *w = json_object_get(written, name ? name : "");
        const json_t *of = json_object_get(by, name ? name : "");
        svc = service_report(name ? name : "", json_is_object(w) ? w :
                             json_object_get(e, "service"), of ? of : empty);
        for (int k = 0; k < 3; k++)
            if (!strcmp(json_string_value(json_object_get(svc, "verdict")), verdicts[k]) &&
                k > worst)
                worst = k;
        count_into(counts, json_object_get(svc, "counts"));
        json_array_append_new(services, svc);
    }
    json_object_set_new(counts, "services", json_integer((json_int_t)json_array_size(services)));
    json_object_set_new(stack, "verdict", json_string(verdicts[worst]));
    json_object_set_new(stack, "top", top_reason(services));
    json_decref(by);
    json_decref((json_t *)empty);
}

int dcs_report_add(struct dcs_report *r, const char *file, const char *text, size_t len,
                   const struct dcs_translate_opts *opts, struct dcs_error *err)
{
    struct dcs_translate_opts o = *opts;
    struct dcs_error e;
    json_t *stack = stack_base(file, text, len), *warnings = json_array(), *entries, *fwd = NULL;

    (void)err;
    o.lean = 0;
    o.threads = 1;
    dcs_error_clear(&e);
    entries = dcs_load_services(text, len, &o, warnings, &e);
    if (entries)
        fwd = dcs_forward(entries, &o, NULL, warnings, &e);
    if (!entries || !fwd) {
        refuse(stack, &e);
    } else {
        json_t *written = as_written(text, len, &o);
        fill_stack(stack, entries, written, warnings);
        json_decref(written);
    }
    json_decref(fwd);
    json_decref(entries);
    json_decref(warnings);
    return json_array_append_new(r->stacks, stack) ? DCS_ERR : DCS_OK;
}

int dcs_report_add_unread(struct dcs_report *r, const char *file, const char *why)
{
    json_t *stack = stack_base(file, NULL, 0);
    struct dcs_error e;

    dcs_error_clear(&e);
    snprintf(e.text, sizeof(e.text), "%s", why);
    refuse(stack, &e);
    json_object_set_new(stack, "sha256", json_null());
    return json_array_append_new(r->stacks, stack) ? DCS_ERR : DCS_OK;
}

/* ---- the whole document ------------------------------------------------- */

/* Count each reason (the first of a row) in counts (reason -> n). */
static void tally(json_t *counts, const json_t *reasons)
{
    const char *first = json_string_value(json_array_get(reasons, 0));

    if (first)
        json_object_set_new(counts, first, json_integer(
            json_integer_value(json_object_get(counts, first)) + 1));
}

/* The reason given most often (the first of those, in text order). */
static json_t *most_said(const json_t *counts)
{
    const char *k, *best = "";
    json_int_t n = 0;
    json_t *v;

    json_object_foreach((json_t *)counts, k, v)
        if (json_integer_value(v) > n || (json_integer_value(v) == n && strcmp(k, best) < 0)) {
            n = json_integer_value(v);
            best = k;
        }
    return json_string(best);
}

/* field + class -> {services, stacks, where, reasons by count}, sorted. */
static json_t *differences(const json_t *stacks)
{
    json_t *groups = json_object(), *out = json_array(), *st, *s, *row, *g;
    const char *k;
    size_t i, j, n;

    json_array_foreach(stacks, i, st) {
        json_array_foreach(json_object_get(st, "services"), j, s)
            json_array_foreach(json_object_get(s, "fields"), n, row) {
                char key[160];
                const char *cls = json_string_value(json_object_get(row, "class"));
                if (!class_rank(cls))
                    continue;
                snprintf(key, sizeof(key), "%s %s", cls,
                         json_string_value(json_object_get(row, "field")));
                if (!(g = json_object_get(groups, key))) {
                    g = json_pack("{s:O, s:O, s:s, s:O, s:O, s:i, s:i, s:[], s:o}", "field",
                                  json_object_get(row, "field"), "key",
                                  json_object_get(row, "key"), "class", cls, "swarm",
                                  json_object_get(row, "swarm"), "advice",
                                  json_object_get(row, "advice"), "services", 0, "stacks", 0,
                                  "where", "reason", json_object());
                    json_object_set_new(groups, key, g);
                }
                json_object_set_new(g, "services", json_integer(
                    json_integer_value(json_object_get(g, "services")) + 1));
                tally(json_object_get(g, "reason"), json_object_get(row, "reasons"));
                json_array_append_new(json_object_get(g, "where"),
                                      json_pack("{s:O, s:O}", "file", json_object_get(st, "file"),
                                                "service", json_object_get(s, "name")));
            }
    }
    json_object_foreach(groups, k, g) {
        json_t *where = json_object_get(g, "where"), *seen = json_object(), *w;
        json_object_set_new(g, "reason", most_said(json_object_get(g, "reason")));
        json_array_foreach(where, i, w)
            json_object_set(seen, json_string_value(json_object_get(w, "file")), json_true());
        json_object_set_new(g, "stacks", json_integer((json_int_t)json_object_size(seen)));
        json_decref(seen);
        json_array_append(out, g);
    }
    json_decref(groups);
    return out;
}

static int by_weight(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int rx = class_rank(json_string_value(json_object_get(x, "class")));
    int ry = class_rank(json_string_value(json_object_get(y, "class")));
    json_int_t nx = json_integer_value(json_object_get(x, "services"));
    json_int_t ny = json_integer_value(json_object_get(y, "services"));

    if (nx != ny)
        return nx > ny ? -1 : 1;
    if (rx != ry)
        return rx > ry ? -1 : 1;
    return strcmp(json_string_value(json_object_get(x, "field")),
                  json_string_value(json_object_get(y, "field")));
}

static json_t *sorted(json_t *list)
{
    size_t n = json_array_size(list);
    json_t **items = malloc((n ? n : 1) * sizeof(*items)), *out = json_array();

    for (size_t i = 0; items && i < n; i++)
        items[i] = json_array_get(list, i);
    if (items)
        qsort(items, n, sizeof(*items), by_weight);
    for (size_t i = 0; items && i < n; i++)
        json_array_append(out, items[i]);
    free(items);
    json_decref(list);
    return out;
}

/* The field table's identity: what a report's classes were read against. */
static json_t *mapping_version(void)
{
    struct dcs_strbuf b = {0};
    char hex[65];
    int n = 0;

    for (const struct dcs_field *f = dcs_fields; f->api; f++, n++) {
        dcs_strbuf_append(&b, f->api, strlen(f->api));
        dcs_strbuf_append(&b, f->class_, strlen(f->class_));
        dcs_strbuf_append(&b, f->swarm, strlen(f->swarm));
        dcs_strbuf_append(&b, f->note, strlen(f->note));
    }
    dcs_sha256_hex(b.data ? b.data : "", b.len, hex);
    dcs_strbuf_release(&b);
    hex[12] = 0;
    return json_pack("{s:s, s:i}", "id", hex, "fields", n);
}

json_t *dcs_report_json(const struct dcs_report *r)
{
    json_t *totals = json_pack("{s:i, s:i, s:i, s:i, s:i, s:{s:i, s:i, s:i, s:i}}",
                               "stackfiles", (int)json_array_size(r->stacks), "services", 0,
                               "exact", 0, "approximate", 0, "kept", 0, "verdicts", "ready",
                               0, "review", 0, "attention", 0, "refused", 0);
    json_t *verdict_counts = json_object_get(totals, "verdicts"), *st, *c;
    int worst = 0;
    size_t i;

    json_array_foreach(r->stacks, i, st) {
        const char *v = json_string_value(json_object_get(st, "verdict"));
        c = json_object_get(st, "counts");
        count_into(totals, c);
        json_object_set_new(verdict_counts, v, json_integer(
            json_integer_value(json_object_get(verdict_counts, v)) + 1));
        for (int k = 0; k < 4; k++)
            if (!strcmp(v, verdicts[k]) && k > worst)
                worst = k;
    }
    return json_pack("{s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:O}", "schema", DCS_REPORT_SCHEMA,
                     "dcswarm", r->version, "mapping", mapping_version(), "generated",
                     r->generated, "verdict", verdicts[worst], "totals", totals,
                     "differences", sorted(differences(r->stacks)), "stackfiles", r->stacks);
}

int dcs_report_status(const json_t *report, bool strict)
{
    const char *v = json_string_value(json_object_get(report, "verdict"));

    if (!v || !strcmp(v, "ready"))
        return 0;
    if (!strcmp(v, "review"))
        return strict ? 3 : 2;
    return 3;
}
