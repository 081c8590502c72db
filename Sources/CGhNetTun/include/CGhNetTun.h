#ifndef CGHNETTUN_H
#define CGHNETTUN_H

#include <stddef.h>

/// Flags for `cghnet_tun_set_iff`, mirroring linux/if_tun.h (restated so that Swift never
/// imports the kernel's headers).
enum {
    /// A TUN device: bare layer-3 packets (as opposed to TAP, Ethernet frames).
    CGHNET_IFF_TUN = 0x0001,
    /// No 4-byte packet-information prefix: each read or write is exactly one IP packet.
    CGHNET_IFF_NO_PI = 0x1000,
    /// A `struct virtio_net_hdr` before each packet read or written (checksum offload).
    CGHNET_IFF_VNET_HDR = 0x4000,
    /// `TUNSETOFFLOAD` bit: the device takes packets whose checksum is only partial.
    CGHNET_TUN_F_CSUM = 0x01,
};

/// Attaches the open `/dev/net/tun` descriptor `fd` to a new or existing network device named
/// `name` with `flags` (`TUNSETIFF`). A name containing `%d` (e.g. "ghnet%d") makes the kernel
/// create a new device with the first free number. On success writes the device's name, NUL
/// terminated, into `actual_name` (`actual_size` bytes, at least 16) and returns 0; on failure
/// returns -1 with errno set (ENAMETOOLONG when `name` does not fit IFNAMSIZ).
int cghnet_tun_set_iff(int fd, const char *name, int flags, char *actual_name, size_t actual_size);

/// Tells the kernel which offloads the reader of TUN descriptor `fd` handles (`TUNSETOFFLOAD`,
/// `CGHNET_TUN_F_*` bits). Returns 0, or -1 with errno set.
int cghnet_tun_set_offload(int fd, unsigned int offloads);

#endif
