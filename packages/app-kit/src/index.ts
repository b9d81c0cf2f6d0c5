/**
 * @mailroom/app-kit — the sample apps' shared web kit (private): revocable server-side sessions, one password
 * policy (scrypt), login throttling and lockout (rate-limiter-flexible on PostgreSQL/PGlite), CSRF for forms,
 * security headers with a strict CSP, and the deployment defaults (first passwords from the environment or
 * generated once, no built-in password in production, the Secure-cookie warning, the Host allowlist).
 *
 * @example
 * ```ts
 * const kit = await createAppKit({
 *   store, realm: 'blog', secret: process.env.BLOG_SECRET!, publicUrl: 'https://example.com/blog',
 *   cookie: { name: 'blog_session', path: '/blog', secure: true, ttlMs: 14 * 86_400_000 },
 * });
 * web.use(securityHeaders());
 * forms.use(kit.formOriginCheck);                         // hono/csrf: cross-site form posts get 403
 * forms.post('/login', async (c) => {
 *   const { email, password } = await c.req.parseBody();
 *   const result = await kit.login(c, String(email), () => authenticate(String(email), String(password)));
 *   if (result.kind === 'throttled') return c.text('too many attempts', 429, { 'Retry-After': String(result.retryAfterSeconds) });
 *   if (result.kind === 'failed') return c.text('wrong email or password', 401);
 *   await kit.sessions.start(c, String(result.value.id));
 *   return c.redirect('/blog/admin', 303);
 * });
 * forms.post('/logout', async (c) => { await kit.sessions.end(c); return c.redirect('/blog', 303); });
 * ```
 */
export { createAppKit, kitDeployment, basicLogin, throttledJson, inTime, APP_KIT_MIGRATIONS } from './kit.js';
export type { AppKit, AppKitOptions, KitDeployment, PasswordChange, BasicLoginOptions } from './kit.js';
export { formLogin, type FormLoginOptions } from './form-login.js';
export { createSessions, tokenDigest, type Session, type Sessions, type SessionOptions } from './sessions.js';
export {
  createLoginThrottle,
  DEFAULT_THROTTLE_LIMITS,
  type LoginThrottle,
  type Attempt,
  type Limit,
  type ThrottleLimits,
  type ThrottleOptions,
} from './throttle.js';
export {
  hashPassword,
  verifyPassword,
  passwordProblem,
  generatePassword,
  WeakPasswordError,
  PasswordCheckBusyError,
  DUMMY_PASSWORD_HASH,
  PASSWORD_MIN_LENGTH,
  PASSWORD_MAX_LENGTH,
} from './passwords.js';
export { createCredentials, type Credentials } from './credentials.js';
export { csrfToken, verifyCsrfToken, formOriginCheck } from './csrf.js';
export { securityHeaders, type SecurityHeaderOptions } from './headers.js';
export {
  BUILT_IN_PASSWORDS,
  forbiddenPasswords,
  firstPassword,
  createFirstAccount,
  secureCookieWarning,
  hostAllowlist,
  hostnameOf,
  LOCAL_HOSTS,
  type FirstPassword,
} from './deployment.js';
export { clientAddress, parseTrustProxy, type TrustProxy } from './client-ip.js';
export { PasswordChangeForm } from './views.js';
export * from './look/index.js';
export {
  sanitizeMailHtml,
  sanitizeBoundedMailHtml,
  boundHtml,
  linkRel,
  FORMATTING_TAGS,
  TABLE_SPANS,
  MAIL_HTML_BOUNDS,
  type HtmlBounds,
} from './mail-html/index.js';
export {
  serveStandalone,
  runMain,
  runIfEntry,
  EnvError,
  requireEnv,
  portFromEnv,
  storeOptionsFromEnv,
  signingKeysFromEnv,
  webhooksFromEnv,
  transportFromEnv,
  standaloneFromEnv,
  openStandalone,
} from './standalone/index.js';
export type {
  StandaloneOptions,
  RunningStandalone,
  RunMainOptions,
  RunningMain,
  Env,
  StandaloneSettings,
  OpenedStandalone,
} from './standalone/index.js';
