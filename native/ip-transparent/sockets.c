/* The sockets a relayed connection is dialled from: the client's own address where it can be
 * kept (IP_TRANSPARENT / IPV6_TRANSPARENT, with the routing HolderNet.init sets up), else a
 * plain one, which the container sees as coming from its network's gateway. */
#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

/* A socket of `type` with IP(V6)_TRANSPARENT and SO_REUSEADDR, bound to src (IPv4 or IPv6);
 * -errno on failure. */
int transparent_socket(int type, const struct sockaddr *src, socklen_t len) {
  int fd = socket(src->sa_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -errno;
  int one = 1;
  int set = src->sa_family == AF_INET6 ? setsockopt(fd, SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof one)
                                       : setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof one);
  if (set < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 || bind(fd, src, len) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

/* A non-blocking dial of dst, from src with IP(V6)_TRANSPARENT when src is given; -errno. */
static int dial(const struct sockaddr *src, socklen_t src_len, const struct sockaddr *dst, socklen_t dst_len) {
  int fd = src ? transparent_socket(SOCK_STREAM, src, src_len)
               : socket(dst->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return src ? fd : -errno;
  if (connect(fd, dst, dst_len) < 0 && errno != EINPROGRESS) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

/* An IPv4 (or IPv4-mapped) client that is not loopback, as the source of a dial towards an
 * IPv4 container. Loopback sources cannot be bound (EINVAL). */
static int keepable4(const struct sockaddr_storage *peer, const target *dst, struct sockaddr_in *out) {
  if (dst->addr.ss_family != AF_INET) return 0;
  memset(out, 0, sizeof *out);
  out->sin_family = AF_INET;
  if (peer->ss_family == AF_INET) {
    const struct sockaddr_in *p = (const struct sockaddr_in *)peer;
    out->sin_addr = p->sin_addr;
    out->sin_port = p->sin_port;
  } else if (peer->ss_family == AF_INET6) {
    const struct sockaddr_in6 *p = (const struct sockaddr_in6 *)peer;
    if (!IN6_IS_ADDR_V4MAPPED(&p->sin6_addr)) return 0;
    memcpy(&out->sin_addr, &p->sin6_addr.s6_addr[12], 4);
    out->sin_port = p->sin6_port;
  } else {
    return 0;
  }
  uint32_t a = ntohl(out->sin_addr.s_addr);
  return a != 0 && (a >> 24) != 127;
}

/* An IPv6 client (not IPv4-mapped, loopback, link-local or unspecified: the container could
 * not answer those through the relay), as the source of a dial towards the container's IPv6. */
static int keepable6(const struct sockaddr_storage *peer, const target *dst, struct sockaddr_in6 *out) {
  if (!dst->has6 || peer->ss_family != AF_INET6) return 0;
  const struct sockaddr_in6 *p = (const struct sockaddr_in6 *)peer;
  const struct in6_addr *a = &p->sin6_addr;
  if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_LINKLOCAL(a) ||
      IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_MULTICAST(a))
    return 0;
  memset(out, 0, sizeof *out);
  out->sin6_family = AF_INET6;
  out->sin6_addr = *a;
  out->sin6_port = p->sin6_port;
  return 1;
}

/* Dials dst for a client at peer: from the client's address where it can be kept (an IPv6
 * client to the container's IPv6), else (and where binding it fails) a plain dial of the
 * container's main address. The fd, or -errno. */
int dial_target(const struct sockaddr_storage *peer, const target *dst) {
  const struct sockaddr *to = (const struct sockaddr *)&dst->addr;
  struct sockaddr_in src4;
  struct sockaddr_in6 src6;
  int up = -EINVAL;
  if (keepable4(peer, dst, &src4))
    up = dial((struct sockaddr *)&src4, sizeof src4, to, dst->len);
  else if (keepable6(peer, dst, &src6))
    up = dial((struct sockaddr *)&src6, sizeof src6, (const struct sockaddr *)&dst->addr6, sizeof dst->addr6);
  if (up == -EINVAL || up == -EADDRINUSE || up == -EADDRNOTAVAIL || up == -EPERM) up = dial(NULL, 0, to, dst->len);
  return up;
}
