import type { MiddlewareHandler } from 'hono';
import { MailroomConfigurationError } from '@mailroom/core';
import { generatePassword, passwordProblem } from './passwords.js';

/** Passwords printed in this repository's READMEs and demo: production refuses to set or accept them. */
export const BUILT_IN_PASSWORDS: readonly string[] = ['mailroom-demo'];

/** The passwords to refuse: the built-in ones in production, none in development. */
export const forbiddenPasswords = (production: boolean): readonly string[] => (production ? BUILT_IN_PASSWORDS : []);

/**
 * The password of the first account(s) a server creates: from the environment variable `name`, else generated
 * (once per process) — the caller prints `announcement()` once, when it actually created an account with it.
 */
export interface FirstPassword {
  /** The password, for an account being created now (`who` appears in the announcement). */
  take(who: string): string;
  /** Lines to print: the generated password and who has it, or which accounts took the variable's. Empty if unused. */
  announcement(): string[];
}

export function firstPassword(
  env: Record<string, string | undefined>,
  name: string,
  production: boolean,
): FirstPassword {
  const fromEnv = env[name];
  if (fromEnv !== undefined && fromEnv !== '') {
    const problem = passwordProblem(fromEnv, forbiddenPasswords(production));
    if (problem) throw new MailroomConfigurationError(`${name}: ${problem}`);
  }
  const password = fromEnv || generatePassword();
  const takers: string[] = [];
  return {
    take(who) {
      takers.push(who);
      return password;
    },
    announcement() {
      if (!takers.length) return [];
      if (fromEnv) return [`First accounts created with the password from ${name}: ${takers.join(', ')}.`];
      return [
        `First accounts created: ${takers.join(', ')}.`,
        `Their generated password (shown this once; change it after signing in): ${password}`,
      ];
    },
  };
}

/**
 * A standalone server's first account: created by `create` with the password from `name` (else one generated
 * now), then the announcement printed once. `who` names the account in that announcement.
 */
export async function createFirstAccount(
  env: Record<string, string | undefined>,
  name: string,
  production: boolean,
  who: string,
  create: (password: string) => Promise<unknown>,
  print: (line: string) => void = console.log,
): Promise<void> {
  const first = firstPassword(env, name, production);
  await create(first.take(who));
  for (const line of first.announcement()) print(line);
}

/**
 * A line for the start-up log when session cookies in production could not or would not be `Secure`: not marked
 * Secure, or marked but served from a plain-http public URL (where browsers drop them). No public URL: only the flag.
 */
export function secureCookieWarning(options: {
  production: boolean;
  publicUrl?: string | undefined;
  secureCookies: boolean;
}): string | null {
  if (!options.production) return null;
  if (!options.secureCookies)
    return 'WARNING: session cookies are not marked Secure in production: they travel in clear text over HTTP.';
  if (options.publicUrl !== undefined && !options.publicUrl.startsWith('https:')) {
    return `WARNING: the public URL ${options.publicUrl} is not https: browsers send the Secure session cookies only over HTTPS. Serve behind TLS and set the public URL (PUBLIC_URL) to https://…`;
  }
  return null;
}

/** `Host` without port, lower-case (`[::1]:3000` → `[::1]`); null when it is not a plain host[:port]. */
export function hostnameOf(host: string | undefined): string | null {
  // No userinfo, path or query characters: `evil.example@localhost` must not read as localhost.
  if (!host || host.length > 300 || /[^A-Za-z0-9.:[\]-]/.test(host)) return null;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return null;
  }
}

/**
 * Answers 421 to a request whose `Host` is not on the list (400 without a usable Host): a DNS-rebinding page on
 * evil.example that resolves to 127.0.0.1 sends `Host: evil.example` and is turned away.
 */
export function hostAllowlist(hosts: readonly string[]): MiddlewareHandler {
  const allowed = new Set(hosts.map((h) => h.toLowerCase()));
  return async (c, next) => {
    // An in-process Request (the console posting to its own webhook) has no Host header: its URL's host counts.
    const host = hostnameOf(c.req.header('host') ?? new URL(c.req.url).host);
    if (host === null) return c.text('400: the request has no valid Host header', 400);
    if (!allowed.has(host))
      return c.text(
        `421: ${host} is not served here (allowed hosts: ${[...allowed].join(', ')}; see ALLOWED_HOSTS)`,
        421,
      );
    await next();
  };
}

/** localhost's names: what a development server answers to without configuration. */
export const LOCAL_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];
