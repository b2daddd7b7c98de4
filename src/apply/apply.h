/*
 * apply.h - make a swarm match a translated stack, idempotently.
 *
 * dcs_apply_plan() reads what the swarm runs (services, networks) and
 * decides, per service: create, update (with the fields that differ),
 * unchanged, or remove (--prune: services of the same stack that the input
 * no longer has).  dcs_apply_run() carries a plan out: networks first, then
 * services in input order, each update through the version index (a
 * concurrent change is re-read, never lost).  A failed service does not
 * stop the others unless the engine itself is gone; what was applied stays
 * applied and a second run finishes the job.
 *
 * How "unchanged" is decided: every field of the desired spec must equal
 * the running one (the engine adds defaults of its own, resolves network
 * names to IDs and may pin image digests: those are allowed for), and the
 * dcswarm.applied label - a digest of the desired spec - must match, so a
 * field removed from the file is an update too.
 *
 * Library code: never prints.  Progress goes through a callback.
 * Ownership: plans are JSON owned by the caller (dcs_apply_plan returns a
 * new reference); arguments are borrowed.
 */
#ifndef DCS_APPLY_H
#define DCS_APPLY_H

#include <jansson.h>
#include <stdbool.h>

#include "util/error.h"
#include "swarm/swarm.h"

#define DCS_LABEL_APPLIED "dcswarm.applied"

struct dcs_apply_opts {
    const char *stack; /* --stack, or NULL */
    bool prune;        /* remove the stack's services the input lacks */
};

/*
 * The plan for `forward` ({"networks", "services"} from dcs_forward):
 *   {"networks": [{"action": "create"|"exists", "name", "spec"}],
 *    "services": [{"action": "create"|"update"|"unchanged"|"remove",
 *                  "name", "id", "spec", "changes": [{"path", "from", "to"}],
 *                  "version"}]}
 */
json_t *dcs_apply_plan(struct dcs_engine *eng, const json_t *forward,
                       const struct dcs_apply_opts *opts, struct dcs_error *err);

/* The uuids the services already have on the swarm (Docker Cloud name ->
 * dcswarm.uuid), so that translating again keeps them. */
json_t *dcs_apply_existing_uuids(struct dcs_engine *eng, const char *stack,
                                 struct dcs_error *err);

enum dcs_apply_event { DCS_APPLY_START, DCS_APPLY_DONE, DCS_APPLY_FAILED };

/* Told about each step: the plan item (borrowed), its index and the total,
 * and for DCS_APPLY_FAILED the error. */
typedef void (*dcs_apply_progress_fn)(enum dcs_apply_event ev, const json_t *item,
                                      size_t index, size_t total,
                                      const struct dcs_error *err, void *ctx);

/* Carry out a plan.  Returns DCS_OK when every step succeeded; otherwise
 * DCS_ERR with err describing the first failure (status 502/503 when the
 * engine went away, which stops the run). */
int dcs_apply_run(struct dcs_engine *eng, json_t *plan, dcs_apply_progress_fn fn,
                  void *ctx, struct dcs_error *err);

/* Is `want` (a desired spec) what `have` (a running spec) already is?
 * networks: name -> ID of the swarm's networks.  Pure. */
bool dcs_spec_matches(const json_t *want, const json_t *have, const json_t *networks);

/* The fields of `want` that `have` differs in, as [{"path","from","to"}]
 * (dcswarm.* labels left out: they follow the fields).  Pure. */
json_t *dcs_spec_changes(const json_t *want, const json_t *have, const json_t *networks);

/* Label `spec` with the digest of its desired content (DCS_LABEL_APPLIED). */
void dcs_spec_stamp(json_t *spec);

#endif
