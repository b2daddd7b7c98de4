#include "translate/translate.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void dcs_warn(json_t *warnings, const char *service, const char *field,
              const char *class_, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (!warnings)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_array_append_new(warnings,
                          json_pack("{s:s, s:s, s:s, s:s}", "service",
                                    service ? service : "", "field",
                                    field ? field : "", "class", class_,
                                    "message", msg));
}

void dcs_uuid_for(const char *namespace_, const char *stack, const char *name,
                  char out[37])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char key[1024];
    int n;

    n = snprintf(key, sizeof(key), "dcswarm\n%s\n%s\n%s", namespace_ ? namespace_ : "",
                 stack ? stack : "", name ? name : "");
    if (n < 0 || (size_t)n >= sizeof(key))
        n = (int)sizeof(key) - 1;
    EVP_Digest(key, (size_t)n, md, &mdlen, EVP_sha256(), NULL);
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x40); /* version 4 */
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9],
             md[10], md[11], md[12], md[13], md[14], md[15]);
}
