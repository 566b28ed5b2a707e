import { InvalidParameter } from '../../errdefs/index.js';

/** One Dockerfile instruction as written (continuations joined, comments dropped). */
export interface Instruction {
  /** The keyword in lower case (`run`, `copy`…). */
  cmd: string;
  /** The text after the keyword and its flags. */
  rest: string;
  /** Leading `--name=value` flags (FROM, RUN, COPY, ADD, HEALTHCHECK); `--name` alone is `true`. */
  flags: Record<string, string | true>;
  /** The arguments when `rest` is a JSON array of strings (exec form). */
  json?: string[];
  /** 1-based line the instruction starts on. */
  line: number;
  /** The instruction as Docker prints it in `Step N/M : …`. */
  original: string;
}

export interface Dockerfile {
  /** The escape character: `\` unless a `# escape=` directive says `` ` ``. */
  escape: string;
  instructions: Instruction[];
}

export const INSTRUCTIONS = [
  'add',
  'arg',
  'cmd',
  'copy',
  'entrypoint',
  'env',
  'expose',
  'from',
  'healthcheck',
  'label',
  'maintainer',
  'onbuild',
  'run',
  'shell',
  'stopsignal',
  'user',
  'volume',
  'workdir',
] as const;

const WITH_FLAGS = new Set(['from', 'run', 'copy', 'add', 'healthcheck']);
const HEREDOC = /(^|\s)<<-?\s*(["']?)[A-Za-z_][A-Za-z0-9_]*\2(\s|$)/;

/** The error Docker's parser gives, located on its line. */
export function parseError(line: number, message: string): InvalidParameter {
  return new InvalidParameter(`dockerfile parse error on line ${line}: ${message}`);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

function unknownInstruction(line: number, word: string): InvalidParameter {
  const lower = word.toLowerCase();
  const near = INSTRUCTIONS.find((i) => editDistance(i, lower) <= 1);
  const hint = near && word.length > 2 ? ` (did you mean ${near.toUpperCase()}?)` : '';
  return parseError(line, `unknown instruction: ${word}${hint}`);
}

/** The parser directives at the top of the file (`# escape=`…); they end at the first other line. */
function directives(lines: string[]): { escape: string; first: number } {
  let esc = '\\';
  const seen = new Set<string>();
  let i = 0;
  for (; i < lines.length; i++) {
    const m = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/.exec(lines[i] as string);
    if (!m) break;
    const name = (m[1] as string).toLowerCase();
    if (seen.has(name)) throw parseError(i + 1, `only one ${name} parser directive can be used`);
    seen.add(name);
    if (name === 'escape') {
      if (m[2] !== '`' && m[2] !== '\\')
        throw parseError(i + 1, `invalid escape token '${m[2]}' does not match \` or \\`);
      esc = m[2];
    }
  }
  return { escape: esc, first: i };
}

/** Leading `--flag[=value]` words of an instruction's arguments. */
export function splitFlags(text: string): { flags: Record<string, string | true>; rest: string } {
  const flags: Record<string, string | true> = {};
  let rest = text;
  for (;;) {
    const m = /^--([^\s=]*)(?:=(\S*))?(?:\s+|$)/.exec(rest);
    if (!m) break;
    rest = rest.slice(m[0].length);
    if (m[1] === '') break;
    flags[(m[1] as string).toLowerCase()] = m[2] ?? true;
  }
  return { flags, rest };
}

/** A JSON array of strings, or undefined (then the instruction is in shell form). */
export function jsonArgs(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * Parses a Dockerfile as Docker's parser does: directives, comments, line continuations with
 * the escape character (comment and empty lines inside a continuation skipped), keyword +
 * flags + arguments, exec (JSON) or shell form. Heredocs need BuildKit: refused by name.
 */
export function parseDockerfile(text: string): Dockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { escape: esc, first } = directives(lines);
  const continuation = new RegExp(`${esc === '\\' ? '\\\\' : '`'}[ \\t]*$`);
  const instructions: Instruction[] = [];
  for (let i = first; i < lines.length; i++) {
    const startLine = i + 1;
    let line = lines[i] as string;
    if (/^\s*(#|$)/.test(line)) continue;
    let joined = '';
    while (continuation.test(line)) {
      joined += line.replace(continuation, '');
      i++;
      // Comment and empty lines inside a continuation are dropped.
      while (i < lines.length && /^\s*(#|$)/.test(lines[i] as string)) i++;
      if (i >= lines.length) {
        line = '';
        break;
      }
      line = lines[i] as string;
    }
    joined += line;
    const m = /^\s*(\S+)\s*([\s\S]*?)\s*$/.exec(joined);
    if (!m) continue;
    const word = m[1] as string;
    const cmd = word.toLowerCase();
    if (!(INSTRUCTIONS as readonly string[]).includes(cmd)) throw unknownInstruction(startLine, word);
    const args = m[2] as string;
    const { flags, rest } = WITH_FLAGS.has(cmd) ? splitFlags(args) : { flags: {}, rest: args };
    const json = ['run', 'cmd', 'entrypoint', 'shell', 'copy', 'add', 'volume'].includes(cmd)
      ? jsonArgs(rest)
      : undefined;
    if (['run', 'copy', 'add'].includes(cmd) && !json && HEREDOC.test(rest))
      throw parseError(
        startLine,
        `${cmd.toUpperCase()} with a heredoc needs BuildKit: the classic builder does not support heredocs`,
      );
    instructions.push({
      cmd,
      rest,
      flags,
      ...(json ? { json } : {}),
      line: startLine,
      original: joined.trim(),
    });
  }
  return { escape: esc, instructions };
}
