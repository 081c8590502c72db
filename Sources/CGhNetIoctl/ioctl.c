// The ioctl calls gh-net's agent needs and Swift cannot make (ioctl is variadic). Each function
// does one thing and reports failure as -1 with errno set, like the calls it wraps.
#include "CGhNetIoctl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

// The kernel's struct in6_ifreq (linux/ipv6.h clashes with netinet/in.h, so it is restated).
struct cghnet_in6_ifreq {
    struct in6_addr ifr6_addr;
    uint32_t ifr6_prefixlen;
    int ifr6_ifindex;
};

static int with_socket(int family, unsigned long request, void *argument) {
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int result = ioctl(fd, request, argument);
    int saved = errno;
    close(fd);
    errno = saved;
    return result;
}

static int named_request(struct ifreq *request, const char *name) {
    memset(request, 0, sizeof(*request));
    if (strlen(name) >= IFNAMSIZ) { errno = ENAMETOOLONG; return -1; }
    strncpy(request->ifr_name, name, IFNAMSIZ - 1);
    return 0;
}

int cghnet_tun_open(const char *name, char *actual_name) {
    struct ifreq request;
    if (named_request(&request, name) < 0) return -1;
    request.ifr_flags = IFF_TUN | IFF_NO_PI;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return -1;
    if (ioctl(fd, TUNSETIFF, &request) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    memcpy(actual_name, request.ifr_name, IFNAMSIZ);
    actual_name[IFNAMSIZ - 1] = 0;
    return fd;
}

int cghnet_if_set_mtu(const char *name, int mtu) {
    struct ifreq request;
    if (named_request(&request, name) < 0) return -1;
    request.ifr_mtu = mtu;
    return with_socket(AF_INET, SIOCSIFMTU, &request);
}

int cghnet_if_set_up(const char *name) {
    struct ifreq request;
    if (named_request(&request, name) < 0) return -1;
    if (with_socket(AF_INET, SIOCGIFFLAGS, &request) < 0) return -1;
    request.ifr_flags |= IFF_UP | IFF_RUNNING;
    return with_socket(AF_INET, SIOCSIFFLAGS, &request);
}

static void ipv4_sockaddr(struct sockaddr *out, const uint8_t *address) {
    struct sockaddr_in *in = (struct sockaddr_in *)out;
    memset(in, 0, sizeof(*in));
    in->sin_family = AF_INET;
    memcpy(&in->sin_addr, address, 4);
}

static void ipv4_mask(uint8_t mask[4], int prefix_length) {
    uint32_t bits = prefix_length <= 0 ? 0 : (prefix_length >= 32 ? 0xFFFFFFFFu : ~((1u << (32 - prefix_length)) - 1));
    mask[0] = bits >> 24; mask[1] = (bits >> 16) & 0xFF; mask[2] = (bits >> 8) & 0xFF; mask[3] = bits & 0xFF;
}

int cghnet_if_add_ipv4(const char *name, const uint8_t *address, int prefix_length) {
    struct ifreq request;
    if (named_request(&request, name) < 0) return -1;
    ipv4_sockaddr(&request.ifr_addr, address);
    if (with_socket(AF_INET, SIOCSIFADDR, &request) < 0) return -1;
    uint8_t mask[4];
    ipv4_mask(mask, prefix_length);
    if (named_request(&request, name) < 0) return -1;
    ipv4_sockaddr(&request.ifr_netmask, mask);
    return with_socket(AF_INET, SIOCSIFNETMASK, &request);
}

int cghnet_if_add_ipv6(int ifindex, const uint8_t *address, int prefix_length) {
    struct cghnet_in6_ifreq request;
    memset(&request, 0, sizeof(request));
    memcpy(&request.ifr6_addr, address, 16);
    request.ifr6_prefixlen = (uint32_t)prefix_length;
    request.ifr6_ifindex = ifindex;
    return with_socket(AF_INET6, SIOCSIFADDR, &request);
}

int cghnet_route_ipv4(int add, const char *name, const uint8_t *network, int prefix_length) {
    struct rtentry route;
    char device[IFNAMSIZ];
    memset(&route, 0, sizeof(route));
    if (strlen(name) >= IFNAMSIZ) { errno = ENAMETOOLONG; return -1; }
    strncpy(device, name, IFNAMSIZ - 1);
    device[IFNAMSIZ - 1] = 0;
    uint8_t mask[4];
    ipv4_mask(mask, prefix_length);
    ipv4_sockaddr(&route.rt_dst, network);
    ipv4_sockaddr(&route.rt_genmask, mask);
    route.rt_flags = RTF_UP | (prefix_length == 32 ? RTF_HOST : 0);
    route.rt_dev = device;
    return with_socket(AF_INET, add ? SIOCADDRT : SIOCDELRT, &route);
}

int cghnet_route_ipv6(int add, int ifindex, const uint8_t *network, int prefix_length) {
    struct in6_rtmsg route;
    memset(&route, 0, sizeof(route));
    memcpy(&route.rtmsg_dst, network, 16);
    route.rtmsg_dst_len = (uint16_t)prefix_length;
    route.rtmsg_flags = RTF_UP | (prefix_length == 128 ? RTF_HOST : 0);
    route.rtmsg_metric = 1;
    route.rtmsg_ifindex = ifindex;
    return with_socket(AF_INET6, add ? SIOCADDRT : SIOCDELRT, &route);
}
