/* cmd_translate.c - dcswarm translate: stackfiles and API bodies to specs. */
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/json_pool.h"
#include "util/jsonw.h"
#include "translate/schema.h"
#include "translate/translate.h"

static const char usage_text[] =
    "usage: dcswarm translate [-f FILE|-] [-o spec|compose|cloud] [--stack NAME]\n"
    "                         [--strict] [--input-format FORMAT] [--namespace NS]\n"
    "                         [--warnings-json] [--no-interpolate]\n"
    "\n"
    "Translate Docker Cloud services to Docker swarm.  The input is a stackfile\n"
    "(docker-cloud.yml, tutum.yml, stackfile.yml) or Docker Cloud API JSON: a\n"
    "create or PATCH body, a service object, a list export or a stack body.\n"
    "Without -f, the first of docker-cloud.yml, docker-cloud.yaml, tutum.yml,\n"
    "tutum.yaml, stackfile.yml in this directory or a parent is read.\n"
    "\n"
    "  -f, --file FILE        input file, - for standard input\n"
    "  -o, --output FORMAT    spec     {\"networks\": [...], \"services\": [ServiceSpec]}\n"
    "                                  for POST /networks/create, /services/create\n"
    "                         compose  a compose file (3.8) for docker stack deploy\n"
    "                         cloud    the Docker Cloud service objects these specs\n"
    "                                  read back as (a list export)\n"
    "      --stack NAME       name services <NAME>_<service> and label them with\n"
    "                         the stack, as docker stack deploy does\n"
    "      --strict           refuse (exit 3) when a field cannot be carried over\n"
    "                         exactly (an approximate or kept warning)\n"
    "      --input-format F   auto, stackfile, create, patch, service, list, stack\n"
    "      --namespace NS     the Docker Cloud namespace (user or organisation)\n"
    "      --warnings-json    print warnings on stderr as one JSON array\n"
    "      --no-interpolate   do not replace ${VAR} in stackfiles\n"
    DCS_LIMITS_USAGE
    "\n"
    "Warnings go to stderr as FILE:SERVICE:FIELD: MESSAGE.  DCS_THREADS=N sets\n"
    "the threads used (default: one per processor); the output is the same.\n"
    "A file of 32 MiB or more (DCS_REREAD_BYTES=N to choose; standard input too,\n"
    "unless it is a pipe) is not held: it is read a part at a time, and each\n"
    "service again when it is translated.\n"
    "Exit status: 0 ok, 1 invalid input, 2 usage, 3 refused by --strict.\n";

/* With --strict or --warnings-json every warning comes before the output,
 * which is held: the warnings are held too, as the text they are printed
 * as (a temporary file past 1 MB, as the output is), not as JSON values,
 * so that 100,000 services' warnings do not fill memory. */
struct held_warnings {
    struct dcs_out text;   /* to stderr, held */
    int as_json;
    size_t n;              /* warnings held */
    int lossy;             /* one is approximate or kept */
};

struct translate_args {
    struct dcs_stack_args in;
    const char *output;
    int warnings_json;
    struct held_warnings *held; /* NULL: warnings printed as they come */
};

static int parse_args(int argc, char **argv, struct translate_args *a)
{
    static const struct option longopts[] = {
        DCS_STACK_OPTIONS,
        {"output", required_argument, NULL, 'o'},
        {"warnings-json", no_argument, NULL, 'w'},
        {NULL, 0, NULL, 0}};
    int c, taken;

    a->output = "spec";
    if (dcs_stack_args_init("translate", &a->in))
        return -1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:", longopts, NULL)) != -1) {
        if ((taken = dcs_stack_option("translate", c, optarg, &a->in)) < 0)
            return -1;
        if (taken)
            continue;
        switch (c) {
        case 'o': a->output = optarg; break;
        case 'w': a->warnings_json = 1; break;
        default:
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "dcswarm translate: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (strcmp(a->output, "spec") && strcmp(a->output, "compose") &&
        strcmp(a->output, "cloud")) {
        fprintf(stderr, "dcswarm translate: -o takes spec, compose or cloud, "
                "not '%s'\n", a->output);
        return -1;
    }
    return 0;
}

/* The docker-cloud CLI looked here and in every parent directory. */
static char *find_stackfile(void)
{
    static const char *const names[] = {"docker-cloud.yml", "docker-cloud.yaml",
                                        "tutum.yml", "tutum.yaml", "stackfile.yml"};
    char dir[4096], path[4200];

    if (!getcwd(dir, sizeof(dir)))
        return NULL;
    for (;;) {
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "", names[i]);
            if (access(path, R_OK) == 0)
                return strdup(path);
        }
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            break;
        *slash = 0;
    }
    return NULL;
}

struct stream_ctx {
    struct dcs_out *out;
    const char *file;
    json_t *warnings;
    int print_now;
    size_t n;
    struct dcs_strbuf lines;  /* warning lines not yet written */
    struct held_warnings *held; /* not print_now: where they go, or NULL */
};

/* `warnings` into h, as dcs_print_warnings would print them all at once
 * (as JSON: the elements of json_dumpf's indented array), and cleared. */
static void hold_warnings(struct held_warnings *h, const char *file, json_t *warnings)
{
    struct dcs_strbuf b = {0}, one = {0};
    const json_t *w;
    size_t i;

    h->lossy |= dcs_warnings_lossy(warnings);
    if (!h->as_json)
        dcs_warning_lines(&b, file, warnings);
    else
        json_array_foreach(warnings, i, w) {
            /* Into our own buffer: json_dumps would allocate from the pool. */
            size_t n = json_dumpb(w, NULL, 0, JSON_INDENT(2));
            if (!n || !dcs_strbuf_reserve(&one, n)) {
                b.failed = 1;
                break;
            }
            one.len = json_dumpb(w, one.data, n, JSON_INDENT(2));
            one.data[one.len] = 0;
            dcs_strbuf_append(&b, h->n++ ? ",\n  " : "[\n  ", 4);
            for (const char *p = one.data, *nl; *p; p = nl) { /* each line two deeper */
                nl = p + strcspn(p, "\n");
                dcs_strbuf_append(&b, p, (size_t)(nl - p));
                if (*nl) {
                    dcs_strbuf_append(&b, "\n  ", 3);
                    nl++;
                }
            }
            one.len = 0;
        }
    h->text.failed |= b.failed;
    dcs_out_text(&h->text, b.data ? b.data : "", b.len);
    dcs_strbuf_release(&b);
    dcs_strbuf_release(&one);
    json_array_clear(warnings);
}

/* What was held, to stderr: DCS_OK, or DCS_ERR when it could not be. */
static int print_held_warnings(struct held_warnings *h)
{
    if (h->as_json)
        dcs_out_puts(&h->text, h->n ? "\n]\n" : "[]\n");
    return dcs_out_flush(&h->text);
}

/* stderr is unbuffered: the lines of many services go out in one write. */
#define LINES_CHUNK (64u * 1024u)

static void flush_lines(struct stream_ctx *c)
{
    if (c->lines.len && !c->lines.failed)
        fwrite(c->lines.data, 1, c->lines.len, stderr);
    c->lines.len = 0;
}

/* The warnings so far, as they come, before the spec they came with. */
static int emit_warnings(const struct dcs_spec_text *spec, void *data)
{
    struct stream_ctx *c = data;

    (void)spec;
    if (c->held && json_array_size(c->warnings))
        hold_warnings(c->held, c->file, c->warnings);
    if (c->print_now) {
        if (json_array_size(c->warnings)) {
            flush_lines(c);
            dcs_print_warnings(c->file, c->warnings, 0);
            json_array_clear(c->warnings);
        }
        dcs_strbuf_append(&c->lines, spec->warning_lines, spec->warning_len);
        if (c->lines.failed) {
            c->lines.failed = 0;
            c->lines.len = 0;
            fwrite(spec->warning_lines, 1, spec->warning_len, stderr);
        } else if (c->lines.len >= LINES_CHUNK) {
            flush_lines(c);
        }
    }
    return DCS_OK;
}

static int emit_spec(const struct dcs_spec_text *spec, void *data)
{
    struct stream_ctx *c = data;

    emit_warnings(spec, data);
    dcs_out_puts(c->out, c->n++ ? ",\n    " : "[\n    ");
    dcs_out_text(c->out, spec->text, spec->len);
    return c->out->failed ? DCS_ERR : DCS_OK;
}

/* -o spec, one service at a time: the same bytes json_dumpf would give the
 * whole {"networks", "services"} document, without holding it.  Printed as
 * they come, the warnings are made into lines where they are made. */
struct check_ctx {
    const json_t *entries;
    const struct dcs_translate_opts *opts;
};

static int check_all(void *data, struct dcs_error *err)
{
    const struct check_ctx *k = data;

    return dcs_forward_check(k->entries, k->opts, err);
}

/* *refused: dcs_forward_check refused the input, and nothing was written
 * (it runs while the first specs are made). */
static int write_specs(const struct translate_args *a, const json_t *entries,
                       json_t *warnings, struct dcs_out *out, int print_now,
                       bool *refused, struct dcs_error *err)
{
    struct stream_ctx c = {out, a->in.file, warnings, print_now, 0, {0}, a->held};
    struct check_ctx check = {entries, &a->in.opts};
    struct dcs_each_text how = {.base = 4, .lines_source = print_now ? a->in.file : NULL,
                                .emit = emit_spec, .ctx = &c, .gate = check_all,
                                .gate_ctx = &check};
    json_t *nets = dcs_forward_networks(entries, &a->in.opts);
    int rc;

    dcs_out_puts(out, "{\n  \"networks\": ");
    dcs_out_json(out, nets, 2);
    json_decref(nets);
    dcs_out_puts(out, ",\n  \"services\": ");
    rc = dcs_forward_each_text(entries, &a->in.opts, NULL, warnings, &how, err);
    *refused = how.gate_failed;
    flush_lines(&c);
    dcs_strbuf_release(&c.lines);
    if (rc)
        return DCS_ERR;
    dcs_out_puts(out, c.n ? "\n  ]\n}\n" : "[]\n}\n");
    if (print_now) {
        dcs_print_warnings(a->in.file, warnings, 0);
        json_array_clear(warnings);
    }
    return DCS_OK;
}

/* -o compose and -o cloud, one service at a time as -o spec (write_specs):
 * each service is rendered on the thread that made its spec, and what the
 * whole document needs of it (compose's top-level networks and volumes)
 * is gathered here, in input order. */
struct whole_ctx {
    struct stream_ctx s;
    struct dcs_compose_tail *tail; /* compose: the networks and volumes so far */
    struct dcs_error *err;
};

static int emit_compose(const struct dcs_spec_text *spec, void *data)
{
    struct whole_ctx *w = data;

    emit_warnings(spec, &w->s);
    if (!spec->len) /* nothing to write: a fragment without a name */
        return DCS_OK;
    if (!w->s.n++)
        dcs_out_puts(w->s.out, "version: \"3.8\"\nservices:\n");
    dcs_out_text(w->s.out, spec->text, spec->len);
    if (dcs_compose_tail_add(w->tail, spec->extra, spec->extra_len, w->err))
        return DCS_ERR;
    return w->s.out->failed ? DCS_ERR : DCS_OK;
}

static int emit_cloud(const struct dcs_spec_text *spec, void *data)
{
    struct whole_ctx *w = data;

    emit_warnings(spec, &w->s);
    dcs_out_puts(w->s.out, w->s.n++ ? ",\n    " : "[\n    ");
    dcs_out_text(w->s.out, spec->text, spec->len);
    return w->s.out->failed ? DCS_ERR : DCS_OK;
}

/* The Docker Cloud object of a spec (a list export's element). */
static int render_cloud(const json_t *spec, const json_t *service, struct dcs_strbuf *text,
                        struct dcs_strbuf *extra, void *ctx, struct dcs_error *err)
{
    json_t *svc = json_pack("{s:O}", "Spec", spec);
    struct dcs_reverse_ctx rev = *(const struct dcs_reverse_ctx *)ctx;
    int rc;

    (void)extra;
    /* The dcswarm.spec label was made here a moment ago from service. */
    rev.kept = json_is_object(service) ? service : NULL;
    rc = svc ? dcs_reverse_write(text, svc, &rev, 2, 4, err)
             : dcs_error_status(err, 500, NULL, "out of memory");
    json_decref(svc);
    return rc;
}

/* What follows the services: the end of the list, or compose's top-level
 * networks and volumes (those used). */
static void put_out(void *out, const char *text, size_t len)
{
    dcs_out_text(out, text, len);
}

static int write_tail(const struct translate_args *a, struct whole_ctx *w,
                      struct dcs_error *err)
{
    json_t *empty;
    char *text = NULL;

    if (!strcmp(a->output, "cloud")) {
        dcs_out_puts(w->s.out, w->s.n ? "\n  ]\n}\n" : "[]\n}\n");
        return DCS_OK;
    }
    if (w->s.n) /* a piece at a time: 100,000 volumes are 6 MB of YAML */
        return dcs_compose_tail_write(w->tail, put_out, w->s.out, err);
    /* No service: the whole (empty) file as before. */
    empty = json_pack("{s:[]}", "services");
    text = dcs_compose_yaml(empty, a->in.opts.stack, err);
    json_decref(empty);
    if (!text)
        return DCS_ERR;
    dcs_out_puts(w->s.out, text);
    free(text);
    return DCS_OK;
}

static int write_whole(const struct translate_args *a, const json_t *entries,
                       json_t *warnings, struct dcs_out *out, int print_now,
                       bool *refused, struct dcs_error *err)
{
    bool cloud = !strcmp(a->output, "cloud");
    struct whole_ctx w = {{out, a->in.file, warnings, print_now, 0, {0}, a->held},
                          dcs_compose_tail_new(), err};
    struct check_ctx check = {entries, &a->in.opts};
    struct dcs_reverse_ctx rev = {"/api/app/v1/", a->in.opts.namespace_, NULL, NULL, NULL,
                                  NULL};
    char net[256];
    struct dcs_each_text how = {.lines_source = print_now ? a->in.file : NULL,
                                .emit = cloud ? emit_cloud : emit_compose, .ctx = &w,
                                .gate = check_all, .gate_ctx = &check,
                                .render = cloud ? render_cloud : dcs_compose_render,
                                .render_ctx = cloud ? (void *)&rev : (void *)net};
    size_t n = json_array_size(entries);
    json_t *meta;
    int rc;

    if (!w.tail)
        return dcs_error_status(err, 500, NULL, "out of memory");
    dcs_compose_default_network(a->in.opts.stack, net, sizeof(net));
    if (cloud) {
        meta = json_pack("{s:I, s:n, s:i, s:n, s:I}", "limit", (json_int_t)n, "next",
                         "offset", 0, "previous", "total_count", (json_int_t)n);
        dcs_out_puts(out, "{\n  \"meta\": ");
        dcs_out_json(out, meta, 2);
        json_decref(meta);
        dcs_out_puts(out, ",\n  \"objects\": ");
    }
    rc = dcs_forward_each_text(entries, &a->in.opts, NULL, warnings, &how, err);
    *refused = how.gate_failed;
    flush_lines(&w.s);
    dcs_strbuf_release(&w.s.lines);
    if (!rc)
        rc = write_tail(a, &w, err);
    dcs_compose_tail_free(w.tail);
    if (rc)
        return DCS_ERR;
    if (print_now) {
        dcs_print_warnings(a->in.file, warnings, 0);
        json_array_clear(warnings);
    }
    return DCS_OK;
}

/* Input that translating would refuse (dcs_forward_check): nothing is
 * written, but stderr is what it was when translating found the error,
 * the warnings made up to it (those of the services before the refused
 * one, and those it made before its error), then the error.  Translated
 * once more for them, without output: it stops at that same error. */
static void refused_warnings(const struct translate_args *a, const json_t *entries,
                             json_t *warnings, int print_now)
{
    /* Not held: printed with the error, as lines. */
    struct stream_ctx c = {NULL, a->in.file, warnings, print_now, 0, {0}, NULL};
    struct dcs_each_text how = {.base = 4, .lines_source = print_now ? a->in.file : NULL,
                                .emit = emit_warnings, .ctx = &c};
    struct dcs_error again;

    dcs_error_clear(&again);
    if (strcmp(a->output, "spec")) {
        json_decref(dcs_forward(entries, &a->in.opts, NULL, warnings, &again));
    } else {
        dcs_forward_each_text(entries, &a->in.opts, NULL, warnings, &how, &again);
        flush_lines(&c);
        dcs_strbuf_release(&c.lines);
    }
}

/* One thread per processor, or DCS_THREADS of them. */
static int translate_threads(void)
{
    const char *want = getenv("DCS_THREADS");
    long n = want && *want ? atol(want) : sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1 : n > DCS_MAX_THREADS ? DCS_MAX_THREADS : (int)n;
}

static int translate_command(int argc, char **argv)
{
    struct translate_args a = {0};
    struct dcs_error err;
    struct dcs_out out = {0};
    json_t *warnings = json_array(), *env = NULL, *entries = NULL;
    char *found = NULL, *text = NULL;
    size_t len;
    int rc = DCS_EXIT_INVALID, print_now, failed, from_file = 0;
    bool refused = false;
    struct dcs_file_source file = {.fd = -1};
    struct held_warnings held = {{0}, 0, 0, 0};

    dcs_error_clear(&err);
    if (parse_args(argc, argv, &a)) {
        fputs(usage_text, stderr);
        json_decref(warnings);
        return DCS_EXIT_USAGE;
    }
    if (!a.in.file && !(a.in.file = found = find_stackfile())) {
        fprintf(stderr, "dcswarm translate: no docker-cloud.yml, tutum.yml or "
                "stackfile.yml here or in a parent directory; give one with -f\n");
        json_decref(warnings);
        return DCS_EXIT_USAGE;
    }
    a.in.opts.source = a.in.file;
    /* A large stack is held as text until translated, whatever the
     * output (the order labels were written in is kept beside it, for
     * compose). */
    a.in.opts.lean = 1;
    a.in.opts.threads = translate_threads();
    if (!a.in.no_interpolate)
        a.in.opts.env = env = dcs_environ_json();
    /* --strict and --warnings-json need all warnings before any output. */
    print_now = !a.in.strict && !a.warnings_json;
    out.to = stdout;
    out.hold = !print_now;
    held = (struct held_warnings){{stderr, 1, 0, {0}, NULL}, a.warnings_json, 0, 0};
    a.held = print_now ? NULL : &held;
    /* A large file is not held: read a part at a time, and each service
     * again when it is translated (dcs_text_source). */
    if ((from_file = dcs_file_source_open(&file, a.in.file, a.in.limits.input_bytes,
                                          &err)) > 0) {
        a.in.opts.text_source = &file.source;
        entries = dcs_load_services_source(&a.in.opts, warnings, &err);
    } else if (!from_file &&
               (text = dcs_read_file(a.in.file, a.in.limits.input_bytes, &len, &err))) {
        entries = dcs_load_services_unchecked(text, len, &a.in.opts, warnings, &err);
        free(text);
        text = NULL;
    }
    if (!entries) {
        dcs_print_error(a.in.file, &err);
        goto out;
    }
    /* Every error translating could meet, found before a spec is written:
     * the specs are written as they are made. */
    if (!strcmp(a.output, "spec"))
        failed = write_specs(&a, entries, warnings, &out, print_now, &refused, &err);
    else
        failed = write_whole(&a, entries, warnings, &out, print_now, &refused, &err);
    if (refused)
        refused_warnings(&a, entries, warnings, print_now);
    if (failed) {
        if (held.n || held.text.held || held.text.buf.len) /* rare: the error came late */
            dcs_out_flush(&held.text);
        dcs_print_warnings(a.in.file, warnings, 0);
        dcs_print_error(a.in.file, &err);
        goto out;
    }
    if (a.held) {
        hold_warnings(&held, a.in.file, warnings);
        if (print_held_warnings(&held))
            fprintf(stderr, "dcswarm: cannot write the warnings\n");
    } else {
        dcs_print_warnings(a.in.file, warnings, a.warnings_json);
    }
    if (a.in.strict && (held.lossy || dcs_warnings_lossy(warnings))) {
        fprintf(stderr, "dcswarm: %s: refused by --strict: the fields warned "
                "about above cannot be carried over exactly\n", a.in.file);
        rc = DCS_EXIT_STRICT;
        goto out;
    }
    if (from_file > 0 && dcs_file_source_unchanged(&file, &err)) {
        dcs_print_error(a.in.file, &err);
        goto out;
    }
    rc = dcs_out_flush(&out) ? DCS_EXIT_INVALID : DCS_EXIT_OK;
    if (rc)
        fprintf(stderr, "dcswarm: cannot write the output\n");
out:
    dcs_file_source_close(&file);
    dcs_out_release(&held.text);
    dcs_out_release(&out);
    /* Ten thousand services are some 170,000 values to free one by one
     * just before the process ends. */
    if (!dcs_json_pool_active())
        json_decref(entries);
    json_decref(warnings);
    json_decref(env);
    free(text);
    free(found);
    return rc;
}

static int run_translate(int argc, char **argv)
{
    int rc;

    /* The schemas are compiled once per process and kept: load them before
     * the pool, so that it is empty, and released, at the end. */
    dcs_schema_get("stackfile-service", NULL);
    dcs_json_pool_begin();
    rc = translate_command(argc, argv);
    dcs_json_pool_end();
    return rc;
}

const struct dcs_cmd dcs_cmd_translate = {
    .name = "translate",
    .summary = "translate stackfiles or Docker Cloud JSON to swarm specs or compose",
    .usage = usage_text,
    .run = run_translate,
};
