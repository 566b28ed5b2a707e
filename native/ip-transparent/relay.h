/*
 * Shared by the files of the ip-transparent addon (the published-port relay; what it does is
 * told in addon.c). One relay thread owns the connections; `lock` (listeners.c) guards the
 * listeners and the hand-off list, which the Node thread changes too.
 */
#ifndef RLT_RELAY_H
#define RLT_RELAY_H

#define _GNU_SOURCE
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <time.h>

#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT 19
#endif
#ifndef IPV6_TRANSPARENT
#define IPV6_TRANSPARENT 75
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

/* What an epoll event's data points at. */
enum { KIND_LISTENER, KIND_CONN, KIND_WAKE };

typedef struct {
  int kind;
} tag;

/* Where a published port's connections go: the container's address, and its IPv6 address on
 * the same network (has6) for IPv6 clients. */
typedef struct {
  struct sockaddr_storage addr;
  socklen_t len;
  struct sockaddr_in6 addr6;
  int has6;
} target;

typedef struct {
  tag t;
  int fd;      /* -1 when the slot is free; guarded by `lock` */
  int stalled; /* an accept failed for want of resources: retried later; guarded by `lock` */
  target dst;
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

/* loop.c: the relay thread and its epoll set. */
extern int relay_epfd;
int relay_start(void); /* 0, or the errno that kept the thread from starting */
void relay_wake(void); /* from the Node thread: hand-offs wait */
time_t now_s(void);
long now_ms(void);

/* sockets.c: the sockets a connection is dialled from. */
int transparent_socket(int type, const struct sockaddr *src, socklen_t len);
int dial_target(const struct sockaddr_storage *peer, const target *dst);

/* flows.c: copying one direction with splice(2) through pooled pipes. */
int flow_move(flow *f, int from, int to);
void flow_release(flow *f);

/* conns.c: relayed connections (relay thread only). */
void conn_open(const target *dst, int client, const struct sockaddr_storage *peer);
void conn_event(conn *c);
int conns_ready(void);
int conns_dialing(void);
void conns_turn(void);  /* one more turn for those with more to move */
void conns_reap(void);  /* frees the closed ones, after a batch of events */
void conns_sweep(void); /* closes dials past their deadline */

/* listeners.c: listening sockets, their accepts, and what stopTcp hands over. */
int listener_add(int fd, const target *dst); /* id, or -errno */
void listener_stop(int id);
void listener_event(listener *l);
void listeners_take_handoffs(void);
int listeners_stalled(void);
void listeners_retry(void);

#endif
