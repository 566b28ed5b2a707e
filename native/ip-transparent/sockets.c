/* The sockets a relayed connection is dialled from: the client's own address where it can be
 * kept (IP_TRANSPARENT), else a plain one. */
#include "relay.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* A socket of `type` with IP_TRANSPARENT and SO_REUSEADDR, bound to src; -errno on failure. */
int transparent_socket(int type, const struct sockaddr_in *src) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -errno;
  int one = 1;
  if (setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof one) < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind(fd, (const struct sockaddr *)src, sizeof *src) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

/* A non-blocking dial of dst, from src with IP_TRANSPARENT when src is given; -errno. */
static int dial(const struct sockaddr_in *src, const target *dst) {
  int fd = src ? transparent_socket(SOCK_STREAM, src)
               : socket(dst->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return src ? fd : -errno;
  if (connect(fd, (const struct sockaddr *)&dst->addr, dst->len) < 0 && errno != EINPROGRESS) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

/* The source a dial may keep: an IPv4 (or IPv4-mapped) client that is not loopback, towards an
 * IPv4 container. Loopback sources cannot be bound (EINVAL), and IPv6 has no such routing. */
static int keepable(const struct sockaddr_storage *peer, const target *dst, struct sockaddr_in *out) {
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

/* Dials dst for a client at peer: from the client's address where it can be kept, else (and
 * where binding it fails) from a plain socket. The fd, or -errno. */
int dial_target(const struct sockaddr_storage *peer, const target *dst) {
  struct sockaddr_in src;
  int up = -EINVAL;
  if (keepable(peer, dst, &src)) up = dial(&src, dst);
  if (up == -EINVAL || up == -EADDRINUSE || up == -EADDRNOTAVAIL || up == -EPERM) up = dial(NULL, dst);
  return up;
}
