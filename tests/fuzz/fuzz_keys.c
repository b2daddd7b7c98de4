/* The keys file (http/auth.c): lines USER:KEY[:NS,...], sha256 keys,
 * comments; then the Authorization headers a client could send, checked
 * against what loaded (Basic, ApiKey, a service token). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "fuzz.h"
#include "http/api.h"
#include "http/serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const headers[] = {
        "Basic YWxpY2U6a2V5", "ApiKey alice:key", "Basic ", "Basic !!!!", "ApiKey :",
        "Bearer x", "basic YTpi", NULL};
    struct dcs_error err = {0};
    struct dcs_auth *a;
    char path[64], user[DCS_ROUTE_LEN];
    int fd = memfd_create("keys", 0);

    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    a = dcs_auth_load(path, &err);
    close(fd);
    for (const char *const *h = headers; a && *h; h++) {
        json_t *grants = NULL;
        struct dcs_error e = {0};
        dcs_auth_check(a, *h, user, sizeof(user), &grants, &e);
        json_decref(grants);
    }
    /* The input's last line as a header, against what loaded. */
    if (a) {
        const uint8_t *nl = memrchr(data, '\n', size);
        size_t at = nl ? (size_t)(nl - data) + 1 : 0;
        char *h = strndup((const char *)data + at, size - at);
        json_t *grants = NULL;
        struct dcs_error e = {0};
        if (h)
            dcs_auth_check(a, h, user, sizeof(user), &grants, &e);
        json_decref(grants);
        free(h);
    }
    dcs_auth_free(a);
    return 0;
}
