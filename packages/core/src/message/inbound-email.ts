import type { Attachment, AttachmentJSON } from './attachment.js';
import type { EmailAddress } from './address.js';
import { providerDataOf, type ProviderData } from './provider-data.js';
// text/ sees message/ only as types, so this runtime import makes no cycle: the two are one layer.
import {
  authVerdict,
  classifyMessage,
  extractReply,
  parseDeliveryReport,
  parseFeedbackReport,
  type AuthVerdict,
  type Classification,
  type DkimCheck,
  type ClassifyOptions,
  type DeliveryReport,
  type ExtractedReply,
  type FeedbackReport,
  type ReplyOptions,
} from '../text/index.js';

/** How SendGrid posted the email: decoded fields ("parsed") or the full MIME message ("raw"). */
export type InboundMode = 'parsed' | 'raw';

/**
 * Which ingress received the email: SendGrid's Inbound Parse (the default), or a raw-MIME ingress (`relay`: an MTA
 * or a worker posting the message; `smtp`: Mailroom's own SMTP receiver; the providers' raw-MIME webhooks).
 */
export type ProviderName = 'sendgrid' | 'relay' | 'smtp' | 'postmark' | 'mailgun' | 'ses';

export interface Header {
  name: string;
  value: string;
}

/** SMTP envelope: who SendGrid accepted the message from and for (Bcc recipients included). */
export interface Envelope {
  from: string | null;
  to: string[];
}

export interface DkimResult {
  domain: string;
  result: string;
}

export interface AuthResults {
  /** SendGrid's SPF result for the envelope sender (`pass`, `softfail`, …) or null. */
  spf: string | null;
  /** Every DKIM result SendGrid reported; `none` gives []. */
  dkim: DkimResult[];
}

export interface SpamCheck {
  score: number | null;
  report: string | null;
}

/**
 * An email's fields, declared once for its three forms: the class, its constructor's input and its JSON form.
 * `When` is how the date is held (a Date; ISO text in JSON) and `Files` the attachments.
 */
interface EmailFields<When, Files> {
  provider: ProviderName;
  mode: InboundMode;
  messageId: string | null;
  date: When;
  subject: string;
  from: EmailAddress | null;
  to: EmailAddress[];
  cc: EmailAddress[];
  replyTo: EmailAddress[];
  envelope: Envelope;
  inReplyTo: string | null;
  references: string[];
  text: string | null;
  html: string | null;
  headers: Header[];
  attachments: Files;
  auth: AuthResults;
  spam: SpamCheck | null;
  senderIp: string | null;
  /** What the provider reported beside the message, as reported (`providerData.name` is always `provider`). */
  providerData: ProviderData;
}

type ObjectFields = EmailFields<Date | null, Attachment[]>;

/** Everything needed to construct an InboundEmail; produced by the ingress. */
export interface InboundEmailInit extends Omit<ObjectFields, 'provider' | 'providerData'> {
  /** Default `sendgrid`. */
  provider?: ProviderName;
  /** Checked against `provider` (another provider's, or malformed: no data); default: no data. */
  providerData?: ProviderData;
  /** Mailroom's own DKIM verification of the raw bytes (see `InboundEmail.dkimCheck`); default null. */
  dkimCheck?: DkimCheck | null;
}

/** The JSON form of an InboundEmail: exactly these fields, used by the CLI, logs and the console. */
export type InboundEmailJSON = EmailFields<string | null, AttachmentJSON[]>;

/** A field as the class exposes it: read-only, and so are its array or object (one level down). */
type ReadonlyValue<V> = V extends readonly (infer E)[]
  ? readonly E[]
  : V extends Date
    ? V
    : V extends object
      ? Readonly<V>
      : V;

type ReadonlyFields = { readonly [K in keyof ObjectFields]: ReadonlyValue<ObjectFields[K]> };

// The class's fields are EmailFields, merged in through this interface and set by the constructor.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the constructor sets every field
export interface InboundEmail extends ReadonlyFields {
  /**
   * DKIM as Mailroom verified it on this email's raw bytes (`createMailroom({ senderAuth: { dkim: 'verify' } })`),
   * or null: parsed mode (no exact bytes to verify), or verification off. When set, `authVerdict()` reads it instead
   * of `auth.dkim`.
   */
  readonly dkimCheck: Readonly<DkimCheck> | null;
}

/**
 * One email received through the Inbound Parse Webhook: the one object handlers see.
 * Immutable; text bodies use LF line endings; Message-IDs carry no angle brackets.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class InboundEmail {
  /** The fields as set (NUL removed), for toJSON. */
  readonly #fields: ObjectFields;
  readonly #init: InboundEmailInit;

  constructor(init: InboundEmailInit) {
    this.#init = init;
    // NUL never means anything in mail text, and PostgreSQL text columns reject it: a sender must not be able
    // to make their own email unstorable (a 5xx SendGrid would retry for three days) with one encoded-word.
    const clean = withoutNul;
    const cleanAddress = (a: EmailAddress): EmailAddress => ({ address: clean(a.address), name: clean(a.name) });
    const provider = init.provider ?? 'sendgrid';
    this.#fields = {
      provider,
      mode: init.mode,
      messageId: init.messageId === null ? null : clean(init.messageId),
      date: init.date,
      subject: clean(init.subject),
      from: init.from ? cleanAddress(init.from) : null,
      to: init.to.map(cleanAddress),
      cc: init.cc.map(cleanAddress),
      replyTo: init.replyTo.map(cleanAddress),
      envelope: {
        from: init.envelope.from === null ? null : clean(init.envelope.from),
        to: init.envelope.to.map(clean),
      },
      inReplyTo: init.inReplyTo === null ? null : clean(init.inReplyTo),
      references: init.references.map(clean),
      text: init.text === null ? null : clean(init.text),
      html: init.html === null ? null : clean(init.html),
      headers: init.headers.map((h) => ({ name: clean(h.name), value: clean(h.value) })),
      attachments: init.attachments,
      auth: init.auth,
      spam: init.spam,
      senderIp: init.senderIp,
      providerData: providerDataOf(provider, init.providerData),
    };
    Object.assign(this, this.#fields, { dkimCheck: init.dkimCheck ?? null });
  }

  /** This email with Mailroom's own DKIM verification attached (the worker does this before routing). */
  withDkimCheck(check: DkimCheck): InboundEmail {
    return new InboundEmail({ ...this.#init, dkimCheck: check });
  }

  /** The first header with this name (case-insensitive), or undefined. */
  header(name: string): string | undefined {
    const wanted = name.toLowerCase();
    return this.headers.find((h) => h.name.toLowerCase() === wanted)?.value;
  }

  /** Every header with this name, in order. */
  headerValues(name: string): string[] {
    const wanted = name.toLowerCase();
    return this.headers.filter((h) => h.name.toLowerCase() === wanted).map((h) => h.value);
  }

  /** Attachments that are not inline parts of the HTML body. */
  get files(): Attachment[] {
    return this.attachments.filter((a) => !a.inline);
  }

  /** The attachment with this Content-ID (with or without angle brackets). */
  attachmentByContentId(contentId: string): Attachment | undefined {
    const id = contentId.replace(/^<|>$/g, '');
    return this.attachments.find((a) => a.contentId === id);
  }

  #defaultReply: ExtractedReply | undefined;

  /**
   * The new content of this reply without quoted history and signature (see `extractReply`).
   * The default-options result is computed once.
   */
  reply(options?: ReplyOptions): ExtractedReply {
    if (options && Object.keys(options).length > 0) return extractReply(this, options);
    this.#defaultReply ??= extractReply(this);
    return this.#defaultReply;
  }

  /**
   * What sent this message: a human, an auto-reply, an out-of-office notice, a complaint (feedback report), a
   * bounce, a list, bulk mail or a loop.
   */
  classify(options?: ClassifyOptions): Classification {
    return classifyMessage(
      {
        headers: this.headers,
        subject: this.subject,
        from: this.from,
        envelopeFrom: this.envelope.from,
        messageId: this.messageId,
        attachments: this.attachments,
        text: this.text,
      },
      options,
    );
  }

  /**
   * The parsed delivery status notification (RFC 3464 report parts, or qmail/Exim/Postfix/Exchange
   * plain-text bounces), or null when this is not a DSN. Async because report parts are attachments.
   */
  async deliveryReport(): Promise<DeliveryReport | null> {
    const parts = await this.#reportParts(
      /^(?:message\/(?:global-)?delivery-status|text\/rfc822-headers|message\/rfc822|message\/global(?:-headers)?)\b/i,
    );
    return parseDeliveryReport({ headers: this.headers, text: this.text, parts });
  }

  /**
   * The parsed feedback report (RFC 5965 ARF: `Feedback-Type`, `Original-Rcpt-To`, `Source-IP`, the reported
   * message's Message-ID, …), or null when this is not one. Async because report parts are attachments.
   */
  async feedbackReport(): Promise<FeedbackReport | null> {
    const parts = await this.#reportParts(
      /^(?:message\/feedback-report|text\/rfc822-headers|message\/rfc822|message\/global(?:-headers)?)\b/i,
    );
    return parseFeedbackReport({ headers: this.headers, text: this.text, parts });
  }

  /** Report parts of these types, decoded, each cut at 512 KiB. */
  async #reportParts(types: RegExp): Promise<Array<{ contentType: string; content: string }>> {
    const wanted = this.attachments.filter((a) => types.test(a.contentType));
    return Promise.all(
      wanted.map(async (a) => ({
        contentType: a.contentType,
        content: (await a.content()).subarray(0, 512 * 1024).toString('utf8'),
      })),
    );
  }

  /**
   * Whether DKIM or SPF vouches for the From domain (relaxed alignment); see `authVerdict`. DKIM results are
   * `dkimCheck`'s (Mailroom's own verification) when set, else SendGrid's `auth.dkim`, which alone do not prove who
   * sent the message.
   */
  authVerdict(): AuthVerdict {
    return authVerdict(this);
  }

  toJSON(): InboundEmailJSON {
    // A deep copy (the caller may change it; structuredClone keeps the key order), with the date as ISO text and
    // each attachment as its JSON.
    return {
      ...structuredClone({ ...this.#fields, attachments: [] }),
      date: this.date ? this.date.toISOString() : null,
      attachments: this.attachments.map((a) => a.toJSON()),
    };
  }
}

function withoutNul(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
}
