/*
 * syntax.h - the short syntaxes of Docker Cloud stackfiles and API values,
 * each parsed into its canonical API form.  Pure functions; table-tested in
 * tests/unit/test_syntax.c.
 *
 * Ownership: functions returning json_t * or char * return new references /
 * malloc'd strings (NULL with err set on bad input).
 */
#ifndef DCS_SYNTAX_H
#define DCS_SYNTAX_H

#include <jansson.h>
#include <stdbool.h>

#include "util/error.h"

/* "80", 80, "8080:80", "53/udp", "4500:4500/udp" -> {"protocol", "inner_port",
 * "outer_port" (int or null), "published"}.  `published` says whether the
 * spec came from `ports` (true) or `expose` (false); an outer port in an
 * `expose` entry is an error. */
json_t *dcs_parse_port(const json_t *spec, bool published, struct dcs_error *err);

/* "/data", "/host:/data", "/host:/data:ro", "/host:/data:rw" -> binding
 * {"host_path", "container_path", "rewritable", "volumes_from": null}. */
json_t *dcs_parse_volume(const char *spec, struct dcs_error *err);

/* "db", "db.stack", "db:ro" -> {"host_path": null, "container_path": null,
 * "rewritable", "volumes_from": "db"|"db.stack"}. */
json_t *dcs_parse_volumes_from(const char *spec, struct dcs_error *err);

/* "db", "db:alias", "db.stack:alias" -> {"to_service": "db"|"db.stack",
 * "name": alias (defaults to the service name)}. */
json_t *dcs_parse_link(const char *spec, struct dcs_error *err);

/* Memory as docker accepts it: a number of bytes (integer), or a string
 * with an optional b/k/m/g suffix (case-insensitive, optional trailing b):
 * "512m", "1g", "100000m", "1.5g".  Result in bytes. */
int dcs_parse_memory(const json_t *spec, long long *bytes, struct dcs_error *err);

/* Image reference helpers.  dcs_image_has_tag: the last path component
 * carries ":tag" or the reference has "@digest". */
bool dcs_image_has_tag(const char *image);
/* "tutum/hello-world" -> "tutum/hello-world:latest" (tagged ones unchanged). */
char *dcs_image_with_tag(const char *image);
/* "registry:5000/tutum/hello-world:latest" -> "hello-world": the Docker
 * Cloud default service name (characters a service name cannot hold become
 * '-'). */
char *dcs_image_default_name(const char *image);

/* Capabilities as docker/cli normalises them (opts.EffectiveCapAddCapDrop):
 * upper-case, "CAP_" prefix added, "ALL" kept bare and trumping the rest of
 * its list, RESET dropped, add wins over drop.  New arrays in *add/ *drop. */
int dcs_caps_normalize(const json_t *cap_add, const json_t *cap_drop,
                       json_t **add, json_t **drop, struct dcs_error *err);
/* What dcs_caps_normalize refuses: a capability that is not a string. */
int dcs_caps_check(const json_t *cap_add, const json_t *cap_drop, struct dcs_error *err);

/* Is `s` a literal IPv4 or IPv6 address? */
bool dcs_is_ip(const char *s);

/* Parse a uint from a JSON integer or a numeric string; false if neither. */
bool dcs_json_uint(const json_t *v, long long *out);

#endif
