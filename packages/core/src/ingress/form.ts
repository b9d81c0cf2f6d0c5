import { decodeCharset } from './charsets.js';
import { parseDkim, parseEnvelope, parseSenderIp, parseSpam, parseSpf } from './form-fields.js';
import type { FormPart } from './multipart.js';
import type { AuthResults, Envelope, ProviderName, SpamCheck } from '../message/index.js';
import { IngressError } from './errors.js';

const ATTACHMENT_PART = /^attachment(\d+)$/;

/** The stored form's field naming the ingress (absent from SendGrid's posts). */
export const PROVIDER_FIELD = 'mailroom-provider';
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

  /** SendGrid's metadata, the same in both modes. */
  metadata(): { envelope: Envelope; auth: AuthResults; spam: SpamCheck | null; senderIp: string | null } {
    return {
      envelope: parseEnvelope(this.text('envelope')),
      auth: { spf: parseSpf(this.#single('SPF') ?? this.#single('spf')), dkim: parseDkim(this.#single('dkim')) },
      spam: parseSpam(this.text('spam_score'), this.text('spam_report')),
      senderIp: parseSenderIp(this.text('sender_ip')),
    };
  }
}
