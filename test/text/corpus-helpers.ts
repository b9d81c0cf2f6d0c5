import { createHash } from 'node:crypto';
import { Attachment, InboundEmail, type Header } from '@mailroom/core';
import { parseAddress, parseAddressList } from '@mailroom/core/text';
// @ts-expect-error plain ESM helper without type declarations
import { loadCorpus as loadCorpusUntyped, normalizeVisible as normalizeUntyped } from '../fixtures/replies/corpus.mjs';

export interface ReplyCase {
  name: string;
  description: string;
  meta: Record<string, string>;
  headers: Header[];
  text: string | null;
  html: string | null;
  reply: string | null;
  attachments: Array<{ contentType: string; content: string }>;
}

export const loadCorpus = loadCorpusUntyped as () => ReplyCase[];
export const normalizeVisible = normalizeUntyped as (text: string | null | undefined) => string;

function header(headers: Header[], name: string): string | undefined {
  return headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}

/** Builds the InboundEmail a SendGrid parsed-mode post of this case would produce. */
export function emailFromCase(c: ReplyCase): InboundEmail {
  const returnPath = header(c.headers, 'Return-Path');
  const messageId = header(c.headers, 'Message-ID');
  return new InboundEmail({
    mode: 'parsed',
    messageId: messageId ? messageId.replace(/^<|>$/g, '') : null,
    date: null,
    subject: header(c.headers, 'Subject') ?? '',
    from: parseAddress(header(c.headers, 'From')),
    to: parseAddressList(header(c.headers, 'To') ?? 'inbox@mailroom.example'),
    cc: [],
    replyTo: [],
    envelope: {
      from: returnPath === undefined ? null : returnPath.replace(/^<|>$/g, ''),
      to: ['inbox@mailroom.example'],
    },
    inReplyTo: null,
    references: [],
    text: c.text,
    html: c.html,
    headers: c.headers,
    attachments: c.attachments.map((a, i) => {
      const data = Buffer.from(a.content, 'utf8');
      return new Attachment({
        filename: `part${i + 1}`,
        contentType: a.contentType,
        size: data.length,
        contentId: null,
        inline: false,
        sha256: createHash('sha256').update(data).digest('hex'),
        source: { kind: 'buffer', data },
      });
    }),
    auth: { spf: null, dkim: [] },
    spam: null,
    senderIp: null,
  });
}
