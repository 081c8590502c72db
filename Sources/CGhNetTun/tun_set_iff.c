// TUNSETIFF and TUNSETOFFLOAD for gh-net's agent: ioctl is variadic, so Swift cannot call it directly.
#include "CGhNetTun.h"

#include <errno.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>

_Static_assert(CGHNET_IFF_TUN == IFF_TUN, "IFF_TUN");
_Static_assert(CGHNET_IFF_NO_PI == IFF_NO_PI, "IFF_NO_PI");
_Static_assert(CGHNET_IFF_VNET_HDR == IFF_VNET_HDR, "IFF_VNET_HDR");
_Static_assert(CGHNET_TUN_F_CSUM == TUN_F_CSUM, "TUN_F_CSUM");

int cghnet_tun_set_iff(int fd, const char *name, int flags, char *actual_name, size_t actual_size) {
    struct ifreq request;
    memset(&request, 0, sizeof(request));
    if (strlen(name) >= IFNAMSIZ || actual_size < IFNAMSIZ) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(request.ifr_name, name, strlen(name));
    request.ifr_flags = (short)flags;
    if (ioctl(fd, TUNSETIFF, &request) < 0) return -1;
    memcpy(actual_name, request.ifr_name, IFNAMSIZ);
    actual_name[IFNAMSIZ - 1] = '\0';
    return 0;
}

int cghnet_tun_set_offload(int fd, unsigned int offloads) {
    return ioctl(fd, TUNSETOFFLOAD, (unsigned long)offloads);
}
