/*
 * yaml_emit.c - JSON values as YAML: written directly, in the shape
 * libyaml's emitter gives them (yaml_emit.h), with libyaml's emitter as
 * the reference and for what the direct writer leaves to it.
 */
#include "translate/yaml_emit.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "util/error.h"
#include "util/strbuf.h"

/* libyaml's emitter writes through this: into a dcs_strbuf. */
static int write_handler(void *data, unsigned char *buffer, size_t size)
{
    return dcs_strbuf_append(data, buffer, size) == DCS_OK;
}

/* What a plain scalar may hold here: letters, digits and "_./@-=". */
static bool plain_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '/' || c == '@' || c == '-' || c == '=';
}

/* Could a YAML 1.1 reader take this plain scalar for anything but text?
 * Asked of every scalar: the words are compared only with a scalar as
 * short as they are. */
static bool plain_safe(const char *s)
{
    static const char *const words[] = {"y", "n", "yes", "no", "true", "false",
                                        "on", "off", "null", "~", NULL};
    size_t n;

    if (!(isalpha((unsigned char)*s) || *s == '/' || *s == '_'))
        return false;
    for (n = 0; s[n]; n++)
        if (!plain_char((unsigned char)s[n]))
            return false;
    for (const char *const *w = words; n <= 5 && *w; w++)
        if (!strcasecmp(s, *w))
            return false;
    return true;
}


/* ---- the direct writer ----------------------------------------------
 * libyaml's rules for the block style it writes here: a mapping's keys
 * at its indent, a nested mapping two deeper, a sequence that is a
 * mapping's value at the mapping's own indent ("key:\n- a"), the first
 * member of a collection that is a sequence item on the dash's line
 * ("- a: 1", "- - x"), empty collections in flow style ("{}", "[]"). */

struct yw {
    struct dcs_strbuf *b;
    bool complex_key; /* met a key libyaml would write as "? key" */
};

static void put(struct yw *w, const char *s, size_t n)
{
    dcs_strbuf_append(w->b, s, n);
}

static void put_spaces(struct yw *w, int n)
{
    static const char spaces[] = "                                ";

    for (; n > 0; n -= 32)
        put(w, spaces, n < 32 ? (size_t)n : 32);
}

/* The character at p as libyaml's IS_PRINTABLE sees it (4-byte UTF-8
 * is not printable to it: it escapes it). */
static bool printable(const unsigned char *p)
{
    return p[0] == 0x0A || (p[0] >= 0x20 && p[0] <= 0x7E) ||
           (p[0] == 0xC2 && p[1] >= 0xA0) || (p[0] > 0xC2 && p[0] < 0xED) ||
           (p[0] == 0xED && p[1] < 0xA0) || p[0] == 0xEE ||
           (p[0] == 0xEF && !(p[1] == 0xBB && p[2] == 0xBF) &&
            !(p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)));
}

/* Line breaks as YAML counts them: \r, \n, NEL, LS, PS. */
static bool is_break(const unsigned char *p)
{
    return p[0] == '\r' || p[0] == '\n' || (p[0] == 0xC2 && p[1] == 0x85) ||
           (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9));
}

static size_t utf8_width(unsigned char c)
{
    return c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
}

static unsigned long utf8_value(const unsigned char *p, size_t w)
{
    unsigned long v = w == 1 ? p[0] : w == 2 ? p[0] & 0x1F : w == 3 ? p[0] & 0x0F : p[0] & 0x07;

    for (size_t i = 1; i < w; i++)
        v = (v << 6) | (p[i] & 0x3F);
    return v;
}

/* libyaml's escape of the character v in a double-quoted scalar, at out;
 * returns its end (at most 10 bytes). */
static char *put_escape(char *out, unsigned long v)
{
    static const struct { unsigned long v; char c; } named[] = {
        {0x00, '0'}, {0x07, 'a'}, {0x08, 'b'}, {0x09, 't'}, {0x0A, 'n'}, {0x0B, 'v'},
        {0x0C, 'f'}, {0x0D, 'r'}, {0x1B, 'e'}, {0x22, '"'}, {0x5C, '\\'}, {0x85, 'N'},
        {0xA0, '_'}, {0x2028, 'L'}, {0x2029, 'P'}};
    int digits = v <= 0xFF ? 2 : v <= 0xFFFF ? 4 : 8;

    *out++ = '\\';
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
        if (named[i].v == v) {
            *out++ = named[i].c;
            return out;
        }
    *out++ = digits == 2 ? 'x' : digits == 4 ? 'u' : 'U';
    for (int i = 0; i < digits; i++) {
        unsigned d = (unsigned)(v >> (4 * (digits - 1 - i))) & 0xF;
        *out++ = (char)(d < 10 ? '0' + d : 'A' + d - 10);
    }
    return out;
}

/* Written into room made once: an escape is at most four bytes for each
 * byte it stands for (a backslash, 'x' and two hex digits for one), and the
 * JSON of a dcswarm.spec label needs one for every quote. */
static void put_double_quoted(struct yw *w, const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    struct dcs_strbuf *b = w->b;
    char *out;

    if (!dcs_strbuf_reserve(b, 4 * len + 2))
        return;
    out = b->data + b->len;
    *out++ = '"';
    while (p < end) {
        size_t n;
        if (*p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\') {
            *out++ = (char)*p++; /* printable ASCII, the most of any text */
            continue;
        }
        n = utf8_width(*p);
        if (n > (size_t)(end - p))
            n = (size_t)(end - p); /* cut short: jansson's strings are not */
        if (!printable(p) || is_break(p) || (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) ||
            *p == '"' || *p == '\\') {
            out = put_escape(out, utf8_value(p, n));
        } else {
            memcpy(out, p, n);
            out += n;
        }
        p += n;
    }
    *out++ = '"';
    b->len = (size_t)(out - b->data);
    b->data[b->len] = '\0';
}

static void put_scalar(struct yw *w, const char *text, size_t len)
{
    if (plain_safe(text))
        put(w, text, len);
    else
        put_double_quoted(w, text, len);
}

/* libyaml writes a key over 128 bytes or with a line break as "? key". */
static bool simple_key(const char *key, size_t len)
{
    if (len > 128)
        return false;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        if (is_break(p))
            return false;
    return true;
}

static void put_collection(struct yw *w, const json_t *v, int indent, bool inline_first);

/* v after "key:" (in_sequence false) or "-" (true), the collection it is
 * in at `indent`. */
static void put_value(struct yw *w, const json_t *v, int indent, bool in_sequence)
{
    char num[64];
    int n;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
    case JSON_ARRAY:
        if (json_is_object(v) ? !json_object_size(v) : !json_array_size(v)) {
            put(w, json_is_object(v) ? " {}\n" : " []\n", 4);
        } else if (in_sequence) {
            put(w, " ", 1);
            put_collection(w, v, indent + 2, true);
        } else {
            put(w, "\n", 1);
            put_collection(w, v, json_is_object(v) ? indent + 2 : indent, false);
        }
        return;
    case JSON_STRING:
        put(w, " ", 1);
        put_scalar(w, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        n = snprintf(num, sizeof(num), " %lld", (long long)json_integer_value(v));
        put(w, num, (size_t)n);
        break;
    case JSON_REAL:
        n = snprintf(num, sizeof(num), " %.17g", json_real_value(v));
        put(w, num, (size_t)n);
        break;
    case JSON_TRUE:
        put(w, " true", 5);
        break;
    case JSON_FALSE:
        put(w, " false", 6);
        break;
    default:
        put(w, " null", 5);
    }
    put(w, "\n", 1);
}

/* A non-empty collection at `indent`, its first member already on a line
 * that reached there when inline_first. */
static void put_collection(struct yw *w, const json_t *v, int indent, bool inline_first)
{
    const char *key;
    const json_t *item;
    size_t i;

    if (json_is_array(v)) {
        json_array_foreach(v, i, item) {
            if (i || !inline_first)
                put_spaces(w, indent);
            put(w, "-", 1);
            put_value(w, item, indent, true);
        }
        return;
    }
    i = 0;
    json_object_foreach((json_t *)v, key, item) {
        size_t len = strlen(key);
        if (!simple_key(key, len)) {
            w->complex_key = true;
            return;
        }
        if (i++ || !inline_first)
            put_spaces(w, indent);
        put_scalar(w, key, len);
        put(w, ":", 1);
        put_value(w, item, indent, false);
    }
}

int dcs_yaml_write(struct dcs_strbuf *b, const json_t *doc, int indent, struct dcs_error *err)
{
    struct yw w = {b, false};
    size_t start = b->len;
    char *text;

    if (json_is_object(doc) ? !json_object_size(doc)
                            : !json_is_array(doc) || !json_array_size(doc)) {
        text = dcs_yaml_emit_libyaml(doc, err); /* "{}", "[]", a scalar */
    } else {
        put_collection(&w, doc, indent, false);
        if (!w.complex_key)
            return b->failed ? dcs_error_status(err, 500, NULL, "out of memory") : DCS_OK;
        b->len = start; /* libyaml's complex keys: the whole document from it */
        if (b->data)
            b->data[start] = '\0';
        text = dcs_yaml_emit_libyaml(doc, err);
    }
    if (!text)
        return DCS_ERR;
    for (const char *line = text, *end; *line; line = end) {
        end = strchr(line, '\n');
        end = end ? end + 1 : line + strlen(line);
        if (*line != '\n')
            put_spaces(&w, indent);
        put(&w, line, (size_t)(end - line));
    }
    free(text);
    return b->failed ? dcs_error_status(err, 500, NULL, "out of memory") : DCS_OK;
}

char *dcs_yaml_emit(const json_t *doc, struct dcs_error *err)
{
    struct dcs_strbuf b = {0};

    if (dcs_yaml_write(&b, doc, 0, err)) {
        dcs_strbuf_release(&b);
        return NULL;
    }
    return b.data ? b.data : strdup("");
}

/* ---- libyaml's emitter ------------------------------------------------ */

static int emit_scalar(yaml_emitter_t *em, const char *text, bool plain)
{
    yaml_event_t ev;

    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text),
                                 plain, !plain,
                                 plain ? YAML_PLAIN_SCALAR_STYLE
                                       : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
    return yaml_emitter_emit(em, &ev);
}

static int emit_value(yaml_emitter_t *em, const json_t *v)
{
    yaml_event_t ev;
    const char *key;
    const json_t *item;
    size_t i;
    char num[64];

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
        if (!yaml_emitter_emit(em, &ev))
            return 0;
        json_object_foreach((json_t *)v, key, item)
            if (!emit_scalar(em, key, plain_safe(key)) || !emit_value(em, item))
                return 0;
        yaml_mapping_end_event_initialize(&ev);
        return yaml_emitter_emit(em, &ev);
    case JSON_ARRAY:
        yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
        if (!yaml_emitter_emit(em, &ev))
            return 0;
        json_array_foreach(v, i, item)
            if (!emit_value(em, item))
                return 0;
        yaml_sequence_end_event_initialize(&ev);
        return yaml_emitter_emit(em, &ev);
    case JSON_STRING:
        return emit_scalar(em, json_string_value(v), plain_safe(json_string_value(v)));
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        return emit_scalar(em, num, true);
    case JSON_REAL:
        snprintf(num, sizeof(num), "%.17g", json_real_value(v));
        return emit_scalar(em, num, true);
    case JSON_TRUE:
        return emit_scalar(em, "true", true);
    case JSON_FALSE:
        return emit_scalar(em, "false", true);
    default:
        return emit_scalar(em, "null", true);
    }
}

char *dcs_yaml_emit_libyaml(const json_t *doc, struct dcs_error *err)
{
    yaml_emitter_t em;
    yaml_event_t ev;
    struct dcs_strbuf b = {0};
    bool ok;

    if (!yaml_emitter_initialize(&em)) {
        dcs_error_set(err, NULL, "cannot initialise the YAML emitter");
        return NULL;
    }
    yaml_emitter_set_output(&em, write_handler, &b);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, -1);
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    ok = yaml_emitter_emit(&em, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    ok = ok && yaml_emitter_emit(&em, &ev) && emit_value(&em, doc);
    yaml_document_end_event_initialize(&ev, 1);
    ok = ok && yaml_emitter_emit(&em, &ev);
    yaml_stream_end_event_initialize(&ev);
    ok = ok && yaml_emitter_emit(&em, &ev) && yaml_emitter_flush(&em);
    if (!ok) {
        dcs_error_set(err, NULL, "cannot write YAML: %s",
                      em.problem ? em.problem : "out of memory");
        dcs_strbuf_release(&b);
    }
    yaml_emitter_delete(&em);
    return b.data;
}
