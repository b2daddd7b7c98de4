/*
 * shellwords.c - POSIX shell word splitting and its inverse.
 */
#include "translate/shellwords.h"

#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"

struct word {
    struct dcs_strbuf text;
    int started; /* a word exists even when empty: '' or "" */
    json_t *argv; /* where words go; NULL: only checked (dcs_shell_check) */
    size_t words; /* words ended */
};

static int word_add(struct word *w, char c)
{
    w->started = 1;
    return dcs_strbuf_append(&w->text, &c, 1);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

/* Characters are counted from 1, as an editor shows them. */
static size_t char_position(const char *s, size_t offset)
{
    size_t i, n = 0;

    for (i = 0; i <= offset; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

/* Close the current word, if any, into w->argv. */
static int word_end(struct word *w, struct dcs_error *err)
{
    const char *data = w->text.data ? w->text.data : "";
    json_t *word = NULL;

    if (!w->started)
        return DCS_OK;
    /* Quote removal takes out ASCII only, so a word of valid UTF-8 input is
     * valid UTF-8; jansson refuses anything else (as dcs_utf8_valid does). */
    if (w->argv ? !(word = json_stringn(data, w->text.len)) : !dcs_utf8_valid(data, w->text.len))
        return dcs_error_set(err, NULL, "invalid UTF-8 in word %zu", w->words + 1);
    if (word && json_array_append_new(w->argv, word))
        return dcs_error_status(err, 500, NULL, "out of memory");
    w->words++;
    dcs_strbuf_clear(&w->text);
    w->started = 0;
    return DCS_OK;
}

/* Inside "...": a backslash only escapes $ ` " \ and newline (XCU 2.2.3). */
static int double_quoted(const char *s, size_t *i, struct word *w,
                         struct dcs_error *err)
{
    size_t open = *i;

    w->started = 1;
    for (++*i; s[*i] != '"'; ++*i) {
        char c = s[*i];
        if (c == '\0')
            return dcs_error_set(err, NULL,
                                 "unterminated double quote (opened at "
                                 "character %zu)",
                                 char_position(s, open));
        if (c == '\\' && s[*i + 1] == '\n') {
            ++*i;
            continue;
        }
        if (c == '\\' && s[*i + 1] && strchr("$`\"\\", s[*i + 1]))
            c = s[++*i];
        if (word_add(w, c))
            return dcs_error_status(err, 500, NULL, "out of memory");
    }
    return DCS_OK;
}

static int single_quoted(const char *s, size_t *i, struct word *w,
                         struct dcs_error *err)
{
    size_t open = *i;

    w->started = 1;
    for (++*i; s[*i] != '\''; ++*i) {
        if (s[*i] == '\0')
            return dcs_error_set(err, NULL,
                                 "unterminated single quote (opened at "
                                 "character %zu)",
                                 char_position(s, open));
        if (word_add(w, s[*i]))
            return dcs_error_status(err, 500, NULL, "out of memory");
    }
    return DCS_OK;
}

/* One character outside quotes at s[*i]; *i is left on the last one used. */
static int unquoted(const char *s, size_t *i, struct word *w, struct dcs_error *err)
{
    char c = s[*i];

    if (is_blank(c))
        return word_end(w, err);
    if (c == '\'')
        return single_quoted(s, i, w, err);
    if (c == '"')
        return double_quoted(s, i, w, err);
    if (c == '\\') {
        if (s[*i + 1] == '\0')
            return dcs_error_set(err, NULL,
                                 "trailing backslash (at character %zu) escapes "
                                 "nothing",
                                 char_position(s, *i));
        c = s[++*i];
        if (c == '\n')
            return DCS_OK; /* line continuation: removed */
    }
    return word_add(w, c) ? dcs_error_status(err, 500, NULL, "out of memory")
                          : DCS_OK;
}

/* Every word of s into w->argv (when there is one). */
static int split(const char *s, struct word *w, struct dcs_error *err)
{
    int rc = DCS_OK;

    if (!s)
        s = "";
    for (size_t i = 0; !rc && s[i]; i++)
        rc = unquoted(s, &i, w, err);
    if (!rc)
        rc = word_end(w, err);
    dcs_strbuf_release(&w->text);
    return rc;
}

json_t *dcs_shell_split(const char *s, struct dcs_error *err)
{
    struct word w = {.argv = json_array()};

    if (!w.argv) {
        dcs_error_status(err, 500, NULL, "out of memory");
        return NULL;
    }
    if (split(s, &w, err)) {
        json_decref(w.argv);
        return NULL;
    }
    return w.argv;
}

int dcs_shell_check(const char *s, struct dcs_error *err)
{
    struct word w = {0};

    return split(s, &w, err);
}

/* ---- join ------------------------------------------------------------ */

/* Characters that never need quoting (those Python's shlex.quote leaves). */
static int is_safe(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c && strchr("@%+=:,./-_", c));
}

static int needs_quotes(const char *s, size_t n)
{
    size_t i;

    if (n == 0)
        return 1;
    for (i = 0; i < n; i++)
        if (!is_safe(s[i]))
            return 1;
    return 0;
}

/* Bytes that word s[0..n) takes when quoted for the shell. */
static size_t quoted_size(const char *s, size_t n)
{
    size_t i, size = n;

    if (!needs_quotes(s, n))
        return size;
    size += 2;
    for (i = 0; i < n; i++)
        if (s[i] == '\'')
            size += 3; /* ' becomes '\'' */
    return size;
}

static char *put_word(char *p, const char *s, size_t n)
{
    size_t i;

    if (!needs_quotes(s, n)) {
        memcpy(p, s, n);
        return p + n;
    }
    *p++ = '\'';
    for (i = 0; i < n; i++) {
        if (s[i] == '\'') {
            memcpy(p, "'\\''", 4);
            p += 4;
        } else {
            *p++ = s[i];
        }
    }
    *p++ = '\'';
    return p;
}

char *dcs_shell_join(const json_t *argv)
{
    size_t i, size = 1;
    const json_t *v;
    char *out, *p;

    if (!json_is_array(argv))
        return NULL;
    json_array_foreach(argv, i, v) {
        const char *s = json_string_value(v);
        /* A NUL inside a word cannot be passed in an argv at all. */
        if (!s || strlen(s) != json_string_length(v))
            return NULL;
        size += quoted_size(s, json_string_length(v)) + 1;
    }
    out = malloc(size);
    if (!out)
        return NULL;
    p = out;
    json_array_foreach(argv, i, v) {
        if (i > 0)
            *p++ = ' ';
        p = put_word(p, json_string_value(v), json_string_length(v));
    }
    *p = '\0';
    return out;
}
