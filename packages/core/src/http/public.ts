// `@mailroom/core/http`: the HTTP pieces under `mailroom.app()` (an ingress without a Mailroom, Node adapters,
// health and metrics routes, credentials from the environment).
export * from './index.js';
export { mailroomMetrics, type MailroomMetrics, type MailroomMetricsOptions } from '../mailroom/metrics.js';
export {
  checkReadiness,
  healthRoutes,
  type HealthOptions,
  type Readiness,
  type ReadinessCheck,
} from '../mailroom/health.js';
export {
  basicCredentialsFromEnv,
  parseBasicCredentials,
  parseMaxAgeSeconds,
  securityFromEnv,
} from '../mailroom/env.js';
export type { EnvSecurity, SecurityFromEnvOptions } from '../mailroom/env.js';
