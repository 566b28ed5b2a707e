/* The relay thread: one epoll set for every listener and connection, an eventfd by which the
 * Node thread hands connections over. Started at the first serveTcp. */
#include "relay.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

int relay_epfd = -1;
static int wakefd = -1;
static tag wake_tag = {KIND_WAKE};
static pthread_once_t started = PTHREAD_ONCE_INIT;
static int start_error;

time_t now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec;
}

long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void relay_wake(void) {
  uint64_t one = 1;
  while (write(wakefd, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

static void woken(void) {
  uint64_t count;
  while (read(wakefd, &count, sizeof count) < 0 && errno == EINTR) {
  }
  listeners_take_handoffs();
}

static void *relay_loop(void *arg) {
  (void)arg;
  struct epoll_event evs[EVENTS];
  time_t last_sweep = now_s();
  for (;;) {
    int timeout = conns_ready() ? 0 : listeners_stalled() ? STALL_RETRY_MS : conns_dialing() > 0 ? 1000 : -1;
    int n = epoll_wait(relay_epfd, evs, EVENTS, timeout);
    for (int i = 0; i < n; i++) {
      tag *t = evs[i].data.ptr;
      if (t->kind == KIND_LISTENER) listener_event((listener *)t);
      else if (t->kind == KIND_WAKE) woken();
      else conn_event((conn *)t);
    }
    conns_turn();
    conns_reap();
    listeners_retry();
    if (conns_dialing() > 0 && now_s() - last_sweep >= 1) {
      last_sweep = now_s();
      conns_sweep();
    }
  }
  return NULL;
}

static void start_loop(void) {
  relay_epfd = epoll_create1(EPOLL_CLOEXEC);
  wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &wake_tag};
  if (relay_epfd < 0 || wakefd < 0 || epoll_ctl(relay_epfd, EPOLL_CTL_ADD, wakefd, &ev) < 0) {
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

int relay_start(void) {
  pthread_once(&started, start_loop);
  return start_error;
}
