/**
 * A post larger than a blob piece (1 MiB) is stored in pieces (`mailroom.blob_parts`), a statement each: the row,
 * the bytes and every piece commit together, the worker loads them piece by piece, a replay reads the same bytes,
 * a duplicate writes nothing, and incinerating the email removes its pieces.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, inboundRequest, TEST_KEY_PAIR, type TestStore } from '@mailroom/core/testing';
import { deliver, testMailroom } from './support.js';

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => {
  await store?.close();
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result = await store.db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as T[];
}

/** The email's body key (kept after incineration, when its blob is gone). */
async function keyOf(id: string): Promise<string> {
  const [row] = await rows<{ key: string }>(
    sql`select body_blob_key as key from mailroom.inbound_emails where id = ${id}`,
  );
  return row!.key;
}

async function piecesOf(key: string): Promise<number> {
  const [row] = await rows<{ n: number }>(sql`select count(*)::int as n from mailroom.blob_parts where key = ${key}`);
  return row!.n;
}

async function blobOf(id: string) {
  const [row] = await rows<{ parts: number; size: number }>(
    sql`select parts, size from mailroom.blobs where key = ${await keyOf(id)}`,
  );
  return row!;
}

describe('large posts are stored in pieces', () => {
  it('stores, processes, replays, dedupes and incinerates a 3.5 MB post through its pieces', async () => {
    const file = randomBytes(2_600_000); // ≈ 3.5 MB once base64-encoded in the post
    const seen: string[] = [];
    const mailroom = testMailroom(store).route('files', 'files@example.com', async (ctx) => {
      seen.push(sha256(await ctx.email.attachments[0]!.content()));
    });
    const description = {
      to: 'files@example.com',
      messageId: `${randomBytes(6).toString('hex')}@large.example`,
      attachments: [{ filename: 'f.bin', content: file }],
    };
    const record = await deliver(mailroom, description);
    expect(record.status).toBe('delivered');
    const key = await keyOf(record.id);
    const blob = await blobOf(record.id);
    expect(blob.size).toBe(record.size);
    expect(blob.parts).toBe(Math.ceil(record.size / (1024 * 1024)));
    expect(await piecesOf(key)).toBe(blob.parts);
    const stored = await store.inbox.loadPost(record.id);
    expect(stored!.body.length).toBe(record.size);
    expect(sha256(stored!.body)).toBe(record.bodySha256);

    // The same post again: a duplicate, nothing written.
    const again = await mailroom.fetch(inboundRequest(description, { sign: TEST_KEY_PAIR }));
    expect(await again.json()).toMatchObject({ id: record.id, duplicate: true });

    // A replay claims the row without its bytes and loads them piece by piece.
    expect(await mailroom.replay(record.id)).toBe(1);
    await mailroom.drain();
    expect(seen).toEqual([sha256(file), sha256(file)]);
    expect(await store.inbox.get(record.id)).toMatchObject({ status: 'delivered' });

    const removed = await store.inbox.incinerate({ olderThanDays: 0, now: new Date(Date.now() + 60_000) });
    expect(removed).toBeGreaterThanOrEqual(1);
    expect(await piecesOf(key)).toBe(0); // ON DELETE CASCADE from the blob
    expect(await store.inbox.loadPost(record.id)).toBeNull();
  });

  it('keeps a small post in one row (the one-statement ingest), with no pieces', async () => {
    const mailroom = testMailroom(store).route('small', 'small@example.com', () => undefined);
    const record = await deliver(mailroom, {
      to: 'small@example.com',
      messageId: `${randomBytes(6).toString('hex')}@small.example`,
    });
    expect((await blobOf(record.id)).parts).toBe(0);
    expect(await piecesOf(await keyOf(record.id))).toBe(0);
  });
});
