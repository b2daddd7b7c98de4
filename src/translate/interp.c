/*
 * interp.c - stackfile interpolation as the docker-cloud CLI did it.
 *
 * The CLI ran Python's string.Template(value).substitute() over every string
 * value, with a mapping that returned "" (and logged a warning) for unset
 * names.  Template's grammar is small: "$$", "$name", "${name}" with name
 * [_A-Za-z][_A-Za-z0-9]*; any other "$" is an "invalid placeholder" and the
 * CLI refused the stackfile.  Compose's later "${X:-default}" forms were never
 * part of it and are errors here too.
 */
#include "translate/interp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"

/* Bytes of a string value quoted in an error message. */
#define QUOTE_MAX 60

static int is_name_start(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

/* Length of the variable name at s[0..n), 0 if none starts there. */
static size_t name_length(const char *s, size_t n)
{
    size_t i = 0;

    if (n == 0 || !is_name_start(s[0]))
        return 0;
    while (i < n && is_name_char(s[i]))
        i++;
    return i;
}

static int add_missing(json_t *missing, const char *name, size_t n)
{
    size_t i;
    json_t *v;

    if (!missing)
        return DCS_OK;
    json_array_foreach(missing, i, v) {
        if (json_string_length(v) == n && memcmp(json_string_value(v), name, n) == 0)
            return DCS_OK;
    }
    return json_array_append_new(missing, json_stringn(name, n)) ? DCS_ERR : DCS_OK;
}

/* Append the value of variable name[0..n).  An unset name contributes "";
 * a non-string value (the caller's env should hold none) its JSON text. */
static int add_value(struct dcs_strbuf *out, const char *name, size_t n,
                     const json_t *env, json_t *missing)
{
    const json_t *v = env ? json_object_getn(env, name, n) : NULL;
    char *text;
    int rc;

    if (!v)
        return add_missing(missing, name, n);
    if (json_is_string(v))
        return dcs_strbuf_append(out, json_string_value(v), json_string_length(v));
    text = dcs_json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!text)
        return DCS_ERR;
    rc = dcs_strbuf_append(out, text, strlen(text));
    free(text);
    return rc;
}

/* Bytes of s[0..n) that fit in max without splitting a UTF-8 character. */
static size_t utf8_prefix(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

static int invalid(const char *s, size_t n, struct dcs_error *err)
{
    size_t shown = utf8_prefix(s, n, n > QUOTE_MAX ? QUOTE_MAX - 3 : n);

    return dcs_error_set(err, NULL,
                         "invalid interpolation format in \"%.*s%s\" "
                         "(use $NAME, ${NAME}, or $$ for a literal $)",
                         (int)shown, s, shown < n ? "..." : "");
}

/* Interpolate s[0..n) into out.  DCS_ERR with err set on a malformed
 * template, DCS_ERR with err->status 500 on memory exhaustion. */
static int expand(const char *s, size_t n, const json_t *env, json_t *missing,
                  struct dcs_strbuf *out, struct dcs_error *err)
{
    size_t i = 0;

    while (i < n) {
        const char *dollar = memchr(s + i, '$', n - i);
        size_t at = dollar ? (size_t)(dollar - s) : n;
        size_t start, name;

        if (dcs_strbuf_append(out, s + i, at - i))
            goto oom;
        if (!dollar)
            break;
        i = at + 1;
        if (i < n && s[i] == '$') {
            if (dcs_strbuf_append(out, "$", 1))
                goto oom;
            i++;
            continue;
        }
        if (i < n && s[i] == '{') {
            start = i + 1;
            name = name_length(s + start, n - start);
            if (name == 0 || start + name >= n || s[start + name] != '}')
                return invalid(s, n, err);
            i = start + name + 1;
        } else {
            start = i;
            name = name_length(s + start, n - start);
            if (name == 0)
                return invalid(s, n, err);
            i = start + name;
        }
        if (add_value(out, s + start, name, env, missing))
            goto oom;
    }
    if (dcs_strbuf_append(out, "", 0))
        goto oom;
    return DCS_OK;
oom:
    return dcs_error_status(err, 500, NULL, "out of memory");
}

char *dcs_interpolate_string(const char *s, const json_t *env, json_t *missing,
                             struct dcs_error *err)
{
    struct dcs_strbuf out = {0};

    if (expand(s, strlen(s), env, missing, &out, err)) {
        dcs_strbuf_release(&out);
        return NULL;
    }
    return out.data;
}

/* ---- whole documents ------------------------------------------------- */

struct walk {
    const json_t *env;
    const char *service;
    json_t *warnings;
    json_t *missing; /* scratch: names missing from the current string */
    char path[DCS_ERROR_PATH_LEN];
    size_t len;
    struct dcs_error *err;
};

/* Append n bytes, cut to what fits, as snprintf would; by hand, since
 * every field of every service passes here. */
static void path_add(struct walk *w, const char *s, size_t n)
{
    size_t room = sizeof(w->path) - 1 - w->len;

    if (n > room)
        n = room;
    memcpy(w->path + w->len, s, n);
    w->len += n;
    w->path[w->len] = '\0';
}

static void path_index(struct walk *w, size_t i)
{
    char num[24], *p = num + sizeof(num);

    *--p = ']';
    do
        *--p = (char)('0' + i % 10);
    while (i /= 10);
    *--p = '[';
    path_add(w, p, (size_t)(num + sizeof(num) - p));
}

static int has_warning(const json_t *warnings, const char *service,
                       const char *message)
{
    size_t i;
    json_t *v;

    json_array_foreach(warnings, i, v) {
        const char *cls = json_string_value(json_object_get(v, "class"));
        const char *svc = json_string_value(json_object_get(v, "service"));
        const char *msg = json_string_value(json_object_get(v, "message"));
        if (cls && svc && msg && strcmp(cls, "input") == 0 &&
            strcmp(svc, service) == 0 && strcmp(msg, message) == 0)
            return 1;
    }
    return 0;
}

/* One warning per unset name and service, as the CLI warned once per name. */
static int warn_missing(struct walk *w)
{
    size_t i;
    json_t *name;

    if (!w->warnings)
        return DCS_OK;
    json_array_foreach(w->missing, i, name) {
        json_t *msg = json_sprintf("%s is not set in the environment; it is "
                                   "interpolated as \"\"",
                                   json_string_value(name));
        json_t *warning;

        if (!msg)
            return DCS_ERR;
        if (has_warning(w->warnings, w->service, json_string_value(msg))) {
            json_decref(msg);
            continue;
        }
        warning = json_pack("{s:s, s:s, s:s, s:o}", "service", w->service,
                            "field", w->path, "class", "input",
                            "message", msg);
        if (!warning || json_array_append_new(w->warnings, warning))
            return DCS_ERR;
    }
    return DCS_OK;
}

static int walk_string(struct walk *w, json_t *str)
{
    struct dcs_strbuf out = {0};
    const char *s = json_string_value(str);
    size_t n = json_string_length(str);
    int rc = DCS_ERR;

    if (!memchr(s, '$', n))
        return DCS_OK;
    if (json_array_clear(w->missing))
        goto oom;
    if (expand(s, n, w->env, w->missing, &out, w->err))
        goto out;
    /* Substituted values came from jansson strings: still valid UTF-8. */
    if (json_string_setn_nocheck(str, out.data, out.len) || warn_missing(w))
        goto oom;
    rc = DCS_OK;
    goto out;
oom:
    dcs_error_status(w->err, 500, NULL, "out of memory");
out:
    dcs_strbuf_release(&out);
    return rc;
}

static int walk_node(struct walk *w, json_t *node);

static int walk_object(struct walk *w, json_t *obj)
{
    size_t len = w->len;
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v) {
        if (len)
            path_add(w, ".", 1);
        path_add(w, key, strlen(key));
        if (walk_node(w, v))
            return DCS_ERR;
        w->len = len;
        w->path[len] = '\0';
    }
    return DCS_OK;
}

static int walk_array(struct walk *w, json_t *arr)
{
    size_t len = w->len;
    size_t i;
    json_t *v;

    json_array_foreach(arr, i, v) {
        path_index(w, i);
        if (walk_node(w, v))
            return DCS_ERR;
        w->len = len;
        w->path[len] = '\0';
    }
    return DCS_OK;
}

static int walk_node(struct walk *w, json_t *node)
{
    switch (json_typeof(node)) {
    case JSON_STRING:
        return walk_string(w, node);
    case JSON_OBJECT:
        return walk_object(w, node);
    case JSON_ARRAY:
        return walk_array(w, node);
    default:
        return DCS_OK;
    }
}

int dcs_interpolate(json_t *doc, const json_t *env, const char *service,
                    const char *path, json_t *warnings, struct dcs_error *err)
{
    struct walk w;
    int rc;

    memset(&w, 0, sizeof(w));
    w.env = env;
    w.service = service ? service : "";
    w.warnings = json_is_array(warnings) ? warnings : NULL;
    w.err = err;
    w.missing = json_array();
    if (!w.missing)
        return dcs_error_status(err, 500, NULL, "out of memory");
    if (path && *path)
        path_add(&w, path, strlen(path));
    rc = walk_node(&w, doc);
    /* The caller names the service in err->path as it sees fit. */
    if (rc && err && err->status != 500) {
        memcpy(err->path, w.path, sizeof(err->path));
        dcs_utf8_trim(err->path);
    }
    json_decref(w.missing);
    return rc;
}
