import type { HttpLogger } from '../http/index.js';
import { describeError, isUnavailableError, type Logger } from '../inbox/index.js';

export interface ReceiveResult {
  id: string;
  /** True when this post was stored before: nothing new was written, the email is processed once. */
  duplicate: boolean;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });

/**
 * The answer once the ingress accepted a post (its 4xx rejections are the http layer's): 200 `{id, duplicate}`
 * after the ingest committed; 503 when the store is unreachable or too slow, so SendGrid retries (dedupe makes
 * the retry safe). Other faults propagate and the http layer answers 500.
 */
export async function answerStored(store: () => Promise<ReceiveResult>, logger: Logger): Promise<Response> {
  try {
    const { id, duplicate } = await store();
    return json(200, { id, duplicate });
  } catch (error) {
    if (!isUnavailableError(error)) throw error;
    logger.error('store_unavailable', { error: describeError(error) });
    return json(
      503,
      { error: 'store_unavailable', reason: 'the inbox store is unavailable; retry later' },
      { 'retry-after': '60' },
    );
  }
}

/** The http layer's console-style logger, writing structured events to ours. */
export function httpLoggerFor(logger: Logger): HttpLogger {
  const fields = (message: string, details: unknown[]) => ({
    message,
    ...(details.length ? { error: details.map(describeError).join('; ') } : {}),
  });
  return {
    warn: (message, ...details) => logger.warn('http_warning', fields(message, details)),
    error: (message, ...details) => logger.error('http_error', fields(message, details)),
  };
}
