import { FormData } from './form.js';
import { resolveLimits, type IngressLimits } from './limits.js';
import { formDataBoundary, splitFormData, type FormPart } from './multipart.js';

/**
 * The `email` field of an Inbound Parse post: the exact MIME bytes of a raw-mode message (what DKIM signed),
 * split out the way the ingress splits them; null for a parsed-mode post. Throws IngressError for a bad body.
 */
export function rawMessageOf(body: Buffer, contentType: string, options?: { limits?: IngressLimits }): Buffer | null {
  const form = new FormData(splitFormData(body, formDataBoundary(contentType), resolveLimits(options?.limits)));
  return form.bytes('email') ?? null;
}

/**
 * Every named part of an Inbound Parse post, in order, split the way the ingress splits them (the console's raw
 * source view reads them: text fields in their `charsets` charset, files summarised). Throws IngressError for a bad body.
 */
export function formPartsOf(body: Buffer, contentType: string, options?: { limits?: IngressLimits }): FormPart[] {
  return splitFormData(body, formDataBoundary(contentType), resolveLimits(options?.limits));
}
