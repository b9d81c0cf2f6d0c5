import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../testing/store.js';
import { rowsOf, type Statement } from './index.js';

let store: TestStore;
let nextItem = 0;

beforeAll(async () => {
  store = await createTestStore();
  await store.db.execute(sql`create table work_items (id int primary key, done boolean not null default false)`);
  await store.db.execute(sql`create table work_writes (item int not null, note text not null)`);
});
afterAll(() => store?.close());

async function newItem(): Promise<number> {
  const id = ++nextItem;
  await store.db.execute(sql`insert into work_items (id) values (${id})`);
  return id;
}
const finish = (id: number): Statement => ({
  text: 'update work_items set done = true where id = $1 and not done returning id',
  params: [id],
});
const done = async (id: number) =>
  rowsOf<{ done: boolean }>(await store.db.execute(sql`select done from work_items where id = ${id}`))[0]!.done;
const notes = async (id: number) =>
  rowsOf<{ note: string }>(
    await store.db.execute(sql`select note from work_writes where item = ${id} order by note`),
  ).map((row) => row.note);

describe('unit of work', () => {
  it('commits what ran through tx together with the closing statement', async () => {
    const id = await newItem();
    const work = await store.unitOfWork();
    await work.tx.execute(sql`insert into work_writes (item, note) values (${id}, 'a')`);
    await work.tx.execute(sql`insert into work_writes (item, note) values (${id}, 'b')`);
    expect(await work.commitIf(finish(id))).toBe(true);
    expect(await done(id)).toBe(true);
    expect(await notes(id)).toEqual(['a', 'b']);
    await work.rollback(); // after commitIf: nothing left to do
    expect(await notes(id)).toEqual(['a', 'b']);
  });

  it('rolls everything back when the closing statement changes no row', async () => {
    const id = await newItem();
    await store.db.execute(sql`update work_items set done = true where id = ${id}`);
    const work = await store.unitOfWork();
    await work.tx.execute(sql`insert into work_writes (item, note) values (${id}, 'lost')`);
    expect(await work.commitIf(finish(id))).toBe(false);
    expect(await notes(id)).toEqual([]);
  });

  it('runs the closing statement alone when tx was never used', async () => {
    const id = await newItem();
    const work = await store.unitOfWork();
    expect(await work.commitIf(finish(id))).toBe(true);
    expect(await done(id)).toBe(true);
    const again = await store.unitOfWork();
    expect(await again.commitIf(finish(id))).toBe(false);
  });

  it('turns nested transactions into savepoints', async () => {
    const id = await newItem();
    const work = await store.unitOfWork();
    await work.tx.execute(sql`insert into work_writes (item, note) values (${id}, 'outer')`);
    await expect(
      work.tx.transaction(async (inner) => {
        await inner.execute(sql`insert into work_writes (item, note) values (${id}, 'inner')`);
        throw new Error('inner fails');
      }),
    ).rejects.toThrow('inner fails');
    await work.tx.transaction(async (inner) => {
      await inner.execute(sql`insert into work_writes (item, note) values (${id}, 'kept')`);
    });
    expect(await work.commitIf(finish(id))).toBe(true);
    expect(await notes(id)).toEqual(['kept', 'outer']);
  });

  it('discards writes on rollback and refuses statements after it', async () => {
    const id = await newItem();
    const work = await store.unitOfWork();
    await work.tx.execute(sql`insert into work_writes (item, note) values (${id}, 'discarded')`);
    await work.rollback();
    expect(await notes(id)).toEqual([]);
    expect(await done(id)).toBe(false);
    // drizzle wraps the driver's error ("Failed query: …"); ours is its cause.
    const late = await work.tx
      .execute(sql`insert into work_writes (item, note) values (${id}, 'late')`)
      .catch((error: Error) => error);
    expect((late as Error & { cause?: Error }).cause?.message).toMatch(/already finished/);
    await expect(work.commitIf(finish(id))).rejects.toThrow(/already finished/);
    expect(await notes(id)).toEqual([]);
  });

  it('refuses statements after commitIf, and after a closing statement that changed no row', async () => {
    const id = await newItem();
    const work = await store.unitOfWork();
    await work.tx.execute(sql`insert into work_writes (item, note) values (${id}, 'kept')`);
    expect(await work.commitIf(finish(id))).toBe(true);
    const late = await work.tx
      .execute(sql`insert into work_writes (item, note) values (${id}, 'late')`)
      .catch((error: Error) => error);
    expect((late as Error & { cause?: Error }).cause?.message).toMatch(/already finished/);
    const rolledBack = await store.unitOfWork();
    await rolledBack.tx.execute(sql`insert into work_writes (item, note) values (${id}, 'lost')`);
    expect(await rolledBack.commitIf(finish(id))).toBe(false);
    await expect(
      rolledBack.tx.execute(sql`insert into work_writes (item, note) values (${id}, 'late')`),
    ).rejects.toThrow();
    expect(await notes(id)).toEqual(['kept']);
  });

  it.runIf(process.env.DATABASE_URL)('begins the transaction only when tx is first used (PostgreSQL)', async () => {
    const id = await newItem();
    const openTransactions = async () =>
      rowsOf<{ n: number }>(
        await store.db.execute(
          sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`,
        ),
      )[0]!.n;
    const work = await store.unitOfWork();
    expect(await openTransactions()).toBe(0);
    await work.tx.execute(sql`insert into work_writes (item, note) values (${id}, 'x')`);
    expect(await openTransactions()).toBe(1);
    expect(await work.commitIf(finish(id))).toBe(true);
    expect(await openTransactions()).toBe(0);
  });
});
