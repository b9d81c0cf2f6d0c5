import { randomUUID } from 'node:crypto';
import { createMailroom, type Mailroom, type MailroomOptions } from '@mailroom/core';
import { inboundRequest, TEST_KEY_PAIR, type InboundDescription, type TestStore } from '@mailroom/core/testing';

export const security = { publicKeys: [TEST_KEY_PAIR.publicKey] };

/** A Mailroom on the given store whose worker runs only when the test drains it. */
export function testMailroom<E extends object = {}>(
  store: TestStore,
  options: Partial<MailroomOptions<E>> = {},
): Mailroom<E> {
  return createMailroom<E>({
    store,
    security,
    ...options,
    worker: { autoStart: false, backoff: { baseMs: 0, maxMs: 0 }, ...options.worker },
  });
}

/** A unique, signed Inbound Parse request (unique Message-ID so tests never collide on dedupe). */
export function signedPost(description: InboundDescription = {}, url?: string): Request {
  return inboundRequest(
    { messageId: `${randomUUID()}@test.example`, ...description },
    { sign: TEST_KEY_PAIR, ...(url ? { url } : {}) },
  );
}

/** Posts, checks the 200, drains the worker and returns the stored record. */
export async function deliver(mailroom: Mailroom<object>, description: InboundDescription = {}) {
  const response = await mailroom.fetch(signedPost(description));
  if (response.status !== 200) throw new Error(`post answered ${response.status}: ${await response.text()}`);
  const { id } = (await response.json()) as { id: string; duplicate: boolean };
  await mailroom.drain();
  const record = await mailroom.store.inbox.get(id);
  if (!record) throw new Error(`no record ${id}`);
  return record;
}
