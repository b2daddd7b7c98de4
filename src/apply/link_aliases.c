/* link_aliases.c - a service's network aliases from its stack and from REST links. */
#include "apply/link_aliases.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "swarm/swarm.h"
#include "translate/translate.h"
#include "util/jsonw.h"

static bool has(const json_t *list, const char *s)
{
    const json_t *v;
    size_t i;

    json_array_foreach(list, i, v)
        if (json_string_value(v) && !strcmp(json_string_value(v), s))
            return true;
    return false;
}

/* A label holding a JSON array, parsed (new), or an empty array. */
static json_t *array_label(const json_t *spec, const char *key)
{
    const char *text = dcs_label(spec, key);
    json_t *v = text ? json_loads(text, 0, NULL) : NULL;

    if (json_is_array(v))
        return v;
    json_decref(v);
    return json_array();
}

json_t *dcs_own_attachment(const json_t *spec)
{
    json_t *n;
    size_t i;

    json_array_foreach(json_object_get(json_object_get(spec, "TaskTemplate"), "Networks"), i,
                       n) {
        const char *target = json_string_value(json_object_get(n, "Target"));
        if (target && strcmp(target, "host"))
            return n;
    }
    return NULL;
}

json_t *dcs_linked_from_names(const json_t *spec)
{
    json_t *from = array_label(spec, DCS_LABEL_LINKED_FROM), *names = json_array(), *f;
    size_t i;

    json_array_foreach(from, i, f)
        dcs_json_add_unique(names, json_string_value(json_object_get(f, "name")));
    json_decref(from);
    return names;
}

json_t *dcs_base_aliases(const json_t *spec, const char *name)
{
    json_t *base = json_array(), *rest, *a;
    size_t i;

    if (dcs_label(spec, DCS_LABEL_STACK_ALIASES)) {
        json_decref(base);
        return array_label(spec, DCS_LABEL_STACK_ALIASES);
    }
    if (name && *name)
        dcs_json_add_unique(base, name);
    if (!dcs_label(spec, DCS_LABEL_STACK))
        return base;
    /* Applied before the label: what REST links did not add. */
    rest = dcs_linked_from_names(spec);
    json_array_foreach(json_object_get(dcs_own_attachment(spec), "Aliases"), i, a)
        if (!has(rest, json_string_value(a)))
            dcs_json_add_unique(base, json_string_value(a));
    json_decref(rest);
    return base;
}

void dcs_keep_rest_links(json_t *want, const json_t *have)
{
    json_t *own = dcs_own_attachment(want), *labels = json_object_get(want, "Labels");
    json_t *aliases = json_object_get(own, "Aliases"), *names, *n;
    const char *from = dcs_label(have, DCS_LABEL_LINKED_FROM);
    size_t i;
    char *text;

    if (!own || !labels)
        return;
    /* Kept once already (a plan re-applied to a service re-read): start
     * again from the stack's own aliases. */
    if (dcs_label(want, DCS_LABEL_STACK_ALIASES)) {
        aliases = array_label(want, DCS_LABEL_STACK_ALIASES);
        json_object_set_new(own, "Aliases", aliases);
        json_object_del(labels, DCS_LABEL_LINKED_FROM);
    }
    text = aliases ? json_dumps(aliases, JSON_COMPACT) : strdup("[]");
    if (text)
        json_object_set_new(labels, DCS_LABEL_STACK_ALIASES, json_string(text));
    free(text);
    if (from) {
        json_object_set_new(labels, DCS_LABEL_LINKED_FROM, json_string(from));
        if (!aliases) {
            aliases = json_array();
            json_object_set_new(own, "Aliases", aliases);
        }
        names = dcs_linked_from_names(have);
        json_array_foreach(names, i, n)
            dcs_json_add_unique(aliases, json_string_value(n));
        json_decref(names);
    }
    /* The engine drops an empty list: so must the spec compared with it. */
    if (aliases && !json_array_size(aliases))
        json_object_del(own, "Aliases");
}
