/*
 * yaml_emit.h - a JSON value as block-style YAML text, byte for byte as
 * libyaml's emitter writes it (unicode on, no line width).  Object keys keep
 * their order; strings that YAML would read as something else (numbers,
 * booleans, null, "80:80") are double-quoted.
 *
 * Written directly: libyaml's emitter, one event at a time, was a third of
 * `translate -o compose`.  It stays the reference (dcs_yaml_emit_libyaml):
 * tests/unit/test_yaml_emit.c compares the two on every kind of value, and
 * a document with a key libyaml would write in its complex form ("? key",
 * for keys over 128 bytes or with a line break) is handed to it whole.
 */
#ifndef DCS_YAML_EMIT_H
#define DCS_YAML_EMIT_H

#include <jansson.h>

#include "util/error.h"
#include "util/strbuf.h"

/* A malloc'd NUL-terminated string, or NULL with err set. */
char *dcs_yaml_emit(const json_t *doc, struct dcs_error *err);

/* doc (an object or array) appended to b, every line indented by `indent`
 * more spaces; DCS_OK, or DCS_ERR with err set. */
int dcs_yaml_write(struct dcs_strbuf *b, const json_t *doc, int indent, struct dcs_error *err);

/* dcs_yaml_emit through libyaml's emitter. */
char *dcs_yaml_emit_libyaml(const json_t *doc, struct dcs_error *err);

#endif
