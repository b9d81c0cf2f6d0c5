import { IngressError } from '../ingress/index.js';
import { describeError, isUnavailableError, type Logger } from '../inbox/index.js';

export interface ReceiveResult {
  id: string;
  /** True when this post was stored before: nothing new was written, the email is processed once. */
  duplicate: boolean;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });

/**
 * The HTTP contract of an Inbound Parse endpoint. SendGrid retries any non-2xx for three days, so:
 * 200 `{id, duplicate}` only after the ingest committed; 4xx with a reason for posts that can never
 * succeed (IngressError); 503 when the store is unreachable or too slow (retry is the cure); 500 for
 * any other fault of ours. Only POST is accepted (405 otherwise).
 */
export async function respondToPost(
  request: Request,
  receive: (request: Request) => Promise<ReceiveResult>,
  logger: Logger,
): Promise<Response> {
  if (request.method !== 'POST') return json(405, { error: 'method_not_allowed', message: 'POST an Inbound Parse post here' }, { allow: 'POST' });
  try {
    const { id, duplicate } = await receive(request);
    return json(200, { id, duplicate });
  } catch (error) {
    if (error instanceof IngressError) {
      logger.warn('rejected', { status: error.status, code: error.code, reason: error.message });
      const headers: Record<string, string> = error.challenge ? { 'www-authenticate': error.challenge } : {};
      return json(error.status, { error: error.code, message: error.message }, headers);
    }
    if (isUnavailableError(error)) {
      logger.error('store_unavailable', { error: describeError(error) });
      return json(503, { error: 'store_unavailable', message: 'the inbox store is unavailable; retry later' }, { 'retry-after': '60' });
    }
    logger.error('receive_failed', { error: describeError(error) });
    return json(500, { error: 'internal_error', message: 'the post could not be stored; retry later' });
  }
}
