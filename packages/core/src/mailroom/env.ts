import type { BasicCredential, IngressSecurity } from '../ingress/index.js';
import { MailroomConfigurationError } from './errors.js';
import type { MailroomEventsSecurity } from './mailroom.js';

type Env = Record<string, string | undefined>;

export interface SecurityFromEnvOptions {
  /**
   * Accept unauthenticated Inbound Parse posts when no key or credential is set (local development only;
   * the endpoint logs a warning at start). Default: `MAILROOM_INSECURE=1`.
   */
  allowInsecure?: boolean;
}

/** Both webhooks' authentication, ready to spread into `createMailroom({ ...securityFromEnv(env) })`. */
export interface EnvSecurity {
  security: IngressSecurity;
  /** From `SENDGRID_EVENTS_PUBLIC_KEY`; undefined when unset (the Event Webhook stays off: 404). */
  eventsSecurity: MailroomEventsSecurity | undefined;
}

const NAMES = 'SENDGRID_PARSE_PUBLIC_KEY or SENDGRID_PARSE_BASIC';

/**
 * Reads the SendGrid webhooks' authentication from the environment:
 * - `SENDGRID_PARSE_PUBLIC_KEY`: Inbound Parse signature key(s), comma-separated (rotation);
 * - `SENDGRID_PARSE_BASIC`: `user:password[,user2:password2]`, a password may hold `:` (the old name
 *   `SENDGRID_PARSE_BASIC_AUTH` still works, with a deprecation warning);
 * - neither: MailroomConfigurationError, unless insecure mode is allowed (`MAILROOM_INSECURE=1`);
 * - `SENDGRID_PARSE_MAX_AGE_SECONDS`: refuse signed posts whose timestamp is further than this from now
 *   (`security.maxTimestampAgeSeconds`; needs the public key). Unset: no window (see README on SendGrid's retries);
 * - `SENDGRID_EVENTS_PUBLIC_KEY`: Event Webhook signature key(s), comma-separated.
 */
export function securityFromEnv(env: Env = process.env, options: SecurityFromEnvOptions = {}): EnvSecurity {
  const security: IngressSecurity = {};
  const publicKeys = commaList(env.SENDGRID_PARSE_PUBLIC_KEY);
  if (publicKeys.length) security.publicKeys = publicKeys;
  const basic = basicCredentialsFromEnv(env);
  if (basic.length) security.basic = basic;
  if (!publicKeys.length && !basic.length) {
    if (!(options.allowInsecure ?? env.MAILROOM_INSECURE === '1')) {
      throw new MailroomConfigurationError(`set ${NAMES} (or MAILROOM_INSECURE=1 for local development)`);
    }
    security.insecure = true;
  }
  const maxAge = parseMaxAgeSeconds(env.SENDGRID_PARSE_MAX_AGE_SECONDS, 'SENDGRID_PARSE_MAX_AGE_SECONDS');
  if (maxAge !== undefined) {
    if (!publicKeys.length)
      throw new MailroomConfigurationError(
        'SENDGRID_PARSE_MAX_AGE_SECONDS needs SENDGRID_PARSE_PUBLIC_KEY (it bounds the signed timestamp)',
      );
    security.maxTimestampAgeSeconds = maxAge;
  }
  const eventKeys = commaList(env.SENDGRID_EVENTS_PUBLIC_KEY);
  return { security, eventsSecurity: eventKeys.length ? { publicKeys: eventKeys } : undefined };
}

/**
 * The Parse URL's basic-auth credentials from `SENDGRID_PARSE_BASIC`. The demo once read `SENDGRID_PARSE_BASIC_AUTH`:
 * that name is still read when the new one is unset, with a DeprecationWarning (once per process).
 */
export function basicCredentialsFromEnv(env: Env = process.env): BasicCredential[] {
  if (env.SENDGRID_PARSE_BASIC !== undefined || env.SENDGRID_PARSE_BASIC_AUTH === undefined) {
    return parseBasicCredentials(env.SENDGRID_PARSE_BASIC, 'SENDGRID_PARSE_BASIC');
  }
  if (!warnedOldBasicName) {
    warnedOldBasicName = true;
    process.emitWarning('SENDGRID_PARSE_BASIC_AUTH is deprecated: name it SENDGRID_PARSE_BASIC', {
      type: 'DeprecationWarning',
      code: 'MAILROOM_ENV_BASIC_AUTH',
    });
  }
  return parseBasicCredentials(env.SENDGRID_PARSE_BASIC_AUTH, 'SENDGRID_PARSE_BASIC_AUTH');
}

let warnedOldBasicName = false;

/** `user:password[,user2:password2]` (a password may contain `:`); empty for an unset variable. */
export function parseBasicCredentials(value: string | undefined, name = 'SENDGRID_PARSE_BASIC'): BasicCredential[] {
  return commaList(value).map((entry) => {
    const colon = entry.indexOf(':');
    if (colon <= 0 || colon === entry.length - 1)
      throw new MailroomConfigurationError(`${name} must look like user:password[,user2:password2]`);
    return { username: entry.slice(0, colon), password: entry.slice(colon + 1) };
  });
}

/** A signature freshness window in whole seconds (1 s – 30 days); undefined when unset or blank. */
export function parseMaxAgeSeconds(
  value: string | undefined,
  name = 'SENDGRID_PARSE_MAX_AGE_SECONDS',
): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const seconds = /^\d{1,7}$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds >= 1 && seconds <= MAX_AGE_LIMIT_SECONDS)) {
    throw new MailroomConfigurationError(
      `${name} must be a whole number of seconds from 1 to ${MAX_AGE_LIMIT_SECONDS}, not ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return seconds;
}

const MAX_AGE_LIMIT_SECONDS = 30 * 24 * 3600;

function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
