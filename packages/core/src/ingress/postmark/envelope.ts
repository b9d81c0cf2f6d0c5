import type { Envelope } from '../../message/index.js';
import { IngressError } from '../errors.js';
import { envelopeAddress, envelopeAddresses } from '../webhook/index.js';

/**
 * The envelope of a Postmark post: `to` is `[OriginalRecipient]` when Postmark gives it (the address the message was
 * delivered to), else the `ToFull`, `CcFull` and `BccFull` addresses; `from` is the message's Return-Path (Postmark's
 * `From` is the header, not the SMTP sender), else null.
 */
export function postmarkEnvelope(payload: Record<string, unknown>, message: Buffer): Envelope {
  const original = envelopeAddress(payload.OriginalRecipient, 'OriginalRecipient');
  const to = original
    ? [original]
    : envelopeAddresses(
        ['ToFull', 'CcFull', 'BccFull'].flatMap((field) => emailsOf(payload[field], field)),
        'ToFull/CcFull/BccFull',
      );
  return { from: returnPathOf(message), to };
}

function emailsOf(list: unknown, field: string): unknown[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new IngressError(400, 'invalid_envelope', `${field} is not a list`);
  return list.map((entry: unknown) => (entry as { Email?: unknown } | null)?.Email);
}

/** The header block read for Return-Path: the receiving MTA writes it first, so 64 KiB is plenty. */
const HEADER_WINDOW = 64 * 1024;

/** The first top-level Return-Path's address, `<>` and anything unreadable as null. */
function returnPathOf(message: Buffer): string | null {
  const head = message.toString('latin1', 0, Math.min(message.length, HEADER_WINDOW));
  for (const line of head.split(/\r?\n(?![ \t])/)) {
    if (line === '') break; // the end of the header block
    const match = /^return-path[ \t]*:(.*)$/is.exec(line);
    if (!match) continue;
    try {
      return envelopeAddress(match[1]!.replace(/\r?\n[ \t]/g, ' '), 'Return-Path');
    } catch {
      return null; // a Return-Path we cannot read says nothing about the sender
    }
  }
  return null;
}
