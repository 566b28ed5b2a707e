/*
 * rootlessd's malloc_trim(3), for the daemon's Node processes at idle. glibc keeps the memory
 * that V8's compiler zones, parsers and freed Buffers give back to malloc in its arenas (the
 * brk heap and one arena per thread) and returns only the top of the main heap to the kernel;
 * malloc_trim(0) also releases the free pages in the middle of every arena. In the engine
 * after its start it is about 11 MiB of anonymous memory. One call:
 *   trim() -> boolean  true when memory was released.
 * Built by scripts/build-native.mjs with the C compiler and Node's own headers (glibc only;
 * without the addon the engine keeps those pages and says nothing).
 */
#define NAPI_VERSION 8
#include <malloc.h>
#include <node_api.h>

static napi_value trim(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_get_boolean(env, malloc_trim(0) != 0, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "trim", NAPI_AUTO_LENGTH, trim, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "trim", fn) != napi_ok) return NULL;
  return exports;
}
