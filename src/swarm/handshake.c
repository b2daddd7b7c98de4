/*
 * handshake.c - the first two questions put to an engine: which API version
 * to speak (GET /version) and whether it is a swarm manager (GET /info).
 * The decisions are pure functions on the JSON answers, so they are tested
 * without an engine.
 */
#include <stdio.h>
#include <string.h>

#include "swarm/engine.h"
#include "swarm/engine_int.h"

/* "1.41" -> 1041; -1 when it is not "N.M". */
static int version_code(const char *v)
{
    unsigned major, minor;
    int used = 0;

    if (!v || sscanf(v, "%3u.%3u%n", &major, &minor, &used) != 2 ||
        v[used] != '\0')
        return -1;
    return (int)(major * 1000 + minor);
}

static const char *member_string(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    return s ? s : "";
}

int dcs_engine_negotiate(const json_t *version, const char *host, char *out,
                         size_t outlen, struct dcs_error *err)
{
    const char *api = member_string(version, "ApiVersion");
    const char *min_api = member_string(version, "MinAPIVersion");
    int have, max = version_code(DCS_ENGINE_API_MAX);
    int min = version_code(DCS_ENGINE_API_MIN);

    if (!json_is_object(version))
        return dcs_error_status(err, 502, NULL,
                                "the Docker engine at %s sent no version "
                                "information", host);
    /* An engine that does not say is older than 1.25, as docker/cli assumes. */
    if (!*api)
        api = "1.24";
    have = version_code(api);
    if (have < 0)
        return dcs_error_status(err, 502, NULL,
                                "the Docker engine at %s reports an API "
                                "version '%s' that is not a version", host, api);
    if (have < min)
        return dcs_error_status(err, 501, NULL,
                                "the Docker engine at %s speaks API %s, too old "
                                "for swarm services (%s or newer is needed)",
                                host, api, DCS_ENGINE_API_MIN);
    if (*min_api && version_code(min_api) > max)
        return dcs_error_status(err, 501, NULL,
                                "the Docker engine at %s no longer speaks API "
                                "%s (its oldest is %s)", host,
                                DCS_ENGINE_API_MAX, min_api);
    if (have > max)
        api = DCS_ENGINE_API_MAX;
    if (snprintf(out, outlen, "%s", api) >= (int)outlen)
        return dcs_error_status(err, 500, NULL, "version buffer too small");
    return DCS_OK;
}

int dcs_engine_check_swarm(const json_t *info, const char *host,
                           struct dcs_error *err)
{
    const json_t *swarm = json_object_get(info, "Swarm");
    const char *state = member_string(swarm, "LocalNodeState");

    if (!strcmp(state, "active")) {
        if (json_is_true(json_object_get(swarm, "ControlAvailable")))
            return DCS_OK;
        return dcs_error_status(err, 503, NULL,
                                "the Docker engine at %s is a swarm worker, "
                                "not a manager", host);
    }
    if (!strcmp(state, "locked"))
        return dcs_error_status(err, 503, NULL,
                                "the swarm of the Docker engine at %s is "
                                "locked (run 'docker swarm unlock')", host);
    if (!strcmp(state, "pending"))
        return dcs_error_status(err, 503, NULL,
                                "the Docker engine at %s is still joining a "
                                "swarm", host);
    if (!strcmp(state, "error"))
        return dcs_error_status(err, 503, NULL,
                                "the Docker engine at %s has a swarm error: %s",
                                host, member_string(swarm, "Error"));
    return dcs_error_status(err, 503, NULL,
                            "the Docker engine at %s is not in swarm mode "
                            "(run 'docker swarm init')", host);
}

/* GET /version.  Something that answers it with an HTTP error is not a
 * Docker engine: say so, rather than pass on e.g. a 404 "page not found". */
static int ask_version(struct dcs_engine *eng, json_t **answer,
                       struct dcs_error *err)
{
    struct dcs_error e;

    if (sw_request(eng, "GET", "/version", 0, NULL, answer, &e) == DCS_OK)
        return DCS_OK;
    if (e.code == DCS_E_TLS_EXPECTED)
        return dcs_error_status(err, 400, NULL,
                                "the Docker engine at %s expects TLS (set "
                                "DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH)",
                                eng->cfg.host);
    if (e.status >= 400 && e.status != 499 && e.status != 502 &&
        e.status != 504)
        return dcs_error_status(err, 502, NULL,
                                "%s does not look like a Docker engine: GET "
                                "/version answered %d (%s)", eng->cfg.host,
                                e.status, e.text);
    if (err)
        *err = e;
    return DCS_ERR;
}

int dcs_engine_connect(struct dcs_engine *eng, struct dcs_error *err)
{
    json_t *answer = NULL;
    int rc = DCS_ERR;

    if (ask_version(eng, &answer, err) != DCS_OK ||
        dcs_engine_negotiate(answer, eng->cfg.host, eng->api_version,
                             sizeof(eng->api_version), err) != DCS_OK)
        goto out;
    json_decref(answer);
    answer = NULL;
    if (dcs_engine_request(eng, "GET", "/info", NULL, &answer, err) != DCS_OK ||
        dcs_engine_check_swarm(answer, eng->cfg.host, err) != DCS_OK)
        goto out;
    rc = DCS_OK;
out:
    json_decref(answer);
    return rc;
}

int sw_api_at_least(const struct dcs_engine *eng, int major, int minor)
{
    return version_code(eng->api_version) >= major * 1000 + minor;
}
