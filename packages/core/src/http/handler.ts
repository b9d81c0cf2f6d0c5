import {
  createIngress,
  IngressError,
  jsonResponse,
  rejectionResponse,
  type IngressLimits,
  type AcceptedPost,
  type IngressSecurity,
  type ReceivedPost,
} from '../ingress/index.js';

/** Where the HTTP layer reports what it cannot answer with a 4xx (defaults to `console`). */
export interface HttpLogger {
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

type Answer = Promise<Response | void> | Response | void;

export type InboundHandlerOptions = InboundHandlerBase &
  (
    | {
        /** Called once per verified, parsed post. Return a Response to answer with it; otherwise 200 `{ ok: true }`. */
        onEmail: (post: ReceivedPost) => Answer;
        acceptUnparsed?: false;
      }
    | {
        /** Small raw-mode posts are handed over unparsed (`Ingress.accept`): for a store that parses them later. */
        acceptUnparsed: true;
        onEmail: (post: AcceptedPost) => Answer;
      }
  );

interface InboundHandlerBase {
  security: IngressSecurity;
  limits?: IngressLimits;
  logger?: HttpLogger;
  /**
   * Called when a post is known to come from SendGrid (see `ReceiveOptions.onAuthenticated`): after its headers
   * for basic, bearer and insecure mode, once its signature verified for signed posts. The Mailroom counts such
   * posts as "being received" for its worker's yielding, so unauthenticated traffic cannot slow processing.
   */
  onAuthenticated?: (request: Request) => void;
}

const BASIC_CHALLENGE = 'Basic realm="mailroom"';

/**
 * The Web-standard entry for Inbound Parse posts: `(Request) => Promise<Response>`.
 * Rejections are 4xx with `{ error: code, reason }` (SendGrid does not retry them); only a
 * fault on our side (onEmail throwing, a bug) is a 500, which SendGrid retries for 3 days, and too many body
 * bytes in flight a 503 with Retry-After. A rejection answered before the body was read in full (bad
 * credentials, too slow, too large, busy) closes the connection, so the rest of the body is never read.
 */
export function inboundHandler(options: InboundHandlerOptions): (request: Request) => Promise<Response> {
  const logger = options.logger ?? console;
  const ingress = createIngress({ security: options.security, ...(options.limits ? { limits: options.limits } : {}) });
  const basicConfigured = (options.security.basic?.length ?? 0) > 0;
  if (options.security.insecure) {
    logger.warn(
      'mailroom: the inbound endpoint accepts unauthenticated posts (security.insecure); use it only for local development',
    );
  }

  return async (request) => {
    if (request.method !== 'POST') {
      return jsonResponse(
        405,
        { error: 'method_not_allowed', reason: `${request.method} is not allowed; SendGrid posts` },
        { allow: 'POST' },
      );
    }
    try {
      const onAuthenticated = options.onAuthenticated;
      const receiveOptions = onAuthenticated ? { onAuthenticated: () => onAuthenticated(request) } : {};
      const answer = options.acceptUnparsed
        ? await options.onEmail(await ingress.accept(request, receiveOptions))
        : await options.onEmail(await ingress.receive(request, receiveOptions));
      return answer ?? jsonResponse(200, { ok: true });
    } catch (error) {
      if (error instanceof IngressError) return rejectionResponse(error, basicConfigured ? BASIC_CHALLENGE : undefined);
      logger.error('mailroom: inbound post failed with a server fault; answering 500 so SendGrid retries', error);
      return jsonResponse(500, { error: 'internal' });
    }
  };
}
