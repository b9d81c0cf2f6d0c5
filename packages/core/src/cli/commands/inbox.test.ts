import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundEmails, type InboundRecord, type Store } from '../../inbox/index.js';
import { storablePost, uniqueDescription } from '../../inbox/test-support/posts.js';
import { cliStoreEnv, runCli, withCliStore } from '../test-support.js';

// The commands read DATABASE_URL / MAILROOM_DATA_DIR like the server (see cliStoreEnv).
let env: Record<string, string>;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ env, cleanup } = await cliStoreEnv('mailroom-cli-store-'));
});
afterAll(() => cleanup?.());

const mailroom = (...argv: string[]) => runCli(argv, { env });
const withStore = <T>(fn: (store: Store) => Promise<T>): Promise<T> => withCliStore(env, fn);

describe('mailroom migrate / inbox list / replay / incinerate', () => {
  it('migrate lists, applies and then has nothing to apply', async () => {
    const dry = await mailroom('migrate', '--dry-run');
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(dry.stdout).toContain('pending inbox/0000_inbox_init\n');
    const applied = await mailroom('migrate');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('applied inbox/0000_inbox_init\n');
    const again = await mailroom('migrate');
    expect(again.stdout).toMatch(/^nothing to apply: (PostgreSQL|PGlite) .* is up to date\n$/);
    expect((await mailroom('migrate', 'extra')).code).toBe(2);
  });

  it('lists, replays and incinerates stored emails', async () => {
    const ids = await withStore(async (store) => {
      const ids: string[] = [];
      for (const subject of ['First order', 'Second order', 'Third order']) {
        ids.push((await store.inbox.ingest(await storablePost(uniqueDescription({ subject })))).id);
      }
      await store.db
        .update(inboundEmails)
        .set({ status: 'failed', processedAt: new Date(), lastError: 'Error: x' })
        .where(eq(inboundEmails.id, ids[0]!));
      await store.db
        .update(inboundEmails)
        .set({ status: 'delivered', route: 'orders', processedAt: new Date(Date.now() - 45 * 86_400_000) })
        .where(eq(inboundEmails.id, ids[1]!));
      return ids;
    });

    const table = await mailroom('inbox', 'list');
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+RECEIVED\s+FROM\s+TO\s+ROUTE\s+TRIES\s+SUBJECT$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual([...ids].reverse());
    expect(table.stdout).toMatch(/delivered\s.*\sorders\s.*Second order/);

    const failed = await mailroom('inbox', 'list', '--status', 'failed', '--json');
    const records = JSON.parse(failed.stdout) as InboundRecord[];
    expect(records.map((r) => [r.id, r.status, r.subject])).toEqual([
      [ids[0], 'failed', expect.stringContaining('First order')],
    ]);
    expect((await mailroom('inbox', 'list', '--search', 'second', '--json')).stdout).toContain(ids[1]);
    const bad = await mailroom('inbox', 'list', '--status', 'lost');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown status "lost"/);
    expect((await mailroom('inbox', 'list', '--limit', 'ten')).code).toBe(2);

    const replayed = await mailroom('replay', '--status', 'failed', '--route', 'billing');
    expect(replayed).toMatchObject({ code: 0, stdout: 'replayed 1 inbound email to route "billing"\n' });
    const unknown = await mailroom('replay', '00000000-0000-4000-8000-000000000000');
    expect(unknown).toMatchObject({
      code: 1,
      stderr: 'skipped 00000000-0000-4000-8000-000000000000: no such inbound email\n',
    });
    expect((await mailroom('replay')).code).toBe(2);
    expect((await mailroom('replay', ids[0]!, '--status', 'failed')).code).toBe(2);

    const burnt = await mailroom('incinerate', '--days', '30', '--keep', 'failed=90');
    expect(burnt).toMatchObject({ code: 0, stdout: 'incinerated 1 inbound email\n' });
    expect(burnt.stderr).toContain('incinerating: 1/1\n');
    expect((await mailroom('incinerate', '--keep', 'pending=1')).code).toBe(2);

    await withStore(async (store) => {
      expect(await store.inbox.get(ids[0]!)).toMatchObject({ status: 'pending', forcedRoute: 'billing', attempts: 0 });
      expect(await store.inbox.get(ids[1]!)).toMatchObject({ status: 'delivered', incineratedAt: expect.any(Date) });
      expect(await store.inbox.loadPost(ids[1]!)).toBeNull();
    });
    const listed = await mailroom('inbox', 'list');
    expect(listed.stdout).toMatch(/delivered\*/);
    const burntReplay = await mailroom('replay', ids[1]!);
    expect(burntReplay.stderr).toContain('incinerated');
  });
});
