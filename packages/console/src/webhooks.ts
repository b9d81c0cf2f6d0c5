/**
 * Posts to the server's own webhook endpoints exactly as SendGrid would: real HTTP requests (Request
 * objects through the server's fetch handler, so every middleware and the real verification run),
 * signed with the development keys, with basic credentials when the Parse URL has them. `send` takes any
 * other provider's request the same way (Compose's `providers`).
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import type { BasicCredential } from '@mailroom/core/ingress';
import { inboundRequest, signatureHeaders, type BuiltPost } from '@mailroom/core/testing';

/** An ECDSA P-256 key pair in SendGrid's format: the public key as base64 DER SPKI, the private key to sign with. */
export interface SigningKeyPair {
  publicKey: string;
  privateKey: KeyObject;
}

export interface WebhookAnswer {
  status: number;
  /** The endpoint's JSON answer (`{ id, duplicate }`, or `{ error, reason }`), or its text. */
  body: unknown;
}

export interface WebhookClient {
  postInbound(post: BuiltPost): Promise<WebhookAnswer>;
  postEvents(events: readonly Record<string, unknown>[]): Promise<WebhookAnswer>;
  /**
   * Sends the request `build` makes for `path` (a path on the server, resolved against `baseUrl`, or an absolute
   * URL) through the server's fetch handler: how Compose posts as Postmark, Mailgun or the relay.
   */
  send(path: string, build: (url: string) => Request): Promise<WebhookAnswer>;
}

export function createWebhookClient(options: {
  /** The server's own fetch handler (the root Hono app). */
  fetch: (request: Request) => Response | Promise<Response>;
  /** The server's public URL (its origin); the webhook paths are appended. */
  baseUrl: () => string;
  /** Signs posts to the Parse Webhook (a key the Mailroom's `security.publicKeys` accepts). */
  parseKey: SigningKeyPair;
  /** Signs posts to the Event Webhook (a key `eventsSecurity.publicKeys` accepts). */
  eventsKey: SigningKeyPair;
  /** Sent as HTTP Basic credentials when the Parse URL has them. */
  basic?: BasicCredential | null;
  /** Where the Mailroom's webhooks are mounted (default /webhooks/sendgrid: /parse and /events below it). */
  webhooksPath?: string;
}): WebhookClient {
  async function answer(response: Response): Promise<WebhookAnswer> {
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) };
    } catch {
      return { status: response.status, body: text };
    }
  }
  return {
    async postInbound(post) {
      const request = inboundRequest(post, {
        url: `${options.baseUrl()}${options.webhooksPath ?? '/webhooks/sendgrid'}/parse`,
        sign: options.parseKey,
        ...(options.basic ? { basic: options.basic } : {}),
      });
      return answer(await options.fetch(request));
    },
    async postEvents(events) {
      const body = Buffer.from(JSON.stringify(events), 'utf8');
      const request = new Request(`${options.baseUrl()}${options.webhooksPath ?? '/webhooks/sendgrid'}/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'SendGrid Event API',
          ...signatureHeaders(options.eventsKey, body),
        },
        body: new Uint8Array(body),
      });
      return answer(await options.fetch(request));
    },
    async send(path, build) {
      const url = /^https?:\/\//i.test(path) ? path : `${options.baseUrl()}${path}`;
      return answer(await options.fetch(build(url)));
    },
  };
}

export const SIMULATED_EVENTS = [
  'processed',
  'delivered',
  'deferred',
  'bounce',
  'dropped',
  'open',
  'click',
  'spamreport',
  'unsubscribe',
] as const;
export type SimulatedEvent = (typeof SIMULATED_EVENTS)[number];

export function isSimulatedEvent(value: unknown): value is SimulatedEvent {
  return typeof value === 'string' && (SIMULATED_EVENTS as readonly string[]).includes(value);
}

/**
 * One Event Webhook event for an outbox message, shaped like SendGrid's: the message's custom args
 * (mailroom_id among them) at the top level, `sg_message_id` from the provider id when it was sent.
 */
export function simulatedEvent(
  kind: SimulatedEvent,
  message: {
    messageId: string;
    providerMessageId: string | null;
    customArgs: Record<string, string>;
    categories: string[];
  },
  recipient: string,
  now = new Date(),
): Record<string, unknown> {
  const providerId = message.providerMessageId ?? randomBytes(16).toString('base64url');
  const event: Record<string, unknown> = {
    ...message.customArgs,
    email: recipient,
    timestamp: Math.floor(now.getTime() / 1000),
    'smtp-id': `<${message.messageId}>`,
    event: kind,
    sg_event_id: randomBytes(16).toString('base64url'),
    sg_message_id: `${providerId}.filterdrecv-simulated.${now.getTime()}.0`,
    ...(message.categories.length ? { category: message.categories } : {}),
  };
  const details: Record<SimulatedEvent, Record<string, unknown>> = {
    processed: {},
    delivered: { response: '250 2.0.0 OK (simulated by the Mailroom console)', ip: '192.0.2.10', tls: 1 },
    deferred: { response: '451 4.7.1 Try again later (simulated)', attempt: '1', ip: '192.0.2.10' },
    bounce: {
      type: 'bounce',
      status: '5.1.1',
      reason: '550 5.1.1 The email account that you tried to reach does not exist (simulated)',
      bounce_classification: 'Invalid Address',
      ip: '192.0.2.10',
    },
    dropped: { reason: 'Bounced Address (simulated)' },
    open: { useragent: 'Mozilla/5.0 (simulated)', ip: '198.51.100.7', sg_machine_open: false },
    click: {
      url: 'https://example.test/clicked',
      url_offset: { index: 0, type: 'html' },
      useragent: 'Mozilla/5.0 (simulated)',
      ip: '198.51.100.7',
    },
    spamreport: {},
    unsubscribe: {},
  };
  return { ...event, ...details[kind] };
}
