/**
 * Address patterns: `support@example.com`, `post+{token}@blog.example.com`, `*@example.com`,
 * `{user}@{domain}`. Compiled once, at definition time, into an anchored case-insensitive RegExp.
 */

/** The `{name}` placeholders of a pattern string, as a union of names (inferred by TypeScript). */
export type ParamNames<S extends string> = S extends `${string}{${infer Name}}${infer Rest}`
  ? Name | ParamNames<Rest>
  : never;

/** The params object a pattern string yields: one string per `{name}` placeholder. */
export type PatternParams<S extends string> = string extends S
  ? Record<string, string>
  : { [K in ParamNames<S>]: string };

/** Thrown at definition time when a pattern cannot be compiled. */
export class RoutePatternError extends Error {
  override readonly name = 'RoutePatternError';
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`invalid address pattern ${JSON.stringify(pattern)}: ${reason}`);
  }
}

export type Params = Record<string, string>;

export interface CompiledAddressPattern {
  readonly source: string;
  readonly paramNames: readonly string[];
  /** The params when `address` matches, else null. Params keep the case they had in the address. */
  match(address: string): Params | null;
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Strips spaces and angle brackets an address may carry in a header or envelope. */
export function cleanAddress(address: string): string {
  return address
    .trim()
    .replace(/^<(.*)>$/, '$1')
    .trim();
}

/**
 * Compiles an address pattern. Literal text matches case-insensitively; `{name}` captures one or
 * more characters other than `@` (shortest first, so `{a}+{b}@x` splits at the first `+`);
 * `*` matches one or more characters other than `@` without capturing.
 */
export function compileAddressPattern(pattern: string): CompiledAddressPattern {
  const trimmed = pattern.trim();
  if (!trimmed) throw new RoutePatternError(pattern, 'empty pattern');
  const paramNames: string[] = [];
  let regex = '';
  let ats = 0;
  let previousWasCapture = false;
  for (let i = 0; i < trimmed.length;) {
    const char = trimmed[i]!;
    if (char === '{') {
      const close = trimmed.indexOf('}', i);
      if (close < 0) throw new RoutePatternError(pattern, `unclosed "{" at ${i}`);
      const name = trimmed.slice(i + 1, close);
      if (!PARAM_NAME.test(name))
        throw new RoutePatternError(pattern, `param name ${JSON.stringify(name)} is not an identifier`);
      if (paramNames.includes(name)) throw new RoutePatternError(pattern, `param {${name}} appears twice`);
      if (previousWasCapture)
        throw new RoutePatternError(
          pattern,
          `{${name}} directly follows another placeholder; separate them with a literal`,
        );
      paramNames.push(name);
      regex += `(?<${name}>[^@]+?)`;
      previousWasCapture = true;
      i = close + 1;
      continue;
    }
    if (char === '}') throw new RoutePatternError(pattern, `unmatched "}" at ${i}`);
    if (char === '*') {
      if (previousWasCapture) throw new RoutePatternError(pattern, `"*" directly follows another placeholder`);
      regex += '[^@]+?';
      previousWasCapture = true;
      i += 1;
      continue;
    }
    if (char === '@') ats += 1;
    if (/\s/.test(char)) throw new RoutePatternError(pattern, 'whitespace inside an address');
    regex += escapeRegExp(char);
    previousWasCapture = false;
    i += 1;
  }
  if (ats !== 1) throw new RoutePatternError(pattern, 'an address pattern needs exactly one "@"');
  const [local, domain] = trimmed.split('@') as [string, string];
  if (!local) throw new RoutePatternError(pattern, 'empty local part');
  if (!domain) throw new RoutePatternError(pattern, 'empty domain');

  const compiled = new RegExp(`^${regex}$`, 'i');
  return {
    source: trimmed,
    paramNames,
    match(address: string): Params | null {
      const found = compiled.exec(cleanAddress(address));
      if (!found) return null;
      const params: Params = {};
      for (const name of paramNames) params[name] = found.groups?.[name] ?? '';
      return params;
    },
  };
}

/** A copy of the RegExp without the stateful `g`/`y` flags, so `exec` never depends on lastIndex. */
export function statelessRegExp(regex: RegExp): RegExp {
  return regex.global || regex.sticky ? new RegExp(regex.source, regex.flags.replace(/[gy]/g, '')) : regex;
}

/** Named groups of a RegExp match, without the groups that did not take part. */
export function namedGroups(found: RegExpExecArray): Params {
  const params: Params = {};
  for (const [name, value] of Object.entries(found.groups ?? {})) if (value !== undefined) params[name] = value;
  return params;
}
