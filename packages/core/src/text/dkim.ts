import { dkimVerify } from 'mailauth';
import type { DkimResult } from '../message/index.js';

/** DNS TXT lookup as mailauth expects it (`dns.promises.resolve` shape). */
export type TxtResolver = (name: string, rrtype: string) => Promise<string[][] | string[]>;

export interface VerifyDkimOptions {
  /** Injectable resolver (tests serve canned TXT records); default: the system resolver. */
  resolver?: TxtResolver;
  /** Verification time, for signatures with `x=` expiry (default now). */
  now?: Date;
}

export interface DkimVerification extends DkimResult {
  selector: string | null;
  /** mailauth's explanation (`bad signature`, `body hash did not verify`, …) or null. */
  comment: string | null;
}

/**
 * Verifies every DKIM signature of a raw message (raw mode only: the exact bytes are needed).
 * The result has the shape of `email.auth.dkim`, so it can feed `authVerdict`.
 */
export async function verifyDkim(rawMessage: Buffer, options: VerifyDkimOptions = {}): Promise<DkimVerification[]> {
  const result = await dkimVerify(rawMessage, {
    ...(options.resolver ? { resolver: options.resolver } : {}),
    ...(options.now ? { curTime: options.now } : {}),
  });
  return result.results
    .filter((r) => r.signingDomain)
    .map((r) => ({
      domain: r.signingDomain,
      result: r.status.result,
      selector: r.selector ?? null,
      comment: r.status.comment ?? null,
    }));
}
