/**
 * The store could not be reached or did not answer in time. The HTTP layer answers 503 so SendGrid retries;
 * dedupe makes the retry safe even if the first attempt did commit after all.
 */
export class StoreUnavailableError extends Error {
  override readonly name: string = 'StoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The database named when opening the store cannot be used: unreachable, missing, or refusing our credentials.
 * A configuration problem, not an outage: the message is one line with the driver's cause, and the CLI, the demo
 * and the apps print it and exit 2.
 */
export class DatabaseOpenError extends StoreUnavailableError {
  override readonly name = 'DatabaseOpenError';
}

// SQLSTATEs at connect time that mean "this URL names something we cannot use".
const OPEN_SQLSTATES = new Set(['3D000', '28P01', '28000', '42501', '3F000']);

/** Whether an error raised while opening the store is about the URL (unreachable, no database, bad credentials). */
export function isDatabaseOpenFailure(error: unknown): boolean {
  return (
    isUnavailableError(error) || causes(error).some((e) => OPEN_SQLSTATES.has(String((e as { code?: unknown }).code)))
  );
}

/** The driver's reason in a few words: `connection refused`, `database "x" does not exist`, … */
export function describeDatabaseError(error: unknown): string {
  const chain = causes(error);
  for (const e of chain.slice().reverse()) {
    const code = String((e as { code?: unknown }).code ?? '');
    const message = firstLine((e as { message?: unknown }).message);
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
    if (code === 'CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return 'no answer (connect timeout)';
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'host unreachable';
    if (OPEN_SQLSTATES.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return message;
  }
  return firstLine((chain.at(-1) as { message?: unknown } | undefined)?.message) || 'failed';
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = error; e && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

function firstLine(message: unknown): string {
  return typeof message === 'string' ? (message.split('\n')[0] ?? '').slice(0, 300) : '';
}

/** A blob key that is not one of our generated ids (keys never come from user input). */
export class InvalidBlobKeyError extends Error {
  override readonly name = 'InvalidBlobKeyError';
}

/** No stored email with this id, or its bytes were incinerated. */
export class InboundEmailNotFoundError extends Error {
  override readonly name = 'InboundEmailNotFoundError';
}

// postgres.js client-side codes for a lost or unreachable connection.
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
// SQLSTATEs meaning "the server is there but cannot serve now": connection exceptions (08…),
// shutdown / cannot connect now, too many connections, statement timeout, lock timeout.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014', '55P03']);

/** True when an error means the database is unreachable, closed or too slow, rather than a bad query. */
export function isUnavailableError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof StoreUnavailableError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (CONNECTION_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')) return true;
    }
    const message = (e as { message?: unknown }).message;
    if (
      typeof message === 'string' &&
      /PGlite is clos(?:ed|ing)|database is closed|write CONNECTION_CLOSED/i.test(message)
    )
      return true;
  }
  return false;
}

/** Rethrows database outages as StoreUnavailableError, anything else unchanged. */
export function asStoreError(error: unknown, what: string): unknown {
  if (error instanceof StoreUnavailableError) return error;
  if (isUnavailableError(error)) {
    const detail = error instanceof Error ? error.message : String(error);
    return new StoreUnavailableError(`${what}: database unavailable (${detail})`, { cause: error });
  }
  return error;
}

/** Runs `work`, failing with StoreUnavailableError after `ms` instead of hanging on a dead connection. */
export async function withDeadline<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StoreUnavailableError(`${what}: no answer from the database within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([work(), deadline]);
  } catch (error) {
    throw asStoreError(error, what);
  } finally {
    clearTimeout(timer);
  }
}
