#ifndef CGHNETFDPASS_H
#define CGHNETFDPASS_H

#include <stddef.h>
#include <sys/types.h>

/// The most descriptors one `ghnet_send_fds` or `ghnet_recv_fds` call carries.
enum { GHNET_FDS_MAX = 4 };

/// Sends all `length` bytes of `data` (at least 1) over the connected Unix stream socket
/// `socket`, with the `count` descriptors of `fds` (1 to GHNET_FDS_MAX) attached to the first
/// byte (SCM_RIGHTS; Swift cannot use the CMSG_* macros). Never raises SIGPIPE. Returns 0, or
/// -1 with errno set (EINVAL for a count or length out of range).
int ghnet_send_fds(int socket, const int *fds, int count, const void *data, size_t length);

/// Reads at most `length` bytes into `data` from the Unix stream socket `socket`, and the
/// descriptors attached to them into `fds` (room for `capacity`, at most GHNET_FDS_MAX), their
/// number into `*received`. The descriptors arrive close-on-exec and belong to the caller.
/// Returns the number of bytes read (0 at end of file), or -1 with errno set: EPROTO when more
/// descriptors came than `capacity` or the kernel cut them short (whatever arrived is closed).
ssize_t ghnet_recv_fds(int socket, int *fds, int capacity, int *received, void *data, size_t length);

/// Accepts a connection on the listening socket `socket` as a close-on-exec descriptor
/// (accept4 and SOCK_CLOEXEC; Swift's Glibc module lacks accept4). Returns it, or -1 with errno set.
int ghnet_accept_cloexec(int socket);

/// The user id of the process at the other end of the connected Unix socket `socket`, as it was
/// when it connected (SO_PEERCRED; Swift's Glibc module lacks `struct ucred`). Returns 0 and
/// sets `*uid`, or -1 with errno set.
int ghnet_peer_uid(int socket, uid_t *uid);

#endif
