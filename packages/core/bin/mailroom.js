#!/usr/bin/env node
// Thin launcher so `npx mailroom` works from the repo root: the CLI itself is compiled TypeScript.
import('../dist/cli/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('mailroom: the core package is not built yet; run `npm run build` first\n');
    process.exit(1);
  }
  throw error;
});
