import { parseInboundBody } from '../../ingress/parse.js';
import { InboundEmail } from '../../message/index.js';
import { buildInboundPost, type InboundDescription } from '../../testing/post.js';
import type { StorablePost } from '../post.js';

/** A post the ingress parsed. */
type ParsedPost = StorablePost & { email: InboundEmail };

/** A real SendGrid post (multipart bytes) and the email the ingress parses from it. */
export async function storablePost(description: InboundDescription = {}): Promise<ParsedPost> {
  const built = buildInboundPost(description);
  const email = await parseInboundBody(built.body, built.contentType);
  return { body: built.body, contentType: built.contentType, email };
}

/** The same post, but as if the message had no Message-ID header. */
export function withoutMessageId(post: ParsedPost): ParsedPost {
  const e = post.email;
  const init = {
    ...e,
    messageId: null,
    to: [...e.to],
    cc: [...e.cc],
    replyTo: [...e.replyTo],
    envelope: { from: e.envelope.from, to: [...e.envelope.to] },
    references: [...e.references],
    headers: e.headers.filter((h) => h.name.toLowerCase() !== 'message-id'),
    attachments: [...e.attachments],
    auth: { spf: e.auth.spf, dkim: [...e.auth.dkim] },
  };
  return { ...post, email: new InboundEmail(init) };
}

let counter = 0;
/** Distinct posts (different subject, same shape). */
export function uniqueDescription(extra: InboundDescription = {}): InboundDescription {
  counter += 1;
  return { subject: `Message ${counter} ${Date.now()}`, ...extra };
}
