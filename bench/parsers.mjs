// The three ways of turning a post into an email that the parse benchmark compares.
import { createIngress } from '@mailroom/core';
import { bareParse, naiveParse } from './baselines.mjs';

const ingress = createIngress({ security: { insecure: true } });

export const PARSERS = {
  mailroom: async (post) => {
    const request = new Request('http://bench.local/parse', {
      method: 'POST',
      headers: { 'content-type': post.contentType },
      body: post.body,
    });
    const received = await ingress.receive(request);
    return received.email.subject;
  },
  bare: async (post) => {
    const result = await bareParse(post.body, post.contentType);
    return result.subject ?? null;
  },
  naive: async (post) => {
    const result = await naiveParse(post.body, post.contentType);
    return result.subject;
  },
};
