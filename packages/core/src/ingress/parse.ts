import type { InboundEmail } from '../message/index.js';
import { collectBody, type BodySource } from './body.js';
import { IngressError } from './errors.js';
import { FormData } from './form.js';
import { resolveLimits, type IngressLimits, type ResolvedLimits } from './limits.js';
import { emailFromData, type EmailData } from './email-data.js';
import { formDataBoundary, splitFormData } from './multipart.js';
import { parseOffThread } from './parse-pool.js';
import { buildParsedEmail } from './parsed-mode.js';
import { buildRawEmail } from './raw-mode.js';

/**
 * Parses a SendGrid Inbound Parse body without any verification: for re-parsing stored
 * bytes (replay) and for inspecting a bare body. Throws IngressError for bad input.
 *
 * @example
 * ```ts
 * const email = await parseInboundBody(storedBytes, storedContentType);
 * console.log(email.subject, email.envelope.to);
 * ```
 */
export async function parseInboundBody(
  body: BodySource,
  contentType: string,
  options?: { limits?: IngressLimits },
): Promise<InboundEmail> {
  const limits = resolveLimits(options?.limits);
  const boundary = formDataBoundary(contentType);
  const collected = await collectBody(body, { maxBytes: limits.maxBodyBytes });
  return (await parseFormBody(collected.body, boundary, limits)).email;
}

/**
 * Parses a whole body into an email: on this thread up to `limits.parseOffThreadAboveBytes`, on a parse thread
 * above it (within `limits.parseTimeoutMs`), so no message holds the event loop for longer than a small one does.
 * A parse thread also hashes the body (`bodySha256`), which would otherwise be one long pass on this thread.
 */
export async function parseFormBody(
  body: Buffer,
  boundary: string,
  limits: ResolvedLimits,
): Promise<{ email: InboundEmail; bodySha256?: string }> {
  if (body.length === 0) throw new IngressError(400, 'empty_body', 'empty request body');
  if (limits.parseOffThreadAboveBytes > 0 && body.length > limits.parseOffThreadAboveBytes) {
    const { data, bodySha256 } = await parseOffThread(body, boundary, limits);
    return { email: emailFromData(data), bodySha256 };
  }
  return { email: emailFromData(await parseFormData(body, boundary, limits)) };
}

/** Splits the form and picks the mode: `email` → raw; `headers`/`from`/`text` → parsed; neither → 400. */
export async function parseFormData(body: Buffer, boundary: string, limits: ResolvedLimits): Promise<EmailData> {
  if (body.length === 0) throw new IngressError(400, 'empty_body', 'empty request body');
  const form = new FormData(splitFormData(body, boundary, limits));
  if (form.has('email')) return buildRawEmail(form, limits);
  if (form.has('headers') || form.has('from') || form.has('text')) return buildParsedEmail(form, limits);
  throw new IngressError(
    400,
    'unknown_mode',
    'not an Inbound Parse post: no "email" field (raw mode) and no "headers", "from" or "text" field (parsed mode)',
  );
}
