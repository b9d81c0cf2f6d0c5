// Any Web-standard runtime (Bun, Deno): `bun run examples/fetch/worker.ts`, `deno serve examples/fetch/worker.ts`.
// The handler is path-agnostic: every POST is an Inbound Parse post.
import { openStore } from '@mailroom/core';
import { createSupportMailroom } from '../support-mailroom.js';

export const mailroom = createSupportMailroom(await openStore()); // DATABASE_URL, else PGlite in $MAILROOM_DATA_DIR or ./.mailroom

export default { fetch: mailroom.fetch };
