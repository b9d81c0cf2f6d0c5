import { Hono } from 'hono';
import { describeError, isUnavailableError, type Logger } from '../../inbox/index.js';
import type { Envelope } from '../../message/index.js';
import type { MimeDelivery } from '../delivery.js';
import { IngressError } from '../errors.js';
import { createBodyReader } from '../ingress.js';
import type { IngressLimits } from '../limits.js';
import { parseBearerAuthorization } from '../verify/bearer.js';
import { RELAY_ENVELOPE_FROM_HEADER, RELAY_ENVELOPE_TO_HEADER, parseRelayEnvelope } from './envelope.js';
import { createSecretCheck } from './secrets.js';

/** The Content-Type a relayed message is posted with: the RFC 5322 bytes as they are. */
export const RELAY_CONTENT_TYPE = 'message/rfc822';

/** What the endpoint needs of a Mailroom: `deliver` (resolves after commit) and, by default, its store's logger. */
export interface RelayTarget {
  deliver(delivery: MimeDelivery): Promise<{ id: string; duplicate: boolean }>;
  readonly store: { readonly logger: Logger };
}

export interface RelayIngressOptions {
  /** Shared secrets (`Authorization: Bearer …`), 32+ characters each; several during a rotation, any may match. */
  secrets: readonly string[];
  /** How a request body is read (size, deadline and rate, in-flight cap); default the ingress' limits. */
  limits?: IngressLimits;
  /** Where server faults and outages are logged; default the Mailroom's store logger. */
  logger?: Logger;
}

const CHALLENGE = 'Bearer realm="mailroom"';
/** How long to ask a client to wait while the store is down (the SendGrid endpoint's value). */
const RETRY_AFTER_SECONDS = 60;

/** A Hono sub-app answering `POST /` with the relay endpoint (other methods: 405). */
export function relayIngress(mailroom: RelayTarget, options: RelayIngressOptions): Hono {
  const handle = relayHandler(mailroom, options);
  const app = new Hono();
  app.all('/', (c) => handle(c.req.raw));
  return app;
}

function relayHandler(mailroom: RelayTarget, options: RelayIngressOptions): (request: Request) => Promise<Response> {
  const isKnownSecret = createSecretCheck(options.secrets);
  const readBody = createBodyReader(options.limits);
  const logger = () => options.logger ?? mailroom.store.logger;
  return async (request) => {
    if (request.method !== 'POST') {
      return json(
        405,
        { error: 'method_not_allowed', reason: `${request.method} is not allowed; POST the message` },
        {
          allow: 'POST',
        },
      );
    }
    try {
      const envelope = checkHeaders(request, isKnownSecret);
      const { id, duplicate } = await readBody(request, (message) =>
        mailroom.deliver({
          provider: 'relay',
          message,
          envelope,
          authenticatedBy: ['relay-secret'],
          providerData: { name: 'relay' },
        }),
      );
      return json(200, { id, duplicate });
    } catch (error) {
      return failure(error, logger());
    }
  };
}

/**
 * Everything decided before the body is read: the secret, the Content-Type and the envelope. A refusal here
 * leaves the body unread, and the answer closes the connection so it is never read.
 */
function checkHeaders(request: Request, isKnownSecret: (token: string | null) => boolean): Envelope {
  try {
    const authorization = request.headers.get('authorization');
    if (!isKnownSecret(parseBearerAuthorization(authorization))) {
      throw authorization
        ? new IngressError(401, 'relay_secret_invalid', 'the bearer token is not a configured relay secret', {
            challenge: `${CHALLENGE}, error="invalid_token"`,
          })
        : new IngressError(401, 'relay_secret_missing', 'send the relay secret as Authorization: Bearer <secret>', {
            challenge: CHALLENGE,
          });
    }
    checkContentType(request.headers.get('content-type'));
    return parseRelayEnvelope(
      request.headers.get(RELAY_ENVELOPE_FROM_HEADER),
      request.headers.get(RELAY_ENVELOPE_TO_HEADER),
    );
  } catch (error) {
    if (error instanceof IngressError) error.bodyUnread = true;
    throw error;
  }
}

function checkContentType(value: string | null): void {
  const type = (value ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type === RELAY_CONTENT_TYPE) return;
  throw new IngressError(
    415,
    'unsupported_media_type',
    value
      ? `Content-Type ${JSON.stringify(value.slice(0, 100))} is not ${RELAY_CONTENT_TYPE}: post the raw message bytes`
      : `no Content-Type: post the raw message bytes as ${RELAY_CONTENT_TYPE}`,
  );
}

/** The SendGrid endpoint's answers: 4xx `{ error, reason }`, 503 + Retry-After while the store is down, else 500. */
function failure(error: unknown, logger: Logger): Response {
  if (error instanceof IngressError) {
    const headers: Record<string, string> = {};
    if (error.challenge) headers['www-authenticate'] = error.challenge;
    if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
    if (error.bodyUnread) headers.connection = 'close';
    return json(error.status, { error: error.code, reason: error.message }, headers);
  }
  if (isUnavailableError(error)) {
    logger.error('store_unavailable', { ingress: 'relay', error: describeError(error) });
    return json(
      503,
      { error: 'store_unavailable', reason: 'the inbox store is unavailable; retry later' },
      { 'retry-after': String(RETRY_AFTER_SECONDS) },
    );
  }
  logger.error('relay_failed', { error: describeError(error) });
  return json(500, { error: 'internal' });
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}
