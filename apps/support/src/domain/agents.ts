import { and, eq, gt, lt } from 'drizzle-orm';
import type { SupportDb } from '../db/index.js';
import { agents, sessions, type Agent } from '../db/schema.js';
import { hashPassword, verifyPassword, randomToken, tokenHash } from './passwords.js';

export type PublicAgent = Pick<Agent, 'id' | 'email' | 'name'>;

const publicColumns = { id: agents.id, email: agents.email, name: agents.name };

export function normalizeEmail(address: string): string {
  return address.trim().toLowerCase();
}

export async function createAgent(
  db: SupportDb,
  input: { email: string; name: string; password: string },
): Promise<PublicAgent> {
  const passwordHash = await hashPassword(input.password);
  const [row] = await db
    .insert(agents)
    .values({ email: normalizeEmail(input.email), name: input.name, passwordHash })
    .returning(publicColumns);
  return row!;
}

/** Creates the agent, or updates name and password when the address exists (used by seeding). */
export async function upsertAgent(
  db: SupportDb,
  input: { email: string; name: string; password: string },
): Promise<PublicAgent> {
  const passwordHash = await hashPassword(input.password);
  const [row] = await db
    .insert(agents)
    .values({ email: normalizeEmail(input.email), name: input.name, passwordHash })
    .onConflictDoUpdate({ target: agents.email, set: { name: input.name, passwordHash } })
    .returning(publicColumns);
  return row!;
}

// Verified against when the address is unknown, so a login takes as long either way.
let decoyHash: Promise<string> | undefined;

export async function authenticateAgent(db: SupportDb, email: string, password: string): Promise<PublicAgent | null> {
  const [row] = await db.select().from(agents).where(eq(agents.email, normalizeEmail(email)));
  if (!row) {
    decoyHash ??= hashPassword('decoy password for timing');
    await verifyPassword(password, await decoyHash);
    return null;
  }
  if (!(await verifyPassword(password, row.passwordHash))) return null;
  return { id: row.id, email: row.email, name: row.name };
}

export async function listAgents(db: SupportDb): Promise<PublicAgent[]> {
  return db.select(publicColumns).from(agents).orderBy(agents.name);
}

export async function agentByEmail(db: SupportDb, email: string): Promise<PublicAgent | null> {
  const [row] = await db.select(publicColumns).from(agents).where(eq(agents.email, normalizeEmail(email)));
  return row ?? null;
}

/** Issues a new API bearer token for the agent (replacing any previous one); returned once. */
export async function issueApiToken(db: SupportDb, agentId: number): Promise<string> {
  const token = `sk_${randomToken()}`;
  await db.update(agents).set({ apiTokenHash: tokenHash(token) }).where(eq(agents.id, agentId));
  return token;
}

export async function agentByApiToken(db: SupportDb, token: string): Promise<PublicAgent | null> {
  // Looked up by hash: equality on a digest leaks nothing useful about the token.
  const [row] = await db.select(publicColumns).from(agents).where(eq(agents.apiTokenHash, tokenHash(token)));
  return row ?? null;
}

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export async function createSession(db: SupportDb, agentId: number, now = new Date()): Promise<string> {
  const token = randomToken();
  await db.insert(sessions).values({
    tokenHash: tokenHash(token),
    agentId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
  });
  // Housekeeping: expired sessions are useless rows.
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
  return token;
}

export async function agentBySession(db: SupportDb, token: string, now = new Date()): Promise<PublicAgent | null> {
  const [row] = await db
    .select(publicColumns)
    .from(sessions)
    .innerJoin(agents, eq(agents.id, sessions.agentId))
    .where(and(eq(sessions.tokenHash, tokenHash(token)), gt(sessions.expiresAt, now)));
  return row ?? null;
}

export async function deleteSession(db: SupportDb, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash(token)));
}
