#!/usr/bin/env bash
# Packs @mailroom/core as npm would publish it, installs the tarball into a fresh project outside the monorepo,
# type-checks a consumer's strict project against it (skipLibCheck off; NodeNext and Bundler resolution) and runs
# a Mailroom from it on the embedded database: what an adopter gets, not what the workspace links.
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
echo "installed: $(npm ls --all --parseable 2>/dev/null | tail -n +2 | wc -l) packages (with typescript and @types/node)"

cat > consumer.ts <<'TS'
import { createMailroom, openStore, type InboundEmail, type RouteContext } from '@mailroom/core';
import { createIngress } from '@mailroom/core/ingress';
import { extractReply } from '@mailroom/core/text';
import { createMailer } from '@mailroom/core/outbound';
import { createEventDispatcher } from '@mailroom/core/events';
import { healthRoutes } from '@mailroom/core/http';
import { inboundRequest, TEST_KEY_PAIR } from '@mailroom/core/testing';

const store = await openStore({ dataDir: process.env.DATA_DIR! });
const mailroom = createMailroom({ store, security: { publicKeys: [TEST_KEY_PAIR.publicKey] } });
const seen: string[] = [];
mailroom.route('support', 'support+{ticket}@example.com', async (ctx: RouteContext<{ ticket: string }>) => {
  const email: InboundEmail = ctx.email;
  seen.push(`${ctx.params.ticket}: ${email.subject}`);
});
const response = await mailroom.app().request(inboundRequest({ to: 'support+42@example.com', subject: 'Packed' }, { url: 'http://localhost/parse', sign: TEST_KEY_PAIR }));
await mailroom.drain();
console.log(`consumer: ${response.status}, handled ${JSON.stringify(seen)}`);
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
DATA_DIR="$work/data" node out/consumer.js
