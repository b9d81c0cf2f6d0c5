/** Mailing lists (`apps/lists`) at /lists: posts to <slug>@<domain> go to every member; replies thread. */
import { ADMIN_ACCOUNT, createListsApp } from '@mailroom/app-lists';
import { DEMO_PASSWORD, demoHost, demoModule, webConfigOf, type DemoAppModule } from './types.js';

export const DEMO_LIST = {
  slug: 'friends',
  name: 'Friends of Mailroom',
  description: 'A small demo list: write to it and every member gets a copy.',
  members: [
    { address: 'ada@example.test', name: 'Ada Lovelace', role: 'owner' },
    { address: 'bob@example.test', name: 'Bob Builder', role: 'member' },
    { address: 'carol@example.test', name: 'Carol Writer', role: 'member' },
  ],
} as const;

export const listsModule: DemoAppModule = demoModule('lists', async (ctx, domain) => {
  const lists = await createListsApp({
    ...demoHost(ctx),
    config: {
      ...webConfigOf(ctx, domain),
      basePath: ctx.mountPath,
      keys: [{ id: 'demo', secret: ctx.secretFor('lists') }],
    },
  });
  lists.registerEventHandlers(ctx.events);
  const listAddress = `${DEMO_LIST.slug}@${domain}`;

  /** Through the app's JSON API with the admin password, as an operator would. */
  async function seed(): Promise<void> {
    const password = ctx.accountPassword('lists admin');
    await lists.kit.credentials.set(ADMIN_ACCOUNT, await lists.kit.hashPassword(password));
    const origin = new URL(ctx.publicUrl).origin;
    const authorization = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
    const api = async (path: string, body: unknown, accept: number[]) => {
      const response = await lists.web.fetch(
        new Request(`${origin}/api${path}`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      );
      if (!accept.includes(response.status))
        throw new Error(`lists seed: POST ${path} answered ${response.status} ${await response.text()}`);
    };
    // 409: the list exists already (a seed interrupted after it); members are upserts.
    await api('/lists', { slug: DEMO_LIST.slug, name: DEMO_LIST.name, description: DEMO_LIST.description }, [201, 409]);
    for (const member of DEMO_LIST.members) await api(`/lists/${DEMO_LIST.slug}/members`, member, [201]);
  }

  return {
    name: 'lists',
    title: 'Lists',
    summary:
      'Mailing lists: a post to the list address goes to every member, replies thread, bounces count against members.',
    mountPath: ctx.mountPath,
    web: lists.web,
    addresses: [
      {
        address: listAddress,
        description: `posts to "${DEMO_LIST.name}" (members: ${DEMO_LIST.members.map((m) => m.address).join(', ')})`,
        tryIt: {
          from: `${DEMO_LIST.members[0].name} <${DEMO_LIST.members[0].address}>`,
          to: listAddress,
          subject: 'Hello, friends',
          text: 'Hi all,\n\nthis is the first post to our list. Reply to it from the Outbox!\n\nAda',
        },
      },
      { address: `${DEMO_LIST.slug}-request@${domain}`, description: 'list commands (subscribe, unsubscribe, help)' },
    ],
    logins: ctx.config.development
      ? [
          {
            url: `${ctx.mountPath}/login`,
            username: 'admin',
            password: DEMO_PASSWORD,
            note: 'list admin (password only), when seeded',
          },
        ]
      : [
          {
            url: `${ctx.mountPath}/login`,
            username: 'admin',
            note: 'list admin (password only): printed at first start, or MAILROOM_ADMIN_PASSWORD',
          },
        ],
    seed,
    async ensureFirstAccount() {
      if (await lists.kit.credentials.hashOf(ADMIN_ACCOUNT)) return;
      await lists.kit.credentials.setIfMissing(
        ADMIN_ACCOUNT,
        await lists.kit.hashPassword(ctx.accountPassword('lists admin')),
      );
    },
    start: () => lists.start(),
    stop: () => lists.stop(),
  };
});
