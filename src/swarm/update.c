/*
 * update.c - dcs_service_update_with(): a service update that never loses
 * a change.  Swarm services carry a version index; an update names the
 * version it was made from, and the engine refuses it when another writer
 * got there first.  Engine 20.10 answers that with HTTP 500 and
 * {"message":"rpc error: code = Unknown desc = update out of sequence"}.
 * Then the service is read again and the same change re-applied to the
 * fresh Spec, so every writer's change lands exactly once.
 */
#include <stdlib.h>
#include <string.h>

#include "swarm/engine_int.h"
#include "swarm/swarm.h"

#define RETRY 2
#define BACKOFF_BASE_MS 10
#define BACKOFF_CAP_MS 250

/* The engine refused the update because its version was stale. */
static int out_of_sequence(const struct dcs_error *e)
{
    return e->code == DCS_E_OUT_OF_SEQUENCE;
}

/* Put TaskTemplate.ForceUpdate back when change_fn dropped it: a lower
 * value is a change of the task spec and would restart every task. */
static int keep_force_update(json_t *spec, const json_t *old_spec,
                             struct dcs_error *err)
{
    json_t *old = json_object_get(json_object_get(old_spec, "TaskTemplate"),
                                  "ForceUpdate");
    json_t *tt = json_object_get(spec, "TaskTemplate");

    if (!old || !json_is_object(tt) || json_object_get(tt, "ForceUpdate"))
        return DCS_OK;
    return json_object_set(tt, "ForceUpdate", old) == 0 ? DCS_OK : sw_oom(err);
}

static int service_version(struct dcs_engine *eng, const json_t *service,
                           const char **id, unsigned long long *version,
                           struct dcs_error *err)
{
    json_t *index = json_object_get(json_object_get(service, "Version"),
                                    "Index");

    *id = json_string_value(json_object_get(service, "ID"));
    if (!json_is_integer(index) || !*id ||
        !json_is_object(json_object_get(service, "Spec")))
        return dcs_error_status(err, 502, NULL,
                                "the Docker engine at %s sent a service without "
                                "ID, Version.Index or Spec", eng->cfg.host);
    *version = (unsigned long long)json_integer_value(index);
    return DCS_OK;
}

static int no_change(struct dcs_engine *eng, struct dcs_error *err)
{
    json_t *none = json_array();

    if (!none)
        return sw_oom(err);
    json_decref(eng->last_warnings);
    eng->last_warnings = none;
    return DCS_OK;
}

/* One read-modify-write: DCS_OK, DCS_ERR, or RETRY (err says why). */
static int attempt(struct dcs_engine *eng, const char *name,
                   dcs_service_change_fn change_fn, void *ctx,
                   struct dcs_error *err)
{
    json_t *service = dcs_service_inspect(eng, name, err), *spec = NULL;
    const json_t *old;
    unsigned long long version = 0;
    const char *id = NULL;
    int rc = DCS_ERR;

    if (!service ||
        service_version(eng, service, &id, &version, err) != DCS_OK)
        goto out;
    old = json_object_get(service, "Spec");
    spec = json_deep_copy(old);
    if (!spec) {
        sw_oom(err);
        goto out;
    }
    if (change_fn(spec, service, ctx, err) != DCS_OK ||
        keep_force_update(spec, old, err) != DCS_OK)
        goto out;
    if (json_equal(spec, old)) {
        rc = no_change(eng, err);
        goto out;
    }
    rc = dcs_service_update(eng, id, version, spec, NULL, err);
    if (rc != DCS_OK && err && out_of_sequence(err))
        rc = RETRY;
out:
    json_decref(spec);
    json_decref(service);
    return rc;
}

int dcs_service_update_with(struct dcs_engine *eng, const char *id,
                            dcs_service_change_fn change_fn, void *ctx,
                            struct dcs_error *err)
{
    struct dcs_error local;
    int attempts = eng->cfg.update_attempts > 0 ? eng->cfg.update_attempts : 1;
    int i, rc;

    /* The retry decision needs the engine's answer even if err is NULL. */
    if (!err)
        err = &local;
    for (i = 0; i < attempts; i++) {
        long cap = BACKOFF_BASE_MS << (i < 5 ? i : 5);

        rc = attempt(eng, id, change_fn, ctx, err);
        if (rc != RETRY)
            return rc;
        if (cap > BACKOFF_CAP_MS)
            cap = BACKOFF_CAP_MS;
        /* Full jitter, so that racing writers spread out. */
        if (sw_sleep(eng, 1 + rand_r(&eng->seed) % cap) == DCS_STOP)
            return dcs_error_status(err, 499, NULL,
                                    "the update of service '%s' was "
                                    "cancelled", id);
    }
    return dcs_error_status(err, 409, NULL,
                            "service '%s' was changed by someone else %d "
                            "times in a row; the update was not applied", id,
                            attempts);
}
