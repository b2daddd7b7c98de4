/*
 * strmap.h - strings to pointers, for what is looked up once per service
 * of a large stack (published ports, names): one open-addressing table and
 * one buffer holding every key, where a JSON object would make and free a
 * node and a string for each member.
 *
 * Internal to src/translate.
 */
#ifndef DCS_STRMAP_H
#define DCS_STRMAP_H

#include <stddef.h>

#include "util/jsonw.h"

struct dcs_strmap {
    struct dcs_strbuf keys; /* every key, NUL-terminated, one after the other */
    struct dcs_strmap_slot {
        size_t key;        /* its offset in keys + 1; 0: a free slot */
        const void *value;
    } *slot;
    size_t cap, used;     /* cap: 0 or a power of two */
};

/* The value key maps to, or NULL. */
const void *dcs_strmap_get(const struct dcs_strmap *m, const char *key);

/* Map key (copied) to value (borrowed, not NULL), unless it is mapped
 * already.  DCS_ERR when out of memory. */
int dcs_strmap_add(struct dcs_strmap *m, const char *key, const void *value);

void dcs_strmap_release(struct dcs_strmap *m);

#endif
