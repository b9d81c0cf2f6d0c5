import type { Envelope } from '../../message/index.js';
import { IngressError } from '../errors.js';

/** The SMTP sender (MAIL FROM); empty or `<>` for a bounce (the null sender). */
export const RELAY_ENVELOPE_FROM_HEADER = 'X-Mailroom-Envelope-From';
/** The SMTP recipients (RCPT TO), comma-separated; without it routing falls back to the message's headers. */
export const RELAY_ENVELOPE_TO_HEADER = 'X-Mailroom-Envelope-To';
/** More recipients than a relayed delivery may name (RFC 5321 asks servers to take at least 100). */
export const MAX_ENVELOPE_RECIPIENTS = 500;
/** The longest address taken: a 64-octet local part, "@" and a 255-octet domain. */
export const MAX_ADDRESS_LENGTH = 320;

const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The envelope from the two headers' values (null: absent). Recipients are split at commas outside a quoted local
 * part, `<…>` around an address is dropped, and every address is bounded and free of control characters (CR, LF,
 * tab…); anything else is a 400 `malformed_envelope`. Header bytes that are UTF-8 read as UTF-8 (RFC 6531 addresses).
 */
export function parseRelayEnvelope(from: string | null, to: string | null): Envelope {
  return {
    from: from === null ? null : envelopeSender(fromHeaderBytes(from)),
    to: to === null ? [] : envelopeRecipients(fromHeaderBytes(to)),
  };
}

/**
 * The two headers for an envelope, checked by the rules `parseRelayEnvelope` applies (throws an Error naming the
 * address at fault), non-ASCII as UTF-8 bytes (what a header value can carry).
 */
export function relayEnvelopeHeaders(envelope: Envelope): Record<string, string> {
  const headers: Record<string, string> = {};
  if (envelope.from !== null) {
    if (envelope.from !== '') checkAddress(envelope.from, 'sender', false);
    headers[RELAY_ENVELOPE_FROM_HEADER] = toHeaderBytes(envelope.from);
  }
  if (envelope.to.length) {
    for (const address of envelope.to) {
      checkAddress(address, 'recipient', true);
      if (splitAddressList(address).length > 1)
        throw malformed(`recipient ${JSON.stringify(address)} contains a comma`);
    }
    if (envelope.to.length > MAX_ENVELOPE_RECIPIENTS) throw tooManyRecipients(envelope.to.length);
    headers[RELAY_ENVELOPE_TO_HEADER] = toHeaderBytes(envelope.to.join(', '));
  }
  return headers;
}

function envelopeSender(value: string): string | null {
  checkNoControls(value, RELAY_ENVELOPE_FROM_HEADER);
  const address = unbracketed(value.trim());
  if (address === '') return null;
  checkAddress(address, 'sender', false);
  return address;
}

function envelopeRecipients(value: string): string[] {
  checkNoControls(value, RELAY_ENVELOPE_TO_HEADER);
  const addresses = splitAddressList(value)
    .map((part) => unbracketed(part.trim()))
    .filter((address) => address !== '');
  if (addresses.length > MAX_ENVELOPE_RECIPIENTS) throw tooManyRecipients(addresses.length);
  for (const address of addresses) checkAddress(address, 'recipient', true);
  return addresses;
}

/** Splits at commas outside double quotes (`"a,b"@example.com` is one address); a backslash escapes in quotes. */
export function splitAddressList(value: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let at = 0; at < value.length; at++) {
    const char = value[at];
    if (quoted && char === '\\') at++;
    else if (char === '"') quoted = !quoted;
    else if (char === ',' && !quoted) {
      parts.push(value.slice(start, at));
      start = at + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

/** Before anything is trimmed: a CR or LF anywhere in the value is refused, never stripped. */
function checkNoControls(value: string, header: string): void {
  if (CONTROL.test(value)) throw malformed(`${header} contains a control character (CR, LF, tab…)`);
}

function unbracketed(address: string): string {
  return address.startsWith('<') && address.endsWith('>') ? address.slice(1, -1).trim() : address;
}

function checkAddress(address: string, role: 'sender' | 'recipient', needsAt: boolean): void {
  const problem = addressProblem(address, needsAt);
  if (problem) throw malformed(`envelope ${role} ${JSON.stringify(address.slice(0, 80))} ${problem}`);
}

function addressProblem(address: string, needsAt: boolean): string | null {
  if (address.length > MAX_ADDRESS_LENGTH) return `is longer than ${MAX_ADDRESS_LENGTH} characters`;
  if (CONTROL.test(address)) return 'contains a control character (CR, LF, tab…)';
  // A quoted local part may hold spaces; anywhere else a space means two addresses run together.
  if (!address.startsWith('"') && address.includes(' ')) return 'contains a space (separate addresses with commas)';
  if (needsAt && !address.includes('@')) return 'is not an address (no "@")';
  return null;
}

function tooManyRecipients(count: number): IngressError {
  return malformed(`the envelope names ${count} recipients; at most ${MAX_ENVELOPE_RECIPIENTS} per delivery`);
}

function malformed(reason: string): IngressError {
  return new IngressError(400, 'malformed_envelope', reason);
}

/** Node reads header bytes as latin1: bytes that form UTF-8 are read as UTF-8; anything else is kept as it came. */
function fromHeaderBytes(value: string): string {
  if (!/[\u0080-\u00ff]/.test(value) || /[^\u0000-\u00ff]/.test(value)) return value;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

function toHeaderBytes(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1');
}
