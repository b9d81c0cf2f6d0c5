/**
 * Address routing: which route (handler) an inbound email goes to.
 *
 * **Candidates.** The router tries the email's recipients in this order, each address once
 * (case-insensitively; an address seen twice keeps its first source): SMTP envelope recipients
 * (SendGrid's `envelope.to`, which includes Bcc recipients), then the To, Cc, X-Original-To,
 * X-Forwarded-To and Delivered-To headers. The handler learns the matched address and its source
 * (`'envelope' | 'to' | 'cc' | 'x-original-to' | 'x-forwarded-to' | 'delivered-to'`).
 *
 * **Order.** For each candidate recipient in that order, the first route in declaration order that
 * matches wins. So an envelope match always beats a header match, and between routes that match the
 * same recipient, the one declared first wins. Exactly ONE handler runs per email; an app that wants
 * fan-out registers one route and loops over its recipients itself. Routes without a recipient
 * condition (predicates; matchers without `to`) match at the first recipient.
 *
 * **Patterns.**
 * - `'support@example.com'`: exact address, case-insensitive. Subaddresses are NOT implied:
 *   `support+x@example.com` does not match; declare `'support+{tag}@example.com'` for that.
 * - `'post+{token}@blog.example.com'`, `'{list}@lists.example.com'`, `'{user}@{domain}'`: each
 *   `{name}` captures one or more non-`@` characters (shortest first) into `params`, typed from the
 *   string. Literal parts compare case-insensitively; params keep the case they had in the address.
 * - `'*@example.com'`: `*` matches one or more non-`@` characters without capturing.
 * - `/^(?<team>[a-z]+)-alerts@example\.com$/i`: tested against each recipient; named groups become params.
 *   Flags are yours (add `i` for case-insensitivity).
 * - `(email) => boolean`: a predicate on the whole email.
 * - `{ to?, from?, subject?, header? }`: all given conditions must hold. `to` works per recipient like
 *   the forms above; `from` (pattern or RegExp) tests the From header address; `subject` (RegExp) the
 *   subject; `header: { name, value? }` (or a list) tests that a header exists / one of its values equals
 *   `value` case-insensitively / matches the RegExp. Named groups of every RegExp become params
 *   (recipient params win on a name clash).
 *
 * **No match.** If nothing matches, the fallback (if declared) runs; otherwise `match()` returns null,
 * which the Mailroom records as status `unrouted`: stored, visible, replayable, never retried.
 *
 * **Names.** `add('support', pattern, target)` names a route; `add(pattern, target)` names it after
 * the pattern (`#2`, `#3` … on repeats). `match(email, { forcedRoute: 'support' })` uses that route
 * whether or not it matches (replay/reroute); `'fallback'` names the fallback.
 *
 * @example
 * ```ts
 * import { createRouter } from '@mailroom/core/routing';
 * const router = createRouter<string>();
 * router.add('posts', 'post+{token}@blog.example.com', 'posts-mailbox');
 * router.add({ to: '*@support.example.com', subject: /\[#(?<ticket>\d+)\]/ }, 'ticket-replies');
 * router.fallback('backstop');
 * const found = router.match(email); // { route, params: { token }, recipient: { address, source }, … }
 * ```
 */
export * from './public.js';
export { compileAddressPattern } from './pattern.js';
