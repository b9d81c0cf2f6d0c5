export interface IngressLimits {
  /** Whole request body in bytes; default 40 MiB → 413. */
  maxBodyBytes?: number;
  /** Attachments per email; default 100 → 413. */
  maxAttachments?: number;
  /** The email's header block in bytes; default 1 MiB → 413. */
  maxHeaderBytes?: number;
  /** MIME nesting depth in raw mode (multipart and embedded-message levels); default 50 → 400. */
  maxMimeDepth?: number;
  /** Form parts other than attachments; default 200 → 413. */
  maxFields?: number;
  /**
   * Raw mode: an attachment whose decoded size passes this many bytes is written to a temporary file (random
   * name, deleted when the email is released and at exit) instead of kept in memory. Default 0: never.
   * Applies to attachments the parser decodes: a large base64 attachment (≥ 64 KiB encoded, outside an attached
   * message) is not decoded while parsing; it stays a view into the posted bytes, decoded when read.
   */
  spillAttachmentsAboveBytes?: number;
  /** The whole body must have arrived this many ms after its headers were checked; default 60 s → 408. 0: off. */
  bodyTimeoutMs?: number;
  /**
   * Once `bodyRateGraceMs` passed, a body must have arrived at this average rate (bytes/s since its headers were
   * checked), so a trickle cannot hold a connection for the whole timeout; default 16 KiB/s → 408. 0: off.
   */
  minBodyBytesPerSecond?: number;
  /** How long a body may arrive slower than `minBodyBytesPerSecond` at first; default 5 s. */
  bodyRateGraceMs?: number;
  /**
   * Body bytes being received at once, over all posts of this ingress; a post that would pass it is answered
   * 503 with Retry-After (SendGrid retries 5xx). Default 4 × maxBodyBytes, at least 64 MiB (so a small
   * maxBodyBytes does not turn a handful of concurrent posts into 503s); never below maxBodyBytes. 0: off.
   */
  maxInFlightBytes?: number;
  /**
   * A body larger than this many bytes is parsed on a worker thread (a pool shared by the process), so a large or
   * hostile message costs a thread, not the event loop; default 256 KiB. 0: always on the event loop.
   */
  parseOffThreadAboveBytes?: number;
  /**
   * How long a parse on a worker thread may take before the thread is stopped and the post refused with 422
   * `parse_timeout` (not retried); default 30 s. 0: no limit.
   */
  parseTimeoutMs?: number;
}

export type ResolvedLimits = Required<IngressLimits>;

export const DEFAULT_LIMITS: Readonly<ResolvedLimits> = Object.freeze({
  maxBodyBytes: 40 * 1024 * 1024,
  maxAttachments: 100,
  maxHeaderBytes: 1024 * 1024,
  maxMimeDepth: 50,
  maxFields: 200,
  spillAttachmentsAboveBytes: 0,
  bodyTimeoutMs: 60_000,
  minBodyBytesPerSecond: 16 * 1024,
  bodyRateGraceMs: 5_000,
  maxInFlightBytes: 4 * 40 * 1024 * 1024,
  parseOffThreadAboveBytes: 256 * 1024,
  parseTimeoutMs: 30_000,
});

export function resolveLimits(limits: IngressLimits | undefined): ResolvedLimits {
  const resolved = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as Array<keyof ResolvedLimits>) {
    const value = limits?.[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`limits.${key} must be a non-negative number, got ${value}`);
    resolved[key] = Math.floor(value);
  }
  if (limits?.maxInFlightBytes === undefined) resolved.maxInFlightBytes = defaultInFlightBytes(resolved.maxBodyBytes);
  else if (resolved.maxInFlightBytes > 0 && resolved.maxInFlightBytes < resolved.maxBodyBytes) {
    // A post of the largest allowed size could never be received: SendGrid would retry it for 3 days, then drop it.
    throw new RangeError(
      `limits.maxInFlightBytes (${resolved.maxInFlightBytes}) must be at least limits.maxBodyBytes (${resolved.maxBodyBytes}), or 0`,
    );
  }
  return resolved;
}

/** 4 × maxBodyBytes (160 MiB by default), and never under 64 MiB. */
function defaultInFlightBytes(maxBodyBytes: number): number {
  return Math.max(4 * maxBodyBytes, 64 * 1024 * 1024);
}
