/**
 * The closed set of error kinds every layer throws. The API edge maps each kind to one
 * HTTP status (src/api/error-status.ts); nothing else decides a status code.
 */
export const ERROR_KINDS = [
  'NotFound',
  'InvalidParameter',
  'Conflict',
  'NotModified',
  'Unauthorized',
  'Forbidden',
  'NotImplemented',
  'Unavailable',
  'Cancelled',
  'Internal',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface ErrorOptions {
  cause?: unknown;
  /** A line for the user saying how to fix it. */
  hint?: string;
}

export abstract class RootlessdError extends Error {
  abstract readonly kind: ErrorKind;
  readonly hint: string | undefined;
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.name = new.target.name;
  }
}

export class NotFound extends RootlessdError {
  readonly kind = 'NotFound' as const;
}
export class InvalidParameter extends RootlessdError {
  readonly kind = 'InvalidParameter' as const;
}
export class Conflict extends RootlessdError {
  readonly kind = 'Conflict' as const;
}
export class NotModified extends RootlessdError {
  readonly kind = 'NotModified' as const;
}
export class Unauthorized extends RootlessdError {
  readonly kind = 'Unauthorized' as const;
}
export class Forbidden extends RootlessdError {
  readonly kind = 'Forbidden' as const;
}
export class NotImplemented extends RootlessdError {
  readonly kind = 'NotImplemented' as const;
}
export class Unavailable extends RootlessdError {
  readonly kind = 'Unavailable' as const;
}
export class Cancelled extends RootlessdError {
  readonly kind = 'Cancelled' as const;
}
export class Internal extends RootlessdError {
  readonly kind = 'Internal' as const;
}

export function isRootlessdError(err: unknown): err is RootlessdError {
  return err instanceof RootlessdError;
}

/** The kind of any thrown value: our own errors carry one, anything else is Internal. */
export function kindOf(err: unknown): ErrorKind {
  return isRootlessdError(err) ? err.kind : 'Internal';
}
