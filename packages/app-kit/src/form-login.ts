import type { Context } from 'hono';
import { inTime, type AppKit } from './kit.js';

type Html = Parameters<Context['html']>[0];

export interface FormLoginOptions {
  /** Checks `password` for the account `email` names (constant work for an unknown one); null = wrong. Its id is the session's account. */
  authenticate(email: string, password: string): Promise<{ id: number | string } | null>;
  /** The login page again, with the address typed and what went wrong. */
  page(email: string, error: string): Html;
  /** Where a signed-in user is sent. */
  home: string;
}

/**
 * The POST handler of an email-and-password login form, through the kit's throttle: 400 without both fields,
 * 401 for a wrong pair, 429 with Retry-After once throttled; else a new session and a 303 to `home`.
 */
export function formLogin(kit: AppKit, options: FormLoginOptions): (c: Context) => Promise<Response> {
  return async (c) => {
    const form = await c.req.parseBody();
    const email = typeof form.email === 'string' ? form.email.slice(0, 320) : '';
    const password = typeof form.password === 'string' ? form.password : '';
    if (!email || !password) return c.html(options.page(email, 'Enter your email and password.'), 400);
    const result = await kit.login(c, email, () => options.authenticate(email, password));
    if (result.kind === 'throttled') {
      const error = `Too many sign-in attempts; try again ${inTime(result.retryAfterSeconds)}.`;
      return c.html(options.page(email, error), 429, { 'Retry-After': String(result.retryAfterSeconds) });
    }
    if (result.kind === 'failed') return c.html(options.page(email, 'Wrong email or password.'), 401);
    await kit.sessions.start(c, String(result.value.id));
    return c.redirect(options.home, 303);
  };
}
