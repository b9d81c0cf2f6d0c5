import type { EmailAddress } from '../../message/index.js';
import { sanitizeHeaderText, uniqueRecipients, type PreparedMessage } from '../message.js';
import { TransportError, type DeliveryResult, type Transport } from '../transport.js';

export interface SendGridTransportOptions {
  apiKey: string;
  /** Default `https://api.sendgrid.com`; `https://api.eu.sendgrid.com` for EU subusers; a local server in tests. */
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
  /** Retries inside one deliver() for 429/5xx/network errors before the outbox reschedules; default 3. */
  maxRetries?: number;
  /** First backoff step; doubles each retry (with jitter). Default 500 ms. */
  retryBaseMs?: number;
  /** Longest wait, also caps Retry-After; default 30 s. */
  maxRetryDelayMs?: number;
  /** Per request; default 30 s. */
  timeoutMs?: number;
  /** SendGrid validates but does not send. */
  sandbox?: boolean;
  sleep?: (ms: number) => Promise<void>;
}

/** A SendGrid API error; `messages` are SendGrid's `errors[].message`. */
export class SendGridError extends TransportError {
  override name = 'SendGridError';
  readonly status: number | null;
  readonly messages: string[];
  /** The `field` SendGrid named for each message (null when none). */
  readonly fields: Array<string | null>;
  constructor(
    status: number | null,
    errors: Array<{ message: string; field: string | null }>,
    options: { retryable: boolean; retryAfterMs?: number | null; cause?: unknown },
  ) {
    const summary = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
    super(`SendGrid ${status ?? 'request'} failed: ${summary || 'no details'}`, options);
    this.status = status;
    this.messages = errors.map((e) => e.message);
    this.fields = errors.map((e) => e.field);
  }
}

export const SENDGRID_MAX_PERSONALIZATIONS = 1000;

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * SendGrid v3 Mail Send over fetch. A batch becomes one request with one personalization per
 * message (its own recipients, headers and custom args); the shared content comes from the first.
 *
 * @example
 * ```ts
 * const transport = sendgridTransport({ apiKey: process.env.SENDGRID_API_KEY! });
 * ```
 */
export function sendgridTransport(options: SendGridTransportOptions): Transport {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const url = `${(options.baseUrl ?? 'https://api.sendgrid.com').replace(/(^|[^/])\/+$/, '$1')}/v3/mail/send`;
  const maxRetries = options.maxRetries ?? 3;
  const base = options.retryBaseMs ?? 500;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  const sleep = options.sleep ?? sleepFor;

  return {
    name: 'sendgrid',
    maxBatchSize: SENDGRID_MAX_PERSONALIZATIONS,
    async deliver(batch) {
      const body = JSON.stringify(sendgridMailBody(batch, { sandbox: options.sandbox ?? false }));
      for (let attempt = 0; ; attempt++) {
        let error: SendGridError;
        try {
          const response = await fetchImpl(url, {
            method: 'POST',
            headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
          });
          if (response.ok) {
            await response.arrayBuffer().catch(() => undefined);
            return { providerMessageId: response.headers.get('x-message-id') } satisfies DeliveryResult;
          }
          const messages = await errorMessages(response);
          const retryable = response.status === 429 || response.status >= 500;
          error = new SendGridError(response.status, messages, { retryable, retryAfterMs: retryAfter(response) });
        } catch (cause) {
          if (cause instanceof SendGridError) throw cause;
          const message = cause instanceof Error ? cause.message : String(cause);
          error = new SendGridError(null, [{ message, field: null }], { retryable: true, cause });
        }
        if (!error.retryable || attempt >= maxRetries) throw error;
        const backoff = Math.min(maxDelay, base * 2 ** attempt * (0.5 + Math.random() / 2));
        await sleep(error.retryAfterMs !== null ? Math.min(maxDelay, error.retryAfterMs) : backoff);
      }
    },
  };
}

// Rows queued by older code (or written by hand) may hold raw display names: collapse controls here too.
function address(a: EmailAddress): { email: string; name?: string } {
  const name = sanitizeHeaderText(a.name ?? '');
  return name ? { email: a.address, name } : { email: a.address };
}

/** The v3 Mail Send JSON for a batch of messages sharing content. */
export function sendgridMailBody(
  batch: readonly PreparedMessage[],
  options: { sandbox?: boolean } = {},
): Record<string, unknown> {
  const first = batch[0];
  if (!first) throw new Error('empty batch');
  if (batch.length > SENDGRID_MAX_PERSONALIZATIONS)
    throw new Error(`at most ${SENDGRID_MAX_PERSONALIZATIONS} messages per request`);
  const personalizations = batch.map((message) => {
    const { to, cc, bcc } = uniqueRecipients(message);
    const headers: Record<string, string> = { ...message.headers, 'Message-ID': `<${message.messageId}>` };
    if (message.inReplyTo) headers['In-Reply-To'] = `<${message.inReplyTo}>`;
    if (message.references.length) headers.References = message.references.map((r) => `<${r}>`).join(' ');
    return {
      to: to.map(address),
      ...(cc.length ? { cc: cc.map(address) } : {}),
      ...(bcc.length ? { bcc: bcc.map(address) } : {}),
      subject: sanitizeHeaderText(message.subject, Infinity),
      headers,
      custom_args: message.customArgs,
    };
  });
  const content: Array<{ type: string; value: string }> = [];
  // SendGrid requires text/plain before text/html.
  if (first.text) content.push({ type: 'text/plain', value: first.text });
  if (first.html) content.push({ type: 'text/html', value: first.html });
  const body: Record<string, unknown> = {
    personalizations,
    from: address(first.from),
    subject: sanitizeHeaderText(first.subject, Infinity),
    content,
  };
  if (first.replyTo.length === 1) body.reply_to = address(first.replyTo[0]!);
  else if (first.replyTo.length > 1) body.reply_to_list = first.replyTo.map(address);
  if (first.categories.length) body.categories = first.categories;
  if (first.attachments.length) {
    body.attachments = first.attachments.map((a) => ({
      content: a.content.toString('base64'),
      filename: a.filename,
      type: a.contentType,
      disposition: a.inline ? 'inline' : 'attachment',
      ...(a.contentId ? { content_id: a.contentId } : {}),
    }));
  }
  if (options.sandbox) body.mail_settings = { sandbox_mode: { enable: true } };
  return body;
}

export async function errorMessages(response: Response): Promise<Array<{ message: string; field: string | null }>> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as { errors?: Array<{ message?: unknown; field?: unknown }> };
    const errors = (parsed.errors ?? [])
      .filter((e) => typeof e.message === 'string' && e.message)
      .map((e) => ({ message: e.message as string, field: typeof e.field === 'string' && e.field ? e.field : null }));
    if (errors.length) return errors;
  } catch {
    // not JSON; fall through to the raw text
  }
  return [{ message: text ? text.slice(0, 500) : response.statusText || `HTTP ${response.status}`, field: null }];
}

/** Retry-After as seconds or an HTTP date; SendGrid's X-RateLimit-Reset (epoch seconds) as a fallback. */
export function retryAfter(response: Response): number | null {
  const header = response.headers.get('retry-after');
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  const reset = Number(response.headers.get('x-ratelimit-reset'));
  if (response.status === 429 && Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - Date.now());
  return null;
}
