/*
 * yaml_emit.h - a JSON value as block-style YAML text, via libyaml's
 * emitter.  Object keys keep their order; strings that YAML would read as
 * something else (numbers, booleans, null, "80:80") are double-quoted.
 * Returns a malloc'd NUL-terminated string, or NULL with err set.
 */
#ifndef DCS_YAML_EMIT_H
#define DCS_YAML_EMIT_H

#include <jansson.h>

#include "util/error.h"

char *dcs_yaml_emit(const json_t *doc, struct dcs_error *err);

#endif
