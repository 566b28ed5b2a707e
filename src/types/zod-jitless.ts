import { z } from 'zod';

/**
 * zod without its compiled fast path, for the launcher and the engine: imported first by their
 * entry modules, because zod reads the setting when an object schema is built. zod 4 writes a
 * parser per object shape with `new Function`; in processes that keep most code in V8's
 * interpreter (their node flags) compiling it costs more than it saves. Measured on the create
 * body (ContainerCreateRequestSchema, node with the engine's flags, 6 alternated runs each):
 * the first parse 30 ms instead of 82 ms (median), later parses 0.05 ms instead of 0.14 ms, and
 * 0.3 MiB less heap.
 */
z.config({ jitless: true });
