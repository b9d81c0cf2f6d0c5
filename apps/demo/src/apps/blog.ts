/** Blog by email (`apps/blog`) at /blog: authors mail a post to post@<domain> (or their secret address). */
import { createAuthor, createBlogApp, hasAdmin, upsertAuthor } from '@mailroom/app-blog';
import { DEMO_PASSWORD, demoHost, demoModule, webConfigOf, type DemoAppModule } from './types.js';

export const BLOG_AUTHOR = { email: 'grace@example.test', name: 'Grace Hopper', isAdmin: true };

export const blogModule: DemoAppModule = demoModule('blog', async (ctx, domain) => {
  const blog = await createBlogApp({
    ...demoHost(ctx),
    config: {
      ...webConfigOf(ctx, domain),
      keys: [{ id: 'demo', secret: ctx.secretFor('blog') }],
      title: 'The Mailroom Blog',
      tagline: 'Posted by email',
    },
  });
  const admin = { email: `admin@${domain}`, name: 'Admin', isAdmin: true };
  const plain = `${blog.config.postingLocalPart}@${domain}`;
  return {
    name: 'blog',
    title: 'Blog',
    summary:
      'A blog by email: registered authors mail a post, get a confirmation with its URL, and reply to it to update the post.',
    mountPath: ctx.mountPath,
    web: blog.web,
    addresses: [
      {
        address: plain,
        description: `publishes a post from a registered author with an aligned SPF/DKIM verdict (try it as ${BLOG_AUTHOR.email})`,
        tryIt: {
          from: `${BLOG_AUTHOR.name} <${BLOG_AUTHOR.email}>`,
          to: plain,
          subject: 'Hello from my inbox',
          text: 'This post was written in an email client.\n\nIt went through SendGrid Inbound Parse (well, the console), the Mailroom inbox and the blog handler.\n',
        },
      },
      {
        address: `${blog.config.postingLocalPart}+<secret>@${domain}`,
        description: "each author's secret posting address (shown in the author UI)",
      },
    ],
    // The published password is shown in development only; production never accepts it.
    logins: ctx.config.development
      ? [
          {
            url: `${ctx.mountPath}/login`,
            username: BLOG_AUTHOR.email,
            password: DEMO_PASSWORD,
            note: 'blog author, when seeded',
          },
        ]
      : [
          {
            url: `${ctx.mountPath}/login`,
            username: admin.email,
            note: 'first admin: the password printed at first start, or MAILROOM_ADMIN_PASSWORD',
          },
        ],
    async seed() {
      await upsertAuthor(
        blog.db,
        { ...BLOG_AUTHOR, password: ctx.accountPassword(`blog ${BLOG_AUTHOR.email}`) },
        blog.kit.hashPassword,
      );
    },
    async ensureFirstAccount() {
      if (await hasAdmin(blog.db)) return;
      await createAuthor(
        blog.db,
        { ...admin, password: ctx.accountPassword(`blog ${admin.email}`) },
        blog.kit.hashPassword,
      );
    },
  };
});
