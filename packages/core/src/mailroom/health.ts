import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { coreMigrationSets, describeDatabaseError, type MigrationSet } from '../inbox/index.js';
import type { Mailroom } from './mailroom.js';

/** One readiness check: whether it passed and, in a few words, what it saw. */
export interface ReadinessCheck {
  ok: boolean;
  detail: string;
}

/** What `GET /readyz` answers (200 when `ready`, else 503), the same shape in every app. */
export interface Readiness {
  status: 'ready' | 'unready';
  checks: { database: ReadinessCheck; migrations: ReadinessCheck; worker: ReadinessCheck };
}

export interface HealthOptions {
  /** The app's own migration sets, checked beside core's (inbox, outbound, events). */
  migrationSets?: readonly MigrationSet[];
  /** How long the database may take to answer before the check fails (default 2 s). */
  timeoutMs?: number;
}

/**
 * Readiness: the database answers within the timeout, every migration set (core's and the app's) is applied, and
 * the worker is not shutting down. Liveness (`/healthz`) is only "the process answers" and touches nothing.
 *
 * @example
 * ```ts
 * const readiness = await checkReadiness(mailroom, { migrationSets: [blogMigrations] });
 * if (readiness.status !== 'ready') console.warn(readiness.checks);
 * ```
 */
export async function checkReadiness(
  mailroom: Pick<Mailroom, 'store' | 'state'>,
  options: HealthOptions = {},
): Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const database = await withTimeout(timeoutMs, async () => {
    await mailroom.store.db.execute(sql`select 1`);
    return { ok: true, detail: `answered (${mailroom.store.dialect})` };
  });
  const migrations = database.ok
    ? await withTimeout(timeoutMs, () =>
        pendingMigrationsCheck(mailroom, [...coreMigrationSets, ...(options.migrationSets ?? [])]),
      )
    : { ok: false, detail: 'not checked: the database does not answer' };
  const state = mailroom.state;
  const worker = { ok: state !== 'stopped', detail: state === 'idle' ? 'idle (starts with the first post)' : state };
  const ready = database.ok && migrations.ok && worker.ok;
  return { status: ready ? 'ready' : 'unready', checks: { database, migrations, worker } };
}

/**
 * `GET /healthz` (liveness: 200 `{ status: 'ok' }`) and `GET /readyz` (readiness: 200 or 503 with the checks), to
 * mount wherever the deployment's probes look: `app.route('/', healthRoutes(mailroom))`.
 */
export function healthRoutes(mailroom: Pick<Mailroom, 'store' | 'state'>, options: HealthOptions = {}): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }, 200, { 'cache-control': 'no-store' }));
  app.get('/readyz', async (c) => {
    const readiness = await checkReadiness(mailroom, options);
    return c.json(readiness, readiness.status === 'ready' ? 200 : 503, { 'cache-control': 'no-store' });
  });
  return app;
}

async function pendingMigrationsCheck(
  mailroom: Pick<Mailroom, 'store'>,
  sets: MigrationSet[],
): Promise<ReadinessCheck> {
  const pending: string[] = [];
  for (const set of sets) {
    for (const name of await mailroom.store.pendingMigrations(set)) pending.push(`${set.name}/${name}`);
  }
  if (pending.length === 0) return { ok: true, detail: `${sets.length} sets applied` };
  return {
    ok: false,
    detail: `pending: ${pending.slice(0, 5).join(', ')}${pending.length > 5 ? ` and ${pending.length - 5} more` : ''} (run mailroom migrate)`,
  };
}

/** The check's own result, or a failed check naming the cause or the timeout; never throws. */
async function withTimeout(ms: number, check: () => Promise<ReadinessCheck>): Promise<ReadinessCheck> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<ReadinessCheck>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([
      check().catch((error: unknown) => ({ ok: false, detail: describeDatabaseError(error) })),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
