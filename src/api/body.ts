import type { Context } from 'hono';
import type { z } from 'zod';
import { InvalidParameter } from '../errdefs/index.js';

/** Default limit on a JSON request body. */
export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

export interface ReadBodyOptions {
  /** Bytes; larger bodies are refused with a 400. */
  limit?: number;
  /** When true an empty body yields undefined instead of a 400. */
  optional?: boolean;
}

/** Reads a request body as bytes, refusing it past `limit` before reading it all. */
export async function readBodyBytes(request: Request, limit = DEFAULT_BODY_LIMIT): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) {
    throw new InvalidParameter(`request body is too large: ${declared} bytes, the limit is ${limit}`);
  }
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new InvalidParameter(`request body is too large: over ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
    .join('.')
    .replace(/\.\[/g, '[');
}

/** Validates JSON text against a schema; a malformed document or a bad field is a 400 naming it. */
export function parseJsonText<S extends z.ZodType>(text: string, schema: S): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InvalidParameter(`invalid JSON in request body: ${(err as Error).message}`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? fieldPath(issue.path) : '(body)';
    throw new InvalidParameter(`invalid value for ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** Reads and validates a JSON request body. A missing body is a 400 unless `optional`. */
export async function readJsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  options: ReadBodyOptions & { optional: true },
): Promise<z.infer<S> | undefined>;
export async function readJsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  options?: ReadBodyOptions,
): Promise<z.infer<S>>;
export async function readJsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  options: ReadBodyOptions = {},
): Promise<z.infer<S> | undefined> {
  const bytes = await readBodyBytes(c.req.raw, options.limit);
  const text = Buffer.from(bytes).toString('utf8');
  if (text.trim() === '') {
    if (options.optional) return undefined;
    throw new InvalidParameter('request body is required');
  }
  return parseJsonText(text, schema);
}
