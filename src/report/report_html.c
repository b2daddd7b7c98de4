/*
 * report_html.c - the report as one HTML page a person reads and prints:
 * inline CSS, no script, nothing fetched.  What needs the operator comes
 * first (the verdict, then what behaves differently, then the stackfiles
 * by how much they need); exact fields are folded away (<details>); every
 * field links to its row of the field table at the end of the page.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "translate/fields.h"
#include "util/strbuf.h"

#define VALUE_SHOWN 300 /* characters of a value; the rest is cut */

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d2329;"
    "margin:0 auto;max-width:1200px;padding:24px}"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;"
    "border-bottom:1px solid #d5dbe1;padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}"
    ".meta{color:#56606b}.meta code{font-size:12px}"
    "table{border-collapse:collapse;width:100%;margin:6px 0 12px}"
    "th,td{border:1px solid #d5dbe1;padding:4px 6px;text-align:left;vertical-align:top}"
    "th{background:#f2f4f6}td.n,th.n{text-align:right}tfoot td{font-weight:600}"
    "code,.value{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}"
    ".value{overflow-wrap:break-word;min-width:140px;max-width:280px}.fields td:first-child{white-space:nowrap}"
    ".strip{display:flex;gap:10px;flex-wrap:wrap;margin:16px 0}"
    ".strip div{border-radius:6px;padding:8px 14px;min-width:110px;border:1px solid}"
    ".strip b{display:block;font-size:22px}"
    ".v-ready{background:#e7f6ec;border-color:#8fd1a5}.v-review{background:#fff6dd;"
    "border-color:#e7c55d}.v-attention{background:#fde9dd;border-color:#eb9c6c}"
    ".v-refused{background:#fbe1e1;border-color:#e08383}.v-total{background:#f2f4f6;"
    "border-color:#c3cad1}"
    ".badge{display:inline-block;border-radius:4px;padding:0 6px;border:1px solid;"
    "font-size:12px;font-weight:600}"
    ".c-exact{background:#e7f6ec;border-color:#8fd1a5}.c-approximate{background:#fff6dd;"
    "border-color:#e7c55d}.c-kept{background:#fde9dd;border-color:#eb9c6c}"
    ".refusal{background:#fbe1e1;border:1px solid #e08383;border-radius:6px;padding:8px 12px}"
    "ul.diff li{margin:6px 0}.where{color:#56606b;font-size:12px}"
    "details summary{cursor:pointer;color:#56606b}"
    "@media print{body{padding:0;font-size:11px}h2{break-after:avoid}"
    "tr{break-inside:avoid}a{color:inherit;text-decoration:none}}";

static void put(struct dcs_strbuf *b, const char *s)
{
    dcs_strbuf_append(b, s, strlen(s));
}

static void putf(struct dcs_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void putf(struct dcs_strbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        dcs_strbuf_append(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Text as HTML text or attribute value. */
static void esc_n(struct dcs_strbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        switch (s[i]) {
        case '&': put(b, "&amp;"); break;
        case '<': put(b, "&lt;"); break;
        case '>': put(b, "&gt;"); break;
        case '"': put(b, "&quot;"); break;
        case '\'': put(b, "&#39;"); break;
        default: dcs_strbuf_append(b, s + i, 1);
        }
    }
}

static void esc(struct dcs_strbuf *b, const char *s)
{
    esc_n(b, s ? s : "", SIZE_MAX);
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static long long num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* The value as compact JSON (a string as itself), cut to VALUE_SHOWN. */
static void value(struct dcs_strbuf *b, const json_t *v)
{
    char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    const char *s = text ? text : json_is_string(v) ? json_string_value(v) : "";
    size_t n = strlen(s);

    esc_n(b, s, n > VALUE_SHOWN ? VALUE_SHOWN : n);
    if (n > VALUE_SHOWN)
        putf(b, "… (%zu characters)", n);
    free(text);
}

static void badge(struct dcs_strbuf *b, const char *cls)
{
    putf(b, "<span class=\"badge c-%s\">%s</span>", cls, cls);
}

/* Anchors: stackfiles by their place in the report, services within. */
static void stack_anchor(struct dcs_strbuf *b, size_t i)
{
    putf(b, "stack-%zu", i + 1);
}

/* ---- the header and the verdict strip -------------------------------- */

static void header(struct dcs_strbuf *b, const json_t *doc)
{
    const json_t *map = json_object_get(doc, "mapping"), *st;
    size_t i;

    put(b, "<header><h1>dcswarm migration report</h1><p class=\"meta\">dcswarm ");
    esc(b, str(doc, "dcswarm"));
    put(b, " · field table <code>");
    esc(b, str(map, "id"));
    putf(b, "</code> (%lld fields) · generated ", num(map, "fields"));
    esc(b, str(doc, "generated"));
    put(b, " · ");
    esc(b, str(doc, "schema"));
    put(b, "</p><details class=\"meta\"><summary>");
    putf(b, "%zu input%s and their sha256", json_array_size(json_object_get(doc, "stackfiles")),
         json_array_size(json_object_get(doc, "stackfiles")) == 1 ? "" : "s");
    put(b, "</summary><table><tr><th>input</th><th>sha256</th></tr>");
    json_array_foreach(json_object_get(doc, "stackfiles"), i, st) {
        put(b, "<tr><td>");
        esc(b, str(st, "file"));
        put(b, "</td><td><code>");
        esc(b, json_is_string(json_object_get(st, "sha256")) ? str(st, "sha256") : "unread");
        put(b, "</code></td></tr>");
    }
    put(b, "</table></details></header>\n");
}

static void strip(struct dcs_strbuf *b, const json_t *doc)
{
    static const char *const names[] = {"ready", "review", "attention", "refused"};
    static const char *const says[] = {"every field exact", "approximations",
                                       "kept, not enforced", "not translatable"};
    const json_t *t = json_object_get(doc, "totals"), *v = json_object_get(t, "verdicts");

    putf(b, "<section class=\"strip\" id=\"verdict\" data-verdict=\"%s\">", str(doc, "verdict"));
    putf(b, "<div class=\"v-total\" data-count=\"%lld\" id=\"count-stackfiles\"><b>%lld</b>"
         "stackfiles</div>", num(t, "stackfiles"), num(t, "stackfiles"));
    putf(b, "<div class=\"v-total\" data-count=\"%lld\" id=\"count-services\"><b>%lld</b>"
         "services</div>", num(t, "services"), num(t, "services"));
    for (int k = 0; k < 4; k++)
        putf(b, "<div class=\"v-%s\" data-count=\"%lld\" id=\"count-%s\"><b>%lld</b>%s "
             "<span class=\"meta\">(%s)</span></div>", names[k], num(v, names[k]), names[k],
             num(v, names[k]), names[k], says[k]);
    put(b, "</section>\n<p>Overall: ");
    putf(b, "<span class=\"badge v-%s\">%s</span> — ", str(doc, "verdict"), str(doc, "verdict"));
    putf(b, "%lld fields exact, %lld approximate, %lld kept.</p>\n", num(t, "exact"),
         num(t, "approximate"), num(t, "kept"));
}

/* ---- what behaves differently, across all stackfiles ------------------ */

static void difference(struct dcs_strbuf *b, const json_t *d, const json_t *doc)
{
    const json_t *w, *stacks = json_object_get(doc, "stackfiles");
    size_t i, j;

    put(b, "<li><b>");
    esc(b, str(d, "key"));
    put(b, "</b> ");
    badge(b, str(d, "class"));
    put(b, " ");
    esc(b, str(d, "reason"));
    putf(b, " — <b>%lld service%s in %lld stackfile%s</b>", num(d, "services"),
         num(d, "services") == 1 ? "" : "s", num(d, "stacks"), num(d, "stacks") == 1 ? "" : "s");
    if (json_is_string(json_object_get(d, "advice"))) {
        put(b, " → ");
        esc(b, str(d, "advice"));
    }
    putf(b, " <a href=\"#field-%s\">field table</a><div class=\"where\">", str(d, "field"));
    json_array_foreach(json_object_get(d, "where"), i, w) {
        if (i == 30) {
            putf(b, " and %zu more", json_array_size(json_object_get(d, "where")) - 30);
            break;
        }
        for (j = 0; j < json_array_size(stacks); j++)
            if (!strcmp(str(json_array_get(stacks, j), "file"), str(w, "file")))
                break;
        put(b, i ? ", <a href=\"#" : "<a href=\"#");
        stack_anchor(b, j);
        put(b, "\">");
        esc(b, str(w, "file"));
        put(b, ":");
        esc(b, str(w, "service"));
        put(b, "</a>");
    }
    put(b, "</div></li>\n");
}

static void differences(struct dcs_strbuf *b, const json_t *doc)
{
    const json_t *d;
    size_t i;

    put(b, "<h2 id=\"differences\">Will behave differently</h2>\n");
    if (!json_array_size(json_object_get(doc, "differences"))) {
        put(b, "<p>Nothing: every field of every service translated has a swarm field of the "
               "same meaning.</p>\n");
        return;
    }
    put(b, "<ul class=\"diff\">\n");
    json_array_foreach(json_object_get(doc, "differences"), i, d)
        difference(b, d, doc);
    put(b, "</ul>\n");
}

/* ---- the stackfiles, as a table and one by one ------------------------ */

static int severity(const json_t *st)
{
    const char *v = str(st, "verdict");
    return !strcmp(v, "refused") ? 0 : !strcmp(v, "attention") ? 1 : !strcmp(v, "review") ? 2
                                                                                          : 3;
}

static void stack_row(struct dcs_strbuf *b, const json_t *st, size_t i)
{
    const json_t *c = json_object_get(st, "counts");
    bool refused = !strcmp(str(st, "verdict"), "refused");

    put(b, "<tr><td><a href=\"#");
    stack_anchor(b, i);
    put(b, "\">");
    esc(b, str(st, "file"));
    putf(b, "</a></td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">%lld"
         "</td><td class=\"n\">%lld</td><td class=\"n\">%d</td>", num(c, "services"),
         num(c, "exact"), num(c, "approximate"), num(c, "kept"), refused);
    putf(b, "<td><span class=\"badge v-%s\">%s</span></td><td>", str(st, "verdict"),
         str(st, "verdict"));
    esc(b, refused ? str(json_object_get(st, "refused"), "message") : str(st, "top"));
    put(b, "</td></tr>\n");
}

static void stack_table(struct dcs_strbuf *b, const json_t *doc)
{
    const json_t *t = json_object_get(doc, "totals"), *stacks = json_object_get(doc, "stackfiles");

    put(b, "<h2 id=\"stackfiles\">Stackfiles</h2>\n<table id=\"stack-table\"><thead><tr>"
           "<th>stackfile</th><th class=\"n\">services</th><th class=\"n\">exact</th>"
           "<th class=\"n\">approx.</th><th class=\"n\">kept</th><th class=\"n\">refused</th>"
           "<th>verdict</th><th>top reason</th></tr></thead><tbody>\n");
    for (int s = 0; s < 4; s++)
        for (size_t i = 0; i < json_array_size(stacks); i++)
            if (severity(json_array_get(stacks, i)) == s)
                stack_row(b, json_array_get(stacks, i), i);
    putf(b, "</tbody><tfoot><tr><td>%lld stackfiles</td><td class=\"n\">%lld</td>"
         "<td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
         "<td class=\"n\">%lld</td><td><span class=\"badge v-%s\">%s</span></td><td></td></tr>"
         "</tfoot></table>\n", num(t, "stackfiles"), num(t, "services"), num(t, "exact"),
         num(t, "approximate"), num(t, "kept"), num(json_object_get(t, "verdicts"), "refused"),
         str(doc, "verdict"), str(doc, "verdict"));
}

static void field_rows(struct dcs_strbuf *b, const json_t *fields, bool exact)
{
    const json_t *row, *r;
    size_t i, j;

    put(b, "<table class=\"fields\"><tr><th>Docker Cloud key</th><th>value</th><th>class</th>"
           "<th>swarm</th><th>why</th><th>what to do</th></tr>\n");
    json_array_foreach(fields, i, row) {
        if (exact != !strcmp(str(row, "class"), "exact"))
            continue;
        putf(b, "<tr class=\"row-%s\"><td><a href=\"#field-%s\"><code>", str(row, "class"),
             str(row, "field"));
        esc(b, str(row, "key"));
        put(b, "</code></a></td><td class=\"value\">");
        value(b, json_object_get(row, "value"));
        put(b, "</td><td>");
        badge(b, str(row, "class"));
        put(b, "</td><td><code>");
        esc(b, str(row, "swarm"));
        put(b, "</code></td><td>");
        json_array_foreach(json_object_get(row, "reasons"), j, r) {
            put(b, j ? "<br>" : "");
            esc(b, json_string_value(r));
        }
        put(b, "</td><td>");
        esc(b, json_is_string(json_object_get(row, "advice")) ? str(row, "advice") : "");
        put(b, "</td></tr>\n");
    }
    put(b, "</table>\n");
}

static void service_section(struct dcs_strbuf *b, const json_t *svc)
{
    const json_t *c = json_object_get(svc, "counts");

    put(b, "<h3>");
    esc(b, str(svc, "name"));
    putf(b, " <span class=\"badge v-%s\">%s</span></h3>\n", str(svc, "verdict"),
         str(svc, "verdict"));
    if (num(c, "approximate") + num(c, "kept"))
        field_rows(b, json_object_get(svc, "fields"), false);
    if (num(c, "exact")) {
        putf(b, "<details><summary>%lld field%s exact</summary>", num(c, "exact"),
             num(c, "exact") == 1 ? "" : "s");
        field_rows(b, json_object_get(svc, "fields"), true);
        put(b, "</details>\n");
    }
}

static void stack_section(struct dcs_strbuf *b, const json_t *st, size_t i)
{
    const json_t *why = json_is_object(json_object_get(st, "refused"))
                            ? json_object_get(st, "refused") : NULL, *svc;
    size_t k;

    put(b, "<section class=\"stack\" id=\"");
    stack_anchor(b, i);
    put(b, "\"><h2>");
    esc(b, str(st, "file"));
    putf(b, " <span class=\"badge v-%s\">%s</span></h2>\n<p class=\"meta\">sha256 <code>",
         str(st, "verdict"), str(st, "verdict"));
    esc(b, json_is_string(json_object_get(st, "sha256")) ? str(st, "sha256") : "unread");
    put(b, "</code></p>\n");
    if (why) {
        put(b, "<p class=\"refusal\"><b>Refused:</b> ");
        if (json_object_get(why, "field")) {
            put(b, "<code>");
            esc(b, str(why, "field"));
            put(b, "</code>: ");
        }
        esc(b, str(why, "message"));
        if (json_object_get(why, "line"))
            putf(b, " (line %lld, column %lld)", num(why, "line"), num(why, "column"));
        put(b, "</p>\n");
    }
    json_array_foreach(json_object_get(st, "services"), k, svc)
        service_section(b, svc);
    put(b, "</section>\n");
}

/* ---- the field table, for the links ----------------------------------- */

static void field_table(struct dcs_strbuf *b)
{
    put(b, "<h2 id=\"field-table\">The field table</h2>\n<p>As <code>dcswarm fields</code> "
           "prints it and <code>docs/mapping.md</code> holds it.</p>\n<table><tr><th>Docker "
           "Cloud field</th><th>stackfile key</th><th>class</th><th>swarm</th><th>note</th>"
           "<th>what to do</th></tr>\n");
    for (const struct dcs_field *f = dcs_fields; f->api; f++) {
        putf(b, "<tr id=\"field-%s\"><td><code>%s</code></td><td>", f->api, f->api);
        esc(b, f->stackfile ? f->stackfile : "");
        put(b, "</td><td>");
        badge(b, f->class_);
        put(b, "</td><td><code>");
        esc(b, f->swarm);
        put(b, "</code></td><td>");
        esc(b, f->note);
        put(b, "</td><td>");
        esc(b, dcs_report_advice(f->api) ? dcs_report_advice(f->api) : "");
        put(b, "</td></tr>\n");
    }
    put(b, "</table>\n");
}

char *dcs_report_html(const json_t *doc)
{
    struct dcs_strbuf b = {0};
    const json_t *stacks = json_object_get(doc, "stackfiles");

    put(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\"><title>dcswarm migration report</title><style>");
    put(&b, css);
    put(&b, "</style></head><body>\n");
    header(&b, doc);
    strip(&b, doc);
    differences(&b, doc);
    stack_table(&b, doc);
    for (int s = 0; s < 4; s++)
        for (size_t i = 0; i < json_array_size(stacks); i++)
            if (severity(json_array_get(stacks, i)) == s)
                stack_section(&b, json_array_get(stacks, i), i);
    field_table(&b);
    put(&b, "</body></html>\n");
    if (b.failed) {
        dcs_strbuf_release(&b);
        return NULL;
    }
    return b.data;
}
