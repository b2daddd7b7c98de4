/*
 * interp.h - `${VAR}` / `$VAR` / `$$` interpolation, as the docker-cloud CLI
 * applied it to stackfiles before sending them.
 *
 * Every string value (not keys) inside `doc` is rewritten in place from
 * `env`, a JSON object of name -> string (the caller's environment: the
 * library never reads the process environment itself; a non-string value
 * is used as its compact JSON text).  A variable that is not in `env`
 * becomes "" and a warning {service, field, class, message} is appended to
 * `warnings` (a JSON array, may be NULL), e.g.
 *   {"service": "web", "field": "environment.DB", "class": "input",
 *    "message": "DB_HOST is not set in the environment; it is interpolated
 *    as \"\""}
 * `field` is `path` joined with the location inside doc; a name gets one
 * warning per service, however often it is used (the CLI warned once).
 *
 * The grammar is Python's string.Template, which the CLI used: `$$` is a
 * literal `$`; `$NAME` and `${NAME}` with NAME [_A-Za-z][_A-Za-z0-9]* (the
 * longest such run after a bare `$`).  Any other `$` is malformed -- `${`,
 * `${}`, `${A B}`, `$5`, a trailing `$`, and compose's later `${A:-x}` --
 * and is an error: err->path is path.location (e.g. "environment.DB"; the
 * service name is not in it: the caller adds it), err->text quotes the
 * value.
 *
 * `service` and `path` name the location for messages (either may be NULL
 * or "").  Returns DCS_OK / DCS_ERR.  Borrowed: doc, env, warnings.
 */
#ifndef DCS_INTERP_H
#define DCS_INTERP_H

#include <jansson.h>

#include "util/error.h"

int dcs_interpolate(json_t *doc, const json_t *env, const char *service,
                    const char *path, json_t *warnings, struct dcs_error *err);

/* Interpolate one string: a new malloc'd string or NULL (err set).  Missing
 * variable names are appended (as JSON strings) to `missing` when non-NULL. */
char *dcs_interpolate_string(const char *s, const json_t *env, json_t *missing,
                             struct dcs_error *err);

#endif
