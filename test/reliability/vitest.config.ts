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
  },
});
