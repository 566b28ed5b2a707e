import { Forbidden, Internal, NotFound, type RootlessdError, Unauthorized } from '../../errdefs/index.js';
import type { HttpResponse } from './transport.js';

/** One entry of a distribution API error body: `{"errors":[{"code","message","detail"}]}`. */
export interface RegistryErrorEntry {
  code: string;
  message: string;
}

export const HTTP_STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  416: 'Requested Range Not Satisfiable',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function statusLine(status: number): string {
  return `${status} ${HTTP_STATUS_TEXT[status] ?? ''}`.trim();
}

/** Docker's rendering of one registry error: `manifest unknown: manifest unknown`. */
export function formatEntry(e: RegistryErrorEntry): string {
  return `${e.code.toLowerCase().replace(/_/g, ' ')}: ${e.message}`;
}

/** Reads a response body as registry errors (empty when it is not one). Consumes the body. */
export async function readErrorEntries(res: HttpResponse): Promise<RegistryErrorEntry[]> {
  let text = '';
  try {
    text = (await res.body.text()).slice(0, 64 * 1024);
  } catch {
    return [];
  }
  try {
    const parsed = JSON.parse(text) as { errors?: unknown; details?: unknown };
    if (Array.isArray(parsed.errors)) {
      return parsed.errors
        .filter((e): e is Record<string, unknown> => Boolean(e) && typeof e === 'object')
        .map((e) => ({ code: String(e.code ?? 'UNKNOWN'), message: String(e.message ?? '') }));
    }
    if (typeof parsed.details === 'string') return [{ code: 'UNKNOWN', message: parsed.details }];
  } catch {}
  return [];
}

/** A registry answered with an error status; carries the codes it sent. */
export interface RegistryFailure {
  status: number;
  entries: RegistryErrorEntry[];
  url: string;
}

function describe(f: RegistryFailure): string {
  if (f.entries.length === 1 && f.entries[0]) return formatEntry(f.entries[0]);
  if (f.entries.length > 1) return `errors:\n${f.entries.map(formatEntry).join('\n')}`;
  return `unexpected status from ${f.url}: ${statusLine(f.status)}`;
}

/** Error kinds for a failed registry exchange, with the registry's codes attached. */
export class RegistryNotFound extends NotFound {
  constructor(
    message: string,
    readonly failure: RegistryFailure,
  ) {
    super(message);
  }
}
export class RegistryUnauthorized extends Unauthorized {
  constructor(
    message: string,
    readonly failure?: RegistryFailure,
  ) {
    super(message);
  }
}
export class RegistryForbidden extends Forbidden {
  constructor(
    message: string,
    readonly failure: RegistryFailure,
  ) {
    super(message);
  }
}
export class RegistryFailed extends Internal {
  constructor(
    message: string,
    readonly failure: RegistryFailure,
  ) {
    super(message);
  }
}

/** The registry error of a failure by status: 401 Unauthorized, 403 Forbidden, 404 NotFound, else Internal. */
export function registryError(f: RegistryFailure, prefix = ''): RootlessdError {
  const message = prefix + describe(f);
  if (f.status === 401) return new RegistryUnauthorized(message, f);
  if (f.status === 403) return new RegistryForbidden(message, f);
  if (f.status === 404) return new RegistryNotFound(message, f);
  return new RegistryFailed(message, f);
}

export async function failureOf(res: HttpResponse): Promise<RegistryFailure> {
  return { status: res.status, entries: res.status === 0 ? [] : await readErrorEntries(res), url: res.url };
}
