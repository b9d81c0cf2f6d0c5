/** HTTP statuses an ingress rejection maps to; every one is the sender's fault (4xx), never a retry request. */
export type IngressErrorStatus = 400 | 401 | 403 | 411 | 413 | 415;

/**
 * A post the ingress refuses. `status` is the HTTP status to answer with, `code` a stable
 * machine-readable reason, `message` the human reason. `challenge` (401 only) is the
 * `WWW-Authenticate` value the HTTP layer should send.
 */
export class IngressError extends Error {
  readonly status: IngressErrorStatus;
  readonly code: string;
  readonly challenge: string | undefined;

  constructor(status: IngressErrorStatus, code: string, message: string, options?: { challenge?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IngressError';
    this.status = status;
    this.code = code;
    this.challenge = options?.challenge;
  }
}

/** Thrown by createIngress / verifySendGridSignature for options that can never work (bad key, no mechanism). */
export class IngressConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IngressConfigurationError';
  }
}
