/* labels.c - a label of a swarm object: where dcswarm keeps what Docker
 * Cloud knew and swarm does not (DCS_LABEL_* in translate.h). */
#include "swarm/swarm.h"

const char *dcs_label(const json_t *obj, const char *key)
{
    const json_t *spec = json_object_get(obj, "Spec");
    return json_string_value(json_object_get(json_object_get(spec ? spec : obj, "Labels"), key));
}
