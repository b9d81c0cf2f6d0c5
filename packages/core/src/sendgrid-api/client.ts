import { MailroomConfigurationError } from '../mailroom/index.js';
import { sendgridErrorMessages, sendgridRetryAfterMs, type SendGridTransportOptions } from '../outbound/index.js';

/** The transport's HTTP knobs (key, base URL, fetch, retries, backoff, timeout); `sandbox` is Mail Send's only. */
export type SendGridApiOptions = Omit<SendGridTransportOptions, 'sandbox'>;

/** SendGrid answered with an error that retrying will not fix (or retries ran out). */
export class SendGridApiError extends Error {
  override name = 'SendGridApiError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** 401 / 403: the key is wrong or lacks a scope; the operator's configuration, so the CLI exits 2. */
export class SendGridAccessError extends MailroomConfigurationError {
  override name = 'SendGridAccessError';
  constructor(
    message: string,
    readonly status: number,
    readonly scope: string,
  ) {
    super(message);
  }
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH';
  /** Starts with `/v3/`. */
  path: string;
  query?: Record<string, string | number>;
  body?: unknown;
  /** The API key scope this call needs, named in a 403. */
  scope: string;
}

export interface SendGridApiClient {
  /** One call: JSON in, parsed JSON out (null for an empty body). */
  request(call: ApiRequest): Promise<unknown>;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A minimal SendGrid v3 Web API client over fetch (Bearer key, bounded retries, scope-naming errors). */
export function sendgridApiClient(options: SendGridApiOptions): SendGridApiClient {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const base = (options.baseUrl ?? 'https://api.sendgrid.com').replace(/(^|[^/])\/+$/, '$1');
  const maxRetries = options.maxRetries ?? 3;
  const retryBase = options.retryBaseMs ?? 500;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  const sleep = options.sleep ?? sleepFor;

  return {
    async request(call) {
      const url = new URL(`${base}${call.path}`);
      for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, String(value));
      const label = `${call.method} ${call.path}`;
      for (let attempt = 0; ; attempt++) {
        let response: Response;
        try {
          response = await fetchImpl(url, {
            method: call.method,
            headers: {
              authorization: `Bearer ${options.apiKey}`,
              accept: 'application/json',
              ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
            signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
          });
        } catch (cause) {
          if (attempt >= maxRetries)
            throw new SendGridApiError(`${label}: ${cause instanceof Error ? cause.message : String(cause)}`, null);
          await sleep(Math.min(maxDelay, retryBase * 2 ** attempt));
          continue;
        }
        if (response.ok) return readJson(response, label);
        const retryable = response.status === 429 || response.status >= 500;
        if (retryable && attempt < maxRetries) {
          const wait = sendgridRetryAfterMs(response);
          await response.arrayBuffer().catch(() => undefined);
          await sleep(Math.min(maxDelay, wait ?? retryBase * 2 ** attempt));
          continue;
        }
        throw await failure(response, call, label);
      }
    },
  };
}

async function readJson(response: Response, label: string): Promise<unknown> {
  const text = await response.text();
  if (!text.trim()) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new SendGridApiError(`${label}: the answer is not JSON (${response.status})`, response.status);
  }
}

async function failure(response: Response, call: ApiRequest, label: string): Promise<Error> {
  const errors = await sendgridErrorMessages(response);
  const detail = errors
    .map((e) => (e.field ? `${e.field}: ${e.message}` : e.message))
    .join('; ')
    .replace(/\s+/g, ' ')
    .slice(0, 300);
  if (response.status === 401) {
    return new SendGridAccessError(
      `SendGrid refused SENDGRID_API_KEY (401 ${detail}): check the key, or create a new one`,
      401,
      call.scope,
    );
  }
  if (response.status === 403) {
    return new SendGridAccessError(
      `the API key lacks the scope ${call.scope} (403 ${detail} on ${label})`,
      403,
      call.scope,
    );
  }
  return new SendGridApiError(`${label} failed: ${response.status} ${detail}`, response.status);
}

/** The client from `SENDGRID_API_KEY` and `SENDGRID_API_BASE`; a missing key is a configuration error. */
export function sendgridApiFromEnv(
  env: Record<string, string | undefined>,
  options: Omit<SendGridApiOptions, 'apiKey' | 'baseUrl'> = {},
): SendGridApiClient {
  const apiKey = env.SENDGRID_API_KEY?.trim();
  if (!apiKey)
    throw new MailroomConfigurationError(
      'SENDGRID_API_KEY is not set (a SendGrid API key with the scopes this command needs)',
    );
  const baseUrl = env.SENDGRID_API_BASE?.trim() || undefined;
  if (baseUrl && !URL.canParse(baseUrl)) throw new MailroomConfigurationError('SENDGRID_API_BASE is not a URL');
  return sendgridApiClient({ ...options, apiKey, ...(baseUrl ? { baseUrl } : {}) });
}
