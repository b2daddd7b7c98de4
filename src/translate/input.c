/*
 * input.c - detect what the user gave us and load every service in it.
 *
 * Formats: stackfile YAML (top-level service name -> settings), and the JSON
 * shapes the Docker Cloud API used: a create or PATCH body, a service object,
 * a list export {"meta", "objects"}, a stack body {"name", "services"}.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"
#include "translate/fields.h"
#include "translate/interp.h"
#include "translate/normalize.h"
#include "translate/translate.h"
#include "translate/yaml_load.h"

static const struct {
    const char *word;
    enum dcs_input_format format;
} format_words[] = {
    {"auto", DCS_INPUT_AUTO},       {"stackfile", DCS_INPUT_STACKFILE},
    {"create", DCS_INPUT_CREATE},   {"patch", DCS_INPUT_PATCH},
    {"service", DCS_INPUT_SERVICE}, {"list", DCS_INPUT_LIST},
    {"stack", DCS_INPUT_STACK},
};
#define N_FORMATS (sizeof(format_words) / sizeof(format_words[0]))

int dcs_input_format_parse(const char *word)
{
    for (size_t i = 0; i < N_FORMATS; i++)
        if (!strcmp(word, format_words[i].word))
            return (int)format_words[i].format;
    return -1;
}

const char *dcs_input_format_name(enum dcs_input_format f)
{
    for (size_t i = 0; i < N_FORMATS; i++)
        if (format_words[i].format == f)
            return format_words[i].word;
    return "?";
}

/* Prefix err->path with "service:" so the CLI prints file:service:field. */
static void error_in_service(struct dcs_error *err, const char *service)
{
    char joined[DCS_ERROR_PATH_LEN];

    if (!err || !*service)
        return;
    if (err->path[0])
        snprintf(joined, sizeof(joined), "%s:%s", service, err->path);
    else
        snprintf(joined, sizeof(joined), "%s", service);
    memcpy(err->path, joined, sizeof(joined));
}

static bool valid_service_name(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > 63 || !isalnum((unsigned char)name[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '_')
            return false;
    return true;
}

/* The service as compact text with sorted keys (a new string), for
 * opts->lean: the text of its dcswarm.spec label, made here once. */
static json_t *service_text(const json_t *service)
{
    char *text = dcs_json_compact(service);
    json_t *s;

    if (!text)
        return NULL;
    /* Written from valid UTF-8 strings: valid UTF-8. */
    s = json_stringn_nocheck(text, strlen(text));
    free(text);
    return s;
}

/* The order labels were written in, when the service's text (keys sorted)
 * would lose it: a compose file writes them in that order.  NULL when
 * sorted already. */
static json_t *label_order(const json_t *service)
{
    const json_t *labels = json_object_get(service, "labels");
    const char *key, *prev = NULL;
    json_t *order, *v;
    bool sorted = true;

    json_object_foreach((json_t *)labels, key, v) {
        sorted &= !prev || strcmp(prev, key) < 0;
        prev = key;
    }
    if (sorted)
        return NULL;
    order = json_array();
    json_object_foreach((json_t *)labels, key, v)
        json_array_append_new(order, json_string(key));
    return order;
}

/* With opts->lean the service is kept as text, read back by dcs_forward. */
static json_t *entry_new(const char *format, json_t *service, json_t *readonly,
                         json_t *spelling, const struct dcs_translate_opts *opts)
{
    json_t *kept = service, *entry, *refs;
    bool failed;

    json_t *order = opts->lean ? label_order(service) : NULL;

    if (opts->lean) {
        kept = service_text(service);
        if (readonly && !json_object_size(readonly)) {
            json_decref(readonly);
            readonly = NULL;
        }
    } else if (!readonly) {
        readonly = json_object();
    }
    entry = json_object();
    if (json_object_get(service, "name"))
        json_object_set_nocheck(entry, "name", json_object_get(service, "name"));
    json_object_set_new_nocheck(entry, "format", json_string_nocheck(format));
    json_object_set_new_nocheck(entry, "service", kept);
    if (order)
        json_object_set_new_nocheck(entry, "label_order", order);
    failed = !kept || dcs_refs_pack(service, spelling, opts, &refs); /* out of memory */
    if (!failed && refs)
        json_object_set_new_nocheck(entry, "refs", refs);
    if (readonly)
        json_object_set_new_nocheck(entry, "readonly", readonly);
    if (opts->lean && spelling) {
        json_t *packed = dcs_spelling_pack(spelling);
        json_decref(spelling);
        spelling = packed;
        failed |= !spelling;
    }
    json_object_set_new_nocheck(entry, "spelling", spelling ? spelling : json_object());
    if (kept != service)
        json_decref(service);
    if (failed) {
        json_decref(entry);
        return NULL;
    }
    return entry;
}

/* A stackfile's service kept as where its text is (dcs_load_services_source):
 * the array [refs], to which sf_part_ranges adds where; the service itself,
 * its spelling and its label order are loaded again when it is translated.
 * NULL when out of memory. */
static json_t *ranged_entry_new(json_t *service, json_t *spelling,
                                const struct dcs_translate_opts *opts)
{
    json_t *refs = NULL, *entry = NULL;

    /* Its name is the first record of its refs (dcs_entry_name). */
    if (!dcs_refs_pack(service, spelling, opts, &refs) && refs &&
        json_string_value(refs)[0] == 'N')
        entry = json_pack("[O]", refs);
    json_decref(refs);
    json_decref(service);
    json_decref(spelling);
    return entry;
}

static const struct dcs_input_limits *limits_of(const struct dcs_translate_opts *opts)
{
    return opts->limits ? opts->limits : &dcs_input_limits_default;
}

/* Checked before a service is loaded, so that memory stops growing there. */
static int one_more_service(const json_t *entries, const struct dcs_translate_opts *opts,
                            const char *service, struct dcs_error *err)
{
    size_t max = limits_of(opts)->services;

    if (json_array_size(entries) < max)
        return DCS_OK;
    return dcs_error_set(err, service, "more than %zu services (the limit; --max-services "
                         "raises it)", max);
}

static int add_entry(json_t *entries, json_t *entry, struct dcs_error *err)
{
    if (!entry)
        return dcs_error_status(err, 500, NULL, "out of memory");
    return json_array_append_new(entries, entry);
}

/* Names are unique in a stack (and in a namespace). */
/* Swarm keeps service names without regard to case ("Web" is "web"
 * there), and so does DNS, which the aliases are. */
static int check_unique_names(const json_t *entries, struct dcs_error *err)
{
    json_t *seen = json_object(), *e, *first;
    char folded[256]; /* names are refused past 63 characters */
    size_t i, n;
    int rc = DCS_OK;

    json_array_foreach(entries, i, e) {
        const char *name = dcs_entry_name(e);
        if (!name)
            continue;
        for (n = 0; name[n] && n < sizeof(folded) - 1; n++)
            folded[n] = (char)tolower((unsigned char)name[n]);
        folded[n] = 0;
        if ((first = json_object_get(seen, folded))) {
            rc = strcmp(json_string_value(first), name)
                 ? dcs_error_set(err, name, "the service names \"%s\" and \"%s\" are one "
                                 "name on swarm, which does not tell case apart",
                                 json_string_value(first), name)
                 : dcs_error_set(err, name, "the service name \"%s\" is used "
                                 "twice; names are unique in a stack", name);
            break;
        }
        json_object_set_new(seen, folded, json_string(name));
    }
    json_decref(seen);
    return rc;
}

/* format: "api" for a service alone or in a list, "stack" for one of a
 * stack body (dcs_entry_in_stack). */
static int load_api_one(json_t *entries, const json_t *raw, enum dcs_api_kind kind,
                        const char *format, const char *where,
                        const struct dcs_translate_opts *opts, struct dcs_error *err)
{
    json_t *ro = NULL, *svc;

    if (one_more_service(entries, opts, where, err))
        return DCS_ERR;
    if (!json_is_object(raw))
        return dcs_error_set(err, where, "expected a service object");
    svc = dcs_normalize_api(raw, kind, &ro, err);
    if (!svc) {
        const char *n = json_string_value(json_object_get(raw, "name"));
        error_in_service(err, n ? n : where);
        return DCS_ERR;
    }
    return add_entry(entries, entry_new(format, svc, ro, NULL, opts), err);
}

static int load_stackfile_one(json_t *entries, const char *name, json_t *raw,
                              const struct dcs_translate_opts *opts, bool ranged,
                              json_t *warnings, struct dcs_error *err)
{
    json_t *copy, *svc, *spelling = NULL;

    if (one_more_service(entries, opts, name, err))
        return DCS_ERR;
    if (!valid_service_name(name))
        return dcs_error_set(err, name, "expected a service name (letters, "
                             "digits, '-' and '_', at most 63 characters, "
                             "starting with a letter or digit), got \"%s\"", name);
    if (!json_is_object(raw))
        return dcs_error_set(err, name, "expected a mapping of service settings");
    /* The document is ours: interpolate in place, no copy. */
    copy = raw;
    if (opts->env && dcs_interpolate(copy, opts->env, name, "", warnings, err)) {
        error_in_service(err, name);
        return DCS_ERR;
    }
    svc = dcs_normalize_stackfile(name, copy, opts->env, &spelling, warnings, err);
    if (!svc) {
        error_in_service(err, name);
        return DCS_ERR;
    }
    return add_entry(entries, ranged ? ranged_entry_new(svc, spelling, opts)
                                     : entry_new("stackfile", svc, NULL, spelling, opts), err);
}

static int compose_error(struct dcs_error *err)
{
    return dcs_error_set(err, "version", "this is a Compose file (version "
                         "and services keys), not a Docker Cloud stackfile: "
                         "deploy it with 'docker stack deploy'");
}

static int load_stackfile(json_t *entries, json_t *doc,
                          const struct dcs_translate_opts *opts, json_t *warnings,
                          struct dcs_error *err)
{
    const char *key;
    json_t *v;

    if (json_is_null(doc))
        return dcs_error_set(err, NULL, "the stackfile is empty: expected "
                             "service names with their settings");
    if (!json_is_object(doc))
        return dcs_error_set(err, NULL, "expected a stackfile: a mapping of "
                             "service names to their settings");
    if (json_is_object(json_object_get(doc, "services")) &&
        json_object_get(doc, "version"))
        return compose_error(err);
    json_object_foreach(doc, key, v) {
        if (load_stackfile_one(entries, key, v, opts, false, warnings, err))
            return DCS_ERR;
        /* Done with this service's raw form: keep the peak memory low. */
        json_object_set_new(doc, key, json_null());
    }
    return DCS_OK;
}

/* A stackfile read one service at a time (dcs_yaml_load_each). */
struct sf_stream {
    json_t *entries;
    const struct dcs_translate_opts *opts;
    json_t *warnings;
    size_t warnings_before;
    struct dcs_error *err;
    bool failed;                     /* a service failed: err says why */
    bool has_version, has_services;  /* a Compose file? */
    bool ranged;                     /* entries without their service (ranged_entry_new) */
};

/* Back to the state before the first service (the whole document follows). */
static void sf_stream_reset(struct sf_stream *s)
{
    json_array_clear(s->entries);
    while (json_array_size(s->warnings) > s->warnings_before)
        json_array_remove(s->warnings, json_array_size(s->warnings) - 1);
    s->failed = s->has_version = s->has_services = false;
}

static bool key_is(const char *key, size_t len, const char *word)
{
    return len == strlen(word) && !memcmp(key, word, len);
}

static int stackfile_entry(const char *key, size_t key_len, size_t line, json_t *value,
                           void *ctx)
{
    struct sf_stream *s = ctx;
    int rc = DCS_OK;

    (void)line;
    if (!key) {
        sf_stream_reset(s);
        rc = load_stackfile(s->entries, value, s->opts, s->warnings, s->err);
        json_decref(value);
        return rc;
    }
    s->has_version |= key_is(key, key_len, "version");
    s->has_services |= key_is(key, key_len, "services") && json_is_object(value);
    /* After a failure the rest is still read, without loading it: a YAML
     * error further down, or a Compose file, is what gets reported, as when
     * the whole document was checked before its services. */
    if (!s->failed &&
        load_stackfile_one(s->entries, key, value, s->opts, s->ranged, s->warnings, s->err))
        s->failed = true;
    json_decref(value);
    return DCS_OK;
}

/* ---- the same on two threads ----------------------------------------
 * One thread parses the YAML while the other loads the services the parser
 * has finished (interpolation, schemas, normalizing), in document order,
 * through a short queue.  The parser's errors are its own (a YAML error is
 * reported whatever the loader found before it); the loader's first error
 * is kept in its own struct and reported when the document was sound. */

#define SF_QUEUE 32

struct sf_item {
    char *key;      /* NULL: the whole document (dcs_yaml_load_each) */
    json_t *value;
};

struct sf_pipe {
    struct sf_stream *s;       /* s->err is the loader's own */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct sf_item item[SF_QUEUE];
    size_t head, tail;         /* items taken, items put */
    bool closed;               /* the parser is done */
    int waiting;               /* threads in pthread_cond_wait */
    bool whole;                /* the parser started over with the document */
    bool has_version, has_services; /* the parser's: a Compose file? */
};

static void sf_wait(struct sf_pipe *p)
{
    p->waiting++;
    pthread_cond_wait(&p->cond, &p->lock);
    p->waiting--;
}

static void sf_wake(struct sf_pipe *p)
{
    if (p->waiting)
        pthread_cond_broadcast(&p->cond);
}

/* The loader's thread: every item in order, loaded until one fails, the
 * rest only freed. */
static void *sf_loader(void *arg)
{
    struct sf_pipe *p = arg;
    struct sf_stream *s = p->s;
    struct sf_item it;

    pthread_mutex_lock(&p->lock);
    for (;;) {
        if (p->head == p->tail) {
            if (p->closed)
                break;
            sf_wait(p);
            continue;
        }
        it = p->item[p->head % SF_QUEUE];
        p->head++;
        sf_wake(p);
        pthread_mutex_unlock(&p->lock);
        if (!it.key) {
            sf_stream_reset(s);
            s->failed = load_stackfile(s->entries, it.value, s->opts, s->warnings,
                                       s->err) != DCS_OK;
        } else if (!s->failed &&
                   load_stackfile_one(s->entries, it.key, it.value, s->opts, false,
                                      s->warnings, s->err)) {
            s->failed = true;
        }
        json_decref(it.value);
        free(it.key);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* The parser's side: an entry (or the whole document) into the queue. */
static int sf_put(const char *key, size_t key_len, size_t line, json_t *value, void *ctx)
{
    struct sf_pipe *p = ctx;
    struct sf_item it = {NULL, value};

    (void)line;
    if (!key) {
        p->whole = true;
        p->has_version = p->has_services = false;
    } else {
        p->has_version |= key_is(key, key_len, "version");
        p->has_services |= key_is(key, key_len, "services") && json_is_object(value);
        /* As the loader reads it: up to a NUL the key may hold. */
        if (!(it.key = strndup(key, key_len))) {
            json_decref(value);
            return dcs_error_status(p->s->err, 500, NULL, "out of memory");
        }
    }
    pthread_mutex_lock(&p->lock);
    while (p->tail - p->head == SF_QUEUE)
        sf_wait(p);
    p->item[p->tail % SF_QUEUE] = it;
    p->tail++;
    sf_wake(p);
    pthread_mutex_unlock(&p->lock);
    return DCS_OK;
}

static int load_stackfile_piped(json_t *entries, const char *text, size_t len,
                                const struct dcs_translate_opts *opts,
                                json_t *warnings, struct dcs_error *err)
{
    struct dcs_error loader_err;
    struct sf_stream s = {entries, opts, warnings, json_array_size(warnings),
                          &loader_err, false, false, false, false};
    struct sf_pipe *p = calloc(1, sizeof(*p));
    pthread_t loader;
    int rc;

    if (!p)
        return dcs_error_status(err, 500, NULL, "out of memory");
    loader_err = *err;
    p->s = &s;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    if (pthread_create(&loader, NULL, sf_loader, p)) {
        free(p);
        return dcs_error_status(err, 500, NULL, "cannot start a thread");
    }
    rc = dcs_yaml_load_each(text, len, opts->limits, sf_put, p, err);
    pthread_mutex_lock(&p->lock);
    p->closed = true;
    sf_wake(p);
    pthread_mutex_unlock(&p->lock);
    pthread_join(loader, NULL);
    if (!rc && !p->whole && p->has_version && p->has_services)
        rc = compose_error(err);
    else if (!rc && s.failed)
        rc = (*err = loader_err, DCS_ERR);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p);
    return rc;
}

/* ---- parts of the text on several threads ----------------------------
 * libyaml reads some 40 MB/s, so one parser bounds the whole load.  A plain
 * stackfile (a mapping of services at column 0) is cut at lines that start
 * a top-level key, and each part is parsed and loaded on its own thread as
 * if it were the whole file; the parts' entries and warnings are then
 * joined in order.  Only a text without what could make a part read
 * differently alone (anchors and aliases, tags, merge keys, directives,
 * documents markers, lines starting with anything but a key, a comment or
 * indentation) is cut.  A construct that spans a cut leaves the part before
 * it unterminated, which is an error; and on any error in any part (or a
 * key that two parts both have, or a Compose file) the parts are dropped
 * and the whole text is loaded again in one piece, so that what is
 * reported is what one parser reports. */

/* Four parts per thread, taken in turn by whichever thread is free, so
 * that a thread the machine slows down leaves its share to the others;
 * none smaller than SF_PART_MIN bytes.  Read from a source, none larger
 * than SF_PART_READ: a part's text is in memory while it is loaded. */
#define SF_PARTS_PER_THREAD 4
#define SF_PART_MIN ((size_t)64 << 10)
#define SF_PART_READ ((size_t)4 << 20)

/* The lines of a part's keys, one per entry. */
struct sf_lines {
    size_t *at, n, cap;
};

static int sf_lines_add(struct sf_lines *l, size_t line)
{
    size_t *grown;

    if (l->n == l->cap) {
        if (!(grown = realloc(l->at, (l->cap ? l->cap * 2 : 64) * sizeof(*grown))))
            return DCS_ERR;
        l->at = grown;
        l->cap = l->cap ? l->cap * 2 : 64;
    }
    l->at[l->n++] = line;
    return DCS_OK;
}

static void sf_lines_release(struct sf_lines *l)
{
    free(l->at);
    memset(l, 0, sizeof(*l));
}

/* Where a ranged entry's text is: one integer, `at` in its high bits, so
 * that an entry costs one value more than its name and refs.  NULL when it
 * does not fit (a service of 8 MiB or more: the text is then read whole). */
#define SF_RANGE_LEN_BITS 23
static json_t *sf_range(size_t at, size_t len)
{
    if (len >> SF_RANGE_LEN_BITS || at >> (62 - SF_RANGE_LEN_BITS))
        return NULL;
    return json_integer((json_int_t)(at << SF_RANGE_LEN_BITS | len));
}

/* The text to cut: in memory, or read from a source. */
struct sf_input {
    const char *text;                     /* NULL: read from source */
    const struct dcs_text_source *source;
    size_t len;
};

struct sf_part {
    const char *text;
    size_t len;
    size_t at;                 /* where it starts in the input */
    char *read;                /* its text, read from the source (owned) */
    struct sf_lines lines;    /* ranged: the line each entry's key is on */
    struct sf_stream s;        /* entries, warnings and err of the part */
    struct dcs_error err;
    json_t *keys;              /* its top-level keys */
    bool failed, whole;        /* whole: dcs_yaml_load_each started over */
    atomic_bool *dropped;      /* shared: a part failed, the others stop */
    atomic_size_t *loaded;     /* shared: services of all parts, for the limit */
};

static bool key_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_';
}

/* Line breaks other than "\n" and "\r\n" (a lone CR, NEL, LS, PS), which
 * YAML counts too: lines this scan would not see. */
static bool other_breaks(const char *text, size_t len)
{
    const char *cr = text, *end = text + len;

    while ((cr = memchr(cr, '\r', (size_t)(end - cr))))
        if (++cr == end || *cr != '\n')
            return true;
    return memmem(text, len, "\xc2\x85", 2) || memmem(text, len, "\xe2\x80\xa8", 3) ||
           memmem(text, len, "\xe2\x80\xa9", 3);
}

/* Does this part hold nothing that could make it read differently alone:
 * no anchor, alias, tag, merge key or NUL, only "\n" and "\r\n" line
 * breaks, every line starting with a key, a comment, indentation or
 * nothing?  Checked by each part's own thread. */
static bool sf_part_plain(const char *text, size_t len)
{
    const char *p, *end = text + len;

    if (memchr(text, '&', len) || memchr(text, '*', len) || memchr(text, '!', len) ||
        memchr(text, '<', len) || memchr(text, '\0', len) || other_breaks(text, len))
        return false;
    for (p = text; p < end; p++) {
        if (!key_start(*p) && *p != '#' && *p != ' ' && *p != '\n' && *p != '\r')
            return false; /* a line of something else at column 0 */
        if (!(p = memchr(p, '\n', (size_t)(end - p))))
            break;
    }
    return true;
}

/* The first line at or after `from` (> 0) that starts with a key: *p.  A
 * source is read a window at a time; a read error is no line (the text is
 * then read whole, and the error reported from there). */
#define SF_WINDOW ((size_t)16 << 10)
static bool next_key_line(const struct sf_input *in, size_t from, size_t *p)
{
    char window[SF_WINDOW];
    size_t start = from - 1, n, i;
    const char *w, *nl;
    struct dcs_error ignored;

    while (start + 1 < in->len) {
        n = in->text ? in->len - start : in->len - start < SF_WINDOW ? in->len - start
                                                                     : SF_WINDOW;
        w = in->text ? in->text + start : window;
        if (!in->text && in->source->read(in->source->ctx, start, n, window, &ignored))
            return false;
        for (nl = w; (nl = memchr(nl, '\n', n - (size_t)(nl - w))); nl++) {
            i = (size_t)(nl - w) + 1;
            if (i < n && key_start(w[i])) {
                *p = start + i;
                return true;
            }
        }
        if (in->text || start + n >= in->len)
            break;
        start += n - 1; /* a break at the end is looked at again, with what follows */
    }
    return false;
}

/* Where to cut: the starts of up to parts-1 lines that start with a key,
 * spread over the text (at[]); how many parts (1: not cut). */
static size_t sf_cut(const struct sf_input *in, size_t parts, size_t *at)
{
    size_t n = 1, from, p;

    for (size_t k = 1; k < parts; k++) {
        from = in->len / parts * k;
        if (n > 1 && from <= at[n - 2])
            from = at[n - 2] + 1;
        if (from == 0)
            from = 1;
        if (!next_key_line(in, from, &p))
            break;
        at[n++ - 1] = p;
    }
    return n;
}

static int sf_part_entry(const char *key, size_t key_len, size_t line, json_t *value,
                         void *ctx)
{
    struct sf_part *part = ctx;

    if (atomic_load_explicit(part->dropped, memory_order_relaxed)) {
        json_decref(value);
        return DCS_ERR;
    }
    if (!key) {
        part->whole = true;
        json_decref(value);
        return DCS_ERR;
    }
    /* Over the limit, the text is loaded in one piece to say where. */
    if (json_object_getn(part->keys, key, key_len) ||
        json_object_setn_new_nocheck(part->keys, key, key_len, json_true()) ||
        atomic_fetch_add(part->loaded, 1) >= limits_of(part->s.opts)->services ||
        (part->s.ranged && sf_lines_add(&part->lines, line))) {
        json_decref(value);
        return DCS_ERR;
    }
    stackfile_entry(key, key_len, line, value, &part->s);
    return part->s.failed ? DCS_ERR : DCS_OK;
}

/* A ranged part's entries get where their text is: from the line of their
 * key to the line of the next one (the last: to the end of the part). */
static bool sf_part_ranges(struct sf_part *part)
{
    const char *p = part->text, *end = part->text + part->len;
    size_t line = 0, n = json_array_size(part->s.entries), k;
    size_t *from = n == part->lines.n ? calloc(n + 1, sizeof(*from)) : NULL;
    json_t *range;
    bool ok = from != NULL;
    for (k = 0; ok && k < n; k++) {
        while (line < part->lines.at[k] && (p = memchr(p, '\n', (size_t)(end - p)))) {
            p++;
            line++;
        }
        ok = p && line == part->lines.at[k];
        from[k] = ok ? (size_t)(p - part->text) : 0;
    }
    if (ok)
        from[n] = part->len;
    for (k = 0; ok && k < n; k++)
        ok = (range = sf_range(part->at + from[k], from[k + 1] - from[k])) &&
             !json_array_append_new(json_array_get(part->s.entries, k), range);
    free(from);
    return ok;
}

static void *sf_part_run(void *arg)
{
    struct sf_part *part = arg;
    const struct dcs_text_source *src = part->s.opts->text_source;

    if (part->s.ranged && !atomic_load(part->dropped)) {
        part->text = part->read = malloc(part->len ? part->len : 1);
        part->failed = !part->read ||
                       src->read(src->ctx, part->at, part->len, part->read, &part->err);
    }
    part->failed = part->failed || atomic_load(part->dropped) ||
                   !sf_part_plain(part->text, part->len) ||
                   dcs_yaml_load_each(part->text, part->len, part->s.opts->limits,
                                      sf_part_entry, part,
                                      &part->err) != DCS_OK ||
                   part->s.failed || part->whole ||
                   (part->s.has_version && part->s.has_services) ||
                   (part->s.ranged && !sf_part_ranges(part));
    if (part->failed)
        atomic_store(part->dropped, true);
    free(part->read);
    part->read = NULL;
    return NULL;
}

/* Does a later part have a key an earlier one has?  The first part's keys
 * collect the others'. */
static bool sf_parts_overlap(struct sf_part *parts, size_t n)
{
    json_t *seen = parts[0].keys, *v;
    const char *key;

    for (size_t i = 1; i < n; i++)
        json_object_foreach(parts[i].keys, key, v)
            if (json_object_get(seen, key) || json_object_set_nocheck(seen, key, v))
                return true;
    return false;
}

struct sf_run {
    struct sf_part *parts;
    size_t n;
    atomic_size_t next;     /* the next part to take */
};

static void *sf_parts_take(void *arg)
{
    struct sf_run *run = arg;
    size_t i;

    while ((i = atomic_fetch_add(&run->next, 1)) < run->n)
        sf_part_run(&run->parts[i]);
    return NULL;
}

/* How many parts for this text on this many threads (read from a source:
 * at least one per SF_PART_READ bytes, and one part is a part). */
static size_t sf_parts_wanted(const struct sf_input *in, int threads)
{
    size_t n = (size_t)threads * SF_PARTS_PER_THREAD, reads;

    if (threads < 2 && in->text)
        return 1;
    if (n > in->len / SF_PART_MIN)
        n = in->len / SF_PART_MIN;
    if (n < (size_t)threads)
        n = (size_t)threads;
    reads = in->len / SF_PART_READ + 1;
    return in->text || n > reads ? n : reads;
}

/* The parts' entries and warnings, in order, into entries and warnings;
 * DCS_ERR when the text must be loaded in one piece. */
static int sf_load_parts(json_t *entries, const struct sf_input *in,
                         const struct dcs_translate_opts *opts, json_t *warnings)
{
    struct sf_part *parts = NULL;
    struct sf_run run = {NULL, 0, 0};
    pthread_t threads[DCS_MAX_THREADS];
    size_t *at, n, started = 0, i, wanted = sf_parts_wanted(in, opts->threads);
    bool ok = true, version = false, services = false;
    atomic_bool dropped = false;
    atomic_size_t loaded = 0;

    if (!(at = calloc(wanted, sizeof(*at))))
        return DCS_ERR;
    n = sf_cut(in, wanted, at);
    if ((n < 2 && in->text) || !(parts = calloc(n, sizeof(*parts)))) {
        free(at);
        return DCS_ERR;
    }
    run.parts = parts;
    for (i = 0; i < n; i++) {
        size_t from = i ? at[i - 1] : 0, to = i + 1 < n ? at[i] : in->len;
        parts[i] = (struct sf_part){.text = in->text ? in->text + from : NULL,
                                    .len = to - from, .at = from,
                                    .keys = json_object(), .dropped = &dropped,
                                    .loaded = &loaded};
        dcs_error_clear(&parts[i].err);
        parts[i].s = (struct sf_stream){json_array(), opts, json_array(), 0,
                                        &parts[i].err, false, false, false, !in->text};
    }
    free(at);
    run.n = n;
    /* The caller's thread is one of opts->threads. */
    while (started + 1 < (size_t)opts->threads && started + 1 < n &&
           !pthread_create(&threads[started], NULL, sf_parts_take, &run))
        started++;
    sf_parts_take(&run);
    for (i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    for (i = 0; i < n; i++) {
        ok &= !parts[i].failed;
        version |= parts[i].s.has_version;
        services |= parts[i].s.has_services;
    }
    ok = ok && !(version && services) && !sf_parts_overlap(parts, n);
    for (i = 0; i < n; i++) {
        if (ok && (json_array_extend(entries, parts[i].s.entries) ||
                   json_array_extend(warnings, parts[i].s.warnings)))
            ok = false;
        json_decref(parts[i].s.entries);
        json_decref(parts[i].s.warnings);
        json_decref(parts[i].keys);
        sf_lines_release(&parts[i].lines);
    }
    free(parts);
    return ok ? DCS_OK : DCS_ERR;
}

/* Stackfile text -> entries, never holding the whole document. */
static int load_stackfile_text(json_t *entries, const char *text, size_t len,
                               const struct dcs_translate_opts *opts,
                               json_t *warnings, struct dcs_error *err)
{
    struct dcs_error none;
    struct sf_stream s = {entries, opts, warnings, json_array_size(warnings),
                          err, false, false, false, false};

    if (opts->threads > 1) {
        size_t before = json_array_size(warnings);
        struct sf_input in = {text, NULL, len};
        if (!sf_load_parts(entries, &in, opts, warnings))
            return DCS_OK;
        /* Dropped: in one piece, then. */
        json_array_clear(entries);
        while (json_array_size(warnings) > before)
            json_array_remove(warnings, json_array_size(warnings) - 1);
        dcs_error_clear(&none);
        return load_stackfile_piped(entries, text, len, opts, warnings,
                                    err ? err : &none);
    }
    if (dcs_yaml_load_each(text, len, opts->limits, stackfile_entry, &s, err))
        return DCS_ERR;
    if (s.has_version && s.has_services)
        return compose_error(err);
    return s.failed ? DCS_ERR : DCS_OK;
}

/* Stack bodies hold services in API form (Go) or stackfile form (CLIs). */
static bool looks_like_stackfile_service(const json_t *svc)
{
    static const char *const sf_only[] = {
        "ports", "expose", "environment", "links", "volumes", "volumes_from",
        "command", "restart", "mem_limit", "memswap_limit", NULL};

    for (const char *const *k = sf_only; *k; k++)
        if (json_object_get(svc, *k))
            return true;
    return !json_object_get(svc, "container_ports") &&
           !json_object_get(svc, "container_envvars") &&
           !json_object_get(svc, "linked_to_service") &&
           !json_object_get(svc, "bindings") &&
           !json_object_get(svc, "run_command") &&
           json_is_string(json_object_get(svc, "image")) &&
           !json_object_get(svc, "autorestart");
}

static int load_list(json_t *entries, json_t *items, enum dcs_api_kind kind,
                     const char *field, const struct dcs_translate_opts *opts,
                     json_t *warnings, struct dcs_error *err)
{
    size_t i;
    json_t *item;
    char where[64];

    if (!json_is_array(items))
        return dcs_error_set(err, field, "expected a list of services");
    json_array_foreach(items, i, item) {
        snprintf(where, sizeof(where), "%s[%zu]", field, i);
        if (!strcmp(field, "services") && json_is_object(item) &&
            looks_like_stackfile_service(item)) {
            const char *n = json_string_value(json_object_get(item, "name"));
            if (!n)
                return dcs_error_set(err, where, "missing required field \"name\"");
            if (load_stackfile_one(entries, n, item, opts, false, warnings, err))
                return DCS_ERR;
            continue;
        }
        if (load_api_one(entries, item, kind, strcmp(field, "services") ? "api" : "stack",
                         where, opts, err))
            return DCS_ERR;
    }
    return DCS_OK;
}

static enum dcs_input_format detect_json(const json_t *doc)
{
    if (json_is_array(doc))
        return DCS_INPUT_LIST;
    if (json_object_get(doc, "objects") && json_object_get(doc, "meta"))
        return DCS_INPUT_LIST;
    if (json_is_array(json_object_get(doc, "services")))
        return DCS_INPUT_STACK;
    if (json_object_get(doc, "uuid") || json_object_get(doc, "resource_uri") ||
        json_object_get(doc, "image_name"))
        return DCS_INPUT_SERVICE;
    if (json_object_get(doc, "image") || json_object_get(doc, "image_tag"))
        return DCS_INPUT_CREATE;
    return DCS_INPUT_PATCH;
}

static json_t *parse_json(const char *text, size_t len, struct dcs_error *err)
{
    return dcs_json_parse(text, len, JSON_DECODE_ANY, err);
}

/* An error the YAML layer found at a line and column: the field too, as
 * the other errors name it ("web:environment[0]", the service first). */
static void locate_yaml_error(const char *text, size_t len, struct dcs_error *err)
{
    char *dot;

    if (!err || err->line <= 0)
        return;
    if (!err->path[0])
        dcs_yaml_path_at(text, len, (size_t)err->line, (size_t)err->column, err->path,
                         sizeof(err->path));
    if ((dot = strchr(err->path, '.')) && dot > err->path && !memchr(err->path, '[', (size_t)(dot - err->path)))
        *dot = ':';
}

static bool starts_like_json(const char *text, size_t len)
{
    size_t i = 0;

    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
        i = 3;
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    return i < len && (text[i] == '{' || text[i] == '[');
}

/* jansson has limits of its own (nesting 2048): ours are checked on what it
 * read, the field named as the other errors name it. */
static int json_within(const json_t *v, const struct dcs_input_limits *lim, char *path,
                       size_t at, size_t depth, struct dcs_error *err)
{
    const char *key;
    json_t *m;
    size_t i;

    if (json_is_string(v) && json_string_length(v) > lim->string_bytes)
        return dcs_error_set(err, path, "a value of %zu bytes, more than %zu (the limit; "
                             "--max-string raises it)", json_string_length(v),
                             lim->string_bytes);
    if (!json_is_object(v) && !json_is_array(v))
        return DCS_OK;
    if (depth >= lim->depth)
        return dcs_error_set(err, path, "nesting deeper than %zu levels (the limit; "
                             "--max-depth raises it)", lim->depth);
    json_array_foreach(v, i, m) {
        snprintf(path + at, DCS_ERROR_PATH_LEN - at, "[%zu]", i);
        if (json_within(m, lim, path, at + strlen(path + at), depth + 1, err))
            return DCS_ERR;
    }
    json_object_foreach((json_t *)v, key, m) {
        if (strlen(key) > lim->string_bytes)
            return dcs_error_set(err, path, "a key of %zu bytes, more than %zu (the limit; "
                                 "--max-string raises it)", strlen(key), lim->string_bytes);
        snprintf(path + at, DCS_ERROR_PATH_LEN - at, "%s%s", at ? "." : "", key);
        if (json_within(m, lim, path, at + strlen(path + at), depth + 1, err))
            return DCS_ERR;
    }
    path[at] = 0;
    return DCS_OK;
}

static int json_within_limits(const json_t *doc, const struct dcs_input_limits *lim,
                              struct dcs_error *err)
{
    char path[DCS_ERROR_PATH_LEN] = "";

    return json_within(doc, lim, path, 0, 0, err);
}

/* JSON input (a stackfile is streamed: load_stackfile_text). */
static int load_doc(json_t *entries, json_t *doc, enum dcs_input_format f,
                    const struct dcs_translate_opts *opts, json_t *warnings,
                    struct dcs_error *err)
{
    json_t *objects;

    switch (f) {
    case DCS_INPUT_CREATE:
        return load_api_one(entries, doc, DCS_API_CREATE, "api", "", opts, err);
    case DCS_INPUT_PATCH:
        return load_api_one(entries, doc, DCS_API_PATCH, "api", "", opts, err);
    case DCS_INPUT_SERVICE:
        return load_api_one(entries, doc, DCS_API_OBJECT, "api", "", opts, err);
    case DCS_INPUT_LIST:
        objects = json_is_array(doc) ? doc : json_object_get(doc, "objects");
        return load_list(entries, objects, DCS_API_OBJECT,
                         json_is_array(doc) ? "" : "objects", opts, warnings, err);
    case DCS_INPUT_STACK:
        return load_list(entries, json_object_get(doc, "services"),
                         DCS_API_CREATE, "services", opts, warnings, err);
    default:
        return dcs_error_set(err, NULL, "unknown input format");
    }
}

json_t *dcs_load_services_unchecked(const char *text, size_t len,
                                    const struct dcs_translate_opts *opts,
                                    json_t *warnings, struct dcs_error *err)
{
    enum dcs_input_format f = opts->format;
    bool as_json = f != DCS_INPUT_STACKFILE &&
                   (f != DCS_INPUT_AUTO || starts_like_json(text, len));
    json_t *doc = NULL, *entries;
    int rc;

    if (len > limits_of(opts)->input_bytes) {
        dcs_error_set(err, NULL, "the input is %zu bytes, more than %zu (the limit; "
                      "--max-input raises it)", len, limits_of(opts)->input_bytes);
        return NULL;
    }
    if (as_json && !(doc = parse_json(text, len, err)))
        return NULL;
    if (as_json && json_within_limits(doc, limits_of(opts), err)) {
        json_decref(doc);
        return NULL;
    }
    if (f == DCS_INPUT_AUTO)
        f = as_json ? detect_json(doc) : DCS_INPUT_STACKFILE;
    if (as_json && f != DCS_INPUT_LIST && !json_is_object(doc)) {
        json_decref(doc);
        dcs_error_set(err, NULL, "expected a JSON object");
        return NULL;
    }
    entries = json_array();
    if (as_json)
        rc = load_doc(entries, doc, f, opts, warnings, err);
    else if ((rc = load_stackfile_text(entries, text, len, opts, warnings, err)))
        locate_yaml_error(text, len, err);
    if (rc || check_unique_names(entries, err)) {
        json_decref(entries);
        entries = NULL;
    }
    json_decref(doc);
    return entries;
}

json_t *dcs_load_services(const char *text, size_t len,
                          const struct dcs_translate_opts *opts,
                          json_t *warnings, struct dcs_error *err)
{
    json_t *entries = dcs_load_services_unchecked(text, len, opts, warnings, err);

    if (entries && dcs_forward_check(entries, opts, err)) {
        json_decref(entries);
        return NULL;
    }
    return entries;
}

json_t *dcs_load_services_source(const struct dcs_translate_opts *opts, json_t *warnings,
                                 struct dcs_error *err)
{
    const struct dcs_text_source *src = opts->text_source;
    struct sf_input in = {NULL, src, src->len};
    size_t before = json_array_size(warnings), n = src->len < 4096 ? src->len : 4096;
    char head[4096], *text;
    json_t *entries;

    if (src->len > limits_of(opts)->input_bytes) {
        dcs_error_set(err, NULL, "the input is %zu bytes, more than %zu (the limit; "
                      "--max-input raises it)", src->len, limits_of(opts)->input_bytes);
        return NULL;
    }
    if (src->read(src->ctx, 0, n, head, err))
        return NULL;
    if ((opts->format == DCS_INPUT_STACKFILE ||
         (opts->format == DCS_INPUT_AUTO && !starts_like_json(head, n))) &&
        (entries = json_array())) {
        if (!sf_load_parts(entries, &in, opts, warnings)) {
            if (!check_unique_names(entries, err))
                return entries;
            json_decref(entries);
            return NULL;
        }
        json_decref(entries);
        while (json_array_size(warnings) > before)
            json_array_remove(warnings, json_array_size(warnings) - 1);
    }
    /* Not a plain stackfile, or an error in it: read whole, it says which. */
    if (!(text = malloc(src->len ? src->len : 1))) {
        dcs_error_status(err, 500, NULL, "out of memory");
        return NULL;
    }
    entries = src->read(src->ctx, 0, src->len, text, err)
              ? NULL : dcs_load_services_unchecked(text, src->len, opts, warnings, err);
    free(text);
    return entries;
}

json_t *dcs_service_reload(const json_t *stored, const struct dcs_translate_opts *opts,
                           struct dcs_error *err)
{
    size_t v = (size_t)json_integer_value(stored), at = v >> SF_RANGE_LEN_BITS,
           len = v & (((size_t)1 << SF_RANGE_LEN_BITS) - 1);
    struct dcs_translate_opts lean = *opts;
    json_t *entries = json_array(), *scratch = json_array(), *e = NULL;
    /* Its warnings were those of loading it the first time. */
    struct sf_stream s = {entries, &lean, scratch, 0, err, false, false, false, false};
    char *text = malloc(len ? len : 1);

    lean.lean = 1;
    if (!text || !entries || !scratch)
        dcs_error_status(err, 500, NULL, "out of memory");
    else if (!opts->text_source || opts->text_source->read(opts->text_source->ctx, at, len, text, err))
        ;
    else if (dcs_yaml_load_each(text, len, opts->limits, stackfile_entry, &s, err) ||
             s.failed || json_array_size(entries) != 1)
        dcs_error_set(err, NULL, "the input changed while it was translated: the service "
                      "at byte %zu no longer reads as it did", at);
    else
        e = json_incref(json_array_get(entries, 0));
    free(text);
    json_decref(entries);
    json_decref(scratch);
    return e;
}
