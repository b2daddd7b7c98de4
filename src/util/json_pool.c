/*
 * json_pool.c - blocks in 16-byte size classes cut from 1 MB chunks, a freed
 * block kept for the next value of its size, bigger blocks from malloc.  An
 * 8-byte header holds the class (0: malloc); jansson's values need no more
 * alignment than that.
 *
 * Translate runs on several threads, and a value made on one is often freed
 * on another.  Each thread keeps its free blocks as a stack of pointers per
 * class, with no lock, and passes a surplus to a shared depot, where a
 * thread that has none takes some before cutting new blocks: without the
 * depot, a thread that only makes values would grow while the one that
 * frees them hoards.  Stacks of pointers, not lists linked through the
 * blocks: a freed block is usually in another processor's cache, and moving
 * it must not read it.
 */
#include "util/json_pool.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/error.h"

#if defined(__SANITIZE_ADDRESS__)
#define JSON_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JSON_POOL 0
#endif
#endif
#ifndef JSON_POOL
#define JSON_POOL 1
#endif

#define POOL_GRAIN 16
#define POOL_CLASSES 129 /* blocks of up to 2 KB, header included */
#define POOL_CHUNK ((size_t)2 << 20)
#define POOL_MOVE 256    /* blocks moved to or from the depot at once */
#define POOL_STACK (2 * POOL_MOVE)

struct pool_chunk {
    struct pool_chunk *next;
    max_align_t data[];
};

/* One thread's free blocks: stack[cls][0..n[cls]). */
struct pool_cache {
    void *(*stack)[POOL_STACK];  /* POOL_CLASSES stacks, made on first use */
    size_t n[POOL_CLASSES];
    char *next, *end;            /* what is left of this thread's newest chunk */
    long live;                   /* blocks handed out less blocks freed here */
    bool registered;             /* the thread-exit hook knows this cache */
};

static _Thread_local struct pool_cache cache;

struct pool_depot {
    void **block;
    size_t n, cap;
};

static struct {
    pthread_mutex_t lock;
    pthread_key_t exit_key;      /* runs pool_thread_exit */
    bool ready;
    struct pool_depot depot[POOL_CLASSES];
    _Atomic size_t in_depot[POOL_CLASSES]; /* read without the lock */
    struct pool_chunk *chunks;
    long live;                   /* of the threads that have ended */
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* n blocks of this thread's class cls (its top ones) to the depot. */
static void depot_put(size_t cls, size_t n)
{
    struct pool_depot *d = &pool.depot[cls];
    void **grown;

    pthread_mutex_lock(&pool.lock);
    if (d->n + n > d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 4 * POOL_STACK;
        while (cap < d->n + n)
            cap *= 2;
        if (!(grown = realloc(d->block, cap * sizeof(*grown)))) {
            pthread_mutex_unlock(&pool.lock);
            cache.n[cls] -= n; /* out of memory: these blocks are lost */
            return;
        }
        d->block = grown;
        d->cap = cap;
    }
    cache.n[cls] -= n;
    memcpy(d->block + d->n, cache.stack[cls] + cache.n[cls], n * sizeof(void *));
    d->n += n;
    atomic_store_explicit(&pool.in_depot[cls], d->n, memory_order_relaxed);
    pthread_mutex_unlock(&pool.lock);
}

/* Up to POOL_MOVE blocks of class cls from the depot onto this thread's
 * (empty) stack. */
static void depot_take(size_t cls)
{
    struct pool_depot *d = &pool.depot[cls];
    size_t n;

    pthread_mutex_lock(&pool.lock);
    n = d->n < POOL_MOVE ? d->n : POOL_MOVE;
    d->n -= n;
    memcpy(cache.stack[cls], d->block + d->n, n * sizeof(void *));
    atomic_store_explicit(&pool.in_depot[cls], d->n, memory_order_relaxed);
    pthread_mutex_unlock(&pool.lock);
    cache.n[cls] = n;
}

/* A thread that ends leaves its blocks and its count to the others. */
static void pool_thread_exit(void *unused)
{
    (void)unused;
    for (size_t cls = 1; cls < POOL_CLASSES; cls++)
        if (cache.n[cls])
            depot_put(cls, cache.n[cls]);
    pthread_mutex_lock(&pool.lock);
    pool.live += cache.live;
    pthread_mutex_unlock(&pool.lock);
    free(cache.stack);
    memset(&cache, 0, sizeof(cache));
}

/* The first use of the pool on a thread. */
static int pool_register(void)
{
    if (!(cache.stack = malloc(POOL_CLASSES * sizeof(*cache.stack))))
        return DCS_ERR;
    cache.registered = !pthread_setspecific(pool.exit_key, &cache);
    if (!cache.registered) {
        free(cache.stack);
        cache.stack = NULL;
        return DCS_ERR;
    }
    return DCS_OK;
}

static int pool_grow(void)
{
    struct pool_chunk *c = aligned_alloc(POOL_CHUNK, POOL_CHUNK);

    if (!c)
        return DCS_ERR;
    madvise(c, POOL_CHUNK, MADV_HUGEPAGE);
    pthread_mutex_lock(&pool.lock);
    c->next = pool.chunks;
    pool.chunks = c;
    pthread_mutex_unlock(&pool.lock);
    cache.next = (char *)c->data;
    cache.end = (char *)c + POOL_CHUNK;
    return DCS_OK;
}

static void *pool_malloc(size_t size)
{
    size_t cls = (size + sizeof(size_t) + POOL_GRAIN - 1) / POOL_GRAIN;
    size_t *block;

    if (!cache.registered && pool_register())
        return NULL;
    if (cls >= POOL_CLASSES) {
        if (!(block = malloc(size + sizeof(size_t))))
            return NULL;
        cls = 0;
    } else {
        if (!cache.n[cls] &&
            atomic_load_explicit(&pool.in_depot[cls], memory_order_relaxed))
            depot_take(cls);
        if (cache.n[cls]) {
            block = cache.stack[cls][--cache.n[cls]];
        } else {
            if ((size_t)(cache.end - cache.next) < cls * POOL_GRAIN && pool_grow())
                return NULL;
            block = (size_t *)(void *)cache.next;
            cache.next += cls * POOL_GRAIN;
        }
    }
    block[0] = cls;
    cache.live++;
    return block + 1;
}

static void pool_free(void *p)
{
    size_t *block = (size_t *)p - 1;
    size_t cls;

    if (!p)
        return;
    if (!cache.registered && pool_register())
        return; /* out of memory: the block is lost */
    cache.live--;
    if (!(cls = block[0])) {
        free(block);
        return;
    }
    if (cache.n[cls] == POOL_STACK)
        depot_put(cls, POOL_MOVE);
    if (cache.n[cls] < POOL_STACK)
        cache.stack[cls][cache.n[cls]++] = block;
}

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static int pool_on;

int dcs_json_pool_active(void)
{
    return pool_on;
}

static void pool_init(void)
{
    pool.ready = !pthread_key_create(&pool.exit_key, pool_thread_exit);
}

void dcs_json_pool_begin(void)
{
    if (!JSON_POOL || pthread_once(&pool_once, pool_init) || !pool.ready)
        return;
    json_set_alloc_funcs(pool_malloc, pool_free);
    pool_on = 1;
}

void dcs_json_pool_end(void)
{
    struct pool_chunk *c;

    if (!JSON_POOL)
        return;
    json_set_alloc_funcs(malloc, free);
    pool_on = 0;
    if (pool.live + cache.live)
        return; /* a value outlives the command: the pool stays, reachable */
    free(cache.stack);
    memset(&cache, 0, sizeof(cache));
    for (size_t cls = 0; cls < POOL_CLASSES; cls++) {
        free(pool.depot[cls].block);
        memset(&pool.depot[cls], 0, sizeof(pool.depot[cls]));
        atomic_store(&pool.in_depot[cls], 0);
    }
    while ((c = pool.chunks)) {
        pool.chunks = c->next;
        free(c);
    }
}
