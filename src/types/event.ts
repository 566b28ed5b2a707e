import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';

/** The object types that publish events, as in the Engine API's EventMessage.Type. */
export const EventTypeSchema = lazySchema(() =>
  z.enum([
    'builder',
    'config',
    'container',
    'daemon',
    'image',
    'network',
    'node',
    'plugin',
    'secret',
    'service',
    'volume',
  ]),
);
export type EventType = z.infer<typeof EventTypeSchema>;

/** One line of GET /events (EventMessage), including the legacy status/id/from fields. */
export const EventMessageSchema = lazySchema(() =>
  z.object({
    Type: EventTypeSchema,
    Action: z.string(),
    Actor: z.object({ ID: z.string(), Attributes: z.record(z.string(), z.string()) }),
    scope: z.enum(['local', 'swarm']),
    time: z.number().int(),
    timeNano: z.number().int(),
    status: z.string().optional(),
    id: z.string().optional(),
    from: z.string().optional(),
  }),
);
export type EventMessage = z.infer<typeof EventMessageSchema>;
