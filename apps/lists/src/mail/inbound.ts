/** Mail to a list address (`<list>@`) or its command address (`<list>-request@`). */
import { and, eq } from 'drizzle-orm';
import { messages } from '../db/schema.js';
import { listBySlug, type List } from '../domain/index.js';
import { commandIn, runCommand } from './commands.js';
import { screen } from './screen.js';
import { submissionOf, submit } from './submit.js';
import type { Inbound, InboundResult } from './types.js';

export async function handleListMail(inbound: Inbound, slug: string, requestAddress: boolean): Promise<InboundResult> {
  const list = await listBySlug(inbound.tx, slug);
  if (!list) return { outcome: 'bounced', reason: `no list named "${slug.slice(0, 64)}"` };
  const screened = await screen(inbound, async () => list);
  if (screened) return screened;
  // On the request address anything that is not a command gets the help text.
  const command = commandIn(inbound.email, requestAddress) ?? (requestAddress ? 'help' : null);
  if (command) return runCommand(inbound, list, command);
  return submit(inbound, list, submissionOf(inbound, await threadOf(inbound, list)));
}

/** The thread a post replies to: one of our signed Message-IDs in In-Reply-To/References, of this list. */
async function threadOf(inbound: Inbound, list: List): Promise<string | null> {
  for (const verified of inbound.services.messageIds.verifyMessageIds(inbound.email)) {
    if (!verified.scope.startsWith('m:')) continue;
    const [row] = await inbound.tx
      .select({ threadId: messages.threadId })
      .from(messages)
      .where(and(eq(messages.id, verified.scope.slice(2)), eq(messages.listId, list.id)));
    if (row) return row.threadId;
  }
  return null;
}
