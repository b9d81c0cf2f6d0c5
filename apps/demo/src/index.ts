/**
 * @mailroom/app-demo — the demo server: the sample apps, both SendGrid webhooks and the developer console
 * on one Hono server.
 *
 * @example
 * ```ts
 * const demo = await startDemo({ env: { PORT: '0', MAILROOM_DATA_DIR: '/tmp/demo' } });
 * console.log(demo.url);   // http://localhost:<port>, console at /console
 * await demo.close();
 * ```
 */
export { startDemo, planSecurity } from './server.js';
export type { StartDemoOptions, RunningDemo } from './server.js';
export { loadConfig, DemoConfigError } from './config.js';
export type { DemoConfig, DemoDomains } from './config.js';
export { demoAppModules } from './apps/index.js';
export type { DemoApp, DemoAppContext, DemoAppModule, DemoAddress, DemoLogin, ComposePreset } from './apps/index.js';
// The console itself is @mailroom/console; the demo passes it its throttled sign-in (app-kit's).
export { consoleAuth } from './console-auth.js';
export type { ConsoleCredentials } from './console-auth.js';
