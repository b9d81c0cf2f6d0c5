import type { MiddlewareHandler } from 'hono';
import { contextStorage, getContext } from 'hono/context-storage';

const BASE = 'mailroomConsoleBase';
const LINKS = 'mailroomConsoleLinks';

/** A link of the host app shown above the console's bar (back to your app's home, say). */
export interface HostLink {
  href: string;
  label: string;
}

/**
 * Records where the console is mounted for the pages rendered below: `basePath` when given, else the mount path
 * Hono matched (`app.route('/mailroom', …)` → '/mailroom'). Pages read it through hono/context-storage.
 */
export function consoleBase(basePath: string | undefined, links: readonly HostLink[]): MiddlewareHandler {
  const storage = contextStorage();
  return (c, next) => {
    const base = basePath ?? c.req.routePath.replace(/\/?\*$/, '');
    c.set(BASE as never, base.replace(/\/$/, '') as never);
    c.set(LINKS as never, links as never);
    return storage(c, next);
  };
}

/** A path inside the console: `at('/inbox')` → '/mailroom/inbox'. */
export function at(path: string): string {
  return `${getContext().get(BASE as never) as string}${path}`;
}

export function hostLinks(): readonly HostLink[] {
  return (getContext().get(LINKS as never) as readonly HostLink[] | undefined) ?? [];
}
