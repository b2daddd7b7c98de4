/* cli.c - what the commands share: files, environment, messages. */
#include "cli/cli.h"
#include "translate/translate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

#define HUGE_PAGE ((size_t)2 << 20)

static char *too_large(const char *path, size_t max, struct dcs_error *err)
{
    dcs_error_set(err, NULL, "'%s' is larger than %zu bytes (the limit; --max-input raises "
                  "it)", path, max);
    return NULL;
}

char *dcs_read_file(const char *path, size_t max, size_t *len, struct dcs_error *err)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    char *buf = NULL, *p;
    size_t cap = 0, n = 0, got;
    struct stat st;

    if (!f) {
        dcs_error_set(err, NULL, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    /* A file's size known, its text is read in one go into one buffer of
     * that size (growing one in steps copies and faults it in again). */
    if (!fstat(fileno(f), &st) && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max) {
        if (f != stdin)
            fclose(f);
        return too_large(path, max, err);
    }
    if (!fstat(fileno(f), &st) && S_ISREG(st.st_mode) && st.st_size > 0)
        cap = (size_t)st.st_size + 65536 + 1;
    if (cap && (buf = aligned_alloc(HUGE_PAGE, (cap + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE)))
        madvise(buf, cap, MADV_HUGEPAGE); /* faulted in 2 MB at a time */
    else
        cap = 0;
    do {
        if (n + 65536 + 1 > cap) {
            cap = cap ? cap * 2 : 131072;
            if (n > max) {
                too_large(path, max, err);
                goto fail;
            }
            if (!(p = realloc(buf, cap))) {
                dcs_error_set(err, NULL, "cannot read '%s': out of memory", path);
                goto fail;
            }
            buf = p;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    if (ferror(f)) {
        dcs_error_set(err, NULL, "cannot read '%s': %s", path, strerror(errno));
        goto fail;
    }
    if (n > max) {
        too_large(path, max, err);
        goto fail;
    }
    buf[n] = 0;
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
fail:
    free(buf);
    if (f != stdin)
        fclose(f);
    return NULL;
}

static int file_read_at(void *ctx, size_t at, size_t len, char *into, struct dcs_error *err)
{
    const struct dcs_file_source *fs = ctx;
    ssize_t got;

    while (len) {
        got = pread(fs->fd, into, len, (off_t)(fs->base + at));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            dcs_error_set(err, NULL, "cannot read '%s': %s", fs->path,
                          got ? strerror(errno) : "it became shorter while it was read");
            return -1;
        }
        into += got;
        at += (size_t)got;
        len -= (size_t)got;
    }
    return 0;
}

static size_t reread_bytes(void)
{
    const char *want = getenv("DCS_REREAD_BYTES");

    return want && *want ? (size_t)strtoull(want, NULL, 10) : DCS_REREAD_BYTES;
}

int dcs_file_source_open(struct dcs_file_source *fs, const char *path, size_t max,
                         struct dcs_error *err)
{
    off_t base = 0;

    *fs = (struct dcs_file_source){.path = path, .fd = -1};
    /* Standard input is read again when it is a file (< FILE), from where
     * it stands; a pipe (lseek fails) is read once, and held. */
    if (!strcmp(path, "-")) {
        if ((fs->fd = fcntl(0, F_DUPFD_CLOEXEC, 3)) < 0 ||
            (base = lseek(fs->fd, 0, SEEK_CUR)) < 0) {
            dcs_file_source_close(fs);
            return 0;
        }
    } else if ((fs->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        dcs_error_set(err, NULL, "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fs->fd, &fs->st) || !S_ISREG(fs->st.st_mode) || fs->st.st_size < base ||
        (size_t)(fs->st.st_size - base) < reread_bytes()) {
        dcs_file_source_close(fs);
        return 0;
    }
    if ((uintmax_t)(fs->st.st_size - base) > max) {
        dcs_file_source_close(fs);
        too_large(path, max, err);
        return -1;
    }
    fs->base = (size_t)base;
    fs->source = (struct dcs_text_source){(size_t)(fs->st.st_size - base), file_read_at, fs};
    return 1;
}

int dcs_file_source_unchanged(const struct dcs_file_source *fs, struct dcs_error *err)
{
    struct stat now;

    if (!fstat(fs->fd, &now) && now.st_size == fs->st.st_size &&
        now.st_mtim.tv_sec == fs->st.st_mtim.tv_sec &&
        now.st_mtim.tv_nsec == fs->st.st_mtim.tv_nsec)
        return DCS_OK;
    return dcs_error_set(err, NULL, "'%s' changed while it was translated: translate it "
                         "again once it is written", fs->path);
}

void dcs_file_source_close(struct dcs_file_source *fs)
{
    if (fs->fd >= 0)
        close(fs->fd);
    fs->fd = -1;
}

json_t *dcs_environ_json(void)
{
    json_t *env = json_object();
    char **e;

    for (e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        char name[4096];
        if (!eq || (size_t)(eq - *e) >= sizeof(name))
            continue;
        memcpy(name, *e, (size_t)(eq - *e));
        name[eq - *e] = 0;
        json_object_set_new(env, name, json_string(eq + 1));
    }
    return env;
}

void dcs_print_error(const char *source, const struct dcs_error *err)
{
    if (err->line > 0 && err->path[0])
        fprintf(stderr, "dcswarm: %s:%d:%d: %s: %s\n", source, err->line, err->column,
                err->path, err->text);
    else if (err->line > 0)
        fprintf(stderr, "dcswarm: %s:%d:%d: %s\n", source, err->line, err->column,
                err->text);
    else if (err->path[0])
        fprintf(stderr, "dcswarm: %s:%s: %s\n", source, err->path, err->text);
    else
        fprintf(stderr, "dcswarm: %s: %s\n", source, err->text);
}

void dcs_print_warnings(const char *source, const json_t *warnings, int as_json)
{
    struct dcs_strbuf lines = {0};
    const json_t *w;
    size_t i;

    if (as_json) {
        json_dumpf(warnings, stderr, JSON_INDENT(2));
        fputc('\n', stderr);
        return;
    }
    /* stderr is unbuffered: one write for all lines, not one per line. */
    dcs_warning_lines(&lines, source, warnings);
    if (!lines.failed && lines.len)
        fwrite(lines.data, 1, lines.len, stderr);
    else if (lines.failed)
        json_array_foreach(warnings, i, w)
            fprintf(stderr, "%s:%s:%s: %s\n", source,
                    json_string_value(json_object_get(w, "service")),
                    json_string_value(json_object_get(w, "field")),
                    json_string_value(json_object_get(w, "message")));
    dcs_strbuf_release(&lines);
}

int dcs_warnings_lossy(const json_t *warnings)
{
    const json_t *w;
    size_t i;

    json_array_foreach(warnings, i, w) {
        const char *c = json_string_value(json_object_get(w, "class"));
        if (c && (!strcmp(c, "approximate") || !strcmp(c, "kept")))
            return 1;
    }
    return 0;
}

int dcs_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

#define OUT_CHUNK (1u << 20)

/* A file nobody else can open, gone with its last descriptor. */
static FILE *held_file(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    int fd;
    FILE *f;

    snprintf(path, sizeof(path), "%s/dcswarm-out-XXXXXX", dir && *dir ? dir : "/tmp");
    if ((fd = mkstemp(path)) < 0)
        return NULL;
    unlink(path);
    if (!(f = fdopen(fd, "w+")))
        close(fd);
    return f;
}

static void out_spill(struct dcs_out *o)
{
    FILE *f = o->to;

    if (o->buf.len < OUT_CHUNK)
        return;
    if (o->hold && !o->held && !(o->held = held_file()))
        return; /* held in memory, then */
    if (o->hold)
        f = o->held;
    if (fwrite(o->buf.data, 1, o->buf.len, f) != o->buf.len)
        o->failed = 1;
    o->buf.len = 0;
}

/* What was held in the file, to `to`. */
static void out_unhold(struct dcs_out *o)
{
    char chunk[65536];
    size_t n;

    if (fflush(o->held) || fseek(o->held, 0, SEEK_SET))
        o->failed = 1;
    while (!o->failed && (n = fread(chunk, 1, sizeof(chunk), o->held)) > 0)
        if (fwrite(chunk, 1, n, o->to) != n)
            o->failed = 1;
    if (ferror(o->held))
        o->failed = 1;
    fclose(o->held);
    o->held = NULL;
}

void dcs_out_write(struct dcs_out *o, const char *data, size_t len)
{
    dcs_strbuf_append(&o->buf, data, len);
    o->failed |= o->buf.failed;
}

void dcs_out_puts(struct dcs_out *o, const char *s)
{
    dcs_out_write(o, s, strlen(s));
}

void dcs_out_json(struct dcs_out *o, const json_t *v, int indent)
{
    dcs_json_write(&o->buf, v, 2, indent);
    o->failed |= o->buf.failed;
    out_spill(o);
}

void dcs_out_text(struct dcs_out *o, const char *text, size_t len)
{
    dcs_out_write(o, text, len);
    out_spill(o);
}

int dcs_out_flush(struct dcs_out *o)
{
    if (o->held)
        out_unhold(o);
    if (!o->failed && o->buf.len &&
        fwrite(o->buf.data, 1, o->buf.len, o->to) != o->buf.len)
        o->failed = 1;
    o->buf.len = 0;
    if (fflush(o->to))
        o->failed = 1;
    return o->failed ? DCS_ERR : DCS_OK;
}

void dcs_out_release(struct dcs_out *o)
{
    if (o->held) /* never flushed: refused, nothing of it written */
        fclose(o->held);
    o->held = NULL;
    dcs_strbuf_release(&o->buf);
}

static const char *const limit_flags[] = {"--max-input", "--max-services", "--max-string",
                                          "--max-depth", "--max-alias-nodes"};
static const char *const limit_vars[] = {"DCSWARM_MAX_INPUT", "DCSWARM_MAX_SERVICES",
                                         "DCSWARM_MAX_STRING", "DCSWARM_MAX_DEPTH",
                                         "DCSWARM_MAX_ALIAS_NODES"};

static int limit_option(const char *cmd, int k, const char *arg, struct dcs_stack_args *a)
{
    struct dcs_error err;

    dcs_error_clear(&err);
    if (dcs_input_limit_set(&a->limits, limit_flags[k], arg, &err)) {
        fprintf(stderr, "dcswarm %s: %s: %s\n", cmd, err.path, err.text);
        return -1;
    }
    return 1;
}

int dcs_stack_args_init(const char *cmd, struct dcs_stack_args *a)
{
    const char *v;

    a->limits = dcs_input_limits_default;
    a->opts.limits = &a->limits;
    for (int k = 0; k < 5; k++)
        if ((v = getenv(limit_vars[k])) && *v && limit_option(cmd, k, v, a) < 0)
            return -1;
    return 0;
}

int dcs_stack_option(const char *cmd, int c, const char *arg, struct dcs_stack_args *a)
{
    int f;

    if (c >= DCS_OPT_LIMIT && c < DCS_OPT_LIMIT + 5)
        return limit_option(cmd, c - DCS_OPT_LIMIT, arg, a);
    switch (c) {
    case 'f': a->file = arg; return 1;
    case 's': a->opts.stack = arg; return 1;
    case 'S': a->strict = 1; return 1;
    case 'n': a->opts.namespace_ = arg; return 1;
    case 'I': a->no_interpolate = 1; return 1;
    case 'i':
        if ((f = dcs_input_format_parse(arg)) < 0) {
            fprintf(stderr, "dcswarm %s: unknown input format '%s'\n", cmd, arg);
            return -1;
        }
        a->opts.format = (enum dcs_input_format)f;
        return 1;
    default:
        return 0;
    }
}
