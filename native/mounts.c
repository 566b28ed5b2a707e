/*
 * rootlessd's mount(2) and umount2(2), so that a container start does not spawn mount(8) and
 * umount(8) (each spawn from Node costs about 10 ms; the system call well under 1 ms). The
 * engine runs as root of the holder's user namespace, in the holder's mount namespace: the
 * calls act there, exactly as the programs did. Two calls, each returning a Promise (the work
 * runs on libuv's thread pool, so a slow file system never blocks the event loop):
 *   mount(source, target, fstype, flags, data) -> Promise<void>   flags: MS_* bits
 *   umount(target, flags) -> Promise<void>                         flags: MNT_* bits
 * A failure rejects with an Error whose `code` is the errno name (EPERM, EBUSY, ENOENT, …).
 * Built by scripts/build-native.mjs with the C compiler and Node's own headers.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

static const char *errno_name(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EBUSY: return "EBUSY";
    case EINVAL: return "EINVAL";
    case EACCES: return "EACCES";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case ENOTBLK: return "ENOTBLK";
    case ENOMEM: return "ENOMEM";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EROFS: return "EROFS";
    case ESTALE: return "ESTALE";
    case EIO: return "EIO";
    default: return "EUNKNOWN";
  }
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int umount; /* 0: mount(2), 1: umount2(2) */
  char *source, *target, *fstype, *data;
  unsigned long flags;
  int err;
} call_t;

static void call_free(call_t *c) {
  free(c->source);
  free(c->target);
  free(c->fstype);
  free(c->data);
  free(c);
}

static void execute(napi_env env, void *arg) {
  (void)env;
  call_t *c = arg;
  int r = c->umount ? umount2(c->target, (int)c->flags)
                    : mount(c->source, c->target, c->fstype, c->flags, c->data && *c->data ? c->data : NULL);
  c->err = r < 0 ? errno : 0;
}

static void complete(napi_env env, napi_status status, void *arg) {
  call_t *c = arg;
  napi_value result;
  if (status == napi_ok && c->err == 0) {
    napi_get_undefined(env, &result);
    napi_resolve_deferred(env, c->deferred, result);
  } else {
    int e = c->err ? c->err : EIO;
    char text[4096 + 64];
    snprintf(text, sizeof text, "%s %s: %s", c->umount ? "umount" : "mount", c->target, strerror(e));
    napi_value code, msg;
    napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, code, msg, &result);
    napi_set_named_property(env, result, "code", code);
    napi_value no;
    napi_create_int32(env, e, &no);
    napi_set_named_property(env, result, "errno", no);
    napi_reject_deferred(env, c->deferred, result);
  }
  napi_delete_async_work(env, c->work);
  call_free(c);
}

/* A copy of a string argument (NULL for null/undefined); 0 on success. */
static int string_arg(napi_env env, napi_value v, char **out) {
  napi_valuetype t;
  *out = NULL;
  if (napi_typeof(env, v, &t) != napi_ok) return -1;
  if (t == napi_null || t == napi_undefined) return 0;
  if (t != napi_string) return -1;
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return -1;
  *out = malloc(len + 1);
  if (!*out) return -1;
  return napi_get_value_string_utf8(env, v, *out, len + 1, &len) == napi_ok ? 0 : -1;
}

static napi_value queue(napi_env env, call_t *c) {
  napi_value promise, name;
  if (napi_create_promise(env, &c->deferred, &promise) != napi_ok) {
    call_free(c);
    return NULL;
  }
  napi_create_string_utf8(env, c->umount ? "rootlessd.umount" : "rootlessd.mount", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, c, &c->work);
  napi_queue_async_work(env, c->work);
  return promise;
}

static napi_value do_mount(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  call_t *c = calloc(1, sizeof *c);
  double flags = 0;
  if (!c || argc < 5 || string_arg(env, argv[0], &c->source) || string_arg(env, argv[1], &c->target) ||
      !c->target || string_arg(env, argv[2], &c->fstype) ||
      napi_get_value_double(env, argv[3], &flags) != napi_ok || string_arg(env, argv[4], &c->data)) {
    if (c) call_free(c);
    napi_throw_type_error(env, NULL, "mount(source, target, fstype, flags, data)");
    return NULL;
  }
  c->flags = (unsigned long)flags;
  return queue(env, c);
}

static napi_value do_umount(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  call_t *c = calloc(1, sizeof *c);
  int32_t flags = 0;
  if (!c || argc < 2 || string_arg(env, argv[0], &c->target) || !c->target ||
      napi_get_value_int32(env, argv[1], &flags) != napi_ok) {
    if (c) call_free(c);
    napi_throw_type_error(env, NULL, "umount(target, flags)");
    return NULL;
  }
  c->umount = 1;
  c->flags = (unsigned long)flags;
  return queue(env, c);
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "mount", NAPI_AUTO_LENGTH, do_mount, NULL, &fn);
  napi_set_named_property(env, exports, "mount", fn);
  napi_create_function(env, "umount", NAPI_AUTO_LENGTH, do_umount, NULL, &fn);
  napi_set_named_property(env, exports, "umount", fn);
  return exports;
}
