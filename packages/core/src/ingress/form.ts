import { decodeCharset } from './charsets.js';
import { parseDkim, parseEnvelope, parseJsonLenient, parseSenderIp, parseSpam, parseSpf } from './form-fields.js';
import type { FormPart } from './multipart.js';
import {
  providerDataOf,
  type AuthResults,
  type Envelope,
  type ProviderData,
  type ProviderName,
  type SpamCheck,
} from '../message/index.js';
import { IngressError } from './errors.js';

const ATTACHMENT_PART = /^attachment(\d+)$/;

/** The stored form's field naming the ingress (absent from SendGrid's posts). */
export const PROVIDER_FIELD = 'mailroom-provider';
/** The stored form's field holding the raw-MIME ingress's `ProviderData`, as JSON. */
export const PROVIDER_DATA_FIELD = 'mailroom-provider-data';
/** Longer than any data `storedFormOf` writes (a dozen fields of 1,000 characters, escaped): not read. */
const MAX_PROVIDER_DATA_BYTES = 64 * 1024;
const PROVIDERS = [
  'sendgrid',
  'relay',
  'smtp',
  'postmark',
  'mailgun',
  'ses',
] as const satisfies readonly ProviderName[];

/** The form parts of one post, looked up by name (first occurrence wins for fields). */
export class FormData {
  readonly #fields = new Map<string, FormPart>();
  readonly #repeated = new Set<string>();
  /** `attachmentN` parts in numeric order (attachment10 after attachment9). */
  readonly attachmentParts: Array<FormPart & { index: number }>;

  constructor(parts: FormPart[]) {
    const attachments: Array<FormPart & { index: number }> = [];
    for (const part of parts) {
      const attachment = ATTACHMENT_PART.exec(part.name);
      if (attachment) attachments.push({ ...part, index: Number(attachment[1]) });
      else if (!this.#fields.has(part.name)) this.#fields.set(part.name, part);
      else this.#repeated.add(part.name);
    }
    this.attachmentParts = attachments.sort((a, b) => a.index - b.index);
  }

  has(name: string): boolean {
    return this.#fields.has(name);
  }

  bytes(name: string): Buffer | undefined {
    return this.#fields.get(name)?.data;
  }

  /** A field as UTF-8 text (metadata fields: envelope, dkim, SPF, …). */
  text(name: string): string | undefined {
    const bytes = this.bytes(name);
    return bytes === undefined ? undefined : decodeCharset(bytes, 'utf-8');
  }

  /** A verdict field SendGrid sends once; sent more often, it is ambiguous and read as absent. */
  #single(name: string): string | undefined {
    return this.#repeated.has(name) ? undefined : this.text(name);
  }

  /**
   * Which ingress stored this post: the `mailroom-provider` field that Mailroom's raw-MIME ingresses add to the
   * stored form (`storedFormOf`); SendGrid's own posts have none.
   */
  provider(): ProviderName {
    const name = this.text(PROVIDER_FIELD);
    if (name === undefined) return 'sendgrid';
    if (!(PROVIDERS as readonly string[]).includes(name)) {
      throw new IngressError(400, 'unknown_provider', `unknown ${PROVIDER_FIELD} ${JSON.stringify(name.slice(0, 40))}`);
    }
    return name as ProviderName;
  }

  /** SendGrid's metadata, the same in both modes, and the data of `provider` (raw mode: `provider()`). */
  metadata(provider: ProviderName = 'sendgrid'): {
    envelope: Envelope;
    auth: AuthResults;
    spam: SpamCheck | null;
    senderIp: string | null;
    providerData: ProviderData;
  } {
    return {
      envelope: parseEnvelope(this.text('envelope')),
      auth: { spf: parseSpf(this.#spf()), dkim: parseDkim(this.#single('dkim')) },
      spam: parseSpam(this.text('spam_score'), this.text('spam_report')),
      senderIp: parseSenderIp(this.text('sender_ip')),
      providerData: this.#providerData(provider),
    };
  }

  #spf(): string | undefined {
    return this.#single('SPF') ?? this.#single('spf');
  }

  /**
   * SendGrid's: its own fields, as posted. A raw-MIME ingress's: the `mailroom-provider-data` JSON `storedFormOf`
   * wrote, checked again (sent twice, too long, not JSON, another provider's or mistyped: no data, the mail kept).
   */
  #providerData(provider: ProviderName): ProviderData {
    if (provider === 'sendgrid') return this.#sendgridData();
    const bytes = this.#repeated.has(PROVIDER_DATA_FIELD) ? undefined : this.bytes(PROVIDER_DATA_FIELD);
    const json = bytes && bytes.length <= MAX_PROVIDER_DATA_BYTES ? this.text(PROVIDER_DATA_FIELD) : undefined;
    return providerDataOf(provider, parseJsonLenient(json));
  }

  #sendgridData(): ProviderData {
    const score = this.text('spam_score')?.trim();
    const number = score ? Number(score) : Number.NaN;
    return providerDataOf('sendgrid', {
      name: 'sendgrid',
      spamScore: Number.isFinite(number) ? number : null,
      spamReport: this.text('spam_report') ?? null,
      spf: this.#spf() ?? null,
      dkim: this.#single('dkim') ?? null,
      senderIp: this.text('sender_ip') ?? null,
      charsets: this.text('charsets') ?? null,
    });
  }
}
