/*
 * strbuf.h - the one growable byte buffer of dcswarm (in the manner of
 * curl's dynbuf): JSON text being written, stream decoders, response
 * bodies, words and messages being built.
 *
 * Invariant: data is NULL or NUL-terminated at data[len], so a text buffer
 * is a C string.  An append that would pass max (0: no cap) or finds no
 * memory leaves the contents as they were and sets `failed`, which stays
 * until dcs_strbuf_clear: a writer appends on and looks once at the end.
 * Zero-initialised ({0}) is an empty buffer without a cap.
 *
 * Ownership: the buffer owns its bytes; dcs_strbuf_release frees them.
 */
#ifndef DCS_STRBUF_H
#define DCS_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct dcs_strbuf {
    char *data;
    size_t len, cap; /* cap counts the NUL */
    size_t max;      /* 0: no cap */
    int failed;      /* an append failed: the contents are incomplete */
};

void dcs_strbuf_init(struct dcs_strbuf *b, size_t max);
/* DCS_OK, or DCS_ERR when out of memory (errno ENOMEM) or over max
 * (EFBIG), or when an earlier append failed. */
int dcs_strbuf_append(struct dcs_strbuf *b, const void *p, size_t n);
/* Room for n more bytes and the NUL (the slow path of
 * dcs_strbuf_reserve); false as for dcs_strbuf_append. */
bool dcs_strbuf_grow(struct dcs_strbuf *b, size_t n);
/* Drop the first n bytes. */
void dcs_strbuf_consume(struct dcs_strbuf *b, size_t n);
/* Empty, keeping the memory and the cap; failed no more. */
void dcs_strbuf_clear(struct dcs_strbuf *b);
void dcs_strbuf_release(struct dcs_strbuf *b);

/* Room for n more bytes and the NUL: inline, as the JSON writer asks for
 * every character. */
static inline bool dcs_strbuf_reserve(struct dcs_strbuf *b, size_t n)
{
    return (!b->failed && !b->max && b->len + n + 1 <= b->cap) || dcs_strbuf_grow(b, n);
}

#endif
