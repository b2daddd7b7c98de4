/*
 * yaml_load.h - YAML text to a jansson value, via libyaml.
 *
 * The subset of YAML 1.1 that stackfiles use: block and flow collections,
 * anchors and aliases, merge keys (`<<: *base`), CRLF line ends, comments.
 * Plain scalars are resolved as PyYAML resolves them for the types
 * stackfiles need (null, bool incl. yes/no/on/off, int, float); everything
 * else, and every quoted scalar, is a string.  Base-60 numbers (`22:22`)
 * stay strings: in a port list the user meant the string.
 *
 * Errors (syntax, duplicate mapping keys, invalid UTF-8, non-string keys,
 * more than one document, unknown alias) fill err with line and column
 * (1-based) and status 400.
 *
 * Ownership: the result is a new reference owned by the caller.
 */
#ifndef DCS_YAML_LOAD_H
#define DCS_YAML_LOAD_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"

json_t *dcs_yaml_load(const char *text, size_t len, struct dcs_error *err);

#endif
