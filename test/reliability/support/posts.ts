import { buildInboundPost, signBody, TEST_KEY_PAIR, type TestKeyPair } from '@mailroom/core/testing';

export const RELIABILITY_DOMAIN = 'reliability.example.com';

export interface SignedPost {
  /** The Message-ID (without brackets) that identifies this post in the inbox. */
  messageId: string;
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * Distinct signed posts: one parsed-mode template, a fixed-width counter patched into its Message-ID,
 * signed afresh (the signature covers the exact bytes, as SendGrid's does).
 */
export function signedPosts(runId: string, keyPair: TestKeyPair = TEST_KEY_PAIR) {
  const placeholder = '0000000000';
  const template = buildInboundPost({
    to: `inbox@${RELIABILITY_DOMAIN}`,
    subject: `Reliability ${runId}`,
    messageId: `<rel-${runId}-${placeholder}@${RELIABILITY_DOMAIN}>`,
    text: 'Please process me exactly once.\n'.repeat(40),
  });
  const offsets: number[] = [];
  for (let at = template.body.indexOf(placeholder); at >= 0; at = template.body.indexOf(placeholder, at + 1))
    offsets.push(at);
  return (index: number): SignedPost => {
    const body = Buffer.from(template.body);
    const digits = String(index).padStart(placeholder.length, '0');
    for (const at of offsets) body.write(digits, at, 'latin1');
    return {
      messageId: `rel-${runId}-${digits}@${RELIABILITY_DOMAIN}`,
      body,
      headers: signedHeaders(body, template.contentType, keyPair),
    };
  };
}

export function signedHeaders(
  body: Buffer,
  contentType: string,
  keyPair: TestKeyPair = TEST_KEY_PAIR,
  timestamp = Math.floor(Date.now() / 1000),
) {
  const stamp = String(timestamp);
  return {
    'content-type': contentType,
    'x-twilio-email-event-webhook-signature': signBody(keyPair.privateKey, stamp, body),
    'x-twilio-email-event-webhook-timestamp': stamp,
  };
}

export type Answer = { status: number; body: string; ms: number } | { status: 0; error: string; ms: number };

/** One POST; a connection error or timeout is "no answer" (status 0), as SendGrid would see it. */
export async function send(
  url: string,
  headers: Record<string, string>,
  body: Uint8Array,
  timeoutMs = 20_000,
): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body: body as Uint8Array<ArrayBuffer>,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, body: text, ms: performance.now() - started };
  } catch (error) {
    return { status: 0, error: (error as Error).message, ms: performance.now() - started };
  }
}

/** Runs `task` over `items` with at most `concurrency` in flight. */
export async function pool<T>(
  items: T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await task(items[index]!, index);
      }
    }),
  );
}

/** A seeded PRNG (xorshift32) so a failing run can be reproduced with the printed seed. */
export function prng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
  return {
    next,
    int: (max: number) => Math.floor(next() * max),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}
