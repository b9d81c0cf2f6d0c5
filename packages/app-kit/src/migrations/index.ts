/**
 * `@mailroom/app-kit/drizzle-kit`: the apps' drizzle-kit configuration, a subpath of its own so drizzle-kit loads
 * this file alone (not the kit's web half).
 */
export { appMigrationsConfig } from './drizzle-kit.js';
export type { AppMigrationsOptions } from './drizzle-kit.js';
