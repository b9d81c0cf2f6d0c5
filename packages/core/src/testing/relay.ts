import { RELAY_CONTENT_TYPE, relayEnvelopeHeaders } from '../ingress/index.js';
import type { Envelope } from '../message/index.js';
import { asMessage } from './message-headers.js';

export const DEFAULT_RELAY_URL = 'http://localhost/webhooks/raw';

export interface RelayRequestOptions {
  /** Default `http://localhost/webhooks/raw`. */
  url?: string;
  /** One of the relay endpoint's secrets, sent as `Authorization: Bearer`. */
  secret: string;
  /** The SMTP envelope (MAIL FROM, RCPT TO); default none: routing then reads the message's headers. */
  envelope?: Envelope;
  /** Extra request headers (override the computed ones). */
  headers?: Record<string, string>;
}

/**
 * The request `mailroom relay` (and a Cloudflare Email Worker) posts for `message`: its bytes as `message/rfc822`,
 * the envelope in `X-Mailroom-Envelope-From` / `-To` (checked by the endpoint's rules; non-ASCII as UTF-8 bytes).
 */
export function relayRequest(message: string | Buffer, options: RelayRequestOptions): Request {
  return new Request(options.url ?? DEFAULT_RELAY_URL, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${options.secret}`,
      'content-type': RELAY_CONTENT_TYPE,
      'user-agent': 'mailroom-relay',
      ...(options.envelope ? relayEnvelopeHeaders(options.envelope) : {}),
      ...options.headers,
    },
    body: new Uint8Array(asMessage(message)),
  });
}
