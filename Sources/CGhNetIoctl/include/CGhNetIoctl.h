#ifndef CGHNETIOCTL_H
#define CGHNETIOCTL_H

#include <stdint.h>

/// Opens /dev/net/tun and attaches a TUN device (IFF_TUN | IFF_NO_PI: bare IP packets) named
/// `name` (a pattern like "ghnet%d" is allowed). Writes the kernel's chosen name into
/// `actual_name` (at least 16 bytes). Returns the file descriptor (close-on-exec), or -1 with errno.
int cghnet_tun_open(const char *name, char *actual_name);

/// Sets the MTU of interface `name`. 0 or -1 with errno.
int cghnet_if_set_mtu(const char *name, int mtu);

/// Brings interface `name` up. 0 or -1 with errno.
int cghnet_if_set_up(const char *name);

/// Adds an IPv4 address (network byte order, 4 bytes) with prefix length to `name`. 0 or -1 with errno.
int cghnet_if_add_ipv4(const char *name, const uint8_t *address, int prefix_length);

/// Adds an IPv6 address (16 bytes) with prefix length to interface index `ifindex`. 0 or -1 with errno.
int cghnet_if_add_ipv6(int ifindex, const uint8_t *address, int prefix_length);

/// Adds (add != 0) or deletes an IPv4 route to network/prefix_length through interface `name`.
int cghnet_route_ipv4(int add, const char *name, const uint8_t *network, int prefix_length);

/// Adds (add != 0) or deletes an IPv6 route to network/prefix_length through interface index `ifindex`.
int cghnet_route_ipv6(int add, int ifindex, const uint8_t *network, int prefix_length);

#endif
