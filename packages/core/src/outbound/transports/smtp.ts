import nodemailer, { type SentMessageInfo, type Transporter } from 'nodemailer';
import type { EmailAddress } from '../../message/index.js';
import { sanitizeHeaderText, type PreparedMessage } from '../message.js';
import { TransportError, type Transport } from '../transport.js';

/** nodemailer's SMTP options, from its root exports: createTransport's SMTP overload (the last) returns a Transporter over them. */
type NodemailerSmtpOptions =
  ReturnType<typeof nodemailer.createTransport> extends Transporter<SentMessageInfo, infer Options> ? Options : never;

export interface SmtpTransportOptions {
  host: string;
  port?: number;
  /** TLS from the start (port 465); otherwise STARTTLS when offered. */
  secure?: boolean;
  auth?: { user: string; pass: string };
  /**
   * Add `X-SMTPAPI` with `unique_args` (our custom args) and `category`. Default: on when the host is
   * SendGrid's (`smtp.sendgrid.net`), so events carry `mailroom_id` like with the HTTP API.
   */
  sendgridHeaders?: boolean;
  /** Further nodemailer SMTP options (tls, pool, timeouts, …). */
  nodemailer?: NodemailerSmtpOptions;
}

/**
 * SMTP through nodemailer; one message per delivery.
 *
 * @example
 * ```ts
 * const transport = smtpTransport({ host: 'smtp.sendgrid.net', port: 587, auth: { user: 'apikey', pass: key } });
 * ```
 */
export function smtpTransport(options: SmtpTransportOptions): Transport {
  const sendgridHeaders = options.sendgridHeaders ?? /(^|\.)smtp\.sendgrid\.net$/i.test(options.host);
  const transporter = nodemailer.createTransport({
    ...options.nodemailer,
    host: options.host,
    port: options.port ?? (options.secure ? 465 : 587),
    secure: options.secure ?? false,
    ...(options.auth ? { auth: options.auth } : {}),
  });

  async function sendOne(message: PreparedMessage): Promise<string | null> {
    const headers: Record<string, string | { prepared: boolean; value: string }> = { ...message.headers };
    if (sendgridHeaders) headers['X-SMTPAPI'] = { prepared: true, value: smtpApiHeader(message) };
    try {
      const info = await transporter.sendMail({
        from: format(message.from),
        to: message.to.map(format),
        cc: message.cc.map(format),
        bcc: message.bcc.map(format),
        ...(message.replyTo.length ? { replyTo: message.replyTo.map(format) } : {}),
        subject: sanitizeHeaderText(message.subject, Infinity),
        ...(message.text ? { text: message.text } : {}),
        ...(message.html ? { html: message.html } : {}),
        messageId: `<${message.messageId}>`,
        ...(message.inReplyTo ? { inReplyTo: `<${message.inReplyTo}>` } : {}),
        ...(message.references.length ? { references: message.references.map((r) => `<${r}>`) } : {}),
        headers,
        attachments: message.attachments.map((a) => ({
          filename: a.filename,
          content: a.content,
          contentType: a.contentType,
          ...(a.contentId ? { cid: a.contentId } : {}),
          contentDisposition: a.inline ? ('inline' as const) : ('attachment' as const),
        })),
      });
      // SendGrid answers "250 Ok: queued as <X-Message-Id>"; other servers similarly name their queue id.
      return /queued as\s+<?([^\s>]+)/i.exec(info.response ?? '')?.[1] ?? null;
    } catch (cause) {
      const code = (cause as { responseCode?: number }).responseCode;
      const text = cause instanceof Error ? cause.message : String(cause);
      // 4xx SMTP replies and connection failures are transient; 5xx are permanent.
      throw new TransportError(`SMTP send failed: ${text}`, { retryable: code === undefined || code < 500, cause });
    }
  }

  return {
    name: 'smtp',
    maxBatchSize: 1,
    async deliver(batch) {
      let providerMessageId: string | null = null;
      for (const message of batch) providerMessageId = (await sendOne(message)) ?? providerMessageId;
      return { providerMessageId };
    },
    async close() {
      transporter.close();
    },
  };
}

// Rows queued by older code (or written by hand) may hold raw display names: collapse controls here too.
function format(a: EmailAddress): { name: string; address: string } {
  return { name: sanitizeHeaderText(a.name ?? ''), address: a.address };
}

/**
 * SendGrid's SMTP API header. JSON is indented and every line break becomes a fold (CRLF + space),
 * which JSON treats as whitespace; non-ASCII is \u-escaped so the header needs no encoding.
 */
export function smtpApiHeader(message: Pick<PreparedMessage, 'customArgs' | 'categories'>): string {
  const value: Record<string, unknown> = { unique_args: message.customArgs };
  if (message.categories.length) value.category = message.categories;
  return JSON.stringify(value, null, 1)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\n/g, '\r\n ');
}
