// Descriptor passing over Unix sockets for the agent hand-over: SCM_RIGHTS needs the CMSG_*
// macros, and accept4 and struct ucred need _GNU_SOURCE, none of which Swift can use.
#define _GNU_SOURCE
#include "fd_pass.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/// Room for GHNET_FDS_MAX descriptors, aligned for struct cmsghdr.
union control_buffer {
    char bytes[CMSG_SPACE(sizeof(int) * GHNET_FDS_MAX)];
    struct cmsghdr align;
};

int ghnet_send_fds(int socket, const int *fds, int count, const void *data, size_t length) {
    if (count < 1 || count > GHNET_FDS_MAX || length < 1) {
        errno = EINVAL;
        return -1;
    }
    union control_buffer control;
    memset(&control, 0, sizeof(control));
    struct iovec vector = { .iov_base = (void *)data, .iov_len = length };
    struct msghdr message = {
        .msg_iov = &vector,
        .msg_iovlen = 1,
        .msg_control = control.bytes,
        .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)count),
    };
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)count);
    memcpy(CMSG_DATA(header), fds, sizeof(int) * (size_t)count);

    ssize_t sent;
    do {
        sent = sendmsg(socket, &message, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) return -1;
    // The descriptors went with the first part; a stream socket may take the rest in pieces.
    const char *rest = (const char *)data + sent;
    size_t left = length - (size_t)sent;
    while (left > 0) {
        ssize_t more = send(socket, rest, left, MSG_NOSIGNAL);
        if (more < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        rest += more;
        left -= (size_t)more;
    }
    return 0;
}

ssize_t ghnet_recv_fds(int socket, int *fds, int capacity, int *received, void *data, size_t length) {
    *received = 0;
    if (capacity < 0 || capacity > GHNET_FDS_MAX) {
        errno = EINVAL;
        return -1;
    }
    union control_buffer control;
    struct iovec vector = { .iov_base = data, .iov_len = length };
    struct msghdr message = {
        .msg_iov = &vector,
        .msg_iovlen = 1,
        .msg_control = control.bytes,
        .msg_controllen = sizeof(control.bytes),
    };
    ssize_t count;
    do {
        count = recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
    } while (count < 0 && errno == EINTR);
    if (count < 0) return -1;

    int arrived = 0;
    int overflow = (message.msg_flags & MSG_CTRUNC) != 0;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header != NULL; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        int carried = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int index = 0; index < carried; index++) {
            int fd;
            memcpy(&fd, CMSG_DATA(header) + sizeof(int) * (size_t)index, sizeof(int));
            if (arrived < capacity) {
                fds[arrived++] = fd;
            } else {
                close(fd);
                overflow = 1;
            }
        }
    }
    if (overflow) {
        for (int index = 0; index < arrived; index++) close(fds[index]);
        errno = EPROTO;
        return -1;
    }
    *received = arrived;
    return count;
}

int ghnet_accept_cloexec(int socket) {
    int fd;
    do {
        fd = accept4(socket, NULL, NULL, SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

int ghnet_peer_uid(int socket, uid_t *uid) {
    struct ucred credentials;
    socklen_t size = sizeof(credentials);
    if (getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) return -1;
    *uid = credentials.uid;
    return 0;
}
