import { fileURLToPath } from 'node:url';
import type { MigrationSet } from '../inbox/index.js';

/** Table `events` (Event Webhook). Links to the outbox, so apply after `outboundMigrationSet`. */
export const eventsMigrationSet: MigrationSet = {
  name: 'events',
  folder: fileURLToPath(new URL('../../drizzle/events', import.meta.url)),
};
