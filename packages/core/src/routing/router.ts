import type { InboundEmail } from '../message/index.js';
import { compilePattern, describePattern, type CompiledConditions, type RoutePattern } from './matchers.js';
import type { Params } from './pattern.js';
import { recipientsOf, type MatchedRecipient } from './recipients.js';

/** The reserved name of the fallback route (usable as a forced route on replay). */
export const FALLBACK_ROUTE = 'fallback';

/** A declared route: its name, the pattern it was declared with, and what it leads to (a handler). */
export interface Route<T> {
  readonly name: string;
  readonly pattern: RoutePattern | null;
  readonly target: T;
}

/** The outcome of routing one email. */
export interface RouteMatch<T> {
  route: Route<T>;
  params: Params;
  /** The recipient the route matched; for predicate-only routes the first recipient; null for the fallback. */
  recipient: MatchedRecipient | null;
  /** True when no route matched and the fallback was chosen. */
  fallback: boolean;
  /** True when the route was chosen by name (replay with `route`) rather than by matching. */
  forced: boolean;
}

export interface MatchOptions {
  /** Route by name instead of by matching (replay/reroute). `'fallback'` names the fallback. */
  forcedRoute?: string | null;
}

/** Thrown when a route name is declared twice, or a forced route does not exist. */
export class RouteNameError extends Error {
  override readonly name = 'RouteNameError';
}

interface Entry<T> {
  route: Route<T>;
  conditions: CompiledConditions;
}

/** Routes emails to targets; see `routing/index.ts` for the matching rules. */
export class Router<T> {
  readonly #entries: Entry<T>[] = [];
  #fallback: Route<T> | null = null;

  /** Declares a route named after its pattern, or with an explicit name. Patterns are validated now. */
  add(pattern: RoutePattern, target: T): Route<T>;
  add(name: string, pattern: RoutePattern, target: T): Route<T>;
  add(...args: [RoutePattern, T] | [string, RoutePattern, T]): Route<T> {
    const explicit = args.length === 3;
    const [name, pattern, target] = explicit ? args : [null, args[0], args[1]];
    const conditions = compilePattern(pattern);
    let routeName: string;
    if (name !== null) {
      if (!name.trim()) throw new RouteNameError('a route name cannot be empty');
      if (name === FALLBACK_ROUTE) throw new RouteNameError(`"${FALLBACK_ROUTE}" is reserved; use fallback()`);
      if (this.has(name)) throw new RouteNameError(`route "${name}" is already declared`);
      routeName = name;
    } else {
      const base = describePattern(pattern);
      routeName = base;
      for (let n = 2; this.has(routeName) || routeName === FALLBACK_ROUTE; n += 1) routeName = `${base}#${n}`;
    }
    const route: Route<T> = { name: routeName, pattern, target };
    this.#entries.push({ route, conditions });
    return route;
  }

  /** Sets the route that takes every email no other route matched. */
  fallback(target: T): Route<T> {
    this.#fallback = { name: FALLBACK_ROUTE, pattern: null, target };
    return this.#fallback;
  }

  /** Routes in declaration order (the fallback excluded). */
  get routes(): readonly Route<T>[] {
    return this.#entries.map((e) => e.route);
  }

  get fallbackRoute(): Route<T> | null {
    return this.#fallback;
  }

  has(name: string): boolean {
    if (name === FALLBACK_ROUTE) return this.#fallback !== null;
    return this.#entries.some((e) => e.route.name === name);
  }

  /**
   * The route for this email, or null when nothing matched and there is no fallback.
   * With `forcedRoute`, that route is used even if it does not match (params then come from a match
   * if there is one, else they are empty); an unknown name throws RouteNameError.
   */
  match(email: InboundEmail, options: MatchOptions = {}): RouteMatch<T> | null {
    const recipients = recipientsOf(email);
    const forced = options.forcedRoute;
    if (forced) {
      if (forced === FALLBACK_ROUTE) {
        if (!this.#fallback) throw new RouteNameError('no fallback route is declared');
        return { route: this.#fallback, params: {}, recipient: null, fallback: true, forced: true };
      }
      const entry = this.#entries.find((e) => e.route.name === forced);
      if (!entry) throw new RouteNameError(`no route named "${forced}"`);
      const found = firstMatch([entry], email, recipients);
      if (found) return { ...found, forced: true };
      return { route: entry.route, params: {}, recipient: recipients[0] ?? null, fallback: false, forced: true };
    }
    const found = firstMatch(this.#entries, email, recipients);
    if (found) return found;
    if (this.#fallback) return { route: this.#fallback, params: {}, recipient: null, fallback: true, forced: false };
    return null;
  }
}

/** Recipient-major search: for each recipient in order, the first route in declaration order that matches. */
function firstMatch<T>(
  entries: readonly Entry<T>[],
  email: InboundEmail,
  recipients: readonly MatchedRecipient[],
): RouteMatch<T> | null {
  // Whole-email conditions do not depend on the recipient: evaluate each at most once.
  const emailResults = new Map<Entry<T>, Params | null>();
  const emailParams = (entry: Entry<T>): Params | null => {
    if (!entry.conditions.email) return {};
    if (!emailResults.has(entry)) emailResults.set(entry, entry.conditions.email(email));
    return emailResults.get(entry) ?? null;
  };
  const candidates: ReadonlyArray<MatchedRecipient | null> = recipients.length > 0 ? recipients : [null];
  for (const recipient of candidates) {
    for (const entry of entries) {
      let recipientParams: Params = {};
      if (entry.conditions.recipient) {
        if (!recipient) continue;
        const found = entry.conditions.recipient(recipient.address);
        if (!found) continue;
        recipientParams = found;
      }
      const fromEmail = emailParams(entry);
      if (!fromEmail) continue;
      return {
        route: entry.route,
        params: { ...fromEmail, ...recipientParams },
        recipient,
        fallback: false,
        forced: false,
      };
    }
  }
  return null;
}

/** A new, empty router. */
export function createRouter<T>(): Router<T> {
  return new Router<T>();
}
