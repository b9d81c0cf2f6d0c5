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
}

export type ResolvedLimits = Required<IngressLimits>;

export const DEFAULT_LIMITS: Readonly<ResolvedLimits> = Object.freeze({
  maxBodyBytes: 40 * 1024 * 1024,
  maxAttachments: 100,
  maxHeaderBytes: 1024 * 1024,
  maxMimeDepth: 50,
  maxFields: 200,
  spillAttachmentsAboveBytes: 0,
});

export function resolveLimits(limits: IngressLimits | undefined): ResolvedLimits {
  const resolved = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as Array<keyof ResolvedLimits>) {
    const value = limits?.[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`limits.${key} must be a non-negative number, got ${value}`);
    resolved[key] = Math.floor(value);
  }
  return resolved;
}
