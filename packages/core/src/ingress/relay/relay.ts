import type { Envelope } from '../../message/index.js';
import { IngressError } from '../errors.js';
import { createBodyReader } from '../ingress.js';
import type { IngressLimits } from '../limits.js';
import { parseBearerAuthorization } from '../verify/bearer.js';
import type { DeliveryTarget, WebhookLogger, WebhookReceiver } from '../webhook/index.js';
import { RELAY_ENVELOPE_FROM_HEADER, RELAY_ENVELOPE_TO_HEADER, parseRelayEnvelope } from './envelope.js';
import { createSecretCheck } from './secrets.js';

/** The Content-Type a relayed message is posted with: the RFC 5322 bytes as they are. */
export const RELAY_CONTENT_TYPE = 'message/rfc822';

export interface RelayIngressOptions {
  /** Shared secrets (`Authorization: Bearer …`), 32+ characters each; several during a rotation, any may match. */
  secrets: readonly string[];
  /** How a request body is read (size, deadline and rate, in-flight cap); default the ingress' limits. */
  limits?: IngressLimits;
  /** Where the mounted sub-app (`relayIngress` in `@mailroom/core/http`) reports faults; default `console`. */
  logger?: WebhookLogger;
}

const CHALLENGE = 'Bearer realm="mailroom"';

/**
 * The relay endpoint as a receiver (see `index.ts`): the secret, the Content-Type and the envelope headers checked
 * before the body is read, then the message handed to `mailroom.deliver()`. `relayIngress` in
 * `@mailroom/core/http` mounts it at `POST /`.
 */
export function createRelayReceiver(mailroom: DeliveryTarget, options: RelayIngressOptions): WebhookReceiver {
  const isKnownSecret = createSecretCheck(options.secrets);
  const readBody = createBodyReader(options.limits);
  return async (request) => {
    const envelope = checkHeaders(request, isKnownSecret);
    return readBody(request, (message) =>
      mailroom.deliver({
        provider: 'relay',
        message,
        envelope,
        authenticatedBy: ['relay-secret'],
        providerData: { name: 'relay' },
      }),
    );
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
