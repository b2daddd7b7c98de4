/*
 * pipeline.c - the services of a stack translated on several threads and
 * handed over in input order (dcs_forward_each_text).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"
#include "translate/fields.h"
#include "util/strmap.h"

/* ---- the services of a stack, on several threads ---------------------
 * The services are cut into chunks of FWD_CHUNK in a row (a link target is
 * often the service just before: the svc cache keeps it).  A thread claims
 * the next chunk with one atomic counter and translates the whole of it into
 * a slot of its own, specs written out as text, without any lock; the
 * caller's thread hands the chunks over in input order (warnings, checks,
 * texts), so the output is the same bytes whatever the number of threads,
 * and translates chunks too while the next one is not ready.  Threads meet
 * once per chunk, not once per service: measured on two processors, a lock
 * and a wake-up per service made two threads slower than one.  At most
 * `window` chunks are ahead of the one handed over, which bounds memory. */

#define FWD_CHUNK 32
#define FWD_SLOTS_PER_THREAD 4

struct fwd_chunk {
    struct dcs_strbuf text;              /* the specs, one after the other */
    struct dcs_strbuf lines;             /* their warnings (how->lines_source) */
    struct dcs_strbuf extra;             /* what how->render put aside */
    size_t text_end[FWD_CHUNK];        /* where each spec's text ends */
    size_t lines_end[FWD_CHUNK];
    size_t extra_end[FWD_CHUNK];
    json_t *warnings[FWD_CHUNK];       /* each service's, unless as lines */
    size_t made;                       /* specs made: a failure stops there */
    bool failed;                       /* service `made` failed: err says why */
    struct dcs_error err;
    atomic_bool done;                  /* set last, by the thread that made it */
};

struct fwd_run {
    const json_t *entries, *peers, *needs, *uuids;
    const struct dcs_translate_opts *opts;
    const struct dcs_each_text *how;
    struct dcs_error err0;  /* the caller's err as it came (the caller's
                               own changes while the workers read this) */
    size_t n, chunks, window;
    atomic_size_t claimed;  /* chunks given to a thread */
    atomic_size_t written;  /* chunks handed over */
    atomic_bool stop;
    pthread_mutex_t lock;   /* only to sleep and to wake */
    pthread_cond_t cond;    /* a chunk is done, or the window moved */
    struct fwd_chunk *slot; /* window of them: chunk c in slot c % window */
};

/* Translate service i as the next spec of chunk c. */
static void fwd_one_into(struct fwd_run *r, struct fwd_chunk *c, size_t i,
                         struct dcs_svc_cache *cache)
{
    size_t k = c->made;
    /* As lines, made here: warning objects handed to another thread cost
     * more to make, read and free there than the lines. */
    struct dcs_fwd_sink sink = {NULL, r->how->lines_source ? &c->lines : NULL,
                            r->how->lines_source};
    json_t *spec, *svc = NULL;
    int rc = DCS_OK;

    if (!sink.lines)
        sink.warnings = c->warnings[k] = json_array();
    spec = dcs_forward_entry(json_array_get(r->entries, i), r->peers, cache, r->needs,
                             r->opts, r->uuids, &sink, r->how->render ? &svc : NULL,
                             &c->err);
    if (!spec) {
        c->failed = true;
        return;
    }
    if (r->how->render)
        rc = r->how->render(spec, svc, &c->text, &c->extra, r->how->render_ctx, &c->err);
    else
        dcs_json_write(&c->text, spec, 2, r->how->base);
    json_decref(spec);
    json_decref(svc);
    if (rc) {
        c->failed = true;
        return;
    }
    c->text_end[k] = c->text.len;
    c->lines_end[k] = c->lines.len;
    c->extra_end[k] = c->extra.len;
    if (c->text.failed || c->lines.failed || c->extra.failed) {
        c->failed = true;
        dcs_error_status(&c->err, 500, NULL, "out of memory");
        return;
    }
    c->made++;
}

static void fwd_signal(struct fwd_run *r)
{
    pthread_mutex_lock(&r->lock);
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

/* Translate chunk n into its slot, which the caller has made free. */
static void fwd_chunk_run(struct fwd_run *r, size_t n, struct dcs_svc_cache *cache)
{
    struct fwd_chunk *c = &r->slot[n % r->window];
    size_t end = (n + 1) * FWD_CHUNK < r->n ? (n + 1) * FWD_CHUNK : r->n;

    c->err = r->err0;
    for (size_t i = n * FWD_CHUNK; i < end && !c->failed; i++)
        fwd_one_into(r, c, i, cache);
    atomic_store_explicit(&c->done, true, memory_order_release);
    fwd_signal(r);
}

/* Wait until chunk n may use its slot; false when the run stopped. */
static bool fwd_wait_slot(struct fwd_run *r, size_t n)
{
    bool ok;

    if (n < atomic_load_explicit(&r->written, memory_order_acquire) + r->window)
        return true;
    pthread_mutex_lock(&r->lock);
    while (!(ok = n < atomic_load_explicit(&r->written, memory_order_acquire) +
                          r->window) &&
           !atomic_load(&r->stop))
        pthread_cond_wait(&r->cond, &r->lock);
    pthread_mutex_unlock(&r->lock);
    return ok;
}

static void *fwd_thread(void *arg)
{
    struct fwd_run *r = arg;
    struct dcs_svc_cache cache = {0};
    size_t n;

    while (!atomic_load(&r->stop) && (n = atomic_fetch_add(&r->claimed, 1)) < r->chunks &&
           fwd_wait_slot(r, n))
        fwd_chunk_run(r, n, &cache);
    dcs_svc_cache_release(&cache);
    return NULL;
}

/* The caller's thread, waiting for chunk n: translate the next unclaimed
 * chunk if its slot is free (true), or sleep until something moves. */
static bool fwd_help_or_wait(struct fwd_run *r, size_t n, struct dcs_svc_cache *cache)
{
    struct fwd_chunk *c = &r->slot[n % r->window];
    size_t next = atomic_load(&r->claimed);

    if (next < r->chunks && next < n + r->window &&
        atomic_compare_exchange_strong(&r->claimed, &next, next + 1)) {
        fwd_chunk_run(r, next, cache);
        return true;
    }
    pthread_mutex_lock(&r->lock);
    while (!atomic_load_explicit(&c->done, memory_order_acquire) &&
           atomic_load(&r->claimed) > n)
        pthread_cond_wait(&r->cond, &r->lock);
    pthread_mutex_unlock(&r->lock);
    return false;
}

/* The warnings of service i as objects, appended to `warnings`: it failed
 * with its warnings as lines, and is translated once more for them. */
static void fwd_warnings_of(struct fwd_run *r, size_t i, json_t *warnings)
{
    struct dcs_svc_cache cache = {0};
    struct dcs_fwd_sink sink = {warnings, NULL, NULL};
    struct dcs_error again = r->err0;

    json_decref(dcs_forward_entry(json_array_get(r->entries, i), r->peers, &cache, r->needs,
                              r->opts, r->uuids, &sink, NULL, &again));
    dcs_svc_cache_release(&cache);
}

/* Hand chunk n over: each service's warnings, checks and text, in order. */
static int fwd_hand_over(struct fwd_run *r, size_t n, json_t *warnings, struct dcs_error *err)
{
    struct fwd_chunk *c = &r->slot[n % r->window];
    size_t k, i, at = 0, lines_at = 0, extra_at = 0;
    struct dcs_spec_text out;
    const char *name;
    int rc = DCS_OK;

    for (k = 0; k <= c->made && k < FWD_CHUNK && !rc; k++) {
        i = n * FWD_CHUNK + k;
        if (i >= r->n)
            break;
        name = dcs_entry_name(json_array_get(r->entries, i));
        json_array_extend(warnings, c->warnings[k]);
        if (k == c->made) {
            if (r->how->lines_source)
                fwd_warnings_of(r, i, warnings);
            *err = c->err;
            dcs_prefix_service(err, name ? name : "");
            return DCS_ERR;
        }
        out = (struct dcs_spec_text){c->text.data + at, c->text_end[k] - at,
                                     c->lines.data + lines_at, c->lines_end[k] - lines_at, i,
                                     c->extra.data ? c->extra.data + extra_at : "",
                                     c->extra_end[k] - extra_at};
        rc = r->how->emit(&out, r->how->ctx);
        at = c->text_end[k];
        extra_at = c->extra_end[k];
        lines_at = c->lines_end[k];
    }
    return rc;
}

static void fwd_chunk_reset(struct fwd_chunk *c)
{
    for (size_t k = 0; k < FWD_CHUNK; k++) {
        json_decref(c->warnings[k]);
        c->warnings[k] = NULL;
    }
    c->text.len = c->lines.len = c->extra.len = c->made = 0;
    c->failed = false;
    atomic_store(&c->done, false);
}

/* The caller's thread: hand over in order, translate while it waits. */
static int fwd_main(struct fwd_run *r, json_t *warnings, struct dcs_error *err)
{
    struct dcs_svc_cache cache = {0};
    int rc = DCS_OK;

    for (size_t n = 0; n < r->chunks && !rc; n++) {
        struct fwd_chunk *c = &r->slot[n % r->window];
        while (!atomic_load_explicit(&c->done, memory_order_acquire))
            fwd_help_or_wait(r, n, &cache);
        rc = fwd_hand_over(r, n, warnings, err);
        fwd_chunk_reset(c);
        atomic_fetch_add_explicit(&r->written, 1, memory_order_release);
        fwd_signal(r);
    }
    atomic_store(&r->stop, true);
    fwd_signal(r);
    dcs_svc_cache_release(&cache);
    return rc;
}

/* how->gate, on a thread of its own. */
struct fwd_gate {
    const struct dcs_each_text *how;
    struct dcs_error err;
    int rc;
    pthread_t thread;
    bool started;
};

static void *fwd_gate_run(void *arg)
{
    struct fwd_gate *g = arg;

    g->rc = g->how->gate(g->how->gate_ctx, &g->err);
    return NULL;
}

static void fwd_gate_start(struct fwd_gate *g)
{
    if (!g->how->gate)
        return;
    g->started = !pthread_create(&g->thread, NULL, fwd_gate_run, g);
    if (!g->started)
        fwd_gate_run(g);
}

/* Has the gate passed?  Waits for it. */
static bool fwd_gate_passed(struct fwd_gate *g)
{
    if (g->started)
        pthread_join(g->thread, NULL);
    g->started = false;
    return g->rc == DCS_OK;
}

int dcs_forward_each_text(const json_t *entries, const struct dcs_translate_opts *opts,
                          const json_t *uuids, json_t *warnings,
                          struct dcs_each_text *how, struct dcs_error *err)
{
    struct dcs_error none;
    struct fwd_run *r = calloc(1, sizeof(*r));
    pthread_t threads[DCS_MAX_THREADS];
    int n_threads = 0, rc;
    size_t i;
    json_t *peers, *e;

    struct fwd_gate gate = {how, {0}, DCS_OK, 0, false};

    if (!r)
        return dcs_error_status(err, 500, NULL, "out of memory");
    dcs_error_clear(&none);
    *r = (struct fwd_run){.entries = entries, .uuids = uuids, .opts = opts,
                          .how = how, .err0 = err ? *err : none,
                          .n = json_array_size(entries)};
    gate.err = r->err0;
    how->gate_failed = false;
    fwd_gate_start(&gate);
    r->chunks = (r->n + FWD_CHUNK - 1) / FWD_CHUNK;
    r->window = FWD_SLOTS_PER_THREAD * (size_t)(opts->threads > 1 ? opts->threads : 1);
    if (!(r->slot = calloc(r->window, sizeof(*r->slot)))) {
        fwd_gate_passed(&gate);
        free(r);
        return dcs_error_status(err, 500, NULL, "out of memory");
    }
    r->peers = peers = json_object();
    json_array_foreach(entries, i, e)
        json_object_set(peers, dcs_entry_name(e),
                        (json_t *)dcs_entry_service(e));
    r->needs = dcs_index_needs_of_entries(entries, peers);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    /* The caller's thread is one of opts->threads. */
    while (n_threads + 1 < opts->threads && (size_t)n_threads + 1 < r->chunks &&
           !pthread_create(&threads[n_threads], NULL, fwd_thread, r))
        n_threads++;
    if (fwd_gate_passed(&gate)) {
        rc = fwd_main(r, warnings, err ? err : &none);
    } else {
        how->gate_failed = true;
        if (err)
            *err = gate.err;
        rc = DCS_ERR;
        atomic_store(&r->stop, true);
        fwd_signal(r);
    }
    while (n_threads > 0)
        pthread_join(threads[--n_threads], NULL);
    for (i = 0; i < r->window; i++) {
        fwd_chunk_reset(&r->slot[i]);
        dcs_strbuf_release(&r->slot[i].text);
        dcs_strbuf_release(&r->slot[i].lines);
        dcs_strbuf_release(&r->slot[i].extra);
    }
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->lock);
    json_decref((json_t *)r->needs);
    json_decref(peers);
    free(r->slot);
    free(r);
    return rc;
}
