import { defineConfig } from 'vitest/config';

// Tests run against TypeScript sources: the "@mailroom/source" export condition maps
// `@mailroom/core` to `packages/core/src` so apps and end-to-end tests need no build.
export default defineConfig({
  resolve: { conditions: ['@mailroom/source'] },
  ssr: { resolve: { conditions: ['@mailroom/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'test/reliability/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
