/** The demo with SMTP_PORT: the four apps' domains also take mail over SMTP, stored like a webhook post. */
import { expect, it } from 'vitest';
import { smtpClient } from '../../packages/core/src/ingress/smtp/test-support.js';
import { startTestDemo } from './support.js';

it('with SMTP_PORT, receives mail for the apps domains over SMTP and refuses any other domain', async () => {
  const t = await startTestDemo({ SMTP_PORT: '0' });
  try {
    const { smtpPort, config, store } = t.demo;
    expect(smtpPort).toEqual(expect.any(Number));
    const client = smtpClient(smtpPort!);
    const to = [`help@${config.domains.support}`, 'victim@elsewhere.example.net'];
    const info = await client.sendMail({ from: 'ann@sender.example.net', to, subject: 'Over SMTP', text: 'Hello.' });
    expect(info.rejected).toEqual(['victim@elsewhere.example.net']);
    const stored = (await store.inbox.list({ limit: 100 })).filter((row) => row.subject === 'Over SMTP');
    expect(stored).toMatchObject([{ envelopeTo: [`help@${config.domains.support}`] }]);
  } finally {
    await t.close();
  }
});
