import { expect, vi } from 'vitest';
import { type InboundRecord } from '@mailroom/core';
import { listOutbound } from '@mailroom/core/outbound';
import { inboundRequest, TEST_KEY_PAIR, type InboundDescription, type TestMailroom } from '@mailroom/core/testing';

/** Posts through `t`'s webhook and waits until its running worker has processed the email and the outbox is empty. */
export async function postAndSettle(t: TestMailroom, description: InboundDescription): Promise<InboundRecord> {
  const response = await fetch(
    inboundRequest(description, { sign: TEST_KEY_PAIR, url: `${t.url}/webhooks/sendgrid/parse` }),
  );
  expect(response.status).toBe(200);
  const { id } = (await response.json()) as { id: string };
  let record: InboundRecord | null = null;
  await vi.waitFor(
    async () => {
      record = await t.store.inbox.get(id);
      expect(record?.status).toMatch(/^(delivered|bounced|ignored|failed|unrouted)$/);
      expect((await listOutbound(t.store.db, { limit: 1000 })).every((m) => m.status === 'sent')).toBe(true);
    },
    { timeout: 30_000, interval: 25 },
  );
  return record!;
}
