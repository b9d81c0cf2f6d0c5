import { fileURLToPath } from 'node:url';
import type { MigrationSet } from '../inbox/index.js';

/** Tables `outbound_messages` (the outbox) and `auto_reply_log`. Part of the core sets `openStore()` applies. */
export const outboundMigrationSet: MigrationSet = {
  name: 'outbound',
  folder: fileURLToPath(new URL('../../drizzle/outbound', import.meta.url)),
};
