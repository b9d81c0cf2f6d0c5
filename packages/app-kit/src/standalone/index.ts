/**
 * Running a sample app on its own: `serveStandalone` (webhooks, health check, pages, start and orderly stop),
 * `runIfEntry(import.meta.url, main)` / `runMain` (signals, exit 2 without a stack trace for a configuration
 * mistake), and the environment readers every app's `configFromEnv` shares.
 */
export { serveStandalone } from './serve.js';
export type { StandaloneOptions, RunningStandalone } from './serve.js';
export { runMain, runIfEntry } from './run-main.js';
export type { RunMainOptions, RunningMain } from './run-main.js';
export {
  EnvError,
  requireEnv,
  portFromEnv,
  storeOptionsFromEnv,
  signingKeysFromEnv,
  webhooksFromEnv,
  transportFromEnv,
} from './env.js';
export type { Env } from './env.js';
export { standaloneFromEnv, openStandalone } from './open.js';
export type { StandaloneSettings, OpenedStandalone } from './open.js';
