/* references.c - what the services of a stack name of each other.
 *
 * In a stack (a stackfile, or the services of a stack body), a link or a
 * volumes_from written as a plain name ("db") names a service of the same
 * stack; Docker Cloud refused one that named none, and one that named the
 * service itself.  Written "db.other" (another stack) or as a resource URI
 * it may name a service outside the input: that stays a warning
 * (links.c, mounts.c).  A cycle (a links b, b links a; or the same with
 * volumes_from) is accepted: links become network aliases and volumes_from
 * is not transitive (mounts.c), so neither asks swarm for an order.
 *
 * Checked twice, through the same dcs_check_reference: from the packed
 * refs of every entry before any spec is made (forward.c,
 * dcs_forward_check), and from the canonical service when it is
 * translated (dcs_check_references), so that translating stops where the
 * check said it would. */
#include <stdio.h>
#include <string.h>

#include "translate/fields.h"
#include "translate/normalize.h"

static bool names_a_peer(const char *target)
{
    return *target && !strpbrk(target, "./");
}

/* Where the reference is, as the user wrote it: a stackfile's
 * "links[i]" / "volumes_from[n]", an API body's
 * "linked_to_service[i].to_service" / "bindings[i].volumes_from". */
static void reference_path(const struct dcs_reference *r, const json_t *spelling,
                           char *out, size_t len)
{
    if (r->kind == 'L') {
        if (strcmp(dcs_spelling(spelling, "linked_to_service"), "linked_to_service"))
            snprintf(out, len, "%s[%zu]", dcs_spelling(spelling, "linked_to_service"), r->at);
        else
            snprintf(out, len, "linked_to_service[%zu].to_service", r->at);
    } else if (strcmp(dcs_spelling(spelling, "bindings"), "bindings")) {
        snprintf(out, len, "volumes_from[%zu]", r->nth);
    } else {
        snprintf(out, len, "bindings[%zu].volumes_from", r->at);
    }
}

int dcs_check_reference(const char *own, const struct dcs_reference *r,
                        const json_t *spelling, bool (*has)(const void *names, const char *),
                        const void *names, struct dcs_error *err)
{
    char path[128];

    if (!names_a_peer(r->target))
        return DCS_OK;
    reference_path(r, spelling, path, sizeof(path));
    if (own && !strcmp(r->target, own))
        return dcs_error_set(err, path, r->kind == 'L'
                             ? "a service cannot link to itself"
                             : "a service cannot take volumes from itself");
    if (!has(names, r->target))
        return dcs_error_set(err, path, "no service \"%s\" in this stack", r->target);
    return DCS_OK;
}

/* A ranged entry is the pair [refs, where its text is]: a third of the
 * memory of an object with those two members, for 100,000 services. */
const json_t *dcs_entry_refs(const json_t *e)
{
    return json_is_array(e) ? json_array_get(e, 0) : json_object_get(e, "refs");
}

const json_t *dcs_entry_service(const json_t *e)
{
    return json_is_array(e) ? json_array_get(e, 1) : json_object_get(e, "service");
}

const char *dcs_entry_name(const json_t *e)
{
    const char *refs = json_string_value(json_array_get(e, 0));

    if (!json_is_array(e))
        return json_string_value(json_object_get(e, "name"));
    return refs && refs[0] == 'N' ? refs + 1 : NULL; /* its first record */
}

bool dcs_entry_in_stack(const json_t *e)
{
    const char *format = json_string_value(json_object_get(e, "format"));

    return json_is_array(e) || (format && strcmp(format, "api")); /* a stackfile's */
}

static bool peer_known(const void *peers, const char *name)
{
    return json_object_get(peers, name) != NULL;
}

int dcs_check_references(const json_t *svc, const json_t *spelling, const json_t *peers,
                         struct dcs_error *err)
{
    const char *own = json_string_value(json_object_get(svc, "name"));
    struct dcs_reference r = {'L', NULL, 0, 0};
    const json_t *l, *to;
    size_t i, links = 0;

    json_array_foreach(json_object_get(svc, "linked_to_service"), i, l)
        if (json_is_string(to = json_object_get(l, "to_service"))) {
            r.target = json_string_value(to);
            r.at = links++;
            if (dcs_check_reference(own, &r, spelling, peer_known, peers, err))
                return DCS_ERR;
        }
    r.kind = 'V';
    r.nth = 0;
    json_array_foreach(json_object_get(svc, "bindings"), i, l)
        if (json_is_string(to = json_object_get(l, "volumes_from"))) {
            r.target = json_string_value(to);
            r.at = i;
            if (dcs_check_reference(own, &r, spelling, peer_known, peers, err))
                return DCS_ERR;
            r.nth++;
        }
    return DCS_OK;
}
