/* locate.c - the field at a position of a JSON or YAML text.
 *
 * jansson reports a duplicate key, an integer past 64 bits, a \u0000 or a
 * byte that is not UTF-8 by its position alone, and libyaml's reader an
 * invalid byte or a control character the same way: the user is owed the
 * field too ("web.environment[2]").  Found after the fact, on the error
 * path only: the JSON text is walked up to the byte the parser stopped
 * at; the YAML text is parsed again, its unreadable characters made
 * readable, up to the line and column of the error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/jsonw.h"
#include "translate/translate.h"

#define MAX_DEPTH 64 /* deeper than any Docker Cloud field: the path stops there */

struct step {
    bool in_map;      /* a mapping (object), else a sequence (array) */
    bool want_key;    /* mapping: the next scalar is a key */
    bool has_key;     /* mapping: key holds the current key */
    char key[64];     /* its first bytes */
    size_t key_len;
    size_t index;     /* sequence: the current item */
};

struct trail {
    struct step s[MAX_DEPTH];
    size_t depth, over; /* over: levels beyond MAX_DEPTH */
};

static void push(struct trail *t, bool in_map)
{
    if (t->depth == MAX_DEPTH) {
        t->over++;
        return;
    }
    t->s[t->depth++] = (struct step){in_map, in_map, false, "", 0, 0};
}

static void pop(struct trail *t)
{
    if (t->over)
        t->over--;
    else if (t->depth)
        t->depth--;
}

/* A value ended in the innermost collection. */
static void value_done(struct trail *t)
{
    struct step *s = t->depth && !t->over ? &t->s[t->depth - 1] : NULL;

    if (s && s->in_map)
        s->want_key = true;
    else if (s)
        s->index++;
}

static void set_key(struct trail *t, const char *key, size_t len)
{
    struct step *s = t->depth && !t->over ? &t->s[t->depth - 1] : NULL;

    if (!s)
        return;
    s->key_len = len < sizeof(s->key) ? len : sizeof(s->key);
    memcpy(s->key, key, s->key_len);
    s->has_key = true;
    s->want_key = false;
}

/* out cut at len bytes ends with a whole character: one cut short goes. */
static void cut_utf8(char *out, size_t len)
{
    size_t start = len;
    unsigned char c;

    while (start > 0 && ((unsigned char)out[start - 1] & 0xC0) == 0x80)
        start--;
    if (!start--)
        return;
    c = (unsigned char)out[start];
    if (len - start < (size_t)(c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4))
        out[start] = 0;
    else
        out[len] = 0;
}

/* "a.b[2].c"; a key that is not valid UTF-8 (or holds a NUL) is "?". */
static void trail_path(const struct trail *t, char *out, size_t size)
{
    size_t len = 0;
    int n;

    out[0] = 0;
    for (size_t i = 0; i < t->depth && len < size; i++) {
        const struct step *s = &t->s[i];
        if (!s->in_map)
            n = snprintf(out + len, size - len, "[%zu]", s->index);
        else if (!s->has_key)
            break;
        else if (dcs_utf8_valid(s->key, s->key_len) && !memchr(s->key, 0, s->key_len))
            n = snprintf(out + len, size - len, "%s%.*s", len ? "." : "", (int)s->key_len,
                         s->key);
        else
            n = snprintf(out + len, size - len, "%s?", len ? "." : "");
        /* snprintf says how long it would have been: past size, it was cut. */
        len += n > 0 ? (size_t)n : 0;
    }
    if (len >= size)
        cut_utf8(out, size - 1);
}

/* ---- JSON ---------------------------------------------------------- */

/* The end of the string whose opening quote is at i: past its closing
 * quote (*closed), or len. */
static size_t json_string_end(const char *text, size_t len, size_t i, bool *closed)
{
    for (i++; i < len && text[i] != '"'; i++)
        if (text[i] == '\\')
            i++;
    *closed = i < len;
    return i < len ? i + 1 : len;
}

void dcs_json_path_at(const char *text, size_t len, size_t offset, char *out, size_t size)
{
    struct trail t = {0};
    size_t i = 0, end;
    bool closed;

    if (offset > len)
        offset = len;
    while (i < offset) {
        char c = text[i];
        struct step *top = t.depth && !t.over ? &t.s[t.depth - 1] : NULL;
        if (c == '{' || c == '[') {
            push(&t, c == '{');
        } else if (c == '}' || c == ']') {
            pop(&t); /* the comma after it moves on */
        } else if (c == ',') {
            value_done(&t);
            if (top && top->in_map)
                top->has_key = false;
        } else if (c == '"') {
            end = json_string_end(text, len, i, &closed);
            if (top && top->in_map && top->want_key)
                set_key(&t, text + i + 1, end - i - 1 - closed);
            i = end;
            continue;
        }
        i++;
    }
    trail_path(&t, out, size);
}

/* jansson's words for what it refuses, in ours: `ours` takes the token
 * jansson names (" near '<token>'"), or the byte it could not decode. */
static void json_refusal(const json_error_t *je, char *out, size_t size)
{
    static const struct { const char *theirs, *ours; bool token; } words[] = {
        {"too big integer", "integer out of range (more than 64 bits): %.*s", true},
        {"too big negative integer", "integer out of range (more than 64 bits)%.*s", false},
        {"real number overflow", "number out of range: %.*s", true},
        {"\\u0000 is not allowed", "a NUL character (\\u0000) cannot be in a value%.*s", false},
        {"duplicate object key", "duplicate key %.*s", true},
        {"unable to decode byte", "invalid UTF-8: byte %.*s cannot be read", true},
        {"maximum parsing depth reached", "nested too deeply (more than 2048 levels)%.*s", false},
    };
    const char *tok, *end;
    int n;

    for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++) {
        if (strncmp(je->text, words[i].theirs, strlen(words[i].theirs)))
            continue;
        tok = je->text + strlen(words[i].theirs);
        if ((end = strstr(tok, " near '"))) { /* a byte comes before it */
            if (end == tok) {
                tok = end + 7;
                end = tok + strlen(tok) - (tok[0] && tok[strlen(tok) - 1] == '\'' ? 1 : 0);
            }
        } else {
            end = tok + strlen(tok);
        }
        while (tok < end && *tok == ' ')
            tok++;
        n = words[i].token ? (int)(end - tok) : 0;
        snprintf(out, size, words[i].ours, n, tok);
        return;
    }
    snprintf(out, size, "invalid JSON: %s", je->text);
}

json_t *dcs_json_parse(const char *text, size_t len, size_t flags, struct dcs_error *err)
{
    json_error_t je;
    json_t *doc = json_loadb(text, len, flags | JSON_REJECT_DUPLICATES, &je);
    char what[DCS_ERROR_TEXT_LEN], path[DCS_ERROR_PATH_LEN];

    if (doc || !err)
        return doc;
    json_refusal(&je, what, sizeof(what));
    /* jansson stops past the token it refuses: the field is the one of
     * its last byte. */
    dcs_json_path_at(text, len, je.position > 0 ? (size_t)je.position - 1 : 0, path,
                     sizeof(path));
    dcs_error_set(err, path[0] ? path : NULL, "%s", what);
    err->line = je.line;
    err->column = je.column;
    return NULL;
}

/* ---- YAML ---------------------------------------------------------- */

/* A character YAML allows in a stream (YAML 1.1 c-printable, as libyaml
 * checks it). */
static bool yaml_printable(unsigned long c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0x7E) || c == 0x85 ||
           (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

/* The length of the readable character at s (1-4), or 0. */
static size_t readable_char(const unsigned char *s, size_t n)
{
    size_t w = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
             : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    unsigned long c = w == 1 ? s[0] : w == 2 ? s[0] & 0x1F : w == 3 ? s[0] & 0x0F : s[0] & 0x07;

    if (!w || w > n)
        return 0;
    for (size_t k = 1; k < w; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[k] & 0x3F);
    }
    if ((w == 2 && c < 0x80) || (w == 3 && c < 0x800) || (w == 4 && c < 0x10000))
        return 0; /* overlong */
    return yaml_printable(c) ? w : 0;
}

/* A copy of text (*n bytes) in which every byte libyaml's reader would
 * refuse is U+FFFD, as a reader shows what it cannot read: lines and
 * structure stay where they were.  NULL when out of memory. */
static unsigned char *readable_copy(const char *text, size_t len, size_t *n)
{
    unsigned char *copy = malloc(len * 3 + 1);
    const unsigned char *in = (const unsigned char *)text;
    size_t i = 0, w;

    *n = 0;
    if (!copy)
        return NULL;
    while (i < len) {
        if ((w = readable_char(in + i, len - i))) {
            memcpy(copy + *n, in + i, w);
            *n += w;
            i += w;
        } else {
            memcpy(copy + *n, "\xef\xbf\xbd", 3);
            *n += 3;
            i++;
        }
    }
    return copy;
}

static bool mark_before(const yaml_mark_t *m, size_t line, size_t column)
{
    return m->line + 1 < line || (m->line + 1 == line && m->column + 1 <= column);
}

/* One event while the position is not passed; false to stop. */
static bool yaml_step(struct trail *t, const yaml_event_t *ev, size_t line, size_t column)
{
    struct step *top = t->depth && !t->over ? &t->s[t->depth - 1] : NULL;

    if (!mark_before(&ev->start_mark, line, column))
        return false;
    switch (ev->type) {
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
        push(t, ev->type == YAML_MAPPING_START_EVENT);
        return true;
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        pop(t);
        value_done(t);
        return true;
    case YAML_SCALAR_EVENT:
        if (top && top->in_map && top->want_key) {
            set_key(t, (const char *)ev->data.scalar.value, ev->data.scalar.length);
            return true;
        }
        /* The position is in this value: stop on it. */
        if (!mark_before(&ev->end_mark, line, column))
            return false;
        value_done(t);
        return true;
    case YAML_ALIAS_EVENT:
        value_done(t);
        return true;
    default:
        return true;
    }
}

void dcs_yaml_path_at(const char *text, size_t len, size_t line, size_t column, char *out,
                      size_t size)
{
    size_t n;
    unsigned char *copy = readable_copy(text, len, &n);
    struct trail t = {0};
    yaml_parser_t p;
    yaml_event_t ev;
    bool more = true;

    out[0] = 0;
    if (!copy || !yaml_parser_initialize(&p)) {
        free(copy);
        return;
    }
    yaml_parser_set_input_string(&p, copy, n);
    while (more && yaml_parser_parse(&p, &ev)) {
        more = ev.type != YAML_STREAM_END_EVENT && yaml_step(&t, &ev, line, column);
        yaml_event_delete(&ev);
    }
    trail_path(&t, out, size);
    yaml_parser_delete(&p);
    free(copy);
}
