/* ids.c - identifiers: random uuids (v4) and SHA-256 digests in hex, on
 * OpenSSL. */
#include "util/ids.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

void dcs_sha256_hex(const char *s, size_t len, char out[65])
{
    unsigned char h[SHA256_DIGEST_LENGTH];

    SHA256((const unsigned char *)s, len, h);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

void dcs_uuid_of_bytes(const unsigned char *b, char out[37])
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
             (b[6] & 0x0f) | 0x40, b[7], (b[8] & 0x3f) | 0x80, b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

void dcs_uuid_random(char out[37])
{
    unsigned char b[16];

    if (RAND_bytes(b, sizeof(b)) != 1)
        abort(); /* no randomness: uuids would collide, nothing is safe */
    dcs_uuid_of_bytes(b, out);
}
