import { InvalidParameter } from '../../errdefs/index.js';

/** Variables for substitution: the stage's ENV and the declared build args. */
export type Vars = ReadonlyMap<string, string>;

/** `["A=1", "B=2"]` (later entries win) as a map. */
export function envMap(env: readonly string[] | null | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of env ?? []) {
    const i = e.indexOf('=');
    if (i < 0) m.set(e, '');
    else m.set(e.slice(0, i), e.slice(i + 1));
  }
  return m;
}

const NAME = /[A-Za-z0-9_]/;

/**
 * Docker's Dockerfile word processing (its shell lexer): quotes removed (`'…'` literal,
 * `"…"` with substitution), the escape character makes the next character literal,
 * `$A`, `${A}`, `${A:-x}`, `${A-x}`, `${A:+x}`, `${A+x}`, `${A:?msg}`, `${A?msg}`.
 * With `split`, unquoted white space separates words (their values are not split again).
 */
class Lexer {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly vars: Vars,
    private readonly esc: string,
  ) {}

  words(split: boolean): string[] {
    const out: string[] = [];
    let cur = '';
    let started = false;
    while (this.i < this.s.length) {
      const ch = this.s[this.i] as string;
      if (split && /\s/.test(ch)) {
        this.i++;
        if (started) out.push(cur);
        cur = '';
        started = false;
        continue;
      }
      started = true;
      if (ch === this.esc) {
        this.i++;
        if (this.i >= this.s.length) cur += ch;
        else cur += this.s[this.i++];
      } else if (ch === "'") {
        this.i++;
        const end = this.s.indexOf("'", this.i);
        if (end < 0)
          throw new InvalidParameter('unexpected end of statement while looking for matching single-quote');
        cur += this.s.slice(this.i, end);
        this.i = end + 1;
      } else if (ch === '"') {
        this.i++;
        cur += this.doubleQuoted();
      } else if (ch === '$') cur += this.dollar();
      else {
        cur += ch;
        this.i++;
      }
    }
    if (started) out.push(cur);
    return out;
  }

  private doubleQuoted(): string {
    let out = '';
    for (;;) {
      if (this.i >= this.s.length)
        throw new InvalidParameter('unexpected end of statement while looking for matching double-quote');
      const ch = this.s[this.i] as string;
      if (ch === '"') {
        this.i++;
        return out;
      }
      if (ch === this.esc && ['"', '$', this.esc].includes(this.s[this.i + 1] ?? '')) {
        out += this.s[this.i + 1];
        this.i += 2;
      } else if (ch === '$') out += this.dollar();
      else {
        out += ch;
        this.i++;
      }
    }
  }

  /** At a `$`: a substitution, or a literal `$`. */
  private dollar(): string {
    this.i++;
    const next = this.s[this.i];
    if (next === '{') {
      this.i++;
      return this.braced();
    }
    let name = '';
    while (this.i < this.s.length && NAME.test(this.s[this.i] as string)) name += this.s[this.i++];
    if (!name) return '$';
    return this.vars.get(name) ?? '';
  }

  private braced(): string {
    let name = '';
    while (this.i < this.s.length && NAME.test(this.s[this.i] as string)) name += this.s[this.i++];
    if (!name) throw new InvalidParameter(`missing variable name in ${this.s}`);
    if (this.s[this.i] === '}') {
      this.i++;
      return this.vars.get(name) ?? '';
    }
    let op = this.s[this.i] ?? '';
    this.i++;
    if (op === ':') {
      op += this.s[this.i] ?? '';
      this.i++;
    }
    if (![':-', '-', ':+', '+', ':?', '?'].includes(op))
      throw new InvalidParameter(`unsupported modifier (${op}) in substitution`);
    const word = this.wordUntilBrace();
    const value = this.vars.get(name);
    const set = op.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
    switch (op.slice(-1)) {
      case '-':
        return set ? (value as string) : word;
      case '+':
        return set ? word : '';
      default:
        if (!set) throw new InvalidParameter(`${name}: ${word || 'is not allowed to be unset'}`);
        return value as string;
    }
  }

  /** The word of `${A:-word}` up to the closing brace, itself substituted. */
  private wordUntilBrace(): string {
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) throw new InvalidParameter(`missing '}' in ${this.s}`);
      const ch = this.s[this.i] as string;
      if (ch === '}') {
        this.i++;
        return out;
      }
      if (ch === this.esc && this.i + 1 < this.s.length) {
        out += this.s[this.i + 1];
        this.i += 2;
      } else if (ch === '$') out += this.dollar();
      else if (ch === "'" || ch === '"') {
        this.i++;
        const end = this.s.indexOf(ch, this.i);
        if (end < 0) throw new InvalidParameter(`missing matching ${ch} in ${this.s}`);
        out += ch === "'" ? this.s.slice(this.i, end) : expandWord(this.s.slice(this.i, end), this.vars);
        this.i = end + 1;
      } else {
        out += ch;
        this.i++;
      }
    }
  }
}

/** One word, substituted and unquoted. */
export function expandWord(word: string, vars: Vars, esc = '\\'): string {
  return new Lexer(word, vars, esc).words(false).join('');
}

/** White-space separated words, each substituted and unquoted. */
export function expandWords(text: string, vars: Vars, esc = '\\'): string[] {
  return new Lexer(text, vars, esc).words(true);
}

/**
 * Splits on unquoted, unescaped white space, leaving quotes and escapes in place (ENV, LABEL
 * and ARG take `key=value` words this way, then substitute each part).
 */
export function splitRawWords(text: string, esc = '\\'): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === esc && i + 1 < text.length) {
      cur += ch + text[++i];
      continue;
    }
    if (quote) {
      if (ch === quote) quote = '';
      cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
    } else if (/\s/.test(ch)) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * ENV / LABEL arguments: `k=v k2="v 2"` pairs, or the legacy `key value with spaces` form.
 * Keys and values are returned raw (substitute them with expandWord).
 */
export function nameValuePairs(cmd: string, text: string, esc = '\\'): Array<[string, string]> {
  const words = splitRawWords(text, esc);
  if (words.length === 0) throw new InvalidParameter(`${cmd.toUpperCase()} requires at least one argument`);
  const first = words[0] as string;
  if (!first.includes('=')) {
    const value = text.trim().slice(first.length).trim();
    if (!value) throw new InvalidParameter(`${cmd.toUpperCase()} must have two arguments`);
    return [[first, value]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i < 0)
      throw new InvalidParameter(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    if (i === 0) throw new InvalidParameter(`${cmd.toUpperCase()} names can not be blank`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}
