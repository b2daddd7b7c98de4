/* cmd_report.c - dcswarm report: the migration sign-off for a set of stackfiles. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "report/report.h"

static const char usage_text[] =
    "usage: dcswarm report [-o REPORT.html] [--json REPORT.json] [--strict]\n"
    "                      [--namespace NS] STACKFILE|DIR...\n"
    "\n"
    "What each service of each stackfile (or Docker Cloud JSON export) becomes on\n"
    "swarm, field by field: exact, approximate (a warning says how it differs) or\n"
    "kept (swarm will not enforce it), why, and what to do.  A folder is read for\n"
    "*.yml, *.yaml and *.json files, its subfolders too.  A stackfile that cannot be\n"
    "translated is reported as refused with the reason; the others go on.\n"
    "\n"
    "  -o, --output FILE      the report as one self-contained HTML page (- for stdout)\n"
    "      --json FILE        the same as JSON (dcswarm.report/v1, schemas/report.json)\n"
    "      --strict           approximations fail too (exit 3)\n"
    "      --namespace NS     the Docker Cloud namespace the stacks belonged to\n"
    DCS_LIMITS_USAGE
    "\n"
    "A summary goes to stdout (stderr when an output is stdout).  The date is\n"
    "SOURCE_DATE_EPOCH's when it is set.  Exit status: 0 every field exact,\n"
    "2 approximations, 3 kept fields or refused stackfiles, 1 an error (usage,\n"
    "an output that cannot be written).\n";

struct report_args {
    struct dcs_stack_args in;
    const char *html, *json;
    int strict;
};

struct paths {
    char **v;
    size_t n, cap;
};

static int add_path(struct paths *p, const char *path)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        char **v = realloc(p->v, cap * sizeof(*v));
        if (!v)
            return DCS_ERR;
        p->v = v;
        p->cap = cap;
    }
    return (p->v[p->n] = strdup(path)) ? (p->n++, DCS_OK) : DCS_ERR;
}

static bool stack_file_name(const char *name)
{
    size_t n = strlen(name);

    return (n > 4 && !strcmp(name + n - 4, ".yml")) ||
           (n > 5 && (!strcmp(name + n - 5, ".yaml") || !strcmp(name + n - 5, ".json")));
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The stackfiles under dir, in name order, subfolders too. */
static int add_dir(struct paths *p, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct paths here = {0};
    char path[4096], base[4096];
    struct stat st;
    int rc = DCS_OK;

    if (!d)
        return add_path(p, dir); /* reported as unreadable */
    /* "exported/" and "exported" name their files alike. */
    snprintf(base, sizeof(base), "%s", dir);
    for (size_t n = strlen(base); n > 1 && base[n - 1] == '/'; n--)
        base[n - 1] = 0;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", base, e->d_name);
        if (!stat(path, &st) && (S_ISDIR(st.st_mode) || stack_file_name(e->d_name)))
            rc = add_path(&here, path);
    }
    closedir(d);
    if (here.n)
        qsort(here.v, here.n, sizeof(*here.v), by_name);
    for (size_t i = 0; i < here.n; i++) {
        if (!rc)
            rc = !stat(here.v[i], &st) && S_ISDIR(st.st_mode) ? add_dir(p, here.v[i])
                                                               : add_path(p, here.v[i]);
        free(here.v[i]);
    }
    free(here.v);
    return rc;
}

static int parse_args(int argc, char **argv, struct report_args *a, struct paths *p)
{
    static const struct option longopts[] = {
        DCS_STACK_OPTIONS,
        {"output", required_argument, NULL, 'o'},
        {"json", required_argument, NULL, 'j'},
        {NULL, 0, NULL, 0}};
    struct stat st;
    int c, taken;

    if (dcs_stack_args_init("report", &a->in))
        return -1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
        if ((taken = dcs_stack_option("report", c, optarg, &a->in)) < 0)
            return -1;
        if (taken)
            continue;
        switch (c) {
        case 'o': a->html = optarg; break;
        case 'j': a->json = optarg; break;
        default:
            return -1;
        }
    }
    a->strict = a->in.strict;
    if (a->in.file && add_path(p, a->in.file))
        return -1;
    if (optind == argc && !a->in.file) {
        fprintf(stderr, "dcswarm report: no stackfile or folder given\n");
        return -1;
    }
    for (; optind < argc; optind++)
        if ((!stat(argv[optind], &st) && S_ISDIR(st.st_mode) ? add_dir(p, argv[optind])
                                                             : add_path(p, argv[optind])))
            return -1;
    return 0;
}

static void generated_at(char out[32])
{
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    time_t t = epoch && *epoch ? (time_t)strtoll(epoch, NULL, 10) : time(NULL);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int add_file(struct dcs_report *r, const char *path, const struct report_args *a)
{
    struct dcs_error err;
    size_t len;
    char *text, why[DCS_ERROR_TEXT_LEN + 32];
    int rc;

    dcs_error_clear(&err);
    if (!(text = dcs_read_file(path, a->in.limits.input_bytes, &len, &err))) {
        snprintf(why, sizeof(why), "%s", err.text);
        return dcs_report_add_unread(r, path, why);
    }
    rc = dcs_report_add(r, path, text, len, &a->in.opts, &err);
    free(text);
    return rc;
}

static int write_out(const char *path, const char *text)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
    int failed;

    if (!f) {
        fprintf(stderr, "dcswarm report: cannot write '%s': %s\n", path, strerror(errno));
        return DCS_ERR;
    }
    failed = fputs(text, f) < 0;
    failed |= f == stdout ? fflush(f) != 0 : fclose(f) != 0;
    if (failed)
        fprintf(stderr, "dcswarm report: cannot write '%s'\n", path);
    return failed ? DCS_ERR : DCS_OK;
}

/* The verdict strip and the first differences, as text. */
static void summary(FILE *out, const json_t *report)
{
    const json_t *t = json_object_get(report, "totals"), *v = json_object_get(t, "verdicts"), *d;
    size_t i;

    fprintf(out, "dcswarm report: %lld stackfiles, %lld services: %s\n",
            json_integer_value(json_object_get(t, "stackfiles")),
            json_integer_value(json_object_get(t, "services")),
            json_string_value(json_object_get(report, "verdict")));
    fprintf(out, "  ready %lld   review %lld   attention %lld   refused %lld\n",
            json_integer_value(json_object_get(v, "ready")),
            json_integer_value(json_object_get(v, "review")),
            json_integer_value(json_object_get(v, "attention")),
            json_integer_value(json_object_get(v, "refused")));
    json_array_foreach(json_object_get(report, "differences"), i, d) {
        if (i == 0)
            fprintf(out, "will behave differently:\n");
        if (i == 10) {
            fprintf(out, "  ... %zu more in the report\n",
                    json_array_size(json_object_get(report, "differences")) - 10);
            break;
        }
        fprintf(out, "  %-11s %-22s %lld service%s in %lld stackfile%s\n",
                json_string_value(json_object_get(d, "class")),
                json_string_value(json_object_get(d, "key")),
                json_integer_value(json_object_get(d, "services")),
                json_integer_value(json_object_get(d, "services")) == 1 ? "" : "s",
                json_integer_value(json_object_get(d, "stacks")),
                json_integer_value(json_object_get(d, "stacks")) == 1 ? "" : "s");
    }
}

static int write_outputs(const struct report_args *a, const json_t *doc)
{
    char *text;
    int rc = DCS_OK;

    if (a->json) {
        text = json_dumps(doc, JSON_INDENT(2));
        rc |= text ? write_out(a->json, text) : DCS_ERR;
        rc |= text && !strcmp(a->json, "-") ? write_out("-", "\n") : DCS_OK;
        free(text);
    }
    if (a->html) {
        text = dcs_report_html(doc);
        rc |= text ? write_out(a->html, text) : DCS_ERR;
        free(text);
    }
    return rc;
}

static int run_report(int argc, char **argv)
{
    struct report_args a = {0};
    struct paths p = {0};
    struct dcs_report *r = NULL;
    json_t *doc = NULL, *env = NULL;
    char when[32];
    int rc = DCS_EXIT_INVALID;
    bool to_stdout;

    if (parse_args(argc, argv, &a, &p)) {
        fputs(usage_text, stderr);
        goto out;
    }
    if (!a.in.no_interpolate)
        a.in.opts.env = env = dcs_environ_json();
    generated_at(when);
    if (!(r = dcs_report_new(DCS_VERSION, when)))
        goto out;
    for (size_t i = 0; i < p.n; i++)
        if (add_file(r, p.v[i], &a)) {
            fprintf(stderr, "dcswarm report: out of memory\n");
            goto out;
        }
    if (!(doc = dcs_report_json(r)) || write_outputs(&a, doc))
        goto out;
    to_stdout = (a.html && !strcmp(a.html, "-")) || (a.json && !strcmp(a.json, "-"));
    summary(to_stdout ? stderr : stdout, doc);
    rc = dcs_report_status(doc, a.strict);
out:
    json_decref(doc);
    json_decref(env);
    dcs_report_free(r);
    for (size_t i = 0; i < p.n; i++)
        free(p.v[i]);
    free(p.v);
    return rc;
}

const struct dcs_cmd dcs_cmd_report = {
    .name = "report",
    .summary = "the migration report of stackfiles: what each field becomes",
    .usage = usage_text,
    .run = run_report,
};
