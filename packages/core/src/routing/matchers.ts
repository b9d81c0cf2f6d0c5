import type { InboundEmail } from '../message/index.js';
import {
  compileAddressPattern,
  namedGroups,
  statelessRegExp,
  RoutePatternError,
  type Params,
  type PatternParams,
} from './pattern.js';

/** A route condition on the whole email. */
export type EmailPredicate = (email: InboundEmail) => boolean;

/** A header condition: the header is present, or one of its values equals `value` (case-insensitive) / matches the RegExp. */
export interface HeaderCondition {
  name: string;
  value?: string | RegExp;
}

/**
 * Conditions that must all hold. `to` is tested against each candidate recipient (envelope first);
 * `from` against the From header address; `subject` against the subject; `header` against header values.
 * String patterns of `to`/`from` use the address-pattern syntax; RegExp named groups become params too.
 */
export interface RouteMatcher {
  to?: string | RegExp;
  from?: string | RegExp;
  subject?: RegExp;
  header?: HeaderCondition | readonly HeaderCondition[];
}

/** What a route can be declared with. */
export type RoutePattern = string | RegExp | EmailPredicate | RouteMatcher;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type StringParams<S> = S extends string ? PatternParams<S> : unknown;
type HeaderHasRegExp<H> = H extends { value: RegExp }
  ? true
  : H extends readonly (infer E)[]
    ? E extends { value: RegExp }
      ? true
      : never
    : never;
type RegExpParams<M> = M extends { to: RegExp } | { from: RegExp } | { subject: RegExp }
  ? Params
  : M extends { header: infer H }
    ? [HeaderHasRegExp<H>] extends [never]
      ? unknown
      : Params
    : unknown;

/** No params: indexing one is a type error. */
export type NoParams = Record<string, never>;

/**
 * The params a handler receives for a pattern. Placeholder names in pattern strings are typed
 * (`'post+{token}@x'` → `{ token: string }`); RegExp named groups are typed as `Record<string, string>`.
 */
export type ParamsOf<P> = P extends string
  ? PatternParams<P>
  : P extends RegExp
    ? Params
    : P extends EmailPredicate
      ? NoParams
      : P extends RouteMatcher
        ? Simplify<
            (P extends { to: infer T } ? StringParams<T> : unknown) &
              (P extends { from: infer F } ? StringParams<F> : unknown) &
              RegExpParams<P>
          > extends infer R
          ? keyof R extends never
            ? NoParams
            : R
          : never
        : never;

/** A compiled route condition: an optional per-recipient test and an optional whole-email test. */
export interface CompiledConditions {
  recipient?: (address: string) => Params | null;
  email?: (email: InboundEmail) => Params | null;
}

function compileAddressOrRegExp(pattern: string | RegExp): (value: string) => Params | null {
  if (pattern instanceof RegExp) {
    const regex = statelessRegExp(pattern);
    return (value) => {
      const found = regex.exec(value);
      return found ? namedGroups(found) : null;
    };
  }
  return compileAddressPattern(pattern).match;
}

function compileHeader(condition: HeaderCondition): (email: InboundEmail) => Params | null {
  if (!condition.name?.trim()) throw new RoutePatternError(String(condition.name), 'header condition needs a name');
  const { value } = condition;
  if (value === undefined) return (email) => (email.headerValues(condition.name).length > 0 ? {} : null);
  if (value instanceof RegExp) {
    const regex = statelessRegExp(value);
    return (email) => {
      for (const candidate of email.headerValues(condition.name)) {
        const found = regex.exec(candidate);
        if (found) return namedGroups(found);
      }
      return null;
    };
  }
  const wanted = value.trim().toLowerCase();
  return (email) => (email.headerValues(condition.name).some((v) => v.trim().toLowerCase() === wanted) ? {} : null);
}

function compileMatcher(matcher: RouteMatcher): CompiledConditions {
  const known = new Set(['to', 'from', 'subject', 'header']);
  for (const key of Object.keys(matcher)) {
    if (!known.has(key))
      throw new RoutePatternError(JSON.stringify(Object.keys(matcher)), `unknown matcher key "${key}"`);
  }
  const emailTests: Array<(email: InboundEmail) => Params | null> = [];
  if (matcher.from !== undefined) {
    const test = compileAddressOrRegExp(matcher.from);
    emailTests.push((email) => (email.from ? test(email.from.address) : null));
  }
  if (matcher.subject !== undefined) {
    if (!(matcher.subject instanceof RegExp))
      throw new RoutePatternError(String(matcher.subject), 'subject must be a RegExp');
    const regex = statelessRegExp(matcher.subject);
    emailTests.push((email) => {
      const found = regex.exec(email.subject);
      return found ? namedGroups(found) : null;
    });
  }
  if (matcher.header !== undefined) {
    const conditions = Array.isArray(matcher.header) ? matcher.header : [matcher.header as HeaderCondition];
    for (const condition of conditions) emailTests.push(compileHeader(condition));
  }
  const compiled: CompiledConditions = {};
  if (matcher.to !== undefined) compiled.recipient = compileAddressOrRegExp(matcher.to);
  if (emailTests.length > 0) {
    compiled.email = (email) => {
      const params: Params = {};
      for (const test of emailTests) {
        const found = test(email);
        if (!found) return null;
        Object.assign(params, found);
      }
      return params;
    };
  }
  if (!compiled.recipient && !compiled.email)
    throw new RoutePatternError('{}', 'a matcher needs at least one of to, from, subject, header');
  return compiled;
}

/** Compiles any route pattern; throws RoutePatternError for patterns that can never work. */
export function compilePattern(pattern: RoutePattern): CompiledConditions {
  if (typeof pattern === 'string') return { recipient: compileAddressPattern(pattern).match };
  if (pattern instanceof RegExp) return { recipient: compileAddressOrRegExp(pattern) };
  if (typeof pattern === 'function') return { email: (email) => (pattern(email) ? {} : null) };
  if (pattern && typeof pattern === 'object') return compileMatcher(pattern);
  throw new RoutePatternError(String(pattern), 'expected a string, RegExp, predicate or matcher object');
}

/** A readable, stable name for a pattern (used when a route is declared without one). */
export function describePattern(pattern: RoutePattern): string {
  if (typeof pattern === 'string') return pattern.trim();
  if (pattern instanceof RegExp) return String(pattern);
  if (typeof pattern === 'function') return `predicate:${pattern.name || 'anonymous'}`;
  const parts: string[] = [];
  if (pattern.to !== undefined) parts.push(`to=${String(pattern.to)}`);
  if (pattern.from !== undefined) parts.push(`from=${String(pattern.from)}`);
  if (pattern.subject !== undefined) parts.push(`subject=${String(pattern.subject)}`);
  const headers =
    pattern.header === undefined
      ? []
      : Array.isArray(pattern.header)
        ? pattern.header
        : [pattern.header as HeaderCondition];
  for (const h of headers)
    parts.push(h.value === undefined ? `header=${h.name}` : `header=${h.name}:${String(h.value)}`);
  return parts.join(' ');
}
