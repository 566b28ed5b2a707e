/*
 * rootlessd's published-port relay for the netns agent (Node cannot set IP_TRANSPARENT, which
 * must be set before bind, and copying in JS costs a wakeup of the event loop per chunk).
 *   serveTcp(listenFd, dstIp, dstPort) -> id  takes a duplicate of a listening host socket and
 *     serves it on the relay thread: accept, dial the container (from the client's ip:port with
 *     IP_TRANSPARENT when the client is a non-loopback IPv4 address, else a plain dial, which
 *     is also the fallback where that address cannot be used), and copy both ways with
 *     splice(2). A failed dial closes the client's connection, as Docker's proxy does;
 *     a half-close passes through. The caller closes its own copy of listenFd.
 *   stopTcp(id)  closes the listening socket before it returns; the connections still in its
 *     backlog (the client saw them open) are taken first and relayed like the others, and
 *     connections already relayed go on until they end.
 *   bindUdp(srcIp, srcPort) -> fd  a UDP socket bound to the client's address; throws an Error
 *     whose `code` is the errno name (EINVAL for loopback sources). The caller owns the fd.
 * One long-lived thread runs everything over epoll (edge-triggered): no thread, no JS and no
 * IPC per connection, and a request costs the fewest wakeups (client -> relay -> container and
 * back). Pipes are reused from a small pool. Built by scripts/build-native.mjs with the C
 * compiler and Node's own headers.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <node_api.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT 19
#endif

#define CONNECT_TIMEOUT_S 10
/* Pipes start at the default size (16 buffers) and grow to BIG_PIPE once a flow carries bulk
 * data (a read of GROW_AT bytes or more): fewer splice calls per byte, while the many small
 * connections stay small in the user's pipe page quota (fs.pipe-user-pages-soft, beyond which
 * new pipes get 2 buffers). */
#define BIG_PIPE (1024 * 1024)
#define GROW_AT (64 * 1024)
/* A read may ask for more than the pipe's size in pages: a buffer holds one TCP fragment,
 * which can be larger than a page (32 KiB on loopback and veth). */
#define READ_BYTES (4 * 1024 * 1024)
/* Idle pipes kept for the next connections: each counts against the user's pipe page quota. */
#define PIPE_POOL 8
/* Reads per connection and turn: a bulk flow gives way to the others, then goes on. */
#define READS_PER_TURN 8
#define EVENTS 64
/* An accept that failed for want of fds or memory leaves the connection queued, and an
 * edge-triggered listener gets no new event for it: it is retried after this long. */
#define STALL_RETRY_MS 100

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

/* A socket of `type` with IP_TRANSPARENT and SO_REUSEADDR, bound to src; -errno on failure. */
static int transparent_socket(int type, const struct sockaddr_in *src) {
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
  if (!address_arg(env, argv, 0, &src, &len, 0)) return NULL;
  int fd = transparent_socket(SOCK_DGRAM, (struct sockaddr_in *)&src);
  if (fd < 0) {
    napi_throw(env, errno_error(env, -fd));
    return NULL;
  }
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

/* --- the relay thread ------------------------------------------------------------------- */

enum { KIND_LISTENER, KIND_CONN, KIND_WAKE };

typedef struct {
  int kind;
} tag;

typedef struct {
  tag t;
  int fd; /* -1 when the slot is free; guarded by `lock` */
  int stalled; /* an accept failed for want of resources: retried later; guarded by `lock` */
  struct sockaddr_storage dst;
  socklen_t dst_len;
} listener;

/* One direction: bytes from `from` wait in the pipe until `to` takes them. */
typedef struct {
  int p[2];
  size_t n;
  int rd_eof;
  int shut;
  int grown; /* tried to grow the pipe already */
} flow;

typedef struct conn {
  tag t;
  int client;
  int upstream;
  int dialing;
  int dead;
  int queued; /* on the ready list: has more to move without a new event */
  time_t deadline;
  flow up;   /* client -> upstream */
  flow down; /* upstream -> client */
  struct conn *prev, *next, *next_dead, *next_ready;
} conn;

/* A connection stopTcp took from a listener's backlog, for the relay thread to serve. */
typedef struct handoff {
  int fd;
  struct sockaddr_storage peer;
  struct sockaddr_storage dst;
  socklen_t dst_len;
  struct handoff *next;
} handoff;

/* `lock` guards the listeners (slots, their fd) and the hand-off list; everything else is the
 * relay thread's own. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t started = PTHREAD_ONCE_INIT;
static int epfd = -1;
static int start_error;
static listener **slots;
static int nslots;
static conn *live;
static conn *dead;
static conn *ready;
static int dialing;
static handoff *handoffs;
static int wakefd = -1; /* eventfd: stopTcp has handed connections over */
static tag wake_tag = {KIND_WAKE};
static int stalled;      /* some listener has stalled accepts (relay thread only) */
static long stalled_at;  /* when, in ms */
static int pool[PIPE_POOL][2];
static int npool;

static time_t now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec;
}

static long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int pipe_get(int p[2]) {
  if (npool > 0) {
    npool--;
    p[0] = pool[npool][0];
    p[1] = pool[npool][1];
    return 0;
  }
  return pipe2(p, O_CLOEXEC | O_NONBLOCK);
}

/* An empty pipe goes back to the pool; one that still holds bytes is closed. */
static void pipe_put(flow *f) {
  if (f->p[0] < 0) return;
  if (f->n == 0 && npool < PIPE_POOL) {
    if (f->grown) fcntl(f->p[1], F_SETPIPE_SZ, 64 * 1024);
    pool[npool][0] = f->p[0];
    pool[npool][1] = f->p[1];
    npool++;
  } else {
    close(f->p[0]);
    close(f->p[1]);
  }
  f->p[0] = f->p[1] = -1;
}

static void conn_close(conn *c) {
  if (c->dead) return;
  c->dead = 1;
  if (c->dialing) dialing--;
  close(c->client);
  if (c->upstream >= 0) close(c->upstream);
  pipe_put(&c->up);
  pipe_put(&c->down);
  if (c->prev) c->prev->next = c->next;
  else live = c->next;
  if (c->next) c->next->prev = c->prev;
  c->next_dead = dead; /* freed after this batch of events, which may still name it */
  dead = c;
}

/* Moves what it can from → to, up to READS_PER_TURN reads; returns -1 on an error of either
 * socket, 1 when the turn ended with more to read, else 0. At the end of `from`, once the pipe
 * is empty, half-closes `to`. Reads only into an empty pipe, so an EAGAIN from the read means
 * `from` has nothing more for now (edge-triggered: the next data brings an event). */
static int flow_move(flow *f, int from, int to) {
  for (int reads = 0;; reads++) {
    while (f->n > 0) {
      ssize_t m = splice(f->p[0], NULL, to, NULL, f->n, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (m > 0) {
        f->n -= (size_t)m;
      } else if (m < 0 && errno == EINTR) {
        continue;
      } else {
        return m < 0 && errno == EAGAIN ? 0 : -1;
      }
    }
    if (f->rd_eof) break;
    if (reads == READS_PER_TURN) return 1;
    if (f->p[0] < 0 && pipe_get(f->p) < 0) return -1;
    ssize_t m = splice(from, NULL, f->p[1], NULL, READ_BYTES, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (m > 0) {
      f->n = (size_t)m;
      if (m >= GROW_AT && !f->grown) {
        f->grown = 1;
        fcntl(f->p[1], F_SETPIPE_SZ, BIG_PIPE); /* over the quota it stays as it is */
      }
    } else if (m == 0) {
      f->rd_eof = 1;
    } else if (errno == EINTR) {
      continue;
    } else {
      return errno == EAGAIN ? 0 : -1;
    }
  }
  if (!f->shut) {
    shutdown(to, SHUT_WR);
    f->shut = 1;
    pipe_put(f);
  }
  return 0;
}

static void conn_pump(conn *c) {
  int up = flow_move(&c->up, c->client, c->upstream);
  int down = up < 0 ? 0 : flow_move(&c->down, c->upstream, c->client);
  if (up < 0 || down < 0 || (c->up.shut && c->down.shut)) {
    conn_close(c);
  } else if ((up > 0 || down > 0) && !c->queued) {
    c->queued = 1;
    c->next_ready = ready;
    ready = c;
  }
}

static void conn_connected(conn *c) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(c->upstream, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
    conn_close(c);
    return;
  }
  struct sockaddr_storage peer;
  len = sizeof peer;
  if (getpeername(c->upstream, (struct sockaddr *)&peer, &len) < 0) {
    if (errno != ENOTCONN) conn_close(c);
    return; /* not connected yet: the next edge tells */
  }
  c->dialing = 0;
  dialing--;
  int one = 1;
  setsockopt(c->upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->client, &ev) < 0) {
    conn_close(c);
    return;
  }
  conn_pump(c);
}

/* A non-blocking dial of dst, from src with IP_TRANSPARENT when src is given; -errno. */
static int dial(const struct sockaddr_in *src, const struct sockaddr_storage *dst, socklen_t dst_len) {
  int fd = src ? transparent_socket(SOCK_STREAM, src)
               : socket(dst->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return src ? fd : -errno;
  if (connect(fd, (const struct sockaddr *)dst, dst_len) < 0 && errno != EINPROGRESS) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

/* The source a dial may keep: an IPv4 (or IPv4-mapped) client that is not loopback, towards an
 * IPv4 container. Loopback sources cannot be bound (EINVAL), and IPv6 has no such routing. */
static int keepable(const struct sockaddr_storage *peer, const struct sockaddr_storage *dst,
                    struct sockaddr_in *out) {
  if (dst->ss_family != AF_INET) return 0;
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

/* Relays a client accepted from a listener of dst: dials, then copies once connected. */
static void accept_one(const struct sockaddr_storage *dst, socklen_t dst_len, int client,
                       const struct sockaddr_storage *peer) {
  int one = 1;
  setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in src;
  int up = -EINVAL;
  if (keepable(peer, dst, &src)) up = dial(&src, dst, dst_len);
  if (up == -EINVAL || up == -EADDRINUSE || up == -EADDRNOTAVAIL || up == -EPERM) up = dial(NULL, dst, dst_len);
  conn *c = up >= 0 ? calloc(1, sizeof *c) : NULL;
  if (!c) {
    if (up >= 0) close(up);
    close(client);
    return;
  }
  c->t.kind = KIND_CONN;
  c->client = client;
  c->upstream = up;
  c->up.p[0] = c->up.p[1] = c->down.p[0] = c->down.p[1] = -1;
  c->dialing = 1;
  c->deadline = now_s() + CONNECT_TIMEOUT_S;
  dialing++;
  c->next = live;
  if (live) live->prev = c;
  live = c;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, up, &ev) < 0) conn_close(c);
  else conn_connected(c); /* a container on a local bridge has often answered already */
}

/* What an accept's errno means: 0 the backlog is empty, 1 that connection is gone (try the
 * next), -1 it is still queued but cannot be taken now (fds or memory short: retry later). */
static int accept_failed(int e) {
  if (e == EAGAIN || e == EWOULDBLOCK) return 0;
  if (e == EINTR || e == ECONNABORTED || e == EPROTO || e == EPERM) return 1;
  return -1;
}

/* Accepts the whole backlog (edge-triggered: the next event comes with the next connection).
 * Holds `lock`, so stopTcp cannot close the socket under it. */
static void accept_locked(listener *l) {
  while (l->fd >= 0) {
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    int fd = accept4(l->fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      accept_one(&l->dst, l->dst_len, fd, &peer);
      continue;
    }
    int why = accept_failed(errno);
    if (why > 0) continue;
    if (why < 0 && !l->stalled) {
      l->stalled = 1;
      if (!stalled) stalled_at = now_ms();
      stalled = 1;
    }
    break;
  }
}

static void accept_all(listener *l) {
  pthread_mutex_lock(&lock);
  accept_locked(l);
  pthread_mutex_unlock(&lock);
}

/* Retries the listeners whose accepts failed for want of resources. */
static void retry_stalled(void) {
  stalled = 0;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < nslots; i++) {
    if (slots[i]->stalled) {
      slots[i]->stalled = 0;
      accept_locked(slots[i]);
    }
  }
  pthread_mutex_unlock(&lock);
}

/* Serves the connections stopTcp took from the backlogs of the listeners it closed. */
static void take_handoffs(void) {
  uint64_t count;
  while (read(wakefd, &count, sizeof count) < 0 && errno == EINTR) {
  }
  pthread_mutex_lock(&lock);
  handoff *h = handoffs;
  handoffs = NULL;
  pthread_mutex_unlock(&lock);
  while (h) {
    handoff *next = h->next;
    accept_one(&h->dst, h->dst_len, h->fd, &h->peer);
    free(h);
    h = next;
  }
}

static void sweep_dials(void) {
  time_t t = now_s();
  for (conn *c = live, *next; c; c = next) {
    next = c->next;
    if (c->dialing && c->deadline <= t) conn_close(c);
  }
}

static void *relay_loop(void *arg) {
  (void)arg;
  struct epoll_event evs[EVENTS];
  time_t last_sweep = now_s();
  for (;;) {
    int timeout = ready ? 0 : stalled ? STALL_RETRY_MS : dialing > 0 ? 1000 : -1;
    int n = epoll_wait(epfd, evs, EVENTS, timeout);
    for (int i = 0; i < n; i++) {
      tag *t = evs[i].data.ptr;
      if (t->kind == KIND_LISTENER) {
        accept_all((listener *)t);
        continue;
      }
      if (t->kind == KIND_WAKE) {
        take_handoffs();
        continue;
      }
      conn *c = (conn *)t;
      if (c->dead) continue;
      if (c->dialing) conn_connected(c);
      else conn_pump(c);
    }
    conn *turn = ready;
    ready = NULL;
    while (turn) {
      conn *c = turn;
      turn = c->next_ready;
      c->queued = 0;
      if (!c->dead) conn_pump(c);
    }
    while (dead) {
      conn *c = dead;
      dead = c->next_dead;
      free(c);
    }
    if (stalled && now_ms() - stalled_at >= STALL_RETRY_MS) retry_stalled();
    if (dialing > 0 && now_s() - last_sweep >= 1) {
      last_sweep = now_s();
      sweep_dials();
    }
  }
  return NULL;
}

static void start_loop(void) {
  epfd = epoll_create1(EPOLL_CLOEXEC);
  wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &wake_tag};
  if (epfd < 0 || wakefd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev) < 0) {
    start_error = errno;
    return;
  }
  pthread_attr_t attr;
  pthread_t t;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  start_error = pthread_create(&t, &attr, relay_loop, NULL);
  pthread_attr_destroy(&attr);
}

static napi_value serve_tcp(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = -1;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "serveTcp(listenFd, dstIp, dstPort)");
    return NULL;
  }
  struct sockaddr_storage dst;
  socklen_t dst_len;
  if (!address_arg(env, argv, 1, &dst, &dst_len, 1)) return NULL;
  pthread_once(&started, start_loop);
  if (start_error) {
    napi_throw(env, errno_error(env, start_error));
    return NULL;
  }
  int own = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (own < 0) {
    napi_throw(env, errno_error(env, errno));
    return NULL;
  }
  fcntl(own, F_SETFL, O_RDWR | O_NONBLOCK);
  pthread_mutex_lock(&lock);
  int id = 0;
  while (id < nslots && slots[id]->fd >= 0) id++;
  int e = 0;
  if (id == nslots) {
    listener **grown = realloc(slots, sizeof *slots * (size_t)(nslots + 1));
    listener *l = grown ? calloc(1, sizeof *l) : NULL;
    if (grown) slots = grown;
    if (l) slots[nslots++] = l;
    else e = ENOMEM;
  }
  if (!e) {
    listener *l = slots[id];
    l->t.kind = KIND_LISTENER;
    l->dst = dst;
    l->dst_len = dst_len;
    l->fd = own;
    l->stalled = 0;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.ptr = l};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, own, &ev) < 0) {
      e = errno;
      l->fd = -1;
    }
  }
  pthread_mutex_unlock(&lock);
  if (e) {
    close(own);
    napi_throw(env, errno_error(env, e));
    return NULL;
  }
  napi_value out;
  napi_create_int32(env, id, &out);
  return out;
}

/* Takes what is left in l's backlog (under `lock`) for the relay thread; returns how many.
 * Closing a listener resets the connections still queued on it, which their clients already
 * saw open: those are relayed too, so an unpublish never breaks a connection made before it. */
static int hand_off_backlog(listener *l) {
  int n = 0;
  for (;;) {
    handoff *h = malloc(sizeof *h);
    if (!h) break;
    socklen_t len = sizeof h->peer;
    h->fd = accept4(l->fd, (struct sockaddr *)&h->peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (h->fd < 0) {
      int why = accept_failed(errno);
      free(h);
      if (why > 0) continue;
      break;
    }
    h->dst = l->dst;
    h->dst_len = l->dst_len;
    h->next = handoffs;
    handoffs = h;
    n++;
  }
  return n;
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
  pthread_mutex_lock(&lock);
  int handed = 0;
  if (id >= 0 && id < nslots && slots[id]->fd >= 0) {
    listener *l = slots[id];
    epoll_ctl(epfd, EPOLL_CTL_DEL, l->fd, NULL);
    handed = hand_off_backlog(l);
    close(l->fd);
    l->fd = -1;
    l->stalled = 0;
  }
  pthread_mutex_unlock(&lock);
  if (handed) {
    uint64_t one = 1;
    while (write(wakefd, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }
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
