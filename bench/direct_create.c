/*
 * direct_create SPECS.json: create the networks and services of a
 * `dcswarm translate -o spec` document by direct Engine API calls, one
 * after the other on one connection (DOCKER_HOST), and print the seconds
 * it took.  The baseline bench/apply.sh compares `dcswarm apply` with: the
 * engine's own create rate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "swarm/swarm.h"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    struct dcs_engine_config cfg;
    struct dcs_engine *eng;
    struct dcs_error err;
    json_t *doc, *item;
    size_t i;
    double start;
    char *id;

    if (argc != 2 || !(doc = json_load_file(argv[1], 0, NULL))) {
        fprintf(stderr, "usage: direct_create SPECS.json\n");
        return 2;
    }
    dcs_engine_config_init(&cfg);
    if (dcs_engine_config_from_env(&cfg, NULL, getenv, &err) ||
        !(eng = dcs_engine_open(&cfg, &err))) {
        fprintf(stderr, "direct_create: %s\n", err.text);
        return 1;
    }
    start = now();
    json_array_foreach(json_object_get(doc, "networks"), i, item) {
        id = dcs_network_create(eng, item, &err);
        free(id);
    }
    json_array_foreach(json_object_get(doc, "services"), i, item) {
        if (!(id = dcs_service_create(eng, item, NULL, &err))) {
            fprintf(stderr, "direct_create: %s\n", err.text);
            return 1;
        }
        free(id);
    }
    printf("%.3f\n", now() - start);
    dcs_engine_free(eng);
    json_decref(doc);
    return 0;
}
