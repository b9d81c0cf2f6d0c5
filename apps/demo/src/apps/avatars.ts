/** Avatars by email (`apps/avatars`) at /avatars: mail a photo to avatar@<domain>, get a Gravatar-style URL. */
import { createHash } from 'node:crypto';
import { createAvatarsApp } from '@mailroom/app-avatars';
import { listOutboundMessages } from '@mailroom/core/outbound';
import { demoHost, demoModule, type DemoAppModule } from './types.js';

export const AVATAR_USER = { address: 'ada@example.test', name: 'Ada Lovelace' };

export const avatarsModule: DemoAppModule = demoModule('avatars', async (ctx, domain) => {
  const from = { address: `no-reply@${domain}`, name: 'Demo Avatars' };
  const avatars = await createAvatarsApp({
    ...demoHost(ctx),
    config: {
      domain,
      publicUrl: ctx.publicUrl,
      sessionSecret: ctx.secretFor('avatars'),
      from,
      production: !ctx.config.development,
    },
  });
  const upload = `${avatars.config.uploadLocalPart}@${domain}`;
  const hash = createHash('sha256').update(AVATAR_USER.address.toLowerCase()).digest('hex');

  /** Through the app's own JSON API, as a person would: register, then open the confirmation link it mailed. */
  async function seed(): Promise<void> {
    const origin = new URL(ctx.publicUrl).origin;
    // The app's own router, addressed as it sees itself (mounted at its root).
    const api = (path: string, body: unknown) =>
      avatars.web.fetch(
        new Request(`${origin}/api${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin },
          body: JSON.stringify(body),
        }),
      );
    const registered = await api('/register', { address: AVATAR_USER.address });
    if (registered.status !== 202)
      throw new Error(`avatars seed: register answered ${registered.status} ${await registered.text()}`);
    const mails = await listOutboundMessages(ctx.store.db, { limit: 20 });
    const link = mails
      .filter((m) => m.to.some((to) => to.address.toLowerCase() === AVATAR_USER.address))
      .map((m) => /\/confirm\/([\w-]+)/.exec(`${m.text ?? ''} ${m.html ?? ''}`)?.[1])
      .find(Boolean);
    if (!link) throw new Error('avatars seed: no confirmation link was mailed');
    const confirmed = await api('/session', { token: link });
    if (confirmed.status !== 200)
      throw new Error(`avatars seed: confirming answered ${confirmed.status} ${await confirmed.text()}`);
  }

  return {
    name: 'avatars',
    title: 'Avatars',
    summary:
      'Email a photo and it becomes your avatar, served like Gravatar at /avatars/avatar/<sha256 of the address>.',
    mountPath: ctx.mountPath,
    web: avatars.web,
    addresses: [
      {
        address: upload,
        description: `sets the sender's avatar (registered senders with an aligned SPF/DKIM verdict); try it as ${AVATAR_USER.address}, then open ${ctx.mountPath}/avatar/${hash}?s=256`,
        tryIt: {
          from: `${AVATAR_USER.name} <${AVATAR_USER.address}>`,
          to: upload,
          subject: 'My new avatar',
          text: 'Here is my photo.',
          sample: 'photo',
        },
      },
    ],
    logins: [
      {
        url: `${ctx.mountPath}/`,
        username: AVATAR_USER.address,
        note: `registered and confirmed; sign in by asking for a link on ${ctx.mountPath}/ and opening it from the console's outbox`,
      },
    ],
    seed,
  };
});
