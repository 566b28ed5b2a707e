/* Relayed connections, on the relay thread only: the dial to the container, then both flows
 * pumped on each edge, and a ready list for flows that gave way with more to move. */
#include "relay.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

static conn *live;
static conn *dead;
static conn *ready;
static int dialing;

int conns_ready(void) {
  return ready != NULL;
}

int conns_dialing(void) {
  return dialing;
}

static void conn_close(conn *c) {
  if (c->dead) return;
  c->dead = 1;
  if (c->dialing) dialing--;
  close(c->client);
  if (c->upstream >= 0) close(c->upstream);
  flow_release(&c->up);
  flow_release(&c->down);
  if (c->prev) c->prev->next = c->next;
  else live = c->next;
  if (c->next) c->next->prev = c->prev;
  c->next_dead = dead; /* freed after this batch of events, which may still name it */
  dead = c;
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
  if (epoll_ctl(relay_epfd, EPOLL_CTL_ADD, c->client, &ev) < 0) {
    conn_close(c);
    return;
  }
  conn_pump(c);
}

/* Relays a client accepted from a listener of dst: dials, then copies once connected. A failed
 * dial closes the client, as Docker's proxy does. */
void conn_open(const target *dst, int client, const struct sockaddr_storage *peer) {
  int one = 1;
  setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int up = dial_target(peer, dst);
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
  if (epoll_ctl(relay_epfd, EPOLL_CTL_ADD, up, &ev) < 0) conn_close(c);
  else conn_connected(c); /* a container on a local bridge has often answered already */
}

/* An epoll event for c. */
void conn_event(conn *c) {
  if (c->dead) return;
  if (c->dialing) conn_connected(c);
  else conn_pump(c);
}

void conns_turn(void) {
  conn *turn = ready;
  ready = NULL;
  while (turn) {
    conn *c = turn;
    turn = c->next_ready;
    c->queued = 0;
    if (!c->dead) conn_pump(c);
  }
}

void conns_reap(void) {
  while (dead) {
    conn *c = dead;
    dead = c->next_dead;
    free(c);
  }
}

void conns_sweep(void) {
  time_t t = now_s();
  for (conn *c = live, *next; c; c = next) {
    next = c->next;
    if (c->dialing && c->deadline <= t) conn_close(c);
  }
}
