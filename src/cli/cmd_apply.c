/* cmd_apply.c - dcswarm apply: make a swarm run what a stackfile says. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/apply.h"
#include "cli/cli.h"
#include "translate/translate.h"

static const char usage_text[] =
    "usage: dcswarm apply -f FILE|- [--stack NAME] [--dry-run] [--prune] [--strict]\n"
    "                     [--engine URL] [--namespace NS] [--input-format FORMAT]\n"
    "                     [--no-interpolate]\n"
    "\n"
    "Translate FILE (anything 'dcswarm translate' reads) and make the swarm run\n"
    "it: create the networks links need, create missing services, update changed\n"
    "ones through the version index, leave unchanged ones alone.  Stackfile\n"
    "services run at once (target_num_containers replicas).\n"
    "\n"
    "  -f, --file FILE        input file, - for standard input\n"
    "      --stack NAME       services are NAME_<service>, labelled with the stack\n"
    "      --prune            remove the stack's services that FILE no longer has\n"
    "                         (needs --stack)\n"
    "      --dry-run          print the plan (create, update with the fields that\n"
    "                         change, unchanged, remove) and change nothing\n"
    "      --strict           refuse (exit 3) if a field cannot be carried over\n"
    "                         exactly; nothing is applied\n"
    "      --engine URL       the Docker engine (default: DOCKER_HOST, else\n"
    "                         unix:///var/run/docker.sock); DOCKER_TLS_VERIFY and\n"
    "                         DOCKER_CERT_PATH as for the docker CLI\n"
    "      --namespace NS     the Docker Cloud namespace the services belong to\n"
    "      --input-format F   auto, stackfile, create, patch, service, list, stack\n"
    "      --no-interpolate   do not replace ${VAR} in stackfiles\n"
    DCS_LIMITS_USAGE
    "\n"
    "Progress goes to stderr, one line per service.  Exit status: 0 ok,\n"
    "1 invalid input or a service failed, 2 usage, 3 refused by --strict,\n"
    "4 engine unreachable, 5 engine not a swarm manager.\n";

struct apply_args {
    struct dcs_stack_args in;
    const char *engine;
    int dry_run, prune;
};

static int parse_args(int argc, char **argv, struct apply_args *a)
{
    static const struct option longopts[] = {
        DCS_STACK_OPTIONS,
        {"dry-run", no_argument, NULL, 'd'},
        {"prune", no_argument, NULL, 'p'},
        {"engine", required_argument, NULL, 'e'},
        {NULL, 0, NULL, 0}};
    int c, taken;

    if (dcs_stack_args_init("apply", &a->in))
        return -1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:", longopts, NULL)) != -1) {
        if ((taken = dcs_stack_option("apply", c, optarg, &a->in)) < 0)
            return -1;
        if (taken)
            continue;
        switch (c) {
        case 'd': a->dry_run = 1; break;
        case 'p': a->prune = 1; break;
        case 'e': a->engine = optarg; break;
        default:
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "dcswarm apply: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (!a->in.file) {
        fprintf(stderr, "dcswarm apply: give the stack with -f FILE\n");
        return -1;
    }
    if (a->prune && !a->in.opts.stack) {
        fprintf(stderr, "dcswarm apply: --prune removes a stack's services: it "
                "needs --stack\n");
        return -1;
    }
    return 0;
}

static int engine_exit_status(const struct dcs_error *err)
{
    if (err->status == 502 || err->status == 504 || err->status == 499)
        return DCS_EXIT_ENGINE;
    if (err->status == 503 || err->status == 501)
        return DCS_EXIT_NOT_MANAGER;
    return DCS_EXIT_INVALID;
}

static struct dcs_engine *open_engine(const char *url, struct dcs_error *err)
{
    struct dcs_engine_config cfg;

    dcs_engine_config_init(&cfg);
    if (dcs_engine_config_from_env(&cfg, url, getenv, err))
        return NULL;
    return dcs_engine_open(&cfg, err);
}

static void print_change(const json_t *c)
{
    char *from = json_dumps(json_object_get(c, "from"), JSON_COMPACT | JSON_ENCODE_ANY);
    char *to = json_dumps(json_object_get(c, "to"), JSON_COMPACT | JSON_ENCODE_ANY);

    printf("    %s: %.200s -> %.200s\n", json_string_value(json_object_get(c, "path")),
           from ? from : "?", to ? to : "?");
    free(from);
    free(to);
}

static void print_plan(const json_t *plan)
{
    const json_t *item, *c;
    size_t i, j;

    json_array_foreach(json_object_get(plan, "networks"), i, item)
        if (!strcmp(json_string_value(json_object_get(item, "action")), "create"))
            printf("create network %s\n", json_string_value(json_object_get(item, "name")));
    json_array_foreach(json_object_get(plan, "services"), i, item) {
        const json_t *changes = json_object_get(item, "changes");
        printf("%s %s\n", json_string_value(json_object_get(item, "action")),
               json_string_value(json_object_get(item, "name")));
        json_array_foreach(changes, j, c)
            print_change(c);
        if (changes && json_array_size(changes) == 0)
            printf("    (fields removed from the input)\n");
    }
}

struct progress {
    bool tty;
    bool engine_gone;
    size_t counts[4]; /* created, updated, unchanged, removed */
};

static const char *past(const char *action)
{
    if (!strcmp(action, "create"))
        return "created";
    if (!strcmp(action, "update"))
        return "updated";
    if (!strcmp(action, "remove"))
        return "removed";
    return "unchanged";
}

static void on_progress(enum dcs_apply_event ev, const json_t *item, size_t index,
                        size_t total, const struct dcs_error *err, void *ctx)
{
    struct progress *p = ctx;
    const char *action = json_string_value(json_object_get(item, "action"));
    const char *name = json_string_value(json_object_get(item, "name"));
    char msg[DCS_ERROR_TEXT_LEN + DCS_ERROR_PATH_LEN + 8];

    if (ev == DCS_APPLY_START) {
        if (p->tty)
            fprintf(stderr, "\r\033[K[%zu/%zu] %s %s ...", index + 1, total, action, name);
        return;
    }
    if (p->tty)
        fputs("\r\033[K", stderr);
    if (ev == DCS_APPLY_FAILED) {
        /* The engine gone: nothing after this service was tried. */
        p->engine_gone = engine_exit_status(err) == DCS_EXIT_ENGINE;
        fprintf(stderr, "dcswarm: %s: %s failed: %s%s\n", name, action,
                dcs_error_format(err, msg, sizeof(msg)),
                p->engine_gone ? " (nothing after it was applied: run apply again to finish)"
                               : "");
        return;
    }
    fprintf(stderr, "%s %s\n", past(action), name);
    if (!strcmp(action, "create"))
        p->counts[0]++;
    else if (!strcmp(action, "update"))
        p->counts[1]++;
    else if (!strcmp(action, "remove"))
        p->counts[3]++;
    else
        p->counts[2]++;
}

static int apply_plan(struct dcs_engine *eng, json_t *plan, const char *file,
                      struct dcs_error *err)
{
    struct progress p = {isatty(STDERR_FILENO) != 0, false, {0, 0, 0, 0}};
    int rc = dcs_apply_run(eng, plan, on_progress, &p, err);

    if (rc && !p.engine_gone && err->status && engine_exit_status(err) == DCS_EXIT_ENGINE) {
        /* Gone before the first service (making the networks). */
        fprintf(stderr, "dcswarm: %s\n", err->text);
        return rc;
    }
    if (p.engine_gone)
        return rc;  /* its line said it all */
    if (p.counts[0] + p.counts[1] + p.counts[3] == 0 && rc == DCS_OK)
        fprintf(stderr, "%s: nothing to change (%zu services unchanged)\n", file,
                p.counts[2]);
    else
        fprintf(stderr, "%s: %zu created, %zu updated, %zu unchanged, %zu removed\n",
                file, p.counts[0], p.counts[1], p.counts[2], p.counts[3]);
    return rc;
}

/* A PATCH body is a fragment of a service: there is nothing to create. */
static bool whole_services(const json_t *entries, const char *file)
{
    const json_t *e;
    size_t i;

    json_array_foreach(entries, i, e)
        if (!json_object_get(json_object_get(e, "service"), "image")) {
            fprintf(stderr, "dcswarm: %s: a service without \"image\" (a PATCH "
                    "body?) cannot be applied: apply needs whole services\n", file);
            return false;
        }
    return true;
}

/* Load, translate with the uuids the swarm already has, plan, apply. */
static int run_apply_loaded(struct apply_args *a, const char *text, size_t len,
                            json_t *warnings, struct dcs_error *err)
{
    struct dcs_apply_opts ao = {a->in.opts.stack, a->prune != 0};
    struct dcs_engine *eng = NULL;
    json_t *entries = NULL, *uuids = NULL, *forward = NULL, *plan = NULL;
    int rc = DCS_EXIT_INVALID;

    if (!(entries = dcs_load_services(text, len, &a->in.opts, warnings, err)) ||
        !(forward = dcs_forward(entries, &a->in.opts, NULL, warnings, err))) {
        dcs_print_error(a->in.file, err);
        goto out;
    }
    dcs_print_warnings(a->in.file, warnings, 0);
    if (!whole_services(entries, a->in.file))
        goto out;
    if (a->in.strict && dcs_warnings_lossy(warnings)) {
        fprintf(stderr, "dcswarm: %s: refused by --strict: nothing was applied\n", a->in.file);
        rc = DCS_EXIT_STRICT;
        goto out;
    }
    json_decref(forward);
    forward = NULL;   /* freed again at out: if the engine cannot be reached */
    json_array_clear(warnings);
    if (!(eng = open_engine(a->engine, err)) ||
        !(uuids = dcs_apply_existing_uuids(eng, a->in.opts.stack, err)) ||
        !(forward = dcs_forward(entries, &a->in.opts, uuids, NULL, err)) ||
        !(plan = dcs_apply_plan(eng, forward, &ao, err))) {
        fprintf(stderr, "dcswarm: %s\n", err->text);
        rc = engine_exit_status(err);
        goto out;
    }
    if (a->dry_run) {
        print_plan(plan);
        rc = DCS_EXIT_OK;
        goto out;
    }
    if (apply_plan(eng, plan, a->in.file, err)) {
        rc = err->status ? engine_exit_status(err) : DCS_EXIT_INVALID;
        goto out;
    }
    rc = DCS_EXIT_OK;
out:
    json_decref(plan);
    json_decref(forward);
    json_decref(uuids);
    json_decref(entries);
    dcs_engine_free(eng);
    return rc;
}

static int run_apply(int argc, char **argv)
{
    struct apply_args a = {0};
    struct dcs_error err;
    json_t *warnings = json_array(), *env = NULL;
    char *text;
    size_t len;
    int rc;

    dcs_error_clear(&err);
    if (parse_args(argc, argv, &a)) {
        fputs(usage_text, stderr);
        json_decref(warnings);
        return DCS_EXIT_USAGE;
    }
    a.in.opts.source = a.in.file;
    if (!a.in.no_interpolate)
        a.in.opts.env = env = dcs_environ_json();
    if (!(text = dcs_read_file(a.in.file, a.in.limits.input_bytes, &len, &err))) {
        dcs_print_error(a.in.file, &err);
        rc = DCS_EXIT_INVALID;
    } else {
        rc = run_apply_loaded(&a, text, len, warnings, &err);
    }
    free(text);
    json_decref(warnings);
    json_decref(env);
    return rc;
}

const struct dcs_cmd dcs_cmd_apply = {
    .name = "apply",
    .summary = "deploy a stackfile or Docker Cloud JSON onto a swarm, idempotently",
    .usage = usage_text,
    .run = run_apply,
};
