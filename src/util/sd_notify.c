/*
 * sd_notify.c - tell systemd how the service is doing (Type=notify), as
 * sd_notify(3) does, without linking libsystemd: one datagram of
 * "KEY=value" lines to the socket named by $NOTIFY_SOCKET ("@..." is in
 * the abstract namespace).  Without the variable nothing is sent.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/sd_notify.h"

int dcs_sd_notify(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t n;
    ssize_t sent;
    int fd;

    if (!path || !*path)
        return 0;
    n = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || n >= sizeof(addr.sun_path))
        return -EINVAL;
    memcpy(addr.sun_path, path, n);
    if (path[0] == '@')
        addr.sun_path[0] = '\0';
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr,
                  (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
    n = sent < 0 ? (size_t)errno : 0;
    close(fd);
    return sent < 0 ? -(int)n : 1;
}
