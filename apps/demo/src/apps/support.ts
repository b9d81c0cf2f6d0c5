/** The help desk (`apps/support`) at /support: support@<domain> opens tickets, agents answer in the UI. */
import { agentCount, createAgent, createSupportApp, upsertAgent } from '@mailroom/app-support';
import { DEMO_PASSWORD, demoHost, demoModule, deploymentOf, type DemoAppModule } from './types.js';

export const SUPPORT_AGENT = { email: 'agent@example.test', name: 'Sam Support' };

export const supportModule: DemoAppModule = demoModule('support', async (ctx, domain) => {
  const address = `support@${domain}`;
  const support = await createSupportApp({
    ...demoHost(ctx),
    sessionSecret: ctx.secretFor('support'),
    config: {
      domain,
      queues: [
        { address, name: 'general' },
        { address: `billing@${domain}`, name: 'billing' },
      ],
      helpdeskName: 'Demo Support',
      basePath: ctx.mountPath,
      ...deploymentOf(ctx),
    },
  });
  const admin = { email: `admin@${domain}`, name: 'Admin' };
  support.registerEventHandlers(ctx.events);
  return {
    name: 'support',
    title: 'Support',
    summary: 'A help desk: every email opens or continues a ticket; agents reply from the web UI, customers by email.',
    mountPath: ctx.mountPath,
    web: support.web,
    addresses: [
      {
        address,
        description: 'opens a ticket (general queue) and acknowledges it',
        tryIt: {
          from: 'Casey Customer <casey@customer.example>',
          to: address,
          subject: 'My order has not arrived',
          text: 'Hello,\n\nI ordered a teapot two weeks ago and it has not arrived yet. Can you help?\n\nCasey',
        },
      },
      { address: `billing@${domain}`, description: 'opens a ticket in the billing queue' },
      { address: `reply+…@${domain}`, description: 'signed reply addresses: answers to our mail land on their ticket' },
    ],
    logins: ctx.config.development
      ? [
          {
            url: `${ctx.mountPath}/login`,
            username: SUPPORT_AGENT.email,
            password: DEMO_PASSWORD,
            note: 'support agent, when seeded',
          },
        ]
      : [
          {
            url: `${ctx.mountPath}/login`,
            username: admin.email,
            note: 'first agent: the password printed at first start, or MAILROOM_ADMIN_PASSWORD',
          },
        ],
    async seed() {
      await upsertAgent(
        support.services.db,
        { ...SUPPORT_AGENT, password: ctx.accountPassword(`support ${SUPPORT_AGENT.email}`) },
        support.kit.hashPassword,
      );
    },
    async ensureFirstAccount() {
      if ((await agentCount(support.services.db)) > 0) return;
      await createAgent(
        support.services.db,
        { ...admin, password: ctx.accountPassword(`support ${admin.email}`) },
        support.kit.hashPassword,
      );
    },
  };
});
