/*
 * rootlessd's IP_TRANSPARENT sockets, for the netns agent's port relay (Node cannot set the
 * option, which must be set before bind). Two calls:
 *   connectTcp(srcIp, srcPort, dstIp, dstPort) -> Promise<fd>  a TCP socket bound to the
 *     client's address and connected to the container (the blocking connect runs on a worker
 *     thread); rejects with an Error whose `code` is the errno name (EINVAL for loopback sources).
 *   bindUdp(srcIp, srcPort) -> fd  a UDP socket bound to the client's address.
 * The caller owns the returned fd and wraps it (net.Socket({ fd }), dgram bind({ fd })).
 * Built by scripts/build-native.mjs with the C compiler and Node's own headers.
 */
#define NAPI_VERSION 8
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT 19
#endif

#define CONNECT_TIMEOUT_S 10

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  struct sockaddr_in src;
  struct sockaddr_in dst;
  int fd;
  int err;
} connect_job;

static const char *errno_name(int e) {
  switch (e) {
    case EINVAL: return "EINVAL";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EAGAIN: return "ETIMEDOUT";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EMFILE: return "EMFILE";
    default: return "EIO";
  }
}

/* A socket of `type` with IP_TRANSPARENT and SO_REUSEADDR, bound to src; -errno on failure. */
static int transparent_socket(int type, const struct sockaddr_in *src) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
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

static void connect_execute(napi_env env, void *data) {
  (void)env;
  connect_job *job = data;
  int fd = transparent_socket(SOCK_STREAM, &job->src);
  if (fd < 0) {
    job->err = -fd;
    return;
  }
  struct timeval tv = {CONNECT_TIMEOUT_S, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, (const struct sockaddr *)&job->dst, sizeof job->dst) < 0) {
    job->err = errno;
    close(fd);
    return;
  }
  struct timeval none = {0, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof none);
  job->fd = fd;
}

static napi_value errno_error(napi_env env, int e) {
  napi_value code, msg, error;
  const char *name = errno_name(e);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, strerror(e), NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &error);
  napi_set_named_property(env, error, "code", code);
  return error;
}

static void connect_complete(napi_env env, napi_status status, void *data) {
  connect_job *job = data;
  if (status == napi_ok && job->err == 0) {
    napi_value fd;
    napi_create_int32(env, job->fd, &fd);
    napi_resolve_deferred(env, job->deferred, fd);
  } else {
    napi_reject_deferred(env, job->deferred, errno_error(env, job->err ? job->err : EIO));
  }
  napi_delete_async_work(env, job->work);
  free(job);
}

/* Reads argv[i] as an IPv4 address and argv[i+1] as a port into `out`; false (thrown) if bad. */
static int address_arg(napi_env env, napi_value *argv, int i, struct sockaddr_in *out) {
  char ip[64];
  size_t len = 0;
  int32_t port = 0;
  if (napi_get_value_string_utf8(env, argv[i], ip, sizeof ip, &len) != napi_ok ||
      napi_get_value_int32(env, argv[i + 1], &port) != napi_ok || port < 0 || port > 65535) {
    napi_throw_type_error(env, NULL, "expected an IPv4 address and a port");
    return 0;
  }
  memset(out, 0, sizeof *out);
  out->sin_family = AF_INET;
  out->sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, ip, &out->sin_addr) != 1) {
    napi_throw_type_error(env, NULL, "not an IPv4 address");
    return 0;
  }
  return 1;
}

static napi_value connect_tcp(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "connectTcp(srcIp, srcPort, dstIp, dstPort)");
    return NULL;
  }
  connect_job *job = calloc(1, sizeof *job);
  if (!job) return NULL;
  job->fd = -1;
  if (!address_arg(env, argv, 0, &job->src) || !address_arg(env, argv, 2, &job->dst)) {
    free(job);
    return NULL;
  }
  napi_value promise, name;
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_string_utf8(env, "ipTransparentConnect", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, connect_execute, connect_complete, job, &job->work);
  napi_queue_async_work(env, job->work);
  return promise;
}

static napi_value bind_udp(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "bindUdp(srcIp, srcPort)");
    return NULL;
  }
  struct sockaddr_in src;
  if (!address_arg(env, argv, 0, &src)) return NULL;
  int fd = transparent_socket(SOCK_DGRAM, &src);
  if (fd < 0) {
    napi_throw(env, errno_error(env, -fd));
    return NULL;
  }
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "connectTcp", NAPI_AUTO_LENGTH, connect_tcp, NULL, &fn);
  napi_set_named_property(env, exports, "connectTcp", fn);
  napi_create_function(env, "bindUdp", NAPI_AUTO_LENGTH, bind_udp, NULL, &fn);
  napi_set_named_property(env, exports, "bindUdp", fn);
  return exports;
}
