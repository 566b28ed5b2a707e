/** Args every Dockerfile may use without declaring them (Docker's builtinAllowedBuildArgs). */
export const PREDEFINED_ARGS = new Set([
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
]);

/**
 * The build args of a build (`--build-arg`, `buildargs` query) and which ones a stage has
 * declared with ARG, as Docker's BuildArgs keeps them: a declared arg takes the given value,
 * else its default; the predefined proxy args are usable undeclared but stay out of the
 * image's history; args never declared are reported at the end.
 */
export class BuildArgs {
  /** Values given with the request (null: `--build-arg NAME` with no value and no env). */
  private readonly given: ReadonlyMap<string, string | null>;
  private readonly referenced = new Set<string>();
  /** Global (before the first FROM) args: name → value. */
  private readonly meta = new Map<string, string | undefined>();

  constructor(given: Record<string, string | null>) {
    this.given = new Map(Object.entries(given));
  }

  /** A global ARG (before FROM): its value, for FROM lines and stage re-declarations. */
  declareMeta(name: string, fallback: string | undefined): void {
    this.referenced.add(name);
    const v = this.given.get(name);
    this.meta.set(name, v ?? fallback);
  }

  /** Global args with a value, for substitution in FROM. */
  metaVars(): Map<string, string> {
    const m = new Map<string, string>();
    for (const [k, v] of this.meta) if (v !== undefined) m.set(k, v);
    return m;
  }

  /** A stage's ARG: the given value, else its default, else the global arg of that name. */
  valueFor(name: string, fallback: string | undefined): string | undefined {
    this.referenced.add(name);
    const v = this.given.get(name);
    if (v !== undefined && v !== null) return v;
    if (fallback !== undefined) return fallback;
    return this.meta.get(name);
  }

  /** Predefined args given with the request (usable without ARG, as environment of RUN). */
  predefined(): Map<string, string> {
    const m = new Map<string, string>();
    for (const [k, v] of this.given) if (PREDEFINED_ARGS.has(k) && v !== null) m.set(k, v);
    return m;
  }

  /** Given args no ARG declared (Docker warns about them). */
  unused(): string[] {
    return [...this.given.keys()].filter((k) => !PREDEFINED_ARGS.has(k) && !this.referenced.has(k)).sort();
  }
}
