import {
  MailroomConfigurationError,
  outboxOnlyTransport,
  securityFromEnv,
  sendgridTransport,
  type EnvSecurity,
  type SigningKey,
  type Transport,
} from '@mailroom/core';

export type Env = Record<string, string | undefined>;

/** A missing or malformed environment variable: a MailroomConfigurationError, so `runMain` prints it and exits 2. */
export class EnvError extends MailroomConfigurationError {
  override name = 'EnvError';
}

/** The trimmed value of a required variable; EnvError naming it (and where it is documented) when unset or blank. */
export function requireEnv(env: Env, name: string, documentedIn?: string): string {
  const value = env[name]?.trim();
  if (!value) throw new EnvError(`${name} is required${documentedIn ? ` (see ${documentedIn})` : ''}`);
  return value;
}

/** `PORT` as a port number (0 picks a free one); EnvError for anything else. */
export function portFromEnv(env: Env, fallback = 3000): number {
  const raw = env.PORT?.trim();
  const port = raw ? Number(raw) : fallback;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new EnvError(`PORT must be a port number from 0 to 65535, not ${JSON.stringify(raw)}`);
  return port;
}

/**
 * `MAILROOM_WORKER`: `off` (or `0`) makes the process a receiver only (webhooks and pages; the emails it stores
 * are processed by the processes that run the worker); unset, `on` or `1` runs both (the default).
 */
export function workerFromEnv(env: Env): boolean {
  const raw = env.MAILROOM_WORKER?.trim().toLowerCase();
  if (!raw || raw === 'on' || raw === '1') return true;
  if (raw === 'off' || raw === '0') return false;
  throw new EnvError(`MAILROOM_WORKER must be on or off, not ${JSON.stringify(env.MAILROOM_WORKER)}`);
}

/**
 * `DATABASE_URL` (PostgreSQL) and `MAILROOM_DATA_DIR` (the embedded PGlite's folder) as `openStore()` options.
 * The env given is the whole truth: without `DATABASE_URL` in it, `databaseUrl` is `''` (PGlite), so an app
 * started with its own env never falls back to the process's `DATABASE_URL`.
 */
export function storeOptionsFromEnv(env: Env): { databaseUrl: string; dataDir?: string } {
  return {
    databaseUrl: env.DATABASE_URL?.trim() ?? '',
    ...(env.MAILROOM_DATA_DIR?.trim() ? { dataDir: env.MAILROOM_DATA_DIR.trim() } : {}),
  };
}

/**
 * An app's signing keys from `NAME` (required, at least 32 characters: it signs reply addresses, links and
 * cookies) and `NAME_PREVIOUS` (optional, still verifies during a rotation): first signs, all verify.
 */
export function signingKeysFromEnv(
  env: Env,
  name: string,
  documentedIn?: string,
): Array<SigningKey & { secret: string }> {
  const secret = requireEnv(env, name, documentedIn);
  if (secret.length < 32) throw new EnvError(`${name} must be at least 32 characters`);
  const keys = [{ id: 'current', secret }];
  const previous = env[`${name}_PREVIOUS`];
  if (previous) keys.push({ id: 'previous', secret: previous });
  return keys;
}

/** Core's `securityFromEnv` (both SendGrid webhooks' authentication), its mistakes as EnvError. */
export function webhooksFromEnv(env: Env): EnvSecurity {
  try {
    return securityFromEnv(env);
  } catch (error) {
    throw new EnvError((error as Error).message);
  }
}

/** SendGrid's Mail Send API with `SENDGRID_API_KEY` (and `SENDGRID_API_URL`, for a stand-in); else outbox only (nothing leaves). */
export function transportFromEnv(env: Env): Transport {
  const apiKey = env.SENDGRID_API_KEY;
  if (!apiKey) return outboxOnlyTransport();
  return sendgridTransport({ apiKey, ...(env.SENDGRID_API_URL ? { baseUrl: env.SENDGRID_API_URL } : {}) });
}
