import type { Envelope, Header } from './inbound-email.js';

/**
 * A raw-mode email stored before it is parsed (`parseRaw: 'in-worker'`): what its headers and SendGrid's envelope
 * say, enough to identify it for dedupe and to list it. The worker parses the stored bytes into the
 * `InboundEmail` its handler gets; a message that cannot be parsed then ends `failed`, its bytes kept.
 */
export interface UnparsedEmail {
  readonly mode: 'raw';
  readonly envelope: Envelope;
  readonly messageId: string | null;
  readonly fromAddress: string | null;
  readonly subject: string;
  readonly date: Date | null;
  /** The top-level header block, decoded (it tells apart messages without a Message-ID). */
  readonly headers: readonly Header[];
  /** Hex SHA-256 of the raw message (the `email` field): its content, whatever the multipart around it. */
  readonly messageSha256: string;
}
