import { Resolver } from 'node:dns/promises';
import { Readable } from 'node:stream';
import { dkimVerify } from 'mailauth';
import type { DkimResult } from '../message/index.js';

/** DNS TXT lookup as mailauth expects it (`dns.promises.resolve` shape). */
export type TxtResolver = (name: string, rrtype: string) => Promise<string[][] | string[]>;

/** DNS time one message may spend on key lookups, all signatures together (default 5 s). */
export const DEFAULT_DKIM_TIMEOUT_MS = 5_000;
/** DKIM-Signature fields verified per message (default 5); the ones below them are not checked. */
export const DEFAULT_MAX_DKIM_SIGNATURES = 5;

export interface VerifyDkimOptions {
  /** Injectable resolver (tests serve canned TXT records); default: the system's DNS servers. */
  resolver?: TxtResolver;
  /** Verification time, for signatures with `x=` expiry (default now). */
  now?: Date;
  /**
   * DNS budget for the whole message (default 5 s): each lookup gets what is left of it, and one that does not
   * answer in time makes its signature `temperror`.
   */
  timeoutMs?: number;
  /**
   * Signatures verified (default 5): the topmost ones, i.e. the most recently added. Every signature costs a DNS
   * lookup and, with its own canonicalization or `l=`, a pass over the body, and the sender chooses how many there are.
   */
  maxSignatures?: number;
}

export interface DkimVerification extends DkimResult {
  selector: string | null;
  /** mailauth's explanation (`bad signature`, `body hash did not verify`, `no key`, …) or null. */
  comment: string | null;
}

/**
 * Verifies the DKIM signatures of a raw message (raw mode only: the exact bytes are needed). The message is fed to
 * mailauth in 64 KiB chunks with a turn of the event loop between them: given a Buffer, mailauth's own writes chain
 * through promise callbacks and never yield (a 30 MB body held the event loop for 2 s; see bench/dkim.mjs).
 * A signature whose `l=` leaves part of the body unsigned does not pass (`policy`): anything could be appended.
 * The result has the shape of `email.auth.dkim`, so it can feed `authVerdict`.
 */
export async function verifyDkim(rawMessage: Buffer, options: VerifyDkimOptions = {}): Promise<DkimVerification[]> {
  const maxSignatures = Math.max(0, options.maxSignatures ?? DEFAULT_MAX_DKIM_SIGNATURES);
  const result = await dkimVerify(yieldingStream(withoutSignaturesPast(rawMessage, maxSignatures)), {
    resolver: withDeadline(options.resolver ?? systemResolver(), options.timeoutMs ?? DEFAULT_DKIM_TIMEOUT_MS),
    ...(options.now ? { curTime: options.now } : {}),
  });
  return result.results
    .filter((r) => r.signingDomain)
    .map((r) => {
      const underSigned = r.status.result === 'pass' && Number(r.status.underSized) > 0;
      return {
        domain: r.signingDomain,
        result: underSigned ? 'policy' : r.status.result,
        selector: r.selector ?? null,
        comment: underSigned
          ? `l= leaves ${r.status.underSized} bytes of the body unsigned`
          : (r.status.comment ?? null),
      };
    });
}

/** Whether a verification is inconclusive: a key lookup failed or timed out (DNS trouble, worth retrying). */
export function isTemporaryDkimFailure(results: readonly DkimResult[]): boolean {
  return results.some((r) => r.result === 'temperror');
}

const CHUNK_BYTES = 64 * 1024;

/**
 * The bytes as a stream of CHUNK_BYTES chunks, each pushed from its own setImmediate (timers and I/O run between),
 * with bare LFs turned into CRLF on the way. DKIM canonicalizes CRLF lines; mailauth converts bare LFs itself, but
 * as one buffer and one await per line (2 MB of LF-only lines took 89 s and held the event loop for 3 s).
 */
function yieldingStream(bytes: Buffer): Readable {
  let offset = 0;
  let previous = 0;
  return new Readable({
    highWaterMark: CHUNK_BYTES,
    read() {
      setImmediate(() => {
        if (offset >= bytes.length) {
          this.push(null);
          return;
        }
        const chunk = bytes.subarray(offset, offset + CHUNK_BYTES);
        offset += chunk.length;
        this.push(withCrlf(chunk, previous));
        previous = chunk[chunk.length - 1]!;
      });
    },
  });
}

/** `chunk` with every LF not preceded by CR (`previous`: the byte before the chunk) preceded by one. */
function withCrlf(chunk: Buffer, previous: number): Buffer {
  let bare = 0;
  for (let lf = chunk.indexOf(0x0a); lf >= 0; lf = chunk.indexOf(0x0a, lf + 1))
    if ((lf ? chunk[lf - 1] : previous) !== 0x0d) bare++;
  if (bare === 0) return chunk;
  const out = Buffer.allocUnsafe(chunk.length + bare);
  let written = 0;
  let before = previous;
  for (let i = 0; i < chunk.length; i++) {
    const byte = chunk[i]!;
    if (byte === 0x0a && before !== 0x0d) out[written++] = 0x0d;
    out[written++] = byte;
    before = byte;
  }
  return out;
}

function systemResolver(): TxtResolver {
  // One try per lookup: the deadline below is what bounds the wait; retries would only stretch it.
  const resolver = new Resolver({ tries: 1 });
  return (name, rrtype) => resolver.resolve(name, rrtype) as Promise<string[][]>;
}

/**
 * Every lookup races what is left of one budget; past it, lookups fail at once with ETIMEOUT (mailauth reports
 * `temperror`). A resolver that never answers costs `timeoutMs` per message, not per signature.
 */
function withDeadline(resolver: TxtResolver, timeoutMs: number): TxtResolver {
  // From the first lookup on: the body is hashed before any key is looked up, and that is CPU time, not DNS.
  let deadline: number | undefined;
  return async (name, rrtype) => {
    deadline ??= performance.now() + timeoutMs;
    const left = deadline - performance.now();
    // Timers have millisecond granularity and may fire a fraction early: under 1 ms left is spent.
    if (left < 1) throw timeoutError(name, timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timeoutError(name, timeoutMs)), left);
    });
    try {
      return await Promise.race([resolver(name, rrtype), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}

function timeoutError(name: string, timeoutMs: number): Error {
  return Object.assign(new Error(`DNS lookup of ${name} did not answer within the ${timeoutMs} ms budget`), {
    code: 'ETIMEOUT',
  });
}

const SIGNATURE_FIELD = 'dkim-signature';

/**
 * The message with only its first `max` DKIM-Signature header fields (continuation lines included). One linear
 * pass over the header block; the body is untouched (a view, not a copy, when nothing is dropped).
 */
export function withoutSignaturesPast(message: Buffer, max: number): Buffer {
  const headerEnd = headerBlockEnd(message);
  const dropped: Array<[number, number]> = [];
  let seen = 0;
  for (let start = 0; start < headerEnd;) {
    const end = fieldEnd(message, start, headerEnd);
    if (isSignatureField(message, start, end) && ++seen > max) dropped.push([start, end]);
    start = end;
  }
  if (!dropped.length) return message;
  const pieces: Buffer[] = [];
  let from = 0;
  for (const [start, end] of dropped) {
    pieces.push(message.subarray(from, start));
    from = end;
  }
  pieces.push(message.subarray(from));
  return Buffer.concat(pieces);
}

/** Offset just past the blank line ending the header block (the whole message when there is none). */
function headerBlockEnd(message: Buffer): number {
  for (let lf = message.indexOf(0x0a); lf >= 0; lf = message.indexOf(0x0a, lf + 1)) {
    const next = message[lf + 1];
    if (next === 0x0a) return lf + 2;
    if (next === 0x0d && message[lf + 2] === 0x0a) return lf + 3;
  }
  return message.length;
}

/** End of the header field starting at `start`: past its last line, continuation lines (leading WSP) included. */
function fieldEnd(message: Buffer, start: number, limit: number): number {
  let position = start;
  for (;;) {
    const lf = message.indexOf(0x0a, position);
    if (lf < 0 || lf + 1 >= limit) return limit;
    const next = message[lf + 1];
    if (next !== 0x20 && next !== 0x09) return lf + 1;
    position = lf + 1;
  }
}

function isSignatureField(message: Buffer, start: number, end: number): boolean {
  if (end - start <= SIGNATURE_FIELD.length) return false;
  const name = message.toString('latin1', start, start + SIGNATURE_FIELD.length).toLowerCase();
  if (name !== SIGNATURE_FIELD) return false;
  // The name may be followed by blanks before the colon (obsolete syntax mailauth also accepts).
  for (let i = start + SIGNATURE_FIELD.length; i < end; i++) {
    const byte = message[i];
    if (byte === 0x3a) return true;
    if (byte !== 0x20 && byte !== 0x09) return false;
  }
  return false;
}

/**
 * DKIM as Mailroom verified it on a raw-mode email's own bytes (`createMailroom({ senderAuth: { dkim: 'verify' } })`).
 * When an email carries one, `authVerdict` reads its results instead of SendGrid's `dkim` field.
 */
export interface DkimCheck {
  /** `verified`: every signature checked; `temperror`: a key lookup failed (DNS) on the last attempt allowed. */
  status: 'verified' | 'temperror';
  /** One per signature checked ([] for an unsigned message). */
  results: DkimVerification[];
  /** When it was verified (ISO 8601). */
  checkedAt: string;
}
