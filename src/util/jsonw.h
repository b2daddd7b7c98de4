/*
 * jsonw.h - a fast JSON writer with jansson's exact output format.
 *
 * dcswarm writes large JSON (a 10,000-service stack is ~90 MB of specs);
 * jansson's dumper escapes one character at a time through a callback.
 * This writer produces the same bytes as json_dumps() with JSON_SORT_KEYS
 * and either JSON_COMPACT or JSON_INDENT(2) (escapes \" \\ \b \f \n \r \t
 * and \u00XX, other UTF-8 as is, reals as %.17g with ".0" added), into a
 * growable buffer.
 *
 * It also reads its own compact output back, faster than json_loadb: a
 * large stack keeps each service as text between loading and translating.
 *
 * Ownership: the buffer owns its bytes; dcs_strbuf_release frees them.
 */
#ifndef DCS_JSONW_H
#define DCS_JSONW_H

#include <jansson.h>
#include <stddef.h>

#include "util/strbuf.h"


/* Is s[0..n) valid UTF-8 by jansson's rules (what json_stringn accepts)?
 * Faster than letting jansson check: ASCII runs are tested a word at a
 * time.  Then json_stringn_nocheck builds the string. */
int dcs_utf8_valid(const char *s, size_t n);
/* Cut off an incomplete UTF-8 sequence that truncation (snprintf into a
 * fixed buffer) left at the end of s, so that a message stays valid
 * UTF-8 for a JSON answer. */
void dcs_utf8_trim(char *s);
/* The value of hex digit c, or -1. */
int dcs_hex_digit(char c);
/* Append string s to array list unless it holds it already (NULL: no-op). */
void dcs_json_add_unique(json_t *list, const char *s);

/* Append v.  indent 0: compact; 2: JSON_INDENT(2), every line after the
 * first shifted right by `base` spaces (v sits that deep in a document). */
void dcs_json_write(struct dcs_strbuf *b, const json_t *v, int indent, int base);

/* A member of an object: its value, or (text not NULL) that value written
 * already, as dcs_json_write writes a member's value at depth 1 (the
 * member of an object written at depth 0). */
struct dcs_json_member {
    const char *key;
    const json_t *value;
    const char *text;
    size_t len;
};

/* The object of members m[0..n) (each key once) as dcs_json_write writes
 * an object, keys in order: m is sorted in place. */
void dcs_json_write_members(struct dcs_strbuf *b, struct dcs_json_member *m, size_t n,
                            int indent, int base);

/* The line break and indentation dcs_json_write puts before a line at
 * `depth` (nothing when compact, indent 0). */
void dcs_json_newline(struct dcs_strbuf *b, int indent, int depth, int base);

/* Append s[0..n) as a JSON string, quoted and escaped as dcs_json_write
 * writes strings (s must be valid UTF-8). */
void dcs_json_write_string(struct dcs_strbuf *b, const char *s, size_t n);

/* How many of the first bytes of s[0..n) a JSON string holds as they are:
 * those before the first quote, backslash or control character. */
size_t dcs_json_plain_prefix(const char *s, size_t n);

/* v compact with sorted keys, as a malloc'd string (NULL on failure). */
char *dcs_json_compact(const json_t *v);

/* json_dumps, as a string free() frees whatever allocator jansson was
 * given (json_set_alloc_funcs): jansson's own must be freed by its own. */
char *dcs_json_dumps(const json_t *v, size_t flags);

/* Parse JSON text that this writer produced (no whitespace between tokens)
 * into a new value, objects keeping the text's key order; NULL on failure.
 * It is not a general JSON parser: strings are taken as valid UTF-8. */
json_t *dcs_json_read_compact(const char *text, size_t len);

/* The members `keys` (NULL-terminated) of the object in such a text, as a
 * new object; the other members are stepped over, not built. */
json_t *dcs_json_read_compact_keys(const char *text, size_t len,
                                   const char *const *keys);

#endif
