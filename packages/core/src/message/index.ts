/**
 * The inbound email model: what every handler sees.
 *
 * @example
 * ```ts
 * import type { InboundEmail } from '@mailroom/core';
 * function summary(email: InboundEmail) {
 *   return `${email.from?.address} → ${email.envelope.to.join(', ')}: ${email.subject}`;
 * }
 * ```
 */
export { InboundEmail } from './inbound-email.js';
export type {
  InboundEmailInit,
  InboundEmailJSON,
  InboundMode,
  ProviderName,
  Header,
  Envelope,
  DkimResult,
  AuthResults,
  SpamCheck,
} from './inbound-email.js';
export type { UnparsedEmail } from './unparsed.js';
export { providerDataOf, emptyProviderData } from './provider-data.js';
export type {
  ProviderData,
  SendgridData,
  PostmarkData,
  MailgunData,
  SesData,
  SesVerdict,
  RelayData,
  SmtpData,
} from './provider-data.js';
export { Attachment } from './attachment.js';
export type { AttachmentInit, AttachmentJSON, AttachmentSource } from './attachment.js';
export { parseAddressList, parseAddress, normalizeAddress, domainOf, MAX_ADDRESS_CHARS } from './address.js';
export type { EmailAddress } from './address.js';
export { UnprocessableEmailError, isPermanentFailure } from './errors.js';
