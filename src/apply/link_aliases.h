/*
 * link_aliases.h - the network aliases of a service, as two writers give them.
 *
 * A service answers on its own network (the first attachment that is not
 * "host"; REST services may have more, to reach link targets elsewhere) to:
 *  - what its stack gives it: its short name and the link names of its
 *    stack peers.  `dcswarm apply` computes them from the stackfile and
 *    records them in dcswarm.stack-aliases;
 *  - what REST links give it: `dcswarm serve` records the links to it in
 *    dcswarm.linked-from ([{"from": uuid, "name": alias}]).
 * Each writer recomputes its own part and takes the other's from these
 * labels, so a re-applied stack keeps the aliases REST links gave, and a
 * REST link added or dropped keeps the ones the stack gave (the swarm is
 * the only store: docs/design.md §1, §3).
 *
 * Pure functions on Engine ServiceSpecs.  Ownership as in jansson: specs
 * are borrowed (and modified where the name says set/keep), results new.
 */
#ifndef DCS_LINKALIAS_H
#define DCS_LINKALIAS_H

#include <jansson.h>

#define DCS_LABEL_LINKED_FROM "dcswarm.linked-from"
#define DCS_LABEL_STACK_ALIASES "dcswarm.stack-aliases"

/* The service's own attachment in spec (borrowed), or NULL. */
json_t *dcs_own_attachment(const json_t *spec);

/* The link names recorded in spec's dcswarm.linked-from (new array). */
json_t *dcs_linked_from_names(const json_t *spec);

/* The aliases spec has that REST links did not give (new array): the
 * stack's, from dcswarm.stack-aliases; for a stack service applied before
 * that label, the current ones but the linked-from names; otherwise just
 * name (may be NULL for none). */
json_t *dcs_base_aliases(const json_t *spec, const char *name);

/* apply: record want's aliases as the stack's, then add to want what REST
 * links gave the running service `have` (its Spec, may be NULL): their
 * names as aliases and the dcswarm.linked-from label itself.  Called again
 * on the same want (with a fresher have), it starts from the recorded
 * stack aliases, so what REST links gave since is what counts. */
void dcs_keep_rest_links(json_t *want, const json_t *have);

#endif
