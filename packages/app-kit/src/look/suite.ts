import type { MiddlewareHandler } from 'hono';
import { contextStorage, getContext } from 'hono/context-storage';

/** A link in the bar above every app when several run together (the demo: its apps and the console). */
export interface SuiteLink {
  href: string;
  label: string;
}

const SUITE = 'appKitSuite';

/**
 * Puts `links` above every kit page rendered below this middleware (the demo mounts it once on its root, so each
 * app's pages lead back to the console without knowing about it). Pages read them through hono/context-storage.
 */
export function suiteNav(links: () => readonly SuiteLink[]): MiddlewareHandler {
  const storage = contextStorage();
  return (c, next) => {
    c.set(SUITE as never, links() as never);
    return storage(c, next);
  };
}

/** The suite links of the request being rendered; none when the app runs alone. */
export function currentSuite(): readonly SuiteLink[] {
  try {
    return (getContext().get(SUITE as never) as readonly SuiteLink[] | undefined) ?? [];
  } catch {
    return []; // no context storage: a standalone app
  }
}
