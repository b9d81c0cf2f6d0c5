import { defineConfig } from 'vitest/config';

// `npm run test:reliability`: crash, outage, handler-fault, hostile-input and signature scenarios.
// Like the root config, tests run against TypeScript sources ("@mailroom/source" maps @mailroom/core to src/).
// RELIABILITY_SCALE (default 1) scales the number of posts and kills; every scenario always runs.
export default defineConfig({
  resolve: { conditions: ['@mailroom/source'] },
  ssr: { resolve: { conditions: ['@mailroom/source'] } },
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['test/reliability/support/summary-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Scenarios load the machine on purpose (child servers, PostgreSQL, thousands of posts): one file at a time.
    fileParallelism: false,
    // postgres.js 3.4.9 throws from a setImmediate when a connection dies with a small write pending
    // (porsager/postgres#1154, #1208; fix PRs open upstream). In a server this is an uncaught exception that
    // kills the process — which the crash scenario shows loses nothing. The outage scenario provokes it on
    // purpose, so exactly this error is reported as a warning instead of failing the run; any other is fatal.
    onUnhandledError(error) {
      const known =
        error.message?.includes("reading 'write'") && /postgres[\\/]src[\\/]connection\.js/.test(error.stack ?? '');
      if (!known) return;
      console.warn(
        `reliability: known postgres.js crash on a cut connection (porsager/postgres#1208): ${error.message}`,
      );
      return false;
    },
  },
});
