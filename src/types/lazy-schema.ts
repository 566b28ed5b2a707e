/**
 * A zod schema built at its first use rather than when its module loads. A zod 4 schema carries
 * some sixty methods of its own per instance, so the daemon's few hundred of them cost megabytes
 * of heap in a process that may never validate most of them (an idle engine builds only those it
 * has used). The value stands for the schema itself: a proxy forwarding every property to the
 * schema, built once by `build` the first time any property is read; it nests in other schemas,
 * and `z.infer<typeof X>` is unchanged.
 */
export function lazySchema<T extends object>(build: () => T): T {
  let schema: T | undefined;
  const real = (): T => {
    schema ??= build();
    return schema;
  };
  return new Proxy({} as T, {
    get: (_target, key) => Reflect.get(real(), key),
    has: (_target, key) => Reflect.has(real(), key),
    set: (_target, key, value) => Reflect.set(real(), key, value),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
}
