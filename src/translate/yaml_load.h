/*
 * yaml_load.h - YAML text to a jansson value, via libyaml.
 *
 * The subset of YAML 1.1 that stackfiles use: block and flow collections,
 * anchors and aliases, merge keys (`<<: *base`), CRLF line ends, comments.
 * Plain scalars are resolved as PyYAML resolves them for the types
 * stackfiles need (null, bool incl. yes/no/on/off, int, float); everything
 * else, and every quoted or block scalar, is a string.  Base-60 numbers
 * (`22:22`) stay strings: in a port list the user meant the string.
 *
 * PyYAML's rules, which the docker-cloud CLI used, exactly:
 *   null   ~ null Null NULL and the empty plain scalar
 *   bool   yes/no/true/false/on/off as lower, Title or UPPER case
 *   int    [-+] then 0, [1-9][0-9_]*, 0[0-7_]+ (octal), 0x[0-9a-fA-F_]+,
 *          0b[01_]+; beyond 64 bits is an error.  `0o17` is a string.
 *   float  [-+]?[0-9][0-9_]*.[0-9_]*([eE][-+][0-9]+)? and .5 forms; the
 *          exponent needs its sign (`1e5` is a string).  .inf and .nan are
 *          errors: JSON cannot hold them.
 * Explicit tags !!str !!int !!float !!bool !!null !!map !!seq are honoured,
 * `!` resolves as if plain (PyYAML does so even when quoted); any other tag
 * is an error.  Mapping keys become strings; an integer or boolean key
 * becomes its JSON text (`80:` -> "80", `yes:` -> "true", as PyYAML +
 * json.dumps did), a float key keeps its text; a null, list or mapping key
 * is an error.  Merge keys follow PyYAML: `<<: [*a, *b]` takes a's value over b's,
 * and the mapping's own keys win over both.  An alias yields a copy of the
 * anchored node, never a shared reference.
 *
 * Errors (syntax, duplicate mapping keys, invalid UTF-8 or control
 * characters, bad keys, more than one document, unknown or self-containing
 * alias, unsupported tag, and the limits: nesting deeper than lim->depth,
 * aliases that would copy more than lim->alias_nodes values or more text
 * than lim->input_bytes allows, a scalar longer than lim->string_bytes)
 * fill err with status 400 and the
 * 1-based line and column; err->path is the key path of the offending node
 * when the error is about its content (`web.autorestart` for a duplicate
 * key), "" for syntax errors.  An empty document (or only comments) is
 * JSON null.
 *
 * Ownership: the result is a new reference owned by the caller.
 */
#ifndef DCS_YAML_LOAD_H
#define DCS_YAML_LOAD_H

#include <jansson.h>
#include <stddef.h>

#include "util/error.h"
#include "translate/translate.h"

/* lim: NULL for dcs_input_limits_default (input_bytes, string_bytes, depth,
 * alias_nodes apply; aliases may copy at most input_bytes - len bytes of
 * text). */
json_t *dcs_yaml_load(const char *text, size_t len, const struct dcs_input_limits *lim,
                      struct dcs_error *err);

/*
 * Called with each top-level key (key_len bytes: a YAML key may hold a NUL),
 * the line it starts on (from 0) and its value (a new reference, owned by
 * fn), in document order.  A non-zero return ends the load with that
 * result; err is as fn left it.
 */
typedef int (*dcs_yaml_entry_fn)(const char *key, size_t key_len, size_t line,
                                 json_t *value_new, void *ctx);

/*
 * dcs_yaml_load one top-level entry at a time, so that a large stackfile is
 * never held whole: each entry of the top-level mapping goes to fn as soon
 * as it is complete.  The rules and errors are those of dcs_yaml_load
 * (anchors reach across entries; a duplicate top-level key is an error
 * where it stands); an error stops the load, so fn may have seen the
 * entries before it.
 *
 * fn(NULL, 0, document, ctx) is called instead, once, when the document is not
 * a mapping (null when empty), and when the top-level mapping has a merge
 * key: the merged keys come first, so the entries passed before it are
 * void and the caller starts over with the whole document.
 */
int dcs_yaml_load_each(const char *text, size_t len, const struct dcs_input_limits *lim,
                       dcs_yaml_entry_fn fn, void *ctx, struct dcs_error *err);

#endif
