/* What the translate targets do with what they loaded: every output. */
#ifndef DCS_FUZZ_TRANSLATE_H
#define DCS_FUZZ_TRANSLATE_H

#include <stdlib.h>

#include "translate/translate.h"

/* Load text as opts say, then make the specs, the compose file and the
 * Docker Cloud objects of what loaded: each refusal is an error, never a
 * crash, and what loads translates. */
static inline void fuzz_translate(const char *text, size_t len,
                                  struct dcs_translate_opts *opts)
{
    struct dcs_error err = {0};
    json_t *env = json_pack("{s:s, s:s}", "TAG", "1.0", "HOME", "/root");
    json_t *warnings = json_array(), *entries, *fwd = NULL, *obj;
    const json_t *spec;
    size_t i;
    char *yaml;

    opts->env = env;
    entries = dcs_load_services(text, len, opts, warnings, &err);
    if (entries)
        fwd = dcs_forward(entries, opts, NULL, warnings, &err);
    if (fwd) {
        yaml = dcs_compose_yaml(fwd, opts->stack, &err);
        free(yaml);
        json_array_foreach(json_object_get(fwd, "services"), i, spec) {
            struct dcs_reverse_ctx rc = {"/api/app/v1/", "fuzz", NULL, NULL, NULL, NULL};
            json_t *svc = json_pack("{s:O}", "Spec", spec);
            obj = dcs_reverse(svc, &rc, &err);
            json_decref(obj);
            json_decref(svc);
        }
    }
    json_decref(fwd);
    json_decref(entries);
    json_decref(warnings);
    json_decref(env);
}

#endif
