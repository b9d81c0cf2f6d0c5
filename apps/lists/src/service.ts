// The domain moved to ./domain/; this re-export keeps `fanout.ts` and `web/` (other owners) compiling
// until they import from './domain/index.js' themselves.
export * from './domain/index.js';
