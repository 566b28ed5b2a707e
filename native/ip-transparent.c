/*
 * rootlessd's IP_TRANSPARENT sockets, for the netns agent's port relay (Node cannot set the
 * option, which must be set before bind). Two calls:
 *   bindUdp(srcIp, srcPort) -> fd  a UDP socket bound to the client's address; throws an Error
 *     whose `code` is the errno name (EINVAL for loopback sources).
 *   relayTcp(clientFd, srcIp, srcPort, dstIp, dstPort)  takes a duplicate of an accepted
 *     client socket, dials the container (from srcIp:srcPort with IP_TRANSPARENT when srcIp is
 *     not empty, falling back to a plain dial where that address cannot be used) and copies
 *     bytes both ways with splice(2) on two threads of its own: no process, no JS per chunk.
 *     The caller closes its own copy of clientFd right after the call.
 * The caller owns the fd bindUdp returns and wraps it (dgram bind({ fd })).
 * Built by scripts/build-native.mjs with the C compiler and Node's own headers.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

static napi_value errno_error(napi_env env, int e) {
  napi_value code, msg, error;
  const char *name = errno_name(e);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, strerror(e), NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &error);
  napi_set_named_property(env, error, "code", code);
  return error;
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

/* --- relayTcp: splice both ways on two threads ------------------------------------------ */

/* 256 KiB pipes: as fast here as 1 MiB (iperf3, shared machine), and four times more
 * connections fit in the user's pipe page quota (fs.pipe-user-pages-soft). */
#define PIPE_BYTES (256 * 1024)
#define THREAD_STACK (256 * 1024)

typedef struct {
  int client;
  int upstream;
  int has_src;
  struct sockaddr_in src;
  struct sockaddr_in dst;
  atomic_int refs;
} relay;

typedef struct {
  relay *r;
  int from;
  int to;
} direction;

static void relay_release(relay *r) {
  if (atomic_fetch_sub(&r->refs, 1) != 1) return;
  if (r->upstream >= 0) close(r->upstream);
  close(r->client);
  free(r);
}

/* Copies from → to until EOF (then half-closes `to`) or an error (then shuts both down). */
static void *pump(void *arg) {
  direction *d = arg;
  int p[2];
  int failed = 0;
  if (pipe2(p, O_CLOEXEC) < 0) {
    failed = 1;
  } else {
    fcntl(p[1], F_SETPIPE_SZ, PIPE_BYTES);
    for (;;) {
      ssize_t n = splice(d->from, NULL, p[1], NULL, PIPE_BYTES, SPLICE_F_MOVE);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        failed = n < 0;
        break;
      }
      while (n > 0) {
        ssize_t m = splice(p[0], NULL, d->to, NULL, (size_t)n, SPLICE_F_MOVE);
        if (m < 0 && errno == EINTR) continue;
        if (m <= 0) {
          failed = 1;
          break;
        }
        n -= m;
      }
      if (failed) break;
    }
    close(p[0]);
    close(p[1]);
  }
  if (failed) {
    shutdown(d->from, SHUT_RDWR);
    shutdown(d->to, SHUT_RDWR);
  } else {
    shutdown(d->to, SHUT_WR);
  }
  relay_release(d->r);
  free(d);
  return NULL;
}

static int start_thread(void *(*fn)(void *), void *arg) {
  pthread_attr_t attr;
  pthread_t t;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, THREAD_STACK);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int rc = pthread_create(&t, &attr, fn, arg);
  pthread_attr_destroy(&attr);
  return rc;
}

static int plain_connect(const struct sockaddr_in *dst) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  struct timeval tv = {CONNECT_TIMEOUT_S, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, (const struct sockaddr *)dst, sizeof *dst) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

static int transparent_connect(const struct sockaddr_in *src, const struct sockaddr_in *dst) {
  int fd = transparent_socket(SOCK_STREAM, src);
  if (fd < 0) return fd;
  struct timeval tv = {CONNECT_TIMEOUT_S, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, (const struct sockaddr *)dst, sizeof *dst) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

/* First thread of a relay: dial, then pump upstream → client here and client → upstream on a
 * second thread. A failed dial closes the client's connection, as Docker's proxy does. */
static void *relay_main(void *arg) {
  relay *r = arg;
  int flags = fcntl(r->client, F_GETFL);
  if (flags >= 0) fcntl(r->client, F_SETFL, flags & ~O_NONBLOCK);
  int fd = -ECONNREFUSED;
  if (r->has_src) {
    fd = transparent_connect(&r->src, &r->dst);
    if (fd == -EINVAL || fd == -EADDRINUSE || fd == -EADDRNOTAVAIL || fd == -EPERM) fd = plain_connect(&r->dst);
  } else {
    fd = plain_connect(&r->dst);
  }
  if (fd < 0) {
    relay_release(r);
    return NULL;
  }
  struct timeval none = {0, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof none);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(r->client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  r->upstream = fd;
  direction *up = malloc(sizeof *up);
  direction *down = malloc(sizeof *down);
  if (!up || !down) {
    free(up);
    free(down);
    relay_release(r);
    return NULL;
  }
  *up = (direction){r, r->client, fd};
  *down = (direction){r, fd, r->client};
  atomic_fetch_add(&r->refs, 1);
  if (start_thread(pump, up) != 0) {
    free(up);
    relay_release(r);
    shutdown(r->client, SHUT_RDWR);
  }
  return pump(down);
}

static napi_value relay_tcp(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t client = -1;
  if (argc < 5 || napi_get_value_int32(env, argv[0], &client) != napi_ok || client < 0) {
    napi_throw_type_error(env, NULL, "relayTcp(clientFd, srcIp, srcPort, dstIp, dstPort)");
    return NULL;
  }
  relay *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->upstream = -1;
  atomic_init(&r->refs, 1);
  char ip[64];
  size_t len = 0;
  napi_get_value_string_utf8(env, argv[1], ip, sizeof ip, &len);
  if (len > 0) {
    if (!address_arg(env, argv, 1, &r->src)) {
      free(r);
      return NULL;
    }
    r->has_src = 1;
  }
  if (!address_arg(env, argv, 3, &r->dst)) {
    free(r);
    return NULL;
  }
  r->client = fcntl(client, F_DUPFD_CLOEXEC, 3);
  if (r->client < 0 || start_thread(relay_main, r) != 0) {
    int e = errno;
    if (r->client >= 0) close(r->client);
    free(r);
    napi_throw(env, errno_error(env, e));
    return NULL;
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "relayTcp", NAPI_AUTO_LENGTH, relay_tcp, NULL, &fn);
  napi_set_named_property(env, exports, "relayTcp", fn);
  napi_create_function(env, "bindUdp", NAPI_AUTO_LENGTH, bind_udp, NULL, &fn);
  napi_set_named_property(env, exports, "bindUdp", fn);
  return exports;
}
