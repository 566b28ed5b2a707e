/* One direction of a relayed connection: bytes go from socket to socket through a pipe with
 * splice(2), never through user space. Pipes are reused from a small pool. */
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static int pool[PIPE_POOL][2];
static int npool;

static int pipe_get(int p[2]) {
  if (npool > 0) {
    npool--;
    p[0] = pool[npool][0];
    p[1] = pool[npool][1];
    return 0;
  }
  return pipe2(p, O_CLOEXEC | O_NONBLOCK);
}

/* The flow's pipe goes back to the pool when empty, else is closed. */
void flow_release(flow *f) {
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

/* Moves what it can from → to, up to READS_PER_TURN reads; returns -1 on an error of either
 * socket, 1 when the turn ended with more to read, else 0. At the end of `from`, once the pipe
 * is empty, half-closes `to`. Reads only into an empty pipe, so an EAGAIN from the read means
 * `from` has nothing more for now (edge-triggered: the next data brings an event). */
int flow_move(flow *f, int from, int to) {
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
    flow_release(f);
  }
  return 0;
}
