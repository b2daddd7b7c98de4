/*
 * auth.c - the keys file and the Authorization header.
 *
 *   USER:KEY[:NAMESPACE[,NAMESPACE...]]     (docs/design.md §4)
 *
 * KEY is the key itself or "sha256:<hex>".  Both are kept as the SHA-256 of
 * the key, so that every comparison is of 32 bytes, in constant time
 * (CRYPTO_memcmp), whatever the length of what the client sent.  Tokens
 * given to services with the global role are "dcswarm-service:<ns>.<mac>",
 * an HMAC of the namespace under a secret kept on the swarm: any dcswarm
 * server of the swarm accepts them, and they never expire.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "http/api.h"

struct dcs_key {
    char user[DCS_ROUTE_LEN];
    unsigned char hash[SHA256_DIGEST_LENGTH];
    json_t *namespaces; /* array, the user's own first */
};

struct dcs_auth {
    struct dcs_key *keys;
    size_t n;
};

static pthread_mutex_t secret_lock = PTHREAD_MUTEX_INITIALIZER;
static char service_secret[128];

void dcs_auth_free(struct dcs_auth *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        json_decref(a->keys[i].namespaces);
    free(a->keys);
    free(a);
}

static bool valid_name(const char *s, size_t len)
{
    if (!len || len >= DCS_ROUTE_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
            return false;
    return true;
}

static int hex_digest(const char *hex, unsigned char *out)
{
    if (strlen(hex) != 2 * SHA256_DIGEST_LENGTH)
        return DCS_ERR;
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        unsigned int byte;
        if (!isxdigit((unsigned char)hex[2 * i]) || !isxdigit((unsigned char)hex[2 * i + 1]) ||
            sscanf(hex + 2 * i, "%2x", &byte) != 1)
            return DCS_ERR;
        out[i] = (unsigned char)byte;
    }
    return DCS_OK;
}

/* Parse one "USER:KEY[:NS,...]" line into k. */
static int parse_line(char *line, struct dcs_key *k, const char **why)
{
    char *user = line, *key = strchr(line, ':'), *nss;

    if (!key) {
        *why = "expected USER:KEY[:NAMESPACE,...]";
        return DCS_ERR;
    }
    *key++ = '\0';
    /* "sha256:<hex>" has a colon of its own. */
    nss = strchr(key + (strncmp(key, "sha256:", 7) ? 0 : 7), ':');
    if (nss)
        *nss++ = '\0';
    if (!valid_name(user, strlen(user)) || !strcmp(user, DCS_SERVICE_USER)) {
        *why = "bad user name (letters, digits, - _ . only)";
        return DCS_ERR;
    }
    if (!*key) {
        *why = "empty key";
        return DCS_ERR;
    }
    snprintf(k->user, sizeof(k->user), "%s", user);
    if (!strncmp(key, "sha256:", 7)) {
        if (hex_digest(key + 7, k->hash)) {
            *why = "sha256: must be followed by 64 hex digits";
            return DCS_ERR;
        }
    } else {
        SHA256((const unsigned char *)key, strlen(key), k->hash);
    }
    k->namespaces = json_array();
    json_array_append_new(k->namespaces, json_string(user));
    while (nss && *nss) {
        size_t len = strcspn(nss, ",");
        if (!valid_name(nss, len)) {
            *why = "bad namespace (letters, digits, - _ . only)";
            return DCS_ERR;
        }
        json_array_append_new(k->namespaces, json_stringn(nss, len));
        nss += len + (nss[len] == ',');
    }
    return DCS_OK;
}

static char *trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

struct dcs_auth *dcs_auth_load(const char *path, struct dcs_error *err)
{
    FILE *f = fopen(path, "r");
    struct dcs_auth *a;
    char buf[4096];
    int lineno = 0;

    if (!f) {
        dcs_error_status(err, 400, path, "cannot read the keys file: %s", strerror(errno));
        return NULL;
    }
    a = calloc(1, sizeof(*a));
    while (a && fgets(buf, sizeof(buf), f)) {
        char *line = trim(buf);
        const char *why = NULL;
        struct dcs_key *grown;
        lineno++;
        if (!*line || *line == '#')
            continue;
        grown = realloc(a->keys, (a->n + 1) * sizeof(*grown));
        if (!grown)
            break;
        a->keys = grown;
        memset(&a->keys[a->n], 0, sizeof(a->keys[0]));
        if (parse_line(line, &a->keys[a->n], &why)) {
            char where[DCS_ERROR_PATH_LEN];
            json_decref(a->keys[a->n].namespaces);
            /* FILE:LINE, as compilers say it; never the line itself (a key). */
            snprintf(where, sizeof(where), "%s:%d", path, lineno);
            dcs_error_status(err, 400, where, "%s", why);
            err ? (void)(err->line = lineno) : (void)0;
            fclose(f);
            dcs_auth_free(a);
            return NULL;
        }
        a->n++;
    }
    fclose(f);
    if (!a)
        dcs_error_status(err, 500, path, "out of memory");
    return a;
}

void dcs_auth_set_secret(const char *secret)
{
    pthread_mutex_lock(&secret_lock);
    snprintf(service_secret, sizeof(service_secret), "%s", secret);
    pthread_mutex_unlock(&secret_lock);
}

void dcs_auth_service_key(const char *secret, const char *ns, char *out, size_t len)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    size_t at;

    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)ns,
         strlen(ns), mac, &maclen);
    at = (size_t)snprintf(out, len, "%s.", ns);
    for (unsigned int i = 0; i < maclen && at + 3 <= len; i++, at += 2)
        snprintf(out + at, 3, "%02x", mac[i]);
}

static int b64_decode(const char *in, char *out, size_t outlen)
{
    size_t n = strlen(in);
    int got;

    if (n % 4 || (n / 4) * 3 + 1 > outlen)
        return -1;
    /* Padding is at most "==" at the very end (a header of nothing but
     * '=' once made got negative here: fuzz_http). */
    if (strcspn(in, "=") < n - (n >= 2 ? 2 : n))
        return -1;
    got = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)in, (int)n);
    if (got < 0)
        return -1;
    for (size_t pad = 0; pad < 2 && n && in[n - 1] == '='; pad++, n--)
        got--; /* DecodeBlock counts the padding */
    if (got < 0)
        return -1;
    out[got] = '\0';
    return got;
}

/* "Basic b64(user:key)" or "ApiKey user:key" -> user, key. */
static int split_credentials(const char *header, char *buf, size_t len,
                             char **user, char **key)
{
    const char *sp;

    while (isspace((unsigned char)*header))
        header++;
    sp = strchr(header, ' ');
    if (!sp)
        return DCS_ERR;
    while (*sp == ' ')
        sp++;
    if (!strncasecmp(header, "basic ", 6)) {
        if (b64_decode(sp, buf, len) < 0)
            return DCS_ERR;
    } else if (!strncasecmp(header, "apikey ", 7)) {
        snprintf(buf, len, "%s", sp);
    } else {
        return DCS_ERR;
    }
    *user = buf;
    *key = strchr(buf, ':');
    if (!*key)
        return DCS_ERR;
    *(*key)++ = '\0';
    return DCS_OK;
}

static int check_service_token(const char *key, char *user, size_t userlen,
                               json_t **grants)
{
    char secret[128], want[256], ns[DCS_ROUTE_LEN];
    const char *dot = strrchr(key, '.');
    unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];

    pthread_mutex_lock(&secret_lock);
    snprintf(secret, sizeof(secret), "%s", service_secret);
    pthread_mutex_unlock(&secret_lock);
    if (!*secret || !dot || dot == key || (size_t)(dot - key) >= DCS_ROUTE_LEN)
        return DCS_ERR;
    /* ns and want apart: the key is written while ns is read. */
    snprintf(ns, sizeof(ns), "%.*s", (int)(dot - key), key);
    dcs_auth_service_key(secret, ns, want, sizeof(want));
    SHA256((const unsigned char *)want, strlen(want), a);
    SHA256((const unsigned char *)key, strlen(key), b);
    if (CRYPTO_memcmp(a, b, sizeof(a)))
        return DCS_ERR;
    snprintf(user, userlen, "%.*s", (int)(dot - key), key);
    *grants = json_pack("[s]", user);
    return DCS_OK;
}

int dcs_auth_check(const struct dcs_auth *a, const char *header, char *user,
                   size_t userlen, json_t **grants, struct dcs_error *err)
{
    char buf[1024], *u, *k;
    unsigned char h[SHA256_DIGEST_LENGTH];
    const struct dcs_key *found = NULL;

    *grants = NULL;
    if (!header || split_credentials(header, buf, sizeof(buf), &u, &k))
        return dcs_error_status(err, 401, NULL, "authentication credentials were not provided");
    if (!strcmp(u, DCS_SERVICE_USER) && !check_service_token(k, user, userlen, grants))
        return DCS_OK;
    SHA256((const unsigned char *)k, strlen(k), h);
    /* Every line is compared, found or not, so timing says nothing. */
    for (size_t i = 0; a && i < a->n; i++) {
        int same_user = !strcmp(a->keys[i].user, u);
        int same_key = !CRYPTO_memcmp(a->keys[i].hash, h, sizeof(h));
        if (same_user && same_key && !found)
            found = &a->keys[i];
    }
    if (!found)
        return dcs_error_status(err, 401, NULL, "invalid username/api key");
    snprintf(user, userlen, "%s", found->user);
    *grants = json_deep_copy(found->namespaces);
    return DCS_OK;
}

bool dcs_auth_token_like(const char *header)
{
    char buf[1024], *u, *k;
    bool has;

    if (split_credentials(header, buf, sizeof(buf), &u, &k) || strcmp(u, DCS_SERVICE_USER))
        return false;
    pthread_mutex_lock(&secret_lock);
    has = service_secret[0] != '\0';
    pthread_mutex_unlock(&secret_lock);
    return !has;
}
