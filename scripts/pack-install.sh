#!/usr/bin/env bash
# Packs @mailroom/core as npm would publish it, installs the tarball into a fresh project outside the monorepo,
# type-checks a consumer's strict project against it (skipLibCheck off; NodeNext and Bundler resolution) and runs
# a Mailroom from it: first without PGlite (an optional peer: on PostgreSQL when one is reachable, and the one-line
# error that says how to install it when DATABASE_URL is unset), then with PGlite on the embedded database.
# What an adopter gets, not what the workspace links.
# Usage: scripts/pack-install.sh   (after `npm run build`)
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d "${TMPDIR:-/tmp}/mailroom-pack-XXXXXX")"
trap 'rm -rf "$work"' EXIT

tarball="$(npm pack -w @mailroom/core --pack-destination "$work" --silent | tail -n 1)"
echo "tarball: $tarball $(du -k "$work/$tarball" | cut -f1) KiB packed, $(tar -tzf "$work/$tarball" | wc -l) files"

mkdir "$work/app"
cd "$work/app"
cat > package.json <<'JSON'
{ "name": "consumer", "private": true, "type": "module" }
JSON
npm install --no-audit --no-fund --silent "$work/$tarball" typescript@~5.9.3 @types/node@^20.19.0
installed() { npm ls --all --parseable 2>/dev/null | tail -n +2 | wc -l; }
echo "installed without PGlite: $(installed) packages (with typescript and @types/node), $(du -sm node_modules | cut -f1) MB"
if [ -d node_modules/@electric-sql/pglite ]; then echo "PGlite was installed although it is an optional peer"; exit 1; fi

cat > consumer.ts <<'TS'
import { createMailroom, openStore, type InboundEmail, type RouteContext } from '@mailroom/core';
import { createIngress } from '@mailroom/core/ingress';
import { extractReply } from '@mailroom/core/text';
import { createMailer } from '@mailroom/core/outbound';
import { createEventDispatcher } from '@mailroom/core/events';
import { healthRoutes } from '@mailroom/core/http';
import { inboundRequest, TEST_KEY_PAIR } from '@mailroom/core/testing';

const store = await openStore({ dataDir: process.env.DATA_DIR ?? "data" });
const mailroom = createMailroom({ store, security: { publicKeys: [TEST_KEY_PAIR.publicKey] } });
const seen: string[] = [];
mailroom.route('support', 'support+{ticket}@example.com', async (ctx: RouteContext<{ ticket: string }>) => {
  const email: InboundEmail = ctx.email;
  seen.push(`${ctx.params.ticket}: ${email.subject}`);
});
const response = await mailroom.app().request(inboundRequest({ to: 'support+42@example.com', subject: 'Packed' }, { url: 'http://localhost/parse', sign: TEST_KEY_PAIR }));
await mailroom.drain();
console.log(`consumer on ${store.dialect}: ${response.status}, handled ${JSON.stringify(seen)}`);
void [createIngress, extractReply, createMailer, createEventDispatcher, healthRoutes];
await mailroom.stop();
await store.close();
if (response.status !== 200 || seen.length !== 1) process.exit(1);
TS
for resolution in NodeNext Bundler; do
  module=$([ "$resolution" = NodeNext ] && echo NodeNext || echo ESNext)
  cat > "tsconfig.$resolution.json" <<JSON
{ "compilerOptions": { "target": "ES2022", "module": "$module", "moduleResolution": "$resolution", "strict": true,
  "noUncheckedIndexedAccess": true, "exactOptionalPropertyTypes": true, "skipLibCheck": false, "noEmit": true,
  "types": ["node"] }, "files": ["consumer.ts"] }
JSON
  # skipLibCheck false checks every declaration file in the program. drizzle-orm's (its MySQL/SingleStore/SQLite
  # builders) and PGlite's (an Emscripten namespace) have errors of their own under it, whatever imports them;
  # ours and the consumer's must have none.
  npx tsc -p "tsconfig.$resolution.json" > "tsc.$resolution.txt" || true
  ours=$(grep -E '^(consumer\.ts|node_modules/@mailroom/)' "tsc.$resolution.txt" || true)
  if [ -n "$ours" ]; then echo "$ours"; echo "typecheck ($resolution): errors in @mailroom/core's declarations"; exit 1; fi
  theirs=$(grep -E 'error TS' "tsc.$resolution.txt" | sed -E 's#^node_modules/((@[^/]+/)?[^/]+)/.*#\1#' | sort | uniq -c | tr -s ' ' | paste -sd, -)
  echo "typecheck ($resolution, skipLibCheck false, strict, exactOptionalPropertyTypes): @mailroom/core and the consumer clean; third-party declaration errors: ${theirs:-none}"
done
npx tsc consumer.ts --target ES2022 --module NodeNext --moduleResolution NodeNext --skipLibCheck --outDir out >/dev/null

# Without PGlite and without DATABASE_URL: one line saying how to install it, exit 2 (a configuration error).
set +e
missing="$(env -u DATABASE_URL npx --no-install mailroom migrate 2>&1)"
status=$?
set -e
lines=$(printf '%s\n' "$missing" | wc -l)
if [ "$status" != 2 ] || [ "$lines" != 1 ] || ! grep -q 'npm install @electric-sql/pglite' <<<"$missing"; then
  echo "without PGlite, expected one line and exit 2; got exit $status:"; echo "$missing"; exit 1
fi
echo "without PGlite, no DATABASE_URL: exit $status, \"$missing\""

# Without PGlite, on PostgreSQL (CI has one; skipped with a line where none answers).
pg_url="${CI_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
if command -v psql >/dev/null && psql "$pg_url" -qAtc 'select 1' >/dev/null 2>&1; then
  db="mailroom_pack_$$"
  psql "$pg_url" -qc "create database $db" >/dev/null
  pg_db_url="${pg_url%/*}/$db"
  set +e
  DATABASE_URL="$pg_db_url" node out/consumer.js
  status=$?
  set -e
  psql "$pg_url" -qc "drop database $db with (force)" >/dev/null
  [ "$status" = 0 ] || { echo "consumer on PostgreSQL without PGlite failed"; exit 1; }
else
  echo "consumer on PostgreSQL without PGlite: skipped (no PostgreSQL at $pg_url)"
fi

# With PGlite: the embedded database.
npm install --no-audit --no-fund --silent @electric-sql/pglite@^0.3.8
echo "installed with PGlite: $(installed) packages, $(du -sm node_modules | cut -f1) MB"
env -u DATABASE_URL DATA_DIR="$work/data" node out/consumer.js

# ---- @mailroom/console ------------------------------------------------------------------------------------------
# Its tarball beside core's, both installed (the console depends on core 0.1.0: the packed one), a consumer that
# mounts the console type-checked the same way (skipLibCheck false, NodeNext and Bundler) and run once: 401 without
# credentials, 200 with them, a ConsoleConfigurationError without auth. Kept apart from the PGlite steps above.
repo="$OLDPWD" # the monorepo root: the one `cd "$work/app"` above left
[ -f "$repo/packages/console/package.json" ] || { echo "console block: cannot find the repository at $repo"; exit 1; }
cd "$repo"
console_tarball="$(npm pack -w @mailroom/console --pack-destination "$work" --silent | tail -n 1)"
echo "console tarball: $console_tarball $(du -k "$work/$console_tarball" | cut -f1) KiB packed ($(wc -c <"$work/$console_tarball") bytes), $(tar -tzf "$work/$console_tarball" | wc -l) files"
listing="$(tar -tzf "$work/$console_tarball")"
for wanted in package/README.md package/LICENSE package/dist/index.js package/dist/index.d.ts; do
  grep -qx "$wanted" <<<"$listing" || { echo "console tarball lacks $wanted"; exit 1; }
done
if grep -E '(\.test\.|test-support|\.map$)' <<<"$listing"; then echo "console tarball ships tests or source maps"; exit 1; fi
cd "$work/app"
npm install --no-audit --no-fund --silent "$work/$tarball" "$work/$console_tarball" hono@^4.13.19
echo "installed with the console: $(installed) packages, $(du -sm node_modules | cut -f1) MB"
cat > console-consumer.ts <<'TS'
import { Hono } from 'hono';
import { createMailroom, openStore } from '@mailroom/core';
import { toNodeHandler } from '@mailroom/core/http';
import { generateTestKeyPair } from '@mailroom/core/testing';
import { ConsoleConfigurationError, createWebhookClient, mailroomConsole } from '@mailroom/console';

const store = await openStore({ dataDir: process.env.DATA_DIR ?? 'data' });
const keys = generateTestKeyPair(); // run with NODE_ENV=production, where the published test key is refused
const mailroom = createMailroom({ store, security: { publicKeys: [keys.publicKey] } });
const app = new Hono();
app.route('/webhooks/sendgrid', mailroom.app());
const auth = { username: 'admin', password: 'a long console password' };
const webhooks = createWebhookClient({
  fetch: (request) => app.fetch(request),
  baseUrl: () => 'http://localhost',
  parseKey: keys,
  eventsKey: keys,
});
app.route('/mailroom', mailroomConsole({ store, mailroom, auth, webhooks }));
const listener: ReturnType<typeof toNodeHandler> = toNodeHandler(app.fetch); // node:http / Express
const stranger = await app.request('/mailroom/inbox');
const basic = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
const admin = await app.request('/mailroom/inbox', { headers: { authorization: basic } });
let refused = '';
try {
  mailroomConsole({ store, mailroom } as unknown as Parameters<typeof mailroomConsole>[0]);
} catch (error) {
  if (error instanceof ConsoleConfigurationError) refused = error.message;
}
console.log(`console consumer: without credentials ${stranger.status}, with ${admin.status}; without auth: "${refused}"`);
void listener;
await mailroom.stop();
await store.close();
if (stranger.status !== 401 || admin.status !== 200 || !refused) process.exit(1);
TS
for resolution in NodeNext Bundler; do
  module=$([ "$resolution" = NodeNext ] && echo NodeNext || echo ESNext)
  cat > "tsconfig.console.$resolution.json" <<JSON
{ "compilerOptions": { "target": "ES2022", "module": "$module", "moduleResolution": "$resolution", "strict": true,
  "noUncheckedIndexedAccess": true, "exactOptionalPropertyTypes": true, "skipLibCheck": false, "noEmit": true,
  "types": ["node"] }, "files": ["console-consumer.ts"] }
JSON
  npx tsc -p "tsconfig.console.$resolution.json" > "tsc.console.$resolution.txt" || true
  ours=$(grep -E '^(console-consumer\.ts|node_modules/@mailroom/)' "tsc.console.$resolution.txt" || true)
  if [ -n "$ours" ]; then echo "$ours"; echo "typecheck ($resolution): errors in the console consumer or @mailroom/*"; exit 1; fi
  theirs=$(grep -E 'error TS' "tsc.console.$resolution.txt" | sed -E 's#^node_modules/((@[^/]+/)?[^/]+)/.*#\1#' | sort | uniq -c | tr -s ' ' | paste -sd, -)
  echo "typecheck console consumer ($resolution, skipLibCheck false): @mailroom/* and the consumer clean; third-party declaration errors: ${theirs:-none}"
done
npx tsc console-consumer.ts --target ES2022 --module NodeNext --moduleResolution NodeNext --skipLibCheck --outDir out >/dev/null
env -u DATABASE_URL DATA_DIR="$work/console-data" NODE_ENV=production node out/console-consumer.js
cd "$repo"
