/*
 * rootlessd's published-port relay for the netns agent (Node cannot set IP_TRANSPARENT, which
 * must be set before bind, and copying in JS costs a wakeup of the event loop per chunk).
 *   serveTcp(listenFd, dstIp, dstPort, dstIp6?) -> id  takes a duplicate of a listening host
 *     socket and serves it on the relay thread: accept, dial the container (from the client's
 *     ip:port with IP_TRANSPARENT when the client is a non-loopback IPv4 address; an IPv6 client
 *     (not loopback or link-local) likewise to dstIp6, the container's IPv6 address on that
 *     network, when given; else a plain dial of dstIp, which is also the fallback where the
 *     client's address cannot be used), and copy both ways with
 *     splice(2). A failed dial closes the client's connection, as Docker's proxy does;
 *     a half-close passes through. The caller closes its own copy of listenFd.
 *   stopTcp(id)  closes the listening socket before it returns; the connections still in its
 *     backlog (the client saw them open) are taken first and relayed like the others, and
 *     connections already relayed go on until they end.
 *   bindUdp(srcIp, srcPort) -> fd  a UDP socket (IPv4 or IPv6) bound to the client's address,
 *     with IP(V6)_TRANSPARENT; throws an Error
 *     whose `code` is the errno name (EINVAL for loopback sources). The caller owns the fd.
 * One long-lived thread runs everything over epoll (edge-triggered): no thread, no JS and no
 * IPC per connection, and a request costs the fewest wakeups (client -> relay -> container and
 * back). Built by scripts/build-native.mjs from this folder's .c files with the C compiler and
 * Node's own headers. Files: addon.c (this: the Node-API functions), loop.c (the relay thread),
 * listeners.c (listening sockets, accepts, hand-off at stop), conns.c (relayed connections),
 * flows.c (splice through pooled pipes), sockets.c (the sockets dials are made from).
 */
#define NAPI_VERSION 8
#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <string.h>
#include <unistd.h>

static const char *errno_name(int e) {
  switch (e) {
    case EINVAL: return "EINVAL";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EBADF: return "EBADF";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EMFILE: return "EMFILE";
    case ENOMEM: return "ENOMEM";
    default: return "EIO";
  }
}

static napi_value errno_error(napi_env env, int e) {
  napi_value code, msg, error;
  napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, strerror(e), NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &error);
  napi_set_named_property(env, error, "code", code);
  return error;
}

/* Reads argv[i] as an IP address (IPv4, or IPv6 where allow6) and argv[i+1] as a port. */
static int address_arg(napi_env env, napi_value *argv, int i, struct sockaddr_storage *out, socklen_t *len,
                       int allow6) {
  char ip[64];
  size_t n = 0;
  int32_t port = 0;
  if (napi_get_value_string_utf8(env, argv[i], ip, sizeof ip, &n) != napi_ok ||
      napi_get_value_int32(env, argv[i + 1], &port) != napi_ok || port < 0 || port > 65535) {
    napi_throw_type_error(env, NULL, "expected an IP address and a port");
    return 0;
  }
  memset(out, 0, sizeof *out);
  struct sockaddr_in *v4 = (struct sockaddr_in *)out;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
  if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    *len = sizeof *v4;
    return 1;
  }
  if (allow6 && inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    *len = sizeof *v6;
    return 1;
  }
  napi_throw_type_error(env, NULL, allow6 ? "not an IP address" : "not an IPv4 address");
  return 0;
}

static napi_value bind_udp(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "bindUdp(srcIp, srcPort)");
    return NULL;
  }
  struct sockaddr_storage src;
  socklen_t len;
  if (!address_arg(env, argv, 0, &src, &len, 1)) return NULL;
  int fd = transparent_socket(SOCK_DGRAM, (struct sockaddr *)&src, len);
  if (fd < 0) {
    napi_throw(env, errno_error(env, -fd));
    return NULL;
  }
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}


/* dst->addr6 from an IPv6 address string (undefined or null: none), on dst's port; 0 after
 * throwing. */
static int address6_arg(napi_env env, napi_value arg, target *dst) {
  napi_valuetype type;
  dst->has6 = 0;
  if (napi_typeof(env, arg, &type) != napi_ok || type == napi_undefined || type == napi_null) return 1;
  char ip[64];
  size_t n = 0;
  memset(&dst->addr6, 0, sizeof dst->addr6);
  if (type != napi_string || napi_get_value_string_utf8(env, arg, ip, sizeof ip, &n) != napi_ok ||
      inet_pton(AF_INET6, ip, &dst->addr6.sin6_addr) != 1) {
    napi_throw_type_error(env, NULL, "not an IPv6 address");
    return 0;
  }
  dst->addr6.sin6_family = AF_INET6;
  dst->addr6.sin6_port = dst->addr.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&dst->addr)->sin6_port
                                                         : ((struct sockaddr_in *)&dst->addr)->sin_port;
  dst->has6 = 1;
  return 1;
}

static napi_value serve_tcp(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = -1;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "serveTcp(listenFd, dstIp, dstPort, dstIp6?)");
    return NULL;
  }
  target dst;
  memset(&dst, 0, sizeof dst);
  if (!address_arg(env, argv, 1, &dst.addr, &dst.len, 1)) return NULL;
  if (argc > 3 && !address6_arg(env, argv[3], &dst)) return NULL;
  int e = relay_start();
  if (e) {
    napi_throw(env, errno_error(env, e));
    return NULL;
  }
  int own = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (own < 0) {
    napi_throw(env, errno_error(env, errno));
    return NULL;
  }
  fcntl(own, F_SETFL, O_RDWR | O_NONBLOCK);
  int id = listener_add(own, &dst);
  if (id < 0) {
    napi_throw(env, errno_error(env, -id));
    return NULL;
  }
  napi_value out;
  napi_create_int32(env, id, &out);
  return out;
}

static napi_value stop_tcp(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t id = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &id) != napi_ok) {
    napi_throw_type_error(env, NULL, "stopTcp(id)");
    return NULL;
  }
  listener_stop(id);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "serveTcp", NAPI_AUTO_LENGTH, serve_tcp, NULL, &fn);
  napi_set_named_property(env, exports, "serveTcp", fn);
  napi_create_function(env, "stopTcp", NAPI_AUTO_LENGTH, stop_tcp, NULL, &fn);
  napi_set_named_property(env, exports, "stopTcp", fn);
  napi_create_function(env, "bindUdp", NAPI_AUTO_LENGTH, bind_udp, NULL, &fn);
  napi_set_named_property(env, exports, "bindUdp", fn);
  return exports;
}
