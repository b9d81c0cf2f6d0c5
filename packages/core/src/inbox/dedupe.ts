import { createHash, type Hash } from 'node:crypto';
import type { InboundEmail, UnparsedEmail } from '../message/index.js';

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * A checksum of what the email says, independent of how it was posted: SendGrid retries resend the same
 * bytes, but the same message posted again (raw vs parsed, another boundary) differs byte-wise while its
 * sender, subject, bodies and attachments do not. A large body is hashed a slice per event-loop turn.
 */
export async function contentChecksum(email: InboundEmail): Promise<string> {
  // Each field length-prefixed into one hash: unambiguous, and no JSON escaping of the (large) bodies.
  const hash = createHash('sha256');
  const field = async (value: string | null) => {
    if (value === null) hash.update('-;');
    else await hashText(hash, value);
  };
  await field(email.from?.address.toLowerCase() ?? null);
  await field(email.subject);
  await field(email.text);
  await field(email.html);
  await field(email.attachments.map((a) => a.sha256).join(','));
  // Without a Message-ID the content alone would merge distinct messages (a UPS alerting "on battery"
  // twice a week): the Date and the other headers tell them apart, and a retry repeats them exactly.
  await field(
    email.messageId
      ? null
      : JSON.stringify([email.date?.toISOString() ?? null, email.headers.map((h) => [h.name.toLowerCase(), h.value])]),
  );
  return hash.digest('hex');
}

/** Characters hashed in one turn (≈ 1–2 ms): a 35 MB HTML body hashed at once held the event loop ≈ 100 ms. */
const SLICE_CHARS = 512 * 1024;
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** `<UTF-8 byte length>:<value>` into the hash, exactly as one update would, in slices that never split a surrogate pair. */
async function hashText(hash: Hash, value: string): Promise<void> {
  if (value.length <= SLICE_CHARS) {
    hash.update(`${Buffer.byteLength(value)}:`).update(value);
    return;
  }
  const slices: string[] = [];
  for (let start = 0; start < value.length;) {
    let end = Math.min(start + SLICE_CHARS, value.length);
    const last = value.charCodeAt(end - 1);
    if (end < value.length && last >= 0xd800 && last <= 0xdbff) end--; // keep a high surrogate with its pair
    slices.push(value.slice(start, end));
    start = end;
  }
  let bytes = 0;
  for (const slice of slices) {
    bytes += Buffer.byteLength(slice);
    await turn();
  }
  hash.update(`${bytes}:`);
  for (const slice of slices) {
    hash.update(slice);
    await turn();
  }
}

/** Longest Message-ID stored as is; PostgreSQL's btree index rows top out near 2.7 kB. */
const MAX_STORED_MESSAGE_ID = 512;

/** A deterministic Message-ID for mail without one, so its retries still dedupe. */
export function fallbackMessageId(checksum: string): string {
  return `${checksum.slice(0, 32)}@mailroom.invalid`;
}

export interface EmailIdentity {
  messageId: string;
  checksum: string;
  /** sha256 of (Message-ID, content checksum, sorted lower-cased envelope recipients): UNIQUE in the inbox. */
  dedupeKey: string;
}

/**
 * Which stored email a post is. Envelope recipients are part of the key: SendGrid may post one message
 * once per recipient domain/address, and each delivery must reach its own route.
 */
export async function identify(email: InboundEmail): Promise<EmailIdentity> {
  return identity(email, await contentChecksum(email));
}

/**
 * The identity of a raw-mode email stored before it is parsed: its content is the raw message's bytes (a
 * SendGrid retry resends them). The same message posted once parsed and once unparsed is two checksums.
 */
export function identifyUnparsed(email: UnparsedEmail): EmailIdentity {
  const hash = createHash('sha256').update(`unparsed;${email.messageSha256};`);
  hash.update(JSON.stringify([email.fromAddress?.toLowerCase() ?? null, email.subject]));
  if (!email.messageId) {
    hash.update(
      JSON.stringify([email.date?.toISOString() ?? null, email.headers.map((h) => [h.name.toLowerCase(), h.value])]),
    );
  }
  return identity(email, hash.digest('hex'));
}

function identity(email: Pick<InboundEmail, 'messageId' | 'envelope'>, checksum: string): EmailIdentity {
  let messageId = email.messageId?.trim().replace(/^<|>$/g, '') || fallbackMessageId(checksum);
  // An absurdly long Message-ID (hostile or broken) is stored by its hash; the full value stays in the bytes.
  if (messageId.length > MAX_STORED_MESSAGE_ID) messageId = `${sha256(messageId).slice(0, 40)}@long-message-id.invalid`;
  const recipients = [...new Set(email.envelope.to.map((address) => address.trim().toLowerCase()))].sort();
  return { messageId, checksum, dedupeKey: sha256(JSON.stringify([messageId, checksum, recipients])) };
}
