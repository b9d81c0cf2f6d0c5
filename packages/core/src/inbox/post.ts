import type { InboundEmail, UnparsedEmail } from '../message/index.js';

/**
 * What the inbox needs from a received post. The ingress' `ReceivedPost` and `UnparsedPost` satisfy it
 * structurally; the inbox only depends on this shape so it never imports the HTTP-facing layer above it.
 */
export type StorablePost = StoredBytes & (ParsedPost | UnparsedPost);

interface StoredBytes {
  /** The exact request body SendGrid sent (multipart bytes): the source of truth that replays re-parse. */
  readonly body: Uint8Array;
  /** The request's Content-Type, boundary included: needed to parse `body` again. */
  readonly contentType: string;
  /** Hex SHA-256 of `body` when the caller has it (the ingress' ReceivedPost computes it on first read). */
  readonly sha256?: string;
}

interface ParsedPost {
  /** The email the ingress parsed from `body`. */
  readonly email: InboundEmail;
}

interface UnparsedPost {
  /** Not parsed yet: the worker parses `body`. */
  readonly email: null;
  /** What the post's envelope and headers say, for the row and its dedupe key. */
  readonly unparsed: UnparsedEmail;
}

/** Turns stored bytes back into an email (the ingress' `parseInboundBody`). */
export type StoredPostParser = (body: Buffer, contentType: string) => Promise<InboundEmail>;
