/*
 * rootlessd's spawn of a short-lived program with socket pairs for its descriptors, by vfork(2)
 * and execve(2). Node's child_process forks the whole engine (copies its page tables: several
 * ms on a VM, with the event loop blocked) before the exec; vfork shares the parent's memory,
 * so its cost does not grow with the engine. One call:
 *   spawn(file, args, env, stdio) -> { pid, fds }
 *     file   an absolute path (no PATH search); args: argv including argv[0]
 *     env    "KEY=value" strings (the whole environment)
 *     stdio  one entry per child descriptor 0..n-1: "ignore" (/dev/null) or "pipe" (one end of
 *            an AF_UNIX stream socket pair, as Node's stdio "pipe" is)
 *     fds    the parent's end for each "pipe" entry (close-on-exec), -1 for "ignore"
 * The child gets an empty signal mask and every signal at its default disposition (as Node's
 * children do); its working folder and session are the engine's. A detached thread waits
 * for the child, so it never stays a zombie; its exit status is not reported (callers learn
 * what they need from the pipes). Throws with the errno name when the program cannot run.
 * Built by scripts/build-native.mjs; without it the callers spawn through Node (execa).
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_STDIO 16
#define MAX_STRING 65536
/* Child ends are moved at or above this number, out of the way of the targets 0..MAX_STDIO-1. */
#define HIGH_FD 64

static void *wait_child(void *arg) {
  pid_t pid = (pid_t)(long)arg;
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
  }
  return NULL;
}

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  const char *code = strerrorname_np(err);
  napi_throw_error(env, code ? code : "EUNKNOWN", msg);
  return NULL;
}

/* A JS string as a malloc'd C string, or NULL (with a pending exception). */
static char *string_of(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok || len > MAX_STRING) {
    napi_throw_type_error(env, NULL, "spawn: expected a string");
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s) {
    napi_throw_error(env, NULL, "spawn: out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

/* A JS string array as a NULL-terminated malloc'd vector, or NULL (exception pending). */
static char **vector_of(napi_env env, napi_value arr) {
  bool is_array = false;
  uint32_t n = 0;
  if (napi_is_array(env, arr, &is_array) != napi_ok || !is_array || napi_get_array_length(env, arr, &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "spawn: expected an array of strings");
    return NULL;
  }
  char **out = calloc(n + 1, sizeof(char *));
  if (!out) {
    napi_throw_error(env, NULL, "spawn: out of memory");
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    napi_get_element(env, arr, i, &item);
    out[i] = string_of(env, item);
    if (!out[i]) {
      for (uint32_t j = 0; j < i; j++) free(out[j]);
      free(out);
      return NULL;
    }
  }
  return out;
}

static void free_vector(char **v) {
  if (!v) return;
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

struct kernel_sigaction {
  void *handler;
  unsigned long flags;
  void *restorer;
  unsigned long mask;
};

/*
 * The child between vfork and exec: it runs on the parent's stack and memory (the parent is
 * suspended), so it makes raw system calls only. Every signal goes to its default disposition,
 * glibc's own two (32, 33) included: posix_spawn(3) leaves those ignored, which the exec would
 * keep, down to the process run in the container. `src[i]` becomes descriptor i (-1:
 * /dev/null). On failure the errno is left in `*failed` (shared memory) for the parent.
 */
static void child_exec(const char *file, char **args, char **envp, size_t n, const int *src, volatile int *failed) {
  struct kernel_sigaction dfl = {0};
  for (int sig = 1; sig <= 64; sig++) syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(unsigned long));
  for (size_t i = 0; i < n; i++) {
    int fd = src[i];
    if (fd < 0) {
      fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", i == 0 ? O_RDONLY : O_RDWR);
      if (fd < 0) goto fail;
    }
    if (fd != (int)i) {
      if (syscall(SYS_dup3, fd, (int)i, 0) < 0) goto fail;
      if (src[i] < 0) syscall(SYS_close, fd);
    }
  }
  unsigned long none = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof none);
  syscall(SYS_execve, file, args, envp);
fail:
  *failed = errno ? errno : EIO;
  syscall(SYS_exit_group, 127);
}

static napi_value spawn(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "spawn(file, args, env, stdio)");
    return NULL;
  }
  napi_value result = NULL;
  char *file = NULL;
  char **args = NULL, **envp = NULL, **stdio = NULL;
  int parent[MAX_STDIO], child[MAX_STDIO];
  size_t n = 0;
  for (size_t i = 0; i < MAX_STDIO; i++) parent[i] = child[i] = -1;

  if (!(file = string_of(env, argv[0])) || !(args = vector_of(env, argv[1])) || !(envp = vector_of(env, argv[2])) ||
      !(stdio = vector_of(env, argv[3])))
    goto out;
  while (stdio[n]) n++;
  if (n > MAX_STDIO) {
    napi_throw_range_error(env, NULL, "spawn: too many stdio entries");
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    if (strcmp(stdio[i], "pipe") == 0) {
      int pair[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
        throw_errno(env, "socketpair", errno);
        goto out;
      }
      parent[i] = pair[0];
      child[i] = fcntl(pair[1], F_DUPFD_CLOEXEC, HIGH_FD);
      int saved = errno;
      close(pair[1]);
      if (child[i] < 0) {
        throw_errno(env, "fcntl", saved);
        goto out;
      }
    } else if (strcmp(stdio[i], "ignore") != 0) {
      napi_throw_type_error(env, NULL, "spawn: stdio entries are \"pipe\" or \"ignore\"");
      goto out;
    }
  }

  /* No signal handler of the engine may run in the child while it shares the memory. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  volatile int failed = 0;
  pid_t pid = vfork();
  if (pid == 0) child_exec(file, args, envp, n, child, &failed);
  int vfork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (pid < 0) {
    throw_errno(env, "vfork", vfork_errno);
    goto out;
  }
  if (failed) {
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    throw_errno(env, file, failed);
    goto out;
  }
  pthread_t waiter;
  pthread_attr_t tattr;
  pthread_attr_init(&tattr);
  pthread_attr_setdetachstate(&tattr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&tattr, 64 * 1024);
  int r = pthread_create(&waiter, &tattr, wait_child, (void *)(long)pid);
  pthread_attr_destroy(&tattr);
  if (r != 0) {
    /* Nothing would wait for the child: it does not run at all. */
    kill(pid, SIGKILL);
    wait_child((void *)(long)pid);
    throw_errno(env, "pthread_create", r);
    goto out;
  }

  napi_value obj, pid_v, fds;
  napi_create_object(env, &obj);
  napi_create_int32(env, pid, &pid_v);
  napi_set_named_property(env, obj, "pid", pid_v);
  napi_create_array_with_length(env, n, &fds);
  for (size_t i = 0; i < n; i++) {
    napi_value fd;
    napi_create_int32(env, parent[i], &fd);
    napi_set_element(env, fds, (uint32_t)i, fd);
    parent[i] = -1; /* now the caller's */
  }
  napi_set_named_property(env, obj, "fds", fds);
  result = obj;

out:
  for (size_t i = 0; i < MAX_STDIO; i++) {
    if (child[i] >= 0) close(child[i]);
    if (parent[i] >= 0) close(parent[i]);
  }
  free(file);
  free_vector(args);
  free_vector(envp);
  free_vector(stdio);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, spawn, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "spawn", fn) != napi_ok) return NULL;
  return exports;
}
