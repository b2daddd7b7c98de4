/* The engine's event stream decoder (swarm/events_decode.c): JSON values
 * one after the other, cut anywhere, each read as the event hub reads it. */
#include <jansson.h>

#include "fuzz.h"
#include "http/streams.h"
#include "swarm/stream.h"

/* Each value as the event hub reads it first. */
static int count(json_t *v, void *ctx)
{
    const json_t *actor = json_object_get(json_object_get(v, "Actor"), "Attributes");

    dcs_event_action(json_string_value(json_object_get(v, "Type")),
                     json_string_value(json_object_get(v, "Action")));
    dcs_event_node_state(actor);
    ++*(size_t *)ctx;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dcs_jsonsplit s;
    struct dcs_error err = {0};
    size_t n = 0, cut = size ? data[0] % (size + 1) : 0;

    dcs_jsonsplit_init(&s, count, &n);
    if (!dcs_jsonsplit_feed(&s, data, cut, &err) &&
        !dcs_jsonsplit_feed(&s, data + cut, size - cut, &err))
        dcs_jsonsplit_finish(&s, &err);
    dcs_jsonsplit_release(&s);
    return 0;
}
