/**
 * The blog's mail side: `post+<secret>@domain` and `post@domain` create posts, `reply+<signed>@domain` (the
 * Reply-To of every confirmation) updates one. What an unauthenticated sender may do is decided in
 * `posting.ts` / `updates.ts` (held draft, or refused with a fixed-text notice; never published); every answer
 * goes through `ctx.autoReply` to the author's registered address (`answers.ts`).
 *
 * @example
 * ```ts
 * const mailroom = createMailroom({ store, security, mail: { from: 'Blog <blog@blog.example.com>', transport } });
 * registerBlogRoutes(mailroom, { config: resolveConfig({ domain: 'blog.example.com', publicUrl, keys }), store });
 * ```
 */
export { registerBlogRoutes } from './routes.js';
export type { MailOutcome } from './routes.js';
