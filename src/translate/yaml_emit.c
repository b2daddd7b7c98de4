#include "translate/yaml_emit.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "util/error.h"
#include "util/strbuf.h"

/* libyaml's emitter writes through this: into a dcs_strbuf. */
static int write_handler(void *data, unsigned char *buffer, size_t size)
{
    return dcs_strbuf_append(data, buffer, size) == DCS_OK;
}

/* Could a YAML 1.1 reader take this plain scalar for anything but text? */
static bool plain_safe(const char *s)
{
    static const char *const words[] = {"y", "n", "yes", "no", "true", "false",
                                        "on", "off", "null", "~", NULL};

    if (!*s || !(isalpha((unsigned char)*s) || *s == '/' || *s == '_'))
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_./@-=", *p))
            return false;
    for (const char *const *w = words; *w; w++)
        if (!strcasecmp(s, *w))
            return false;
    return true;
}

static int emit_scalar(yaml_emitter_t *em, const char *text, bool plain)
{
    yaml_event_t ev;

    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text),
                                 plain, !plain,
                                 plain ? YAML_PLAIN_SCALAR_STYLE
                                       : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
    return yaml_emitter_emit(em, &ev);
}

static int emit_value(yaml_emitter_t *em, const json_t *v)
{
    yaml_event_t ev;
    const char *key;
    const json_t *item;
    size_t i;
    char num[64];

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
        if (!yaml_emitter_emit(em, &ev))
            return 0;
        json_object_foreach((json_t *)v, key, item)
            if (!emit_scalar(em, key, plain_safe(key)) || !emit_value(em, item))
                return 0;
        yaml_mapping_end_event_initialize(&ev);
        return yaml_emitter_emit(em, &ev);
    case JSON_ARRAY:
        yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
        if (!yaml_emitter_emit(em, &ev))
            return 0;
        json_array_foreach(v, i, item)
            if (!emit_value(em, item))
                return 0;
        yaml_sequence_end_event_initialize(&ev);
        return yaml_emitter_emit(em, &ev);
    case JSON_STRING:
        return emit_scalar(em, json_string_value(v), plain_safe(json_string_value(v)));
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        return emit_scalar(em, num, true);
    case JSON_REAL:
        snprintf(num, sizeof(num), "%.17g", json_real_value(v));
        return emit_scalar(em, num, true);
    case JSON_TRUE:
        return emit_scalar(em, "true", true);
    case JSON_FALSE:
        return emit_scalar(em, "false", true);
    default:
        return emit_scalar(em, "null", true);
    }
}

char *dcs_yaml_emit(const json_t *doc, struct dcs_error *err)
{
    yaml_emitter_t em;
    yaml_event_t ev;
    struct dcs_strbuf b = {0};
    bool ok;

    if (!yaml_emitter_initialize(&em)) {
        dcs_error_set(err, NULL, "cannot initialise the YAML emitter");
        return NULL;
    }
    yaml_emitter_set_output(&em, write_handler, &b);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, -1);
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    ok = yaml_emitter_emit(&em, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    ok = ok && yaml_emitter_emit(&em, &ev) && emit_value(&em, doc);
    yaml_document_end_event_initialize(&ev, 1);
    ok = ok && yaml_emitter_emit(&em, &ev);
    yaml_stream_end_event_initialize(&ev);
    ok = ok && yaml_emitter_emit(&em, &ev) && yaml_emitter_flush(&em);
    if (!ok) {
        dcs_error_set(err, NULL, "cannot write YAML: %s",
                      em.problem ? em.problem : "out of memory");
        dcs_strbuf_release(&b);
    }
    yaml_emitter_delete(&em);
    return b.data;
}
