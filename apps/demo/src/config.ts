/**
 * Demo server configuration, read once from the environment. Every setting has a development default so
 * `npm start` works on a fresh clone; production (`NODE_ENV=production`) refuses the insecure ones.
 */
import { resolve } from 'node:path';
import { MailroomConfigurationError } from '@mailroom/core';
import { basicCredentialsFromEnv, parseMaxAgeSeconds } from '@mailroom/core/http';
import { relaySecretProblem, type BasicCredential } from '@mailroom/core/ingress';
import { forbiddenPasswords, passwordProblem } from '@mailroom/app-kit';

export class DemoConfigError extends MailroomConfigurationError {
  override name = 'DemoConfigError';
}

export interface DemoDomains {
  blog: string;
  lists: string;
  avatars: string;
  support: string;
}

export interface DemoConfig {
  /** `NODE_ENV !== 'production'`. */
  development: boolean;
  port: number;
  host: string;
  /** Where links in mail and the banner point; default `http://localhost:<port>` (known after listen when port is 0). */
  publicUrl: string | null;
  /** Absolute; holds PGlite (unless `databaseUrl`), the development keys and the generated secret. */
  dataDir: string;
  databaseUrl: string | null;
  domains: DemoDomains;
  parse: {
    /** Configured SendGrid keys (rotation: several). */
    publicKeys: string[];
    basic: BasicCredential[];
    /** `SENDGRID_PARSE_MAX_AGE_SECONDS`: refuse signed posts whose timestamp is further from now; null = no window. */
    maxAgeSeconds: number | null;
  };
  events: { publicKeys: string[] };
  sendgridApiKey: string | null;
  /** Signing secret for the apps (reply addresses, sessions); generated into the data dir when unset (development). */
  secret: string | null;
  console: { enabled: boolean; username: string; password: string | null };
  /** Seed the demo world at start (development: default on, `MAILROOM_SEED=0` turns it off; production: only with `MAILROOM_SEED=1`). */
  seed: boolean;
  /** Host names the server answers to (`Host` header) besides localhost and PUBLIC_URL's; `ALLOWED_HOSTS`, comma-separated. */
  allowedHosts: string[];
  /** Bearer token for `GET /metrics` (`METRICS_TOKEN`); production serves no metrics without it. */
  metricsToken: string | null;
  /** The relay endpoint's secret (`MAILROOM_RELAY_SECRET`); development generates one when unset. */
  relaySecret: string | null;
  /** `SMTP_PORT`: also receive the apps' mail over SMTP on this port (0: any free one); null: off. */
  smtpPort: number | null;
}

type Env = Record<string, string | undefined>;

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$/;

function domain(env: Env, name: string, fallback: string): string {
  const value = (env[name] ?? '').trim().toLowerCase() || fallback;
  if (!DOMAIN.test(value)) throw new DemoConfigError(`${name}=${JSON.stringify(value)} is not a domain name`);
  return value;
}

/** `SENDGRID_PARSE_BASIC=user:pass,user2:pass2` (a password may contain ':'), read as core reads it. */
function parseBasicCredentials(env: Env): BasicCredential[] {
  try {
    return basicCredentialsFromEnv(env);
  } catch (error) {
    throw new DemoConfigError((error as Error).message);
  }
}

function parseMaxAge(value: string | undefined): number | null {
  try {
    return parseMaxAgeSeconds(value) ?? null;
  } catch (error) {
    throw new DemoConfigError((error as Error).message);
  }
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): DemoConfig {
  const development = env.NODE_ENV !== 'production';
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new DemoConfigError(`PORT=${env.PORT} is not a port number`);
  const smtpPort = env.SMTP_PORT?.trim() ? Number(env.SMTP_PORT) : null;
  if (smtpPort !== null && (!Number.isInteger(smtpPort) || smtpPort < 0 || smtpPort > 65_535))
    throw new DemoConfigError(`SMTP_PORT=${env.SMTP_PORT} is not a port number`);
  const publicUrl = env.PUBLIC_URL?.trim().replace(/(^|[^/])\/+$/, '$1') || null;
  if (publicUrl) {
    try {
      new URL(publicUrl);
    } catch {
      throw new DemoConfigError(`PUBLIC_URL=${publicUrl} is not a URL`);
    }
  }
  const secret = env.MAILROOM_SECRET?.trim() || null;
  if (secret && secret.length < 32) throw new DemoConfigError('MAILROOM_SECRET must be at least 32 characters');
  if (!development && !secret)
    throw new DemoConfigError('MAILROOM_SECRET is required in production (32+ random characters)');

  const parse = {
    publicKeys: list(env.SENDGRID_PARSE_PUBLIC_KEY),
    basic: parseBasicCredentials(env),
    maxAgeSeconds: parseMaxAge(env.SENDGRID_PARSE_MAX_AGE_SECONDS),
  };
  if (parse.maxAgeSeconds !== null && parse.publicKeys.length === 0) {
    throw new DemoConfigError(
      'SENDGRID_PARSE_MAX_AGE_SECONDS needs SENDGRID_PARSE_PUBLIC_KEY (it bounds the signed timestamp)',
    );
  }
  if (!development && parse.publicKeys.length === 0 && parse.basic.length === 0) {
    throw new DemoConfigError(
      'production needs SENDGRID_PARSE_PUBLIC_KEY (the Parse security policy key) or SENDGRID_PARSE_BASIC; the unauthenticated mode is for development only',
    );
  }
  const relaySecret = env.MAILROOM_RELAY_SECRET?.trim() || null;
  const relayProblem = relaySecret ? relaySecretProblem(relaySecret) : null;
  if (relayProblem) throw new DemoConfigError(`MAILROOM_RELAY_SECRET ${relayProblem}`);
  const consolePassword = env.CONSOLE_PASSWORD || null;
  // The console is the whole inbox and outbox: in production its password follows the accounts' policy (12+
  // characters, never a published one).
  const consoleProblem =
    consolePassword && !development ? passwordProblem(consolePassword, forbiddenPasswords(true)) : null;
  if (consoleProblem) throw new DemoConfigError(`CONSOLE_PASSWORD: ${consoleProblem}`);
  return {
    development,
    port,
    host: env.HOST?.trim() || (development ? '127.0.0.1' : '0.0.0.0'),
    publicUrl,
    dataDir: resolve(cwd, env.MAILROOM_DATA_DIR?.trim() || '.mailroom'),
    databaseUrl: env.DATABASE_URL?.trim() || null,
    domains: {
      blog: domain(env, 'BLOG_DOMAIN', 'blog.example.test'),
      lists: domain(env, 'LISTS_DOMAIN', 'lists.example.test'),
      avatars: domain(env, 'AVATARS_DOMAIN', 'avatars.example.test'),
      support: domain(env, 'SUPPORT_DOMAIN', 'support.example.test'),
    },
    parse,
    events: { publicKeys: list(env.SENDGRID_EVENTS_PUBLIC_KEY) },
    sendgridApiKey: env.SENDGRID_API_KEY?.trim() || null,
    secret,
    console: {
      enabled: development || consolePassword !== null,
      username: env.CONSOLE_USER?.trim() || 'admin',
      password: consolePassword,
    },
    seed: development ? env.MAILROOM_SEED !== '0' : env.MAILROOM_SEED === '1',
    allowedHosts: list(env.ALLOWED_HOSTS).map((host) => host.toLowerCase()),
    metricsToken: env.METRICS_TOKEN?.trim() || null,
    relaySecret,
    smtpPort,
  };
}
