import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedMessage } from '../message.js';
import { SendGridError, sendgridTransport } from './sendgrid.js';
import { startSendGridStandIn, type SendGridStandIn, type StandInReply } from './test-sendgrid-server.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: any;
}

/** A stand-in for api.sendgrid.com: answers each request with the next scripted reply. */
let standIn: SendGridStandIn;
let baseUrl: string;
let received: Received[] = [];
let script: StandInReply[] = [];

beforeAll(async () => {
  standIn = await startSendGridStandIn((request) => {
    if (request.method !== 'POST' || request.url !== '/v3/mail/send') return { status: 404 };
    received.push({ headers: request.headers, body: JSON.parse(request.body) });
    const reply = script.shift() ?? { status: 202, headers: { 'x-message-id': 'default-id' } };
    return {
      status: reply.status,
      headers: { 'content-type': 'application/json', ...reply.headers },
      body: reply.body ?? '',
    };
  });
  baseUrl = standIn.baseUrl;
});
afterAll(() => standIn.close());

function prepared(id: string, to: string, extra: Partial<PreparedMessage> = {}): PreparedMessage {
  return {
    id,
    from: { address: 'support@example.com', name: 'Support' },
    to: [{ address: to, name: '' }],
    cc: [],
    bcc: [],
    replyTo: [{ address: 'reply+abc@replies.example.com', name: '' }],
    subject: 'Re: Printer on fire',
    text: 'We are on it.',
    html: '<p>We are on it.</p>',
    headers: { 'Auto-Submitted': 'auto-replied' },
    attachments: [
      { filename: 'log.txt', contentType: 'text/plain', content: Buffer.from('hello'), contentId: null, inline: false },
    ],
    customArgs: { mailroom_id: id, ticket: '42' },
    categories: ['support'],
    messageId: `${id}@mail.example.com`,
    inReplyTo: 'orig@client.example',
    references: ['root@client.example', 'orig@client.example'],
    ...extra,
  };
}

function reset(next: typeof script) {
  received = [];
  script = next;
}

const waits: number[] = [];
const transport = (maxRetries = 3) =>
  sendgridTransport({
    apiKey: 'SG.test-key',
    baseUrl,
    maxRetries,
    retryBaseMs: 1,
    sleep: async (ms) => void waits.push(ms),
  });

describe('sendgridTransport', () => {
  it('posts a v3 Mail Send body and keeps X-Message-Id from the 202', async () => {
    reset([{ status: 202, headers: { 'x-message-id': 'LRzXl_NHStOGhQ4kofSm_A' } }]);
    const result = await transport().deliver([
      prepared('m1', 'ann@example.com', {
        cc: [
          { address: 'ANN@example.com', name: '' },
          { address: 'bob@example.com', name: 'Bob' },
        ],
      }),
    ]);
    expect(result).toEqual({ providerMessageId: 'LRzXl_NHStOGhQ4kofSm_A' });
    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    expect(headers.authorization).toBe('Bearer SG.test-key');
    expect(headers['content-type']).toBe('application/json');
    expect(body).toEqual({
      personalizations: [
        {
          to: [{ email: 'ann@example.com' }],
          cc: [{ email: 'bob@example.com', name: 'Bob' }], // the duplicate of "to" is dropped, SendGrid would reject it
          subject: 'Re: Printer on fire',
          headers: {
            'Auto-Submitted': 'auto-replied',
            'Message-ID': '<m1@mail.example.com>',
            'In-Reply-To': '<orig@client.example>',
            References: '<root@client.example> <orig@client.example>',
          },
          custom_args: { mailroom_id: 'm1', ticket: '42' },
        },
      ],
      from: { email: 'support@example.com', name: 'Support' },
      subject: 'Re: Printer on fire',
      content: [
        { type: 'text/plain', value: 'We are on it.' },
        { type: 'text/html', value: '<p>We are on it.</p>' },
      ],
      reply_to: { email: 'reply+abc@replies.example.com' },
      categories: ['support'],
      attachments: [{ content: 'aGVsbG8=', filename: 'log.txt', type: 'text/plain', disposition: 'attachment' }],
    });
  });

  it('sends a batch as personalizations of one request, each with its own custom args', async () => {
    reset([{ status: 202, headers: { 'x-message-id': 'batch-1' } }]);
    const batch = Array.from({ length: 1000 }, (_, i) => prepared(`m${i}`, `member${i}@example.com`));
    await expect(transport().deliver(batch)).resolves.toEqual({ providerMessageId: 'batch-1' });
    expect(received).toHaveLength(1);
    const { personalizations } = received[0]!.body;
    expect(personalizations).toHaveLength(1000);
    expect(personalizations[999].to).toEqual([{ email: 'member999@example.com' }]);
    expect(personalizations[999].custom_args.mailroom_id).toBe('m999');
    expect(personalizations[999].headers['Message-ID']).toBe('<m999@mail.example.com>');
    await expect(transport().deliver([...batch, prepared('x', 'x@example.com')])).rejects.toThrow(/at most 1000/);
  });

  it('surfaces SendGrid 400 error messages without retrying', async () => {
    reset([
      {
        status: 400,
        body: JSON.stringify({
          errors: [
            { message: 'The from email does not contain a valid address.', field: 'from.email', help: null },
            { message: 'Invalid type. Expected: array, given: string.', field: 'categories' },
          ],
        }),
      },
    ]);
    const error = await transport()
      .deliver([prepared('m1', 'ann@example.com')])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SendGridError);
    const sg = error as SendGridError;
    expect(sg.status).toBe(400);
    expect(sg.retryable).toBe(false);
    expect(sg.messages).toEqual([
      'The from email does not contain a valid address.',
      'Invalid type. Expected: array, given: string.',
    ]);
    expect(sg.fields).toEqual(['from.email', 'categories']);
    expect(sg.message).toContain('from.email: The from email does not contain a valid address.');
    expect(received).toHaveLength(1);
  });

  it('honours Retry-After on 429 and then succeeds', async () => {
    waits.length = 0;
    reset([
      { status: 429, headers: { 'retry-after': '7' }, body: '{"errors":[{"message":"too many requests"}]}' },
      { status: 202, headers: { 'x-message-id': 'after-429' } },
    ]);
    await expect(transport().deliver([prepared('m1', 'ann@example.com')])).resolves.toEqual({
      providerMessageId: 'after-429',
    });
    expect(received).toHaveLength(2);
    expect(waits).toEqual([7000]);
  });

  it('retries 500s with backoff and gives up with a retryable error', async () => {
    waits.length = 0;
    reset([{ status: 500 }, { status: 503 }, { status: 202, headers: { 'x-message-id': 'third-time' } }]);
    await expect(transport().deliver([prepared('m1', 'ann@example.com')])).resolves.toEqual({
      providerMessageId: 'third-time',
    });
    expect(received).toHaveLength(3);
    expect(waits).toHaveLength(2);

    reset([
      { status: 500, body: 'oops' },
      { status: 500, body: 'oops' },
    ]);
    const error = (await transport(1)
      .deliver([prepared('m1', 'ann@example.com')])
      .catch((e: unknown) => e)) as SendGridError;
    expect(error).toBeInstanceOf(SendGridError);
    expect(error.retryable).toBe(true);
    expect(error.status).toBe(500);
    expect(error.messages).toEqual(['oops']);
    expect(received).toHaveLength(2);
  });

  it('treats an unreachable server as retryable', async () => {
    const dead = sendgridTransport({ apiKey: 'k', baseUrl: 'http://127.0.0.1:1', maxRetries: 0 });
    const error = (await dead.deliver([prepared('m1', 'ann@example.com')]).catch((e: unknown) => e)) as SendGridError;
    expect(error).toBeInstanceOf(SendGridError);
    expect(error.retryable).toBe(true);
    expect(error.status).toBeNull();
  });
});
