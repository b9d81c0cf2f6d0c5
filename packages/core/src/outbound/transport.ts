import type { PreparedMessage } from './message.js';

/** Sends prepared messages. A batch shares its content and differs only in recipients and per-message fields. */
export interface Transport {
  /** `sendgrid`, `smtp`, `store-only`, … (recorded on the outbox row). */
  readonly name: string;
  /** How many messages one deliver() call may take (SendGrid 1,000 personalizations; SMTP 1). */
  readonly maxBatchSize: number;
  deliver(batch: readonly PreparedMessage[]): Promise<DeliveryResult>;
  close?(): Promise<void>;
}

export interface DeliveryResult {
  /** SendGrid's `X-Message-Id` (the prefix of `sg_message_id` in events), or the SMTP queue id. */
  providerMessageId: string | null;
}

export class TransportError extends Error {
  override name = 'TransportError';
  /** Worth trying again later (rate limit, server error, network). */
  readonly retryable: boolean;
  /** The provider asked us to wait this long. */
  readonly retryAfterMs: number | null;
  constructor(message: string, options: { retryable: boolean; retryAfterMs?: number | null; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

/** Records messages as sent without sending anything: the default in development and tests. */
export function outboxOnlyTransport(): Transport {
  return {
    name: 'store-only',
    maxBatchSize: 1000,
    async deliver() {
      return { providerMessageId: null };
    },
  };
}
