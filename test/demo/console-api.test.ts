import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestDemo, type TestDemo } from './support.js';

const SUPPORT = 'support@support.example.test';

interface InboundItem {
  id: string;
  status: string;
  route: string | null;
  recipient: string | null;
  envelopeTo: string[];
  attempts: number;
  mode: string;
}

describe('demo server: console JSON API through the real webhooks', () => {
  let t: TestDemo;
  beforeAll(async () => {
    t = await startTestDemo();
  });
  afterAll(() => t?.close());

  async function delivered(id: string) {
    return eventually(async () => {
      const body = (await (await t.get(`/console/api/inbound/${id}`)).json()) as { record: InboundItem };
      return body.record.status === 'delivered' ? body : null;
    }, `inbound ${id} to be delivered`);
  }

  it('serves the home page with the addresses, logins and try-it links', async () => {
    const response = await t.get('/');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(SUPPORT);
    expect(html).toContain('avatar@avatars.example.test');
    expect(html).toContain('friends@lists.example.test');
    expect(html).toContain('agent@example.test');
    expect(html).toMatch(/href="\/console\/compose\?[^"]*to=support%40support.example.test/);
    expect(t.demo.banner).toContain(`write to ${SUPPORT}`);
  });

  it('composes an email that is posted through the webhook, stored, routed and answered', async () => {
    const response = await t.postJSON('/console/api/compose', {
      from: 'Casey Customer <casey@customer.example>',
      to: SUPPORT,
      bcc: 'audit@support.example.test',
      subject: 'Teapot missing',
      text: 'Where is my teapot?',
      html: '<p>Where is my <b>teapot</b>?</p>',
      attachments: [
        { filename: 'receipt.txt', contentType: 'text/plain', content: Buffer.from('order 42').toString('base64') },
      ],
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string; duplicate: boolean; webhook: { status: number } };
    expect(created.webhook.status).toBe(200);
    expect(created.duplicate).toBe(false);

    const detail = (await delivered(created.id)) as {
      record: InboundItem;
      email: {
        subject: string;
        envelope: { to: string[] };
        attachments: Array<{ filename: string; size: number }>;
        html: string;
      };
      authVerdict: { aligned: boolean };
      classification: { kind: string };
      reply: { text: string };
    };
    expect(detail.record.route).toMatch(/^support/);
    expect(detail.record.recipient).toBe(SUPPORT);
    expect(detail.record.attempts).toBe(1);
    expect(detail.email.envelope.to).toEqual([SUPPORT, 'audit@support.example.test']);
    expect(detail.email.attachments).toMatchObject([{ filename: 'receipt.txt', size: 8 }]);
    expect(detail.authVerdict.aligned).toBe(true);
    expect(detail.classification.kind).toBe('human');
    expect(detail.reply.text).toContain('Where is my teapot?');

    const list = (await (await t.get('/console/api/inbound?q=Teapot')).json()) as { items: InboundItem[] };
    expect(list.items.map((i) => i.id)).toContain(created.id);

    // The help desk acknowledged the ticket through the outbox, with a signed reply address.
    const outbox = await eventually(async () => {
      const body = (await (await t.get('/console/api/outbox')).json()) as {
        items: Array<{
          id: string;
          subject: string;
          to: Array<{ address: string }>;
          replyTo: Array<{ address: string }>;
          status: string;
        }>;
      };
      return body.items.find((m) => m.to[0]?.address === 'casey@customer.example');
    }, 'the acknowledgement');
    expect(outbox.subject).toContain('Teapot missing');
    expect(outbox.replyTo[0]?.address).toMatch(/^reply\+.+@support\.example\.test$/);
  });

  it('shows the post on the inbox pages, with the HTML sanitized in a sandboxed frame of its own', async () => {
    const list = (await (await t.get('/console/api/inbound?q=Teapot')).json()) as { items: InboundItem[] };
    const id = list.items[0]!.id;
    const page = await (await t.get(`/console/inbox/${id}`)).text();
    expect(page).toContain(`<iframe class="preview" sandbox="" title="HTML part" src="/console/inbox/${id}/html"`);
    expect(page).toContain('&lt;b&gt;teapot&lt;/b&gt;'); // in the raw source, as text
    expect(page).not.toContain('<b>teapot</b>');
    const preview = await t.get(`/console/inbox/${id}/html`);
    expect(preview.headers.get('content-security-policy')).toContain('sandbox');
    expect(await preview.text()).toContain('<b>teapot</b>');
    const attachment = await t.get(`/console/inbox/${id}/attachments/0`);
    expect(attachment.headers.get('content-disposition')).toContain('attachment');
    expect(await attachment.text()).toBe('order 42');
    const raw = await t.get(`/console/inbox/${id}/raw`);
    expect(await raw.text()).toContain('name="envelope"');
    expect((await t.get('/console/inbox?status=delivered')).status).toBe(200);
  });

  it('posts a pasted .eml in raw mode', async () => {
    const eml = [
      'From: Erin <erin@customer.example>',
      'To: billing@support.example.test',
      'Subject: Invoice question',
      'Message-ID: <eml-1@customer.example>',
      'Date: Thu, 26 Nov 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Why was I charged twice?',
      '',
    ].join('\r\n');
    const response = await t.postJSON('/console/api/compose', { eml });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const detail = (await delivered(id)) as { record: InboundItem; email: { text: string; messageId: string } };
    expect(detail.record.mode).toBe('raw');
    expect(detail.record.recipient).toBe('billing@support.example.test');
    expect(detail.email.messageId).toBe('eml-1@customer.example');
    expect(detail.email.text).toContain('charged twice');
  });

  it('composes as each provider the demo mounted (Postmark, Mailgun, the relay, SES), routed like SendGrid mail', async () => {
    const page = await (await t.get('/console/compose')).text();
    for (const provider of ['sendgrid', 'postmark', 'mailgun', 'relay', 'ses'])
      expect(page).toContain(`<option value="${provider}"`);
    for (const provider of ['postmark', 'mailgun', 'relay', 'ses'] as const) {
      const response = await t.postJSON('/console/api/compose', {
        provider,
        from: 'Dana Provider <dana@customer.example>',
        to: SUPPORT,
        subject: `Order question via ${provider}`,
        text: 'Where is my order?',
      });
      expect(response.status).toBe(201);
      const { id } = (await response.json()) as { id: string };
      const detail = (await delivered(id)) as { record: InboundItem; email: { provider: string; subject: string } };
      expect(detail.email).toMatchObject({ provider, subject: `Order question via ${provider}` });
      expect(detail.record.recipient).toBe(SUPPORT);
    }
    const unknown = await t.postJSON('/console/api/compose', { provider: 'smtp', from: 'a@x.example', to: SUPPORT });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { reason: string }).reason).toMatch(/"smtp" is not configured for Compose/);
  });

  it('rejects bad compose input with a reason', async () => {
    const noRecipient = await t.postJSON('/console/api/compose', { from: 'a@example.test', subject: 'x' });
    expect(noRecipient.status).toBe(400);
    expect(((await noRecipient.json()) as { reason: string }).reason).toMatch(/recipient/);
    const notJson = await t.get('/console/api/compose', {
      method: 'POST',
      body: '<x/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(notJson.status).toBe(400);
    const badEml = await t.postJSON('/console/api/compose', { eml: 'no headers here' });
    expect(badEml.status).toBe(400);
  });

  it('lists unrouted mail and replays or reroutes it', async () => {
    const response = await t.postJSON('/console/api/compose', {
      from: 'x@customer.example',
      to: 'nobody@nowhere.example',
      subject: 'Lost',
    });
    const { id } = (await response.json()) as { id: string };
    await eventually(async () => {
      const body = (await (await t.get('/console/api/inbound?status=unrouted')).json()) as { items: InboundItem[] };
      return body.items.some((i) => i.id === id);
    }, 'the unrouted email');
    const unknown = await t.postJSON(`/console/api/inbound/${id}/replay`, { route: 'no-such-route' });
    expect(unknown.status).toBe(400);
    const supportRoute = t.demo.mailroom.router.routes.find((r) => r.name.startsWith('support'))!.name;
    const rerouted = await t.postJSON(`/console/api/inbound/${id}/replay`, { route: supportRoute });
    expect(await rerouted.json()).toEqual({ replayed: 1, route: supportRoute });
    const detail = (await delivered(id)) as { record: InboundItem };
    expect(detail.record.route).toBe(supportRoute);
    const byStatus = await t.postJSON('/console/api/replay', { status: 'failed' });
    expect(await byStatus.json()).toEqual({ replayed: 0, route: null });
    expect((await t.postJSON('/console/api/inbound/00000000-0000-4000-8000-000000000000/replay', {})).status).toBe(404);
  });

  it('simulates signed Event Webhook events for an outbox message', async () => {
    const outbox = (await (await t.get('/console/api/outbox')).json()) as {
      items: Array<{ id: string; to: Array<{ address: string }> }>;
    };
    const message = outbox.items.find((m) => m.to[0]?.address === 'casey@customer.example')!;
    const delivered = await t.postJSON(`/console/api/outbox/${message.id}/events`, { event: 'delivered' });
    expect(delivered.status, await delivered.clone().text()).toBe(201);
    const posted = (await delivered.json()) as { event: Record<string, unknown>; webhook: { status: number } };
    expect(posted.webhook.status).toBe(200);
    expect(posted.event.mailroom_id).toBe(message.id);

    const bad = await t.postJSON(`/console/api/outbox/${message.id}/events`, { event: 'teleported' });
    expect(bad.status).toBe(400);
    const stranger = await t.postJSON(`/console/api/outbox/${message.id}/events`, {
      event: 'open',
      email: 'stranger@example.test',
    });
    expect(stranger.status).toBe(400);

    const detail = await eventually(async () => {
      const body = (await (await t.get(`/console/api/outbox/${message.id}`)).json()) as {
        delivery: { status: string } | null;
        events: Array<{ status: string; event: { event: string } }>;
      };
      return body.events.length === 1 && body.events[0]!.status === 'done' ? body : null;
    }, 'the event to be handled');
    expect(detail.delivery?.status).toBe('delivered');
    const events = (await (await t.get('/console/api/events?event=delivered')).json()) as {
      items: Array<{ outboundMessageId: string }>;
    };
    expect(events.items.map((e) => e.outboundMessageId)).toContain(message.id);
    expect((await t.get('/console/events')).status).toBe(200);
    expect((await t.get(`/console/outbox/${message.id}`)).status).toBe(200);
  });

  it('seeds the demo world once: a restart adds nothing', async () => {
    const before = (await (await t.get('/console/api/outbox?limit=500')).json()) as { items: unknown[] };
    t = await t.restart();
    const after = (await (await t.get('/console/api/outbox?limit=500')).json()) as { items: unknown[] };
    expect(after.items.length).toBe(before.items.length);
    const members = await t.demo.app.fetch(
      new Request(`${t.demo.url}/lists/api/lists/friends/members`, {
        headers: { authorization: `Basic ${Buffer.from('admin:mailroom-demo').toString('base64')}` },
      }),
    );
    expect(((await members.json()) as { members: unknown[] }).members).toHaveLength(3);
  });
});
