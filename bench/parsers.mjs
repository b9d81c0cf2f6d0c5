// The ways of turning a post into an email that the parse benchmark compares (see baselines.mjs).
import { createIngress } from '@mailroom/core';
import { bareParse, framingParse, naiveParse } from './baselines.mjs';

const ingress = createIngress({ security: { insecure: true } });

export const PARSERS = {
  // Through the Web-standard entry, as a server adapter hands it a request (Content-Length included).
  mailroom: async (post) => {
    const request = new Request('http://bench.local/parse', {
      method: 'POST',
      headers: { 'content-type': post.contentType, 'content-length': String(post.body.length) },
      body: post.body,
    });
    const received = await ingress.receive(request);
    return received.email.subject;
  },
  bare: async (post) => (await bareParse(post.body, post.contentType)).subject,
  naive: async (post) => (await naiveParse(post.body, post.contentType)).subject,
  framing: async (post) => (await framingParse(post.body, post.contentType)).subject,
};

/** Parsers whose peak memory P2 measures (framing keeps no decoded content, so it is not a memory baseline). */
export const MEMORY_PARSERS = ['mailroom', 'bare', 'naive'];
