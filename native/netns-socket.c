/*
 * rootlessd's sockets inside another network namespace, for the engine: the embedded DNS of
 * user-defined networks listens on bridge gateways, which exist only in the container network
 * (the holder's namespace), while the engine runs in the host's. A socket belongs for its whole
 * life to the namespace it was created in, so a short-lived thread joins that namespace
 * (setns(2) changes only the calling thread), creates and binds the socket, and exits; Node then
 * adopts the descriptor (dgram's bind({ fd }), net.Server's listen({ fd })). One call:
 *   bindIn(nsFd, type, address, port) -> fd
 *     nsFd     an open /proc/PID/ns/net
 *     type     "udp" or "tcp" (TCP gets SO_REUSEADDR, as libuv gives its listeners)
 *     address  IPv4 or IPv6 literal (IPv6 sockets are IPV6_V6ONLY)
 *     port     0 for any
 *   The socket is non-blocking and close-on-exec; the caller owns it. Throws an Error whose
 *   `code` is the errno name (EADDRNOTAVAIL, EADDRINUSE, EPERM...).
 * Built by scripts/build-native.mjs with the C compiler and Node's own headers; without it the
 * engine runs its DNS in the netns agent process (src/engine/networks/dns-agent-process.ts).
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct job {
  int ns_fd;
  int tcp;
  struct sockaddr_storage addr;
  socklen_t addr_len;
  int fd;   /* result */
  int err;  /* errno on failure */
};

static void *bind_in_namespace(void *arg) {
  struct job *j = arg;
  j->fd = -1;
  if (setns(j->ns_fd, CLONE_NEWNET) != 0) {
    j->err = errno;
    return NULL;
  }
  int family = j->addr.ss_family;
  int fd = socket(family, (j->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    j->err = errno;
    return NULL;
  }
  int one = 1;
  if ((j->tcp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) ||
      (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
      bind(fd, (struct sockaddr *)&j->addr, j->addr_len) != 0) {
    j->err = errno;
    close(fd);
    return NULL;
  }
  j->fd = fd;
  return NULL;
}

static napi_value throw_errno(napi_env env, int err, const char *what) {
  char msg[160];
  napi_value code, text, error;
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  const char *name = strerrorname_np(err);
  napi_create_string_utf8(env, name ? name : "EIO", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_set_named_property(env, error, "code", code);
  napi_throw(env, error);
  return NULL;
}

static napi_value bind_in(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4) {
    napi_throw_type_error(env, NULL, "bindIn(nsFd, type, address, port)");
    return NULL;
  }
  struct job j;
  memset(&j, 0, sizeof j);
  char type[8] = {0}, address[64] = {0};
  int32_t port = 0;
  size_t len = 0;
  if (napi_get_value_int32(env, argv[0], &j.ns_fd) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], type, sizeof type, &len) != napi_ok ||
      napi_get_value_string_utf8(env, argv[2], address, sizeof address, &len) != napi_ok ||
      napi_get_value_int32(env, argv[3], &port) != napi_ok || port < 0 || port > 65535) {
    napi_throw_type_error(env, NULL, "bindIn(nsFd: number, type: string, address: string, port: number)");
    return NULL;
  }
  if (strcmp(type, "tcp") == 0) j.tcp = 1;
  else if (strcmp(type, "udp") != 0) {
    napi_throw_type_error(env, NULL, "bindIn: type is \"udp\" or \"tcp\"");
    return NULL;
  }
  struct sockaddr_in *v4 = (struct sockaddr_in *)&j.addr;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&j.addr;
  if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    j.addr_len = sizeof *v4;
  } else if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    j.addr_len = sizeof *v6;
  } else {
    napi_throw_type_error(env, NULL, "bindIn: address is not an IP address");
    return NULL;
  }
  pthread_t thread;
  int err = pthread_create(&thread, NULL, bind_in_namespace, &j);
  if (err != 0) return throw_errno(env, err, "pthread_create");
  pthread_join(thread, NULL);
  if (j.fd < 0) return throw_errno(env, j.err, address);
  napi_value result;
  napi_create_int32(env, j.fd, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "bindIn", NAPI_AUTO_LENGTH, bind_in, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "bindIn", fn) != napi_ok) return NULL;
  return exports;
}
