/*
 * container_model.c - a swarm task as a Docker Cloud container: its state,
 * whether /container/ lists it, its number in its service.  One answer for
 * the container route, the events and the log streams, which name and
 * describe the same containers.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "http/model.h"

const char *dcs_container_state(const json_t *task)
{
    static const char *const starting[] = {"new", "pending", "assigned", "accepted",
                                           "preparing", "ready", "starting", NULL};
    const char *s = json_string_value(json_object_get(json_object_get(task, "Status"), "State"));
    const char *desired = json_string_value(json_object_get(task, "DesiredState"));
    bool wanted = desired && !strcmp(desired, "running");

    if (s && !strcmp(s, "running"))
        return wanted ? "Running" : "Stopping";
    for (const char *const *a = starting; s && *a; a++)
        if (!strcmp(s, *a))
            return wanted ? "Starting" : "Stopping";
    return "Stopped";
}

bool dcs_container_listed(const json_t *task)
{
    const char *desired = json_string_value(json_object_get(task, "DesiredState"));

    return (desired && !strcmp(desired, "running")) ||
           !strcmp(dcs_container_state(task), "Stopping");
}

long long dcs_container_number(const json_t *task, const json_t *tasks)
{
    long long slot = json_integer_value(json_object_get(task, "Slot")), n = 1;
    const char *node = json_string_value(json_object_get(task, "NodeID"));
    const json_t *o;
    size_t i;

    if (slot > 0)
        return slot;
    json_array_foreach(tasks, i, o) {
        const char *other = json_string_value(json_object_get(o, "NodeID"));
        if (o != task && dcs_container_listed(o) && node && other && strcmp(other, node) < 0)
            n++;
    }
    return n;
}

void dcs_container_name(const char *service, const json_t *task, const json_t *tasks,
                        char *out, size_t len)
{
    snprintf(out, len, "%s-%lld", service ? service : "", dcs_container_number(task, tasks));
}
