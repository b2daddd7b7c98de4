/* ids.h - identifiers (ids.c). */
#ifndef DCS_IDS_H
#define DCS_IDS_H

#include <stddef.h>

/* SHA-256 of s[0..len) as 64 hex digits and a NUL into out. */
void dcs_sha256_hex(const char *s, size_t len, char out[65]);
/* A random (version 4) uuid and a NUL into out; aborts without randomness,
 * as nothing would be safe then. */
void dcs_uuid_random(char out[37]);
/* The first 16 bytes of b (a digest, random bytes) as a version 4 uuid. */
void dcs_uuid_of_bytes(const unsigned char *b, char out[37]);

#endif
