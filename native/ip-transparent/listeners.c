/* The listening sockets the relay serves (one slot per published port, reused), their accepts,
 * and the connections stopTcp takes from a backlog for the relay thread to serve. The Node
 * thread adds and stops listeners while the relay thread accepts: `lock` guards the slots,
 * their fds and the hand-off list. */
#include "relay.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

/* A connection stopTcp took from a listener's backlog, for the relay thread to serve. */
typedef struct handoff {
  int fd;
  struct sockaddr_storage peer;
  target dst;
  struct handoff *next;
} handoff;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static listener **slots;
static int nslots;
static handoff *handoffs;
static int stalled;     /* some listener has stalled accepts (relay thread only) */
static long stalled_at; /* since when, in ms */

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
      conn_open(&l->dst, fd, &peer);
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

/* An epoll event for l, which may be stale: the slot may have been stopped (fd -1, nothing to
 * do) or even reused since (its new socket is accepted from, which does no harm). */
void listener_event(listener *l) {
  pthread_mutex_lock(&lock);
  accept_locked(l);
  pthread_mutex_unlock(&lock);
}

int listeners_stalled(void) {
  return stalled;
}

/* Retries, once STALL_RETRY_MS have passed, the listeners whose accepts failed for want of
 * resources. */
void listeners_retry(void) {
  if (!stalled || now_ms() - stalled_at < STALL_RETRY_MS) return;
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
void listeners_take_handoffs(void) {
  pthread_mutex_lock(&lock);
  handoff *h = handoffs;
  handoffs = NULL;
  pthread_mutex_unlock(&lock);
  while (h) {
    handoff *next = h->next;
    conn_open(&h->dst, h->fd, &h->peer);
    free(h);
    h = next;
  }
}

/* Serves fd (a listening socket the relay owns from now on) in a free slot: its id, or -errno
 * (fd is then closed). */
int listener_add(int fd, const target *dst) {
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
    l->dst = *dst;
    l->fd = fd;
    l->stalled = 0;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.ptr = l};
    if (epoll_ctl(relay_epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
      e = errno;
      l->fd = -1;
    }
  }
  pthread_mutex_unlock(&lock);
  if (e) {
    close(fd);
    return -e;
  }
  return id;
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
    h->next = handoffs;
    handoffs = h;
    n++;
  }
  return n;
}

/* Closes the listener of id before it returns (its port is free then), its backlog handed to
 * the relay thread first. Unknown or stopped ids are ignored. */
void listener_stop(int id) {
  pthread_mutex_lock(&lock);
  int handed = 0;
  if (id >= 0 && id < nslots && slots[id]->fd >= 0) {
    listener *l = slots[id];
    epoll_ctl(relay_epfd, EPOLL_CTL_DEL, l->fd, NULL);
    handed = hand_off_backlog(l);
    close(l->fd);
    l->fd = -1;
    l->stalled = 0;
  }
  pthread_mutex_unlock(&lock);
  if (handed) relay_wake();
}
