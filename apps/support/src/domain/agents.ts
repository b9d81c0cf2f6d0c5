import { count, eq } from 'drizzle-orm';
import type { SupportDb } from '../db/index.js';
import { agents, type Agent } from '../db/schema.js';
import { hashPassword, verifyPassword, randomToken, tokenHash } from './passwords.js';

type Hash = (password: string) => Promise<string>;
type Verify = (password: string, hash: string | null) => Promise<boolean>;

export type PublicAgent = Pick<Agent, 'id' | 'email' | 'name'>;

const publicColumns = { id: agents.id, email: agents.email, name: agents.name };

export function normalizeEmail(address: string): string {
  return address.trim().toLowerCase();
}

type AgentInput = { email: string; name: string; password: string };

export async function createAgent(db: SupportDb, input: AgentInput, hash: Hash = hashPassword): Promise<PublicAgent> {
  return insertAgent(db, input, hash, false);
}

/** Creates the agent, or updates name and password when the address exists (used by seeding). */
export async function upsertAgent(db: SupportDb, input: AgentInput, hash: Hash = hashPassword): Promise<PublicAgent> {
  return insertAgent(db, input, hash, true);
}

async function insertAgent(db: SupportDb, input: AgentInput, hash: Hash, update: boolean): Promise<PublicAgent> {
  const passwordHash = await hash(input.password);
  const insert = db.insert(agents).values({ email: normalizeEmail(input.email), name: input.name, passwordHash });
  const [row] = await (
    update ? insert.onConflictDoUpdate({ target: agents.email, set: { name: input.name, passwordHash } }) : insert
  ).returning(publicColumns);
  return row!;
}

/** Constant work whether or not the address is an agent's (an unknown one is checked against the dummy hash). */
export async function authenticateAgent(
  db: SupportDb,
  email: string,
  password: string,
  verify: Verify = verifyPassword,
): Promise<PublicAgent | null> {
  const [row] = await db
    .select()
    .from(agents)
    .where(eq(agents.email, normalizeEmail(email)));
  if (!(await verify(password, row?.passwordHash ?? null)) || !row) return null;
  return { id: row.id, email: row.email, name: row.name };
}

export async function agentById(db: SupportDb, id: number): Promise<PublicAgent | null> {
  if (!Number.isSafeInteger(id)) return null;
  const [row] = await db.select(publicColumns).from(agents).where(eq(agents.id, id));
  return row ?? null;
}

export async function agentPasswordHash(db: SupportDb, id: number): Promise<string | null> {
  const [row] = await db.select({ hash: agents.passwordHash }).from(agents).where(eq(agents.id, id));
  return row?.hash ?? null;
}

export async function setAgentPassword(db: SupportDb, id: number, passwordHash: string): Promise<void> {
  await db.update(agents).set({ passwordHash }).where(eq(agents.id, id));
}

export async function agentCount(db: SupportDb): Promise<number> {
  const [row] = await db.select({ n: count() }).from(agents);
  return row?.n ?? 0;
}

export async function listAgents(db: SupportDb): Promise<PublicAgent[]> {
  return db.select(publicColumns).from(agents).orderBy(agents.name);
}

export async function agentByEmail(db: SupportDb, email: string): Promise<PublicAgent | null> {
  const [row] = await db
    .select(publicColumns)
    .from(agents)
    .where(eq(agents.email, normalizeEmail(email)));
  return row ?? null;
}

/** Issues a new API bearer token for the agent (replacing any previous one); returned once. */
export async function issueApiToken(db: SupportDb, agentId: number): Promise<string> {
  const token = `sk_${randomToken()}`;
  await db
    .update(agents)
    .set({ apiTokenHash: tokenHash(token) })
    .where(eq(agents.id, agentId));
  return token;
}

export async function agentByApiToken(db: SupportDb, token: string): Promise<PublicAgent | null> {
  // Looked up by hash: equality on a digest leaks nothing useful about the token.
  const [row] = await db
    .select(publicColumns)
    .from(agents)
    .where(eq(agents.apiTokenHash, tokenHash(token)));
  return row ?? null;
}

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
