import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** `"default-address-pools"[0].base`: the key as written in daemon.json. */
export function renderPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : `"${String(part)}"`;
  }
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function problem(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => show(v)).join(', ')}`;
    case 'invalid_type':
      return `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}`;
    case 'invalid_union':
      return issue.errors
        .map((branch) => branch[0]?.message)
        .filter(Boolean)
        .join(' or ')
        .toLowerCase();
    default:
      return issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  }
}

/**
 * One line per problem, naming the key: `unknown key "foo"`,
 * `"log-level": invalid value "verbose" (expected one of "debug", …)`.
 */
export function describeIssues(issues: readonly Issue[], input: unknown): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const where = issue.path.length ? `${renderPath(issue.path)}: ` : '';
      for (const key of issue.keys) lines.push(`${where}unknown key "${key}"`);
      continue;
    }
    const value = valueAt(input, issue.path);
    lines.push(`${renderPath(issue.path)}: invalid value ${show(value)} (${problem(issue)})`);
  }
  return lines;
}
