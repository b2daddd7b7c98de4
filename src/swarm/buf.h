/*
 * buf.h - a growable byte buffer with a size cap, for the stream decoders
 * and response bodies (in the manner of curl's dynbuf).
 *
 * Invariant: data is NULL or NUL-terminated at data[len], so a text buffer
 * can be used as a C string.  An append that would pass max fails and
 * leaves the buffer as it was.
 */
#ifndef DCS_SWARM_BUF_H
#define DCS_SWARM_BUF_H

#include <stddef.h>

struct dcs_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
};

void dcs_buf_init(struct dcs_buf *b, size_t max);
/* DCS_OK, or DCS_ERR when out of memory or over max (errno ENOMEM/EFBIG). */
int dcs_buf_append(struct dcs_buf *b, const void *p, size_t n);
/* Drop the first n bytes. */
void dcs_buf_consume(struct dcs_buf *b, size_t n);
/* Empty, keeping the memory. */
void dcs_buf_clear(struct dcs_buf *b);
void dcs_buf_release(struct dcs_buf *b);

#endif
