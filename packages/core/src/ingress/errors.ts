/**
 * HTTP statuses an ingress rejection maps to. The 4xx are the sender's fault, never a retry request; 503 alone
 * (`receiver_busy`: too many body bytes in flight) asks for a retry, which SendGrid makes for 5xx.
 */
export type IngressErrorStatus = 400 | 401 | 403 | 408 | 411 | 413 | 415 | 422 | 503;

/**
 * A post the ingress refuses. `status` is the HTTP status to answer with, `code` a stable
 * machine-readable reason, `message` the human reason. `challenge` (401 only) is the
 * `WWW-Authenticate` value the HTTP layer should send; `retryAfterSeconds` (503) its `Retry-After`.
 * `bodyUnread` says the rest of the body was never read: the HTTP layer closes the connection after answering.
 */
export class IngressError extends Error {
  readonly status: IngressErrorStatus;
  readonly code: string;
  readonly challenge: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  bodyUnread: boolean;

  constructor(
    status: IngressErrorStatus,
    code: string,
    message: string,
    options?: { challenge?: string; cause?: unknown; retryAfterSeconds?: number; bodyUnread?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IngressError';
    this.status = status;
    this.code = code;
    this.challenge = options?.challenge;
    this.retryAfterSeconds = options?.retryAfterSeconds;
    this.bodyUnread = options?.bodyUnread ?? false;
  }
}

/** Thrown by createIngress / verifySendGridSignature for options that can never work (bad key, no mechanism). */
export class IngressConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IngressConfigurationError';
  }
}
