// The ways of turning a post into an email that the parse benchmark compares (see baselines.mjs).
import { createIngress } from '@mailroom/core/ingress';
import { bareParse, framingParse, naiveParse } from './baselines.mjs';

const ingress = createIngress({ security: { insecure: true } });

// Through the Web-standard entry, as a server adapter hands it a request (Content-Length included).
function receive(post) {
  const request = new Request('http://bench.local/parse', {
    method: 'POST',
    headers: { 'content-type': post.contentType, 'content-length': String(post.body.length) },
    body: post.body,
  });
  return ingress.receive(request);
}

export const PARSERS = {
  mailroom: async (post) => (await receive(post)).email.subject,
  // The same, plus the digests parsing no longer computes (ReceivedPost.sha256 and every Attachment.sha256 are
  // hashed on first read; the inbox reads them at ingest). Not a contender: the whole cost, shown for reference,
  // and the like-for-like figure next to `bare`, which hashes every attachment.
  'mailroom+sha256': async (post) => {
    const received = await receive(post);
    let digests = received.sha256;
    for (const attachment of received.email.attachments) digests += attachment.sha256;
    return digests.length > 0 ? received.email.subject : null;
  },
  bare: async (post) => (await bareParse(post.body, post.contentType)).subject,
  naive: async (post) => (await naiveParse(post.body, post.contentType)).subject,
  framing: async (post) => (await framingParse(post.body, post.contentType)).subject,
};

/** Parsers whose peak memory P2 measures (framing keeps no decoded content, so it is not a memory baseline). */
export const MEMORY_PARSERS = ['mailroom', 'bare', 'naive'];
