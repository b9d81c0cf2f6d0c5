import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityFromEnv, MailroomConfigurationError } from '../mailroom/index.js';
import { createTestMailroom, type TestMailroom } from './mailroom.js';

describe('createTestMailroom', () => {
  let t: TestMailroom;
  const bounced: string[] = [];
  beforeAll(async () => {
    t = await createTestMailroom({ mail: { from: 'Help <help@example.test>' } });
    t.mailroom.route('help@example.test', async (ctx) => {
      await ctx.reply({ text: 'On it.' });
    });
    // An event handler that queues mail: it goes out with the same drain.
    t.mailroom.events.on('bounce', async (event, { tx, afterCommit }) => {
      bounced.push(event.email ?? '');
      await t.mailroom.mailer.send(
        { to: 'admin@example.test', subject: `Bounced: ${event.email}`, text: 'x' },
        { tx, afterCommit },
      );
    });
    t.app.get('/hello', (c) => c.text('hi'));
  });
  afterAll(() => t.close());

  it('posts signed over HTTP, processes, and captures what the outbox delivered', async () => {
    const response = await t.post({ from: 'ann@example.com', to: 'help@example.test', subject: 'Printer' });
    expect(response.status).toBe(200);
    expect(t.sent.map((m) => [m.to[0]?.address, m.subject])).toEqual([['ann@example.com', 'Re: Printer']]);
    expect(await (await fetch(`${t.url}/hello`)).text()).toBe('hi');
    // Unsigned posts are refused: the endpoint verifies like production.
    expect((await fetch(`${t.url}/webhooks/sendgrid/parse`, { method: 'POST', body: 'x' })).status).toBe(401);
  });

  it('posts signed Event Webhook events and delivers mail their handlers queued', async () => {
    const outboxId = t.sent[0]!.id;
    const response = await t.postEvents([
      { event: 'bounce', email: 'ann@example.com', sg_event_id: 'b1', type: 'bounce', mailroom_id: outboxId },
    ]);
    expect(response.status).toBe(200);
    expect(bounced).toEqual(['ann@example.com']);
    expect(t.sent.at(-1)).toMatchObject({
      subject: 'Bounced: ann@example.com',
      from: { address: 'help@example.test' },
    });
  });
});

describe('securityFromEnv', () => {
  it('reads comma-separated keys, basic credentials, and the events key', () => {
    expect(securityFromEnv({ SENDGRID_PARSE_PUBLIC_KEY: ' a, b ', SENDGRID_EVENTS_PUBLIC_KEY: 'e' })).toEqual({
      security: { publicKeys: ['a', 'b'] },
      eventsSecurity: { publicKeys: ['e'] },
    });
    expect(securityFromEnv({ SENDGRID_PARSE_BASIC: 'u:p:q,v:w' }).security.basic).toEqual([
      { username: 'u', password: 'p:q' },
      { username: 'v', password: 'w' },
    ]);
    expect(securityFromEnv({ SENDGRID_PARSE_BASIC_AUTH: 'u:p' }).security.basic).toEqual([
      { username: 'u', password: 'p' },
    ]);
  });

  it('refuses to run unauthenticated unless insecure mode is asked for', () => {
    expect(() => securityFromEnv({})).toThrow(MailroomConfigurationError);
    expect(() => securityFromEnv({})).toThrow(/SENDGRID_PARSE_PUBLIC_KEY/);
    expect(() => securityFromEnv({ SENDGRID_PARSE_BASIC: 'nocolon' })).toThrow(/user:password/);
    expect(securityFromEnv({ MAILROOM_INSECURE: '1' })).toEqual({
      security: { insecure: true },
      eventsSecurity: undefined,
    });
    expect(securityFromEnv({}, { allowInsecure: true }).security).toEqual({ insecure: true });
  });
});
